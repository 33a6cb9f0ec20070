"""Adversarial inputs: what a learner, or a hostile file, can hand to statelab.

One table, :data:`CASES`: each row builds an input (a Scenario's field, an event, a
policy, a trace file, a preset file, a sweep's arguments), says what must happen (an
exception class, or :data:`ACCEPTED` for what must work) and the words its message must
hold (the field or file it names, and what is allowed). Every row runs under a
wall-clock guard, so a regression that hangs fails instead; no message may quote more
than 40 characters of a file's content.

Then two interrupt tests: a run with ``limit=None`` and a sweep on the default process
pool, each in a child process, stopped with SIGINT as Jupyter's stop button does.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import resource
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import psutil
import pytest
from conftest import ROOT

from statelab import (
    Autoscale,
    Crash,
    RandomFailures,
    Restart,
    ScaleTo,
    Scenario,
    ScenarioTooLarge,
    StoreOutage,
    replicate,
    simulate,
    sweep,
)
from statelab.files import toml_file
from statelab.runs.replications import SerialExecutor

#: A string no message may ever show: it stands for a private file's content.
MARKER = "ZQX-private-9f41c-do-not-echo"
#: 60 characters: more than the 40 of a file's content a message may quote.
PAD = "p" * 60
TRACE = "time_s,sessions_per_s\n0,4.0\n300,4.0\n"
BOM = b"\xef\xbb\xbf"
ACCEPTED = None  # the row's ``expect`` for an input that must work


class WallClock(BaseException):
    """Raised by the guard; a BaseException, so no ``except Exception`` in a sweep keeps it."""


@dataclasses.dataclass
class Context:
    """What a row's builder gets: a folder for its files, and ``monkeypatch`` (for chdir)."""

    tmp: Path
    monkeypatch: pytest.MonkeyPatch
    written: list[bytes] = dataclasses.field(default_factory=list)

    def file(self, name: str, content: str | bytes) -> Path:
        """Write ``content`` to ``name`` in the row's folder (remembered for the echo check)."""
        data = content.encode() if isinstance(content, str) else content
        path = self.tmp / name
        path.write_bytes(data)
        self.written.append(data)
        return path


@dataclasses.dataclass(frozen=True)
class Case:
    id: str
    build: Callable[[Context], Callable[[], object]]  # returns the action to run
    expect: type[BaseException] | None  # None (ACCEPTED): must not raise
    words: tuple[str, ...] = ()  # what the message must hold
    guard: float = 10.0  # seconds of wall clock the row may take
    xfail: str = ""  # a known package bug, reported: the row must fail until it is fixed


# -- builders ------------------------------------------------------------------------


def make(**fields) -> Callable[[Context], Callable[[], object]]:
    """A row that makes ``Scenario(**fields)``."""
    return lambda ctx: lambda: Scenario(**fields)


def call(fn: Callable[[], object]) -> Callable[[Context], Callable[[], object]]:
    """A row that calls ``fn()`` (which needs no file)."""
    return lambda ctx: fn


def trace(name: str, content: str | bytes, duration: float = 5.0, run: bool = False):
    """A row that uses ``content``, written as the trace file ``name``, as ``arrival_rate``
    (and runs it with the default limit if ``run``)."""

    def build(ctx: Context):
        path = ctx.file(name, content)

        def action():
            scenario = Scenario(
                arrival_rate=str(path), duration=duration, sample_interval=min(10.0, duration)
            )
            return simulate(scenario) if run else scenario

        return action

    return build


def sparse_trace(name: str, size: int):
    """A trace file of ``size`` bytes, sparse (only its size is real), valid at the start."""

    def build(ctx: Context):
        path = ctx.file(name, TRACE + MARKER + "\n")
        with open(path, "r+b") as file:
            file.truncate(size)
        return lambda: Scenario(arrival_rate=str(path), duration=5.0)

    return build


def sparse_preset(name: str, size: int):
    """A preset file of ``size`` bytes, sparse (only its size is real), valid at the start."""

    def build(ctx: Context):
        path = ctx.file(name, f'description = "{MARKER}"\nnodes = 3\n')
        with open(path, "r+b") as file:
            file.truncate(size)
        return lambda: Scenario.load(path)

    return build


