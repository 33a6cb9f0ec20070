"""Real processes for a real run: every one in a single group, gone when we are.

A real run starts a small cluster on this machine: web server nodes, a load balancer
(HAProxy or the embedded proxy), a session store (Redis) and a load generator, each a process
of its own, all on the loopback interface (127.0.0.1, never a public address), each on a
port that the operating system picks. Think of a school trip: the teacher (the notebook's
kernel) takes one register of the children (a *process group*), counts them out at the end
of the day (``stop()``), and no child is left behind, however the day ends:

- a normal end, an error, or Ctrl-C / the notebook's stop button (``KeyboardInterrupt``):
  ``ProcessGroup`` is a context manager, and its exit stops every child;
- the end of the Python process: ``stop()`` is registered with ``atexit``;
- the kernel killed outright (``SIGKILL``, "Restart kernel", an out-of-memory kill): no Python
  code runs then, so the operating system must do it. Every child is started with Linux's
  ``PR_SET_PDEATHSIG = SIGKILL`` ("kill me when my parent dies"), and our own Python children
  also call :func:`statelab.runs.watch.exit_with_parent`, which exits the child once its
  parent has gone.

The pieces a run needs:

- ``ProcessGroup(workdir).start(name, argv)`` starts a child, its output in
  ``workdir/<name>.log``, and waits for its first line ``READY <port>``: the port it listens on,
  chosen by the OS (a child of ours binds ``127.0.0.1:0``);
- ``free_port()`` asks the OS for a free port ahead of time (for HAProxy's configuration file);
  ``wait_for_port`` and ``wait_for_unix_socket`` wait, bounded in time, for a program that does
  not say READY (HAProxy, redis-server);
- ``require_program("haproxy")`` finds a program or says how to install it.

Every wait here is bounded in time and in count, and a failure names the child, its command
and the last lines of its log.

A detail of Linux, and why ``start()`` may be called from any thread: ``PR_SET_PDEATHSIG``
fires when the *thread* that started the child ends, not only the process. A child started
from a short-lived thread would be killed when that thread finished. So every child is forked
by one long-lived thread of this module (the "spawner"), which lives as long as the process.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import ctypes.util
import math
import os
import queue
import re
import shlex
import shutil
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from statelab.runs.watch import PARENT_ENV

__all__ = [
    "Child",
    "NotReady",
    "ProcessGroup",
    "ProgramMissing",
    "free_port",
    "python_argv",
    "require_program",
    "wait_for_port",
    "wait_for_unix_socket",
]

LOOPBACK = "127.0.0.1"
"""The only address a real run listens on or connects to."""

STOP_GRACE = 2.0
"""Seconds ``stop()`` gives the children to exit after SIGTERM, before SIGKILL."""

_POLL = 0.01  # seconds between two looks at a child's log or exit
_WAIT_AFTER_KILL = 5.0  # seconds to reap a child after SIGKILL (it cannot refuse to die)
_SPAWN_TIMEOUT = 30.0  # seconds for the spawner thread to fork and exec one child
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_READY = re.compile(rb"READY (\d+)")

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _load_prctl() -> Callable[..., int] | None:
    """libc's ``prctl``, loaded once in the parent (a forked child must not load libraries)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        return libc.prctl
    except (OSError, AttributeError):
        return None


_prctl = _load_prctl()


class NotReady(RuntimeError):
    """A child did not become ready: it exited, or did not answer within its timeout."""


class ProgramMissing(RuntimeError):
    """A program a real run needs (HAProxy, redis-server) is not installed."""


# How to get the programs a real run may need; shown when one is missing.
HOW_TO_GET = {
    "nginx": (
        "install it with `sudo apt install nginx` (Debian, Ubuntu) or `brew install nginx` "
        '(macOS), or run with balancer="embedded", which needs no program'
    ),
    "haproxy": (
        "install it with `sudo apt install haproxy` (Debian, Ubuntu) or `brew install haproxy` "
        '(macOS), or run with balancer="embedded", which needs no program'
    ),
    "redis-server": (
        "install it with `sudo apt install redis-server` (Debian, Ubuntu), "
        "`conda install -c conda-forge redis-server` (conda's redis-server) or "
        '`brew install redis` (macOS), or run with store="sqlite", which needs no program'
    ),
}

