"""The run over time: sessions lost, latency, throughput and nodes up, with the events marked."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
from matplotlib.axes import Axes

from statelab.sim.events import Crash, Restart, ScaleTo, StoreOutage
from statelab.sim.records import LOST_CAUSES
from statelab.sim.result import Result
from statelab.view.style import CAUSE_COLOURS, DEAD, LOST, PALETTE, new_axes


def mark_moments(result: Result, ax: Axes, *, labels: bool = True) -> Axes:
    """Mark the scenario's events on ``ax`` with thin vertical lines (and short labels)."""
    for event in result.scenario.events:
        if isinstance(event, Crash):
            text, colour = f"crash {event.node}", LOST
        elif isinstance(event, Restart):
            text, colour = f"restart {event.node}", "#555555"
        elif isinstance(event, ScaleTo):
            text, colour = f"scale to {event.nodes}", "#555555"
        elif isinstance(event, StoreOutage):
            ax.axvspan(event.at, event.at + event.duration, color=LOST, alpha=0.08)
            text, colour = ("store hangs" if event.mode == "hang" else "store down"), LOST
        else:  # pragma: no cover - every event kind is listed above
            continue
        ax.axvline(event.at, color=colour, linewidth=1, linestyle=":")
        if labels:
            ax.text(
                event.at,
                1.0,
                f" {text}",
                transform=ax.get_xaxis_transform(),
                fontsize="x-small",
                color=colour,
                va="top",
                ha="left",
            )
    return ax


def lost_over_time(result: Result, ax: Axes | None = None) -> Axes:
    """Cumulative sessions lost, stacked by cause, with the events marked."""
    ax = new_axes(ax)
    timeline = result.timeline
    causes = [c for c in LOST_CAUSES if timeline[f"sessions_lost_{c}"].iloc[-1] > 0]
    if causes:
        ax.stackplot(
            timeline["time"],
            *(timeline[f"sessions_lost_{c}"] for c in causes),
            labels=[c.replace("_", " ") for c in causes],
            colors=[CAUSE_COLOURS[c] for c in causes],
            alpha=0.85,
        )
        ax.legend(loc="upper left", fontsize="small", frameon=False)
    lost, total = int(timeline["sessions_lost"].iloc[-1]), len(result.sessions)
    ax.set_title(
        f"{lost} of {total} shoppers lost their cart" if lost else "No shopper lost a cart",
        color=LOST if lost else "black",
        loc="left",
    )
    ax.set_ylabel("sessions lost")
    ax.set_xlabel("time (s)")
    ax.set_xlim(0, result.scenario.duration)
    ax.set_ylim(0, max(5, lost * 1.15))
    return mark_moments(result, ax)


def _finish_over_time(
    result: Result,
    ax: Axes,
    ylabel: str,
    legend_at: str = "upper right",
) -> Axes:
    """Label and bound an over-time panel, add its legend, and mark the events on it."""
    ax.set_ylabel(ylabel)
    ax.set_xlabel("time (s)")
    ax.set_xlim(0, result.scenario.duration)
    # the legend goes in one row above the lines: a quarter more room on top keeps it off them
    ax.set_ylim(0, ax.get_ylim()[1] * 1.3)
    handles, _ = ax.get_legend_handles_labels()
    ax.legend(loc=legend_at, fontsize="small", frameon=False, ncols=max(1, len(handles)))
    return mark_moments(result, ax)


def latency_over_time(result: Result, ax: Axes | None = None) -> Axes:
    """Latency percentiles (p50, p95, p99) in windows of the run, with the events marked."""
    ax = new_axes(ax)
    windows = result.windows()
    for column, style in (("latency_p50", ":"), ("latency_p95", "-"), ("latency_p99", "--")):
        ax.plot(
            windows["time"],
            windows[column],
            linestyle=style,
            color=PALETTE[0],
            label=column.removeprefix("latency_"),
        )
    peak = windows["latency_p95"].max()
    ends = windows["time"].to_numpy()
    width = float(ends[1] - ends[0]) if len(ends) > 1 else result.scenario.duration
    # the p95 of one window, not of the run: the readout's p95 is the whole run's
    ax.set_title(
        f"p95 of each {width:g} s window peaks at {peak:.2f} s"
        if peak == peak
        else "No request served",
        loc="left",
    )
    return _finish_over_time(result, ax, "latency (s)")


