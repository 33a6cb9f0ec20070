"""A guard for a program whose children outlive it: they all end with the run.

``python -m statelab.real.guard [--group] PROGRAM [ARGS...]`` runs PROGRAM as its child and
ends it, and every process it started, when the guard is told to stop (SIGTERM, as a run's
:class:`~statelab.real.procs.ProcessGroup` stops its children) or when the process that
started the guard has gone (the notebook's kernel killed outright). With ``--group``, in that
second case the guard's whole process group (a run's own group: every process of the run) is
ended too, so nothing PROGRAM started is left, whatever its tree looked like at that moment.

Why: nginx's worker processes outlive their master's SIGKILL (they are adopted by process 1
and keep listening), so the operating system's ``PR_SET_PDEATHSIG``, which a run's group gives
each child it starts, is not enough for nginx. The guard asks for SIGTERM rather than SIGKILL
when its parent dies, so it lives the moment it needs to end PROGRAM's whole tree, youngest
first, with SIGKILL.

Only the standard library is imported here: a guard's start-up time is the learner's wait.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from statelab.runs.watch import PARENT_ENV, alive

#: Seconds between two looks at the parent and at the program.
EVERY = 0.1
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children, their children, ...), from Linux's ``/proc``,
    the deepest last."""
    found: list[int] = []
    todo = [pid]
    for _ in range(10_000):  # bounded: a tree of that many processes is not ours
        if not todo:
            break
        current = todo.pop()
        try:
            text = Path(f"/proc/{current}/task/{current}/children").read_text()
        except OSError:
            continue
        children = [int(word) for word in text.split()]
        found += children
        todo += children
    return found


def end_tree(pid: int) -> None:
    """SIGKILL ``pid``'s descendants, then ``pid`` itself."""
    for child in reversed(descendants(pid)):
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    group = bool(argv) and argv[0] == "--group"
    argv = argv[1:] if group else argv
    if not argv:
        print("usage: python -m statelab.real.guard [--group] PROGRAM [ARGS...]", file=sys.stderr)
        return 2
    libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)  # not SIGKILL: time to clean up
    parent = os.getppid()
    named = os.environ.get(PARENT_ENV, "")
    owner = int(named) if named.isdigit() else None
    program = subprocess.Popen(argv)

    def stop(*_) -> None:
        end_tree(program.pid)
        orphaned = os.getppid() != parent or (owner is not None and not alive(owner))
        if group and orphaned:  # the run's group, this guard included: nothing is left
            os.killpg(os.getpgrp(), signal.SIGKILL)
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while program.poll() is None:  # bounded by the life of the program
        if os.getppid() != parent or (owner is not None and not alive(owner)):
            stop()
        time.sleep(EVERY)
    end_tree(program.pid)  # what it left behind
    return program.returncode


if __name__ == "__main__":
    sys.exit(main())
