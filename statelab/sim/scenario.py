"""The scenario: everything that describes one simulated day at the shop.

A :class:`Scenario` is the recipe of an experiment, written down before it runs:
how many shoppers arrive and how they behave (the workload), what the cluster
looks like (nodes, worker slots, the load balancer, session affinity), where
the shoppers' state lives, what happens to the cluster on the way (crashes and
restarts), and how long to watch. It is frozen: to try something else, make a
changed copy with :meth:`Scenario.replace`, which is checked again.

Every field has a default, so ``Scenario()`` is a small shop that works: three
web servers behind a round-robin balancer with sticky sessions, about 3,600
requests in two simulated minutes, the servers about half busy.

Units: times in seconds, rates per second.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path

from statelab.sim import checks, presets
from statelab.sim.errors import ScenarioError, ScenarioTypeError
from statelab.sim.events import (
    MAX_EVENTS,
    Autoscale,
    Crash,
    Event,
    RandomFailures,
    Restart,
    ScaleTo,
    StoreOutage,
    scalings,
    size_at,
)
from statelab.sim.records import timeline_columns
from statelab.sim.traces import Trace, load_trace

BALANCERS = ("round_robin", "random", "least_connections", "two_choices")
AFFINITIES = ("none", "sticky", "ip_hash", "source_hash", "consistent_hash")
STATE_LOCATIONS = ("server", "cookie", "store", "replicated")
SESSION_LENGTHS = ("fixed", "geometric", "heavy_tailed")
#: How the session store applies an add: in one step, or as a node's read and write back.
STORE_UPDATES = ("atomic", "read_modify_write")
#: How a client spreads its retries: None (an exponential wait of mean ``retry_backoff``) or
#: ``"full"`` (AWS's full jitter: uniform up to the capped exponential backoff).
RETRY_JITTERS = (None, "full")

#: The longest run a scenario may ask for, in simulated seconds (one week).
MAX_DURATION = 7 * 24 * 3600.0
#: The shortest time between two timeline rows, in seconds (or the run, if shorter).
MIN_SAMPLE_INTERVAL = 0.01
#: The most timeline rows a run may record.
MAX_SAMPLES = 200_000
#: The most timeline cells (rows x columns; a node adds 5 columns) a run may record: each
#: costs 8 bytes in the frame and some 30 while the run keeps it.
MAX_TIMELINE_CELLS = 10_000_000


@checks.errors_at_the_call
@dataclass(frozen=True)
class Scenario:
    """One experiment with the simulated web shop.

    Parameters
    ----------
    arrival_rate : float, str or Trace
        New shopper sessions per second (Poisson arrivals), above 0 and at most
        10,000; or a workload trace whose rate changes over the run: the name of
        one in ``data/traces/`` (such as ``"flash_sale"``), the path of a trace file,
        or a :class:`~statelab.sim.traces.Trace`. A trace is read and checked when
        the scenario is made, and the scenario keeps its points (``arrival_rate``
        is then the Trace), so a later change to the file changes nothing.
    requests_per_session : int
        Requests a session sends, 1 to 1,000 (``session_length="fixed"``: exactly this many).
    session_length : str
        How the number of requests varies between sessions, always with the mean
        ``requests_per_session``: ``"fixed"`` (exactly that many), ``"geometric"``
        (as if each request were the last with the same chance) or
        ``"heavy_tailed"`` (a power law: most sessions are short and a few
        shoppers send very many requests, up to 100 times the mean).
    think_time : float
        Mean seconds a shopper waits between two of its requests (exponential), 0 to 3,600.
    service_time : float
        Mean seconds of work a node spends on one request (exponential), above 0 and at most 3,600.
    nodes : int
        Web servers running at the start, 1 to 64, numbered 0 to ``nodes - 1``.
    workers : int
        Requests one node serves at once, 1 to 256; more wait in that node's queue.
    health_check_delay : float
        Seconds before the balancer notices that a node died; requests it
        sends there meanwhile fail at once. 0 to 3,600.
    retries : int
        How many times a client retries a failed request, 0 to 10.
    retry_backoff : float
        Mean seconds (exponential) a client waits before a retry, 0 to 600; with
        ``retry_jitter="full"``, the base of the backoff.
    retry_jitter : str or None
        None (the default): the wait before a retry is exponential with mean
        ``retry_backoff``. ``"full"`` (AWS's "full jitter"): the wait before retry k (k = 0
        for the first) is uniform from 0 to ``min(retry_backoff_cap, retry_backoff * 2**k)``;
        needs ``retry_backoff`` above 0.
    retry_backoff_cap : float
        The most seconds a full-jitter wait can be (default 30), above 0 and at most 3,600.
    retry_budget : float or None
        None (the default), or the retry budget of Finagle and Linkerd, shared by the
        cluster's clients, as a share from 0 to 1: a retry is sent only while the retries
        sent in the last 10 seconds are below this share of the
        first attempts sent in them; a retry the budget refuses gives the request up
        (``summary()["retries_refused"]``).
    client_timeout : float or None
        Seconds a client waits for an answer before it gives up on the attempt and
        counts it failed (``"timed_out"``; retried as ``retries`` allows), above 0 and at
        most 3,600; None (the default): it waits for ever. The node does not know and
        finishes the attempt, and a finished add is applied.
    write_at : float
        Where in an attempt's work its change is written to where the state lives, as a
        share of the work: 1.0 (the default) at its end, 0.0 at its start, 0.5 half way.
        Server, store and replicated state are written at that moment (cookie state only
        travels in the answer, so it ignores it). An attempt cut short after its write (a
        crash) has applied its change without answering: its retry applies it again
        unless ``idempotency_keys`` is on.
    tabs : int
        Browser tabs a shopper uses at once, 1 (the default) to 8: the session's requests
        are dealt in turn to that many tabs, each waiting its own think time between its
        requests, so up to ``tabs`` requests of one shopper are in flight together. The
        tabs share the sticky pin and the cookie as last received, so with
        ``state="cookie"`` one tab's answer can overwrite another's cart
        (``summary()["lost_updates"]``).
    store_update : str
        How the session store applies an add (``state="store"`` only): ``"atomic"`` (the
        default: in one step, as Redis's HINCRBY or a SQL UPDATE ... SET n = n + 1) or
        ``"read_modify_write"`` (the node reads the cart when its store call returns and
        writes the whole cart back at ``write_at`` of its work, unprotected: of two
        overlapping attempts of one shopper, the later write loses the earlier one's item,
        counted in ``summary()["lost_updates"]``). Idempotency keys are kept atomically.
    idempotency_keys : bool
        Whether every add carries an idempotency key (the session and the request's
        number) that the place holding the cart applies once. Without keys, an add that
        is applied twice (a timed-out attempt and its retry both finish) is a duplicate
        item; a cookie carries the whole cart, so it never duplicates.
    balancer : str
        How the load balancer picks a node: ``"round_robin"``, ``"random"``,
        ``"least_connections"`` (fewest requests in flight) or ``"two_choices"``
        (the less busy of two nodes picked at random).
    affinity : str
        ``"none"`` (every request is balanced on its own), ``"sticky"`` (a
        session is pinned, by cookie, to the node that first served it),
        ``"ip_hash"`` (nginx's: a hash of the client modulo the *configured* nodes;
        while that node is down its clients go to another, and come back when it is
        up, so a crash moves only its clients), ``"source_hash"`` (HAProxy's
        ``balance source`` with its default map-based hashing: modulo the *live*
        nodes, so one crash moves most clients) or ``"consistent_hash"`` (a hash
        ring with ``vnodes`` points a node, as HAProxy's ``hash-type consistent``).
    vnodes : int
        Points each node owns on the consistent-hash ring, 1 to 1,000.
    state : str
        Where a session's login and cart live: ``"server"`` (the memory of the
        node that served it), ``"cookie"`` (sent by the client with every
        request), ``"store"`` (a shared session store every request calls) or
        ``"replicated"`` (node memory, copied to a peer node after every
        request; the balancer fails over to the peer).
    cookie_limit : int
        Bytes of name and value a browser keeps for one cookie (4,096). The cookie's
        encoded size counts its name, the base64 of the cart and the signature (see
        :mod:`statelab.sim.cookie`); an item that would make it larger is silently not
        kept, as the browser ignores the new cookie and keeps the old one
        (``items_not_kept``; the session is lost, ``"cookie_too_large"``). 1 to 1,000,000.
    cookie_bytes_per_item : int
        Bytes each cart item adds to the cart's JSON (before base64), 1 to 100,000.
    cookie_cost_per_kb : float
        Extra seconds of node work per KB of cookie a request carries, 0 to 10.
    store_latency : float
        Seconds one call to the session store takes once served, 0 to 60.
    store_workers : int
        Calls the session store serves at once, 1 to 1,024.
    store_persistent : bool
        Whether the store's sessions survive a :class:`StoreOutage`.
    events : tuple of Crash, Restart, ScaleTo and StoreOutage
        What happens to the cluster during the run.
    failures : RandomFailures or None
        Nodes failing and being repaired at random all along.
    autoscale : Autoscale or None
        The cluster resizing itself to its load.
    duration : float
        Simulated seconds; no session starts after it and unfinished requests
        are counted in flight. Above 0 and at most one week.
    warmup : float
        Seconds at the start whose requests and sessions the summary leaves
        out (the frames keep them); at least 0 and less than ``duration``.
    sample_interval : float
        Seconds between two rows of the timeline.
    seed : int
        Seed of every random choice; the same scenario and seed give the same result.
    """

    arrival_rate: float | Trace = 5.0
    requests_per_session: int = 6
    session_length: str = "fixed"
    think_time: float = 4.0
    service_time: float = 0.2
    nodes: int = 3
    workers: int = 4
    health_check_delay: float = 0.0
    retries: int = 0
    retry_backoff: float = 0.0
    retry_jitter: str | None = None
    retry_backoff_cap: float = 30.0
    retry_budget: float | None = None
    client_timeout: float | None = None
    write_at: float = 1.0
    tabs: int = 1
    store_update: str = "atomic"
    idempotency_keys: bool = False
    balancer: str = "round_robin"
    affinity: str = "sticky"
    vnodes: int = 100
    state: str = "server"
    cookie_limit: int = 4096
    cookie_bytes_per_item: int = 150
    cookie_cost_per_kb: float = 0.005
    store_latency: float = 0.002
    store_workers: int = 16
    store_persistent: bool = True
    events: tuple[Event, ...] = field(default_factory=tuple)
    failures: RandomFailures | None = None
    autoscale: Autoscale | None = None
    duration: float = 120.0
    warmup: float = 0.0
    sample_interval: float = 1.0
    seed: int = 1

    def __post_init__(self) -> None:
        checked = {
            "arrival_rate": self._checked_arrival_rate(),
            "requests_per_session": checks.whole_number(
                "requests_per_session", self.requests_per_session, 1, 1_000
            ),
            "session_length": checks.choice("session_length", self.session_length, SESSION_LENGTHS),
            "think_time": checks.number(
                "think_time", self.think_time, 0.0, 3_600.0, unit="seconds"
            ),
            "service_time": checks.number(
                "service_time", self.service_time, 0.0, 3_600.0, low_open=True, unit="seconds"
            ),
            "nodes": checks.whole_number("nodes", self.nodes, 1, 64),
            "workers": checks.whole_number("workers", self.workers, 1, 256),
            "health_check_delay": checks.number(
                "health_check_delay", self.health_check_delay, 0.0, 3_600.0, unit="seconds"
            ),
            "retries": checks.whole_number("retries", self.retries, 0, 10),
            "retry_backoff": checks.number(
                "retry_backoff", self.retry_backoff, 0.0, 600.0, unit="seconds"
            ),
            "retry_jitter": None
            if self.retry_jitter is None
            else checks.choice("retry_jitter", self.retry_jitter, ("full",)),
            "retry_backoff_cap": checks.number(
                "retry_backoff_cap",
                self.retry_backoff_cap,
                0.0,
                3_600.0,
                low_open=True,
                unit="seconds",
            ),
            "retry_budget": None
            if self.retry_budget is None
            else checks.number(
                "retry_budget",
                self.retry_budget,
                0.0,
                1.0,
                unit="a share of the first attempts (or None: no budget)",
            ),
            "client_timeout": None
            if self.client_timeout is None
            else checks.number(
                "client_timeout",
                self.client_timeout,
                0.0,
                3_600.0,
                low_open=True,
                unit="seconds (or None: the client waits for ever)",
            ),
            "write_at": checks.number(
                "write_at", self.write_at, 0.0, 1.0, unit="a share of the attempt's work"
            ),
            "tabs": checks.whole_number("tabs", self.tabs, 1, 8),
            "store_update": checks.choice("store_update", self.store_update, STORE_UPDATES),
            "idempotency_keys": checks.boolean("idempotency_keys", self.idempotency_keys),
            "balancer": checks.choice("balancer", self.balancer, BALANCERS),
            "affinity": checks.choice("affinity", self.affinity, AFFINITIES),
            "vnodes": checks.whole_number("vnodes", self.vnodes, 1, 1_000),
            "state": checks.choice("state", self.state, STATE_LOCATIONS),
            "cookie_limit": checks.whole_number("cookie_limit", self.cookie_limit, 1, 1_000_000),
            "cookie_bytes_per_item": checks.whole_number(
                "cookie_bytes_per_item", self.cookie_bytes_per_item, 1, 100_000
            ),
            "cookie_cost_per_kb": checks.number(
                "cookie_cost_per_kb", self.cookie_cost_per_kb, 0.0, 10.0, unit="seconds per KB"
            ),
            "store_latency": checks.number(
                "store_latency", self.store_latency, 0.0, 60.0, unit="seconds"
            ),
            "store_workers": checks.whole_number("store_workers", self.store_workers, 1, 1_024),
            "store_persistent": checks.boolean("store_persistent", self.store_persistent),
            "failures": checks.optional("failures", self.failures, RandomFailures),
            "autoscale": checks.optional("autoscale", self.autoscale, Autoscale),
            "duration": checks.number(
                "duration", self.duration, 0.0, MAX_DURATION, low_open=True, unit="seconds"
            ),
            "seed": checks.whole_number("seed", self.seed, 0, 2**63 - 1),
        }
        for name, value in checked.items():
            object.__setattr__(self, name, value)
        duration = checked["duration"]
        warmup = checks.number("warmup", self.warmup, 0.0, MAX_DURATION, unit="seconds")
        if warmup >= duration:
            raise ScenarioError(
                f"warmup must be less than duration ({duration:g} seconds), got {warmup:g}"
            )
        interval = checks.number(
            "sample_interval",
            self.sample_interval,
            min(MIN_SAMPLE_INTERVAL, duration),
            duration,
            unit="seconds",
            why_low="a timeline row every 10 ms is finer than any figure can show",
        )
        if duration / interval > MAX_SAMPLES:
            raise ScenarioError(
                f"sample_interval={interval:g} would record {duration / interval:,.0f} timeline "
                f"rows over duration={duration:g} s; at most {MAX_SAMPLES:,} are allowed, so use "
                f"a sample_interval of at least {duration / MAX_SAMPLES:g} seconds"
            )
        if self.retry_jitter == "full" and self.retry_backoff == 0:
            raise ScenarioError(
                "retry_jitter='full' spreads retries over a backoff of retry_backoff * 2**k "
                "seconds, so retry_backoff must be above 0 (AWS's examples use 0.1 to 1 s); "
                "got retry_backoff=0"
            )
        if self.store_update != "atomic" and self.state != "store":
            raise ScenarioError(
                f"store_update={self.store_update!r} says how the session store applies an "
                f"add, so it needs state='store', got state={self.state!r}; set "
                f"store_update='atomic' or state='store'"
            )
        object.__setattr__(self, "warmup", warmup)
        object.__setattr__(self, "sample_interval", interval)
        object.__setattr__(self, "events", self._checked_events())
        self._check_trace_covers_the_run()
        self._check_timeline_size()
        autoscale = self.autoscale
        if autoscale is not None and not autoscale.min_nodes <= self.nodes <= autoscale.max_nodes:
            raise ScenarioError(
                f"nodes={self.nodes} must lie within the autoscaler's range, "
                f"Autoscale.min_nodes={autoscale.min_nodes} to "
                f"Autoscale.max_nodes={autoscale.max_nodes}"
            )

    def __repr__(self) -> str:
        """Only the fields that differ from the defaults: ``Scenario(nodes=5, affinity='ip_hash')``.

        ``Scenario()`` is the default shop. The repr evaluates back to an equal scenario
        where ``Scenario``, the events and ``Trace`` are imported; a trace that is one of
        ``data/traces/`` shows as its name.
        """
        changed = []
        for spec in dataclasses.fields(self):
            default = spec.default
            if default is dataclasses.MISSING:
                default = spec.default_factory()
            value = getattr(self, spec.name)
            if value == default and type(value) is type(default):
                continue
            changed.append(f"{spec.name}={_field_repr(value)}")
        return f"{type(self).__name__}({', '.join(changed)})"

    def _check_timeline_size(self) -> None:
        """Refuse a timeline too large to keep: its rows times its columns (5 a node)."""
        rows = self.duration / self.sample_interval + 1
        columns = len(timeline_columns(self.max_nodes()))
        if rows * columns > MAX_TIMELINE_CELLS:
            fits = self.duration / (MAX_TIMELINE_CELLS / columns - 1)
            raise ScenarioError(
                f"sample_interval={self.sample_interval:g} would record {rows:,.0f} timeline rows "
                f"of {columns} columns ({self.max_nodes()} nodes) over duration="
                f"{self.duration:g} s; at most {MAX_TIMELINE_CELLS:,} values are kept, so use "
                f"a sample_interval of at least {fits:.3g} seconds"
            )

    def _checked_arrival_rate(self) -> float | Trace:
        rate = self.arrival_rate
        if isinstance(rate, Trace):
            return rate
        if isinstance(rate, (str, os.PathLike)):
            return load_trace(rate)  # refuses an unknown or malformed trace
        return checks.number(
            "arrival_rate",
            self.arrival_rate,
            0.0,
            10_000.0,
            low_open=True,
            unit="sessions per second (or a trace: its name, its file's path or a Trace)",
        )

    def _check_trace_covers_the_run(self) -> None:
        trace = self.trace()
        if trace is not None and trace.end < self.duration:
            raise ScenarioError(
                f"arrival_rate={trace.name!r} is a trace of {trace.end:g} seconds, "
                f"shorter than duration={self.duration:g}; shorten the run to at most "
                f"{trace.end:g} seconds"
            )

    def trace(self) -> Trace | None:
        """The workload trace of ``arrival_rate``, or None when the rate is a number."""
        return self.arrival_rate if isinstance(self.arrival_rate, Trace) else None

    def _checked_events(self) -> tuple[Event, ...]:
        events = self.events
        if not isinstance(events, (tuple, list)):
            raise ScenarioTypeError(
                f"events must be a tuple of Crash, Restart, ScaleTo and StoreOutage events, "
                f"got {events!r} "
                f"({type(events).__name__})"
            )
        if len(events) > MAX_EVENTS:
            raise ScenarioError(
                f"events holds {len(events):,} events; a scenario may have at most {MAX_EVENTS:,}"
            )
        sizes = None  # the cluster's size over time, made once when first needed
        for index, event in enumerate(events):
            where = f"events[{index}]"
            if not isinstance(event, (Crash, Restart, ScaleTo, StoreOutage)):
                raise ScenarioTypeError(
                    f"{where} must be a Crash, Restart, ScaleTo or StoreOutage event, "
                    f"got {event!r} ({type(event).__name__})"
                )
            kind = type(event).__name__
            if event.at >= self.duration:
                raise ScenarioError(
                    f"{where}: {kind}.at={event.at:g} is not before the end of the run "
                    f"(duration={self.duration:g} seconds); it would never happen"
                )
            if isinstance(event, (ScaleTo, StoreOutage)):
                continue
            if self.autoscale is not None:
                size, because = self.autoscale.max_nodes, "the autoscaler's max_nodes"
                if event.node >= size:
                    raise ScenarioError(
                        f"{where}: {kind}.node={event.node} does not exist; with "
                        f"{because}={size} the nodes are numbered 0 to {size - 1}"
                    )
                continue
            if sizes is None:
                sizes = scalings(events)
            size, because = size_at(self.nodes, sizes, event.at)
            if event.node >= size:
                raise ScenarioError(
                    f"{where}: {kind}.node={event.node} does not exist at {event.at:g} s; "
                    f"the cluster then has {size} nodes ({because}), numbered 0 to {size - 1}"
                )
        return tuple(events)

    def nodes_at(self, time: float, events: tuple | list | None = None) -> tuple[int, str]:
        """How many nodes the cluster is sized to at ``time`` seconds, and why.

        Scaling events at or before ``time`` count; a node that is draining
        after a scale-in is no longer counted.
        """
        events = self.events if events is None else events
        return size_at(self.nodes, scalings(events), time)

    def first_event(self) -> Event | None:
        """The event that happens first (the earliest ``at``; the first listed on a tie), or
        None without events. The course measures "the shoppers active at the event" at it."""
        return min(self.events, key=lambda e: e.at) if self.events else None

    def max_nodes(self) -> int:
        """The most nodes the cluster ever has (the nodes the timeline has columns for)."""
        sizes = [self.nodes] + [e.nodes for e in self.events if isinstance(e, ScaleTo)]
        if self.autoscale is not None:
            sizes.append(self.autoscale.max_nodes)
        return max(sizes)

    @checks.errors_at_the_call
    def replace(self, **changes: object) -> Scenario:
        """Return a copy with ``changes`` applied, checked like a new scenario.

        An unknown field name raises :class:`ScenarioTypeError` (a ``TypeError``) naming it.
        """
        known = [f.name for f in dataclasses.fields(self)]
        for name in changes:
            if name not in known:
                raise ScenarioTypeError(checks.unknown_name("Scenario field", name, known))
        return dataclasses.replace(self, **changes)

    def expected_requests(self) -> float:
        """The number of requests this scenario is expected to send (its size).

        ``session_length`` keeps the mean at ``requests_per_session`` whatever
        its shape; retries are not counted.
        """
        trace = self.trace()
        sessions = (
            trace.sessions_until(self.duration) if trace else self.arrival_rate * self.duration
        )
        return sessions * self.requests_per_session

    @classmethod
    @checks.errors_at_the_call
    def load(cls, name_or_path: str | Path) -> Scenario:
        """Read a scenario from a preset name (see :func:`statelab.presets`) or a TOML file."""
        return presets.load(name_or_path, cls)

    def save(self, path: str | Path, description: str = "") -> Path:
        """Write every field of this scenario to a TOML file at ``path`` and return the path.

        ``description`` is a one-line summary shown by :func:`statelab.presets`.
        """
        return presets.save(self, path, description)


def _field_repr(value: object) -> str:
    """A field's value as code: a trace of ``data/traces/`` by its name, the rest by repr."""
    if isinstance(value, Trace):
        try:
            if load_trace(value.name) == value:
                return repr(value.name)
        except (OSError, ScenarioError):  # not a trace that ships, or not readable
            pass
    return repr(value)
