"""The judge (statelab.course.judge, statelab.exercises.judge) on the policies a learner
writes: the stub fails with a useful message, the worked solution passes, two plausible wrong
solutions are each caught with the counter-example their message names; code that raises,
loops or answers with the wrong type gets a clear Verdict in bounded time."""

from __future__ import annotations

import bisect
import functools
import random
import time

import pytest

from statelab.course import judge as judging
from statelab.exercises import apply_once, judge
from statelab.sim.routing import stable_hash
from statelab.sim.simulation import simulate as simulate_

# -- routers: stubs, solutions, wrong solutions -------------------------------------------


def stub(key, up, configured):
    return None  # the notebooks' stub: "your code here"


def modulo_live(key, up, configured):
    return up[key % len(up)]


def nginx_style(key, up, configured):
    node = key % configured
    while node not in up:  # the home node is down: stir the key and try again
        key = stable_hash(key)
        node = key % configured
    return node


@functools.cache
def ring_points(up):
    return sorted((stable_hash("node", node, v), node) for node in up for v in range(100))


def ring(key, up, configured):
    points = ring_points(up)
    i = bisect.bisect(points, (key,)) % len(points)
    return points[i][1]


def random_node(key, up, configured):
    return random.choice(up)


def first_node(key, up, configured):
    return up[0]


def modulo_of_configured_then_live(key, up, configured):
    return up[key % configured % len(up)]


def ring_placed_by_size(key, up, configured):
    points = sorted((stable_hash("node", node, len(up)), node) for node in up)
    i = bisect.bisect(points, (key,)) % len(points)
    return points[i][1]


CASES = {
    "router-keeps-carts": (modulo_live, [random_node, first_node]),
    "router-survives-crash": (nginx_style, [modulo_live, modulo_of_configured_then_live]),
    "router-scales-out": (ring, [modulo_live, ring_placed_by_size]),
}


@pytest.mark.parametrize("task", CASES)
def test_a_router_stub_fails_and_says_why(task):
    verdict = judge(stub, task)
    assert not verdict.passed
    assert "got None" in verdict.message and "the balancer picks any node" in verdict.message


@pytest.mark.parametrize("task", CASES)
def test_a_worked_router_passes_and_shows_its_run(task):
    solution, _ = CASES[task]
    verdict = judge(solution, task)
    assert verdict.passed, verdict.message
    assert verdict.counterexample is None
    assert verdict.result is not None and verdict.result.scenario.affinity  # a real run
    assert "nothing broke" in verdict.message


@pytest.mark.parametrize(("task", "wrong"), [(t, w) for t, (_, ws) in CASES.items() for w in ws])
def test_a_wrong_router_is_caught_with_its_counterexample(task, wrong):
    verdict = judge(wrong, task)
    assert not verdict.passed, wrong.__name__
    case = verdict.counterexample
    assert case is not None
    if "key" in case:  # the key named in the words is the key that breaks: check it again
        assert str(case["key"]) in verdict.message
        if task == "router-survives-crash":
            up = tuple(k for k in range(case["configured"]) if k != case["crashed"])
            assert wrong(case["key"], up, case["configured"]) == case["now"] != case["was"]
        if task == "router-scales-out":
            n = case["from_nodes"]
            now = wrong(case["key"], tuple(range(n + 1)), n + 1)
            assert now == case["now"] != n
    else:  # a share out of bounds
        assert any(k in case for k in ("share", "moved_share"))


def test_the_routers_crash_run_shows_carts_kept_that_modulo_loses():
    kept = judge(nginx_style, "router-survives-crash").result.summary()
    moved = judge(modulo_live, "router-survives-crash").result.summary()
    assert kept["sessions_lost_rehash"] == 0
    assert moved["sessions_lost_rehash"] > 0


# -- the idempotency check ----------------------------------------------------------------


def apply_stub(request, seen):
    return None


def always_append(request, seen):
    return {"status": 200, "cart": [*request["cart"], request["item"]]}


def replay_any_item(request, seen):
    if request["key"] in seen:
        return {"status": 200, "cart": request["cart"]}
    seen[request["key"]] = True
    return {"status": 200, "cart": [*request["cart"], request["item"]]}


def test_the_idempotency_stub_gets_a_wrong_type_verdict():
    verdict = judge(apply_stub, "idempotent-add")
    assert not verdict.passed
    assert "returned None" in verdict.message and "'status'" in verdict.message


def test_the_courses_idempotency_check_passes():
    verdict = judge(apply_once, "idempotent-add")
    assert verdict.passed, verdict.message


