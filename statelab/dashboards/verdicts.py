"""The judge's verdicts in a notebook: the words, then the run that shows the policy at work
in the animated view (:mod:`statelab.course.judge` judges; this module runs and shows)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields

from IPython.display import Markdown, display

from statelab.course.judge import Verdict
from statelab.course.judge import judge as judge_policy
from statelab.dashboards.animated import AnimatedCluster
from statelab.sim.result import Result
from statelab.sim.scenario import Scenario
from statelab.sim.simulation import simulate

#: The scenario each router task shows its run on: a calm shop, a crash, a scale-out.
RUNS = {
    "router-keeps-carts": "calm_day",
    "router-survives-crash": "crash",
    "router-scales-out": "naive_scale_out",
}


class ShownVerdict(Verdict):
    """A :class:`~statelab.course.judge.Verdict` that shows its run beside its words."""

    def _ipython_display_(self) -> None:
        display(Markdown(self._repr_markdown_()))
        if self.result is not None:
            display(view_of(self.result))


def view_of(result: Result) -> AnimatedCluster:
    """The run in the animated view, a few seconds before its first event (the crash, the
    scale-out, the scale-in the policy was judged on), ready to play through it."""
    view = AnimatedCluster(result)
    first = result.scenario.first_event()
    if first is not None:
        view.time = max(first.at - LEAD, 0.0)
    return view


#: Seconds of the run the view shows before the event a verdict is about.
LEAD = 3.0


def run_with(policy: Callable, task: str) -> Result | None:
    """The seeded run of ``task``'s scenario (:data:`RUNS`) with the learner's router; None
    for a task with no run, or a router the model refuses (the Verdict says why already)."""
    if task not in RUNS:
        return None
    try:
        return simulate(Scenario.load(RUNS[task]), router=policy)
    except ValueError:
        return None


def judge(policy: Callable, task: str) -> Verdict:
    """Judge a policy the learner wrote on ``task`` (one of ``statelab.course.judge.TASKS``):
    what the judge tried, the first case that broke the property and a counter-example, in
    at most 10 s; for a router, the run of a scenario with it (``verdict.result``), shown in
    the animated view when the Verdict is displayed."""
    verdict = judge_policy(policy, task, run=run_with)
    return ShownVerdict(**{f.name: getattr(verdict, f.name) for f in fields(verdict)})
