"""Back-tests: every preset's run matches the numbers recorded in ``tests/expected/``.

A failure here means the model's behaviour changed. If that was meant, record the
numbers again (``make expected``) and say in the commit which moved and why. A number
added to the summary or the tables since the recording passes while it is 0 (a count this
preset cannot produce yet); a recorded number that is gone fails.
"""

from __future__ import annotations

import json

import pandas.testing
import pytest
from record_expected import FOLDER, RELATIVE_TOLERANCE, as_series, fingerprint

from statelab import presets


def test_every_preset_has_recorded_numbers():
    assert sorted(p.stem for p in FOLDER.glob("*.json")) == sorted(presets())


@pytest.mark.parametrize("name", sorted(presets()))
def test_the_preset_runs_as_recorded(name, preset_run):
    expected = json.loads((FOLDER / f"{name}.json").read_text())
    found = fingerprint(preset_run(name))  # the run of simulate(Scenario.load(name))
    assert list(found) == list(expected)
    for table in expected:
        now, then = as_series(found[table]), as_series(expected[table])
        # a number added since the recording is no change of behaviour while it is 0
        added = now.drop(then.index, errors="ignore")
        assert (added == 0).all(), f"{name}: {table}: new numbers {dict(added[added != 0])}"
        pandas.testing.assert_series_equal(
            now.reindex(then.index),
            then,
            check_exact=False,
            rtol=RELATIVE_TOLERANCE,
            obj=f"{name}: {table}",
        )
