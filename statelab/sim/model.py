"""The model: a web shop behind a load balancer, acted out in SimPy.

Shoppers arrive (see :mod:`statelab.sim.workload`), and each one becomes a SimPy
process that walks through its session: send a request, wait for the answer,
think, send the next. Each request passes the balancer (with the session
affinity the scenario asks for, see :mod:`statelab.sim.affinity` and
:mod:`statelab.sim.routing`), waits for a
worker slot on the chosen node, and is served. A request that fails is
retried, after a pause, if the client has retries left; every attempt is a
row of its own.

Where the shopper's state lives decides what "served" means.

- ``state="server"``: the first request that a node completes logs the
  session in and puts its cart in that node's memory. A later request that
  lands on a node *without* that memory is still served, but as
  ``state_lost``: the shopper finds an empty cart and is logged out. The
  session is marked lost, with the reason its state was not there:
  ``"no_affinity"`` (the cart is alive on another node, but the balancer sent
  the request elsewhere), ``"rehash"`` (the hash of the client now points to
  another node, because the set of live nodes changed), ``"crash"`` (the node
  that held it crashed or was restarted) or ``"scale_in"`` (the node that held
  it was removed). After a loss the shopper starts over on the node that
  served it (a new login, a new cart).
- ``state="replicated"``: as ``"server"``, but after every request the cart
  is copied to a peer node (the next live node by number). When the
  session's node dies the balancer sends it to the peer, which takes over;
  only losing both at once loses the cart.
- ``state="cookie"``: the cart travels with every request in a signed cookie
  (see :mod:`statelab.sim.cookie`); each KB of it costs the node
  ``cookie_cost_per_kb`` seconds of extra work. An item that would make the
  cookie larger than ``cookie_limit`` is silently not kept: the browser ignores
  the new cookie and sends the old one (``"cookie_too_large"``).
- ``state="store"``: every request first loads its session from the shared
  store (see :mod:`statelab.sim.store`); an outage of a store that is not
  persistent loses every cart: ``"store_outage"``.

Each completed request adds one item to the session's cart.

Nothing is dropped: every request attempt is recorded once, when it ends, as
``ok``, ``state_lost`` or ``failed`` (no node up, its node was dead or went
down while it was there, or the store was down); the ones still under way
when the run stops are recorded as ``in_flight``. Records are plain tuples;
:class:`~statelab.sim.result.Result` turns them into DataFrames once, at the end.
"""

from __future__ import annotations

import gc
import math
from collections import deque
from heapq import heappop, heappush

import simpy
from simpy.core import EmptySchedule, StopSimulation
from simpy.events import NORMAL, URGENT, Event, Timeout

from statelab.sim import autoscaling, cookie, draining
from statelab.sim.balancer import make_balancer
from statelab.sim.budget import Budget, Overspent
from statelab.sim.draining import DrainRule
from statelab.sim.events import Crash, Restart, ScaleTo, StoreOutage
from statelab.sim.idempotency import IdempotencyCheck, apply_every, apply_once
from statelab.sim.node import Node
from statelab.sim.records import (
    DONE_AT,
    FAILED,
    IN_FLIGHT,
    NO_NODE,
    START_AT,
    STATUS_CODES,
    TIMED_OUT,
    AutoscalerDecision,
    NodeChange,
    timeline_row,
)
from statelab.sim.result import Result
from statelab.sim.retrying import REFUSED, Retrying
from statelab.sim.routing import Router, client_key, router_for
from statelab.sim.scenario import Scenario
from statelab.sim.session import Job, Session
from statelab.sim.state import (
    CookieState,
    Ledger,
    ReplicatedState,
    ServerState,
    StoreState,
)
from statelab.sim.store import SessionStore
from statelab.sim.workload import Workload, stream

NAN = math.nan

#: The priority of the timeline's samples: after every ordinary event at the same time
#: (SimPy orders events at one time by priority, URGENT=0 and NORMAL=1, then by creation).
LATE = 2


class _Environment(simpy.Environment):
    """SimPy's Environment, with a quicker :meth:`timeout`: the model's most made event.

    A run makes about two timeouts a request (the think time, the service), and SimPy's
    ``env.timeout(delay)`` goes through a bound class, ``Timeout.__init__`` and
    ``env.schedule``. This makes the very same event (the same fields, scheduled with the
    same time, priority and place in line) in one step. :meth:`steps` runs the next events
    without a method call each. Together they take a few percent off a run; the events,
    their order and so every result are the same, bit for bit.
    """

    def __init__(self) -> None:
        super().__init__()
        # SimPy binds process(), event(), ... to the instance only for its own class: bind
        # them here too, so that they cost no lookup through the class either.
        for name in ("process", "event", "all_of", "any_of"):
            setattr(self, name, getattr(self, name))

    def timeout(self, delay: float, value=None) -> Timeout:
        if delay < 0:
            raise ValueError(f"Negative delay {delay}")
        event = Timeout.__new__(Timeout)
        event.env = self
        event.callbacks = []
        event._value = value
        event._delay = delay
        event._ok = True
        heappush(self._queue, (self._now + delay, NORMAL, next(self._eid), event))
        return event

    def steps(self, count: int) -> None:
        """Process the next ``count`` events: ``step()`` ``count`` times, in one loop.

        The body is SimPy's ``Environment.step`` (a run stopped by ``StopSimulation`` is not
        resumed, so the stop event's remaining callbacks need no rescheduling): the same
        events in the same order, without a method call each.
        """
        queue = self._queue
        for _ in range(count):
            try:
                self._now, _, _, event = heappop(queue)
            except IndexError:
                raise EmptySchedule from None
            callbacks, event.callbacks = event.callbacks, None
            for callback in callbacks:
                callback(event)
            if not event._ok and not hasattr(event, "_defused"):
                # a failed event nobody handled: crash the run, as step() does
                error = type(event._value)(*event._value.args)
                error.__cause__ = event._value
                raise error


