"""Fixtures for the browser tests: JupyterLab and Voila on loopback, driven by Debian's Chromium.

One JupyterLab and one Voila server start per test session, each in its own
process group, on a free loopback port with a random token, serving a
temporary copy of the notebooks (so no test can write into the course). The
browser is Debian's ``/usr/bin/chromium`` (never a downloaded one), driven by
Python playwright.

Without Chromium the tests are skipped with a message that says how to run
them; with ``STATELAB_REQUIRE_BROWSER=1`` (as ``.ci/run`` sets) a missing
browser is a failure instead. When a test fails, a screenshot of its page is
kept under ``test-artifacts/browser/`` and its path printed with the failure.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from snippets import snippets

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("STATELAB_CHROMIUM", "/usr/bin/chromium")
REQUIRED = os.environ.get("STATELAB_REQUIRE_BROWSER") == "1"
ARTIFACTS = ROOT / "test-artifacts" / "browser"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
#: The browser tests' servers (and the kernels they start) and Chromium run niced: the real
#: runs on the other worker, timed in tenths of real seconds, get the processor first (their
#: timed checks failed on CI runs beside a busy browser group). Chromium is niced less: a test
#: here counts the view's frames a second (at least 10).
NICE_SERVER = ["nice", "-n", "10"]
NICE_BROWSER = 5


def niced_chromium() -> str:
    """A script that starts Debian's Chromium niced (``NICE_BROWSER``), for playwright's
    ``executable_path``: written once into the temporary folder, this process's own."""
    path = Path(tempfile.gettempdir()) / f"statelab-chromium-niced-{os.getpid()}.sh"
    if not path.exists():
        path.write_text(f'#!/bin/sh\nexec nice -n {NICE_BROWSER} "{CHROMIUM}" "$@"\n')
        path.chmod(0o755)
    return str(path)


HOW = (
    "install Debian's chromium (apt-get install -y chromium) and run make test again; "
    "CI installs it and fails without it"
)


def browser_missing() -> str:
    """Why the browser tests cannot run here ("" when they can)."""
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM}"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    return ""


def pytest_collection_modifyitems(config, items):
    missing = browser_missing()
    for item in items:
        if "tests/browser" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
            if missing and not REQUIRED:
                item.add_marker(pytest.mark.skip(reason=f"browser tests skipped: {missing}; {HOW}"))


def pytest_terminal_summary(terminalreporter):
    missing = browser_missing()
    if missing and not REQUIRED:
        terminalreporter.write_line(
            f"NOTE: the browser tests were skipped ({missing}): {HOW}.", yellow=True, bold=True
        )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed and "page" in item.funcargs:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{item.name.replace('/', '_')}.png"
        try:
            item.funcargs["page"].screenshot(path=str(path), full_page=True)
            report.sections.append(("screenshot", f"screenshot of the page: {path}"))
            print(f"\nscreenshot of the failing page: {path}", file=sys.stderr)
        except Exception as error:  # the page may be gone; the failure itself matters more
            report.sections.append(("screenshot", f"no screenshot: {error}"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A server process in its own process group, stopped with its whole group."""

    def __init__(self, command: list[str], cwd: Path, url: str, log: Path, env: dict) -> None:
        self.url = url
        self.log = log
        self._file = open(log, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [*NICE_SERVER, *command],
            cwd=cwd,
            stdout=self._file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=env,
        )

    def wait_until_up(self, probe: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"server exited; see {self.log}:\n{self.log.read_text()[-2000:]}"
                )
            try:
                with urllib.request.urlopen(probe, timeout=5):
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.25)
        raise RuntimeError(f"server did not answer at {probe} within {timeout} s; see {self.log}")

    def answering(self, path: str) -> Server:
        """Return this server once ``path`` answers; stop it and raise if it never does."""
        try:
            self.wait_until_up(f"{self.url}{path}")
        except RuntimeError:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self._file.close()


#: The metadata tag of a cell added to a notebook's copy to run a snippet its text tells the
#: learner to type (``solution("00-1")``).
SNIPPET_TAG = "statelab-learner-snippet"


def with_snippets(name: str) -> str:
    """The name of the copy of notebook ``name`` that ends with its text's snippets."""
    return name.removesuffix(".ipynb") + ".with-snippets.ipynb"


def make_course(folder: Path) -> Path:
    """Copy the notebooks, and a trivial one-slider plot to compare speeds with, to ``folder``.

    Each notebook gets a second copy, ``with_snippets(name)``, that ends with the snippets
    its text tells the learner to type, one cell each (tagged ``SNIPPET_TAG``): running it
    in JupyterLab runs them too, in its kernel after its own cells, as
    tests/test_notebooks.py does headless. The plain copies are the pages as a learner or a
    presenter (Voila) gets them."""
    for notebook in (ROOT / "notebooks").glob("*.ipynb"):
        shutil.copy(notebook, folder / notebook.name)
        document = json.loads(notebook.read_text(encoding="utf-8"))
        for code in snippets(document):
            document["cells"].append(
                {
                    "cell_type": "code",
                    "execution_count": None,
                    "id": f"snippet-{len(document['cells'])}",
                    "metadata": {"tags": [SNIPPET_TAG]},
                    "outputs": [],
                    "source": code,
                }
            )
        (folder / with_snippets(notebook.name)).write_text(json.dumps(document), encoding="utf-8")
    shutil.copy(Path(__file__).parent / "trivial.ipynb", folder / "trivial.ipynb")
    return folder


@pytest.fixture(scope="session")
def course(tmp_path_factory) -> Path:
    """A copy of the notebooks, so that no test can write into the course."""
    missing = browser_missing()
    if missing:
        pytest.fail(f"the browser tests need a browser: {missing}; {HOW}")
    return make_course(tmp_path_factory.mktemp("course"))


def _settings(folder: Path) -> Path:
    """Lab settings for tests: no autosave (never write a notebook), no news pop-up."""
    settings = {
        "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
            "fetchNews": "false",
            "checkForUpdates": False,
        },
        # every cell in the page, so that a test sees every output
        "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    }
    for name, value in settings.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value))
    return folder


