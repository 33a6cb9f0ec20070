"""Playback: one run as a compact binary payload, and what the cluster looks like at any moment.

The animated cluster view plays a run in the browser. It gets the run once, as
:func:`payload`: a small JSON-safe ``meta`` dict and a few blocks of little-endian
bytes, each a table stored column after column (every column starts at a multiple of
its width, so a reader can view it as a typed array without copying). ``meta["columns"]``
gives, for every block, each column's ``[name, dtype, byte_offset]``; the row counts are
in ``meta["counts"]``.

Blocks
------
``requests`` (31 bytes a row), one row a request attempt, in the order of
``result.requests`` (by arrival, then session, then the order they were recorded):
``arrival``, ``start`` (NaN: never started), ``end`` (NaN: in flight at the end) as f64;
``session`` i32; ``node`` i8 (-1: no node); ``attempt`` u8; ``code`` u8: the outcome's
index in ``meta["outcomes"]`` (bits 0-2), applied (bit 3), duplicate (bit 4), *moved*
(bit 5: completing it put the session's cart in its node's memory) and *late* (bit 6:
its node-side times are in the ``late`` block); ``meta["bits"]`` gives the mask and each
bit by name. The node let go of a request at ``end``, except for the late ones; so
``done`` (when the node stopped working on it) is ``end`` when it started, NaN when it
never did, and ``left`` for a late row.

``late`` (20 bytes a row), the requests whose node-side times ``end`` does not tell:
``queued_from`` f64 (when it joined its node's line of workers; NaN: it never got past
the session store), ``left`` f64 (when the node let go of it: done, or cut short by a
crash or a store outage; NaN: still there at the end), ``row`` u32 (its row in
``requests``). They are the attempts a client gave up on (``client_timeout``) and, with
a session store, those whose store call did not end exactly ``store_latency`` seconds
after they arrived. Every other request joined its node's line at ``arrival``
(``arrival + store_latency`` with a store).

``sessions`` (30 bytes a row), one row a session, by session number: ``start``, ``end``
(NaN: still going at the end), ``lost_at`` (NaN: it kept its state) as f64; ``key`` u32
(the top 32 bits of the client's 64-bit hash, ``key / 2**32`` is its place on the ring;
0 without a hashing affinity); ``cause`` u8 (0: none, else 1 + index in
``meta["causes"]``); ``lost_node`` i8 (the node whose memory held the lost cart, -1:
none did).

``ring`` (5 bytes a row, consistent hashing only): ``position`` u32 (top 32 bits of
the point), ``node`` i8, every point of every node the cluster can ever have, by position.

Carts in node memory (``state`` "server" and "replicated") follow from the moved bit: a
session's cart is on a request's node from that request's ``done`` until the next moved
request of the session, the session's ``end``, or its node going ``down`` or ``removed``
(``meta["node_changes"]``), whichever comes first. :func:`decode` spells the log out
(``moves``: time, session, node; -1: no node holds it any more), equal to the model's
``result.cart_moves``.

``meta["panels"]`` holds what the view's charts draw over the whole run (JSON, a few KB):
``times`` (timeline sample times, evenly thinned to at most :data:`PANEL_POINTS`),
``lost`` (cause -> cumulative sessions lost by that cause at each of those times, only the
causes that happen), ``active`` (active sessions then), and ``windows``: ``width`` (the
window, seconds), ``time`` (each window's end), ``p50``, ``p95``, ``p99`` (latency of the
requests served in each window; None for a window with none), as ``result.windows()``.

``meta`` is the contract between this module and the view's JavaScript, stated once,
here: ``version`` (:data:`VERSION`, 2), the names the codes index (``outcomes``,
``causes``, ``statuses``), ``bits`` (``outcome_mask``, ``applied``, ``duplicate``,
``moved``, ``late``: the bits of a request's ``code``, see :func:`bits`) and ``palette``
(the course's colours: ``nodes``, ``lost``, ``dead``, ``duplicate``, ``causes``, see
:func:`palette`),
so the browser draws with the colours of the course's figures and reads the codes with
no number of its own.

What the view shows at time ``t`` is :func:`state_at`: the state just after every event
at ``t``, as ``result.timeline`` samples it.

Units: times in seconds from the start of the run; sizes in bytes.
"""

