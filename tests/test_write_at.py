"""Where in a request the change happens (Scenario.write_at): a crash after the write and
before the answer applies an add the client never hears of, so its retry applies it again,
on stateless servers too, unless the add carries an idempotency key."""

from __future__ import annotations

import pytest

from statelab import Crash, Scenario, simulate
from statelab.sim.scenario import ScenarioError


def ambiguous(**changes) -> Scenario:
    """Carts in a shared store; node 1 dies at 60 s in the middle of its requests' work; the
    clients wait for every answer and retry a failed request once."""
    shop = Scenario(
        nodes=3,
        affinity="none",
        state="store",
        service_time=1.0,
        arrival_rate=4.0,
        retries=1,
        events=(Crash(1, 60.0),),
    )
    return shop.replace(**changes)


def cut_after_the_write(result):
    requests = result.requests
    return requests[(requests["outcome"] == "failed") & requests["applied"]]


def test_a_crash_after_the_write_applies_an_add_the_client_never_hears_of():
    early = simulate(ambiguous(write_at=0.5))
    late = simulate(ambiguous())
    cut = cut_after_the_write(early)
    assert len(cut) > 0 and cut["node"].eq(1).all()  # the crashed node's attempts
    assert cut["end"].eq(60.0).all()
    assert len(cut_after_the_write(late)) == 0  # written at the end: a crash writes nothing
    # the retry of each such add lands it again: an item added twice, on stateless servers
    assert early.summary()["duplicate_items"] == len(cut) > 0
    assert late.summary()["duplicate_items"] == 0


def test_an_idempotency_key_keeps_the_ambiguous_crash_harmless():
    keyed = simulate(ambiguous(write_at=0.5, idempotency_keys=True))
    assert len(cut_after_the_write(keyed)) > 0
    assert keyed.summary()["duplicate_items"] == 0
    applied = keyed.requests[keyed.requests["applied"]].groupby(["session", "request"]).size()
    assert applied.max() == 1  # each add applied once, however often it was sent


def test_cookie_state_ignores_write_at_its_change_travels_in_the_answer():
    shop = ambiguous(state="cookie")
    assert simulate(shop.replace(write_at=0.5)).requests.equals(simulate(shop).requests)


@pytest.mark.parametrize("value", [-0.1, 1.5, "half", None])
def test_write_at_is_a_share_of_the_work(value):
    with pytest.raises((ScenarioError, TypeError), match="write_at"):
        Scenario(write_at=value)
