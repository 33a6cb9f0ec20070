"""A web server node: worker slots, a queue, and a memory that can be lost.

A node is like a shop counter with ``workers`` clerks: a request that finds a
clerk free is served at once, the others wait in the node's queue in arrival
order. The clerks are a ``simpy.Resource`` of that capacity.

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
        Whether it is running (the balancer sends requests only to running nodes).
    member : bool
        Whether it is part of the cluster now (scaling in removes nodes, scaling out adds them).
    draining : bool
        Whether it is leaving: it takes no new sessions but serves the ones pinned to it.
    workers : simpy.Resource
        Its worker slots; ``workers.count`` are busy, ``workers.queue`` wait.
    in_flight : dict
        The sessions with a request at this node (served or queued), mapped to
        their SimPy process, so that a crash can interrupt them.
    memory : set
        The sessions whose state (login and cart) this node holds.
    """

    __slots__ = (
        "capacity",
        "draining",
        "env",
        "in_flight",
        "index",
        "member",
        "memory",
        "up",
        "workers",
    )

    def __init__(self, env: simpy.Environment, index: int, workers: int) -> None:
        self.env = env
        self.index = index
        self.capacity = workers
        self.up = True
        self.member = True
        self.draining = False
        self.workers = simpy.Resource(env, capacity=workers)
        self.in_flight: dict = {}
        self.memory: set = set()

    @property
    def status(self) -> str:
        """``"up"``, ``"draining"``, ``"down"`` (crashed) or ``"removed"`` (scaled in)."""
        if not self.member:
            return "removed"
        if not self.up:
            return "down"
        return "draining" if self.draining else "up"

    def crash(self, cause: str) -> set:
        """Take the node down: fail what it is serving and forget what it holds.

        Every request in flight here is interrupted with ``cause``; its
        process records it as failed. The node gets fresh, empty worker slots,
        so none of the failed requests occupies a slot once it is down.

        Returns
        -------
        set
            The sessions whose state was in this node's memory (now lost).
        """
        self.up = False
        for process in list(self.in_flight.values()):
            process.interrupt(cause)
        self.in_flight.clear()
        self.workers = simpy.Resource(self.env, capacity=self.capacity)
        wiped, self.memory = self.memory, set()
        return wiped

    def busy(self) -> int:
        """Requests being served now."""
        return self.workers.count

    def queued(self) -> int:
        """Requests waiting for a worker now."""
        return len(self.workers.queue)
