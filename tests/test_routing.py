"""Routing in one place (statelab.sim.routing): the hash affinities are routers with the
shape a learner writes, they keep the course's numbers, and a learner's router runs in
``simulate`` in place of the affinity, checked."""

from __future__ import annotations

import hashlib

import pytest

from statelab import Crash, ScaleTo, Scenario, simulate
from statelab.sim import routing

KEYS = [routing.client_key(7, s) for s in range(10_000)]


def test_stable_hash_joins_its_parts_with_a_colon():
    """Today's hashes do not change: the parts are the text the course always hashed."""
    text = "client:7:42"
    expected = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")
    assert routing.stable_hash("client", 7, 42) == expected == routing.stable_hash(text)
    assert routing.client_key(7, 42) == expected


def moved(route, before, after, configured_before, configured_after):
    """The share of KEYS whose node differs between two sets of nodes up."""
    changed = sum(
        route(k, before, configured_before) != route(k, after, configured_after) for k in KEYS
    )
    return changed / len(KEYS)


def test_source_hash_moves_nearly_every_key_on_any_change():
    assert moved(routing.source_hash, (0, 1, 2, 3), (0, 2, 3), 4, 4) == pytest.approx(
        3 / 4, abs=0.02
    )
    assert moved(routing.source_hash, (0, 1, 2, 3), (0, 1, 2, 3, 4), 4, 5) == pytest.approx(
        4 / 5, abs=0.02
    )


def test_ip_hash_moves_only_the_crashed_nodes_keys_and_all_but_one_in_n_on_a_scale_out():
    up, crashed = (0, 1, 2, 3), (0, 2, 3)
    for k in KEYS:
        before = routing.ip_hash(k, up, 4)
        after = routing.ip_hash(k, crashed, 4)
        assert after in crashed
        if before != 1:
            assert after == before  # only node 1's keys move
    assert moved(routing.ip_hash, up, (0, 1, 2, 3, 4), 4, 5) == pytest.approx(4 / 5, abs=0.02)


def test_ip_hash_leaves_the_balancer_to_pick_when_no_configured_node_is_up():
    assert routing.ip_hash(KEYS[0], (5,), 4) is None


def test_a_consistent_hash_moves_about_one_key_in_n_plus_one_and_only_to_the_new_node():
    route = routing.ConsistentHash(seed=7, vnodes=100)
    before, after = (0, 1, 2, 3), (0, 1, 2, 3, 4)
    for k in KEYS[:2000]:
        old, new = route(k, before, 4), route(k, after, 5)
        assert new == old or new == 4
    assert moved(route, before, after, 4, 5) == pytest.approx(1 / 5, abs=0.05)


def test_the_affinities_are_routers_and_the_others_are_the_balancers():
    assert routing.router_for("source_hash", 1, 10) is routing.source_hash
    assert routing.router_for("ip_hash", 1, 10) is routing.ip_hash
    assert isinstance(routing.router_for("consistent_hash", 1, 10), routing.ConsistentHash)
    assert routing.router_for("sticky", 1, 10) is None
    assert routing.router_for("none", 1, 10) is None
    assert set(routing.HASHED) == {"ip_hash", "source_hash", "consistent_hash"}


SCALE_OUT = Scenario(
    nodes=4, affinity="source_hash", duration=120.0, events=(ScaleTo(5, at=60.0),), seed=3
)


@pytest.mark.parametrize("affinity", routing.HASHED)
def test_a_learners_router_runs_in_place_of_the_affinity_with_the_same_records(affinity):
    """The built-in router passed as a learner's gives the very same run: one implementation."""
    scenario = SCALE_OUT.replace(affinity=affinity, events=(Crash(1, at=40.0), ScaleTo(5, at=80.0)))
    route = routing.router_for(affinity, scenario.seed, scenario.vnodes)
    learners = simulate(scenario.replace(affinity="none"), router=route)
    ours = simulate(scenario)
    for table in ("requests", "sessions", "losses", "timeline"):
        left, right = getattr(learners, table), getattr(ours, table)
        assert left.equals(right), table


def test_a_learners_router_replaces_sticky_sessions_too():
    def everyone_to_the_lowest(key, up, configured):
        return up[0]

    result = simulate(SCALE_OUT.replace(affinity="sticky"), router=everyone_to_the_lowest)
    served = result.requests.dropna(subset=["start"])
    assert set(served["node"]) == {0}


@pytest.mark.parametrize(
    ("answer", "words"),
    [(7, "returned 7 with the nodes up (0, 1, 2, 3)"), ("1", "returned '1'"), (True, "True")],
)
def test_a_router_that_names_no_node_up_is_refused_with_what_it_returned(answer, words):
    def wrong(key, up, configured):
        return answer

    with pytest.raises(ValueError, match="the router 'wrong'") as refused:
        simulate(SCALE_OUT.replace(duration=20.0, events=()), router=wrong)
    assert words in str(refused.value)
    assert "one of them, or None to let the balancer pick" in str(refused.value)


def test_a_router_that_is_not_a_function_is_refused_at_the_call():
    with pytest.raises(TypeError, match="router must be a function route"):
        simulate(SCALE_OUT, router="source_hash")


def test_a_router_that_lets_the_balancer_pick_spreads_the_load():
    def undecided(key, up, configured):
        return None

    result = simulate(SCALE_OUT.replace(events=()), router=undecided)
    served = result.requests.dropna(subset=["start"])
    assert set(served["node"]) == {0, 1, 2, 3}
