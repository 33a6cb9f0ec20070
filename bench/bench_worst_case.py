"""Benchmark: the largest and worst inputs that the default limit still accepts.

Every input here is accepted with ``limit=DEFAULT_LIMIT`` (500,000 requests): the
biggest scenarios under the estimate and the run's budget, the biggest trace file
(1 MB, 100,000 rows), the worst trace for thinning (a burst at 10,000 sessions/s in
a run just short of the candidates' budget), the biggest preset file (at its size cap,
with 10,000 events) and the most events a scenario may hold (10,000). Each is run in a
fresh process, which reports the wall time of the step and the peak memory of the
process (its maximum resident set size, with the ~150 MB of Python, pandas and SimPy
that every process has: the "base" column). Prints a markdown table.

Run with ``make bench`` or ``python bench/bench_worst_case.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

#: Runs in a fresh process: ``SETUP`` prepares (not timed), ``STEP`` is timed.
PROGRAM = """
import json, resource, time
from statelab import *
from statelab.sim.budget import DEFAULT_LIMIT
folder = {folder!r}
{setup}
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
begin = time.perf_counter()
{step}
seconds = time.perf_counter() - begin
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes
print(json.dumps({{"seconds": seconds, "peak": peak, "base": base, "note": note}}))
"""

#: A run's step: simulate with the default limit and note its size.
RUN = """
result = simulate(scenario)
summary = result.summary()
note = (f"{summary['requests']:,} attempts, {len(result.timeline):,} timeline rows; "
        f"estimate {scenario.expected_requests():,.0f} requests")
"""

CASES = [
    (
        "default shop at the limit (498,000 requests expected)",
        "scenario = Scenario(duration=16_600.0)",
        RUN,
    ),
    (
        "64 nodes x 256 workers, consistent hash x 1,000 vnodes, replicated,"
        " the widest timeline kept (30,000 rows x 331 columns)",
        "scenario = Scenario(nodes=64, workers=256, affinity='consistent_hash', vnodes=1000,"
        " state='replicated', arrival_rate=25.0, duration=3_300.0, sample_interval=0.11)",
        RUN,
    ),
    (
        "retries=10 through failures at the lower bounds (mtbf=mttr=1 s), store state",
        "scenario = Scenario(state='store', affinity='none', retries=10, retry_backoff=0.5,"
        " failures=RandomFailures(mtbf=1.0, mttr=1.0), arrival_rate=5.0, duration=9_000.0,"
        " sample_interval=1.0)",
        RUN,
    ),
    (
        "heavy-tailed sessions, client timeouts and retries",
        "scenario = Scenario(session_length='heavy_tailed', client_timeout=0.3, retries=3,"
        " service_time=0.25, workers=2, duration=16_600.0)",
        RUN,
    ),
    (
        "autoscaler at its lowest interval (1 s), 1 to 64 nodes, failures",
        "scenario = Scenario(nodes=1, workers=1, service_time=0.5, autoscale=Autoscale("
        "min_nodes=1, max_nodes=64, interval=1.0, boot_time=0.0, scale_down_window=0.0,"
        " drain=0.0, mode='abrupt'), failures=RandomFailures(mtbf=30.0, mttr=1.0),"
        " arrival_rate=5.0, duration=16_600.0)",
        RUN,
    ),
    (
        "the biggest trace file (1 MB, 100,000 rows): read",
        "path = folder + '/biggest.csv'",
        "scenario = Scenario(arrival_rate=path, duration=99_998.0)\n"
        "note = f'{scenario.expected_requests():,.0f} requests expected'",
    ),
    (
        "the biggest trace file (1 MB, 100,000 rows): run over 99,998 s",
        "scenario = Scenario(arrival_rate=folder + '/biggest.csv', duration=99_998.0)",
        RUN,
    ),
    (
        "the worst trace for thinning: a 1 ms burst of 10,000/s, 1,150 s run",
        "scenario = Scenario(arrival_rate=folder + '/burst.csv', duration=1_150.0,"
        " sample_interval=10.0)",
        RUN,
    ),
    (
        "10,000 events (the cap): check the scenario",
        "events = tuple((Crash if i % 2 == 0 else Restart)(i % 3, float(i)) for i in "
        "range(10_000))",
        "scenario = Scenario(events=events, duration=10_010.0)\nnote = '10,000 events'",
    ),
    (
        "10,000 events (the cap): run",
        "events = tuple((Crash if i % 2 == 0 else Restart)(i % 3, float(i)) for i in "
        "range(10_000))\nscenario = Scenario(events=events, duration=10_010.0)",
        RUN,
    ),
    (
        "the biggest preset (at its size cap, 10,000 events, the 100,000-row trace): load",
        "path = folder + '/biggest.toml'",
        "scenario = Scenario.load(path)\n"
        "import os\n"
        "note = f'{os.path.getsize(path):,} bytes, {len(scenario.events):,} events'",
    ),
]


def write_inputs(folder: Path) -> None:
    """The trace files and the preset the cases read."""
    from statelab import Crash, Restart, Scenario
    from statelab.files import toml_file
    from statelab.sim import traces

    # the biggest trace: as many rows as allowed (the header is one), under the byte cap
    rows = ["time_s,sessions_per_s"] + [
        f"{i},{0.7 if i % 2 else 0.9}" for i in range(traces.MAX_ROWS - 1)
    ]
    text = "\n".join(rows) + "\n"
    assert len(text.encode()) <= traces.MAX_BYTES, len(text)
    (folder / "biggest.csv").write_text(text)
    # the worst for thinning: candidates at the peak, 10,000/s, all along the run
    (folder / "burst.csv").write_text(
        "time_s,sessions_per_s\n0,0.01\n1000,0.01\n1000.001,10000\n1000.002,0.01\n3600,0.01\n"
    )
    # the biggest preset: a scenario with the trace and 10,000 events, padded to the cap
    events = tuple((Crash if i % 2 == 0 else Restart)(i % 3, float(i)) for i in range(10_000))
    scenario = Scenario(arrival_rate=str(folder / "biggest.csv"), events=events, duration=99_998.0)
    path = scenario.save(folder / "biggest.toml", description="the biggest preset")
    size = path.stat().st_size
    cap = toml_file.MAX_BYTES
    if size < cap:  # comment lines of 80 bytes, then one shorter, to exactly the cap
        line = "#" * 79 + "\n"
        left = cap - size
        padding = line * (left // len(line)) + ("#" * (left % len(line) - 1) + "\n")[-left:]
        with open(path, "a") as file:
            file.write(padding[:left])
    assert path.stat().st_size <= cap


def measure(folder: Path, setup: str, step: str) -> dict:
    program = PROGRAM.format(
        folder=str(folder), setup=textwrap.dedent(setup), step=textwrap.dedent(step)
    )
    run = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True)
    if run.returncode != 0:
        last = (run.stderr.strip().splitlines() or ["?"])[-1]
        return {"seconds": float("nan"), "peak": float("nan"), "base": float("nan"), "note": last}
    return json.loads(run.stdout.strip().splitlines()[-1])


def main() -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        write_inputs(folder)
        print("Worst inputs still accepted with the default limit (one fresh process each):\n")
        print("| input | wall time | peak memory | base | what it was |")
        print("|---|---:|---:|---:|---|")
        for label, setup, step in CASES:
            got = measure(folder, setup, step)
            print(
                f"| {label} | {got['seconds']:.2f} s | {got['peak']:,.0f} MB "
                f"| {got['base']:,.0f} MB | {got['note']} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
