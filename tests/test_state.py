"""State in server memory: affinity, crashes and restarts, against the course's claims.

"Active" and "lost" are as in shared/api.md: a session is active at t when
start <= t < end, and lost once a request of it is served without its state.
"""

from __future__ import annotations

import numpy as np
import pytest

from statelab import Crash, Restart, Scenario, simulate, theory


def active_at(result, t):
    sessions = result.sessions
    ended = sessions["end"].fillna(np.inf)
    return sessions[(sessions["start"] <= t) & (ended > t)]


def test_without_affinity_nearly_every_multi_request_session_loses_its_cart():
    for balancer in ("round_robin", "random", "least_connections", "two_choices"):
        result = simulate(Scenario(nodes=4, affinity="none", balancer=balancer))
        finished = result.sessions.dropna(subset=["end"])
        share = finished["lost_state"].mean()
        assert share > 0.95, balancer
        assert set(finished.loc[finished["lost_state"], "lost_cause"]) == {"no_affinity"}


def test_without_affinity_one_node_loses_nothing():
    assert simulate(Scenario(nodes=1, affinity="none")).summary()["sessions_lost"] == 0


def test_single_request_sessions_never_lose_state():
    result = simulate(Scenario(nodes=4, affinity="none", requests_per_session=1))
    assert result.summary()["sessions_lost"] == 0


def test_sticky_sessions_lose_nothing_until_a_crash():
    for balancer in ("round_robin", "random", "least_connections", "two_choices"):
        result = simulate(Scenario(nodes=4, affinity="sticky", balancer=balancer))
        assert result.summary()["sessions_lost"] == 0, balancer
        assert result.summary()["state_lost"] == 0, balancer


@pytest.mark.slow
@pytest.mark.parametrize("nodes", [2, 4, 6])
def test_crashing_one_of_n_sticky_nodes_loses_about_one_nth_of_the_active_sessions(nodes):
    # Sessions last about 30 s; a crash at 300 s meets a steady state of
    # about 300 active sessions. Tolerance: pooled over 8 seeds, the lost share
    # is within three binomial standard errors, 3 sqrt(p (1 - p) / active), of
    # p = 1/N (about 0.03 for N = 2: each active session is on the crashed
    # node or not).
    lost_total = active_total = 0
    for seed in range(8):
        scenario = Scenario(
            nodes=nodes,
            workers=8,
            arrival_rate=10.0,
            requests_per_session=6,
            think_time=5.0,
            service_time=0.1,
            duration=400.0,
            seed=seed,
            events=(Crash(1, 300.0),),
        )
        result = simulate(scenario)
        active = active_at(result, 300.0)
        lost = active[active["lost_cause"] == "crash"]
        lost_total += len(lost)
        active_total += len(active)
        # every session lost to the crash was active when it happened
        crash_lost = result.sessions[result.sessions["lost_cause"] == "crash"]
        assert crash_lost["session"].isin(active["session"]).all()
    expected = theory.sticky_lost_on_crash(nodes)
    tolerance = 3 * np.sqrt(expected * (1 - expected) / active_total)
    assert lost_total / active_total == pytest.approx(expected, abs=tolerance)


def test_a_crash_fails_the_requests_in_flight_on_that_node_and_only_those():
    scenario = Scenario(
        nodes=2,
        workers=1,
        arrival_rate=4.0,
        service_time=0.4,
        requests_per_session=1,
        affinity="none",
        duration=60.0,
        events=(Crash(0, 30.0),),
        seed=3,
    )
    result = simulate(scenario)
    requests = result.requests
    failed = requests[requests["outcome"] == "failed"]
    assert len(failed) >= 1
    assert (failed["node"] == 0).all()
    assert (failed["end"] == 30.0).all()
    assert (failed["arrival"] <= 30.0).all()
    # exactly the requests that were at node 0 when it crashed
    at_node0 = requests[(requests["node"] == 0) & (requests["arrival"] <= 30.0)]
    unfinished = at_node0[(at_node0["end"] >= 30.0)]
    assert set(unfinished["session"]) == set(failed["session"])
    # after the crash nothing goes to node 0
    assert (requests.loc[requests["arrival"] > 30.0, "node"] == 1).all()


def test_with_every_node_down_requests_fail_without_a_node():
    scenario = Scenario(nodes=1, events=(Crash(0, 10.0),), duration=30.0)
    result = simulate(scenario)
    after = result.requests[result.requests["arrival"] > 10.0]
    assert len(after) > 0
    assert (after["outcome"] == "failed").all()
    assert (after["node"] == -1).all()
    assert (result.timeline.loc[result.timeline["time"] > 10.0, "nodes_up"] == 0).all()


def test_a_restart_brings_the_node_back_empty():
    scenario = Scenario(nodes=2, duration=200.0, events=(Crash(1, 60.0), Restart(1, 90.0)), seed=4)
    result = simulate(scenario)
    timeline = result.timeline.set_index("time")
    assert timeline.loc[59.0, "carts_1"] > 0
    assert timeline.loc[70.0, "nodes_up"] == 1 and timeline.loc[70.0, "carts_1"] == 0
    assert timeline.loc[90.0, "nodes_up"] == 2
    later = result.requests[result.requests["arrival"] > 100.0]
    assert (later["node"] == 1).any()  # new sessions are sent to it again
    assert result.summary()["sessions_lost_crash"] > 0


def test_restarting_a_running_node_is_a_reboot_that_loses_its_carts():
    result = simulate(Scenario(nodes=3, events=(Restart(2, 60.0),)))
    timeline = result.timeline.set_index("time")
    assert (timeline["nodes_up"] == 3).all()
    assert result.summary()["sessions_lost_crash"] > 0
    assert result.node_changes.values.tolist() == [
        [0.0, 0, "up"],
        [0.0, 1, "up"],
        [0.0, 2, "up"],
        [60.0, 2, "down"],
        [60.0, 2, "up"],
    ]


def test_carts_held_are_the_sessions_logged_in_on_each_node():
    # Sticky sessions and no trouble: a session logs in on the node that completes its
    # first request and keeps its cart there until its last request ends. So at every
    # sample each node holds the carts of the sessions whose first request it completed
    # and that have not ended, counted here from the request and session records.
    result = simulate(Scenario(nodes=3))
    timeline = result.timeline
    served = result.requests[result.requests["outcome"] == "ok"]
    first = served.sort_values("end").groupby("session")[["node", "end"]].first()
    left = result.sessions.set_index("session")["end"].fillna(np.inf).reindex(first.index)
    for _, row in timeline.iterrows():
        t = row["time"]
        holding = first.loc[(first["end"] <= t) & (left > t), "node"]
        for k in range(3):
            assert row[f"carts_{k}"] == (holding == k).sum(), (t, k)
        assert row["carts"] == len(holding), t
    assert (timeline["carts"] <= timeline["active_sessions"]).all()
    assert timeline["carts"].max() > 100
