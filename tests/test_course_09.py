"""Notebook 09 (the real thing): its predict-run-reveal loops, its questions, the switch for
longer runs, and its exercises, each answer checked by a property of its own, not against the
solution. The notebook's real runs are run by tests/test_notebooks.py; here only the
simulations of its scenarios. Its scale-out is played for real, at its short length and
scale, with both balancers, by tests/real/test_agreement.py, which checks there what the
notebook's reveals say (map-based hashing loses most of the shoppers, a ring few) beside the
hashing theory."""

from __future__ import annotations

import re

import pytest
from conftest import ROOT, index_of, notebook_cells

from statelab import Crash, ScaleTo, Scenario, real, simulate
from statelab.course.exercises import (
    DETECTED_DELAY_09,
    REAL_DURATIONS_09,
    compared_crash_09,
    sticky_crash_09,
)
from statelab.exercises import (
    CORRECT,
    NOT_ANSWERED,
    PREDICTIONS,
    TRY_AGAIN,
    check,
    solution,
    solution_answer,
)
from statelab.real.haproxy import haproxy_config
from statelab.real.registry import notice_delay

NOTEBOOK = ROOT / "notebooks" / "09_the_real_thing.ipynb"
IDS = sorted(p for p in PREDICTIONS if p.startswith("09-"))
PROMPT = r"\*\*Predict:\*\*|#+ Predict\b|Predict first"
SHORT, LONG = REAL_DURATIONS_09


@pytest.fixture(scope="module")
def cells():
    return notebook_cells(NOTEBOOK)


@pytest.fixture(scope="module")
def code(cells):
    return "\n".join(s for k, s in cells if k == "code")


# -- predict, run, reveal ------------------------------------------------------------


@pytest.mark.parametrize("prediction", IDS)
def test_each_prediction_has_a_predict_cell_then_a_run_then_its_reveal(cells, prediction):
    asked = index_of(cells, f'predict("{prediction}", None)  # your guess')
    shown = index_of(cells, f'reveal("{prediction}"')
    assert asked < shown
    between = [s for k, s in cells[asked + 1 : shown] if k == "code"]
    runs = [s for s in between if "real.compare(" in s]
    assert runs, f"{prediction}: no real run between the guess and the reveal"


def test_every_prompt_is_followed_by_its_predict_cells_before_any_run(cells):
    prompts = [i for i, (k, s) in enumerate(cells) if k == "markdown" and re.search(PROMPT, s)]
    assert len(prompts) == 6  # the scale-out and the timeouts prompts ask two things each
    for i in prompts:
        following = next(s for k, s in cells[i + 1 :] if k == "code")
        assert following.startswith("predict(")
    asked = [s for k, s in cells if k == "code" and s.startswith("predict(")]
    assert sorted(re.search(r'"(09-[^"]+)"', s).group(1) for s in asked) == IDS
    assert len(IDS) == 8


def test_the_opening_asks_questions_and_gives_no_answer_away(cells):
    kind, opening = cells[0]
    assert kind == "markdown" and opening.startswith("# 09 · The real thing")
    assert "**Time:**" in opening and "minutes" in opening
    bullets = [line for line in opening.splitlines() if line.startswith("- ")]
    assert len(bullets) == 3 and all(b.rstrip().endswith("?") for b in bullets)
    assert not any(re.search(r"\d", b) for b in bullets), bullets
    assert not any(re.search(r"\b(yes|no|none|most|third)\b", b, re.I) for b in bullets), bullets


def test_no_markdown_before_a_prediction_states_what_it_asks(cells):
    asked = index_of(cells, 'predict("09-sticky-crash", None)')
    before = " ".join(s for k, s in cells[:asked] if k == "markdown").lower()
    assert "a third" not in before and "1/3" not in before
    asked = index_of(cells, 'predict("09-map-based-scale-out", None)')
    prompt = " ".join(s for k, s in cells[asked - 3 : asked] if k == "markdown").lower()
    assert "moves most" not in prompt.split("nginx")[0]  # nginx's own case is said, not HAProxy's
    asked = index_of(cells, 'predict("09-twice-with-keys", None)')
    before = cells[asked - 2][1].lower()
    assert "none" not in before and "once" not in before


def test_the_notebook_has_a_live_view_of_a_real_run(code):
    assert "AnimatedCluster(crash.real)" in code
    assert "%matplotlib inline" in code


