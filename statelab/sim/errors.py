"""The errors of a scenario the learner asked for: a value, a combination or a size refused.

Every check of a :class:`~statelab.sim.scenario.Scenario`, of its events, its workload
trace, its policies and its preset file raises one of these, with a message that names
the field, the value given and what is allowed:

- :class:`ScenarioError` (a ``ValueError``): the right kind of value, but refused (out of
  range, an unknown name, a combination that cannot run, a malformed preset);
- :class:`ScenarioTypeError` (a ``ScenarioError`` and a ``TypeError``): the wrong kind of
  value (text where a number belongs, say);
- :class:`~statelab.sim.budget.ScenarioTooLarge` (a ``ScenarioError``): too big to run.

Anything else that leaves :func:`statelab.simulate` or a dashboard is not the learner's
doing but a bug, and is shown as one (a traceback), never as a refusal.
"""

from __future__ import annotations


class ScenarioError(ValueError):
    """A scenario, event, trace, policy or preset the learner gave is refused; the
    message names the field, the value given and what is allowed."""


class ScenarioTypeError(ScenarioError, TypeError):
    """A field of a scenario (or of its events, trace, policies or preset) holds the
    wrong kind of value; the message names the field, the value and what is allowed."""
