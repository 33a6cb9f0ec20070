"""The model's newer client and store fields, played for real: browser tabs, a store's
read-modify-write (unprotected, and atomic: SQLite's ``BEGIN IMMEDIATE``, Redis's ``WATCH``),
``write_at``, and the retry rules (full jitter, a cap, a budget).

A real run and the simulation of the same seed play the same shoppers (the load generator
draws the simulation's arrivals, requests, think times and retry waits), so the counts a
real run books are compared with that seed's simulated counts, within a stated share: what
differs is the cluster (HTTP's few milliseconds an attempt, a real scheduler), not the
shoppers.
"""

from __future__ import annotations

import asyncio
import time

import pandas as pd
import pytest
from conftest import assert_conserved, need_program

from statelab import Crash, Scenario, real, simulate

#: How far a real run's count may be from the same seed's simulation, as a share of it:
#: measured here within 0.07 (lost updates, 20 model s) and 0.12 (retries refused); a busy
#: machine's scheduler adds some (0.30 seen in a CI run's 12 s two-tab run: 75 against 107).
SAME_SEED_SHARE = 0.35

#: Two tabs a shopper, stateless nodes, carts in a store: a tab's request is often under
#: way while the other tab's is (16 model s: 1.6 real s at time scale 0.1).
TWO_TABS = Scenario(
    nodes=3,
    arrival_rate=4.0,
    affinity="none",
    state="store",
    tabs=2,
    requests_per_session=6,
    think_time=0.5,
    service_time=0.3,
    duration=16.0,
)


def near(real_count: int, simulated: int) -> bool:
    return abs(real_count - simulated) <= SAME_SEED_SHARE * simulated


@pytest.mark.parametrize("store", ["sqlite", "redis"])
def test_an_unprotected_read_modify_write_loses_updates_as_the_simulation_does(store):
    """Two tabs' writes of one cart, each built on what it read at its store call: the
    later overwrites the earlier's item. The nodes book each (the write's transaction sees
    the cart it replaced), as many as the simulation of the same shoppers books."""
    if store == "redis":
        need_program("redis-server")
    scenario = TWO_TABS.replace(store_update="read_modify_write")
    result = real.run(scenario, time_scale=0.1, store=store)
    assert_conserved(result)
    simulated = simulate(scenario).summary()["lost_updates"]
    lost = result.summary()["lost_updates"]
    assert simulated >= 50, simulated
    assert near(lost, simulated), (lost, simulated)
    assert (result.lost_updates()["session"].isin(result.sessions["session"])).all()
    assert result.summary()["failed"] == 0  # lost without an error anyone saw


def test_an_atomic_update_loses_none_with_the_same_two_tabs():
    """The same shoppers, the store's add in one transaction (WATCH and MULTI in Redis):
    not one update lost."""
    need_program("redis-server")
    result = real.run(TWO_TABS, time_scale=0.1, store="redis")
    assert_conserved(result)
    assert result.summary()["lost_updates"] == 0
    assert result.summary()["requests"] >= 150


def test_tabs_overwrite_each_others_cart_cookie_as_the_simulation_does():
    """Three tabs share the browser's cookie jar: an answer's cart cookie, built on the
    cart its request carried, replaces one another tab's answer set meanwhile."""
    scenario = TWO_TABS.replace(state="cookie", tabs=3)
    result = real.run(scenario, time_scale=0.1)
    assert_conserved(result)
    simulated = simulate(scenario).summary()["lost_updates"]
    lost = result.summary()["lost_updates"]
    assert simulated >= 50 and near(lost, simulated), (lost, simulated)
    # up to three of a shopper's requests were under way together
    requests = result.requests
    overlapping = 0
    for _, own in requests.groupby("session"):
        starts, ends = own["arrival"].to_numpy(), own["end"].to_numpy()
        overlapping += sum(
            ((starts < e) & (ends > a)).sum() > 1 for a, e in zip(starts, ends, strict=True)
        )
    assert overlapping >= 50, overlapping


