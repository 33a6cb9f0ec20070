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

Streams are seeded from text such as ``"statelab:7:arrivals"``; Python seeds a
generator from text through SHA-512, so a seed means the same numbers in every
process and on every machine.
"""

from __future__ import annotations

import random

from statelab.scenario import Scenario


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
        self._rate = scenario.arrival_rate
        self._requests = scenario.requests_per_session
        self._service_rate = 1.0 / scenario.service_time
        self._think_rate = 1.0 / scenario.think_time if scenario.think_time > 0 else 0.0

    def next_gap(self) -> float:
        """Seconds until the next session arrives (exponential, mean ``1 / arrival_rate``)."""
        return self._arrivals.expovariate(self._rate)

    def next_session(self) -> tuple[list[float], list[float]]:
        """The demands of the next session: its service times and its think times, in seconds.

        A session of ``n`` requests gets ``n`` service times and ``n - 1`` think
        times (the pause before each request after the first).
        """
        draw = self._demand.expovariate
        n = self._requests
        services = [draw(self._service_rate) for _ in range(n)]
        if self._think_rate:
            thinks = [draw(self._think_rate) for _ in range(n - 1)]
        else:
            thinks = [0.0] * (n - 1)
        return services, thinks
