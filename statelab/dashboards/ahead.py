"""Runs made ahead: a control's next value is often already run when the learner picks it.

A learner nudges a slider one step, toggles affinity back and forth, tries each place the
state can live. While the page plays a run and the learner watches it, the kernel has
nothing to do; so after each change the Lab runs, one at a time and only while the kernel
is idle, the scenarios one move away (each slider one step either way, each other choice of
the main dropdowns), and keeps them. A run is a pure function of its Scenario (the same
scenario and seed give the same run), so a kept run is exactly the run the press would make:
the press then costs only handing it to the page. The runs ahead start once the controls
have been left alone for a second (while the learner watches), and stop at the next change.

:class:`KeptRuns` holds them, the most recently used last, within a budget of requests (a
kept run of 3,600 requests holds about 1.7 MB with its payload), so memory stays bounded
whatever the learner does. Runs ahead are made only after a run that was quick to make:
neighbours of a slow run would keep the kernel busy when the next press arrives.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from statelab.sim.result import Result
from statelab.sim.scenario import Scenario

#: The most requests the kept runs may hold together (about 50 MB).
KEPT_REQUESTS = 120_000
#: The most runs kept.
KEPT_RUNS = 32
#: Runs ahead are made after a run that took at most this long (seconds, wall time).
AHEAD_AFTER_AT_MOST = 0.15
#: Seconds with no change of the controls before the runs ahead start. A learner who
#: presses again at once (a slider dragged, a choice corrected) would otherwise find the
#: kernel busy with a run ahead and wait for it; one who watches the new run for a second
#: finds the next move made.
AHEAD_PAUSE = 1.0
#: Seconds between two runs ahead. A message from the page (a press) is handled by the
#: kernel's loop in several steps; a run ahead started between two of them would hold each
#: step back by a whole run, so each run ahead waits until the loop has been free this long.
AHEAD_GAP = 0.02


@dataclass(frozen=True)
class Kept:
    """A run kept for its scenario, with what the animated view is sent (made once)."""

    result: Result
    packed: dict | None = None


class KeptRuns:
    """Runs by scenario, the most recently used last, within :data:`KEPT_REQUESTS` requests
    and :data:`KEPT_RUNS` runs (the least recently used go first).

    Parameters
    ----------
    requests, runs : int
        The budget: requests held by all kept runs together, and runs.
    """

    def __init__(self, requests: int = KEPT_REQUESTS, runs: int = KEPT_RUNS) -> None:
        self._budget = requests
        self._most = runs
        self._kept: OrderedDict[Scenario, Kept] = OrderedDict()
        self._requests = 0
        self.hits = 0  # runs taken from here instead of made

    def __len__(self) -> int:
        return len(self._kept)

    def __contains__(self, scenario: Scenario) -> bool:
        return scenario in self._kept

    @property
    def requests(self) -> int:
        """Requests held by the kept runs together."""
        return self._requests

    def get(self, scenario: Scenario) -> Kept | None:
        """The kept run of ``scenario`` (now the most recently used), or None."""
        kept = self._kept.get(scenario)
        if kept is not None:
            self._kept.move_to_end(scenario)
            self.hits += 1
        return kept

    def keep(self, scenario: Scenario, result: Result, packed: dict | None = None) -> None:
        """Keep ``result`` for ``scenario``; a run larger than the whole budget is not kept."""
        size = result.request_count
        if size > self._budget:
            return
        old = self._kept.pop(scenario, None)
        if old is not None:
            self._requests -= old.result.request_count
        self._kept[scenario] = Kept(result, packed)
        self._requests += size
        while self._requests > self._budget or len(self._kept) > self._most:
            _, gone = self._kept.popitem(last=False)
            self._requests -= gone.result.request_count
