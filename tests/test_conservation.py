"""Nothing is lost and nothing is random twice: conservation and determinism on many scenarios."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from conftest import ROOT, assert_conserved, fingerprint, scenarios
from hypothesis import HealthCheck, example, given, settings

from statelab import (
    Crash,
    RandomFailures,
    Restart,
    ScaleTo,
    Scenario,
    StoreOutage,
    simulate,
)

#: Found by hypothesis: a read-modify-write that read, after an outage of a store that keeps
#: nothing, the cart written before it (a lost update of -1 item, and a duplicate).
READ_AFTER_A_WIPE = Scenario(
    arrival_rate=1.0,
    requests_per_session=3,
    think_time=0.5,
    service_time=0.5,
    nodes=1,
    workers=1,
    store_update="read_modify_write",
    state="store",
    events=(StoreOutage(7.0, 1.0, "down"),),
    duration=10.0,
)
READ_AFTER_A_WIPE_KEYED = Scenario(
    arrival_rate=8.0,
    requests_per_session=1,
    think_time=0.0,
    service_time=0.5,
    nodes=1,
    workers=1,
    health_check_delay=1.0,
    retries=3,
    retry_backoff=0.3,
    client_timeout=1.5,
    store_update="read_modify_write",
    idempotency_keys=True,
    state="store",
    events=(ScaleTo(3, 0.0), StoreOutage(0.0, 0.5, "down"), StoreOutage(7.0, 0.5, "down")),
    failures=RandomFailures(2.0, 1.0),
    duration=9.0,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
@example(READ_AFTER_A_WIPE)
@example(READ_AFTER_A_WIPE_KEYED)
def test_every_attempt_ends_in_one_outcome_or_is_in_flight(scenario):
    assert_conserved(simulate(scenario))


@settings(max_examples=15, deadline=None)
@given(scenarios())
def test_the_same_scenario_and_seed_give_identical_frames(scenario):
    first, second = simulate(scenario), simulate(scenario)
    assert fingerprint(first) == fingerprint(second)


def test_a_different_seed_gives_a_different_run():
    assert fingerprint(simulate(Scenario(seed=1))) != fingerprint(simulate(Scenario(seed=2)))


CHECKED = [
    Scenario(),
    Scenario(nodes=4, affinity="none", balancer="random", seed=11),
    Scenario(nodes=5, balancer="two_choices", events=(Crash(2, 30.0), Restart(2, 50.0)), seed=7),
    Scenario(nodes=3, balancer="least_connections", workers=1, arrival_rate=8.0, seed=3),
    Scenario(
        nodes=4,
        affinity="consistent_hash",
        state="store",
        seed=5,
        session_length="heavy_tailed",
        events=(ScaleTo(6, 20.0), ScaleTo(3, 60.0, drain=5)),
    ),
    Scenario(nodes=3, affinity="ip_hash", state="cookie", session_length="geometric", seed=6),
    Scenario.load("random_failures"),
    Scenario.load("autoscale_spike").replace(duration=400.0),
    Scenario.load("store_outage"),
    Scenario.load("replicated_crash"),
]


@pytest.mark.parametrize("scenario", CHECKED, ids=lambda s: f"{s.balancer}-{s.affinity}-{s.state}")
def test_a_fresh_process_gives_identical_frames(scenario, tmp_path):
    path = scenario.save(tmp_path / "scenario.toml")
    program = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(ROOT / "tests")!r})
        from conftest import fingerprint
        from statelab import Scenario, simulate
        print(fingerprint(simulate(Scenario.load({str(path)!r}))))
        """
    )
    # A different hash seed proves that no salted hash() steers the simulation.
    env = {"PYTHONHASHSEED": "12345", "PATH": ""}
    output = subprocess.run(
        [sys.executable, "-c", program],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        cwd=ROOT,
    ).stdout.strip()
    assert output == fingerprint(simulate(scenario))