from __future__ import annotations

import math
from dataclasses import asdict

import numpy as np

from statelab import theory
from statelab.sim.events import Crash, ScaleTo
from statelab.sim.records import (
    LOST_CAUSES,
    OUTCOME_CODES,
    OUTCOMES,
    STATUS_CODES,
    STATUSES,
    timeline_columns,
)
from statelab.sim.result import Result
from statelab.sim.routing import HASHED, HashRing, client_key, router_for
from statelab.view import colours

#: The payload's format version (2: ``meta`` carries ``bits`` and ``palette``).
VERSION = 2

#: Bits of a request's ``code`` above its outcome (bits 0-2).
APPLIED, DUPLICATE, MOVED, LATE = 1 << 3, 1 << 4, 1 << 5, 1 << 6
OUTCOME_MASK = 0b111

#: Each block's columns, in order: name and little-endian numpy dtype.
BLOCKS = {
    "requests": (
        ("arrival", "<f8"),
        ("start", "<f8"),
        ("end", "<f8"),
        ("session", "<i4"),
        ("node", "i1"),
        ("attempt", "u1"),
        ("code", "u1"),
    ),
    "late": (("queued_from", "<f8"), ("left", "<f8"), ("row", "<u4")),
    "sessions": (
        ("start", "<f8"),
        ("end", "<f8"),
        ("lost_at", "<f8"),
        ("key", "<u4"),
        ("cause", "u1"),
        ("lost_node", "i1"),
    ),
    "ring": (("position", "<u4"), ("node", "i1")),
}
#: The dtype names the meta gives a reader (as JavaScript's typed arrays name them).
DTYPE_NAMES = {"<f8": "f64", "<i4": "i32", "<u4": "u32", "i1": "i8", "u1": "u8"}
#: Statuses in which a node's memory is gone.
WIPED = (STATUS_CODES["down"], STATUS_CODES["removed"])
#: The most timeline samples ``meta["panels"]`` keeps (a longer timeline is thinned evenly).
PANEL_POINTS = 600


# -- the payload ---------------------------------------------------------------------


