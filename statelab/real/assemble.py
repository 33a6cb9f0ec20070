"""Assembling a real run: the clients' rows and the nodes' logs become a Result.

A real run leaves three kinds of notes, all stamped with one clock (``time.monotonic()``):

- the load generator's rows, one an attempt, as the shopper saw it: when it was sent, when it
  ended and how (an answer, an error, the client's timeout, or still open at the end), and,
  for the cookie cart, whether the browser sent a stale cookie (:mod:`statelab.real.loadgen`);
- each node's log, one line an attempt it finished: when it joined the line of workers, got
  a worker and was done, and whether the session's cart was ``found`` where the node looks
  (:mod:`statelab.real.server`);
- the controller's node changes (up, draining, down, removed), stamped when it made them.

This module joins them into the request table the simulation writes, in the model's tuple
order ``(session, request, attempt, node, arrival, start, end, done, outcome, applied,
duplicate)``, in model seconds (``(stamp - t0) / time_scale``), and books what the simulation
books: an attempt served without its cart (``state_lost``) when the node did not find the cart
and the session had a finished attempt before, with the cause the simulation would give:

- the node that held the cart went down since (``crash``) or was removed (``scale_in``), or is
  leaving and out of the balancer's endpoints (``scale_in``);
- else the request was sent elsewhere: ``rehash`` with a hashing affinity, ``no_affinity``
  without;
- with the store, a cart the store no longer had: ``store_outage``; with the cookie, a stale
  cookie (the browser dropped one over its limit): ``cookie_too_large``.

A served attempt ends for the client when its answer arrives, and the request table's ``end``
and ``done`` are that moment (the simulation has no network: there the node is done when the
client has the answer); the node's own times (a worker from ``start`` to the node's done) make
the timeline's busy workers and queues. The difference, the HTTP overhead (the client's latency
minus the node's time), is measured and kept on ``result.real``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from statelab.real import loadgen
from statelab.sim.records import (
    FAILED,
    IN_FLIGHT,
    LOST_CAUSES,
    NO_NODE,
    OK,
    STATE_LOST,
    STATUS_CODES,
    TIMED_OUT,
    LossRecord,
    NodeChange,
    timeline_row,
)
from statelab.sim.result import Result
from statelab.sim.routing import HASHED
from statelab.sim.state import miss_cause, moved_cause

NAN = math.nan
#: Node statuses in which a node's memory is gone, and the cause a cart lost there gets.
WIPES = {"down": "crash", "removed": "scale_in"}
CLIENT_OUTCOMES = {"ok": OK, "failed": FAILED, "timed_out": TIMED_OUT, "in_flight": IN_FLIGHT}


class RealResult(Result):
    """The :class:`~statelab.sim.result.Result` of a real run: the simulation's tables (model
    seconds), so ``summary()``, the plots and the animated view work on it, plus ``real``.

    Attributes
    ----------
    real : dict
        What the model leaves out, measured: ``time_scale``, ``http_overhead`` (median, model
        seconds) and ``http_overhead_p95``, ``overhead`` (each served attempt's own: its
        latency at the client less its time at its node), ``client`` and ``node_log`` (the raw
        tables, model
        seconds), and what the controller adds: ``balancer``, ``store``, ``config_text``,
        ``balancer_log`` (the balancer's own log, a row a request, joined to ``requests`` by
        ``request_id``: HAProxy's ``option httplog`` or the embedded proxy's lines in its
        words, with the server, status, ``termination_state`` such as ``SC--`` or ``--DI``
        and retries), ``balancer_messages`` (servers going down or up, as HAProxy said it),
        how a crash was handled (``crash``, ``health_check_delay``, ``health_checks``,
        ``balancer_retries``, ``redispatch``), ``timings`` (wall seconds) and ``workdir``.
    """

    def __init__(self, *tables, real: dict, **named) -> None:
        super().__init__(*tables, **named)
        self.real = real

    @cached_property
    def requests(self) -> pd.DataFrame:
        """The simulation's request table, plus ``request_id``: the ``X-Request-ID`` the load
        generator sent with the attempt, by which ``real["balancer_log"]`` joins it."""
        table = super().requests.copy()
        ids = [
            loadgen.request_id(s, r, a)
            for s, r, a in zip(table["session"], table["request"], table["attempt"], strict=True)
        ]
        table.insert(3, "request_id", ids)
        return table

    def latency_less_overhead(self) -> dict:
        """The latency percentiles the simulation has a place for: ``latency_p50`` and
        ``latency_p95`` (model seconds) of the served attempts ``summary()`` counts, each
        less its own HTTP overhead (its latency at the client less its time at its node:
        ``real["overhead"]``), or less the median overhead where its node logged no line."""
        scenario = self.scenario
        requests = self.requests
        served = requests[
            (requests["arrival"] >= scenario.warmup)
            & requests["outcome"].isin(["ok", "state_lost"])
            & requests["end"].notna()
        ]
        table = self.real.get("overhead")
        median = self.real.get("http_overhead", NAN)
        if table is None or not len(table):
            own = pd.Series(median, index=served.index)
        else:
            keys = ["session", "request", "attempt"]
            own = served[keys].merge(table, on=keys, how="left")["overhead"]
            own.index = served.index
            own = own.fillna(median)
        latency = (served["end"] - served["arrival"] - own).to_numpy(dtype=float)
        if not len(latency):
            return {"latency_p50": NAN, "latency_p95": NAN}
        return {
            "latency_p50": float(np.percentile(latency, 50)),
            "latency_p95": float(np.percentile(latency, 95)),
        }

    def __repr__(self) -> str:
        return "<Real" + super().__repr__()[1:-1] + f", {self.real.get('balancer')}>"


@dataclass(slots=True)
class Attempt:
    """One attempt of a real run, as the client and the node saw it (model seconds).

    The first eleven fields are the simulation's request record (:meth:`record`); ``found``
    (the node found the session's cart where it looks), ``settled`` (the node finished it by
    the end) and ``stale`` (the browser sent a stale cart cookie) are what the state
    policies' books need.
    """

    session: int
    request: int
    attempt: int
    node: int
    arrival: float
    start: float
    end: float
    done: float
    outcome: str
    applied: bool
    duplicate: bool
    found: bool
    settled: bool
    stale: bool

    @property
    def key(self) -> tuple[int, int, int]:
        """(session, request, attempt): the attempt's name in every log."""
        return self.session, self.request, self.attempt

    def record(self) -> tuple:
        """The simulation's request record: (session, request, attempt, node, arrival, start,
        end, done, outcome, applied, duplicate)."""
        return (
            self.session, self.request, self.attempt, self.node, self.arrival, self.start,
            self.end, self.done, self.outcome, self.applied, self.duplicate,
        )  # fmt: skip


