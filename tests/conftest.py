"""Shared helpers for the statelab tests: scenarios, strategies, checks and fakes.

Matplotlib draws off screen (Agg) in every test; pytest loads this file before any test
module, so it is set here, once.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import time
from pathlib import Path

import matplotlib

# Importing ipympl (test_canvas does, and a dashboard in a kernel) makes it pyplot's
# backend: import it first, so that Agg, set next, stays the backend of every test.
with contextlib.suppress(ImportError):
    import ipympl  # noqa: F401
matplotlib.use("Agg")

import numpy as np
import pytest
from hypothesis import strategies as st
from xdist_groups import group_and_order

from statelab import (
    Autoscale,
    Crash,
    RandomFailures,
    Restart,
    ScaleTo,
    Scenario,
    StoreOutage,
    simulate,
)
from statelab.sim.scenario import (
    AFFINITIES,
    BALANCERS,
    SESSION_LENGTHS,
    STATE_LOCATIONS,
    STORE_UPDATES,
)

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


@st.composite
def scenarios(draw):
    """A Hypothesis strategy: any valid scenario, with events, failures and autoscaling."""
    nodes = draw(st.integers(1, 6))
    duration = draw(st.floats(5.0, 60.0))
    at = st.floats(0.0, duration, exclude_max=True)
    scalings = draw(
        st.lists(
            st.builds(
                ScaleTo,
                st.integers(1, 6),
                at,
                st.sampled_from([0.0, 3.0]),
                st.sampled_from([None, "in_flight", "sticky"]),
            ),
            max_size=2,
        )
    )
    autoscale = draw(
        st.none()
        | st.builds(
            Autoscale,
            target=st.floats(0.2, 0.9),
            min_nodes=st.just(1),
            max_nodes=st.integers(6, 8),
            interval=st.floats(1.0, 10.0),
            boot_time=st.floats(0.0, 5.0),
            scale_down_window=st.floats(0.0, 20.0),
            drain=st.sampled_from([0.0, 2.0]),
            mode=st.sampled_from(["in_flight", "sticky"]),
        )
    )
    base = Scenario(nodes=nodes, duration=duration, events=tuple(scalings), autoscale=autoscale)
    events = list(scalings)
    for kind, node, when in draw(
        st.lists(st.tuples(st.sampled_from([Crash, Restart]), st.integers(0, 5), at), max_size=4)
    ):
        size = autoscale.max_nodes if autoscale else base.nodes_at(when)[0]
        events.append(kind(node % size, when))
    events += draw(
        st.lists(
            st.builds(StoreOutage, at, st.floats(0.5, 10.0), st.sampled_from(["down", "hang"])),
            max_size=2,
        )
    )
    state = draw(st.sampled_from(STATE_LOCATIONS))
    return Scenario(
        failures=draw(
            st.none() | st.builds(RandomFailures, st.floats(2.0, 50.0), st.floats(1.0, 10.0))
        ),
        autoscale=autoscale,
        health_check_delay=draw(st.sampled_from([0.0, 1.0])),
        retries=draw(st.integers(0, 3)),
        retry_backoff=(backoff := draw(st.sampled_from([0.0, 0.3]))),
        retry_jitter=draw(st.sampled_from([None, "full"])) if backoff else None,
        retry_backoff_cap=draw(st.sampled_from([30.0, 0.5])),
        retry_budget=draw(st.sampled_from([None, None, 0.0, 0.2])),
        client_timeout=draw(st.sampled_from([None, None, 0.3, 1.5])),
        write_at=draw(st.sampled_from([1.0, 1.0, 0.0, 0.5])),
        idempotency_keys=draw(st.booleans()),
        cookie_limit=draw(st.sampled_from([300, 4096])),
        store_persistent=draw(st.booleans()),
        arrival_rate=draw(st.floats(0.2, 20.0)),
        requests_per_session=draw(st.integers(1, 8)),
        session_length=draw(st.sampled_from(SESSION_LENGTHS)),
        think_time=draw(st.sampled_from([0.0, 0.5, 2.0])),
        service_time=draw(st.floats(0.01, 2.0)),
        nodes=nodes,
        workers=draw(st.integers(1, 4)),
        balancer=draw(st.sampled_from(BALANCERS)),
        affinity=draw(st.sampled_from(AFFINITIES)),
        vnodes=draw(st.integers(1, 50)),
        state=state,
        tabs=draw(st.sampled_from([1, 1, 2, 3])),
        store_update=draw(st.sampled_from(STORE_UPDATES)) if state == "store" else "atomic",
        store_workers=draw(st.integers(1, 4)),
        store_latency=draw(st.sampled_from([0.0, 0.01, 0.5])),
        events=tuple(events),
        duration=duration,
        warmup=draw(st.floats(0.0, duration / 2)),
        sample_interval=draw(st.sampled_from([0.5, 1.0, 2.5])),
        seed=draw(st.integers(0, 2**32)),
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
    shares = []
    for seed in seeds:
        active = simulate(scenario.replace(seed=seed)).active_at(at)
        shares.append(float(active["lost_state"].mean()))
    return shares


def fingerprint(result) -> str:
    """A digest of every frame and the summary, to the last bit of every float.

    (The back-tests keep readable numbers instead: ``record_expected.fingerprint``.)
    """
    digest = hashlib.sha256()
    for frame in (result.requests, result.sessions, result.timeline):
        digest.update(frame.to_csv(float_format="%r").encode())
    digest.update(repr(sorted(result.summary().items())).encode())
    return digest.hexdigest()


class CountingSimulate:
    """A ``simulate`` for ``Lab(simulate=...)`` that counts its calls, optionally slow."""

    def __init__(self, delay: float = 0.0):
        self.calls = []
        self.delay = delay

    def __call__(self, scenario, limit=None):
        self.calls.append(scenario)
        time.sleep(self.delay)
        return simulate(scenario, limit=limit)


@pytest.fixture(scope="session")
def preset_run():
    """The run of a preset (``preset_run("crash")``), made once a worker and shared by every
    test that reads it: a test must not change the frames it gets."""
    runs: dict[str, object] = {}

    def run(name: str):
        if name not in runs:
            runs[name] = simulate(Scenario.load(name))
        return runs[name]

    return run


@pytest.fixture
def root() -> Path:
    """The top folder of the repository."""
    return ROOT


def notebook_cells(path: Path) -> list[tuple[str, str]]:
    """A notebook's cells as (kind, source text), in order."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    return [(c["cell_type"], "".join(c["source"])) for c in notebook["cells"]]