def payload(result: Result) -> dict:
    """The run as the animated view gets it: ``meta`` (JSON-safe) and blocks of bytes.

    Parameters
    ----------
    result : Result
        A finished run.

    Returns
    -------
    dict
        ``meta``, ``requests``, ``late``, ``sessions`` and ``ring`` (bytes; see the module
        docstring for every column).
    """
    scenario = result.scenario
    requests = result.requests
    n = len(requests)
    arrival = requests["arrival"].to_numpy()
    start = requests["start"].to_numpy()
    end = requests["end"].to_numpy()
    done = requests["done"].to_numpy()
    session = requests["session"].to_numpy()
    node = requests["node"].to_numpy()
    code = (
        requests["outcome"].cat.codes.to_numpy().astype(np.uint8)
        | np.where(requests["applied"].to_numpy(), APPLIED, 0).astype(np.uint8)
        | np.where(requests["duplicate"].to_numpy(), DUPLICATE, 0).astype(np.uint8)
    )
    rows = (  # (session, request, attempt) -> row, needed only for the late ones
        {
            key: row
            for row, key in enumerate(
                zip(
                    session.tolist(),
                    requests["request"].tolist(),
                    requests["attempt"].tolist(),
                    strict=True,
                )
            )
        }
        if result._node_times
        else {}
    )
    code[_moved_rows(result._moves, session, node, done)] |= MOVED
    late = sorted((rows[(s, r, a)], q, left) for s, r, a, q, left in result._node_times)
    late_rows = np.array([row for row, _, _ in late], dtype=np.uint32)
    code[late_rows] |= LATE
    blocks = {
        "requests": _pack(
            "requests",
            arrival=arrival,
            start=start,
            end=end,
            session=session,
            node=node,
            attempt=requests["attempt"].to_numpy(),
            code=code,
        ),
        "late": _pack(
            "late",
            queued_from=np.array([q for _, q, _ in late], dtype=float),
            left=np.array([left for _, _, left in late], dtype=float),
            row=late_rows,
        ),
    }
    sessions = result.sessions
    ids = sessions["session"].to_numpy()
    lost_at = np.full(len(ids), math.nan)
    lost_node = np.full(len(ids), -1, dtype=np.int8)
    losses = result.losses
    if len(losses):
        lost_at[losses["session"].to_numpy()] = losses["time"].to_numpy()
        lost_node[losses["session"].to_numpy()] = losses["node"].to_numpy()
    causes = {cause: i + 1 for i, cause in enumerate(LOST_CAUSES)} | {"": 0}
    hashed = scenario.affinity in HASHED
    blocks["sessions"] = _pack(
        "sessions",
        start=sessions["start"].to_numpy(),
        end=sessions["end"].to_numpy(),
        lost_at=lost_at,
        key=[client_key(scenario.seed, int(s)) >> 32 if hashed else 0 for s in ids],
        cause=[causes[c] for c in sessions["lost_cause"].tolist()],
        lost_node=lost_node,
    )
    ring = _ring_points(scenario) if scenario.affinity == "consistent_hash" else []
    blocks["ring"] = _pack("ring", position=[p >> 32 for p, _ in ring], node=[k for _, k in ring])
    counts = {
        "requests": n,
        "sessions": len(ids),
        "moves": int(np.count_nonzero(code & MOVED)),
        "losses": len(losses),
        "late": len(late),
        "ring": len(ring),
    }
    meta = {
        "version": VERSION,
        "duration": scenario.duration,
        "warmup": scenario.warmup,
        "nodes": scenario.nodes,
        "max_nodes": scenario.max_nodes(),
        "workers": scenario.workers,
        "state": scenario.state,
        "affinity": _affinity_shown(result),
        "balancer": scenario.balancer,
        "store": scenario.state == "store",
        "store_latency": scenario.store_latency,
        "store_workers": scenario.store_workers,
        "memory": scenario.state in ("server", "replicated"),
        "sample_interval": scenario.sample_interval,
        "outcomes": list(OUTCOMES),
        "causes": list(LOST_CAUSES),
        "statuses": list(STATUSES),
        "bits": bits(),
        "palette": palette(),
        "events": _events(result),
        "node_changes": _node_changes(result),
        "summary": _json_safe(result.summary()),
        "counts": counts,
        "columns": {
            name: [[c, DTYPE_NAMES[d], offset] for c, d, offset in _layout(name, counts[name])]
            for name in BLOCKS
        },
        "hashing": _hashing(result),
        "panels": panels(result),
    }
    return {"meta": meta, **blocks}


def bits() -> dict[str, int]:
    """The bits of a request's ``code`` (see the module docstring), as ``meta["bits"]``
    gives them to a reader: the outcome's mask, then one bit a flag."""
    return {
        "outcome_mask": OUTCOME_MASK,
        "applied": APPLIED,
        "duplicate": DUPLICATE,
        "moved": MOVED,
        "late": LATE,
    }


def palette() -> dict:
    """The course's colours (:mod:`statelab.view.colours`) as ``meta["palette"]`` gives them:
    ``nodes`` (node k takes ``nodes[k % len(nodes)]``), ``lost`` (lost carts), ``dead`` (a
    node that is down), ``duplicate`` (an item added twice) and ``causes`` (cause of a loss
    -> its colour), as ``#RRGGBB`` text."""
    return {
        "nodes": list(colours.PALETTE),
        "lost": colours.LOST,
        "dead": colours.DEAD,
        "duplicate": colours.DUPLICATE,
        "causes": dict(colours.CAUSE_COLOURS),
    }


