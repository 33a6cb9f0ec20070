"""Plots: pictures of results, each drawn on a matplotlib ``ax`` that it returns.

Every function takes what it draws (a Result, two Results, or a table of
summaries) and an optional ``ax``; without one it makes a figure of its own.
None of them calls ``plt.show()`` or changes matplotlib's global style, so
they compose into dashboards and notebooks alike.

Conventions, the same in every figure of the course:

- colours come from the Okabe-Ito palette, which people with the common forms
  of colour blindness can tell apart; node k always has ``node_colour(k)``;
- a dead node is grey, a booting one hatched, a draining one dashed;
- lost carts are red (the one colour kept for them) and marked with an X;
- theory is black and dashed;
- titles state the finding ("36 of 619 shoppers lost their cart"), axes
  carry units.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.patches import FancyBboxPatch, Rectangle

from statelab import theory as closed_forms
from statelab.confidence import interval
from statelab.events import Crash, Restart, ScaleTo, StoreOutage
from statelab.result import LOST_CAUSES, Result

#: The Okabe-Ito palette (colour-blind safe), in the order nodes take it.
PALETTE = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#000000",  # black
)
LOST = "#D55E00"  # vermillion: lost carts, and nothing else
DEAD = "#B0B0B0"  # grey: a node that is down
THEORY_STYLE = {"color": "black", "linestyle": "--", "linewidth": 1.5}
CAUSE_COLOURS = dict(
    zip(LOST_CAUSES, ("#D55E00", "#CC79A7", "#E69F00", "#0072B2", "#009E73", "#56B4E9"),
        strict=True)
)  # fmt: skip


def node_colour(node: int) -> str:
    """The colour of node ``node`` in every figure of the course."""
    return PALETTE[node % len(PALETTE)]


def _axes(ax: Axes | None, size: tuple[float, float] = (7, 4)) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=size)
    return ax


# -- the cluster view ---------------------------------------------------------


class ClusterView:
    """The cluster at one moment, drawn as boxes: balancer, nodes, store, lost carts.

    Made once for a result and an ax; :meth:`show` moves it to another
    moment by changing its artists, never making new ones, so a time slider
    can scrub through a run quickly (and blit only :attr:`artists`).

    Parameters
    ----------
    result : Result
        The run to show.
    ax : matplotlib.axes.Axes
        Where to draw; its limits are fixed and its axis is hidden.
    animated : bool
        Mark the moving artists as animated, for blitting.
    """

    def __init__(self, result: Result, ax: Axes, *, animated: bool = False) -> None:
        self.ax = ax
        self.result = result
        self.slots: list[dict] = []
        self.artists: list = []
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_axis_off()
        self._layout(result)
        self._animated = animated
        for artist in self.artists:
            artist.set_animated(animated)
        self.bind(result)
        self.show(0)

    def fits(self, result: Result) -> bool:
        """Whether this view's layout (nodes, balancer label, store) can show ``result`` too."""
        old, new = self.result.scenario, result.scenario
        return (old.max_nodes(), old.affinity, old.state == "store") == (
            new.max_nodes(),
            new.affinity,
            new.state == "store",
        )

    def bind(self, result: Result) -> None:
        """Show ``result`` from now on (its layout must fit, see :meth:`fits`)."""
        self.result = result
        timeline = result.timeline
        self._columns = {name: timeline[name].to_numpy() for name in timeline.columns
                         if not name.startswith("status_")}  # fmt: skip
        self._status = [timeline[f"status_{k}"].astype(str).to_numpy() for k in range(self.n)]
        self._workers = result.scenario.workers

    def _layout(self, result: Result) -> None:
        ax = self.ax
        scenario = result.scenario
        n = scenario.max_nodes()
        self.n = n
        width = 0.9 / n
        base = float(matplotlib.rcParams["font.size"])
        size = base * (1.1 if n <= 4 else 0.95 if n <= 8 else 0.8)
        self._label_size = size
        ax.add_patch(FancyBboxPatch((0.3, 0.84), 0.4, 0.08, boxstyle="round,pad=0.005",
                                    facecolor="#F2F2F2", edgecolor="#555555"))  # fmt: skip
        ax.text(0.5, 0.88, f"load balancer · {scenario.affinity.replace('_', ' ')}",
                ha="center", va="center", fontsize=base * 1.1)  # fmt: skip
        self.links = LineCollection([], linewidths=1.0, colors="#999999")
        ax.add_collection(self.links)
        self.artists.append(self.links)
        for k in range(n):
            x = 0.05 + k * width
            box = Rectangle((x + 0.08 * width, 0.42), 0.84 * width, 0.3, linewidth=1.5,
                            edgecolor=node_colour(k), facecolor="none")  # fmt: skip
            busy = Rectangle((x + 0.16 * width, 0.44), 0.3 * width, 0.0,
                             facecolor=node_colour(k))  # fmt: skip
            queue = Rectangle((x + 0.54 * width, 0.44), 0.3 * width, 0.0,
                              facecolor=node_colour(k), alpha=0.35, hatch="///")  # fmt: skip
            label = ax.text(x + width / 2, 0.40, "", ha="center", va="top", fontsize=size)
            lost = ax.text(x + width / 2, 0.13, "", ha="center", va="top", fontsize=size,
                           color=LOST, fontweight="bold")  # fmt: skip
            for artist in (box, busy, queue):
                ax.add_patch(artist)
            self.slots.append({"x": x + width / 2, "box": box, "busy": busy, "queue": queue,
                               "label": label, "lost": lost})  # fmt: skip
            self.artists += [box, busy, queue, label, lost]
        (self.lost_marks,) = ax.plot([], [], linestyle="none", marker="X", markersize=base * 1.4,
                                     color=LOST)  # fmt: skip
        self.artists.append(self.lost_marks)
        self.store = None
        if scenario.state == "store":
            ax.add_patch(FancyBboxPatch((0.2, 0.0), 0.6, 0.06, boxstyle="round,pad=0.005",
                                        facecolor="#F2F2F2", edgecolor="#555555"))  # fmt: skip
            self.store = ax.text(0.5, 0.03, "", ha="center", va="center", fontsize=base)
            self.artists.append(self.store)
        self.title = ax.text(0.0, 1.0, "", ha="left", va="top", fontsize=base * 1.2,
                             transform=ax.transAxes, fontweight="bold")  # fmt: skip
        self.artists.append(self.title)

    def show(self, index: int) -> list:
        """Show the cluster at timeline row ``index``; return the artists that changed."""
        columns = self._columns
        index = int(min(max(index, 0), len(columns["time"]) - 1))
        workers = self._workers
        segments, colours, marks = [], [], []
        for k, slot in enumerate(self.slots):
            status = self._status[k][index]
            visible = status != "removed"
            box, busy, queue = slot["box"], slot["busy"], slot["queue"]
            for artist in (box, busy, queue, slot["label"]):
                artist.set_visible(visible)
            colour = DEAD if status == "down" else node_colour(k)
            box.set_edgecolor(colour)
            box.set_facecolor("#EEEEEE" if status == "down" else "none")
            box.set_linestyle("--" if status == "draining" else "-")
            box.set_hatch(".." if status == "booting" else None)
            busy.set_height(0.26 * columns[f"busy_{k}"][index] / workers)
            queue.set_height(0.26 * min(columns[f"queued_{k}"][index] / workers, 1.0))
            slot["label"].set_text(
                f"node {k}{'' if status == 'up' else ' ' + status}\n"
                f"carts {columns[f'carts_{k}'][index]}"
            )
            slot["label"].set_color(DEAD if status == "down" else "black")
            lost = columns[f"lost_{k}"][index]
            slot["lost"].set_text(f"{lost} lost" if lost else "")
            if lost:
                marks.append((slot["x"], 0.165))
            if status in ("up", "draining"):
                segments.append([(0.5, 0.84), (slot["x"], 0.72)])
                colours.append(node_colour(k))
        self.links.set_segments(segments)
        self.links.set_color(colours)
        self.lost_marks.set_data([m[0] for m in marks], [m[1] for m in marks])
        if self.store is not None:
            self.store.set_text(
                f"session store · busy {columns['store_busy'][index]} · "
                f"queue {columns['store_queued'][index]}"
            )
        lost, up = columns["sessions_lost"][index], columns["nodes_up"][index]
        self.title.set_text(
            f"t = {columns['time'][index]:.0f} s · {up} node{'s' if up != 1 else ''} up · "
            f"{columns['active_sessions'][index]} shoppers · "
            + (f"{lost} carts lost" if lost else "no cart lost")
        )
        self.title.set_color(LOST if lost else "black")
        return self.artists


