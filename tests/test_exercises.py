"""Exercises and the cart service of notebook 01."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import re
from pathlib import Path

import pytest
from conftest import ROOT

from statelab import Scenario
from statelab.cart import StatefulCartServer
from statelab.exercises import (
    CORRECT,
    EXERCISES,
    NOT_ANSWERED,
    TRY_AGAIN,
    check,
    review,
    solution,
    solution_answer,
)


@pytest.mark.parametrize("exercise", sorted(EXERCISES))
def test_check_says_not_answered_for_none_and_correct_for_the_solution(exercise):
    assert check(exercise, None).status == NOT_ANSWERED
    assert check(exercise, solution_answer(exercise)).status == CORRECT
    shown = solution(exercise)
    assert shown.exercise == exercise and shown.explanation
    # a float answer reads to 3 significant figures, and the shown answer is still correct
    if isinstance(shown.answer, float):
        assert shown.shown() == f"{shown.answer:.3g}" and len(shown.shown()) <= 8
        assert repr(shown).startswith(f"Solution {exercise}: {shown.shown()}. ")


# -- every answer worked out again, without reading it off the exercise ---------------
#
# Each function finds the answer the way a learner would: by running the simulation or the
# cart service, by counting, or from a formula written out here. The capstone (08-2) is
# judged by running the design (see test_the_capstone_review_...).


def books_after_a_stateful_retry():
    server = StatefulCartServer()
    add = {"session": "alice", "action": "add", "item": "book"}
    server.handle(add)
    return server.handle(add)["cart"].count("book")


SHARED_KEY = bytes(range(32))  # the secret every copy of a stateless handler is given


def moved_by_modulo(before: int, after: int) -> float:
    """The share of client keys whose node changes, counted over whole periods."""
    keys = range(before * after * 50)
    return sum(key % before != key % after for key in keys) / len(keys)


def cookie_bytes(items: int, item_bytes: int) -> int:
    """A real cart cookie's bytes: ``cart=`` + base64 of the JSON + ``.`` + base64 HMAC."""
    body = base64.urlsafe_b64encode(b"x" * (34 + items * item_bytes))
    signature = base64.urlsafe_b64encode(hmac.new(b"k", body, hashlib.sha256).digest())
    return len(b"cart=" + body + b"." + signature)


def self_contained_request():
    # Fielding (5.1.3): each request carries everything needed to understand it, and the
    # session (application) state is kept entirely on the client. Which of the three
    # requests can be understood without session state that a server keeps?
    needs_server_session_state = {
        "a": True,  # a session id, looked up in a shared session store
        "b": False,  # GET /carts/42 with credentials: the cart is a resource, not a session
        "c": True,  # the server remembers which page you are on
    }
    (right,) = [name for name, needs in needs_server_session_state.items() if not needs]
    return right


# exercise: (the answer worked out, how far it may be from the solution's answer)
WORKED_OUT = {
    "01-1": (books_after_a_stateful_retry, 0),
    "06-1": (lambda: max(k for k in range(1_000) if cookie_bytes(k, 150) <= 4_096), 0),
    "07-1": (lambda: moved_by_modulo(5, 4), 1e-12),
    "08-1": (self_contained_request, 0),
}
#: The exercises whose answer is read from a run: each course test file checks its answer
#: by a property of its own (the bound found is met, and one step further is not), which
#: says more than a second computation of the same number.
CHECKED_BY_PROPERTY = {
    "tests/test_course_00_02.py": {"00-1", "00-2", "01-2", "02-1", "02-2"},
    "tests/test_course_03_05.py": {"03-1", "03-2", "04-1", "04-2", "05-1", "05-2", "05-3"},
    "tests/test_course_06_07.py": {"06-2", "06-3", "06-4", "07-2"},
    "tests/test_course_08.py": {"08-2", "08-3"},
    "tests/test_course_09.py": {"09-1", "09-2"},
}


def test_every_exercise_is_worked_out_here_or_checked_by_a_property_of_its_run():
    elsewhere = set().union(*CHECKED_BY_PROPERTY.values())
    assert set(WORKED_OUT) | elsewhere == set(EXERCISES)
    assert not set(WORKED_OUT) & elsewhere
    for path, ids in CHECKED_BY_PROPERTY.items():
        text = (ROOT / path).read_text()
        assert all(f'"{exercise}"' in text for exercise in ids), path


@pytest.mark.parametrize("exercise", sorted(WORKED_OUT))
def test_the_answer_worked_out_independently_is_correct_and_is_the_solution(exercise):
    work_out, slack = WORKED_OUT[exercise]
    answer = work_out()
    feedback = check(exercise, answer)
    assert feedback.status == CORRECT, f"{answer!r}: {feedback.message}"
    if isinstance(answer, str):
        assert answer == solution_answer(exercise)
    else:
        assert answer == pytest.approx(solution_answer(exercise), abs=slack)


@pytest.mark.parametrize(
    ("exercise", "wrong", "words"),
    [
        ("07-1", 0.2, "hash % 4 still equal hash % 5"),
        ("06-1", "27", "answer with a number"),
        ("06-1", 27, "the cart is encoded"),
        ("08-1", "a", "remember the session"),
    ],
)
def test_a_wrong_answer_gets_a_hint_that_points_at_the_idea(exercise, wrong, words):
    feedback = check(exercise, wrong)
    assert feedback.status == TRY_AGAIN
    assert words in feedback.message