def _moved_rows(moves, session: np.ndarray, node: np.ndarray, done: np.ndarray) -> np.ndarray:
    """The rows of the requests that put a cart in their node's memory.

    Each such move (time, session, node) happened at the ``done`` of a request of that
    session on that node: the last such row in table order if several (as a dict by
    (session, node, done) would keep). Matched on one whole-number key a row, in numpy
    (a dict of every request took most of the payload's time).
    """
    into = [(time, s, k) for time, s, k in moves if k >= 0]
    if not into:
        return np.zeros(0, dtype=np.int64)
    times, at = np.unique(done, return_inverse=True)  # NaN (never done) ranks last
    ranks, nodes = len(times) + 1, int(node.max(initial=0)) + 2

    def key(s: np.ndarray, rank: np.ndarray, k: np.ndarray) -> np.ndarray:
        return (s.astype(np.int64) * ranks + rank) * nodes + (k.astype(np.int64) + 1)

    moved_time, moved_session, moved_node = (np.asarray(c) for c in zip(*into, strict=True))
    rank = np.searchsorted(times, moved_time)
    keys = key(session, at.ravel(), node)
    order = np.argsort(keys, kind="stable")
    rows = order[np.searchsorted(keys[order], key(moved_session, rank, moved_node), "right") - 1]
    if not np.array_equal(keys[rows], key(moved_session, rank, moved_node)):
        raise AssertionError("a cart moved at a time no request of its session was done")
    return rows


def _layout(block: str, rows: int) -> list[tuple[str, str, int]]:
    """(name, dtype, byte offset) of each column of ``block`` with ``rows`` rows."""
    layout, offset = [], 0
    for name, dtype in BLOCKS[block]:
        layout.append((name, dtype, offset))
        offset += np.dtype(dtype).itemsize * rows
    return layout


def _pack(block: str, **columns) -> bytes:
    return b"".join(
        np.asarray(columns[name]).astype(dtype).tobytes() for name, dtype in BLOCKS[block]
    )


def _unpack(block: str, data: bytes, rows: int) -> dict[str, np.ndarray]:
    return {
        name: np.frombuffer(data, dtype=dtype, count=rows, offset=offset)
        for name, dtype, offset in _layout(block, rows)
    }


def _ring_points(scenario) -> list[tuple[int, int]]:
    """Every (64-bit position, node) of the model's ring, for every node there can be."""
    ring = HashRing(scenario.seed, scenario.vnodes)
    return sorted((p, k) for k in range(scenario.max_nodes()) for p in ring.node_points(k))


def _affinity_shown(result: Result) -> str:
    """The affinity the view's balancer names: the scenario's, or the learner's router that
    ran in its place ("router route()", "your router" for a lambda)."""
    name = result.policies.get("router")
    if name is None:
        return result.scenario.affinity
    return f"router {name}()" if name.isidentifier() else "your router"


def _events(result: Result) -> list[dict]:
    """The scenario's events and the autoscaler's resizes, by time."""
    events = [
        {"kind": type(event).__name__, **asdict(event)}
        for event in sorted(result.scenario.events, key=lambda e: e.at)
    ]
    events += [
        {"kind": "Autoscale", "at": float(d.time), "size": int(d.size)}
        for d in result._autoscaler
        if d.size != d.nodes
    ]
    return sorted(events, key=lambda e: e["at"])


def _node_changes(result: Result) -> list[list]:
    return [
        [float(time), int(node), STATUS_CODES[status]]
        for time, node, status in sorted(result._node_changes, key=lambda c: c.time)
    ]


def panel_rows(samples: int, points: int = PANEL_POINTS) -> np.ndarray:
    """The timeline rows the panels keep: all of them, or ``points`` evenly spread, first
    and last included."""
    if samples <= points:
        return np.arange(samples)
    return np.unique(np.round(np.linspace(0, samples - 1, points)).astype(np.int64))


def chart_tops(panels_meta: dict) -> dict:
    """The highest value each of the view's charts must show, from ``meta["panels"]``:
    ``lost`` (the running total of lost carts at its peak, any cause) and ``latency`` (the
    highest p99 of a window, seconds). The view's ``charts.js`` computes the same
    (``chartTops``); Compare gives both its views the larger of each, so they share axes."""
    lost = max((max(values, default=0) for values in panels_meta["lost"].values()), default=0)
    p99 = [v for v in panels_meta["windows"]["p99"] if v is not None]
    return {"lost": float(lost), "latency": float(max(p99, default=0.0))}