def preset(name: str, content: str | bytes):
    """A row that loads ``content``, written as the preset file ``name``."""

    def build(ctx: Context):
        path = ctx.file(name, content)
        return lambda: Scenario.load(path)

    return build


def preset_shadowed_by_a_file_in_cwd(ctx: Context):
    """A file named ``crash`` in the working directory must not shadow the ``crash`` preset."""
    ctx.monkeypatch.chdir(ctx.tmp)
    ctx.file("crash", f'description = "{MARKER}"\nnodes = 9\n')
    shipped = Scenario.load(ROOT / "data" / "scenarios" / "crash.toml")

    def action():
        loaded = Scenario.load("crash")
        assert loaded == shipped and loaded.nodes != 9
        return loaded

    return action


def trace_shadowed_by_a_file_in_cwd(ctx: Context):
    """A file named ``flash_sale`` in the working directory must not shadow the trace."""
    ctx.monkeypatch.chdir(ctx.tmp)
    ctx.file("flash_sale", "time_s,sessions_per_s\n0,9999\n100000,9999\n")

    def action():
        scenario = Scenario(arrival_rate="flash_sale", duration=600.0)
        assert scenario.trace() is not None and scenario.trace().peak < 9_999
        return scenario

    return action


def private_file_as(kind: str):
    """A file without the expected suffix holding a secret, handed in as a trace or a preset."""

    def build(ctx: Context):
        path = ctx.file("id_private", f"{PAD}{MARKER}\n{MARKER}\n")
        if kind == "trace":
            return lambda: Scenario(arrival_rate=str(path))
        return lambda: Scenario.load(path)

    return build


