"""Hardening: anything a room full of people can type or click is refused clearly or works."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import math
import random

import matplotlib.pyplot as plt
import numpy as np
import pytest
from conftest import CountingSimulate, scenarios
from hypothesis import HealthCheck, given, settings

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
from statelab.widgets import NO_CRASH, Lab, scenario_from_controls

NASTY = [math.nan, math.inf, -math.inf, -1, -0.5, 10**12, 1e300, "3", None, True, [1], {}]

NUMERIC_FIELDS = [
    f.name for f in dataclasses.fields(Scenario) if f.type in ("float", "int", "float | Trace")
]


def bad_scenario_inputs():
    for field, value in itertools.product(NUMERIC_FIELDS, NASTY):
        if field == "seed" and value == 10**12:
            continue  # a big seed is a fine seed
        yield field, value
    for field in ("balancer", "affinity", "state", "session_length", "store_update"):
        for value in ("", "STICKY", "sticky ", 3, None, ["none"]):
            yield field, value
    for field, value in [
        ("store_persistent", 1),
        ("store_persistent", "yes"),
        ("failures", "often"),
        ("autoscale", True),
        ("events", None),
        ("events", Crash(0, 1.0)),
        ("retry_budget", -0.1),
        ("retry_budget", 1.5),
        ("retry_budget", "0.2"),
        ("retry_jitter", "jitter"),
        ("retry_jitter", True),
    ]:
        yield field, value


BAD_SCENARIOS = list(bad_scenario_inputs())

BAD_EVENTS = [
    (lambda: Crash(0, math.nan), "Crash.at"),
    (lambda: Crash(1.5, 3), "Crash.node"),
    (lambda: Crash(None, 3), "Crash.node"),
    (lambda: Restart(0, math.inf), "Restart.at"),
    (lambda: ScaleTo(0, 3), "ScaleTo.nodes"),
    (lambda: ScaleTo(3, "now"), "ScaleTo.at"),
    (lambda: ScaleTo(3, 1, drain=math.nan), "ScaleTo.drain"),
    (lambda: StoreOutage(5, 0), "StoreOutage.duration"),
    (lambda: StoreOutage(-1, 5), "StoreOutage.at"),
    (lambda: StoreOutage(5, 5, mode="DOWN"), "StoreOutage.mode"),
    (lambda: RandomFailures(0, 5), "RandomFailures.mtbf"),
    (lambda: RandomFailures(5, math.inf), "RandomFailures.mttr"),
    (lambda: Autoscale(target=0), "Autoscale.target"),
    (lambda: Autoscale(target=1.5), "Autoscale.target"),
    (lambda: Autoscale(min_nodes=5, max_nodes=2), "Autoscale.min_nodes"),
    (lambda: Autoscale(interval=0), "Autoscale.interval"),
    (lambda: Autoscale(boot_time=-1), "Autoscale.boot_time"),
    (lambda: Scenario(events=(Crash(0, 130.0),)), "Crash.at=130"),
    (lambda: Scenario(events=(StoreOutage(500.0, 1.0),)), "StoreOutage.at=500"),
    (lambda: Scenario(events=(Crash(7, 1.0),)), "Crash.node=7"),
    (lambda: Scenario(nodes=2, autoscale=Autoscale(min_nodes=3, max_nodes=5)), "min_nodes=3"),
    (lambda: Scenario(arrival_rate="flash_sale", duration=1e3), "trace of 900 seconds"),
]


def test_the_bad_input_tables_hold_every_case_they_state():
    # every numeric field of Scenario is probed (a field whose type changed would drop out)
    assert NUMERIC_FIELDS == [
        "arrival_rate",
        "requests_per_session",
        "think_time",
        "service_time",
        "nodes",
        "workers",
        "health_check_delay",
        "retries",
        "retry_backoff",
        "retry_backoff_cap",
        "write_at",
        "tabs",
        "vnodes",
        "cookie_limit",
        "cookie_bytes_per_item",
        "cookie_cost_per_kb",
        "store_latency",
        "store_workers",
        "duration",
        "warmup",
        "sample_interval",
        "seed",
    ]
    # 22 fields x 12 nasty values, less the big seed (263); 5 choices x 6 values (30); 11 more
    assert len(BAD_SCENARIOS) == 263 + 30 + 11
    assert len(BAD_EVENTS) == 22


@pytest.mark.parametrize(("field", "value"), BAD_SCENARIOS)
def test_a_bad_scenario_value_is_refused_naming_the_field(field, value):
    with pytest.raises((ValueError, TypeError)) as caught:
        Scenario(**{field: value})
    assert field in str(caught.value)


@pytest.mark.parametrize(("make", "words"), BAD_EVENTS)
def test_a_bad_event_or_policy_is_refused_naming_the_field(make, words):
    with pytest.raises((ValueError, TypeError), match=words.replace(".", r"\.")):
        make()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_the_timeline_agrees_with_the_request_records(scenario):
    result = simulate(scenario)
    requests, timeline = result.requests, result.timeline
    start = requests["start"].to_numpy()
    end = requests["done"].fillna(np.inf).to_numpy()  # the node's side: busy until it is done
    node = requests["node"].to_numpy()
    served = ~np.isnan(start)
    began = result.sessions["start"].to_numpy()
    ended = result.sessions["end"].fillna(np.inf).to_numpy()
    for _, row in timeline.iloc[:: max(1, len(timeline) // 15)].iterrows():
        t = row["time"]
        for k in range(scenario.max_nodes()):
            here = served & (node == k)
            strict = np.count_nonzero(here & (start < t) & (end > t))
            edge = np.count_nonzero(here & ((start == t) | (end == t)))
            assert strict <= row[f"busy_{k}"] <= strict + edge, (t, k)
        # the sessions active at t, counted from the session records
        strict = np.count_nonzero((began < t) & (ended > t))
        edge = np.count_nonzero((began == t) | (ended == t))
        assert strict <= row["active_sessions"] <= strict + edge, t


# -- the Lab: every combination of controls ----------------------------------------

CONTROL_VALUES = {
    "nodes": [1, 2, 12],
    "workers": [1, 16],
    "arrival_rate": [0.5, 40.0],
    "balancer": ["round_robin", "random", "least_connections", "two_choices"],
    "affinity": ["none", "sticky", "ip_hash", "source_hash", "consistent_hash"],
    "state": ["server", "cookie", "store", "replicated"],
    "crash": [NO_CRASH, ("first", 0.0), ("last", 60.0), ("last", 120.0)],
    "failures": [False, True],
    "autoscale": [False, True],
}


def control_values(combo: dict) -> dict:
    """The Lab's control values for one combination of CONTROL_VALUES."""
    values = {name: value for name, value in combo.items() if name != "crash"}
    crash = combo["crash"]
    if crash == NO_CRASH:
        values.update(crash_node=NO_CRASH, crash_at=60.0)
    else:
        which, at = crash
        values.update(crash_node=0 if which == "first" else combo["nodes"] - 1, crash_at=at)
    return values


