"""Playback: the animated view's payload holds the run exactly, and shows what the timeline saw.

- the payload decodes to the run's requests, sessions, losses and cart moves, value for
  value (NaN where the tables have NaN), and a reader that follows ``meta["columns"]``
  alone reads the same columns;
- :func:`state_at` at every sample time equals the row of ``result.timeline``;
- the payload stays within 40 bytes a request for runs of 5,000 requests and more;
- the moved counts of hashing changes equal a direct count with the affinity's own hash
  code and the nodes the simulation really sent those clients to, and match theory.
"""

from __future__ import annotations

import json
import math
from functools import cache

import numpy as np
import pytest

from statelab import Crash, Restart, ScaleTo, Scenario, StoreOutage, simulate, theory
from statelab.sim.affinity import HashRing, client_key
from statelab.sim.records import LOST_CAUSES, STATUS_CODES
from statelab.view import playback

#: Sample times these tests compare at (every row of the timeline).
ROUND_TRIP = (
    "calm_day",
    "crash",
    "naive_scale_out",
    "consistent_scale_out",
    "replicated_crash",
    "store_outage",
    "cookie_cart",
)
TIMELINE = (
    "calm_day",
    "crash",
    "naive_scale_out",
    "rehash",
    "replicated_crash",
    "store_outage",
    "autoscale_spike",
    "random_failures",
)


def slow_shop(**changes) -> Scenario:
    """Clients that give up after 1 s on a busy cluster, and retry: timeouts, duplicates."""
    base = Scenario(
        state="store",
        affinity="none",
        client_timeout=1.0,
        retries=2,
        service_time=0.25,
        arrival_rate=4.0,
        think_time=2.0,
        duration=150.0,
    )
    return base.replace(**changes)


#: Scenarios that exercise the late block: timeouts, a busy store, crashes during both.
#: Their events, and the timeouts and store calls that follow them, fall between sample
#: times (see test_a_tie_with_a_sample_is_the_state_after).
EXTRA = {
    "timeouts_store": slow_shop(),
    "timeouts_server_crash": slow_shop(
        state="server",
        affinity="sticky",
        idempotency_keys=True,
        events=(Crash(node=1, at=60.25), Restart(node=1, at=90.25)),
    ),
    "busy_store": Scenario(
        state="store",
        affinity="none",
        store_latency=0.04,
        store_workers=2,
        arrival_rate=8.0,
        client_timeout=0.5,
        retries=1,
        duration=90.0,
        events=(Crash(node=1, at=40.25), StoreOutage(at=60.25, duration=5.0)),
    ),
    "no_affinity_scale_in": Scenario(
        nodes=4,
        affinity="none",
        duration=90.0,
        events=(ScaleTo(nodes=2, at=40.5, drain=10.0, mode="sticky"), ScaleTo(nodes=4, at=70.5)),
    ),
}


@cache
def run(name: str):
    scenario = EXTRA[name] if name in EXTRA else Scenario.load(name)
    result = simulate(scenario)
    return result, playback.decode(playback.payload(result))


def timeline_state(result, row) -> dict:
    """The timeline's row in the shape of state_at."""
    n = result.scenario.max_nodes()
    return {
        "busy": [int(row[f"busy_{k}"]) for k in range(n)],
        "queued": [int(row[f"queued_{k}"]) for k in range(n)],
        "carts": [int(row[f"carts_{k}"]) for k in range(n)],
        "status": [STATUS_CODES[row[f"status_{k}"]] for k in range(n)],
        "lost": [int(row[f"lost_{k}"]) for k in range(n)],
        "sessions_lost": int(row["sessions_lost"]),
        "lost_by_cause": {cause: int(row[f"sessions_lost_{cause}"]) for cause in LOST_CAUSES},
        "active_sessions": int(row["active_sessions"]),
        "store_busy": int(row["store_busy"]),
        "store_queued": int(row["store_queued"]),
    }


def differences(result, decoded) -> list[str]:
    found = []
    for _, row in result.timeline.iterrows():
        state = playback.state_at(decoded, row["time"])
        for key, value in timeline_state(result, row).items():
            if state[key] != value:
                found.append(f"t={row['time']}: {key} {state[key]} != {value}")
    return found


# -- the payload holds the run exactly ---------------------------------------------------


