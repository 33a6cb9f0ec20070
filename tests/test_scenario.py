"""Scenario: defaults that run, and errors a learner can act on."""

from __future__ import annotations

import math

import numpy as np
import pytest

from statelab import Crash, Restart, ScaleTo, Scenario

# (field, bad value, words the message must contain besides the field's name)
BAD_VALUES = [
    ("nodes", 0, ["1 to 64", "got 0"]),
    ("nodes", 65, ["1 to 64", "got 65"]),
    ("nodes", 2.5, ["whole number", "2.5"]),
    ("nodes", "3", ["whole number", "'3'"]),
    ("nodes", True, ["whole number", "True"]),
    ("workers", 0, ["1 to 256"]),
    ("workers", 1000, ["1 to 256"]),
    ("arrival_rate", 0, ["above 0", "sessions per second"]),
    ("arrival_rate", -1.0, ["above 0"]),
    ("arrival_rate", math.nan, ["not a finite number"]),
    ("arrival_rate", math.inf, ["not a finite number"]),
    ("arrival_rate", 1e9, ["at most 10000"]),
    ("arrival_rate", None, ["None"]),
    ("requests_per_session", 0, ["1 to 1000"]),
    ("requests_per_session", 2.0, ["whole number"]),
    ("think_time", -0.1, ["at least 0", "seconds"]),
    ("service_time", 0.0, ["above 0", "seconds"]),
    ("service_time", "fast", ["'fast'"]),
    ("duration", 0, ["above 0"]),
    ("duration", 1e9, ["at most"]),
    ("warmup", -5, ["at least 0"]),
    ("warmup", 120.0, ["less than duration"]),
    ("sample_interval", 0, ["at least 0.01", "finer than any figure"]),
    ("sample_interval", 500.0, ["at most 120"]),
    ("sample_interval", 1e-6, ["at least 0.01"]),
    ("seed", -1, ["whole number"]),
    ("seed", 1.5, ["whole number"]),
    ("balancer", "round-robin", ["'round_robin'", "Did you mean 'round_robin'"]),
    ("balancer", "fastest", ["'least_connections'", "'two_choices'"]),
    ("balancer", 3, ["one of"]),
    ("affinity", "ip-hash", ["'ip_hash'", "'consistent_hash'", "Did you mean 'ip_hash'"]),
    ("vnodes", 0, ["1 to 1000"]),
    ("vnodes", 5000, ["1 to 1000"]),
    ("cookie_bytes_per_item", 0, ["1 to 100000"]),
    ("cookie_cost_per_kb", -1.0, ["at least 0", "seconds per KB"]),
    ("store_latency", math.inf, ["not a finite number"]),
    ("store_workers", 0, ["1 to 1024"]),
    ("affinity", "stickyy", ["Did you mean 'sticky'"]),
    ("health_check_delay", -1.0, ["at least 0", "seconds"]),
    ("retries", 11, ["0 to 10"]),
    ("retries", 1.5, ["whole number"]),
    ("retry_backoff", math.nan, ["not a finite number"]),
    ("cookie_limit", 0, ["1 to 1000000"]),
    ("store_persistent", "no", ["True or False"]),
    ("failures", (100, 10), ["RandomFailures"]),
    ("autoscale", "on", ["Autoscale"]),
    ("arrival_rate", "nope", ["unknown trace 'nope'"]),
    ("state", "disk", ["'server'"]),
    ("session_length", "pareto", ["'fixed'", "'heavy_tailed'"]),
    ("events", "crash", ["Crash, Restart, ScaleTo and StoreOutage"]),
    ("events", (("crash", 1),), ["events[0]", "Crash, Restart, ScaleTo or StoreOutage"]),
    ("events", (Crash(5, 10.0),), ["events[0]", "node=5", "0 to 2"]),
    ("events", (ScaleTo(2, 10.0), Crash(2, 20.0)), ["events[1]", "node=2", "after ScaleTo"]),
    ("events", (ScaleTo(4, 130.0),), ["events[0]", "ScaleTo.at=130"]),
    ("events", (Crash(0, 10.0), Restart(0, 500.0)), ["events[1]", "at=500", "duration=120"]),
]