def cluster_view(result: Result, time: float | None = None, ax: Axes | None = None) -> Axes:
    """Draw the cluster at ``time`` seconds (default: the end of the run).

    The balancer on top, one box a node (its busy workers as a solid bar
    filling the box when all are busy, its queue hatched, filling the box at
    one waiting request a worker; the carts it holds under its name), dead nodes
    grey, booting ones dotted, draining ones dashed, the session store below
    when there is one, and the carts lost from each node in red under it.
    """
    ax = _axes(ax, (8, 4))
    timeline = result.timeline
    if time is None:
        index = len(timeline) - 1
    else:
        index = int(np.searchsorted(timeline["time"].to_numpy(), time, side="right") - 1)
    ClusterView(result, ax).show(index)
    return ax


# -- over time ----------------------------------------------------------------


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
            text, colour = "store down", LOST
        else:  # pragma: no cover - every event kind is listed above
            continue
        ax.axvline(event.at, color=colour, linewidth=1, linestyle=":")
        if labels:
            ax.text(event.at, 1.0, f" {text}", transform=ax.get_xaxis_transform(),
                    fontsize="x-small", color=colour, va="top", ha="left")  # fmt: skip
    return ax


def lost_over_time(result: Result, ax: Axes | None = None) -> Axes:
    """Cumulative sessions lost, stacked by cause, with the events marked."""
    ax = _axes(ax)
    timeline = result.timeline
    causes = [c for c in LOST_CAUSES if timeline[f"sessions_lost_{c}"].iloc[-1] > 0]
    if causes:
        ax.stackplot(
            timeline["time"], *(timeline[f"sessions_lost_{c}"] for c in causes),
            labels=[c.replace("_", " ") for c in causes],
            colors=[CAUSE_COLOURS[c] for c in causes], alpha=0.85,
        )  # fmt: skip
        ax.legend(loc="upper left", fontsize="small", frameon=False)
    lost, total = int(timeline["sessions_lost"].iloc[-1]), len(result.sessions)
    ax.set_title(
        f"{lost} of {total} shoppers lost their cart" if lost else "No shopper lost a cart",
        color=LOST if lost else "black", loc="left",
    )  # fmt: skip
    ax.set_ylabel("sessions lost")
    ax.set_xlabel("time (s)")
    ax.set_xlim(0, result.scenario.duration)
    ax.set_ylim(0, max(5, lost * 1.15))
    return mark_moments(result, ax)


