#!/usr/bin/env bash
# Run every test as `make test` does, timed from the first install step to the last test.
#
#   scripts/test.sh MAKE VENV [PYTEST ARGS...]
#
# Called by the Makefile (`make test`). Steps:
#   1. `make -j2 install node-tools` (the pinned environment in VENV and the view's Node
#      tools, side by side), then `make lint test-js` (ruff, Biome and tsc, then the view's
#      JavaScript tests in Node) in the background, beside step 2;
#   2. pytest on every core with pytest-xdist (`-n WORKERS`, default one a logical core;
#      `--dist loadgroup` keeps the browser tests on one worker, with one JupyterLab, one
#      Voila and one Chromium, and the real runs on one worker, one at a time);
#   3. the time it all took, against the budget of 8 minutes (README, Contributing).
# The whole output also goes to test-artifacts/make-test.log; a failing run's log is kept
# as test-artifacts/failed/<date>-<time>.log, so the next run does not overwrite it.
set -uo pipefail
make=$1 venv=$2
shift 2
cd "$(dirname "$0")/.."
budget=480 # seconds: the suite's budget on the project's 2-core machine, installs included
# one worker a logical core (a worker more was tried: 27 s quicker, but the real runs, timed
# in tenths of real seconds, then met a processor so busy that every request timed out)
workers=${TEST_WORKERS:-logical}
artifacts=test-artifacts
mkdir -p "$artifacts"
log=$artifacts/make-test.log
began=$(date +%s)
lint_log=$artifacts/lint.log
{
    "$make" --no-print-directory -j2 install node-tools || exit 1
    # the linters and the view's JavaScript tests (about 16 s) run beside pytest, whose
    # first minutes leave a core idle (the browser and real-run groups wait); their output
    # is shown after pytest's, and either failing fails make test
    "$make" --no-print-directory lint test-js >"$lint_log" 2>&1 &
    lint=$!
    "$venv/bin/python" -m pytest -n "$workers" --dist loadgroup --durations=20 "$@"
    tests=$?
    wait "$lint"
    linted=$?
    echo "-- make lint test-js (beside pytest):"
    cat "$lint_log"
    [ "$linted" -eq 0 ] || echo "statelab: make lint test-js FAILED (above)"
    [ "$tests" -eq 0 ] && [ "$linted" -eq 0 ]
} 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
took=$(($(date +%s) - began))
verdict="within the budget of $((budget / 60)) min"
[ "$took" -gt "$budget" ] && verdict="OVER the budget of $((budget / 60)) min: see README, Contributing"
summary="statelab: make test took $((took / 60)) min $((took % 60)) s, installs included ($verdict)"
if [ "$status" -ne 0 ]; then
    mkdir -p "$artifacts/failed"
    kept=$artifacts/failed/$(date +%Y%m%d-%H%M%S).log
    cp "$log" "$kept"
    summary="$summary; it FAILED, its log is kept in $kept"
fi
echo "$summary" | tee -a "$log"
exit "$status"