def index_of(cells: list[tuple[str, str]], text: str, kind: str = "code") -> int:
    """The index of the one ``kind`` cell whose source holds ``text`` (asserted unique)."""
    found = [i for i, (k, source) in enumerate(cells) if k == kind and text in source]
    assert len(found) == 1, f"{text!r} in {len(found)} {kind} cells"
    return found[0]


def assert_conserved(result) -> None:
    """Every request attempt ends in exactly one outcome or is in flight; the tables agree."""
    from statelab.sim.records import LOST_CAUSES, OUTCOMES

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
    done = started & ~in_flight & (requests["outcome"] != "timed_out")
    assert (requests.loc[done, "end"] >= requests.loc[done, "start"]).all()
    finished = started & requests["done"].notna()
    assert (requests.loc[finished, "done"] >= requests.loc[finished, "start"]).all()
    assert (requests["arrival"] < scenario.duration).all()
    served = requests["outcome"].isin(["ok", "state_lost"])
    assert requests.loc[served, "start"].notna().all()
    assert (requests.loc[served, "node"] >= 0).all()
    # attempts are numbered 1, 2, ... and a retry follows only a failed attempt
    assert ((requests["attempt"] >= 1) & (requests["attempt"] <= scenario.retries + 1)).all()
    # (a request's attempts in the order they were sent; a session's tabs interleave)
    ordered = requests.sort_values(["session", "request", "attempt"], kind="stable")
    by_request = ordered.groupby(["session", "request"])
    before = by_request[["attempt", "outcome"]].shift(1)
    retry = ordered["attempt"] > 1
    assert (before.loc[retry, "attempt"] == ordered.loc[retry, "attempt"] - 1).all()
    assert before.loc[retry, "outcome"].isin(["failed", "timed_out"]).all()
    # a failed (or timed-out) attempt is retried, or the shopper gives up (retries used
    # up), or the run ended while the retry was due (the session is then unfinished)
    after = by_request["attempt"].shift(-1)
    unanswered = ordered["outcome"].isin(["failed", "timed_out"]) & (
        after != ordered["attempt"] + 1
    )
    last_try = ordered["attempt"] == scenario.retries + 1
    refused = result.retries_refused()  # a retry budget gives a request up before its last try
    assert int((unanswered & last_try).sum()) + refused == result.gave_up()
    pending = ordered.loc[unanswered & ~last_try, "session"]
    if scenario.retry_budget is None:
        assert refused == 0
        assert set(pending) <= set(sessions.loc[sessions["end"].isna(), "session"])
    else:
        assert len(pending) >= refused
    # at most one request in flight per tab of a session, and only for unfinished sessions
    open_sessions = set(sessions.loc[sessions["end"].isna(), "session"])
    flying = requests.loc[in_flight, "session"]
    assert flying.value_counts().le(scenario.tabs).all() and set(flying) <= open_sessions
    # the node's side: served attempts end when the node is done; one the client gave up
    # on ends for it first; an applied attempt wrote its change (when its work ended, unless
    # write_at is earlier); a duplicate is applied
    assert (requests.loc[served, "done"] == requests.loc[served, "end"]).all()
    timed_out = requests["outcome"] == "timed_out"
    assert not (requests.loc[timed_out, "done"] < requests.loc[timed_out, "end"]).any()
    assert scenario.client_timeout is not None or not timed_out.any()
    if scenario.write_at == 1.0 or scenario.state == "cookie":  # written when the work ends
        assert requests.loc[requests["applied"], "done"].notna().all()
    assert (requests["duplicate"] <= requests["applied"]).all()
    # duplicates: none with keys or in a cookie; else every extra application of a request
    # to a cart that was not lost in between
    duplicates = requests.groupby("session")["duplicate"].sum()
    by_session = sessions.set_index("session")["duplicate_items"]
    assert (duplicates.reindex(by_session.index, fill_value=0) == by_session).all()
    if scenario.idempotency_keys or scenario.state == "cookie":
        assert by_session.sum() == 0
    else:
        applied = requests[requests["applied"]].groupby(["session", "request"]).size() - 1
        extra = applied.groupby(level="session").sum()
        # (a lost update overwrote an item: its re-add is not a second copy in the cart)
        overwritten = set(result.lost_updates()["session"])
        kept = sessions.loc[
            ~sessions["lost_state"] & ~sessions["session"].isin(overwritten), "session"
        ]
        assert (extra.reindex(kept, fill_value=0) == by_session.reindex(kept)).all()
    # the summary counts what the tables hold, from the warm-up on
    summary = result.summary()
    counted = requests[requests["arrival"] >= scenario.warmup]
    assert summary["requests"] == len(counted)
    for outcome in OUTCOMES:
        assert summary[outcome] == int((counted["outcome"] == outcome).sum()), outcome
    started_later = sessions[sessions["start"] >= scenario.warmup]
    assert summary["sessions"] == len(started_later)
    assert summary["sessions_lost"] == int(started_later["lost_state"].sum())
    assert summary["duplicate_items"] == int(started_later["duplicate_items"].sum())
    assert summary["items_not_kept"] == int(started_later["items_not_kept"].sum())
    # lost updates: only where two writes of one cart can overlap, each overwriting some
    lost_updates = result.lost_updates()
    assert (lost_updates["items"] != 0).all()
    assert (lost_updates.groupby("session")["items"].sum() >= 0).all()  # net: lost for good
    assert set(lost_updates["session"]) <= set(sessions["session"])
    counted_lost = lost_updates[lost_updates["session"].isin(started_later["session"])]
    assert summary["lost_updates"] == int(counted_lost["items"].sum())
    can_overlap = scenario.tabs > 1 or scenario.client_timeout is not None
    if not (can_overlap and (scenario.state == "cookie" or scenario.store_update != "atomic")):
        assert lost_updates.empty
    for cause in LOST_CAUSES:
        by_table = int((started_later["lost_cause"] == cause).sum())
        assert summary[f"sessions_lost_{cause}"] == by_table, cause
    # lost sessions carry a known cause, and served-without-state requests belong to them
    lost = sessions[sessions["lost_state"]]
    assert set(lost["lost_cause"]) <= set(LOST_CAUSES)
    state_lost = requests[requests["outcome"] == "state_lost"]
    assert set(state_lost["session"]) <= set(lost["session"])
    # the ledger booked each lost session once, for its cause, when its first request
    # without the state was served: one the client saw (state_lost), or one it had given
    # up on (timed_out; the node found the state gone all the same)
    losses = result.losses.set_index("session").sort_index()
    assert losses.index.is_unique and list(losses.index) == sorted(lost["session"])
    assert (losses["cause"] == lost.set_index("session")["lost_cause"].sort_index()).all()
    first_seen = state_lost.groupby("session")["end"].min()
    seen = losses.index.isin(first_seen.index)
    assert (losses.loc[seen, "time"] <= first_seen.reindex(losses.index[seen])).all()
    if scenario.write_at == 1.0 or scenario.state == "cookie":  # written when the work ends
        unseen = requests[(requests["outcome"] == "timed_out") & requests["done"].notna()]
        times = set(zip(unseen["session"], unseen["done"], strict=True))
        times |= set(zip(state_lost["session"], state_lost["done"], strict=True))
        assert all((session, at) in times for session, at in losses["time"].items())
    else:  # written part way through the work: within an attempt's work, answered or not
        worked = requests[requests["start"].notna()].set_index("session")
        for session, at in losses["time"].items():
            rows = worked.loc[[session]]
            within = (rows["start"] <= at) & (at <= rows["done"].fillna(math.inf))
            assert within.any(), (session, at)
    # the timeline agrees with the records
    n = scenario.max_nodes()
    for k in range(n):
        assert (timeline[f"busy_{k}"] <= scenario.workers).all()
    assert timeline["sessions_lost"].is_monotonic_increasing
    assert timeline["sessions_lost"].iloc[-1] == len(lost)
    for cause in LOST_CAUSES:
        count = int((lost["lost_cause"] == cause).sum())
        assert timeline[f"sessions_lost_{cause}"].iloc[-1] == count, cause
    assert timeline["time"].is_monotonic_increasing
    assert timeline["time"].iloc[-1] == scenario.duration
    assert_statuses_follow_the_node_changes(result)


