"""Two writes of one cart that overlap: tabs, the store's read-modify-write, lost updates.

A shopper with two tabs open has two requests in flight at once. A store that applies an
add in one step (``store_update="atomic"``) keeps both; a node that reads the cart and
writes the whole cart back (``"read_modify_write"``) loses the earlier write's item when
the two overlap. A cookie is a read-modify-write by nature: each answer carries the cart
the request came with, plus one.
"""

from __future__ import annotations

import pytest

from statelab import Crash, Scenario, ScenarioError, simulate
from statelab.sim.model import ShopModel

#: A shop whose shoppers add quickly (short think times), so their tabs overlap often.
TWO_TABS = Scenario(
    state="store",
    tabs=2,
    requests_per_session=8,
    think_time=0.5,
    arrival_rate=3.0,
    duration=120.0,
)
SEEDS = range(1, 6)


class _Kept(ShopModel):
    """The model, keeping each session's cart size when the session ends."""

    def __init__(self, scenario):
        super().__init__(scenario)
        self.final_items: dict[int, int] = {}

    def _session_record(self, session, end):
        self.final_items[session.id] = session.items
        return ShopModel._session_record(session, end)


def test_an_atomic_store_loses_no_update_and_read_modify_write_does():
    for seed in SEEDS:
        atomic = simulate(TWO_TABS.replace(seed=seed)).summary()
        unsafe = simulate(TWO_TABS.replace(seed=seed, store_update="read_modify_write"))
        assert atomic["lost_updates"] == 0
        assert unsafe.summary()["lost_updates"] > 0
        # nothing else changes: the same attempts, the same outcomes
        assert atomic["requests"] == unsafe.summary()["requests"]
        assert atomic["ok"] == unsafe.summary()["ok"]


def test_one_tab_loses_no_update_even_with_read_modify_write():
    # a shopper who waits for each answer never has two writes in flight
    for seed in SEEDS:
        shop = TWO_TABS.replace(tabs=1, store_update="read_modify_write", seed=seed)
        assert simulate(shop).summary()["lost_updates"] == 0


@pytest.mark.parametrize(
    "scenario",
    [
        TWO_TABS.replace(store_update="read_modify_write"),
        TWO_TABS.replace(state="cookie", tabs=3),
        TWO_TABS.replace(store_update="read_modify_write", tabs=3, seed=4),
    ],
    ids=["store-2-tabs", "cookie-3-tabs", "store-3-tabs"],
)
def test_every_item_is_in_the_cart_or_booked_as_a_lost_update(scenario):
    # The books balance exactly: a session's cart at its end holds each item added,
    # less the items later writes overwrote.
    model = _Kept(scenario)
    result = model.run()
    requests = result.requests
    applied = requests[requests["applied"]].groupby("session").size()
    lost = result.lost_updates().groupby("session")["items"].sum()
    ended = result.sessions.dropna(subset=["end"])["session"]
    booked = result.lost_updates()["items"]
    # some writes overwrite items; a few, built on an older cart, bring some back
    assert (booked > 0).any() and (booked < 0).any()
    for session in ended:
        expected = applied.get(session, 0) - lost.get(session, 0)
        assert model.final_items[session] == expected, session


def test_a_cookie_with_tabs_loses_updates_and_one_tab_does_not():
    cookie = TWO_TABS.replace(state="cookie")
    assert simulate(cookie).summary()["lost_updates"] > 0
    assert simulate(cookie.replace(tabs=1)).summary()["lost_updates"] == 0


def test_idempotency_keys_do_not_protect_the_cart_from_a_read_modify_write():
    # keys stop a retry applying an add twice; they do not stop two different adds
    # overwriting each other
    shop = TWO_TABS.replace(
        store_update="read_modify_write",
        idempotency_keys=True,
        client_timeout=0.5,
        retries=2,
    )
    summary = simulate(shop).summary()
    assert summary["lost_updates"] > 0
    assert summary["duplicate_items"] == 0


def test_more_tabs_lose_more_updates():
    def lost(tabs):
        shop = TWO_TABS.replace(store_update="read_modify_write", tabs=tabs)
        return sum(simulate(shop.replace(seed=s)).summary()["lost_updates"] for s in SEEDS)

    assert 0 == lost(1) < lost(2) < lost(4)


def test_tabs_share_the_sticky_pin_so_a_crash_loses_the_cart_once():
    shop = Scenario(tabs=3, requests_per_session=9, think_time=1.0, events=(Crash(1, 60.0),))
    result = simulate(shop)
    sessions = result.sessions
    lost = sessions[sessions["lost_state"]]
    assert (lost["lost_cause"] == "crash").all() and len(lost) > 0
    # each session loses its cart once, whichever of its tabs found out
    assert result.summary()["sessions_lost"] == len(lost)
    # and its requests spread over at most one node before the crash (the pin is shared)
    before = result.requests[result.requests["end"] < 60.0]
    nodes_a_session = before[before["node"] >= 0].groupby("session")["node"].nunique()
    assert nodes_a_session.max() == 1


def test_tabs_put_requests_of_one_shopper_in_flight_together():
    shop = Scenario(tabs=2, requests_per_session=6, think_time=0.0, service_time=1.0)
    requests = simulate(shop).requests
    first = requests[requests["session"] == 0].sort_values("arrival")
    # its first two requests (one a tab) are sent at the same moment
    assert first["arrival"].iloc[0] == first["arrival"].iloc[1]
    assert set(first["request"].iloc[:2]) == {0, 1}


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"tabs": 0}, "tabs must be a whole number from 1 to 8, got 0"),
        ({"tabs": 9}, "tabs must be a whole number from 1 to 8, got 9"),
        ({"store_update": "cas"}, "store_update must be one of 'atomic', 'read_modify_write'"),
        (
            {"store_update": "read_modify_write"},
            "store_update='read_modify_write' .* needs state='store', got state='server'",
        ),
    ],
)
def test_bad_tabs_or_store_update_is_refused_naming_the_field(changes, words):
    with pytest.raises(ScenarioError, match=words):
        Scenario().replace(**changes)