# Places programs live that a notebook's PATH often misses (/usr/sbin holds haproxy on Debian).
_EXTRA_DIRS = ("/usr/sbin", "/usr/local/sbin", "/sbin")


def require_program(name: str, how_to_get: str | None = None) -> str:
    """The full path of the program ``name``, or ``ProgramMissing`` saying how to install it.

    Looks on PATH, then in this Python's own ``bin`` folder (where conda puts redis-server),
    then in the system folders a notebook's PATH often lacks (``/usr/sbin``, where Debian
    puts haproxy). ``how_to_get`` overrides the advice for programs not in ``HOW_TO_GET``.
    """
    if not isinstance(name, str) or not name or os.sep in name:
        raise ValueError(f"name must be a program's name such as 'haproxy', got {name!r}")
    found = shutil.which(name)
    if found is None:
        extra = os.pathsep.join([str(Path(sys.prefix) / "bin"), *_EXTRA_DIRS])
        found = shutil.which(name, path=extra)
    if found is None:
        how = how_to_get or HOW_TO_GET.get(
            name, "install it with your system's package manager (apt, brew or conda)"
        )
        raise ProgramMissing(
            f"the program {name!r} is needed for this real run but was not found "
            f"(looked on PATH and in {sys.prefix}/bin, {', '.join(_EXTRA_DIRS)}): {how}."
        )
    return found


