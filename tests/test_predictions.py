"""Predictions: a guess is recorded before a run and read back after it."""

from __future__ import annotations

import ast
import json
import re

import pytest
from conftest import ROOT

from statelab.course import predictions
from statelab.exercises import (
    NOT_ANSWERED,
    PREDICTIONS,
    RECORDED,
    TRY_AGAIN,
    predict,
    reveal,
    your_guesses,
)


@pytest.fixture(autouse=True)
def a_fresh_kernel():
    """Each test starts as a new kernel does: no guess recorded, nothing revealed."""
    predictions._GUESSES.clear()
    predictions._REVEALED.clear()
    yield
    predictions._GUESSES.clear()
    predictions._REVEALED.clear()


def test_a_guess_is_read_back_against_the_run_and_theory():
    assert predict("04-sticky-crash", 0.1).status == RECORDED
    shown = reveal("04-sticky-crash", 0.26, theory=0.25)
    assert shown.message == "You predicted 10%, the run lost 26% (theory 25%)."
    assert shown.why == PREDICTIONS["04-sticky-crash"].why
    assert repr(shown).startswith("You predicted 10%, the run lost 26% (theory 25%). Each of")
    assert shown._repr_markdown_().startswith("🔎 **You predicted 10%, the run lost 26%")


def test_without_a_guess_reveal_says_so_and_still_shows_the_run():
    shown = reveal("04-sticky-crash", 0.26, theory=0.25)
    assert shown.message == "You did not predict: the run lost 26% (theory 25%)."
    assert shown.predicted is None


def test_none_is_not_answered_yet_and_forgets_an_earlier_guess():
    predict("00-calm-lost", 10)
    feedback = predict("00-calm-lost", None)
    assert feedback.status == NOT_ANSWERED
    assert "Replace None with your guess" in feedback.message
    assert reveal("00-calm-lost", 0).message.startswith("You did not predict")


def test_a_new_guess_replaces_the_old_one_and_reveal_may_say_why_in_its_own_words():
    predict("00-calm-lost", 10)
    predict("00-calm-lost", 3)
    shown = reveal("00-calm-lost", 0, why="Nothing failed.")
    assert shown.message == "You predicted 3 carts, the run lost 0 carts."
    assert shown.why == "Nothing failed."


@pytest.mark.parametrize(
    ("prediction", "value", "words"),
    [
        ("04-sticky-crash", "a quarter", "a share from 0 to 1"),
        ("04-sticky-crash", 25, "for 25% write 0.25"),
        ("04-sticky-crash", -0.1, "you gave -0.1"),
        ("04-sticky-crash", True, "you gave True"),
        ("04-sticky-crash", float("nan"), "you gave nan"),
        ("00-calm-lost", -1, "a number of carts from 0 to"),
        ("06-store-latency", "0.1 s", "a number of seconds from 0 to 60"),
        ("01-restart", "gone", "one of 'book and lamp', 'empty'"),
        ("01-restart", 0, "one of 'book and lamp', 'empty'"),
    ],
)
def test_a_guess_of_the_wrong_kind_or_size_is_refused_naming_the_id_value_and_what_is_allowed(
    prediction, value, words
):
    feedback = predict(prediction, value)
    assert feedback.status == TRY_AGAIN
    assert repr(prediction) in feedback.message
    assert words in feedback.message
    assert "Not recorded" in feedback.message
    assert predictions.guesses() == {}


def test_a_choice_is_read_without_regard_to_case_or_spaces():
    assert predict("01-restart", "  Empty ").status == RECORDED
    assert reveal("01-restart", "empty").message == (
        "You predicted 'empty', the server showed 'empty'."
    )


def test_seconds_and_small_shares_are_shown_readably():
    predict("06-store-latency", 0.1)
    assert reveal("06-store-latency", 0.1034).message == (
        "You predicted 0.1 s, latency grew by 0.103 s."
    )
    predict("05-timeout-share", 0.05)
    assert "5%" in reveal("05-timeout-share", 0.004).message
    assert "0.4%" in reveal("05-timeout-share", 0.004).message


def test_a_count_of_one_is_said_in_the_singular():
    from statelab.exercises import PREDICTIONS

    books = next(p for p in PREDICTIONS.values() if p.unit == "books")
    assert books.say(1) == "1 book" and books.say(2) == "2 books"
    designs = next(p for p in PREDICTIONS.values() if p.unit == "design(s)")
    assert designs.say(1) == "1 design" and designs.say(3) == "3 designs"
    assert designs.say(0) == "0 designs"


def test_reveal_refuses_a_measurement_of_the_wrong_kind():
    with pytest.raises(TypeError, match="'04-sticky-crash' must be a number"):
        reveal("04-sticky-crash", "26%")
    with pytest.raises(ValueError, match="'01-restart' must be one of"):
        reveal("01-restart", "gone")


