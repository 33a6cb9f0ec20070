"""The shared session store: where state goes when the web servers forget.

With ``state="store"`` no web server keeps a cart. Every request first loads
its session from a shared store (think Redis or a database), then does its
work on whichever node the balancer chose. Any node can serve any request, so
a crash or a rescale loses no cart.

State did not disappear, it moved. The store is a counter of its own with
``store_workers`` clerks, and every call holds one for ``store_latency``
seconds (a fixed round trip). It adds that latency to every request, and when
the calls arrive faster than ``store_workers / store_latency`` a second, its
queue grows without bound while the web servers, starved of work, sit idle:
the bottleneck has moved to the store.

The call is made by the node's front end while the request waits (as
asynchronous servers do), so a request waiting for the store does not hold
one of the node's worker slots.

During a :class:`~statelab.sim.events.StoreOutage` every call fails, including
those it was serving or holding when it went down. A store that is not
persistent (``store_persistent=False``) comes back empty: every session's
cart is gone, and each shopper finds out on the next request.

A store that hangs (``StoreOutage(mode="hang")``) refuses nothing and answers nothing:
a call that would be answered while it hangs waits until the hang ends, and the
node's worker that made it waits with it (the model's ``_serve``); the call is in
:attr:`SessionStore.callers` meanwhile, so a store going down fails it.
"""

from __future__ import annotations

import simpy

from statelab.sim.slots import Slots


class SessionStore:
    """The shared store every node calls once per request.

    Parameters
    ----------
    env : simpy.Environment
        The simulation it runs in.
    workers : int
        Calls it serves at once.
    latency : float
        Seconds each call takes once it is served.
    """

    __slots__ = (
        "callers",
        "clerks",
        "down",
        "env",
        "epoch",
        "hangs",
        "hung",
        "latency",
        "outages",
        "resumed",
    )

    def __init__(self, env: simpy.Environment, workers: int, latency: float) -> None:
        self.env = env
        self.clerks = Slots(env, workers)
        self.latency = latency
        self.callers: dict = {}  # the sessions with a call here now, by session number
        self.down = False  # in an outage
        self.outages = 0  # outages under way (they may overlap)
        self.epoch = 0  # how many times it lost its sessions (non-persistent outages)
        self.hung = False  # in a hang: it takes calls and answers none
        self.hangs = 0  # hangs under way (they may overlap)
        self.resumed: simpy.Event | None = None  # succeeds when the hang under way ends

    def call(self, session):
        """A SimPy process step: load ``session`` from the store (``yield from store.call(s)``).

        If the calling process is interrupted (its node crashed, or the store
        went down), the call leaves the line or frees its clerk, and the
        interrupt goes on.
        """
        self.callers[session.id] = session
        try:
            clerks = self.clerks
            yield from clerks.take()
            try:
                yield self.env.timeout(self.latency)
            except simpy.Interrupt:
                clerks.give_back()
                raise
            clerks.give_back()
        finally:
            self.callers.pop(session.id, None)

    def start_hang(self) -> None:
        """The store stops answering (overlapping hangs add up)."""
        self.hangs += 1
        if not self.hung:
            self.hung = True
            self.resumed = self.env.event()

    def end_hang(self) -> None:
        """One hang ends; when the last one does, every waiting call is answered."""
        self.hangs -= 1
        if not self.hangs:
            self.hung = False
            self.resumed.succeed()

    def busy(self) -> int:
        """Calls being served now."""
        return self.clerks.count

    def queued(self) -> int:
        """Calls waiting for the store now."""
        return len(self.clerks.waiting)