def python_argv(module: str, *args: str) -> list[str]:
    """The command that runs ``python -m module args...`` with this very Python."""
    return [sys.executable, "-m", module, *args]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free now, chosen by the OS (bind to port 0, then close).

    For programs that must be told their port (HAProxy's configuration file). Another process
    could take the port before it is used, so a child that can should bind port 0 itself and
    report it with ``READY <port>``.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def _check_timeout(timeout: float) -> float:
    if not isinstance(timeout, (int, float)) or not math.isfinite(timeout) or timeout <= 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    return float(timeout)


def _polls(timeout: float, interval: float) -> int:
    """How many looks a wait of ``timeout`` seconds may take, every ``interval`` seconds."""
    return int(timeout / interval) + 2


class Child:
    """One process of a ``ProcessGroup``: a server node, the balancer, the store, the load.

    ``name`` is the group's name for it, ``pid`` its process id, ``pgid`` its process group,
    ``port`` the TCP port it reported with ``READY <port>`` (None until then, or for a child
    started with ``ready=False``), ``popen`` its ``subprocess.Popen`` and ``log`` the file
    that holds its output (stdout and stderr).
    """

    def __init__(
        self, name: str, popen: subprocess.Popen, pgid: int, log: Path, offset: int
    ) -> None:
        self.name = name
        self.popen = popen
        self.pid = popen.pid
        self.pgid = pgid
        self.log = log
        self.port: int | None = None
        self._offset = offset  # where this run's output starts in the log (a restart appends)

    def __repr__(self) -> str:
        state = "alive" if self.alive() else f"exited {self.popen.returncode}"
        return f"Child({self.name!r}, pid={self.pid}, port={self.port}, {state})"

    def alive(self) -> bool:
        """Whether the process is still running."""
        return self.popen.poll() is None

    def kill(self) -> int:
        """SIGKILL (a crash: no goodbye) and wait for it; returns the exit code (-9)."""
        self.popen.kill()  # does nothing if already reaped
        return self.popen.wait(timeout=_WAIT_AFTER_KILL)

    def terminate(self, timeout: float = STOP_GRACE) -> int:
        """SIGTERM (a polite stop), up to ``timeout`` seconds, then SIGKILL; the exit code."""
        timeout = _check_timeout(timeout)
        self.popen.terminate()
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return self.kill()

    def tail(self, lines: int = 20, chars: int = 3000) -> str:
        """The last ``lines`` lines (at most ``chars`` characters) this run wrote to its log."""
        try:
            with open(self.log, "rb") as f:
                size = f.seek(0, os.SEEK_END)
                f.seek(max(self._offset, size - chars))
                text = f.read(chars).decode("utf-8", "replace")
        except OSError as error:
            return f"(could not read {self.log}: {error})"
        kept = text.splitlines()[-lines:]
        return "\n".join(kept) if kept else "(the log is empty)"

    def _describe_exit(self) -> str:
        code = self.popen.returncode
        if code is not None and code < 0:
            with contextlib.suppress(ValueError):
                return f"was killed by {signal.Signals(-code).name}"
        return f"exited with code {code}"

    def wait_for_line(
        self, pattern: re.Pattern[bytes], timeout: float, argv: list[str], what: str
    ) -> re.Match[bytes]:
        """Reads this child's log (this run's part) until a whole line matches ``pattern``
        (a ``READY <port>`` line's port must be a port); bounded by ``timeout`` seconds. A
        child that exits first or stays silent is stopped and ``NotReady`` quotes its log
        (``argv``: its command; ``what``: the line waited for, in words)."""
        deadline = time.monotonic() + timeout
        pending = b""
        with open(self.log, "rb") as f:
            f.seek(self._offset)
            for _ in range(_polls(timeout, _POLL)):
                exited = self.popen.poll() is not None
                pending += f.read()
                *lines, pending = pending.split(b"\n")
                for line in lines:
                    match = pattern.fullmatch(line.strip())
                    if match and (pattern is not _READY or 0 < int(match.group(1)) < 65536):
                        return match
                if exited:
                    raise self._failure(f"{self._describe_exit()} before it printed {what}", argv)
                if time.monotonic() >= deadline:
                    break
                time.sleep(_POLL)
        raise self._failure(
            f"did not print {what} within {timeout:g} s and was stopped "
            "(a busy machine may need a longer timeout)",
            argv,
        )

    def _failure(self, what: str, argv: list[str]) -> NotReady:
        return NotReady(
            f"{self.name} (pid {self.pid}) {what}.\n"
            f"command: {shlex.join(argv)}\n"
            f"last lines of {self.log}:\n{self.tail()}"
        )


class _Spawner:
    """One daemon thread that forks every child, so each child's "parent thread" (the thread
    PR_SET_PDEATHSIG watches) lives until the process ends."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def call(self, job: Callable[[], Any]) -> Any:
        """Runs ``job`` on the spawner thread and returns its result (or raises its error)."""
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._serve, name="statelab-spawner", daemon=True
                )
                self._thread.start()
        done = threading.Event()
        box: dict[str, Any] = {}
        self._jobs.put((job, box, done))
        if not done.wait(_SPAWN_TIMEOUT):
            raise RuntimeError(f"starting a process took more than {_SPAWN_TIMEOUT:g} s")
        if "error" in box:
            raise box["error"]
        return box["value"]

    def _serve(self) -> None:
        while True:  # lives as long as the process: a parent thread must not end
            job, box, done = self._jobs.get()
            try:
                box["value"] = job()
            except BaseException as error:  # handed to the caller, who raises it
                box["error"] = error
            finally:
                done.set()


_spawner = _Spawner()


def _child_setup(leader: int | None, parent: int) -> Callable[[], None]:
    """What a forked child does before ``exec``: join the group, ask to die with its parent.

    Runs between fork and exec, so it only calls functions prepared in the parent.
    """

    def setup() -> None:
        try:
            os.setpgid(0, leader or 0)
        except OSError:  # every member of the group has exited: lead a new one
            os.setpgid(0, 0)
        if _prctl is not None:
            _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    return setup


def _package_root() -> str:
    """The folder that holds the ``statelab`` package (so ``python -m statelab...`` works)."""
    return str(Path(__file__).resolve().parent.parent.parent)


class ProcessGroup:
    """Every process of one real run, in one process group that is stopped as one.

    ``workdir`` is the folder for the children's logs (``<name>.log``) and their working
    directory. Use it as a context manager::

        with ProcessGroup(workdir) as group:
            node = group.start("node0", python_argv("statelab.real.server", ...))
            ...  # node.port is where it listens
        # every child is gone here, after an error or Ctrl-C too

    The first child leads the process group and the others join it, so one signal to the
    group reaches them all, and anything they start themselves too. ``stop()`` also runs at
    the end of the Python process, and the OS kills the children if this process is killed.
    """

    def __init__(self, workdir: Path) -> None:
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.children: list[Child] = []
        self._pgid: int | None = None  # the group's id, once a first child leads it
        self._lock = threading.Lock()
        self._stopped = False
        self._registered = False

    def __repr__(self) -> str:
        state = "stopped" if self._stopped else f"{len(self.children)} children"
        return f"ProcessGroup({str(self.workdir)!r}, pgid={self._pgid}, {state})"

    def __enter__(self) -> ProcessGroup:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()  # for every way out: normal, an exception, KeyboardInterrupt

    def start(
        self,
        name: str,
        argv: list[str],
        *,
        ready: bool = True,
        timeout: float = 10.0,
        env: dict | None = None,
    ) -> Child:
        """Starts ``argv`` as a child of this group and, if ``ready``, waits until it is ready.

        ``name`` names its log, ``workdir/<name>.log``, which gets its stdout and stderr (a
        restart under the same name appends). ``env`` holds environment variables added to
        this process's own. ``ready=True``: waits up to ``timeout`` seconds for the child to
        print a line ``READY <port>`` and sets ``Child.port``; a child that exits first or
        stays silent is stopped and ``NotReady`` (a RuntimeError) quotes its log.
        ``ready=False``: returns at once (then ``wait_for_port`` / ``wait_for_unix_socket``).
        """
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise ValueError(
                f"name must be letters, digits, '_', '.' or '-' (it names a log file), got {name!r}"
            )
        if (
            not isinstance(argv, (list, tuple))
            or not argv
            or not all(isinstance(a, str) for a in argv)
        ):
            raise ValueError(f"argv must be a non-empty list of strings, got {argv!r}")
        timeout = _check_timeout(timeout)
        if self._stopped:
            raise RuntimeError("this ProcessGroup was stopped; make a new one for a new run")
        argv = list(argv)
        child_env = dict(os.environ)
        child_env["PYTHONUNBUFFERED"] = "1"
        child_env["PYTHONPATH"] = os.pathsep.join(
            p for p in (_package_root(), child_env.get("PYTHONPATH")) if p
        )
        child_env[PARENT_ENV] = str(os.getpid())
        child_env.update({str(k): str(v) for k, v in (env or {}).items()})
        try:
            child = _spawner.call(lambda: self._spawn(name, argv, child_env))
        except FileNotFoundError as error:
            if shutil.which(argv[0]) is not None:
                raise  # the program is there: something else is missing (the workdir?)
            program = Path(argv[0]).name
            raise ProgramMissing(
                f"cannot start {name}: the program {argv[0]!r} was not found: "
                + HOW_TO_GET.get(program, "check the command, or install the program")
            ) from error
        if not ready:
            return child
        try:
            child.port = self._wait_ready(child, argv, timeout)
        except BaseException:
            child.kill()
            raise
        return child

    def _spawn(self, name: str, argv: list[str], env: dict[str, str]) -> Child:
        """Forks and execs one child (on the spawner thread) and puts it on the register."""
        log = self.workdir / f"{name}.log"
        with open(log, "ab") as out:  # the child keeps its own copy of the file
            offset = out.tell()
            with self._lock:
                leader = self._pgid
            popen = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.workdir,
                env=env,
                close_fds=True,
                preexec_fn=_child_setup(leader, os.getpid()),
            )
        try:
            pgid = os.getpgid(popen.pid)  # not reaped yet, so it still has one
        except ProcessLookupError:
            pgid = popen.pid
        child = Child(name, popen, pgid, log, offset)
        with self._lock:
            self.children.append(child)
            self._pgid = pgid
            stopped = self._stopped
            if not stopped and not self._registered:
                atexit.register(self.stop)
                self._registered = True
        if stopped:  # stop() ran while this child was being started (a Ctrl-C)
            child.kill()
            raise RuntimeError("this ProcessGroup was stopped while a child was starting")
        return child

    def _wait_ready(self, child: Child, argv: list[str], timeout: float) -> int:
        """Reads the child's log until a line ``READY <port>``; bounded by ``timeout`` s."""
        match = child.wait_for_line(_READY, timeout, argv, "'READY <port>'")
        return int(match.group(1))

    def stop(self) -> None:
        """Stops every child: SIGTERM to the group, up to 2 s, then SIGKILL. Idempotent.

        Only a group that still holds a child not yet reaped is signalled: while it exists,
        the OS cannot give its number to another group, so no stranger is ever signalled.
        """
        with self._lock:
            self._stopped = True
            children = list(self.children)
            if self._registered:
                atexit.unregister(self.stop)
                self._registered = False
        _stop_children(children)


def _exited(child: Child) -> bool:
    """Whether the child has exited, without reaping it (so its group id stays ours)."""
    if child.popen.returncode is not None:
        return True
    try:
        info = os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:  # reaped by someone else
        return True
    return info is not None


def _signal_groups(pgids: set[int], signum: int) -> None:
    for pgid in pgids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signum)


