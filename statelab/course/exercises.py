"""Exercises: the learner answers in a variable, and ``check`` says how it went.

Every notebook has at least two. An exercise cell runs as given::

    answer = None                     # your answer here
    check("04-1", answer)

``check`` says "not answered yet" for ``None``, "correct" for a right answer,
and otherwise gives a hint that points at the idea (never just "wrong").
``solution("04-1")`` shows the worked answer without touching the learner's
variable, so "Run All" never overwrites anyone's work.

``predict`` and ``reveal`` (see :mod:`statelab.course.predictions`) close the
other loop: a guess recorded before a run, read back against what it measured.

The capstone (``"08-2"``) takes a whole design, a :class:`~statelab.Scenario`,
runs it through the flash sale and reviews it against its targets.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from statelab import theory
from statelab.course.builds import BUILDS, Build
from statelab.course.cart import StatelessCartHandler
from statelab.course.cart_web import serve
from statelab.course.feedback import CORRECT, NOT_ANSWERED, RECORDED, TRY_AGAIN, Feedback
from statelab.course.predictions import (
    PREDICTIONS,
    Prediction,
    Reveal,
    predict,
    reveal,
    your_guesses,
)
from statelab.sim.checks import unknown_name
from statelab.sim.cookie import encoded_size
from statelab.sim.events import Crash, Restart, ScaleTo, StoreOutage
from statelab.sim.scenario import Scenario
from statelab.sim.simulation import simulate


@dataclass(frozen=True)
class Solution:
    """A worked solution: the answer and why."""

    exercise: str
    answer: object
    explanation: str

    def shown(self) -> str:
        """The answer as a person reads it: a float to 3 significant figures (15.2, not
        15.194959559413547; the exact value stays in ``answer``)."""
        answer = self.answer
        if isinstance(answer, float) and not isinstance(answer, bool):
            return f"{answer:.3g}"
        return repr(answer)

    def __repr__(self) -> str:
        return f"Solution {self.exercise}: {self.shown()}. {self.explanation}"

    def _repr_markdown_(self) -> str:
        return f"**Solution {self.exercise}:** `{self.shown()}`\n\n{self.explanation}"


@dataclass(frozen=True)
class Exercise:
    """One question: how to judge an answer, the hints, and the solution."""

    id: str
    question: str
    answer: object
    explanation: str
    judge: Callable[[object], tuple[bool, str]] = field(repr=False)


__all__ = [
    "CORRECT",
    "EXERCISES",
    "NOT_ANSWERED",
    "PREDICTIONS",
    "RECORDED",
    "TRY_AGAIN",
    "Exercise",
    "Feedback",
    "Prediction",
    "Reveal",
    "Solution",
    "check",
    "predict",
    "reveal",
    "review",
    "solution",
    "solution_answer",
    "your_guesses",
]

SHARE = "a share from 0 to 1"


def _number(value: float, tolerance: float, low_hint: str, high_hint: str, *, unit: str):
    """Judge a number within ``tolerance`` of ``value``.

    ``unit`` says what kind of number to give (``SHARE``, "in seconds", "a count of
    sessions"...): a non-number is told that, never the expected value. The hints
    point at the idea, below and above the answer.
    """

    def judge(answer):
        if isinstance(answer, bool) or not isinstance(answer, numbers.Real):
            return False, f"answer with a number ({unit}); you gave {answer!r}"
        if math.isnan(answer):
            return False, f"NaN is not an answer: give a number ({unit})"
        if unit == SHARE and 1 < answer <= 100:
            share = f"{answer / 100:g} for {answer:g}%"
            return False, f"give the share as a number from 0 to 1: {share}"
        if abs(answer - value) <= tolerance:
            return True, ""
        return False, low_hint if answer < value else high_hint

    return judge


def _choice(value: str, options: tuple[str, ...], hints: dict[str, str]):
    def judge(answer):
        if not isinstance(answer, str) or answer.strip().lower() not in options:
            return False, f"answer with one of {', '.join(map(repr, options))}; you gave {answer!r}"
        picked = answer.strip().lower()
        if picked == value:
            return True, ""
        return False, hints.get(picked, "think again about where the cart lives")

    return judge


# -- 08-3: a design for "add one more", tried on the real service -------------------------

#: The designs of the "add one more" button exercise 08-3 offers.
CLICK_DESIGNS = ("put", "post", "post-key")


def clicks_under_retries(design: str) -> list[str]:
    """Two tabs click "add one more mug" once each, on the real cart service over HTTP; each
    click's first request is answered but the answer is lost (a timeout), so it is sent
    again. Returns the cart at the end (two clicks: two mugs is right).

    ``"put"``: each tab sends ``PUT /carts/42/items/mug`` with the quantity it shows plus one
    (both show 0); ``"post"``: ``POST /carts/42/items``; ``"post-key"``: the same POST with an
    ``Idempotency-Key`` made once per click (its retry sends the same key).
    """
    with serve() as site:
        shown = len(site.get("/carts/42")[1]["cart"])  # what both tabs show before the clicks
        for tab in ("a", "b"):
            for _attempt in range(2):  # the first answer is lost: the client sends it again
                if design == "put":
                    site.put("/carts/42/items/mug", {"quantity": shown + 1})
                elif design == "post":
                    site.post("/carts/42/items", {"item": "mug"})
                else:
                    site.post("/carts/42/items", {"item": "mug"}, key=f"click-{tab}")
        return site.get("/carts/42")[1]["cart"]


def _judge_design(answer):
    if not isinstance(answer, str) or answer.strip().lower() not in CLICK_DESIGNS:
        return False, (
            f"answer with one of {', '.join(map(repr, CLICK_DESIGNS))}; you gave {answer!r}"
        )
    picked = answer.strip().lower()
    cart = clicks_under_retries(picked)
    if cart.count("mug") == 2:
        return True, ""
    tried = (
        f"tried on the real service: two tabs click 'one more mug' once each, every click sent "
        f"twice (its "
        f"first answer lost); the cart ends with {cart.count('mug')} of them, not 2"
    )
    why = {
        "put": "both tabs set the quantity they saw plus one, so the second click overwrote "
        "the first (a lost update): PUT is idempotent, but 'one more' is not a quantity the "
        "client knows",
        "post": "each retry added again: POST is not idempotent",
    }
    return False, f"{tried}; {why[picked]}"


# -- the capstone --------------------------------------------------------------

#: One change of each kind the design review's first question offers, each tried alone.
ONE_CHANGE_08 = {
    "nodes": {"nodes": 10},
    "workers": {"workers": 8},
    "balancer": {"balancer": "least_connections"},
    "affinity": {"affinity": "ip_hash"},
    "state": {"state": "store"},
    "retries": {"retries": 4},
    "idempotency_keys": {"idempotency_keys": True},
}


def carts_lost_by_one_change(design) -> dict[str, int]:
    """Carts lost in ``design`` with each change of :data:`ONE_CHANGE_08` made alone, by the
    name of the field changed (each a run of the design; a few seconds in all)."""
    return {
        name: _review_run(design.replace(**change)).summary()["sessions_lost"]
        for name, change in ONE_CHANGE_08.items()
    }


#: The brief of the design review: the flash sale of notebook 07 and, in the middle of it,
#: node 2 crashes at 400 s and the session store hiccups for 2 s at 450 s; after the sale,
#: at 600 s, the cluster is scaled in to 4 nodes. The shoppers' app gives up on an answer
#: after 2 s (and retries as the design says). The balancer needs 2 s to notice a crash.
#: The cluster as it stands: 8 sticky nodes of 4 workers, carts in their memory.
CAPSTONE_BRIEF = Scenario.load("capstone").replace(
    nodes=8,
    duration=700.0,
    client_timeout=2.0,
    events=(Crash(2, 400.0), StoreOutage(450.0, 2.0), ScaleTo(4, 600.0)),
)
CAPSTONE_P95 = 1.0  # seconds
CAPSTONE_GIVE_UP = 0.001  # requests that fail for good, per request a shopper sends
CAPSTONE_COST = 32  # worker slots at the peak: the web workers of the nodes up + the store's
#: A design that meets every target: the solution of exercise 08-2.
CAPSTONE_SOLUTION = CAPSTONE_BRIEF.replace(
    nodes=6,
    workers=5,
    affinity="none",
    state="store",
    store_workers=2,
    idempotency_keys=True,
    retries=4,
    retry_backoff=1.0,
)
#: What a design may not change: the shoppers, their app's timeout, the balancer's health
#: checks, the store's speed, the browsers' cookie rules and the run itself.
WORKLOAD_FIELDS = (
    "arrival_rate",
    "requests_per_session",
    "session_length",
    "think_time",
    "service_time",
    "client_timeout",
    "health_check_delay",
    "store_latency",
    "cookie_limit",
    "cookie_bytes_per_item",
    "cookie_cost_per_kb",
    "failures",
    "duration",
    "warmup",
    "seed",
)
#: The criteria of the review, in the order it checks them.
CAPSTONE_CRITERIA = (
    "keeps the brief's workload and its happenings",
    f"p95 latency at most {CAPSTONE_P95:g} s",
    "no cart lost",
    "no item added twice",
    f"at most 1 request in {1 / CAPSTONE_GIVE_UP:,.0f} fails for good",
    f"at most {CAPSTONE_COST} worker slots at the peak",
)


def _happenings(scenario: Scenario) -> list:
    """The events as the brief fixes them: a scale-in's drain and mode are the design's."""
    fixed = [("ScaleTo", e.nodes, e.at) if isinstance(e, ScaleTo) else e for e in scenario.events]
    return sorted(fixed, key=repr)


@functools.lru_cache(maxsize=16)
def _review_run(design: Scenario):
    return simulate(design)


def capstone_cost(result) -> tuple[int, int, int]:
    """Worker slots at the peak of a run: (slots, nodes up at the peak, store workers)."""
    scenario = result.scenario
    peak = int(result.timeline["nodes_up"].max())
    store = scenario.store_workers if scenario.state == "store" else 0
    return peak * scenario.workers + store, peak, store


def review(design: Scenario) -> list[tuple[str, bool, str]]:
    """Run ``design`` and review it against the capstone's targets.

    Returns one (criterion, met, what was measured) a target: the workload and the
    happenings are the brief's (:data:`CAPSTONE_BRIEF`: the flash sale, the crash of
    node 2 at 400 s, the store's 2 s hiccup at 450 s, the scale-in to 4 nodes at 600 s
    and the shoppers' 2 s timeout, which a design may not wish away; the scale-in's
    drain and mode are the design's); p95 latency at most 1 s; no cart lost; no item
    added twice; at most 1 request in 1,000 fails for good (a shopper sees an error);
    and at most 32 worker slots at the peak (the nodes up times their workers, plus
    the store's workers when the carts live there).
    """
    if not isinstance(design, Scenario):
        raise TypeError(f"the design is a Scenario, got {design!r}")
    brief = CAPSTONE_BRIEF
    changed = [name for name in WORKLOAD_FIELDS if getattr(design, name) != getattr(brief, name)]
    if _happenings(design) != _happenings(brief):
        changed.append("events")
    result = _review_run(design)
    summary = result.summary()
    sent = int((result.requests["attempt"] == 1).sum())
    gave_up = result.gave_up()
    slots, peak, store = capstone_cost(result)
    kept, p95, lost, twice, give_up, cost = CAPSTONE_CRITERIA
    return [
        (kept, not changed, "unchanged" if not changed else f"changed: {', '.join(changed)}"),
        (p95, summary["latency_p95"] <= CAPSTONE_P95, f"{summary['latency_p95']:.2f} s"),
        (lost, summary["sessions_lost"] == 0, f"{summary['sessions_lost']} lost"),
        (twice, summary["duplicate_items"] == 0, f"{summary['duplicate_items']} items twice"),
        (
            give_up,
            gave_up <= CAPSTONE_GIVE_UP * sent,
            f"{gave_up} of {sent:,} requests failed for good",
        ),
        (
            cost,
            slots <= CAPSTONE_COST,
            f"{slots} slots: {peak} nodes at the peak x {design.workers} workers"
            + (f" + {store} store workers" if store else ""),
        ),
    ]


_CAPSTONE_HINTS = dict(
    zip(
        CAPSTONE_CRITERIA,
        (
            "change only the cluster and how its clients retry (nodes, workers, balancer, "
            "affinity, state, store_workers, store_persistent, idempotency_keys, retries, "
            "retry_backoff, autoscale, and the scale-in's drain and mode): the shoppers, "
            "their timeout and the happenings are given",
            "the queue at the peak decides the p95, and the crash takes one node's workers "
            "away: how many workers does the peak need with a node down?",
            "a crash and a scale-in lose the carts held in a node's memory (and a store that "
            "does not persist loses its carts in the hiccup): where else can the cart live?",
            "a client that gives up after 2 s retries an add that the server may still "
            "finish: what makes a change applied twice harmless?",
            "requests fail at the crash, in the store's hiccup and at an abrupt scale-in: a "
            "retry that comes after the trouble is over succeeds (retries, retry_backoff), "
            "and a drain lets requests in flight finish",
            "it works, now trim it: which workers sit idle at the peak? The store's workers "
            "count too",
        ),
        strict=True,
    )
)


def _judge_capstone(design):
    if not isinstance(design, Scenario):
        return False, (
            "the answer is a design: a Scenario, e.g. "
            "brief.replace(nodes=..., state=...) with brief = CAPSTONE_BRIEF"
        )
    failed = [(name, measured) for name, met, measured in review(design) if not met]
    if not failed:
        return True, ""
    name, measured = failed[0]
    return False, f"{name}: {measured}. {_CAPSTONE_HINTS[name]}"


# -- answers read from runs: notebooks 00 to 02 -------------------------------------
#
# An exercise answered from a run is checked against the same run, simulated here with the
# scenario and the seed the notebook uses: never a copied number. (Computed once, when this
# module is imported: about 0.3 s.)

#: Notebook 01's Lab: one stateful server, restarted for a deploy at 60 s.
DEPLOY_01 = Scenario(nodes=1, workers=8, events=(Restart(0, 60.0),))
#: Notebook 02's Lab: one node of 4 workers, one request a shopper, 1 s of work a request.
QUEUE_02 = Scenario(
    nodes=1,
    workers=4,
    arrival_rate=2.0,
    requests_per_session=1,
    service_time=1.0,
    affinity="none",
    duration=300.0,
    warmup=50.0,  # the steady state is meant: the first 50 s, from an empty shop, are left out
)
P95_BOUND_02 = 4.0  # seconds: the p95 latency exercises 02-1 and 02-2 ask for
LOAD_STEP_02 = 0.5  # shoppers a second: a step of the Lab's load slider
BUSY_LOAD_02 = 7.0  # shoppers a second, in exercise 02-2


def seconds_until_the_last_loss(scenario: Scenario) -> float:
    """Seconds from the scenario's first event to the end of the last request served
    without its cart (the moment the count of lost sessions stops climbing)."""
    requests = simulate(scenario).requests
    first_event = min(event.at for event in scenario.events)
    lost = requests.loc[requests["outcome"] == "state_lost", "end"]
    return float(lost.max() - first_event)


def highest_load_within(base: Scenario, bound: float, step: float) -> float:
    """The highest arrival rate, in steps of ``step`` shoppers a second, at which the p95
    latency stays at most ``bound`` seconds, as at every lower step (0 if none does)."""
    highest, rate = 0.0, step
    while rate <= 40.0:
        if simulate(base.replace(arrival_rate=rate)).summary()["latency_p95"] > bound:
            break
        highest, rate = rate, rate + step
    return highest


def fewest_workers_within(base: Scenario, bound: float) -> int:
    """The fewest workers that keep the p95 latency at most ``bound`` seconds. Fewer
    workers than the seconds of work arriving a second never catch up, so the search
    starts just above that."""
    workers = math.floor(base.arrival_rate * base.service_time) + 1
    while simulate(base.replace(workers=workers)).summary()["latency_p95"] > bound:
        workers += 1
    return workers


def books_after_a_retry_with_the_new_cookie() -> int:
    """The real cart service: the browser kept the new cookie, the page timed out, and
    the retried add carries that new cookie."""
    handler = StatelessCartHandler(bytes(range(32)))
    first = handler.handle({"action": "add", "item": "book"})
    retry = handler.handle({"action": "add", "item": "book", "cookie": first["cookie"]})
    return retry["cart"].count("book")


# -- thresholds judged over seeds -----------------------------------------------------
#
# One run is an anecdote (notebook 04): an exercise that asks for a threshold (the highest
# load, the fewest retries, the shortest drain...) is judged over THRESHOLD_SEEDS, of which
# the notebook's own run (seed 1) is one. ``check`` accepts any value one of the seeds
# gives; the solution is the value that holds in at least HOLDS_IN of them.

#: The seeds a threshold exercise is judged over (the notebooks' runs use seed 1).
THRESHOLD_SEEDS = tuple(range(1, 11))
#: A threshold's solution holds in at least this many of the THRESHOLD_SEEDS.
HOLDS_IN = 9


@dataclass(frozen=True)
class Threshold:
    """A threshold measured in each of :data:`THRESHOLD_SEEDS`.

    ``answers``: each seed's threshold, in the seeds' order. ``highest``: True when the
    exercise asks for the highest value that holds (a load, a store latency), so every
    lower value holds too; False for the lowest (workers, retries, a timeout, a drain).
    """

    answers: tuple
    highest: bool

    @property
    def low(self):
        return min(self.answers)

    @property
    def high(self):
        return max(self.answers)

    @property
    def seed_1(self):
        """The notebook's own run's threshold."""
        return self.answers[THRESHOLD_SEEDS.index(1)]

    @property
    def robust(self):
        """The value that holds in at least :data:`HOLDS_IN` of the seeds, and is the
        tightest such: the highest value that holds in that many, or the lowest."""
        ordered = sorted(self.answers)
        spare = len(ordered) - HOLDS_IN  # seeds the value may fail in
        return ordered[spare] if self.highest else ordered[-1 - spare]

    def words(self) -> dict:
        """Names an explanation may use: ``{low}``, ``{high}``, ``{seed_1}``, ``{seeds}``."""
        return {
            "low": self.low,
            "high": self.high,
            "seed_1": self.seed_1,
            "seeds": len(self.answers),
            "holds_in": HOLDS_IN,
        }


def last_holding(steps, holds: Callable[[float], bool]):
    """The last of ``steps``, taken in order, before the first one that ``holds`` refuses
    (None if it refuses the first): a threshold that every earlier step meets too."""
    found = None
    for step in steps:
        if not holds(step):
            break
        found = step
    return found


def over_seeds(search: Callable[[int], float], highest: bool) -> Threshold:
    """``search(seed)``, the threshold of one seed's run, for each of :data:`THRESHOLD_SEEDS`."""
    return Threshold(tuple(search(seed) for seed in THRESHOLD_SEEDS), highest)


# The thresholds take 10 searches each (up to 10 s for 05-2), so they are measured once and
# kept in thresholds.json beside this module, each with the key of what it was measured from
# (the scenario, the steps, the bound and the seeds). A threshold whose key no longer matches
# is measured again on the spot; tests/test_thresholds.py measures every one afresh and
# compares, so a change of the model that moves one fails until the file is written again
# (``make thresholds``).

#: Where the measured thresholds are kept.
THRESHOLDS_FILE = Path(__file__).with_name("thresholds.json")
#: exercise id -> (its search of one seed, whether it asks for the highest value, the inputs
#: it is measured from: their repr is its key). Filled in below, next to each search.
THRESHOLD_SEARCHES: dict[str, tuple[Callable[[int], float], bool, tuple]] = {}


def threshold_key(exercise_id: str) -> str:
    """The key of a threshold: a digest of what it is measured from."""
    _, highest, inputs = THRESHOLD_SEARCHES[exercise_id]
    made = repr((exercise_id, highest, inputs, THRESHOLD_SEEDS, HOLDS_IN))
    return hashlib.sha256(made.encode()).hexdigest()[:16]


def measure_threshold(exercise_id: str) -> Threshold:
    """Measure the threshold of ``exercise_id`` over the seeds, now (no stored value)."""
    search, highest, _ = THRESHOLD_SEARCHES[exercise_id]
    return over_seeds(search, highest)


@functools.cache
def threshold(exercise_id: str) -> Threshold:
    """The threshold of ``exercise_id``: as stored in :data:`THRESHOLDS_FILE` when its key
    matches, else measured now."""
    try:
        stored = json.loads(THRESHOLDS_FILE.read_text(encoding="utf-8")).get(exercise_id)
    except (OSError, ValueError):
        stored = None
    _, highest, _ = THRESHOLD_SEARCHES[exercise_id]
    if stored and stored.get("key") == threshold_key(exercise_id):
        return Threshold(tuple(stored["answers"]), highest)
    return measure_threshold(exercise_id)


def write_thresholds(path: Path = THRESHOLDS_FILE) -> dict:
    """Measure every threshold afresh and write them to ``path`` (``make thresholds``)."""
    found = {
        exercise_id: {
            "key": threshold_key(exercise_id),
            "answers": list(measure_threshold(exercise_id).answers),
        }
        for exercise_id in sorted(THRESHOLD_SEARCHES)
    }
    lines = [f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in found.items()]  # one a line
    Path(path).write_text("{\n" + ",\n".join(lines) + "\n}\n", encoding="utf-8")
    return found


def _judge_threshold(threshold, tolerance, low_hint, high_hint, *, unit):
    """Any value within ``tolerance`` of the seeds' range is right: one seed's run gives it."""

    def judge(answer):
        found = threshold()
        wrong = _number(math.nan, 0, low_hint, high_hint, unit=unit)(answer)
        if not isinstance(answer, numbers.Real) or isinstance(answer, bool):
            return wrong
        if math.isnan(answer) or (unit == SHARE and 1 < answer <= 100):
            return wrong
        if found.low - tolerance <= answer <= found.high + tolerance:
            return True, ""
        return False, low_hint if answer < found.low else high_hint

    return judge


# Measured when first needed (a check or a solution), never when the course is imported.
@functools.cache
def _last_loss_00() -> float:
    return seconds_until_the_last_loss(Scenario.load("crash"))


@functools.cache
def _lost_with_four_00() -> int:
    return simulate(Scenario.load("crash").replace(nodes=4)).summary()["sessions_lost"]


@functools.cache
def _books_01() -> int:
    return books_after_a_retry_with_the_new_cookie()


@functools.cache
def _lost_at_deploy_01() -> int:
    return simulate(DEPLOY_01).summary()["sessions_lost"]


def highest_load_02() -> Threshold:
    """Exercise 02-1's threshold over the seeds."""
    return threshold("02-1")


THRESHOLD_SEARCHES["02-1"] = (
    lambda seed: highest_load_within(QUEUE_02.replace(seed=seed), P95_BOUND_02, LOAD_STEP_02),
    True,
    (QUEUE_02, P95_BOUND_02, LOAD_STEP_02),
)


def fewest_workers_02() -> Threshold:
    """Exercise 02-2's threshold over the seeds."""
    return threshold("02-2")


THRESHOLD_SEARCHES["02-2"] = (
    lambda seed: fewest_workers_within(
        QUEUE_02.replace(arrival_rate=BUSY_LOAD_02, seed=seed), P95_BOUND_02
    ),
    False,
    (QUEUE_02, BUSY_LOAD_02, P95_BOUND_02),
)

# -- 03 to 05: answers read from a run ---------------------------------------------
#
# These exercises are answered from a simulation with a fixed seed, so ``check`` runs
# the same simulation: the expected answer is measured, never copied. A run is made the
# first time an answer is needed (a check or a solution), not when the course is imported.

#: The hot-spot shop of notebook 03: heavy-tailed shoppers, 4 sticky nodes, about 70% busy.
HOT_SPOT = Scenario(
    nodes=4,
    workers=4,
    arrival_rate=4.5,
    requests_per_session=50,
    think_time=1.0,
    service_time=0.2,
    session_length="heavy_tailed",
    affinity="sticky",
    duration=300.0,
)
#: The crash of notebook 05 with a balancer that notices it after 3 s.
FLAKY = Scenario(
    nodes=3,
    state="store",
    affinity="none",
    health_check_delay=3.0,
    retry_backoff=0.5,
    events=(Crash(1, 60.0),),
)
#: The slow stateless shop of notebook 05: clients that time out and retry twice.
SLOW = Scenario(
    nodes=3,
    workers=4,
    arrival_rate=4.0,
    service_time=0.25,
    think_time=2.0,
    state="store",
    affinity="none",
    client_timeout=1.0,
    retries=2,
    duration=300.0,
)
TIMEOUT_STEPS = tuple(0.25 * k for k in range(1, 11))  # 0.25 s to 2.5 s
DUPLICATE_BOUND = 0.01  # duplicate items per served request


@functools.cache
def _run(scenario: Scenario):
    return simulate(scenario)


def hot_spot_node() -> int:
    """The node of the hot-spot run that did the most work."""
    return int(_run(HOT_SPOT).work_by_node().idxmax())


def hot_spot_p95() -> float:
    """The p95 latency of the requests the hot node served, in seconds."""
    requests = _run(HOT_SPOT).requests
    served = requests[(requests["outcome"] == "ok") & (requests["node"] == hot_spot_node())]
    return round(float((served["end"] - served["arrival"]).quantile(0.95)), 3)


def rehash_extra_losses() -> int:
    """Carts lost under source_hash beyond those lost under ip_hash, in the rehash preset."""
    lost = {
        affinity: _run(Scenario.load("rehash").replace(affinity=affinity)).summary()[
            "sessions_lost"
        ]
        for affinity in ("source_hash", "ip_hash")
    }
    return lost["source_hash"] - lost["ip_hash"]


def random_failure_losses() -> int:
    """Carts lost in ten minutes of the random_failures preset."""
    return _run(Scenario.load("random_failures")).summary()["sessions_lost"]


def fewest_retries(seed: int = 1) -> int:
    """The fewest retries with which no request of FLAKY (with ``seed``) fails for good."""
    flaky = FLAKY.replace(seed=seed)
    return next(k for k in range(20) if _run(flaky.replace(retries=k)).gave_up() == 0)


def duplicate_share(timeout: float, seed: int = 1) -> float:
    """Duplicate items per served request in SLOW (with ``seed``) with this client timeout."""
    summary = _run(SLOW.replace(client_timeout=timeout, seed=seed)).summary()
    return summary["duplicate_items"] / max(1, summary["ok"])


def shortest_safe_timeout(seed: int = 1) -> float:
    """The shortest timeout of TIMEOUT_STEPS from which on every longer step has fewer than
    1 duplicate per 100 served (searched from the longest down: the short timeouts, with
    their storms of retries, are the slow runs)."""
    return last_holding(
        reversed(TIMEOUT_STEPS), lambda timeout: duplicate_share(timeout, seed) < DUPLICATE_BOUND
    )


def fewest_retries_05() -> Threshold:
    """Exercise 05-1's threshold over the seeds."""
    return threshold("05-1")


def shortest_safe_timeout_05() -> Threshold:
    """Exercise 05-2's threshold over the seeds."""
    return threshold("05-2")


THRESHOLD_SEARCHES["05-1"] = (fewest_retries, False, (FLAKY,))
THRESHOLD_SEARCHES["05-2"] = (shortest_safe_timeout, False, (SLOW, TIMEOUT_STEPS, DUPLICATE_BOUND))

#: Notebook 05's everyday weather: the random_failures preset made stateless (carts in the
#: store, no affinity), with retries, each change written half way through its request.
WEATHER_05 = Scenario.load("random_failures").replace(
    state="store", affinity="none", retries=3, retry_backoff=0.5, health_check_delay=3.0,
    write_at=0.5,
)  # fmt: skip


def written_then_cut() -> int:
    """Attempts of WEATHER_05 that a crash cut short after they had written their add."""
    requests = _run(WEATHER_05).requests
    return int(((requests["outcome"] == "failed") & requests["applied"]).sum())


def _weather_words(answer: int) -> dict:
    summary = _run(WEATHER_05).summary()
    return {"twice": summary["duplicate_items"], "gave_up": answer - summary["duplicate_items"]}


class _FromRun(Exercise):
    """An exercise whose answer is measured by ``measure`` (a run, same seed) when first
    needed; ``explanation`` may name it as ``{answer}``, and the names ``extra(answer)``
    returns (numbers worked out from the run), if ``extra`` is given."""

    def __init__(self, id, question, measure, explanation, judge, extra=None):
        for name, value in (("id", id), ("question", question), ("judge", judge)):
            object.__setattr__(self, name, value)
        object.__setattr__(self, "_measure", measure)
        object.__setattr__(self, "_explanation", explanation)
        object.__setattr__(self, "_extra", extra)

    @property
    def answer(self):
        return self._measure()

    @answer.setter
    def answer(self, value):  # the dataclass's __init__ is not used
        raise AttributeError("the answer of an exercise read from a run is measured")

    @property
    def explanation(self):
        answer = self.answer
        named = self._extra(answer) if self._extra else {}
        return self._explanation.format(answer=answer, **named)

    @explanation.setter
    def explanation(self, value):
        raise AttributeError("the explanation of an exercise read from a run is fixed")


def _measured_number(measure, tolerance, low_hint, high_hint, *, unit):
    """``_number`` against the measured answer, measured at the first answer judged."""

    def judge(answer):
        return _number(measure(), tolerance, low_hint, high_hint, unit=unit)(answer)

    return judge


# -- 06 and 07: answers read from a run ---------------------------------------------
#
# As for 03 to 05: ``check`` runs the notebook's own scenarios, seeded, the first time an
# answer is needed; nothing is simulated when the course is imported.

#: Notebook 06's shop with a shared store (2 store workers, about 30 requests a second).
STORE_SHOP_06 = Scenario(nodes=3, affinity="none", state="store", store_workers=2)
STORE_LATENCY_STEPS_06 = tuple(round(0.040 + 0.005 * k, 3) for k in range(13))  # to 0.1 s
P95_TARGET_06 = 1.0  # seconds
#: Notebook 07's shop of 4 sticky nodes that goes down to 3 at 60 s.
SHRINK_07 = Scenario(nodes=4, workers=8, arrival_rate=10.0, think_time=5.0, service_time=0.1)
DRAIN_STEPS_07 = tuple(float(10 * k) for k in range(31))  # 0 to 300 s


#: Notebook 06's hung store: 15 s without answers at 100 s; clients give up after 2 s and
#: retry twice, half a second apart on average.
HANG_06 = Scenario(
    state="store",
    requests_per_session=8,
    think_time=1.0,
    arrival_rate=5.0,
    duration=300.0,
    events=(StoreOutage(100.0, 15.0, mode="hang"),),
    client_timeout=2.0,
    retries=2,
    retry_backoff=0.5,
)
RECOVERED_AFTER_06 = 200.0  # seconds: "serving again" is judged on the attempts sent after it
#: The changes exercise 06-3 offers for the hung store's storm.
STORM_CURES_06 = {
    "a": {"retry_jitter": "full"},
    "b": {"retry_budget": 0.1},
    "c": {"retries": 5},
}
#: Notebook 06's two tabs: shoppers who add quickly, in two tabs at once, carts in the store
#: written back whole by each node.
TABS_06 = Scenario(
    state="store",
    tabs=2,
    store_update="read_modify_write",
    requests_per_session=8,
    think_time=0.5,
    arrival_rate=3.0,
)
#: The changes exercise 06-4 offers against lost updates.
LOST_UPDATE_CURES_06 = {
    "a": {"idempotency_keys": True},
    "b": {"store_update": "atomic"},
    "c": {"tabs": 2, "state": "cookie", "store_update": "atomic"},
}


def served_share_after(result, after: float = RECOVERED_AFTER_06) -> float:
    """Share of the attempts sent after ``after`` seconds that were served with their cart."""
    requests = result.requests
    late = requests[requests["arrival"] >= after]
    return float((late["outcome"] == "ok").mean()) if len(late) else math.nan


def _judge_cure(cures, measure, good, what, hints):
    """A choice among ``cures`` (changes of a scenario), tried by ``measure(changes)``."""

    def judge(answer):
        picked = answer.strip().lower() if isinstance(answer, str) else None
        if picked not in cures:
            return False, f"answer with one of {', '.join(map(repr, cures))}; you gave {answer!r}"
        value = measure(cures[picked])
        if good(value):
            return True, ""
        return False, f"tried: {what(value)}. {hints[picked]}"

    return judge


def _hang_served(changes: dict) -> float:
    return served_share_after(_run(HANG_06.replace(**changes)))


def _tabs_lost(changes: dict) -> int:
    return _run(TABS_06.replace(**changes)).summary()["lost_updates"]


def fullest_cookie_cart() -> int:
    """The most items a finished shopper's cart held in the cookie_cart run."""
    sessions = _run(Scenario.load("cookie_cart")).sessions
    done = sessions[sessions["end"].notna()]
    return int((done["requests"] - done["items_not_kept"]).max())


def store_p95(latency: float, seed: int = 1) -> float:
    """The p95 latency of notebook 06's store shop with a store of ``latency`` s a call."""
    shop = STORE_SHOP_06.replace(store_latency=latency, seed=seed)
    return _run(shop).summary()["latency_p95"]


def slowest_store_within_target(seed: int = 1) -> float:
    """The slowest of STORE_LATENCY_STEPS_06 whose p95 meets the target, as every faster
    step does."""
    return last_holding(
        STORE_LATENCY_STEPS_06, lambda latency: store_p95(latency, seed) <= P95_TARGET_06
    )


def slowest_store_06() -> Threshold:
    """Exercise 06-2's threshold over the seeds."""
    return threshold("06-2")


THRESHOLD_SEARCHES["06-2"] = (
    slowest_store_within_target,
    True,
    (STORE_SHOP_06, STORE_LATENCY_STEPS_06, P95_TARGET_06),
)


def ip_hash_scale_in_moved() -> float:
    """The share of clients whose node changes when nginx's configuration goes 5 -> 4."""
    return theory.remapped_modulo(5, 4)


def carts_lost_with_drain(drain: float, seed: int = 1) -> int:
    """Carts lost when SHRINK_07 goes down to 3 nodes at 60 s under HAProxy's drain."""
    scenario = SHRINK_07.replace(
        duration=60.0 + drain + 30.0,
        events=(ScaleTo(3, 60.0, drain=drain, mode="sticky"),),
        seed=seed,
    )
    return _run(scenario).summary()["sessions_lost_scale_in"]


def shortest_drain_without_loss(seed: int = 1) -> float:
    """The shortest of DRAIN_STEPS_07 with which no cart is lost."""
    return next(drain for drain in DRAIN_STEPS_07 if carts_lost_with_drain(drain, seed) == 0)


def shortest_drain_07() -> Threshold:
    """Exercise 07-2's threshold over the seeds."""
    return threshold("07-2")


THRESHOLD_SEARCHES["07-2"] = (shortest_drain_without_loss, False, (SHRINK_07, DRAIN_STEPS_07))


def _cookie_sizes(items: int) -> dict:
    return {"fits": encoded_size(items, 150), "over": encoded_size(items + 1, 150)}


def _store_over(latency: float) -> dict:
    over = round(latency + 0.005, 3)
    summary = _run(STORE_SHOP_06.replace(store_latency=over)).summary()
    arrivals = STORE_SHOP_06.arrival_rate * STORE_SHOP_06.requests_per_session
    return {
        "over": over,
        "capacity": STORE_SHOP_06.store_workers / over,
        "over_p95": summary["latency_p95"],
        "busy": arrivals * over / STORE_SHOP_06.store_workers,
    }


def _drain_shorter(drain: float) -> dict:
    """The seeds that lose carts with 10 s less drain: those whose shortest drain without
    loss is longer (each seed's threshold is the first drain of the steps that loses none)."""
    shorter = drain - 10.0
    losing = sum(answer > shorter for answer in shortest_drain_07().answers)
    return {"shorter": f"{shorter:g}", "lost_shorter": losing}


# -- 09: the real thing ----------------------------------------------------------
#
# A real run is not bit-reproducible, so notebook 09's exercise is answered from the
# simulation of the scenario its real run plays (seeded): the learner then sets the count
# beside the real run's. The notebook's runs are short by default and long with LONG = True.

#: The lengths of notebook 09's runs in model seconds: short (the default), and with LONG.
REAL_DURATIONS_09 = (24.0, 120.0)


def sticky_crash_09(duration: float) -> Scenario:
    """Notebook 09's sticky crash: the crash preset (3 sticky nodes), ``duration`` model
    seconds long, node 1 crashing half way (at 120 s long, the preset itself)."""
    return Scenario.load("crash").replace(duration=duration, events=(Crash(1, duration / 2),))


#: Model seconds the real balancer takes on average to notice notebook 09's crash: HAProxy's
#: default checks (inter 2 s, scaled; fall 3) where the scenario's delay is 0, 2.5 intervals
#: on average. ``real.compare`` simulates the crash with it (``crash.simulated``);
#: tests/test_course_09.py checks it against ``statelab.real.registry.notice_delay``.
DETECTED_DELAY_09 = 5.0


def compared_crash_09(duration: float) -> Scenario:
    """The scenario ``real.compare`` simulates beside notebook 09's real sticky crash:
    ``sticky_crash_09(duration)`` with the balancer noticing the crash as late as the real
    one's health checks do on average."""
    return sticky_crash_09(duration).replace(health_check_delay=DETECTED_DELAY_09)


def shoppers_lost_09(duration: float = REAL_DURATIONS_09[0]) -> int:
    """Shoppers who lose their cart in the simulation of ``compared_crash_09(duration)``."""
    return int(_run(compared_crash_09(duration)).summary()["sessions_lost"])


def _judge_shoppers_lost_09(answer):
    counts = [shoppers_lost_09(duration) for duration in REAL_DURATIONS_09]
    judged = [
        _number(
            count,
            0,
            "more shoppers lost their cart: count every session with an attempt whose "
            "outcome is 'state_lost' (an exact count)",
            "fewer lost it: count each session once, and only for the outcome 'state_lost' "
            "(a failed attempt is not a lost cart)",
            unit="a count of sessions",
        )(answer)
        for count in counts
    ]
    right = [j for j in judged if j[0]]
    if right or not isinstance(answer, numbers.Real) or isinstance(answer, bool):
        return (right or judged)[0]
    # the hint of the run length whose count is the nearer
    return min(zip(counts, judged, strict=True), key=lambda pair: abs(pair[0] - answer))[1]


def _long_count_09(answer: int) -> dict:
    return {"long": shoppers_lost_09(REAL_DURATIONS_09[1])}


# -- the exercises -------------------------------------------------------------

EXERCISES = {
    e.id: e
    for e in [
        _FromRun(
            "00-1",
            "In the crash run, how many seconds after the crash does the last of node 1's "
            "shoppers find their cart gone?",
            _last_loss_00,
            "About {answer:.0f} s: a shopper finds out only with their next request, "
            "after a pause to think (4 s on average, sometimes much longer), so the losses "
            "keep coming well after the crash. The curve of lost sessions levels off there "
            "(seconds_until_the_last_loss reads it from result.requests).",
            _measured_number(
                _last_loss_00,
                2.0,
                "the count of lost sessions is still climbing then: read where the curve "
                "levels off, counting from the crash (within 2 s)",
                "the curve is already flat by then: read where it stops climbing, counting "
                "from the crash (within 2 s)",
                unit="in seconds",
            ),
        ),
        _FromRun(
            "00-2",
            "In the Lab, with 4 web servers (node 1 still crashes at 60 s): how many shoppers "
            "lose their cart?",
            _lost_with_four_00,
            "{answer}: with 4 nodes each holds about a quarter of the carts, "
            "fewer than a third; the run is seeded, so everyone reads the same count.",
            _measured_number(
                _lost_with_four_00,
                0,
                "more are lost: set the web servers to 4 and read 'Sessions lost' in the "
                "readout (the run is seeded: give the exact count)",
                "fewer are lost: with more nodes each holds fewer carts; read 'Sessions lost' "
                "in the readout (the exact count)",
                unit="a count of sessions",
            ),
        ),
        _FromRun(
            "01-1",
            "The browser kept the new cookie but the page timed out, so the retried 'add book' "
            "carries the NEW cookie. How many books are in the cart?",
            _books_01,
            "Two: the handler adds the book to the cart it is given, and this time that cart "
            "already holds the first book. Same inputs give the same outputs, but this retry "
            "is not the same input: statelessness does not make a retry safe. An idempotency "
            "key does, wherever the cart lives.",
            _measured_number(
                _books_01,
                0,
                "run it: send the add, then send it again with the cookie the first answer "
                "returned. Which cart does the handler see the second time?",
                "the handler applies each add it receives once, to the cart in the cookie",
                unit="a count of books",
            ),
        ),
        _FromRun(
            "01-2",
            "In the Lab (one stateful server, restarted for a deploy at 60 s, state on the "
            "server): how many shoppers lose their cart?",
            _lost_at_deploy_01,
            "{answer}: nearly every shopper in the middle of a visit at 60 s. The "
            "restart wipes the memory that held every cart; the only ones spared had no "
            "request left after it.",
            _measured_number(
                _lost_at_deploy_01,
                0,
                "more are lost: read 'Sessions lost' in the Lab's readout with state on the "
                "server (the run is seeded: give the exact count)",
                "fewer are lost: read 'Sessions lost' in the readout with 'state lives in' "
                "set to server (the exact count)",
                unit="a count of sessions",
            ),
        ),
        _FromRun(
            "02-1",
            "One node of 4 workers, 1 s of work a request: the highest load (shoppers a "
            "second, in the Lab's steps of 0.5) at which the p95 latency stays at most 4 s?",
            lambda: highest_load_02().robust,
            "{answer:g} shoppers a second holds in {holds_in} of {seeds} seeds; one seed "
            "alone gives anything from {low:g} to {high:g} (the Lab's, seed 1, gives "
            "{seed_1:g}), so any of those is a fair reading of one run. Up to there the p95 "
            "barely moves, as most requests find a worker free; one step more and the queue "
            "takes over. The node is far from 100% busy when the p95 breaks the bound.",
            _judge_threshold(
                highest_load_02,
                1e-9,
                "the p95 is still within the bound one step up: move the load slider up a "
                "step and read the readout",
                "at that load the readout's p95 is above the bound: step the load slider "
                "down until it is not",
                unit="shoppers a second",
            ),
            lambda answer: highest_load_02().words(),
        ),
        _FromRun(
            "02-2",
            "The same node at 7 shoppers a second: the fewest workers that keep the p95 "
            "latency at most 4 s?",
            lambda: fewest_workers_02().robust,
            "{answer} workers hold in {holds_in} of {seeds} seeds (one seed alone gives "
            "{low} to {high}; the Lab's gives {seed_1}). Just enough workers for the "
            "average load, 7, is not enough: the queue needs spare capacity to drain each "
            "burst of arrivals.",
            _judge_threshold(
                fewest_workers_02,
                0,
                "with that few the readout's p95 is above the bound (or the queue never "
                "drains): add a worker and read it again",
                "one worker fewer keeps the p95 within the bound too: take one away and "
                "read the readout",
                unit="a count of workers",
            ),
            lambda answer: fewest_workers_02().words(),
        ),
        _FromRun(
            "03-1",
            "In the sticky hot-spot run `hot` (seed 1), which node is the hot spot, the one "
            "that did the most work?",
            hot_spot_node,
            "Node {answer}: plots.load_by_node(hot_run) shows its bar above the even share. "
            "The heavy shoppers that landed there stay there for their whole visit.",
            _measured_number(
                hot_spot_node,
                0,
                "read the node numbers under the bars of plots.load_by_node(hot_run): "
                "which bar is the tallest?",
                "read the node numbers under the bars of plots.load_by_node(hot_run): "
                "which bar is the tallest?",
                unit="a node number",
            ),
        ),
        _FromRun(
            "03-2",
            "In the same run, what is the p95 latency of the requests the hot node served, "
            "in seconds?",
            hot_spot_p95,
            "{answer} s (p95_by_node in the notebook): well above the cluster's p95, because "
            "the hot node's queue is longer, while the quiet nodes have workers to spare.",
            _measured_number(
                hot_spot_p95,
                0.05,
                "too low: take the hot node's row of p95_by_node (within 0.05 s), not the "
                "cluster's p95 or a quiet node's",
                "too high: take the 95th percentile of the hot node's latencies (within "
                "0.05 s), not its slowest request",
                unit="in seconds",
            ),
        ),
        _FromRun(
            "04-1",
            "In the rehash preset (node 1 of 4 crashes at 60 s), how many more shoppers lose "
            "their cart under source_hash than under ip_hash?",
            rehash_extra_losses,
            "{answer}: every one of them lost the cart to the rehash (cause `rehash`). Both "
            "lose the crashed node's shoppers; only hashing over the live nodes moves the "
            "others too.",
            _measured_number(
                rehash_extra_losses,
                0,
                "set the Compare to source_hash on one side and ip_hash on the other, and "
                "subtract the sessions lost on the right from those on the left",
                "subtract the two readouts' sessions lost: the shoppers of the crashed node "
                "are lost under both",
                unit="a count of sessions",
            ),
        ),
        _FromRun(
            "04-2",
            "How many shoppers lose their cart in ten minutes of the random_failures preset?",
            random_failure_losses,
            "{answer}: simulate(weather).summary()['sessions_lost']. Every failure wipes the "
            "carts of its node; no failure spares a stateful cluster.",
            _measured_number(
                random_failure_losses,
                0,
                "read sessions_lost in the summary of simulate(weather), the ten-minute run "
                "of the timeline",
                "read sessions_lost in the summary of simulate(weather), the ten-minute run, "
                "not the long run of 20,000 s",
                unit="a count of sessions",
            ),
        ),
        _FromRun(
            "05-1",
            "In the `flaky` run (the balancer notices the crash after 3 s, retries half a "
            "second apart on average), what is the fewest retries with which no request "
            "fails for good?",
            lambda: fewest_retries_05().robust,
            "{answer} retries leave no request failed for good in {holds_in} of {seeds} "
            "seeds; one seed alone needs {low} to {high} (the notebook's run, seed 1, needs "
            "{seed_1}: simulate(flaky.replace(retries=k)).gave_up() is 0 from there on). "
            "Each retry is a new chance to land on a live node once the balancer knows.",
            _judge_threshold(
                fewest_retries_05,
                0,
                "with that many, some requests still fail for good: try one more and read "
                "gave_up()",
                "that is enough, but is it the fewest? Try one fewer and read gave_up()",
                unit="a count of retries",
            ),
            lambda answer: fewest_retries_05().words(),
        ),
        _FromRun(
            "05-2",
            "In the `slow` shop without idempotency keys, what is the shortest client timeout, "
            "in steps of 0.25 s, at which fewer than 1 in 100 served requests adds a duplicate "
            "(duplicate_items / ok below 0.01)?",
            lambda: shortest_safe_timeout_05().robust,
            "{answer} s, in {holds_in} of {seeds} seeds (one seed alone gives {low} to "
            "{high} s). A client that waits longer gives up on fewer attempts that the node "
            "still completes, so fewer items are added twice; but only an idempotency key "
            "brings them to none.",
            _judge_threshold(
                shortest_safe_timeout_05,
                0.01,
                "at that timeout the duplicates are still 1 in 100 or more: wait longer "
                "(sweep client_timeout over steps of 0.25 s)",
                "that timeout is safe, but a shorter one in steps of 0.25 s is too: try it",
                unit="in seconds",
            ),
            lambda answer: shortest_safe_timeout_05().words(),
        ),
        _FromRun(
            "05-3",
            "In `weather` (ten minutes of random crashes, adds written half way through the "
            "work, no keys), how many attempts did a crash cut short after they had written "
            "their add? Count them in result.requests: outcome 'failed' and applied True.",
            written_then_cut,
            "{answer}: each was written and never answered. Its client saw a failure and "
            "retried, and {twice} of the retries added the item again (duplicate_items). A "
            "shopper who runs out of retries instead sees an error for an add that is in "
            "the cart all along ({gave_up} here). Only an idempotency key makes the retry "
            "safe.",
            _measured_number(
                written_then_cut,
                0,
                "more were cut short after their write: count the rows of result.requests "
                "whose outcome is 'failed' and whose applied is True (an exact count)",
                "fewer: count only the failed attempts that were applied, not every failed "
                "one (an exact count)",
                unit="a count of attempts",
            ),
            _weather_words,
        ),
        _FromRun(
            "06-1",
            "Read it from the cookie run: how many items does the fullest cart hold, among the "
            "shoppers who finished their visit?",
            fullest_cookie_cart,
            "{answer}: every cart that got there stopped growing there. Count the bytes to see "
            "why: the cookie is 'cart=' + the base64 of the cart's JSON (34 bytes + 150 an "
            "item) + '.' + a 44-character signature, and base64 writes 4 bytes for every 3. "
            "With {answer} items that is {fits:,} bytes, with one more {over:,}: over the "
            "browser's 4,096, so the browser ignored that cookie and kept the old one.",
            _measured_number(
                fullest_cookie_cart,
                0,
                "some carts grew further: look at the shoppers whose items were not all kept "
                "(items_not_kept above 0) and count what they kept (an exact count)",
                "no cart got that far: the cart is encoded in the cookie, which the browser "
                "keeps only within its limit. Count only the shoppers who finished (end is not "
                "NaN): each of their requests added one item, minus the items the browser did "
                "not keep (an exact count)",
                unit="a count of items",
            ),
            _cookie_sizes,
        ),
        _FromRun(
            "06-2",
            "Two store workers, the shop's 30 requests a second: the slowest store, in steps "
            "of 5 ms from 0.040 s, that still keeps the p95 latency at or under 1 s?",
            lambda: slowest_store_06().robust,
            "{answer:.3f} s, in {holds_in} of {seeds} seeds (one seed alone gives {low:.3f} "
            "to {high:.3f} s). Two workers serve at most 2 / latency calls a second, so a store "
            "of {over:.3f} s would still keep up on average ({capacity:.0f} calls a second "
            "for about 30), yet its p95 is {over_p95:.1f} s: it is busy {busy:.0%} of the "
            "time, and near its limit every burst waits in its queue. Keeping up is not the "
            "same as meeting a latency target.",
            _judge_threshold(
                slowest_store_06,
                0.001,
                "a slower store still meets the target: go on in steps of 5 ms and read "
                "summary()['latency_p95'] for each (the answer is one of the steps)",
                "with that store the p95 is over the target: take a faster one, in steps of "
                "5 ms (the answer is one of the steps)",
                unit="in seconds",
            ),
            lambda answer: {**_store_over(answer), **slowest_store_06().words()},
        ),
        Exercise(
            "06-3",
            "The hung store's storm (`hung`): which one change lets the shop serve again by "
            "200 s? 'a': retry_jitter='full'; 'b': retry_budget=0.1; 'c': retries=5",
            "b",
            "b: a budget of 10% lets retries add at most a tenth to the first attempts, so "
            "the queue the hang left drains and the answers come in time again. Jitter "
            "spreads the same retries over time but sends as many; more retries feed the "
            "storm. check() ran the change (seed 1) and read the share of attempts served "
            "after 200 s.",
            _judge_cure(
                STORM_CURES_06,
                _hang_served,
                lambda share: share > 0.8,
                lambda share: f"{share:.0%} of the attempts sent after 200 s were served",
                {
                    "a": "jitter spreads retries out, but sends as many: the queue stays",
                    "c": "more retries send more attempts into the same queue",
                },
            ),
        ),
        Exercise(
            "06-4",
            "Two tabs, and a store the nodes write back whole (`tabs`): which one change "
            "loses no item? 'a': idempotency_keys=True; 'b': store_update='atomic'; 'c': the "
            "cart in a cookie (state='cookie')",
            "b",
            "b: the store adds the item in one step, so two overlapping adds both land (Redis "
            "HINCRBY or a Lua script; SQL UPDATE ... SET n = n + 1; or an optimistic check "
            "with WATCH or a version number that retries the write). Keys tell a retry from "
            "a new add, but these are two new adds. A cookie is a read-modify-write by "
            "nature: each tab's answer carries the cart its request brought, plus one, and "
            "the browser keeps the last.",
            _judge_cure(
                LOST_UPDATE_CURES_06,
                _tabs_lost,
                lambda lost: lost == 0,
                lambda lost: f"{lost} items were lost to overlapping writes",
                {
                    "a": "keys stop a retry being applied twice; two different adds that "
                    "overlap are not retries",
                    "c": "a cookie is written whole too: the last tab's answer wins",
                },
            ),
        ),
        _FromRun(
            "07-1",
            "ip_hash (nginx), 5 nodes scaled in to 4 by taking a server out of the "
            "configuration: what share of the shoppers are sent to another node?",
            ip_hash_scale_in_moved,
            "{answer:.0%}: the divisor changes from 5 to 4, and hash % 4 equals hash % 5 "
            "for only one client in five (theory.remapped_modulo(5, 4)), so scaling in "
            "reshuffles as much as scaling out. On a ring only the leaving node's clients "
            "move: 1/N, here 1/5. nginx's documentation says to mark a server `down` rather "
            "than remove it, so that the hashing stays.",
            _measured_number(
                ip_hash_scale_in_moved,
                0.02,
                "more move than the removed server's own clients: for how many clients does "
                "hash % 4 still equal hash % 5?",
                "some clients keep their node: those for which hash % 4 equals hash % 5",
                unit=SHARE,
            ),
        ),
        _FromRun(
            "07-2",
            "The shortest HAProxy drain (mode='sticky'), in steps of 10 s, with which the "
            "4 sticky nodes go down to 3 at 60 s and lose no cart?",
            lambda: shortest_drain_07().robust,
            "{answer:g} s loses no cart in {holds_in} of {seeds} seeds; one seed alone needs "
            "{low:g} to {high:g} s (the notebook's, seed 1, {seed_1:g} s). Every session "
            "pinned to the leaving node must end within the drain, and the longest of them "
            "decide: with {shorter} s, {lost_shorter} of the {seeds} seeds lose carts. These "
            "sessions last about half a minute; carts that live for "
            "days outlast any drain, so only state off the node makes scaling in free.",
            _judge_threshold(
                shortest_drain_07,
                0,
                "with that drain some shoppers pinned to the leaving node are still shopping "
                "when it goes: carts_lost(drain) counts them; try longer drains",
                "a shorter drain loses nothing either: try ten seconds less",
                unit="in seconds",
            ),
            lambda answer: {**_drain_shorter(answer), **shortest_drain_07().words()},
        ),
        Exercise(
            "08-1",
            "Which request meets REST's statelessness constraint (session state kept "
            "entirely on the client)? 'a': GET /cart with a cookie that holds a session id, "
            "which every node looks up in a shared session store; 'b': GET /carts/42 with "
            "the shopper's credentials in its Authorization header, the cart a resource of "
            "its own; 'c': POST /next-page, relying on the page the server remembers you "
            "were on",
            "b",
            "b: the request names the cart it wants and carries the credentials, so any "
            "server that can read the carts can answer it; the cart is resource state, kept "
            "for whoever may read it, not session state. 'a' keeps the session on the server "
            "side: a shared store lets every node read it (a stateless web tier), yet the "
            "request means nothing without that server-side state. 'c' leans on the "
            "server's memory of where you were.",
            _choice(
                "b",
                ("a", "b", "c"),
                {
                    "a": "the server must remember the session: the cookie carries only an "
                    "id, and what it points to is session state kept on the server side, "
                    "even when every node can read it",
                    "c": "the server must remember where you were: that is session state",
                },
            ),
        ),
        Exercise(
            "08-3",
            "The shop's 'add one more' button. Clients retry after a timeout, and a shopper "
            "may click in two tabs at once. Which request keeps one click one item? 'put': "
            "PUT /carts/42/items/mug with the quantity the page shows plus one; 'post': POST "
            "/carts/42/items with the item; 'post-key': that POST with an Idempotency-Key "
            "made once per click (its retries send the same key)",
            "post-key",
            "post-key: each click is its own request with its own key, so two clicks add two "
            "items, and a retry of a click carries the same key, so the server applies it "
            "once. A PUT of 'the quantity I see plus one' is idempotent, but two tabs that "
            "saw the same quantity overwrite each other; a POST without a key is applied "
            "again on every retry. check() tries the design on the real cart service.",
            _judge_design,
        ),
        Exercise(
            "08-2",
            "The capstone: a design (a Scenario) that meets every target of the review.",
            "brief.replace(nodes=6, workers=5, affinity='none', state='store', "
            "store_workers=2, idempotency_keys=True, retries=4, retry_backoff=1.0)",
            "Carts in a shared store survive the crash and the scale-in; idempotency keys "
            "make an add that is applied twice harmless; 4 retries about a second apart "
            "outlast the 2 s before the balancer notices the crash and the store's 2 s "
            "hiccup; 6 nodes of 5 workers (25 with node 2 down) carry the peak with p95 under "
            "1 s, and 2 store workers are plenty for calls of 2 ms: 30 + 2 = 32 slots. "
            "A cookie cart passes too (8 nodes of 4 workers, no store to pay for, and a "
            "retry carries the old cookie, so nothing is added twice); a stateful design "
            "cannot, as the crash takes its carts.",
            _judge_capstone,
        ),
        _FromRun(
            "09-1",
            "The simulation `real.compare` set beside the real run, `sim = "
            "simulate(crash.simulated)` (the same shop and seed, the balancer noticing the "
            "crash as late as the real one's health checks do): how many shoppers find their "
            "cart gone? Count them from `sim.requests`.",
            shoppers_lost_09,
            "{answer} shoppers with the short runs ({long} with LONG = True): "
            "sim.requests.query(\"outcome == 'state_lost'\")['session'].nunique(). Each "
            "shopper of node 1 finds out once, at the next request; the new node starts a "
            "fresh cart, which it keeps.",
            _judge_shoppers_lost_09,
            _long_count_09,
        ),
        Exercise(
            "09-2",
            "Five nodes under HAProxy's `balance source` with `hash-type map-based`, and one "
            "of them crashes. Which one change of the backend makes the crash cost only the "
            "dead node's shoppers their carts? 'a': `balance roundrobin` in place of "
            "`balance source`; 'b': `hash-type consistent` in place of `hash-type "
            "map-based`; 'c': `retries 3` in place of `retries 0`",
            "b",
            "b: on a ring a server that goes down hands over only its own arcs, so only its "
            "clients move (1/N of them), and their carts died with it anyway. Map-based "
            "hashing divides by the live servers, so a crash moves most clients, just as a "
            "scale-out does; nginx's ip_hash divides by the configured servers, so it moves "
            "only the dead node's clients on a crash, but most on a scale-out.",
            _choice(
                "b",
                ("a", "b", "c"),
                {
                    "a": "round robin has no affinity at all: every shopper's next request "
                    "goes to the next server, which never saw the cart, crash or no crash",
                    "c": "a retry sends the same request to the server the hash picks; it "
                    "does not bring the cart to the server the rehash moved the shopper to",
                },
            ),
        ),
    ]
}


def check(exercise_id: str, answer: object) -> Feedback:
    """Judge ``answer`` to exercise ``exercise_id``: not answered yet, correct, or a hint."""
    exercise = _find(exercise_id)
    if answer is None:
        return Feedback(
            NOT_ANSWERED,
            f"{exercise.question} Replace None with your answer and run the cell again.",
        )
    right, hint = exercise.judge(answer)
    if right:
        return Feedback(CORRECT, exercise.explanation)
    return Feedback(TRY_AGAIN, f"Hint: {hint}")


def solution(exercise_id: str) -> Solution | Build:
    """The worked solution of ``exercise_id`` (it changes none of your variables); for a
    build-it exercise (:mod:`statelab.course.builds`), the worked code (it defines nothing)."""
    if exercise_id in BUILDS:
        return BUILDS[exercise_id]
    exercise = _find(exercise_id)
    return Solution(exercise.id, exercise.answer, exercise.explanation)


def solution_answer(exercise_id: str) -> object:
    """The solution's answer as a value ``check`` accepts (the capstone's is a Scenario)."""
    exercise = _find(exercise_id)
    if exercise_id == "08-2":
        return CAPSTONE_SOLUTION
    return exercise.answer


def _find(exercise_id: str) -> Exercise:
    if exercise_id not in EXERCISES:
        raise ValueError(unknown_name("exercise", str(exercise_id), [*EXERCISES, *BUILDS]))
    return EXERCISES[exercise_id]
