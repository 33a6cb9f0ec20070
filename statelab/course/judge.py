"""The judge: a learner's policy, tried on many keys or requests, then answered like a good
checker (what it tried, the first case that broke the property, a small counter-example,
and a seeded run that shows the policy at work).

Policies (../shared/api.md, "Policies a learner writes, and the judge"):

- a **router** ``route(key, up, configured) -> node | None`` (:mod:`statelab.sim.routing`),
  judged by the tasks ``"router-keeps-carts"``, ``"router-survives-crash"`` and
  ``"router-scales-out"`` on :data:`KEYS` keys for 3 to 6 nodes;
- a **drain rule** ``may_stop(node, waited) -> bool`` (``"drain-loses-nothing"``,
  :mod:`statelab.sim.draining`), asked every second for the node a scale-in removes: judged
  on seeded runs of a sticky, stateful shop scaled from 4 nodes to 3: no cart lost, and the
  node gone within :data:`DRAIN_LIMIT` seconds;
- an **idempotency check** ``apply(request, seen) -> answer`` (``"idempotent-add"``): the
  request has ``key`` (its idempotency key), ``item`` and ``cart`` (the cart as the server
  holds it now); ``seen`` is the server's memory, a dict the policy reads and writes (the
  course's rule keeps each key's first answer there); the answer is a dict with ``status``
  (200 done, or 422 refused) and ``cart`` (the cart after the request). It is judged under
  timeouts and retries: no add applied twice, a key reused with another item refused.

A judge call takes at most :data:`TIME_LIMIT` seconds: a policy that raises gets a Verdict
naming the exception and the line of the learner's code; one that loops past the limit or
returns the wrong type, a Verdict saying so. The kernel is never left hanging: the limit is
a timer signal in the main thread (``signal.setitimer``), which interrupts even a ``while
True:``; elsewhere (a thread), the deadline is checked between calls.
"""

from __future__ import annotations

import linecache
import random
import signal
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from statelab.sim.events import ScaleTo
from statelab.sim.result import Result
from statelab.sim.routing import stable_hash
from statelab.sim.scenario import Scenario
from statelab.sim.simulation import simulate

#: Keys a router is tried on, for each cluster size.
KEYS = 10_000
#: The cluster sizes a router is tried on.
SIZES = (3, 4, 5, 6)
#: The share of keys a node gets, as a multiple of 1/N, that counts as spread evenly.
SPREAD = (0.5, 1.5)
#: Seconds a judge call may take, the learner's code included.
TIME_LIMIT = 10.0
#: Histories of adds, timeouts and retries the idempotency check is tried on.
HISTORIES = 200
#: Seeds of the drain task's runs, and the seconds a leaving node may take.
DRAIN_SEEDS = (1, 2, 3)
DRAIN_LIMIT = 600.0
#: When the drain task's scale-in (4 nodes to 3) comes, in seconds.
DRAIN_AT = 60.0

TASKS = (
    "router-keeps-carts",
    "router-survives-crash",
    "router-scales-out",
    "idempotent-add",
    "drain-loses-nothing",
)

_PACKAGE = str(Path(__file__).resolve().parents[1])


@dataclass
class Verdict:
    """What the judge found: ``passed``; ``message`` (what it tried and the first case that
    broke the property, in words); ``counterexample`` (the key and nodes, or the requests;
    None when it passed or could not run); ``result`` (a seeded run with the policy, for
    the animated view: ``AnimatedCluster(verdict.result)``), and the judge's own seconds."""

    task: str
    passed: bool
    message: str
    counterexample: dict | None = None
    result: Result | None = None
    seconds: float = 0.0

    def __str__(self) -> str:
        head = "Passed" if self.passed else "Not yet"
        return f"{head} ({self.task}): {self.message}"

    def _repr_markdown_(self) -> str:
        head = "**Passed**" if self.passed else "**Not yet**"
        lines = [f"{head} ({self.task}, judged in {self.seconds:.1f} s): {self.message}"]
        if self.counterexample:
            shown = ", ".join(f"{k} = {v!r}" for k, v in self.counterexample.items())
            lines.append(f"\n\nCounter-example: {shown}")
        return "".join(lines)


