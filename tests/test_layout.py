"""The package's layout shows its architecture, and its arrows run one way.

Layers, from the bottom: ``files`` (folders, TOML, CSV) <- ``sim`` (Scenario -> model ->
Result) <- ``runs`` (many seeds) and ``theory`` <- ``view`` (pictures) and ``course`` <-
``dashboards`` (widgets) and ``real`` (a Scenario played on real processes, read back as a
simulation's Result). The thin modules at the top (``statelab.plots``, ``widgets``,
``exercises``, ``cart``) only gather public names.

The rules themselves live in one place, the import-linter contracts of ``pyproject.toml``,
which ``make lint`` checks (``lint-imports``). These tests check what those contracts cannot
see: that they hold and would catch a cycle hidden in a function or under TYPE_CHECKING, that
imports inside functions are the stated few, and what a process loads when it starts.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
import textwrap

import pytest
from conftest import ROOT

PACKAGE = ROOT / "statelab"
LINT_IMPORTS = ROOT / ".venv" / "bin" / "lint-imports"

#: Imports inside functions, each for a reason the module states in a comment: a node
#: process imports redis-py (about 0.3 s) only when its carts live in Redis; the process pool
#: (multiprocessing, concurrent.futures' ProcessPoolExecutor) is imported when one is made,
#: so statelab imports in the browser's Python, which has no _multiprocessing.
FUNCTION_LEVEL: set[tuple[str, str]] = {
    ("statelab.real.store", "redis"),
    ("statelab.runs.replications", "multiprocessing"),
    ("statelab.runs.replications", "concurrent"),
}
SCREENS = ("matplotlib", "ipywidgets", "IPython", "anywidget", "ipympl")


def modules() -> dict[str, ast.Module]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = ast.parse(path.read_text(), filename=str(path))
    return found


def layer(module: str) -> str:
    parts = module.split(".")
    return "__init__" if len(parts) == 1 else parts[1]


def imports(tree: ast.Module) -> list[tuple[str, bool]]:
    """(imported module, at module level?) for every import in ``tree``."""
    top = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        at_top = id(node) in top or _in_top_level_try_or_if(tree, node)
        if isinstance(node, ast.Import):
            found += [(alias.name, at_top) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
            found += [(node.module, at_top)] + [(n, at_top) for n in names]
    return found


def _in_top_level_try_or_if(tree: ast.Module, target: ast.AST) -> bool:
    for node in tree.body:
        if isinstance(node, (ast.Try, ast.If)) and any(child is target for child in ast.walk(node)):
            return True
    return False


def test_the_package_is_grouped_by_layer():
    top = sorted(p.name for p in PACKAGE.iterdir() if not p.name.startswith(("_", ".")))
    assert top == [
        "cart.py",
        "course",
        "dashboards",
        "exercises.py",
        "files",
        "plots.py",
        "real",
        "runs",
        "sim",
        "site",
        "theory.py",
        "view",
        "widgets.py",
    ]
    for thin in ("plots", "widgets", "exercises", "cart"):
        tree = ast.parse((PACKAGE / f"{thin}.py").read_text())
        kinds = {type(node).__name__ for node in tree.body}
        assert kinds <= {"Expr", "ImportFrom", "Assign"}, f"statelab.{thin} only gathers names"


def test_imports_inside_functions_are_the_stated_few():
    found = set()
    for name, tree in modules().items():
        for imported, at_top in imports(tree):
            if not at_top:
                found.add((name, imported.split(".")[0]))
    assert found == FUNCTION_LEVEL


def lint_imports(root) -> subprocess.CompletedProcess:
    """``lint-imports`` on the package under ``root``, with this repository's contracts."""
    program = LINT_IMPORTS if LINT_IMPORTS.exists() else shutil.which("lint-imports")
    if program is None:
        pytest.fail("lint-imports is not installed: run make install (the test extra has it)")
    return subprocess.run(
        [str(program), "--no-logo", "--no-cache", str(ROOT / "pyproject.toml")],
        capture_output=True,
        text=True,
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        check=False,
    )


def test_the_import_contracts_hold():
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


@pytest.mark.parametrize(
    ("module", "hidden"),
    [
        ("statelab/real/timeouts.py", "def later():\n    from statelab.real import controller\n"),
        (
            "statelab/sim/routing.py",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from statelab.sim.model import ShopModel\n",
        ),
    ],
    ids=["inside-a-function", "under-type-checking"],
)
def test_the_contracts_see_a_cycle_hidden_where_the_old_tests_did_not_look(
    tmp_path, module, hidden
):
    """A copy of the package with one import added where AST walks of top-level imports (the
    old test) did not look: the contracts must break, naming the new arrow."""
    copy = tmp_path / "statelab"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "static"))
    target = tmp_path / module
    target.write_text(target.read_text() + "\n\n" + textwrap.dedent(hidden))
    done = lint_imports(tmp_path)
    assert done.returncode != 0
    assert "BROKEN" in done.stdout
    assert module.split("/")[-1].removesuffix(".py") in done.stdout


@pytest.mark.parametrize(
    "module",
    sorted(m for m in modules() if layer(m) in ("files", "sim", "runs", "theory")),
)
def test_the_simulation_and_the_runs_import_no_screen(module):
    code = (
        f"import json, sys; import {module}; "
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {SCREENS!r})))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert json.loads(done.stdout) == []


def test_importing_the_dashboards_leaves_pyplots_backend_alone():
    code = (
        "import matplotlib; matplotlib.use('Agg'); import statelab.widgets, statelab.plots; "
        "import matplotlib.pyplot as plt; print(matplotlib.get_backend())"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert done.stdout.strip().lower() == "agg"


@pytest.mark.parametrize("module", ["server", "proxy", "loadgen"])
def test_a_real_runs_processes_start_without_pandas_or_matplotlib(module):
    """A real run starts a process a node (and one for a restart, at its event's time): each
    imports only what it needs, not the notebooks' stack (statelab's names are lazy)."""
    code = (
        f"import json, sys; import statelab.real.{module}; "
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'pandas', 'matplotlib', 'ipywidgets', 'simpy'})))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert json.loads(done.stdout) == []
