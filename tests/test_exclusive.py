"""The real-run lock (tests/exclusive.py): while one process holds it, another cannot."""

from __future__ import annotations

import fcntl
import subprocess
import sys
import textwrap

import pytest
from exclusive import real_runs_alone


def test_the_real_run_lock_keeps_out_another_process_while_held_and_lets_it_in_after(tmp_path):
    lock = tmp_path / "real-runs.lock"
    try_it = textwrap.dedent(
        f"""
        import fcntl, sys
        with open({str(lock)!r}, "w") as f:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                sys.exit(3)
        """
    )
    with real_runs_alone(lock):
        held = subprocess.run([sys.executable, "-c", try_it], timeout=30)
        assert held.returncode == 3  # kept out
    after = subprocess.run([sys.executable, "-c", try_it], timeout=30)
    assert after.returncode == 0
    with lock.open("w") as f, pytest.raises(BlockingIOError), real_runs_alone(lock):
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)  # another open file: kept out too
