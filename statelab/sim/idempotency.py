"""Idempotency checks: whether an add that may be a retry is applied, as a rule a learner
can write, ``apply(request, seen) -> answer``.

A client that times out sends its add again, and the first attempt may have landed. The
server's check decides. The request has ``key`` (its idempotency key), ``item`` and ``cart``
(the cart's items now); ``seen`` is the server's memory of keys, a dict the check reads and
writes; the answer is a dict with ``status`` (200 done, or 422 refused) and ``cart`` (the
cart after the request).

The course's two rules, which the simulation runs (``idempotency_keys=True`` and ``False``,
:func:`statelab.sim.state.checked_add`) and the judge tries a learner's against
(:mod:`statelab.course.judge`):

- :func:`apply_once`: a key's first request is applied and its answer kept; the same key again
  gets the cart untouched (nothing applied twice), and with another item is refused (422),
  as Stripe's API and the IETF's Idempotency-Key draft do;
- :func:`apply_every`: no key is looked at, every add is applied (a retry adds twice).
"""

from __future__ import annotations

from collections.abc import Callable

#: An idempotency check: (request, seen) -> answer.
IdempotencyCheck = Callable[[dict, dict], dict]


def ask(check: IdempotencyCheck, request: dict, seen: dict) -> dict:
    """``check(request, seen)``, its answer checked: a dict with ``status`` 200 or 422 and
    ``cart`` a list, or a ValueError that names the check, its answer and the request. The
    simulation and the cart service ask a learner's check through here alike."""
    answer = check(request, seen)
    cart = answer.get("cart") if isinstance(answer, dict) else None
    if not isinstance(cart, list) or answer.get("status") not in (200, 422):
        raise ValueError(
            f"the idempotency check {getattr(check, '__name__', check)!r} answered {answer!r} "
            f"for {request}: it answers a dict with 'status' (200 or 422) and 'cart' (a list)"
        )
    return answer


def apply_once(request: dict, seen: dict) -> dict:
    """Apply each key once: a retry finds its key and applies nothing; the same key with
    another item is refused (422)."""
    key, item, cart = request["key"], request["item"], request["cart"]
    if key in seen:
        if seen[key]["item"] != item:
            return {"status": 422, "cart": cart, "item": item}
        return {"status": 200, "cart": cart, "item": item}
    answer = {"status": 200, "cart": [*cart, item], "item": item}
    seen[key] = answer
    return answer


def apply_every(request: dict, seen: dict) -> dict:
    """No idempotency key: every add is applied, a retry's too."""
    return {"status": 200, "cart": [*request["cart"], request["item"]]}
