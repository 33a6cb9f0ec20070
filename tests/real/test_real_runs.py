"""Real runs: the Scenario played by real processes gives a Result the simulation's checks pass.

Every test starts real processes (nodes, a balancer, a load generator) on loopback, so each
scenario is short (20 to 30 model seconds at time scale 0.1 to 0.2: a few real seconds).
"""

from __future__ import annotations

import asyncio
import math
import time

import pytest
from conftest import STICKY_CRASH, assert_conserved, need_program

from statelab import Autoscale, Crash, Scenario, StoreOutage, real, simulate
from statelab.sim.records import LOST_CAUSES
from statelab.view.playback import decode, payload, state_at


@pytest.fixture(scope="module")
def sticky_crash():
    return real.run(STICKY_CRASH, time_scale=0.2)


#: Real seconds a process of a real run can wait for a core busy with other work (make
#: test-busy saw up to a third of a second): the room a timed check leaves for it.
BUSY_LAG = 0.5


def served(result):
    requests = result.requests
    return requests[requests["outcome"].isin(["ok", "state_lost"])]


def test_a_real_run_passes_the_simulations_checks(sticky_crash):
    result = sticky_crash
    assert_conserved(result)
    summary = result.summary()
    assert set(summary) == set(simulate(STICKY_CRASH).summary())
    assert summary["requests"] > 300 and summary["ok"] > 0.8 * summary["requests"]
    assert len(result.describe()) > 10
    # the animated view plays it: its payload decodes, and the state at a moment is sane
    data = decode(payload(result))
    at = state_at(data, 10.0)
    assert at["status"][:4] == [0, 0, 0, 0]  # all up
    assert sum(at["busy"]) <= STICKY_CRASH.nodes * STICKY_CRASH.workers
    later = state_at(data, 20.0)
    assert later["status"][1] == 3  # node 1 is down
    # the plots draw it as they draw a simulated run
    import matplotlib.pyplot as plt

    from statelab import plots

    assert len(plots.timeline(result)) >= 3
    for draw in (plots.load_by_node, plots.latency_distribution, plots.lost_share):
        draw(result)
    plots.cluster_view(result, 20.0)
    plt.close("all")
    # what the model leaves out is measured: the HTTP overhead, a few milliseconds of real
    # time (bench/bench_real.py), under half a real second on cores busy with other work
    overhead = result.real["http_overhead"]
    assert result.real["balancer"] == "embedded" and result.real["time_scale"] == 0.2
    assert 0 <= overhead * result.real["time_scale"] < BUSY_LAG


def test_the_request_table_agrees_with_the_node_logs(sticky_crash):
    result = sticky_crash
    log = result.real["node_log"].set_index(["session", "request", "attempt"])
    rows = served(result).set_index(["session", "request", "attempt"])
    assert rows.index.is_unique and log.index.is_unique
    assert set(rows.index) <= set(log.index)  # every served attempt is a line of its node
    joined = rows.join(log, suffixes=("", "_log"))
    assert (joined["node"] == joined["node_log"]).all()
    # a cart the node did not find is a lost state, once the session had one
    assert not joined.loc[joined["outcome"] == "state_lost", "found"].any()
    later = joined.index.get_level_values("request") > 0
    ok_later = (joined["outcome"] == "ok") & later & (joined.index.get_level_values("attempt") == 1)
    assert joined.loc[ok_later, "found"].mean() > 0.95
    assert (joined["applied"] == joined["applied_log"]).all()
    # the client saw what the node logged, and node 1 served nothing after its crash
    crash = result.node_changes.query("node == 1 and status == 'down'")["time"].min()
    assert 15.0 <= crash < 15.0 + BUSY_LAG / result.real["time_scale"]
    assert not ((rows["node"] == 1) & (rows["start"] > crash)).any()


def test_a_crash_of_a_sticky_node_loses_its_carts_with_cause_crash(sticky_crash):
    summary = sticky_crash.summary()
    losses = sticky_crash.losses
    crash = losses[losses["cause"] == "crash"]
    assert len(crash) >= 3
    assert (crash["node"] == 1).all() and (crash["time"] >= 15.0).all()
    assert summary["sessions_lost_crash"] >= 0.7 * summary["sessions_lost"]
    assert summary["event_lost_share"] > 0.05


