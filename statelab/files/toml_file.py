"""TOML: a file read into a table (a dict), and Python values written as TOML."""

from __future__ import annotations

import math
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

#: The largest TOML file read, in bytes: a preset is a few hundred, but one saved with
#: a workload trace carries the trace's points (up to 100,000 of them).
MAX_BYTES = 4 * 1024 * 1024
#: The deepest nesting of arrays and tables in a TOML file (a preset needs 3).
MAX_DEPTH = 16
#: The most characters of a value an error message quotes.
MAX_ECHO = 40

#: The characters a TOML basic string writes as a short escape.
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\f": "\\f"}


def short(item: object) -> str:
    """``repr(item)``, cut to :data:`MAX_ECHO` characters: the most an error message quotes."""
    text = repr(item)
    return text if len(text) <= MAX_ECHO else text[: MAX_ECHO - 3] + "..."


def read_text(path: Path, max_bytes: int, what: str) -> str:
    """The text of the file at ``path`` (UTF-8, a leading BOM dropped), if at most ``max_bytes``.

    The size is checked before the file is read, and no more than ``max_bytes + 1`` bytes
    are ever read, so a huge file is refused at once. ``ValueError`` names the file.
    """
    try:
        size = path.stat().st_size
    except OSError as error:
        raise ValueError(f"{path}: cannot read the file ({error.strerror})") from None
    if size > max_bytes:
        raise ValueError(
            f"{path}: the file has {size:,} bytes; {what} may have at most {max_bytes:,}"
        )
    with open(path, "rb") as file:
        data = file.read(max_bytes + 1)
    if len(data) > max_bytes:  # the file grew after it was measured
        raise ValueError(
            f"{path}: the file has over {max_bytes:,} bytes; {what} may have at most {max_bytes:,}"
        )
    if b"\0" in data:
        raise ValueError(f"{path}: not a text file (it holds a NUL byte)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(f"{path}: not a text file ({error.reason})") from None


def read_table(path: Path) -> dict:
    """The TOML file at ``path`` as a dict; ``ValueError`` naming the file if it is not one.

    A file of more than :data:`MAX_BYTES` bytes, or nested more than :data:`MAX_DEPTH`
    deep, is refused; a leading UTF-8 BOM (as some editors save) is allowed.
    """
    text = read_text(path, MAX_BYTES, "a preset")
    if not text.strip():
        raise ValueError(f"{path}: the file is empty; a preset needs at least a description")
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{path}: not valid TOML: {error}") from None
    except RecursionError:
        table = None
    if table is None or _depth(table) > MAX_DEPTH:
        raise ValueError(
            f"{path}: arrays and tables are nested too deep; a preset may nest them "
            f"at most {MAX_DEPTH} deep"
        )
    return table


def _depth(item: object) -> int:
    """How deep lists and dicts nest in ``item`` (counted without recursion)."""
    deepest, stack = 0, [(item, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        elif not isinstance(item, list):
            continue
        deepest = max(deepest, depth + 1)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((child, depth + 1) for child in item)
    return deepest


def string(text: str, field: str = "text") -> str:
    """``text`` as a TOML basic string that reads back exactly.

    Quotes, backslashes and control characters are escaped; ``ValueError`` naming
    ``field`` and the character for one that no file can hold (a lone surrogate).
    """
    out = []
    for char in text:
        code = ord(char)
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04X}")
        elif 0xD800 <= code <= 0xDFFF:
            raise ValueError(
                f"{field} holds the character {char!r} (a lone surrogate), "
                "which a text file cannot hold"
            )
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def value(item: object, field: str = "text") -> str:
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
        return string(item, field)
    raise TypeError(f"cannot save {item!r} ({type(item).__name__}) to a preset")