class _OutOfTime(Exception):
    """The learner's code ran past the judge's time limit."""


class _Broke(Exception):
    """The learner's code raised, or answered with the wrong type: the Verdict's words."""

    def __init__(self, message: str, counterexample: dict | None = None) -> None:
        super().__init__(message)
        self.counterexample = counterexample


@contextmanager
def _time_limit(seconds: float) -> Iterator[Callable[[], None]]:
    """Interrupt the block after ``seconds`` (a timer signal, in the main thread); yields a
    check the block calls between steps (the only limit in other threads)."""
    deadline = time.monotonic() + seconds

    def check() -> None:
        if time.monotonic() > deadline:
            raise _OutOfTime

    main = threading.current_thread() is threading.main_thread()
    if main:

        def interrupt(signum, frame):
            raise _OutOfTime

        previous = signal.signal(signal.SIGALRM, interrupt)
        signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield check
    finally:
        if main:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


def _where(error: BaseException) -> str:
    """The learner's line the error came from: "line 4, `return up[key % 3]`"."""
    frames = [
        f for f in traceback.extract_tb(error.__traceback__) if not f.filename.startswith(_PACKAGE)
    ]
    if not frames:
        return "in the judge's call"
    frame = frames[-1]
    text = (frame.line or linecache.getline(frame.filename, frame.lineno)).strip()
    return f"line {frame.lineno}, `{text}`" if text else f"line {frame.lineno}"


def _call(policy: Callable, *args):
    """``policy(*args)``; what it raises becomes a :class:`_Broke` naming the line."""
    try:
        return policy(*args)
    except _OutOfTime:
        raise
    except Exception as error:  # the learner's code: any exception is a finding
        shown = ", ".join(repr(a) if not isinstance(a, dict) else "{...}" for a in args)
        raise _Broke(
            f"calling it with ({shown}) raised {type(error).__name__}: {error} ({_where(error)})",
            {"arguments": args},
        ) from None


# -- routers -----------------------------------------------------------------------------


def _keys() -> list[int]:
    return [stable_hash("judge", i) for i in range(KEYS)]


def _route(policy, key: int, up: tuple[int, ...], configured: int, check) -> int | None:
    node = _call(policy, key, up, configured)
    if node is not None and (isinstance(node, bool) or not isinstance(node, int) or node not in up):
        raise _Broke(
            f"route({key}, {up}, {configured}) returned {node!r}: a router returns one of the "
            f"nodes up {up}, or None to let the balancer pick",
            {"key": key, "up": up, "configured": configured, "returned": node},
        )
    return node


def _owners(policy, keys, up, configured, check) -> list[int | None]:
    owners = []
    for i, key in enumerate(keys):
        if i % 500 == 0:
            check()
        owners.append(_route(policy, key, up, configured, check))
    return owners


def _homes(policy, keys, up, configured, check) -> list[int]:
    """The node of every key with ``up`` all up: a node, never None (None lets the balancer
    pick any node, so a shopper's next request may land where its cart is not)."""
    owners = _owners(policy, keys, up, configured, check)
    for key, node in zip(keys, owners, strict=True):
        if node is None:
            raise _Broke(
                f"with {len(up)} nodes all up, key {key} got None: the balancer picks any node, "
                "so the shopper's next request may land where its cart is not",
                {"key": key, "up": up, "configured": configured, "returned": None},
            )
    return owners


def _spread(owners: list, n: int) -> tuple[int, float] | None:
    """The first node whose share of the keys is outside SPREAD times 1/n (node, share)."""
    for node in range(n):
        share = owners.count(node) / len(owners)
        if not SPREAD[0] / n <= share <= SPREAD[1] / n:
            return node, share
    return None


