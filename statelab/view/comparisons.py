"""Distributions and comparisons: hot spots, latency against Erlang C, losses against theory,
two runs side by side, and a metric against a swept field with its confidence band."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from statelab import theory as closed_forms
from statelab.runs.confidence import interval
from statelab.sim.result import Result
from statelab.view.over_time import latency_over_time, lost_over_time
from statelab.view.style import LOST, PALETTE, THEORY_STYLE, new_axes, node_colour


def load_by_node(result: Result, ax: Axes | None = None) -> Axes:
    """Each node's share of the work (busy seconds), against the even share 1/N: hot spots."""
    ax = new_axes(ax)
    shares = result.work_by_node()
    nodes = shares.index.to_numpy()
    ax.bar(nodes, shares.to_numpy(), color=[node_colour(k) for k in nodes])
    serving = max(1, int((shares > 0).sum()))
    even = 1.0 / serving
    ax.axhline(even, label=f"even share 1/{serving}", **THEORY_STYLE)
    hottest = int(shares.idxmax())
    ax.set_title(
        f"Node {hottest} did {shares.max() / even:.2f}x its even share of the work", loc="left"
    )
    ax.set_xlabel("node")
    ax.set_ylabel("share of the work")
    ax.set_xticks(nodes)
    ax.legend(frameon=False)
    return ax


def latency_distribution(result: Result, ax: Axes | None = None, bins: int = 50) -> Axes:
    """A histogram of the served requests' latency, with the M/M/c density where it applies.

    The theory curve is drawn for a one-node scenario whose sessions send one
    request each, with the state on the server and no events: exactly an
    M/M/c queue (Erlang C).
    """
    ax = new_axes(ax)
    requests = result.requests
    served = requests[
        requests["outcome"].isin(["ok", "state_lost"])
        & (requests["arrival"] >= result.scenario.warmup)
    ]
    latency = (served["end"] - served["arrival"]).to_numpy()
    ax.hist(latency, bins=bins, density=True, color=PALETTE[4], label="simulated")
    scenario = result.scenario
    applies = (
        scenario.nodes == 1
        and scenario.requests_per_session == 1
        and not scenario.events
        and scenario.state == "server"
        and scenario.failures is None
        and scenario.autoscale is None
        and scenario.trace() is None
    )
    if applies and len(latency):
        try:
            xs = np.linspace(0, float(np.percentile(latency, 99.5)), 200)
            ys = [
                closed_forms.mmc_latency_density(
                    x, scenario.arrival_rate, scenario.service_time, scenario.workers
                )
                for x in xs
            ]
            ax.plot(xs, ys, label=f"theory: M/M/{scenario.workers} (Erlang C)", **THEORY_STYLE)
        except ValueError:  # an unstable queue has no steady state
            pass
    mean = float(np.mean(latency)) if len(latency) else float("nan")
    ax.set_title(
        f"Mean latency {mean:.3f} s, p95 {np.percentile(latency, 95):.3f} s"
        if len(latency)
        else "No request served",
        loc="left",
    )
    ax.set_xlabel("latency (s)")
    ax.set_ylabel("density (1/s)")
    ax.legend(frameon=False)
    return ax


def lost_share(result: Result, ax: Axes | None = None) -> Axes:
    """The share of the sessions active at the first event that lost their cart, next to theory.

    Theory (:func:`statelab.theory.expected_lost_share`) is drawn as a
    dashed line where a closed form exists: 1/N for a sticky crash,
    (N-1)/N for a crash under modulo hashing, N/(N+1) against 1/(N+1) for
    a scale-out, 0 for state outside the servers.
    """
    ax = new_axes(ax, (5, 4))
    first = result.scenario.first_event()
    if first is None:
        raise ValueError("lost_share needs a scenario with an event (a Crash or a ScaleTo)")
    at = first.at
    active = result.active_at(at)
    measured = float(active["lost_state"].mean()) if len(active) else 0.0
    ax.bar([0], [measured], color=LOST, width=0.5, label="simulated")
    expected = closed_forms.expected_lost_share(result.scenario)
    if expected is not None:
        ax.axhline(expected, label=f"theory {expected:.2f}", **THEORY_STYLE)
    ax.set_xlim(-0.75, 0.75)
    ax.set_ylim(0, 1)
    ax.set_xticks([0])
    ax.set_xticklabels([f"{len(active)} active at {at:g} s"])
    ax.set_ylabel("share of active sessions lost")
    ax.set_title(
        f"{measured:.0%} of the active shoppers lost their cart",
        loc="left",
        color=LOST if measured else "black",
    )
    ax.legend(frameon=False, loc="upper right")
    return ax


