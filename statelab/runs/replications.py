"""Replications and sweeps: many runs, so one lucky seed cannot fool us.

One run of a random simulation is an anecdote. :func:`replicate` runs one
scenario under several seeds and keeps each run's summary, so a number comes
with its spread and a confidence interval. :func:`sweep` does that for every
value of one field ("2, 3, 4, 6 nodes"), giving a tidy table to plot.

The runs are independent, so they can run side by side: by default on a pool
of processes over the local cores, or on any ``concurrent.futures.Executor``,
such as a Dask cluster's (``distributed.Client(...).get_executor()``) when a
class sweeps more than one machine can hold. Each run is fixed by its
scenario and seed, so the tables are identical whatever runs them.

In a notebook a progress bar shows the runs done. Interrupting a long sweep
(the stop button) keeps the rows already computed: the table comes back with
``frame.attrs["interrupted"] = True``, and the runs not started are cancelled.

A run that fails costs its own row only: the table keeps every other row,
``frame.attrs["failed"]`` lists the failed runs (their labels and the error)
and one line each is printed. When a worker process dies, the runs it took
down with the pool are run again, once, on a fresh pool.
"""

from __future__ import annotations

import atexit
import importlib.util
import numbers
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import (
    BrokenExecutor,
    CancelledError,
    Executor,
    Future,
    as_completed,
)
from typing import TYPE_CHECKING

import pandas as pd
from tqdm.auto import tqdm

from statelab.runs.confidence import interval
from statelab.runs.watch import exit_with_parent
from statelab.sim.scenario import Scenario
from statelab.sim.simulation import DEFAULT_LIMIT, check_size, simulate

if TYPE_CHECKING:  # imported where a pool is made: a Python that starts no process (Pyodide,
    # JupyterLite) has no _multiprocessing, and the runs go on in the calling process there
    from concurrent.futures import ProcessPoolExecutor


def summarise(scenario: Scenario, limit: int | None = DEFAULT_LIMIT) -> dict:
    """Run ``scenario`` and return its summary (the unit of work sent to a worker process)."""
    return simulate(scenario, limit=limit).summary()


class Replications:
    """The summaries of one scenario run under several seeds.

    Attributes
    ----------
    scenario : Scenario
        The scenario (its own ``seed`` is replaced by each run's).
    summaries : pandas.DataFrame
        One row a seed: a ``seed`` column, then the keys of ``Result.summary()``.
    """

    def __init__(self, scenario: Scenario, summaries: pd.DataFrame) -> None:
        self.scenario = scenario
        self.summaries = summaries

    def __repr__(self) -> str:
        return f"<Replications: {len(self.summaries)} seeds>"

    def interval(self, metric: str, level: float = 0.95) -> tuple[float, float, float]:
        """The Student-t confidence interval of ``metric``'s mean over the seeds: (low, mean, high).

        ``metric`` is a key of ``Result.summary()``, e.g. ``"latency_p95"``.
        """
        if metric not in self.summaries.columns or metric == "seed":
            known = [c for c in self.summaries.columns if c != "seed"]
            raise ValueError(f"unknown metric {metric!r}; known: {', '.join(known)}")
        return interval(self.summaries[metric].tolist(), level)


def replicate(
    scenario: Scenario,
    seeds: int | Iterable[int] = 10,
    executor: Executor | None = None,
    *,
    progress: bool = True,
    limit: int | None = DEFAULT_LIMIT,
) -> Replications:
    """Run ``scenario`` under several seeds and collect the summaries.

    Parameters
    ----------
    scenario : Scenario
        What to run; its ``warmup`` is honoured by every summary.
    seeds : int or iterable of int
        How many seeds (``scenario.seed``, ``scenario.seed + 1``, ...), or the seeds themselves.
    executor : concurrent.futures.Executor, optional
        Where to run; by default a process pool over the local cores.
    progress : bool
        Show a progress bar when running in a notebook.
    limit : int or None
        The size limit of each run, as in :func:`statelab.simulate`.
    """
    seed_list = _seeds(scenario, seeds)
    frame = _run_table(
        [({"seed": seed}, scenario.replace(seed=seed)) for seed in seed_list],
        executor,
        progress,
        limit,
    )
    return Replications(scenario, frame)