def _keeps_carts(policy, check) -> tuple[str, dict | None]:
    keys = _keys()
    for n in SIZES:
        up = tuple(range(n))
        owners = _homes(policy, keys, up, n, check)
        again = _owners(policy, keys[:1000], up, n, check)
        for key, first, second in zip(keys, owners, again, strict=False):
            if first != second:
                return (
                    f"with {n} nodes all up, key {key} went to node {first}, then to node "
                    f"{second}: a shopper's requests must keep going to the node with its cart",
                    {"key": key, "up": up, "configured": n, "first": first, "then": second},
                )
        if bad := _spread(owners, n):
            node, share = bad
            return (
                f"with {n} nodes, node {node} got {share:.1%} of {KEYS} keys; an even spread "
                f"gives each 1/{n} = {1 / n:.1%} (the judge allows {SPREAD[0]} to {SPREAD[1]} "
                "times that)",
                {"up": up, "configured": n, "node": node, "share": round(share, 4)},
            )
    return "", None


def _survives_crash(policy, check) -> tuple[str, dict | None]:
    keys = _keys()
    for n in SIZES:
        up = tuple(range(n))
        before = _homes(policy, keys, up, n, check)
        for crashed in up:
            left = tuple(k for k in up if k != crashed)
            after = _owners(policy, keys, left, n, check)
            for key, was, now in zip(keys, before, after, strict=True):
                if was != crashed and now != was:
                    return (
                        f"with {n} nodes, node {crashed} crashed and key {key} moved from node "
                        f"{was} (still up) to {now}: its cart stayed on node {was} and is lost "
                        f"to it; only the crashed node's keys ({1 / n:.0%}) should move",
                        {"key": key, "configured": n, "crashed": crashed, "was": was, "now": now},
                    )
    return "", None


def _scales_out(policy, check) -> tuple[str, dict | None]:
    keys = _keys()
    for n in SIZES:
        before = _homes(policy, keys, tuple(range(n)), n, check)
        after = _homes(policy, keys, tuple(range(n + 1)), n + 1, check)
        moved = 0
        for key, was, now in zip(keys, before, after, strict=True):
            if now == was:
                continue
            moved += 1
            if now != n:
                return (
                    f"scaling from {n} to {n + 1} nodes, key {key} moved from node {was} to "
                    f"node {now}, not to the new node {n}: its cart is lost for nothing",
                    {"key": key, "from_nodes": n, "to_nodes": n + 1, "was": was, "now": now},
                )
        share, ideal = moved / len(keys), 1 / (n + 1)
        if not SPREAD[0] * ideal <= share <= SPREAD[1] * ideal:
            return (
                f"scaling from {n} to {n + 1} nodes moved {share:.1%} of the keys; the new "
                f"node's fair share is 1/{n + 1} = {ideal:.1%} (the judge allows {SPREAD[0]} to "
                f"{SPREAD[1]} times that)",
                {"from_nodes": n, "to_nodes": n + 1, "moved_share": round(share, 4)},
            )
    return "", None


# -- the idempotency check -----------------------------------------------------------------


def _history(seed: int) -> list[tuple[str, str, bool]]:
    """A shopper's adds as (key, item, times out): some time out after the server applied
    them (the client retries with the same key); one in ten reuses an earlier key with
    another item (a client bug the server must refuse)."""
    rng = random.Random(seed)
    adds = []
    for i in range(rng.randint(3, 8)):
        adds.append((f"k{seed}-{i}", f"item{i}", rng.random() < 0.4))
    if rng.random() < 0.5:
        key = rng.choice(adds)[0]
        adds.append((key, "other-item", False))
    return adds


