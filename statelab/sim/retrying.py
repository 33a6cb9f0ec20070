"""When a client sends a retry, as production clients do: the wait before it (an exponential
of mean ``retry_backoff``, or AWS's full jitter over a capped exponential backoff) and whether
the cluster's retry budget lets it go at all (Finagle's and Linkerd's ``RetryBudget``).

The model asks :meth:`Retrying.wait` after an attempt failed or timed out, and tells
:meth:`Retrying.sent` of every first attempt, so the budget can compare the retries of the
last :data:`BUDGET_WINDOW` seconds with the first attempts of the same seconds. Finagle's
budget also lets a minimum of retries a second through (10 by default), so that a client
with little traffic can still retry; this one has no minimum: a budget of 0 refuses every
retry, and a share of the window's first attempts is all a budget allows.
"""

from __future__ import annotations

import random
from collections import deque

#: Seconds over which a retry budget compares retries with first attempts (Finagle's ttl).
BUDGET_WINDOW = 10.0
#: What :meth:`Retrying.wait` answers for a retry the budget refuses.
REFUSED = -1.0


class Retrying:
    """One cluster's clients' retry rules (the scenario's ``retries``, ``retry_backoff``,
    ``retry_jitter``, ``retry_backoff_cap`` and ``retry_budget``).

    Parameters
    ----------
    draw : random.Random
        The stream retry waits are drawn from (the model's ``"retries"`` stream).
    """

    def __init__(self, scenario, draw: random.Random) -> None:
        self.retries = scenario.retries
        self.backoff = scenario.retry_backoff
        self.jitter = scenario.retry_jitter
        self.cap = scenario.retry_backoff_cap
        self.budget = scenario.retry_budget
        self.draw = draw
        self.firsts: deque[float] = deque()  # times of the first attempts in the window
        self.retried: deque[float] = deque()  # times of the retries sent in the window
        self.refused = 0  # retries the budget did not let go

    def sent(self, now: float) -> None:
        """A first attempt went out at ``now`` (only counted with a budget)."""
        if self.budget is not None:
            self.firsts.append(now)

    def wait(self, attempt: int, now: float) -> float | None:
        """After attempt ``attempt`` (1 for the first) failed at ``now``: seconds to wait
        before the retry, None when no retry is left, or :data:`REFUSED` when the budget
        refuses it (the request is given up). A retry the budget lets go is counted against
        it at once, when it is decided, not after its wait."""
        if attempt > self.retries:
            return None
        if self.budget is not None:
            low = now - BUDGET_WINDOW
            for times in (self.firsts, self.retried):
                while times and times[0] < low:
                    times.popleft()
            if len(self.retried) >= self.budget * len(self.firsts):
                self.refused += 1
                return REFUSED
            self.retried.append(now)
        if not self.backoff:
            return 0.0
        if self.jitter == "full":  # retry k (k = attempt - 1) waits U(0, min(cap, base 2**k))
            return self.draw.uniform(0.0, min(self.cap, self.backoff * 2 ** (attempt - 1)))
        return self.draw.expovariate(1.0 / self.backoff)
