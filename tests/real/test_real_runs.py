"""Real runs: the Scenario played by real processes gives a Result the simulation's checks pass.

Every test starts real processes (nodes, a balancer, a load generator) on loopback, so each
scenario is short (20 to 30 model seconds at time scale 0.1 to 0.2: a few real seconds). The
sticky crash's own runs (a real run's tables, views and plots, ``real.compare``, HAProxy) are
in test_agreement.py, which shares one run a balancer among its tests.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from conftest import STICKY_CRASH, assert_conserved, need_program

from statelab import Autoscale, Crash, Scenario, StoreOutage, real, simulate

#: Real seconds a process of a real run can wait for a core busy with other work (make
#: test-busy saw up to a third of a second): the room a timed check leaves for it.
BUSY_LAG = 0.5


def served(result):
    requests = result.requests
    return requests[requests["outcome"].isin(["ok", "state_lost"])]


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
    result = real.run(STICKY_CRASH.replace(state="store"), time_scale=0.1, store="sqlite")
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
        ({"balancer": "traefik"}, "balancer must be one of 'embedded', 'haproxy', 'nginx'"),
        ({"balancer": "nginx"}, "sticky' needs cookie stickiness"),
        ({"crash": "foretold"}, "crash must be one of 'detected', 'announced'"),
        ({"balancer_retries": -1}, "balancer_retries must be a whole number 0 to 10"),
        ({"redispatch": True}, "redispatch=True .* needs balancer_retries"),
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
        (  # 20 model s at the default scale 0.2: 4 real s, past the store calls' timeout
            {"state": "store", "events": (StoreOutage(5.0, 20.0, mode="hang"),)},
            r"StoreOutage\(mode='hang'\) at 5 s lasts 20 model seconds.*at most 0.5 real",
        ),
        (
            {
                "state": "store",
                "events": (StoreOutage(5.0, 2.0, mode="hang"), StoreOutage(6.0, 1.0)),
            },
            r"at 5 s overlaps another outage at 6 s",
        ),
    ],
)
def test_what_real_runs_do_not_play_is_refused(changes, words):
    with pytest.raises(ValueError, match=words):
        real.run(Scenario(duration=10.0).replace(**changes))


def test_a_real_run_needs_a_scenario():
    with pytest.raises(TypeError, match="needs a Scenario"):
        real.run({"nodes": 3})


def test_redis_store_keeps_carts_through_a_crash_and_loses_them_to_an_outage():
    need_program("redis-server")
    scenario = STICKY_CRASH.replace(
        state="store",
        store_persistent=False,
        events=(Crash(1, at=8.0), StoreOutage(at=18.0, duration=2.0)),
    )
    time_scale = 0.1
    # announced: the balancer is told of the crash first, so its failures end at once and
    # the two windows below stay apart (a detected crash fails requests for about 5 s)
    result = real.run(scenario, time_scale=time_scale, store="redis", crash="announced")
    assert_conserved(result)
    losses = result.losses
    assert len(losses) >= 3 and set(losses["cause"]) == {"store_outage"}
    assert (losses["time"] >= 18.0).all()
    # a request fails when the crash takes its node (in flight at the kill) or in the outage (one
    # waiting in a node's line when it begins fails too): counted by when each failed, most are
    # the outage's. A failure is told up to a moment after: on cores busy with other work a
    # process can wait BUSY_LAG for one (a busy run at time scale 0.2 saw two fail after 21 model
    # seconds, 0.2 real seconds after the outage), 5 model seconds at this scale (with both cores
    # busy, the last failure of a run at this scale came 0.08 real seconds after the outage). The
    # two windows stay apart.
    lag = BUSY_LAG / time_scale
    failed = result.requests.query("outcome == 'failed'")
    in_outage = (failed["end"] >= 18.0) & (failed["end"] < 20.0 + lag)
    at_crash = (failed["end"] >= 8.0) & (failed["end"] < 10.0 + lag)
    assert (in_outage | at_crash).all(), failed[~(in_outage | at_crash)]
    assert in_outage.mean() > 0.8, failed


@pytest.fixture(scope="module")
def busy_run():
    """The sticky crash (time scale 0.1) played as on a busy machine, two ways at once, for
    the two tests below, each of which checks what one of them must not change:

    - the crash is announced, and the controller waits 0.3 s between telling the balancer
      that node 1 is going (maint) and killing it (on a busy machine it can wait a while
      there);
    - the load generator gets its go with no lead before model time 0 (``GO_LEAD`` 0), so
      the first go is always too late: it sends nothing, says so, and the run must give it
      another go with a longer lead.
    """
    from statelab.real import balancers, controller

    told = balancers.Balancer.maint

    def slow_maint(self, k):
        told(self, k)
        time.sleep(0.3)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(balancers.Balancer, "maint", slow_maint)
        patch.setattr(controller, "GO_LEAD", 0.0)
        return real.run(STICKY_CRASH, time_scale=0.1, crash="announced")


def test_a_crash_told_to_the_balancer_long_before_the_kill_still_loses_carts_to_the_crash(
    busy_run,
):
    """The shoppers moved to other nodes between the balancer's maint and the kill lose
    their carts to the crash, not to "no affinity"."""
    result = busy_run
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


def test_a_run_whose_load_generator_got_its_go_late_gets_another_in_time(busy_run):
    """A load generator whose go came too late to start on time sent nothing; the run gave
    it another with a longer lead, and played from its start."""
    from statelab.real import loadgen

    result = busy_run
    assert_conserved(result)
    assert result.real["timings"]["loadgen_late_goes"] >= 1
    assert "loadgen_late" not in result.real["timings"]
    # the run played from its start: every shopper of its first half came (a count of carts
    # lost to the crash would say so less surely)
    scenario = result.scenario
    first_half = [s.id for s in loadgen.plan(scenario) if s.start < scenario.duration / 2]
    assert first_half and set(first_half) <= set(result.requests["session"])


#: A store that hangs for 3 model seconds (0.3 real s at time scale 0.1) under stateless
#: nodes whose clients give up after 1 s. No retries: with them a hang can leave the cluster
#: down after it (the model's metastable failure, tests/test_store_hang.py), which on a busy
#: machine the real run did.
HANG = Scenario(
    nodes=3,
    arrival_rate=5.0,
    affinity="none",
    state="store",
    duration=15.0,
    client_timeout=1.0,
    retries=0,
    events=(StoreOutage(5.0, 3.0, mode="hang"),),
)


@pytest.mark.parametrize("store", ["sqlite", "redis"])
def test_a_hung_store_holds_the_nodes_and_its_clients_time_out(store):
    """StoreOutage(mode="hang") for real: Redis stopped with SIGSTOP, or the SQLite file held
    by BEGIN EXCLUSIVE. The nodes' calls wait, holding their worker slots, so the requests
    sent during the hang time out (the clients give up after 1 s), as in the simulation;
    nothing is wiped, and the store answers again after it (the run ends with every process
    gone, a stopped Redis included)."""
    if store == "redis":
        need_program("redis-server")
    result = real.run(HANG, time_scale=0.1, store=store)
    assert_conserved(result)
    requests = result.requests
    during = requests[(requests["arrival"] >= 5.5) & (requests["arrival"] < 7.0)]
    assert len(during) >= 10 and (during["outcome"] == "timed_out").mean() > 0.8, during
    summary, simulated = result.summary(), simulate(HANG).summary()
    # nothing wiped; a call may give up on a machine busy with other work (its timeout is a
    # real second), rarely: a failure or two at most
    assert summary["sessions_lost"] == 0 and summary["failed"] <= 2, summary
    # the hang is what makes them time out: far fewer before it, as many as the model's at
    # least (more on a machine busy with other work, whose requests are slower)
    before = requests[requests["arrival"] < 4.5]
    timed_out = (before["outcome"] == "timed_out").mean()
    assert timed_out < (during["outcome"] == "timed_out").mean() - 0.2, timed_out
    assert summary["timed_out"] >= 0.5 * simulated["timed_out"], (summary, simulated)
    # and the store answers again after it
    assert (requests[requests["arrival"] >= 11.0]["outcome"] == "ok").sum() >= 5
