"""Build the course as a JupyterLite site: `make lite` (python scripts/lite.py [--output DIR]).

The site (``lite/`` by default) is static files: the course runs in the browser, in
JupyterLite's Pyodide kernel, with nothing installed. What goes in:

- the statelab wheel, built here from this checkout, in the site's own package index
  (``pypi/all.json``, which ``jupyter-lite.json`` names in ``pipliteUrls``);
- notebooks 00 to 08 and the Lab, each with a first code cell that installs statelab with
  ``%pip`` (piplite: the wheel from the site, what it needs from PyPI or Pyodide);
- in place of notebook 09, a note saying why it is left out: it starts real servers and
  balancers, which a browser cannot.

At run time the kernel loads Pyodide (Python, numpy, pandas, matplotlib) from Pyodide's
official CDN, as JupyterLite sites do, and the pure-Python packages (simpy, ipywidgets,
anywidget, ...) from PyPI: the site needs the internet. Only the build is tested here.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
DEFAULT_OUTPUT = ROOT / "lite"
#: the notebook the site leaves out (real runs start processes), and the note in its place
LEFT_OUT = "09_the_real_thing.ipynb"
NOTE = "09_not_in_the_browser.ipynb"
#: the kernel of JupyterLite's Pyodide kernel extension (jupyterlite-pyodide-kernel)
PYODIDE_KERNEL = {"display_name": "Python (Pyodide)", "language": "python", "name": "python"}
#: widget libraries whose browser half the site carries (the labextensions of .venv): their
#: Python half is installed at the same version, the pin of constraints.txt
WIDGET_LIBRARIES = ("anywidget", "ipympl", "ipywidgets")
#: the JupyterLab extensions that need a Jupyter server, switched off in the site
NEEDS_A_SERVER = ["@voila-dashboards/jupyterlab-preview"]
INSTALL_CELL_ID = "statelab-lite-install"

NOTE_TEXT = f"""\
# 09 · The real thing: not in the browser

Notebook 09 plays the shop on real processes: a web server process a node, a real load \
balancer in front of them (HAProxy, nginx or statelab's own proxy), a Redis or SQLite \
session store, and a load generator sending real HTTP requests. A browser tab cannot start \
processes or open network ports, so this edition of the course leaves notebook 09 out.

To run it, take the course to your own machine and open it in JupyterLab:

```sh
make lab
```

then open `notebooks/{LEFT_OUT}`. Every other notebook, 00 to 08 and the Lab, runs here.
"""


def say(message: str) -> None:
    print(f"statelab: {message}", flush=True)


def run(command: list[str], what: str, cwd: Path = ROOT) -> None:
    """Run ``command``; its output is shown only if it fails."""
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        sys.exit(f"statelab: {what} failed (its output is above)")


def build_wheel(into: Path) -> Path:
    """The statelab wheel of this checkout, built into ``into`` (with uv where it is
    installed, as `make install` puts it in .venv; else pip)."""
    into.mkdir(parents=True)
    if importlib.util.find_spec("uv"):
        command = [sys.executable, "-m", "uv", "build", "--quiet", "--wheel"]
        command += ["--out-dir", str(into), str(ROOT)]
    else:
        command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps"]
        command += ["--wheel-dir", str(into), str(ROOT)]
    run(command, "building the statelab wheel")
    (wheel,) = into.glob("statelab-*.whl")
    return wheel


def pins(names: tuple[str, ...]) -> list[str]:
    """The ``name==version`` pins of constraints.txt for ``names``, in that order."""
    found = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            requirement = Requirement(line)
            found[requirement.name.lower()] = f"{requirement.name}{requirement.specifier}"
    return [found[name] for name in names]


def install_cell() -> dict:
    """The first code cell of every notebook of the site: statelab from the site's index,
    the widget libraries at the versions whose browser half the site carries."""
    source = [
        "# In the browser (JupyterLite): install statelab from this site, with what it needs\n",
        f"%pip install -q statelab {' '.join(pins(WIDGET_LIBRARIES))}",
    ]
    return {
        "cell_type": "code",
        "execution_count": None,
        "id": INSTALL_CELL_ID,
        "metadata": {},
        "outputs": [],
        "source": source,
    }


def for_the_browser(notebook: dict) -> dict:
    """``notebook`` as the site holds it: the Pyodide kernel, the install cell before the
    first code cell, and links to notebook 09 sent to the note that stands in its place."""
    notebook["metadata"]["kernelspec"] = dict(PYODIDE_KERNEL)
    cells = notebook["cells"]
    for cell in cells:
        if cell["cell_type"] == "markdown":
            text = "".join(cell["source"]).replace(LEFT_OUT, NOTE)
            cell["source"] = text.splitlines(keepends=True)
    first_code = next(i for i, cell in enumerate(cells) if cell["cell_type"] == "code")
    cells.insert(first_code, install_cell())
    return notebook


def note() -> dict:
    """A notebook of one markdown cell: why notebook 09 is not in the site."""
    return {
        "cells": [
            {
                "cell_type": "markdown",
                "id": "statelab-lite-09",
                "metadata": {},
                "source": NOTE_TEXT.splitlines(keepends=True),
            }
        ],
        "metadata": {"kernelspec": dict(PYODIDE_KERNEL), "language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def write_contents(files: Path) -> list[str]:
    """The site's notebooks, written into ``files``; return their names."""
    files.mkdir(parents=True)
    names = []
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        if path.name == LEFT_OUT:
            continue
        notebook = for_the_browser(json.loads(path.read_text(encoding="utf-8")))
        write_notebook(files / path.name, notebook)
        names.append(path.name)
    write_notebook(files / NOTE, note())
    return [*names, NOTE]


def write_notebook(path: Path, notebook: dict) -> None:
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def clear(output: Path) -> None:
    """Remove an earlier site from ``output``; refuse a folder that holds anything else."""
    if not output.exists():
        return
    if output.is_dir() and (not any(output.iterdir()) or (output / "jupyter-lite.json").exists()):
        shutil.rmtree(output)
        return
    sys.exit(f"statelab: {output} exists and is not a JupyterLite site: not overwritten")


def build(output: Path) -> None:
    began = time.monotonic()
    output = output.resolve()
    clear(output)
    # the build's own folder (its files, configuration, cache and doit database) is thrown
    # away after it: nothing but the site is written into the checkout
    with tempfile.TemporaryDirectory(prefix="statelab-lite-") as scratch:
        work = Path(scratch)
        wheel = build_wheel(work / "wheels")
        names = write_contents(work / "files")
        config = {
            "jupyter-lite-schema-version": 0,
            "jupyter-config-data": {"appName": "statelab", "disabledExtensions": NEEDS_A_SERVER},
        }
        (work / "jupyter-lite.json").write_text(json.dumps(config, indent=2) + "\n")
        jupyter_lite = Path(sys.executable).parent / "jupyter-lite"
        command = [str(jupyter_lite), "build", "--lite-dir", str(work)]
        command += ["--contents", str(work / "files"), "--output-dir", str(output)]
        command += ["--piplite-wheels", str(wheel), "--no-sourcemaps"]
        run(command, "jupyter lite build", cwd=work)
    say(
        f"the JupyterLite site is in {output} ({len(names)} notebooks, {wheel.name}), "
        f"built in {time.monotonic() - began:.0f} s"
    )
    say(
        f"serve it over HTTP, e.g. `python -m http.server -d {output}`, and open the address; "
        "its kernel loads Pyodide from the internet"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--output", type=Path, default=DEFAULT_OUTPUT, help="where to build (default: lite/)"
    )
    build(parser.parse_args(argv).output)


if __name__ == "__main__":
    main()