@pytest.mark.parametrize("name", [*ROUND_TRIP, *EXTRA])
def test_the_payload_decodes_to_the_runs_tables_exactly(name):
    result, decoded = run(name)
    requests, r = result.requests, decoded["requests"]
    assert len(r["arrival"]) == len(requests) > 0
    for column in ("session", "request", "attempt", "node", "arrival", "start", "end", "done"):
        np.testing.assert_array_equal(r[column], requests[column].to_numpy(), err_msg=column)
    np.testing.assert_array_equal(r["outcome"], requests["outcome"].cat.codes.to_numpy())
    np.testing.assert_array_equal(r["applied"], requests["applied"].to_numpy())
    np.testing.assert_array_equal(r["duplicate"], requests["duplicate"].to_numpy())
    sessions, s = result.sessions, decoded["sessions"]
    for column in ("session", "start", "end"):
        np.testing.assert_array_equal(s[column], sessions[column].to_numpy(), err_msg=column)
    assert list(s["lost_cause"]) == list(sessions["lost_cause"])
    losses = result.losses
    assert list(decoded["losses"]["session"]) == list(losses["session"])
    np.testing.assert_array_equal(decoded["losses"]["time"], losses["time"].to_numpy())
    np.testing.assert_array_equal(decoded["losses"]["node"], losses["node"].to_numpy())
    # the cart log follows from the moved bit: the same moves as the model made
    moves, model_moves = decoded["moves"], result.cart_moves
    assert np.all(np.diff(moves["time"]) >= 0)
    ours = sorted(zip(moves["time"], moves["session"], moves["node"], strict=True))
    theirs = sorted(model_moves.itertuples(index=False, name=None))
    assert ours == theirs
    assert (len(theirs) > 0) == (result.scenario.state in ("server", "replicated"))


def test_the_timeout_runs_have_what_the_late_block_is_for():
    """Not a vacuous round trip: duplicates, late rows of both kinds, and a busy store."""
    result, decoded = run("timeouts_store")
    assert result.summary()["duplicate_items"] > 0
    late = decoded["late"]
    assert len(late["row"]) > 0
    requests = result.requests
    timed_out = requests["outcome"] == "timed_out"
    started = requests["start"].notna()
    # a late row's done differs from its end: the node went on after the client gave up
    assert (requests["done"] > requests["end"])[timed_out & started].all()
    busy, _ = run("busy_store")
    assert busy.timeline["store_queued"].max() > 0
    assert np.isnan(run("busy_store")[1]["late"]["queued_from"]).any()  # cut short at the store


@pytest.mark.parametrize("name", ["calm_day", "consistent_scale_out", "timeouts_store"])
def test_a_reader_that_follows_the_meta_reads_the_same_columns(name):
    result = run(name)[0]
    data = playback.payload(result)
    meta = data["meta"]
    json.dumps(meta, allow_nan=False)  # plain JSON: no NaN, no numpy numbers
    types = {"f64": "<f8", "i32": "<i4", "u32": "<u4", "i8": "i1", "u8": "u1"}
    decoded = playback.decode(data)
    for block, columns in meta["columns"].items():
        rows = meta["counts"][block]
        assert sum(np.dtype(types[t]).itemsize for _, t, _ in columns) * rows == len(data[block])
        for column, dtype, offset in columns:
            assert offset % np.dtype(types[dtype]).itemsize == 0  # a typed array fits
            read = np.frombuffer(data[block], types[dtype], count=rows, offset=offset)
            np.testing.assert_array_equal(read, decoded[block][column])
    assert [e["at"] for e in meta["events"]] == sorted(e["at"] for e in meta["events"])
    assert meta["outcomes"][0] == "ok" and meta["store"] == (meta["state"] == "store")


# -- state_at is what the timeline saw ------------------------------------------------------


@pytest.mark.parametrize("name", TIMELINE)
def test_state_at_every_sample_time_equals_the_timeline(name):
    result, decoded = run(name)
    assert not differences(result, decoded)
    # not vacuous: the run has things going on to get right
    timeline = result.timeline
    assert timeline["busy"].max() > 0
    if result.scenario.state in ("server", "replicated"):
        assert timeline["carts"].max() > 0


@pytest.mark.parametrize("name", list(EXTRA))
def test_state_at_every_sample_time_equals_the_timeline_with_timeouts_and_a_store(name):
    result, decoded = run(name)
    assert not differences(result, decoded)


def test_a_tie_with_a_sample_is_the_state_after():
    """An event at exactly a sample time, with consequences at the same instant (a client
    that stopped waiting sees its attempt fail, retries, and gives up again
    ``client_timeout`` seconds later, on another sample time): the timeline samples after
    every other event of that moment, so it shows the state after all of it, as
    state_at does."""
    scenario = slow_shop(state="server", affinity="sticky", events=(Crash(node=1, at=60.0),))
    result = simulate(scenario)
    decoded = playback.decode(playback.payload(result))
    assert result.losses["time"].eq(60.0).any() or result.node_changes["time"].eq(60.0).any()
    assert not differences(result, decoded)
    just_after = playback.state_at(decoded, math.nextafter(60.0, math.inf))
    assert playback.state_at(decoded, 60.0) == just_after


