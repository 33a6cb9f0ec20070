"""What every dashboard shares: the animated views, the readout, the update loop.

How an update flows: a control changes -> the dashboard's scenarios (checked; a bad
combination, a :class:`~statelab.sim.errors.ScenarioError`, shows a message, never a
traceback; any other exception is a bug and goes on up, traceback and all) ->
:func:`~statelab.simulate` -> the
readout's text and each :class:`~statelab.dashboards.animated.AnimatedCluster` get the new
run. The picture, its time, its "so far" numbers and its over-time charts are drawn in the
browser from then on: a control costs one run and one payload, and playing or scrubbing
costs the kernel nothing. In a running kernel the changes of one burst are coalesced: the
update runs once, soon after the burst, with the latest values, so a slow run never shows
an old value. In a plain script each change applies at once; :meth:`Dashboard.wait`
applies any pending change. In a kernel, after a change, the runs one move away are made
ahead while the kernel is idle and kept (:mod:`statelab.dashboards.ahead`), so the next
nudge of a slider is shown without a run.

:attr:`Dashboard.figure` is the same runs over time as a matplotlib Figure (one Figure,
redrawn in place when it is asked for after a new run), for a slide or a saved PNG; the
page does not need it.
"""

from __future__ import annotations

import asyncio
import io
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import ipywidgets as widgets
import matplotlib
from IPython.display import display
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from statelab.dashboards.ahead import (
    AHEAD_AFTER_AT_MOST,
    AHEAD_GAP,
    AHEAD_PAUSE,
    Kept,
    KeptRuns,
)
from statelab.dashboards.animated import AnimatedCluster
from statelab.dashboards.readout import message_html
from statelab.sim.errors import ScenarioError
from statelab.sim.result import Result
from statelab.sim.scenario import Scenario
from statelab.view.playback import payload


def in_voila() -> bool:
    """Whether this kernel runs a page that Voila serves (``make present``): Voila sets
    ``VOILA_KERNEL_ID`` in the kernel before it runs the notebook."""
    return "VOILA_KERNEL_ID" in os.environ


