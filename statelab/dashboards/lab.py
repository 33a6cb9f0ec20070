"""The Lab: the main dashboard, where a learner moves a control and watches the cluster answer.

Controls for the cluster, the load, the balancer, affinity and where state lives, a
crash, random failures and autoscaling, and a preset picker; one figure with the cluster
view on the left and the run over time on the right; a time slider and a Play button
that scrub through the recorded run (the cluster view moves without simulating again); a
readout with the key numbers as text; and, for presenters, one-click moments (crash a
node now, scale out now, a store outage now).

Drawing uses ipympl in a kernel and blitting: the still parts of the figure are drawn
once per run, and a scrub (or a run whose axes stay) redraws only what moves.
"""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as widgets
import matplotlib

from statelab.dashboards.controls import (
    NO_CRASH,
    RANGES,
    controls_from_scenario,
    scenario_from_controls,
)
from statelab.dashboards.dashboard import Dashboard
from statelab.dashboards.readout import readout_html
from statelab.sim.events import ScaleTo, StoreOutage
from statelab.sim.presets import presets
from statelab.sim.records import LOST_CAUSES
from statelab.sim.result import Result
from statelab.sim.scenario import AFFINITIES, BALANCERS, STATE_LOCATIONS, Scenario
from statelab.sim.simulation import DEFAULT_LIMIT, simulate
from statelab.view.cluster import ClusterView
from statelab.view.panels import OverTimePanel
from statelab.view.style import CAUSE_COLOURS, LOST, PALETTE

YOUR_OWN = "(your own)"


