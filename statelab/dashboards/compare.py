"""Compare: two runs that differ in one choice, with the same seed, side by side.

The same shop twice, say with the carts in server memory on the left and in a shared
store on the right: two animated cluster views side by side, compact, whose time, play
and speed are linked in the browser (scrub one, the other follows), each with its own
charts over time and "so far" numbers.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import ClassVar

import ipywidgets as widgets
from matplotlib.figure import Figure

from statelab.dashboards.animated import AnimatedCluster
from statelab.dashboards.dashboard import Dashboard
from statelab.dashboards.readout import readout_html
from statelab.sim.result import Result
from statelab.sim.scenario import AFFINITIES, BALANCERS, STATE_LOCATIONS, Scenario
from statelab.sim.simulation import DEFAULT_LIMIT, simulate
from statelab.view.over_time import lost_over_time
from statelab.view.playback import chart_tops


class Compare(Dashboard):
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
        "state": STATE_LOCATIONS,
        "affinity": AFFINITIES,
        "balancer": BALANCERS,
        "nodes": tuple(range(1, 13)),
    }
    figure_size = (11.0, 6.0)
    presenter_size = (14.0, 7.6)

    def __init__(
        self,
        scenario: Scenario | None = None,
        field: str = "state",
        values: tuple = ("server", "store"),
        *,
        presenter: bool | None = None,
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
            "field": widgets.Dropdown(
                options=list(self.choices), value=field, description="compare", style=style
            ),
            "left": widgets.Dropdown(
                options=options, value=values[0], description="left", style=style
            ),
            "right": widgets.Dropdown(
                options=options, value=values[1], description="right", style=style
            ),
        }
        self.controls["field"].observe(self._field_chosen, names="value")
        self.controls["left"].observe(self._changed, names="value")
        self.controls["right"].observe(self._changed, names="value")
        self.views = [AnimatedCluster(presenter=self.presenter, compact=True) for _ in range(2)]
        left, right = self.views
        for trait in ("time", "playing", "speed"):  # one clock for both, kept in the browser
            widgets.jslink((left, trait), (right, trait))
        for view in self.views:
            view.layout = widgets.Layout(width="50%")
        self.widget = widgets.VBox(
            [
                widgets.HBox(list(self.controls.values())),
                self.message,
                self.readout,
                widgets.HBox(self.views),
            ]
        )
        self.widget.add_class("statelab-compare")
        self._changed()
        self.wait()

    def _field_chosen(self, change) -> None:
        options = list(self.choices[change["new"]])
        with self.own_changes():
            for side, value in (("left", options[0]), ("right", options[min(1, len(options) - 1)])):
                self.controls[side].options = options
                self.controls[side].value = value
        self._changed()

    def _scenarios(self) -> list[Scenario]:
        field = self.controls["field"].value
        return [
            self._base.replace(**{field: self.controls[side].value}) for side in ("left", "right")
        ]

    def _chart_tops(self, packed: list[dict]) -> dict:
        """Both sides on one scale: each chart's top is the higher of the two runs' (138
        carts lost beside 40 must not look the same height)."""
        tops = [chart_tops(p["meta"]["panels"]) for p in packed]
        return {key: max(t[key] for t in tops) for key in ("lost", "latency")}

    def _show(self, scenarios: list[Scenario], results: list[Result]) -> None:
        self.scenarios = scenarios
        field = self.controls["field"].value
        self.readout.value = "<br>".join(
            f"<b>{html.escape(field)} = {html.escape(str(getattr(s, field)))}</b> · "
            + readout_html(r, wrap=False)
            for s, r in zip(scenarios, results, strict=True)
        )

    def _draw_figure(self, figure: Figure) -> None:
        field = self.controls["field"].value
        axes = figure.subplots(1, 2, sharey=True)
        for ax, scenario, result in zip(axes, self.scenarios, self.results, strict=True):
            lost_over_time(result, ax)
            ax.set_title(
                f"{field} = {getattr(scenario, field)}: " + ax.get_title(loc="left"),
                loc="left",
                color=ax.title.get_color(),
            )
