"""The project around the package: its environments agree, and `make lab` serves the course."""

from __future__ import annotations

import json
import os
import re
import secrets
import select
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml
from conftest import ROOT
from packaging.markers import Marker
from packaging.requirements import Requirement

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
#: conda-forge's names of Python packages whose PyPI name differs.
CONDA_TO_PYPI = {"redis-py": "redis"}
#: Programs environment.yml installs that are not Python packages (real runs' Redis server).
CONDA_PROGRAMS = {"redis-server"}


def conda_requirements() -> tuple[str, dict[str, str]]:
    """The Python version and the {PyPI name: version specifier} of environment.yml's
    Python packages (its programs, such as the Redis server, left out)."""
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert environment["channels"] == ["conda-forge"]
    python, found = "", {}
    for item in environment["dependencies"]:
        if isinstance(item, dict):
            assert item == {"pip": ["-e ."]}, "the only pip install is statelab itself"
            continue
        requirement = Requirement(
            item.replace("=", "==", 1)
            if "=" in item and not any(op in item for op in ("==", ">=", "<=", "!="))
            else item
        )
        if requirement.name == "python":
            python = str(requirement.specifier).lstrip("=")
        elif requirement.name not in CONDA_PROGRAMS | {"pip"}:
            name = CONDA_TO_PYPI.get(requirement.name, requirement.name)
            found[name] = str(requirement.specifier)
    return python, found