def set_controls(lab, combo):
    values = control_values(combo)
    with lab.own_changes():
        for name, value in values.items():
            if name != "crash_node":
                lab.controls[name].value = value
        lab.controls["crash_node"].value = values["crash_node"]


def test_every_combination_of_controls_makes_a_scenario_or_a_clear_message():
    names = list(CONTROL_VALUES)
    refused = tried = 0
    for values in itertools.product(*CONTROL_VALUES.values()):
        tried += 1
        combo = dict(zip(names, values, strict=True))
        try:
            scenario = scenario_from_controls(Scenario(), control_values(combo))
        except (ValueError, TypeError) as error:
            refused += 1
            assert "Crash.at=120" in str(error)  # the one combination that cannot run
            continue
        assert scenario.nodes == combo["nodes"] and scenario.state == combo["state"]
        assert (scenario.autoscale is not None) == combo["autoscale"]
    # 3 x 2 x 2 x 4 x 4 x 4 x 4 x 2 x 2 = 12,288 combinations; exactly the quarter with
    # the crash at 120 s (the end of the run) is refused
    assert tried == 15_360  # 3 x 2 x 2 x 4 x 5 x 4 x 4 x 2 x 2
    assert refused == 3_840  # a quarter: every combination with the crash at 120 s


def test_a_sample_of_combinations_runs_in_the_lab_without_a_traceback():
    lab = Lab()
    rng = random.Random(7)
    names = list(CONTROL_VALUES)
    for _ in range(25):
        combo = {name: rng.choice(values) for name, values in CONTROL_VALUES.items()}
        set_controls(lab, dict(zip(names, [combo[n] for n in names], strict=True)))
        lab._changed()
        lab.wait()
        if lab.message.value:
            assert "Not run:" in lab.message.value and "Crash.at=120" in lab.message.value
        else:
            assert lab.scenario.nodes == combo["nodes"]
            assert lab.result.scenario == lab.scenario
            assert "Sessions lost" in lab.readout.value


def test_a_burst_in_a_running_loop_runs_once_and_ends_with_the_final_controls_shown():
    changes = [("nodes", 5), ("nodes", 2), ("nodes", 7), ("nodes", 4), ("state", "store")]
    fake = CountingSimulate()
    lab = Lab(simulate=fake)
    runs, updates = len(fake.calls), lab.updates

    async def burst():
        for name, value in changes:
            lab.controls[name].value = value
        assert len(fake.calls) == runs  # in a running loop nothing runs during the burst
        await asyncio.sleep(0)  # the loop runs the update the Lab scheduled (call_soon)

    asyncio.run(burst())
    assert len(fake.calls) - runs == 1 < len(changes)  # coalesced: one run for five changes
    assert lab.updates - updates == 1
    assert fake.calls[-1] == lab.scenario == lab.result.scenario
    assert (lab.scenario.nodes, lab.scenario.state) == (4, "store")
    meta = lab.view.payload_meta  # what the page draws: four nodes and a session store
    assert (meta["nodes"], meta["store"]) == (4, True) and lab.view.result is lab.result


def test_a_run_where_nothing_is_served_still_has_its_tables_and_plots():
    from statelab import plots

    result = simulate(Scenario(nodes=1, events=(Crash(0, 0.0),), duration=30.0))
    assert result.summary()["ok"] == 0 and math.isnan(result.summary()["latency_p95"])
    windows = result.windows()
    assert windows["latency_p95"].isna().all() and (windows["throughput"] == 0).all()
    plots.timeline(result)
    plots.cluster_view(result)
    lab = Lab(Scenario(nodes=1, events=(Crash(0, 0.0),), duration=30.0))
    assert "none served" in lab.readout.value
    plt.close("all")
