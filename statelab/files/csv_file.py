"""CSV: a file read into rows of text cells."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from statelab.files.toml_file import read_text

#: The largest CSV file read, in bytes.
MAX_BYTES = 1024 * 1024
#: The most rows (blank ones too) a CSV file may have.
MAX_ROWS = 100_000


def read_rows(path: Path, max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS) -> list[list[str]]:
    """The rows of the CSV file at ``path``.

    ``ValueError`` naming the file if it is not text, is not CSV (a field over the csv
    module's limit, a NUL byte), or has more than ``max_bytes`` bytes (checked before it
    is read) or ``max_rows`` rows. A leading UTF-8 BOM (as Excel saves) is allowed.
    """
    text = read_text(path, max_bytes, "a CSV file")
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = []
    try:
        for row in reader:
            if len(rows) >= max_rows:
                raise ValueError(
                    f"{path}: more than {max_rows:,} rows; a CSV file may have at most {max_rows:,}"
                )
            rows.append(row)
    except csv.Error as error:
        raise ValueError(f"{path}, line {reader.line_num}: not a CSV file ({error})") from None
    return rows