def test_without_affinity_server_state_loses_nearly_every_multi_request_session():
    scenario = Scenario(
        nodes=4, arrival_rate=4.0, affinity="none", state="server", think_time=2.0, duration=20.0
    )
    result = real.run(scenario, time_scale=0.1)
    assert_conserved(result)
    counts = served(result).groupby("session").size()
    multi = counts[counts >= 2].index
    lost = result.sessions.set_index("session").loc[multi, "lost_state"]
    seen = result.requests["outcome"].value_counts().to_dict()
    assert len(multi) >= 20 and lost.mean() >= 0.9, (len(multi), lost.mean(), seen)
    assert set(result.losses["cause"]) == {"no_affinity"}


def test_store_state_loses_nothing_through_the_same_crash():
    result = real.run(STICKY_CRASH.replace(state="store"), time_scale=0.2, store="sqlite")
    assert_conserved(result)
    summary = result.summary()
    assert summary["sessions_lost"] == 0 and summary["state_lost"] == 0
    assert (served(result)["node"] == 1).any()  # node 1 served until it crashed


@pytest.mark.parametrize("keys", [False, True])
def test_timeouts_give_duplicates_without_idempotency_keys_and_none_with(keys):
    scenario = Scenario(
        nodes=3,
        arrival_rate=3.0,
        requests_per_session=4,
        think_time=1.0,
        service_time=0.3,
        affinity="none",
        state="store",
        client_timeout=0.25,
        retries=2,
        retry_backoff=0.1,
        idempotency_keys=keys,
        duration=20.0,
    )
    result = real.run(scenario, time_scale=0.1)
    assert_conserved(result)
    summary = result.summary()
    assert summary["timed_out"] >= 10
    if keys:
        assert summary["duplicate_items"] == 0
    else:
        assert summary["duplicate_items"] >= 3


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"time_scale": 0.001}, "time_scale must be a number from 0.01 to 10"),
        ({"time_scale": 11}, "time_scale must be a number from 0.01 to 10"),
        ({"time_scale": "fast"}, "time_scale"),
        ({"balancer": "nginx"}, "balancer must be one of 'embedded', 'haproxy'"),
        ({"store": "mongo"}, "store must be one of 'sqlite', 'redis'"),
    ],
)
def test_bad_arguments_are_refused_with_what_is_allowed(changes, words):
    with pytest.raises(ValueError, match=words):
        real.run(Scenario(duration=10.0), **changes)


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"autoscale": Autoscale()}, "autoscale is not played by real runs"),
        ({"write_at": 0.5}, "write_at=0.5 is not played by real runs"),
        ({"retry_jitter": "full", "retry_backoff": 0.5}, "retry_jitter='full' is not played"),
        ({"retry_budget": 0.2}, "retry_budget=0.2 is not played"),
        ({"tabs": 2}, "tabs=2 is not played by real runs"),
        (
            {"state": "store", "store_update": "read_modify_write"},
            "store_update='read_modify_write' is not played",
        ),
        (
            {"state": "store", "events": (StoreOutage(5.0, 2.0, mode="hang"),)},
            r"StoreOutage\(mode='hang'\) at 5 s is not played",
        ),
    ],
)
def test_what_real_runs_do_not_play_is_refused(changes, words):
    with pytest.raises(ValueError, match=words):
        real.run(Scenario(duration=10.0).replace(**changes))


def test_a_real_run_needs_a_scenario():
    with pytest.raises(TypeError, match="needs a Scenario"):
        real.run({"nodes": 3})


def test_haproxy_plays_the_sticky_crash():
    need_program("haproxy")
    result = real.run(STICKY_CRASH, time_scale=0.2, balancer="haproxy")
    assert_conserved(result)
    crash = result.losses[result.losses["cause"] == "crash"]
    assert len(crash) >= 3 and (crash["node"] == 1).all()
    assert "balance roundrobin" in result.real["config_text"]


def test_redis_store_keeps_carts_through_a_crash_and_loses_them_to_an_outage():
    need_program("redis-server")
    scenario = STICKY_CRASH.replace(
        state="store",
        store_persistent=False,
        events=(Crash(1, at=8.0), StoreOutage(at=18.0, duration=2.0)),
    )
    time_scale = 0.2
    result = real.run(scenario, time_scale=time_scale, store="redis")
    assert_conserved(result)
    losses = result.losses
    assert len(losses) >= 3 and set(losses["cause"]) == {"store_outage"}
    assert (losses["time"] >= 18.0).all()
    # a request fails when the crash takes its node (the kill, until the health check takes
    # node 1 out) or in the outage (one waiting in a node's line when it begins fails too):
    # counted by when each failed, most are the outage's. A failure is told up to a moment
    # after: on cores busy with other work a process can wait BUSY_LAG for one (a busy run
    # saw two fail after 21 model seconds), 2.5 model seconds at this scale.
    lag = BUSY_LAG / time_scale
    failed = result.requests.query("outcome == 'failed'")
    in_outage = (failed["end"] >= 18.0) & (failed["end"] < 20.0 + lag)
    at_crash = (failed["end"] >= 8.0) & (failed["end"] < 10.0 + lag)
    assert (in_outage | at_crash).all(), failed[~(in_outage | at_crash)]
    assert in_outage.mean() > 0.8, failed


