"""The model: a web shop behind a load balancer, acted out in SimPy.

Shoppers arrive (see :mod:`statelab.workload`), and each one becomes a SimPy
process that walks through its session: send a request, wait for the answer,
think, send the next. Each request passes the balancer (with the session
affinity the scenario asks for, see :mod:`statelab.affinity`), waits for a
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
- ``state="cookie"``: the cart travels with every request; each cart item
  adds ``cookie_bytes_per_item`` bytes, and each KB costs the node
  ``cookie_cost_per_kb`` seconds of extra work. A cart that grows past
  ``cookie_limit`` is dropped by the browser: ``"cookie_too_large"``.
- ``state="store"``: every request first loads its session from the shared
  store (see :mod:`statelab.store`); an outage of a store that is not
  persistent loses every cart: ``"store_outage"``.

Each completed request adds one item to the session's cart.

Nothing is dropped: every request attempt is recorded once, when it ends, as
``ok``, ``state_lost`` or ``failed`` (no node up, its node was dead or went
down while it was there, or the store was down); the ones still under way
when the run stops are recorded as ``in_flight``. Records are plain tuples;
:class:`~statelab.result.Result` turns them into DataFrames once, at the end.
"""

from __future__ import annotations

import math
from collections import deque

import simpy

from statelab.affinity import HashRing, client_key
from statelab.balancer import make_balancer
from statelab.events import Crash, Restart, ScaleTo, StoreOutage
from statelab.node import STATUSES, Node
from statelab.result import LOST_CAUSES, OUTCOME_CODES, Result
from statelab.scenario import Scenario
from statelab.store import SessionStore
from statelab.workload import Workload, stream

OK = OUTCOME_CODES["ok"]
STATE_LOST = OUTCOME_CODES["state_lost"]
FAILED = OUTCOME_CODES["failed"]
IN_FLIGHT = OUTCOME_CODES["in_flight"]
NO_NODE = -1
NAN = math.nan
STATUS_CODES = {name: code for code, name in enumerate(STATUSES)}


class Session:
    """One shopper's visit: what the model needs to know about it while it runs."""

    __slots__ = (
        "arrival", "attempt", "doomed", "dropped", "epoch", "has_state", "home", "id", "items",
        "key", "lost_cause", "node", "peer", "pinned", "process", "sent", "served_from", "start",
        "wiped", "wiped_from",
    )  # fmt: skip

    def __init__(self, session_id: int, start: float, key: int) -> None:
        self.id = session_id
        self.start = start
        self.key = key  # the hash of its client, for ip_hash and consistent_hash
        self.process: simpy.Process | None = None
        self.sent = 0  # request attempts sent so far
        self.items = 0  # items in its cart: one a completed request
        self.has_state = False  # logged in at least once
        self.home: Node | None = None  # the node whose memory holds its state
        self.peer: Node | None = None  # the node that holds its copy (replicated state)
        self.epoch = 0  # the store's epoch when it last wrote its state there
        self.dropped = False  # its cookie outgrew the limit and the browser dropped it
        self.wiped = ""  # why its state was destroyed, until the session notices
        self.wiped_from = NO_NODE  # the node whose memory it was destroyed in
        self.pinned: Node | None = None  # the node its sticky cookie points to
        self.lost_cause = ""  # why it lost its state first ("" while it has not)
        self.node: Node | None = None  # the node of the request now in flight
        self.attempt = 0  # attempt number of the request now in flight
        self.arrival = NAN  # arrival time of the request now in flight
        self.served_from = NAN  # service start of the request now in flight
        self.doomed = False  # an interrupt is on its way to its process


