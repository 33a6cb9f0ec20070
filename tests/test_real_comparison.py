"""real.compare with a run of our choosing: the comparison's arithmetic without processes.

``compare`` takes the function that makes the real run, so these tests hand it a "real run"
that is the simulation of one of the compared seeds, wrapped as a RealResult: its numbers
are known exactly, and where they must land follows.
"""

from __future__ import annotations

import pytest

from statelab import Crash, Scenario, real, simulate
from statelab.real.assemble import RealResult
from statelab.real.comparison import compare
from statelab.real.registry import notice_delay

SCENARIO = Scenario(duration=60.0, nodes=3, affinity="sticky", events=(Crash(1, at=30.0),))


def as_real_run(result, overhead: float = 0.0) -> RealResult:
    """A simulated run dressed as a real one (its tables unchanged)."""
    return RealResult(
        result.scenario,
        result._request_records,
        result._session_records,
        result._timeline_records,
        result._node_changes,
        result._autoscaler,
        result._losses,
        result._gave_up,
        result._moves,
        result._node_times,
        real={"http_overhead": overhead, "balancer": "stand-in", "time_scale": 1.0},
    )


def test_a_real_run_that_is_one_of_the_seeds_lands_inside_their_range():
    calls = []

    def run(scenario, time_scale, balancer, store, **crash):
        calls.append((scenario.seed, time_scale, balancer, store, crash))
        return as_real_run(simulate(scenario.replace(health_check_delay=0.0)))

    # an announced crash: the simulation plays it with no delay, as the stand-in run does
    comparison = compare(
        SCENARIO, seeds=[SCENARIO.seed, 7, 8], time_scale=0.5, crash="announced", run=run
    )
    told = {"crash": "announced", "balancer_retries": 0, "redispatch": False}
    assert calls == [(SCENARIO.seed, 0.5, "embedded", "sqlite", told)]
    assert comparison.simulated.health_check_delay == 0.0
    table = comparison.table.set_index("metric")
    assert table["within"].all(), table
    summary = simulate(SCENARIO).summary()
    assert table.loc["failed", "real"] == summary["failed"]
    assert table.loc["lost_share", "real"] == pytest.approx(
        summary["sessions_lost"] / summary["sessions"]
    )


def test_a_detected_crash_is_simulated_with_the_delay_the_health_checks_take():
    """HAProxy's defaults where the delay is 0 (inter 2 s, fall 3: noticed 5 s later on
    average); 5/6 of the delay above 0 (inter = delay / 3, fall 3)."""

    def run(scenario, time_scale, balancer, store, **_):
        return as_real_run(simulate(scenario))

    failed = {}
    for delay, crash, expected in (
        (0.0, "detected", 5.0),
        (3.0, "detected", 2.5),
        (0.0, "announced", 0.0),
    ):
        scenario = SCENARIO.replace(health_check_delay=delay)
        comparison = compare(scenario, seeds=3, time_scale=0.5, crash=crash, run=run)
        assert comparison.simulated.health_check_delay == pytest.approx(expected)
        assert comparison.simulated.replace(health_check_delay=delay) == scenario
        failed[expected] = comparison.replications.summaries["failed"].mean()
    # the longer the balancer takes to notice, the more requests fail meanwhile
    assert failed[5.0] > failed[2.5] > failed[0.0], failed
    # ip_hash is nginx's, with nginx's failure handling (behind nginx or the embedded proxy):
    # no checks, the first request that fails takes the node out, announced or not
    for crash in ("detected", "announced"):
        for balancer in ("embedded", "nginx"):
            ip_hash = SCENARIO.replace(affinity="ip_hash")
            assert notice_delay(ip_hash, 0.5, crash, balancer) == 0.0


def test_the_overhead_is_taken_off_latency_only():
    def run(scenario, time_scale, balancer, store, **_):
        return as_real_run(simulate(scenario), overhead=0.25)

    table = compare(SCENARIO, seeds=2, run=run).table.set_index("metric")
    for metric in ("latency_p50", "latency_p95"):
        assert table.loc[metric, "real_minus_overhead"] == pytest.approx(
            table.loc[metric, "real"] - 0.25
        )
    for metric in ("lost_share", "failed", "duplicate_items"):
        assert table.loc[metric, "real_minus_overhead"] == table.loc[metric, "real"]


def test_bad_arguments_are_refused_before_any_run():
    def run(*_):
        pytest.fail("no run should start")

    with pytest.raises(ValueError, match="balancer must be one of 'embedded', 'haproxy', 'nginx'"):
        compare(SCENARIO, seeds=2, balancer="traefik", run=run)
    with pytest.raises(ValueError, match=r"sticky.*open-source nginx"):
        compare(SCENARIO, seeds=2, balancer="nginx", run=run)  # no cookie stickiness
    with pytest.raises(ValueError, match="needs redispatch=True"):
        compare(
            SCENARIO.replace(affinity="ip_hash"), 2, balancer="nginx", balancer_retries=1, run=run
        )
    with pytest.raises(TypeError, match="a real run needs a Scenario"):
        compare("crash", seeds=2, run=run)


def test_the_public_names_are_the_same_functions():
    assert real.compare is compare
    assert real.run.__module__ == "statelab.real.controller"
    assert real.RealResult is RealResult
    assert set(real.BALANCERS) == {"embedded", "haproxy", "nginx"}
