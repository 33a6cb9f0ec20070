"""Make the fixtures of the view's JavaScript tests: each preset's run, and the model's answers.

The animated cluster view plays a run in the browser from :func:`statelab.view.playback.payload`;
its JavaScript is tested with ``node --test`` against what Python says, so that the contract
between the two is defined once, here in Python. For every preset in ``data/scenarios/``
this writes ``tests/js/fixtures/<preset>.json.gz``::

    python scripts/js_fixtures.py            # writes tests/js/fixtures/*.json.gz
    python scripts/js_fixtures.py --check    # exits 1 naming the fixtures that are stale

Run it again and the files come out byte for byte the same (gzip with no time in its header;
JSON with sorted keys and no spaces). ``--check`` makes them again in memory and compares
the decompressed JSON, so a different zlib does not make a fixture stale. Writing also
removes the fixture of a preset that is gone.

One fixture, a gzipped JSON object
----------------------------------
``preset``
    The preset's name.
``payload``
    ``meta`` (as ``payload(result)["meta"]``) and each block of bytes (``requests``,
    ``late``, ``sessions``, ``ring``) as base64 text.
``times``
    :data:`MOMENTS` moments, seconds, sorted, each once, from 0 to the run's duration: every
    time a node changed status (``meta["node_changes"]``) and every event's ``at`` (evenly
    thinned if there are more than fit), then times spread evenly over the run.
``states``
    ``playback.state_at(decoded, t)`` at each of ``times``, in order.
``moves``
    The cart log, ``{"time": [...], "session": [...], "node": [...]}`` (seconds, session
    number, node; -1: no node's memory holds the cart any more): the model's own
    ``result.cart_moves``, which the script checks ``decode(payload)["moves"]`` spells out.
``owners`` (hashing affinities only: ``meta["hashing"]`` is not None)
    One entry a change of ``meta["hashing"]["changes"]``: ``at`` (seconds), ``sessions``
    (the sessions active then), ``before`` and ``after`` (the node each one's 64-bit client
    key goes to just before and just after the change; -1: no node), as
    :func:`statelab.view.playback.owners` routes them.

Numbers are as Python writes them (``repr``, the shortest text that reads back the same
float). JSON has no NaN or infinity, so a non-finite float is written, anywhere in a
fixture, as the string ``"NaN"``, ``"Infinity"`` or ``"-Infinity"``.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import io
import json
import math
import sys
from pathlib import Path

import numpy as np

import statelab
from statelab.view import playback

ROOT = Path(__file__).resolve().parents[1]
#: Where the fixtures go.
FOLDER = ROOT / "tests" / "js" / "fixtures"
#: How many moments each fixture asks ``state_at`` about.
MOMENTS = 50
#: The blocks of bytes of a payload, written as base64 text.
BLOCKS = tuple(playback.BLOCKS)
#: How a non-finite float is written (JSON has no NaN or infinity).
NON_FINITE = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}


# -- one preset's fixture ----------------------------------------------------------------


def fixture(name: str, result=None) -> dict:
    """The fixture of preset ``name``, as plain JSON values (see the module docstring), from
    ``result`` (its run, made here if not given)."""
    if result is None:
        result = statelab.simulate(statelab.Scenario.load(name))
    data = playback.payload(result)
    decoded = playback.decode(data)
    meta = data["meta"]
    times = moments(meta)
    found = {
        "preset": name,
        "payload": {"meta": meta, **{block: _base64(data[block]) for block in BLOCKS}},
        "times": times,
        "states": [playback.state_at(decoded, t) for t in times],
        "moves": cart_log(decoded, result),
    }
    if meta["hashing"] is not None:
        found["owners"] = [
            {"at": change["at"], **playback.owners(result, change["at"])}
            for change in meta["hashing"]["changes"]
        ]
    return plain(found)


def moments(meta: dict, count: int = MOMENTS) -> list[float]:
    """``count`` moments of the run, seconds from its start, sorted and each once.

    Every time a node changed status and every event's ``at`` (within the run; evenly
    thinned if more than ``count``), then times spread evenly from 0 to the duration, the
    first and last included, to make ``count``.
    """
    duration = float(meta["duration"])
    marked = {float(time) for time, _, _ in meta["node_changes"]}
    marked |= {float(event["at"]) for event in meta["events"]}
    marked = sorted(t for t in marked if 0.0 <= t <= duration)
    if len(marked) >= count:
        return [marked[i] for i in playback.panel_rows(len(marked), count)]
    wanted = count - len(marked)
    spread = wanted
    while True:  # more evenly spread times, until enough of them are not marked already
        others = [t for t in np.linspace(0.0, duration, spread).tolist() if t not in marked]
        if len(others) >= wanted:
            break
        spread += 1
    others = [others[i] for i in playback.panel_rows(len(others), wanted)]
    return sorted(marked + others)


def cart_log(decoded: dict, result) -> dict[str, list]:
    """The cart log the payload spells out (time in seconds, session, node; -1: no node),
    checked to be the model's own ``result.cart_moves``, move for move."""
    moves = decoded["moves"]
    log = {column: moves[column].tolist() for column in ("time", "session", "node")}
    model = result.cart_moves
    expected = {column: model[column].tolist() for column in ("time", "session", "node")}
    if log != expected:
        raise AssertionError(
            f"{result.scenario!r}: the payload's cart log is not the model's cart_moves"
        )
    return log


