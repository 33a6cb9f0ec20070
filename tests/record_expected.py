"""Back-tests: what every preset's run looked like, kept so a change of behaviour shows.

For each preset this stores small, readable numbers of its run (not a hash, which would
break on any library upgrade): the summary, the request attempts by node and outcome, the
sessions lost by cause, and the sums of the timeline's columns. ``tests/test_backtests.py``
runs the presets again and compares with ``pandas.testing`` at :data:`RELATIVE_TOLERANCE`.

When a change of behaviour is meant (a new model semantics, say), record them again on
purpose and say in the commit which numbers moved and why::

    make expected        # or: .venv/bin/python tests/record_expected.py
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pandas as pd

FOLDER = Path(__file__).resolve().parent / "expected"
#: The runs are deterministic; the tolerance only absorbs floating-point summation order.
RELATIVE_TOLERANCE = 1e-9


def fingerprint(result) -> dict[str, dict]:
    """The numbers of a run that the back-tests keep, as {table name: {key: value}}."""
    requests = result.requests
    by_node = requests.groupby(["node", "outcome"], observed=True).size()
    sessions = result.sessions
    timeline = result.timeline.select_dtypes("number")
    return {
        "summary": {key: _plain(value) for key, value in result.summary().items()},
        "requests_by_node_and_outcome": {f"{n}/{o}": int(c) for (n, o), c in by_node.items()},
        "sessions_lost_by_cause": {
            str(cause): int(count)
            for cause, count in sessions["lost_cause"].value_counts().sort_index().items()
        },
        "timeline_sums": {name: float(timeline[name].sum()) for name in timeline.columns},
    }


def _plain(value):
    if isinstance(value, float) and math.isnan(value):
        return None
    return value.item() if hasattr(value, "item") else value


def as_series(table: dict) -> pd.Series:
    """One table of a fingerprint as a float Series (None is NaN), sorted by key."""
    return pd.Series(
        {k: math.nan if v is None else float(v) for k, v in table.items()}, dtype=float
    ).sort_index()


def record() -> list[Path]:
    from statelab import Scenario, presets, simulate

    FOLDER.mkdir(exist_ok=True)
    written = []
    for name in presets():
        path = FOLDER / f"{name}.json"
        path.write_text(json.dumps(fingerprint(simulate(Scenario.load(name))), indent=1) + "\n")
        written.append(path)
    return written


if __name__ == "__main__":
    for path in record():
        print(f"recorded {path.relative_to(FOLDER.parent.parent)}", file=sys.stderr)
