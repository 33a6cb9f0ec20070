"""The model: a web shop behind a load balancer, acted out in SimPy.

Shoppers arrive (see :mod:`statelab.workload`), and each one becomes a SimPy
process that walks through its session: send a request, wait for the answer,
think, send the next. Each request passes the balancer (with the session
affinity the scenario asks for, see :mod:`statelab.affinity`), waits for a
worker slot on the chosen node, and is served.

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
- ``state="cookie"``: the cart travels with every request; each cart item
  adds ``cookie_bytes_per_item`` bytes, and each KB costs the node
  ``cookie_cost_per_kb`` seconds of extra work. No node holds anything.
- ``state="store"``: every request first loads its session from the shared
  store (see :mod:`statelab.store`). No node holds anything.

Each completed request adds one item to the session's cart.

Nothing is dropped: every request attempt is recorded once, when it ends, as
``ok``, ``state_lost`` or ``failed`` (no node up, or its node went down while
it was there); the ones still under way when the run stops are recorded as
``in_flight``. Records are plain tuples; :class:`~statelab.result.Result`
turns them into DataFrames once, at the end.
"""

from __future__ import annotations

import math

import simpy

from statelab.affinity import HashRing, client_key
from statelab.balancer import make_balancer
from statelab.events import Crash, Restart, ScaleTo
from statelab.node import Node
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


class Session:
    """One shopper's visit: what the model needs to know about it while it runs."""

    __slots__ = (
        "arrival",
        "has_state",
        "home",
        "id",
        "items",
        "key",
        "lost_cause",
        "node",
        "pinned",
        "sent",
        "served_from",
        "start",
        "wiped",
    )

    def __init__(self, session_id: int, start: float, key: int) -> None:
        self.id = session_id
        self.start = start
        self.key = key  # the hash of its client, for ip_hash and consistent_hash
        self.sent = 0  # request attempts sent so far
        self.items = 0  # items in its cart: one a completed request
        self.has_state = False  # logged in at least once
        self.home: Node | None = None  # the node whose memory holds its state
        self.wiped = ""  # why its state was destroyed, until the session notices
        self.pinned: Node | None = None  # the node its sticky cookie points to
        self.lost_cause = ""  # why it lost its state first ("" while it has not)
        self.node: Node | None = None  # the node of the request now in flight
        self.arrival = NAN  # arrival time of the request now in flight
        self.served_from = NAN  # service start of the request now in flight


