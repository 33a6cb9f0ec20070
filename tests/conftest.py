"""Shared helpers for the statelab tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from statelab import Scenario

ROOT = Path(__file__).resolve().parent.parent


def mmc(
    arrival_rate: float,
    workers: int,
    *,
    nodes: int = 1,
    balancer: str = "round_robin",
    duration: float = 10_000.0,
    warmup: float = 200.0,
    seed: int = 0,
) -> Scenario:
    """A scenario that is exactly an M/M/c queue per node: one request a session, 1 s service."""
    return Scenario(
        arrival_rate=arrival_rate,
        requests_per_session=1,
        service_time=1.0,
        think_time=0.0,
        nodes=nodes,
        workers=workers,
        balancer=balancer,
        affinity="none",
        duration=duration,
        warmup=warmup,
        sample_interval=5.0,
        seed=seed,
    )


def assert_interval_covers(values, expected, level: float, max_half_width: float) -> None:
    """The Student-t interval of the mean of ``values`` covers ``expected`` and is narrow.

    The width bound keeps a noisy measurement from passing by being vague.
    """
    from statelab.runs.confidence import interval

    low, mean, high = interval(values, level)
    assert low <= expected <= high, (
        f"{level:.1%} interval [{low:.4f}, {high:.4f}] (mean {mean:.4f}) misses {expected:.4f}"
    )
    assert (high - low) / 2 <= max_half_width, f"interval [{low}, {high}] too wide to mean much"


def lost_shares(scenario: Scenario, at: float, seeds) -> list[float]:
    """Per seed: the share of the sessions active at ``at`` seconds that lost their state."""
    from statelab import simulate

    shares = []
    for seed in seeds:
        active = simulate(scenario.replace(seed=seed)).active_at(at)
        shares.append(float(active["lost_state"].mean()))
    return shares


@pytest.fixture
def root() -> Path:
    """The top folder of the repository."""
    return ROOT


def assert_conserved(result) -> None:
    """Every request attempt ends in exactly one outcome or is in flight; the tables agree."""
    from statelab.sim.result import OUTCOMES

    requests, sessions, timeline = result.requests, result.sessions, result.timeline
    scenario = result.scenario
    assert requests["outcome"].notna().all()
    assert set(requests["outcome"].unique()) <= set(OUTCOMES)
    # each session's attempts are all in the requests table, once
    per_session = requests.groupby("session").size()
    assert per_session.sum() == sessions["requests"].sum() == len(requests)
    assert (
        per_session.reindex(sessions["session"], fill_value=0).values == sessions["requests"].values
    ).all()
    assert sessions["session"].is_unique
    # times are ordered where they exist; only in-flight requests lack an end
    in_flight = requests["outcome"] == "in_flight"
    assert requests.loc[in_flight, "end"].isna().all()
    assert requests.loc[~in_flight, "end"].notna().all()
    started = requests["start"].notna()
    assert (requests.loc[started, "start"] >= requests.loc[started, "arrival"]).all()
    done = started & ~in_flight
    assert (requests.loc[done, "end"] >= requests.loc[done, "start"]).all()
    assert (requests["arrival"] < scenario.duration).all()
    served = requests["outcome"].isin(["ok", "state_lost"])
    assert requests.loc[served, "start"].notna().all()
    assert (requests.loc[served, "node"] >= 0).all()
    # attempts are numbered 1, 2, ... and a retry follows only a failed attempt
    assert ((requests["attempt"] >= 1) & (requests["attempt"] <= scenario.retries + 1)).all()
    ordered = requests.sort_values("session", kind="stable")  # keeps time order in a session
    before = ordered.groupby("session")[["attempt", "outcome"]].shift(1)
    retry = ordered["attempt"] > 1
    assert (before.loc[retry, "attempt"] == ordered.loc[retry, "attempt"] - 1).all()
    assert (before.loc[retry, "outcome"] == "failed").all()
    # a failed attempt is retried, or the shopper gives up (retries used up), or the run
    # ended while the retry was due (the session is then unfinished)
    after = ordered.groupby("session")["attempt"].shift(-1)
    unanswered = (ordered["outcome"] == "failed") & (after != ordered["attempt"] + 1)
    last_try = ordered["attempt"] == scenario.retries + 1
    assert int((unanswered & last_try).sum()) == result.gave_up()
    pending = ordered.loc[unanswered & ~last_try, "session"]
    assert set(pending) <= set(sessions.loc[sessions["end"].isna(), "session"])
    # at most one request in flight per session, and only for unfinished sessions
    open_sessions = set(sessions.loc[sessions["end"].isna(), "session"])
    flying = requests.loc[in_flight, "session"]
    assert flying.is_unique and set(flying) <= open_sessions
    # the summary adds up
    summary = result.summary()
    assert summary["requests"] == sum(
        summary[k] for k in ("ok", "state_lost", "failed", "in_flight")
    )
    assert summary["sessions_lost"] == sum(
        v for k, v in summary.items() if k.startswith("sessions_lost_")
    )
    # lost sessions carry a cause, and served-without-state requests belong to lost sessions
    lost = sessions[sessions["lost_state"]]
    assert (lost["lost_cause"] != "").all()
    state_lost = set(requests.loc[requests["outcome"] == "state_lost", "session"])
    assert state_lost == set(lost["session"])
    # the timeline agrees with the records
    n = scenario.max_nodes()
    for k in range(n):
        assert (timeline[f"busy_{k}"] <= scenario.workers).all()
    assert ((timeline["nodes_up"] >= 0) & (timeline["nodes_up"] <= n)).all()
    assert timeline["sessions_lost"].is_monotonic_increasing
    assert timeline["sessions_lost"].iloc[-1] == len(lost)
    assert timeline["time"].is_monotonic_increasing
    assert timeline["time"].iloc[-1] == scenario.duration


def pytest_collection_modifyitems(config, items):
    """Run the browser tests last: playwright keeps an event loop running while they run,
    which the other tests (the Lab's update loop among them) must not see."""
    items.sort(key=lambda item: "tests/browser/" in str(item.fspath).replace("\\", "/"))
