"""Nothing is lost and nothing is random twice: conservation and determinism on many scenarios."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import textwrap

import pytest
from conftest import ROOT, assert_conserved
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from statelab import (
    Autoscale,
    Crash,
    RandomFailures,
    Restart,
    ScaleTo,
    Scenario,
    StoreOutage,
    simulate,
)
from statelab.sim.scenario import AFFINITIES, BALANCERS, SESSION_LENGTHS, STATE_LOCATIONS


@st.composite
def scenarios(draw):
    nodes = draw(st.integers(1, 6))
    duration = draw(st.floats(5.0, 60.0))
    at = st.floats(0.0, duration, exclude_max=True)
    scalings = draw(
        st.lists(st.builds(ScaleTo, st.integers(1, 6), at, st.sampled_from([0.0, 3.0])), max_size=2)
    )
    autoscale = draw(
        st.none()
        | st.builds(
            Autoscale,
            target=st.floats(0.2, 0.9),
            min_nodes=st.just(1),
            max_nodes=st.integers(6, 8),
            interval=st.floats(1.0, 10.0),
            boot_time=st.floats(0.0, 5.0),
            scale_down_window=st.floats(0.0, 20.0),
            drain=st.sampled_from([0.0, 2.0]),
        )
    )
    base = Scenario(nodes=nodes, duration=duration, events=tuple(scalings), autoscale=autoscale)
    events = list(scalings)
    for kind, node, when in draw(
        st.lists(st.tuples(st.sampled_from([Crash, Restart]), st.integers(0, 5), at), max_size=4)
    ):
        size = autoscale.max_nodes if autoscale else base.nodes_at(when)[0]
        events.append(kind(node % size, when))
    events += draw(st.lists(st.builds(StoreOutage, at, st.floats(0.5, 10.0)), max_size=2))
    return Scenario(
        failures=draw(
            st.none() | st.builds(RandomFailures, st.floats(2.0, 50.0), st.floats(0.5, 10.0))
        ),
        autoscale=autoscale,
        health_check_delay=draw(st.sampled_from([0.0, 1.0])),
        retries=draw(st.integers(0, 3)),
        retry_backoff=draw(st.sampled_from([0.0, 0.3])),
        cookie_limit=draw(st.sampled_from([300, 4096])),
        store_persistent=draw(st.booleans()),
        arrival_rate=draw(st.floats(0.2, 20.0)),
        requests_per_session=draw(st.integers(1, 8)),
        session_length=draw(st.sampled_from(SESSION_LENGTHS)),
        think_time=draw(st.sampled_from([0.0, 0.5, 2.0])),
        service_time=draw(st.floats(0.01, 2.0)),
        nodes=nodes,
        workers=draw(st.integers(1, 4)),
        balancer=draw(st.sampled_from(BALANCERS)),
        affinity=draw(st.sampled_from(AFFINITIES)),
        vnodes=draw(st.integers(1, 50)),
        state=draw(st.sampled_from(STATE_LOCATIONS)),
        store_workers=draw(st.integers(1, 4)),
        store_latency=draw(st.sampled_from([0.0, 0.01, 0.5])),
        events=tuple(events),
        duration=duration,
        warmup=draw(st.floats(0.0, duration / 2)),
        sample_interval=draw(st.sampled_from([0.5, 1.0, 2.5])),
        seed=draw(st.integers(0, 2**32)),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
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
        from test_conservation import fingerprint
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


def fingerprint(result) -> str:
    """A digest of every frame and the summary, to the last bit of every float."""
    digest = hashlib.sha256()
    for frame in (result.requests, result.sessions, result.timeline):
        digest.update(frame.to_csv(float_format="%r").encode())
    digest.update(repr(sorted(result.summary().items())).encode())
    return digest.hexdigest()
