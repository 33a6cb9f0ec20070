"""The load balancer: the doorman who decides which web server takes a request.

Every request of a shopper passes the balancer first. It only sends requests
to nodes it knows to be up, and picks one of them by a rule:

- ``"round_robin"``: each node in turn, like dealing cards.
- ``"random"``: any node, each equally likely.
- ``"least_connections"``: the node with the fewest requests in flight
  (served or queued); ties go to the next node in turn, so an idle cluster
  is still used evenly.
- ``"two_choices"``: pick two different nodes at random and take the less
  busy one ("the power of two choices": nearly as good as least connections
  while looking at only two nodes).

Session affinity is layered on top by the model: with ``affinity="sticky"``
the balancer's rule is used only for a session's first request (or when the
session's node is down); afterwards the session's cookie sends it back.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Protocol


class Loaded(Protocol):
    """What a balancer needs to know about a node: its requests in flight."""

    in_flight: dict


class Balancer:
    """The common part of every balancer: a rule that picks one of the live nodes."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._turn = 0

    def pick(self, live: Sequence[Loaded]) -> Loaded:
        """Return one node of ``live`` (a non-empty list of the nodes that are up)."""
        raise NotImplementedError


class RoundRobin(Balancer):
    """Each live node in turn."""

    def pick(self, live: Sequence[Loaded]) -> Loaded:
        self._turn += 1
        return live[self._turn % len(live)]


class Random(Balancer):
    """Any live node, uniformly at random."""

    def pick(self, live: Sequence[Loaded]) -> Loaded:
        return live[int(self._rng.random() * len(live))]


class LeastConnections(Balancer):
    """The live node with the fewest requests in flight; ties go round robin."""

    def pick(self, live: Sequence[Loaded]) -> Loaded:
        n = len(live)
        self._turn += 1
        first = self._turn % n
        best = live[first]
        fewest = len(best.in_flight)
        for step in range(1, n):
            if not fewest:
                break
            node = live[(first + step) % n]
            load = len(node.in_flight)
            if load < fewest:
                best, fewest = node, load
        return best


class TwoChoices(Balancer):
    """The less busy of two different live nodes picked at random."""

    def pick(self, live: Sequence[Loaded]) -> Loaded:
        n = len(live)
        if n == 1:
            return live[0]
        draw = self._rng.random
        i = int(draw() * n)
        j = int(draw() * (n - 1))
        if j >= i:
            j += 1
        a, b = live[i], live[j]
        return b if len(b.in_flight) < len(a.in_flight) else a


BALANCER_RULES: dict[str, type[Balancer]] = {
    "round_robin": RoundRobin,
    "random": Random,
    "least_connections": LeastConnections,
    "two_choices": TwoChoices,
}


def make_balancer(name: str, rng: random.Random) -> Balancer:
    """The balancer called ``name`` (one of ``scenario.BALANCERS``), drawing from ``rng``."""
    return BALANCER_RULES[name](rng)
