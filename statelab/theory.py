"""Theory: the closed forms the simulations are checked against.

Where a question about the shop has an exact answer on paper, the course draws
it next to the simulation, and the tests hold the simulation to it:

- queues: Erlang C for a node with ``c`` workers (M/M/c), its one-worker case
  M/M/1, and Little's law, which ties the number of requests in the system to
  their arrival rate and their time in it;
- state: the share of sessions that move to another node when the cluster
  changes size under modulo hashing or consistent hashing, and the share that
  a crash of one sticky node loses;
- failures: the availability of a node that fails and is repaired.

Rates are per second, times in seconds. ``arrival_rate`` is lambda (requests a
second), ``service_time`` is 1/mu (mean seconds of work a request).
"""

from __future__ import annotations

import math

from statelab.sim.events import Crash, ScaleTo


def _check_stable(arrival_rate: float, service_time: float, servers: int) -> float:
    if arrival_rate <= 0 or service_time <= 0 or servers < 1:
        raise ValueError(
            "arrival_rate and service_time must be above 0 and servers at least 1, got "
            f"arrival_rate={arrival_rate}, service_time={service_time}, servers={servers}"
        )
    load = arrival_rate * service_time  # offered load in Erlangs
    if load >= servers:
        raise ValueError(
            f"the queue is unstable: offered load {load:g} (arrival_rate x service_time) "
            f"is not below servers={servers}, so the queue grows without bound"
        )
    return load


def erlang_c(arrival_rate: float, service_time: float, servers: int) -> float:
    """The probability that a request has to wait in an M/M/c queue (Erlang C).

    Computed through the Erlang B recursion, which stays accurate for many servers.

    >>> round(erlang_c(3.2, 1.0, 4), 4)
    0.5964
    """
    load = _check_stable(arrival_rate, service_time, servers)
    blocking = 1.0  # Erlang B with 0 servers
    for k in range(1, servers + 1):
        blocking = load * blocking / (k + load * blocking)
    utilisation = load / servers
    return blocking / (1.0 - utilisation * (1.0 - blocking))


def mmc_wait_mean(arrival_rate: float, service_time: float, servers: int) -> float:
    """Mean seconds a request waits for a worker in an M/M/c queue: C / (c mu - lambda).

    >>> round(mmc_wait_mean(3.2, 1.0, 4), 4)  # 2048/2747
    0.7455
    """
    probability = erlang_c(arrival_rate, service_time, servers)
    return probability * service_time / (servers - arrival_rate * service_time)


def mmc_latency_mean(arrival_rate: float, service_time: float, servers: int) -> float:
    """Mean seconds a request spends in an M/M/c system: waiting plus service."""
    return mmc_wait_mean(arrival_rate, service_time, servers) + service_time


def p_response_over(t: float, arrival_rate: float, service_rate: float, servers: int) -> float:
    """P(W + S > t) for an M/M/c queue: the share of requests answered after ``t`` seconds.

    That is the share of attempts a client with a timeout of ``t`` seconds gives up on.
    With probability 1 - C (Erlang C) a request is served at once, and its time in the
    system is its service, exponential with rate mu. Otherwise it first waits an
    exponential time with rate c mu - lambda, then is served: a sum of two exponentials.

    Parameters
    ----------
    t : float
        The timeout, in seconds (at least 0).
    arrival_rate : float
        Requests a second (lambda).
    service_rate : float
        Requests a second one worker serves (mu = 1 / mean service time).
    servers : int
        Workers (c).

    >>> round(p_response_over(2.0, 0.5, 1.0, 1), 4)  # M/M/1: exp(-(mu - lambda) t)
    0.3679
    """
    if t < 0:
        raise ValueError(f"t must be at least 0 seconds, got {t}")
    if not service_rate > 0:
        raise ValueError(f"service_rate must be above 0 requests a second, got {service_rate}")
    mu = service_rate
    waiting = erlang_c(arrival_rate, 1.0 / mu, servers)
    drain = servers * mu - arrival_rate  # the rate at which a wait ends
    served = math.exp(-mu * t)
    if abs(drain - mu) < 1e-12 * mu:
        queued = (1.0 + mu * t) * math.exp(-mu * t)  # Erlang-2
    else:
        queued = (drain * math.exp(-mu * t) - mu * math.exp(-drain * t)) / (drain - mu)
    return (1.0 - waiting) * served + waiting * queued


