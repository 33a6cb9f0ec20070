"""The course's notebooks: committed clean, and each runs top to bottom with no error or warning,
as do the snippets their text tells the learner to type (``solution("00-1")``)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import nbformat
import pytest
from browser.conftest import browser_missing
from conftest import ROOT
from nbclient import NotebookClient
from snippets import snippets

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
COURSE = [path for path in NOTEBOOKS if path.name[:2].isdigit()]
BACKENDS = ("%matplotlib inline", "%matplotlib widget", "%matplotlib ipympl")


def test_the_course_starts_with_notebook_00():
    assert NOTEBOOKS and NOTEBOOKS[0].name == "00_start_here.ipynb"


# -- clean in git ----------------------------------------------------------------


def committed_text(path) -> tuple[str, str]:
    """What git holds for ``path`` (the index: what the next commit takes) and "git", or,
    outside a git checkout or for a file git does not track, the file's text and "file".

    The notebooks on disk may hold a learner's outputs: nbstripout, installed as a git
    filter by ``make install``, keeps them out of what git holds, and that is what must
    be clean."""
    relative = path.relative_to(ROOT).as_posix()
    if shutil.which("git"):
        shown = subprocess.run(
            ["git", "show", f":{relative}"],
            cwd=ROOT,
            capture_output=True,
            encoding="utf-8",
            timeout=60,
        )
        if shown.returncode == 0:
            return shown.stdout, "git"
    return path.read_text(encoding="utf-8"), "file"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_clean_with_a_kernelspec_and_one_backend(path):
    text, where = committed_text(path)
    notebook = json.loads(text)
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"
    code = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert all(not cell["outputs"] for cell in code), (
        f"commit notebooks with outputs cleared ({where} holds outputs; `make install` sets up "
        f"nbstripout, which clears them as git takes a notebook)"
    )
    assert all(cell["execution_count"] is None for cell in code)
    source = "\n".join("".join(cell["source"]) for cell in code)
    backends = {backend for backend in BACKENDS if backend in source}
    assert len(backends) <= 1, f"one matplotlib backend per notebook, found {backends}"


def test_the_clean_check_reads_what_git_holds_in_a_git_checkout():
    if not (ROOT / ".git").exists() or not shutil.which("git"):
        pytest.skip("not a git checkout: the check reads the files")
    assert committed_text(NOTEBOOKS[0])[1] == "git"


# -- the snippets the text tells the learner to type --------------------------------


def test_the_snippets_found_are_the_ones_a_learner_types():
    notebook = {
        "cells": [
            {
                "cell_type": "markdown",
                "source": 'Stuck? `solution("00-1")`; `solution(...)` shows one; '
                '`summary()` and `simulate(scenario)`; `Scenario.load("crash")` reads it; '
                "`Lab(presenter=True)`; `hash % N`",
            }
        ]
    }
    assert snippets(notebook) == [
        'solution("00-1")',
        'Scenario.load("crash")',
        "Lab(presenter=True)",
    ]


@pytest.mark.parametrize("path", COURSE, ids=lambda p: p.name)
def test_every_exercise_tells_the_learner_a_solution_snippet(path):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    source = "".join("".join(cell["source"]) for cell in notebook["cells"])
    exercises = set(re.findall(r'check\("(\d\d-\d)"', source))
    assert exercises
    assert {f'solution("{exercise}")' for exercise in exercises} <= set(snippets(notebook))


# -- run top to bottom ---------------------------------------------------------------


#: Where Chromium is here, the notebooks are run, the snippets included (a cell each after
#: the notebook's), by tests/browser/test_course.py in JupyterLab (00, 09 and the Lab) and by
#: the static site's build in tests/browser/test_site.py (every notebook but 09, headless,
#: with no processes), each failing on any error or stderr output, which is what this test
#: checks: running each notebook twice would only cost time (two minutes of `make test`).
#: Without Chromium, this test runs them; so it does with STATELAB_NOTEBOOKS_HEADLESS=1, for
#: a run of this file alone.
IN_JUPYTERLAB = not browser_missing() and os.environ.get("STATELAB_NOTEBOOKS_HEADLESS") != "1"


@pytest.mark.slow
@pytest.mark.skipif(
    IN_JUPYTERLAB,
    reason="run in JupyterLab by tests/browser/test_course.py, with its snippets "
    "(STATELAB_NOTEBOOKS_HEADLESS=1 runs them here too)",
)
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_top_to_bottom_without_error_or_warning(path):
    """Every code cell runs, then every snippet the text tells the learner to type, each in
    a cell of its own after the notebook's, in the same kernel."""
    notebook = nbformat.read(path, as_version=4)
    typed = snippets(notebook)
    first_snippet = len(notebook.cells)
    notebook.cells.extend(nbformat.v4.new_code_cell(code) for code in typed)
    NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": path.parent}}
    ).execute()
    for index, cell in enumerate(notebook.cells):
        where = (
            f"the snippet `{typed[index - first_snippet]}` of the text"
            if index >= first_snippet
            else f"cell {index}"
        )
        for output in cell.get("outputs", []):
            assert output["output_type"] != "error", (
                f"{where}: {output.get('ename')}: {output.get('evalue')}"
            )
            if output["output_type"] == "stream" and output["name"] == "stderr":
                pytest.fail(f"{where} wrote to stderr (a warning?): {output['text'][:500]}")


# -- nbstripout keeps what git holds clean -----------------------------------------------
#
# `make install` in a fresh clone sets nbstripout up as the notebooks' git filter, and then a
# learner's outputs stay out of what git holds: tests/test_project.py checks it, on the
# install it checks the pins of (one environment made from nothing, not two).


# -- how long a notebook takes --------------------------------------------------------
#
# A notebook's top says how long it takes. That is measured, not guessed: reading its
# prose at 200 words a minute, half a minute to run and look at each code cell, a minute
# for each prediction and three for each exercise (the headless runs add seconds:
# bench/bench_course.py). The figure stated may round the estimate to 5 minutes.
WORDS_A_MINUTE = 200
MINUTES_A_CODE_CELL = 0.5
MINUTES_A_PREDICTION = 1.0
MINUTES_AN_EXERCISE = 3.0
MINUTES_A_BUILD = 8.0  # a build-it exercise: write the function, read the judge, fix it


def estimated_minutes(notebook) -> float:
    """The reading-speed estimate of a notebook's time, in minutes."""
    prose = " ".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    code = [c.source for c in notebook.cells if c.cell_type == "code"]
    predictions = sum(source.count("predict(") for source in code)
    exercises = len(set(re.findall(r'check\("(\d\d-\d)"', "\n".join(code))))
    builds = sum(source.count("judge(") for source in code)
    return (
        len(re.findall(r"\w+", prose)) / WORDS_A_MINUTE
        + MINUTES_A_CODE_CELL * len(code)
        + MINUTES_A_PREDICTION * predictions
        + MINUTES_AN_EXERCISE * exercises
        + MINUTES_A_BUILD * builds
    )


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if p.name[:2].isdigit()], ids=str)
def test_the_time_a_notebook_states_is_its_reading_estimate(path):
    notebook = nbformat.read(path, as_version=4)
    stated = re.search(r"about (\d+) min", notebook.cells[0].source)
    assert stated, f"{path.name}: its top should say 'about N minutes'"
    estimate = estimated_minutes(notebook)
    assert abs(int(stated.group(1)) - estimate) <= 5, (path.name, round(estimate, 1))
