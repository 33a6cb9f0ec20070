"""Notebooks 06 (where state lives) and 07 (scaling up and down): predict, run, explain as a
loop; questions that give nothing away; exercises whose answers are read from runs, each
verified here by a property of its own, not by comparing ``check`` with ``solution``."""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import re

import pytest
from conftest import ROOT, assert_holds_over_seeds, notebook_cells

from statelab import ScaleTo, Scenario, StoreOutage, simulate
from statelab.course import exercises as course
from statelab.exercises import CORRECT, NOT_ANSWERED, PREDICTIONS, check, solution_answer

NOTEBOOKS = {
    "06": ROOT / "notebooks" / "06_where_state_lives.ipynb",
    "07": ROOT / "notebooks" / "07_scaling_up_and_down.ipynb",
}
EXERCISES = {"06": ["06-1", "06-2", "06-3", "06-4"], "07": ["07-1", "07-2"]}
#: A Predict prompt, as tests/test_predictions.py finds them.
PROMPT = re.compile(r"#+ Predict\b|\*\*Predict:\*\*|\*\*Predict\*\* first|Predict first")
#: Numbers a later prediction or exercise asks for: no opening question may state them.
ANSWERS = {
    "06": ["19", "20", "0.1", "4,096", "4096", "4 KB", "0.06", "1/3"],
    "07": ["80%", "20%", "N/(N+1)", "1/(N+1)", "1/N", "0.8", "0.2", "70", "90", "210"],
}
LIVE_VIEWS = ("Lab(", "Compare(", "AnimatedCluster(")


def cells(number: str) -> list[tuple[str, str]]:
    return notebook_cells(NOTEBOOKS[number])


def called(source: str, function: str) -> list[str]:
    return re.findall(rf'\b{function}\(\s*"([\w-]+)"', source)


# -- predict, run, explain ----------------------------------------------------------------


@pytest.mark.parametrize("number", sorted(NOTEBOOKS))
def test_every_prompt_is_followed_by_a_predict_cell_that_runs_as_given(number):
    notebook = cells(number)
    prompts = [i for i, (k, _) in enumerate(notebook) if k == "markdown"]
    prompts = [i for i in prompts if PROMPT.search(notebook[i][1])]
    assert prompts, number
    for index in prompts:
        following = next(s for k, s in notebook[index + 1 :] if k == "code")
        assert called(following, "predict"), (number, notebook[index][1])
        assert re.search(r'predict\("[\w-]+", None\)  # your guess: ', following)


@pytest.mark.parametrize("number", sorted(NOTEBOOKS))
def test_each_prediction_is_made_before_the_run_and_read_back_after_it(number):
    notebook = cells(number)
    code = [s for k, s in notebook if k == "code"]
    made = {p: i for i, source in enumerate(code) for p in called(source, "predict")}
    read = {p: i for i, source in enumerate(code) for p in called(source, "reveal")}
    mine = {p for p in PREDICTIONS if p.startswith(number)}
    assert set(made) == set(read) == mine, number
    for prediction, at in made.items():
        between = code[at + 1 : read[prediction]]
        runs = [s for s in between if not called(s, "predict") and not called(s, "reveal")]
        assert runs, f"{prediction}: no run between the guess and its reveal"
        assert read[prediction] > at


@pytest.mark.parametrize("number", sorted(NOTEBOOKS))
def test_the_opening_asks_questions_and_states_no_answer(number):
    _, opening = cells(number)[0]
    assert "**Time:** about" in opening
    assert "What you will learn" not in opening
    questions = [line[2:] for line in opening.splitlines() if line.startswith("- ")]
    assert len(questions) >= 3
    for question in questions:
        assert question.rstrip().endswith("?"), question
        assert not re.search(r"\d", question), question
        for answer in ANSWERS[number]:
            assert answer not in question, (answer, question)


@pytest.mark.parametrize("number", sorted(NOTEBOOKS))
def test_headings_before_a_prediction_are_neutral(number):
    """A heading says what comes, not what it shows: no number in a heading."""
    for kind, text in cells(number):
        if kind == "markdown":
            for heading in re.findall(r"^#+ .*$", text, flags=re.MULTILINE):
                title = re.sub(r"(Exercise|Build it) \d\d-\w", "", heading.split("·")[-1])
                assert not re.search(r"\d", title), heading


@pytest.mark.parametrize("number", sorted(NOTEBOOKS))
def test_each_notebook_has_a_live_view_the_learner_drives(number):
    code = "\n".join(s for k, s in cells(number) if k == "code")
    assert any(view in code for view in LIVE_VIEWS), number


@pytest.mark.parametrize("number", sorted(NOTEBOOKS))
def test_the_exercises_come_in_order_and_run_as_given(number):
    code = [s for k, s in cells(number) if k == "code"]
    found = [e for source in code for e in called(source, "check")]
    assert found == EXERCISES[number]
    for source in code:
        if called(source, "check"):
            assert source.startswith("answer = None  # your answer here")


def test_the_store_latencies_are_labelled_as_exaggerated():
    text = "\n".join(s for k, s in cells("06") if k == "markdown")
    assert "exaggerated, for visibility" in text
    assert "about a millisecond" in text


# -- the exercises ---------------------------------------------------------------------------


@pytest.mark.parametrize("exercise", [e for ids in EXERCISES.values() for e in ids])
def test_check_says_not_answered_for_none_and_correct_for_the_solution(exercise):
    assert check(exercise, None).status == NOT_ANSWERED
    assert check(exercise, solution_answer(exercise)).status == CORRECT


