"""Helpers for the real-run tests: the shared checks, and skipping what this machine lacks.

pytest imports every ``conftest.py`` of a folder without ``__init__.py`` as the module
``conftest``, the last one loaded replacing the one before; the tests import their helpers
with ``from conftest import ...``. So this file first takes every helper of the top
``tests/conftest.py`` (``assert_conserved`` among them; not its fixtures and hooks, which
pytest already gives every test below it), and adds its own.

HAProxy and Redis are optional: a test that needs one is skipped, with a message saying how to
install it, unless ``STATELAB_REQUIRE_REAL=1`` (CI) makes a missing program a failure.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest
from exclusive import real_runs_alone

from statelab import Crash, Scenario


def _is_fixture(value) -> bool:
    """Whether ``value`` is a function decorated with ``@pytest.fixture`` (the marker's
    attribute is ``_fixture_function_marker`` from pytest 8.4, ``_pytestfixturefunction``
    before)."""
    return any(hasattr(value, a) for a in ("_fixture_function_marker", "_pytestfixturefunction"))


_spec = importlib.util.spec_from_file_location(
    "statelab_tests_conftest", Path(__file__).resolve().parent.parent / "conftest.py"
)
_top = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_top)
globals().update(
    {
        name: value
        for name, value in vars(_top).items()
        if not name.startswith(("_", "pytest_")) and not _is_fixture(value)
    }
)

#: Four sticky nodes with server state; node 1 crashes half way (the course's sticky crash),
#: short enough for a real run at time scale 0.1 to 0.2.
STICKY_CRASH = Scenario(
    nodes=4,
    arrival_rate=5.0,
    affinity="sticky",
    state="server",
    duration=30.0,
    events=(Crash(1, at=15.0),),
)

#: Set to 1 where HAProxy and redis-server must be there (CI): missing is then a failure.
REQUIRE = os.environ.get("STATELAB_REQUIRE_REAL") == "1"


def need_program(name: str) -> None:
    """Skip the test (or fail, with STATELAB_REQUIRE_REAL=1) if program ``name`` is missing."""
    from statelab.real.procs import ProgramMissing, require_program

    try:
        require_program(name)
    except ProgramMissing as missing:
        if REQUIRE:
            raise
        pytest.skip(f"{missing} (set STATELAB_REQUIRE_REAL=1 to make this a failure)")


@pytest.fixture(scope="module", autouse=True)
def _real_runs_alone():
    """Each module's real runs (its module fixtures' too) with the machine's real-run lock
    held: notebook 09, run in JupyterLab on the other worker, waits (tests/exclusive.py)."""
    with real_runs_alone():
        yield