def test_applying_every_retry_is_caught_as_an_item_added_twice():
    verdict = judge(always_append, "idempotent-add")
    assert not verdict.passed
    assert "added twice" in verdict.message
    cart = verdict.counterexample["cart"]
    assert any(cart.count(item) > 1 for item in cart)


def test_a_reused_key_with_another_item_must_be_refused():
    verdict = judge(replay_any_item, "idempotent-add")
    assert not verdict.passed
    assert "another item" in verdict.message and "422" in verdict.message
    requests = verdict.counterexample["requests"]
    last = requests[-1]
    assert any(r["key"] == last["key"] and r["item"] != last["item"] for r in requests[:-1])


# -- code that breaks ---------------------------------------------------------------------


def test_a_router_that_raises_gets_the_exception_and_its_line():
    def route(key, up, configured):
        return up[key % 7]  # IndexError with fewer than 7 nodes

    verdict = judge(route, "router-keeps-carts")
    assert not verdict.passed
    assert "IndexError" in verdict.message
    assert "`return up[key % 7]" in verdict.message and "line " in verdict.message


def test_a_router_that_answers_a_node_not_up_is_told_what_a_router_returns():
    verdict = judge(lambda key, up, configured: str(up[0]), "router-keeps-carts")
    assert not verdict.passed
    assert "returned '0'" in verdict.message and "one of the nodes up" in verdict.message


def test_code_that_never_returns_is_stopped_at_the_time_limit(monkeypatch):
    monkeypatch.setattr(judging, "TIME_LIMIT", 1.0)

    def route(key, up, configured):
        while True:
            pass

    began = time.monotonic()
    verdict = judge(route, "router-keeps-carts")
    assert time.monotonic() - began < 3
    assert not verdict.passed and "more than 1 s" in verdict.message


def test_a_value_that_is_not_a_function_and_an_unknown_task_are_told_apart():
    assert "not a function" in judge(modulo_live(1, (0,), 1), "router-keeps-carts").message
    with pytest.raises(ValueError, match="task is 'keep-carts'; allowed: router-keeps-carts"):
        judge(modulo_live, "keep-carts")


def test_a_displayed_verdict_shows_its_words_then_its_run(monkeypatch):
    from statelab.dashboards import verdicts
    from statelab.widgets import AnimatedCluster

    shown = []
    monkeypatch.setattr(verdicts, "display", shown.append)
    judge(modulo_live, "router-survives-crash")._ipython_display_()
    words, view = shown
    assert "**Not yet**" in words.data and "Counter-example: key = " in words.data
    assert isinstance(view, AnimatedCluster)
    assert view.time == 57.0  # 3 s before the crash preset's crash at 60 s, ready to play


# -- the drain rule -----------------------------------------------------------------------


def stop_now(node, waited):
    return True  # the notebooks' stub: stop at once


def when_empty(node, waited):
    return node["carts"] == 0 and node["in_flight"] == 0


def when_nothing_in_flight(node, waited):
    return node["in_flight"] == 0


def after_twenty_seconds(node, waited):
    return waited >= 20


def test_a_drain_that_waits_for_its_carts_passes():
    verdict = judge(when_empty, "drain-loses-nothing")
    assert verdict.passed, verdict.message
    assert verdict.result.summary()["sessions_lost_scale_in"] == 0


@pytest.mark.parametrize("wrong", [stop_now, when_nothing_in_flight, after_twenty_seconds])
def test_a_drain_that_stops_too_soon_is_caught_with_the_shopper_it_cost(wrong):
    verdict = judge(wrong, "drain-loses-nothing")
    assert not verdict.passed
    case = verdict.counterexample
    losses = verdict.result.losses
    lost = losses[(losses["cause"] == "scale_in") & (losses["session"] == case["shopper"])]
    assert len(lost) == 1 and f"shopper #{case['shopper']}" in verdict.message
    assert "still in its memory" in verdict.message


def test_a_drain_that_never_stops_is_told_it_must_end():
    verdict = judge(lambda node, waited: False, "drain-loses-nothing")
    assert not verdict.passed and "still there after 600 s" in verdict.message


def test_a_drain_rule_that_answers_a_number_is_told_what_it_answers():
    verdict = judge(lambda node, waited: node["carts"], "drain-loses-nothing")
    assert not verdict.passed
    assert "answers True (stop now) or False (not yet)" in verdict.message