class _Late(Event):
    """A timeout that fires after every ordinary event scheduled for the same moment."""

    def __init__(self, env: simpy.Environment, delay: float) -> None:
        super().__init__(env)
        self._ok = True
        self._value = None
        env.schedule(self, LATE, delay)


#: A failed attempt that wrote nothing: (outcome, applied, duplicate).
NOT_APPLIED = (FAILED, False, False)
#: The outcomes a client retries: the attempt failed, or it stopped waiting for it.
RETRIED = (FAILED, TIMED_OUT)


class ShopModel:
    """One run of a scenario: the SimPy environment, the nodes, and the records.

    Use :func:`statelab.simulate`; this class is its engine.
    """

    def __init__(
        self,
        scenario: Scenario,
        environment: type[simpy.Environment] | None = None,
        router: Router | None = None,
        drain: DrainRule | None = None,
        idempotency: IdempotencyCheck | None = None,
    ) -> None:
        """``environment``: the SimPy environment class to run on (default: the quicker
        ``_Environment``; ``simpy.Environment`` runs the same events without SimPy's
        internals, and tests/test_simpy_plain.py checks every preset gives the same tables).
        ``router``: a learner's router (:mod:`statelab.sim.routing`) in place of the
        scenario's affinity. ``drain``: a learner's drain rule (:mod:`statelab.sim.draining`)
        in place of the scale-ins' drain and mode. ``idempotency``: a learner's idempotency
        check (:func:`statelab.sim.state.checked_add`) in place of ``idempotency_keys``."""
        self.scenario = scenario
        self.env = (environment or _Environment)()
        self.workload = Workload(scenario)
        self.balancer = make_balancer(scenario.balancer, stream(scenario.seed, "balancer"))
        self.retrying = Retrying(scenario, stream(scenario.seed, "retries"))
        # where a hash of the shopper sends it: the affinity's router, or a learner's in
        # place of the affinity (a learner's router replaces sticky sessions too)
        self.router = router or router_for(scenario.affinity, scenario.seed, scenario.vnodes)
        self.learners_router = router is not None
        self.drain_rule = drain
        self.idempotency_check = idempotency
        self.affinity = "router" if router is not None else scenario.affinity
        self.hashed = self.router is not None  # every session gets a key
        self.up: tuple[int, ...] = ()  # the live nodes' numbers, as a router gets them
        # seconds of work a cookie of each possible number of items costs (cookie state only)
        self.cookie_cost = (
            [
                cookie.encoded_size(items, scenario.cookie_bytes_per_item)
                / 1024
                * scenario.cookie_cost_per_kb
                for items in range(
                    cookie.items_that_fit(scenario.cookie_limit, scenario.cookie_bytes_per_item) + 1
                )
            ]
            if scenario.state == "cookie" and scenario.cookie_cost_per_kb > 0
            else None
        )
        self.store = (
            SessionStore(self.env, scenario.store_workers, scenario.store_latency)
            if scenario.state == "store"
            else None
        )
        self.nodes = [Node(self.env, i, scenario.workers) for i in range(scenario.max_nodes())]
        for node in self.nodes[scenario.nodes :]:
            node.member = node.up = node.seen_up = False
        self.live: list[Node] = []  # the nodes that take new sessions: seen up, not draining
        self.configured: list[Node] = []  # the cluster's size, up or not (nginx's ip_hash)
        self.alive: dict[int, Session] = {}  # sessions that have started and not ended
        self.finishing: dict[int, Session] = {}  # ended, with attempts still at a node
        self.ledger = Ledger(len(self.nodes))
        # Where each cart is in node memory over time: (time, session, node) whenever one
        # enters or leaves a node's memory (records.CartMove; node NO_NODE: it left).
        self.moves: list[tuple] = []
        # (session, request, attempt, queued_from, left) of the attempts whose node-side
        # times the request record does not tell (records.NodeTime).
        self.node_times: list[tuple] = []
        self._store_waited: dict[int, float] = {}  # job id -> when its late store call ended
        self.state = self._state_policy()
        self.client_timeout = scenario.client_timeout
        # where in an attempt's work its change is written (cookie state: with the answer)
        self.write_at = scenario.write_at
        self.write_early = scenario.write_at < 1.0 and scenario.state != "cookie"
        # serve a waiting client's attempts in its session's process (_visit_direct) where
        # that is the same; False: always through _send and _serve (tests compare the two)
        self.direct = True
        # the cart a request carries or reads, kept with it where a later write can
        # overwrite another's: a cookie when tabs send at once; a store's read-modify-write
        self.reads_cookie = scenario.state == "cookie" and scenario.tabs > 1
        self.reads_store = scenario.store_update == "read_modify_write"
        self._jobs = 0  # request attempts sent to a node so far (numbers the jobs)
        self.attempts = 0  # request attempts sent so far, to a node or failed at once
        self.gave_up: list[float] = []  # start time of the session of each request given up
        self.refused: list[float] = []  # and of each whose retry the retry budget refused
        # Request and session records are plain tuples with the fields of RequestRecord and
        # SessionRecord, in order (tests/test_records.py checks each field). Not the named
        # tuples themselves: CPython's collector stops tracking a plain tuple of numbers and
        # text, but keeps tracking every named tuple, and scanning a million of them at each
        # full collection made a run half again as slow.
        self.requests: list[tuple] = []
        self.sessions: list[tuple] = []
        self.timeline: list[tuple] = []  # see records.timeline_row
        self.autoscaler: list[AutoscalerDecision] = []
        self.node_changes: list[NodeChange] = [
            NodeChange(0.0, node.index, "up") for node in self.nodes[: scenario.nodes]
        ]
        self._busy_scan = 0  # records before this index ended before the autoscaler's window
        self._nodes_changed()

    def _state_policy(self):
        """The where-state-lives policy of the scenario (see :mod:`statelab.sim.state`)."""
        scenario, ledger = self.scenario, self.ledger
        # None: clients wait for every answer, so no attempt can be applied twice
        keyed = None
        # an attempt can be applied without an answer (a client that stopped waiting, or a
        # write before the end of the work that a crash cuts short): a check decides each add
        if scenario.client_timeout is not None or scenario.write_at < 1.0:
            builtin = apply_once if scenario.idempotency_keys else apply_every
            keyed = self.idempotency_check or builtin
        if scenario.state == "server":
            return ServerState(ledger, self.hashed, keyed, self.moves)
        if scenario.state == "replicated":
            return ReplicatedState(ledger, self.hashed, lambda: self.live, keyed, self.moves)
        if scenario.state == "cookie":
            fit = cookie.items_that_fit(scenario.cookie_limit, scenario.cookie_bytes_per_item)
            return CookieState(ledger, fit)
        return StoreState(ledger, self.store, keyed, scenario.store_update == "read_modify_write")

    def run(self, budget: Budget | None = None, limit: int | None = None) -> Result:
        """Act the scenario out until ``duration`` and return its Result.

        With a ``budget`` (see :mod:`statelab.sim.budget`) the run stops with
        ``ScenarioTooLarge`` as soon as it overspends it.
        """
        env = self.env
        scenario = self.scenario
        env.process(self._arrivals())
        env.process(self._sampler())
        for event in sorted(scenario.events, key=lambda e: e.at):
            env.process(self._happen(event))
        if scenario.failures is not None:
            for node in self.nodes:
                env.process(self._fail_at_random(node))
        if scenario.autoscale is not None:
            env.process(self._autoscale())
        # The cyclic garbage collector is off while the model runs: the run makes no cyclic
        # garbage (its objects live until the run ends), but a run of millions of attempts
        # holds millions of live objects, which every full collection walks (a heavy run
        # spent 60% of its time there), and an interrupt waits for a collection to finish.
        collecting = gc.isenabled()
        gc.disable()
        try:
            if budget is None:
                env.run(until=scenario.duration)
            else:
                self._run_within(budget, limit)
        finally:
            if collecting:
                gc.enable()
        self._sample()
        self._close()
        return Result(
            scenario,
            self.requests,
            self.sessions,
            self.timeline,
            self.node_changes,
            self.autoscaler,
            self.ledger.losses,
            self.gave_up,
            self.moves,
            self.node_times,
            policies=self._policies(),
            refused=self.refused,
            lost_updates=self.ledger.lost_updates,
        )

    def _policies(self) -> dict[str, str]:
        """The learner's functions that ran in place of the scenario's rules, by kind."""
        used = {
            "router": self.router if self.learners_router else None,
            "drain": self.drain_rule,
            "idempotency": self.idempotency_check,
        }
        return {kind: getattr(f, "__name__", "policy") for kind, f in used.items() if f}

    def _run_within(self, budget: Budget, limit: int) -> None:
        """``env.run(until=duration)``, checking the budget every 1,000 events.

        The stop event is made and scheduled exactly as ``Environment.run`` makes it (an
        urgent event at ``duration`` that raises ``StopSimulation``), so the events run are
        the same, bit for bit, whether or not a budget is kept.
        """
        env = self.env
        stop = simpy.Event(env)
        stop._ok, stop._value = True, None  # as simpy.Environment.run does
        env.schedule(stop, URGENT, self.scenario.duration - env.now)
        stop.callbacks.append(StopSimulation.callback)
        self.workload.max_candidates = budget.events
        events = 0
        same_time, last_time = 0, -1.0
        try:
            while True:
                env.steps(1_000)
                events += 1_000
                now = env.now
                same_time = same_time + 1_000 if now == last_time else 0
                last_time = now
                if events > budget.events:
                    raise Overspent("processed SimPy events", events)
                if self.attempts > budget.records:  # sent, ended or not (a queue can grow)
                    raise Overspent("request attempts", self.attempts)
                if same_time > budget.events_at_one_time:
                    raise Overspent("events at one moment, the clock standing still", same_time)
        except StopSimulation:
            return
        except Overspent as spent:
            raise budget.overspent(spent.what, spent.reached, env.now, limit) from None

    # -- shoppers ---------------------------------------------------------

    def _arrivals(self):
        env = self.env
        workload = self.workload
        seed = self.scenario.seed
        hashed = self.hashed
        tabs = self.scenario.tabs
        direct = (
            self.direct
            and self.client_timeout is None
            and self.store is None
            and not self.write_early
            and tabs == 1
        )
        visit = self._visit_direct if direct else self._visit if tabs == 1 else self._visit_tabs
        session_id = 0
        while True:
            gap = workload.next_gap(env.now)
            if gap == math.inf:  # the trace has no more arrivals
                return
            yield env.timeout(gap)
            services, thinks = workload.next_session()
            key = client_key(seed, session_id) if hashed else 0
            session = Session(session_id, env.now, key)
            self.alive[session_id] = session
            session.process = env.process(visit(session, services, thinks))
            session_id += 1

    def _visit(self, session: Session, services: list[float], thinks: list[float]):
        """The process of one session: its requests, one after another, each retried as needed."""
        yield from self._requests(session, services, thinks, range(len(services)))
        self._end(session, self.env.now)

    def _visit_tabs(self, session: Session, services: list[float], thinks: list[float]):
        """The process of a session in ``tabs`` browser tabs: its requests dealt in turn to
        one process a tab (request k to tab k mod tabs), each tab waiting its own think
        times; the session ends when its last tab is done."""
        env = self.env
        tabs = self.scenario.tabs
        opened = [
            env.process(self._requests(session, services, thinks, range(t, len(services), tabs)))
            for t in range(min(tabs, len(services)))
        ]
        yield env.all_of(opened)
        self._end(session, env.now)

    def _requests(self, session: Session, services: list[float], thinks: list[float], ks):
        """Send the session's requests numbered ``ks``, one after another in this process,
        each retried as needed (the think time before request k is ``thinks[k - 1]``)."""
        env = self.env
        retrying = self.retrying
        budget = retrying.budget is not None  # first attempts are counted for the budget
        waits = self.client_timeout is None  # the client waits for every answer
        first = ks[0] if ks else 0
        for k in ks:
            service = services[k]
            if k != first and thinks[k - 1]:
                yield env.timeout(thinks[k - 1])
            attempt = 1
            while True:
                if budget and attempt == 1:
                    retrying.sent(env.now)
                if waits:  # the session's own process serves the attempt (one process less)
                    job = self._send(session, attempt, k)
                    if job is None:
                        outcome = FAILED
                    else:
                        job.process = env.active_process
                        outcome = yield from self._serve(job, service)
                else:
                    outcome = yield from self._attempt_or_give_up(session, service, attempt, k)
                if outcome not in RETRIED:
                    break
                wait = retrying.wait(attempt, env.now)
                if wait is None or wait == REFUSED:  # no retry left, or the budget's refusal
                    self._give_up(session, wait)
                    break
                attempt += 1
                if wait:
                    yield env.timeout(wait)

    def _visit_direct(self, session: Session, services: list[float], thinks: list[float]):
        """:meth:`_visit` where every client waits for its answers and there is no session
        store (the Lab's usual run): the same steps in the same order, with each attempt's
        :meth:`_send` and :meth:`_serve` written out in the session's own process (no
        generator and two calls fewer a request: a tenth off a run). The results are the
        same, bit for bit (``tests/test_model_paths.py`` runs both ways)."""
        env = self.env
        retrying = self.retrying
        budget = retrying.budget is not None  # first attempts are counted for the budget
        cost = self.cookie_cost
        records = self.requests
        route = self._route
        settle = self.state.settle
        timeout = env.timeout
        process = session.process
        sid = session.id
        for k, service in enumerate(services):
            if k and thinks[k - 1]:
                yield timeout(thinks[k - 1])
            attempt = 1
            while True:
                if budget and attempt == 1:
                    retrying.sent(env.now)
                # as _send
                arrival = env.now
                session.sent += 1
                self.attempts += 1
                node = route(session)
                if node is None or not node.up:
                    index = NO_NODE if node is None else node.index
                    records.append(
                        (sid, k, attempt, index, arrival, NAN, arrival, NAN, FAILED, False, False)
                    )
                    outcome = FAILED
                else:
                    self._jobs += 1
                    job = Job(self._jobs, session, node, attempt, k, arrival)
                    job.process = process
                    node.in_flight[job.id] = job
                    session.jobs += 1
                    # as _serve, with no store and a client that waits
                    slots = node.workers
                    try:
                        yield from slots.take()
                        job.served_from = env.now
                        try:
                            yield timeout(service + cost[session.items] if cost else service)
                        except simpy.Interrupt:
                            slots.give_back()
                            raise
                        slots.give_back()
                    except simpy.Interrupt:
                        node.in_flight.pop(job.id, None)
                        outcome, applied, duplicate = FAILED, False, False
                    else:
                        del node.in_flight[job.id]
                        outcome, applied, duplicate = settle(session, node, attempt, k, env.now)
                    now = env.now
                    served = job.served_from
                    records.append(
                        (
                            sid, k, attempt, node.index, arrival, served, now,
                            now if served == served else NAN, outcome, applied, duplicate,
                        )
                    )  # fmt: skip
                    session.jobs -= 1
                if outcome not in RETRIED:
                    break
                wait = retrying.wait(attempt, env.now)
                if wait is None or wait == REFUSED:  # no retry left, or the budget's refusal
                    self._give_up(session, wait)
                    break
                attempt += 1
                if wait:
                    yield timeout(wait)
        self._end(session, env.now)

    def _give_up(self, session: Session, wait: float | None) -> None:
        """The shopper sees an error: no retry left, or the retry budget refused one."""
        self.gave_up.append(session.start)
        if wait == REFUSED:
            self.refused.append(session.start)

    def _send(self, session: Session, attempt: int, request: int) -> Job | None:
        """Send an attempt: the job at the node the balancer picks, or None if it fails at once
        (no node up, a dead node not noticed yet, or the store down); that is recorded."""
        arrival = self.env.now
        session.sent += 1
        self.attempts += 1
        node = self._route(session)
        store = self.store
        if node is None or not node.up or (store is not None and store.down):
            index = NO_NODE if node is None else node.index
            self.requests.append(
                (session.id, request, attempt, index, arrival, NAN, arrival, NAN, FAILED,
                 False, False)
            )  # fmt: skip
            return None
        self._jobs += 1
        job = Job(self._jobs, session, node, attempt, request, arrival)
        if self.reads_cookie:  # the cookie it carries, which another tab's answer may outdate
            job.read = session.items
        node.in_flight[job.id] = job
        session.jobs += 1
        return job

    def _attempt_or_give_up(self, session: Session, service: float, attempt: int, request: int):
        """One attempt whose client waits at most ``client_timeout`` seconds; then it counts
        the attempt failed (``timed_out``) while the node, which does not know, goes on with
        it in a process of its own. Returns the outcome for the client."""
        job = self._send(session, attempt, request)
        if job is None:
            return FAILED
        job.process = self.env.process(self._serve(job, service))
        yield job.process | self.env.timeout(self.client_timeout)
        if job.process.triggered:
            return job.process.value
        job.gave_up = self.env.now
        return TIMED_OUT

    def _serve(self, job: Job, service: float):
        """The node's side of an attempt: the store call, a worker, the work, the outcome.

        Writes the attempt's record when the node is done with it and returns its outcome
        for the client: ``timed_out`` if the client gave up before, whatever the node did.
        """
        env = self.env
        session, node, store = job.session, job.node, self.store
        queued_from = job.arrival  # when it joined the node's line (NaN: not yet)
        written = None  # (outcome, applied, duplicate) once its change is written
        slots = node.workers
        held = False  # it holds one of the node's worker slots
        try:
            if store is not None:
                queued_from = NAN
                yield from store.call(job)
                queued_from = env.now
                if queued_from != job.arrival + store.latency:  # it waited for the store
                    self._store_waited[job.id] = queued_from
                if store.hung:  # no answer: a worker of the node waits on the call
                    self._store_waited[job.id] = queued_from  # (out of the store's line)
                    store.callers[job.id] = job  # (a store going down fails the call)
                    try:
                        yield from slots.take()
                        held = True
                        job.served_from = env.now
                        yield store.resumed
                    finally:
                        store.callers.pop(job.id, None)
                if self.reads_store:
                    job.read = self.state.read(session)
            if not held:
                yield from slots.take()
                held = True
                job.served_from = env.now
            cost = self.cookie_cost
            work = service + cost[session.items] if cost else service
            if self.write_early:  # the change is written part way through the work
                yield env.timeout(work * self.write_at)
                written = self._settle(job)
                job.written = written[1:]
                yield env.timeout(work - work * self.write_at)
            else:
                yield env.timeout(work)
            held = False
            slots.give_back()
        except simpy.Interrupt:
            if held:
                slots.give_back()
            node.in_flight.pop(job.id, None)
            # cut short: applied without an answer if its change was written already
            outcome, applied, duplicate = (FAILED, *written[1:]) if written else NOT_APPLIED
        else:
            del node.in_flight[job.id]
            outcome, applied, duplicate = written or self._settle(job)
        now = env.now
        gave_up = job.gave_up
        timed_out = gave_up == gave_up
        self.requests.append(
            (
                session.id, job.request, job.attempt, node.index, job.arrival, job.served_from,
                gave_up if timed_out else now, now if job.served_from == job.served_from else NAN,
                TIMED_OUT if timed_out else outcome, applied, duplicate,
            )
        )  # fmt: skip
        if store is not None:
            self._store_waited.pop(job.id, None)
            if timed_out or queued_from != job.arrival + store.latency:
                self.node_times.append((session.id, job.request, job.attempt, queued_from, now))
        elif timed_out:
            self.node_times.append((session.id, job.request, job.attempt, queued_from, now))
        session.jobs -= 1
        if session.ended == session.ended:  # a job its shopper left behind: tidy up after it
            self._forget(session)
            if not session.jobs:
                del self.finishing[session.id]
                self.sessions.append(self._session_record(session, session.ended))
        return TIMED_OUT if timed_out else outcome

    def _settle(self, job: Job) -> tuple[int, bool, bool]:
        """Write the attempt's change where the state lives, now: its outcome, whether it
        was applied and whether that made a duplicate."""
        answered = job.gave_up != job.gave_up  # NaN: the client still waits
        return self.state.settle(
            job.session,
            job.node,
            job.attempt,
            job.request,
            self.env.now,
            answered=answered,
            read=job.read,
        )

    def _route(self, session: Session) -> Node | None:
        """The node this session's next request goes to (None: no node takes it)."""
        live = self.live
        affinity = self.affinity
        if affinity == "sticky":
            peer = session.peer
            if session.home is None and peer is not None and peer.seen_up and not peer.closed:
                session.pinned = peer  # its node lost the cart: fail over to the copy
                return peer
            pinned = session.pinned
            if pinned is not None and pinned.seen_up and not pinned.closed:
                return pinned
            if not live:
                return None
            session.pinned = self.balancer.pick(live)
            return session.pinned
        if not live:
            return None
        router = self.router
        if router is None:  # affinity "none": every request balanced on its own
            return self.balancer.pick(live)
        node = router(session.key, self.up, len(self.configured))
        if self.learners_router:
            node = self._checked_route(node)
        return self.balancer.pick(live) if node is None else self.nodes[node]

    def _checked_route(self, node):
        """A learner's router's answer, refused with a message unless it is a node up or None."""
        whole = isinstance(node, int) and not isinstance(node, bool)
        if node is None or (whole and node in self.up):
            return node
        raise ValueError(
            f"the router {getattr(self.router, '__name__', self.router)!r} returned {node!r} "
            f"with the nodes up {self.up}: a router returns one of them, or None to let the "
            f"balancer pick"
        )

    # -- sessions -------------------------------------------------------

    def _end(self, session: Session, end: float) -> None:
        """The shopper leaves. Its record waits for the attempts it left at the nodes (a node
        may still add an item a timed-out client gave up on)."""
        if session.home is not None and session in session.home.memory:
            session.home.memory.discard(session)
            self.moves.append((end, session.id, NO_NODE))
        if session.peer is not None:
            session.peer.replicas.discard(session)
        del self.alive[session.id]
        session.ended = end
        if session.jobs:
            self.finishing[session.id] = session
        else:
            self.sessions.append(self._session_record(session, end))

    def _forget(self, session: Session) -> None:
        """No node holds the state of a session that is over."""
        if session.home is not None and session in session.home.memory:
            session.home.memory.discard(session)
            self.moves.append((self.env.now, session.id, NO_NODE))
        if session.peer is not None:
            session.peer.replicas.discard(session)

    @staticmethod
    def _session_record(session: Session, end: float) -> tuple:
        """The session's record: the fields of :class:`SessionRecord`, in order."""
        return (
            session.id, session.start, end, session.sent, session.lost_cause,
            session.duplicate_items, session.items_not_kept,
        )  # fmt: skip

    # -- happenings -------------------------------------------------------

    def _happen(self, event: Crash | Restart | ScaleTo | StoreOutage):
        yield self.env.timeout(event.at)
        if isinstance(event, ScaleTo):
            self._scale(event.nodes, event.drain, event.mode)
            return
        if isinstance(event, StoreOutage):
            if self.store is not None:
                yield from self._store_outage(event.duration, event.mode)
            return
        node = self.nodes[event.node]
        if not node.member or node.booting:
            return
        if node.up:
            self._take_down(node, "crash")
        if isinstance(event, Restart):
            self._bring_up(node)

    def _interrupt(self, job: Job, cause: str) -> None:
        if not job.doomed:
            job.doomed = True
            job.process.interrupt(cause)

    def _take_down(self, node: Node, cause: str) -> None:
        """Node goes down: its requests in flight fail and the carts it holds are lost.

        With state="replicated" a cart survives when its copy is on a live peer.
        """
        in_flight, memory, replicas = node.go_down()
        now = self.env.now
        self.moves.extend((now, s, NO_NODE) for s in sorted(session.id for session in memory))
        for job in in_flight:
            self._interrupt(job, cause)
        for session in memory:
            session.home = None
            peer = session.peer
            if peer is None or not peer.up:
                session.wiped, session.wiped_from = cause, node.index
        for session in replicas:
            session.peer = None
            if session.home is None:
                session.wiped, session.wiped_from = cause, node.index
        delay = self.scenario.health_check_delay
        if delay and node.member:
            self.env.process(self._notice_down(node, node.downs, delay))
        else:
            node.seen_up = False
        self._nodes_changed(node)

    def _notice_down(self, node: Node, downs: int, delay: float):
        """The balancer's health check finds the node dead ``delay`` seconds after it died."""
        yield self.env.timeout(delay)
        if node.downs == downs and not node.up:
            node.seen_up = False
            self._nodes_changed()

    def _bring_up(self, node: Node) -> None:
        node.up = node.seen_up = True
        node.booting = node.closed = False
        self._nodes_changed(node)

    def _store_outage(self, duration: float, mode: str):
        """The store is down for ``duration`` seconds; outages that overlap add up (it is up
        again when the last one ends). ``mode="hang"``: it takes calls and answers none
        until the hang ends (a worker waits on each call: ``_serve``)."""
        store = self.store
        if mode == "hang":
            store.start_hang()
            yield self.env.timeout(duration)
            store.end_hang()
            return
        store.outages += 1
        store.down = True
        for job in list(store.callers.values()):
            self._interrupt(job, "store_outage")
        if not self.scenario.store_persistent:
            store.epoch += 1
        yield self.env.timeout(duration)
        store.outages -= 1
        store.down = store.outages > 0

    def _fail_at_random(self, node: Node):
        """Node ``node`` fails after exponential up-times; each repair takes an exponential time."""
        failures = self.scenario.failures
        draw = stream(self.scenario.seed, f"failures:{node.index}").expovariate
        env = self.env
        while True:
            yield env.timeout(draw(1.0 / failures.mtbf))
            if node.member and node.up:
                self._take_down(node, "crash")
                yield env.timeout(draw(1.0 / failures.mttr))
                if node.member and not node.up and not node.booting:
                    self._bring_up(node)

    def _scale(self, target: int, drain: float, mode: str, boot_time: float = 0.0) -> None:
        """Resize to ``target`` nodes; the nodes that leave go as ``mode`` says.

        ``"abrupt"``: at once. ``"sticky"`` (HAProxy's drain): no new sessions, the pinned
        ones keep coming for ``drain`` seconds. ``"in_flight"`` (Kubernetes, an ALB): out of
        the endpoints at once, pinned sessions included; what is in flight gets ``drain``
        seconds of grace.
        """
        size = sum(1 for node in self.nodes if node.member and not node.draining)
        for node in self.nodes[size:target]:
            if node.member:  # draining: it stays after all
                node.draining = node.closed = False
                self._nodes_changed(node)
            elif boot_time > 0:
                node.member = node.booting = True
                self._nodes_changed(node)
                self.env.process(self._boot(node, boot_time))
            else:
                node.member = True
                self._bring_up(node)
        learners = self.drain_rule is not None
        rule = self.drain_rule if learners else draining.rule_for(mode, drain)
        for node in self.nodes[target:size]:
            # the course's modes are drain rules too (one home each: statelab.sim.draining);
            # "abrupt" stops at the first ask, here and now
            if not learners and draining.may_stop(rule, self._leaving(node, 0.0), 0.0):
                self._remove(node)
                continue
            node.draining = True
            node.closed = not learners and mode == "in_flight"
            self._nodes_changed(node)
            self.env.process(self._leave_when(node, rule))

    def _boot(self, node: Node, boot_time: float):
        yield self.env.timeout(boot_time)
        if node.member and node.booting:
            self._bring_up(node)

    def _leaving(self, node: Node, idle: float) -> draining.LeavingNode:
        """What a drain rule sees of ``node`` now."""
        pinned = sum(1 for s in self.alive.values() if s.pinned is node)
        return draining.LeavingNode(node.index, len(node.memory), len(node.in_flight), pinned, idle)

    def _leave_when(self, node: Node, rule: DrainRule):
        """A leaving node asks its drain rule whether it may stop: every second, or when the
        rule says it will answer otherwise (:func:`statelab.sim.draining.next_ask`)."""
        waited = idle = 0.0
        while node.member and node.draining:
            if draining.may_stop(rule, self._leaving(node, idle), waited):
                self._remove(node)
                return
            step = draining.next_ask(rule, waited)
            yield self.env.timeout(step)
            waited += step
            idle = idle + step if not node.in_flight else 0.0

    def _remove(self, node: Node) -> None:
        """Scale-in: the node leaves the cluster; what it still held is lost."""
        was_up = node.up
        node.member = node.draining = node.booting = node.closed = False
        if was_up:
            self._take_down(node, "scale_in")
        else:
            node.up = node.seen_up = False
            self._nodes_changed(node)

    def _nodes_changed(self, node: Node | None = None) -> None:
        """Update who takes new sessions (and the hash ring) after a node changed."""
        self.live = [n for n in self.nodes if n.seen_up and n.member and not n.draining]
        self.configured = [n for n in self.nodes if n.member and not n.draining]
        self.up = tuple(n.index for n in self.live)
        if node is not None:
            self.node_changes.append(NodeChange(self.env.now, node.index, node.status))

    # -- autoscaling ------------------------------------------------------

    def _autoscale(self):
        """Every interval: measure, ask the HPA rule (:mod:`statelab.sim.autoscaling`), resize."""
        policy = self.scenario.autoscale
        env = self.env
        workers = self.scenario.workers
        recent: deque = deque()  # (time, recommendation) within the scale-down window
        while True:
            yield env.timeout(policy.interval)
            now = env.now
            current = sum(1 for node in self.nodes if node.member and not node.draining)
            busy = self._busy_seconds(now - policy.interval, now)
            utilisation = busy / (current * workers * policy.interval)
            desired = autoscaling.recommendation(policy, current, utilisation)
            recent.append((now, desired))
            while recent[0][0] < now - policy.scale_down_window:
                recent.popleft()
            size = autoscaling.stabilised_size(current, desired, (r for _, r in recent))
            if size != current:
                self._scale(size, policy.drain, policy.mode, policy.boot_time)
            self.autoscaler.append(AutoscalerDecision(now, current, utilisation, desired, size))

    def _busy_seconds(self, low: float, high: float) -> float:
        """Worker-seconds spent serving between ``low`` and ``high`` (``high`` is now)."""
        records = self.requests
        i = self._busy_scan
        # records are written when the node is done, so they are in order of ``done``
        while i < len(records) and not records[i][DONE_AT] > low:  # NaN too: never served
            i += 1
        self._busy_scan = i
        busy = 0.0
        for record in records[i:]:
            start = record[START_AT]
            if start == start:  # not NaN: it was served
                busy += record[DONE_AT] - max(start, low)
        for node in self.nodes:
            for job in node.in_flight.values():
                start = job.served_from
                if start == start:
                    busy += high - max(start, low)
        return busy

    # -- observing --------------------------------------------------------

    def _sampler(self):
        """Sample the cluster every ``sample_interval`` seconds, after everything else that
        happens at that moment (a crash at a sample time shows in that sample, with every
        consequence the model draws at the same instant)."""
        env = self.env
        interval = self.scenario.sample_interval
        k = 0
        while True:
            yield _Late(env, k * interval - env.now)
            self._sample()
            k += 1

    def _sample(self) -> None:
        nodes = self.nodes
        store = self.store
        ledger = self.ledger
        self.timeline.append(
            timeline_row(
                time=self.env.now,
                active_sessions=len(self.alive),
                sessions_lost=ledger.lost,
                lost_by_cause=ledger.by_cause,
                store_busy=store.busy() if store else 0,
                store_queued=store.queued() if store else 0,
                busy=[node.busy() for node in nodes],
                queued=[node.queued() for node in nodes],
                carts=[len(node.memory) for node in nodes],
                status=[STATUS_CODES[node.status] for node in nodes],
                lost=list(ledger.from_node),
            )
        )

    def _close(self) -> None:
        """Record what is still under way at the end: attempts at the nodes, open sessions."""
        store = self.store
        for node in self.nodes:
            for job in node.in_flight.values():
                gave_up = job.gave_up
                timed_out = gave_up == gave_up  # the client had given up: timed out for it
                queued_from = job.arrival
                if store is not None:
                    queued_from = self._store_waited.get(
                        job.id,
                        NAN if job.id in store.callers else job.arrival + store.latency,
                    )  # NaN: still at its store call
                if timed_out or (store is not None and queued_from != job.arrival + store.latency):
                    self.node_times.append(
                        (job.session.id, job.request, job.attempt, queued_from, NAN)
                    )
                self.requests.append(
                    (
                        job.session.id, job.request, job.attempt, node.index, job.arrival,
                        job.served_from,
                        gave_up if timed_out else NAN, NAN,
                        TIMED_OUT if timed_out else IN_FLIGHT, *(job.written or (False, False)),
                    )
                )  # fmt: skip
        for session in list(self.alive.values()):
            self.sessions.append(self._session_record(session, NAN))
        for session in self.finishing.values():
            self.sessions.append(self._session_record(session, session.ended))
