"""simulate(): run a scenario, after checking that it is a sensible size.

A notebook cell should answer in seconds, not minutes. Before it starts,
:func:`simulate` estimates how many requests a scenario will send (sessions a
second x seconds x requests a session) and refuses one beyond ``limit``,
saying how big it is and what to change, rather than freezing the kernel.
The simulation itself runs at roughly 50,000 to 100,000 requests a second on
a laptop core, and a result keeps about 150 bytes a request.
"""

from __future__ import annotations

import math

from statelab.sim.budget import DEFAULT_LIMIT, Budget, ScenarioTooLarge
from statelab.sim.draining import DrainRule
from statelab.sim.errors import ScenarioError, ScenarioTypeError
from statelab.sim.idempotency import IdempotencyCheck
from statelab.sim.model import ShopModel
from statelab.sim.result import Result
from statelab.sim.routing import Router
from statelab.sim.scenario import Scenario

__all__ = ["DEFAULT_LIMIT", "ScenarioTooLarge", "check_size", "simulate"]


def simulate(
    scenario: Scenario | None = None,
    limit: int | None = DEFAULT_LIMIT,
    router: Router | None = None,
    drain: DrainRule | None = None,
    idempotency: IdempotencyCheck | None = None,
) -> Result:
    """Run ``scenario`` (``Scenario()`` if none is given) and return what happened.

    Parameters
    ----------
    scenario : Scenario, optional
        The experiment to run.
    limit : int or None
        The most requests the run may be expected to send (default 500,000); the
        run is also held to a budget of work in proportion (see
        :mod:`statelab.sim.budget`). ``None`` lifts both.
    router : callable, optional
        A learner's router, ``route(key, up, configured) -> node | None``
        (:mod:`statelab.sim.routing`), in place of the scenario's affinity: every session
        gets a key, and each request goes where the router says (None: the balancer picks).
        A router that returns anything but a node up or None stops the run with a message.
    drain : callable, optional
        A learner's drain rule, ``may_stop(node, waited) -> bool``
        (:mod:`statelab.sim.draining`), in place of the scale-in's ``drain`` and ``mode``: a
        node leaving the cluster takes no new sessions, the ones pinned to it keep coming,
        and it is asked every second whether it may stop now.
    idempotency : callable, optional
        A learner's idempotency check, ``apply(request, seen) -> answer``
        (:func:`statelab.sim.state.checked_add`), in place of ``idempotency_keys``: it decides
        each add of a run whose clients time out and retry (``client_timeout``).

    Raises
    ------
    ScenarioTypeError
        If ``scenario`` is not a Scenario, ``limit`` not a number or None, or ``router``
        or ``drain`` not a function.
    ScenarioError
        If ``limit`` is not above 0.
    ScenarioTooLarge
        If the expected number of requests is above ``limit``, or the run does
        more work than the limit allows; the message says what to change.

    Any other exception is a bug in the model, and comes with every frame that led to it.
    """
    __tracebackhide__ = True  # IPython and pytest show the learner's call, not this frame
    # The message first, not after the frames of the checks or of the model.
    try:
        scenario = _checked(scenario, limit)
        _check_router(router)
        _check_drain(drain)
        _check_function("idempotency", idempotency, "apply(request, seen) -> answer")
    except ScenarioError as error:
        raise error.with_traceback(None) from None
    try:
        return _run(scenario, limit, router, drain, idempotency)
    except ScenarioTooLarge as error:
        raise error.with_traceback(None) from None


def _checked(scenario: Scenario | None, limit: int | None) -> Scenario:
    """The scenario to run (``Scenario()`` for None), after checking it and ``limit``."""
    if scenario is None:
        return Scenario()
    if not isinstance(scenario, Scenario):
        raise ScenarioTypeError(
            f"simulate needs a Scenario, got {scenario!r} ({type(scenario).__name__}); "
            f"make one with Scenario(...) or Scenario.load(name)"
        )
    _check_limit(limit)
    return scenario


def _check_limit(limit: int | None) -> None:
    """Refuse a ``limit`` that is not a whole number above 0 or None."""
    if limit is None:
        return
    if isinstance(limit, bool) or not isinstance(limit, int):
        raise ScenarioTypeError(f"limit must be a whole number above 0 or None, got {limit!r}")
    if limit < 1:
        raise ScenarioError(f"limit must be a whole number above 0 or None, got {limit!r}")


def _check_router(router: Router | None) -> None:
    """Refuse a ``router`` that is not a function (or None)."""
    if router is not None and not callable(router):
        raise ScenarioTypeError(
            f"router must be a function route(key, up, configured) -> node or None, got "
            f"{router!r} ({type(router).__name__})"
        )


def _check_function(name: str, value: object, signature: str) -> None:
    """Refuse ``value`` unless it is a function (or None)."""
    if value is not None and not callable(value):
        raise ScenarioTypeError(
            f"{name} must be a function {signature}, got {value!r} ({type(value).__name__})"
        )


def _check_drain(drain: DrainRule | None) -> None:
    """Refuse a ``drain`` rule that is not a function (or None)."""
    if drain is not None and not callable(drain):
        raise ScenarioTypeError(
            f"drain must be a function may_stop(node, waited) -> bool, got {drain!r} "
            f"({type(drain).__name__})"
        )


def _run(
    scenario: Scenario,
    limit: int | None,
    router: Router | None = None,
    drain: DrainRule | None = None,
    idempotency: IdempotencyCheck | None = None,
) -> Result:
    check_size(scenario, limit)

    def model() -> ShopModel:
        return ShopModel(scenario, router=router, drain=drain, idempotency=idempotency)

    if limit is None:
        return model().run()
    samples = math.ceil(scenario.duration / scenario.sample_interval)
    policy = scenario.autoscale
    decisions = math.ceil(scenario.duration / policy.interval) if policy else 0
    budget = Budget.for_limit(limit, samples, decisions)
    trace = scenario.trace()
    if trace is not None:  # thinning draws candidates at the peak rate all along: known now
        candidates = trace.peak * min(trace.end, scenario.duration)
        if candidates > budget.events:
            raise ScenarioTooLarge(
                f"the trace {trace.name!r} peaks at {trace.peak:g} sessions a second, so "
                f"drawing its arrivals over duration={scenario.duration:g} s takes about "
                f"{candidates:,.0f} draws (candidates at the peak rate, most of them thrown "
                f"away where the rate is lower), more than a run of limit={limit:,} requests "
                f"may make ({budget.events:,}). Shorten duration, lower the trace's peak, or "
                f"call simulate(scenario, limit=None) to run it anyway."
            )
    return model().run(budget, limit)


def check_size(scenario: Scenario, limit: int | None = DEFAULT_LIMIT) -> None:
    """Raise :class:`ScenarioTooLarge` if ``scenario`` would send more than ``limit`` requests.

    ``limit=None`` accepts any size.
    """
    _check_limit(limit)
    if limit is not None:
        expected = scenario.expected_requests()
        if expected > limit:
            raise ScenarioTooLarge(
                f"this scenario would send about {expected:,.0f} requests "
                f"({expected / scenario.requests_per_session:,.0f} sessions over duration "
                f"{scenario.duration:g} s x {scenario.requests_per_session} requests per "
                f"session), more than the "
                f"limit of {limit:,}. Shorten duration, lower arrival_rate or "
                f"requests_per_session, or call simulate(scenario, limit=None) to run it anyway "
                f"(about {expected / 80_000:,.0f} s at 80,000 requests a second)."
            )
