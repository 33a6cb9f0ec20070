"""`make lite`: the course as a JupyterLite site. Only the build is tested (its kernel loads
Pyodide from Pyodide's CDN, which this machine cannot reach): one build, into a folder of
the test's own, and what the site holds: notebooks 00 to 08 and the Lab (not 09, and a note
saying why), the statelab wheel of this checkout, the Pyodide kernel, and the configuration
that lets the kernel's piplite install the wheel."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
from conftest import ROOT

import statelab

NOTEBOOKS = ROOT / "notebooks"
LEFT_OUT = "09_the_real_thing.ipynb"
NOTE = "09_not_in_the_browser.ipynb"
KERNEL_PLUGIN = "@jupyterlite/pyodide-kernel-extension:kernel"
KERNEL_EXTENSION = "@jupyterlite/pyodide-kernel-extension"

# one build of the site (about 5 s, more on a busy machine), shared by the module's tests:
# they run on one worker of make test, so it is built once
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("lite")]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The site, built once by scripts/lite.py (what `make lite` runs)."""
    output = tmp_path_factory.mktemp("lite") / "site"
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "lite.py"), "--output", str(output)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"the JupyterLite site is in {output}" in done.stdout
    return output


def config(site: Path) -> dict:
    return json.loads((site / "jupyter-lite.json").read_text(encoding="utf-8"))[
        "jupyter-config-data"
    ]


def read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def sources(notebook: dict) -> list[tuple[str, str, str]]:
    return [(c["id"], c["cell_type"], "".join(c["source"])) for c in notebook["cells"]]


def test_make_lite_runs_the_build_script():
    dry = subprocess.run(["make", "--dry-run", "lite"], cwd=ROOT, capture_output=True, text=True)
    assert dry.returncode == 0, dry.stderr
    assert "scripts/lite.py" in dry.stdout
    shown = subprocess.run(["make", "help"], cwd=ROOT, capture_output=True, text=True).stdout
    assert "make lite " in shown


def test_the_site_holds_notebooks_00_to_08_and_the_lab_and_a_note_for_09(site):
    course = {p.name for p in NOTEBOOKS.glob("*.ipynb")}
    assert LEFT_OUT in course
    expected = course - {LEFT_OUT} | {NOTE}
    assert {p.name for p in (site / "files").iterdir()} == expected
    listed = read(site / "api" / "contents" / "all.json")["content"]
    assert {item["name"] for item in listed} == expected

    note = read(site / "files" / NOTE)
    text = "".join("".join(cell["source"]) for cell in note["cells"])
    assert [cell["cell_type"] for cell in note["cells"]] == ["markdown"]
    assert "make lab" in text and LEFT_OUT in text
    assert "processes" in text and "cannot" in text  # the reason it is left out


@pytest.mark.parametrize("name", sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")))
def test_each_notebook_is_the_courses_with_a_first_cell_that_installs_statelab(site, name):
    if name == LEFT_OUT:
        assert not (site / "files" / name).exists()
        return
    original, held = read(NOTEBOOKS / name), read(site / "files" / name)
    assert held["metadata"]["kernelspec"]["name"] == "python"  # the Pyodide kernel's
    code = [c for c in held["cells"] if c["cell_type"] == "code"]
    install = "".join(code[0]["source"])
    assert "%pip install -q statelab" in install
    # the widget libraries at the pins of constraints.txt: the site carries their browser half
    pins = (ROOT / "constraints.txt").read_text(encoding="utf-8")
    for library in ("anywidget", "ipympl", "ipywidgets"):
        pin = next(w for w in install.split() if w.startswith(f"{library}=="))
        assert f"\n{pin} ;" in pins, pin
    # every other cell is the course's, as committed, but for the link to notebook 09,
    # which goes to the note in its place
    rest = [c for c in held["cells"] if c is not code[0]]
    assert LEFT_OUT not in json.dumps(rest)
    back = [(i, kind, text.replace(NOTE, LEFT_OUT)) for i, kind, text in sources({"cells": rest})]
    assert back == sources(original)


def test_the_site_holds_the_wheel_of_this_checkout(site):
    (wheel,) = (site / "pypi").glob("*.whl")
    assert wheel.name == f"statelab-{statelab.__version__}-py3-none-any.whl"  # piplite's kind
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = Parser().parsestr(
            archive.read(f"statelab-{statelab.__version__}.dist-info/METADATA").decode()
        )
        assert metadata["Name"] == "statelab"
        assert metadata["Version"] == statelab.__version__
        for module in ("__init__.py", "sim/__init__.py", "runs/replications.py"):
            assert archive.read(f"statelab/{module}") == (ROOT / "statelab" / module).read_bytes()
    data = {p.relative_to(ROOT / "data").as_posix() for p in (ROOT / "data").rglob("*.*")}
    assert data and {f"statelab/_data/{name}" for name in data} <= names
    assert "simpy<4.2,>=4.1" in metadata.get_all("Requires-Dist")


def test_the_sites_configuration_points_piplite_at_the_wheel(site):
    settings = config(site)["litePluginSettings"][KERNEL_PLUGIN]
    first = settings["pipliteUrls"][0]
    assert first.startswith("./pypi/all.json")
    index = read(site / "pypi" / "all.json")
    (release,) = index["statelab"]["releases"][statelab.__version__]
    wheel = site / "pypi" / release["url"]
    assert wheel.is_file() and wheel.name == release["filename"]
    assert release["digests"]["sha256"] == hashlib.sha256(wheel.read_bytes()).hexdigest()
    assert first.endswith(
        "?sha256=" + hashlib.sha256((site / "pypi" / "all.json").read_bytes()).hexdigest()
    )
    # PyPI stays the fallback, for simpy and the widget libraries
    assert not settings.get("disablePyPIFallback", False)


def test_the_site_holds_the_pyodide_kernel_which_loads_pyodide_from_its_cdn(site):
    data = config(site)
    extensions = {e["name"]: e for e in data["federated_extensions"]}
    kernel = extensions[KERNEL_EXTENSION]
    assert (site / "extensions" / KERNEL_EXTENSION / kernel["load"]).is_file()
    assert data["defaultKernelName"] == "python"
    # no Pyodide of its own: the kernel's default, Pyodide's official CDN
    assert "pyodideUrl" not in data["litePluginSettings"][KERNEL_PLUGIN]
    assert not (site / "static" / "pyodide").exists()
    schema = read(site / "extensions" / KERNEL_EXTENSION / "static/schema/kernel.v0.schema.json")
    assert schema["properties"]["pyodideUrl"]["default"].startswith(
        "https://cdn.jsdelivr.net/pyodide/"
    )
    # the widgets' browser half, and the Voila preview (it needs a server) switched off
    assert {"@jupyter-widgets/jupyterlab-manager", "anywidget", "jupyter-matplotlib"} <= set(
        extensions
    )
    assert "@voila-dashboards/jupyterlab-preview" in data["disabledExtensions"]
