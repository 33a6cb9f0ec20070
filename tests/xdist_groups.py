"""How ``make test`` shares the tests among its pytest-xdist workers.

``make test`` runs pytest with ``-n`` a worker a core and ``--dist loadgroup``: a test runs on
whichever worker is free, except the tests of a group, which all run on one worker, one at a
time. The groups are the tests that share a resource or a clock:

- ``browser`` (tests/browser/): one JupyterLab, one Voila and one Chromium serve them all;
- ``real`` (tests/real/): real runs start servers, balancers and stores on loopback and
  time them in real seconds; one at a time, no two runs share the processor between them.
  (Notebook 09, run in JupyterLab, makes real runs too, beside them: the real runs' tests
  hold when every core is busy, which ``make test-busy`` checks.)

The groups and the long tests (marked ``slow``) are put first in the collection, so that
they start at once and overlap the many short tests, instead of finishing alone at the end.
A test marked ``late`` goes last in its group: notebook 09 run in JupyterLab makes real runs,
which should come after the real group's tests on the other worker, not beside them (two
of those failed on a CI run where 09 ran early in the browser group).
"""

from __future__ import annotations

from pathlib import Path

import pytest

#: Reruns of a real run's test that failed (pytest-rerunfailures): its runs are timed in
#: tenths of real seconds, and on a busy machine (make test's other worker, CI) one now and
#: then misses by a hair; a second failure fails. A rerun is reported (``R`` in the summary).
RERUNS = 1

#: A folder of the tests (as a part of a test's path) and its group.
GROUPS = {"tests/browser/": "browser", "tests/real/": "real"}


def group_of(item: pytest.Item) -> str | None:
    """The xdist group of a test: its own ``xdist_group`` mark, else its folder's group."""
    mark = item.get_closest_marker("xdist_group")
    if mark:
        return mark.args[0] if mark.args else mark.kwargs.get("name", "default")
    path = Path(str(item.fspath)).as_posix()
    return next((name for folder, name in GROUPS.items() if folder in path), None)


def group_and_order(items: list[pytest.Item]) -> None:
    """Mark each test of a group with its ``xdist_group``; put the groups first, then the
    long tests, then the rest, each in the order they were collected (a ``late`` test last
    of its kind)."""
    for item in items:
        group = group_of(item)
        if group and not item.get_closest_marker("xdist_group"):
            item.add_marker(pytest.mark.xdist_group(group))
        if group == "real" and not item.get_closest_marker("flaky"):
            item.add_marker(pytest.mark.flaky(reruns=RERUNS))

    def order(item: pytest.Item) -> tuple[int, bool]:
        late = item.get_closest_marker("late") is not None
        if group_of(item):
            return 0, late
        return (1 if item.get_closest_marker("slow") else 2), late

    items.sort(key=order)