def _answer(policy, request: dict, seen: dict) -> dict:
    answer = _call(policy, dict(request, cart=list(request["cart"])), seen)
    wrong = not isinstance(answer, dict) or answer.get("status") not in (200, 422)
    if wrong or not isinstance(answer.get("cart"), list):
        raise _Broke(
            f"apply({request}, seen) returned {answer!r}: it returns a dict with 'status' (200 "
            "done, or 422 refused) and 'cart' (the cart after the request)",
            {"request": request, "returned": answer},
        )
    return answer


#: The run an idempotency check is shown in: impatient clients who retry, carts in a store.
IDEMPOTENT_RUN = Scenario(
    state="store",
    affinity="none",
    client_timeout=1.0,
    retries=2,
    service_time=0.25,
    arrival_rate=4.0,
    think_time=2.0,
    duration=300.0,
)


def _idempotent_add(policy, check) -> tuple[str, dict | None, Result | None]:
    message, case = _idempotent_histories(policy, check)
    try:
        result = simulate(IDEMPOTENT_RUN, idempotency=policy)
    except ValueError:  # an answer the run refuses: the words say enough
        result = None
    return message, case, result


def _idempotent_histories(policy, check) -> tuple[str, dict | None]:
    for seed in range(HISTORIES):
        check()
        cart: list[str] = []
        seen: dict = {}
        used: dict[str, str] = {}
        sent = []
        for key, item, times_out in _history(seed):
            request = {"key": key, "item": item, "cart": list(cart)}
            sent.append(request)
            answer = _answer(policy, request, seen)
            reused = key in used and used[key] != item
            if reused:
                if answer["status"] != 422 or answer["cart"] != cart:
                    return (
                        f"key {key!r} came back with another item ({item!r}, first "
                        f"{used[key]!r}); the server must refuse it with 422 and leave the cart "
                        f"{cart}, but answered {answer['status']} with {answer['cart']}",
                        {"requests": sent, "answer": answer},
                    )
                continue
            used.setdefault(key, item)
            cart = answer["cart"]
            if times_out:  # the client heard nothing and sends the same request again
                retry = {"key": key, "item": item, "cart": list(cart)}
                sent.append(retry)
                answer = _answer(policy, retry, seen)
                cart = answer["cart"]
                if cart.count(item) > 1:
                    return (
                        f"the add of {item!r} with key {key!r} timed out and was sent again: "
                        f"{item} added twice (the cart is {cart}); the retry must find the key "
                        "and apply nothing",
                        {"requests": sent, "cart": cart},
                    )
        wanted = sorted({item for key, item in used.items()})
        if sorted(cart) != wanted:
            twice = sorted({i for i in cart if cart.count(i) > 1})
            what = f"{', '.join(twice)} added twice" if twice else f"the cart is {sorted(cart)}"
            return (
                f"after {len(sent)} requests with timeouts and retries, {what}; each add must "
                f"be applied once: {wanted}",
                {"requests": sent, "cart": cart},
            )
    return "", None


# -- the drain rule -----------------------------------------------------------------------


def drain_scenario(seed: int) -> Scenario:
    """The drain task's shop: 4 sticky, stateful nodes, long sessions (10 requests, 6 s of
    thinking between them), scaled to 3 at :data:`DRAIN_AT` s; node 3 leaves."""
    return Scenario(
        nodes=4,
        workers=4,
        arrival_rate=4.0,
        requests_per_session=10,
        think_time=6.0,
        affinity="sticky",
        state="server",
        duration=DRAIN_AT + DRAIN_LIMIT + 60.0,
        events=(ScaleTo(3, at=DRAIN_AT),),
        seed=seed,
    )