def panels(result: Result) -> dict:
    """What the view's charts draw over the whole run (see the module docstring)."""
    scenario = result.scenario
    # straight from the timeline's records (the same numbers as result.timeline, without
    # building its frame): the columns the charts need, at the rows they keep
    records = result._timeline_records
    names = timeline_columns(scenario.max_nodes())
    wanted = ["time", "active_sessions", *(f"sessions_lost_{cause}" for cause in LOST_CAUSES)]
    where = [names.index(name) for name in wanted]
    table = np.array([[row[i] for i in where] for row in records], dtype=float).reshape(
        -1, len(wanted)
    )
    rows = panel_rows(len(table))
    kept = {name: table[rows, j] for j, name in enumerate(wanted)}
    lost = {
        cause: [int(v) for v in kept[f"sessions_lost_{cause}"]]
        for j, cause in enumerate(LOST_CAUSES)
        if len(table) and table[-1, 2 + j] > 0
    }
    width = max(scenario.sample_interval, scenario.duration / 60)
    windows = result.windows(width)

    def values(column) -> list:
        return [None if v != v else float(v) for v in windows[column].tolist()]

    return {
        "times": [float(v) for v in kept["time"]],
        "lost": lost,
        "active": [int(v) for v in kept["active_sessions"]],
        "windows": {
            "width": float(width),
            "time": [float(v) for v in windows["time"]],
            "p50": values("latency_p50"),
            "p95": values("latency_p95"),
            "p99": values("latency_p99"),
        },
    }


def _json_safe(summary: dict) -> dict:
    def safe(value):
        if isinstance(value, (bool, np.bool_)):
            return bool(value)
        if isinstance(value, (int, np.integer)):
            return int(value)
        value = float(value)
        return None if math.isnan(value) else value

    return {key: safe(value) for key, value in summary.items()}


# -- hashing ------------------------------------------------------------------------


def _hashing(result: Result) -> dict | None:
    """How the hashing affinity maps clients, and how many active ones each change moved."""
    scenario = result.scenario
    affinity = scenario.affinity
    if affinity not in HASHED:
        return None
    if affinity == "consistent_hash":
        hashing = {"kind": "ring", "vnodes": scenario.vnodes, "block": "ring"}
    else:
        hashing = {"kind": "modulo", "configured": affinity == "ip_hash"}
    changes = []
    for event in sorted(scenario.events, key=lambda e: e.at):
        if not isinstance(event, (Crash, ScaleTo)):
            continue
        at = event.at
        owned = owners(result, at)
        moved_sessions = [
            session
            for session, node_before, node_after in zip(
                owned["sessions"], owned["before"], owned["after"], strict=True
            )
            if node_before != node_after
        ]
        moved = len(moved_sessions)
        before = statuses_at(result._node_changes, scenario, at, inclusive=False)
        after = statuses_at(result._node_changes, scenario, at, inclusive=True)
        crash = isinstance(event, Crash)
        if affinity == "ip_hash" and not crash:
            sizes = [sum(s in CONFIGURED for s in statuses) for statuses in (before, after)]
        else:
            sizes = [sum(s == STATUS_CODES["up"] for s in statuses) for statuses in (before, after)]
        share = None
        if min(sizes) >= 1 and sizes[0] != sizes[1]:
            share = theory.hashed_moved(affinity, sizes[0], sizes[1], crash=crash)
        changes.append(
            {
                "at": at,
                "kind": type(event).__name__,
                "before": sizes[0],
                "after": sizes[1],
                "moved": int(moved),
                "keys": len(owned["sessions"]),
                "theory": share,
                "sessions": moved_sessions,  # the active sessions whose key moved
            }
        )
    hashing["changes"] = changes
    return hashing


