"""Notebook 08 (REST and a design review): its predict-run-reveal loops, its questions, and
its exercises, each answer checked by a property of its own, not against the solution."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from conftest import ROOT, index_of, notebook_cells

from statelab import Crash, ScaleTo, Scenario, StoreOutage, simulate
from statelab.cart import StatefulCartServer
from statelab.course.exercises import (
    CAPSTONE_BRIEF,
    CAPSTONE_COST,
    CAPSTONE_GIVE_UP,
    CAPSTONE_P95,
)
from statelab.exercises import (
    CORRECT,
    NOT_ANSWERED,
    PREDICTIONS,
    TRY_AGAIN,
    check,
    review,
    solution,
    solution_answer,
)

NOTEBOOK = ROOT / "notebooks" / "08_rest_and_design_review.ipynb"
IDS = sorted(p for p in PREDICTIONS if p.startswith("08-"))
PROMPT = r"\*\*Predict:\*\*|#+ Predict\b|Predict first"


@pytest.fixture(scope="module")
def cells():
    return notebook_cells(NOTEBOOK)


# -- predict, run, reveal ------------------------------------------------------------


@pytest.mark.parametrize("prediction", IDS)
def test_each_prediction_has_a_predict_cell_then_a_run_then_its_reveal(cells, prediction):
    asked = index_of(cells, f'predict("{prediction}", None)  # your guess')
    shown = index_of(cells, f'reveal("{prediction}"')
    assert asked < shown
    between = [s for k, s in cells[asked + 1 : shown] if k == "code"]
    shows = [s for s in between if not s.startswith(("predict(", "reveal("))]
    assert shows, f"{prediction}: nothing runs or shows between the guess and the reveal"


def test_every_prompt_is_followed_by_its_predict_cells_before_any_run(cells):
    prompts = [i for i, (k, s) in enumerate(cells) if k == "markdown" and re.search(PROMPT, s)]
    assert len(prompts) == 3  # the REST prompt asks two things
    for i in prompts:
        following = next(s for k, s in cells[i + 1 :] if k == "code")
        assert following.startswith("predict(")
    asked = [s for k, s in cells if k == "code" and s.startswith("predict(")]
    assert sorted(re.search(r'"(08-[^"]+)"', s).group(1) for s in asked) == IDS


def test_the_opening_asks_questions_and_gives_no_answer_away(cells):
    kind, opening = cells[0]
    assert kind == "markdown" and "**Time:**" in opening and "minutes" in opening
    bullets = [line for line in opening.splitlines() if line.startswith("- ")]
    assert len(bullets) == 3 and all(b.rstrip().endswith("?") for b in bullets)
    # the predictions ask for counts of designs (1 and 2), a setting and yes/no
    assert not any(re.search(r"\d", b) for b in bullets), bullets
    assert not any(re.search(r"\b(yes|no)\b", b, re.I) for b in bullets), bullets


def test_no_markdown_before_a_prediction_states_what_it_asks(cells):
    asked = index_of(cells, 'predict("08-rest-lost", None)')
    before = " ".join(s for k, s in cells[:asked] if k == "markdown").lower()
    assert "loses carts" not in before and "adds items twice" not in before
    fix = index_of(cells, 'predict("08-fix-carts", None)')
    prompt = cells[fix - 1][1]
    assert "state" in prompt  # offered as one choice among others, not named as the answer
    assert "`state`" in prompt and "`idempotency_keys`" in prompt


def test_the_notebook_has_a_live_view(cells):
    code = "\n".join(s for k, s in cells if k == "code")
    assert "Compare(" in code and "Lab(" in code


# -- what the REST runs and the reveals say ---------------------------------------------

SHOP = Scenario.load("crash").replace(nodes=4, client_timeout=1.0, retries=2, retry_backoff=0.5)


def test_the_rest_runs_show_what_the_reveals_explain():
    """Only the node's memory loses carts; memory and store add items twice; the cookie and
    the keyed resource do neither."""
    designs = {
        "memory": SHOP,
        "store": SHOP.replace(state="store", affinity="none"),
        "cookie": SHOP.replace(state="cookie", affinity="none"),
        "resource": SHOP.replace(state="store", affinity="none", idempotency_keys=True),
    }
    lost, twice = {}, {}
    for name, design in designs.items():
        result = simulate(design)
        lost[name] = int(result.sessions["lost_state"].sum())
        twice[name] = int(result.requests["duplicate"].sum())
    assert {name for name, n in lost.items() if n} == {"memory"}
    assert {name for name, n in twice.items() if n} == {"memory", "store"}


def test_post_twice_adds_twice_and_a_key_applies_it_once():
    server = StatefulCartServer()
    add = {"session": "42", "action": "add", "item": "book"}
    server.handle(add)
    assert server.handle(add)["cart"] == ["book", "book"]
    keyed = StatefulCartServer()
    add = {**add, "idempotency_key": "k-1"}
    keyed.handle(add)
    assert keyed.handle(add)["cart"] == ["book"]


# -- exercise 08-1 ---------------------------------------------------------------------


def test_08_1_only_the_cart_resource_keeps_no_session_on_the_server():
    assert check("08-1", None).status == NOT_ANSWERED
    assert check("08-1", solution_answer("08-1")).status == CORRECT
    assert check("08-1", "b").status == CORRECT
    for wrong in ("a", "c"):
        feedback = check("08-1", wrong)
        assert feedback.status == TRY_AGAIN and "session" in feedback.message
    question = check("08-1", None).message
    assert "shared session store" in question and "/carts/42" in question


# -- exercise 08-3: "add one more", tried on the real service -----------------------------


def test_08_3_only_a_key_per_click_keeps_two_clicks_two_items_under_retries():
    from statelab.course.exercises import clicks_under_retries

    carts = {design: clicks_under_retries(design) for design in ("put", "post", "post-key")}
    assert carts == {"put": ["mug"], "post": ["mug"] * 4, "post-key": ["mug"] * 2}
    assert (
        check("08-3", "post-key").status == CORRECT == check("08-3", solution_answer("08-3")).status
    )
    for wrong, count in (("put", 1), ("post", 4)):
        feedback = check("08-3", wrong)
        assert (
            feedback.status == TRY_AGAIN and f"ends with {count} of them, not 2" in feedback.message
        )
    assert "one of 'put', 'post', 'post-key'" in check("08-3", "patch").message


# -- the capstone, 08-2 ------------------------------------------------------------------


def measured(design: Scenario) -> dict:
    """The review's quantities, worked out here from the run's frames."""
    result = simulate(design)
    requests = result.requests
    served = requests[requests["outcome"].isin(["ok", "state_lost"])]
    last = requests.sort_values("attempt").groupby(["session", "request"]).tail(1)
    for_good = last[
        ~last["outcome"].isin(["ok", "state_lost"]) & (last["attempt"] == design.retries + 1)
    ]
    peak = int(result.timeline["nodes_up"].max())
    return {
        "p95": float((served["end"] - served["arrival"]).quantile(0.95)),
        "lost": int(result.sessions["lost_state"].sum()),
        "twice": int(requests["duplicate"].sum()),
        "failed for good": len(for_good) / int((requests["attempt"] == 1).sum()),
        "slots": peak * design.workers + (design.store_workers if design.state == "store" else 0),
    }


def meets_the_targets(m: dict) -> bool:
    return (
        m["p95"] <= CAPSTONE_P95 + 0.01
        and m["lost"] == 0
        and m["twice"] == 0
        and m["failed for good"] <= CAPSTONE_GIVE_UP
        and m["slots"] <= CAPSTONE_COST
    )


def test_the_brief_is_the_one_the_notebook_states():
    assert CAPSTONE_BRIEF.client_timeout == 2.0
    assert CAPSTONE_BRIEF.nodes == 8 and CAPSTONE_BRIEF.workers == 4
    assert set(CAPSTONE_BRIEF.events) == {
        Crash(2, 400.0),
        StoreOutage(450.0, 2.0),
        ScaleTo(4, 600.0),
    }
    assert CAPSTONE_COST == 32 and CAPSTONE_P95 == 1.0 and CAPSTONE_GIVE_UP == 0.001


def test_08_2_the_solution_meets_every_target_measured_here_and_keeps_the_brief():
    design = solution_answer("08-2")
    for name in ("arrival_rate", "client_timeout", "duration", "seed", "health_check_delay"):
        assert getattr(design, name) == getattr(CAPSTONE_BRIEF, name)
    assert [(type(e), getattr(e, "nodes", None), e.at) for e in design.events] == [
        (type(e), getattr(e, "nodes", None), e.at) for e in CAPSTONE_BRIEF.events
    ]
    assert meets_the_targets(measured(design))
    assert check("08-2", design).status == CORRECT
    assert solution("08-2").explanation


def test_08_2_one_node_fewer_misses_a_target():
    """The budget is tight: the solution less one node does not carry the peak."""
    smaller = solution_answer("08-2").replace(nodes=solution_answer("08-2").nodes - 1)
    assert not meets_the_targets(measured(smaller))


def test_the_brief_and_the_store_alone_fail_as_the_reveals_say():
    brief = measured(CAPSTONE_BRIEF)
    assert brief["lost"] > 0 and brief["twice"] > 0
    store = CAPSTONE_BRIEF.replace(state="store", affinity="none")
    m = measured(store)
    assert m["lost"] == 0  # 08-fix-carts: the state is the change
    assert m["twice"] > 0 and m["failed for good"] > CAPSTONE_GIVE_UP
    assert m["slots"] > CAPSTONE_COST  # 08-store-passes: no
    table = pd.DataFrame(review(store), columns=["target", "met", "measured"])
    assert not table["met"].all() and table.loc[2, "met"]


def test_08_2_a_design_that_wishes_the_trouble_away_is_refused():
    design = solution_answer("08-2")
    calm = design.replace(events=(Crash(2, 400.0), ScaleTo(4, 600.0)))
    assert "workload" in check("08-2", calm).message
    patient = design.replace(client_timeout=None)
    assert "client_timeout" in check("08-2", patient).message
    drained = design.replace(
        events=(Crash(2, 400.0), StoreOutage(450.0, 2.0), ScaleTo(4, 600.0, 30.0, "in_flight"))
    )
    assert review(drained)[0][1]  # the scale-in's drain and mode are the design's
