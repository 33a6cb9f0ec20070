"""Notebooks 00 to 02 close their loops: every Predict has its ``predict(`` cell before the run
and a ``reveal(`` after it, the opening questions give no answer away, each notebook has a live
view, and every answer read from a run passes a property checked here independently of the
code that ``check`` and ``solution`` share."""

from __future__ import annotations

import ast
import base64
import json
import re

import pytest
from conftest import ROOT, assert_holds_over_seeds, notebook_cells

from statelab import Crash, Restart, Scenario, simulate
from statelab.cart import StatelessCartHandler
from statelab.course import exercises as course
from statelab.exercises import CORRECT, EXERCISES, NOT_ANSWERED, PREDICTIONS, TRY_AGAIN, check
from statelab.exercises import solution_answer as answer_of
from statelab.widgets import Lab

NOTEBOOKS = {
    "00": ROOT / "notebooks" / "00_start_here.ipynb",
    "01": ROOT / "notebooks" / "01_what_is_state.ipynb",
    "02": ROOT / "notebooks" / "02_one_stateful_server.ipynb",
}
OURS = sorted(e for e in EXERCISES if e[:2] in NOTEBOOKS)
#: A Predict prompt, as tests/test_predictions.py finds them.
PROMPT = r"#+ Predict\b|\*\*Predict:\*\*|\*\*Predict\*\* first|Predict first"
#: What an opening question may not say: the answers that a later prediction asks for.
GIVEAWAYS = {
    "00": ["third", "1/3", "33", "1/N", "zero", "no cart", "none", "next request"],
    "01": ["empty", "gone", "lose", "two books", "one book", "idempotency key"],
    "02": ["80", "0.8", "0.75", "four times", "explode", "every", "all of"],
}
P95_BOUND = 4.0  # seconds, as exercises 02-1 and 02-2 ask (written out here)


def cells(number: str) -> list[tuple[str, str]]:
    return notebook_cells(NOTEBOOKS[number])


def code_index(number: str, pattern: str) -> list[int]:
    return [i for i, (k, s) in enumerate(cells(number)) if k == "code" and re.search(pattern, s)]


# -- predict, run, explain ----------------------------------------------------------------


@pytest.mark.parametrize("number", sorted(NOTEBOOKS))
def test_every_prediction_is_predicted_as_given_then_run_then_revealed(number):
    ids = [p for p in PREDICTIONS if p.startswith(number)]
    assert ids
    notebook = cells(number)
    for prediction in ids:
        predicted = code_index(number, rf'^predict\("{prediction}", None\)')
        revealed = code_index(number, rf'reveal\("{prediction}",')
        assert len(predicted) == 1, f"{prediction}: one predict cell, as given (None)"
        assert len(revealed) == 1, f"{prediction}: one reveal cell"
        assert predicted[0] < revealed[0], f"{prediction}: predicted after the reveal"
        between = notebook[predicted[0] + 1 : revealed[0]]
        runs = [s for k, s in between if k == "code" and not re.match(r"(predict|reveal)\(", s)]
        assert runs, f"{prediction}: no run between the prediction and its reveal"


@pytest.mark.parametrize("number", sorted(NOTEBOOKS))
def test_every_predict_prompt_is_followed_by_its_predict_cell(number):
    notebook = cells(number)
    prompts = [i for i, (k, s) in enumerate(notebook) if k == "markdown" and re.search(PROMPT, s)]
    assert prompts
    for index in prompts:
        following = next(s for k, s in notebook[index + 1 :] if k == "code")
        assert following.startswith("predict("), (number, notebook[index][1])


