"""Compare: two runs that differ in one choice, with the same seed, side by side.

The same shop twice, say with the carts in server memory on the left and in a shared
store on the right: two cluster views over one time slider, and the sessions lost over
time under each, on the same scale.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import ClassVar

import ipywidgets as widgets
import matplotlib

from statelab.dashboards.dashboard import Dashboard
from statelab.dashboards.readout import readout_html
from statelab.sim.result import Result
from statelab.sim.scenario import AFFINITIES, BALANCERS, STATE_LOCATIONS, Scenario
from statelab.sim.simulation import DEFAULT_LIMIT, simulate
from statelab.view.cluster import ClusterView
from statelab.view.over_time import lost_over_time


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
        with matplotlib.rc_context(self._rc):
            grid = self.figure.add_gridspec(
                2,
                2,
                height_ratios=[1.2, 1],
                left=0.05,
                right=0.98,
                top=0.93,
                bottom=0.08,
                hspace=0.35,
                wspace=0.15,
            )
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
                clusters.append(ClusterView(result, self.ax_clusters[side]))
                lost_over_time(result, self.ax_lost[side])
                self.ax_lost[side].set_title(
                    f"{field} = {getattr(scenario, field)}: "
                    + self.ax_lost[side].get_title(loc="left"),
                    loc="left",
                    color=self.ax_lost[side].title.get_color(),
                )
            most = max(int(r.timeline["sessions_lost"].iloc[-1]) for r in results)
            for ax in self.ax_lost:
                ax.set_ylim(0, max(5, most * 1.15))
            self._cursors = [ax.axvline(0, color="#333333", linewidth=1) for ax in self.ax_lost]
            self._clusters = clusters
            self._blitter.animate([*clusters[0].artists, *clusters[1].artists, *self._cursors])
            samples = min(len(r.timeline) for r in results)
            self._reset_time(samples)
            self._move_cursors(self._time_index)
        self._draw()
