"""A shopper's session while the model runs, and the request attempts it has at the nodes.

The model makes one :class:`Session` a shopper and keeps it until the shopper leaves.
The where-state-lives policies (:mod:`statelab.sim.state`) read and change the fields
that say where the session's login and cart are. Each attempt a node works on is a
:class:`Job`, which a crash can cut short and a client can stop waiting for.
"""

from __future__ import annotations

import math

import simpy

from statelab.sim.records import NO_NODE

NAN = math.nan


class Session:
    """One shopper's visit: what the model needs to know about it while it runs."""

    __slots__ = (
        "cart",
        "dropped",
        "duplicate_items",
        "ended",
        "epoch",
        "has_state",
        "home",
        "id",
        "items",
        "items_not_kept",
        "jobs",
        "key",
        "lost_cause",
        "peer",
        "pinned",
        "process",
        "seen",
        "sent",
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
        # where an attempt can be applied twice (client timeouts): the cart's items, and the
        # idempotency check's memory of keys (its ``seen``)
        self.cart: list[str] | None = None
        self.seen: dict | None = None
        self.jobs = 0  # its attempts still at a node (one a timed-out client left behind, too)
        self.ended = NAN  # when its shopper left (NaN: still shopping)


class Job:
    """One request attempt at a node, from the balancer's choice until the node is done with it.

    It is what a crash or a store outage cuts short (:attr:`process` is interrupted), what
    the autoscaler counts as busy, and, when the client stops waiting (``client_timeout``),
    what the node goes on with while the client has already given up (:attr:`gave_up`).
    """

    __slots__ = (
        "arrival",
        "attempt",
        "doomed",
        "gave_up",
        "id",
        "node",
        "process",
        "read",
        "request",
        "served_from",
        "session",
        "written",
    )

    def __init__(
        self, job_id: int, session: Session, node, attempt: int, request: int, arrival: float
    ) -> None:
        self.id = job_id
        self.session = session
        self.node = node
        self.attempt = attempt  # 1 for the first try
        self.request = request  # which of the session's requests: its idempotency key
        self.arrival = arrival
        self.served_from = NAN  # when a worker started on it
        self.process: simpy.Process | None = None  # the process to interrupt to cut it short
        self.doomed = False  # an interrupt is on its way to its process
        self.gave_up = NAN  # when the client stopped waiting for it (NaN: it waits)
        # the cart as this attempt read it, where a later write can overwrite another's
        # (a cookie sent with it, or a store's read-modify-write; None: not read)
        self.read = None
        # (applied, duplicate) once its change is written before its work ends (write_at)
        self.written: tuple[bool, bool] | None = None