def _drain(policy, check) -> tuple[str, dict | None, Result | None]:
    result = None
    for seed in DRAIN_SEEDS:
        check()
        try:
            result = simulate(drain_scenario(seed), drain=policy)
        except ValueError as error:  # the rule answered something else than True or False
            raise _Broke(str(error).removeprefix("statelab: ")) from None
        changes = result.node_changes
        gone = changes[(changes["node"] == 3) & (changes["status"] == "removed")]
        if gone.empty:
            return (
                f"in the run with seed {seed}, node 3 began to leave at {DRAIN_AT:g} s and was "
                f"still there after {DRAIN_LIMIT:g} s: a drain must end (a node that never "
                "stops costs money and blocks the next deploy)",
                {"seed": seed, "node": 3},
                result,
            )
        stopped = float(gone["time"].iloc[0]) - DRAIN_AT
        losses = result.losses[result.losses["cause"] == "scale_in"]
        if not losses.empty:
            first = losses.iloc[0]
            return (
                f"in the run with seed {seed}, node 3 stopped {stopped:g} s into its drain "
                f"with {len(losses)} cart{'s' if len(losses) != 1 else ''} still in its memory: "
                f"shopper #{int(first['session'])} found its cart gone at "
                f"{float(first['time']):.1f} s (scale-in)",
                {
                    "seed": seed,
                    "node": 3,
                    "stopped_after_s": stopped,
                    "shopper": int(first["session"]),
                },
                result,
            )
    return "", None, result


# -- the judge ----------------------------------------------------------------------------

_CHECKS = {
    "router-keeps-carts": _keeps_carts,
    "router-survives-crash": _survives_crash,
    "router-scales-out": _scales_out,
    "idempotent-add": _idempotent_add,
    "drain-loses-nothing": _drain,
}

_TRIED = {
    "router-keeps-carts": (
        f"{KEYS} keys with 3 to 6 nodes up: every key to one node, always the same, "
        "nodes evenly loaded"
    ),
    "router-survives-crash": (
        f"{KEYS} keys with 3 to 6 nodes, each node crashed in turn: keys on the nodes still up stay"
    ),
    "router-scales-out": (
        f"{KEYS} keys, 3 to 6 nodes scaled out by one: moved keys go to the new node, about "
        "1/(N+1) of them"
    ),
    "idempotent-add": (
        f"{HISTORIES} shoppers' adds with timeouts and retries, some reusing a key with "
        "another item"
    ),
    "drain-loses-nothing": (
        f"{len(DRAIN_SEEDS)} seeded runs of a sticky, stateful shop scaled from 4 nodes to 3: "
        f"no cart lost, node 3 gone within {DRAIN_LIMIT:g} s"
    ),
}


def judge(
    policy: Callable, task: str, *, run: Callable[[Callable, str], Result | None] | None = None
) -> Verdict:
    """Judge ``policy`` on ``task`` (one of :data:`TASKS`) within :data:`TIME_LIMIT` s.

    ``run(policy, task)`` makes the seeded run that shows the policy at work (router tasks;
    :func:`statelab.exercises.judge` passes one); None: no run.
    """
    if task not in _CHECKS:
        raise ValueError(f"statelab: task is {task!r}; allowed: {', '.join(TASKS)}")
    if not callable(policy):
        return Verdict(
            task,
            False,
            f"the policy is {policy!r}, not a function: pass the function itself (no parentheses)",
        )
    began = time.monotonic()
    counterexample = None
    try:
        with _time_limit(TIME_LIMIT) as check:
            message, counterexample, *made = _CHECKS[task](policy, check)
            passed = not message
            message = message or f"tried {_TRIED[task]}; nothing broke"
            if made:  # the task's own run, the one that broke (or the last)
                result = made[0]
            elif passed or (task.startswith("router") and counterexample):
                result = run(policy, task) if run is not None else None
            else:
                result = None
    except _OutOfTime:
        return Verdict(
            task,
            False,
            f"it ran for more than {TIME_LIMIT:g} s and was stopped: a loop that never ends? "
            f"(tried {_TRIED[task]})",
            seconds=time.monotonic() - began,
        )
    except _Broke as broke:
        took = time.monotonic() - began
        return Verdict(task, False, str(broke), broke.counterexample, seconds=took)
    if not passed:
        message = f"tried {_TRIED[task]}; {message}"
    return Verdict(task, passed, message, counterexample, result, time.monotonic() - began)
