"""What the course says back to a learner: a status and a sentence.

``check`` (exercises) and ``predict`` (predictions) answer with a :class:`Feedback`;
in a notebook it shows as one line of Markdown with a mark for its status.
"""

from __future__ import annotations

from dataclasses import dataclass

NOT_ANSWERED = "not answered yet"
CORRECT = "correct"
TRY_AGAIN = "try again"
RECORDED = "recorded"

MARKS = {CORRECT: "✅", NOT_ANSWERED: "✏️", TRY_AGAIN: "💡", RECORDED: "📝"}


@dataclass(frozen=True)
class Feedback:
    """A ``status`` (not answered yet, correct, try again, recorded) and a message."""

    status: str
    message: str

    def __repr__(self) -> str:
        return f"{self.status.capitalize()}: {self.message}"

    def _repr_markdown_(self) -> str:
        return f"{MARKS[self.status]} **{self.status.capitalize()}.** {self.message}"
