"""Exercises and the cart service of notebook 01."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import ROOT

from statelab import Scenario
from statelab.cart import CartError, StatefulCartServer, StatelessCartHandler, tamper
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


@pytest.mark.parametrize(
    ("exercise", "wrong", "words"),
    [
        ("04-1", 0.5, "only the crashed node"),
        ("04-1", 0.1, "equal share"),
        ("07-1", 0.2, "hash % 5"),
        ("01-3", "stateless", "keeps nothing"),
        ("01-3", "both", "one of 'stateful', 'stateless'"),
        ("06-1", "27", "answer with a number"),
        ("08-1", "a", "remember the session"),
    ],
)
def test_a_wrong_answer_gets_a_hint_that_points_at_the_idea(exercise, wrong, words):
    feedback = check(exercise, wrong)
    assert feedback.status == TRY_AGAIN
    assert words in feedback.message


def test_an_unknown_exercise_is_named():
    with pytest.raises(ValueError, match=r"unknown exercise '4-1'"):
        check("4-1", 1)


def test_every_notebook_has_at_least_two_exercises_and_they_all_exist():
    ids_by_notebook = {}
    for path in sorted((ROOT / "notebooks").glob("0*.ipynb")):
        source = "".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"])
        ids_by_notebook[path.name] = set(re.findall(r'check\("(\d\d-\d)"', source))
    assert len(ids_by_notebook) == 9
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


# -- the cart service -------------------------------------------------------------


def test_a_stateful_server_remembers_until_it_restarts():
    server = StatefulCartServer()
    server.handle({"session": "a", "action": "add", "item": "book"})
    assert server.handle({"session": "a"})["cart"] == ["book"]
    assert server.restart().handle({"session": "a"})["cart"] == []


def test_a_retry_adds_twice_without_an_idempotency_key_and_once_with_one():
    server = StatefulCartServer()
    add = {"session": "a", "action": "add", "item": "book"}
    server.handle(add)
    assert server.handle(add)["cart"] == ["book", "book"]
    keyed = {**add, "session": "b", "idempotency_key": "k1"}
    server.handle(keyed)
    assert server.handle(keyed)["cart"] == ["book"]


def test_the_stateless_handler_is_a_function_of_its_request():
    handler, copy = StatelessCartHandler(b"secret-key"), StatelessCartHandler(b"secret-key")
    first = handler.handle({"action": "add", "item": "book"})
    request = {"action": "add", "item": "lamp", "cookie": first["cookie"]}
    assert handler.handle(request) == handler.handle(request) == copy.handle(request)
    assert handler.handle(request)["cart"] == ["book", "lamp"]
    removed = handler.handle({"action": "remove", "item": "book", "cookie": first["cookie"]})
    assert removed["cart"] == []


def test_a_tampered_or_foreign_cookie_is_refused():
    handler = StatelessCartHandler(b"secret-key")
    cookie = handler.handle({"action": "add", "item": "book"})["cookie"]
    forged = handler.handle({"action": "view", "cookie": tamper(cookie, ["laptop"])})
    assert forged["status"] == 400 and "signature" in forged["error"]
    other = StatelessCartHandler(b"another-key").handle({"action": "view", "cookie": cookie})
    assert other["status"] == 400


@pytest.mark.parametrize(
    "request_",
    [{"action": "buy"}, {"action": "add"}, {"action": "add", "item": ""}, "add book"],
)
def test_a_bad_request_is_refused_with_the_reason(request_):
    with pytest.raises(CartError):
        StatelessCartHandler().handle(request_)


def test_a_stateful_request_needs_a_session():
    with pytest.raises(CartError, match="session id"):
        StatefulCartServer().handle({"action": "view"})


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