def test_the_default_scenario_is_a_small_working_shop():
    scenario = Scenario()
    assert scenario.nodes >= 2
    assert scenario.affinity == "sticky"
    assert 3_000 <= scenario.expected_requests() <= 10_000


@pytest.mark.parametrize(("field", "value", "words"), BAD_VALUES)
def test_every_bad_value_names_its_field_the_value_and_what_is_allowed(field, value, words):
    with pytest.raises((ValueError, TypeError)) as caught:
        Scenario(**{field: value})
    message = str(caught.value)
    assert field in message
    for word in words:
        assert word in message, f"{word!r} missing from: {message}"


def test_the_learners_example_nodes_zero_is_a_value_error():
    with pytest.raises(ValueError, match=r"nodes must be a whole number from 1 to 64, got 0"):
        Scenario(nodes=0)


@pytest.mark.parametrize(
    ("event", "field"),
    [
        (lambda: Crash(-1, 10.0), "Crash.node"),
        (lambda: Crash(1, -2.0), "Crash.at"),
        (lambda: Restart(1, math.nan), "Restart.at"),
        (lambda: Restart("one", 1.0), "Restart.node"),
        (lambda: ScaleTo(65, 1.0), "ScaleTo.nodes"),
        (lambda: ScaleTo(3, 1.0, drain=-1), "ScaleTo.drain"),
    ],
)
def test_bad_events_name_their_field(event, field):
    with pytest.raises((TypeError, ValueError), match=field.replace(".", r"\.")):
        event()


def test_numbers_are_normalised_not_clamped():
    scenario = Scenario(nodes=np.int64(4), arrival_rate=3, events=[Crash(np.int32(1), 5)])
    assert type(scenario.nodes) is int and scenario.nodes == 4
    assert type(scenario.arrival_rate) is float and scenario.arrival_rate == 3.0
    assert scenario.events == (Crash(1, 5.0),)
    assert type(scenario.events[0].at) is float


def test_scenarios_are_frozen_and_replace_checks_again():
    scenario = Scenario()
    with pytest.raises(AttributeError):
        scenario.nodes = 5  # type: ignore[misc]
    assert scenario.replace(nodes=5).nodes == 5
    assert scenario.nodes == 3
    with pytest.raises(ValueError, match="nodes"):
        scenario.replace(nodes=0)
    with pytest.raises(TypeError, match=r"nodez.*Did you mean 'nodes'"):
        scenario.replace(nodez=5)


def test_a_crash_of_a_node_that_scaling_removed_is_refused_by_replace():
    scenario = Scenario(nodes=4, events=(Crash(3, 10.0),))
    with pytest.raises(ValueError, match="node=3 does not exist"):
        scenario.replace(nodes=3)


def test_a_sample_interval_that_would_record_too_many_rows_is_refused_with_the_lowest_that_fits():
    with pytest.raises(ValueError, match="timeline rows") as refused:
        Scenario(duration=3_000.0, sample_interval=0.01)
    assert "at least 0.015 seconds" in str(refused.value)


def test_a_timeline_too_wide_to_keep_is_refused_with_the_interval_that_fits():
    # rows x columns: 64 nodes make 331 columns, so 200,000 rows would keep 66 million values
    with pytest.raises(ValueError, match="331 columns") as refused:
        Scenario(nodes=64, duration=200_000.0, sample_interval=1.0)
    assert "at least 6.62 seconds" in str(refused.value)
    assert Scenario(nodes=64, duration=200_000.0, sample_interval=6.7).nodes == 64
    assert Scenario(nodes=3, duration=200_000.0, sample_interval=1.0).nodes == 3
