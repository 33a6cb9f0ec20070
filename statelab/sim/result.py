"""The result of a run: what happened to every request and session, as tables.

A :class:`Result` is the lab notebook of one simulated run. It holds the raw
records the model wrote (plain tuples, cheap to append while the simulation
runs) and turns them into pandas DataFrames the first time they are asked
for, once:

- :attr:`Result.requests`: one row a request attempt, with its outcome;
- :attr:`Result.sessions`: one row a shopper's session, lost or not and why;
- :attr:`Result.timeline`: one row every ``sample_interval`` seconds: nodes
  up, sessions active and lost, and per node the busy workers, the queue and
  the carts held.

:meth:`Result.summary` condenses a run to the numbers a learner compares
(sessions lost, latency percentiles, utilisation), leaving out the
``warmup`` seconds at the start.

Units: times in seconds from the start of the run.
"""

from __future__ import annotations

import itertools
import math
from functools import cached_property

import numpy as np
import pandas as pd

from statelab.sim.records import (
    LOST_CAUSES,
    OUTCOME_CODES,
    OUTCOMES,
    STATUS_CODES,
    STATUSES,
    AutoscalerDecision,
    CartMove,
    LossRecord,
    NodeChange,
    NodeTime,
    RequestRecord,
    SessionRecord,
    index,
    timeline_columns,
)

REQUEST_COLUMNS = RequestRecord._fields
SESSION_COLUMNS = SessionRecord._fields
#: Positions in a session record, for the summary's scans.
SESSION_START = index(SessionRecord, "start")
SESSION_END = index(SessionRecord, "end")
SESSION_LOST_CAUSE = index(SessionRecord, "lost_cause")
SESSION_DUPLICATES = index(SessionRecord, "duplicate_items")
SESSION_NOT_KEPT = index(SessionRecord, "items_not_kept")


class Described(pd.DataFrame):
    """:meth:`Result.describe`'s table: a DataFrame shown whole in a notebook and at the
    prompt (pandas cuts a cell at 50 characters, which cut the meanings mid-sentence)."""

    @property
    def _constructor(self):
        return pd.DataFrame  # what is made from it (a selection, a copy) is a plain frame

    def _repr_html_(self) -> str | None:
        with pd.option_context("display.max_colwidth", None):
            return super()._repr_html_()

    def __repr__(self) -> str:
        with pd.option_context("display.max_colwidth", None, "display.width", 250):
            return super().__repr__()