class ShopModel:
    """One run of a scenario: the SimPy environment, the nodes, and the records.

    Use :func:`statelab.simulate`; this class is its engine.
    """

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.env = simpy.Environment()
        self.workload = Workload(scenario)
        self.balancer = make_balancer(scenario.balancer, stream(scenario.seed, "balancer"))
        self.affinity = scenario.affinity
        self.hashed = scenario.affinity in ("ip_hash", "consistent_hash")
        self.ring = HashRing(scenario.seed, scenario.vnodes)
        self.server_state = scenario.state == "server"
        self.cookie_cost = (
            scenario.cookie_bytes_per_item / 1024 * scenario.cookie_cost_per_kb
            if scenario.state == "cookie"
            else 0.0
        )
        self.store = (
            SessionStore(self.env, scenario.store_workers, scenario.store_latency)
            if scenario.state == "store"
            else None
        )
        self.nodes = [Node(self.env, i, scenario.workers) for i in range(scenario.max_nodes())]
        for node in self.nodes[scenario.nodes :]:
            node.member = node.up = False
        self.live: list[Node] = []  # the nodes that take new sessions: up, member, not draining
        self.alive: dict[int, Session] = {}  # sessions that have started and not ended
        self.lost = 0
        self.lost_by_cause = dict.fromkeys(LOST_CAUSES, 0)
        self.requests: list[tuple] = []
        self.sessions: list[tuple] = []
        self.timeline: list[tuple] = []
        self.node_changes: list[tuple] = [
            (0.0, node.index, "up") for node in self.nodes[: scenario.nodes]
        ]
        self._nodes_changed()

    def run(self) -> Result:
        """Act the scenario out until ``duration`` and return its Result."""
        env = self.env
        env.process(self._arrivals())
        env.process(self._sampler())
        for event in sorted(self.scenario.events, key=lambda e: e.at):
            env.process(self._happen(event))
        env.run(until=self.scenario.duration)
        self._sample()
        self._close()
        return Result(self.scenario, self.requests, self.sessions, self.timeline, self.node_changes)

    # -- shoppers ---------------------------------------------------------

    def _arrivals(self):
        env = self.env
        workload = self.workload
        seed = self.scenario.seed
        hashed = self.hashed
        session_id = 0
        while True:
            yield env.timeout(workload.next_gap())
            services, thinks = workload.next_session()
            key = client_key(seed, session_id) if hashed else 0
            session = Session(session_id, env.now, key)
            self.alive[session_id] = session
            env.process(self._visit(session, services, thinks))
            session_id += 1

    def _visit(self, session: Session, services: list[float], thinks: list[float]):
        """The process of one session: its requests, one after another."""
        env = self.env
        records = self.requests
        store = self.store
        cookie_cost = self.cookie_cost
        server_state = self.server_state
        me = env.active_process
        for k, service in enumerate(services):
            if k and thinks[k - 1]:
                yield env.timeout(thinks[k - 1])
            arrival = env.now
            session.sent += 1
            node = self._route(session)
            if node is None:
                records.append((session.id, 1, NO_NODE, arrival, NAN, arrival, FAILED))
                continue
            session.node = node
            session.arrival = arrival
            node.in_flight[session.id] = me
            try:
                if store is not None:
                    yield from store.call()
                with node.workers.request() as slot:
                    yield slot
                    start = session.served_from = env.now
                    yield env.timeout(service + cookie_cost * session.items)
            except simpy.Interrupt:
                records.append(
                    (session.id, 1, node.index, arrival, session.served_from, env.now, FAILED)
                )
            else:
                del node.in_flight[session.id]
                outcome = self._find_state(session, node) if server_state else OK
                session.items += 1
                records.append((session.id, 1, node.index, arrival, start, env.now, outcome))
            session.node = None
            session.arrival = session.served_from = NAN
        self._end(session, env.now)

    def _route(self, session: Session) -> Node | None:
        """The node this session's next request goes to (None: no node takes it)."""
        live = self.live
        affinity = self.affinity
        if affinity == "sticky":
            pinned = session.pinned
            if pinned is not None and pinned.up:
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

    def _find_state(self, session: Session, node: Node) -> int:
        """Serve the session's state from ``node``'s memory; return the request's outcome.

        Called when a request's service completes: a request that fails on the
        way changes nothing about where the session's state is.
        """
        if session.home is node:
            return OK
        outcome = OK
        if session.has_state:
            cause = session.wiped or ("rehash" if self.hashed else "no_affinity")
            outcome = STATE_LOST
            if not session.lost_cause:
                session.lost_cause = cause
                self.lost += 1
                self.lost_by_cause[cause] += 1
            if session.home is not None:
                session.home.memory.discard(session)
        session.has_state = True
        session.wiped = ""
        session.home = node
        node.memory.add(session)
        return outcome

    def _end(self, session: Session, end: float) -> None:
        if session.home is not None:
            session.home.memory.discard(session)
        del self.alive[session.id]
        self.sessions.append((session.id, session.start, end, session.sent, session.lost_cause))

    # -- happenings -------------------------------------------------------

    def _happen(self, event: Crash | Restart | ScaleTo):
        yield self.env.timeout(event.at)
        if isinstance(event, ScaleTo):
            self._scale(event.nodes, event.drain)
            return
        node = self.nodes[event.node]
        if not node.member:
            return
        if node.up:
            self._take_down(node, "crash")
        if isinstance(event, Restart):
            node.up = True
            self._nodes_changed(node)

    def _take_down(self, node: Node, cause: str) -> None:
        """Node goes down: its requests in flight fail and the carts it holds are lost."""
        for session in node.crash(cause):
            session.home = None
            session.wiped = cause
        self._nodes_changed(node)

    def _scale(self, target: int, drain: float) -> None:
        members = [node for node in self.nodes if node.member and not node.draining]
        size = len(members)
        for node in self.nodes[size:target]:
            if node.member:  # draining: it stays after all
                node.draining = False
            else:
                node.member = node.up = True
                node.memory = set()
            self._nodes_changed(node)
        for node in self.nodes[target:size]:
            if drain > 0:
                node.draining = True
                self._nodes_changed(node)
                self.env.process(self._leave_after(node, drain))
            else:
                self._remove(node)

    def _leave_after(self, node: Node, drain: float):
        yield self.env.timeout(drain)
        if node.member and node.draining:
            self._remove(node)

    def _remove(self, node: Node) -> None:
        if node.up:
            for session in node.crash("scale_in"):
                session.home = None
                session.wiped = "scale_in"
        node.member = node.up = node.draining = False
        self._nodes_changed(node)

    def _nodes_changed(self, node: Node | None = None) -> None:
        """Update who takes new sessions (and the hash ring) after a node changed."""
        self.live = [n for n in self.nodes if n.up and n.member and not n.draining]
        if self.affinity == "consistent_hash":
            self.ring.rebuild(self.live)
        if node is not None:
            self.node_changes.append((self.env.now, node.index, node.status))

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
                sum(1 for node in nodes if node.up),
                sum(1 for node in nodes if node.draining),
                len(self.alive),
                self.lost,
                *self.lost_by_cause.values(),
                store.busy() if store else 0,
                store.queued() if store else 0,
                *(node.busy() for node in nodes),
                *(node.queued() for node in nodes),
                *(len(node.memory) for node in nodes),
            )
        )

    def _close(self) -> None:
        """Record what is still under way at the end: requests in flight, open sessions."""
        for session in list(self.alive.values()):
            node = session.node
            if node is not None:
                self.requests.append(
                    (
                        session.id,
                        1,
                        node.index,
                        session.arrival,
                        session.served_from,
                        NAN,
                        IN_FLIGHT,
                    )
                )
            self.sessions.append((session.id, session.start, NAN, session.sent, session.lost_cause))
