"""The Lab: the main dashboard, where a learner moves a control and watches the cluster answer.

Controls for the cluster, the load, the balancer, affinity and where state lives, a
crash, random failures and autoscaling, and a preset picker; the animated cluster view
(:class:`~statelab.dashboards.animated.AnimatedCluster`: every request a dot, every cart a
token, the run over time as charts with a cursor, and the numbers "so far", all played in
the browser); a readout with the whole run's key numbers as text; and, for presenters,
one-click moments (crash a node now, scale out now, a store outage now), each said in the
message line with whatever it changed.

A control change runs the simulation once and hands the run to the view, which keeps its
current time; playing and scrubbing never reach the kernel.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import ipywidgets as widgets
from matplotlib.figure import Figure

from statelab.dashboards.animated import AnimatedCluster
from statelab.dashboards.controls import (
    NO_CRASH,
    RANGES,
    controls_from_scenario,
    nearby_values,
    scenario_from_controls,
)
from statelab.dashboards.dashboard import Dashboard, running_loop
from statelab.dashboards.moments import crash_words, outage_words, scale_words
from statelab.dashboards.names import SliderNames
from statelab.dashboards.readout import readout_html
from statelab.sim.errors import ScenarioError
from statelab.sim.events import Crash, ScaleTo, StoreOutage
from statelab.sim.presets import presets
from statelab.sim.result import Result
from statelab.sim.scenario import AFFINITIES, BALANCERS, STATE_LOCATIONS, Scenario
from statelab.sim.simulation import DEFAULT_LIMIT, simulate
from statelab.view.over_time import latency_over_time, lost_over_time

YOUR_OWN = "(your own)"
#: The Lab's controls, by name, in the order they are laid out.
CONTROLS = (
    "preset",
    "nodes",
    "workers",
    "arrival_rate",
    "balancer",
    "affinity",
    "state",
    "crash_node",
    "crash_at",
    "failures",
    "autoscale",
)
#: The controls whose options a notebook may narrow (its ideas so far).
NARROWED = ("balancer", "affinity", "state")

#: Presenter mode's controls: larger type, tighter rows, so that the controls, the readout
#: and the animated view fit one 1280x720 screen (the view sizes its own type).
PRESENTER_STYLE = """<style>
.statelab-presenter .widget-label, .statelab-presenter .widget-readout,
.statelab-presenter select, .statelab-presenter button,
.statelab-presenter .widget-checkbox label, .statelab-presenter .statelab-readout,
.statelab-presenter .statelab-message, .statelab-presenter .statelab-trace {font-size: 15px;}
.statelab-presenter .widget-inline-hbox {margin-top: 1px; margin-bottom: 1px;}
.statelab-presenter .widget-slider, .statelab-presenter .widget-dropdown,
.statelab-presenter .widget-button {height: 26px;}
.statelab-presenter .widget-button {line-height: 24px;}
</style>"""


class Lab(Dashboard):
    """The main dashboard: move a control, watch the cluster answer.

    Parameters
    ----------
    scenario : Scenario, optional
        Where the controls start (default: ``Scenario()``, about 3,600 requests).
    presenter : bool or None
        Larger type and compact controls, for a room; None (the default): in Voila
        (the page ``make present`` opens), not in JupyterLab.
    simulate : callable
        The simulation to run (tests pass a slow or counting fake).
    limit : int or None
        The size limit of each run, as in :func:`statelab.simulate`.
    controls : sequence of str, optional
        The controls shown, by name (see :data:`CONTROLS`); the others keep the scenario's
        values, out of sight. None (the default): every control.
    options : mapping, optional
        For ``"balancer"``, ``"affinity"`` or ``"state"``: the choices offered (a notebook's
        ideas so far; the scenario's own value must be among them). None: every choice.
    moments : bool
        Whether the one-click moments (crash now, scale now, store outage now) are shown.

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
    view : AnimatedCluster
        The run, played in the browser; ``lab.view.time`` is the model time it shows.
    figure : matplotlib.figure.Figure
        The run over time (sessions lost, latency) as one Figure, redrawn in place when
        asked for after a new run (for a slide; the page draws its own charts).
    readout : ipywidgets.HTML
        The whole run's key numbers as text: sessions lost (by cause), failed requests,
        p95 latency.
    message : ipywidgets.HTML
        Why the controls could not be run, what they changed to show a preset, or what a
        one-click moment changed besides its event.
    """

    def __init__(
        self,
        scenario: Scenario | None = None,
        *,
        presenter: bool | None = None,
        simulate: Callable[..., Result] = simulate,
        limit: int | None = DEFAULT_LIMIT,
        controls: Sequence[str] | None = None,
        options: Mapping[str, Sequence[str]] | None = None,
        moments: bool = True,
    ) -> None:
        super().__init__(presenter=presenter, simulate=simulate, limit=limit)
        self._base = scenario if scenario is not None else Scenario()
        self._visible = _checked_controls(controls)
        self._offered = _checked_options(options, self._base)
        self._with_moments = bool(moments)
        self._moments: list = []
        self._restore: dict = {}  # control -> the value it had before a moment changed it
        self._held = None  # the crash list's sync to the page, held until the run is shown
        self.view = AnimatedCluster(presenter=self.presenter)
        self.views = [self.view]
        self.trace_label = widgets.HTML()
        self.trace_label.add_class("statelab-trace")
        self.controls = self._make_controls()
        for name, allowed in self._offered.items():
            self.controls[name].options = list(allowed)
        self._show_in_controls(self._base)
        self.controls["nodes"].observe(self._nodes_changed, names="value")  # before _changed
        for name, control in self.controls.items():
            if name != "preset":
                control.observe(self._changed, names="value")
        self.controls["preset"].observe(self._preset_chosen, names="value")
        self.widget = self._make_layout()
        self._changed()
        self.wait()

    # -- controls ---------------------------------------------------------

    def _make_controls(self) -> dict:
        def wide() -> widgets.Layout:  # a layout of its own for each control (one may hide)
            return widgets.Layout(width="310px" if self.presenter else "290px")

        style = {"description_width": "130px" if self.presenter else "110px"}
        nodes, workers, rate = RANGES["nodes"], RANGES["workers"], RANGES["arrival_rate"]
        return {
            "preset": widgets.Dropdown(
                options=[YOUR_OWN, *presets()],
                value=YOUR_OWN,
                description="preset",
                layout=wide(),
                style=style,
            ),
            "nodes": widgets.IntSlider(
                value=3,
                min=nodes.low,
                max=nodes.high,
                description="web servers",
                continuous_update=False,
                layout=wide(),
                style=style,
            ),
            "workers": widgets.IntSlider(
                value=4,
                min=workers.low,
                max=workers.high,
                description="workers / node",
                continuous_update=False,
                layout=wide(),
                style=style,
            ),
            "arrival_rate": widgets.FloatSlider(
                value=5.0,
                min=rate.low,
                max=rate.high,
                step=rate.step,
                description="shoppers / s",
                continuous_update=False,
                layout=wide(),
                style=style,
            ),
            "balancer": widgets.Dropdown(
                options=list(BALANCERS), description="balancer", layout=wide(), style=style
            ),
            "affinity": widgets.Dropdown(
                options=list(AFFINITIES), description="affinity", layout=wide(), style=style
            ),
            "state": widgets.Dropdown(
                options=list(STATE_LOCATIONS),
                description="state lives in",
                layout=wide(),
                style=style,
            ),
            "crash_node": widgets.Dropdown(
                options=[NO_CRASH],
                value=NO_CRASH,
                description="crash node",
                layout=wide(),
                style=style,
            ),
            "crash_at": widgets.FloatSlider(
                value=60.0,
                min=0.0,
                max=120.0,
                step=5.0,
                description="crash at (s)",
                continuous_update=False,
                layout=wide(),
                style=style,
            ),
            "failures": widgets.Checkbox(
                value=False,
                description="random failures",
                indent=False,
                layout=widgets.Layout(width="150px"),
            ),
            "autoscale": widgets.Checkbox(
                value=False,
                description="autoscaling",
                indent=False,
                layout=widgets.Layout(width="130px"),
            ),
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
            trace = scenario.trace()
            # a trace sets the arrival rate over time: the slider gives way to its name
            shown = "arrival_rate" in self._visible
            c["arrival_rate"].layout.display = None if shown and not trace else "none"
            self.trace_label.layout.display = None if shown and trace else "none"
            self.trace_label.value = (
                f"<b>shoppers / s</b>: the <i>{trace.name}</i> trace, up to "
                f"{trace.peak:.3g} a second"
                if trace
                else ""
            )
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
        """The crash list follows the number of nodes, at once in Python. When the learner
        moved the slider in the page, the browser gets the new list after the new run, not
        while the kernel runs it: redrawing the list took the processor from the run (a
        press of "web servers" was the slowest of the main controls by 5 to 10 ms)."""
        if not self._own_changes and running_loop() is not None and self._held is None:
            self._held = self.controls["crash_node"].hold_sync()
            self._held.__enter__()  # left in _apply, once the run is shown
        self._update_crash_options(change["new"])

    def _apply(self) -> None:
        try:
            super()._apply()
        finally:
            held, self._held = self._held, None
            if held is not None:
                held.__exit__(None, None, None)  # the crash list reaches the page now

    def _preset_chosen(self, change) -> None:
        if change["new"] == YOUR_OWN:
            return
        self._base = Scenario.load(change["new"])
        self._moments, self._restore = [], {}
        self._show_in_controls(self._base)
        self._changed()

    def _scenarios(self) -> list[Scenario]:
        return [scenario_from_controls(self._base, self._values(), self._moments)]

    def _nearby(self) -> list[Scenario]:
        """The scenarios of the main controls one move away (see :mod:`..ahead`)."""
        values = self._values()
        choices = {name: self.controls[name].options for name in ("affinity", "state")}
        choices["crash_node"] = self.controls["crash_node"].options
        found = []
        for moved in nearby_values(values, choices):
            changed = {name for name in moved if moved[name] != values[name]}
            if len(changed) > 1:  # a move of nodes that also reset the crash: the nodes'
                changed.discard("crash_node")
            if not changed <= set(self._visible):  # a control out of sight: no move to make
                continue
            try:
                found.append(scenario_from_controls(self._base, moved, self._moments))
            except ScenarioError:  # a move the Lab would refuse: nothing to make
                continue
        return found

    # -- moments for presenters ---------------------------------------------

    def _now(self) -> float:
        """The moment the view shows now (whole seconds; the middle of the run at its ends)."""
        now = float(round(self.now))
        duration = self.scenario.duration
        return now if 0 < now < duration - 1 else float(round(duration / 2))

    def crash_now(self, node: int = 2) -> None:
        """One click: crash ``node`` (or the highest there is) at the time shown now.

        A crash the learner set with the controls stays; this one comes on top. The message
        says what the room will see: the carts in the node's memory that go with it, and the
        shoppers who find their cart gone by the end.
        """
        at = self._now()
        node = min(node, self.controls["nodes"].value - 1)
        self._moments.append(Crash(node, at))
        self.said.append(lambda result: crash_words(result, node, at))
        self._after_moment(at)

    def scale_now(self, nodes: int = 6) -> None:
        """One click: scale the cluster to ``nodes`` at the time shown now (the message says
        how many carts are lost after it, and why)."""
        at = self._now()
        self._moments.append(ScaleTo(nodes, at))
        self.said.append(lambda result: scale_words(result, nodes, at))
        self._after_moment(at)

    def store_outage_now(self, duration: float = 15.0) -> None:
        """One click: the session store goes down for ``duration`` s now.

        The carts must live in the store for it to matter: if they lived elsewhere, "state
        lives in" moves to store, said in the message line, and :meth:`clear_moments` moves
        it back. The message says what the outage did in the run: carts lost (none with a
        persistent store, which keeps them, and says so) and requests failed during it.
        """
        at = self._now()
        self._moments.append(StoreOutage(at, duration))
        state = self.controls["state"]
        if state.value != "store":
            was = state.value
            self.said.append(f"state lives in: store (was {was}; Clear moments puts it back)")
            self._restore.setdefault("state", state.value)
            with self.own_changes():
                state.value = "store"
        self.said.append(lambda result: outage_words(result, at, duration))
        self._after_moment(at)

    def clear_moments(self) -> None:
        """Take back every one-click moment, and the controls they changed (the crash set
        with the controls stays)."""
        self._moments = []
        if self._restore:
            with self.own_changes():
                for name, value in self._restore.items():
                    self.controls[name].value = value
            back = [f"{name} back to {value}" for name, value in self._restore.items()]
            self.said.append("; ".join(back))
            self._restore = {}
        self._changed()

    def _after_moment(self, at: float) -> None:
        """Run with the new moment and rewind the view a few seconds, to watch it come."""
        self._changed()
        self.wait()
        self.view.time = max(at - 5.0, 0.0)

    # -- the figure, for a slide -----------------------------------------------

    def _draw_figure(self, figure: Figure) -> None:
        lost, latency = figure.subplots(2, 1, sharex=True)
        lost_over_time(self.result, lost)
        latency_over_time(self.result, latency)

    def _show(self, scenarios: list[Scenario], results: list[Result]) -> None:
        (self.scenario,), (self.result,) = scenarios, results
        self.readout.value = readout_html(self.result, title="Whole run")

    def _make_layout(self) -> widgets.Widget:
        c = self.controls
        moments = []
        for text, action in (
            ("Crash node 2 now", self.crash_now),
            ("Scale to 6 now", self.scale_now),
            ("Store outage now", self.store_outage_now),
            ("Clear moments", self.clear_moments),
        ):
            # buttons as wide as their words (never cut), the learner's at least 150 px
            least = "0" if self.presenter else "150px"
            layout = widgets.Layout(width="auto", min_width=least, flex="0 0 auto")
            button = widgets.Button(description=text, layout=layout)
            button.on_click(lambda _, act=action: act())
            moments.append(button)
        left = widgets.VBox(
            [c["preset"], c["nodes"], c["workers"], c["arrival_rate"], self.trace_label]
        )
        middle = widgets.VBox([c["balancer"], c["affinity"], c["state"]])
        right = widgets.VBox(
            [c["crash_node"], c["crash_at"], widgets.HBox([c["failures"], c["autoscale"]])]
        )
        for name, control in c.items():  # a notebook's Lab shows the controls its idea needs
            if name not in self._visible:
                control.layout.display = "none"
        for column in (left, middle, right):  # columns keep their width; a narrow page wraps
            column.layout = widgets.Layout(flex="0 0 auto")
        controls = widgets.HBox(
            [left, middle, right, SliderNames()], layout=widgets.Layout(flex_flow="row wrap")
        )
        if self.presenter:
            # a room's page keeps everything above the fold: the message line shares the
            # buttons' row (it wraps there), so a moment's words do not push the view down
            self.message.layout = widgets.Layout(flex="1 1 0", margin="0 0 0 8px")
            parts = [controls, widgets.HBox([*moments, self.message]), self.readout, self.view]
        else:
            parts = [controls, widgets.HBox(moments), self.message, self.readout, self.view]
        if not self._with_moments:
            parts = [controls, self.message, self.readout, self.view]
        if self.presenter:
            parts.insert(0, widgets.HTML(PRESENTER_STYLE))
        box = widgets.VBox(parts)
        box.add_class("statelab-lab")
        if self.presenter:
            box.add_class("statelab-presenter")
        return box


def _checked_controls(controls: Sequence[str] | None) -> tuple[str, ...]:
    """The controls a Lab shows: every one for None; else the names given, each known."""
    if controls is None:
        return CONTROLS
    if isinstance(controls, str) or not all(isinstance(name, str) for name in controls):
        raise ScenarioError(
            f"Lab(controls=...) is {controls!r}; allowed: a list of names from "
            f"{', '.join(CONTROLS)}"
        )
    for name in controls:
        if name not in CONTROLS:
            raise ScenarioError(f"Lab(controls=...) names {name!r}; allowed: {', '.join(CONTROLS)}")
    return tuple(controls)


def _checked_options(
    options: Mapping[str, Sequence[str]] | None, scenario: Scenario
) -> dict[str, tuple[str, ...]]:
    """The choices a Lab offers in ``balancer``, ``affinity`` and ``state`` (none narrowed
    for None): each a subset of the scenario's, and holding the scenario's own value."""
    every = {"balancer": BALANCERS, "affinity": AFFINITIES, "state": STATE_LOCATIONS}
    offered = {}
    for name, allowed in (options or {}).items():
        if name not in NARROWED:
            raise ScenarioError(f"Lab(options=...) names {name!r}; allowed: {', '.join(NARROWED)}")
        allowed = (allowed,) if isinstance(allowed, str) else tuple(allowed)
        for value in allowed:
            if value not in every[name]:
                raise ScenarioError(
                    f"Lab(options={{{name!r}: ...}}) offers {value!r}; allowed: "
                    f"{', '.join(every[name])}"
                )
        own = getattr(scenario, name)
        if own not in allowed:
            raise ScenarioError(
                f"Lab(options={{{name!r}: ...}}) leaves out the scenario's own {name}={own!r}; "
                f"offer it too, or start from a scenario with one of {', '.join(allowed)}"
            )
        offered[name] = allowed
    return offered