def _finish_over_time(result: Result, ax: Axes, ylabel: str, legend_at: str = "upper right",
                      ) -> Axes:  # fmt: skip
    """Label and bound an over-time panel, add its legend, and mark the events on it."""
    ax.set_ylabel(ylabel)
    ax.set_xlabel("time (s)")
    ax.set_xlim(0, result.scenario.duration)
    ax.set_ylim(bottom=0)
    ax.legend(loc=legend_at, fontsize="small", frameon=False)
    return mark_moments(result, ax)


def latency_over_time(result: Result, ax: Axes | None = None) -> Axes:
    """Latency percentiles (p50, p95, p99) in windows of the run, with the events marked."""
    ax = _axes(ax)
    windows = result.windows()
    for column, style in (("latency_p50", ":"), ("latency_p95", "-"), ("latency_p99", "--")):
        ax.plot(windows["time"], windows[column], linestyle=style, color=PALETTE[0],
                label=column.removeprefix("latency_"))  # fmt: skip
    peak = windows["latency_p95"].max()
    ax.set_title(f"p95 latency peaks at {peak:.2f} s" if peak == peak else "No request served",
                 loc="left")  # fmt: skip
    return _finish_over_time(result, ax, "latency (s)")


def throughput_over_time(result: Result, ax: Axes | None = None) -> Axes:
    """Requests served a second (and failed attempts a second), with the events marked."""
    ax = _axes(ax)
    windows = result.windows()
    ax.plot(windows["time"], windows["throughput"], color=PALETTE[2], label="served")
    if windows["failed"].any():
        ax.plot(windows["time"], windows["failed"], color=LOST, label="failed")
    ax.set_title(f"{result.summary()['throughput']:.1f} requests served a second on average",
                 loc="left")  # fmt: skip
    return _finish_over_time(result, ax, "requests / s")


