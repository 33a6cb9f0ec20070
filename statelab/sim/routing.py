"""Routing, in one place: where a balancer sends a shopper's request when the cluster hashes.

A router is a plain function ``route(key, up, configured) -> node | None``:

- ``key``: the shopper's stable 64-bit key (:func:`client_key`: the hash of its address);
- ``up``: the sorted, non-empty tuple of the nodes the balancer sees up and not draining;
- ``configured``: the cluster's configured size (the configured nodes are ``0 ..
  configured - 1``, up or not: what nginx's ``ip_hash`` counts);

it returns a node of ``up``, or ``None`` for "let the balancer pick". The hash affinities of
the course are routers written this way, and so is a learner's
(``simulate(scenario, router=route)``): the model (:mod:`statelab.sim.model`), the animated
view's payload (:mod:`statelab.view.playback`) and the embedded proxy of real runs
(:mod:`statelab.real.proxy`) all route through here. ``sticky`` (a pin per session) and
``none`` stay the balancer's behaviour (:mod:`statelab.sim.balancer`).

Hashes are 64-bit BLAKE2b digests of text (:func:`stable_hash`), the same in every process
and on every machine, unlike Python's own ``hash()`` of text, which is salted per process.
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Callable, Sequence

#: The affinities that send a shopper where a hash of it points (each a router here).
HASHED = ("ip_hash", "source_hash", "consistent_hash")

#: How many times ``ip_hash`` stirs the key while it names a node that is down (nginx's 20).
IP_HASH_TRIES = 20

#: A router: (key, up, configured) -> a node of ``up``, or None to let the balancer pick.
Router = Callable[[int, tuple[int, ...], int], "int | None"]

_MASK = 0xFFFFFFFFFFFFFFFF


def stable_hash(*parts: object) -> int:
    """A 64-bit hash of ``parts`` joined with ":" (``stable_hash("client", 1, 7)`` hashes
    ``"client:1:7"``), the same in every process and on every machine."""
    text = ":".join(str(part) for part in parts)
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def client_key(seed: int, session: int) -> int:
    """The key of the shopper behind session ``session``: the hash of its address."""
    return stable_hash("client", seed, session)


def source_hash(key: int, up: tuple[int, ...], configured: int) -> int:
    """HAProxy's ``balance source`` with its default map-based hashing: the key modulo the
    nodes up. Any change of the nodes up moves nearly every key, a crash too ((N - 1) / N)."""
    return up[key % len(up)]


def ip_hash(key: int, up: tuple[int, ...], configured: int) -> int | None:
    """nginx's ``ip_hash``: the key modulo the *configured* nodes, up or not. While the node
    it names is down, the key is stirred and tried again, up to :data:`IP_HASH_TRIES` times
    (nginx re-hashes its client's address the same way); after that the balancer picks. So a
    crash moves only the crashed node's keys (1 / N), and a shopper goes back to its node as
    soon as it is up; changing the configured size (a scale-out) moves nearly all, N / (N+1).

    The stir is ``(key * 113 + 6271) mod 2**64``, on the whole 64-bit key: in the spirit of
    nginx's ``hash = (hash * 113 + octet) % 6271`` over the address's octets, which the
    embedded proxy of real runs plays exactly (:func:`statelab.real.proxy.nginx_ip_hash`).
    """
    stirred = key
    for _ in range(IP_HASH_TRIES):
        node = stirred % configured
        if node in up:
            return node
        stirred = (stirred * 113 + 6271) & _MASK
    return None


class HashRing:
    """A consistent-hash ring: each node owns ``vnodes`` points, placed by the seed (as real
    rings are placed by the names of the machines); a key goes to the first point at or after
    it, wrapping round. When a node joins or leaves, only the keys on the arcs it gains or
    loses move: about 1 / (N + 1) of them.

    Parameters
    ----------
    seed : int
        The scenario's seed, which places the node points.
    vnodes : int
        Points a node owns on the ring.
    """

    def __init__(self, seed: int, vnodes: int) -> None:
        self._seed = seed
        self._vnodes = vnodes
        self._points_of: dict[int, list[int]] = {}
        self._points: list[int] = []
        self._owners: list = []

    def node_points(self, index: int) -> list[int]:
        """The ring positions of node ``index``."""
        if index not in self._points_of:
            self._points_of[index] = [
                stable_hash("ring", self._seed, index, v) for v in range(self._vnodes)
            ]
        return self._points_of[index]

    def rebuild(self, nodes: Sequence) -> None:
        """Place ``nodes`` (objects with an ``index``) on the ring, replacing the last set."""
        placed = sorted(
            (point, node.index, node) for node in nodes for point in self.node_points(node.index)
        )
        self._points = [point for point, _, _ in placed]
        self._owners = [node for _, _, node in placed]

    def owner(self, key: int):
        """The node that owns ``key``: the first node point at or after it, wrapping round."""
        i = bisect.bisect_left(self._points, key)
        return self._owners[i if i < len(self._owners) else 0]

    def shares(self) -> dict[int, float]:
        """The share of the key space each node owns (sums to 1)."""
        if not self._points:
            return {}
        space = 2**64
        shares: dict[int, float] = {}
        previous = self._points[-1] - space
        for point, node in zip(self._points, self._owners, strict=True):
            shares[node.index] = shares.get(node.index, 0.0) + (point - previous) / space
            previous = point
        return shares


class _Index:
    """A node number standing for a node on the ring (the ring places objects with an index)."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index


class ConsistentHash:
    """HAProxy's ``hash-type consistent`` as a router: the ring of the nodes up, rebuilt only
    when they change.

    Parameters
    ----------
    seed : int
        The scenario's seed, which places the node points.
    vnodes : int
        Points a node owns on the ring.
    """

    def __init__(self, seed: int, vnodes: int) -> None:
        self.ring = HashRing(seed, vnodes)
        self._up: tuple[int, ...] | None = None

    def __call__(self, key: int, up: tuple[int, ...], configured: int) -> int:
        if up != self._up:
            self.ring.rebuild([_Index(node) for node in up])
            self._up = up
        return self.ring.owner(key).index


def router_for(affinity: str, seed: int, vnodes: int) -> Router | None:
    """The router of a hash ``affinity`` (None for ``sticky`` and ``none``: the balancer's)."""
    if affinity == "source_hash":
        return source_hash
    if affinity == "ip_hash":
        return ip_hash
    if affinity == "consistent_hash":
        return ConsistentHash(seed, vnodes)
    return None