def throughput_over_time(result: Result, ax: Axes | None = None) -> Axes:
    """Requests served a second (and failed attempts a second), with the events marked."""
    ax = new_axes(ax)
    windows = result.windows()
    ax.plot(windows["time"], windows["throughput"], color=PALETTE[2], label="served")
    if windows["failed"].any():
        ax.plot(windows["time"], windows["failed"], color=LOST, label="failed")
    ax.set_title(
        f"{result.summary()['throughput']:.1f} requests served a second on average", loc="left"
    )
    return _finish_over_time(result, ax, "requests / s")


def attempts_over_time(result: Result, ax: Axes | None = None, width: float = 2.0) -> Axes:
    """Retry amplification: the attempts sent in each ``width``-second window per request
    first sent in it (1 with no retry), and how busy the workers of the nodes up are (a
    second scale, 0 to 1), with the events marked."""
    ax = new_axes(ax)
    requests = result.requests
    window = (requests["arrival"] // width).astype(int)
    attempts = requests.groupby(window).size()
    firsts = (requests["attempt"] == 1).groupby(window).sum()
    ratio = (attempts / firsts.where(firsts > 0)).dropna()
    ax.plot(
        (ratio.index + 1) * width, ratio.to_numpy(), color=PALETTE[0], label="attempts a request"
    )
    timeline = result.timeline
    up = timeline["nodes_up"] * result.scenario.workers
    busy = (timeline["busy"] / up.where(up > 0)).fillna(1.0)
    load = ax.twinx()
    load.plot(timeline["time"], busy, color=PALETTE[1], linestyle="--", label="busy, nodes up")
    load.set_ylim(0, 1.3)
    load.set_ylabel("share of workers busy")
    peak = float(ratio.max()) if len(ratio) else 1.0
    ax.set_title(f"up to {peak:.1f} attempts a request in a {width:g} s window", loc="left")
    handles = ax.get_legend_handles_labels()[0] + load.get_legend_handles_labels()[0]
    ax.set_ylim(0, max(2.0, peak * 1.3))
    _finish_over_time(result, ax, "attempts a request")
    ax.set_ylim(0, max(2.0, peak * 1.3))
    ax.legend(handles=handles, loc="upper right", fontsize="small", frameon=False, ncols=2)
    return ax


def nodes_over_time(result: Result, ax: Axes | None = None) -> Axes:
    """Nodes up (serving), booting and down over the run, as steps."""
    ax = new_axes(ax)
    timeline = result.timeline
    ax.step(timeline["time"], timeline["nodes_up"], where="post", color=PALETTE[0], label="up")
    if timeline["nodes_booting"].any():
        ax.step(
            timeline["time"],
            timeline["nodes_booting"],
            where="post",
            color=PALETTE[1],
            label="booting",
        )
    if timeline["nodes_down"].any():
        ax.step(timeline["time"], timeline["nodes_down"], where="post", color=DEAD, label="down")
    lowest, highest = int(timeline["nodes_up"].min()), int(timeline["nodes_up"].max())
    title = (
        f"{highest} node{'' if highest == 1 else 's'} up all the time"
        if lowest == highest
        else f"Between {lowest} and {highest} nodes up"
    )
    ax.set_title(title, loc="left")
    ax.set_ylim(0, result.scenario.max_nodes() + 0.5)
    return _finish_over_time(result, ax, "nodes")


def timeline(result: Result, axes: Sequence[Axes] | None = None) -> list[Axes]:
    """The run over time, four panels sharing the time axis; returns the four axes.

    Requests served a second, latency percentiles, nodes up, and cumulative
    sessions lost by cause, each with the events (crash, scale, outage) marked.
    """
    if axes is None:
        _, axes = plt.subplots(4, 1, figsize=(8, 9), sharex=True, layout="constrained")
    panels = (throughput_over_time, latency_over_time, nodes_over_time, lost_over_time)
    for panel, ax in zip(panels, axes, strict=True):
        panel(result, ax)
    for ax in list(axes)[:-1]:
        ax.set_xlabel("")
    return list(axes)