def owners(result: Result, at: float) -> dict[str, list[int]]:
    """Where the hashing affinity sends the clients of the sessions active at ``at`` seconds
    (started at or before it, not yet ended), around the node changes at ``at``.

    Returns
    -------
    dict
        ``sessions`` (their numbers), ``before`` and ``after`` (the node each one's 64-bit
        :func:`~statelab.sim.routing.client_key` goes to just before and just after the
        changes at ``at``, as :func:`router` routes; -1: no node).
    """
    scenario = result.scenario
    sessions = result.sessions
    ends = sessions["end"].fillna(math.inf).to_numpy()
    starts = sessions["start"].to_numpy()
    active = sessions["session"].to_numpy()[(starts <= at) & (ends > at)].tolist()
    keys = [client_key(scenario.seed, s) for s in active]
    changes = result._node_changes
    route_before = router(scenario, statuses_at(changes, scenario, at, inclusive=False))
    route_after = router(scenario, statuses_at(changes, scenario, at, inclusive=True))
    return {
        "sessions": active,
        "before": [int(route_before(key)) for key in keys],
        "after": [int(route_after(key)) for key in keys],
    }


#: Statuses of the nodes nginx's ip_hash counts as configured: members not leaving.
CONFIGURED = (STATUS_CODES["up"], STATUS_CODES["down"], STATUS_CODES["booting"])


def statuses_at(node_changes, scenario, time: float, inclusive: bool = True) -> list[int]:
    """Every node's status code just after (``inclusive``) or just before ``time``."""
    status = [STATUS_CODES["removed"]] * scenario.max_nodes()
    for when, node, name in sorted(node_changes, key=lambda c: c.time):
        if when < time or (inclusive and when == time):
            status[node] = STATUS_CODES[name]
    return status


def router(scenario, status: list[int]):
    """A function from a 64-bit client key to the node the scenario's hashing affinity sends
    it to, when the nodes have the status codes ``status`` and the balancer knows it: the
    affinity's router (:mod:`statelab.sim.routing`, as the model routes) over the nodes up and
    the configured size. It returns -1 for no node (none is up, or ip_hash leaves it to the
    balancer)."""
    up = tuple(k for k, s in enumerate(status) if s == STATUS_CODES["up"])
    configured = sum(s in CONFIGURED for s in status)
    route = router_for(scenario.affinity, scenario.seed, scenario.vnodes)
    if not up or route is None:
        return lambda key: -1

    def to_node(key: int) -> int:
        node = route(key, up, configured)
        return -1 if node is None else node

    return to_node


# -- decoding -----------------------------------------------------------------------


