"""Real runs: the Scenario played by real processes on this machine, read as a Result.

The simulation is a model; a real run checks it against the real thing. The same Scenario
starts a small shop on loopback: ``nodes`` web servers (aiohttp processes with worker slots and
a cart in memory, in a cookie, in a SQLite or Redis store, or replicated to a peer), a load
balancer in front of them (our embedded proxy, or HAProxy itself) and a load generator that
plays the Scenario's shoppers as real HTTP requests. The events happen for real: a ``Crash`` is
a SIGKILL of a node's process that the balancer finds by its health checks
(``crash="detected"``, the default; ``"announced"`` tells it first), with or without its
retries of a refused connection (``balancer_retries``, ``redispatch``), a ``Restart`` a fresh
process, a ``ScaleTo`` nodes joining or draining away, a ``StoreOutage`` the store's file or
server taken away.

How a real run maps to the simulation:

- **the same shoppers**: the load generator draws arrivals, session lengths, service demands,
  think times and retry pauses from the simulation's own streams, so a real run and a simulated
  run of one seed see the same shoppers; each in its ``tabs`` browser tabs (one connection a
  tab, one cookie jar), retrying by the simulation's rules (``retry_jitter``, the cap, the
  ``retry_budget``);
- **the same writes**: a node writes an attempt's change at ``write_at`` of its work; a store
  applies an add in one transaction (``store_update="atomic"``: SQLite's ``BEGIN IMMEDIATE``,
  Redis's ``WATCH``/``MULTI``) or writes back the cart it read at the request's first store
  call (``"read_modify_write"``), and each write that replaced a cart of another size than
  the one it was built on is booked as a lost update, as the simulation books it;
- **time is scaled**: at ``time_scale=0.2`` a 120 s scenario runs in 24 s; a node spends a
  request's service time as a sleep of ``service * time_scale`` (so two cores hold many
  workers), and every time in the Result is in model seconds, ``(stamp - t0) / time_scale``;
- **the same tables**: every response says which node served it and whether the session's
  cart was found there, so each real attempt becomes a row of the simulation's request table
  (session, request, attempt, node, arrival, start, end, done, outcome, applied, duplicate),
  losses get the cause the simulation would give, and ``summary()``, the plots and the
  animated view work on the Result unchanged;
- **what the model leaves out** is measured: the HTTP overhead (the client's latency minus the
  time the request spent at its node), in ``result.real["http_overhead"]`` (median, model
  seconds), with the balancer's configuration, the raw client and node tables and the wall
  times.

>>> from statelab import Scenario, Crash
>>> from statelab import real
>>> result = real.run(Scenario(duration=30, events=(Crash(1, at=15),)))  # doctest: +SKIP
>>> result.summary()["sessions_lost_crash"]  # doctest: +SKIP

Every process a run starts is gone when it returns, raises or is interrupted.
"""

from __future__ import annotations

from statelab import _lazy_names

__all__ = [
    "BALANCERS",
    "STORES",
    "Comparison",
    "RealResult",
    "check",
    "compare",
    "plot_comparison",
    "run",
]

#: Where each public name lives. They are imported when first used (PEP 562, as in
#: :mod:`statelab`): every process of a real run (``python -m statelab.real.server``, the
#: proxy, the load generator) runs this file first, and a node that imported the controller's
#: pandas and numpy would start about half a second later, restarts after a crash included.
_HOMES = {
    "BALANCERS": "statelab.real.registry",
    "STORES": "statelab.real.registry",
    "check": "statelab.real.registry",
    "run": "statelab.real.controller",
    "RealResult": "statelab.real.assemble",
    "Comparison": "statelab.real.comparison",
    "compare": "statelab.real.comparison",
    "plot_comparison": "statelab.real.comparison",
}


__getattr__, __dir__ = _lazy_names(__name__, _HOMES)
