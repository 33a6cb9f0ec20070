"""Runs made ahead: after a change, the Lab makes the runs one move away while the kernel is
idle, keeps them within a budget, and a press to one of them shows it without a run."""

from __future__ import annotations

import asyncio
import time

import pandas as pd
import pytest

from statelab import Scenario, simulate
from statelab.dashboards import dashboard
from statelab.dashboards.ahead import KeptRuns
from statelab.dashboards.controls import NO_CRASH, RANGES, Range, nearby_values
from statelab.widgets import Lab

SMALL = Scenario(duration=20.0)  # about 600 requests: quick runs


def values(**changes):
    base = {
        "nodes": 3,
        "workers": 4,
        "arrival_rate": 5.0,
        "balancer": "round_robin",
        "affinity": "sticky",
        "state": "server",
        "crash_node": NO_CRASH,
        "crash_at": 60.0,
        "failures": False,
        "autoscale": False,
    }
    return {**base, **changes}


CHOICES = {
    "affinity": ("none", "sticky", "ip_hash"),
    "state": ("server", "store"),
    "crash_node": (NO_CRASH, 0, 1, 2),
}


# -- the kept runs ---------------------------------------------------------------------


def test_kept_runs_go_least_recently_used_first_within_the_run_budget():
    kept = KeptRuns(runs=2)
    runs = {seed: simulate(SMALL.replace(seed=seed)) for seed in (1, 2, 3)}
    kept.keep(SMALL.replace(seed=1), runs[1])
    kept.keep(SMALL.replace(seed=2), runs[2])
    assert kept.get(SMALL.replace(seed=1)).result is runs[1]  # 1 is now the most recent
    kept.keep(SMALL.replace(seed=3), runs[3])
    assert SMALL.replace(seed=2) not in kept
    assert SMALL.replace(seed=1) in kept and SMALL.replace(seed=3) in kept
    assert kept.hits == 1 and len(kept) == 2


def test_kept_runs_stay_within_the_request_budget_and_a_run_over_it_is_not_kept():
    runs = [simulate(SMALL.replace(seed=seed)) for seed in (1, 2, 3)]
    budget = runs[0].request_count + runs[1].request_count
    kept = KeptRuns(requests=budget)
    for seed, result in enumerate(runs, start=1):
        kept.keep(SMALL.replace(seed=seed), result)
        assert kept.requests <= budget
    assert kept.requests == sum(
        r.request_count for s, r in enumerate(runs, 1) if SMALL.replace(seed=s) in kept
    )
    big = simulate(Scenario(duration=60.0))
    assert big.request_count > budget
    kept.keep(Scenario(duration=60.0), big)
    assert Scenario(duration=60.0) not in kept


# -- one move away -----------------------------------------------------------------------


def test_one_move_away_is_each_slider_one_step_either_way_then_each_other_choice():
    found = nearby_values(values(), CHOICES)
    moves = [{k: v for k, v in m.items() if v != values()[k]} for m in found]
    assert moves == [
        {"nodes": 4},
        {"nodes": 2},
        {"arrival_rate": 5.5},
        {"arrival_rate": 4.5},
        {"workers": 5},
        {"workers": 3},
        {"affinity": "none"},
        {"affinity": "ip_hash"},
        {"state": "store"},
        {"crash_node": 0},
        {"crash_node": 1},
        {"crash_node": 2},
    ]
    assert all(type(m["nodes"]) is int for m in found)


def test_at_a_sliders_end_only_the_step_back_and_a_crash_goes_with_its_node():
    ranges = {**RANGES, "workers": Range(1, 4)}
    found = nearby_values(values(nodes=3, workers=4, crash_node=2), CHOICES, ranges)
    workers = [m["workers"] for m in found if m["workers"] != 4]
    assert workers == [3]
    fewer = next(m for m in found if m["nodes"] == 2)
    assert fewer["crash_node"] == NO_CRASH  # node 2 no longer exists
    more = next(m for m in found if m["nodes"] == 4)
    assert more["crash_node"] == 2