def decode(data: dict) -> dict:
    """The exact inverse of :func:`payload`, with what follows from it spelled out.

    Returns
    -------
    dict
        ``meta``; ``requests``, ``sessions``, ``late``, ``ring``: dicts of numpy arrays, one
        a column of the block, the requests also with ``outcome`` (code), ``applied``,
        ``duplicate``, ``moved``, ``request`` (which of its session's requests, from 0),
        ``done``, ``queued_from`` and ``left`` (the node-side times, seconds; NaN: never,
        or not by the end), the sessions also with ``session`` and ``lost_cause`` (text);
        ``losses`` (``time``, ``session``, ``node``, ``cause`` index, by time);
        ``moves`` (the cart log: ``time``, ``session``, ``node``, -1 when it left memory)
        and ``holds`` (``session``, ``node``, ``since``, ``until``: each stay of a cart
        in a node's memory, ``until`` inf if it was still there at the end);
        ``node_changes`` (``time``, ``node``, ``status`` code).
    """
    meta = data["meta"]
    counts = meta["counts"]
    r = {k: v.copy() for k, v in _unpack("requests", data["requests"], counts["requests"]).items()}
    late = _unpack("late", data["late"], counts["late"])
    s = _unpack("sessions", data["sessions"], counts["sessions"])
    ring = _unpack("ring", data["ring"], counts["ring"])
    code = r["code"]
    r["outcome"] = code & OUTCOME_MASK
    r["applied"] = (code & APPLIED) > 0
    r["duplicate"] = (code & DUPLICATE) > 0
    r["moved"] = (code & MOVED) > 0
    r["request"] = _request_numbers(r["session"], r["attempt"])
    started = ~np.isnan(r["start"])
    r["left"] = r["end"].copy()
    r["left"][late["row"]] = late["left"]
    r["done"] = np.where(started, r["left"], math.nan)
    delay = meta["store_latency"] if meta["store"] else 0.0
    r["queued_from"] = r["arrival"] + delay if delay else r["arrival"].copy()
    r["queued_from"][late["row"]] = late["queued_from"]
    sessions = dict(s)
    sessions["session"] = np.arange(counts["sessions"])
    sessions["lost_cause"] = np.array([("", *LOST_CAUSES)[c] for c in s["cause"]], dtype=object)
    lost = np.flatnonzero(s["cause"] > 0)
    order = lost[np.argsort(s["lost_at"][lost], kind="stable")]
    losses = {
        "time": s["lost_at"][order],
        "session": order,
        "node": s["lost_node"][order].astype(np.int64),
        "cause": s["cause"][order].astype(np.int64) - 1,
    }
    changes = np.array(meta["node_changes"], dtype=float).reshape(-1, 3)
    node_changes = {
        "time": changes[:, 0],
        "node": changes[:, 1].astype(np.int64),
        "status": changes[:, 2].astype(np.int64),
    }
    holds, moves = _carts(r, s["end"], node_changes)
    return {
        "meta": meta,
        "requests": r,
        "sessions": sessions,
        "late": late,
        "ring": ring,
        "losses": losses,
        "node_changes": node_changes,
        "holds": holds,
        "moves": moves,
    }


def _request_numbers(session: np.ndarray, attempt: np.ndarray) -> np.ndarray:
    """Which of its session's requests each row is: first attempts counted, in row order."""
    order = np.argsort(session, kind="stable")
    first = (attempt[order] == 1).astype(np.int64)
    counted = np.cumsum(first)
    starts = np.r_[True, session[order][1:] != session[order][:-1]]
    base = np.maximum.accumulate(np.where(starts, counted - first, 0))
    numbers = np.empty(len(session), dtype=np.int64)
    numbers[order] = counted - base - 1
    return numbers


def _carts(r: dict, session_end: np.ndarray, node_changes: dict) -> tuple[dict, dict]:
    """Each stay of a cart in a node's memory, and the log of moves it makes.

    A stay starts at the ``done`` of a moved request and ends at the session's next move,
    the session's end, or the node's next going down or away (at or after the move).
    """
    rows = np.flatnonzero(r["moved"])
    session, node, since = r["session"][rows], r["node"][rows], r["done"][rows]
    order = np.lexsort((since, session))
    session, node, since = session[order], node[order], since[order]
    same_next = np.r_[session[1:] == session[:-1], False]
    following = np.where(same_next, np.r_[since[1:], math.inf], math.inf)
    end = np.nan_to_num(session_end[session], nan=math.inf)
    wiped = {}  # node -> sorted times its memory was wiped
    for k in np.unique(node):
        mask = (node_changes["node"] == k) & np.isin(node_changes["status"], WIPED)
        wiped[k] = np.sort(node_changes["time"][mask])
    wipe = np.full(len(rows), math.inf)
    for k, times in wiped.items():
        at = node == k
        i = np.searchsorted(times, since[at], side="left")
        wipe[at] = np.r_[times, math.inf][i]
    until = np.minimum(np.minimum(following, end), wipe)
    until = np.where(since > end, since, until)  # moved after its session ended: forgotten
    holds = {"session": session, "node": node.astype(np.int64), "since": since, "until": until}
    # the log: every move in, and a move out where the stay did not end with another move in
    replaced = (following <= end) & (following < wipe)  # by the session's next move in
    out = (np.isfinite(until) & ~replaced) | (since > end)
    times = np.r_[since, until[out]]
    who = np.r_[session, session[out]]
    where = np.r_[node.astype(np.int64), np.full(np.count_nonzero(out), -1)]
    kind = np.r_[np.zeros(len(since)), np.ones(np.count_nonzero(out))]  # in before out
    log = np.lexsort((kind, who, times))
    moves = {"time": times[log], "session": who[log].astype(np.int64), "node": where[log]}
    return holds, moves


