"""The workload: who comes to the shop, when, and how much work they bring.

Shoppers arrive at random, like customers walking into a store: on average
``arrival_rate`` new sessions a second, each arrival independent of the last
(a Poisson process, so the gaps between arrivals are exponential). A session
logs in, browses and fills its cart over ``requests_per_session`` requests,
with a pause to think between two of them.

Everything random about a session (when it arrives, how many requests it
sends, how long each takes to serve, how long the shopper thinks) is drawn
when it arrives, in arrival order, from streams that depend only on the seed.
So two scenarios with the same seed and workload see the *same* shoppers with
the *same* demands, whatever their clusters do: a comparison of "sticky versus
none" or "3 versus 6 nodes" differs only by the choice being compared (the
method of common random numbers).

How many requests a session sends follows ``session_length``, always with the
mean ``requests_per_session``:

- ``"fixed"``: exactly that many;
- ``"geometric"``: after each request the shopper leaves with the same chance,
  ``1 / requests_per_session`` (memoryless, like the exponential);
- ``"heavy_tailed"``: a power law, P(n) proportional to n^-s for n = 1 to 100
  times the mean, with the exponent s solved so that the mean is exact. Most
  sessions are short; a few shoppers send very many requests, and pinned to
  one node they make it a hot spot.

Streams are seeded from text such as ``"statelab:7:arrivals"``; Python seeds a
generator from text through SHA-512, so a seed means the same numbers in every
process and on every machine.
"""

from __future__ import annotations

import bisect
import math
import random

import numpy as np

from statelab.sim.budget import Overspent
from statelab.sim.scenario import Scenario

#: A heavy-tailed session sends at most this many times the mean number of requests.
HEAVY_TAIL_CAP = 100


def stream(seed: int, name: str) -> random.Random:
    """An independent random stream for one purpose (``name``) of a run seeded with ``seed``."""
    return random.Random(f"statelab:{seed}:{name}")


class Workload:
    """Draws the arrivals and the demands of the sessions of one scenario.

    Parameters
    ----------
    scenario : Scenario
        Supplies ``arrival_rate`` (sessions per second), ``requests_per_session``,
        ``think_time`` and ``service_time`` (mean seconds), and ``seed``.
    """

    def __init__(self, scenario: Scenario) -> None:
        self._arrivals = stream(scenario.seed, "arrivals")
        self._demand = stream(scenario.seed, "demand")
        self._trace = scenario.trace()
        self._rate = self._trace.peak if self._trace else scenario.arrival_rate
        # thinning draws no further than the run: no session starts after it
        self._horizon = min(self._trace.end, scenario.duration) if self._trace else math.inf
        self._requests = scenario.requests_per_session
        self._length = _LENGTHS[scenario.session_length](scenario.requests_per_session)
        self._service_rate = 1.0 / scenario.service_time
        self._think_rate = 1.0 / scenario.think_time if scenario.think_time > 0 else 0.0
        self.candidates = 0  # thinning candidates rejected so far (a trace only)
        self.max_candidates = math.inf  # the run's budget sets it

    def next_gap(self, now: float) -> float:
        """Seconds from ``now`` until the next session arrives.

        With a constant rate the gap is exponential with mean ``1 / arrival_rate``.
        With a trace, candidates come at the trace's peak rate and each is kept
        with the chance ``rate(t) / peak`` (thinning).
        """
        draw = self._arrivals
        gap = draw.expovariate(self._rate)
        trace = self._trace
        if trace is None:
            return gap
        peak = self._rate
        while draw.random() * peak > trace.rate(now + gap):
            gap += draw.expovariate(peak)
            if now + gap > self._horizon:
                return math.inf
            self.candidates += 1
            if self.candidates > self.max_candidates:
                raise Overspent("drawn arrival candidates for its trace", self.candidates)
        return gap

    def next_session(self) -> tuple[list[float], list[float]]:
        """The demands of the next session: its service times and its think times, in seconds.

        A session of ``n`` requests gets ``n`` service times and ``n - 1`` think
        times (the pause before each request after the first).
        """
        draw = self._demand.expovariate
        n = self._length(self._demand)
        services = [draw(self._service_rate) for _ in range(n)]
        if self._think_rate:
            thinks = [draw(self._think_rate) for _ in range(n - 1)]
        else:
            thinks = [0.0] * (n - 1)
        return services, thinks


def _fixed(mean: int):
    def length(rng: random.Random) -> int:
        return mean

    return length


def _geometric(mean: int):
    if mean == 1:
        return _fixed(1)
    log_stay = math.log1p(-1.0 / mean)

    def length(rng: random.Random) -> int:
        # 1 + the number of failures before the first success, chance 1 / mean
        return 1 + int(math.log(1.0 - rng.random()) / log_stay)

    return length


def _heavy_tailed(mean: int):
    if mean == 1:
        return _fixed(1)
    cumulative = heavy_tail_probabilities(mean).cumsum().tolist()
    cumulative[-1] = 1.0
    last = len(cumulative) - 1

    def length(rng: random.Random) -> int:
        return 1 + min(bisect.bisect_right(cumulative, rng.random()), last)

    return length


def heavy_tail_probabilities(mean: int) -> np.ndarray:
    """P(n) for n = 1 .. 100 x mean of the heavy-tailed session length, with that exact mean.

    P(n) is proportional to n^-s; the exponent s is found by bisection.
    """
    sizes = np.arange(1, HEAVY_TAIL_CAP * mean + 1, dtype=float)
    log_sizes = np.log(sizes)

    def probabilities(exponent: float) -> np.ndarray:
        weights = np.exp(-exponent * (log_sizes - log_sizes[-1]))
        return weights / weights.sum()

    low, high = 0.0, 50.0  # the mean falls from (cap + 1) / 2 to 1 as the exponent grows
    for _ in range(100):
        middle = (low + high) / 2
        if float(probabilities(middle) @ sizes) > mean:
            low = middle
        else:
            high = middle
    return probabilities((low + high) / 2)


_LENGTHS = {"fixed": _fixed, "geometric": _geometric, "heavy_tailed": _heavy_tailed}
