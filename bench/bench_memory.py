"""Benchmark: one million requests, in bounded memory.

Runs a scenario of about 1,000,000 requests (``limit=None``, past the default
limit of 500,000) in a fresh process, builds its tables and summary, and
reports the peak memory of that process (its maximum resident set size) and
the time taken. Goal of the hardening issue: under 1 GB.
Run with ``make bench`` or ``python bench/bench_memory.py``.
"""

from __future__ import annotations

import subprocess
import sys

PROGRAM = """
import resource, time
from statelab import Scenario, simulate
scenario = Scenario(nodes=8, workers=8, arrival_rate=100.0, requests_per_session=10,
                    think_time=2.0, service_time=0.05, duration=1_000.0, sample_interval=5.0)
begin = time.perf_counter()
result = simulate(scenario, limit=None)
summary = result.summary()
frames = len(result.requests) + len(result.sessions) + len(result.timeline)
seconds = time.perf_counter() - begin
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes
print(f"{summary['requests']:,} requests in {seconds:.1f} s, tables of {frames:,} rows; "
      f"peak memory {peak:,.0f} MB (goal: under 1,024 MB)")
"""


def main() -> None:
    run = subprocess.run(
        [sys.executable, "-c", PROGRAM], capture_output=True, text=True, check=True
    )
    print("One million requests:", run.stdout.strip())


if __name__ == "__main__":
    main()
