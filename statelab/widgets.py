"""Widgets: dashboards where a learner moves a control and watches the cluster answer.

:class:`Lab` is the main dashboard: controls for the cluster, the load, the
balancer, affinity and where state lives, a crash, random failures and
autoscaling, and a preset picker; one figure with the cluster view on the
left and the run over time on the right; a time slider and a Play button
that scrub through the recorded run (the cluster view animates without
simulating again); a readout with the key numbers as text; and, for
presenters, one-click moments (crash a node now, scale out now, a store
outage now). :class:`Compare` runs two scenarios that differ in one choice,
with the same seed, side by side.

How an update flows: a control changes -> a new :class:`~statelab.Scenario`
(checked; a bad combination shows a message, never a traceback) ->
:func:`~statelab.simulate` -> the figure's artists are replaced and the
figure redrawn in place (never a second figure). In a running kernel the
changes of one burst are coalesced: the update runs once, soon after the
burst, with the latest values, so a slow run never shows an old value. In a
plain script each change applies at once; :meth:`Lab.wait` applies any
pending change.

Drawing uses ipympl when it runs in a kernel (the figure is a widget that is
redrawn in place) and blitting for the time slider: the still parts of the
figure are drawn once per run, and a scrub redraws only the cluster view and
the time cursors over that cached background.
"""

from __future__ import annotations

import asyncio
import html
import io
import math
from collections.abc import Callable
from typing import ClassVar

import ipywidgets as widgets
import matplotlib
import matplotlib.image
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from statelab import plots
from statelab.events import Autoscale, Crash, RandomFailures, ScaleTo, StoreOutage
from statelab.result import LOST_CAUSES, Result
from statelab.scenario import AFFINITIES, BALANCERS, STATE_LOCATIONS, Scenario
from statelab.scenario_files import presets
from statelab.simulation import DEFAULT_LIMIT, simulate

#: Random failures the Lab switches on: a node fails every minute on average, 15 s to repair.
LAB_FAILURES = RandomFailures(mtbf=60.0, mttr=15.0)
NO_CRASH = "none"


def _autoscale_for(nodes: int) -> Autoscale:
    return Autoscale(target=0.6, min_nodes=min(nodes, 2), max_nodes=max(nodes, 12), interval=10.0,
                     boot_time=15.0, scale_down_window=60.0, drain=30.0)  # fmt: skip


def _in_kernel() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class _Blitter:
    """Redraws only the moving artists over a cached background (matplotlib's blitting).

    The background is captured on every full draw (a ``draw_event``), which
    also happens when the browser asks for one, so the moving artists never
    vanish.
    """

    def __init__(self, canvas) -> None:
        self.canvas = canvas
        self.artists: list = []
        self.background = None
        canvas.mpl_connect("draw_event", self._on_draw)

    def _on_draw(self, event) -> None:
        figure = self.canvas.figure
        self.background = self.canvas.copy_from_bbox(figure.bbox)
        self._draw_artists()

    def _draw_artists(self) -> None:
        figure = self.canvas.figure
        for artist in self.artists:
            if artist.axes is not None and artist.get_visible():
                figure.draw_artist(artist)

    def update(self) -> None:
        """Show the moving artists' new state: blit when a background is cached."""
        if self.background is None:
            self.canvas.draw()
            return
        self.canvas.restore_region(self.background)
        self._draw_artists()
        self.canvas.blit(self.canvas.figure.bbox)


