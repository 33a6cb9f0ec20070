"""Real runs: the Scenario played by real processes on this machine, read as a Result.

The simulation is a model; a real run checks it against the real thing. The same Scenario
starts a small shop on loopback: ``nodes`` web servers (aiohttp processes with worker slots and
a cart in memory, in a cookie, in a SQLite or Redis store, or replicated to a peer), a load
balancer in front of them (our embedded proxy, or HAProxy itself) and a load generator that
plays the Scenario's shoppers as real HTTP requests. The events happen for real: a ``Crash``
is a SIGKILL of a node's process, a ``Restart`` a fresh process, a ``ScaleTo`` nodes joining or
draining away, a ``StoreOutage`` the store's file or server taken away.

How a real run maps to the simulation:

- **the same shoppers**: the load generator draws arrivals, session lengths, service demands,
  think times and retry pauses from the simulation's own streams, so a real run and a simulated
  run of one seed see the same shoppers;
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

import math

# compare.py imports nothing heavy at its top (the processes of a run import this package)
from statelab.real.compare import Comparison, compare, plot_comparison

__all__ = ["BALANCERS", "STORES", "Comparison", "compare", "plot_comparison", "run"]

#: The balancers a real run can use.
BALANCERS = ("embedded", "haproxy")
#: The session stores of ``state="store"``.
STORES = ("sqlite", "redis")
#: The time scales a real run accepts (real seconds per model second).
MIN_TIME_SCALE, MAX_TIME_SCALE = 0.01, 10.0
#: The most requests a real run may be expected to send.
MAX_REQUESTS = 200_000
#: The most requests a second (real time) this machine is asked to carry.
MAX_RATE = 1_500.0


def check(scenario, time_scale: float, balancer: str, store: str) -> None:
    """Raise ValueError (or TypeError) for arguments a real run cannot take, saying why."""
    from statelab.sim.scenario import Scenario

    if not isinstance(scenario, Scenario):
        raise TypeError(
            f"a real run needs a Scenario, got {scenario!r} ({type(scenario).__name__}); "
            f"make one with Scenario(...) or Scenario.load(name)"
        )
    if (
        isinstance(time_scale, bool)
        or not isinstance(time_scale, (int, float))
        or not math.isfinite(time_scale)
        or not MIN_TIME_SCALE <= time_scale <= MAX_TIME_SCALE
    ):
        raise ValueError(
            f"time_scale must be a number from {MIN_TIME_SCALE} to {MAX_TIME_SCALE} (real "
            f"seconds per model second: 0.2 runs a 120 s scenario in 24 s), got {time_scale!r}"
        )
    if balancer not in BALANCERS:
        raise ValueError(
            f"balancer must be one of {', '.join(map(repr, BALANCERS))} ('embedded': our own "
            f"proxy, every policy; 'haproxy': HAProxy itself), got {balancer!r}"
        )
    if store not in STORES:
        raise ValueError(
            f"store must be one of {', '.join(map(repr, STORES))} (where state='store' keeps "
            f"its carts: a SQLite file, or a Redis server), got {store!r}"
        )
    if scenario.autoscale is not None:
        raise ValueError(
            "autoscale is not played by real runs yet; set autoscale=None and use ScaleTo "
            "events to resize the cluster"
        )
    expected = scenario.expected_requests()
    if expected > MAX_REQUESTS:
        raise ValueError(
            f"this scenario would send about {expected:,.0f} requests, more than a real run "
            f"takes ({MAX_REQUESTS:,}); shorten duration or lower arrival_rate"
        )
    rate = expected / (scenario.duration * time_scale)
    if rate > MAX_RATE:
        raise ValueError(
            f"at time_scale={time_scale:g} this scenario sends about {rate:,.0f} requests a "
            f"real second, more than this machine is asked to carry ({MAX_RATE:,.0f}); raise "
            f"time_scale to at least {expected / (scenario.duration * MAX_RATE):.2g}"
        )


def run(
    scenario,
    time_scale: float = 0.2,
    balancer: str = "embedded",
    store: str = "sqlite",
    *,
    workdir=None,
    keep: bool = False,
):
    """Run ``scenario`` on real processes and return its :class:`~statelab.Result`.

    Parameters
    ----------
    scenario : Scenario
        What to run; its seed picks the shoppers, as in :func:`statelab.simulate`.
    time_scale : float
        Real seconds per model second, 0.01 to 10 (0.2: a 120 s scenario takes 24 s).
    balancer : str
        ``"embedded"`` (our proxy, every policy) or ``"haproxy"`` (HAProxy must be installed;
        no ``ip_hash`` and no ``state="replicated"``).
    store : str
        With ``state="store"``: ``"sqlite"`` (a file) or ``"redis"`` (redis-server must be
        installed).
    workdir : str or Path, optional
        Where the processes' logs go (default: a temporary folder, removed afterwards).
    keep : bool
        Keep the temporary folder (its path is in ``result.real["workdir"]``).

    Returns
    -------
    Result
        The simulation's tables, in model seconds, plus ``result.real``: ``time_scale``,
        ``http_overhead`` (median, model seconds), ``http_overhead_p95``, ``balancer``,
        ``store``, ``config_text`` (the balancer's configuration), ``client`` and ``node_log``
        (the raw tables, model seconds) and ``timings`` (wall seconds).
    """
    __tracebackhide__ = True
    check(scenario, time_scale, balancer, store)
    from statelab.real import controller

    return controller.run(scenario, float(time_scale), balancer, store, workdir=workdir, keep=keep)