def nodes_over_time(result: Result, ax: Axes | None = None) -> Axes:
    """Nodes up (serving), booting and down over the run, as steps."""
    ax = _axes(ax)
    timeline = result.timeline
    ax.step(timeline["time"], timeline["nodes_up"], where="post", color=PALETTE[0], label="up")
    if timeline["nodes_booting"].any():
        ax.step(timeline["time"], timeline["nodes_booting"], where="post", color=PALETTE[1],
                label="booting")  # fmt: skip
    if timeline["nodes_down"].any():
        ax.step(timeline["time"], timeline["nodes_down"], where="post", color=DEAD, label="down")
    ax.set_title(f"Between {timeline['nodes_up'].min()} and {timeline['nodes_up'].max()} "
                 f"nodes up", loc="left")  # fmt: skip
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


# -- distributions and comparisons ----------------------------------------------


def load_by_node(result: Result, ax: Axes | None = None) -> Axes:
    """Each node's share of the work (busy seconds), against the even share 1/N: hot spots."""
    ax = _axes(ax)
    shares = result.work_by_node()
    nodes = shares.index.to_numpy()
    ax.bar(nodes, shares.to_numpy(), color=[node_colour(k) for k in nodes])
    serving = max(1, int((shares > 0).sum()))
    even = 1.0 / serving
    ax.axhline(even, label=f"even share 1/{serving}", **THEORY_STYLE)
    hottest = int(shares.idxmax())
    ax.set_title(f"Node {hottest} did {shares.max() / even:.2f}x its even share of the work",
                 loc="left")  # fmt: skip
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
    ax = _axes(ax)
    requests = result.requests
    served = requests[requests["outcome"].isin(["ok", "state_lost"])
                      & (requests["arrival"] >= result.scenario.warmup)]  # fmt: skip
    latency = (served["end"] - served["arrival"]).to_numpy()
    ax.hist(latency, bins=bins, density=True, color=PALETTE[4], label="simulated")
    scenario = result.scenario
    applies = (
        scenario.nodes == 1 and scenario.requests_per_session == 1 and not scenario.events
        and scenario.state == "server" and scenario.failures is None
        and scenario.autoscale is None and not isinstance(scenario.arrival_rate, str)
    )  # fmt: skip
    if applies and len(latency):
        try:
            xs = np.linspace(0, float(np.percentile(latency, 99.5)), 200)
            ys = [closed_forms.mmc_latency_density(x, scenario.arrival_rate,
                                                   scenario.service_time, scenario.workers)
                  for x in xs]  # fmt: skip
            ax.plot(xs, ys, label=f"theory: M/M/{scenario.workers} (Erlang C)", **THEORY_STYLE)
        except ValueError:  # an unstable queue has no steady state
            pass
    mean = float(np.mean(latency)) if len(latency) else float("nan")
    ax.set_title(f"Mean latency {mean:.3f} s, p95 {np.percentile(latency, 95):.3f} s"
                 if len(latency) else "No request served", loc="left")  # fmt: skip
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
    ax = _axes(ax, (5, 4))
    events = result.scenario.events
    if not events:
        raise ValueError("lost_share needs a scenario with an event (a Crash or a ScaleTo)")
    at = events[0].at
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
    ax.set_title(f"{measured:.0%} of the active shoppers lost their cart", loc="left",
                 color=LOST if measured else "black")  # fmt: skip
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
        _, grid = plt.subplots(2, 2, figsize=(11, 6), sharex=True, sharey="row",
                               layout="constrained")  # fmt: skip
        axes = [grid[0, 0], grid[0, 1], grid[1, 0], grid[1, 1]]
    labels = labels or difference(first.scenario, second.scenario)
    for column, (result, label) in enumerate(zip((first, second), labels, strict=True)):
        lost_over_time(result, axes[column])
        latency_over_time(result, axes[2 + column])
        axes[column].set_title(f"{label}\n{axes[column].get_title(loc='left')}", loc="left",
                               color=axes[column].title.get_color())  # fmt: skip
    most = max(int(r.timeline["sessions_lost"].iloc[-1]) for r in (first, second))
    for ax in axes[:2]:
        ax.set_ylim(0, max(5, most * 1.15))
    return list(axes)


def difference(first, second) -> tuple[str, str]:
    """Short labels for two scenarios: the fields in which they differ."""
    import dataclasses

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


# -- sweeps ---------------------------------------------------------------------


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
    ax = _axes(ax)
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
        table[field], table["low"], table["high"], color=colour, alpha=0.25,
        label=f"{level:.0%} confidence band",
    )  # fmt: skip
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
