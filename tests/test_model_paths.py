"""The model's two ways of serving a waiting client's attempt give the same run, bit for bit.

Where every client waits for its answers and there is no session store, a session's
attempts are served in its own process step by step (``ShopModel._visit_direct``, the
Lab's usual run, a tenth quicker); everywhere else they go through ``_send`` and
``_serve``. ``ShopModel.direct = False`` forces the second way, so each run here is made
both ways and every table compared exactly: for every preset, and for scenarios that meet
each affinity, state, set of events and balancer with any two of the others in every
combination (``cover``).
"""

from __future__ import annotations

import itertools

import pandas as pd
import pytest

from statelab import Scenario, presets
from statelab.sim.events import Crash, Restart, ScaleTo
from statelab.sim.model import ShopModel

TABLES = ("requests", "sessions", "timeline", "losses", "cart_moves", "node_changes")
EVENTS = {
    "none": (),
    "crash": (Crash(1, 40.0),),
    "crash and restart": (Crash(0, 30.0), Restart(0, 50.0)),
    "scale out": (ScaleTo(5, 40.0),),
    "scale in": (ScaleTo(2, 40.0),),
}


def run(scenario: Scenario, direct: bool):
    model = ShopModel(scenario)
    model.direct = direct
    return model, model.run()


def assert_same_run(scenario: Scenario) -> int:
    general_model, general = run(scenario, direct=False)
    direct_model, direct = run(scenario, direct=True)
    for name in TABLES:
        pd.testing.assert_frame_equal(
            getattr(general, name), getattr(direct, name), check_exact=True
        )
    assert general._gave_up == direct._gave_up
    assert general_model.attempts == direct_model.attempts
    return direct.request_count


AFFINITIES = ("none", "sticky", "ip_hash", "source_hash", "consistent_hash")
STATES = ("server", "cookie", "replicated")
BALANCERS = ("round_robin", "least_connections")


def cover() -> list[tuple[str, str, str, str]]:
    """(affinity, state, events, balancer): every affinity with every state and every set of
    events, each with one of the two balancers, which alternate by the parity of the sum of
    the three indices. Any three of the four factors then meet in every combination (the two
    balancers take turns along every one of the other factors): 75 scenarios, where all four
    factors in every combination would make 150, each run both ways."""
    return [
        (affinity, state, events, BALANCERS[(a + s + e) % 2])
        for (a, affinity), (s, state), (e, events) in itertools.product(
            enumerate(AFFINITIES), enumerate(STATES), enumerate(EVENTS)
        )
    ]


def test_the_scenarios_meet_any_three_factors_in_every_combination():
    scenarios = cover()
    factors = (AFFINITIES, STATES, tuple(EVENTS), BALANCERS)
    assert len(set(scenarios)) == len(scenarios) == 75
    for three in itertools.combinations(range(4), 3):
        met = {tuple(scenario[i] for i in three) for scenario in scenarios}
        assert met == set(itertools.product(*(factors[i] for i in three))), three


@pytest.mark.parametrize(("affinity", "state"), list(itertools.product(AFFINITIES, STATES)))
def test_both_ways_give_the_same_run(affinity, state):
    runs = [(e, b) for a, s, e, b in cover() if (a, s) == (affinity, state)]
    assert len(runs) == len(EVENTS)
    for name, balancer in runs:
        events = EVENTS[name]
        scenario = Scenario(
            affinity=affinity,
            state=state,
            events=events,
            balancer=balancer,
            duration=60.0,
            retries=1,
            retry_backoff=0.5,
        )
        assert assert_same_run(scenario) > 500


@pytest.mark.parametrize("name", list(presets()))
def test_every_preset_runs_the_same_both_ways(name):
    assert_same_run(Scenario.load(name))


def test_the_direct_way_is_taken_only_where_it_is_the_same():
    """With a client timeout or a session store the general way serves every attempt."""
    taken = []
    original = ShopModel._visit_direct

    def spy(self, *args):
        taken.append(True)
        return original(self, *args)

    ShopModel._visit_direct = spy
    try:
        for scenario, expected in (
            (Scenario(duration=10.0), True),
            (Scenario(duration=10.0, client_timeout=1.0), False),
            (Scenario(duration=10.0, state="store"), False),
        ):
            taken.clear()
            ShopModel(scenario).run()
            assert bool(taken) is expected, scenario
    finally:
        ShopModel._visit_direct = original
