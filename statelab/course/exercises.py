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

import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass, field

from statelab import theory
from statelab.course.feedback import CORRECT, NOT_ANSWERED, RECORDED, TRY_AGAIN, Feedback
from statelab.course.predictions import PREDICTIONS, Prediction, Reveal, predict, reveal
from statelab.sim.checks import unknown_name
from statelab.sim.scenario import Scenario
from statelab.sim.simulation import simulate


@dataclass(frozen=True)
class Solution:
    """A worked solution: the answer and why."""

    exercise: str
    answer: object
    explanation: str

    def __repr__(self) -> str:
        return f"Solution {self.exercise}: {self.answer!r}. {self.explanation}"

    def _repr_markdown_(self) -> str:
        return f"**Solution {self.exercise}:** `{self.answer!r}`\n\n{self.explanation}"


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


# -- the capstone --------------------------------------------------------------

CAPSTONE_P95 = 1.0  # seconds
CAPSTONE_NODES = 7  # the fewest nodes the reference design needs at the peak
WORKLOAD_FIELDS = (
    "arrival_rate",
    "requests_per_session",
    "session_length",
    "think_time",
    "service_time",
    "duration",
    "seed",
    "events",
    "health_check_delay",
)


def review(design: Scenario) -> list[tuple[str, bool, str]]:
    """Run ``design`` and review it against the capstone's targets.

    Returns one (criterion, met, what was measured) a target: the workload
    is the capstone's (the flash sale and the crash of node 2 at 400 s, which
    a design may not wish away); p95 latency at most 1 s; no cart lost; no
    shopper gives up (every request is served in the end, retries allowed);
    and at most 7 nodes up at the peak.
    """
    if not isinstance(design, Scenario):
        raise TypeError(f"the design is a Scenario, got {design!r}")
    brief = Scenario.load("capstone")
    changed = [name for name in WORKLOAD_FIELDS if getattr(design, name) != getattr(brief, name)]
    result = simulate(design)
    summary = result.summary()
    peak = int(result.timeline["nodes_up"].max())
    gave_up = result.gave_up()
    return [
        (
            "keeps the capstone's workload and its crash",
            not changed,
            "unchanged" if not changed else f"changed: {', '.join(changed)}",
        ),
        (
            f"p95 latency at most {CAPSTONE_P95:g} s",
            summary["latency_p95"] <= CAPSTONE_P95,
            f"{summary['latency_p95']:.2f} s",
        ),
        ("no cart lost", summary["sessions_lost"] == 0, f"{summary['sessions_lost']} lost"),
        ("no shopper gives up", gave_up == 0, f"{gave_up} requests failed for good"),
        (f"at most {CAPSTONE_NODES} nodes at the peak", peak <= CAPSTONE_NODES, f"{peak} nodes"),
    ]


def _judge_capstone(design):
    if not isinstance(design, Scenario):
        return False, (
            "the answer is a design: a Scenario, e.g. "
            "Scenario.load('capstone').replace(nodes=..., state=...)"
        )
    failed = [(name, measured) for name, met, measured in review(design) if not met]
    if not failed:
        return True, ""
    name, measured = failed[0]
    hints = {
        "keeps the capstone's workload and its crash": "change only the cluster (nodes, "
        "workers, balancer, affinity, state, retries): the shoppers and the crash are given",
        "no cart lost": "a crash of a node that holds carts in memory loses them: where else "
        "can the cart live?",
        "no shopper gives up": "a request that fails at the crash needs a retry that arrives "
        "after the balancer has noticed: more retries, or a longer retry_backoff",
    }
    hint = hints.get(name, "")
    if name.startswith("p95"):
        hint = "the queue at the peak decides the p95: how many workers does the peak need?"
    if name.startswith("at most"):
        hint = "it works, now remove nodes one at a time: which resource is the bottleneck?"
    return False, f"{name}: {measured}. {hint}"


# -- the exercises -------------------------------------------------------------

