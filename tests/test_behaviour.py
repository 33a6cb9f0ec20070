"""How the shop behaves, written as sentences a learner would say.

Each comparison runs both sides with the same seeds (the same shoppers with
the same demands: common random numbers) and must hold for every seed.
"""

from __future__ import annotations

import pytest

from statelab import Scenario, simulate

SEEDS = range(3)


def busy_shop(**changes) -> Scenario:
    """About 85% busy on 2 nodes of 2 workers: 17 requests a second of 0.2 s."""
    base = Scenario(
        arrival_rate=17.0 / 3,
        requests_per_session=3,
        think_time=1.0,
        service_time=0.2,
        nodes=2,
        workers=2,
        affinity="none",
        duration=600.0,
        warmup=60.0,
    )
    return base.replace(**changes)


@pytest.mark.parametrize("seed", SEEDS)
def test_more_nodes_lower_latency_under_load(seed):
    latencies = [
        simulate(busy_shop(nodes=nodes, seed=seed)).summary()["latency_mean"] for nodes in (2, 3, 4)
    ]
    assert latencies[0] > latencies[1] > latencies[2]
    p95 = [simulate(busy_shop(nodes=n, seed=seed)).summary()["latency_p95"] for n in (2, 4)]
    assert p95[0] > p95[1]


@pytest.mark.parametrize("seed", SEEDS)
def test_least_connections_beats_random_on_tail_latency_at_high_load(seed):
    shop = busy_shop(nodes=4, workers=1, arrival_rate=3.4 / 3 * 4 / 0.8, seed=seed)
    random = simulate(shop.replace(balancer="random")).summary()
    least = simulate(shop.replace(balancer="least_connections")).summary()
    assert least["latency_p99"] < 0.8 * random["latency_p99"]
    assert least["latency_mean"] < random["latency_mean"]


@pytest.mark.parametrize("seed", SEEDS)
def test_two_choices_is_nearly_as_good_as_least_connections_and_beats_random(seed):
    shop = busy_shop(nodes=4, workers=1, arrival_rate=3.4 / 3 * 4 / 0.8, seed=seed)
    p99 = {
        balancer: simulate(shop.replace(balancer=balancer)).summary()["latency_p99"]
        for balancer in ("random", "two_choices", "least_connections")
    }
    assert p99["least_connections"] <= p99["two_choices"] < p99["random"]


def test_a_lightly_loaded_shop_barely_waits():
    summary = simulate(Scenario()).summary()
    assert summary["wait_mean"] < 0.1 * Scenario().service_time
    assert 0.3 < summary["utilisation"] < 0.7


def test_the_same_seed_gives_the_same_shoppers_whatever_the_cluster():
    # common random numbers: the sessions arrive at the same times with the same demands
    a = simulate(Scenario(nodes=2, seed=5)).sessions
    b = simulate(Scenario(nodes=6, balancer="random", affinity="none", seed=5)).sessions
    assert a["start"].tolist() == b["start"].tolist()
