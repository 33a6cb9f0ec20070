"""The balancer's rules are pure functions (statelab.sim.balancer) that the model's balancers
and the embedded proxy of real runs both call: the same picks from the same draws."""

from __future__ import annotations

import random
from types import SimpleNamespace

import pytest

from statelab.real.proxy import Router
from statelab.sim import balancer


def nodes(loads):
    """Nodes as the model has them: their requests in flight as a dict."""
    return [
        SimpleNamespace(index=k, in_flight=dict.fromkeys(range(n))) for k, n in enumerate(loads)
    ]


def test_least_connections_takes_the_least_loaded_and_breaks_ties_in_turn():
    live = [0, 1, 2, 3]
    loads = {0: 2, 1: 1, 2: 1, 3: 5}
    assert balancer.least_connections(live, 0, loads.get) == 1
    assert balancer.least_connections(live, 2, loads.get) == 2  # a tie: the next in turn
    idle = dict.fromkeys(live, 0)
    assert [balancer.least_connections(live, t, idle.get) for t in range(4)] == live


def test_two_choices_takes_the_less_loaded_of_two_different_nodes():
    loads = {0: 3, 1: 0, 2: 7}
    draws = iter([0.0, 0.0])  # the first node, then the first of the others: nodes 0 and 1
    assert balancer.two_choices([0, 1, 2], lambda: next(draws), loads.get) == 1
    assert balancer.two_choices([2], lambda: pytest.fail("no draw for one node"), loads.get) == 2


@pytest.mark.parametrize("name", ["round_robin", "random", "least_connections", "two_choices"])
def test_the_model_and_the_embedded_proxy_pick_alike(name):
    loads = [3, 0, 2, 2, 1]
    model = balancer.make_balancer(name, random.Random(5))
    proxy = Router(
        {
            "balancer": name,
            "affinity": "none",
            "state": "server",
            "slots": len(loads),
            "ports": {},
            "seed": 5,
            "vnodes": 10,
        }
    )
    for slot, load in zip(proxy.slots, loads, strict=True):
        slot.in_flight = load
    picks_model = [model.pick(nodes(loads)).index for _ in range(40)]
    picks_proxy = [proxy.pick(proxy.slots).index for _ in range(40)]
    assert picks_model == picks_proxy
    assert len(set(picks_model)) > 1 or name == "least_connections"
