"""Failures, retries, autoscaling, replication, outages, cookie limits and traces."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT, assert_interval_covers

from statelab import (
    Autoscale,
    Crash,
    RandomFailures,
    Restart,
    ScaleTo,
    Scenario,
    StoreOutage,
    simulate,
    theory,
)
from statelab.sim import autoscaling, cookie


def failed(result):
    requests = result.requests
    return requests[requests["outcome"] == "failed"]


# -- random failures -------------------------------------------------------


@pytest.mark.slow
def test_availability_from_long_runs_matches_mtbf_over_mtbf_plus_mttr():
    # 4 nodes x 20,000 s with MTBF 50 s and MTTR 10 s: about 330 failures a
    # node. Tolerance: the 99.9% interval over 10 seeds of the up share covers
    # 50/60 and is narrower than 0.02 on each side.
    scenario = Scenario(
        nodes=4,
        arrival_rate=0.05,
        requests_per_session=1,
        duration=20_000.0,
        sample_interval=20.0,
        failures=RandomFailures(mtbf=50.0, mttr=10.0),
    )
    shares = []
    for seed in range(10):
        result = simulate(scenario.replace(seed=seed))
        shares.append(result.up_seconds(0.0, scenario.duration) / (4 * scenario.duration))
    assert_interval_covers(shares, theory.availability(50.0, 10.0), 0.999, 0.02)


def test_random_failures_crash_and_repair_every_node_and_lose_carts(preset_run):
    result = preset_run("random_failures")
    changes = result.node_changes
    for node in range(4):
        statuses = changes.loc[changes["node"] == node, "status"].tolist()
        assert statuses.count("down") >= 2 and statuses.count("up") >= 3
    assert result.summary()["sessions_lost_crash"] > 0
    timeline = result.timeline
    assert (timeline["nodes_up"] + timeline["nodes_down"] == 4).all()


# -- health checks and retries --------------------------------------------


@pytest.mark.parametrize("delay", [0.0, 3.0])
def test_without_retries_the_failed_attempts_are_the_in_flight_ones_plus_the_blind_window(delay):
    crash_at = 50.0
    scenario = Scenario(
        nodes=3,
        state="store",
        affinity="none",
        health_check_delay=delay,
        events=(Crash(1, crash_at),),
        duration=100.0,
    )
    result = simulate(scenario)
    requests = result.requests
    on_node = requests[requests["node"] == 1]
    in_flight_at_crash = on_node[
        (on_node["arrival"] <= crash_at)
        & (on_node["end"] >= crash_at)
        & (on_node["arrival"] < crash_at)
    ]
    blind = on_node[(on_node["arrival"] >= crash_at) & (on_node["arrival"] < crash_at + delay)]
    expected = set(in_flight_at_crash.index) | set(blind.index)
    assert set(failed(result).index) == expected
    assert len(in_flight_at_crash) > 0
    assert (len(blind) > 0) == (delay > 0)
    assert (blind["end"] == blind["arrival"]).all()  # refused at once
    assert not (on_node["arrival"] >= crash_at + delay).any()  # noticed: no more sent there


def test_with_retries_and_a_store_a_crash_loses_no_session_and_every_failure_is_retried():
    scenario = Scenario(
        nodes=3,
        state="store",
        affinity="none",
        health_check_delay=5.0,
        retries=3,
        retry_backoff=0.2,
        events=(Crash(1, 50.0),),
        duration=100.0,
    )
    result = simulate(scenario)
    summary = result.summary()
    assert summary["sessions_lost"] == 0 and summary["failed"] > 10
    requests = result.requests.sort_values(["session", "arrival"], kind="stable")
    following = requests.groupby("session")["attempt"].shift(-1)  # the session's next attempt
    for index, attempt in failed(result).iterrows():
        if attempt["attempt"] > scenario.retries:
            continue
        if math.isnan(following[index]):  # nothing after it: only when the run ended first
            assert attempt["end"] > scenario.duration - 5.0
        else:
            assert following[index] == attempt["attempt"] + 1
    # the retries rescued the shoppers: every session that finished got its last request served
    retried = requests[requests["attempt"] > 1]
    assert len(retried) > 0 and (retried["outcome"] != "failed").mean() > 0.5


def test_retries_leave_a_calm_run_unchanged():
    calm = Scenario(nodes=3)
    assert (
        simulate(calm).summary() == simulate(calm.replace(retries=3, retry_backoff=1.0)).summary()
    )


# -- autoscaling ----------------------------------------------------------


def step_trace(tmp_path, low=2.0, high=12.0):
    path = tmp_path / "step.csv"
    path.write_text(
        f"time_s,sessions_per_s\n0,{low}\n300,{low}\n301,{high}\n600,{high}\n601,{low}\n1500,{low}\n"
    )
    return path


def step_scenario(tmp_path, policy: Autoscale) -> Scenario:
    """Two nodes meeting the step in load of :func:`step_trace`, with ``policy`` autoscaling."""
    return Scenario(
        arrival_rate=str(step_trace(tmp_path)),
        nodes=2,
        workers=4,
        requests_per_session=4,
        think_time=2.0,
        service_time=0.2,
        duration=1_500.0,
        autoscale=policy,
    )


def test_the_autoscaler_follows_the_hpa_rule_and_scales_down_only_after_its_window(tmp_path):
    policy = Autoscale(
        target=0.5,
        min_nodes=2,
        max_nodes=12,
        interval=20.0,
        boot_time=10.0,
        scale_down_window=200.0,
    )
    scenario = step_scenario(tmp_path, policy)
    result = simulate(scenario)
    log = result.autoscaler
    requests = result.requests
    assert len(log) == math.ceil(scenario.duration / policy.interval) - 1  # none at the end
    for _, row in log.iterrows():
        # the utilisation it acted on is the busy worker-seconds of the last interval ...
        low, high = row["time"] - policy.interval, row["time"]
        start = requests["start"].clip(lower=low)
        end = requests["end"].fillna(scenario.duration).clip(upper=high)
        busy = (end - start)[requests["start"].notna()].clip(lower=0).sum()
        capacity = row["nodes"] * scenario.workers * policy.interval
        assert row["utilisation"] == pytest.approx(busy / capacity, rel=1e-9, abs=1e-12)
        # ... and its recommendation is the HPA rule's for that size and utilisation
        expected = autoscaling.recommendation(policy, int(row["nodes"]), row["utilisation"])
        assert row["desired"] == expected
    # one interval after the step up, the cluster is resized to the recommendation
    first_after = log[log["time"] > 301.0].iloc[1]  # the first whole interval of high load
    assert first_after["size"] == first_after["desired"] > first_after["nodes"]
    # new nodes boot first, then serve
    changes = result.node_changes
    booted = changes[(changes["status"] == "booting") & (changes["time"] == first_after["time"])]
    assert len(booted) == first_after["desired"] - first_after["nodes"]
    ups = changes[(changes["status"] == "up") & (changes["node"].isin(booted["node"]))]
    assert (ups["time"] >= first_after["time"] + policy.boot_time).all() and len(ups) > 0
    # after the load falls, it waits for the window before it scales in
    lower = log[(log["time"] > 601.0) & (log["desired"] < log["nodes"])]
    first_lower = lower["time"].iloc[0]
    shrinks = log[log["size"] < log["nodes"]]
    assert shrinks["time"].iloc[0] >= first_lower + policy.scale_down_window - policy.interval
    for _, row in shrinks.iterrows():
        window = log[
            (log["time"] >= row["time"] - policy.scale_down_window) & (log["time"] <= row["time"])
        ]
        assert row["size"] == window["desired"].max()
    assert log["size"].iloc[-1] < log["size"].max()


def test_autoscaled_scale_in_loses_sticky_carts_unless_haproxy_style_drain_outlasts_them(tmp_path):
    policy = Autoscale(
        target=0.5, min_nodes=2, max_nodes=12, interval=20.0, boot_time=10.0, scale_down_window=60.0
    )
    scenario = step_scenario(tmp_path, policy)
    runs = {
        mode: simulate(
            scenario.replace(autoscale=dataclasses.replace(policy, drain=drain, mode=mode))
        )
        for mode, drain in (("abrupt", 0.0), ("in_flight", 120.0), ("sticky", 120.0))
    }
    # Kubernetes' default: the pod leaves the endpoints at once; a long grace saves no cart
    for mode in ("abrupt", "in_flight"):
        summary = runs[mode].summary()
        assert summary["sessions_lost_scale_in"] > 0
        assert summary["sessions_lost"] == summary["sessions_lost_scale_in"]
    kubernetes = runs["in_flight"]
    assert (kubernetes.timeline["nodes_draining"] > 0).any()
    # no request reaches a node after it left the endpoints: none served there after that
    left = kubernetes.node_changes.query("status == 'draining'")
    requests = kubernetes.requests
    for node, at in zip(left["node"], left["time"], strict=True):
        assert not ((requests["node"] == node) & (requests["arrival"] > at + 1e-9)).any()
    # HAProxy's drain state: pinned sessions keep coming; longer than they last, none is lost
    longest = float((runs["sticky"].sessions["end"] - runs["sticky"].sessions["start"]).max())
    assert longest < 120.0
    assert runs["sticky"].summary()["sessions_lost"] == 0


def test_a_grace_period_lets_requests_in_flight_finish(tmp_path):
    shop = Scenario(
        nodes=4, workers=2, arrival_rate=3.0, service_time=1.0, think_time=2.0, duration=200.0
    )
    cut = simulate(shop.replace(events=(ScaleTo(2, 100.0, mode="abrupt"),)))
    graced = simulate(shop.replace(events=(ScaleTo(2, 100.0, drain=60.0, mode="in_flight"),)))
    failed_at_100 = lambda r: int(  # noqa: E731
        ((r.requests["outcome"] == "failed") & (r.requests["end"] == 100.0)).sum()
    )
    assert failed_at_100(cut) > 0  # the requests on the removed nodes were cut off
    assert failed_at_100(graced) == 0  # with a grace they finish
    assert graced.summary()["sessions_lost_scale_in"] > 0  # but their carts are lost all the same


# -- replicated state -----------------------------------------------------


def test_replicated_state_survives_one_crash():
    for affinity in ("sticky",):
        result = simulate(
            Scenario(nodes=3, state="replicated", affinity=affinity, events=(Crash(1, 60.0),))
        )
        assert result.summary()["sessions_lost"] == 0
        assert result.summary()["failed"] > 0
    # the same crash with plain server memory loses carts
    assert simulate(Scenario(nodes=3, events=(Crash(1, 60.0),))).summary()["sessions_lost"] > 0


def test_replicated_state_is_lost_when_a_node_and_its_peer_die_together():
    result = simulate(
        Scenario(nodes=3, state="replicated", events=(Crash(1, 60.0), Crash(2, 60.0)))
    )
    lost = result.summary()["sessions_lost_crash"]
    assert lost > 0
    # only the carts of node 1 (whose peer is node 2) are gone; node 2's copies lived on node 0
    plain = simulate(Scenario(nodes=3, events=(Crash(1, 60.0), Crash(2, 60.0)))).summary()
    assert lost < 0.75 * plain["sessions_lost_crash"]


def test_replicated_state_survives_crashes_one_at_a_time():
    events = (Crash(1, 40.0), Restart(1, 50.0), Crash(2, 80.0))
    result = simulate(Scenario(nodes=3, state="replicated", events=events))
    assert result.summary()["sessions_lost"] == 0


# -- store outages --------------------------------------------------------


@pytest.mark.parametrize("persistent", [True, False])
def test_a_store_outage_fails_exactly_the_attempts_that_needed_the_store(persistent):
    at, length, latency = 50.0, 10.0, 0.05
    scenario = Scenario(
        nodes=3,
        state="store",
        affinity="none",
        store_latency=latency,
        store_workers=64,
        store_persistent=persistent,
        events=(StoreOutage(at, length),),
        duration=100.0,
    )
    result = simulate(scenario)
    requests = result.requests
    during = (requests["arrival"] >= at) & (requests["arrival"] < at + length)
    calling = (requests["arrival"] > at - latency) & (requests["arrival"] < at)  # in a call at `at`
    assert set(failed(result).index) == set(requests.index[during | calling])
    summary = result.summary()
    if persistent:
        assert summary["sessions_lost"] == 0
    else:
        assert summary["sessions_lost"] == summary["sessions_lost_store_outage"] > 0
        lost = result.sessions[result.sessions["lost_state"]]
        assert (lost["start"] < at).all()  # only carts that existed before the outage


def test_a_store_outage_does_nothing_without_a_store():
    calm = simulate(Scenario(nodes=3))
    outage = simulate(Scenario(nodes=3, events=(StoreOutage(50.0, 10.0),)))
    pd.testing.assert_frame_equal(calm.requests, outage.requests)
    assert outage.summary()["event_lost_share"] == 0.0  # the "event" lost nobody


# -- cookie limit ---------------------------------------------------------


def test_a_cart_grows_to_the_cookie_limit_and_stays_there():
    # 4,096 bytes hold 19 items of 150 bytes once the cart is base64-encoded and signed
    # (4 + 1 + 4 ceil((34 + 150 n) / 3) + 1 + 44 is 3,898 for 19, 4,098 for 20). The 20th item's
    # cookie is too large: the browser keeps the old one, so that item is silently not
    # kept, and every later request arrives with a cart the shopper did not build.
    assert cookie.items_that_fit(4096, 150) == 19
    limit = Scenario(
        state="cookie", affinity="none", think_time=0.5, arrival_rate=1.0, duration=200.0
    )
    fits = simulate(limit.replace(requests_per_session=19)).summary()
    assert fits["sessions_lost"] == 0 and fits["items_not_kept"] == 0
    result = simulate(limit.replace(requests_per_session=25))
    sessions = result.sessions
    finished = sessions.dropna(subset=["end"])
    assert len(finished) > 10 and (finished["lost_cause"] == "cookie_too_large").all()
    assert (finished["items_not_kept"] == 25 - 19).all()  # requests 20 to 25
    assert result.summary()["items_not_kept"] == sessions["items_not_kept"].sum()
    requests = result.requests.sort_values(["session", "arrival"])
    order = requests.groupby("session").cumcount() + 1
    lost = requests["outcome"] == "state_lost"
    assert set(order[lost]) == set(range(21, 26))  # the 20th is served with its own cart
    assert not (requests["outcome"] == "failed").any()


# -- traces and the timeline ----------------------------------------------


def test_arrivals_follow_the_trace():
    scenario = Scenario(arrival_rate="flash_sale", duration=900.0, requests_per_session=1)
    trace = scenario.trace()
    starts = simulate(scenario).sessions["start"]
    for low, high in [(0, 300), (330, 420), (600, 900)]:
        expected = trace.sessions_until(high) - trace.sessions_until(low)
        count = ((starts >= low) & (starts < high)).sum()
        assert abs(count - expected) < 4 * math.sqrt(expected)  # Poisson: sd = sqrt(mean)


def test_the_trace_files_are_made_again_byte_for_byte(tmp_path):
    import runpy

    module = runpy.run_path(str(ROOT / "scripts" / "make_traces.py"))
    for path in module["write"](tmp_path):
        assert path.read_bytes() == (ROOT / "data" / "traces" / path.name).read_bytes()


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("", ["empty"]),
        ("time,rate\n0,1\n", ["header must be time_s,sessions_per_s"]),
        ("time_s,sessions_per_s\n0,1\n", ["at least two rows"]),
        ("time_s,sessions_per_s\n0,1\n0,2\n", ["line 3", "must increase"]),
        ("time_s,sessions_per_s\n5,1\n10,2\n", ["line 2", "first time_s must be 0"]),
        ("time_s,sessions_per_s\n0,1\n10,-2\n", ["line 3", "from 0 to 10000"]),
        ("time_s,sessions_per_s\n0,1\n10,lots\n", ["line 3", "not a number"]),
        ("time_s,sessions_per_s\n0,1\n10,nan\n", ["line 3", "not finite"]),
        ("time_s,sessions_per_s\n0,0\n10,0\n", ["every rate is 0"]),
        ("time_s,sessions_per_s\n0,1,2\n10,1\n", ["line 2", "expected 2 values"]),
    ],
)
def test_a_bad_trace_names_the_file_and_the_line(tmp_path, content, words):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(ValueError) as caught:
        Scenario(arrival_rate=str(path), duration=5.0)
    for word in [*words, str(path.name)]:
        assert word in str(caught.value)


def test_a_trace_shorter_than_the_run_is_refused():
    with pytest.raises(ValueError, match=r"trace of 900 seconds.*duration=1000"):
        Scenario(arrival_rate="flash_sale", duration=1_000.0)


def test_the_timeline_shows_every_node_s_status():
    scenario = Scenario(
        nodes=3,
        events=(Crash(0, 20.0), Restart(0, 30.0), ScaleTo(4, 40.0), ScaleTo(2, 60.0, drain=20.0)),
        duration=100.0,
    )
    timeline = simulate(scenario).timeline.set_index("time")
    assert timeline.loc[25.0, "status_0"] == "down" and timeline.loc[35.0, "status_0"] == "up"
    assert timeline.loc[30.0, "status_3"] == "removed" and timeline.loc[45.0, "status_3"] == "up"
    assert timeline.loc[70.0, "status_3"] == "draining" == timeline.loc[70.0, "status_2"]
    assert timeline.loc[90.0, "status_2"] == "removed"
    assert timeline.loc[70.0, "nodes_up"] == 4 and timeline.loc[70.0, "nodes_draining"] == 2
    assert timeline.loc[25.0, "nodes_down"] == 1
    assert list(np.unique(timeline["nodes_up"])) == [2, 3, 4]


@pytest.mark.parametrize("window", [60.0, 120.0, 300.0])
def test_after_a_step_down_the_window_delays_the_shrink_by_exactly_its_length(tmp_path, window):
    policy = Autoscale(
        target=0.5,
        min_nodes=2,
        max_nodes=12,
        interval=20.0,
        boot_time=10.0,
        scale_down_window=window,
    )
    log = simulate(step_scenario(tmp_path, policy)).autoscaler
    after = log[log["time"] > 601.0]
    first_lower = after[after["desired"] < after["nodes"]]["time"].iloc[0]
    # the load stays low: from the first lower recommendation on, every one is lower
    assert (after[after["time"] >= first_lower]["desired"] < after["nodes"].max()).all()
    first_shrink = log[log["size"] < log["nodes"]]["time"].iloc[0]
    assert first_shrink == first_lower + window