def assert_statuses_follow_the_node_changes(result) -> None:
    """Each node's status in the timeline, and the count of nodes up, replay the node
    changes: a node has the status of its last change (``"removed"`` before its first).

    Samples taken at the instant of a change are left out: they may see it or not yet.
    """
    timeline, changes = result.timeline, result.node_changes
    changes = changes.sort_values("time", kind="stable")
    clear = ~timeline["time"].isin(set(changes["time"]))
    times = timeline.loc[clear, "time"].to_numpy()
    up = np.zeros(len(times), dtype=int)
    for k in range(result.scenario.max_nodes()):
        mine = changes[changes["node"] == k]
        last = np.searchsorted(mine["time"].to_numpy(), times, side="right") - 1
        statuses = np.append(mine["status"].to_numpy(dtype=object), "removed")
        expected = statuses[last]  # index -1: no change yet, "removed"
        shown = timeline.loc[clear, f"status_{k}"].astype(str).to_numpy()
        assert (shown == expected).all(), f"node {k}"
        up += np.isin(expected, ["up", "draining"])
    assert (timeline.loc[clear, "nodes_up"].to_numpy() == up).all()


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(config, items):
    """Each browser test and real run in its group, the long tests first: see xdist_groups."""
    group_and_order(items)


def assert_holds_over_seeds(holds, answer, step, *, highest: bool) -> None:
    """A threshold exercise's solution, checked on its own runs over the course's seeds:
    ``holds(value, seed)`` is the exercise's property for one seed's run. The answer holds
    in at least 9 of the 10 seeds, and one step less safe (``answer + step`` when the
    exercise asks for the highest value that holds, else ``answer - step``) holds in at
    most 8: it is the tightest value that 9 seeds bear out."""
    from statelab.course.exercises import HOLDS_IN, THRESHOLD_SEEDS

    assert len(THRESHOLD_SEEDS) == 10 and HOLDS_IN == 9
    beyond = answer + step if highest else answer - step
    kept = sum(bool(holds(answer, seed)) for seed in THRESHOLD_SEEDS)
    assert kept >= 9, f"{answer} holds in {kept} of 10 seeds"
    kept_beyond = sum(bool(holds(beyond, seed)) for seed in THRESHOLD_SEEDS)
    assert kept_beyond <= 8, f"{beyond}, one step further, holds in {kept_beyond} of 10 seeds"