def pyproject_requirements(python: str) -> dict[str, str]:
    """{name: specifier} of the package and its `lab` extra, for that Python version."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    found = {}
    for item in project["dependencies"] + project["optional-dependencies"]["lab"]:
        requirement = Requirement(item)
        marker: Marker | None = requirement.marker
        if marker is None or marker.evaluate({"python_version": python}):
            found[requirement.name] = str(requirement.specifier)
    return found


def test_environment_yml_names_the_same_dependencies_as_pyproject():
    python, conda = conda_requirements()
    assert python, "environment.yml pins a Python version"
    assert conda == pyproject_requirements(python)


PINS_APPLY = pytest.mark.skipif(
    sys.version_info < (3, 11),
    reason="constraints.txt pins versions for Python 3.11 and newer; 3.10 gets the ranges",
)


def normalised(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def pinned_specifiers() -> dict[str, str]:
    """{normalised name: specifier} of the pins of constraints.txt that apply to this Python."""
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate():
                pins[normalised(requirement.name)] = str(requirement.specifier)
    return pins


def pinned_versions() -> dict[str, str]:
    """{normalised name: version} of the pins of constraints.txt that apply to this Python."""
    return {name: spec.removeprefix("==") for name, spec in pinned_specifiers().items()}


@PINS_APPLY
def test_the_constraints_pin_every_dependency_for_the_course():
    pins = pinned_specifiers()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    for item in project["dependencies"] + extras["lab"] + extras["test"] + extras["dev"]:
        requirement = Requirement(item)
        if requirement.name == "statelab" or (
            requirement.marker and not requirement.marker.evaluate()
        ):
            continue
        name = normalised(requirement.name)
        assert name in pins, f"{name} is not pinned in constraints.txt (run make lock)"
        assert pins[name].startswith("=="), name
        assert requirement.specifier.contains(pins[name][2:]), f"{name}: pin outside range"


def make_install(
    venv,
    env: dict | None = None,
    installer: str = "auto",
    extras: str | None = None,
    where: Path = ROOT,
) -> str:
    """Run the Makefile's install target (the one in ``where``) into ``venv`` (with
    ``extras`` instead of the Makefile's, if given); return what it printed."""
    chosen = [] if extras is None else [f"EXTRAS={extras}"]
    done = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "install",
            f"VENV={venv}",
            f"INSTALLER={installer}",
            *chosen,
        ],
        cwd=where,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def installed_versions(venv) -> dict[str, str]:
    """{normalised name: version} of every distribution installed in ``venv``."""
    listing = subprocess.run(
        [
            f"{venv}/bin/python",
            "-c",
            "import importlib.metadata as m, json; "
            "print(json.dumps({d.metadata['Name']: d.version for d in m.distributions()}))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return {normalised(name): version for name, version in json.loads(listing.stdout).items()}


def assert_installs_the_pins(venv, every: bool = True) -> None:
    """Every package installed in ``venv`` is pinned, at its pin; ``every``: and every pin
    is installed (a full install; an install of fewer extras installs a part of them)."""
    pins, installed = pinned_versions(), installed_versions(venv)
    assert "uv" in pins, "uv is pinned like everything else make installs"
    wrong = {
        name: (installed.get(name), pin)
        for name, pin in pins.items()
        if name != "uv" and (every or name in installed) and installed.get(name) != pin
    }
    assert not wrong, f"installed versions that are not the pins (installed, pin): {wrong}"
    unpinned = set(installed) - set(pins) - {"statelab", "pip", "setuptools"}
    assert not unpinned, f"installed but not pinned in constraints.txt: {unpinned}"


def in_a_git_checkout() -> bool:
    return bool(shutil.which("git")) and (ROOT / ".git").exists()


def git(where: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=where, capture_output=True, text=True, check=True
    ).stdout


def learners_clone(clone: Path) -> Path:
    """A fresh clone of this checkout, with the working tree's Makefile, install script and
    pins (what is tested is the work in progress, not the last commit)."""
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    # git trusts a file's time only if the index was written a second or more after it:
    # right after a clone it was not, and the first `git diff` would pass every notebook
    # through the filter (17 s). With every file's time set ten seconds back, and the index
    # refreshed before the filter exists, the index is as a learner's clone's is by the
    # time they run a notebook (a second's wait after the clone does the same, slower).
    back = time.time() - 10
    for name in git(clone, "ls-files", "-z").split("\0"):
        if name:
            os.utime(clone / name, (back, back), follow_symlinks=False)
    git(clone, "update-index", "-q", "--really-refresh")
    for name in ("Makefile", "scripts/install.sh", "pyproject.toml", "constraints.txt"):
        shutil.copy(ROOT / name, clone / name)
    return clone


@PINS_APPLY
@pytest.mark.slow
def test_make_install_uses_uv_installs_exactly_the_pins_and_keeps_outputs_out_of_git(tmp_path):
    """`make install` as a learner runs it, in a fresh clone: uv installs exactly the pins,
    and nbstripout becomes the notebooks' git filter; then a notebook run and saved: git
    sees no change, and what it would commit is clean, while the file keeps its output.
    (One install for both checks: making an environment from nothing is most of the time.)
    Without git or outside a git checkout, the install goes to a folder of its own, and the
    git part is left out."""
    clone = learners_clone(tmp_path / "clone") if in_a_git_checkout() else None
    venv = clone / ".venv" if clone else tmp_path / "venv"
    # an environment thrown away after the test: its .pyc files are not written (14 s of
    # make test's budget), the one step of a learner's install it leaves out
    output = make_install(venv, env={"STATELAB_COMPILE_BYTECODE": "0"}, where=clone or ROOT)
    steps = [line for line in output.splitlines() if line.strip()]
    assert steps[0].startswith("statelab: creating the environment in")
    assert "with uv" in steps[1], output
    assert steps[2].startswith("statelab: installed"), output
    filtered = (
        "statelab: notebooks' outputs stay out of git: nbstripout is installed as a git filter"
    )
    assert steps[3:] == ([filtered] if clone else []), output
    assert_installs_the_pins(venv)
    assert installed_versions(venv)["uv"] == pinned_versions()["uv"]
    if clone:
        assert_outputs_stay_out_of_git(clone)


def assert_outputs_stay_out_of_git(clone: Path) -> None:
    """A notebook run and saved in ``clone``, whose install set nbstripout up: git sees no
    change, and what it would commit is clean, while the file keeps its output; and the
    filter leaves every clean notebook as it is, to the byte."""
    name = "notebooks/00_start_here.ipynb"
    path = clone / name
    notebook = json.loads(path.read_text(encoding="utf-8"))
    cell = next(cell for cell in notebook["cells"] if cell["cell_type"] == "code")
    cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["a learner ran it\n"]}]
    cell["execution_count"] = 1
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")

    # `git add` passes the file through the filter, as `git diff` and `git status` do (once
    # is enough: the filter's output is what they all compare with what git holds)
    git(clone, "add", name)
    assert git(clone, "diff", "--cached", "--", name) == "", "git sees the output as a change"
    assert git(clone, "status", "--porcelain", "--", name) == ""
    staged = json.loads(git(clone, "show", f":{name}"))
    assert all(not c["outputs"] for c in staged["cells"] if c["cell_type"] == "code")
    assert "a learner ran it" in path.read_text(encoding="utf-8"), "the learner's file is kept"
    # the filter leaves every clean notebook as it is, to the byte: the filter's own command
    # (from git's config), run once over all of them, writes each as git would store it
    # (a `git diff` a notebook would start it once a notebook, about 1.4 s each)
    clean = shlex.split(git(clone, "config", "filter.nbstripout.clean"))
    names = [f"notebooks/{n.name}" for n in NOTEBOOKS if n.name != path.name]
    shown = subprocess.run(
        [*clean, "--textconv", *names], cwd=clone, capture_output=True, text=True, check=True
    ).stdout
    originals = [(clone / name).read_text(encoding="utf-8") for name in names]
    if shown != "".join(originals):
        changed = [
            name
            for name in names
            if subprocess.run(
                [*clean, "--textconv", name], cwd=clone, capture_output=True, text=True
            ).stdout
            != (clone / name).read_text(encoding="utf-8")
        ]
        pytest.fail(f"the filter changes clean notebooks: {changed}")


