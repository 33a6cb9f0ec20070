"""The record schema: the model writes what Result reads, by name, and one first event."""

from __future__ import annotations

import math

import matplotlib.pyplot
import pytest

from statelab import Crash, ScaleTo, Scenario, plots, simulate
from statelab.sim import records
from statelab.sim.model import ShopModel
from statelab.sim.records import (
    LOST_CAUSES,
    AutoscalerDecision,
    LossRecord,
    NodeChange,
    RequestRecord,
    SessionRecord,
    timeline_columns,
    timeline_row,
)


@pytest.fixture(scope="module")
def model():
    scenario = Scenario.load("autoscale_spike").replace(events=(Crash(1, 100.0),))
    model = ShopModel(scenario)
    model.result = model.run()
    return model


def test_the_model_writes_named_records(model):
    assert model.ledger.losses and all(type(r) is LossRecord for r in model.ledger.losses)
    assert all(type(r) is NodeChange for r in model.node_changes)
    assert model.autoscaler and all(type(r) is AutoscalerDecision for r in model.autoscaler)


def test_request_and_session_records_hold_their_schemas_fields_in_order(model):
    """The hot path writes plain tuples (the collector untracks those, not named tuples):
    each field, read by its name, must hold what the schema says."""
    scenario = model.scenario
    nodes = range(-1, scenario.max_nodes())
    assert model.requests and all(type(r) is tuple for r in model.requests)
    for fields in model.requests:
        r = RequestRecord._make(fields)
        assert 0 <= r.session < len(model.sessions) and r.node in nodes
        assert 0 <= r.request < 100 and 1 <= r.attempt <= scenario.retries + 1
        assert 0 <= r.arrival <= scenario.duration and r.outcome in range(len(records.OUTCOMES))
        served = records.OUTCOMES[r.outcome] in ("ok", "state_lost")
        assert served == (r.applied and r.start >= r.arrival and r.done == r.end >= r.start)
        assert r.duplicate is False  # no client timeout: nothing is applied twice
    assert model.sessions and all(type(r) is tuple for r in model.sessions)
    for fields in model.sessions:
        s = SessionRecord._make(fields)
        assert s.lost_cause in ("", *LOST_CAUSES) and s.requests >= 1
        assert s.start <= scenario.duration and not s.end < s.start
        assert s.duplicate_items == 0 and s.items_not_kept == 0


def test_result_tables_have_the_records_fields_and_values(model):
    result = model.result
    requests = result.requests.sort_values(["session", "attempt", "arrival"], ignore_index=True)
    written = sorted(
        map(RequestRecord._make, model.requests), key=lambda r: (r.session, r.attempt, r.arrival)
    )
    assert list(requests.columns) == list(RequestRecord._fields)
    first = written[0]
    row = requests.iloc[0]
    for field in ("session", "attempt", "node", "arrival", "start", "end"):
        value = getattr(first, field)
        assert (math.isnan(value) and math.isnan(row[field])) or row[field] == value, field
    assert row["outcome"] == records.OUTCOMES[first.outcome]
    assert requests["applied"].sum() == sum(r.applied for r in written)
    sessions = result.sessions
    assert set(SessionRecord._fields) <= set(sessions.columns)
    assert sessions["lost_state"].sum() == model.ledger.lost > 0


def test_a_request_is_applied_exactly_when_a_server_completed_it(model):
    requests = model.result.requests
    completed = requests["outcome"].isin(["ok", "state_lost"])
    assert (requests["applied"] == completed).all()
    assert not requests["duplicate"].any()  # a retry follows only a failure (no timeouts yet)


def test_a_timeline_row_is_in_the_order_of_its_columns():
    n = 3
    row = timeline_row(
        time=1.5,
        active_sessions=7,
        sessions_lost=4,
        lost_by_cause={cause: 10 + i for i, cause in enumerate(LOST_CAUSES)},
        store_busy=2,
        store_queued=3,
        busy=[20, 21, 22],
        queued=[30, 31, 32],
        carts=[40, 41, 42],
        status=[50, 51, 52],
        lost=[60, 61, 62],
    )
    named = dict(zip(timeline_columns(n), row, strict=True))
    assert named["time"] == 1.5 and named["active_sessions"] == 7
    assert named["sessions_lost_rehash"] == 11 and named["store_queued"] == 3
    assert [named[f"busy_{k}"] for k in range(n)] == [20, 21, 22]
    assert [named[f"carts_{k}"] for k in range(n)] == [40, 41, 42]
    assert [named[f"lost_{k}"] for k in range(n)] == [60, 61, 62]


def test_the_first_event_is_the_earliest_whatever_the_order_given():
    crash, scale = Crash(1, 90.0), ScaleTo(6, 40.0)
    shop = Scenario(nodes=4, affinity="ip_hash", arrival_rate=8.0, events=(crash, scale))
    assert shop.first_event() == scale
    assert Scenario().first_event() is None
    result = simulate(shop)
    at = scale.at
    active = result.active_at(at)
    share = active["lost_state"].mean()
    assert result.summary()["event_lost_share"] == pytest.approx(share)
    ax = plots.lost_share(result)
    (bar,) = ax.patches
    assert bar.get_height() == pytest.approx(share)
    assert ax.get_xticklabels()[0].get_text() == f"{len(active)} active at {at:g} s"
    matplotlib.pyplot.close(ax.figure)