@pytest.mark.parametrize("number", sorted(NOTEBOOKS))
def test_the_opening_asks_questions_and_gives_no_answer_away(number):
    _, opening = cells(number)[0]
    assert re.search(r"\*\*Time:\*\* about \d+ minutes", opening)
    bullets = [line[2:] for line in opening.splitlines() if line.startswith("- ")]
    assert len(bullets) >= 3
    for bullet in bullets:
        assert bullet.endswith("?"), bullet
        assert not re.search(r"\d", bullet), f"a number in an opening question: {bullet}"
        for giveaway in GIVEAWAYS[number]:
            assert giveaway.lower() not in bullet.lower(), (giveaway, bullet)


@pytest.mark.parametrize("number", sorted(NOTEBOOKS))
def test_no_heading_before_a_reveal_states_its_finding(number):
    headings = [
        line
        for k, s in cells(number)
        if k == "markdown"
        for line in s.splitlines()
        if line.startswith("#")
    ]
    for heading in headings:
        assert not re.search(r"\d+ ?%|\bloses?\b|\bexplodes?\b|\bvanish", heading), heading


@pytest.mark.parametrize("number", sorted(NOTEBOOKS))
def test_every_notebook_has_a_live_view(number):
    assert code_index(number, r"\b(Lab|Compare|AnimatedCluster)\(")


@pytest.mark.parametrize("number", sorted(NOTEBOOKS))
def test_the_exercises_come_in_order_and_all_are_ours(number):
    source = "\n".join(s for k, s in cells(number) if k == "code")
    found = re.findall(r'check\("(\d\d-\d)"', source)
    assert found == sorted(found) and len(found) >= 2
    assert set(found) == {e for e in OURS if e.startswith(number)}


# -- the exercises ------------------------------------------------------------------------


@pytest.mark.parametrize("exercise", OURS)
def test_check_of_the_solution_is_correct_and_none_is_not_answered(exercise):
    assert check(exercise, None).status == NOT_ANSWERED
    assert check(exercise, answer_of(exercise)).status == CORRECT


@pytest.mark.parametrize("exercise", OURS)
def test_a_nearby_wrong_answer_gets_a_hint_without_the_answer(exercise):
    answer = answer_of(exercise)
    wrong = answer + 3 if isinstance(answer, int) else answer + 5.0
    feedback = check(exercise, wrong)
    assert feedback.status == TRY_AGAIN
    stated = rf"(?<![\d.]){re.escape(f'{answer:g}')}(?![\d.])"
    assert not re.search(stated, feedback.message.removeprefix("Hint: ")), feedback.message


def test_the_answers_read_from_runs_are_computed_not_copied():
    tree = ast.parse((ROOT / "statelab" / "course" / "exercises.py").read_text())
    answers = {
        call.args[0].value: call.args[2]
        for call in ast.walk(tree)
        if isinstance(call, ast.Call)
        and getattr(call.func, "id", None) in ("Exercise", "_FromRun")
        and isinstance(call.args[0], ast.Constant)
    }
    for exercise in OURS:
        assert not isinstance(answers[exercise], ast.Constant), f"{exercise}: a copied answer"


def lab_scenario(number: str) -> Scenario:
    """The scenario the notebook's Lab cell builds, evaluated from its own source."""
    (index,) = code_index(number, r"\bLab\(")
    _, source = cells(number)[index]
    call = next(
        node
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Lab"
    )
    names = {"Scenario": Scenario, "Restart": Restart, "Crash": Crash}
    return eval(compile(ast.Expression(call.args[0]), "<lab>", "eval"), names)


def test_the_labs_of_the_notebooks_are_the_scenarios_the_checks_run():
    assert lab_scenario("00") == Scenario.load("crash")
    assert lab_scenario("01") == course.DEPLOY_01
    assert lab_scenario("02") == course.QUEUE_02


def test_00_1_the_count_of_lost_sessions_stops_climbing_then(preset_run):
    """Read as a learner reads it: the timeline's count of lost sessions is final once the
    answer's seconds have passed, and still climbing 2 s before."""
    seconds = answer_of("00-1")
    timeline = preset_run("crash").timeline.set_index("time")["sessions_lost"]
    final = timeline.iloc[-1]
    assert final > 0
    assert timeline[timeline.index >= 60.0 + seconds + 1.0].eq(final).all()
    assert timeline[timeline.index <= 60.0 + seconds - 2.0].iloc[-1] < final