class Result:
    """What one run of :func:`statelab.simulate` recorded.

    Attributes
    ----------
    scenario : Scenario
        The scenario that produced it.
    requests : pandas.DataFrame
        One row a request attempt: ``session``, ``request`` (which of the
        session's requests, from 0), ``attempt`` (1 for a first try), ``node``
        (-1 when no node was up), ``arrival``, ``start`` (service start, NaN if
        it never got a worker), ``end`` (when it ended for the client: answered,
        failed, or given up after ``client_timeout``; NaN while in flight),
        ``done`` (when the node stopped working on it; later than ``end`` for an
        attempt the client gave up on), ``outcome`` (``"ok"``, ``"state_lost"``, ``"failed"``,
        ``"timed_out"`` or ``"in_flight"``), ``applied`` (its item was written where the
        cart lives: at the end of its work, or at ``write_at`` of it, so a crash after the
        write leaves a ``"failed"`` attempt applied) and ``duplicate`` (its item had
        already been added by another
        attempt of the same request). Latency is ``end - arrival``; waiting ``start - arrival``.
    sessions : pandas.DataFrame
        One row a session: ``session``, ``start``, ``end`` (its last
        request's end, NaN if it was still going at the end of the run),
        ``requests`` (attempts it sent), ``lost_state`` and ``lost_cause``
        (one of :data:`LOST_CAUSES`, or ``""``).
    timeline : pandas.DataFrame
        One row a sample: ``time``, ``nodes_up`` (serving, draining
        included), ``nodes_draining``, ``nodes_booting``, ``nodes_down``,
        ``busy``, ``queued``, ``in_system`` (busy + queued, at the nodes),
        ``carts``, ``active_sessions``, ``sessions_lost`` (cumulative) and
        ``sessions_lost_<cause>`` for each cause, ``store_busy`` and
        ``store_queued`` (calls at the session store), then ``busy_<k>``,
        ``queued_<k>``, ``carts_<k>``, ``status_<k>`` (``"up"``,
        ``"draining"``, ``"booting"``, ``"down"`` or ``"removed"``) and
        ``lost_<k>`` (carts lost so far that node k held) for every node k the
        cluster ever has.
    losses : pandas.DataFrame
        One row a lost session: when it found out, from which node, and why.
    autoscaler : pandas.DataFrame
        The autoscaler's decisions, one row an interval (empty without one).
    node_changes : pandas.DataFrame
        One row each time a node changed: ``time``, ``node``, ``status``
        (``"up"``, ``"draining"``, ``"booting"``, ``"down"`` or ``"removed"``).
    """

    def __init__(
        self,
        scenario,
        requests: list[tuple],
        sessions: list[tuple],
        timeline: list[tuple],
        node_changes: list[NodeChange],
        autoscaler: list[AutoscalerDecision] = (),
        losses: list[LossRecord] = (),
        gave_up: list[float] = (),
        moves: list[tuple] = (),
        node_times: list[tuple] = (),
        policies: dict[str, str] | None = None,
        refused: list[float] = (),
        lost_updates: list[tuple] = (),
    ) -> None:
        self.scenario = scenario
        #: The learner's functions that ran in place of the scenario's rules: kind
        #: (``"router"``, ``"drain"``, ``"idempotency"``) -> the function's name.
        self.policies = dict(policies or {})
        self._request_records = requests
        self._session_records = sessions
        self._timeline_records = timeline
        self._node_changes = node_changes
        self._autoscaler = list(autoscaler)
        self._losses = list(losses)
        self._gave_up = list(gave_up)
        self._refused = list(refused)  # the session starts of the retries a budget refused
        # (time, session, items, session start) of each lost update (state.Ledger)
        self._lost_updates = list(lost_updates)
        self._moves = moves  # plain tuples with the fields of CartMove
        self._node_times = node_times  # plain tuples with the fields of NodeTime

    def __repr__(self) -> str:
        return (
            f"<Result: {len(self._session_records):,} sessions, "
            f"{len(self._request_records):,} requests over {self.scenario.duration:g} s>"
        )

    @property
    def request_count(self) -> int:
        """Request attempts in the run, the warm-up's included."""
        return len(self._request_records)

    @property
    def session_count(self) -> int:
        """Sessions in the run, the warm-up's included (``summary()["sessions"]`` leaves
        them out)."""
        return len(self._session_records)

    # -- tables -----------------------------------------------------------

    @cached_property
    def _request_arrays(self) -> dict[str, np.ndarray]:
        width = len(REQUEST_COLUMNS)
        records = self._request_records
        # the records' fields one after another, read straight into a float array (a
        # quarter quicker than np.array(records), which first works out the nesting)
        flat = itertools.chain.from_iterable(records)
        table = np.fromiter(flat, dtype=float, count=len(records) * width).reshape(-1, width)
        return {name: table[:, i] for i, name in enumerate(REQUEST_COLUMNS)}

    @cached_property
    def requests(self) -> pd.DataFrame:
        records = self._request_arrays
        # by arrival, then session; a stable sort, so ties keep the order they were recorded
        # in (as sort_values(kind="stable") orders them, without sorting a whole DataFrame)
        order = np.lexsort((records["session"], records["arrival"]))
        arrays = {name: column[order] for name, column in records.items()}
        return pd.DataFrame(
            {
                "session": arrays["session"].astype(np.int64),
                "request": arrays["request"].astype(np.int64),
                "attempt": arrays["attempt"].astype(np.int64),
                "node": arrays["node"].astype(np.int64),
                "arrival": arrays["arrival"],
                "start": arrays["start"],
                "end": arrays["end"],
                "done": arrays["done"],
                "outcome": pd.Categorical.from_codes(
                    arrays["outcome"].astype(np.int8), categories=list(OUTCOMES)
                ),
                "applied": arrays["applied"].astype(bool),
                "duplicate": arrays["duplicate"].astype(bool),
            }
        )

    @cached_property
    def sessions(self) -> pd.DataFrame:
        columns = list(zip(*self._session_records, strict=True)) or [()] * len(SESSION_COLUMNS)
        get = dict(zip(SESSION_COLUMNS, columns, strict=True))
        session = np.array(get["session"], dtype=np.int64)
        order = np.argsort(session, kind="stable")  # by session (records come as they end)

        def column(name: str, dtype) -> np.ndarray:
            return np.array(get[name], dtype=dtype)[order]

        lost_cause = column("lost_cause", object)
        return pd.DataFrame(
            {
                "session": session[order],
                "start": column("start", float),
                "end": column("end", float),
                "requests": column("requests", np.int64),
                "lost_state": lost_cause != "",
                "lost_cause": pd.array(lost_cause, dtype=object),
                "duplicate_items": column("duplicate_items", np.int64),
                "items_not_kept": column("items_not_kept", np.int64),
            }
        )

    @cached_property
    def timeline(self) -> pd.DataFrame:
        n = self.scenario.max_nodes()
        columns = timeline_columns(n)
        frame = pd.DataFrame.from_records(self._timeline_records, columns=columns)
        codes = frame[[f"status_{k}" for k in range(n)]].to_numpy()
        totals = {
            "nodes_up": ((codes == STATUS_CODES["up"]) | (codes == STATUS_CODES["draining"])),
            "nodes_draining": codes == STATUS_CODES["draining"],
            "nodes_booting": codes == STATUS_CODES["booting"],
            "nodes_down": codes == STATUS_CODES["down"],
        }
        for k in range(n):
            frame[f"status_{k}"] = pd.Categorical.from_codes(codes[:, k], categories=STATUSES)
        per_node = {
            what: frame[[f"{what}_{k}" for k in range(n)]].sum(axis=1)
            for what in ("busy", "queued", "carts")
        }
        head = {name: mask.sum(axis=1) for name, mask in totals.items()}
        head.update(
            busy=per_node["busy"],
            queued=per_node["queued"],
            in_system=per_node["busy"] + per_node["queued"],
            carts=per_node["carts"],
        )
        for position, (name, values) in enumerate(head.items(), start=1):
            frame.insert(position, name, values)
        return frame

    @cached_property
    def losses(self) -> pd.DataFrame:
        """One row a lost session, when it found out: ``time``, ``session``, ``node`` (the
        node whose memory held the cart, -1 for none) and ``cause``."""
        return pd.DataFrame.from_records(self._losses, columns=LossRecord._fields)

    @cached_property
    def autoscaler(self) -> pd.DataFrame:
        """The autoscaler's decisions: ``time``, ``nodes`` (before), ``utilisation``
        (over the last interval), ``desired`` and ``size`` (the nodes it set)."""
        return pd.DataFrame.from_records(self._autoscaler, columns=AutoscalerDecision._fields)

    @cached_property
    def node_changes(self) -> pd.DataFrame:
        return pd.DataFrame.from_records(self._node_changes, columns=NodeChange._fields)

    @cached_property
    def cart_moves(self) -> pd.DataFrame:
        """Where each cart is in node memory over time, in the order the model moved them:
        ``time``, ``session``, ``node`` (the node whose memory holds it from then on, -1 when
        none does: the session ended, its node crashed or left). Empty unless ``state`` is
        ``"server"`` or ``"replicated"``."""
        return pd.DataFrame.from_records(list(self._moves), columns=CartMove._fields)

    @cached_property
    def node_times(self) -> pd.DataFrame:
        """The node-side times the requests table does not tell (see :class:`NodeTime`):
        ``session``, ``request``, ``attempt``, ``queued_from`` (when the attempt joined its
        node's line of workers, NaN: never) and ``left`` (when the node let go of it, NaN:
        still there at the end), for the attempts a client gave up on and, with a session
        store, those whose store call did not take exactly ``store_latency`` seconds."""
        return pd.DataFrame.from_records(list(self._node_times), columns=NodeTime._fields)

    def windows(self, width: float | None = None) -> pd.DataFrame:
        """Requests served a second and latency percentiles in windows of ``width`` seconds.

        By default the window is the sample interval, but at least 1/60 of the
        run, so a plot has at most about 60 points. Requests count in the
        window in which they ended; latency columns are NaN for a window in
        which none was served.

        Returns
        -------
        pandas.DataFrame
            ``time`` (the window's end), ``throughput`` (served requests a
            second), ``failed`` (failed attempts a second), ``latency_p50``,
            ``latency_p95``, ``latency_p99`` (seconds).
        """
        duration = self.scenario.duration
        if width is None:
            width = max(self.scenario.sample_interval, duration / 60)
        if not width > 0:
            raise ValueError(f"width must be above 0 seconds, got {width}")
        count = max(1, math.ceil(duration / width - 1e-9))
        r = self._request_arrays
        done = ~np.isnan(r["end"])
        bins = np.minimum((r["end"][done] / width).astype(int), count - 1)
        outcome = r["outcome"][done]
        latency = r["end"][done] - r["arrival"][done]
        served = outcome <= OUTCOME_CODES["state_lost"]
        quantiles = _window_quantiles(bins[served], latency[served], count, (0.5, 0.95, 0.99))
        ends = np.minimum((np.arange(count) + 1) * width, duration)
        spans = ends - np.arange(count) * width
        return pd.DataFrame(
            {
                "time": ends,
                "throughput": np.bincount(bins[served], minlength=count) / spans,
                "failed": np.bincount(bins[outcome == OUTCOME_CODES["failed"]], minlength=count)
                / spans,
                "latency_p50": quantiles[0],
                "latency_p95": quantiles[1],
                "latency_p99": quantiles[2],
            }
        )

    def gave_up(self) -> int:
        """Requests whose last attempt failed with no retry left: shoppers who saw an error.

        A failed attempt whose retry was still due when the run ended is not
        counted. Like ``summary()["gave_up"]``, but over the whole run.
        """
        return len(self._gave_up)

    def retries_refused(self) -> int:
        """Retries the retry budget refused over the whole run, warm-up included (each gave
        its request up). Like ``summary()["retries_refused"]``, but over the whole run."""
        return len(self._refused)

    def lost_updates(self) -> pd.DataFrame:
        """The lost updates of the whole run, warm-up included: one row each time a write
        of a shopper's whole cart (a cookie from another tab's answer, or a store's
        unprotected read-modify-write) replaced a cart of another size than the one it was
        built on: ``time`` (seconds), ``session``, and ``items``: how many items it
        overwrote that another attempt of the shopper had written; negative when it was
        built on an older cart that still held items an earlier lost update had
        overwritten, and so brought them back. A session's sum is the items it lost for
        good; ``summary()["lost_updates"]`` sums them over the sessions that started after
        the warm-up."""
        rows = [(time, session, items) for time, session, items, _ in self._lost_updates]
        return pd.DataFrame(rows, columns=["time", "session", "items"]).astype(
            {"time": float, "session": "int64", "items": "int64"}
        )

    def active_at(self, time: float) -> pd.DataFrame:
        """The sessions active at ``time`` seconds: started at or before it, not yet ended.

        A session that was still going when the run stopped counts as active
        until the end.
        """
        sessions = self.sessions
        end = sessions["end"].fillna(math.inf)
        return sessions[(sessions["start"] <= time) & (end > time)]

    # -- numbers ----------------------------------------------------------

    def summary(self) -> dict:
        """The key numbers of the run, leaving out the scenario's ``warmup`` seconds.

        Requests count when they arrived at or after ``warmup``, sessions when
        they started then. Latency (``end - arrival``) and waiting
        (``start - arrival``) statistics are over the served requests (``ok``
        and ``state_lost``), in seconds. ``utilisation`` is the share of the
        worker-seconds of the running nodes that were spent serving, over the
        window from ``warmup`` to ``duration``. ``throughput`` is served
        requests per second over that window.

        Returns
        -------
        dict
            ``sessions``, ``sessions_lost``, ``sessions_lost_<cause>`` for each
            cause, ``requests`` (attempts), ``ok``, ``state_lost``,
            ``failed``, ``timed_out``, ``in_flight``, ``gave_up`` (requests whose last
            attempt failed, retries used up or refused), ``retries_refused`` (retries a
            ``retry_budget`` did not let go), ``wait_mean``, ``latency_mean``,
            ``latency_p50``, ``latency_p95``, ``latency_p99``,
            ``utilisation``, ``throughput``, and ``event_lost_share``: the
            share of the sessions active at the scenario's first event that
            lost their state (NaN without events; compare it with
            :func:`statelab.theory.expected_lost_share`), ``duplicate_items``
            (cart items added twice) and ``items_not_kept`` (cart items the
            browser silently refused) and ``lost_updates`` (cart items a later write of the
            same shopper's cart overwrote: two tabs, or the store's read-modify-write), over
            the sessions that started after the warm-up.
        """
        return dict(self._summary)

    def describe(self, *names: str) -> pd.DataFrame:
        """The summary as a table for people: each number, rounded, with what it means.

        ``names``: only these numbers, in this order (``describe("sessions_lost",
        "latency_p95")``); none: every one. ``event_lost_share`` is left out of a run with
        no event (no Crash, Restart, ScaleTo or StoreOutage: there is no moment to measure
        it at); when there is an event but no shopper was active at it, its NaN is
        explained in the table.
        """
        summary = dict(self.summary())
        if self.scenario.first_event() is None:
            del summary["event_lost_share"]
        unknown = [name for name in names if name not in summary]
        if unknown:
            raise ValueError(
                f"statelab: describe() has no number {unknown[0]!r}; allowed: {', '.join(summary)}"
            )
        if names:
            summary = {name: summary[name] for name in names}
        values = [round(v, 3) if isinstance(v, float) else v for v in summary.values()]
        meanings = [SUMMARY_MEANINGS.get(key, _cause_meaning(key)) for key in summary]
        if "event_lost_share" in summary and math.isnan(summary["event_lost_share"]):
            index = list(summary).index("event_lost_share")
            meanings[index] += " (NaN: no shopper was active at the first event)"
        index = pd.Index(list(summary), name="number")
        return Described(
            {"value": pd.Series(values, index=index, dtype=object), "what it means": meanings},
            index=index,
        )

    @cached_property
    def _summary(self) -> dict:
        scenario = self.scenario
        window = scenario.duration - scenario.warmup
        r = self._request_arrays
        counted = r["arrival"] >= scenario.warmup
        outcome = r["outcome"][counted]
        counts = {
            name: int(np.count_nonzero(outcome == code)) for name, code in OUTCOME_CODES.items()
        }
        served = counted & (r["outcome"] <= OUTCOME_CODES["state_lost"])
        latency = r["end"][served] - r["arrival"][served]
        wait = r["start"][served] - r["arrival"][served]

        counted_sessions = [r for r in self._session_records if r[SESSION_START] >= scenario.warmup]
        causes = [row[SESSION_LOST_CAUSE] for row in counted_sessions]
        lost = {f"sessions_lost_{cause}": causes.count(cause) for cause in LOST_CAUSES}
        summary = {
            "sessions": len(causes),
            "sessions_lost": sum(lost.values()),
            **lost,
            "requests": int(np.count_nonzero(counted)),
            **counts,
            "gave_up": sum(1 for start in self._gave_up if start >= scenario.warmup),
            "retries_refused": sum(1 for start in self._refused if start >= scenario.warmup),
            "wait_mean": _mean(wait),
            "latency_mean": _mean(latency),
            "latency_p50": _percentile(latency, 50),
            "latency_p95": _percentile(latency, 95),
            "latency_p99": _percentile(latency, 99),
            "utilisation": self._utilisation(),
            "throughput": len(latency) / window,
            "event_lost_share": self._event_lost_share(),
            "duplicate_items": sum(r[SESSION_DUPLICATES] for r in counted_sessions),
            "items_not_kept": sum(r[SESSION_NOT_KEPT] for r in counted_sessions),
            "lost_updates": sum(
                items for _, _, items, start in self._lost_updates if start >= scenario.warmup
            ),
        }
        return summary

    def _event_lost_share(self) -> float:
        """Share of the sessions active at the first event that lost their state (NaN: none)."""
        first = self.scenario.first_event()
        if first is None:
            return math.nan
        at = first.at
        start, end, cause = SESSION_START, SESSION_END, SESSION_LOST_CAUSE
        records = self._session_records
        active = [r for r in records if r[start] <= at and not (r[end] <= at)]  # NaN: going on
        if not active:
            return math.nan
        return sum(1 for r in active if r[cause]) / len(active)

    def _utilisation(self) -> float:
        """Busy worker-seconds over the worker-seconds of running nodes, in the window."""
        scenario = self.scenario
        low, high = scenario.warmup, scenario.duration
        r = self._request_arrays
        started = ~np.isnan(r["start"])
        begin = np.clip(r["start"][started], low, high)
        end = np.clip(np.nan_to_num(r["done"][started], nan=high), low, high)
        busy = float(np.sum(end - begin))
        capacity = self.up_seconds(low, high) * scenario.workers
        return busy / capacity if capacity > 0 else math.nan

    def up_seconds(self, low: float, high: float) -> float:
        """Node-seconds the cluster's nodes were running between ``low`` and ``high``.

        A draining node is running: it still serves the sessions pinned to it.
        """
        total = 0.0
        since: dict[int, float] = {}
        for time, node, status in sorted(self._node_changes, key=lambda c: c.time):
            running = status in ("up", "draining")
            if running and node not in since:
                since[node] = time
            elif not running and node in since:
                total += max(0.0, min(time, high) - max(since.pop(node), low))
        for start in since.values():
            total += max(0.0, high - max(start, low))
        return total

    def work_by_node(self) -> pd.Series:
        """Share of all service work (busy seconds) each node did: hot spots stand out.

        Indexed by node number; sums to 1. A perfectly even cluster of N nodes
        gives every node 1/N.
        """
        r = self._request_arrays
        started = ~np.isnan(r["start"])
        end = np.nan_to_num(r["done"][started], nan=self.scenario.duration)
        work = pd.Series(end - r["start"][started]).groupby(r["node"][started].astype(int)).sum()
        work = work.reindex(range(self.scenario.max_nodes()), fill_value=0.0)
        work.index.name = "node"
        return work / work.sum() if work.sum() > 0 else work