class Lab(Dashboard):
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
        Why the controls could not be run, or what they changed to show a preset.
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
        self._show_in_controls(self._base)
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
        nodes, workers, rate = RANGES["nodes"], RANGES["workers"], RANGES["arrival_rate"]
        return {
            "preset": widgets.Dropdown(
                options=[YOUR_OWN, *presets()],
                value=YOUR_OWN,
                description="preset",
                layout=wide,
                style=style,
            ),
            "nodes": widgets.IntSlider(
                value=3,
                min=nodes.low,
                max=nodes.high,
                description="web servers",
                continuous_update=False,
                layout=wide,
                style=style,
            ),
            "workers": widgets.IntSlider(
                value=4,
                min=workers.low,
                max=workers.high,
                description="workers / node",
                continuous_update=False,
                layout=wide,
                style=style,
            ),
            "arrival_rate": widgets.FloatSlider(
                value=5.0,
                min=rate.low,
                max=rate.high,
                step=rate.step,
                description="shoppers / s",
                continuous_update=False,
                layout=wide,
                style=style,
            ),
            "balancer": widgets.Dropdown(
                options=list(BALANCERS), description="balancer", layout=wide, style=style
            ),
            "affinity": widgets.Dropdown(
                options=list(AFFINITIES), description="affinity", layout=wide, style=style
            ),
            "state": widgets.Dropdown(
                options=list(STATE_LOCATIONS),
                description="state lives in",
                layout=wide,
                style=style,
            ),
            "crash_node": widgets.Dropdown(
                options=[NO_CRASH],
                value=NO_CRASH,
                description="crash node",
                layout=wide,
                style=style,
            ),
            "crash_at": widgets.FloatSlider(
                value=60.0,
                min=0.0,
                max=120.0,
                step=5.0,
                description="crash at (s)",
                continuous_update=False,
                layout=wide,
                style=style,
            ),
            "failures": widgets.Checkbox(value=False, description="random failures", indent=False),
            "autoscale": widgets.Checkbox(value=False, description="autoscaling", indent=False),
        }

    def _values(self) -> dict:
        return {name: control.value for name, control in self.controls.items()}

    def _show_in_controls(self, scenario: Scenario) -> None:
        """Show ``scenario`` in the controls without running anything."""
        values, self.notes = controls_from_scenario(scenario)
        c = self.controls
        with self.own_changes():
            for name in (
                "nodes",
                "workers",
                "balancer",
                "affinity",
                "state",
                "failures",
                "autoscale",
            ):
                c[name].value = values[name]
            trace = values["trace"]
            c["arrival_rate"].disabled = trace is not None
            c["arrival_rate"].description = "trace" if trace else "shoppers / s"
            if trace is None:
                c["arrival_rate"].value = values["arrival_rate"]
            self._update_crash_options(values["nodes"])
            c["crash_at"].max = values["crash_at_max"]
            c["crash_node"].value = values["crash_node"]
            c["crash_at"].value = values["crash_at"]

    def _update_crash_options(self, nodes: int) -> None:
        control = self.controls["crash_node"]
        current = control.value
        options = [NO_CRASH, *range(nodes)]
        with self.own_changes():
            control.options = options
            control.value = current if current in options else NO_CRASH

    def _nodes_changed(self, change) -> None:
        self._update_crash_options(change["new"])

    def _preset_chosen(self, change) -> None:
        if change["new"] == YOUR_OWN:
            return
        self._base = Scenario.load(change["new"])
        self._moments = []
        self._show_in_controls(self._base)
        self._changed()

    def _scenarios(self) -> list[Scenario]:
        return [scenario_from_controls(self._base, self._values(), self._moments)]

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
        with self.own_changes():
            self.controls["crash_at"].value = round(at)
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
            grid = figure.add_gridspec(
                2,
                2,
                width_ratios=[1.25, 1],
                left=0.01,
                right=0.97,
                top=0.9,
                bottom=0.1,
                wspace=0.2,
                hspace=0.55,
            )
            self.ax_cluster = figure.add_subplot(grid[:, 0])
            self.ax_lost = figure.add_subplot(grid[0, 1])
            self.ax_latency = figure.add_subplot(grid[1, 1], sharex=self.ax_lost)
            self._lost_panel = OverTimePanel(
                self.ax_lost,
                {cause: {"color": CAUSE_COLOURS[cause], "linewidth": 2} for cause in LOST_CAUSES},
                "sessions lost",
            )
            self._latency_panel = OverTimePanel(
                self.ax_latency,
                {
                    "p50": {"color": PALETTE[0], "linestyle": ":"},
                    "p95": {"color": PALETTE[0]},
                    "p99": {"color": PALETTE[0], "linestyle": "--"},
                },
                "latency (s)",
                "time (s)",
                label_moments=False,
                legend_at="upper right",
            )
            self.ax_lost.tick_params(labelbottom=False)
            self._cursors = [self._lost_panel.cursor, self._latency_panel.cursor]

    def _show(self, scenarios: list[Scenario], results: list[Result]) -> None:
        (self.scenario,), (self.result,) = scenarios, results
        result = self.result
        self.readout.value = readout_html(result)  # first: the numbers reach the page first
        with matplotlib.rc_context(self._rc):
            full = not self.updates
            if self._clusters and self._clusters[0].fits(result):
                cluster = self._clusters[0]
                cluster.bind(result)
            else:
                self.ax_cluster.clear()
                cluster = ClusterView(result, self.ax_cluster)
                full = True
            self._clusters = [cluster]
            full = self._update_panels(result) or full
            self._blitter.animate(
                [*cluster.artists, *self._lost_panel.moving(), *self._latency_panel.moving()]
            )
            samples = len(result.timeline)
            self._reset_time(samples, self._time_index if self.updates else None)
            self._move_cursors(self._time_index)
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
            result,
            lost,
            f"{total} of {result.session_count} shoppers lost their cart"
            if total
            else "No shopper lost a cart",
            LOST if total else "black",
            max(5.0, total * 1.15),
        )
        windows = result.windows()
        ends = windows["time"].to_numpy()
        latency = {
            name: (ends, windows[f"latency_{name}"].to_numpy()) for name in ("p50", "p95", "p99")
        }
        peak = float(windows["latency_p99"].max())
        p95 = float(windows["latency_p95"].max())
        changed |= self._latency_panel.update(
            result,
            latency,
            f"p95 latency peaks at {p95:.2f} s" if p95 == p95 else "No request served",
            "black",
            max(0.5, peak * 1.1) if peak == peak else 1.0,
        )
        return changed

    def _make_layout(self) -> widgets.Widget:
        c = self.controls
        moments = []
        for text, action in (
            ("Crash node 2 now", self.crash_now),
            ("Scale to 6 now", self.scale_now),
            ("Store outage now", self.store_outage_now),
            ("Clear moments", self.clear_moments),
        ):
            button = widgets.Button(description=text, layout=widgets.Layout(width="150px"))
            button.on_click(lambda _, act=action: act())
            moments.append(button)
        left = widgets.VBox(
            [c["preset"], c["nodes"], c["workers"], c["arrival_rate"], c["balancer"]]
        )
        right = widgets.VBox(
            [
                c["affinity"],
                c["state"],
                c["crash_node"],
                c["crash_at"],
                widgets.HBox([c["failures"], c["autoscale"]]),
            ]
        )
        parts = [widgets.HBox([left, right]), widgets.HBox(moments), self.readout, self.message]
        if self._view is not None:
            parts.append(self._view)
        parts.append(widgets.HBox([self.play, self.time, self.time_label]))
        box = widgets.VBox(parts)
        box.add_class("statelab-lab")
        return box