def events(count: int, duration: float | None = None):
    """``count`` alternating ScaleTo / Crash events (the Crash names a node that exists)."""

    def build(ctx: Context):
        found = []
        for i in range(count):
            if i % 2 == 0:
                found.append(ScaleTo(4 + (i // 2) % 2, at=float(i)))
            else:
                found.append(Crash(3, at=float(i)))
        found = tuple(found)
        length = float(count + 10) if duration is None else duration
        return lambda: Scenario(nodes=4, events=found, duration=length)

    return build


def burst_run(ctx: Context):
    """A 1 ms burst of 10,000 sessions/s in a 3,600 s run, with the default limit."""
    path = ctx.file(
        "burst.csv",
        "time_s,sessions_per_s\n0,0.01\n1000,0.01\n1000.001,10000\n1000.002,0.01\n3600,0.01\n",
    )
    scenario = Scenario(arrival_rate=str(path), duration=3_600.0, sample_interval=10.0)
    assert scenario.expected_requests() < 1_000  # the estimate lets it through ...
    return lambda: simulate(scenario)  # ... the budget must stop it


def far_end_run(ctx: Context):
    """A trace whose last point is at t=1e300: accepted, and the run ends."""
    path = ctx.file("far.csv", "time_s,sessions_per_s\n0,2\n1e300,2\n")

    def action():
        result = simulate(Scenario(arrival_rate=str(path), duration=60.0))
        assert result.summary()["requests"] > 0
        return result

    return action


def overlapping_outages(ctx: Context):
    """A short StoreOutage inside a long one: the store is down until the long one ends."""
    scenario = Scenario(
        state="store",
        affinity="none",
        duration=150.0,
        events=(StoreOutage(10.0, 100.0), StoreOutage(20.0, 5.0)),
    )

    def action():
        requests = simulate(scenario).requests
        inside = requests[(requests["arrival"] > 40) & (requests["arrival"] < 100)]
        assert len(inside) > 0
        served = int((inside["outcome"] == "ok").sum())
        assert served == 0, f"{served} requests were served while an outage was still on"

    return action


QUIET = Scenario(duration=10.0)
SERIAL = SerialExecutor()


def seeds_from_numpy():
    runs = replicate(QUIET, seeds=np.int64(3), executor=SERIAL, progress=False)
    assert list(runs.summaries["seed"]) == [1, 2, 3]
    return runs


# -- the table -----------------------------------------------------------------------

CASES = [
    # Scenario fields: wrong types, NaN, inf, negative, huge, bool for int, numpy scalars
    Case("rate as bytes", make(arrival_rate=b"5"), TypeError, ("arrival_rate",)),
    Case("rate NaN", make(arrival_rate=math.nan), ValueError, ("arrival_rate", "finite")),
    Case("rate numpy NaN", make(arrival_rate=np.float64("nan")), ValueError, ("arrival_rate",)),
    Case("rate huge", make(arrival_rate=1e6), ValueError, ("arrival_rate", "10000")),
    Case("rate negative zero", make(arrival_rate=-0.0), ValueError, ("arrival_rate", "above 0")),
    Case("duration inf", make(duration=math.inf), ValueError, ("duration", "finite")),
    Case("duration over a week", make(duration=1e300), ValueError, ("duration", "604800")),
    Case("duration as text", make(duration="120"), TypeError, ("duration", "str")),
    Case("nodes True", make(nodes=True), TypeError, ("nodes", "whole number", "bool")),
    Case("nodes 2.0", make(nodes=2.0), TypeError, ("nodes", "whole number")),
    Case("nodes numpy float", make(nodes=np.float64(3)), TypeError, ("nodes", "whole number")),
    Case("nodes numpy bool", make(nodes=np.bool_(True)), TypeError, ("nodes", "whole number")),
    Case("nodes huge", make(nodes=10**100), ValueError, ("nodes", "1 to 64")),
    Case("workers negative", make(workers=-4), ValueError, ("workers", "1 to 256")),
    Case("retries 11", make(retries=11), ValueError, ("retries", "0 to 10")),
    Case("seed 2**64", make(seed=2**64), ValueError, ("seed",)),
    Case("seed negative", make(seed=-1), ValueError, ("seed",)),
    Case("keys as 1", make(idempotency_keys=1), TypeError, ("idempotency_keys", "True or False")),
    Case("timeout 0", make(client_timeout=0.0), ValueError, ("client_timeout", "above 0")),
    Case("warmup == duration", make(warmup=120.0), ValueError, ("warmup", "duration")),
    Case("sample every 1 us", make(sample_interval=1e-6), ValueError, ("sample_interval",)),
    Case(
        "sample every 1 us, short run",
        make(duration=0.1, sample_interval=1e-6),
        ValueError,
        ("sample_interval",),
    ),
    Case("balancer typo", make(balancer="round-robin"), ValueError, ("balancer", "round_robin")),
    Case("numpy scalars accepted", make(nodes=np.int64(4), duration=np.float32(60)), ACCEPTED),
    # events: bad node, past the run, too many, wrong types, overlapping outages
    Case("crash node -1", call(lambda: Crash(-1, 3.0)), ValueError, ("Crash.node", "0 to 63")),
    Case("crash node as text", call(lambda: Crash("1", 3.0)), TypeError, ("Crash.node",)),
    Case(
        "crash a node that is not there",
        make(nodes=3, events=(Crash(5, 10.0),)),
        ValueError,
        ("Crash.node=5", "numbered 0 to 2"),
    ),
    Case(
        "crash a node scaled away",
        make(nodes=4, events=(ScaleTo(2, 10.0), Crash(3, 20.0))),
        ValueError,
        ("Crash.node=3", "ScaleTo"),
    ),
    Case(
        "restart at the end",
        make(events=(Restart(0, 120.0),)),
        ValueError,
        ("Restart.at=120", "duration=120"),
    ),
    Case(
        "crash at NaN",
        call(lambda: Crash(0, math.nan)),
        ValueError,
        ("Crash.at", "finite"),
    ),
    Case("events as text", make(events="Crash(0, 1)"), TypeError, ("events",)),
    Case("an event class", make(events=(Crash,)), TypeError, ("events[0]",)),
    Case("a dict for an event", make(events=({"node": 0},)), TypeError, ("events[0]",)),
    Case("10,001 events", events(10_001), ValueError, ("events", "10,001", "10,000")),
    Case("10,000 events accepted", events(10_000), ACCEPTED),
    Case(
        "overlapping store outages",
        make(state="store", events=(StoreOutage(10, 50), StoreOutage(20, 50))),
        ACCEPTED,
    ),
    Case(
        "an outage inside an outage keeps the store down",
        overlapping_outages,
        ACCEPTED,
    ),
    # policies: tiny intervals, min above max
    Case(
        "autoscale every ms",
        call(lambda: Autoscale(interval=0.001)),
        ValueError,
        ("Autoscale.interval",),
    ),
    Case(
        "failures every us",
        call(lambda: RandomFailures(mtbf=1e-6, mttr=1e-6)),
        ValueError,
        ("RandomFailures.mtbf",),
    ),
    Case(
        "repairs in a us",
        call(lambda: RandomFailures(mtbf=100.0, mttr=1e-6)),
        ValueError,
        ("RandomFailures.mttr",),
    ),
    Case(
        "autoscale min above max",
        call(lambda: Autoscale(min_nodes=8, max_nodes=2)),
        ValueError,
        ("min_nodes=8", "max_nodes=2"),
    ),
    Case(
        "autoscale max 65",
        call(lambda: Autoscale(max_nodes=65)),
        ValueError,
        ("Autoscale.max_nodes", "1 to 64"),
    ),
    Case(
        "nodes outside the autoscaler",
        make(nodes=5, autoscale=Autoscale(min_nodes=1, max_nodes=3)),
        ValueError,
        ("nodes=5", "max_nodes=3"),
    ),
    Case("failures as text", make(failures="often"), TypeError, ("failures", "RandomFailures")),
    # traces
    Case("trace with a BOM", trace("bom.csv", BOM + TRACE.encode()), ACCEPTED),
    Case(
        "trace over 1 MB",
        sparse_trace("big.csv", 1024 * 1024 + 1),
        ValueError,
        ("big.csv", "1,048,576"),
    ),
    Case(
        "trace over 100,000 rows",
        trace("rows.csv", TRACE + "\n" * 100_001),
        ValueError,
        ("rows.csv", "100,000"),
    ),
    Case(
        "trace over 100,000 numbered rows",
        trace(
            "numbered.csv",
            "time_s,sessions_per_s\n" + "".join(f"{i},1\n" for i in range(100_001)),
        ),
        ValueError,
        ("numbered.csv", "100,000"),
    ),
    Case("trace ending at 1e300", far_end_run, ACCEPTED),
    Case(
        "1 ms burst in 3,600 s (refused before it runs)",
        burst_run,
        ScenarioTooLarge,
        ("peaks at 10000 sessions a second", "limit=500,000", "limit=None"),
        guard=2.0,
    ),
    Case(
        "trace time going back",
        trace("back.csv", "time_s,sessions_per_s\n0,1\n300,2\n100,3\n"),
        ValueError,
        ("back.csv", "line 4", "time_s must increase"),
    ),
    Case(
        "trace time repeated",
        trace("same.csv", "time_s,sessions_per_s\n0,1\n0,2\n300,3\n"),
        ValueError,
        ("same.csv", "line 3", "time_s must increase"),
    ),
    Case(
        "trace NaN rate",
        trace("nan.csv", "time_s,sessions_per_s\n0,1\n10,nan\n"),
        ValueError,
        ("nan.csv", "line 3", "sessions_per_s"),
    ),
    Case(
        "trace rate too high",
        trace("fast.csv", "time_s,sessions_per_s\n0,1\n10,10001\n"),
        ValueError,
        ("fast.csv", "sessions_per_s", "10000"),
    ),
    Case("trace empty", trace("empty.csv", ""), ValueError, ("empty.csv", "empty")),
    Case(
        "trace header only",
        trace("header.csv", "time_s,sessions_per_s\n"),
        ValueError,
        ("header.csv", "two rows"),
    ),
    Case(
        "trace binary",
        trace("binary.csv", b"\x00\xff" + MARKER.encode()),
        ValueError,
        ("binary.csv", "not a text file"),
    ),
    Case(
        "trace not UTF-8",
        trace("latin.csv", "time_s,sessions_per_s\n0,1\n\xe9,2\n".encode("latin-1")),
        ValueError,
        ("latin.csv", "not a text file"),
    ),
    Case(
        "trace header is a secret",
        trace("secret.csv", f"{PAD}{MARKER}\n0,1\n"),
        ValueError,
        ("secret.csv", "time_s,sessions_per_s"),
    ),
    Case(
        "trace cell is a secret",
        trace("cell.csv", f"time_s,sessions_per_s\n0,1\n10,{PAD}{MARKER}\n"),
        ValueError,
        ("cell.csv", "line 3", "sessions_per_s"),
    ),
    Case(
        "trace shorter than the run",
        trace("short.csv", TRACE, duration=600.0),
        ValueError,
        ("short", "300", "duration=600"),
    ),
    Case(
        "a private file as a trace",
        private_file_as("trace"),
        ValueError,
        ("id_private", "time_s,sessions_per_s"),
    ),
    Case("a file in cwd named like a trace", trace_shadowed_by_a_file_in_cwd, ACCEPTED),
    Case(
        "an unknown trace name",
        make(arrival_rate="flash-sale"),
        ValueError,
        ("arrival_rate", "flash_sale"),
    ),
    # preset files
    Case("preset not TOML", preset("junk.toml", f"nodes = = {MARKER}\n"), ValueError, ("junk",)),
    Case(
        "preset nested 5,000 deep",
        preset("deep.toml", "a = " + "[" * 5000 + "]" * 5000 + "\n"),
        ValueError,
        ("deep.toml", "nested too deep", "16"),
    ),
    Case(
        "preset unknown key",
        preset("typo.toml", "nodez = 3\n"),
        ValueError,
        ("typo.toml", "nodez", "nodes"),
    ),
    Case(
        "preset long unknown key",
        preset("longkey.toml", f'"{PAD}{MARKER}" = 3\n'),
        ValueError,
        ("longkey.toml", "unknown key"),
    ),
    Case(
        "preset failures not a table",
        preset("failtable.toml", "failures = 3\n"),
        ValueError,
        ("failtable.toml", "failures", "[failures] table"),
    ),
    Case(
        "preset autoscale as an array of tables",
        preset("arr.toml", "[[autoscale]]\nmax_nodes = 4\n"),
        ValueError,
        ("arr.toml", "autoscale"),
    ),
    Case(
        "preset events as a table",
        preset("evtable.toml", "[events]\ntype = 'Crash'\nnode = 0\nat = 1.0\n"),
        ValueError,
        ("evtable.toml", "events must be a list"),
    ),
    Case(
        "preset event of an unknown type",
        preset("evtype.toml", f"[[events]]\ntype = '{PAD}{MARKER}'\n"),
        ValueError,
        ("evtype.toml", "events[0]", "Crash"),
    ),
    Case(
        "preset value of the wrong type",
        preset("wrongtype.toml", 'nodes = "3"\n'),
        TypeError,
        ("wrongtype.toml", "nodes", "whole number"),
    ),
    Case(
        "preset over its size cap",
        sparse_preset("huge.toml", toml_file.MAX_BYTES + 1),
        ValueError,
        ("huge.toml", f"{toml_file.MAX_BYTES:,}"),
    ),
    Case(
        "preset with 10,001 events",
        preset(
            "manyev.toml",
            "events = ["
            + ",".join(f"{{type='Crash',node=0,at={i}}}" for i in range(10_001))
            + "]\nduration = 20000.0\n",
        ),
        ValueError,
        ("manyev.toml", "10,001", "10,000"),
    ),
    Case("preset binary", preset("bin.toml", b"\x00" + MARKER.encode()), ValueError, ("bin.toml",)),
    Case("preset with a BOM", preset("bom.toml", BOM + b"nodes = 5\n"), ACCEPTED),
    Case("a file in cwd named like a preset", preset_shadowed_by_a_file_in_cwd, ACCEPTED),
    Case(
        "a private file as a preset",
        private_file_as("preset"),
        ValueError,
        ("id_private", "TOML"),
    ),
    Case(
        "a preset name that is not one",
        call(lambda: Scenario.load("crahs")),
        ValueError,
        ("crahs", "crash", "/"),
    ),
    # sweep and replicate arguments
    Case(
        "seeds 0",
        call(lambda: replicate(QUIET, seeds=0, executor=SERIAL)),
        ValueError,
        ("seeds", "1 to 10000"),
    ),
    Case(
        "seeds -1",
        call(lambda: sweep(QUIET, "nodes", [1], seeds=-1, executor=SERIAL)),
        ValueError,
        ("seeds", "-1"),
    ),
    Case("seeds True", call(lambda: replicate(QUIET, seeds=True)), TypeError, ("seeds",)),
    Case("seeds empty", call(lambda: replicate(QUIET, seeds=[])), ValueError, ("seeds",)),
    Case(
        "seeds repeated",
        call(lambda: replicate(QUIET, seeds=[4, 4], executor=SERIAL)),
        ValueError,
        ("seeds", "repeat"),
    ),
    Case("seeds numpy.int64(3) accepted", call(seeds_from_numpy), ACCEPTED),
    Case(
        "sweeping seed with seeds 3",
        call(lambda: sweep(QUIET, "seed", [1, 2, 3], seeds=3, executor=SERIAL)),
        ValueError,
        ("seed", "seeds must be 1", "seeds=3"),
    ),
    Case(
        "sweeping an unknown field",
        call(lambda: sweep(QUIET, "nodez", [1, 2], seeds=1, executor=SERIAL)),
        TypeError,
        ("nodez", "nodes"),
    ),
    Case(
        "sweeping no values",
        call(lambda: sweep(QUIET, "nodes", [], seeds=1, executor=SERIAL)),
        ValueError,
        ("values", "nodes", "non-empty"),
    ),
    Case(
        "sweeping a string of values",
        call(lambda: sweep(QUIET, "nodes", "123", seeds=1, executor=SERIAL)),
        ValueError,
        ("values", "nodes"),
    ),
    Case(
        "sweeping a bad value",
        call(lambda: sweep(QUIET, "nodes", [2, 0], seeds=1, executor=SERIAL)),
        ValueError,
        ("nodes", "1 to 64"),
    ),
    Case(
        "sweep limit 0",
        call(lambda: sweep(QUIET, "nodes", [1], seeds=1, executor=SERIAL, limit=0)),
        ValueError,
        ("limit",),
    ),
    Case(
        "sweep of a run over the limit",
        call(lambda: sweep(QUIET.replace(duration=1e5), "nodes", [1], seeds=1, executor=SERIAL)),
        ScenarioTooLarge,
        ("500,000", "limit=None"),
    ),
]


def test_the_table_is_large_and_its_ids_unique():
    assert len(CASES) >= 45
    assert len({case.id for case in CASES}) == len(CASES)
    assert sum(case.expect is ACCEPTED for case in CASES) >= 8


def echoed(message: str, written: list[bytes]) -> str | None:
    """The first 41 characters of ``message`` that a written file also holds, if any."""
    contents = [data.decode("utf-8", "replace") for data in written]
    for start in range(max(0, len(message) - 40)):
        window = message[start : start + 41]
        if any(window in text for text in contents):
            return window
    return None


@pytest.fixture
def guard():
    """``guard(seconds)`` arms a wall-clock alarm in the main thread; disarmed after the test."""

    def too_long(signum, frame):
        raise WallClock("the case ran past its wall-clock guard")

    previous = signal.signal(signal.SIGALRM, too_long)

    def arm(seconds: float) -> None:
        signal.setitimer(signal.ITIMER_REAL, seconds)

    yield arm
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(c, marks=pytest.mark.xfail(strict=True, reason=c.xfail)) if c.xfail else c
        for c in CASES
    ],
    ids=[case.id for case in CASES],
)
def test_an_adversarial_input_gets_a_clear_answer_in_time(case, tmp_path, monkeypatch, guard):
    ctx = Context(tmp_path, monkeypatch)
    guard(case.guard)
    started = time.perf_counter()
    action = case.build(ctx)
    if case.expect is ACCEPTED:
        action()
        return
    with pytest.raises(case.expect) as caught:
        action()
    elapsed = time.perf_counter() - started
    message = str(caught.value)
    for word in case.words:
        assert word in message, f"{word!r} is not in the message: {message}"
    assert MARKER not in message
    assert PAD not in message
    window = echoed(message, ctx.written)
    assert window is None, f"the message quotes a file's content: {window!r}"
    assert elapsed < case.guard


# -- interrupts ----------------------------------------------------------------------

SIMULATE_CHILD = """
import signal, sys, time
signal.signal(signal.SIGINT, signal.default_int_handler)
import statelab
big = statelab.Scenario(arrival_rate=50.0, duration=200_000.0, sample_interval=10.0)
print("started", flush=True)
try:
    statelab.simulate(big, limit=None)  # 60,000,000 requests: many minutes
except KeyboardInterrupt:
    print("raised", time.process_time(), flush=True)  # its processor seconds so far
    raise
print("finished", flush=True)
"""

SWEEP_CHILD = """
import json, multiprocessing.forkserver, os, signal, sys
signal.signal(signal.SIGINT, signal.default_int_handler)
import statelab
from statelab.runs.replications import default_executor
pool = default_executor()
pool.submit(os.getpid).result()  # the pool is up
long = statelab.Scenario(duration=100_000.0, affinity="none", sample_interval=10.0)
print(json.dumps({"workers": list(pool._processes),
                  "server": multiprocessing.forkserver._forkserver._forkserver_pid}), flush=True)
frame = statelab.sweep(long, "nodes", [1, 2, 3, 4], seeds=3, progress=False, limit=None)
print(json.dumps({"interrupted": frame.attrs["interrupted"], "rows": len(frame)}), flush=True)
"""


def start(script: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        start_new_session=True,  # its own process group, which the stop button signals
    )


def processor_seconds(pid: int) -> float:
    """The processor time (user and system, seconds) process ``pid`` has used so far."""
    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


def stop(child: subprocess.Popen, timeout: float) -> tuple[float, float, float, str, str]:
    """Send SIGINT to ``child``'s process group; return the child's processor seconds when it
    was sent, the wall seconds until it exited, its processor seconds in all, and its output.

    The processor seconds make the measures hold on a busy machine: there the child waits
    for a core as well, which a learner's idle laptop does not make it do."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    at_signal = processor_seconds(child.pid)
    sent = time.monotonic()
    os.killpg(child.pid, signal.SIGINT)
    try:
        out, err = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.communicate()
        pytest.fail(f"the child did not exit within {timeout} s of SIGINT")
    took = time.monotonic() - sent
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the child, reaped by communicate
    used = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return at_signal, took, used, out, err


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="one monotonic clock: Linux")
def test_an_interrupt_stops_an_unlimited_run_within_a_second():
    child = start(SIMULATE_CHILD)
    try:
        assert child.stdout.readline().strip() == "started"
        time.sleep(1.5)  # well inside the run
        assert child.poll() is None
        at_signal, took, used, out, err = stop(child, timeout=30.0)
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
            child.communicate()
    assert "finished" not in out
    assert "KeyboardInterrupt" in err.splitlines()[-1], err[-2000:]
    assert child.returncode == -signal.SIGINT  # Python's exit for an uncaught interrupt
    # Counted in the child's processor seconds, which a busy machine does not stretch: the
    # run stops within a second of work; the process then takes about as long again to
    # free what the run made before it exits (measured 1.0 to 1.5 s after 1.5 s of run, on
    # an idle machine, where the wall time is the same). /proc counts in 10 ms ticks.
    raised = float(out.split("raised", 1)[1]) - at_signal
    assert raised < 1.0, f"the run worked {raised:.2f} s before it raised KeyboardInterrupt"
    assert used - at_signal < 5.0, f"the process worked {used - at_signal:.2f} s to exit"
    assert took < 30.0  # and in wall time: no hang, even on a busy machine


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forkserver and /proc: Linux")
def test_an_interrupt_stops_a_sweep_on_the_pool_and_leaves_no_process():
    child = start(SWEEP_CHILD)
    try:
        pool = json.loads(child.stdout.readline())
        pids = [*pool["workers"], pool["server"]]
        assert len(pool["workers"]) >= 1 and not any(gone(pid) for pid in pids)
        time.sleep(2.0)  # the runs are under way
        assert child.poll() is None
        _, took, _, out, err = stop(child, timeout=30.0)
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
            child.communicate()
    assert child.returncode == 0, err[-2000:]
    report = json.loads(out.splitlines()[-1])
    assert report["interrupted"] is True and report["rows"] < 12
    # about a second on an idle machine; the bound holds with every core busy, and a sweep
    # that did not stop would take many minutes (each run is 100,000 model seconds)
    assert took < 15.0, f"the sweep took {took:.2f} s to stop"
    deadline = time.monotonic() + 15.0
    while time.monotonic() < deadline and not all(gone(pid) for pid in pids):
        time.sleep(0.05)
    survivors = [pid for pid in pids if not gone(pid)]
    for pid in survivors:  # do not leave them behind, whatever the test says
        os.kill(pid, signal.SIGKILL)
    assert survivors == [], f"pool processes outlived the sweep: {survivors}"
