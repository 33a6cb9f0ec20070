"""Where state lives: cookies and a shared store lose nothing, and cost something instead."""

from __future__ import annotations

import numpy as np
import pytest

from statelab import Crash, Restart, ScaleTo, Scenario, simulate

TROUBLE = (Crash(1, 40.0), ScaleTo(5, 60.0), Restart(1, 70.0), ScaleTo(2, 90.0))


@pytest.mark.parametrize("state", ["cookie", "store"])
@pytest.mark.parametrize(
    "affinity", ["none", "sticky", "ip_hash", "source_hash", "consistent_hash"]
)
def test_crashes_and_rescaling_lose_no_session_without_server_state(state, affinity):
    scenario = Scenario(nodes=3, state=state, affinity=affinity, events=TROUBLE)
    result = simulate(scenario)
    summary = result.summary()
    assert summary["sessions_lost"] == 0
    assert summary["state_lost"] == 0
    assert summary["failed"] > 0  # the crash and the abrupt scale-in still cost requests in flight
    assert (result.timeline["carts"] == 0).all()  # no node holds a cart


def test_the_same_trouble_loses_carts_with_server_state():
    summary = simulate(Scenario(nodes=3, events=TROUBLE)).summary()
    assert summary["sessions_lost_crash"] > 0 and summary["sessions_lost_scale_in"] > 0


@pytest.mark.parametrize("latency", [0.05, 0.3])
def test_a_store_adds_about_its_latency_to_every_request(latency):
    # The same stateless shop with an instant store and with a slow one
    # (0.3 s is slower than the nodes' 0.2 s of work). The nodes are half
    # busy and the store's calls never queue (16 workers for about 30 calls
    # a second), so each request takes the store's latency more: within 10%.
    for seed in range(3):
        instant = Scenario(
            nodes=3, duration=300.0, seed=seed, state="store", affinity="none", store_latency=0.0
        )
        base = simulate(instant).summary()
        slower = simulate(instant.replace(store_latency=latency)).summary()
        assert slower["latency_mean"] - base["latency_mean"] == pytest.approx(latency, rel=0.1)
        assert slower["latency_p50"] - base["latency_p50"] == pytest.approx(latency, rel=0.1)


def test_a_store_with_too_few_workers_becomes_the_bottleneck():
    # 30 requests a second need 30 x 0.05 = 1.5 store workers; it has 1.
    scenario = Scenario(
        nodes=3,
        state="store",
        affinity="none",
        store_latency=0.05,
        store_workers=1,
        duration=300.0,
    )
    result = simulate(scenario)
    timeline = result.timeline
    thirds = np.array_split(timeline["store_queued"].to_numpy(), 3)
    assert thirds[0].mean() < thirds[1].mean() < thirds[2].mean()  # the store's queue grows
    assert timeline["store_queued"].iloc[-1] > 100
    assert (timeline["store_busy"] <= 1).all()
    # ... while the web servers idle: a third busy, where the same shop with room in
    # the store keeps them about half busy, and hardly anything waits at a node
    summary = result.summary()
    roomy = simulate(scenario.replace(store_workers=16)).summary()
    assert summary["utilisation"] < 0.75 * roomy["utilisation"]
    assert timeline["queued"].mean() < 0.1
    assert summary["throughput"] == pytest.approx(1 / 0.05, rel=0.05)  # the store's capacity


def test_a_cookie_costs_time_for_every_item_it_carries():
    # A lightly loaded shop, so latency is service plus the cookie's cost: the k-th
    # request carries k items of 150 bytes, 200 bytes each once in base64, at 0.2 s per KB.
    cost_per_item = 150 * 4 / 3 / 1024 * 0.2
    scenario = Scenario(
        state="cookie",
        affinity="none",
        cookie_cost_per_kb=0.2,
        arrival_rate=1.0,
        think_time=20.0,
        duration=2_000.0,
        requests_per_session=6,
    )
    requests = simulate(scenario).requests
    served = requests[requests["outcome"] == "ok"].copy()
    served["items"] = served.groupby("session").cumcount()
    latency = (served["end"] - served["arrival"]).groupby(served["items"]).mean()
    slope = np.polyfit(latency.index, latency.to_numpy(), 1)[0]
    assert slope == pytest.approx(cost_per_item, rel=0.15)


def test_without_a_cookie_cost_cookie_state_is_as_fast_as_server_state():
    server = simulate(Scenario(seed=3)).summary()
    cookie = simulate(Scenario(seed=3, state="cookie", cookie_cost_per_kb=0.0)).summary()
    assert cookie["latency_mean"] == pytest.approx(server["latency_mean"], rel=0.05)


@pytest.mark.parametrize("seed", range(3))
def test_heavy_shoppers_pinned_to_nodes_make_hot_spots_and_stateless_spreads_them(seed):
    # 0.5 sessions a second of heavy-tailed length (mean 50 requests, a few
    # up to 5,000): long sessions pinned by sticky affinity pile up on a node.
    scenario = Scenario(
        nodes=4,
        arrival_rate=0.5,
        requests_per_session=50,
        think_time=1.0,
        service_time=0.1,
        session_length="heavy_tailed",
        affinity="sticky",
        duration=600.0,
        seed=seed,
    )
    sticky = simulate(scenario).work_by_node()
    stateless = simulate(scenario.replace(affinity="none", state="store")).work_by_node()
    assert sticky.max() > 1.2 / 4
    assert stateless.max() < 1.06 / 4


def test_session_lengths_keep_their_mean():
    for length in ("fixed", "geometric", "heavy_tailed"):
        scenario = Scenario(
            session_length=length,
            requests_per_session=6,
            duration=3_000.0,
            think_time=0.5,
            arrival_rate=2.0,
        )
        sessions = simulate(scenario).sessions.dropna(subset=["end"])
        mean = sessions["requests"].mean()
        tolerance = {"fixed": 0, "geometric": 0.05, "heavy_tailed": 0.2}[length]
        assert mean == pytest.approx(6, rel=tolerance), length
        if length == "heavy_tailed":
            assert sessions["requests"].median() <= 2 and sessions["requests"].max() > 60


def test_a_crash_withdraws_its_waiting_store_calls_and_frees_the_store():
    # One store clerk, calls piling up; node 0 crashes while many of its
    # requests wait for the store. Those fail, and the store goes on serving
    # the others with its one clerk: never two at once, never a lost slot.
    scenario = Scenario(
        nodes=2,
        state="store",
        affinity="none",
        store_latency=0.05,
        store_workers=1,
        duration=120.0,
        events=(Crash(0, 60.0),),
    )
    result = simulate(scenario)
    failed = result.requests[result.requests["outcome"] == "failed"]
    assert len(failed) > 10 and (failed["node"] == 0).all()
    assert (result.timeline["store_busy"] <= 1).all()
    after = result.requests[(result.requests["arrival"] > 61.0)]
    assert (after["outcome"].isin(["ok", "in_flight"])).all()
    assert after["outcome"].eq("ok").sum() > 100