SUMMARY_MEANINGS = {
    "sessions": "shopper sessions that started (after the warm-up)",
    "sessions_lost": "sessions that lost their login and cart",
    "requests": "request attempts sent",
    "ok": "requests served with their session's state",
    "state_lost": "requests served, but the session's state was gone",
    "failed": "requests that failed: no node up, or their node crashed",
    "in_flight": "requests still under way when the run stopped",
    "gave_up": "requests that failed with no retry left: shoppers who saw an error",
    "retries_refused": "retries the retry budget did not let go (their requests gave up)",
    "wait_mean": "mean seconds a request waited for a worker",
    "latency_mean": "mean seconds from sending a request to its answer",
    "latency_p50": "half of the requests were answered within this many seconds",
    "latency_p95": "95% of the requests were answered within this many seconds",
    "latency_p99": "99% of the requests were answered within this many seconds",
    "utilisation": "share of the running workers' time spent serving",
    "throughput": "requests served a second",
    "event_lost_share": "share of the shoppers active at the first event who lost their cart",
    "duplicate_items": "cart items added twice: a retried add that had already been applied",
    "items_not_kept": "cart items the browser silently refused: the cookie was over its limit",
    "lost_updates": "cart items a later write of the same cart overwrote (tabs, read-modify-write)",
    "timed_out": "request attempts the client gave up on (client_timeout)",
}