def book_cut_writes(rows: list[Attempt]) -> int:
    """Book as applied the cut attempts whose write the store kept but no log line shows, and
    return how many.

    A node writes an attempt's change to the store, then its log line; killed between the
    two, it leaves the change in the store and none in the books. The request's retry then
    finds the change there (the node answers ``duplicate``) with no earlier attempt of it
    applied: the store's word is taken, and the last failed attempt before that retry is
    booked applied (the simulation books that cut attempt applied, and the retry a
    duplicate).
    """
    by_request: dict[tuple[int, int], list[Attempt]] = {}
    for row in rows:
        by_request.setdefault((row.session, row.request), []).append(row)
    booked = 0
    for attempts in by_request.values():
        attempts.sort(key=lambda row: row.attempt)
        applied_before = False
        for n, row in enumerate(attempts):
            if row.applied and row.duplicate and not applied_before:
                cut = [a for a in attempts[:n] if a.outcome == FAILED and not a.applied]
                if cut:
                    cut[-1].applied = True
                    booked += 1
            applied_before = applied_before or row.applied
    return booked


@dataclass
class RunLog:
    """Everything a real run wrote down, as the controller collects it.

    Stamps are raw ``time.monotonic()`` seconds; ``t0`` is model time 0.

    Attributes
    ----------
    client : DataFrame
        The load generator's attempt rows (:data:`statelab.real.loadgen.REQUEST_FIELDS`).
    sessions : DataFrame
        Its session rows (:data:`statelab.real.loadgen.SESSION_FIELDS`).
    node_log : DataFrame
        Every node's log lines (:data:`statelab.real.server.LOG_HEADER`), all incarnations.
    changes : list of (stamp, node, status, closed)
        The controller's node changes; ``closed``: a draining node out of the endpoints.
    leaving : list of (stamp, node, cause)
        When the balancer was told to send a node nothing more because it was about to
        crash or be removed (``cause``: ``crash`` or ``scale_in``), a moment before the
        node's change in ``changes``.
    info : dict
        What else the run wants kept on ``result.real`` (balancer, store, wall times, ...).
    """

    scenario: object
    time_scale: float
    t0: float
    client: pd.DataFrame
    sessions: pd.DataFrame
    node_log: pd.DataFrame
    changes: list[tuple] = field(default_factory=list)
    leaving: list[tuple] = field(default_factory=list)
    info: dict = field(default_factory=dict)


