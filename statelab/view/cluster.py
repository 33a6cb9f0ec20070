"""The cluster view: the balancer, one box a node, the store and the lost carts, at one moment.

:class:`ClusterView` is made once for a run and an ``ax``; moving it to another moment
changes its artists' data and never makes new ones, so a time slider can scrub a run
quickly (and a dashboard can blit only :attr:`ClusterView.artists`).
"""

from __future__ import annotations

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.patches import FancyBboxPatch, Rectangle

from statelab.sim.result import Result
from statelab.view.style import DEAD, LOST, new_axes, node_colour


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
    """

    def __init__(self, result: Result, ax: Axes) -> None:
        self.ax = ax
        self.result = result
        self.slots: list[dict] = []
        self.artists: list = []
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_axis_off()
        self._layout(result)
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
        self._columns = {
            name: timeline[name].to_numpy()
            for name in timeline.columns
            if not name.startswith("status_")
        }
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
        ax.add_patch(
            FancyBboxPatch(
                (0.3, 0.84),
                0.4,
                0.08,
                boxstyle="round,pad=0.005",
                facecolor="#F2F2F2",
                edgecolor="#555555",
            )
        )
        ax.text(
            0.5,
            0.88,
            f"load balancer · {scenario.affinity.replace('_', ' ')}",
            ha="center",
            va="center",
            fontsize=base * 1.1,
        )
        self.links = LineCollection([], linewidths=1.0, colors="#999999")
        ax.add_collection(self.links)
        self.artists.append(self.links)
        for k in range(n):
            x = 0.05 + k * width
            box = Rectangle(
                (x + 0.08 * width, 0.42),
                0.84 * width,
                0.3,
                linewidth=1.5,
                edgecolor=node_colour(k),
                facecolor="none",
            )
            busy = Rectangle((x + 0.16 * width, 0.44), 0.3 * width, 0.0, facecolor=node_colour(k))
            queue = Rectangle(
                (x + 0.54 * width, 0.44),
                0.3 * width,
                0.0,
                facecolor=node_colour(k),
                alpha=0.35,
                hatch="///",
            )
            label = ax.text(x + width / 2, 0.40, "", ha="center", va="top", fontsize=size)
            lost = ax.text(
                x + width / 2,
                0.13,
                "",
                ha="center",
                va="top",
                fontsize=size,
                color=LOST,
                fontweight="bold",
            )
            for artist in (box, busy, queue):
                ax.add_patch(artist)
            self.slots.append(
                {
                    "x": x + width / 2,
                    "box": box,
                    "busy": busy,
                    "queue": queue,
                    "label": label,
                    "lost": lost,
                }
            )
            self.artists += [box, busy, queue, label, lost]
        (self.lost_marks,) = ax.plot(
            [], [], linestyle="none", marker="X", markersize=base * 1.4, color=LOST
        )
        self.artists.append(self.lost_marks)
        self.store = None
        if scenario.state == "store":
            ax.add_patch(
                FancyBboxPatch(
                    (0.2, 0.0),
                    0.6,
                    0.06,
                    boxstyle="round,pad=0.005",
                    facecolor="#F2F2F2",
                    edgecolor="#555555",
                )
            )
            self.store = ax.text(0.5, 0.03, "", ha="center", va="center", fontsize=base)
            self.artists.append(self.store)
        self.title = ax.text(
            0.0,
            1.0,
            "",
            ha="left",
            va="top",
            fontsize=base * 1.2,
            transform=ax.transAxes,
            fontweight="bold",
        )
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
    when there is one, and the carts lost from each node in vermillion under it.
    """
    ax = new_axes(ax, (8, 4))
    timeline = result.timeline
    if time is None:
        index = len(timeline) - 1
    else:
        index = int(np.searchsorted(timeline["time"].to_numpy(), time, side="right") - 1)
    ClusterView(result, ax).show(index)
    return ax
