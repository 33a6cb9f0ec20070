"""The course's notebooks, made ready for the static site: run headless, then marked.

:func:`execute` runs a notebook top to bottom in a fresh kernel, keeping its widgets'
state (so the animated views play on the page with no kernel), in a Python where no
process can be started, as in the browser's (Pyodide): the site's pages are what that
Python shows, and a notebook that needs processes fails the build. An error or anything
written to stderr fails it too.

:func:`prepare` then marks, on the executed notebook, what a page shows differently from
JupyterLab: the cells a learner answers (a prediction, an exercise, a build-it exercise),
the Lab that answers from a grid of runs (:mod:`statelab.site.grid`), and the other
dashboards, whose controls stay still with no Python behind them.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from statelab.site.snippets import snippets

#: Notebooks the site shows but does not run: notebook 09 starts real servers, balancers
#: and stores on the learner's machine, which a page cannot.
NOT_RUN = {"09_the_real_thing": "it starts real servers, balancers and session stores"}
#: The first cell run (and then removed): a Python that cannot start processes.
NO_PROCESSES = (
    "import sys\n"
    'for _name in ("multiprocessing", "_multiprocessing"):\n'
    "    sys.modules[_name] = None\n"
    "del _name"
)
#: What marks a cell a learner answers in JupyterLab, by kind.
ANSWERED = {
    "build": re.compile(r"\bjudge\("),
    "exercise": re.compile(r"\bcheck\(\""),
    "prediction": re.compile(r"\bpredict\(\""),
}
#: The widget classes of the dashboards (their root box's class names).
LAB_CLASS = "statelab-lab"
DASHBOARD_CLASSES = (LAB_CLASS, "statelab-compare")
STILL_NOTE = (
    "On this page the controls above the view stay still (no Python runs here); the view "
    "plays and scrubs the run it shows. In JupyterLab every control runs."
)


class NotebookFailed(RuntimeError):
    """A notebook of the course wrote an error or a warning while the site was built."""


def execute(path: Path, timeout: float = 300.0) -> nbformat.NotebookNode:
    """The notebook at ``path`` run top to bottom in a fresh kernel with no processes, then
    every snippet its text tells the learner to type (:func:`~statelab.site.snippets.snippets`,
    a cell each, left off what is returned), with its widgets' state kept (in
    ``metadata.widgets``).

    Raises
    ------
    NotebookFailed
        When a cell raised an error or wrote to stderr (a warning): the message names the
        notebook, the cell and what it wrote.
    """
    notebook = nbformat.read(path, as_version=4)
    typed = snippets(notebook)
    own = len(notebook.cells)
    notebook.cells.extend(nbformat.v4.new_code_cell(code) for code in typed)
    notebook.cells.insert(0, nbformat.v4.new_code_cell(NO_PROCESSES))
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=timeout,
        store_widget_state=True,
        resources={"metadata": {"path": str(path.parent)}},
    )
    # the kernel's own log (a warning that it listens on loopback TCP) is not the course's
    client.execute(stderr=subprocess.DEVNULL)
    notebook.cells.pop(0)
    for index, cell in enumerate(notebook.cells):
        where = (
            f"the snippet `{typed[index - own]}` of its text" if index >= own else f"cell {index}"
        )
        for output in cell.get("outputs", []):
            if output["output_type"] == "error":
                raise NotebookFailed(
                    f"{path.name}, {where}: {output.get('ename')}: {output.get('evalue')}"
                )
            if output["output_type"] == "stream" and output["name"] == "stderr":
                raise NotebookFailed(
                    f"{path.name}, {where} wrote to stderr: {output['text'][:500]}"
                )
    del notebook.cells[own:]
    return notebook


def answered_kind(cell) -> str | None:
    """``"build"``, ``"exercise"`` or ``"prediction"`` for a cell a learner answers in
    JupyterLab, else None."""
    if cell.cell_type != "code":
        return None
    return next((kind for kind, found in ANSWERED.items() if found.search(cell.source)), None)


def _widget_classes(notebook) -> dict[str, list[str]]:
    """Each widget model's DOM classes, by model id, from the kept widget state."""
    state = notebook.metadata.get("widgets", {}).get(
        "application/vnd.jupyter.widget-state+json", {}
    )
    return {
        model_id: model.get("state", {}).get("_dom_classes", [])
        for model_id, model in state.get("state", {}).items()
    }