class _OverTime:
    """A right-hand panel of the Lab whose artists are made once and given new data each run.

    Making a plot from scratch (clearing the axes, new lines, a new legend)
    costs about as much as drawing it; changing the data of existing lines
    costs almost nothing, so a control change only pays for the draw.
    """

    def __init__(
        self, ax, series: dict[str, dict], ylabel: str, xlabel: str = "", *,
        label_moments: bool = True, legend_at: str = "upper left",
    ) -> None:  # fmt: skip
        self.ax = ax
        self.lines = {name: ax.plot([], [], label=name.replace("_", " "), **style)[0]
                      for name, style in series.items()}  # fmt: skip
        self.marks: list = []
        self.label_moments = label_moments
        self.legend_at = legend_at
        ax.set_ylabel(ylabel)
        ax.set_xlabel(xlabel)
        ax.locator_params(axis="both", nbins=5)
        self.cursor = ax.axvline(0, color="#333333", linewidth=1)
        self.title = ax.text(0.0, 1.03, "", transform=ax.transAxes, ha="left", va="bottom",
                             fontsize="medium")  # fmt: skip

    def update(self, result: Result, data: dict, title: str, colour: str, top: float) -> bool:
        """Show a new run; return whether the axes' limits changed (a full draw is needed)."""
        ax = self.ax
        for name, line in self.lines.items():
            x, y = data.get(name, ([], []))
            line.set_data(x, y)
            line.set_visible(len(x) > 0)
        for mark in self.marks:
            mark.remove()
        before = set(ax.lines) | set(ax.texts) | set(ax.patches)
        plots.mark_moments(result, ax, labels=self.label_moments)
        self.marks = [a for a in (*ax.lines, *ax.texts, *ax.patches) if a not in before]
        visible = [line for line in self.lines.values() if line.get_visible()]
        if ax.get_legend() is not None:
            ax.get_legend().remove()
        if visible:
            ax.legend(handles=visible, loc=self.legend_at, fontsize="small", frameon=False,
                      ncols=len(visible) if self.legend_at == "upper right" else 1)  # fmt: skip
        self.title.set_text(title)
        self.title.set_color(colour)
        limits = ((0.0, result.scenario.duration), (0.0, nice_ceiling(top)))
        changed = limits != (ax.get_xlim(), ax.get_ylim())
        if changed:
            ax.set_xlim(*limits[0])
            ax.set_ylim(*limits[1])
        return changed

    def moving(self) -> list:
        """The artists that change from run to run while the axes stay (drawn by blitting)."""
        legend = self.ax.get_legend()
        return [
            *self.lines.values(),
            *self.marks,
            self.title,
            self.cursor,
            *([legend] if legend is not None else []),
        ]


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 5, 10, 20, 50, ... (times a power of ten) at or above ``value``.

    Axis limits that move in such steps stay put for most control changes,
    so the axes need not be drawn again.
    """
    if not value > 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    for step in (1.0, 2.0, 5.0, 10.0):
        if step * power >= value * (1 - 1e-12):
            return step * power
    return 10.0 * power  # pragma: no cover - the loop always returns


class _Dashboard:
    """What Lab and Compare share: the figure, the time slider, the readout, the update loop."""

    figure_size = (11.0, 5.2)
    presenter_size = (14.0, 6.8)

    def __init__(self, *, presenter: bool, simulate: Callable[..., Result], limit: int | None):
        self.presenter = presenter
        self._simulate = simulate
        self._limit = limit
        self._rc = {"font.size": 13 if presenter else 9, "axes.titlesize": "medium"}
        size = self.presenter_size if presenter else self.figure_size
        self.figure = Figure(figsize=size, dpi=80, layout=None)
        self._view, self.canvas = self._make_canvas()
        self._blitter = _Blitter(self.canvas)
        self.readout = widgets.HTML(layout=widgets.Layout(min_height="2.5em"))
        self.readout.add_class("statelab-readout")
        self.message = widgets.HTML()
        self.message.add_class("statelab-message")
        self.time = widgets.IntSlider(value=0, min=0, max=1, description="time", readout=False,
                                      continuous_update=True,
                                      layout=widgets.Layout(width="420px"))  # fmt: skip
        self.time_label = widgets.Label("t = 0 s")
        self.play = widgets.Play(value=0, min=0, max=1, step=1, interval=100,
                                 description="Play", show_repeat=False)  # fmt: skip
        widgets.jslink((self.play, "value"), (self.time, "value"))
        self.time.observe(self._on_time, names="value")
        self._syncing = False  # controls being set from code: no run for each of them
        self._syncing_time = False  # the time slider being reset after a run
        self._time_index = 0  # the timeline row shown now
        self._generation = 0
        self._shown = -1
        self._scheduled = False
        self.updates = 0  # how many times the figure was redrawn for a new run
        self.full_draws = 0  # how many of those drew the whole figure (the others blitted)
        self._cursors: list = []
        self._clusters: list = []

    # -- canvas -----------------------------------------------------------

    def _make_canvas(self):
        if _in_kernel():
            try:
                from ipympl.backend_nbagg import Canvas, FigureManager
            except ImportError:  # pragma: no cover - ipympl is a dependency
                pass
            else:
                canvas = Canvas(self.figure)
                canvas.manager = FigureManager(canvas, 0)
                canvas.header_visible = False
                canvas.footer_visible = False
                canvas.toolbar_visible = False
                canvas.resizable = False
                canvas._closed = False
                # The page asks for the picture when it shows the canvas. Without this, a draw
                # made before that leaves a bare base64 string where the page expects a data
                # URL, and the browser shows no figure at all ("broken" image).
                canvas.syncing_data_url = False
                return canvas, canvas
            image = widgets.Image(format="png")
            return image, FigureCanvasAgg(self.figure)
        return None, FigureCanvasAgg(self.figure)

    def _draw(self) -> None:
        with matplotlib.rc_context(self._rc):
            self.canvas.draw()
        self._push_image()

    def _push_image(self) -> None:
        if isinstance(self._view, widgets.Image):
            self._view.value = self.png()

    def png(self) -> bytes:
        """What the figure shows now, as PNG bytes (moving artists included)."""
        buffer = io.BytesIO()
        matplotlib.image.imsave(buffer, np.asarray(self.canvas.buffer_rgba()), format="png")
        return buffer.getvalue()

    # -- the update loop --------------------------------------------------

    def _changed(self, change=None) -> None:
        """A control changed: update now (no event loop) or once the burst is over."""
        if self._syncing:
            return
        self._generation += 1
        loop = _running_loop()
        if loop is None:
            self._apply()
        elif not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._apply_scheduled)

    def _apply_scheduled(self) -> None:
        self._scheduled = False
        if self._shown != self._generation:
            self._apply()

    def wait(self) -> None:
        """Return when what is shown matches the controls (apply a pending change now)."""
        if self._shown != self._generation:
            self._apply()

    def _apply(self) -> None:
        generation = self._generation
        try:
            scenarios = self._scenarios()
            results = [self._simulate(s, limit=self._limit) for s in scenarios]
        except (ValueError, TypeError) as error:  # a bad combination: say so, keep the last run
            self.message.value = (
                f"<div style='color:#B00020'><b>Not run:</b> {html.escape(str(error))}</div>"
            )
            self._shown = generation
            return
        self.message.value = ""
        self._show(scenarios, results)
        self._shown = generation
        self.updates += 1

    def _show(self, scenarios: list[Scenario], results: list[Result]) -> None:
        raise NotImplementedError

    def _scenarios(self) -> list[Scenario]:
        raise NotImplementedError

    # -- time -------------------------------------------------------------

    def _reset_time(self, samples: int, index: int | None = None) -> None:
        self._syncing_time = True
        last = max(samples - 1, 1)
        self.play.max = self.time.max = last
        value = last if index is None else min(index, last)
        self.play.value = self.time.value = value
        self._syncing_time = False
        self._time_index = value

    def _on_time(self, change) -> None:
        self._time_index = change["new"]
        if self._syncing_time:
            return
        self._scrub(change["new"])

    def _scrub(self, index: int) -> None:
        """Move the cluster view and the time cursors to timeline row ``index`` (blitted)."""
        with matplotlib.rc_context(self._rc):
            for cluster in self._clusters:
                cluster.show(index)
            time = self._clusters[0].result.timeline["time"].iloc[
                min(index, len(self._clusters[0].result.timeline) - 1)]  # fmt: skip
            for cursor in self._cursors:
                cursor.set_xdata([time, time])
            self.time_label.value = f"t = {time:.0f} s"
            self._blitter.update()
        self._push_image()

    def _animate(self, artists: list) -> None:
        for artist in artists:
            artist.set_animated(True)
        self._blitter.artists = artists

    # -- display ----------------------------------------------------------

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


class Lab(_Dashboard):
    """The main dashboard: move a control, watch the cluster answer.

    Parameters
    ----------
    scenario : Scenario, optional
        Where the controls start (default: ``Scenario()``, about 3,600 requests).
    presenter : bool
        Larger fonts and figure, for a room.
    simulate : callable
        The simulation to run (tests pass a slow or counting fake).
    limit : int or None
        The size limit of each run, as in :func:`statelab.simulate`.

    Attributes
    ----------
    controls : dict
        Scenario field name -> its widget: ``"nodes"``, ``"workers"``,
        ``"arrival_rate"``, ``"balancer"``, ``"affinity"``, ``"state"``,
        ``"failures"``, ``"autoscale"``, plus ``"crash_node"``,
        ``"crash_at"`` and ``"preset"``. Setting ``.value`` goes the same
        way as a learner's move.
    scenario, result : Scenario, Result
        What is shown now.
    figure : matplotlib.figure.Figure
        The one figure, redrawn in place.
    readout : ipywidgets.HTML
        The key numbers as text: sessions lost (by cause), failed requests,
        p95 latency.
    message : ipywidgets.HTML
        Why the controls could not be run, when they cannot.
    """

    def __init__(
        self,
        scenario: Scenario | None = None,
        *,
        presenter: bool = False,
        simulate: Callable[..., Result] = simulate,
        limit: int | None = DEFAULT_LIMIT,
    ) -> None:
        super().__init__(presenter=presenter, simulate=simulate, limit=limit)
        self._base = scenario if scenario is not None else Scenario()
        self._moments: list = []
        self.controls = self._make_controls()
        self._sync_controls(self._base)
        self.controls["nodes"].observe(self._nodes_changed, names="value")  # before _changed
        for name, control in self.controls.items():
            if name != "preset":
                control.observe(self._changed, names="value")
        self.controls["preset"].observe(self._preset_chosen, names="value")
        self._layout_figure()
        self.widget = self._make_layout()
        self._changed()
        self.wait()

    # -- controls ---------------------------------------------------------

    def _make_controls(self) -> dict:
        wide = widgets.Layout(width="300px")
        style = {"description_width": "110px"}
        names = list(presets())
        return {
            "preset": widgets.Dropdown(options=["(your own)", *names], value="(your own)",
                                       description="preset", layout=wide, style=style),
            "nodes": widgets.IntSlider(value=3, min=1, max=12, description="web servers",
                                       continuous_update=False, layout=wide, style=style),
            "workers": widgets.IntSlider(value=4, min=1, max=16, description="workers / node",
                                         continuous_update=False, layout=wide, style=style),
            "arrival_rate": widgets.FloatSlider(value=5.0, min=0.5, max=40.0, step=0.5,
                                                description="shoppers / s",
                                                continuous_update=False, layout=wide,
                                                style=style),
            "balancer": widgets.Dropdown(options=list(BALANCERS), description="balancer",
                                         layout=wide, style=style),
            "affinity": widgets.Dropdown(options=list(AFFINITIES), description="affinity",
                                         layout=wide, style=style),
            "state": widgets.Dropdown(options=list(STATE_LOCATIONS), description="state lives in",
                                      layout=wide, style=style),
            "crash_node": widgets.Dropdown(options=[NO_CRASH], value=NO_CRASH,
                                           description="crash node", layout=wide, style=style),
            "crash_at": widgets.FloatSlider(value=60.0, min=0.0, max=120.0, step=5.0,
                                            description="crash at (s)", continuous_update=False,
                                            layout=wide, style=style),
            "failures": widgets.Checkbox(value=False, description="random failures",
                                         indent=False),
            "autoscale": widgets.Checkbox(value=False, description="autoscaling", indent=False),
        }  # fmt: skip

    def _sync_controls(self, scenario: Scenario) -> None:
        """Show ``scenario`` in the controls without running anything."""
        self._syncing = True
        try:
            c = self.controls
            c["nodes"].value = min(max(scenario.nodes, c["nodes"].min), c["nodes"].max)
            c["workers"].value = min(max(scenario.workers, c["workers"].min), c["workers"].max)
            trace = isinstance(scenario.arrival_rate, str)
            c["arrival_rate"].disabled = trace
            c["arrival_rate"].description = "trace" if trace else "shoppers / s"
            if not trace:
                c["arrival_rate"].value = min(scenario.arrival_rate, c["arrival_rate"].max)
            c["balancer"].value = scenario.balancer
            c["affinity"].value = scenario.affinity
            c["state"].value = scenario.state
            c["failures"].value = scenario.failures is not None
            c["autoscale"].value = scenario.autoscale is not None
            self._update_crash_options(scenario.nodes)
            crashes = [e for e in scenario.events if isinstance(e, Crash)]
            c["crash_at"].max = scenario.duration
            if crashes:
                c["crash_node"].value = crashes[0].node
                c["crash_at"].value = crashes[0].at
            else:
                c["crash_node"].value = NO_CRASH
                c["crash_at"].value = min(60.0, scenario.duration / 2)
        finally:
            self._syncing = False

    def _update_crash_options(self, nodes: int) -> None:
        control = self.controls["crash_node"]
        current = control.value
        options = [NO_CRASH, *range(nodes)]
        was = self._syncing
        self._syncing = True
        control.options = options
        control.value = current if current in options else NO_CRASH
        self._syncing = was

    def _nodes_changed(self, change) -> None:
        self._update_crash_options(change["new"])

    def _preset_chosen(self, change) -> None:
        if change["new"] == "(your own)":
            return
        self._base = Scenario.load(change["new"])
        self._moments = []
        self._sync_controls(self._base)
        self._changed()

    def _scenarios(self) -> list[Scenario]:
        c = self.controls
        base = self._base
        nodes = c["nodes"].value
        events = [e for e in base.events if not isinstance(e, Crash)]
        if c["crash_node"].value != NO_CRASH:
            events.append(Crash(c["crash_node"].value, c["crash_at"].value))
        events += self._moments
        changes = {
            "nodes": nodes,
            "workers": c["workers"].value,
            "balancer": c["balancer"].value,
            "affinity": c["affinity"].value,
            "state": c["state"].value,
            "events": tuple(sorted(events, key=lambda e: e.at)),
            "failures": (base.failures or LAB_FAILURES) if c["failures"].value else None,
            "autoscale": (base.autoscale if base.autoscale and base.autoscale.min_nodes <= nodes
                          <= base.autoscale.max_nodes else _autoscale_for(nodes))
            if c["autoscale"].value else None,
        }  # fmt: skip
        if not isinstance(base.arrival_rate, str):
            changes["arrival_rate"] = c["arrival_rate"].value
        return [base.replace(**changes)]

    # -- moments for presenters ---------------------------------------------

    def _now(self) -> float:
        timeline = self.result.timeline
        index = min(self._time_index, len(timeline) - 1)
        now = float(timeline["time"].iloc[index])
        duration = self.scenario.duration
        return now if 0 < now < duration - 1 else duration / 2

    def crash_now(self, node: int = 2) -> None:
        """One click: crash ``node`` (or the highest there is) at the time shown now."""
        at = self._now()
        self.controls["crash_at"].max = self.scenario.duration
        self._syncing = True
        self.controls["crash_at"].value = round(at)
        self._syncing = False
        self.controls["crash_node"].value = min(node, self.controls["nodes"].value - 1)
        self._changed()
        self._after_moment(at)

    def scale_now(self, nodes: int = 6) -> None:
        """One click: scale the cluster to ``nodes`` at the time shown now."""
        at = self._now()
        self._moments.append(ScaleTo(nodes, round(at)))
        self._changed()
        self._after_moment(at)

    def store_outage_now(self, duration: float = 15.0) -> None:
        """One click: move the carts to a store that goes down for ``duration`` s now."""
        at = self._now()
        self._moments.append(StoreOutage(round(at), duration))
        self.controls["state"].value = "store"
        self._changed()
        self._after_moment(at)

    def clear_moments(self) -> None:
        """Take back every one-click moment."""
        self._moments = []
        self.controls["crash_node"].value = NO_CRASH
        self._changed()

    def _after_moment(self, at: float) -> None:
        self.wait()
        times = self.result.timeline["time"]
        index = int((times < at - 5).sum())  # a few seconds before the moment
        self.time.value = max(index, 0)

    # -- the figure ---------------------------------------------------------

    def _layout_figure(self) -> None:
        figure = self.figure
        with matplotlib.rc_context(self._rc):
            grid = figure.add_gridspec(2, 2, width_ratios=[1.25, 1], left=0.01, right=0.97,
                                       top=0.9, bottom=0.1, wspace=0.2, hspace=0.55)  # fmt: skip
            self.ax_cluster = figure.add_subplot(grid[:, 0])
            self.ax_lost = figure.add_subplot(grid[0, 1])
            self.ax_latency = figure.add_subplot(grid[1, 1], sharex=self.ax_lost)
            self._lost_panel = _OverTime(
                self.ax_lost,
                {cause: {"color": plots.CAUSE_COLOURS[cause], "linewidth": 2}
                 for cause in LOST_CAUSES},
                "sessions lost",
            )  # fmt: skip
            self._latency_panel = _OverTime(
                self.ax_latency,
                {"p50": {"color": plots.PALETTE[0], "linestyle": ":"},
                 "p95": {"color": plots.PALETTE[0]},
                 "p99": {"color": plots.PALETTE[0], "linestyle": "--"}},
                "latency (s)", "time (s)", label_moments=False, legend_at="upper right",
            )  # fmt: skip
            self.ax_lost.tick_params(labelbottom=False)
            self._cursors = [self._lost_panel.cursor, self._latency_panel.cursor]

    def _show(self, scenarios: list[Scenario], results: list[Result]) -> None:
        (self.scenario,), (self.result,) = scenarios, results
        result = self.result
        self.readout.value = readout_html(
            result
        )  # first: the numbers reach the page before the picture
        with matplotlib.rc_context(self._rc):
            full = not self.updates
            if self._clusters and self._clusters[0].fits(result):
                cluster = self._clusters[0]
                cluster.bind(result)
            else:
                self.ax_cluster.clear()
                cluster = plots.ClusterView(result, self.ax_cluster)
                full = True
            self._clusters = [cluster]
            full = self._update_panels(result) or full
            self._animate([*cluster.artists, *self._lost_panel.moving(),
                           *self._latency_panel.moving()])  # fmt: skip
            samples = len(result.timeline)
            self._reset_time(samples, self._time_index if self.updates else None)
            cluster.show(self._time_index)
            time = result.timeline["time"].iloc[self._time_index]
            for cursor in self._cursors:
                cursor.set_xdata([time, time])
            self.time_label.value = f"t = {time:.0f} s"
            self.full_draws += full
            if full or self._blitter.background is None:
                self._draw()
            else:
                self._blitter.update()
                self._push_image()

    def _update_panels(self, result: Result) -> bool:
        timeline = result.timeline
        times = timeline["time"].to_numpy()
        lost = {}
        for cause in LOST_CAUSES:
            counts = timeline[f"sessions_lost_{cause}"].to_numpy()
            if counts[-1]:
                lost[cause] = (times, counts)
        total = int(timeline["sessions_lost"].iloc[-1])
        changed = self._lost_panel.update(
            result, lost,
            f"{total} of {len(result._session_records)} shoppers lost their cart" if total
            else "No shopper lost a cart",
            plots.LOST if total else "black", max(5.0, total * 1.15),
        )  # fmt: skip
        windows = result.windows()
        ends = windows["time"].to_numpy()
        latency = {name: (ends, windows[f"latency_{name}"].to_numpy())
                   for name in ("p50", "p95", "p99")}  # fmt: skip
        peak = float(windows["latency_p99"].max())
        p95 = float(windows["latency_p95"].max())
        changed |= self._latency_panel.update(
            result, latency,
            f"p95 latency peaks at {p95:.2f} s" if p95 == p95 else "No request served",
            "black", max(0.5, peak * 1.1) if peak == peak else 1.0,
        )  # fmt: skip
        return changed

    def _make_layout(self) -> widgets.Widget:
        c = self.controls
        moments = []
        for text, action in (("Crash node 2 now", self.crash_now),
                             ("Scale to 6 now", self.scale_now),
                             ("Store outage now", self.store_outage_now),
                             ("Clear moments", self.clear_moments)):  # fmt: skip
            button = widgets.Button(description=text, layout=widgets.Layout(width="150px"))
            button.on_click(lambda _, act=action: act())
            moments.append(button)
        left = widgets.VBox([c["preset"], c["nodes"], c["workers"], c["arrival_rate"],
                             c["balancer"]])  # fmt: skip
        right = widgets.VBox([c["affinity"], c["state"], c["crash_node"], c["crash_at"],
                              widgets.HBox([c["failures"], c["autoscale"]])])  # fmt: skip
        parts = [widgets.HBox([left, right]), widgets.HBox(moments), self.readout, self.message]
        if self._view is not None:
            parts.append(self._view)
        parts.append(widgets.HBox([self.play, self.time, self.time_label]))
        box = widgets.VBox(parts)
        box.add_class("statelab-lab")
        return box


class Compare(_Dashboard):
    """Two runs that differ in one choice, same seed, side by side.

    Parameters
    ----------
    scenario : Scenario, optional
        What both sides share (default: the crash preset, so the difference shows).
    field : str
        The scenario field that differs: ``"state"``, ``"affinity"``,
        ``"balancer"`` or ``"nodes"``.
    values : tuple
        Its value on the left and on the right.
    """

    choices: ClassVar[dict[str, tuple]] = {
        "state": STATE_LOCATIONS, "affinity": AFFINITIES, "balancer": BALANCERS,
        "nodes": tuple(range(1, 13)),
    }  # fmt: skip
    figure_size = (11.0, 6.0)
    presenter_size = (14.0, 7.6)

    def __init__(
        self,
        scenario: Scenario | None = None,
        field: str = "state",
        values: tuple = ("server", "store"),
        *,
        presenter: bool = False,
        simulate: Callable[..., Result] = simulate,
        limit: int | None = DEFAULT_LIMIT,
    ) -> None:
        super().__init__(presenter=presenter, simulate=simulate, limit=limit)
        if field not in self.choices:
            raise ValueError(
                f"field must be one of {', '.join(map(repr, self.choices))}, got {field!r}"
            )
        self._base = scenario if scenario is not None else Scenario.load("crash")
        options = list(self.choices[field])
        style = {"description_width": "60px"}
        self.controls = {
            "field": widgets.Dropdown(options=list(self.choices), value=field,
                                      description="compare", style=style),
            "left": widgets.Dropdown(options=options, value=values[0], description="left",
                                     style=style),
            "right": widgets.Dropdown(options=options, value=values[1], description="right",
                                      style=style),
        }  # fmt: skip
        self.controls["field"].observe(self._field_chosen, names="value")
        self.controls["left"].observe(self._changed, names="value")
        self.controls["right"].observe(self._changed, names="value")
        with matplotlib.rc_context(self._rc):
            grid = self.figure.add_gridspec(2, 2, height_ratios=[1.2, 1], left=0.05, right=0.98,
                                            top=0.93, bottom=0.08, hspace=0.35,
                                            wspace=0.15)  # fmt: skip
            self.ax_clusters = [self.figure.add_subplot(grid[0, i]) for i in range(2)]
            self.ax_lost = [self.figure.add_subplot(grid[1, i]) for i in range(2)]
        self.widget = widgets.VBox(
            [widgets.HBox(list(self.controls.values())), self.readout, self.message]
            + ([self._view] if self._view is not None else [])
            + [widgets.HBox([self.play, self.time, self.time_label])]
        )
        self.widget.add_class("statelab-compare")
        self._changed()
        self.wait()

    def _field_chosen(self, change) -> None:
        options = list(self.choices[change["new"]])
        self._syncing = True
        for side, value in (("left", options[0]), ("right", options[min(1, len(options) - 1)])):
            self.controls[side].options = options
            self.controls[side].value = value
        self._syncing = False
        self._changed()

    def _scenarios(self) -> list[Scenario]:
        field = self.controls["field"].value
        return [self._base.replace(**{field: self.controls[side].value})
                for side in ("left", "right")]  # fmt: skip

    def _show(self, scenarios: list[Scenario], results: list[Result]) -> None:
        self.scenarios, self.results = scenarios, results
        field = self.controls["field"].value
        self.readout.value = "<br>".join(
            f"<b>{html.escape(field)} = {html.escape(str(getattr(s, field)))}</b> · "
            + readout_html(r, wrap=False)
            for s, r in zip(scenarios, results, strict=True)
        )
        with matplotlib.rc_context(self._rc):
            clusters = []
            for ax in (*self.ax_clusters, *self.ax_lost):
                ax.clear()
            for side, (scenario, result) in enumerate(zip(scenarios, results, strict=True)):
                clusters.append(plots.ClusterView(result, self.ax_clusters[side]))
                plots.lost_over_time(result, self.ax_lost[side])
                self.ax_lost[side].set_title(
                    f"{field} = {getattr(scenario, field)}: "
                    + self.ax_lost[side].get_title(loc="left"), loc="left",
                    color=self.ax_lost[side].title.get_color(),
                )  # fmt: skip
            most = max(int(r.timeline["sessions_lost"].iloc[-1]) for r in results)
            for ax in self.ax_lost:
                ax.set_ylim(0, max(5, most * 1.15))
            self._cursors = [ax.axvline(0, color="#333333", linewidth=1) for ax in self.ax_lost]
            self._clusters = clusters
            self._animate([*clusters[0].artists, *clusters[1].artists, *self._cursors])
            samples = min(len(r.timeline) for r in results)
            self._reset_time(samples)
            for cluster in clusters:
                cluster.show(self._time_index)
            time = results[0].timeline["time"].iloc[self._time_index]
            for cursor in self._cursors:
                cursor.set_xdata([time, time])
            self.time_label.value = f"t = {time:.0f} s"
        self._draw()


def readout_html(result: Result, *, wrap: bool = True) -> str:
    """The key numbers of a run as one line of HTML, for people and browser tests."""
    summary = result.summary()
    causes = [f"{cause.replace('_', ' ')} {summary[f'sessions_lost_{cause}']}"
              for cause in LOST_CAUSES if summary[f"sessions_lost_{cause}"]]  # fmt: skip
    lost = summary["sessions_lost"]
    p95 = summary["latency_p95"]
    parts = [
        f"<b>Sessions lost:</b> <span class='lost'>{lost}</span> of {summary['sessions']}"
        + (f" ({', '.join(causes)})" if causes else ""),
        f"<b>Failed requests:</b> <span class='failed'>{summary['failed']}</span>",
        f"<b>p95 latency:</b> <span class='p95'>{p95:.2f}</span> s" if p95 == p95
        else "<b>p95 latency:</b> none served",
        f"<b>Utilisation:</b> {summary['utilisation']:.0%}",
    ]  # fmt: skip
    line = " · ".join(parts)
    return f"<div class='statelab-readout-line'>{line}</div>" if wrap else line
