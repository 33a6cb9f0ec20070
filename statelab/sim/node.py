"""A web server node: worker slots, a queue, and a memory that can be lost.

A node is like a shop counter with ``workers`` clerks: a request that finds a
clerk free is served at once, the others wait in the node's queue in arrival
order (see :mod:`statelab.sim.slots`).

With ``state="server"`` the node also *remembers*: the sessions it has served
keep their login and cart in its memory (:attr:`Node.memory`). That memory
lives and dies with the node. When the node crashes, the requests it is
serving or holding in its queue fail (their processes are interrupted, as in
SimPy's machine-shop example) and its memory is wiped: every session whose
cart was there has lost it, which the session only finds out on its next
request.
"""

from __future__ import annotations

import simpy

from statelab.sim.slots import Slots


class Node:
    """One web server.

    Parameters
    ----------
    env : simpy.Environment
        The simulation it runs in.
    index : int
        Its number, from 0; it names the node in every table and figure.
    workers : int
        Requests it serves at once.

    Attributes
    ----------
    up : bool
        Whether it is running and serving.
    seen_up : bool
        Whether the balancer believes it is up. After a crash the balancer
        notices only after ``health_check_delay`` seconds; until then it
        still sends requests here, and they fail.
    member : bool
        Whether it is part of the cluster now (scaling in removes nodes, scaling out adds them).
    booting : bool
        Whether it has joined but does not serve yet.
    draining : bool
        Whether it is leaving: it takes no new sessions; it serves the ones pinned to it
        (HAProxy's drain) unless it is also ``closed``.
    closed : bool
        Whether it is out of the balancer's endpoints while it leaves (Kubernetes, an ALB):
        no request reaches it, pinned ones included; it only finishes what it has.
    workers : Slots
        Its worker slots; ``workers.count`` are busy, ``workers.waiting`` wait.
    in_flight : dict
        The sessions with a request at this node (at its store call, queued
        or served), by session number, so that a crash can fail them.
    memory : set
        The sessions whose state (login and cart) this node holds.
    replicas : set
        The sessions whose state this node holds as the peer copy (``state="replicated"``).
    downs : int
        How many times it went down (tells a late health check from a current one).
    """

    __slots__ = (
        "booting",
        "capacity",
        "closed",
        "downs",
        "draining",
        "env",
        "in_flight",
        "index",
        "member",
        "memory",
        "replicas",
        "seen_up",
        "up",
        "workers",
    )

    def __init__(self, env: simpy.Environment, index: int, workers: int) -> None:
        self.env = env
        self.index = index
        self.capacity = workers
        self.up = self.seen_up = self.member = True
        self.booting = self.draining = self.closed = False
        self.downs = 0
        self.workers = Slots(env, workers)
        self.in_flight: dict = {}
        self.memory: set = set()
        self.replicas: set = set()

    @property
    def status(self) -> str:
        """One of :data:`STATUSES`."""
        if not self.member:
            return "removed"
        if self.booting:
            return "booting"
        if not self.up:
            return "down"
        return "draining" if self.draining else "up"

    def go_down(self) -> tuple[list, set, set]:
        """Stop the node: it serves nothing and forgets everything.

        It gets fresh, empty worker slots, so none of its failed requests
        holds a slot once it is down.

        Returns
        -------
        tuple
            The sessions that had a request in flight here (their requests
            fail), the sessions whose state was in its memory, and the
            sessions whose peer copy it held.
        """
        self.up = False
        self.downs += 1
        in_flight = list(self.in_flight.values())
        self.in_flight.clear()
        self.workers = Slots(self.env, self.capacity)
        memory, self.memory = self.memory, set()
        replicas, self.replicas = self.replicas, set()
        return in_flight, memory, replicas

    def busy(self) -> int:
        """Requests being served now."""
        return self.workers.count

    def queued(self) -> int:
        """Requests waiting for a worker now."""
        return len(self.workers.waiting)