def sweep(
    scenario: Scenario,
    field: str,
    values: Sequence,
    seeds: int | Iterable[int] = 5,
    executor: Executor | None = None,
    *,
    adjust: Callable[[Scenario], Scenario] | None = None,
    progress: bool = True,
    limit: int | None = DEFAULT_LIMIT,
) -> pd.DataFrame:
    """Run ``scenario`` for every value of one field, under several seeds each.

    ``adjust``, if given, changes each scenario after the field is set, for
    what depends on the value: ``adjust=lambda s: s.replace(events=(ScaleTo(s.nodes + 1,
    300.0),))`` scales every cluster out by one node. It runs here, before the
    runs are sent to the workers.

    Sweeping ``"seed"`` itself runs each value as the seed, one run a value:
    it needs ``seeds=1``.

    Returns
    -------
    pandas.DataFrame
        One row per value and seed: a column named ``field``, a ``seed``
        column, then the keys of ``Result.summary()``; in the order of
        ``values``, then seeds. ``attrs["failed"]`` lists the runs that
        failed (their labels and ``"error"``), ``attrs["interrupted"]``
        says whether the sweep was stopped.
    """
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or not values:
        raise ValueError(f"values must be a non-empty list of values for {field!r}, got {values!r}")
    if field == "seed":
        if isinstance(seeds, bool) or not isinstance(seeds, numbers.Integral) or seeds != 1:
            raise ValueError(
                "sweeping 'seed' runs each value as the seed, so seeds must be 1, "
                f"got seeds={seeds!r}; to run several seeds of each value, sweep another field"
            )
        seed_list = None
    else:
        seed_list = _seeds(scenario, seeds)
    jobs = []
    for value in values:
        changed = scenario.replace(**{field: value})  # checks the field and every value first
        if adjust is not None:
            changed = adjust(changed)
            if not isinstance(changed, Scenario):
                raise TypeError(f"adjust must return a Scenario, got {changed!r}")
        if seed_list is None:  # the value is the seed
            jobs.append(({"seed": changed.seed}, changed))
        else:
            jobs += [
                ({field: value, "seed": seed}, changed.replace(seed=seed)) for seed in seed_list
            ]
    return _run_table(jobs, executor, progress, limit)


class SerialExecutor(Executor):
    """An executor that runs each job at once, in this process: no start-up cost, no speed-up.

    Handy for a small sweep, for debugging, and as the reference the parallel
    executors must agree with.
    """

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:  # handed to whoever asks for the result
            future.set_exception(error)
        return future


_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()


def processes_available() -> bool:
    """Whether this Python can start worker processes: not in the browser's Python (Pyodide,
    JupyterLite, ``sys.platform == "emscripten"``), which has no ``_multiprocessing``."""
    if sys.platform in ("emscripten", "wasi"):
        return False
    try:
        return importlib.util.find_spec("_multiprocessing") is not None
    except (ImportError, ValueError):  # a module set to None in sys.modules: not importable
        return False


def default_executor() -> Executor:
    """The shared process pool over the local cores, started on first use and kept; where
    no process can be started (the browser's Python), a :class:`SerialExecutor`: the same
    results, one run after another, in this process.

    Its workers are started by a fork server that has imported statelab
    once (or spawned where there is no fork server), not forked from a
    notebook's kernel, whose threads make a plain fork unsafe; they ignore the
    notebook's interrupt and exit when the kernel dies (see
    :func:`_start_worker`). The pool stays up for the next sweep, so only the
    first one pays for starting it; a pool that broke (a worker was killed)
    or was shut down (``with default_executor() as pool:``) is replaced.
    """
    global _pool
    if not processes_available():
        return SerialExecutor()
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with _pool_lock:
        if _pool is None or _unusable(_pool):
            if _pool is not None:
                _pool.shutdown(wait=False, cancel_futures=True)
            if "forkserver" in multiprocessing.get_all_start_methods():
                context = multiprocessing.get_context("forkserver")
                context.set_forkserver_preload(["statelab"])
            else:  # pragma: no cover - Windows
                context = multiprocessing.get_context("spawn")
            _pool = ProcessPoolExecutor(
                max_workers=os.cpu_count() or 1,
                mp_context=context,
                initializer=_start_worker,
                initargs=(os.getpid(),),
            )
        return _pool


def _unusable(pool: Executor) -> bool:
    """Whether ``pool`` (a process pool) broke or was shut down, so it takes no more runs."""
    return bool(getattr(pool, "_broken", False) or getattr(pool, "_shutdown_thread", False))


def _drop_pool(pool: ProcessPoolExecutor) -> None:
    """Shut the shared ``pool`` down without waiting, ending its runs; the next call makes one."""
    global _pool
    with _pool_lock:
        if _pool is pool:
            _pool = None
    workers = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for worker in workers:  # abandoned runs: nobody wants their results
        if worker.is_alive():
            worker.terminate()


@atexit.register
def _shutdown_pool() -> None:
    if _pool is not None:
        _pool.shutdown(wait=False, cancel_futures=True)


def _start_worker(owner: int) -> None:
    """In a pool worker: ignore the notebook's interrupt, and exit when the kernel dies."""
    _ignore_interrupts()
    exit_with_parent(every=0.5, owner=owner)


