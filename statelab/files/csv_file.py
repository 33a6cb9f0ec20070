"""CSV: a file read into rows of text cells."""

from __future__ import annotations

import csv
from pathlib import Path


def read_rows(path: Path) -> list[list[str]]:
    """The rows of the CSV file at ``path``; ``ValueError`` naming the file if it is not text."""
    try:
        with open(path, newline="", encoding="utf-8") as file:
            return list(csv.reader(file))
    except UnicodeDecodeError:
        raise ValueError(f"{path}: not a text file") from None
