"""The budget of a run: how much work it may do, so that no scenario can freeze a notebook.

:func:`statelab.simulate` estimates a scenario's size before it starts (sessions a second x
seconds x requests a session) and refuses one beyond ``limit`` requests. An estimate can be
walked around: a trace with a one-millisecond burst, clients retrying ten times against a
store that is down, nodes failing every microsecond. So the model also keeps to a budget
*while* it runs, counted in what it really does, and stops with :class:`ScenarioTooLarge`
as soon as it overspends:

- SimPy events processed (about 6 to 10 a request): at most :data:`EVENTS_PER_REQUEST`
  times ``limit``, plus the timeline's and the autoscaler's own;
- request records kept: at most :data:`RECORDS_PER_REQUEST` times ``limit``;
- events at one and the same moment of model time (a run that no longer advances):
  at most :data:`EVENTS_AT_ONE_TIME`;
- arrival candidates drawn for a workload trace (thinning draws them at the trace's peak
  rate all along, so a short burst makes many): at most the events budget.

``limit=None`` lifts the estimate and the budget, for a user who means it.
"""

from __future__ import annotations

from dataclasses import dataclass

from statelab.sim.errors import ScenarioError

#: The most requests :func:`statelab.simulate` runs unless told otherwise (about 5 to 10 s).
DEFAULT_LIMIT = 500_000
#: SimPy events a run may process for each request of its limit.
EVENTS_PER_REQUEST = 25
#: Request records (attempts) a run may keep for each request of its limit.
RECORDS_PER_REQUEST = 3
#: Events a run may process without its clock moving on.
EVENTS_AT_ONE_TIME = 200_000


class Overspent(Exception):
    """Raised inside a run that outgrew its budget; the model turns it into ScenarioTooLarge."""

    def __init__(self, what: str, reached: float) -> None:
        super().__init__(what, reached)
        self.what, self.reached = what, reached


class ScenarioTooLarge(ScenarioError):
    """A scenario would send more requests than the ``limit`` of :func:`statelab.simulate`,
    or its run did more work than that limit allows (a :class:`ScenarioError`, so a
    ``ValueError``)."""


@dataclass(frozen=True)
class Budget:
    """What one run may spend: SimPy events, request records, events at one moment."""

    events: int
    records: int
    events_at_one_time: int = EVENTS_AT_ONE_TIME

    @classmethod
    def for_limit(cls, limit: int, samples: int, decisions: int) -> Budget:
        """The budget of a run of at most ``limit`` requests, with ``samples`` timeline rows
        and ``decisions`` autoscaler looks (each costs an event or two of its own)."""
        return cls(
            events=EVENTS_PER_REQUEST * limit + 4 * (samples + decisions) + 10_000,
            records=RECORDS_PER_REQUEST * limit,
        )

    def overspent(self, what: str, reached: float, time: float, limit: int) -> ScenarioTooLarge:
        """The error for a run stopped at ``time`` seconds having ``reached`` this much of
        ``what``."""
        return ScenarioTooLarge(
            f"this run was stopped at {time:,.3f} s of model time: it had {what} "
            f"({reached:,.0f}), more than a run of limit={limit:,} requests may. Its estimate "
            f"was within the limit, so the work hides somewhere the estimate cannot see: a "
            f"burst in a workload trace, clients retrying against a store or nodes that are "
            f"down, failures or autoscaling every few milliseconds. Shorten duration, lower "
            f"the rates, retries or failures, or call simulate(scenario, limit=None) to run "
            f"it anyway."
        )
