"""Helpers for the real-run tests: the shared checks, and skipping what this machine lacks.

pytest imports every ``conftest.py`` of a folder without ``__init__.py`` as the module
``conftest``, the last one loaded replacing the one before; the tests import their helpers
with ``from conftest import ...``. So this file first takes every name of the top
``tests/conftest.py`` (``assert_conserved`` among them), and adds its own.

HAProxy and Redis are optional: a test that needs one is skipped, with a message saying how to
install it, unless ``STATELAB_REQUIRE_REAL=1`` (CI) makes a missing program a failure.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location(
    "statelab_tests_conftest", Path(__file__).resolve().parent.parent / "conftest.py"
)
_top = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_top)
globals().update(
    {
        name: value
        for name, value in vars(_top).items()
        if not name.startswith(("_", "pytest_")) and name not in ("root",)
    }
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