def test_a_retry_budget_refuses_retries_for_real_as_in_the_simulation():
    """Impatient clients (full jitter, a cap, a budget of a fifth of the first attempts)
    on one worker a node: the load generator keeps the simulation's retry rules, so it
    refuses about as many retries as the simulation of the same shoppers."""
    scenario = Scenario(
        nodes=3,
        arrival_rate=4.0,
        workers=1,
        service_time=0.3,
        client_timeout=0.4,
        retries=3,
        retry_backoff=0.3,
        retry_jitter="full",
        retry_backoff_cap=1.0,
        retry_budget=0.2,
        duration=12.0,
    )
    result = real.run(scenario, time_scale=0.1)
    assert_conserved(result)
    simulated = simulate(scenario).summary()
    got = result.summary()
    assert simulated["retries_refused"] >= 30
    assert near(got["retries_refused"], simulated["retries_refused"]), (got, simulated)
    assert got["gave_up"] >= got["retries_refused"]
    # the retries the budget let go were sent
    retried = result.requests[result.requests["attempt"] > 1]
    assert len(retried) >= 10


def test_a_change_written_half_way_is_applied_though_its_node_is_killed_before_it_answers():
    """write_at=0.5 with the store: a node killed after an attempt wrote its item and
    before it answered leaves the item in the store; without keys, the retry adds it again
    (a duplicate), and the books say both: the cut attempt applied, the retry a duplicate."""
    need_program("redis-server")
    scenario = Scenario(  # some 6 attempts under way on each node killed, half past their write
        nodes=4,
        workers=8,
        arrival_rate=12.0,
        affinity="none",
        state="store",
        service_time=2.0,
        write_at=0.5,
        retries=2,
        events=(Crash(1, at=8.0), Crash(2, at=12.0)),
        duration=20.0,
    )
    result = real.run(scenario, time_scale=0.1, store="redis", crash="announced")
    assert_conserved(result)
    requests = result.requests
    cut = requests[(requests["outcome"] == "failed") & requests["applied"]]
    assert len(cut) >= 1, requests[requests["outcome"] == "failed"]
    assert cut["node"].isin([1, 2]).all()
    assert result.summary()["duplicate_items"] >= 1


async def _closes_each_second_request(reader, writer) -> None:
    """A server that answers the first request of a connection (kept alive) and closes the
    connection when a second comes, unanswered: a balancer's idle kept-alive connection
    closed under a request (nginx's old workers at a reload, HAProxy's abort_keep_alive)."""
    answered = 0
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await reader.readexactly(length)
            if answered:
                break  # closed, no answer
            answered += 1
            body = b'{"node":0,"found":true,"applied":true,"duplicate":false,"items":1}'
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Statelab-Node: 0\r\n"
                b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
            )
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


@pytest.mark.parametrize("resend", [False, True])
def test_an_attempt_aborted_on_a_kept_alive_connection_is_re_sent_only_as_a_browser(resend):
    """aiohttp fails a request whose kept-alive connection closes with no answer; with
    ``resend_aborted`` the load generator re-sends it at once, once, on a new connection,
    as a browser does: the next attempt, marked ``resent``, not a retry of the shopper's."""
    from statelab.real import loadgen

    scenario = Scenario(requests_per_session=2, retries=0, duration=5.0)
    shopper = loadgen.Shopper(0, 0.0, [0.01, 0.01], [0.0])

    async def play() -> loadgen.Player:
        server = await asyncio.start_server(_closes_each_second_request, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            url = f"http://127.0.0.1:{port}"
            player = loadgen.Player(scenario, url, 1.0, time.monotonic() + 0.05, resend)
            await player.run([shopper])
        return player

    player = asyncio.run(play())
    rows = pd.DataFrame(player.rows, columns=loadgen.REQUEST_FIELDS)
    second = rows[rows["request"] == 1].sort_values("attempt")
    first = second.iloc[0]
    assert (first["outcome"], first["status"], first["aborted"]) == ("failed", 0, 1)
    if resend:
        assert list(second["attempt"]) == [1, 2]
        assert (second.iloc[1]["outcome"], second.iloc[1]["resent"]) == ("ok", 1)
        assert shopper.gave_up == 0
    else:
        assert len(second) == 1 and shopper.gave_up == 1
