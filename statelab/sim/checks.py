"""Checks that turn a bad value into a message a learner can act on.

Every field of a scenario, and of the events inside it, goes through one of the
small functions here. Each raises :class:`~statelab.sim.errors.ScenarioTypeError`
(wrong kind of value; a ``TypeError``) or :class:`~statelab.sim.errors.ScenarioError`
(right kind, wrong size or name; a ``ValueError``) with a message that names the
field, repeats the value that was given and says what is allowed, so that a
typo in a notebook cell or a preset file explains itself.

Nothing is clamped or rounded behind the learner's back: a value is either
accepted as given (an integer for a float field becomes that float, a numpy
number becomes a Python number) or refused.
"""

from __future__ import annotations

import difflib
import functools
import math
import numbers

from statelab.sim.errors import ScenarioError, ScenarioTypeError


def _kind(value: object) -> str:
    return type(value).__name__


def whole_number(field: str, value: object, low: int, high: int) -> int:
    """Return ``value`` as an ``int`` if it is a whole number in ``[low, high]``.

    Raises
    ------
    ScenarioTypeError
        If ``value`` is not an integer (``True``, ``2.5`` and ``"3"`` are refused).
    ScenarioError
        If it lies outside ``[low, high]``.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ScenarioTypeError(
            f"{field} must be a whole number from {low} to {high}, got {value!r} ({_kind(value)})"
        )
    value = int(value)
    if not low <= value <= high:
        raise ScenarioError(f"{field} must be a whole number from {low} to {high}, got {value}")
    return value


def number(
    field: str,
    value: object,
    low: float,
    high: float,
    *,
    low_open: bool = False,
    unit: str = "",
    why_low: str = "",
) -> float:
    """Return ``value`` as a ``float`` if it is a finite number in the range.

    The range is ``[low, high]``, or ``(low, high]`` when ``low_open`` is true
    (for quantities such as a service time that must be above zero). ``unit``
    is added to the message, e.g. ``"seconds"``; ``why_low`` says why the lower
    bound is where it is, added to the message of a value below it.
    """
    lower = f"above {low:g}" if low_open else f"at least {low:g}"
    unit_text = f" {unit}" if unit else ""
    allowed = f"a number {lower} and at most {high:g}{unit_text}"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ScenarioTypeError(f"{field} must be {allowed}, got {value!r} ({_kind(value)})")
    value = float(value)
    if math.isnan(value) or math.isinf(value):
        raise ScenarioError(f"{field} must be {allowed}, got {value} (not a finite number)")
    too_low = value <= low if low_open else value < low
    if too_low and why_low:
        raise ScenarioError(f"{field} must be {allowed}, got {value:g}: {why_low}")
    if too_low or value > high:
        raise ScenarioError(f"{field} must be {allowed}, got {value:g}")
    return value


def choice(field: str, value: object, allowed: tuple[str, ...]) -> str:
    """Return ``value`` if it is one of the ``allowed`` names.

    The message lists every allowed name and, for a near miss such as
    ``"round-robin"``, suggests the closest one.
    """
    names = ", ".join(repr(name) for name in allowed)
    if not isinstance(value, str):
        raise ScenarioTypeError(f"{field} must be one of {names}, got {value!r} ({_kind(value)})")
    if value not in allowed:
        close = difflib.get_close_matches(value, allowed, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ScenarioError(f"{field} must be one of {names}, got {value!r}.{hint}")
    return value


def boolean(field: str, value: object) -> bool:
    """Return ``value`` if it is ``True`` or ``False`` (not 0, 1 or "yes")."""
    if not isinstance(value, bool):
        raise ScenarioTypeError(f"{field} must be True or False, got {value!r} ({_kind(value)})")
    return value


def optional(field: str, value: object, cls: type) -> object:
    """Return ``value`` if it is ``None`` or an instance of ``cls``."""
    if value is not None and not isinstance(value, cls):
        raise ScenarioTypeError(
            f"{field} must be None or a {cls.__name__}(...), got {value!r} ({_kind(value)})"
        )
    return value


def unknown_name(what: str, name: str, known: list[str] | tuple[str, ...]) -> str:
    """Return a message for a name that is not one of ``known`` (e.g. a preset key)."""
    close = difflib.get_close_matches(name, known, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    listing = ", ".join(sorted(known))
    return f"unknown {what} {name!r}.{hint} Known: {listing}"


def errors_at_the_call(target):
    """Make a public class or function raise its checks' errors from the learner's call.

    A check deep inside a constructor raises a :class:`ScenarioError` (or a
    :class:`ScenarioTypeError`, which is one); a learner should see its message at
    once, not after every internal frame that led to it. Wrapped here, the same
    exception object (its class and message unchanged) is raised again with its
    traceback cut to the public call, and not chained to anything (``from None``).
    IPython and pytest also hide the wrapper's own frame (``__tracebackhide__``)
    unless it is the only one. Any other exception is a bug, not the learner's
    value: it goes through untouched, with every frame that led to it.

    ``target`` is a function, or a class whose ``__init__`` is wrapped (use it
    above ``@dataclass``, so that it wraps the generated ``__init__``).
    """
    if isinstance(target, type):
        target.__init__ = errors_at_the_call(target.__init__)
        return target

    @functools.wraps(target)
    def at_the_call(*args, **kwargs):
        __tracebackhide__ = True
        try:
            return target(*args, **kwargs)
        except ScenarioError as error:
            raise error.with_traceback(None) from None

    return at_the_call
