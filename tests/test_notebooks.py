"""The course's notebooks: committed clean, and each runs top to bottom with no error or warning."""

from __future__ import annotations

import json

import nbformat
import pytest
from conftest import ROOT
from nbclient import NotebookClient

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
BACKENDS = ("%matplotlib inline", "%matplotlib widget", "%matplotlib ipympl")


def test_the_course_starts_with_notebook_00():
    assert NOTEBOOKS and NOTEBOOKS[0].name == "00_start_here.ipynb"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_clean_with_a_kernelspec_and_one_backend(path):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"
    code = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert all(not cell["outputs"] for cell in code), "commit notebooks with outputs cleared"
    assert all(cell["execution_count"] is None for cell in code)
    source = "\n".join("".join(cell["source"]) for cell in code)
    backends = {backend for backend in BACKENDS if backend in source}
    assert len(backends) <= 1, f"one matplotlib backend per notebook, found {backends}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_top_to_bottom_without_error_or_warning(path):
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": path.parent}}
    ).execute()
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            assert output["output_type"] != "error", f"cell {index}: {output.get('evalue')}"
            if output["output_type"] == "stream" and output["name"] == "stderr":
                pytest.fail(f"cell {index} wrote to stderr (a warning?): {output['text'][:500]}")