# -- the Lab in a kernel's loop ------------------------------------------------------------


class Counting:
    """A simulate that counts its runs, optionally slow."""

    def __init__(self, pause: float = 0.0) -> None:
        self.runs: list[Scenario] = []
        self.pause = pause

    def __call__(self, scenario, **kwargs):
        self.runs.append(scenario)
        time.sleep(self.pause)
        return simulate(scenario, **kwargs)


async def settle(lab: Lab, within: float = 30.0) -> None:
    """Let the loop run until the Lab has shown the change and made every run ahead."""
    await asyncio.sleep(0)
    deadline = time.monotonic() + within
    while (lab._scheduled or lab._ahead) and time.monotonic() < deadline:
        await asyncio.sleep(0.01)


@pytest.fixture
def ahead_on_a_busy_machine(monkeypatch):
    """Runs ahead are made after a run quicker than ``AHEAD_AFTER_AT_MOST`` (0.15 s): a small
    run takes longer than that on cores busy with other work, so the tests that need runs
    ahead raise the bound (the slow-run test keeps it, with a run slower than any bound)."""
    monkeypatch.setattr(dashboard, "AHEAD_AFTER_AT_MOST", 5.0)


@pytest.mark.usefixtures("ahead_on_a_busy_machine")
def test_after_a_change_the_runs_one_move_away_are_made_and_a_press_to_one_runs_nothing():
    counting = Counting()

    async def play():
        lab = Lab(SMALL, simulate=counting)
        lab.controls["nodes"].value = 4
        await settle(lab)
        nearby = lab._nearby()
        assert len(nearby) >= 12
        assert all(s in lab.kept for s in nearby)
        made = len(counting.runs)
        assert made == 2 + len(set(nearby) - {SMALL})  # the first run, the change, the ahead
        lab.controls["affinity"].value = "none"
        await settle(lab)
        assert len(counting.runs) > made  # the new neighbours, made ahead after the press
        assert counting.runs[made] != lab.scenario  # ...but the press itself ran nothing
        assert lab.kept.hits >= 1
        return lab

    lab = asyncio.run(play())
    fresh = simulate(lab.scenario)
    assert lab.scenario.affinity == "none" and lab.scenario.nodes == 4
    pd.testing.assert_frame_equal(lab.result.requests, fresh.requests)
    assert lab.result.summary() == fresh.summary()
    assert lab.view.run_id >= 3


@pytest.mark.usefixtures("ahead_on_a_busy_machine")
def test_a_newer_change_replaces_the_plan_of_the_older_one():
    counting = Counting()

    async def play():
        lab = Lab(SMALL, simulate=counting)
        lab.controls["nodes"].value = 4
        await asyncio.sleep(0.001)  # shown; its runs ahead have not started yet
        lab.controls["workers"].value = 5
        await settle(lab)
        return lab

    lab = asyncio.run(play())
    assert lab.scenario.workers == 5 and lab.scenario.nodes == 4
    assert lab._ahead_for == lab._generation
    assert all(s in lab.kept for s in lab._nearby())


def test_in_a_plain_script_or_after_a_slow_run_nothing_is_made_ahead():
    counting = Counting()
    lab = Lab(SMALL, simulate=counting)
    lab.controls["nodes"].value = 4
    assert len(counting.runs) == 2  # no event loop: each change runs once, nothing more

    slow = Counting(pause=0.2)

    async def play():
        lab = Lab(SMALL, simulate=slow)
        lab.controls["nodes"].value = 4
        await settle(lab)
        return lab

    asyncio.run(play())
    assert len(slow.runs) == 2


@pytest.mark.usefixtures("ahead_on_a_busy_machine")
def test_run_ahead_can_be_turned_off():
    counting = Counting()

    async def play():
        lab = Lab(SMALL, simulate=counting)
        lab.run_ahead = False
        lab.controls["nodes"].value = 4
        await settle(lab)

    asyncio.run(play())
    assert len(counting.runs) == 2
