"""Measure the course's threshold exercises over their seeds and keep them for check().

Each threshold exercise (02-1, 02-2, 05-1, 05-2, 06-2, 07-2) is judged over 10 seeds, 10
searches of the simulation (up to 10 s for 05-2). They are measured here once and kept in
``statelab/course/thresholds.json``, each with the key of what it was measured from, so a
learner's check() and solution() answer at once. A threshold whose key no longer matches
(its scenario, steps or bound changed) is measured again on the spot;
``tests/test_thresholds.py`` measures every one afresh and compares, so a change of the
model that moves one fails until this is run again::

    make thresholds        # or: .venv/bin/python scripts/thresholds.py
"""

from __future__ import annotations

import sys

from statelab.course.exercises import THRESHOLDS_FILE, write_thresholds

if __name__ == "__main__":
    for exercise_id, found in write_thresholds().items():
        print(f"{exercise_id}: {found['answers']}", file=sys.stderr)
    print(f"wrote {THRESHOLDS_FILE}", file=sys.stderr)
