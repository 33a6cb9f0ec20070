"""The package's layout shows its architecture, and its arrows run one way.

Layers, from the bottom: ``files`` (folders, TOML, CSV) <- ``sim`` (Scenario -> model ->
Result) <- ``runs`` (many seeds) and ``theory`` <- ``view`` (pictures) <- ``dashboards``
(widgets); ``course`` uses the simulation and theory; ``real`` plays a Scenario on real
processes and reads them back as a simulation's Result (nothing below imports it). The thin
modules at the top (``statelab.plots``, ``widgets``, ``exercises``, ``cart``) only gather
public names.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys

import pytest
from conftest import ROOT

PACKAGE = ROOT / "statelab"

#: Which layers each layer may import (besides itself).
ALLOWED = {
    "files": set(),
    "sim": {"files"},
    "theory": {"sim"},
    "runs": {"sim"},
    "view": {"sim", "runs", "theory"},
    "dashboards": {"sim", "view"},
    "course": {"sim", "theory"},
    "real": {"sim", "runs", "course", "view"},
    # the thin modules that keep the public import paths
    "__init__": {"sim", "runs", "theory"},
    "plots": {"view"},
    "widgets": {"dashboards"},
    "exercises": {"course"},
    "cart": {"course"},
}
#: Imports inside functions, each for a reason the module states in a comment.
FUNCTION_LEVEL: set[tuple[str, str]] = set()
#: Layers whose modules import inside functions on purpose: a real run starts a process a
#: node, a proxy and a load generator from this package, and each imports only what it
#: needs (a node does not load the load generator's stack, a notebook not aiohttp until it
#: runs); test_a_real_runs_processes_start_without_pandas_or_matplotlib keeps them light.
LAZY_LAYERS = {"real"}
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


def statelab_modules(names, known) -> set[str]:
    return {name for name in names if name in known}


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
        "theory.py",
        "view",
        "widgets.py",
    ]
    for thin in ("plots", "widgets", "exercises", "cart"):
        tree = ast.parse((PACKAGE / f"{thin}.py").read_text())
        kinds = {type(node).__name__ for node in tree.body}
        assert kinds <= {"Expr", "ImportFrom", "Assign"}, f"statelab.{thin} only gathers names"


def test_every_import_follows_the_arrows():
    trees = modules()
    known = set(trees)
    wrong = []
    for name, tree in trees.items():
        here = layer(name)
        for imported, _ in imports(tree):
            if imported in known and imported != "statelab":
                there = layer(imported)
                if there != here and there not in ALLOWED[here]:
                    wrong.append(f"{name} imports {imported} ({here} -> {there})")
    assert not wrong, "\n".join(wrong)


def test_imports_inside_functions_are_the_stated_few():
    found = set()
    for name, tree in modules().items():
        if layer(name) in LAZY_LAYERS:
            continue
        for imported, at_top in imports(tree):
            if not at_top:
                found.add((name, imported.split(".")[0]))
    assert found == FUNCTION_LEVEL


def test_there_is_no_import_cycle():
    trees = modules()
    known = set(trees)
    graph = {
        name: {m for m, at_top in imports(tree) if at_top and m in known and m != name}
        - {"statelab"}
        for name, tree in trees.items()
    }
    state: dict[str, int] = {}

    def visit(node, path):
        state[node] = 1
        for nxt in graph[node]:
            if state.get(nxt) == 1:
                pytest.fail("import cycle: " + " -> ".join([*path, node, nxt]))
            if nxt not in state:
                visit(nxt, [*path, node])
        state[node] = 2

    for node in graph:
        if node not in state:
            visit(node, [])


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
