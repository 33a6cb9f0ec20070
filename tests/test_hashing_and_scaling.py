"""Hashing, crashes and scaling events against statelab.theory.

Every test measures the share of the sessions *active* at the moment of the
event (start <= t < end) that lose their cart, once per seed, for 12 seeds.
Sessions last about 30 s, so 60 s after the event every one of them has
sent its next request and found out. Tolerance: the 99.9% Student-t interval
of the 12 per-seed shares must cover the theory value and be at most 0.06
wide on each side. The per-seed spread includes both the binomial noise of
about 250 active sessions and, for consistent hashing, how evenly the ring
(placed by the seed) happens to split the key space.

Why 12 seeds: one seed's share near 1/4 has a binomial standard deviation of
about sqrt(1/4 * 3/4 / 250) = 0.027, so the 99.9% interval's half-width over
12 seeds is about t(0.9995, 11) * 0.027 / sqrt(12) = 4.44 * 0.0079 = 0.035,
inside the 0.06 claimed with room for the ring's spread; 6 seeds would give
6.87 * 0.027 / sqrt(6) = 0.076, too wide to claim 0.06.

Why the event at 60 s: a session lasts about 26 s (6 requests, and between
them 5 think times drawn from an exponential of mean 5 s) and shoppers arrive
at a steady rate from time 0, so once nearly every session that can be active
has started, the sessions active at any moment are alike. Fewer than 1 in 100
sessions last over 60 s (five think times add up to more than 60 s with
chance P(Poisson(12) <= 4) = 0.008), so at 60 s the active sessions are,
to within a session or two of 250, those of any later moment. (Which node a
session is on, what each share counts, does not depend on its age anyway.)
The runs end 60 s after the event, when every active session has sent its
next request (a think time over 60 s has chance e^-12).
"""

from __future__ import annotations

import pytest
from conftest import assert_interval_covers, lost_shares

from statelab import Crash, Restart, ScaleTo, Scenario, simulate, theory

SEEDS = range(12)
LEVEL = 0.999
HALF_WIDTH = 0.06
N = 4
EVENT_AT = 60.0

pytestmark = pytest.mark.slow


def shop(**changes) -> Scenario:
    """About 250 active sessions at any time on N nodes, half idle, until 60 s after the event."""
    base = Scenario(
        nodes=N,
        workers=8,
        arrival_rate=10.0,
        requests_per_session=6,
        think_time=5.0,
        service_time=0.1,
        duration=EVENT_AT + 60.0,
    )
    return base.replace(**changes)


HASHES = ("ip_hash", "source_hash", "consistent_hash")


@pytest.mark.parametrize(
    ("affinity", "expected"),
    [
        ("sticky", theory.sticky_lost_on_crash(N)),
        ("ip_hash", 1 / N),  # nginx: over the configured nodes, only the dead node's clients
        ("source_hash", (N - 1) / N),  # HAProxy map-based: over the live nodes, a reshuffle
        ("consistent_hash", 1 / N),  # the ring: only the dead node's arcs
    ],
)
def test_crashing_one_of_n_stateful_nodes(affinity, expected):
    scenario = shop(affinity=affinity, events=(Crash(1, EVENT_AT),))
    assert_interval_covers(lost_shares(scenario, EVENT_AT, SEEDS), expected, LEVEL, HALF_WIDTH)
    if affinity != "sticky":
        assert theory.hashed_moved(affinity, N, N - 1, crash=True) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("affinity", "expected"),
    [
        ("sticky", 0.0),
        ("ip_hash", N / (N + 1)),  # a new configuration: a new modulus for everyone
        ("source_hash", N / (N + 1)),
        ("consistent_hash", 1 / (N + 1)),
    ],
)
def test_scaling_out_from_n_to_n_plus_one(affinity, expected):
    if affinity != "sticky":
        assert theory.hashed_moved(affinity, N, N + 1, crash=False) == pytest.approx(expected)
    scenario = shop(affinity=affinity, events=(ScaleTo(N + 1, EVENT_AT),))
    shares = lost_shares(scenario, EVENT_AT, SEEDS)
    if expected == 0.0:
        assert shares == [0.0] * len(SEEDS)
    else:
        assert_interval_covers(shares, expected, LEVEL, HALF_WIDTH)


@pytest.mark.parametrize("affinity", HASHES)
def test_scaling_in_from_n_to_n_minus_one_abruptly(affinity):
    expected = theory.hashed_moved(affinity, N, N - 1, crash=False)
    scenario = shop(affinity=affinity, events=(ScaleTo(N - 1, EVENT_AT),))
    assert_interval_covers(lost_shares(scenario, EVENT_AT, SEEDS), expected, LEVEL, HALF_WIDTH)


def test_a_crash_under_source_hash_names_both_causes():
    result = simulate(shop(affinity="source_hash", events=(Crash(1, EVENT_AT),)))
    summary = result.summary()
    # the crashed node's sessions lost their carts to the crash; the rest were moved by the rehash
    assert summary["sessions_lost_crash"] > 0
    assert summary["sessions_lost_rehash"] > 1.5 * summary["sessions_lost_crash"]  # 1/2 vs 1/4