def test_it_says_which_balancer_and_store_it_uses_and_shows_the_config(cells, code):
    settings = cells[index_of(cells, "LONG = False")][1]
    assert settings.startswith("LONG = False  # True: 120 s runs at time scale 0.2")
    assert 'print("load balancer:"' in settings and 'print("session store:"' in settings
    assert "require_program(program)" in settings
    assert 'print(crash.real.real["config_text"])' in code
    text = " ".join(s for k, s in cells if k == "markdown")
    for line in ("cookie SERVERID insert indirect nocache", "retries 0", "stats socket"):
        assert line in text, line
    assert "HTTP overhead" in text and 'real["http_overhead"]' in code
    # the crash in the balancer's own words: its log, joined by the attempt's id
    assert 'crash.real.real["balancer_log"]' in code and "X-Request-ID" in text
    assert "`SC`" in text and "`--DI`" in text


def test_every_real_run_is_compared_with_the_simulation_at_the_notebooks_scale(code):
    runs = re.findall(r"real\.compare\(([^\n]+)\)", code)
    assert len(runs) == 12
    # every run at the notebook's seeds and scale; all but two behind the balancer it picked,
    # the two behind nginx beside it (where nginx is installed: the crash, the scale-out)
    assert all("seeds=SEEDS, time_scale=SCALE, balancer=" in run for run in runs)
    assert sum("balancer=BALANCER" in run for run in runs) == 10
    assert sum('balancer="nginx"' in run for run in runs) == 2
    assert 'if installed("nginx"):' in code
    # the operations lesson: the same crash with the balancer's retries and redispatch
    assert sum("balancer_retries=2, redispatch=True" in run for run in runs) == 1
    assert "real.run(" not in code  # every real number is shown beside the simulated runs
    assert code.count(".plot()") >= 5


def test_the_switch_for_longer_runs_gives_the_lengths_the_exercise_knows(code):
    match = re.search(r"DURATION, SCALE = \((\S+), (\S+)\) if LONG else \((\S+), (\S+)\)", code)
    assert match
    long, long_scale, short, short_scale = map(float, match.groups())
    assert (short, long) == REAL_DURATIONS_09
    assert (short_scale, long_scale) == (0.1, 0.2)
    assert (
        'sticky = Scenario.load("crash").replace(duration=DURATION, events=(Crash(1, '
        "at=DURATION / 2),))" in code
    )
    for duration in REAL_DURATIONS_09:
        scenario = Scenario.load("crash").replace(
            duration=duration, events=(Crash(1, at=duration / 2),)
        )
        assert scenario == sticky_crash_09(duration)
    assert sticky_crash_09(LONG) == Scenario.load("crash")  # long, the preset itself
    # short runs at the course's request rates stay far from what a real run refuses
    for duration, scale in ((short, short_scale), (long, long_scale)):
        real.check(sticky_crash_09(duration), scale, "haproxy", "redis")


def test_it_closes_with_takeaways_and_links_on(cells):
    kind, last = cells[-1]
    assert kind == "markdown" and last.startswith("## Key takeaways")
    assert "[`lab.ipynb`](lab.ipynb)" in last and "docs/presenting.md" in last
    eight = notebook_cells(ROOT / "notebooks" / "08_rest_and_design_review.ipynb")
    assert "(09_the_real_thing.ipynb)" in eight[-1][1]


def test_it_teaches_the_facts_it_must_get_right(cells):
    text = " ".join(s for k, s in cells if k == "markdown")
    assert "statelessness is not idempotency" in text.lower()
    assert "exaggerated" in text  # the store's latency is real here, notebook 06's was not
    assert "ip_hash" in text and "hash-type map-based" in text and "hash-type consistent" in text
    assert "not bit-reproducible" in text


# -- what the simulated runs of its scenarios show (the real ones: test_notebooks) --------

SHOP = sticky_crash_09(SHORT)


def test_the_exercise_simulates_the_crash_as_real_compare_does():
    for duration, scale in ((SHORT, 0.1), (LONG, 0.2)):
        assert notice_delay(sticky_crash_09(duration), scale) == pytest.approx(DETECTED_DELAY_09)


def test_the_simulations_of_its_scenarios_show_what_the_reveals_explain():
    crash = simulate(SHOP).summary()
    assert 0.2 < crash["event_lost_share"] < 0.5
    # a detected crash: fewer are counted, some of node 1's shoppers met only failures (the
    # reveal's why says so); over 10 seeds, the mean share falls by more than 0.04
    told, detected = [], []
    for seed in range(1, 11):
        told.append(simulate(SHOP.replace(seed=seed)).summary()["event_lost_share"])
        late = compared_crash_09(SHORT).replace(seed=seed)
        detected.append(simulate(late).summary()["event_lost_share"])
    assert sum(told) / 10 - sum(detected) / 10 > 0.04, (told, detected)
    scattered = simulate(SHOP.replace(affinity="none", events=())).summary()
    assert scattered["sessions_lost"] / scattered["sessions"] > 0.5
    assert simulate(SHOP.replace(state="store", affinity="none")).summary()["sessions_lost"] == 0
    grow = Scenario(
        nodes=4, affinity="source_hash", duration=SHORT, events=(ScaleTo(5, at=SHORT / 2),)
    )
    map_based = simulate(grow).summary()["event_lost_share"]
    ring = simulate(grow.replace(affinity="consistent_hash")).summary()["event_lost_share"]
    assert map_based > 0.5 > 0.4 > ring
    impatient = Scenario(
        nodes=3,
        arrival_rate=4.0,
        service_time=0.25,
        think_time=2.0,
        state="store",
        affinity="none",
        client_timeout=1.0,
        retries=2,
        duration=SHORT,
    )
    assert simulate(impatient).summary()["duplicate_items"] > 0
    assert simulate(impatient.replace(idempotency_keys=True)).summary()["duplicate_items"] == 0