def _ignore_interrupts() -> None:
    """In a pool worker: let the notebook's stop button stop the sweep, not kill the worker.

    Jupyter interrupts the kernel's whole process group; the sweep in the
    kernel then cancels the runs not yet started, and the workers stay up.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _seeds(scenario: Scenario, seeds: int | Iterable[int]) -> list[int]:
    if isinstance(seeds, bool):
        raise TypeError(f"seeds must be a number of seeds or a list of seeds, got {seeds!r}")
    if isinstance(seeds, numbers.Integral):
        seeds = int(seeds)
        if not 1 <= seeds <= 10_000:
            raise ValueError(f"seeds must be from 1 to 10000 runs, got {seeds}")
        return [scenario.seed + i for i in range(seeds)]
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, Iterable):
        raise TypeError(f"seeds must be a number of seeds or a list of seeds, got {seeds!r}")
    seed_list = [scenario.replace(seed=seed).seed for seed in seeds]  # checks each seed
    if not seed_list:
        raise ValueError("seeds must name at least one seed")
    if len(set(seed_list)) != len(seed_list):
        raise ValueError(f"seeds must not repeat, got {seed_list}")
    return seed_list


def _run_table(
    jobs: list[tuple[dict, Scenario]],
    executor: Executor | None,
    progress: bool,
    limit: int | None,
) -> pd.DataFrame:
    """Run every job's scenario, keep its labels next to its summary, in the order of ``jobs``.

    A run that fails costs its own row only; runs lost with a broken pool (a
    worker died) are run again once on a fresh default pool. The failures go
    to ``frame.attrs["failed"]`` and one line each to stderr.
    """
    for _, scenario in jobs:
        check_size(scenario, limit)  # refuse an oversized run before any worker starts
    # tqdm.auto: a widget bar in a notebook, a text bar on a terminal, nothing when piped
    bar = tqdm(total=len(jobs), desc="runs", unit="run", disable=None if progress else True)
    rows: dict[int, dict] = {}
    errors: dict[int, str] = {}
    interrupted = False
    reran = 0
    todo = list(range(len(jobs)))
    try:
        for attempt in range(2):
            pool = default_executor() if executor is None or attempt else executor
            lost, interrupted = _run_round(pool, jobs, todo, limit, rows, errors, bar)
            if interrupted or not lost:
                break
            if attempt == 0:  # the pool broke: once more, on a fresh one, what it took down
                todo, reran = lost, len(lost)
                for i in lost:
                    errors.pop(i, None)
    finally:
        bar.close()
    frame = pd.DataFrame([rows[i] for i in sorted(rows)])
    frame.attrs["interrupted"] = interrupted
    frame.attrs["failed"] = [{**jobs[i][0], "error": errors[i]} for i in sorted(errors)]
    if reran:
        print(
            f"statelab: a worker process died; ran {reran} runs again on a new pool",
            file=sys.stderr,
        )
    for failure in frame.attrs["failed"]:
        labels = ", ".join(f"{k}={v!r}" for k, v in failure.items() if k != "error")
        print(f"statelab: run {labels} failed: {failure['error']}", file=sys.stderr)
    if interrupted:
        print(f"statelab: interrupted: kept {len(rows)} of {len(jobs)} runs", file=sys.stderr)
    return frame


def _run_round(
    pool: Executor,
    jobs: list[tuple[dict, Scenario]],
    todo: list[int],
    limit: int | None,
    rows: dict[int, dict],
    errors: dict[int, str],
    bar,
) -> tuple[list[int], bool]:
    """Run the jobs numbered ``todo`` on ``pool``, filling ``rows`` and ``errors``.

    Returns the jobs lost because the pool broke or was shut down (their
    error is in ``errors`` too), and whether the learner stopped the sweep.
    """
    futures: dict[Future, int] = {}
    lost: list[int] = []

    def settle(future: Future, i: int) -> None:
        try:
            rows[i] = {**jobs[i][0], **future.result()}
            bar.update(1)
        except (BrokenExecutor, CancelledError) as error:
            errors[i] = _describe(error)
            lost.append(i)
        except Exception as error:  # this run failed, not the sweep
            errors[i] = _describe(error)

    try:
        for i in todo:
            try:
                futures[pool.submit(summarise, jobs[i][1], limit)] = i
            except Exception as error:
                errors[i] = _describe(error)
                if isinstance(error, BrokenExecutor) or _unusable(pool):  # broken, or shut down
                    lost.append(i)
        for future in as_completed(futures):
            settle(future, futures[future])
    except KeyboardInterrupt:
        running = False
        for future, i in futures.items():
            if not future.cancel() and not future.done():
                running = True
            finished = future.done() and not future.cancelled()
            if i not in rows and i not in errors and finished and future.exception() is None:
                rows[i] = {**jobs[i][0], **future.result()}  # done before the stop: kept
        if running and pool is _pool:
            _drop_pool(pool)  # runs that cannot be cancelled: the next sweep must not wait
        return [], True
    except BaseException:  # not a run's failure: stop the others, then say why
        for future in futures:
            future.cancel()
        raise
    return sorted(lost), False


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
