"""simulate(): its size limit and its input."""

from __future__ import annotations

import numpy as np
import pytest

from statelab import DEFAULT_LIMIT, Scenario, ScenarioTooLarge, simulate


def test_a_scenario_beyond_the_limit_is_refused_before_it_starts_with_the_estimate():
    big = Scenario(arrival_rate=100.0, duration=3_600.0, requests_per_session=10)
    with pytest.raises(ScenarioTooLarge) as caught:
        simulate(big)
    message = str(caught.value)
    assert "3,600,000 requests" in message
    assert f"{DEFAULT_LIMIT:,}" in message
    assert "limit=None" in message and "duration" in message


def test_the_limit_can_be_set_and_lifted():
    small = Scenario(duration=10.0)
    with pytest.raises(ScenarioTooLarge):
        simulate(small, limit=10)
    assert len(simulate(small, limit=None).requests) > 10


@pytest.mark.parametrize("limit", [0, -5, 2.5, "many", True])
def test_a_bad_limit_is_refused(limit):
    with pytest.raises(ValueError, match="limit"):
        simulate(Scenario(duration=10.0), limit=limit)


def test_simulate_needs_a_scenario():
    with pytest.raises(TypeError, match="Scenario"):
        simulate({"nodes": 3})


def test_simulate_without_a_scenario_runs_the_default_shop():
    assert simulate().scenario == Scenario()


@pytest.mark.parametrize("width", [None, 0.5, 7.0])
def test_window_percentiles_equal_pandas_grouped_quantiles(width):
    """windows() computes its percentiles for all windows at once with numpy; they equal,
    bit for bit, what pandas' grouped quantile gives window by window."""
    for seed, state in ((1, "server"), (2, "store"), (3, "server")):
        result = simulate(Scenario(seed=seed, nodes=2, arrival_rate=8.0, state=state))
        windows = result.windows(width)
        step = width or max(result.scenario.sample_interval, result.scenario.duration / 60)
        requests = result.requests
        served = requests[requests["outcome"].isin(["ok", "state_lost"])]
        count = len(windows)
        bins = np.minimum((served["end"] / step).astype(int), count - 1)
        expected = (
            (served["end"] - served["arrival"])
            .groupby(bins.to_numpy())
            .quantile([0.5, 0.95, 0.99])
            .unstack()
            .reindex(index=range(count))
        )
        for q, column in ((0.5, "latency_p50"), (0.95, "latency_p95"), (0.99, "latency_p99")):
            assert np.array_equal(
                windows[column].to_numpy(), expected[q].to_numpy(), equal_nan=True
            ), column
