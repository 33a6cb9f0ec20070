"""A shopper's session while the model runs: where its state is, and what it has sent.

The model makes one :class:`Session` a shopper and keeps it until the shopper leaves.
The where-state-lives policies (:mod:`statelab.sim.state`) read and change the fields
that say where the session's login and cart are; the model changes the ones that say
which request is under way.
"""

from __future__ import annotations

import math

import simpy

from statelab.sim.records import NO_NODE

NAN = math.nan


class Session:
    """One shopper's visit: what the model needs to know about it while it runs."""

    __slots__ = (
        "arrival",
        "attempt",
        "doomed",
        "dropped",
        "duplicate_items",
        "epoch",
        "has_state",
        "home",
        "id",
        "items",
        "items_not_kept",
        "key",
        "lost_cause",
        "node",
        "peer",
        "pinned",
        "process",
        "sent",
        "served_from",
        "start",
        "wiped",
        "wiped_from",
    )

    def __init__(self, session_id: int, start: float, key: int) -> None:
        self.id = session_id
        self.start = start
        self.key = key  # the hash of its client, for ip_hash and consistent_hash
        self.process: simpy.Process | None = None
        self.sent = 0  # request attempts sent so far
        self.items = 0  # items in its cart: one a completed request
        self.duplicate_items = 0  # items applied twice (a retry of an add that had landed)
        self.items_not_kept = 0  # items the browser silently refused (cookie over its limit)
        self.has_state = False  # logged in at least once
        self.home = None  # the node whose memory holds its state
        self.peer = None  # the node that holds its copy (replicated state)
        self.epoch = 0  # the store's epoch when it last wrote its state there
        self.dropped = False  # the browser ignored a cookie over its limit and kept the old one
        self.wiped = ""  # why its state was destroyed, until the session notices
        self.wiped_from = NO_NODE  # the node whose memory it was destroyed in
        self.pinned = None  # the node its sticky cookie points to
        self.lost_cause = ""  # why it lost its state first ("" while it has not)
        self.node = None  # the node of the request now in flight
        self.attempt = 0  # attempt number of the request now in flight
        self.arrival = NAN  # arrival time of the request now in flight
        self.served_from = NAN  # service start of the request now in flight
        self.doomed = False  # an interrupt is on its way to its process
