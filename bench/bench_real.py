"""Benchmark: a real run of a two-minute scenario, its wall time and what the proxy costs.

The scenario: 120 model seconds, about 6,000 requests (25/3 shoppers a second, 6 requests
each), four sticky nodes with the cart in server memory, node 1 crashing at 60 s. It is played
by real processes (``statelab.real.run``) at time scale 0.2, once with the embedded proxy and
once with HAProxy (skipped, with a note, if HAProxy is not installed).

For each balancer the benchmark reports:

- the wall time of ``real.run`` (start-up, the 24 s of playing, shutting down, assembling the
  Result) against the goal of issue 18: at most 40 s on this 2-core machine;
- the requests the run sent;
- the proxy's own cost per request: while the run goes, a side client in this process sends
  300 pairs of ``GET /health``, one to node 0 directly and one through the balancer (pinned to
  node 0 by the sticky cookie ``SERVERID=s0``), each way on a kept-alive connection of its
  own, the order alternating from pair to pair; the cost is the median of the balancer's
  latency minus the median of the direct one (and the median of the paired differences), in
  real milliseconds. The node is as busy for both, so the difference is the extra hop;
- the HTTP overhead the run measures itself (``result.real["http_overhead"]``: the load
  generator's latency minus the node's time, median), in real milliseconds.

Then the simulation beside the real runs: sessions lost, failed requests and the latency
percentiles p50 and p95 (model seconds; the real ones also less their HTTP overhead), for the
real runs, the simulated run of the same seed, and the mean and range of 10 simulated seeds.

Run with ``python bench/bench_real.py`` (about a minute) on a calm machine.
"""

from __future__ import annotations

import http.client
import os
import statistics
import threading
import time

from statelab import Crash, Scenario, real, simulate
from statelab.real import controller
from statelab.real.procs import ProgramMissing, require_program

SCENARIO = Scenario(
    nodes=4,
    arrival_rate=25 / 3,  # x 6 requests x 120 s = 6,000 requests
    affinity="sticky",
    state="server",
    duration=120.0,
    events=(Crash(1, at=60.0),),
)
TIME_SCALE = 0.2
GOAL_WALL = 40.0  # seconds
PAIRS = 300
SIM_SEEDS = range(1, 11)


class SideClient:
    """``GET /health`` pairs, direct to node 0 and through the balancer, while the run goes."""

    def __init__(self, balancer_port: int, node_port: int, until: float) -> None:
        self.balancer_port, self.node_port, self.until = balancer_port, node_port, until
        self.direct: list[float] = []
        self.proxied: list[float] = []
        self.errors = 0
        self.thread = threading.Thread(target=self.measure, daemon=True)

    @staticmethod
    def timed(connection: http.client.HTTPConnection, headers: dict) -> float | None:
        """Seconds for one ``GET /health`` on ``connection``; None if it failed."""
        began = time.perf_counter()
        try:
            connection.request("GET", "/health", headers=headers)
            answer = connection.getresponse()
            answer.read()
        except (OSError, http.client.HTTPException):
            connection.close()  # the next request opens a new connection
            return None
        return time.perf_counter() - began if answer.status == 200 else None

    def measure(self) -> None:
        direct = http.client.HTTPConnection("127.0.0.1", self.node_port, timeout=5)
        proxied = http.client.HTTPConnection("127.0.0.1", self.balancer_port, timeout=5)
        pause = max(0.0, self.until - time.monotonic()) / PAIRS
        try:
            for count in range(PAIRS):
                if time.monotonic() >= self.until:
                    break
                ways = [
                    (direct, {}),
                    (proxied, {"Cookie": "SERVERID=s0"}),  # sticky: node 0, as the direct one
                ]
                pair = [self.timed(*way) for way in (ways if count % 2 else ways[::-1])]
                if count % 2 == 0:  # every other pair goes through the balancer first
                    pair.reverse()
                if None in pair:
                    self.errors += 1
                else:
                    self.direct.append(pair[0])
                    self.proxied.append(pair[1])
                time.sleep(pause)
        finally:
            direct.close()
            proxied.close()