def _base64(block: bytes) -> str:
    return base64.b64encode(block).decode("ascii")


# -- plain, deterministic JSON -------------------------------------------------------------


def plain(value):
    """``value`` as plain JSON values: numpy numbers and arrays as Python's, tuples as lists,
    non-finite floats as the strings of :data:`NON_FINITE`."""
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [plain(item) for item in (value.tolist() if hasattr(value, "tolist") else value)]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return NON_FINITE[repr(value)]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"no JSON for {type(value).__name__}: {value!r}")


def text(found: dict) -> str:
    """A fixture as JSON text: sorted keys, no spaces, no NaN or infinity."""
    return json.dumps(found, sort_keys=True, separators=(",", ":"), allow_nan=False)


def compress(json_text: str) -> bytes:
    """JSON text as gzip bytes that depend on nothing but the text (no time, no file name)."""
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0) as file:
        file.write(json_text.encode("utf-8"))
    return buffer.getvalue()


def committed(name: str, folder: Path = FOLDER) -> str | None:
    """The JSON text of preset ``name``'s fixture in ``folder``; None if there is none."""
    path = folder / f"{name}.json.gz"
    return gzip.decompress(path.read_bytes()).decode("utf-8") if path.exists() else None


# -- the command -------------------------------------------------------------------------


def presets() -> list[str]:
    """The names of the presets, one a file of ``data/scenarios/``."""
    return sorted(statelab.presets())


def write(folder: Path = FOLDER) -> dict[str, int]:
    """Write every preset's fixture to ``folder``, remove those of presets that are gone,
    and return each file's name with its size (bytes)."""
    folder.mkdir(parents=True, exist_ok=True)
    names = presets()
    for path in folder.glob("*.json.gz"):
        if path.name.removesuffix(".json.gz") not in names:
            path.unlink()
    sizes = {}
    for name in names:
        path = folder / f"{name}.json.gz"
        path.write_bytes(compress(text(fixture(name))))
        sizes[path.name] = path.stat().st_size
    return sizes


def stale(folder: Path = FOLDER) -> list[str]:
    """The fixture files in ``folder`` that are missing, differ from what the script makes
    now, or belong to no preset."""
    names = presets()
    found = [f"{name}.json.gz" for name in names if committed(name, folder) != text(fixture(name))]
    found += [
        path.name
        for path in sorted(folder.glob("*.json.gz"))
        if path.name.removesuffix(".json.gz") not in names
    ]
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="exit 1 naming the fixtures that are stale"
    )
    args = parser.parse_args(argv)
    if args.check:
        found = stale(FOLDER)
        for name in found:
            print(f"stale: {FOLDER.relative_to(ROOT) / name}", file=sys.stderr)
        if found:
            print("run `python scripts/js_fixtures.py` to make them again", file=sys.stderr)
        return 1 if found else 0
    sizes = write(FOLDER)
    for name, size in sizes.items():
        print(f"{size / 1e6:8.3f} MB  {FOLDER.relative_to(ROOT) / name}")
    print(f"{sum(sizes.values()) / 1e6:8.3f} MB  in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
