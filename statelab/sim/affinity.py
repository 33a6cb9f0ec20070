"""Session affinity: whether a shopper's requests keep going to the same node.

With state in a node's memory, a session must come back to the node that
holds its cart. Clusters arrange that in four classic ways:

- ``"sticky"``: the balancer sets a cookie naming the node that served the
  first request, and follows it afterwards. Only a dead (or removed) node
  breaks the pin.
- ``"ip_hash"``, as nginx does it: ``hash(client) % (number of configured
  nodes)``, the nodes of the cluster's size whether they are up or not. No cookie
  is needed. While a client's node is down, nginx stirs the hash again and sends
  it to another node, and back when its node is up: a crash moves only the
  crashed node's clients (1 / N of them). Changing the configuration (a
  scale-out from N to N + 1) moves nearly all: N / (N + 1), a *rehash*.
- ``"source_hash"``, as HAProxy's ``balance source`` does it with its default
  map-based hashing: ``hash(client) % (number of live nodes)``. Any change of the
  live nodes moves nearly every client, a crash too: (N - 1) / N of them.
- ``"consistent_hash"`` (HAProxy's ``hash-type consistent``): nodes and clients
  are placed on a ring of hash values; a client goes to the first node point
  clockwise from its own. Each node owns ``vnodes`` points, which evens out the
  shares. When a node joins
  or leaves, only the clients on the arcs it gains or loses move: about
  1 / (N + 1) of them.
- ``"none"``: every request is balanced on its own.

Hashes are 64-bit BLAKE2b digests of text, so they are the same in every
process and on every machine (Python's own ``hash()`` of text is salted per
process). The ring's points also depend on the scenario's seed, as real
rings depend on the names of the machines: averaged over seeds, every node
owns an equal share.
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Sequence


def stable_hash(text: str) -> int:
    """A 64-bit hash of ``text`` that is the same in every process and on every machine."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def client_key(seed: int, session: int) -> int:
    """The hash of the client behind session ``session`` (its address, in ``ip_hash`` terms)."""
    return stable_hash(f"client:{seed}:{session}")


class HashRing:
    """A consistent-hash ring over the nodes that take new sessions.

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
                stable_hash(f"ring:{self._seed}:{index}:{v}") for v in range(self._vnodes)
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
