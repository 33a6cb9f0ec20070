"""Draining, as a rule a learner can write: when may a node that is leaving the cluster stop?

A scale-in removes the highest-numbered nodes (:class:`statelab.sim.events.ScaleTo`, the
autoscaler). The scenario's ``drain`` and ``mode`` say how a leaving node goes: at once
(``"abrupt"``), after ``drain`` seconds in which the sessions pinned to it keep coming
(``"sticky"``, HAProxy's drain), or out of the endpoints at once with ``drain`` seconds of
grace for what is in flight (``"in_flight"``, Kubernetes).

A drain rule replaces them: ``may_stop(node, waited) -> bool``, asked once a second for each
leaving node (``simulate(scenario, drain=may_stop)``). While it answers False, the node takes
no new sessions and the sessions pinned to it keep coming (as HAProxy's drain); once it
answers True, the node leaves, and what its memory still holds is lost (cause
``"scale_in"``). ``node`` is a :class:`LeavingNode`, which reads as a dict too
(``node["carts"]``); ``waited`` is the seconds since it began to leave.

The course's modes are rules too, and the model runs them as it runs a learner's
(:func:`rule_for`): :func:`abrupt` (asked once, at once) and :func:`after` (asked at the
start and when its drain is over: :func:`next_ask`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields

#: A drain rule: (the leaving node, seconds waited) -> whether it may stop now.
DrainRule = Callable[["LeavingNode", float], bool]


@dataclass(frozen=True)
class LeavingNode(Mapping):
    """What a drain rule sees of a leaving node, each second.

    Attributes
    ----------
    node : int
        Its number.
    carts : int
        Carts in its memory (``state="server"``): lost if it stops now.
    in_flight : int
        Requests at it now (queued, served, or at its store call): failed if it stops now.
    pinned : int
        Open sessions pinned to it (sticky affinity): they keep coming while it drains.
    idle_s : float
        Seconds it has had no request in flight, seen once a second.
    """

    node: int
    carts: int
    in_flight: int
    pinned: int
    idle_s: float

    def __getitem__(self, name: str):
        if name not in self._names():
            raise KeyError(f"a leaving node has {', '.join(self._names())}; not {name!r}")
        return getattr(self, name)

    def __iter__(self):
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())

    @classmethod
    def _names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))


def abrupt(node: LeavingNode, waited: float) -> bool:
    """``mode="abrupt"``: stop at once, whatever the node holds."""
    return True


def after(drain: float) -> DrainRule:
    """``mode="sticky"`` or ``"in_flight"`` with ``drain`` seconds: stop once ``drain``
    seconds have passed (asked at the start, then at ``drain``: see :func:`next_ask`)."""

    def may_stop(node: LeavingNode, waited: float) -> bool:
        return waited >= drain

    may_stop.__name__ = f"after_{drain:g}_s"
    may_stop.wait = drain  # type: ignore[attr-defined]
    return may_stop


def rule_for(mode: str, drain: float) -> DrainRule:
    """The course's rule for a scale-in's ``mode`` and ``drain``: :func:`abrupt` for
    ``"abrupt"`` (or no drain), else :func:`after` ``drain`` seconds."""
    return abrupt if mode == "abrupt" or drain <= 0 else after(drain)


def next_ask(rule: DrainRule, waited: float) -> float:
    """Seconds until ``rule`` is asked again: a second, or at once its own wait is over for
    a rule that knows when it will answer True (:func:`after`)."""
    wait = getattr(rule, "wait", None)
    return max(wait - waited, 1e-9) if wait is not None else 1.0


def may_stop(rule: DrainRule, node: LeavingNode, waited: float) -> bool:
    """Ask ``rule``; an answer that is not a bool stops the run with a message."""
    answer = rule(node, waited)
    if not isinstance(answer, bool):
        raise ValueError(
            f"the drain rule {getattr(rule, '__name__', rule)!r} answered {answer!r} for "
            f"{dict(node)} after {waited:g} s: a drain rule answers True (stop now) or False "
            f"(not yet)"
        )
    return answer
