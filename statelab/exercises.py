"""Exercises and predictions: check an answer, see a solution, predict before a run and
read the guess back after it (they live in :mod:`statelab.course.exercises` and
:mod:`statelab.course.predictions`); and the judge of the policies a learner writes
(:mod:`statelab.course.judge`), which shows its run in the animated view."""

from statelab.course.exercises import (
    CORRECT,
    EXERCISES,
    NOT_ANSWERED,
    PREDICTIONS,
    RECORDED,
    TRY_AGAIN,
    Feedback,
    Reveal,
    carts_lost_by_one_change,
    check,
    predict,
    reveal,
    review,
    solution,
    solution_answer,
    your_guesses,
)
from statelab.course.judge import TASKS, Verdict
from statelab.dashboards.verdicts import RUNS, judge
from statelab.sim.idempotency import apply_once

__all__ = [
    "CORRECT",
    "EXERCISES",
    "NOT_ANSWERED",
    "PREDICTIONS",
    "RECORDED",
    "RUNS",
    "TASKS",
    "TRY_AGAIN",
    "Feedback",
    "Reveal",
    "Verdict",
    "apply_once",
    "carts_lost_by_one_change",
    "check",
    "judge",
    "predict",
    "reveal",
    "review",
    "solution",
    "solution_answer",
    "your_guesses",
]