def test_compare_puts_the_real_run_beside_the_simulated_ones():
    scenario = STICKY_CRASH.replace(duration=20.0, events=(Crash(1, at=10.0),))
    comparison = real.compare(scenario, seeds=3, time_scale=0.1)
    table = comparison.table
    assert list(table["metric"]) == [
        "lost_share",
        "event_lost_share",
        "failed",
        "duplicate_items",
        "latency_p50",
        "latency_p95",
    ]
    assert (table["sim_low"] <= table["sim_high"]).all()
    assert not math.isnan(table.set_index("metric").loc["latency_p50", "real"])
    figure = comparison.plot()
    assert len(figure.axes) == len(table)
    assert set(LOST_CAUSES) >= set(comparison.real.losses["cause"])


def test_a_crash_told_to_the_balancer_long_before_the_kill_still_loses_carts_to_the_crash(
    monkeypatch,
):
    """On a busy machine the controller can wait a while between telling the balancer that a
    node is going (maint) and killing it; the shoppers moved to other nodes meanwhile lose
    their carts to the crash, not to "no affinity". A 0.3 s wait stands for the busy machine."""
    from statelab.real import balancers

    told = balancers.Balancer.maint

    def slow_maint(self, k):
        told(self, k)
        time.sleep(0.3)

    monkeypatch.setattr(balancers.Balancer, "maint", slow_maint)
    result = real.run(STICKY_CRASH, time_scale=0.1)
    assert_conserved(result)
    causes = result.losses["cause"]
    assert len(causes) >= 3
    assert set(causes) == {"crash"}, causes.value_counts()
    assert (result.losses["node"] == 1).all()


def test_a_load_generator_ready_too_late_sends_nothing_and_says_so(tmp_path, capsys):
    from statelab.real import loadgen

    scenario = Scenario(duration=5.0).save(tmp_path / "shop.toml")
    out = tmp_path / "rows.csv"
    arguments = ["--scenario", str(scenario), "--url", "http://127.0.0.1:9"]
    arguments += ["--time-scale", "0.1", "--t0", repr(time.monotonic()), "--out", str(out)]
    status = loadgen.main(arguments)
    assert status == loadgen.LATE_EXIT
    assert capsys.readouterr().out.startswith(f"{loadgen.LATE} ")
    assert not out.exists()


def test_an_attempt_due_when_the_run_has_ended_is_not_sent():
    """On a busy machine the load generator's loop can get the processor back only after
    the end: an attempt it would send then is no attempt of the run (every arrival is before
    ``duration``; assert_conserved checks it), and it is not recorded nor counted."""
    from statelab.real import loadgen

    player = loadgen.Player(STICKY_CRASH, "http://127.0.0.1:9", 0.1, time.monotonic() - 10.0)
    shopper = loadgen.plan(STICKY_CRASH)[0]
    outcome, end = asyncio.run(player._attempt(None, shopper, 0, 1, 0.1))
    assert outcome == "in_flight" and end != end  # the caller stops the session
    assert player.rows == [] and player.open == {} and shopper.sent == 0


def test_a_run_whose_load_generator_starts_late_starts_it_again_on_time(monkeypatch):
    """On a busy machine the load generator may take longer to start than the margin before
    model time 0: it then sends nothing, and the run starts it again with a longer margin
    (here the margin is 0, so the first start is always late)."""
    from statelab.real import controller, loadgen

    monkeypatch.setattr(controller, "START_MARGIN", 0.0)
    scenario = STICKY_CRASH.replace(duration=10.0, events=(Crash(1, at=5.0),))
    result = real.run(scenario, time_scale=0.1)
    assert_conserved(result)
    assert result.real["timings"]["loadgen_restarts"] >= 1
    assert "loadgen_late" not in result.real["timings"]
    # the run played from its start: every shopper of its first half came (a count of carts
    # lost to the crash said so less surely: a busy run of these 10 s lost none)
    first_half = [s.id for s in loadgen.plan(scenario) if s.start < scenario.duration / 2]
    assert first_half and set(first_half) <= set(result.requests["session"])
