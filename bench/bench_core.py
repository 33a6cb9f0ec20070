"""Benchmark: statelab's simulator against a bare SimPy model of the same queue.

Both run a one-node M/M/4 queue at load 0.8 (arrival rate 3.2 a second, mean
service 1 second, 4 workers) for about 60,000 requests, in the same process,
alternating, several rounds; the medians are compared. The goal of the
foundation issue: statelab reaches at least half the bare model's rate.

A second comparison times a 6-node shop with consistent hashing and the cart
in a shared store against the same shop with sticky sessions and the cart in
server memory (goal: at most 1.5x slower per request).

Run with ``make bench`` or ``python bench/bench_core.py``.
"""

from __future__ import annotations

import random
import statistics
import time

import simpy

from statelab import Scenario, simulate

ARRIVAL_RATE = 3.2
SERVICE_TIME = 1.0
WORKERS = 4
DURATION = 60_000 / ARRIVAL_RATE  # seconds, for about 60,000 requests
ROUNDS = 5


def bare_simpy(seed: int) -> int:
    """The smallest honest SimPy model of the queue: a source, a customer process, a Resource."""
    rng = random.Random(seed)
    env = simpy.Environment()
    workers = simpy.Resource(env, capacity=WORKERS)
    waits = []

    def customer(env):
        arrival = env.now
        with workers.request() as slot:
            yield slot
            waits.append(env.now - arrival)
            yield env.timeout(rng.expovariate(1 / SERVICE_TIME))

    def source(env):
        while True:
            yield env.timeout(rng.expovariate(ARRIVAL_RATE))
            env.process(customer(env))

    env.process(source(env))
    env.run(until=DURATION)
    return len(waits)


def statelab_run(seed: int) -> int:
    scenario = Scenario(
        arrival_rate=ARRIVAL_RATE,
        requests_per_session=1,
        service_time=SERVICE_TIME,
        nodes=1,
        workers=WORKERS,
        duration=DURATION,
        sample_interval=10.0,
        seed=seed,
    )
    result = simulate(scenario)
    result.summary()
    return result.request_count


def six_node_shop(seed: int, **changes) -> int:
    scenario = Scenario(
        nodes=6,
        workers=4,
        arrival_rate=12.0,
        requests_per_session=6,
        think_time=4.0,
        service_time=0.2,
        duration=800.0,
        sample_interval=1.0,
        seed=seed,
        **changes,
    )
    result = simulate(scenario)
    result.summary()
    return result.request_count


def server_state(seed: int) -> int:
    return six_node_shop(seed, affinity="sticky", state="server")


def hashed_store(seed: int) -> int:
    return six_node_shop(seed, affinity="consistent_hash", state="store")


def rate(run, seed: int) -> float:
    begin = time.perf_counter()
    requests = run(seed)
    return requests / (time.perf_counter() - begin)


def main() -> None:
    bare, ours = [], []
    for seed in range(ROUNDS):
        bare.append(rate(bare_simpy, seed))
        ours.append(rate(statelab_run, seed))
    bare_rate, our_rate = statistics.median(bare), statistics.median(ours)
    print(
        f"M/M/{WORKERS} at load 0.8, about {ARRIVAL_RATE * DURATION:,.0f} requests, "
        f"median of {ROUNDS} rounds"
    )
    print(f"  bare SimPy model : {bare_rate:10,.0f} requests/s")
    print(f"  statelab.simulate: {our_rate:10,.0f} requests/s (with summary)")
    print(f"  ratio            : {our_rate / bare_rate:10.2f}  (goal: at least 0.50)")

    server, store = [], []
    for seed in range(ROUNDS):
        server.append(rate(server_state, seed))
        store.append(rate(hashed_store, seed))
    server_rate, store_rate = statistics.median(server), statistics.median(store)
    print(f"6 nodes, about {12 * 800 * 6:,} requests, median of {ROUNDS} rounds")
    print(f"  sticky, cart in server memory     : {server_rate:10,.0f} requests/s")
    print(f"  consistent hash, cart in the store: {store_rate:10,.0f} requests/s")
    print(
        f"  slowdown per request              : {server_rate / store_rate:10.2f}x "
        f"(goal: at most 1.5x)"
    )


if __name__ == "__main__":
    main()