def start_jupyterlab(course: Path, work: Path) -> tuple[Server, str]:
    """Start JupyterLab on ``course``; return the server and its token, once it answers."""
    port, token = free_port(), secrets.token_hex(16)
    bin_dir = Path(sys.executable).parent
    command = [
        str(bin_dir / "jupyter"),
        "lab",
        "--no-browser",
        "--allow-root",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={course}",
        f"--LabApp.workspaces_dir={work / 'workspaces'}",
        f"--LabApp.user_settings_dir={_settings(work / 'settings')}",
    ]
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(work / "config")}
    server = Server(command, course, f"http://127.0.0.1:{port}", work / "lab.log", env)
    return server.answering(f"/api/status?token={token}"), token


def start_voila(course: Path, work: Path) -> Server:
    """Start Voila on ``course``; return the server once it answers."""
    port = free_port()
    bin_dir = Path(sys.executable).parent
    command = [
        str(bin_dir / "voila"),
        "--no-browser",
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        "--Voila.port_retries=0",
        # as `make present` serves it (scripts/lab.py): the project's own template, light
        "--template=statelab",
        "--theme=light",
    ]
    shared = str(ROOT / "share" / "jupyter")
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(work / "config"),
        "JUPYTER_PATH": os.pathsep.join(filter(None, [shared, os.environ.get("JUPYTER_PATH")])),
    }
    server = Server(command, course, f"http://127.0.0.1:{port}", work / "voila.log", env)
    return server.answering("/voila/tree")


@pytest.fixture(scope="session")
def jupyterlab(course, tmp_path_factory):
    """A running JupyterLab on the course copy: (base URL, token)."""
    server, token = start_jupyterlab(course, tmp_path_factory.mktemp("jupyterlab"))
    try:
        yield server.url, token
    finally:
        server.stop()


@pytest.fixture(scope="session")
def voila(course, tmp_path_factory):
    """A running Voila serving the course copy: its base URL."""
    server = start_voila(course, tmp_path_factory.mktemp("voila"))
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser(course):
    """Chromium, driven by playwright, for the tests of one module.

    Not for the whole session: while playwright's sync API is open, its event loop is marked
    as running in the main thread, which the other tests a worker runs afterwards (the Lab's
    update loop among them) must not see. Closed, it leaves no loop behind."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=niced_chromium(), args=FLAGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        yield page
    finally:
        context.close()
