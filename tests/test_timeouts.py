"""Client timeouts, retries that duplicate, and idempotency keys.

A client that stops waiting (``client_timeout``) counts the attempt failed and retries,
while the node, which does not know, finishes it and applies its add. Without
idempotency keys the add is then applied twice wherever the cart lives, in a node's
memory or in a shared store alike: statelessness does not make a retry safe. With keys the
place that holds the cart applies each request once. A cookie is different: the cart comes
back in the answer, and an answer the client gave up on is never read.

Theory: for one node with c workers, exponential service and one request a session, the
share of first attempts that time out is P(W + S > t) of the M/M/c queue
(:func:`statelab.theory.p_response_over`). Tolerance: the 99.9% Student-t interval of the
per-seed shares (one 10,000 s run a seed) covers it and is at most 0.02 wide on each side.

How many seeds: one seed's share spreads with a standard deviation of about 0.012 (4 workers
at load 0.8, 32,000 requests a run) and 0.015 (1 worker at 0.7, 7,000 requests), measured
over these seeds; the 99.9% half-width t(0.9995, n - 1) * sd / sqrt(n) is 0.018 with 10
seeds for the first (t = 4.78; 0.0171 measured, 0.022 with 8), and 0.019 with 12 for the
second (t = 4.44; 0.028 with 8): each inside the 0.02 claimed. Shorter runs over more seeds
do not help: the busy periods of a queue at load 0.8 make the shares of a run's requests
move together, so the spread falls more slowly than one over the root of a run's length
(24 runs of 4,000 s, about as much work as 10 of 10,000 s, gave 0.017 and 0.027).
"""

from __future__ import annotations

import functools

import pytest
from conftest import assert_interval_covers

from statelab import Crash, Scenario, simulate, theory


def busy_shop(state: str, keys: bool = False, **changes) -> Scenario:
    """A busy sticky shop whose clients give up after 1 s and retry twice."""
    base = Scenario(
        nodes=3,
        workers=4,
        arrival_rate=4.0,
        service_time=0.25,
        think_time=2.0,
        client_timeout=1.0,
        retries=2,
        state=state,
        idempotency_keys=keys,
        duration=300.0,
    )
    return base.replace(**changes)


@functools.cache
def unkeyed(state: str):
    """The run of ``busy_shop(state)`` without keys, made once (a worker) for every test that
    reads it: a test must not change its frames."""
    return simulate(busy_shop(state))


def extra_applications(result) -> int:
    """Sum over requests of (attempts applied - 1), read off the request records."""
    requests = result.requests
    return int((requests[requests["applied"]].groupby(["session", "request"]).size() - 1).sum())


@pytest.mark.parametrize("state", ["server", "store", "replicated"])
def test_without_keys_every_extra_application_is_a_duplicate_item(state):
    result = unkeyed(state)
    summary = result.summary()
    assert summary["timed_out"] > 100
    assert summary["sessions_lost"] == 0  # so no cart was emptied between two applications
    assert summary["duplicate_items"] == extra_applications(result) > 100
    assert summary["duplicate_items"] == int(result.requests["duplicate"].sum())
    assert summary["duplicate_items"] == int(result.sessions["duplicate_items"].sum())


@pytest.mark.parametrize("state", ["server", "store", "replicated", "cookie"])
def test_with_keys_an_add_is_applied_once_whatever_the_retries(state):
    keyed = simulate(busy_shop(state, keys=True))
    assert keyed.summary()["duplicate_items"] == 0
    assert extra_applications(keyed) == 0 or state == "cookie"
    # the same run without keys: same arrivals, same timeouts
    assert keyed.summary()["timed_out"] == unkeyed(state).summary()["timed_out"]


def test_a_cookie_never_duplicates_because_the_lost_answer_carried_the_cart():
    result = unkeyed("cookie")
    # the node applied both attempts of many requests, each to the cookie it was sent ...
    assert extra_applications(result) > 100
    # ... but the first answer went to a client that had stopped waiting: its cookie was
    # never stored, and the retry came with the old cart
    assert result.summary()["duplicate_items"] == 0


def test_the_node_finishes_what_the_client_gave_up_on():
    result = unkeyed("server")
    requests = result.requests
    gave_up = requests[requests["outcome"] == "timed_out"]
    assert ((gave_up["end"] - gave_up["arrival"]).round(9) == 1.0).all()
    finished = gave_up[gave_up["done"].notna()]
    assert (finished["done"] > finished["end"]).all() and finished["applied"].all()
    # its work counts as busy time: utilisation is not lowered by the client leaving
    assert result.summary()["utilisation"] > 0.6


def test_a_crash_still_fails_a_job_the_client_had_given_up_on():
    result = simulate(busy_shop("server", events=(Crash(1, 150.0),)))
    requests = result.requests
    cut = requests[(requests["node"] == 1) & (requests["done"] == 150.0)]
    assert len(cut) > 0 and not cut["applied"].any()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("arrival_rate", "workers", "timeout", "seeds"), [(3.2, 4, 2.0, 10), (0.7, 1, 3.0, 12)]
)
def test_the_timed_out_share_is_the_chance_of_a_response_over_the_timeout(
    arrival_rate, workers, timeout, seeds
):
    shares = []
    for seed in range(seeds):
        shop = Scenario(
            arrival_rate=arrival_rate,
            requests_per_session=1,
            service_time=1.0,
            think_time=0.0,
            nodes=1,
            workers=workers,
            affinity="none",
            state="server",
            client_timeout=timeout,
            duration=10_000.0,
            warmup=200.0,
            seed=seed,
        )
        summary = simulate(shop).summary()
        shares.append(summary["timed_out"] / summary["requests"])
    expected = theory.p_response_over(timeout, arrival_rate, 1.0, workers)
    assert 0.05 < expected < 0.6
    assert_interval_covers(shares, expected, 0.999, 0.02)
