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

The hash affinities are routers, and their rules live in :mod:`statelab.sim.routing`
(with the hash, the keys and the ring), where the model, the animated view's payload and
the embedded proxy of real runs all take them. The ring's points depend on the scenario's
seed, as real rings depend on the names of the machines: averaged over seeds, every node
owns an equal share.
"""

from __future__ import annotations

from statelab.sim.routing import HASHED, HashRing, client_key, stable_hash

__all__ = ["HASHED", "HashRing", "client_key", "stable_hash"]
