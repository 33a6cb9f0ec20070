"""Benchmark: a 16-run sweep on the default process pool against the same sweep run serially.

4 node counts x 4 seeds of a shop of about 60,000 requests each (roughly a
second a run). Pool start-up is included in the parallel time, as a learner
would wait for it. Goal of the replications issue: a speed-up of at least
1.7x on 2 cores. The two tables must be identical.

Run with ``make bench`` or ``python bench/bench_sweep.py``.
"""

from __future__ import annotations

import os
import time

import pandas as pd

from statelab import Scenario, sweep
from statelab.runs.replications import SerialExecutor


def main() -> None:
    scenario = Scenario(arrival_rate=20.0, duration=500.0, nodes=4, workers=8)
    values, seeds = [4, 5, 6, 8], 4
    begin = time.perf_counter()
    serial = sweep(scenario, "nodes", values, seeds=seeds, executor=SerialExecutor())
    serial_seconds = time.perf_counter() - begin
    begin = time.perf_counter()
    pooled = sweep(scenario, "nodes", values, seeds=seeds)
    pooled_seconds = time.perf_counter() - begin
    pd.testing.assert_frame_equal(serial, pooled)
    begin = time.perf_counter()
    sweep(scenario, "nodes", values, seeds=seeds)
    warm_seconds = time.perf_counter() - begin
    runs = len(values) * seeds
    print(
        f"Sweep of {runs} runs of about {scenario.expected_requests():,.0f} requests, "
        f"{os.cpu_count()} cores"
    )
    print(f"  serial      : {serial_seconds:6.1f} s")
    print(f"  process pool: {pooled_seconds:6.1f} s (first sweep, pool start-up included)")
    print(f"  again       : {warm_seconds:6.1f} s (the pool is kept between sweeps)")
    print(
        f"  speed-up    : {serial_seconds / pooled_seconds:6.2f}x (goal: at least 1.7x); "
        f"tables identical"
    )


if __name__ == "__main__":
    main()