def test_state_at_takes_the_payload_itself_and_counts_so_far():
    result, decoded = run("crash")
    data = playback.payload(result)
    end = result.scenario.duration
    assert playback.state_at(data, 65.0) == playback.state_at(decoded, 65.0)
    so_far = playback.state_at(decoded, end)["so_far"]
    counts = result.requests["outcome"].value_counts()
    for outcome in ("ok", "state_lost", "failed"):
        assert so_far[outcome] == counts.get(outcome, 0)
    assert so_far["in_flight"] == 0  # in flight: never ended
    assert so_far["sessions_lost"] == result.sessions["lost_state"].sum() > 0
    before = playback.state_at(decoded, 59.0)["so_far"]
    assert before["sessions_lost"] == 0 and before["ok"] < so_far["ok"]


# -- size -------------------------------------------------------------------------------------


def payload_bytes(data: dict) -> int:
    return len(json.dumps(data["meta"])) + sum(len(v) for k, v in data.items() if k != "meta")


@pytest.mark.parametrize(
    "scenario",
    [
        Scenario.load("calm_day").replace(duration=180.0),
        Scenario.load("crash").replace(duration=180.0, events=(Crash(node=1, at=90.0),)),
        Scenario.load("consistent_scale_out"),
        Scenario.load("replicated_crash").replace(duration=180.0),
        Scenario.load("store_outage").replace(duration=150.0),
    ],
    ids=["calm", "crash", "consistent_hash", "replicated", "store"],
)
def test_the_payload_is_at_most_40_bytes_a_request(scenario):
    result = simulate(scenario)
    assert result.request_count >= 5_000
    assert payload_bytes(playback.payload(result)) <= 40 * result.request_count


# -- hashing ------------------------------------------------------------------------------


def direct_node(scenario, key: int, nodes: list[int], configured: list[int]) -> int:
    """Where the scenario's affinity sends ``key`` when ``nodes`` are up, written out here
    from statelab.sim.affinity's description."""
    if scenario.affinity == "source_hash":
        return nodes[key % len(nodes)]
    if scenario.affinity == "ip_hash":
        for _ in range(20):
            node = configured[key % len(configured)]
            if node in nodes:
                return node
            key = (key * 113 + 6271) % 2**64
        return -1
    points = sorted(
        (point, k) for k in nodes for point in HashRing(scenario.seed, 100).node_points(k)
    )
    later = [k for point, k in points if point >= key]
    return later[0] if later else points[0][1]


HASHING = {
    "naive_scale_out": ([0, 1, 2, 3], [0, 1, 2, 3, 4], [0, 1, 2, 3, 4]),
    "consistent_scale_out": ([0, 1, 2, 3], [0, 1, 2, 3, 4], [0, 1, 2, 3, 4]),
    "rehash": ([0, 1, 2, 3], [0, 2, 3], [0, 1, 2, 3]),
    "ip_hash_crash": ([0, 1, 2, 3], [0, 2, 3], [0, 1, 2, 3]),
}


@pytest.mark.parametrize("name", list(HASHING))
def test_hashing_moves_are_counted_with_the_affinitys_own_hash(name):
    if name == "ip_hash_crash":
        scenario = Scenario.load("rehash").replace(affinity="ip_hash")
    else:
        scenario = Scenario.load(name)
    result = simulate(scenario)
    (change,) = playback.payload(result)["meta"]["hashing"]["changes"]
    before, after, configured = HASHING[name]
    at = change["at"]
    sessions = result.active_at(at)
    keys = {s: client_key(scenario.seed, s) for s in sessions["session"]}
    moved = {
        s
        for s, key in keys.items()
        if direct_node(scenario, key, before, before)
        != direct_node(scenario, key, after, configured)
    }
    assert change["keys"] == len(keys) > 50
    assert change["moved"] == len(moved) > 0
    assert set(change["sessions"]) == moved  # the sessions the view highlights
    # and the simulation sent them there: each active client's first attempt after the change
    requests = result.requests
    later = requests[(requests["arrival"] > at) & requests["session"].isin(keys)]
    first = later.groupby("session").first()
    assert len(first) > 0.8 * len(keys)
    for session, node in first["node"].items():
        assert node == direct_node(scenario, keys[session], after, configured)