def test_an_unknown_id_gets_a_did_you_mean():
    with pytest.raises(ValueError, match=r"unknown prediction '04-sticky'\. Did you mean"):
        predict("04-sticky", 0.2)
    with pytest.raises(ValueError, match=r"unknown prediction '4-sticky-crash'\. Did you mean"):
        reveal("4-sticky-crash", 0.2)


def test_every_prediction_is_well_formed():
    for prediction_id, prediction in PREDICTIONS.items():
        assert re.fullmatch(r"0[0-9]-[a-z0-9-]+", prediction_id), prediction_id
        assert prediction.id == prediction_id
        assert prediction.question.endswith("?"), prediction_id
        assert prediction.why.endswith("."), prediction_id
        if prediction.choices:
            assert len(prediction.choices) >= 2 and not prediction.unit, prediction_id
            assert all(c == c.strip().lower() for c in prediction.choices), prediction_id
        else:
            assert prediction.unit and prediction.low < prediction.high, prediction_id


#: A Predict prompt: a heading, a bold "Predict:" or "Predict first" (not the "**Predict.**"
#: of notebook 00's list of the three steps).
PROMPT = r"#+ Predict\b|\*\*Predict:\*\*|\*\*Predict\*\* first|Predict first"


def test_every_predict_prompt_of_the_course_has_an_id_of_its_notebook():
    """A later step adds a ``predict(...)`` cell to each prompt: the ids are here for it.
    A prompt may ask two things (under each of two hashings), so a notebook may have more
    ids than prompts, never fewer."""
    for path in sorted((ROOT / "notebooks").glob("0*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        markdown = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
        prompts = len(re.findall(PROMPT, markdown))
        ids = [p for p in PREDICTIONS if p.startswith(path.name[:2])]
        assert prompts >= 1, path.name
        assert len(ids) >= prompts, f"{path.name}: {prompts} prompts, ids {ids}"


def test_the_notebooks_import_predict_and_reveal_with_check_and_solution():
    for path in sorted((ROOT / "notebooks").glob("0*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        first = "".join(next(c for c in cells if c["cell_type"] == "code")["source"])
        code = "\n".join(line for line in first.splitlines() if not line.startswith("%"))
        names = {
            alias.name
            for node in ast.walk(ast.parse(code))
            if isinstance(node, ast.ImportFrom) and node.module == "statelab.exercises"
            for alias in node.names
        }
        assert {"check", "solution", "predict", "reveal"} <= names, path.name


def test_your_guesses_sets_each_prediction_of_a_notebook_beside_its_run():
    predict("04-sticky-crash", 0.1)
    reveal("04-sticky-crash", 0.26, theory=0.25)
    reveal("04-availability", 0.86)
    table = your_guesses("04")
    ids = [p for p in PREDICTIONS if p.startswith("04-")]
    assert list(table["question"]) == [PREDICTIONS[p].question for p in ids]
    row = table.iloc[ids.index("04-sticky-crash")]
    assert list(row)[1:] == ["10%", "26%", "25%"]
    weather = table.iloc[ids.index("04-availability")]
    assert list(weather)[1:] == ["", "86%", ""]
    assert "..." not in table._repr_html_()  # each question shown whole
    with pytest.raises(ValueError, match="notebook must be one of '00', "):
        your_guesses("4")


NOTEBOOK_PATHS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def calls_in(path, function):
    """Every call of ``function`` in the notebook's code cells, as ast.Call nodes."""
    found = []
    for cell in json.loads(path.read_text())["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        lines = [line for line in source.splitlines() if not line.lstrip().startswith("%")]
        for node in ast.walk(ast.parse("\n".join(lines))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == function:
                found.append(node)
    return found


@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=lambda p: p.name[:2])
def test_no_reveal_is_hard_coded_every_one_reads_a_run(path):
    for call in calls_in(path, "reveal"):
        measured = call.args[1]
        assert not isinstance(measured, ast.Constant), (
            f"{path.name}: reveal({ast.unparse(call.args[0])}, {ast.unparse(measured)}) "
            "shows a value written in the notebook, not one read from a run"
        )


@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=lambda p: p.name[:2])
def test_each_notebook_ends_with_its_guesses_against_its_runs(path):
    cells = json.loads(path.read_text())["cells"]
    sources = ["".join(c["source"]) for c in cells]
    takeaways = next(i for i, s in enumerate(sources) if s.startswith("## Key takeaways"))
    assert sources[takeaways - 1] == f'your_guesses("{path.name[:2]}")'
    assert calls_in(path, "predict"), path.name