NUMBER_EXERCISES = sorted(
    exercise
    for exercise, e in EXERCISES.items()
    if isinstance(e.answer, (int, float)) and not isinstance(e.answer, bool)
)


def numbers_in(text: str) -> list[float]:
    """The numbers a text states: 4,096, 0.75, 1/5 and 20% as 4096, 0.75, 0.2 and 0.2."""
    found = []
    for number in re.findall(r"\d+(?:,\d{3})*(?:\.\d+)?(?:/\d+(?:\.\d+)?)?%?", text):
        value = number.rstrip("%").replace(",", "")
        top, _, bottom = value.partition("/")
        amount = float(top) / float(bottom) if bottom else float(top)
        found.append(amount / 100 if number.endswith("%") else amount)
    return found


@pytest.mark.parametrize("exercise", ["00-1", "00-2", "04-1", "07-1", "02-2", "06-1"])
def test_a_non_number_is_told_what_kind_of_number_never_the_answer(exercise):
    message = check(exercise, "zero").message
    assert "answer with a number (" in message and "you gave 'zero'" in message
    assert "-ish" not in message
    answer = EXERCISES[exercise].answer
    assert all(not math.isclose(n, answer, rel_tol=0.03) for n in numbers_in(message)), message


def test_a_non_number_names_the_unit():
    assert "(a share from 0 to 1)" in check("07-1", "most").message
    assert "(in seconds)" in check("00-1", "soon").message
    assert "(a count of sessions)" in check("00-2", "a quarter").message
    assert "(a count of workers)" in check("02-2", "many").message


@pytest.mark.parametrize("exercise", NUMBER_EXERCISES)
def test_no_hint_states_the_answer(exercise):
    """Below and above the answer, and for a non-number: the hint points at the idea, and
    states no number equal to the answer that the question did not state already."""
    e = EXERCISES[exercise]
    answer = e.answer
    given = numbers_in(e.question)
    below = answer - max(1.0, abs(answer)) if answer >= 1 else answer - 0.15
    above = answer + max(1.0, abs(answer)) if answer >= 1 else min(1.0, answer + 0.1)
    for wrong in (below, above, "?"):
        feedback = check(exercise, wrong)
        if feedback.status == CORRECT:
            continue
        assert feedback.status == TRY_AGAIN, (exercise, wrong)
        hint = feedback.message.removeprefix("Hint: ")
        assert hint.strip(), f"{exercise}: an empty hint for {wrong!r}"
        stated = [n for n in numbers_in(hint) if not any(math.isclose(n, g) for g in given)]
        assert not any(math.isclose(n, answer, rel_tol=0.03, abs_tol=1e-9) for n in stated), (
            f"{exercise}: the hint for {wrong!r} states the answer: {hint}"
        )


def test_a_share_given_in_percent_is_told_to_give_a_share():
    message = check("07-1", 80).message
    assert "a number from 0 to 1: 0.8 for 80%" in message


def test_predict_and_reveal_are_exported_beside_check_and_solution():
    import statelab.course.exercises as course
    import statelab.exercises as exercises

    for name in ("check", "solution", "predict", "reveal"):
        assert getattr(exercises, name) is getattr(course, name)
        assert name in exercises.__all__


def test_an_unknown_exercise_is_named():
    with pytest.raises(ValueError, match=r"unknown exercise '4-1'"):
        check("4-1", 1)


def test_every_notebook_has_at_least_two_exercises_and_they_all_exist():
    ids_by_notebook = {}
    for path in sorted((ROOT / "notebooks").glob("0*.ipynb")):
        source = "".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"])
        ids_by_notebook[path.name] = set(re.findall(r'check\("(\d\d-\d)"', source))
    assert len(ids_by_notebook) == 10
    for name, ids in ids_by_notebook.items():
        assert len(ids) >= 2, name
        assert ids <= set(EXERCISES), name
        assert all(i.startswith(name[:2]) for i in ids), name
    assert set().union(*ids_by_notebook.values()) == set(EXERCISES)


def test_the_capstone_review_fails_the_brief_and_passes_the_solution():
    brief = review(Scenario.load("capstone"))
    assert not all(met for _, met, _ in brief)
    assert all(met for _, met, _ in review(solution_answer("08-2")))
    changed_workload = solution_answer("08-2").replace(events=())
    assert check("08-2", changed_workload).status == TRY_AGAIN
    assert "workload" in check("08-2", changed_workload).message
    too_big = solution_answer("08-2").replace(nodes=9)
    assert "nodes at the peak" in check("08-2", too_big).message
    assert "Scenario" in check("08-2", 7).message


def test_the_presenters_guide_and_glossary_cover_every_notebook():
    guide = (ROOT / "docs" / "presenting.md").read_text()
    for path in sorted((ROOT / "notebooks").glob("0*.ipynb")):
        assert path.name in guide
    glossary = (ROOT / "docs" / "glossary.md").read_text().lower()
    for term in (
        "session",
        "affinity",
        "sticky",
        "rehash",
        "drain",
        "idempotent",
        "stateless",
        "consistent hashing",
        "availability",
        "utilisation",
    ):
        assert f"**{term}" in glossary, term
    assert Path(ROOT / "README.md").read_text().count("docs/presenting.md") >= 1
