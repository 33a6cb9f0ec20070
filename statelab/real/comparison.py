"""The real run beside the simulation: does the model tell what the real shop does?

:func:`compare` runs a Scenario twice over: simulated under several seeds (with
:func:`statelab.replicate`, so each number comes with a Student-t confidence interval of its
mean and the spread of single runs) and once for real (:func:`statelab.real.run`). A real run
is one run, as one seed of the simulation is; so the question is whether it lands where single
simulated runs land (the seeds' range), and how far from their mean.

The numbers compared are the course's: the share of sessions that lost their cart (and, with an
event, the share of the shoppers active at it), failed requests, duplicate items, and the
latency percentiles p50 and p95 in model seconds. The simulation has no network, the real shop
has one: for latency the table also gives the real percentile with each request's own HTTP
overhead taken off (its latency at the client minus its time at its node, queue and work:
``result.real["overhead"]``, :meth:`~statelab.real.assemble.RealResult.latency_less_overhead`),
so a slow request's tail is not mixed with a typical request's overhead, and the plot shows
both.

``compare`` takes the function that makes the real run (``run``, :func:`statelab.real.run` by
default), so a test or a notebook can put any run beside the simulation, and this module
sits above the run's machinery with no arrow back.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from statelab.real import controller
from statelab.real.registry import check, notice_delay
from statelab.runs.confidence import interval
from statelab.runs.replications import replicate
from statelab.view.colours import REAL_RUN

#: The numbers compared: (summary key or derived name, label, is a latency).
METRICS = (
    ("lost_share", "sessions that lost their cart (share)", False),
    ("event_lost_share", "shoppers active at the first event who lost it (share)", False),
    ("failed", "failed requests", False),
    ("duplicate_items", "duplicate items", False),
    ("latency_p50", "latency p50 (model s)", True),
    ("latency_p95", "latency p95 (model s)", True),
)


@dataclass
class Comparison:
    """A real run beside the simulation's runs of the same Scenario.

    Attributes
    ----------
    table : pandas.DataFrame
        One row a metric: ``metric``, ``label``, ``sim_low``, ``sim_mean``, ``sim_high`` (the
        confidence interval of the simulated mean), ``sim_min`` and ``sim_max`` (the range of
        the single simulated runs), ``real``, ``real_minus_overhead`` (latency only: the
        percentile of the real requests each less its own HTTP overhead, else the real
        value) and ``within`` (whether
        the real value, less its overhead for latency, is inside the simulated runs' range).
    real : Result
        The real run.
    replications : Replications
        The simulated runs.
    simulated : Scenario
        The Scenario simulated: the real run's, with the ``health_check_delay`` its
        balancer took on average to stop sending a crashed node requests (0 for an
        announced crash). The simulation has no balancer retries: with them, requests the
        simulation fails may succeed for real (and lose their cart without a failure).
    """

    table: object
    real: object
    replications: object
    simulated: object = None

    def plot(self, axes=None):
        """Draw the comparison (see :func:`plot_comparison`); returns the figure."""
        return plot_comparison(self, axes)

    def _repr_html_(self) -> str:
        return self.table.to_html(index=False, float_format=lambda v: f"{v:.3g}")


def _derived(summary: dict) -> dict:
    """The compared numbers of one run's summary."""
    sessions = summary["sessions"]
    return {
        "lost_share": summary["sessions_lost"] / sessions if sessions else math.nan,
        "event_lost_share": summary["event_lost_share"],
        "failed": summary["failed"],
        "duplicate_items": summary["duplicate_items"],
        "latency_p50": summary["latency_p50"],
        "latency_p95": summary["latency_p95"],
    }


def compare(
    scenario,
    seeds=10,
    time_scale: float = 0.2,
    balancer: str = "embedded",
    store: str = "sqlite",
    *,
    crash: str = "detected",
    balancer_retries: int = 0,
    redispatch: bool = False,
    executor=None,
    progress: bool = False,
    run: Callable = controller.run,
) -> Comparison:
    """Simulate ``scenario`` under ``seeds`` and run it for real once; return a
    :class:`Comparison` (its ``table``, and ``plot()`` to draw it).

    ``seeds`` is a number of seeds or the seeds themselves, as for :func:`statelab.replicate`
    (at least 2); the real run uses the scenario's own seed. ``time_scale``, ``balancer``,
    ``store``, ``crash``, ``balancer_retries`` and ``redispatch`` are
    :func:`statelab.real.run`'s; ``executor`` and ``progress`` are
    :func:`statelab.replicate`'s. ``run(scenario, time_scale, balancer, store, crash=...,
    balancer_retries=..., redispatch=...)`` makes the real run and returns its
    :class:`~statelab.real.assemble.RealResult` (default: :func:`statelab.real.run`).

    The simulation plays the scenario with the ``health_check_delay`` the real balancer
    takes on average to notice a crash (:func:`statelab.real.registry.notice_delay`).
    """
    check(scenario, time_scale, balancer, store, crash, balancer_retries, redispatch)
    delay = notice_delay(scenario, time_scale, crash, balancer)
    simulated_as = scenario.replace(health_check_delay=delay)
    replications = replicate(simulated_as, seeds, executor, progress=progress)
    summaries = replications.summaries
    if len(summaries) < 2:
        raise ValueError(f"seeds must give at least 2 simulated runs, got {len(summaries)}")
    real = run(
        scenario,
        time_scale,
        balancer,
        store,
        crash=crash,
        balancer_retries=balancer_retries,
        redispatch=redispatch,
    )
    measured = _derived(real.summary())
    overhead = real.real.get("http_overhead", math.nan)
    # each request less its own overhead, where the run measured it
    own = real.latency_less_overhead() if hasattr(real, "latency_less_overhead") else {}
    simulated = pd.DataFrame([_derived(row) for row in summaries.to_dict("records")])
    rows = []
    for metric, label, latency in METRICS:
        values = simulated[metric].to_numpy(dtype=float)
        values = values[~np.isnan(values)]
        if metric == "event_lost_share" and scenario.first_event() is None:
            continue
        if len(values) >= 2:
            low, mean, high = interval(values.tolist())
        else:
            low = mean = high = float(values[0]) if len(values) else math.nan
        value = float(measured[metric])
        if latency and metric in own:
            less = own[metric]
        else:
            less = value - overhead if latency and overhead == overhead else value
        lowest = float(values.min()) if len(values) else math.nan
        highest = float(values.max()) if len(values) else math.nan
        rows.append(
            {
                "metric": metric,
                "label": label,
                "sim_low": low,
                "sim_mean": mean,
                "sim_high": high,
                "sim_min": lowest,
                "sim_max": highest,
                "real": value,
                "real_minus_overhead": less,
                "within": bool(lowest <= less <= highest) if less == less else False,
            }
        )
    return Comparison(pd.DataFrame(rows), real, replications, simulated_as)


def plot_comparison(comparison: Comparison, axes=None):
    """One small panel a metric: the simulated runs (grey dots), the confidence interval of
    their mean (a black bar), the real run (a blue diamond) and, for latency, the real
    requests each less its own HTTP overhead (a hollow blue diamond). Returns the figure."""
    table = comparison.table
    summaries = comparison.replications.summaries
    simulated = [_derived(row) for row in summaries.to_dict("records")]
    count = len(table)
    if axes is None:
        figure, axes = plt.subplots(1, count, figsize=(2.3 * count, 3.0), squeeze=False)
        axes = axes[0]
    else:
        figure = axes[0].figure
    overhead = comparison.real.real.get("http_overhead", math.nan)
    for ax, row in zip(axes, table.to_dict("records"), strict=False):
        values = [run[row["metric"]] for run in simulated]
        ax.plot([0] * len(values), values, "o", color="0.7", markersize=4, label="simulated runs")
        ax.errorbar(
            [0.25],
            [row["sim_mean"]],
            yerr=[[row["sim_mean"] - row["sim_low"]], [row["sim_high"] - row["sim_mean"]]],
            fmt="s",
            color="black",
            capsize=4,
            label="simulated mean, 95% CI",
        )
        ax.plot([0.6], [row["real"]], "D", color=REAL_RUN, label="real run")
        latency = row["metric"].startswith("latency")
        if latency and overhead == overhead:
            ax.plot(
                [0.6],
                [row["real_minus_overhead"]],
                "D",
                markerfacecolor="none",
                color=REAL_RUN,
                label=f"real, each less its HTTP overhead (median {overhead:.3f} s)",
            )
        ax.set_xlim(-0.4, 1.0)
        ax.set_xticks([])
        ax.set_title(textwrap.fill(row["label"], 24), fontsize=8)
        shown = [v for v in (*values, row["real"], row["sim_high"]) if v == v]
        top = max(shown, default=1.0)
        # room above the highest point, so the real run's diamond is never cut in half
        ax.set_ylim(min(0.0, ax.get_ylim()[0]), top * 1.15 if top > 0 else 1.0)
    handles, labels = [], []
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            if label not in labels and not label.startswith("real, each less"):
                handles.append(handle)
                labels.append(label)
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            if label.startswith("real, each less") and label not in labels:
                handles.append(handle)
                labels.append(label)
    figure.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize=8, frameon=False)
    real = comparison.real.real
    figure.suptitle(
        f"real run ({real.get('balancer')}, time scale {real.get('time_scale'):g}) beside "
        f"{len(simulated)} simulated runs",
        fontsize=10,
    )
    figure.tight_layout(rect=(0, 0.08, 1, 0.93))
    return figure