@pytest.mark.parametrize(
    "affinity, event",
    [
        ("ip_hash", ScaleTo(nodes=5, at=60.0)),
        ("ip_hash", Crash(node=1, at=60.0)),
        ("source_hash", Crash(node=1, at=60.0)),
        ("consistent_hash", ScaleTo(nodes=5, at=60.0)),
        ("consistent_hash", Crash(node=1, at=60.0)),
    ],
)
def test_hashing_moves_match_theory_in_a_big_run(affinity, event):
    """About 1,000 active clients. Tolerance: 4 standard deviations of the share, from the
    binomial noise of K clients, p(1 - p) / K, plus, on a ring, the spread of the arcs a
    node gains or loses: a node owns ``vnodes`` arcs of about 1 / (N vnodes) each, so its
    share has a standard deviation of about 1 / (N sqrt(vnodes))."""
    scenario = Scenario(
        nodes=4,
        affinity=affinity,
        arrival_rate=25.0,
        think_time=8.0,
        workers=8,
        duration=62.0,
        events=(event,),
    )
    (change,) = playback.payload(simulate(scenario))["meta"]["hashing"]["changes"]
    share, keys = change["moved"] / change["keys"], change["keys"]
    expected = theory.hashed_moved(
        affinity, 4, 5 if isinstance(event, ScaleTo) else 3, crash=isinstance(event, Crash)
    )
    assert change["theory"] == pytest.approx(expected)
    variance = expected * (1 - expected) / keys
    if affinity == "consistent_hash":
        variance += (1 / (5 * math.sqrt(scenario.vnodes))) ** 2
    assert keys > 800
    assert abs(share - expected) <= 4 * math.sqrt(variance)


# -- the charts' data -----------------------------------------------------------------------


def check_panels(result, panels) -> None:
    """``panels`` holds the timeline and the windows of ``result`` at the points it keeps."""
    timeline = result.timeline
    times = timeline["time"].to_numpy()
    rows = np.searchsorted(times, panels["times"])
    assert len(rows) == len(panels["times"]) <= playback.PANEL_POINTS
    np.testing.assert_array_equal(times[rows], panels["times"])
    assert rows[0] == 0 and rows[-1] == len(times) - 1  # the whole run, first to last sample
    np.testing.assert_array_equal(timeline["active_sessions"].to_numpy()[rows], panels["active"])
    happened = {c for c in LOST_CAUSES if timeline[f"sessions_lost_{c}"].iloc[-1] > 0}
    assert set(panels["lost"]) == happened
    for cause, counts in panels["lost"].items():
        np.testing.assert_array_equal(
            timeline[f"sessions_lost_{cause}"].to_numpy()[rows], counts, err_msg=cause
        )
    windows = panels["windows"]
    width = max(result.scenario.sample_interval, result.scenario.duration / 60)
    assert windows["width"] == width
    expected = result.windows(width)
    assert windows["time"] == expected["time"].tolist()
    for name in ("p50", "p95", "p99"):
        column = expected[f"latency_{name}"].to_numpy()
        assert [None if v != v else v for v in column] == windows[name], name
    json.dumps(panels, allow_nan=False)  # plain JSON: no NaN


@pytest.mark.parametrize("name", ["crash", "naive_scale_out", "store_outage", "cookie_cart"])
def test_the_panels_hold_the_timeline_and_the_windows(name):
    result, decoded = run(name)
    panels = decoded["meta"]["panels"]
    assert len(panels["times"]) == len(result.timeline)  # short runs: every sample
    check_panels(result, panels)
    assert panels["lost"] or result.summary()["sessions_lost"] == 0


def test_a_stateless_run_has_no_lost_lines():
    result = simulate(Scenario(state="store", affinity="none", duration=30.0, seed=2))
    panels = playback.payload(result)["meta"]["panels"]
    assert panels["lost"] == {}
    check_panels(result, panels)


def test_the_panels_of_a_long_run_are_thinned_evenly_and_stay_small():
    scenario = Scenario.load("crash").replace(
        duration=900.0, events=(Crash(node=1, at=450.0), Restart(node=1, at=600.0))
    )
    result = simulate(scenario, limit=None)
    panels = playback.payload(result)["meta"]["panels"]
    assert len(result.timeline) > playback.PANEL_POINTS == len(panels["times"])
    steps = np.diff(panels["times"])
    assert steps.min() >= 1.0 and steps.max() <= 2.0  # evenly spread, 1 or 2 samples apart
    check_panels(result, panels)
    assert len(json.dumps(panels)) < 40_000
    assert len(panels["windows"]["time"]) == 60


def test_a_request_that_reached_no_node_is_at_none_while_it_fails():
    """A real run's request refused by a dead node it was sent to takes a moment to fail, and
    has no node (-1): state_at counts it at no node (as the view's state.js skips it), where
    it used to index the node counts with -1 and fail."""
    data = playback.decode(playback.payload(simulate(Scenario(duration=30.0, nodes=3))))
    r = data["requests"]
    i = int(np.flatnonzero(r["outcome"] == 0)[len(r["node"]) // 2])  # one served midway
    at = float(r["arrival"][i])  # in line or at work, counted once
    before = playback.state_at(data, at)
    r["node"][i] = -1  # now it reached no node, and failed only at its end
    r["start"][i] = math.nan
    after = playback.state_at(data, at)
    assert (
        sum(after["busy"]) + sum(after["queued"]) == sum(before["busy"]) + sum(before["queued"]) - 1
    )