def run_with_side_client(balancer: str):
    """``real.run`` of SCENARIO with ``balancer``, a SideClient measuring while it plays."""
    original = controller.Controller._play
    side: list[SideClient] = []

    def play(self, load):
        client = SideClient(self.balancer.port, self.children[0].port, self.t_end - 0.5)
        side.append(client)
        client.thread.start()
        try:
            return original(self, load)
        finally:
            client.thread.join(timeout=10)

    controller.Controller._play = play
    try:
        began = time.monotonic()
        result = real.run(SCENARIO, TIME_SCALE, balancer)
        wall = time.monotonic() - began
    finally:
        controller.Controller._play = original
    return result, wall, side[0]


def figures(summary: dict) -> dict:
    return {
        "sessions lost": summary["sessions_lost"],
        "failed": summary["failed"],
        "p50 (model s)": summary["latency_p50"],
        "p95 (model s)": summary["latency_p95"],
    }


def main() -> None:
    ms = 1000
    print(
        f"Real runs: {SCENARIO.duration:g} model s, about {SCENARIO.expected_requests():,.0f} "
        f"requests, {SCENARIO.nodes} sticky nodes, node 1 crashes at 60 s; time scale "
        f"{TIME_SCALE:g} ({SCENARIO.duration * TIME_SCALE:g} s of playing); {os.cpu_count()} "
        f"cores, load {os.getloadavg()[0]:.2f}"
    )
    print(
        f"  {'balancer':9s} {'wall':>7s} {'goal':>8s} {'requests':>9s} | proxy cost per request "
        f"(median, {PAIRS} GET /health pairs to node 0) | run's HTTP overhead"
    )
    runs = {}
    for balancer in ("embedded", "haproxy"):
        if balancer == "haproxy":
            try:
                require_program("haproxy")
            except ProgramMissing as missing:
                print(f"  {balancer:9s} skipped: {missing}")
                continue
        result, wall, side = run_with_side_client(balancer)
        runs[balancer] = result
        summary = result.summary()
        verdict = "ok" if wall <= GOAL_WALL else "OVER"
        cost = (statistics.median(side.proxied) - statistics.median(side.direct)) * ms
        paired = statistics.median(p - d for p, d in zip(side.proxied, side.direct, strict=True))
        overhead = result.real["http_overhead"] * TIME_SCALE * ms  # model s -> real ms
        print(
            f"  {balancer:9s} {wall:5.1f} s {'<= ' + format(GOAL_WALL, 'g') + ' s':>8s} "
            f"{summary['requests']:9,d} | {cost:5.2f} ms (via {balancer} "
            f"{statistics.median(side.proxied) * ms:.2f} ms, direct "
            f"{statistics.median(side.direct) * ms:.2f} ms; paired {paired * ms:.2f} ms; "
            f"{len(side.direct)} pairs, {side.errors} failed) | {overhead:.2f} ms  {verdict}"
        )
    simulated = [figures(simulate(SCENARIO.replace(seed=seed)).summary()) for seed in SIM_SEEDS]
    same = figures(simulate(SCENARIO).summary())
    print(
        f"  simulation beside them (seed {SCENARIO.seed}; the sim's mean [min, max] over "
        f"{len(SIM_SEEDS)} seeds; real latency also less its HTTP overhead):"
    )
    header = "".join(f"{name:>22s}" for name in runs)
    print(f"  {'':14s}{header}{'sim, same seed':>16s}{'sim over seeds':>26s}")
    for metric in same:
        cells = []
        for result in runs.values():
            value = figures(result.summary())[metric]
            if metric.startswith("p"):
                less = value - result.real["http_overhead"]
                cells.append(f"{value:.3f} ({less:.3f})")
            else:
                cells.append(f"{value:g}")
        values = [row[metric] for row in simulated]
        spread = f"{statistics.fmean(values):.3g} [{min(values):.3g}, {max(values):.3g}]"
        row = "".join(f"{cell:>22s}" for cell in cells)
        print(f"  {metric:14s}{row}{format(same[metric], '.4g'):>16s}{spread:>26s}")
    print(f"goal: wall <= {GOAL_WALL:g} s a run at time scale {TIME_SCALE:g}, each balancer")


if __name__ == "__main__":
    main()