def mm1_wait_mean(arrival_rate: float, service_time: float) -> float:
    """Mean seconds a request waits in an M/M/1 queue: rho / (mu - lambda).

    >>> round(mm1_wait_mean(0.5, 1.0), 4)
    1.0
    """
    load = _check_stable(arrival_rate, service_time, 1)
    return load * service_time / (1.0 - load)


def mm1_latency_mean(arrival_rate: float, service_time: float) -> float:
    """Mean seconds a request spends in an M/M/1 system: 1 / (mu - lambda)."""
    load = _check_stable(arrival_rate, service_time, 1)
    return service_time / (1.0 - load)


def littles_law(arrival_rate: float, time_in_system: float) -> float:
    """Mean number of requests in a system, L = lambda W (Little's law).

    ``arrival_rate`` in requests a second, ``time_in_system`` in seconds.
    """
    return arrival_rate * time_in_system


def remapped_modulo(nodes_before: int, nodes_after: int) -> float:
    """Share of sessions whose node changes when ``hash % nodes`` changes its modulus.

    A key keeps its node only when ``key % n == key % m``; over a full cycle
    of ``lcm(n, m)`` keys that happens for ``min(n, m)`` of them. From N to
    N + 1 nodes that leaves N / (N + 1) of all sessions on a new node; from N
    to N - 1 (a crash), (N - 1) / N.

    >>> remapped_modulo(4, 5)
    0.8
    """
    _check_sizes(nodes_before, nodes_after)
    cycle = math.lcm(nodes_before, nodes_after)
    return 1.0 - min(nodes_before, nodes_after) / cycle


def remapped_consistent(nodes_before: int, nodes_after: int) -> float:
    """Share of sessions whose node changes on a consistent-hash ring (expected value).

    Only the keys of the nodes that join or leave move: |N - M| / max(N, M),
    which is 1 / (N + 1) from N to N + 1 nodes.

    >>> remapped_consistent(4, 5)
    0.2
    """
    _check_sizes(nodes_before, nodes_after)
    return abs(nodes_before - nodes_after) / max(nodes_before, nodes_after)


def hashed_moved(affinity: str, nodes_before: int, nodes_after: int, crash: bool) -> float:
    """Share of clients whose node changes under a hashing affinity, when the cluster
    goes from ``nodes_before`` to ``nodes_after`` nodes by a crash (``crash=True``: one
    node dies and the configuration stays) or by a change of its size.

    - ``"ip_hash"`` (nginx): over the configured nodes; a crash moves only the dead
      node's clients, k / N; a new size remaps by modulo, :func:`remapped_modulo`.
    - ``"source_hash"`` (HAProxy ``balance source``, map-based): over the live nodes;
      a crash and a new size both remap by modulo.
    - ``"consistent_hash"``: only the arcs of the nodes that join or leave,
      :func:`remapped_consistent`.

    >>> [round(hashed_moved(a, 4, 3, crash=True), 2)
    ...  for a in ("ip_hash", "source_hash", "consistent_hash")]
    [0.25, 0.75, 0.25]
    >>> [round(hashed_moved(a, 4, 5, crash=False), 2)
    ...  for a in ("ip_hash", "source_hash", "consistent_hash")]
    [0.8, 0.8, 0.2]
    """
    _check_sizes(nodes_before, nodes_after)
    if affinity == "consistent_hash":
        return remapped_consistent(nodes_before, nodes_after)
    if affinity == "ip_hash" and crash:
        return sticky_lost_on_crash(nodes_before, nodes_before - nodes_after)
    if affinity in ("ip_hash", "source_hash"):
        return remapped_modulo(nodes_before, nodes_after)
    raise ValueError(
        f"affinity must be 'ip_hash', 'source_hash' or 'consistent_hash', got {affinity!r}"
    )


