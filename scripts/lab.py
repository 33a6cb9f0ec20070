"""Start JupyterLab on the course (or the Lab in Voila) and say where it is and how to stop it.

Run by ``make lab`` with the project's own Python: ``python scripts/lab.py [jupyter options]``,
and by ``make present`` with ``--present`` first: then a Jupyter server serves the Lab's
notebook through Voila as a server extension (a page with no code, for a room), behind the
server's token and its check of the Host header (Voila's own app turns remote access on and
needs neither), so a web page the presenter visits cannot reach it.
The page is served with the project's own Voila template (``share/jupyter/voila/templates/
statelab``: every asset local, none from a CDN, so it works in an offline room), and a kernel
whose page was closed is shut down after :data:`CULL_AFTER` idle seconds.
JupyterLab opens without its news notification (a setting of this environment's own
``overrides.json``), so a learner is greeted by the course, not by a question.
JupyterLab's own start-up log is turned down to warnings (pass ``--ServerApp.log_level=INFO``
in ``LAB_ARGS`` to see it again); this script reads the running server's URL and token from
the runtime file JupyterLab writes (``jpserver-<pid>.json``), so the line it prints is right
whatever port or token ``LAB_ARGS`` chose.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from jupyter_core.paths import jupyter_runtime_dir

FIRST_PAGE = "lab/tree/00_start_here.ipynb"
PRESENT_PAGE = "voila/render/lab.ipynb"
PROJECT = Path(__file__).resolve().parent.parent
#: Seconds a presenter page's kernel may sit idle with no page connected before it is shut
#: down (each visit starts a kernel of about 160 MB).
CULL_AFTER = 300
#: JupyterLab settings this environment starts with (``overrides.json``): no news pop-up.
OVERRIDES = {
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False}
}

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
            "--VoilaConfiguration.template=statelab",
            f"--MappingKernelManager.cull_idle_timeout={CULL_AFTER}",
            "--MappingKernelManager.cull_interval=60",
            "--MappingKernelManager.cull_connected=False",
            "--LabApp.log_level=WARN",  # JupyterLab's server extension loads here too
        ]
    else:
        page, what = FIRST_PAGE, "JupyterLab"
        app = ["jupyterlab.labapp", f"--LabApp.default_url=/{page}", "--LabApp.log_level=WARN"]
    ours = ["--ServerApp.root_dir=notebooks", *app[1:], "--ServerApp.log_level=WARN"]
    command = [sys.executable, "-c", START.format(app=app[0]), *overridden(ours, options)]
    print(f"statelab: starting {what}", flush=True)
    write_overrides(Path(sys.prefix) / "share" / "jupyter" / "lab" / "settings")
    env = dict(os.environ)
    shared = str(PROJECT / "share" / "jupyter")
    env["JUPYTER_PATH"] = os.pathsep.join(filter(None, [shared, env.get("JUPYTER_PATH")]))
    server = subprocess.Popen(command, env=env)
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


def overridden(ours: list[str], options: list[str]) -> list[str]:
    """``ours`` then ``options``, less each of ours that ``options`` sets again (traitlets
    refuses a setting given twice), so ``LAB_ARGS`` can change any of them."""
    given = {option.split("=", 1)[0] for option in options if option.startswith("--")}
    return [option for option in ours if option.split("=", 1)[0] not in given] + options


def write_overrides(folder: Path) -> None:
    """Merge :data:`OVERRIDES` into ``folder/overrides.json`` (this environment's own)."""
    path = folder / "overrides.json"
    try:
        settings = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        settings = {}
    for plugin, values in OVERRIDES.items():
        settings.setdefault(plugin, {}).update(values)
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")


def read_runtime_file(path: Path) -> dict | None:
    """The server's URL and token, once JupyterLab has written them (None until then)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # not there yet, or being written
        return None


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
