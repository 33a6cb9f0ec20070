"""Records: what the model writes down while it runs, defined once for the model and Result.

A run is remembered as lists of small records, one a thing that happened, like the lines
of a ship's log: a request attempt ended, a session ended, a session found its state
gone, a node changed, the autoscaler decided, and every ``sample_interval`` seconds a
snapshot of the whole cluster. Appending a tuple is cheap while SimPy runs;
:class:`~statelab.sim.result.Result` turns the lists into DataFrames once, at the end.

Each record type is a :class:`typing.NamedTuple`: its fields are named here once, and Result
reads them by name; the ``*_AT`` index constants are for the hot path that reads a field of
many records (the names are still checked: the constants are made from the fields). The
model stores request and session records as plain tuples in the schema's order (see
:class:`~statelab.sim.model.ShopModel`); the rarer records are the named tuples themselves.
The snapshot's width depends on the number of nodes, so it is made by
:func:`timeline_row` and named by :func:`timeline_columns`, which keep the same order.

Units: times in seconds from the start of the run.
"""

from __future__ import annotations

from typing import NamedTuple

#: A request attempt's outcome; the record holds its index here (its code).
#: ``timed_out``: the client gave up waiting (``client_timeout``); the server may still
#: finish and apply it. ``in_flight``: still under way when the run stopped.
OUTCOMES = ("ok", "state_lost", "failed", "timed_out", "in_flight")
OUTCOME_CODES = {name: code for code, name in enumerate(OUTCOMES)}
OK, STATE_LOST, FAILED, TIMED_OUT, IN_FLIGHT = (OUTCOME_CODES[name] for name in OUTCOMES)

#: Why a session lost its state. Every cause the course knows has a timeline column.
LOST_CAUSES = ("crash", "rehash", "scale_in", "no_affinity", "store_outage", "cookie_too_large")

#: What a node is doing, as recorded in the timeline (``status_<k>``) and in node changes.
STATUSES = ("up", "draining", "booting", "down", "removed")
STATUS_CODES = {name: code for code, name in enumerate(STATUSES)}

#: The node of a request that reached none (no node was up).
NO_NODE = -1


class RequestRecord(NamedTuple):
    """One request attempt, written when it ends (or when the run stops)."""

    session: int
    request: int  # which of the session's requests, from 0 (with the session: its key)
    attempt: int  # 1 for the first try, 2 for its first retry, ...
    node: int  # NO_NODE when no node took it
    arrival: float  # when the client sent it
    start: float  # when a worker started serving it (NaN: never)
    end: float  # when it ended for the client (NaN: in flight at the end)
    done: float  # when the node stopped working on it (NaN: never started, or still at it)
    outcome: int  # an index into OUTCOMES
    applied: bool  # its change was written where the state lives (answered or not: write_at)
    duplicate: bool  # its change had already been applied by another attempt of its request


class SessionRecord(NamedTuple):
    """One shopper's session, written when it ends (or when the run stops)."""

    session: int
    start: float
    end: float  # its last request's end (NaN: still going at the end)
    requests: int  # request attempts it sent
    lost_cause: str  # one of LOST_CAUSES, or "" if it kept its state
    duplicate_items: int  # cart items applied twice (a retried add that had already landed)
    items_not_kept: int  # cart items the browser silently refused (a cookie over its limit)


class LossRecord(NamedTuple):
    """A session found its state gone (one per lost session, when it found out)."""

    time: float
    session: int
    node: int  # the node whose memory held the state (NO_NODE: none did)
    cause: str  # one of LOST_CAUSES


class NodeChange(NamedTuple):
    """A node's status changed."""

    time: float
    node: int
    status: str  # one of STATUSES


class AutoscalerDecision(NamedTuple):
    """One look of the autoscaler at the cluster."""

    time: float
    nodes: int  # the cluster's size before the decision
    utilisation: float  # busy share of the workers over the last interval
    desired: int  # what the load asks for
    size: int  # what it set, after the scale-down window


class CartMove(NamedTuple):
    """A session's cart entered a node's memory or left it (``state`` "server" or "replicated").

    A cart is in at most one node's memory at a time, so one record says where it is now.
    """

    time: float
    session: int
    node: int  # the node whose memory holds the cart now (NO_NODE: none does any more)


class NodeTime(NamedTuple):
    """When an attempt joined its node's line of workers and when the node let go of it.

    Written only where the request record does not already tell: an attempt the client
    gave up on (its ``end`` is when the client gave up, not when the node let go) and, with
    a session store, an attempt whose store call did not end ``store_latency`` seconds
    after it arrived (it waited for the store, or was cut short there).
    """

    session: int
    request: int
    attempt: int
    queued_from: float  # when it joined the node's line (NaN: it never got past the store)
    left: float  # when the node let go of it: done or cut short (NaN: still there at the end)


def index(record: type[NamedTuple], field: str) -> int:
    """The position of ``field`` in ``record`` (raises ValueError for an unknown field)."""
    return record._fields.index(field)


#: Positions of the fields the hot path reads from many request records (the autoscaler's
#: busy time); made from the names, so they follow the schema.
START_AT = index(RequestRecord, "start")
DONE_AT = index(RequestRecord, "done")


def timeline_columns(nodes: int) -> list[str]:
    """The columns of a timeline row for a cluster that ever has ``nodes`` nodes."""
    return [
        "time",
        "active_sessions",
        "sessions_lost",
        *(f"sessions_lost_{cause}" for cause in LOST_CAUSES),
        "store_busy",
        "store_queued",
        *(
            f"{what}_{k}"
            for what in ("busy", "queued", "carts", "status", "lost")
            for k in range(nodes)
        ),
    ]


def timeline_row(
    *,
    time: float,
    active_sessions: int,
    sessions_lost: int,
    lost_by_cause: dict[str, int],
    store_busy: int,
    store_queued: int,
    busy: list[int],
    queued: list[int],
    carts: list[int],
    status: list[int],
    lost: list[int],
) -> tuple:
    """One snapshot of the cluster, in the order of :func:`timeline_columns`.

    ``lost_by_cause`` has a count for every cause of :data:`LOST_CAUSES`; the per-node
    lists (``busy``, ``queued``, ``carts``, ``status`` codes and carts ``lost`` from each)
    have one entry a node.
    """
    return (
        time,
        active_sessions,
        sessions_lost,
        *(lost_by_cause[cause] for cause in LOST_CAUSES),
        store_busy,
        store_queued,
        *busy,
        *queued,
        *carts,
        *status,
        *lost,
    )