@PINS_APPLY
@pytest.mark.slow
@pytest.mark.skipif(
    not os.environ.get("STATELAB_CHECK_PIP_ROUTE"),
    reason="the pip route takes half a minute or more: .ci/run checks it after make test "
    "(STATELAB_CHECK_PIP_ROUTE=1)",
)
def test_make_install_falls_back_to_pip_where_uv_cannot_be_had(tmp_path):
    """The package alone (no extras): the route and the pins are what is checked, and pip
    takes about a minute for the whole set (uv's test installs that, and checks every pin)."""
    impossible = tmp_path / "no-uv.txt"
    impossible.write_text("uv==0.0.0\n")  # no such release: the uv bootstrap fails
    venv = tmp_path / "venv"
    output = make_install(venv, env={"PIP_CONSTRAINT": str(impossible)}, extras="")
    assert "uv could not be installed here, so pip installs" in output
    assert "installing statelab and its dependencies with pip" in output
    assert_installs_the_pins(venv, every=False)
    installed = installed_versions(venv)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for item in project["dependencies"]:  # the package's own dependencies are all there
        requirement = Requirement(item)
        if requirement.marker is None or requirement.marker.evaluate():
            assert normalised(requirement.name) in installed, item


def test_a_python_too_old_is_refused_in_one_line(tmp_path):
    fake = tmp_path / "python3.9"
    fake.write_text('#!/bin/sh\nif [ "$1" = -V ]; then echo Python 3.9.2; exit 0; fi\nexit 1\n')
    fake.chmod(0o755)
    done = subprocess.run(
        ["make", "--no-print-directory", "install", f"VENV={tmp_path / 'venv'}", f"PYTHON={fake}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0
    assert "needs Python 3.10 or newer" in done.stderr and "Python 3.9.2" in done.stderr
    assert not (tmp_path / "venv").exists()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.skipif(
    not (ROOT / ".venv" / ".statelab-installed").exists(),
    reason="make lab needs the .venv that make test creates; run make test",
)
def test_make_lab_starts_jupyterlab_on_the_course(tmp_path):
    port, token = free_port(), secrets.token_hex(16)
    options = (
        f"--no-browser --ServerApp.ip=127.0.0.1 --ServerApp.port={port} "
        f"--ServerApp.port_retries=0 --IdentityProvider.token={token} "
        f"--LabApp.workspaces_dir={tmp_path}"
    )
    server = subprocess.Popen(
        ["make", "--no-print-directory", "lab", f"LAB_ARGS={options}"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env={**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "config")},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        status = wait_for_json(f"{base}/api/status?token={token}", server, timeout=60)
        assert "started" in status
        contents = get_json(f"{base}/api/contents/?token={token}")
        names = {item["name"] for item in contents["content"]}
        assert "00_start_here.ipynb" in names
        assert all(name.endswith(".ipynb") or name.startswith(".") for name in names)
        with urllib.request.urlopen(f"{base}/lab?token={token}", timeout=10) as page:
            assert page.status == 200 and b"JupyterLab" in page.read()
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{base}/api/contents/", timeout=10)
        assert refused.value.code == 403  # the token is required
        refused.value.close()
        # one line says where the course is (read from the runtime file JupyterLab writes
        # once it serves, so it may come a moment after the first answer)
        where = f"statelab: JupyterLab is at {base}/lab/tree/00_start_here.ipynb?token={token}"
        early = read_until(server, "statelab: press Ctrl+C twice to stop it", timeout=30)
    finally:
        output = stop(server)
    output = early + output
    assert where in output.splitlines(), output
    assert "statelab: press Ctrl+C twice to stop it" in output
    assert "Warning" not in output, output
    # JupyterLab greets a learner with the course, not with a question about news
    overrides = ROOT / ".venv" / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    notification = json.loads(overrides.read_text())["@jupyterlab/apputils-extension:notification"]
    assert notification["fetchNews"] == "false" and notification["checkForUpdates"] is False


@pytest.mark.skipif(
    not (ROOT / ".venv" / ".statelab-installed").exists(),
    reason="make present needs the .venv that make test creates; run make test",
)
def test_make_present_serves_the_lab_in_voila_behind_a_token(tmp_path):
    port, token = free_port(), secrets.token_hex(16)
    options = (
        f"--no-browser --ServerApp.ip=127.0.0.1 --ServerApp.port={port} "
        f"--ServerApp.port_retries=0 --IdentityProvider.token={token} "
        # the presenter's culling of idle kernels, sped up (the Makefile's waits 300 s)
        "--MappingKernelManager.cull_idle_timeout=3 --MappingKernelManager.cull_interval=1"
    )
    server = subprocess.Popen(
        ["make", "--no-print-directory", "present", f"LAB_ARGS={options}"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
        env={**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
             "JUPYTER_DATA_DIR": str(tmp_path / "data")},
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    page_url = f"{base}/voila/render/lab.ipynb"
    try:
        wait_for_json(f"{base}/api/status?token={token}", server, timeout=90)
        # two visits with the token, side by side (each kernel runs the notebook meanwhile):
        # one reads the page and leaves no page connected to its kernel; Chromium's below
        with ThreadPoolExecutor(max_workers=1) as pool:
            fetched = pool.submit(fetch, f"{page_url}?token={token}")
            # without the token: the login page, no Lab (and so no kernel started)
            with urllib.request.urlopen(page_url, timeout=30) as answer:
                assert "/login" in answer.url
                assert b"widget-view+json" not in answer.read()
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(f"{base}/api/kernels", timeout=10)
            assert refused.value.code == 403
            refused.value.close()
            # a page on another site that points its name at 127.0.0.1 (DNS rebinding) is
            # refused
            foreign = urllib.request.Request(
                f"{page_url}?token={token}", headers={"Host": f"evil.example.com:{port}"}
            )
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(foreign, timeout=10)
            assert refused.value.code == 403
            refused.value.close()
            outside, refused = open_and_leave(f"{page_url}?token={token}")
            status, page = fetched.result()
        # the page holds the rendered notebook: the Lab and Compare widgets, no code
        assert status == 200
        assert page.count(b"application/vnd.jupyter.widget-view+json") == 2
        assert b"from statelab.widgets import" not in page
        # every stylesheet and script is served here: an offline room gets the whole page
        remote = re.findall(rb'<(?:link|script)[^>]*(?:href|src)="(?:https?:)?//[^"]*"', page)
        assert remote == [], remote
        assert outside == [], f"the room's page asked outside the machine for {outside}"
        assert refused == [], refused
        # the visit's kernel, with no page connected to it, is shut down once idle
        deadline = time.monotonic() + 30
        while get_json(f"{base}/api/kernels?token={token}") and time.monotonic() < deadline:
            time.sleep(0.5)
        assert get_json(f"{base}/api/kernels?token={token}") == []
        early = read_until(server, "statelab: press Ctrl+C twice to stop it", timeout=30)
    finally:
        output = stop(server)
    where = f"statelab: the Lab in Voila is at {page_url}?token={token}"
    assert where in (early + output).splitlines(), early + output
    # leaving the page shut its kernel down with no error in the server's log (its _xsrf)
    refusals = [line for line in (early + output).splitlines() if "/voila/api/shutdown" in line]
    assert refusals == [], refusals


def fetch(url: str) -> tuple[int, bytes]:
    """The status and the body of the answer to a GET of ``url``."""
    with urllib.request.urlopen(url, timeout=90) as answer:
        return answer.status, answer.read()


def open_and_leave(url: str) -> tuple[list[str], list[str]]:
    """Open the room's page in Chromium, wait for the Lab's view, then leave it, as a reload
    does first (the page shuts its kernel down as it goes): the requests that would have left
    the machine (refused) and the answers of 400 or more."""
    from browser.conftest import CHROMIUM, FLAGS
    from playwright.sync_api import sync_playwright

    outside, refused = [], []

    def loopback_only(route):
        if urllib.parse.urlsplit(route.request.url).hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    def answered(response):
        if response.status >= 400:
            refused.append(f"{response.status} {response.request.method} {response.url}")

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = chromium.new_page()
            page.route("**/*", loopback_only)
            page.on("response", answered)
            page.goto(url)
            page.wait_for_selector(".statelab-anim[data-frame]", timeout=120_000)
            page.goto("about:blank")  # leaving: the page's beacon shuts its kernel down
            page.wait_for_timeout(500)  # and the server answers it
        finally:
            chromium.close()
    return outside, refused


def read_until(server: subprocess.Popen, text: str, timeout: float) -> str:
    """Read ``server``'s output until it holds ``text`` (or ``timeout`` s); return it.

    Reads the pipe's file descriptor itself, not the buffered file, so that what is left
    is still there for :func:`stop` (``communicate`` reads the descriptor too).
    """
    fd, output, deadline = server.stdout.fileno(), b"", time.monotonic() + timeout
    while text.encode() not in output and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], deadline - time.monotonic())
        chunk = os.read(fd, 65536) if ready else b""
        if not chunk:
            break
        output += chunk
    return output.decode(errors="replace")


def stop(server: subprocess.Popen) -> str:
    """Stop a server started with start_new_session=True, with its whole process group.

    Returns what it printed.
    """
    os.killpg(server.pid, signal.SIGTERM)
    try:
        output, _ = server.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        output, _ = server.communicate()
    return output.decode(errors="replace")


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def wait_for_json(url: str, server: subprocess.Popen, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            output = server.stdout.read().decode(errors="replace") if server.stdout else ""
            pytest.fail(f"make lab exited with {server.returncode}:\n{output[-3000:]}")
        try:
            return get_json(url)
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.25)
    pytest.fail(f"JupyterLab did not answer at {url} within {timeout} s")


# -- make test's workers -----------------------------------------------------------------

GROUPED_TEST = """
import os, pathlib, pytest

@pytest.mark.parametrize("n", range(6))
def test_where(n):
    pathlib.Path(os.environ["WHERE"], f"{__name__}-{n}").write_text(
        os.environ["PYTEST_XDIST_WORKER"])
"""


def test_make_tests_workers_keep_each_group_on_one_worker(tmp_path):
    """`make test`'s pytest-xdist run keeps the browser tests on one worker and the real runs
    on one worker (tests/xdist_groups.py), and spreads the rest: checked on a small suite of
    the same shape, so that a pytest or xdist that drops the groups (pytest 9.2 with xdist
    3.8 did, silently) fails here rather than making the real runs share the processor."""
    project, where = tmp_path / "project", tmp_path / "where"
    for folder in ("tests/browser", "tests/real", "tests/plain"):
        (project / folder).mkdir(parents=True)
        for name in ("a", "b"):
            (project / folder / f"test_{folder.split('/')[1]}_{name}.py").write_text(GROUPED_TEST)
    (project / "tests" / "browser" / "__init__.py").write_text("")
    (project / "tests" / "conftest.py").write_text(
        "import pytest\nfrom xdist_groups import group_and_order\n\n"
        "@pytest.hookimpl(tryfirst=True)\n"
        "def pytest_collection_modifyitems(config, items):\n"
        "    group_and_order(items)\n"
    )
    where.mkdir()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-n",
            "2",
            "--dist",
            "loadgroup",
            "-p",
            "no:cacheprovider",
            "tests",
        ],
        cwd=project,
        capture_output=True,
        text=True,
        env={**os.environ, "WHERE": str(where), "PYTHONPATH": str(ROOT / "tests")},
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    workers: dict[str, set[str]] = {}
    for record in where.iterdir():
        group = record.name.split("_")[1]  # test_<group>_<a|b>-<n>
        workers.setdefault(group, set()).add(record.read_text())
    assert sum(1 for _ in where.iterdir()) == 36
    assert len(workers["browser"]) == 1 and len(workers["real"]) == 1, workers
