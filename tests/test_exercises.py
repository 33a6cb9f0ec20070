"""Exercises and the cart service of notebook 01."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, mmc

from statelab import Scenario, simulate, theory
from statelab.cart import StatefulCartServer, StatelessCartHandler
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


def books_after_a_stateless_retry():
    handler = StatelessCartHandler(SHARED_KEY)
    old = handler.handle({"action": "view"})["cookie"]  # the cookie before the first add
    handler.handle({"action": "add", "item": "book", "cookie": old})
    retry = handler.handle({"action": "add", "item": "book", "cookie": old})
    return retry["cart"].count("book")


def which_loses_its_carts_on_restart():
    server = StatefulCartServer()
    server.handle({"session": "alice", "action": "add", "item": "book"})
    handler = StatelessCartHandler(SHARED_KEY)
    cookie = handler.handle({"action": "add", "item": "book"})["cookie"]
    restarted = StatelessCartHandler(SHARED_KEY)  # a new process, the same key
    lost = {
        "stateful": server.restart().handle({"session": "alice"})["cart"] == [],
        "stateless": restarted.handle({"cookie": cookie})["cart"] == [],
    }
    (loser,) = [name for name, gone in lost.items() if gone]
    return loser


def erlang_c_wait(arrival_rate: float, service_time: float, workers: int) -> float:
    """The mean wait of an M/M/c queue, from Erlang's C formula written out here."""
    load = arrival_rate * service_time
    below = sum(load**k / math.factorial(k) for k in range(workers))
    top = load**workers / math.factorial(workers) * workers / (workers - load)
    return top / (below + top) * service_time / (workers - load)


def share_reaching_the_cart_node():
    # without affinity the cart is on the node that served the session's last request
    scenario = Scenario(nodes=4, balancer="random", affinity="none", duration=600.0)
    requests = simulate(scenario).requests.sort_values(["session", "arrival"], kind="stable")
    before = requests.groupby("session")["node"].shift(1)
    later = before.notna()
    return float((requests.loc[later, "node"] == before[later]).mean())


def busiest_node_against_the_even_share():
    scenario = Scenario(
        nodes=4,
        arrival_rate=0.5,
        requests_per_session=50,
        think_time=1.0,
        service_time=0.1,
        session_length="heavy_tailed",
        duration=600.0,
        seed=0,
    )
    busiest = simulate(scenario).work_by_node().max()
    return "above" if busiest > 1.05 / 4 else "equal"


def moved_by_modulo(before: int, after: int) -> float:
    """The share of client keys whose node changes, counted over whole periods."""
    keys = range(before * after * 50)
    return sum(key % before != key % after for key in keys) / len(keys)


def moved_on_the_ring(before: int, after: int) -> float:
    """The share of client keys whose ring owner changes, counted over 20 rings."""
    from statelab.sim.affinity import HashRing, client_key

    class Node:
        def __init__(self, index):
            self.index = index

    moved = []
    for seed in range(20):
        old, new = HashRing(seed, 100), HashRing(seed, 100)
        old.rebuild([Node(i) for i in range(before)])
        new.rebuild([Node(i) for i in range(after)])
        keys = [client_key(seed, i) for i in range(2_000)]
        moved.append(np.mean([old.owner(k).index != new.owner(k).index for k in keys]))
    return float(np.mean(moved))


def cookie_bytes(items: int, item_bytes: int) -> int:
    """A real cart cookie's bytes: ``cart=`` + base64 of the JSON + ``.`` + base64 HMAC."""
    body = base64.urlsafe_b64encode(b"x" * (34 + items * item_bytes))
    signature = base64.urlsafe_b64encode(hmac.new(b"k", body, hashlib.sha256).digest())
    return len(b"cart=" + body + b"." + signature)


def throughput_ratio_at_full_load():
    # far more shoppers than 4 nodes serve; count the requests served a second once full
    busy = Scenario(state="store", affinity="none", arrival_rate=20.0, duration=180.0)

    def served_a_second(nodes):
        requests = simulate(busy.replace(nodes=nodes)).requests
        served = requests["outcome"].isin(["ok", "state_lost"]) & (requests["end"] >= 60.0)
        return served.sum() / 120.0

    return served_a_second(4) / served_a_second(2)