def assemble(log: RunLog) -> RealResult:
    """The :class:`RealResult` of a real run (see the module docstring): the simulation's
    tables, and ``real`` with ``time_scale``, the measured ``http_overhead`` (median, model
    seconds) and ``http_overhead_p95``, the raw tables ``client`` and ``node_log`` (model
    seconds) and whatever the controller put in ``info``."""
    return _Assembler(log).result()


class _Assembler:
    def __init__(self, log: RunLog) -> None:
        self.log = log
        self.scenario = scenario = log.scenario
        self.duration = scenario.duration
        self.scale = log.time_scale
        self.t0 = log.t0
        self.state = scenario.state
        self.memory = scenario.state in ("server", "replicated")
        self.moved_cause = moved_cause(scenario.affinity in HASHED)
        self.n = scenario.max_nodes()

    def model(self, stamps):
        """Raw stamps to model seconds."""
        return (np.asarray(stamps, dtype=float) - self.t0) / self.scale

    # -- the pieces --------------------------------------------------------------------

    def _node_changes(self) -> list[NodeChange]:
        changes = [NodeChange(0.0, k, "up") for k in range(self.scenario.nodes)]
        self.closed: dict[int, list[tuple[float, bool]]] = {}
        self.statuses: dict[int, list[tuple[float, str]]] = {}  # node -> (time, status)
        self.leaving: dict[int, list[tuple[float, str]]] = {}  # node -> (time, cause)
        for stamp, node, status, closed in sorted(self.log.changes, key=lambda c: c[0]):
            at = float(self.model(stamp))
            if at > self.duration:
                continue
            at = max(at, 0.0)
            changes.append(NodeChange(at, int(node), status))
            self.closed.setdefault(int(node), []).append((at, bool(closed)))
            self.statuses.setdefault(int(node), []).append((at, status))
        for stamp, node, cause in self.log.leaving:
            self.leaving.setdefault(int(node), []).append((float(self.model(stamp)), cause))
        return changes

    def _leaving_for(self, node: int, at: float) -> str:
        """Why ``node`` was out of the balancer at ``at`` because it was about to go (its
        crash or removal told to the balancer, not yet stamped as its change); "" if not."""
        told = [(when, why) for when, why in self.leaving.get(node, ()) if when <= at]
        if not told:
            return ""
        since, cause = told[-1]
        back = any(
            status == "up" and since < when <= at for when, status in self.statuses.get(node, ())
        )
        return "" if back else cause

    def _down_at(self, node: int, at: float) -> str:
        """Why ``node``'s memory was gone at ``at`` (``crash``, ``scale_in``): its last
        change by then took it down or removed it; "" if it was up."""
        last = ""
        for when, status in self.statuses.get(node, ()):
            if when <= at:
                last = status
        return WIPES.get(last, "")

    def _is_closed(self, node: int, at: float) -> bool:
        """Whether ``node`` was out of the balancer's endpoints while leaving, at ``at``."""
        closed = False
        for when, flag in self.closed.get(node, ()):
            if when <= at:
                closed = flag
        return closed

    def _node_lines(self) -> pd.DataFrame:
        """The nodes' lines of finished attempts (model seconds); ``self.written``: the
        lines a node wrote when it wrote an attempt's change part way through its work
        (``write_at`` below 1), by (session, request, attempt), so an attempt cut short
        after its write is known applied."""
        lines = self.log.node_log.copy()
        for column, default in (("overwrote", 0), ("wrote", NAN)):
            if column not in lines.columns:
                lines[column] = default
        self.written: dict[tuple[int, int, int], tuple] = {}
        if len(lines):
            lines = lines.dropna(subset=["session", "request", "attempt"])
            early = lines[lines["done"].isna() & lines["wrote"].notna()]
            for row in early.itertuples(index=False):
                key = (int(row.session), int(row.request), int(row.attempt))
                applied = str(row.applied).lower() in ("true", "1")
                duplicate = str(row.duplicate).lower() in ("true", "1")
                wrote = float(self.model(row.wrote))
                self.written[key] = (applied, duplicate, int(row.overwrote), wrote, int(row.node))
            lines = lines.dropna(subset=["done"])
            for column in ("session", "request", "attempt", "node"):
                lines[column] = lines[column].astype(np.int64)
            for column in ("queued_from", "start", "done"):
                lines[column] = self.model(lines[column])
            for column in ("found", "applied", "duplicate"):
                lines[column] = lines[column].astype(str).str.lower().isin(["true", "1"])
            lines = lines.drop_duplicates(["session", "request", "attempt"])
        return lines

    # -- the request table ----------------------------------------------------------------

    def result(self) -> RealResult:
        scenario, duration = self.scenario, self.duration
        changes = self._node_changes()
        lines = self._node_lines()
        by_key = {
            (int(s), int(r), int(a)): row
            for s, r, a, row in zip(
                lines["session"] if len(lines) else [],
                lines["request"] if len(lines) else [],
                lines["attempt"] if len(lines) else [],
                lines.itertuples(index=False) if len(lines) else [],
                strict=True,
            )
        }
        client = self.log.client
        sessions_in = self.log.sessions
        start_of = dict(
            zip(sessions_in["session"].astype(int), sessions_in["start"].astype(float), strict=True)
        )
        rows: list[Attempt] = []
        overhead = []
        node_times = []
        for c in client.itertuples(index=False):
            key = (int(c.session), int(c.request), int(c.attempt))
            arrival = float(self.model(c.arrival))
            end = float(self.model(c.end)) if c.end == c.end else NAN
            outcome = CLIENT_OUTCOMES[c.outcome]
            if end == end and end > duration:  # answered after the run ended: still open
                outcome, end = IN_FLIGHT, NAN
            line = by_key.get(key)
            finished = line is not None and line.done <= duration
            node = int(c.node)
            if line is not None:
                node = int(line.node)
            start = done = NAN
            applied = duplicate = found = False
            settled = False
            if outcome == OK:
                if line is None:  # an answer with no log line: take the answer's word
                    start = done = end
                    found = bool(c.found == 1)
                    applied, duplicate = bool(c.applied == 1), bool(c.duplicate == 1)
                else:
                    start = min(max(line.start, arrival), end)
                    done = end
                    found, applied, duplicate = line.found, line.applied, line.duplicate
                    overhead.append((*key, (end - arrival) - (line.done - line.queued_from)))
                settled = True
            elif outcome == TIMED_OUT:
                if finished:
                    start = max(line.start, arrival)
                    done = max(line.done, end)
                    found, applied, duplicate = line.found, line.applied, line.duplicate
                    settled = True
                elif line is not None and line.start <= duration:
                    start = max(line.start, arrival)
                queued = line.queued_from if line is not None else NAN
                node_times.append([*key, queued, done])
            elif outcome == FAILED:
                if finished:  # the node finished it, the client saw an error
                    start = max(line.start, arrival)
                    done = max(line.done, start)
                    applied, duplicate = line.applied, line.duplicate
            else:  # in flight at the end
                if line is not None and line.start <= duration:
                    start = max(line.start, arrival)
            early = self.written.get(key)
            if early is not None and early[3] <= duration and not finished:
                applied, duplicate = early[0], early[1]  # written, then cut short
                node = early[4]
            if (
                self.state == "store"
                and line is not None
                and outcome in (OK, FAILED)
                and start == start
            ):
                node_times.append([*key, line.queued_from, done])
            rows.append(
                Attempt(*key, node, arrival, start, end, done, outcome, applied, duplicate,
                        found, settled, bool(c.stale_cookie == 1))
            )  # fmt: skip
        if self.state == "store":
            book_cut_writes(rows)
        self.node_lines = lines
        lost_updates = self._lost_updates(by_key, start_of)
        losses, moves = self._settle(rows, changes, start_of)
        requests = [row.record() for row in rows]
        sessions, gave_up, refused = self._sessions(rows, sessions_in, start_of)
        timeline = self._timeline(rows, lines, sessions, losses, moves, changes)
        each = pd.DataFrame(overhead, columns=["session", "request", "attempt", "overhead"])
        overhead = each["overhead"].to_numpy(dtype=float)
        return RealResult(
            scenario,
            requests,
            sessions,
            timeline,
            changes,
            (),
            losses,
            gave_up,
            moves if self.memory else [],
            [tuple(t) for t in node_times],
            refused=refused,
            lost_updates=lost_updates,
            real={
                "time_scale": self.scale,
                "http_overhead": float(np.median(overhead)) if len(overhead) else NAN,
                "http_overhead_p95": float(np.percentile(overhead, 95)) if len(overhead) else NAN,
                "overhead": each,
                "client": self._client_table(),
                "node_log": lines.reset_index(drop=True),
                **self.log.info,
            },
        )

    def _client_table(self) -> pd.DataFrame:
        client = self.log.client.copy()
        for column in ("arrival", "end"):
            client[column] = self.model(client[column])
        return client

    # -- what the simulation books: outcomes, losses, carts in memory ------------------------

    def _settle(self, rows: list, changes: list[NodeChange], start_of: dict):
        """Walk the finished attempts in the order the nodes finished them, beside the node
        changes and the sessions' ends, as the model's state policies do; set outcomes and
        return (losses, cart moves)."""
        state = self.state
        events = []  # (time, order, kind, payload)
        for i, row in enumerate(rows):
            if row.settled:  # the node finished it by the end
                events.append((row.done, 0, "settle", i))
        if self.memory:
            for change in changes:
                if change.status in WIPES:
                    events.append((change.time, 1, "wipe", change))
        ends = self.session_ends
        for session, end in ends.items():
            if end == end and self.memory:
                events.append((end, 2, "end", session))
        events.sort(key=lambda e: (e[0], e[1]))
        has_state: set[int] = set()
        holder: dict[int, int] = {}  # session -> node whose memory holds its cart
        wiped: dict[int, tuple[str, int]] = {}  # session -> (cause, node) of a wiped cart
        lost: set[int] = set()
        losses: list[LossRecord] = []
        moves: list[tuple] = []
        ended: set[int] = set()

        def lose(session: int, cause: str, node: int, at: float) -> None:
            if session not in lost:
                lost.add(session)
                losses.append(LossRecord(at, session, node, cause))

        for at, _, kind, payload in events:
            if kind == "wipe":
                node, cause = payload.node, WIPES[payload.status]
                for session in [s for s, k in holder.items() if k == node]:
                    del holder[session]
                    wiped[session] = (cause, node)
                    moves.append((at, session, NO_NODE))
                continue
            if kind == "end":
                ended.add(payload)
                if payload in holder:
                    del holder[payload]
                    moves.append((at, payload, NO_NODE))
                continue
            row = rows[payload]
            session, node, found = row.session, row.node, row.found
            missing = False
            if state == "cookie":
                if row.stale:
                    lose(session, "cookie_too_large", NO_NODE, at)
                    missing = True
            elif state == "store":
                if not found and session in has_state:
                    lose(session, "store_outage", NO_NODE, at)
                    missing = True
            else:
                home = holder.get(session)
                if not found and session in has_state:
                    gone, gone_from = wiped.get(session, ("", NO_NODE))
                    closed = ""  # why the home node is out of the balancer's endpoints
                    if home is not None:
                        closed = "scale_in" if self._is_closed(home, at) else ""
                        closed = closed or self._leaving_for(home, at) or ""
                    cause, held = miss_cause(gone, gone_from, home, closed, self.moved_cause)
                    lose(session, cause, held, at)
                    missing = True
                if home != node or not found:
                    holder[session] = node
                    wiped.pop(session, None)
                    moves.append((at, session, node))
                went = self._down_at(node, at)
                if went and holder.get(session) == node:
                    # the node finished the attempt before it went, but its answer reached
                    # the client after the change's stamp (or the kill was still on its
                    # way): the cart is in a memory that is gone, lost to that, not to
                    # wherever the next request goes
                    del holder[session]
                    wiped[session] = (went, node)
                    moves.append((at, session, NO_NODE))
                if session in ended and session in holder:  # a leftover of a session over
                    del holder[session]
                    moves.append((at, session, NO_NODE))
            has_state.add(session)
            if missing and row.outcome == OK:
                row.outcome = STATE_LOST
        self.lost_cause = {loss.session: loss.cause for loss in losses}
        return losses, moves

    def _sessions(self, rows: list, sessions_in: pd.DataFrame, start_of: dict):
        """The session records, and the session starts of each request given up and of
        each retry the retry budget refused (as the load generator counted them; a log
        without those counts: each last attempt that failed or timed out)."""
        sent: dict[int, int] = {}
        duplicates: dict[int, int] = {}
        gave_up: list[float] = []
        refused: list[float] = []
        last = self.scenario.retries + 1
        counted = "gave_up" in sessions_in.columns
        for row in rows:
            s = row.session
            sent[s] = sent.get(s, 0) + 1
            duplicates[s] = duplicates.get(s, 0) + int(bool(row.duplicate))
            if not counted and row.outcome in (FAILED, TIMED_OUT) and row.attempt == last:
                gave_up.append(start_of.get(s, NAN))
        if counted:
            for s in sessions_in.itertuples(index=False):
                gave_up += [float(s.start)] * int(s.gave_up)
                refused += [float(s.start)] * int(s.retries_refused)
        records = []
        for s in sessions_in.itertuples(index=False):
            session = int(s.session)
            records.append(
                (
                    session,
                    float(s.start),
                    self.session_ends.get(session, NAN),
                    sent.get(session, 0),
                    getattr(self, "lost_cause", {}).get(session, ""),
                    duplicates.get(session, 0),
                    int(s.items_not_kept),
                )
            )
        return records, gave_up, refused

    def _lost_updates(self, by_key: dict, start_of: dict) -> list[tuple]:
        """``(time, session, items, session start)`` of each write of a whole cart built
        on a cart of another size than the one it replaced (model seconds), as the
        simulation books them: a store's read-modify-write (the node's ``overwrote``, at the
        moment it wrote) and a cart cookie kept over another tab's (the load generator's
        ``overwrote``, when the answer came); writes after the run's end are not counted."""
        duration = self.duration
        found: list[tuple] = []
        for key, (applied, _dup, overwrote, wrote, _node) in self.written.items():
            if applied and overwrote and wrote <= duration:
                found.append((wrote, key[0], overwrote, start_of.get(key[0], NAN)))
        for key, line in by_key.items():
            overwrote = getattr(line, "overwrote", 0)
            overwrote = int(overwrote) if overwrote == overwrote else 0
            if key in self.written or not (overwrote and line.applied and line.done <= duration):
                continue
            found.append((float(line.done), key[0], overwrote, start_of.get(key[0], NAN)))
        client = self.log.client
        if "overwrote" in client.columns:
            for c in client[client["overwrote"].fillna(0) != 0].itertuples(index=False):
                end = float(self.model(c.end))
                if c.outcome == "ok" and end <= duration:
                    found.append(
                        (end, int(c.session), int(c.overwrote), start_of.get(int(c.session), NAN))
                    )
        return sorted(found)

    @property
    def session_ends(self) -> dict[int, float]:
        if not hasattr(self, "_ends"):
            ends = {}
            for s in self.log.sessions.itertuples(index=False):
                end = float(self.model(s.end)) if s.end == s.end else NAN
                ends[int(s.session)] = end if end <= self.duration else NAN
            # a session whose attempts are not all over is still going
            for c in self.log.client.itertuples(index=False):
                open_at_end = c.outcome == "in_flight" or c.end != c.end
                if open_at_end or float(self.model(c.end)) > self.duration:
                    ends[int(c.session)] = NAN
            self._ends = ends
        return self._ends

    # -- the timeline ------------------------------------------------------------------------

    def _timeline(self, rows, lines, sessions, losses, moves, changes) -> list[tuple]:
        """One row every ``sample_interval``, then one at ``duration``, from the records: the
        node's own times make busy workers and queues (see :func:`records.timeline_row`)."""
        scenario, n = self.scenario, self.n
        interval = scenario.sample_interval
        count = math.ceil(self.duration / interval - 1e-9)
        times = [k * interval for k in range(count) if k * interval < self.duration]
        times.append(self.duration)
        t = np.array(times)
        # node side: busy from start to the node's done, queued from queued_from to start
        if len(lines):
            node = lines["node"].to_numpy()
            start = lines["start"].to_numpy()
            done = lines["done"].to_numpy()
            queued_from = lines["queued_from"].to_numpy()
        else:
            node = np.zeros(0, dtype=int)
            start = done = queued_from = np.zeros(0)
        # attempts the client saw open at the end with a node start: busy until the end
        busy = np.zeros((len(t), n), dtype=int)
        queued = np.zeros((len(t), n), dtype=int)
        for k in range(n):
            mine = node == k
            s, d, q = start[mine], done[mine], queued_from[mine]
            busy[:, k] = ((s[None, :] <= t[:, None]) & (t[:, None] < d[None, :])).sum(axis=1)
            queued[:, k] = ((q[None, :] <= t[:, None]) & (t[:, None] < s[None, :])).sum(axis=1)
        busy = np.minimum(busy, scenario.workers)
        store_busy = np.zeros(len(t), dtype=int)
        store_queued = np.zeros(len(t), dtype=int)
        if self.state == "store" and len(rows):
            arrival = np.array([row.arrival for row in rows])
            keyed = {
                (int(a), int(b), int(c)): q
                for a, b, c, q in zip(
                    lines["session"], lines["request"], lines["attempt"], queued_from, strict=True
                )
            } if len(lines) else {}  # fmt: skip
            until = np.array(
                [keyed.get(row.key, row.end if row.end == row.end else math.inf) for row in rows]
            )
            calls = ((arrival[None, :] <= t[:, None]) & (t[:, None] < until[None, :])).sum(axis=1)
            store_busy = np.minimum(calls, scenario.store_workers)
            store_queued = calls - store_busy
        # carts in memory from the move log
        carts = np.zeros((len(t), n), dtype=int)
        if moves:
            order = sorted(moves, key=lambda m: m[0])
            where: dict[int, int] = {}
            held = np.zeros(n, dtype=int)
            i = 0
            for j, time in enumerate(t):
                while i < len(order) and order[i][0] <= time:
                    _, session, k = order[i]
                    before = where.pop(session, None)
                    if before is not None:
                        held[before] -= 1
                    if k >= 0:
                        where[session] = k
                        held[k] += 1
                    i += 1
                carts[j] = held
        # statuses, losses, active sessions
        ordered = sorted(changes, key=lambda c: c.time)
        starts = np.array([s[1] for s in sessions], dtype=float)
        ends = np.array([s[2] for s in sessions], dtype=float)
        ends = np.where(np.isnan(ends), math.inf, ends)
        loss_times = np.array([loss.time for loss in losses], dtype=float)
        loss_nodes = np.array([loss.node for loss in losses], dtype=int)
        loss_causes = [loss.cause for loss in losses]
        out = []
        for j, time in enumerate(t):
            status = [STATUS_CODES["removed"]] * n
            for change in ordered:
                if change.time <= time:
                    status[change.node] = STATUS_CODES[change.status]
            found = loss_times <= time
            by_cause = dict.fromkeys(LOST_CAUSES, 0)
            for cause, hit in zip(loss_causes, found, strict=True):
                if hit:
                    by_cause[cause] += 1
            lost = np.bincount(loss_nodes[found & (loss_nodes >= 0)], minlength=n)[:n]
            out.append(
                timeline_row(
                    time=float(time),
                    active_sessions=int(np.count_nonzero((starts <= time) & (time < ends))),
                    sessions_lost=int(np.count_nonzero(found)),
                    lost_by_cause=by_cause,
                    store_busy=int(store_busy[j]),
                    store_queued=int(store_queued[j]),
                    busy=[int(v) for v in busy[j]],
                    queued=[int(v) for v in queued[j]],
                    carts=[int(v) for v in carts[j]],
                    status=status,
                    lost=[int(v) for v in lost],
                )
            )
        return out
