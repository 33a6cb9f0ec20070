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

During a :class:`~statelab.events.StoreOutage` every call fails, including
those it was serving or holding when it went down. A store that is not
persistent (``store_persistent=False``) comes back empty: every session's
cart is gone, and each shopper finds out on the next request.
"""

from __future__ import annotations

from collections import deque

import simpy


class SessionStore:
    """The shared store every node calls once per request.

    Its clerks are counted by hand rather than with a ``simpy.Resource``: a
    call that finds a clerk free costs one SimPy event (its latency) instead
    of three, which keeps a stateless shop nearly as fast to simulate as a
    stateful one. Waiting calls are served first come, first served.

    Parameters
    ----------
    env : simpy.Environment
        The simulation it runs in.
    workers : int
        Calls it serves at once.
    latency : float
        Seconds each call takes once it is served.
    """

    __slots__ = ("callers", "count", "down", "env", "epoch", "latency", "waiting", "workers")

    def __init__(self, env: simpy.Environment, workers: int, latency: float) -> None:
        self.env = env
        self.workers = workers
        self.latency = latency
        self.count = 0  # calls being served
        self.waiting: deque = deque()  # one event a waiting call, succeeded on its turn
        self.callers: dict = {}  # the sessions with a call here now, by session number
        self.down = False  # in an outage
        self.epoch = 0  # how many times it lost its sessions (non-persistent outages)

    def call(self, session):
        """A SimPy process step: load ``session`` from the store (``yield from store.call(s)``).

        If the calling process is interrupted (its node crashed, or the store
        went down), the call is withdrawn from the queue or its clerk freed,
        and the interrupt goes on.
        """
        self.callers[session.id] = session
        try:
            yield from self._serve()
        finally:
            self.callers.pop(session.id, None)

    def _serve(self):
        if self.count < self.workers:
            self.count += 1
        else:
            turn = self.env.event()
            self.waiting.append(turn)
            try:
                yield turn
            except simpy.Interrupt:
                if turn.triggered:  # a clerk was handed over just now: pass it on
                    self._next()
                else:
                    self.waiting.remove(turn)
                raise
        try:
            yield self.env.timeout(self.latency)
        except simpy.Interrupt:
            self._next()
            raise
        self._next()

    def _next(self) -> None:
        """A clerk is free: hand it to the first waiting call, if any."""
        if self.waiting:
            self.waiting.popleft().succeed()
        else:
            self.count -= 1

    def busy(self) -> int:
        """Calls being served now."""
        return self.count

    def queued(self) -> int:
        """Calls waiting for the store now."""
        return len(self.waiting)
