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
from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar


class Loaded(Protocol):
    """What a balancer needs to know about a node: its requests in flight."""

    in_flight: dict


T = TypeVar("T")

# -- the rules, as pure functions: the model's balancers and the embedded proxy of real runs
# (statelab.real.proxy) both call them. ``live`` is the non-empty list of nodes up, in
# order; ``turn`` counts the picks so far; ``draw()`` is a uniform draw in [0, 1); ``load``
# tells a node's requests in flight (served or queued).


def round_robin(live: Sequence[T], turn: int) -> T:
    """Each live node in turn: the node of pick number ``turn``."""
    return live[turn % len(live)]


def uniform(live: Sequence[T], draw: Callable[[], float]) -> T:
    """Any live node, each equally likely."""
    return live[int(draw() * len(live))]


def least_connections(live: Sequence[T], turn: int, load: Callable[[T], int]) -> T:
    """The live node with the fewest requests in flight; ties go to the next in turn from
    pick number ``turn``, so an idle cluster is still used evenly."""
    n = len(live)
    first = turn % n
    best = live[first]
    fewest = load(best)
    for step in range(1, n):
        if not fewest:
            break
        node = live[(first + step) % n]
        node_load = load(node)
        if node_load < fewest:
            best, fewest = node, node_load
    return best


def two_choices(live: Sequence[T], draw: Callable[[], float], load: Callable[[T], int]) -> T:
    """The less busy of two different live nodes drawn at random (no draw with one node)."""
    n = len(live)
    if n == 1:
        return live[0]
    i = int(draw() * n)
    j = int(draw() * (n - 1))
    if j >= i:
        j += 1
    a, b = live[i], live[j]
    return b if load(b) < load(a) else a


def _in_flight(node: Loaded) -> int:
    return len(node.in_flight)


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
        return round_robin(live, self._turn)


class Random(Balancer):
    """Any live node, uniformly at random."""

    def pick(self, live: Sequence[Loaded]) -> Loaded:
        return uniform(live, self._rng.random)


class LeastConnections(Balancer):
    """The live node with the fewest requests in flight; ties go round robin."""

    def pick(self, live: Sequence[Loaded]) -> Loaded:
        self._turn += 1
        return least_connections(live, self._turn, _in_flight)


class TwoChoices(Balancer):
    """The less busy of two different live nodes picked at random."""

    def pick(self, live: Sequence[Loaded]) -> Loaded:
        return two_choices(live, self._rng.random, _in_flight)


BALANCER_RULES: dict[str, type[Balancer]] = {
    "round_robin": RoundRobin,
    "random": Random,
    "least_connections": LeastConnections,
    "two_choices": TwoChoices,
}


def make_balancer(name: str, rng: random.Random) -> Balancer:
    """The balancer called ``name`` (one of ``scenario.BALANCERS``), drawing from ``rng``."""
    return BALANCER_RULES[name](rng)