def signed_cart_cookie_bytes(items: int) -> int:
    """A browser's count of a real cart cookie: 'cart=' + base64 of the cart's JSON (34 bytes
    and 150 an item) + '.' + the base64 of its HMAC-SHA256."""
    body = base64.urlsafe_b64encode(b"x" * (34 + 150 * items))
    signature = base64.urlsafe_b64encode(hmac.new(b"key", body, hashlib.sha256).digest())
    return len(b"cart=" + body + b"." + signature)


def test_06_1_the_fullest_cart_is_the_most_a_cookie_holds_and_the_limit_was_reached():
    answer = solution_answer("06-1")
    assert signed_cart_cookie_bytes(answer) <= 4096 < signed_cart_cookie_bytes(answer + 1)
    sessions = simulate(Scenario.load("cookie_cart")).sessions
    assert (sessions["items_not_kept"] > 0).any(), "no cart reached the limit in the run"


def store_shop_p95(latency: float) -> float:
    shop = Scenario(nodes=3, affinity="none", state="store", store_workers=2)
    return simulate(shop.replace(store_latency=latency)).summary()["latency_p95"]


def test_06_2_the_slowest_store_meets_the_target_in_9_seeds_of_10():
    answer = solution_answer("06-2")
    steps = [round(0.040 + 0.005 * k, 3) for k in range(13)]
    assert answer in steps

    def holds(latency, seed):  # this store and every faster step keep the target
        faster = [step for step in steps if step <= latency + 1e-9]
        shop = Scenario(nodes=3, affinity="none", state="store", store_workers=2, seed=seed)
        return all(
            simulate(shop.replace(store_latency=step)).summary()["latency_p95"] <= 1.0
            for step in faster
        )

    assert_holds_over_seeds(holds, answer, 0.005, highest=True)
    assert 2 / (answer + 0.005) > 30.0, "the slower store still keeps up on average"


def code_of(number: str) -> str:
    return "\n".join(text for kind, text in cells(number) if kind == "code")


def ok_share_after_200(result) -> float:
    late = result.requests[result.requests["arrival"] >= 200.0]
    return float((late["outcome"] == "ok").mean())


def test_06_3_only_the_retry_budget_lets_the_hung_shop_recover():
    hung = Scenario(
        state="store",
        requests_per_session=8,
        think_time=1.0,
        arrival_rate=5.0,
        duration=300.0,
        events=(StoreOutage(100.0, 15.0, mode="hang"),),
        client_timeout=2.0,
        retries=2,
        retry_backoff=0.5,
    )
    assert hung == course.HANG_06  # the notebook's run is the exercise's
    assert 'StoreOutage(100.0, 15.0, mode="hang")' in code_of("06")
    shares = {
        option: ok_share_after_200(simulate(hung.replace(**change)))
        for option, change in {
            "a": {"retry_jitter": "full"},
            "b": {"retry_budget": 0.1},
            "c": {"retries": 5},
        }.items()
    }
    assert shares["b"] > 0.8 > 0.2 > max(shares["a"], shares["c"])
    assert solution_answer("06-3") == "b"
    assert check("06-3", "a").status != CORRECT


def test_06_4_only_an_atomic_add_keeps_both_tabs_items():
    tabs = Scenario(
        state="store",
        tabs=2,
        store_update="read_modify_write",
        requests_per_session=8,
        think_time=0.5,
        arrival_rate=3.0,
    )
    assert tabs == course.TABS_06
    assert 'store_update="read_modify_write"' in code_of("06")
    lost = {
        option: simulate(tabs.replace(**change)).summary()["lost_updates"]
        for option, change in {
            "a": {"idempotency_keys": True},
            "b": {"store_update": "atomic"},
            "c": {"state": "cookie", "store_update": "atomic"},
        }.items()
    }
    assert lost["b"] == 0 < min(lost["a"], lost["c"])
    assert solution_answer("06-4") == "b"
    assert "lost" in check("06-4", "c").message


def test_07_1_taking_a_server_out_of_nginx_moves_the_share_counted_over_keys_and_run():
    answer = solution_answer("07-1")
    keys = range(math.lcm(5, 4) * 100)
    assert sum(k % 5 != k % 4 for k in keys) / len(keys) == pytest.approx(answer)
    shop = Scenario(
        nodes=5,
        affinity="ip_hash",
        workers=8,
        arrival_rate=10.0,
        think_time=5.0,
        service_time=0.1,
        duration=90.0,
        events=(ScaleTo(4, 60.0),),
    )
    assert simulate(shop).summary()["event_lost_share"] == pytest.approx(answer, abs=0.1)


def carts_lost(drain: float, seed: int = 1) -> int:
    shop = Scenario(
        nodes=4, workers=8, arrival_rate=10.0, think_time=5.0, service_time=0.1, seed=seed
    )
    scenario = shop.replace(
        duration=60.0 + drain + 30.0, events=(ScaleTo(3, 60.0, drain=drain, mode="sticky"),)
    )
    return simulate(scenario).summary()["sessions_lost_scale_in"]


def test_07_2_the_shortest_drain_loses_no_cart_in_9_seeds_of_10():
    answer = solution_answer("07-2")
    assert answer % 10 == 0
    assert_holds_over_seeds(
        lambda drain, seed: carts_lost(drain, seed) == 0, answer, 10.0, highest=False
    )


def test_07_2_the_notebook_runs_the_scale_in_the_check_measures():
    code = "\n".join(s for k, s in cells("07") if k == "code")
    assert "grow = Scenario(workers=8, arrival_rate=10.0, think_time=5.0, service_time=0.1" in code
    assert 'ScaleTo(3, 60.0, drain=drain, mode="sticky")' in code
    assert "duration=60.0 + drain + 30.0" in code
