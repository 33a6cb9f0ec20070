"""Retries as production clients send them (statelab.sim.retrying): the number of attempts
against the closed form, AWS's full jitter within its capped backoff, and a retry budget
that keeps retries under its share of the first attempts, in the model's own runs."""

from __future__ import annotations

import math
import random
import statistics

import matplotlib.pyplot as plt
import pytest

from statelab import Crash, Scenario, simulate
from statelab.sim import retrying
from statelab.sim.retrying import BUDGET_WINDOW, REFUSED, Retrying
from statelab.sim.scenario import ScenarioError


def attempts_until_success(rules: Retrying, p: float, rng: random.Random) -> int:
    """Attempts one request takes when each fails on its own with probability ``p``."""
    attempt = 1
    while rng.random() < p:  # this attempt failed
        if rules.wait(attempt, 0.0) is None:
            return attempt
        attempt += 1
    return attempt


@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
@pytest.mark.parametrize("r", [0, 1, 3])
def test_the_mean_attempts_a_request_takes_is_the_closed_forms(p, r):
    """(1 - p^(r+1)) / (1 - p) attempts a request, for failures independent with probability
    p and r retries: over 10 seeds of 3,000 requests, the mean of the seeds' means is within
    4 standard errors of it."""
    expected = (1 - p ** (r + 1)) / (1 - p)
    means = []
    for seed in range(10):
        rules = Retrying(Scenario(retries=r), random.Random(seed))
        rng = random.Random(1000 + seed)
        means.append(statistics.fmean(attempts_until_success(rules, p, rng) for _ in range(3_000)))
    error = statistics.stdev(means) / math.sqrt(len(means)) if r else 0.0
    assert abs(statistics.fmean(means) - expected) <= 4 * error + 1e-9, (means, expected)


def test_full_jitter_waits_are_uniform_up_to_the_capped_backoff():
    shop = Scenario(retries=10, retry_backoff=0.5, retry_jitter="full", retry_backoff_cap=3.0)
    rules = Retrying(shop, random.Random(7))
    for attempt in range(1, 9):
        ceiling = min(3.0, 0.5 * 2 ** (attempt - 1))
        waits = [rules.wait(attempt, 0.0) for _ in range(4_000)]
        assert min(waits) >= 0.0 and max(waits) <= ceiling
        assert abs(statistics.fmean(waits) - ceiling / 2) < 0.05 * ceiling  # uniform's mean
    with pytest.raises(ScenarioError, match="retry_backoff must be above 0"):
        Scenario(retry_jitter="full")
    with pytest.raises(ScenarioError, match="retry_jitter must be one of 'full'"):
        Scenario(retry_jitter="equal")


def test_a_budget_lets_retries_go_only_under_its_share_of_the_window_s_first_attempts():
    rules = Retrying(Scenario(retries=5, retry_budget=0.2), random.Random(1))
    for _ in range(10):
        rules.sent(0.0)
    assert [rules.wait(1, 1.0) for _ in range(3)] == [0.0, 0.0, REFUSED]  # 2 of 10 first
    assert rules.refused == 1
    # once the window has moved past them, neither the firsts nor the retries count
    later = BUDGET_WINDOW + 2.0
    assert rules.wait(1, later) == REFUSED  # no first attempt in the window: nothing to spend
    rules.sent(later)
    rules.sent(later)
    rules.sent(later)
    rules.sent(later)
    rules.sent(later)
    assert rules.wait(1, later) == 0.0  # 0 retries < 0.2 x 5 first attempts


def crash_storm(**changes) -> Scenario:
    """A shop whose node 1 dies at 60 s while the balancer needs 10 s to notice: impatient
    clients retry into the dead node."""
    return Scenario(
        nodes=3,
        affinity="none",
        state="store",
        arrival_rate=6.0,
        retries=4,
        retry_backoff=0.2,
        health_check_delay=10.0,
        events=(Crash(1, 60.0),),
        **changes,
    )


def retries_per_window(result, width: float = BUDGET_WINDOW):
    """(retries, first attempts) sent in each ``width``-second window of the run."""
    requests = result.requests
    windows = (requests["arrival"] // width).astype(int)
    firsts = (requests["attempt"] == 1).groupby(windows).sum()
    retries = (requests["attempt"] > 1).groupby(windows).sum()
    return retries, firsts


def test_a_retry_budget_caps_the_storm_a_crash_sets_off_and_counts_what_it_refused():
    storm = simulate(crash_storm())
    capped = simulate(crash_storm(retry_budget=0.1))
    retries, firsts = retries_per_window(storm)
    assert (retries / firsts).max() > 0.3  # the storm: retries pile onto the dead node
    retries, firsts = retries_per_window(capped)
    # the budget counts a sliding window: a fixed one can hold a little more at its edges
    assert (retries / firsts).max() <= 0.2, (retries / firsts).max()
    assert capped.summary()["retries_refused"] > 0 == storm.summary()["retries_refused"]
    assert capped.summary()["requests"] < storm.summary()["requests"]


def test_the_defaults_keep_todays_retries():
    shop = crash_storm()
    assert shop.retry_jitter is None and shop.retry_budget is None
    assert retrying.REFUSED < 0  # never a wait
    assert simulate(shop).summary()["retries_refused"] == 0


def test_the_amplification_plot_draws_attempts_a_request_and_the_load_of_the_nodes_up():
    from statelab import plots

    result = simulate(crash_storm())
    ax = plots.attempts_over_time(result)
    (line,) = ax.get_lines()[:1]
    requests = result.requests
    window = (requests["arrival"] // 2.0).astype(int)
    expected = requests.groupby(window).size() / (requests["attempt"] == 1).groupby(window).sum()
    assert max(line.get_ydata()) == pytest.approx(expected.max())
    assert f"up to {expected.max():.1f} attempts a request" in ax.get_title(loc="left")
    twin = next(a for a in ax.figure.axes if a is not ax)
    assert min(twin.get_lines()[0].get_ydata()) >= 0 and max(twin.get_lines()[0].get_ydata()) <= 1
    plt.close(ax.figure)