# -- exercise 09-1 ---------------------------------------------------------------------


def lost_shoppers(duration: float) -> set[int]:
    """The shoppers of the simulated sticky crash with an attempt served without their cart,
    read from the requests table (the exercise's own count comes from the summary)."""
    requests = simulate(compared_crash_09(duration)).requests
    return set(requests.loc[requests["outcome"] == "state_lost", "session"])


@pytest.mark.parametrize("duration", REAL_DURATIONS_09)
def test_09_1_the_count_from_the_requests_table_is_correct_short_or_long(duration):
    lost = lost_shoppers(duration)
    assert check("09-1", len(lost)).status == CORRECT
    for wrong in (len(lost) - 1, len(lost) + 1):
        feedback = check("09-1", wrong)
        assert feedback.status == TRY_AGAIN and "state_lost" in feedback.message


def test_09_1_every_shopper_counted_had_the_cart_on_the_crashed_node():
    """Each of them was served by node 1 before its crash, and lost the cart after it."""
    requests = simulate(SHOP).requests
    crash = SHOP.events[0].at
    for session in lost_shoppers(SHORT):
        mine = requests[requests["session"] == session].sort_values("arrival")
        before = mine[(mine["end"] < crash) & (mine["outcome"] == "ok")]
        assert not before.empty and (before["node"] == 1).all()
        lost = mine[mine["outcome"] == "state_lost"]
        assert len(lost) == 1 and lost["arrival"].iloc[0] >= crash and lost["node"].iloc[0] != 1


def test_09_1_not_answered_a_non_number_and_the_solution():
    assert check("09-1", None).status == NOT_ANSWERED
    assert "sim.requests" in check("09-1", None).message
    assert "a count of sessions" in check("09-1", "many").message
    assert check("09-1", solution_answer("09-1")).status == CORRECT
    assert solution_answer("09-1") == len(lost_shoppers(SHORT))
    assert str(len(lost_shoppers(LONG))) in solution("09-1").explanation


# -- exercise 09-2 ---------------------------------------------------------------------


def backend(affinity: str) -> list[str]:
    """The lines of the backend HAProxy is given for five nodes hashed by ``affinity``."""
    scenario = Scenario(nodes=5, affinity=affinity, duration=SHORT)
    text = haproxy_config(scenario, 0.1, 8000, {k: 9000 + k for k in range(5)}, "/tmp/x.sock")
    return [line.split("#")[0].strip() for line in text.split("\nbackend be")[1].splitlines()]


def test_09_2_only_the_hash_type_differs_and_the_ring_moves_only_the_dead_nodes_shoppers():
    map_based, ring = backend("source_hash"), backend("consistent_hash")
    assert "balance source" in map_based and "balance source" in ring
    assert "hash-type map-based" in map_based and "hash-type consistent" in ring
    assert "balance roundrobin" not in map_based and "retries 3" not in map_based
    # a crash of one of five: map-based moves most of the shoppers, the ring only node 1's
    crash = Scenario(nodes=5, duration=120.0, events=(Crash(1, at=60.0),))
    losses = {
        affinity: simulate(crash.replace(affinity=affinity)).losses
        for affinity in ("source_hash", "consistent_hash", "none")
    }
    assert (losses["consistent_hash"]["cause"] == "crash").all()  # only node 1's shoppers
    assert (losses["source_hash"]["cause"] == "rehash").sum() > 2 * len(losses["consistent_hash"])
    # 'a' loses carts crash or no crash: nearly all of them to the missing affinity
    assert (losses["none"]["cause"] == "no_affinity").mean() > 0.9
    assert check("09-2", "b").status == CORRECT == check("09-2", solution_answer("09-2")).status
    for wrong, words in (("a", "no affinity"), ("c", "does not bring the cart")):
        feedback = check("09-2", wrong)
        assert feedback.status == TRY_AGAIN and words in feedback.message
