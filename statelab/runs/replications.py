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
``frame.attrs["interrupted"] = True``.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed

import pandas as pd
from tqdm.auto import tqdm

from statelab.runs.confidence import interval
from statelab.sim.scenario import Scenario
from statelab.sim.simulation import DEFAULT_LIMIT, check_size, simulate


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

    Returns
    -------
    pandas.DataFrame
        One row per value and seed: a column named ``field``, a ``seed``
        column, then the keys of ``Result.summary()``; in the order of
        ``values``, then seeds.
    """
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or not values:
        raise ValueError(f"values must be a non-empty list of values for {field!r}, got {values!r}")
    seed_list = _seeds(scenario, seeds)
    jobs = []
    for value in values:
        changed = scenario.replace(**{field: value})  # checks the field and every value first
        if adjust is not None:
            changed = adjust(changed)
            if not isinstance(changed, Scenario):
                raise TypeError(f"adjust must return a Scenario, got {changed!r}")
        jobs += [({field: value, "seed": seed}, changed.replace(seed=seed)) for seed in seed_list]
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


def default_executor() -> ProcessPoolExecutor:
    """The shared process pool over the local cores, started on first use and kept.

    Its workers are started by a fork server that has imported statelab
    once (or spawned where there is no fork server), not forked from a
    notebook's kernel, whose threads make a plain fork unsafe; they ignore the
    notebook's interrupt (see :func:`_ignore_interrupts`). The pool stays
    up for the next sweep, so only the first one pays for starting it; a pool
    that broke (a worker was killed) is replaced.
    """
    global _pool
    if _pool is None or getattr(_pool, "_broken", False):
        if "forkserver" in multiprocessing.get_all_start_methods():
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["statelab"])
        else:  # pragma: no cover - Windows
            context = multiprocessing.get_context("spawn")
        _pool = ProcessPoolExecutor(
            max_workers=os.cpu_count() or 1, mp_context=context, initializer=_ignore_interrupts
        )
        atexit.register(_pool.shutdown, wait=False, cancel_futures=True)
    return _pool


def _ignore_interrupts() -> None:
    """In a pool worker: let the notebook's stop button stop the sweep, not kill the worker.

    Jupyter interrupts the kernel's whole process group; the sweep in the
    kernel then cancels the runs not yet started, and the workers stay up.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _seeds(scenario: Scenario, seeds: int | Iterable[int]) -> list[int]:
    if isinstance(seeds, bool):
        raise TypeError(f"seeds must be a number of seeds or a list of seeds, got {seeds!r}")
    if isinstance(seeds, int):
        if not 1 <= seeds <= 10_000:
            raise ValueError(f"seeds must be from 1 to 10000 runs, got {seeds}")
        return [scenario.seed + i for i in range(seeds)]
    seed_list = list(seeds)
    if not seed_list:
        raise ValueError("seeds must name at least one seed")
    if len(set(seed_list)) != len(seed_list):
        raise ValueError(f"seeds must not repeat, got {seed_list}")
    for seed in seed_list:
        scenario.replace(seed=seed)  # checks each seed
    return seed_list


def _run_table(
    jobs: list[tuple[dict, Scenario]],
    executor: Executor | None,
    progress: bool,
    limit: int | None,
) -> pd.DataFrame:
    """Run every job's scenario, keep its labels next to its summary, in the order of ``jobs``."""
    for _, scenario in jobs:
        check_size(scenario, limit)  # refuse an oversized run before any worker starts
    # tqdm.auto: a widget bar in a notebook, a text bar on a terminal, nothing when piped
    bar = tqdm(total=len(jobs), desc="runs", unit="run", disable=None if progress else True)
    rows: dict[int, dict] = {}
    interrupted = False
    executor = default_executor() if executor is None else executor
    futures: dict[Future, int] = {}
    try:
        for i, (_, scenario) in enumerate(jobs):
            futures[executor.submit(summarise, scenario, limit)] = i
        for future in as_completed(futures):
            i = futures[future]
            rows[i] = {**jobs[i][0], **future.result()}
            bar.update(1)
    except KeyboardInterrupt:
        interrupted = True
        for future, i in futures.items():
            future.cancel()
            finished = future.done() and not future.cancelled()
            if i not in rows and finished and future.exception() is None:
                rows[i] = {**jobs[i][0], **future.result()}  # done before the stop: kept
    except BaseException:  # a run failed: stop the others, then say why
        for future in futures:
            future.cancel()
        bar.close()
        raise
    frame = pd.DataFrame([rows[i] for i in sorted(rows)])
    frame.attrs["interrupted"] = interrupted
    if interrupted:
        bar.set_postfix_str(f"interrupted: kept {len(rows)} of {len(jobs)} runs")
    bar.close()
    return frame
