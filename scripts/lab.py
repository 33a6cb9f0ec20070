"""Start JupyterLab on the course (or the Lab in Voila) and say where it is and how to stop it.

Run by ``make lab`` with the project's own Python: ``python scripts/lab.py [jupyter options]``,
and by ``make present`` with ``--present`` first: then a Jupyter server serves the Lab's
notebook through Voila as a server extension (a page with no code, for a room), behind the
server's token and its check of the Host header (Voila's own app turns remote access on and
needs neither), so a web page the presenter visits cannot reach it.
JupyterLab's own start-up log is turned down to warnings (pass ``--ServerApp.log_level=INFO``
in ``LAB_ARGS`` to see it again); this script reads the running server's URL and token from
the runtime file JupyterLab writes (``jpserver-<pid>.json``), so the line it prints is right
whatever port or token ``LAB_ARGS`` chose.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from jupyter_core.paths import jupyter_runtime_dir

FIRST_PAGE = "lab/tree/00_start_here.ipynb"
PRESENT_PAGE = "voila/render/lab.ipynb"

# JupyterLab, started without deprecation warnings meant for the developers of its extensions
# (notebook_shim reads a deprecated server setting at start-up, say). voila turns traitlets'
# deprecation warnings back on when it is imported, so the filter goes in after that import.
# The kernels that run the notebooks are processes of their own and keep their warnings.
START = """
import sys, warnings
try:
    import voila  # noqa: F401
except ImportError:
    pass
warnings.filterwarnings("ignore", category=DeprecationWarning)
from {app} import main
sys.exit(main())
"""


def main(options: list[str]) -> int:
    present = options[:1] == ["--present"]
    if present:
        options = options[1:]
        page, what = PRESENT_PAGE, "the Lab in Voila"
        app = [
            "jupyter_server.serverapp",
            f"--ServerApp.default_url=/{page}",
            "--VoilaConfiguration.theme=light",
            "--LabApp.log_level=WARN",  # JupyterLab's server extension loads here too
        ]
    else:
        page, what = FIRST_PAGE, "JupyterLab"
        app = ["jupyterlab.labapp", f"--LabApp.default_url=/{page}", "--LabApp.log_level=WARN"]
    command = [
        sys.executable,
        "-c",
        START.format(app=app[0]),
        "--ServerApp.root_dir=notebooks",
        *app[1:],
        "--ServerApp.log_level=WARN",
        *options,
    ]
    print(f"statelab: starting {what}", flush=True)
    server = subprocess.Popen(command)
    # Ctrl+C reaches JupyterLab too (same process group): it asks, and stops on a second one.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    deadline = time.monotonic() + 120
    runtime_file = Path(jupyter_runtime_dir()) / f"jpserver-{server.pid}.json"
    while server.poll() is None and time.monotonic() < deadline:
        info = read_runtime_file(runtime_file)
        if info:
            token = f"?token={info['token']}" if info.get("token") else ""
            print(
                f"statelab: {what} is at {info['url']}{page}{token}\n"
                "statelab: press Ctrl+C twice to stop it",
                flush=True,
            )
            break
        time.sleep(0.2)
    return server.wait()


def read_runtime_file(path: Path) -> dict | None:
    """The server's URL and token, once JupyterLab has written them (None until then)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # not there yet, or being written
        return None


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