def _cause_meaning(key: str) -> str:
    cause = key.removeprefix("sessions_lost_").replace("_", " ")
    return f"sessions lost, cause: {cause}"


def _window_quantiles(
    bins: np.ndarray, values: np.ndarray, count: int, qs: tuple[float, ...]
) -> list[np.ndarray]:
    """For each quantile of ``qs``, its value in each of ``count`` windows (NaN where a
    window has no value), interpolated linearly, for all windows at once."""
    order = np.lexsort((values, bins))
    ordered, windows = values[order], bins[order]
    bounds = np.searchsorted(windows, np.arange(count + 1))
    sizes = np.diff(bounds)
    some = sizes > 0
    first, sizes = bounds[:-1][some], sizes[some]
    found = []
    for q in qs:
        column = np.full(count, np.nan)
        position = q * (sizes - 1)
        below = np.floor(position).astype(np.int64)
        t = position - below
        a = ordered[first + below]
        b = ordered[first + np.minimum(below + 1, sizes - 1)]
        column[some] = a + t * (b - a)  # linear, as pandas' grouped quantile computes it
        found.append(column)
    return found


def _mean(values: np.ndarray) -> float:
    return float(np.mean(values)) if len(values) else math.nan


def _percentile(values: np.ndarray, q: float) -> float:
    return float(np.percentile(values, q)) if len(values) else math.nan
