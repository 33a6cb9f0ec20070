"""What a real run can be asked for: its balancers by name, its stores, its limits.

The one place that names the balancers (:data:`BALANCERS`, name -> class) and checks a real
run's arguments (:func:`check`), so :mod:`statelab.real.balancers` knows neither of its makes
and the makes know nothing of each other: the arrows run registry -> makes -> balancers.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

from statelab.real.balancers import Balancer
from statelab.real.embedded import EmbeddedBalancer
from statelab.real.haproxy import HAProxyBalancer
from statelab.real.nginx import NginxBalancer
from statelab.real.procs import ProcessGroup
from statelab.real.timeouts import HANG_LIMIT, REDIS_TIMEOUT, noticed_after
from statelab.runs.replications import processes_available
from statelab.sim.errors import ScenarioTypeError
from statelab.sim.events import StoreOutage
from statelab.sim.scenario import Scenario

__all__ = ["BALANCERS", "CRASHES", "STORES", "check", "make_balancer", "notice_delay"]

#: The balancers a real run can use, by the name ``balancer=`` takes.
BALANCERS: dict[str, type[Balancer]] = {
    EmbeddedBalancer.kind: EmbeddedBalancer,
    HAProxyBalancer.kind: HAProxyBalancer,
    NginxBalancer.kind: NginxBalancer,
}
#: How a crash reaches the balancer: ``"detected"``, by its health checks (as in
#: production: no balancer knows of a crash in advance), or ``"announced"``, told first (the
#: idealised case, the simulation's ``health_check_delay=0``).
CRASHES = ("detected", "announced")
#: The session stores of ``state="store"``.
STORES = ("sqlite", "redis")
#: The time scales a real run accepts (real seconds per model second).
MIN_TIME_SCALE, MAX_TIME_SCALE = 0.01, 10.0
#: The most requests a real run may be expected to send.
MAX_REQUESTS = 200_000
#: The most requests a second (real time) this machine is asked to carry.
MAX_RATE = 1_500.0


def notice_delay(
    scenario: Scenario, time_scale: float, crash: str = "detected", balancer: str = "embedded"
) -> float:
    """Model seconds from a crash to the moment the balancer stops sending the node requests,
    on average: 0 for an announced crash (the balancer is told first), 0 for nginx and for
    ``ip_hash`` behind the embedded proxy, which plays nginx's failure handling (no health
    checks: the first request that fails there takes the node out; one more fails each
    ``fail_timeout`` while it stays dead, which the simulation does not play), else the
    health checks' :func:`~statelab.real.timeouts.noticed_after`. The simulation's
    ``health_check_delay`` that plays a real run's crashes."""
    if balancer == "nginx" or scenario.affinity == "ip_hash" or crash == "announced":
        return 0.0
    return noticed_after(scenario.health_check_delay, time_scale)


def check(
    scenario,
    time_scale: float,
    balancer: str,
    store: str,
    crash: str = "detected",
    balancer_retries: int = 0,
    redispatch: bool = False,
) -> None:
    """Raise ValueError (or TypeError) for arguments a real run cannot take, saying why; a
    RuntimeError where this Python cannot start processes (the browser's)."""
    if not processes_available():
        raise RuntimeError(
            "a real run starts processes (web servers, a balancer, a load generator), and this "
            "Python cannot start any (the browser's Python: Pyodide, JupyterLite); run "
            "notebook 09 in JupyterLab on a machine with Python (make lab)"
        )
    if not isinstance(scenario, Scenario):
        raise ScenarioTypeError(
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
    if sys.platform == "darwin":
        raise RuntimeError(
            "real runs give each shopper a loopback address of its own (127.a.b.c), so that "
            "the balancer's hashing sees distinct clients; macOS answers only on 127.0.0.1 "
            "(each other address needs an alias), so every other shopper would fail. Run "
            "them on Linux (a container or a virtual machine will do), or compare designs "
            "in the simulation"
        )
    if balancer not in BALANCERS:
        raise ValueError(
            f"balancer must be one of {', '.join(map(repr, BALANCERS))} ('embedded': our own "
            f"proxy, every policy; 'haproxy': HAProxy itself; 'nginx': nginx itself), got "
            f"{balancer!r}"
        )
    if store not in STORES:
        raise ValueError(
            f"store must be one of {', '.join(map(repr, STORES))} (where state='store' keeps "
            f"its carts: a SQLite file, or a Redis server), got {store!r}"
        )
    if crash not in CRASHES:
        raise ValueError(
            f"crash must be one of {', '.join(map(repr, CRASHES))} ('detected': the balancer "
            f"finds a crash by its health checks; 'announced': it is told first), got {crash!r}"
        )
    BALANCERS[balancer].check_retries(balancer_retries, redispatch)
    if scenario.affinity == "ip_hash" and balancer_retries and not redispatch:
        raise ValueError(
            "affinity='ip_hash' is nginx's, played with nginx's failure handling, which passes "
            "a refused request on to the next server, never to the same one again: "
            f"balancer_retries={balancer_retries} needs redispatch=True"
        )
    BALANCERS[balancer].check(scenario)
    outages = [e for e in scenario.events if isinstance(e, StoreOutage)]
    for event in outages:
        if event.mode != "hang":
            continue
        if event.duration * time_scale > HANG_LIMIT:
            raise ValueError(
                f"StoreOutage(mode='hang') at {event.at:g} s lasts {event.duration:g} model "
                f"seconds, {event.duration * time_scale:g} real seconds at time_scale="
                f"{time_scale:g}; a real run plays hangs of at most {HANG_LIMIT:g} real "
                f"seconds (its nodes' store calls give up after {REDIS_TIMEOUT:g} s): shorten "
                f"it to {HANG_LIMIT / time_scale:g} model seconds or lower time_scale"
            )
        others = [
            o for o in outages if o is not event and o.at < event.at + event.duration
            and event.at < o.at + o.duration
        ]  # fmt: skip
        if others:
            raise ValueError(
                f"StoreOutage(mode='hang') at {event.at:g} s overlaps another outage at "
                f"{others[0].at:g} s, which real runs do not play yet; keep them apart, or "
                "compare in the simulation"
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


def make_balancer(
    kind: str,
    scenario: Scenario,
    group: ProcessGroup,
    workdir: Path,
    time_scale: float,
    *,
    balancer_retries: int = 0,
    redispatch: bool = False,
) -> Balancer:
    """The balancer called ``kind`` (``"embedded"`` or ``"haproxy"``) for ``scenario``, not
    started yet, retrying refused connections as asked; raises ValueError for another name,
    a policy that balancer lacks or retries out of range."""
    if kind not in BALANCERS:
        raise ValueError(
            f"balancer={kind!r} is not a balancer of real runs; choose 'embedded' (our own "
            f"proxy: every policy), 'haproxy' (HAProxy, installed with `apt install haproxy`) "
            f"or 'nginx' (nginx, installed with `apt install nginx`)"
        )
    return BALANCERS[kind](
        scenario,
        group,
        workdir,
        time_scale,
        balancer_retries=balancer_retries,
        redispatch=redispatch,
    )
