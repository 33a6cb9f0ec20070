"""Start JupyterLab on the course and say, in one line, where it is and how to stop it.

Run by ``make lab`` with the project's own Python: ``python scripts/lab.py [jupyter lab options]``.
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
from jupyterlab.labapp import main
sys.exit(main())
"""


def main(options: list[str]) -> int:
    command = [
        sys.executable,
        "-c",
        START,
        "--ServerApp.root_dir=notebooks",
        f"--LabApp.default_url=/{FIRST_PAGE}",
        "--ServerApp.log_level=WARN",
        "--LabApp.log_level=WARN",
        *options,
    ]
    print("statelab: starting JupyterLab", flush=True)
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
                f"statelab: JupyterLab is at {info['url']}{FIRST_PAGE}{token}\n"
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
