"""Sweeps that survive what happens to their runs: a killed worker, a failed run, a stop."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from concurrent.futures import Executor

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT

from statelab import Scenario, replicate, simulate, sweep
from statelab.runs.replications import SerialExecutor, default_executor, summarise


def within(seconds, fn, *args, **kwargs):
    """``fn(*args, **kwargs)``, or a failure if it takes longer than ``seconds``: no hangs."""
    outcome = {}

    def run():
        try:
            outcome["value"] = fn(*args, **kwargs)
        except BaseException as error:  # handed to the test
            outcome["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        pytest.fail(f"{getattr(fn, '__name__', fn)} took more than {seconds} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


SCENARIO = Scenario(duration=300.0, affinity="none")


def the_sweep(executor, seeds=(3, 5, 7)):
    return sweep(
        SCENARIO, "nodes", [1, 2, 3, 4], seeds=list(seeds), executor=executor, progress=False
    )


class Passing(Executor):
    """Hands every run to ``pool``: the base of the executors below."""

    def __init__(self, pool):
        self.pool = pool

    def submit(self, fn, /, *args, **kwargs):
        return self.pool.submit(fn, *args, **kwargs)


class KillAWorker(Passing):
    """Kills one of the pool's worker processes once ``after`` runs are done."""

    def __init__(self, pool, after):
        super().__init__(pool)
        self.after = after
        self.done = 0
        self.killed = None
        self.lock = threading.Lock()

    def submit(self, fn, /, *args, **kwargs):
        future = self.pool.submit(fn, *args, **kwargs)
        future.add_done_callback(self.count)
        return future

    def count(self, future):
        with self.lock:
            self.done += 1
            if self.done == self.after and self.killed is None:
                self.killed = next(iter(self.pool._processes))
                os.kill(self.killed, signal.SIGKILL)


def test_a_killed_worker_loses_no_row():
    pool = default_executor()
    killer = KillAWorker(pool, after=3)
    frame = within(60, the_sweep, killer)
    assert killer.killed is not None  # the worker died while runs were going
    pd.testing.assert_frame_equal(frame, the_sweep(SerialExecutor()))
    assert frame.attrs["failed"] == []
    fresh = default_executor()
    assert fresh is not pool  # the broken pool was replaced ...
    assert within(30, fresh.submit(os.getpid).result) in fresh._processes  # ... by one that works


class FailOne(Passing):
    """Runs the job of ``nodes`` and ``seed`` with a size limit of one request, so it fails."""

    def __init__(self, pool, nodes, seed):
        super().__init__(pool)
        self.nodes, self.seed = nodes, seed

    def submit(self, fn, /, *args, **kwargs):
        scenario = args[0]
        if (scenario.nodes, scenario.seed) == (self.nodes, self.seed):
            return self.pool.submit(summarise, scenario, 1)  # ScenarioTooLarge, in the worker
        return self.pool.submit(fn, *args, **kwargs)


@pytest.mark.parametrize("where", ["process pool", "serial"])
def test_a_run_that_fails_costs_its_own_row_only(where, capsys):
    pool = default_executor() if where == "process pool" else SerialExecutor()
    frame = within(60, the_sweep, FailOne(pool, nodes=2, seed=5))
    expected = the_sweep(SerialExecutor())
    kept = ~((expected["nodes"] == 2) & (expected["seed"] == 5))
    pd.testing.assert_frame_equal(frame, expected[kept].reset_index(drop=True))
    [failure] = frame.attrs["failed"]
    assert failure["nodes"] == 2 and failure["seed"] == 5
    assert failure["error"].startswith("ScenarioTooLarge") and "limit" in failure["error"]
    assert frame.attrs["interrupted"] is False
    lines = [line for line in capsys.readouterr().err.splitlines() if "failed" in line]
    assert len(lines) == 1 and "nodes=2" in lines[0] and "seed=5" in lines[0]


def test_a_shut_down_default_pool_is_replaced():
    with default_executor() as pool:
        pass
    frame = within(60, sweep, SCENARIO, "nodes", [1, 2], seeds=2, progress=False)
    pd.testing.assert_frame_equal(
        frame,
        sweep(SCENARIO, "nodes", [1, 2], seeds=2, executor=SerialExecutor(), progress=False),
    )
    assert default_executor() is not pool


