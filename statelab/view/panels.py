"""Long-lived panels: axes whose artists are made once and given new data for every run.

A dashboard shows run after run in the same figure. Making a plot from scratch (clearing
the axes, new lines, a new legend) costs about as much as drawing it; changing the data
of existing lines costs almost nothing, so a control change only pays for the draw. The
limits move in 1-2-5 steps (:func:`nice_ceiling`), so most changes leave the axes as they
are and a dashboard can redraw only the artists that move (:meth:`OverTimePanel.moving`).
"""

from __future__ import annotations

import math

from statelab.sim.result import Result
from statelab.view.over_time import mark_moments


class OverTimePanel:
    """A right-hand panel of the Lab whose artists are made once and given new data each run.

    Making a plot from scratch (clearing the axes, new lines, a new legend)
    costs about as much as drawing it; changing the data of existing lines
    costs almost nothing, so a control change only pays for the draw.
    """

    def __init__(
        self,
        ax,
        series: dict[str, dict],
        ylabel: str,
        xlabel: str = "",
        *,
        label_moments: bool = True,
        legend_at: str = "upper left",
    ) -> None:
        self.ax = ax
        self.lines = {
            name: ax.plot([], [], label=name.replace("_", " "), **style)[0]
            for name, style in series.items()
        }
        self.marks: list = []
        self.label_moments = label_moments
        self.legend_at = legend_at
        ax.set_ylabel(ylabel)
        ax.set_xlabel(xlabel)
        ax.locator_params(axis="both", nbins=5)
        self.cursor = ax.axvline(0, color="#333333", linewidth=1)
        self.title = ax.text(
            0.0, 1.03, "", transform=ax.transAxes, ha="left", va="bottom", fontsize="medium"
        )

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
        mark_moments(result, ax, labels=self.label_moments)
        self.marks = [a for a in (*ax.lines, *ax.texts, *ax.patches) if a not in before]
        visible = [line for line in self.lines.values() if line.get_visible()]
        if ax.get_legend() is not None:
            ax.get_legend().remove()
        if visible:
            ax.legend(
                handles=visible,
                loc=self.legend_at,
                fontsize="small",
                frameon=False,
                ncols=len(visible) if self.legend_at == "upper right" else 1,
            )
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