# -- the state at a moment ------------------------------------------------------------


def state_at(data: dict, t: float) -> dict:
    """What the cluster is doing at ``t`` seconds: the state just after every event at ``t``.

    Parameters
    ----------
    data : dict
        A :func:`payload` or what :func:`decode` made of it (decode once to ask often).
    t : float
        Model time, seconds.

    Returns
    -------
    dict
        Per node (lists, one entry a node the cluster can ever have): ``busy`` (requests
        holding a worker), ``queued`` (waiting in its line), ``carts`` (carts in its
        memory), ``status`` (code into ``meta["statuses"]``), ``lost`` (lost carts it held,
        so far). Then ``sessions_lost``, ``lost_by_cause`` (cause -> count, so far),
        ``active_sessions`` (started, not ended), ``store_busy`` and ``store_queued``
        (calls at the session store) and ``so_far``: requests by outcome that ended by
        ``t`` (the client's end), ``duplicates`` applied by ``t`` and ``sessions_lost``.
    """
    d = data if "holds" in data else decode(data)
    meta, r, s = d["meta"], d["requests"], d["sessions"]
    n = meta["max_nodes"]
    node = r["node"]
    # a request that never reached a node (refused by a dead one, none up: node -1) is at
    # none, as the view's state.js skips it; a real run's refusals take a moment to fail
    reached = node >= 0
    started = reached & (r["start"] <= t)
    left = np.nan_to_num(r["left"], nan=math.inf)
    busy = started & (t < left)
    served_from = np.where(np.isnan(r["start"]), left, r["start"])
    queued = reached & (r["queued_from"] <= t) & (t < np.minimum(served_from, left))
    holds = d["holds"]
    held = (holds["since"] <= t) & (t < holds["until"])
    changes = d["node_changes"]
    status = [STATUS_CODES["removed"]] * n
    for time, k, code in zip(changes["time"], changes["node"], changes["status"], strict=True):
        if time <= t:
            status[k] = int(code)
    losses = d["losses"]
    found = losses["time"] <= t
    by_cause = np.bincount(losses["cause"][found], minlength=len(LOST_CAUSES))
    store_busy = store_queued = 0
    if meta["store"]:
        # the store serves its line in order and never idles while one waits, so its
        # clerks are busy with min(calls, clerks) of the calls at it
        store_end = np.where(np.isnan(r["queued_from"]), left, np.minimum(r["queued_from"], left))
        calls = int(np.count_nonzero(reached & (r["arrival"] <= t) & (t < store_end)))
        store_busy = min(calls, meta["store_workers"])
        store_queued = calls - store_busy
    ended = r["end"] <= t
    end = np.nan_to_num(s["end"], nan=math.inf)
    lost = int(np.count_nonzero(found))
    return {
        "busy": np.bincount(node[busy], minlength=n).tolist(),
        "queued": np.bincount(node[queued], minlength=n).tolist(),
        "carts": np.bincount(holds["node"][held], minlength=n).tolist(),
        "status": status,
        "lost": np.bincount(losses["node"][found & (losses["node"] >= 0)], minlength=n).tolist(),
        "sessions_lost": lost,
        "lost_by_cause": dict(zip(LOST_CAUSES, by_cause.tolist(), strict=True)),
        "active_sessions": int(np.count_nonzero((s["start"] <= t) & (t < end))),
        "store_busy": store_busy,
        "store_queued": store_queued,
        "so_far": {
            **{
                name: int(np.count_nonzero(ended & (r["outcome"] == code)))
                for name, code in OUTCOME_CODES.items()
            },
            "duplicates": int(np.count_nonzero(r["duplicate"] & (r["done"] <= t))),
            "sessions_lost": lost,
        },
    }
