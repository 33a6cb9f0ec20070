# statelab: two commands, `make lab` and `make test`; see README.md.
# Everything runs in a virtual environment in .venv, installed with the pinned
# versions of constraints.txt, so every learner and presenter gets the same stack.
# The install (scripts/install.sh) uses uv, bootstrapped into .venv with pip, and
# falls back to pip where uv cannot be had; INSTALLER=pip forces pip.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.statelab-installed
INSTALLER ?= auto
EXTRAS := lab,test,dask,dev
# Extra options for JupyterLab (make lab) or Voila (make present), for example
#   make lab LAB_ARGS="--no-browser --ServerApp.port=8899"
#   make present LAB_ARGS="--no-browser --ServerApp.port=8867"
LAB_ARGS ?=
# Jupyter refuses to run as root unless told: told only in CI or a container (PID 1 not init).
AS_ROOT := $(if $(and $(filter 0,$(shell id -u)),$(or $(CI),$(container),$(wildcard /.dockerenv /run/.containerenv),$(filter-out systemd init,$(shell cat /proc/1/comm 2>/dev/null)))),--allow-root,)

.PHONY: help install node-tools lab present test test-busy test-js js js-fixtures lint bench site lite expected thresholds lock clean

help:
	@echo "make lab       set up .venv and open the course in JupyterLab"
	@echo "make test      set up .venv and run every test (unit, theory, notebooks, lint)"
	@echo "make test-busy run make test 3 times while other processes keep every core busy"
	@echo "make present   open the free-play Lab in Voila (a page with no code, for a room)"
	@echo "make bench     run the benchmarks"
	@echo "make site      build the course as a static website in site/ (no Python needed to read it)"
	@echo "make lite      build the course as a JupyterLite site, run in a browser, in lite/"
	@echo "make expected  record the back-tests again (after a change of behaviour that is meant)"
	@echo "make js        bundle the view's JavaScript (statelab/dashboards/static/src) with esbuild"
	@echo "make test-js   run the view's JavaScript tests in Node (tests/js)"
	@echo "make lock      re-pin constraints.txt from a fresh install of the newest versions"
	@echo "make clean     remove .venv and caches"

$(STAMP): pyproject.toml constraints.txt scripts/install.sh
	@scripts/install.sh "$(VENV)" "$(PYTHON)" "$(EXTRAS)" "$(INSTALLER)"
	@touch $(STAMP)

install: $(STAMP)

# The view's JavaScript tools (esbuild, Biome, TypeScript), pinned in package-lock.json:
# only for make js, lint and test; learners need no Node (the bundle is committed).
NODE_STAMP := node_modules/.statelab-installed
$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "statelab: make js, lint and test need Node.js 18 or newer and npm (Debian: apt-get install nodejs npm)"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $(NODE_STAMP)

node-tools: $(NODE_STAMP)

# Bundle the view's sources into the file anywidget loads (commit it with the sources).
js: $(NODE_STAMP)
	node scripts/build_js.mjs

# The Node tests' fixtures: each preset's payload and Python's answers (commit them).
js-fixtures: $(STAMP)
	$(BIN)/python scripts/js_fixtures.py

test-js: $(NODE_STAMP)
	node --test --test-reporter=spec tests/js/*.test.mjs

lab: $(STAMP)
	@$(BIN)/python scripts/lab.py $(AS_ROOT) $(LAB_ARGS)

present: $(STAMP)
	@$(BIN)/python scripts/lab.py --present $(AS_ROOT) $(LAB_ARGS)

# make test: install, lint, then pytest on every core (scripts/test.sh), timed against its
# budget of 8 minutes; PYTEST_ARGS picks tests (make test PYTEST_ARGS=tests/test_theory.py),
# TEST_WORKERS the number of xdist workers (default: one a logical core).
PYTEST_ARGS ?=
test:
	@scripts/test.sh "$(MAKE)" "$(VENV)" $(PYTEST_ARGS)

# make test while other processes keep every core busy, 3 times (scripts/test_busy.py)
test-busy: $(STAMP)
	$(BIN)/python scripts/test_busy.py --runs $(or $(RUNS),3)

lint: $(STAMP) $(NODE_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo
	node_modules/.bin/biome check
	node_modules/.bin/tsc --noEmit -p jsconfig.json

bench: $(STAMP)
	$(BIN)/python bench/bench_setup.py
	$(BIN)/python bench/bench_core.py
	$(BIN)/python bench/bench_sweep.py
	$(BIN)/python bench/bench_lab.py
	$(BIN)/python bench/bench_memory.py
	$(BIN)/python bench/bench_worst_case.py
	$(BIN)/python bench/bench_course.py
	$(BIN)/python bench/bench_browser.py
	$(BIN)/python bench/bench_real.py
	$(BIN)/python bench/bench_agreement.py
	$(BIN)/python bench/bench_notebook09.py
	$(BIN)/python bench/bench_site.py
	$(BIN)/python bench/loss_shares.py

# The course as a JupyterLite site in lite/ (scripts/lite.py): static files, with the statelab
# wheel it builds; notebooks 00-08 and the Lab, not 09. Its kernel loads Pyodide from the internet.
# The course as a static website in site/ (statelab/site/build.py): every notebook run headless
# and written as a page whose views play with no kernel, and the Labs' grids of runs. Takes
# the widget manager and require.js from node_modules (pinned in package-lock.json).
# SITE_JOBS: notebooks run at once (make test runs 1, beside its other tests); SITE_OUT: where.
SITE_JOBS ?= 2
SITE_OUT ?= site
site: $(STAMP) $(NODE_STAMP)
	$(BIN)/python -m statelab.site --jobs $(SITE_JOBS) --output $(SITE_OUT)

lite: $(STAMP)
	$(BIN)/python scripts/lite.py

# Record the back-tests' numbers again (tests/expected/), when a change of behaviour is meant.
expected: $(STAMP)
	$(BIN)/python tests/record_expected.py

# the threshold exercises' answers over their seeds, kept for check() (tests/test_thresholds.py)
thresholds: $(STAMP)
	$(BIN)/python scripts/thresholds.py

lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet uv
	.lock-venv/bin/python -m uv pip install --quiet --python .lock-venv/bin/python ".[$(EXTRAS)]"
	.lock-venv/bin/python -m pip freeze --exclude-editable | grep -v '^statelab' \
		| sed 's/$$/ ; python_version >= "3.11"/' > constraints.tmp
	{ echo '# Pinned versions of everything make installs (Python 3.11 and newer).'; \
	  echo '# Made by `make lock`. On Python 3.10 these pins are skipped and the ranges'; \
	  echo '# of pyproject.toml apply.'; cat constraints.tmp; } > constraints.txt
	rm -rf .lock-venv constraints.tmp

clean:
	rm -rf $(VENV) node_modules site lite .pytest_cache .ruff_cache .import_linter_cache .hypothesis