def sticky_lost_on_crash(nodes: int, crashed: int = 1) -> float:
    """Share of active sticky sessions lost when ``crashed`` of ``nodes`` nodes die: k / N.

    Sessions are spread evenly over the nodes, and each keeps its cart on its own node.
    """
    if not 1 <= crashed <= nodes:
        raise ValueError(f"crashed must be from 1 to nodes={nodes}, got {crashed}")
    return crashed / nodes


def availability(mtbf: float, mttr: float) -> float:
    """Long-run share of time a node is up: MTBF / (MTBF + MTTR).

    ``mtbf`` is the mean seconds between failures, ``mttr`` the mean seconds to repair.

    >>> availability(99.0, 1.0)
    0.99
    """
    if mtbf <= 0 or mttr < 0:
        raise ValueError(f"mtbf must be above 0 and mttr at least 0, got {mtbf} and {mttr}")
    return mtbf / (mtbf + mttr)


def _check_sizes(*sizes: int) -> None:
    for size in sizes:
        if size < 1:
            raise ValueError(f"a cluster has at least 1 node, got {size}")


def mmc_latency_density(t: float, arrival_rate: float, service_time: float, servers: int) -> float:
    """Density of the time in system of an M/M/c queue at ``t`` seconds.

    With probability 1 - C a request is served at once (time in system is
    exponential with rate mu); otherwise it first waits an exponential time
    with rate c mu - lambda, then is served.
    """
    waiting = erlang_c(arrival_rate, service_time, servers)
    mu = 1.0 / service_time
    drain = servers * mu - arrival_rate  # the rate at which a queue empties
    served = mu * math.exp(-mu * t)
    if abs(drain - mu) < 1e-12:
        queued = mu * mu * t * math.exp(-mu * t)  # Erlang-2
    else:
        queued = drain * mu / (mu - drain) * (math.exp(-drain * t) - math.exp(-mu * t))
    return (1.0 - waiting) * served + waiting * queued


def expected_lost_share(scenario) -> float | None:
    """Share of the sessions active at the scenario's first event that theory says it loses.

    Defined for a scenario with one Crash or ScaleTo event (and no random
    failures, autoscaling or store outage): the course's moments. None where
    no closed form applies.

    - state in a cookie or a store: nothing is lost (0);
    - a crash of 1 of N nodes: sticky, nginx's ``ip_hash`` or consistent hashing
      1/N, HAProxy's map-based ``source_hash`` (N-1)/N, replicated state 0;
    - scaling from N to M nodes: sticky 0 when growing and (N-M)/N when
      shrinking abruptly or as Kubernetes does (``mode="in_flight"``: a grace
      period for requests in flight saves no cart), None for HAProxy's drain
      (``mode="sticky"``: 0 when it outlasts every session), hashing
      :func:`hashed_moved`.
    """
    events = scenario.events
    if (
        len(events) != 1
        or scenario.failures is not None
        or scenario.autoscale is not None
        or not isinstance(events[0], (Crash, ScaleTo))
    ):
        return None
    if scenario.state in ("cookie", "store"):
        return 0.0
    if scenario.affinity == "none":
        return None  # without affinity the carts are lost before any event
    event, n = events[0], scenario.nodes
    hashed = scenario.affinity in ("ip_hash", "source_hash", "consistent_hash")
    if isinstance(event, Crash):
        if scenario.state == "replicated":
            return 0.0 if n > 1 else 1.0
        if n == 1:
            return 1.0
        if hashed:
            return hashed_moved(scenario.affinity, n, n - 1, crash=True)
        return sticky_lost_on_crash(n)
    m = event.nodes
    if hashed:
        return hashed_moved(scenario.affinity, n, m, crash=False)
    if m >= n:
        return 0.0
    if event.mode == "sticky":
        return None  # what a drain saves depends on how long the sessions last
    return (n - m) / n  # abrupt, or out of the endpoints at once (Kubernetes, an ALB)
