"""Notebooks 03 to 05: predictions are made before the run that reveals them, the opening
questions give no answer away, and the answers of the exercises read from a run are
checked by a property of their own, not by comparing check with solution."""

from __future__ import annotations

import re

import pytest
from conftest import ROOT, assert_holds_over_seeds, notebook_cells

from statelab import Scenario, simulate
from statelab.course import exercises as course
from statelab.exercises import CORRECT, EXERCISES, PREDICTIONS, check, solution, solution_answer

NOTEBOOKS = {
    "03": "03_scaling_out_stateful.ipynb",
    "04": "04_failures_lose_state.ipynb",
    "05": "05_stateless_servers.ipynb",
}
PROMPT = re.compile(r"#+ Predict\b|\*\*Predict:\*\*")
#: What a later prediction asks for, which the opening questions must not state.
ANSWERS = {
    "03": ["1/N", "100%", "nearly all", "every cart", "hot spot", "least connections"],
    "04": ["1/N", "1/4", "25%", "(N-1)/N", "3/4", "86%", "MTBF / (MTBF", "nearly everyone"],
    "05": ["none", "no cart", "a third", "33%", "linear", "twice", "idempotency key"],
}
OWN_EXERCISES = ["03-1", "03-2", "04-1", "04-2", "05-1", "05-2", "05-3"]


def cells(number: str) -> list[tuple[str, str]]:
    return notebook_cells(ROOT / "notebooks" / NOTEBOOKS[number])


@pytest.mark.parametrize("number", sorted(NOTEBOOKS))
def test_each_predict_prompt_has_its_predict_cell_before_the_run_that_reveals_it(number):
    notebook = cells(number)
    predicted, revealed = {}, {}
    for index, (kind, text) in enumerate(notebook):
        if kind != "code":
            continue
        for found in re.findall(r'^predict\("([^"]+)", None\)  # your guess', text, re.M):
            predicted[found] = index
        for found in re.findall(r'reveal\(\s*"([^"]+)"', text):
            revealed[found] = index
    ids = {p for p in PREDICTIONS if p.startswith(number)}
    assert set(predicted) == ids == set(revealed), (predicted, revealed, ids)
    for prediction in ids:
        between = notebook[predicted[prediction] + 1 : revealed[prediction]]
        runs = [s for k, s in between if k == "code" and "predict(" not in s]
        assert predicted[prediction] < revealed[prediction], prediction
        assert runs or "Compare" in notebook[revealed[prediction]][1], prediction
    for index, (kind, text) in enumerate(notebook):
        if kind == "markdown" and PROMPT.search(text):
            after = [s for k, s in notebook[index + 1 :] if k == "code"]
            assert after[0].startswith("predict("), (number, text[:80])


@pytest.mark.parametrize("number", sorted(NOTEBOOKS))
def test_the_top_states_time_and_asks_questions_that_give_nothing_away(number):
    _, top = cells(number)[0]
    assert re.search(r"\*\*Time:\*\* about \d+ minutes", top)
    questions = [line for line in top.splitlines() if line.startswith("- ")]
    assert len(questions) >= 3
    for question in questions:
        assert question.rstrip().endswith("?"), question
        assert not re.search(r"\d", question), question
        for answer in ANSWERS[number]:
            assert answer.lower() not in question.lower(), (answer, question)


@pytest.mark.parametrize("number", sorted(NOTEBOOKS))
def test_no_theory_value_is_printed_in_a_run_that_a_prediction_waits_for(number):
    for kind, text in cells(number):
        if kind == "code" and "print(" in text:
            assert "theory" not in text.split("print(", 1)[1], text


@pytest.mark.parametrize("number", sorted(NOTEBOOKS))
def test_exercises_come_in_order_and_each_runs_as_given(number):
    found = [
        eid
        for kind, text in cells(number)
        if kind == "code"
        for eid in re.findall(r'check\("(\d\d-\d)", answer\)', text)
    ]
    assert found == sorted(found) and len(found) >= 2
    for _, text in cells(number):
        if 'check("' in text:
            assert text.startswith("answer = None")


@pytest.mark.parametrize("exercise", OWN_EXERCISES)
def test_the_solution_is_correct_and_measured_not_copied(exercise):
    assert check(exercise, solution_answer(exercise)).status == CORRECT
    assert isinstance(EXERCISES[exercise], course._FromRun)
    assert str(solution_answer(exercise)) in repr(solution(exercise))