EXERCISES = {
    e.id: e
    for e in [
        Exercise(
            "00-1",
            "How many of the calm shop's sessions lost their cart?",
            0,
            "None: with sticky sessions every request returns to the node that holds its "
            "cart, and nothing fails.",
            _number(
                0,
                0,
                "a count of sessions cannot be negative",
                "read sessions_lost in the result; with sticky sessions, where does each "
                "later request of a session go, and is its cart there?",
                unit="a count of sessions",
            ),
        ),
        Exercise(
            "00-2",
            "Crash 1 of 3 nodes: what share of the active shoppers lose their cart?",
            1 / 3,
            "About 1/3: each node holds about a third of the carts, and a crash "
            "wipes the memory of one node.",
            _number(
                1 / 3,
                0.06,
                "more are hit: how are the carts spread over the nodes, and how many crashed?",
                "fewer are hit: the carts on the nodes that did not crash are untouched",
                unit=SHARE,
            ),
        ),
        Exercise(
            "01-1",
            "The stateful server gets 'add book' twice (a retry, no idempotency key). "
            "How many books are in the cart?",
            2,
            "Two: the first request already changed the server's memory; the retry changes "
            "it again. An idempotency key lets the server apply the request once and answer "
            "the retry with its first response.",
            _number(
                2,
                0,
                "can the server tell a retry from a second click? What does it do with "
                "each add it receives?",
                "count the adds the server receives",
                unit="a count of books",
            ),
        ),
        Exercise(
            "01-2",
            "The stateless handler gets the same retry, with the same old cookie. How many books?",
            1,
            "One: the retry carries the same input (the old cookie), so the handler gives "
            "the same cart. Same inputs, same outputs (the new cookie differs only in the time "
            "it was signed).",
            _number(
                1,
                0,
                "the handler adds the book to the cart it is given",
                "the retry carries the cookie from before the first add: what does the "
                "handler see?",
                unit="a count of books",
            ),
        ),
        Exercise(
            "01-3",
            "Which one loses every cart when it restarts: 'stateful' or 'stateless'?",
            "stateful",
            "The stateful server: its memory is the carts. The stateless handler "
            "has nothing to lose; the carts are in the clients' cookies, which a restarted "
            "handler reads as long as it is given the same secret.",
            _choice(
                "stateful",
                ("stateful", "stateless"),
                {
                    "stateless": "the stateless handler keeps nothing between requests: "
                    "where are its carts?"
                },
            ),
        ),
        Exercise(
            "02-1",
            "One node, 4 workers, 3.2 requests a second of 1 s each: utilisation?",
            0.8,
            "arrival rate x service time / workers = 3.2 x 1 / 4 = 0.8.",
            _number(
                0.8,
                0.01,
                "how many seconds of work arrive each second, and how many seconds of work "
                "can the 4 workers do in one?",
                "utilisation is the share of the workers' time spent working: it cannot pass "
                "1, and the 4 workers share the work",
                unit=SHARE,
            ),
        ),
        Exercise(
            "02-2",
            "Same node: mean seconds a request waits for a worker (Erlang C)?",
            theory.mmc_wait_mean(3.2, 1.0, 4),
            "theory.mmc_wait_mean(3.2, 1.0, 4) = 2048/2747 = 0.745 s; the simulation agrees.",
            _number(
                theory.mmc_wait_mean(3.2, 1.0, 4),
                0.02,
                "at 80% busy the queue is longer than it feels; Erlang C gives the mean "
                "wait from the arrival rate, the service time and the workers "
                "(theory.mmc_wait_mean)",
                "that is the time in system or more: the wait excludes the service itself",
                unit="in seconds",
            ),
        ),
        Exercise(
            "03-1",
            "No affinity, random balancer, 4 nodes: chance that a shopper's next "
            "request reaches the node holding its cart?",
            0.25,
            "1/4: the balancer picks any of the 4 nodes, and only one holds the cart.",
            _number(
                0.25,
                0.01,
                "the cart is on exactly one node: how many could be picked?",
                "the balancer does not know where the cart is: each node is as likely",
                unit="a chance from 0 to 1",
            ),
        ),
        Exercise(
            "03-2",
            "Heavy-tailed sessions, sticky affinity: is the busiest node's share of "
            "the work 'above', 'equal' or 'below' 1/N?",
            "above",
            "Above: a few very long sessions stay pinned to their node, which becomes a hot "
            "spot. Without affinity their requests would spread.",
            _choice(
                "above",
                ("above", "equal", "below"),
                {
                    "equal": "look at plots.load_by_node: are the bars level?",
                    "below": "the busiest node cannot carry less than the average",
                },
            ),
        ),
        Exercise(
            "04-1",
            "Crash 1 of 5 sticky nodes: share of the active sessions lost?",
            0.2,
            "1/5: theory.sticky_lost_on_crash(5).",
            _number(
                0.2,
                0.01,
                "more are lost: how are the active carts spread over the 5 nodes?",
                "only the crashed node's carts are lost; the others keep theirs",
                unit=SHARE,
            ),
        ),
        Exercise(
            "04-2",
            "Each node fails every 90 s on average and takes 10 s to repair: share "
            "of the time it is up?",
            0.9,
            "MTBF / (MTBF + MTTR) = 90 / 100 = 0.9.",
            _number(
                0.9,
                0.005,
                "a node's life is a cycle: up for the MTBF, then down for the MTTR. "
                "What share of one cycle is it up?",
                "it does spend part of each cycle down, being repaired",
                unit=SHARE,
            ),
        ),
        Exercise(
            "04-3",
            "Crash 1 of 4 nodes under source_hash (HAProxy's map-based hashing): share lost?",
            0.75,
            "3/4: theory.remapped_modulo(4, 3). The modulo changes, so nearly every client "
            "maps to a new node, not only those of the crashed one.",
            _number(
                0.75,
                0.02,
                "more than the crashed node's carts: for how many clients does hash % 3 "
                "still equal hash % 4?",
                "some clients keep their node",
                unit=SHARE,
            ),
        ),
        Exercise(
            "05-1",
            "Carts in a shared store, node 1 crashes: how many sessions lose their cart?",
            0,
            "None: no node holds a cart, so the crash costs only the requests in flight, "
            "and a retry recovers those.",
            _number(
                0,
                0,
                "a count of sessions cannot be negative",
                "where does a shopper's cart live here, and what did the crashed node hold?",
                unit="a count of sessions",
            ),
        ),
        Exercise(
            "05-2",
            "A stateless cluster at full load: throughput with 4 nodes divided by "
            "throughput with 2 nodes?",
            2.0,
            "About 2: any node can serve any request, so capacity grows with the nodes.",
            _number(
                2.0,
                0.15,
                "at full load, what limits the throughput: the shoppers or the workers? "
                "Compare the workers of 4 nodes with those of 2",
                "capacity cannot grow faster than the nodes",
                unit="a ratio, throughput over throughput",
            ),
        ),
        Exercise(
            "06-1",
            "Each cart item adds 150 bytes to the cart's JSON (34 bytes without items). The "
            "cookie is 'cart=' + the base64 of that JSON + '.' + a 44-character signature, "
            "and a browser keeps at most 4,096 bytes. How many items fit?",
            19,
            "19. Base64 writes 4 bytes for every 3, so an item costs 200 bytes in the cookie: "
            "5 + 4 ceil((34 + 150 n) / 3) + 1 + 44 is 3,898 bytes for 19 items and 4,098 for "
            "20. The browser ignores the 20th item's cookie and keeps the old one, so that "
            "item is silently not kept (cookie.items_that_fit(4096, 150)).",
            _number(
                19,
                0,
                "there is room for more: write the cookie's size for n items (name, base64 "
                "of the JSON, dot, signature) and find the largest n within 4,096 bytes",
                "the cart is encoded: base64 writes 4 bytes for every 3, and the name, the dot "
                "and the signature take room too",
                unit="a count of items",
            ),
        ),
        Exercise(
            "06-2",
            "A store with 2 workers and 0.05 s a call: most calls a second it can serve?",
            40,
            "workers / latency = 2 / 0.05 = 40 a second; beyond that its queue grows.",
            _number(
                40,
                0.5,
                "a worker finishes one call every 0.05 s: how many in a second, and how "
                "many workers are there?",
                "the store serves no more than its workers finish: each is busy 0.05 s a call",
                unit="calls a second",
            ),
        ),
        Exercise(
            "07-1",
            "ip_hash (nginx), scaling 4 -> 5 nodes: share of sessions that move?",
            0.8,
            "N/(N+1) = 4/5: theory.remapped_modulo(4, 5).",
            _number(
                0.8,
                0.02,
                "hash % 5 equals hash % 4 for few clients",
                "some clients keep their node",
                unit=SHARE,
            ),
        ),
        Exercise(
            "07-2",
            "consistent_hash, scaling 4 -> 5 nodes: share of sessions that move?",
            0.2,
            "1/(N+1) = 1/5: only the arcs the new node takes over move.",
            _number(
                0.2,
                0.02,
                "the new node does take over some arcs of the ring",
                "only the clients on the arcs the new node takes over move; every other "
                "client keeps its node",
                unit=SHARE,
            ),
        ),
        Exercise(
            "08-1",
            "Which request is self-contained in REST's sense? 'a': GET /cart with a "
            "session id the server looks up in its memory; 'b': GET /cart with a "
            "signed cart cookie; 'c': POST /next-page, relying on the page the server "
            "remembers you were on",
            "b",
            "b: the request carries everything needed to serve it, so any server can.",
            _choice(
                "b",
                ("a", "b", "c"),
                {
                    "a": "the server must remember the session: only the node that has it "
                    "can answer",
                    "c": "the server must remember where you were",
                },
            ),
        ),
        Exercise(
            "08-2",
            "The capstone: a design (a Scenario) that meets every target.",
            "Scenario.load('capstone').replace(nodes=7, affinity='none', state='store')",
            "Move the cart out of the servers (store or cookie) so the crash loses nothing, "
            "keep the retries so the requests in flight at the crash are served in the end, "
            "and size the cluster for the peak: 7 nodes of 4 workers keep p95 under 1 s.",
            _judge_capstone,
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


def solution(exercise_id: str) -> Solution:
    """The worked solution of ``exercise_id`` (it changes none of your variables)."""
    exercise = _find(exercise_id)
    return Solution(exercise.id, exercise.answer, exercise.explanation)


def solution_answer(exercise_id: str) -> object:
    """The solution's answer as a value ``check`` accepts (the capstone's is a Scenario)."""
    exercise = _find(exercise_id)
    if exercise_id == "08-2":
        return Scenario.load("capstone").replace(nodes=7, affinity="none", state="store")
    return exercise.answer


def _find(exercise_id: str) -> Exercise:
    if exercise_id not in EXERCISES:
        raise ValueError(unknown_name("exercise", str(exercise_id), list(EXERCISES)))
    return EXERCISES[exercise_id]
