"""Exercises and predictions: check an answer, see a solution, predict before a run and
read the guess back after it (they live in :mod:`statelab.course.exercises` and
:mod:`statelab.course.predictions`)."""

from statelab.course.exercises import (
    CORRECT,
    EXERCISES,
    NOT_ANSWERED,
    PREDICTIONS,
    RECORDED,
    TRY_AGAIN,
    Feedback,
    Reveal,
    check,
    predict,
    reveal,
    review,
    solution,
    solution_answer,
)

__all__ = [
    "CORRECT",
    "EXERCISES",
    "NOT_ANSWERED",
    "PREDICTIONS",
    "RECORDED",
    "TRY_AGAIN",
    "Feedback",
    "Reveal",
    "check",
    "predict",
    "reveal",
    "review",
    "solution",
    "solution_answer",
]
