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
"""

from __future__ import annotations

import simpy


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

    __slots__ = ("calls", "env", "latency")

    def __init__(self, env: simpy.Environment, workers: int, latency: float) -> None:
        self.env = env
        self.calls = simpy.Resource(env, capacity=workers)
        self.latency = latency

    def busy(self) -> int:
        """Calls being served now."""
        return self.calls.count

    def queued(self) -> int:
        """Calls waiting for the store now."""
        return len(self.calls.queue)