class ShopModel:
    """One run of a scenario: the SimPy environment, the nodes, and the records.

    Use :func:`statelab.simulate`; this class is its engine.
    """

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.env = simpy.Environment()
        self.workload = Workload(scenario)
        self.balancer = make_balancer(scenario.balancer, stream(scenario.seed, "balancer"))
        self.retry_draw = stream(scenario.seed, "retries")
        self.affinity = scenario.affinity
        self.hashed = scenario.affinity in ("ip_hash", "consistent_hash")
        self.ring = HashRing(scenario.seed, scenario.vnodes)
        self.cookie_cost = (
            scenario.cookie_bytes_per_item / 1024 * scenario.cookie_cost_per_kb
            if scenario.state == "cookie"
            else 0.0
        )
        self.cookie_items = scenario.cookie_limit // scenario.cookie_bytes_per_item
        self.store = (
            SessionStore(self.env, scenario.store_workers, scenario.store_latency)
            if scenario.state == "store"
            else None
        )
        self.settle = {
            "server": self._settle_in_memory,
            "replicated": self._settle_in_memory,
            "cookie": self._settle_cookie,
            "store": self._settle_store,
        }[scenario.state]
        self.replicated = scenario.state == "replicated"
        self.nodes = [Node(self.env, i, scenario.workers) for i in range(scenario.max_nodes())]
        for node in self.nodes[scenario.nodes :]:
            node.member = node.up = node.seen_up = False
        self.live: list[Node] = []  # the nodes that take new sessions: seen up, not draining
        self.alive: dict[int, Session] = {}  # sessions that have started and not ended
        self.lost = 0
        self.lost_by_cause = dict.fromkeys(LOST_CAUSES, 0)
        self.lost_from = [0] * len(self.nodes)  # carts lost that were held by each node
        self.losses: list[tuple] = []  # (time, session, node that held the cart, cause)
        self.gave_up: list[float] = []  # start time of the session of each request given up
        self.requests: list[tuple] = []
        self.sessions: list[tuple] = []
        self.timeline: list[tuple] = []
        self.autoscaler: list[tuple] = []
        self.node_changes: list[tuple] = [
            (0.0, node.index, "up") for node in self.nodes[: scenario.nodes]
        ]
        self._busy_scan = 0  # records before this index ended before the autoscaler's window
        self._nodes_changed()

    def run(self) -> Result:
        """Act the scenario out until ``duration`` and return its Result."""
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
        env.run(until=scenario.duration)
        self._sample()
        self._close()
        return Result(
            scenario, self.requests, self.sessions, self.timeline, self.node_changes,
            self.autoscaler, self.losses, self.gave_up,
        )  # fmt: skip

    # -- shoppers ---------------------------------------------------------

    def _arrivals(self):
        env = self.env
        workload = self.workload
        seed = self.scenario.seed
        hashed = self.hashed
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
            session.process = env.process(self._visit(session, services, thinks))
            session_id += 1

    def _visit(self, session: Session, services: list[float], thinks: list[float]):
        """The process of one session: its requests, one after another, each retried as needed."""
        env = self.env
        retries = self.scenario.retries
        backoff = self.scenario.retry_backoff
        for k, service in enumerate(services):
            if k and thinks[k - 1]:
                yield env.timeout(thinks[k - 1])
            attempt = 1
            while (yield from self._attempt(session, service, attempt)) == FAILED:
                if attempt > retries:  # no retry left: the shopper sees an error
                    self.gave_up.append(session.start)
                    break
                attempt += 1
                if backoff:
                    yield env.timeout(self.retry_draw.expovariate(1.0 / backoff))
        self._end(session, env.now)

    def _attempt(self, session: Session, service: float, attempt: int):
        """One request attempt, from sending it to its outcome (which it returns)."""
        env = self.env
        records = self.requests
        arrival = env.now
        session.sent += 1
        node = self._route(session)
        if node is None or not node.up:  # nobody up, or dead and not noticed yet
            index = NO_NODE if node is None else node.index
            records.append((session.id, attempt, index, arrival, NAN, arrival, FAILED))
            return FAILED
        store = self.store
        if store is not None and store.down:
            records.append((session.id, attempt, node.index, arrival, NAN, arrival, FAILED))
            return FAILED
        session.node = node
        session.attempt = attempt
        session.arrival = arrival
        node.in_flight[session.id] = session
        start = NAN
        try:
            if store is not None:
                yield from store.call(session)
            slots = node.workers
            yield from slots.take()
            start = session.served_from = env.now
            try:
                yield env.timeout(service + self.cookie_cost * session.items)
            except simpy.Interrupt:
                slots.give_back()
                raise
            slots.give_back()
        except simpy.Interrupt:
            session.doomed = False
            node.in_flight.pop(session.id, None)
            outcome = FAILED
        else:
            del node.in_flight[session.id]
            outcome = self.settle(session, node)
        records.append((session.id, attempt, node.index, arrival, start, env.now, outcome))
        session.node = None
        session.arrival = session.served_from = NAN
        return outcome

    def _route(self, session: Session) -> Node | None:
        """The node this session's next request goes to (None: no node takes it)."""
        live = self.live
        affinity = self.affinity
        if affinity == "sticky":
            peer = session.peer
            if session.home is None and peer is not None and peer.seen_up:
                session.pinned = peer  # its node lost the cart: fail over to the copy
                return peer
            pinned = session.pinned
            if pinned is not None and pinned.seen_up:
                return pinned
            if not live:
                return None
            session.pinned = self.balancer.pick(live)
            return session.pinned
        if not live:
            return None
        if affinity == "none":
            return self.balancer.pick(live)
        if affinity == "ip_hash":
            return live[session.key % len(live)]
        return self.ring.owner(session.key)

    # -- state ------------------------------------------------------------

    def _lose(self, session: Session, cause: str, node: int = NO_NODE) -> int:
        """The session's state was not there: mark it lost (once) and return the outcome.

        ``node`` is the node whose memory held the lost cart (-1: none did).
        """
        if not session.lost_cause:
            session.lost_cause = cause
            self.lost += 1
            self.lost_by_cause[cause] += 1
            if node >= 0:
                self.lost_from[node] += 1
            self.losses.append((self.env.now, session.id, node, cause))
        return STATE_LOST

    def _settle_in_memory(self, session: Session, node: Node) -> int:
        """Server (and replicated) state: serve it from ``node``'s memory, or lose it.

        Called when a request's service completes: a request that fails on the
        way changes nothing about where the session's state is.
        """
        home = session.home
        outcome = OK
        if home is not node:
            if self.replicated and session.peer is node:  # the copy takes over
                node.replicas.discard(session)
                session.peer = None
            elif session.has_state:
                if session.wiped:
                    outcome = self._lose(session, session.wiped, session.wiped_from)
                else:
                    cause = "rehash" if self.hashed else "no_affinity"
                    outcome = self._lose(session, cause, home.index if home else NO_NODE)
                if session.peer is not None:
                    session.peer.replicas.discard(session)
                    session.peer = None
            if home is not None:
                home.memory.discard(session)
            session.has_state = True
            session.wiped = ""
            session.home = node
            node.memory.add(session)
        if self.replicated:
            self._copy_to_peer(session, node)
        session.items += 1
        return outcome

    def _copy_to_peer(self, session: Session, node: Node) -> None:
        """Copy the session's state to the next live node after ``node``, if it has none up."""
        peer = session.peer
        if peer is not None and peer.up and peer is not node:
            return
        if peer is not None:
            peer.replicas.discard(session)
        session.peer = None
        others = [n for n in self.live if n.up and n is not node]
        if others:
            later = [n for n in others if n.index > node.index]
            session.peer = later[0] if later else others[0]
        if session.peer is not None:
            session.peer.replicas.add(session)

    def _settle_cookie(self, session: Session, node: Node) -> int:
        """Cookie state: the cart came with the request, unless the browser dropped it."""
        outcome = OK
        if session.dropped:
            outcome = self._lose(session, "cookie_too_large")
            session.dropped = False
        session.items += 1
        if session.items > self.cookie_items:  # this item makes the cookie too large:
            session.dropped = True  # the browser refuses it, the next request comes without
            session.items = 0
        return outcome

    def _settle_store(self, session: Session, node: Node) -> int:
        """Store state: the cart is in the store, unless an outage wiped the store."""
        epoch = self.store.epoch
        outcome = OK
        if session.has_state and session.epoch != epoch:
            outcome = self._lose(session, "store_outage")
            session.items = 0
        session.has_state = True
        session.epoch = epoch
        session.items += 1
        return outcome

    def _end(self, session: Session, end: float) -> None:
        if session.home is not None:
            session.home.memory.discard(session)
        if session.peer is not None:
            session.peer.replicas.discard(session)
        del self.alive[session.id]
        self.sessions.append((session.id, session.start, end, session.sent, session.lost_cause))

    # -- happenings -------------------------------------------------------

    def _happen(self, event: Crash | Restart | ScaleTo | StoreOutage):
        yield self.env.timeout(event.at)
        if isinstance(event, ScaleTo):
            self._scale(event.nodes, event.drain)
            return
        if isinstance(event, StoreOutage):
            if self.store is not None:
                yield from self._store_outage(event.duration)
            return
        node = self.nodes[event.node]
        if not node.member or node.booting:
            return
        if node.up:
            self._take_down(node, "crash")
        if isinstance(event, Restart):
            self._bring_up(node)

    def _interrupt(self, session: Session, cause: str) -> None:
        if not session.doomed:
            session.doomed = True
            session.process.interrupt(cause)

    def _take_down(self, node: Node, cause: str) -> None:
        """Node goes down: its requests in flight fail and the carts it holds are lost.

        With state="replicated" a cart survives when its copy is on a live peer.
        """
        in_flight, memory, replicas = node.go_down()
        for session in in_flight:
            self._interrupt(session, cause)
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
        node.booting = False
        self._nodes_changed(node)

    def _store_outage(self, duration: float):
        store = self.store
        store.down = True
        for session in list(store.callers.values()):
            self._interrupt(session, "store_outage")
        if not self.scenario.store_persistent:
            store.epoch += 1
        yield self.env.timeout(duration)
        store.down = False

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

    def _scale(self, target: int, drain: float, boot_time: float = 0.0) -> None:
        size = sum(1 for node in self.nodes if node.member and not node.draining)
        for node in self.nodes[size:target]:
            if node.member:  # draining: it stays after all
                node.draining = False
                self._nodes_changed(node)
            elif boot_time > 0:
                node.member = node.booting = True
                self._nodes_changed(node)
                self.env.process(self._boot(node, boot_time))
            else:
                node.member = True
                self._bring_up(node)
        for node in self.nodes[target:size]:
            if drain > 0:
                node.draining = True
                self._nodes_changed(node)
                self.env.process(self._leave_after(node, drain))
            else:
                self._remove(node)

    def _boot(self, node: Node, boot_time: float):
        yield self.env.timeout(boot_time)
        if node.member and node.booting:
            self._bring_up(node)

    def _leave_after(self, node: Node, drain: float):
        yield self.env.timeout(drain)
        if node.member and node.draining:
            self._remove(node)

    def _remove(self, node: Node) -> None:
        """Scale-in: the node leaves the cluster; what it still held is lost."""
        was_up = node.up
        node.member = node.draining = node.booting = False
        if was_up:
            self._take_down(node, "scale_in")
        else:
            node.up = node.seen_up = False
            self._nodes_changed(node)

    def _nodes_changed(self, node: Node | None = None) -> None:
        """Update who takes new sessions (and the hash ring) after a node changed."""
        self.live = [n for n in self.nodes if n.seen_up and n.member and not n.draining]
        if self.affinity == "consistent_hash":
            self.ring.rebuild(self.live)
        if node is not None:
            self.node_changes.append((self.env.now, node.index, node.status))

    # -- autoscaling ------------------------------------------------------

    def _autoscale(self):
        """Kubernetes HPA: every interval, desired = ceil(current x utilisation / target)."""
        policy = self.scenario.autoscale
        env = self.env
        workers = self.scenario.workers
        recommendations: deque = deque()
        while True:
            yield env.timeout(policy.interval)
            now = env.now
            current = sum(1 for node in self.nodes if node.member and not node.draining)
            busy = self._busy_seconds(now - policy.interval, now)
            utilisation = busy / (current * workers * policy.interval)
            ratio = utilisation / policy.target
            within_tolerance = abs(ratio - 1.0) <= 0.1
            desired = current if within_tolerance else math.ceil(current * ratio - 1e-9)
            desired = min(max(desired, policy.min_nodes), policy.max_nodes)
            recommendations.append((now, desired))
            while recommendations[0][0] < now - policy.scale_down_window:
                recommendations.popleft()
            size = current
            if desired > current:
                size = desired
            elif desired < current:
                size = max(recommendation for _, recommendation in recommendations)
            if size != current:
                self._scale(size, policy.drain, policy.boot_time)
            self.autoscaler.append((now, current, utilisation, desired, size))

    def _busy_seconds(self, low: float, high: float) -> float:
        """Worker-seconds spent serving between ``low`` and ``high`` (``high`` is now)."""
        records = self.requests
        i = self._busy_scan
        while i < len(records) and records[i][5] <= low:  # records are in order of their end
            i += 1
        self._busy_scan = i
        busy = 0.0
        for record in records[i:]:
            start = record[4]
            if start == start:  # not NaN: it was served
                busy += record[5] - max(start, low)
        for node in self.nodes:
            for session in node.in_flight.values():
                start = session.served_from
                if start == start:
                    busy += high - max(start, low)
        return busy

    # -- observing --------------------------------------------------------

    def _sampler(self):
        env = self.env
        interval = self.scenario.sample_interval
        k = 0
        while True:
            self._sample()
            k += 1
            yield env.timeout(k * interval - env.now)

    def _sample(self) -> None:
        nodes = self.nodes
        store = self.store
        self.timeline.append(
            (
                self.env.now,
                len(self.alive),
                self.lost,
                *self.lost_by_cause.values(),
                store.busy() if store else 0,
                store.queued() if store else 0,
                *(node.busy() for node in nodes),
                *(node.queued() for node in nodes),
                *(len(node.memory) for node in nodes),
                *(STATUS_CODES[node.status] for node in nodes),
                *self.lost_from,
            )
        )

    def _close(self) -> None:
        """Record what is still under way at the end: requests in flight, open sessions."""
        for session in list(self.alive.values()):
            node = session.node
            if node is not None:
                self.requests.append(
                    (
                        session.id, session.attempt, node.index, session.arrival,
                        session.served_from, NAN, IN_FLIGHT,
                    )
                )  # fmt: skip
            self.sessions.append((session.id, session.start, NAN, session.sent, session.lost_cause))
