"""Replications and sweeps: intervals that cover theory, tables independent of who ran them."""

from __future__ import annotations

from concurrent.futures import Future

import pandas as pd
import pytest
from conftest import mmc

from statelab import Replications, Scenario, plots, replicate, sweep, theory
from statelab.runs.replications import SerialExecutor, default_executor, summarise


def test_the_95_percent_interval_of_the_mean_wait_covers_erlang_c():
    # 20 seeds of about 16,000 requests each, the first 200 s (hundreds of
    # service times) left out, so the empty-start bias is far inside the interval.
    scenario = mmc(3.2, 4, duration=5_000.0, warmup=200.0)
    runs = replicate(scenario, seeds=20)
    low, _, high = runs.interval("wait_mean")
    expected = theory.mmc_wait_mean(3.2, 1.0, 4)
    assert low <= expected <= high
    assert high - low < 0.15 * expected  # narrow enough to mean something
    assert list(runs.summaries["seed"]) == list(range(20))
    assert (runs.summaries["requests"] < 3.2 * 5_000.0).all()  # the warm-up was left out


def small_sweep(executor):
    scenario = Scenario(duration=60.0, affinity="none")
    return sweep(scenario, "nodes", [1, 2, 4], seeds=[3, 5], executor=executor, progress=False)


def test_a_sweep_is_tidy_and_in_the_order_asked():
    frame = small_sweep(SerialExecutor())
    assert list(frame.columns[:2]) == ["nodes", "seed"]
    assert frame[["nodes", "seed"]].values.tolist() == [
        [1, 3],
        [1, 5],
        [2, 3],
        [2, 5],
        [4, 3],
        [4, 5],
    ]
    assert {"sessions_lost", "latency_p95", "utilisation"} <= set(frame.columns)
    assert frame.attrs["interrupted"] is False
    # one node loses nothing without affinity; more nodes lose (nearly) every session
    lost = (
        frame.groupby("nodes")["sessions_lost"].mean() / frame.groupby("nodes")["sessions"].mean()
    )
    assert lost[1] == 0 and lost[4] > 0.9


def test_the_same_sweep_is_identical_serially_and_on_a_process_pool():
    serial = small_sweep(SerialExecutor())
    parallel = small_sweep(default_executor())
    pd.testing.assert_frame_equal(serial, parallel)


def test_the_same_sweep_is_identical_on_a_local_dask_cluster():
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        on_dask = small_sweep(client.get_executor())
    pd.testing.assert_frame_equal(small_sweep(SerialExecutor()), on_dask)


class StopAfter(SerialExecutor):
    """Runs ``n`` jobs, then acts as if the learner pressed the stop button."""

    def __init__(self, n):
        self.left = n

    def submit(self, fn, /, *args, **kwargs):
        self.left -= 1
        if self.left >= 0:
            return super().submit(fn, *args, **kwargs)
        future = Future()
        future.set_exception(KeyboardInterrupt())
        return future


def test_an_interrupted_sweep_keeps_the_rows_already_computed():
    frame = small_sweep(StopAfter(4))
    assert frame.attrs["interrupted"] is True
    assert len(frame) == 4
    pd.testing.assert_frame_equal(frame, small_sweep(SerialExecutor()).iloc[:4])


def test_a_sweep_refuses_bad_input_before_running_anything():
    scenario = Scenario(duration=30.0)
    with pytest.raises(TypeError, match="nodez"):
        sweep(scenario, "nodez", [1, 2], executor=SerialExecutor())
    with pytest.raises(ValueError, match="nodes"):
        sweep(scenario, "nodes", [2, 0], executor=SerialExecutor())
    with pytest.raises(ValueError, match="values"):
        sweep(scenario, "nodes", [], executor=SerialExecutor())
    with pytest.raises(ValueError, match="seeds"):
        replicate(scenario, seeds=0, executor=SerialExecutor())
    with pytest.raises(ValueError, match="repeat"):
        replicate(scenario, seeds=[1, 1], executor=SerialExecutor())
    with pytest.raises(ValueError, match="seed"):
        replicate(scenario, seeds=[-1], executor=SerialExecutor())
    big = Scenario(arrival_rate=500.0, duration=3_600.0)
    with pytest.raises(ValueError, match="limit"):
        sweep(big, "nodes", [2, 3], executor=SerialExecutor())


def test_replications_name_an_unknown_metric():
    runs = Replications(Scenario(), pd.DataFrame({"seed": [1, 2], "latency_mean": [1.0, 2.0]}))
    with pytest.raises(ValueError, match=r"latency_p95.*known: latency_mean"):
        runs.interval("latency_p95")
    low, mean, high = runs.interval("latency_mean")
    assert mean == 1.5 and low < 1.0 and high > 2.0


def test_summarise_is_the_summary_of_one_run():
    scenario = Scenario(duration=30.0)
    from statelab import simulate

    assert summarise(scenario) == simulate(scenario).summary()


def test_the_sweep_plot_draws_mean_band_and_theory():
    frame = sweep(
        mmc(3.0, 1, duration=400.0, warmup=50.0),
        "nodes",
        [4, 5, 6],
        seeds=3,
        executor=SerialExecutor(),
        progress=False,
    )
    frame = frame.assign(
        per_node_theory=[theory.mm1_wait_mean(3.0 / n, 1.0) for n in frame["nodes"]]
    )

    def per_node(n):
        if n < 4:
            raise ValueError("unstable")
        return theory.mm1_wait_mean(3.0 / n, 1.0)

    ax = plots.metric_against(frame, "nodes", "wait_mean", theory=per_node, theory_label="M/M/1")
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert list(lines["M/M/1"].get_xdata()) == [4, 5, 6]
    assert lines["M/M/1"].get_ydata()[0] == pytest.approx(theory.mm1_wait_mean(0.75, 1.0))
    means = lines["wait mean (mean)"].get_ydata()
    assert means[0] > means[1] > means[2]
    assert len(ax.collections) == 1  # the confidence band
    assert ax.get_xlabel() == "nodes"
    with pytest.raises(ValueError, match="no column 'p95'"):
        plots.metric_against(frame, "nodes", "p95")


def test_pool_workers_survive_the_notebooks_interrupt():
    import signal

    pool = default_executor()
    assert pool.submit(signal.getsignal, signal.SIGINT).result() == signal.SIG_IGN
    assert default_executor() is pool  # kept for the next sweep
