"""Exercises: check an answer, see a solution (they live in :mod:`statelab.course.exercises`)."""

from statelab.course.exercises import (
    CORRECT,
    EXERCISES,
    NOT_ANSWERED,
    TRY_AGAIN,
    Feedback,
    check,
    review,
    solution,
    solution_answer,
)

__all__ = [
    "CORRECT",
    "EXERCISES",
    "NOT_ANSWERED",
    "TRY_AGAIN",
    "Feedback",
    "check",
    "review",
    "solution",
    "solution_answer",
]
