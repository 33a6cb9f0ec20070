"""TOML: a file read into a table (a dict), and Python values written as TOML."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib


def read_table(path: Path) -> dict:
    """The TOML file at ``path`` as a dict; ``ValueError`` naming the file if it is not one."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"{path}: not a text file ({error.reason})") from None
    if not text.strip():
        raise ValueError(f"{path}: the file is empty; a preset needs at least a description")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{path}: not valid TOML: {error}") from None


def value(item: object) -> str:
    """``item`` (a bool, whole number, finite number or text) written as a TOML value."""
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, int):
        return str(item)
    if isinstance(item, float):
        if not math.isfinite(item):
            raise ValueError(f"cannot save the number {item} to a preset")
        return repr(item)
    if isinstance(item, str):
        return json.dumps(item, ensure_ascii=False)  # a JSON string is a TOML basic string
    raise TypeError(f"cannot save {item!r} ({type(item).__name__}) to a preset")
