"""A child process that ends when the process that started it has gone.

One helper for every child the package starts: a sweep's pool workers
(:mod:`statelab.runs.replications`) and a real run's nodes, proxy and load generator
(:mod:`statelab.real`). A child blocked on a socket or a queue never notices that the kernel
was killed (``kill -9``, a crash); without this it would live on as an orphan, holding a port
or a core. Linux's ``PR_SET_PDEATHSIG`` (set by :mod:`statelab.real.procs` for the children it
forks) is the first guard; this is the second, and the only one for a process pool's workers.

Only the standard library is imported here: a child's start-up time is the learner's wait.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time

__all__ = ["PARENT_ENV", "alive", "exit_with_parent"]

#: Environment variable naming the process that started a child (set by
#: :class:`statelab.real.procs.ProcessGroup`); when a wrapper process stands between the two,
#: the child still ends once that process has gone.
PARENT_ENV = "STATELAB_PARENT_PID"
#: Seconds between two looks at the parent.
EVERY = 0.2

_watching = threading.Event()


def exit_with_parent(every: float = EVERY, owner: int | None = None) -> None:
    """End this process (``os._exit(1)``) once its parent has gone, or ``owner`` has.

    A daemon thread looks every ``every`` seconds whether the parent is still the process
    that was the parent when this was called (an orphan is adopted by another process) and
    whether ``owner`` still runs. ``owner`` defaults to the process named by
    :data:`PARENT_ENV`, if set; if that process is already gone when this is called, the
    process ends at once. Calling it again does nothing.
    """
    if not (isinstance(every, (int, float)) and 0 < every < 3600):
        raise ValueError(f"every must be a number of seconds above 0 and below 3600, got {every!r}")
    if _watching.is_set():
        return
    parent = os.getppid()
    if owner is None:
        named = os.environ.get(PARENT_ENV, "")
        owner = int(named) if named.isdigit() else None
    if owner is not None and owner != parent and not alive(owner):
        _orphaned(owner)
    _watching.set()

    def watch() -> None:
        while True:  # bounded by the life of this process
            time.sleep(every)
            if os.getppid() != parent:
                _orphaned(parent)
            if owner is not None and not alive(owner):
                _orphaned(owner)

    threading.Thread(target=watch, name="statelab-exit-with-parent", daemon=True).start()


def alive(pid: int) -> bool:
    """Whether process ``pid`` runs (ours or someone else's)."""
    if os.name != "posix":  # pragma: no cover - os.kill(pid, 0) would end it on Windows
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it runs, as someone else
        return True
    return True


def _orphaned(parent: int) -> None:
    with contextlib.suppress(Exception):
        print(f"statelab: parent process {parent} is gone; exiting", file=sys.stderr)
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(1)