def running_loop() -> asyncio.AbstractEventLoop | None:
    """The running event loop (a kernel's), or None in a plain script or test."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class Dashboard:
    """The base of :class:`~statelab.widgets.Lab` and :class:`~statelab.widgets.Compare`.

    Subclasses say which scenarios the controls describe (:meth:`_scenarios`), make one
    animated view a scenario (:attr:`views`), and write the readout (:meth:`_show`); this
    class runs them when a control changes and hands each view its run.
    """

    figure_size = (11.0, 5.2)
    presenter_size = (14.0, 6.8)

    def __init__(
        self, *, presenter: bool | None, simulate: Callable[..., Result], limit: int | None
    ):
        self.presenter = in_voila() if presenter is None else bool(presenter)
        presenter = self.presenter
        self._simulate = simulate
        self._limit = limit
        self._rc = {"font.size": 13 if presenter else 9, "axes.titlesize": "medium"}
        self.readout = widgets.HTML(layout=widgets.Layout(min_height="2.5em"))
        self.readout.add_class("statelab-readout")
        self.message = widgets.HTML()
        self.message.add_class("statelab-message")
        self.views: list[AnimatedCluster] = []
        self.results: list[Result] = []
        self._figure: Figure | None = None
        self._figure_drawn = -1  # the update the figure shows (-1: none yet)
        self._own_changes = False  # controls being set by the dashboard itself: no run each
        self._generation = 0
        self._shown = -1
        self._scheduled = False
        self.notes: list[str] = []  # what the controls could not show exactly (a preset's value)
        # what the dashboard did on its own, said once (a moment's side): text, or a function
        # of the run it made that returns the text (so a moment says what the room will see)
        self.said: list = []
        self.updates = 0  # how many runs were shown
        self.kept = KeptRuns()  # runs by scenario: made ahead, or shown before
        self.run_ahead = True  # make the runs one move away while the kernel is idle
        self._ahead: list[Scenario] = []  # still to be made ahead, for _ahead_for
        self._ahead_for = -1  # the update whose neighbours they are
        self._last_run_took = 0.0  # seconds the last run that was made took

    @contextmanager
    def own_changes(self) -> Iterator[None]:
        """Set controls from code without a run for each change (nests; safe on errors)."""
        was = self._own_changes
        self._own_changes = True
        try:
            yield
        finally:
            self._own_changes = was

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
            self._plan_ahead()

    def wait(self) -> None:
        """Return when what is shown matches the controls (apply a pending change now)."""
        if self._shown != self._generation:
            self._apply()

    def _apply(self) -> None:
        generation = self._generation
        try:
            scenarios = self._scenarios()
            runs = [self._run(s) for s in scenarios]
        except ScenarioError as error:  # a bad combination: say so, keep the last run
            self.message.value = message_html("Not run:", str(error))
            self.said = []
            self._shown = generation
            return
        runs = [self._packed(s, kept) for s, kept in zip(scenarios, runs, strict=True)]
        results = [kept.result for kept in runs]
        lines = []
        if self.said:  # a moment's words may count what its run did: said(result) -> text
            said = [item(results[0]) if callable(item) else item for item in self.said]
            lines.append(message_html("Done for you:", "; ".join(said), "#555555"))
        if self.notes:
            lines.append(
                message_html("Changed to fit the controls:", "; ".join(self.notes), "#555555")
            )
        self.message.value = "".join(lines)
        self.notes, self.said = [], []  # said once, for the run they apply to
        self._show(scenarios, results)  # the readout first: text reaches the page first
        self.results = results
        tops = self._chart_tops([kept.packed for kept in runs])
        for view, kept in zip(self.views, runs, strict=True):
            view.show(kept.result, kept.packed, tops)
        self._shown = generation
        self.updates += 1

    def _chart_tops(self, packed: list[dict]) -> dict | None:
        """The charts' tops every view shares (None: each view scales to its own run)."""
        return None

    def _run(self, scenario: Scenario) -> Kept:
        """The run of ``scenario``: kept (made ahead, or shown before), or made now."""
        kept = self.kept.get(scenario)
        if kept is not None:
            return kept
        began = time.perf_counter()
        result = self._simulate(scenario, limit=self._limit)
        self._last_run_took = time.perf_counter() - began
        return Kept(result)

    def _packed(self, scenario: Scenario, kept: Kept) -> Kept:
        """``kept`` with what the view is sent, made once and kept with the run."""
        if kept.packed is None and self.views:
            kept = Kept(kept.result, payload(kept.result))
            self.kept.keep(scenario, kept.result, kept.packed)
        return kept

    # -- runs ahead ---------------------------------------------------------

    def _nearby(self) -> list[Scenario]:
        """The scenarios one move of a control away from what is shown (none by default)."""
        return []

    def _plan_ahead(self) -> None:
        """After a change in a kernel: make the runs one move away, one at a time, while
        the kernel is idle (each is a callback of the kernel's loop, with a gap before the
        next, so a press that arrives waits for one run at most). Not after a slow run, nor
        in a plain script."""
        loop = running_loop()
        if loop is None or not self.run_ahead or self._last_run_took > AHEAD_AFTER_AT_MOST:
            return
        try:
            nearby = self._nearby()
        except ScenarioError:  # the controls describe no scenario: nothing is one move away
            return
        self._ahead = [s for s in dict.fromkeys(nearby) if s not in self.kept]
        self._ahead_for = self._generation
        if self._ahead:
            loop.call_later(AHEAD_PAUSE, self._one_ahead)

    def _one_ahead(self) -> None:
        """Make the next run ahead, unless the controls moved since they were planned."""
        if self._ahead_for != self._generation or self._scheduled or not self._ahead:
            self._ahead = []
            return
        scenario = self._ahead.pop(0)
        if scenario not in self.kept:
            try:
                result = self._simulate(scenario, limit=self._limit)
                self.kept.keep(scenario, result, payload(result))
            except ScenarioError:  # too large, say: not made ahead; a press says why
                pass
        loop = running_loop()
        if self._ahead and loop is not None:
            loop.call_later(AHEAD_GAP, self._one_ahead)

    def _show(self, scenarios: list[Scenario], results: list[Result]) -> None:
        raise NotImplementedError

    def _scenarios(self) -> list[Scenario]:
        raise NotImplementedError

    # -- time -------------------------------------------------------------

    @property
    def now(self) -> float:
        """The model time the (first) view shows now, in seconds (the page sends it back when
        it pauses, when the scrubber is let go, and a few times a second while it plays)."""
        return self.views[0].time if self.views else 0.0

    # -- the figure, for a slide ---------------------------------------------

    @property
    def figure(self) -> Figure:
        """The runs over time as one matplotlib Figure, redrawn in place for the latest run.

        Drawn only when asked for (the page draws its own charts in the browser).
        """
        if self._figure is None:
            size = self.presenter_size if self.presenter else self.figure_size
            self._figure = Figure(figsize=size, dpi=80, layout="constrained")
            FigureCanvasAgg(self._figure)
        if self._figure_drawn != self.updates and self.results:
            self._figure.clear()
            with matplotlib.rc_context(self._rc):
                self._draw_figure(self._figure)
            self._figure_drawn = self.updates
        return self._figure

    def _draw_figure(self, figure: Figure) -> None:
        raise NotImplementedError

    def png(self) -> bytes:
        """:attr:`figure` as PNG bytes."""
        buffer = io.BytesIO()
        with matplotlib.rc_context(self._rc):
            self.figure.savefig(buffer, format="png")
        return buffer.getvalue()

    # -- display ----------------------------------------------------------

    def _ipython_display_(self) -> None:
        display(self.widget)