@pytest.mark.skipif(
    signal.getsignal(signal.SIGINT) is not signal.default_int_handler,
    reason="needs Python's own SIGINT handler",
)
def test_a_stop_frees_the_pool_for_the_next_sweep():
    long = Scenario(duration=6_000.0, affinity="none")  # a few seconds a run: 12 take > 10 s
    pool = default_executor()
    within(30, pool.submit(os.getpid).result)  # started
    # the stop button: SIGINT to the main thread, which waits for the runs
    workers = list(pool._processes.values())
    stopped = []

    def press_stop():
        stopped.append(time.monotonic())
        signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)

    stop = threading.Timer(1.0, press_stop)
    stop.start()
    try:
        frame = sweep(long, "nodes", [1, 2, 3, 4], seeds=3, progress=False)
    finally:
        stop.cancel()
    assert frame.attrs["interrupted"] is True
    # back soon after the stop, not after the runs under way (seconds each, more when the
    # cores are busy with other work)
    assert time.monotonic() - stopped[0] < 4.0
    assert len(frame) < 12
    # the abandoned runs are ended, not left to finish: their workers are gone, and the
    # next sweep gets a pool of its own instead of waiting behind them
    deadline = time.monotonic() + 10.0
    while any(worker.is_alive() for worker in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(worker.is_alive() for worker in workers)
    assert default_executor() is not pool
    small = within(
        30, sweep, SCENARIO.replace(duration=30.0), "nodes", [1, 2], seeds=1, progress=False
    )
    assert len(small) == 2 and small.attrs["failed"] == []


def test_seeds_take_any_integer_but_not_a_bool():
    scenario = Scenario(duration=30.0)
    runs = replicate(scenario, seeds=np.int64(3), executor=SerialExecutor(), progress=False)
    assert list(runs.summaries["seed"]) == [1, 2, 3]
    frame = sweep(
        scenario, "nodes", [1, 2], seeds=np.int32(2), executor=SerialExecutor(), progress=False
    )
    assert frame[["nodes", "seed"]].values.tolist() == [[1, 1], [1, 2], [2, 1], [2, 2]]
    with pytest.raises(TypeError, match="seeds"):
        replicate(scenario, seeds=True, executor=SerialExecutor())


def test_sweeping_the_seed_runs_each_value_as_the_seed():
    scenario = Scenario(duration=30.0)
    frame = sweep(scenario, "seed", [1, 2, 3], seeds=1, executor=SerialExecutor(), progress=False)
    assert list(frame["seed"]) == [1, 2, 3]
    assert frame["requests"].nunique() == 3  # three different runs
    for _, row in frame.iterrows():
        assert (
            row["requests"]
            == simulate(scenario.replace(seed=int(row["seed"]))).summary()["requests"]
        )
    for seeds in (2, 5, [1, 2]):
        with pytest.raises(ValueError, match=r"seed.*seeds"):
            sweep(scenario, "seed", [1, 2, 3], seeds=seeds, executor=SerialExecutor())


CHILD = """
import multiprocessing.forkserver, os, time
from statelab.runs.replications import default_executor
pool = default_executor()
futures = [pool.submit(time.sleep, 60) for _ in range(pool._max_workers)]
time.sleep(1.0)  # the workers are up and running their job
print(*pool._processes, multiprocessing.forkserver._forkserver._forkserver_pid, flush=True)
time.sleep(60)
"""

# Orphans go to the nearest "subreaper": this process, which reaps them, so none is left
# behind as a zombie (or, if the test fails, as a live process).
SUPERVISOR = """
import ctypes, json, os, signal, subprocess, sys, time
ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
child = subprocess.Popen([sys.executable, "-c", sys.argv[1]], stdout=subprocess.PIPE, text=True)
*workers, server = [int(pid) for pid in child.stdout.readline().split()]
os.kill(child.pid, signal.SIGKILL)
child.wait()
def running(pid):  # a zombie has exited, only not been reaped yet
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False
left = set(workers)
deadline = time.monotonic() + 10.0
while left and time.monotonic() < deadline:
    try:
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        pass
    left = {pid for pid in left if running(pid)}
    time.sleep(0.05)
for pid in [*left, server]:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
while True:
    try:
        os.waitpid(-1, 0)
    except ChildProcessError:
        break
print(json.dumps({"workers": workers, "survivors": sorted(left)}))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl subreaper: Linux")
def test_pool_workers_exit_when_the_process_that_started_them_dies():
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(SUPERVISOR), textwrap.dedent(CHILD)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.splitlines()[-1])
    assert len(report["workers"]) >= 1
    assert report["survivors"] == []