def _dashboard_of(output, classes: dict[str, list[str]]) -> str | None:
    """The dashboard class of a cell output that shows one (a Lab, a Compare), else None."""
    view = output.get("data", {}).get("application/vnd.jupyter.widget-view+json")
    if not view:
        return None
    found = classes.get(view.get("model_id"), [])
    return next((name for name in DASHBOARD_CLASSES if name in found), None)


def lab_mount(config: dict) -> str:
    """The HTML of a Lab without a kernel: a mount point the site's script fills, holding
    its grid's configuration as JSON."""
    text = json.dumps(config, separators=(",", ":")).replace("</", "<\\/")
    return (
        '<div class="statelab-site-lab-mount" data-grid="'
        + html.escape(config["name"])
        + '"><p>The Lab loads…</p>'
        + f'<script type="application/json">{text}</script></div>'
    )


def prepare(notebook, lab_config: dict | None = None) -> bool:
    """Mark ``notebook`` (executed) for its page, in place; return whether a Lab of it
    answers from a grid.

    Cells a learner answers get ``metadata.statelab_site`` (the page adds a note). With
    ``lab_config``, the notebook's first Lab is replaced by a Lab without a kernel that
    answers from that grid; the other dashboards get a note that their controls stay still.
    """
    classes = _widget_classes(notebook)
    live = False
    for cell in notebook.cells:
        kind = answered_kind(cell)
        if kind:
            cell.metadata["statelab_site"] = kind
        outputs = []
        for output in cell.get("outputs", []):
            dashboard = _dashboard_of(output, classes)
            if dashboard == LAB_CLASS and lab_config is not None and not live:
                live = True
                outputs.append(
                    nbformat.v4.new_output(
                        "display_data", data={"text/html": lab_mount(lab_config)}
                    )
                )
                continue
            if dashboard:
                note = f'<p class="statelab-site-still" role="note">{STILL_NOTE}</p>'
                outputs.append(nbformat.v4.new_output("display_data", data={"text/html": note}))
            outputs.append(output)
        if cell.cell_type == "code":
            cell.outputs = outputs
    return live


def _state(notebook) -> dict:
    """The kept widget models, by id (empty for a notebook with none)."""
    widgets = notebook.metadata.get("widgets", {})
    return widgets.get("application/vnd.jupyter.widget-state+json", {}).get("state", {})


def _refs(model: dict) -> list[str]:
    return re.findall(r"IPY_MODEL_([0-9a-f]+)", json.dumps(model.get("state", {})))


def shown_models(notebook) -> set[str]:
    """The widget models the page needs: those reachable from the notebook's widget outputs
    (a box's children, a widget's layout and style, ...), and the links between two of them
    (a Compare's views share their time by a ``jslink``)."""
    models = _state(notebook)
    todo = [
        output.get("data", {}).get("application/vnd.jupyter.widget-view+json", {}).get("model_id")
        for cell in notebook.cells
        for output in cell.get("outputs", [])
    ]
    seen: set[str] = set()
    while todo:
        model_id = todo.pop()
        if model_id is None or model_id in seen or model_id not in models:
            continue
        seen.add(model_id)
        todo.extend(_refs(models[model_id]))
    for model_id, model in models.items():
        if model.get("model_name") in ("LinkModel", "DirectionalLinkModel"):
            ends = _refs(model)
            if ends and all(end in seen for end in ends):
                seen.add(model_id)
                seen.update(_refs(model))
    return seen


def prune(notebook) -> int:
    """Drop the kept widget models no output shows (a Lab replaced by one without a kernel,
    a dashboard made and not shown), so the page neither carries nor builds them; return
    how many were dropped."""
    models = _state(notebook)
    keep = shown_models(notebook)
    dropped = [model_id for model_id in models if model_id not in keep]
    for model_id in dropped:
        del models[model_id]
    return len(dropped)


def views_shown(notebook) -> int:
    """How many animated views the notebook's page shows: the AnimatedCluster models among
    those it needs (:func:`shown_models`: a Lab's, a Compare's two), plus one for each Lab
    without a kernel."""
    models = _state(notebook)
    found = sum(
        "payload_meta" in models[m].get("state", {}) and "_esm" in models[m].get("state", {})
        for m in shown_models(notebook)
    )
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            found += str(output.get("data", {}).get("text/html", "")).count(
                "statelab-site-lab-mount"
            )
    return found