def compare(
    first: Result,
    second: Result,
    axes: Sequence[Axes] | None = None,
    labels: tuple[str, str] | None = None,
) -> list[Axes]:
    """Two runs side by side: sessions lost and p95 latency over time, the same scales.

    ``labels`` name the two runs (by default, what differs between their scenarios).
    """
    if axes is None:
        _, grid = plt.subplots(
            2, 2, figsize=(11, 6), sharex=True, sharey="row", layout="constrained"
        )
        axes = [grid[0, 0], grid[0, 1], grid[1, 0], grid[1, 1]]
    labels = labels or difference(first.scenario, second.scenario)
    for column, (result, label) in enumerate(zip((first, second), labels, strict=True)):
        lost_over_time(result, axes[column])
        latency_over_time(result, axes[2 + column])
        axes[column].set_title(
            f"{label}\n{axes[column].get_title(loc='left')}",
            loc="left",
            color=axes[column].title.get_color(),
        )
    most = max(int(r.timeline["sessions_lost"].iloc[-1]) for r in (first, second))
    for ax in axes[:2]:
        ax.set_ylim(0, max(5, most * 1.15))
    return list(axes)


def difference(first, second) -> tuple[str, str]:
    """Short labels for two scenarios: the fields in which they differ."""
    changed = [
        f.name
        for f in dataclasses.fields(first)
        if getattr(first, f.name) != getattr(second, f.name) and f.name != "events"
    ]
    if not changed:
        return ("first", "second")

    def label(scenario) -> str:
        return ", ".join(f"{name}={getattr(scenario, name)}" for name in changed[:2])

    return label(first), label(second)


def metric_against(
    frame: pd.DataFrame,
    field: str,
    metric: str,
    *,
    theory: Callable[[float], float] | None = None,
    theory_label: str = "theory",
    level: float = 0.95,
    label: str | None = None,
    colour: str = PALETTE[0],
    ax: Axes | None = None,
) -> Axes:
    """Draw ``metric`` against a swept ``field``: the mean over seeds and its confidence band.

    Parameters
    ----------
    frame : pandas.DataFrame
        A table from :func:`statelab.sweep`: one row per value and seed.
    field, metric : str
        The swept column (x axis) and a summary column (y axis).
    theory : callable, optional
        The closed form, value of ``field`` -> expected ``metric``; drawn
        dashed where it is defined (it may raise ``ValueError``, e.g. for an
        unstable queue, and is left out there).
    level : float
        Coverage of the Student-t band, 0.95 for 95%.
    """
    ax = new_axes(ax)
    for column in (field, metric):
        if column not in frame.columns:
            raise ValueError(f"the table has no column {column!r}; it has {list(frame.columns)}")
    rows = []
    for value, group in frame.groupby(field, sort=True):
        values = group[metric].dropna().tolist()
        if len(values) >= 2 and max(values) > min(values):
            rows.append((value, *interval(values, level)))
        elif values:
            rows.append((value, values[0], values[0], values[0]))
    table = pd.DataFrame(rows, columns=[field, "low", "mean", "high"])
    name = label or metric.replace("_", " ")
    ax.plot(table[field], table["mean"], marker="o", color=colour, label=f"{name} (mean)")
    ax.fill_between(
        table[field],
        table["low"],
        table["high"],
        color=colour,
        alpha=0.25,
        label=f"{level:.0%} confidence band",
    )
    if theory is not None:
        xs, ys = [], []
        for value in table[field]:
            try:
                ys.append(theory(value))
                xs.append(value)
            except ValueError:
                continue
        if xs:
            ax.plot(xs, ys, marker="x", label=theory_label, **THEORY_STYLE)
    ax.set_xlabel(field.replace("_", " "))
    ax.set_ylabel(name)
    if np.issubdtype(table[field].dtype, np.integer):
        ax.set_xticks(table[field])
    ax.legend(frameon=False)
    return ax