def _stop_children(children: list[Child]) -> None:
    """SIGTERM, up to ``STOP_GRACE`` s, SIGKILL, then reap; bounded in time and count."""
    held = [c for c in children if c.popen.returncode is None]  # not reaped: hold their group
    if not held:
        return
    pgids = {c.pgid for c in held}
    _signal_groups(pgids, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE
    for _ in range(_polls(STOP_GRACE, _POLL)):
        if all(_exited(c) for c in held) or time.monotonic() >= deadline:
            break
        time.sleep(_POLL)
    _signal_groups(pgids, signal.SIGKILL)  # stragglers, and anything the children started
    for child in held:
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.popen.wait(timeout=_WAIT_AFTER_KILL)


def _child_died(child: Child | None, what: str) -> None:
    if child is not None and not child.alive():
        raise child._failure(f"{child._describe_exit()} {what}", list(child.popen.args))


def wait_for_port(port: int, timeout: float, *, child: Child | None = None) -> None:
    """Waits until something accepts TCP connections on 127.0.0.1:``port``.

    Tries every 20 ms for up to ``timeout`` seconds; raises ``NotReady`` if nothing listens
    by then, or at once if ``child`` (the program that should listen) has exited, quoting its
    log.
    """
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise ValueError(f"port must be an integer from 1 to 65535, got {port!r}")

    def connect(seconds: float) -> bool:
        with socket.create_connection((LOOPBACK, port), timeout=seconds):
            return True

    _wait_until_listening(connect, f"port {port}", f"{LOOPBACK}:{port}", timeout, child)


def wait_for_unix_socket(path: Path | str, timeout: float, *, child: Child | None = None) -> None:
    """Waits until a program accepts connections on the unix socket ``path``.

    Tries every 20 ms for up to ``timeout`` seconds; raises ``NotReady`` if nothing listens
    by then, or at once if ``child`` has exited, quoting its log.
    """
    path = Path(path)

    def connect(seconds: float) -> bool:
        if not stat.S_ISSOCK(path.stat().st_mode):
            return False
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(seconds)
            sock.connect(str(path))
            return True

    _wait_until_listening(connect, str(path), f"the unix socket {path}", timeout, child)


def _wait_until_listening(connect, short: str, long: str, timeout: float, child) -> None:
    """Calls ``connect(seconds)`` every 20 ms until it returns True (an OSError counts as not
    yet), for up to ``timeout`` seconds; ``short`` and ``long`` name the place in messages."""
    timeout = _check_timeout(timeout)
    deadline = time.monotonic() + timeout
    for _ in range(_polls(timeout, 0.02)):
        _child_died(child, f"before it listened on {short}")
        with contextlib.suppress(OSError):
            if connect(max(0.05, min(0.5, deadline - time.monotonic()))):
                return
        if time.monotonic() >= deadline:
            break
        time.sleep(0.02)
    message = f"nothing is listening on {long} after {timeout:g} s"
    if child is not None:
        raise child._failure(f"is running, but {message}", list(child.popen.args))
    raise NotReady(message)