def served_latency(requests):
    ok = requests[requests["outcome"] == "ok"]
    return ok, ok["end"] - ok["arrival"]


def test_03_the_hot_node_did_the_most_service_and_its_p95_has_five_percent_above_it():
    hot = Scenario(
        nodes=4,
        workers=4,
        arrival_rate=4.5,
        requests_per_session=50,
        think_time=1.0,
        service_time=0.2,
        session_length="heavy_tailed",
        affinity="sticky",
        duration=300.0,
    )
    assert hot == course.HOT_SPOT  # the notebook's run is the exercise's
    requests = simulate(hot).requests
    ok, latency = served_latency(requests)
    busy = (ok["end"] - ok["start"]).groupby(ok["node"]).sum()
    node = solution_answer("03-1")
    assert busy.idxmax() == node
    assert busy[node] / busy.sum() > 1.05 / 4
    p95 = solution_answer("03-2")
    mine = latency[ok["node"] == node]
    assert 0.04 <= (mine > p95).mean() <= 0.06
    assert p95 > latency.quantile(0.95)  # hotter than the cluster as a whole
    # the hot spot is no accident of this seed: in each of 10 seeds a node did more than
    # its even share (which node, the seed decides)
    for seed in range(1, 11):
        work = simulate(hot.replace(seed=seed)).work_by_node()
        assert work.max() * 4 > 1.03, seed
    assert check("03-2", p95 + 0.04).status == CORRECT
    assert check("03-2", p95 + 0.1).status != CORRECT


def test_04_the_extra_losses_under_source_hash_are_exactly_its_rehash_losses():
    rehash = Scenario.load("rehash")
    by_live = simulate(rehash.replace(affinity="source_hash")).sessions
    by_configured = simulate(rehash.replace(affinity="ip_hash")).sessions
    assert (by_live["lost_cause"] == "rehash").sum() == solution_answer("04-1")
    assert (by_configured["lost_cause"] == "rehash").sum() == 0


def test_04_the_random_failure_losses_are_the_shoppers_served_an_empty_cart(preset_run):
    requests = preset_run("random_failures").requests
    served_empty = requests.loc[requests["outcome"] == "state_lost", "session"].nunique()
    assert served_empty == solution_answer("04-2") > 0


def test_05_1_the_fewest_retries_leave_no_last_attempt_failed_in_9_seeds_of_10():
    def holds(retries, seed):
        requests = simulate(course.FLAKY.replace(retries=retries, seed=seed)).requests
        failed = (requests["outcome"] == "failed") & (requests["attempt"] == retries + 1)
        return not failed.any()

    retries = solution_answer("05-1")
    assert retries >= 1
    assert_holds_over_seeds(holds, retries, 1, highest=False)
    assert check("05-1", retries + 3).status != CORRECT  # beyond what any seed needs


def test_05_2_the_shortest_timeout_meets_the_duplicate_bound_in_9_seeds_of_10():
    def holds(timeout, seed):
        summary = simulate(course.SLOW.replace(client_timeout=timeout, seed=seed)).summary()
        return summary["duplicate_items"] / summary["ok"] < 0.01

    timeout = solution_answer("05-2")
    assert timeout in course.TIMEOUT_STEPS
    assert_holds_over_seeds(holds, timeout, 0.25, highest=False)


def test_05_3_the_attempts_cut_after_their_write_are_those_applied_and_failed():
    weather = Scenario.load("random_failures").replace(
        state="store", affinity="none", retries=3, retry_backoff=0.5, health_check_delay=3.0,
        write_at=0.5,
    )  # fmt: skip
    assert weather == course.WEATHER_05  # the notebook's run is the exercise's
    code = "\n".join(text for kind, text in cells("05") if kind == "code")
    assert 'Scenario.load("random_failures").replace(' in code and "write_at=0.5" in code
    result = simulate(weather)
    requests = result.requests
    cut = requests[(requests["outcome"] == "failed") & requests["applied"]]
    answer = solution_answer("05-3")
    assert len(cut) == answer > 0
    # without keys the retries add items twice; writing at the end, no attempt is cut after
    # its write, and nothing is added twice
    assert 0 < result.summary()["duplicate_items"] <= answer
    at_the_end = simulate(weather.replace(write_at=1.0))
    assert at_the_end.summary()["duplicate_items"] == 0
    assert not (at_the_end.requests["applied"] & (at_the_end.requests["outcome"] == "failed")).any()