def carts_on_the_node_that_are_asked_for_again(result, node: int, at: float) -> int:
    """Sessions served by ``node`` before ``at`` whose next request comes after it."""
    requests = result.requests
    before = requests[(requests["end"] < at) & (requests["outcome"] == "ok")]
    last_node = before.sort_values("end").groupby("session")["node"].last()
    held = set(last_node[last_node == node].index)
    again = set(requests.loc[requests["arrival"] >= at, "session"])
    return len(held & again)


def test_00_2_driving_the_lab_to_4_nodes_shows_the_answer_which_is_node_1s_returning_carts():
    lab = Lab(Scenario.load("crash"))
    lab.controls["nodes"].value = 4
    lab.wait()
    lost = lab.result.summary()["sessions_lost"]
    assert lost == answer_of("00-2")
    assert lost == carts_on_the_node_that_are_asked_for_again(lab.result, node=1, at=60.0)
    active = len(lab.result.active_at(60.0))
    assert 0.15 < lost / active < 0.35  # about a quarter


def test_01_1_the_retry_with_the_new_cookie_holds_the_book_twice():
    handler = StatelessCartHandler(b"k" * 32, now=lambda: 1_000.0)
    first = handler.handle({"action": "add", "item": "book"})
    retry = handler.handle({"action": "add", "item": "book", "cookie": first["cookie"]})
    body = retry["cookie"].split(".")[0]
    items = json.loads(base64.urlsafe_b64decode(body))["items"]
    assert items.count("book") == answer_of("01-1")
    old = handler.handle({"action": "add", "item": "book"})  # the retry with the old cookie
    assert old["cart"].count("book") != answer_of("01-1")


def test_01_2_the_deploy_loses_the_carts_of_the_shoppers_who_come_back():
    lab = Lab(course.DEPLOY_01)
    lost = lab.result.summary()["sessions_lost"]
    assert lost == answer_of("01-2")
    assert lost == carts_on_the_node_that_are_asked_for_again(lab.result, node=0, at=60.0)
    lab.controls["state"].value = "cookie"
    lab.wait()
    assert lab.result.summary()["sessions_lost"] == 0


def p95(lab: Lab, **controls) -> float:
    for name, value in controls.items():
        lab.controls[name].value = value
    lab.wait()
    return lab.result.summary()["latency_p95"]


def p95_of(seed: int, **changes) -> float:
    """The p95 latency of notebook 02's Lab run with these changes, for ``seed``."""
    return simulate(course.QUEUE_02.replace(seed=seed, **changes)).summary()["latency_p95"]


def test_02_the_labs_scenario_is_the_exercises():
    lab = Lab(course.QUEUE_02)
    assert lab.controls["arrival_rate"].step == 0.5
    code = "\n".join(text for kind, text in notebook_cells(NOTEBOOKS["02"]) if kind == "code")
    assert "duration=300.0, warmup=50.0)" in code


def test_02_1_the_load_found_meets_the_bound_in_9_seeds_of_10():
    rate = answer_of("02-1")

    def holds(load, seed):  # this load and every lower step of the slider keep the bound
        steps = [load - 0.5 * k for k in range(round(load / 0.5))]
        return all(p95_of(seed, arrival_rate=r) <= P95_BOUND for r in steps)

    assert_holds_over_seeds(holds, rate, 0.5, highest=True)


def test_02_2_the_workers_found_meet_the_bound_in_9_seeds_of_10():
    workers = answer_of("02-2")

    def holds(count, seed):
        return p95_of(seed, arrival_rate=7.0, workers=count) <= P95_BOUND

    assert_holds_over_seeds(holds, workers, 1, highest=False)
    assert workers > 7  # just enough workers for the average load is not enough