def test_the_leaving_node_a_rule_sees_is_the_models():
    from statelab.dashboards.moments import carts_held
    from statelab.sim.simulation import simulate

    seen = []

    def record(node, waited):
        seen.append((waited, dict(node)))
        return when_empty(node, waited)

    result = simulate(judging.drain_scenario(1), drain=record)
    first = seen[0][1]
    assert seen[0][0] == 0 and first["node"] == 3
    assert first["carts"] == carts_held(result, 3, judging.DRAIN_AT + 1e-9) > 0
    assert [w for w, _ in seen] == [float(i) for i in range(len(seen))]  # once a second
    assert seen[-1][1]["carts"] == 0 and all(s["carts"] > 0 or s["in_flight"] for _, s in seen[:-1])


# -- the plug-in points run the course's own rules with the same records -----------------


@pytest.mark.parametrize("state", ["store", "server"])
def test_the_courses_idempotency_rules_through_the_plug_in_give_the_same_run(state):
    shop = judging.IDEMPOTENT_RUN.replace(state=state, affinity="sticky")
    for keyed, rule in ((True, apply_once), (False, always_append)):
        ours = simulate_(shop.replace(idempotency_keys=keyed))
        theirs = simulate_(shop, idempotency=rule)
        assert ours.requests.equals(theirs.requests)
        assert ours.sessions.equals(theirs.sessions)
        assert (ours.summary()["duplicate_items"] > 0) == (not keyed)


def test_an_idempotency_verdict_shows_a_run_with_the_duplicates_it_makes():
    wrong = judge(always_append, "idempotent-add").result.summary()["duplicate_items"]
    right = judge(apply_once, "idempotent-add").result.summary()["duplicate_items"]
    assert wrong > 0 == right


def test_a_check_that_answers_nothing_stops_the_run_with_what_it_answers():
    with pytest.raises(ValueError, match=r"answered None for .* it answers a dict with 'status'"):
        simulate_(judging.IDEMPOTENT_RUN, idempotency=apply_stub)
    with pytest.raises(TypeError, match="idempotency must be a function apply"):
        simulate_(judging.IDEMPOTENT_RUN, idempotency="apply_once")


def test_the_cart_service_runs_a_learners_check_as_the_judge_and_the_model_do():
    from statelab.cart import StatefulCartServer

    for check, carts in (
        (apply_once, [["pen"], ["pen"]]),
        (always_append, [["pen"], ["pen", "pen"]]),
    ):
        server = StatefulCartServer(check=check)
        add = {"session": "1", "action": "add", "item": "pen", "idempotency_key": "k"}
        assert [server.handle(add)["cart"] for _ in range(2)] == carts
    server = StatefulCartServer(check=apply_once)
    server.handle({"session": "1", "action": "add", "item": "pen", "idempotency_key": "k"})
    other = server.handle({"session": "1", "action": "add", "item": "mug", "idempotency_key": "k"})
    assert other["status"] == 422 and server.carts["1"] == ["pen"]


def test_the_courses_drain_modes_are_rules_a_learner_could_pass():
    from statelab import ScaleTo
    from statelab.sim import draining

    assert draining.rule_for("abrupt", 0.0) is draining.abrupt is draining.rule_for("sticky", 0)
    rule = draining.rule_for("sticky", 30.0)
    node = draining.LeavingNode(3, carts=5, in_flight=1, pinned=4, idle_s=0.0)
    assert (rule(node, 0.0), rule(node, 30.0), draining.next_ask(rule, 0.0)) == (False, True, 30.0)
    assert dict(node) == {"node": 3, "carts": 5, "in_flight": 1, "pinned": 4, "idle_s": 0.0}
    base = judging.drain_scenario(1)
    ours = simulate_(base.replace(events=(ScaleTo(3, at=60.0, drain=30.0, mode="sticky"),)))
    theirs = simulate_(base, drain=draining.after(30.0))
    assert ours.requests.equals(theirs.requests) and ours.losses.equals(theirs.losses)
    assert ours.summary()["sessions_lost_scale_in"] > 0  # 30 s is shorter than some visits


def test_a_run_with_a_learners_policies_names_them_and_the_view_shows_the_router():
    from statelab.view.playback import payload

    result = judge(modulo_live, "router-survives-crash").result
    assert result.policies == {"router": "modulo_live"}
    assert payload(result)["meta"]["affinity"] == "router modulo_live()"
    lambdas = judge(lambda key, up, configured: up[key % len(up)], "router-keeps-carts")
    assert payload(lambdas.result)["meta"]["affinity"] == "your router"
    drained = judge(when_empty, "drain-loses-nothing").result
    assert drained.policies == {"drain": "when_empty"}
    assert simulate_(judging.drain_scenario(1)).policies == {}
