"""What every dashboard shares: the figure, the time slider, the readout, the update loop.

How an update flows: a control changes -> the dashboard's scenarios (checked; a bad
combination shows a message, never a traceback) -> :func:`~statelab.simulate` -> the
figure's artists get the new data and the figure is redrawn in place (never a second
figure). In a running kernel the changes of one burst are coalesced: the update runs
once, soon after the burst, with the latest values, so a slow run never shows an old
value. In a plain script each change applies at once; :meth:`Dashboard.wait` applies any
pending change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import ipywidgets as widgets
import matplotlib
from IPython.display import display
from matplotlib.figure import Figure

from statelab.dashboards.canvas import Blitter, make_canvas, png, running_loop
from statelab.dashboards.readout import message_html
from statelab.sim.result import Result
from statelab.sim.scenario import Scenario


class Dashboard:
    """The base of :class:`~statelab.widgets.Lab` and :class:`~statelab.widgets.Compare`.

    Subclasses say which scenarios the controls describe (:meth:`_scenarios`) and how to
    show their results (:meth:`_show`); this class runs them when a control changes.
    """

    figure_size = (11.0, 5.2)
    presenter_size = (14.0, 6.8)

    def __init__(self, *, presenter: bool, simulate: Callable[..., Result], limit: int | None):
        self.presenter = presenter
        self._simulate = simulate
        self._limit = limit
        self._rc = {"font.size": 13 if presenter else 9, "axes.titlesize": "medium"}
        size = self.presenter_size if presenter else self.figure_size
        self.figure = Figure(figsize=size, dpi=80, layout=None)
        self._view, self.canvas = make_canvas(self.figure)
        self._blitter = Blitter(self.canvas)
        self.readout = widgets.HTML(layout=widgets.Layout(min_height="2.5em"))
        self.readout.add_class("statelab-readout")
        self.message = widgets.HTML()
        self.message.add_class("statelab-message")
        self.time = widgets.IntSlider(
            value=0,
            min=0,
            max=1,
            description="time",
            readout=False,
            continuous_update=True,
            layout=widgets.Layout(width="420px"),
        )
        self.time_label = widgets.Label("t = 0 s")
        self.play = widgets.Play(
            value=0, min=0, max=1, step=1, interval=100, description="Play", show_repeat=False
        )
        widgets.jslink((self.play, "value"), (self.time, "value"))
        self.time.observe(self._on_time, names="value")
        self._own_changes = False  # controls being set by the dashboard itself: no run each
        self._syncing_time = False  # the time slider being reset after a run
        self._time_index = 0  # the timeline row shown now
        self._generation = 0
        self._shown = -1
        self._scheduled = False
        self.notes: list[str] = []  # what the controls could not show exactly (a preset's value)
        self.updates = 0  # how many times the figure was redrawn for a new run
        self.full_draws = 0  # how many of those drew the whole figure (the others blitted)
        self._cursors: list = []
        self._clusters: list = []

    @contextmanager
    def own_changes(self) -> Iterator[None]:
        """Set controls from code without a run for each change (nests; safe on errors)."""
        was = self._own_changes
        self._own_changes = True
        try:
            yield
        finally:
            self._own_changes = was

    # -- drawing ----------------------------------------------------------

    def _draw(self) -> None:
        with matplotlib.rc_context(self._rc):
            self.canvas.draw()
        self._push_image()

    def _push_image(self) -> None:
        if isinstance(self._view, widgets.Image):
            self._view.value = self.png()

    def png(self) -> bytes:
        """What the figure shows now, as PNG bytes (moving artists included)."""
        return png(self.canvas)

    # -- the update loop --------------------------------------------------

    def _changed(self, change=None) -> None:
        """A control changed: update now (no event loop) or once the burst is over."""
        if self._own_changes:
            return
        self._generation += 1
        loop = running_loop()
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
            self.message.value = message_html("Not run:", str(error))
            self._shown = generation
            return
        self.message.value = (
            message_html("Changed to fit the controls:", "; ".join(self.notes), "#555555")
            if self.notes
            else ""
        )
        self.notes = []  # said once, for the run they apply to
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
        try:
            last = max(samples - 1, 1)
            self.play.max = self.time.max = last
            value = last if index is None else min(index, last)
            self.play.value = self.time.value = value
        finally:
            self._syncing_time = False
        self._time_index = value

    def _on_time(self, change) -> None:
        self._time_index = change["new"]
        if self._syncing_time:
            return
        self._scrub(change["new"])

    def _move_cursors(self, index: int) -> None:
        """Put the clusters and the time cursors at timeline row ``index``."""
        for cluster in self._clusters:
            cluster.show(index)
        times = self._clusters[0].result.timeline["time"]
        time = times.iloc[min(index, len(times) - 1)]
        for cursor in self._cursors:
            cursor.set_xdata([time, time])
        self.time_label.value = f"t = {time:.0f} s"

    def _scrub(self, index: int) -> None:
        """Move the cluster view and the time cursors to timeline row ``index`` (blitted)."""
        with matplotlib.rc_context(self._rc):
            self._move_cursors(index)
            self._blitter.update()
        self._push_image()

    # -- display ----------------------------------------------------------

    def _ipython_display_(self) -> None:
        display(self.widget)