def store_calls_a_second_when_saturated():
    # 60 requests a second, each one store call first: the store's 2 clerks never rest,
    # and every request that reaches a worker has just finished its call
    scenario = Scenario(
        nodes=3,
        state="store",
        affinity="none",
        store_workers=2,
        store_latency=0.05,
        arrival_rate=10.0,
        duration=300.0,
    )
    start = simulate(scenario).requests["start"]
    return ((start >= 100.0) & (start < 300.0)).sum() / 200.0


def self_contained_request():
    # only a request that a server which has never seen the shopper can answer is
    # self-contained; 'c' leans on the server's memory of the page, as 'a' on its carts
    remembered = StatefulCartServer()
    remembered.handle({"session": "alice", "action": "add", "item": "book"})
    signer = StatelessCartHandler(SHARED_KEY)
    cookie = signer.handle({"action": "add", "item": "book"})["cookie"]
    answers = {
        "a": StatefulCartServer().handle({"session": "alice"})["cart"],
        "b": StatelessCartHandler(SHARED_KEY).handle({"cookie": cookie})["cart"],
    }
    answers["c"] = answers["a"]
    (right,) = [name for name, cart in answers.items() if cart == ["book"]]
    return right


def crash_lost_share():
    result = simulate(Scenario.load("crash"))  # 1 of 3 sticky nodes crashes at 60 s
    active = result.active_at(60.0)
    return float(active["lost_state"].mean())


# exercise: (the answer worked out, how far it may be from the solution's answer)
WORKED_OUT = {
    "00-1": (lambda: simulate(Scenario.load("calm_day")).summary()["sessions_lost"], 0),
    "00-2": (crash_lost_share, 0.06),
    "01-1": (books_after_a_stateful_retry, 0),
    "01-2": (books_after_a_stateless_retry, 0),
    "01-3": (which_loses_its_carts_on_restart, 0),
    "02-1": (lambda: simulate(mmc(3.2, 4, seed=1)).summary()["utilisation"], 0.02),
    "02-2": (lambda: erlang_c_wait(3.2, 1.0, 4), 1e-12),
    "03-1": (share_reaching_the_cart_node, 0.01),
    "03-2": (busiest_node_against_the_even_share, 0),
    "04-1": (lambda: theory.sticky_lost_on_crash(5), 1e-12),  # simulated in test_hashing_...
    "04-2": (lambda: theory.availability(90.0, 10.0), 1e-12),  # simulated in test_dynamics
    "04-3": (lambda: moved_by_modulo(4, 3), 1e-12),
    "05-1": (lambda: simulate(Scenario.load("stateless_crash")).summary()["sessions_lost"], 0),
    "05-2": (throughput_ratio_at_full_load, 0.05),
    "06-1": (lambda: max(k for k in range(1_000) if cookie_bytes(k, 150) <= 4_096), 0),
    "06-2": (store_calls_a_second_when_saturated, 0.5),
    "07-1": (lambda: moved_by_modulo(4, 5), 1e-12),
    "07-2": (lambda: moved_on_the_ring(4, 5), 0.01),
    "08-1": (self_contained_request, 0),
}


def test_every_exercise_but_the_capstone_has_an_answer_worked_out_here():
    assert set(WORKED_OUT) | {"08-2"} == set(EXERCISES)


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
        ("04-1", 0.5, "only the crashed node"),
        ("04-1", 0.1, "how are the active carts spread"),
        ("07-1", 0.2, "hash % 5"),
        ("01-3", "stateless", "keeps nothing"),
        ("01-3", "both", "one of 'stateful', 'stateless'"),
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


@pytest.mark.parametrize("exercise", ["00-1", "00-2", "04-1", "04-3", "02-2", "06-1"])
def test_a_non_number_is_told_what_kind_of_number_never_the_answer(exercise):
    message = check(exercise, "zero").message
    assert "answer with a number (" in message and "you gave 'zero'" in message
    assert "-ish" not in message
    answer = EXERCISES[exercise].answer
    assert all(not math.isclose(n, answer, rel_tol=0.03) for n in numbers_in(message)), message


def test_a_non_number_names_the_unit():
    assert "(a share from 0 to 1)" in check("00-2", "a third").message
    assert "(in seconds)" in check("02-2", "long").message
    assert "(a count of sessions)" in check("00-1", "none").message


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
    message = check("04-1", 20).message
    assert "a number from 0 to 1: 0.2 for 20%" in message


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
