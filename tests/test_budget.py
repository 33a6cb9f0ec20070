"""A run is bounded by its work, not only by its estimate: nothing freezes the kernel.

Each case below was estimated within the limit but did far more work than the limit
allows (the robustness issue found each running for more than 25 s). With a budget the
run stops with ScenarioTooLarge, saying what it reached; each case is run under a
wall-clock guard so a regression fails instead of hanging.
"""

from __future__ import annotations

import gc
import signal
import time

import pandas as pd
import pytest

from statelab import RandomFailures, Scenario, ScenarioTooLarge, StoreOutage, simulate

LIMIT = 20_000  # a small limit keeps each case quick; the default scales the same way


@pytest.fixture(autouse=True)
def wall_clock_guard():
    """Fail a test that runs for more than 60 s instead of letting it hang."""

    def too_long(signum, frame):
        raise TimeoutError("the run was not stopped by its budget within 60 s")

    previous = signal.signal(signal.SIGALRM, too_long)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def burst_trace(tmp_path) -> str:
    """A trace of 0.01 sessions a second with a 1 ms burst of 10,000 sessions a second."""
    path = tmp_path / "burst.csv"
    path.write_text(
        "time_s,sessions_per_s\n0,0.01\n1000,0.01\n1000.001,10000\n1000.002,0.01\n3600,0.01\n"
    )
    return str(path)


def cases(tmp_path):
    return {
        "clients retrying ten times against a store that is down": Scenario(
            state="store",
            affinity="none",
            retries=10,
            arrival_rate=1.0,
            duration=2_000.0,
            events=(StoreOutage(1.0, 1_990.0),),
            sample_interval=10.0,
        ),
        # every attempt times out and is retried ten times, and each stays queued at the
        # node: few are recorded while the run goes on, but every one is sent
        "attempts piling up in queues behind clients that gave up": Scenario(
            nodes=1,
            workers=1,
            service_time=5.0,
            client_timeout=0.5,
            retries=10,
            think_time=0.0,
            arrival_rate=2.0,
            duration=1_000.0,
            sample_interval=10.0,
        ),
        "64 nodes failing every second for a week": Scenario(
            nodes=64,
            failures=RandomFailures(mtbf=1.0, mttr=1.0),
            arrival_rate=0.001,
            duration=604_800.0,
            sample_interval=60.0,
        ),
    }


@pytest.mark.parametrize(
    "name",
    [
        "clients retrying ten times against a store that is down",
        "attempts piling up in queues behind clients that gave up",
        "64 nodes failing every second for a week",
    ],
)
def test_a_run_that_outgrows_its_limit_is_stopped_with_what_it_reached(tmp_path, name):
    scenario = cases(tmp_path)[name]
    assert scenario.expected_requests() < LIMIT  # the estimate lets it through
    began = time.perf_counter()
    with pytest.raises(ScenarioTooLarge, match=r"stopped at .* s of model time") as stopped:
        simulate(scenario, limit=LIMIT)
    assert time.perf_counter() - began < 30
    assert f"limit={LIMIT:,}" in str(stopped.value) and "limit=None" in str(stopped.value)


def test_a_budget_changes_nothing_in_a_run_that_keeps_to_it():
    shop = Scenario(nodes=4, arrival_rate=8.0, duration=120.0, seed=5)
    kept, free = simulate(shop), simulate(shop, limit=None)
    assert kept.requests.equals(free.requests) and kept.timeline.equals(free.timeline)
    assert pd.Series(kept.summary()).equals(pd.Series(free.summary()))


def test_the_garbage_collector_is_back_on_after_a_run_however_it_ended():
    assert gc.isenabled()
    simulate(Scenario(duration=10.0))
    assert gc.isenabled()
    with pytest.raises(ScenarioTooLarge):
        simulate(Scenario(arrival_rate=1.0, retries=10, state="store", affinity="none",
                          events=(StoreOutage(1.0, 1_990.0),), duration=2_000.0,
                          sample_interval=10.0), limit=LIMIT)  # fmt: skip
    assert gc.isenabled()
    gc.disable()  # a caller who turned it off keeps it off
    try:
        simulate(Scenario(duration=10.0))
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_thin_trace_with_a_burst_is_refused_before_it_runs(tmp_path):
    """Thinning draws candidates at the trace's peak rate all along: a 1 ms burst of
    10,000 sessions a second makes a run of 0.01 sessions a second draw 36 million."""
    scenario = Scenario(arrival_rate=burst_trace(tmp_path), duration=3_600.0, sample_interval=10.0)
    assert scenario.expected_requests() < LIMIT  # the estimate lets it through
    began = time.perf_counter()
    with pytest.raises(ScenarioTooLarge, match="takes about 36,000,000 draws"):
        simulate(scenario, limit=LIMIT)
    assert time.perf_counter() - began < 1.0
    calm = scenario.replace(duration=40.0)  # 400,000 draws: within the budget, so it runs
    assert simulate(calm, limit=LIMIT).scenario is calm
