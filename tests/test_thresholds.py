"""The threshold exercises' answers kept in statelab/course/thresholds.json are what the
simulation measures now, and a threshold whose inputs changed is measured, not read."""

from __future__ import annotations

import json

import pytest

from statelab.course import exercises as course

KEPT = json.loads(course.THRESHOLDS_FILE.read_text(encoding="utf-8"))


def test_the_kept_thresholds_are_the_searches():
    assert set(KEPT) == set(course.THRESHOLD_SEARCHES) == {
        "02-1", "02-2", "05-1", "05-2", "06-2", "07-2"
    }  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("exercise_id", sorted(KEPT))  # one a test: the workers share them
def test_every_kept_threshold_is_what_the_runs_measure_now(exercise_id):
    found = KEPT[exercise_id]
    stale = "run `make thresholds` and commit statelab/course/thresholds.json"
    assert found["key"] == course.threshold_key(exercise_id), f"{exercise_id}: {stale}"
    measured = course.measure_threshold(exercise_id).answers
    assert tuple(found["answers"]) == measured, f"{exercise_id}: {stale}"
    assert len(measured) == len(course.THRESHOLD_SEEDS)


def test_a_kept_threshold_is_read_and_one_whose_inputs_changed_is_measured(tmp_path, monkeypatch):
    _, highest, inputs = course.THRESHOLD_SEARCHES["05-1"]
    kept = tmp_path / "thresholds.json"
    key = course.threshold_key("05-1")
    kept.write_text(json.dumps({"05-1": {"key": key, "answers": [7] * 10}}))
    monkeypatch.setattr(course, "THRESHOLDS_FILE", kept)
    course.threshold.cache_clear()
    try:
        assert course.threshold("05-1").answers == (7,) * 10  # read, not measured
        # the scenario changed: the key no longer matches, so it is measured on the spot
        changed = (lambda seed: seed % 3 + 1, highest, (*inputs, "changed"))
        monkeypatch.setitem(course.THRESHOLD_SEARCHES, "05-1", changed)
        course.threshold.cache_clear()
        assert course.threshold_key("05-1") != key
        assert course.threshold("05-1").answers == tuple(s % 3 + 1 for s in range(1, 11))
    finally:
        course.threshold.cache_clear()


def test_a_threshold_is_the_tightest_value_nine_seeds_of_ten_bear_out():
    highest = course.Threshold((3.0, 2.5, 3.0, 3.0, 3.0, 2.5, 3.0, 3.0, 2.5, 2.0), highest=True)
    assert (highest.robust, highest.low, highest.high, highest.seed_1) == (2.5, 2.0, 3.0, 3.0)
    lowest = course.Threshold((70, 50, 50, 60, 80, 60, 60, 50, 50, 50), highest=False)
    assert (lowest.robust, lowest.low, lowest.high) == (70, 50, 80)
