"""The Lab's controls and a Scenario, mapped both ways by pure functions.

A dashboard is a view of a :class:`~statelab.Scenario`: each control stands for a field
(or, for the crash controls, for the scenario's first :class:`~statelab.Crash`). These
functions hold that mapping, with no widget in sight, so tests and notebooks can use it
directly and the Lab only moves values between its widgets and them:

- :func:`scenario_from_controls`: the controls' values (and the presenter's one-click
  moments) applied to a base scenario -> the scenario to run;
- :func:`controls_from_scenario`: a scenario -> the values to show, and a note for every
  value that the controls cannot show exactly (so the Lab can say what it changed).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from statelab.sim.events import Autoscale, Crash, RandomFailures
from statelab.sim.scenario import Scenario

#: The crash control's value for "no crash".
NO_CRASH = "none"
#: Random failures the Lab switches on: a node fails every minute on average, 15 s to repair.
LAB_FAILURES = RandomFailures(mtbf=60.0, mttr=15.0)


@dataclass(frozen=True)
class Range:
    """What a numeric control can show: ``low`` to ``high`` in steps of ``step``."""

    low: float
    high: float
    step: float = 1.0


#: The ranges of the Lab's numeric controls.
RANGES = {
    "nodes": Range(1, 12),
    "workers": Range(1, 16),
    "arrival_rate": Range(0.5, 40.0, 0.5),
}


def autoscale_for(nodes: int) -> Autoscale:
    """The autoscaler the Lab switches on for a cluster of ``nodes`` nodes."""
    return Autoscale(
        target=0.6,
        min_nodes=min(nodes, 2),
        max_nodes=max(nodes, 12),
        interval=10.0,
        boot_time=15.0,
        scale_down_window=60.0,
        drain=30.0,
    )


def first_crash(scenario: Scenario) -> Crash | None:
    """The scenario's earliest :class:`Crash` (the one the crash controls stand for)."""
    crashes = [e for e in scenario.events if isinstance(e, Crash)]
    return min(crashes, key=lambda e: e.at) if crashes else None


def scenario_from_controls(
    base: Scenario, values: Mapping[str, object], moments: Sequence = ()
) -> Scenario:
    """The scenario the controls describe: ``base`` with the controls' ``values`` applied.

    Parameters
    ----------
    base : Scenario
        What the controls do not cover (duration, think time, other events, ...).
    values : mapping
        Control name -> value: ``nodes``, ``workers``, ``arrival_rate`` (sessions a
        second; ignored when ``base`` follows a workload trace), ``balancer``,
        ``affinity``, ``state``, ``crash_node`` (a node number or :data:`NO_CRASH`),
        ``crash_at`` (seconds), ``failures`` and ``autoscale`` (bool).
    moments : sequence of events
        One-click moments a presenter added (scale-outs, store outages).

    Raises
    ------
    ScenarioError
        When the combination is not a valid scenario (a :class:`ScenarioTypeError` for a
        value of the wrong kind); the message names the field.
    """
    nodes = values["nodes"]
    replaced = first_crash(base)
    events = [e for e in base.events if e is not replaced]
    if values["crash_node"] != NO_CRASH:
        events.append(Crash(values["crash_node"], values["crash_at"]))
    events += list(moments)
    autoscale = None
    if values["autoscale"]:
        kept = base.autoscale
        fits = kept is not None and kept.min_nodes <= nodes <= kept.max_nodes
        autoscale = kept if fits else autoscale_for(nodes)
    changes = {
        "nodes": nodes,
        "workers": values["workers"],
        "balancer": values["balancer"],
        "affinity": values["affinity"],
        "state": values["state"],
        "events": tuple(sorted(events, key=lambda e: e.at)),
        "failures": (base.failures or LAB_FAILURES) if values["failures"] else None,
        "autoscale": autoscale,
    }
    if base.trace() is None:
        changes["arrival_rate"] = values["arrival_rate"]
    return base.replace(**changes)


def controls_from_scenario(
    scenario: Scenario, ranges: Mapping[str, Range] = RANGES
) -> tuple[dict[str, object], list[str]]:
    """The control values that show ``scenario``, and what they could not show exactly.

    Returns
    -------
    values : dict
        Control name -> value, as :func:`scenario_from_controls` takes them, plus
        ``crash_at_max`` (the run's duration: the crash slider's end) and ``trace`` (the
        workload trace's name, or None when the rate is a number).
    notes : list of str
        One sentence for each value moved to fit a control ("nodes=20 is more than the
        slider's 12: the Lab runs 12"), empty when the controls show the scenario as it is.
    """
    notes = []

    def fit(name: str, value: float) -> float:
        span = ranges[name]
        shown = min(max(value, span.low), span.high)
        shown = span.low + round((shown - span.low) / span.step) * span.step
        shown = type(value)(shown) if isinstance(value, int) else float(shown)
        if shown != value:
            inside = span.low <= value <= span.high
            why = (
                f"not a step of {span.step:g}"
                if inside
                else (f"outside the control's {span.low:g} to {span.high:g}")
            )
            notes.append(f"{name}={value:g} is {why}: the Lab runs {name}={shown:g}")
        return shown

    trace = scenario.trace().name if scenario.trace() is not None else None
    crash = first_crash(scenario)
    values = {
        "nodes": fit("nodes", scenario.nodes),
        "workers": fit("workers", scenario.workers),
        "arrival_rate": None if trace else fit("arrival_rate", scenario.arrival_rate),
        "balancer": scenario.balancer,
        "affinity": scenario.affinity,
        "state": scenario.state,
        "crash_node": crash.node if crash else NO_CRASH,
        "crash_at": crash.at if crash else min(60.0, scenario.duration / 2),
        "crash_at_max": scenario.duration,
        "failures": scenario.failures is not None,
        "autoscale": scenario.autoscale is not None,
        "trace": trace,
    }
    if crash is not None and crash.node >= values["nodes"]:
        notes.append(f"the crash of node {crash.node} is beyond the nodes the Lab runs: no crash")
        values["crash_node"] = NO_CRASH
    return values, notes


#: The main controls, in the order their neighbours are run ahead (see
#: :mod:`statelab.dashboards.ahead`): the sliders first, one step either way, then each other
#: choice of the dropdowns.
MAIN_SLIDERS = ("nodes", "arrival_rate", "workers")
MAIN_CHOICES = ("affinity", "state", "crash_node")


def nearby_values(
    values: Mapping[str, object],
    choices: Mapping[str, Sequence],
    ranges: Mapping[str, Range] = RANGES,
) -> list[dict[str, object]]:
    """The control values one move away from ``values``: each main slider one step down
    and up (within its range), then each other choice of each main dropdown.

    ``choices`` maps a dropdown's name to its options. A move of ``nodes`` also leaves the
    crash at "none" when its node would no longer exist, as the Lab's crash control does.
    """
    found = []
    for name in MAIN_SLIDERS:
        span = ranges[name]
        for step in (span.step, -span.step):
            value = values[name] + step
            if span.low <= value <= span.high:
                moved = {**values, name: type(values[name])(value)}
                if name == "nodes" and moved["crash_node"] not in (NO_CRASH, *range(moved[name])):
                    moved["crash_node"] = NO_CRASH
                found.append(moved)
    for name in MAIN_CHOICES:
        for option in choices[name]:
            if option != values[name]:
                found.append({**values, name: option})
    return found
