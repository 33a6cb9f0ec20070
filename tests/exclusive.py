"""One real run at a time on this machine, whichever pytest worker makes it.

A real run's servers, balancer and load generator are timed in tenths of real seconds; two
runs at once (the real group's tests on one worker, notebook 09 run in JupyterLab on the
other) take the processor from each other, and their timed checks then fail (seen on CI
runs). The real group's modules and notebook 09's test each hold this lock (an advisory
``flock`` on a file of ``test-artifacts/``) while they run; the other waits.
"""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path

LOCK = Path(__file__).resolve().parents[1] / "test-artifacts" / "real-runs.lock"


@contextlib.contextmanager
def real_runs_alone(lock: Path = LOCK) -> Iterator[None]:
    """Hold the machine's real-run lock (``lock``) for the block, waiting for it first."""
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(held, fcntl.LOCK_UN)