def test_under_ip_hash_a_crash_moves_only_the_dead_nodes_clients_and_they_come_back():
    crash, back = Crash(1, 200.0), Restart(1, 250.0)
    result = simulate(shop(affinity="ip_hash", events=(crash, back), duration=360.0))
    requests = result.requests
    served = requests[requests["outcome"].isin(["ok", "state_lost"])]
    before = served[served["end"] < crash.at].groupby("session")["node"].last()
    during = served[(served["arrival"] > crash.at) & (served["end"] < back.at)]
    after = served[served["arrival"] > back.at + 1.0]
    # while node 1 is down, nobody else moves: every other client stays on its node
    moved = during[during["session"].isin(before.index)].drop_duplicates("session", keep="first")
    home = before.reindex(moved["session"]).to_numpy()
    assert len(moved) > 20
    assert ((moved["node"].to_numpy() == home) | (home == 1)).all()
    assert (during["node"] != 1).all()
    # once it is back, its clients go back to it: node 1 serves again, on the same hash
    assert (after["node"] == 1).sum() > 0.15 * len(after)
    lost = result.sessions.loc[result.sessions["lost_state"], "lost_cause"]
    assert set(lost) <= {"crash", "rehash"} and (lost == "crash").sum() > 0


@pytest.mark.parametrize("removed", [1, 2])
def test_abrupt_scale_in_of_k_of_n_loses_about_k_over_n(removed):
    scenario = shop(events=(ScaleTo(N - removed, EVENT_AT),))
    shares = lost_shares(scenario, EVENT_AT, SEEDS)
    assert_interval_covers(shares, removed / N, LEVEL, HALF_WIDTH)
    result = simulate(scenario)
    assert set(result.sessions.loc[result.sessions["lost_state"], "lost_cause"]) == {"scale_in"}
    assert result.timeline["nodes_up"].iloc[-1] == N - removed


def test_a_drain_longer_than_every_session_loses_none():
    calm = simulate(shop(duration=180.0))
    longest = float((calm.sessions["end"] - calm.sessions["start"]).max())
    drain = 1.5 * longest
    scenario = shop(events=(ScaleTo(N - 2, 100.0, drain=drain),), duration=100.0 + drain + 20)
    for seed in range(3):
        result = simulate(scenario.replace(seed=seed))
        assert result.summary()["sessions_lost"] == 0
        timeline = result.timeline.set_index("time")
        assert timeline.loc[101.0, "nodes_draining"] == 2
        assert timeline.loc[101.0, "nodes_up"] == N
        assert timeline["nodes_up"].iloc[-1] == N - 2
        # draining nodes take no new sessions: sessions that start later are never on them
        later = result.requests[
            result.requests["session"].isin(
                result.sessions.loc[result.sessions["start"] > 100.5, "session"]
            )
        ]
        assert not later["node"].isin([N - 2, N - 1]).any()


def test_a_short_drain_loses_the_sessions_still_there_when_the_nodes_leave():
    scenario = shop(events=(ScaleTo(N - 1, 60.0, drain=10.0),), duration=180.0)
    summary = simulate(scenario).summary()
    assert summary["sessions_lost_scale_in"] > 0


def test_scaling_back_out_brings_fresh_empty_nodes():
    scenario = shop(events=(ScaleTo(2, 100.0), ScaleTo(N, 200.0)), duration=300.0)
    result = simulate(scenario)
    timeline = result.timeline.set_index("time")
    assert timeline.loc[150.0, "nodes_up"] == 2 and timeline.loc[150.0, "carts_3"] == 0
    assert timeline.loc[250.0, "nodes_up"] == N and timeline.loc[250.0, "carts_3"] > 0
    statuses = result.node_changes.query("node == 3")["status"].tolist()
    assert statuses == ["up", "removed", "up"]


class Named:
    """A stand-in for a node: the ring only reads its ``index``."""

    def __init__(self, index):
        self.index = index


def test_hashes_are_stable_across_processes_and_seeds_move_the_ring():
    from statelab.sim.affinity import HashRing, client_key, stable_hash

    # fixed values (64-bit BLAKE2b): a change of hash function would silently change
    # every result, and a salted hash() would differ from one process to the next
    assert stable_hash("statelab") == 10461506821834093563
    assert client_key(1, 7) == 2257901145339513127
    assert client_key(2, 7) == 8761073557780987269

    for seed in (1, 2):
        ring = HashRing(seed, 100)
        ring.rebuild([Named(i) for i in range(N)])
        shares = ring.shares()
        assert sum(shares.values()) == pytest.approx(1.0)
        assert all(0.15 < share < 0.35 for share in shares.values())
    assert HashRing(1, 100).node_points(0) != HashRing(2, 100).node_points(0)


def test_more_virtual_nodes_split_the_ring_more_evenly():
    from statelab.sim.affinity import HashRing

    def unevenness(vnodes):
        spread = []
        for seed in range(20):
            ring = HashRing(seed, vnodes)
            ring.rebuild([Named(i) for i in range(N)])
            spread.append(max(ring.shares().values()) - min(ring.shares().values()))
        return sum(spread) / len(spread)

    assert unevenness(1) > unevenness(10) > unevenness(200)
