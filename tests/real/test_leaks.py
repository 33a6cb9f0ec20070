"""No leaked processes: however a real run ends, nothing it started is left running.

A real run starts nodes, a balancer (the embedded proxy or HAProxy), a store (Redis) and a
load generator. Here ``statelab.real.run`` runs in a child Python process of its own, so the
run can be ended every way a learner's kernel can end it:

- ``normal``: the run returns;
- ``exception``: an error inside the run (the controller's event handler is made to raise at
  the first event, a crash half way in);
- ``interrupt``: SIGINT to the child in the middle of the run (Ctrl-C, the notebook's stop
  button), a ``KeyboardInterrupt``;
- ``sigkill``: SIGKILL of the child in the middle of the run (the kernel killed outright).

In the first three the child stays alive after the run has ended, so what is checked is the
run's own clean-up, not the child's exit. While the run plays, the test finds its processes
itself, in ``/proc``: every process whose working directory is the run's folder or whose
command line names it, with its process group and the TCP ports it listens on. Afterwards it
checks, each within 5 s: the process group is gone (``os.killpg(pgid, 0)`` raises
``ProcessLookupError``), no process found is alive, no port found listens, and no process
whose command line or working directory is the run's folder remains.

The child runs under a small "reaper" process that stands in for ``init``: this machine's
process 1 does not reap orphans, and an orphan that has exited stays a zombie (still a member
of its process group) until someone reaps it.

Which balancer and store a run has matters to how it is stopped (HAProxy and redis-server
are programs of their own, the embedded proxy a Python child like the nodes; SQLite is a
file, Redis a process). Four runs (``CASES``) play each ending once and each balancer with
each store once, rather than every set-up with every ending (eight runs, twice the time):
each balancer is ended once mid-run and once where the run itself ends, and the ``sigkill``
case, where no Python code of the run is left to clean up, has both programs that are not
ours, HAProxy and Redis, which only the operating system's ``PR_SET_PDEATHSIG`` stops. The
nodes and the load generator are in every case. A test checks the cover; a case with HAProxy
or Redis is skipped when it is missing, unless ``STATELAB_REQUIRE_REAL=1``.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import pytest
from conftest import need_program

ROOT = Path(__file__).resolve().parents[2]
#: Seconds after the run has ended (or was killed) for everything to be gone: about a second
#: on an idle machine (the orphans see their parent gone at their next watch, 0.2 s apart, and
#: exit); the bound leaves room for a machine whose cores are busy with other work.
GONE_WITHIN = 15.0
#: Seconds to wait for a message of the child (its start loads statelab and the cluster).
MESSAGE_TIMEOUT = 60.0
#: Model seconds into the run when the interrupt or the SIGKILL comes (the run lasts 20).
STRIKE_AT = 8.0
TIME_SCALE = 0.1

DRIVER = textwrap.dedent(
    """
    import ctypes, json, os, signal, subprocess, sys

    def say(message):
        print(json.dumps(message), flush=True)

    if sys.argv[1] == "reaper":
        # stand in for init: orphans come to us, and we reap them until none is left
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
        subprocess.Popen([sys.executable, __file__, "run", *sys.argv[2:]])
        while True:
            try:
                os.waitpid(-1, 0)
            except ChildProcessError:
                break
            except InterruptedError:
                pass
        sys.exit(0)

    signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C: KeyboardInterrupt
    case, balancer, store = sys.argv[2:5]
    workdir = os.environ["LEAK_WORKDIR"]  # not on our command line: only the run's are
    from statelab import Crash, ScaleTo, Scenario, real
    from statelab.real import controller

    original_play = controller.Controller._play

    def play(self, load):
        say({
            "playing": True,
            "pid": os.getpid(),
            "pgid": self.group._pgid,
            # the live ones: a load generator that started too late has exited (LATE)
            "children": [
                [c.name, c.pid, c.pgid, c.port]
                for c in self.group.children
                if c.popen.poll() is None
            ],
            "balancer_port": self.balancer.port,
            "t0": self.t0,
        })
        sys.stdin.readline()  # the test looks at the processes, then says go
        return original_play(self, load)

    controller.Controller._play = play
    if case == "exception":
        def happen(self, event):
            raise RuntimeError("injected: an event failed in the middle of the run")
        controller.Controller._happen = happen

    scenario = Scenario(  # nginx has no sticky cookie: nginx's own ip_hash
        nodes=3, arrival_rate=5.0, affinity="ip_hash" if balancer == "nginx" else "sticky",
        state="store", duration=20.0,
        events=(Crash(1, at=5.0), ScaleTo(nodes=4, at=12.0)),  # a spare starts ahead
    )
    try:
        result = real.run(scenario, %(scale)r, balancer, store, workdir=workdir)
        summary = result.summary()
        say({"end": "returned", "requests": summary["requests"],
             "sessions_lost": summary["sessions_lost"], "balancer": result.real["balancer"],
             "store": result.real["store"]})
    except KeyboardInterrupt:
        say({"end": "interrupted"})
    except Exception as error:
        say({"end": "raised", "error": str(error)})
    sys.stdin.readline()  # alive until the test has looked: the run cleaned up, not our exit
    """
) % {"scale": TIME_SCALE}


# -- what /proc says -------------------------------------------------------------------------


def listening() -> dict[int, int]:
    """Socket inode -> TCP port, for every socket listening on this machine (IPv4 and v6)."""
    found = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if fields[3] == "0A":  # TCP_LISTEN
                    found[int(fields[9])] = int(fields[1].rsplit(":", 1)[1], 16)
    return found


def listening_ports() -> set[int]:
    return set(listening().values())


def alive(pid: int) -> bool:
    """Whether process ``pid`` exists (a zombie does: it still holds its pid and group)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def processes_of(workdir: str) -> dict[int, dict]:
    """Every process whose working directory is ``workdir`` or whose command line names it:
    pid -> its command line, process group and the TCP ports it listens on."""
    sockets = listening()
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
            cwd = os.readlink(entry / "cwd")
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile, or not ours to read
            continue
        if workdir not in command and cwd != workdir:
            continue
        ports = set()
        with contextlib.suppress(OSError):
            for fd in (entry / "fd").iterdir():
                with contextlib.suppress(OSError):
                    link = os.readlink(fd)
                    if link.startswith("socket:["):
                        inode = int(link[8:-1])
                        if inode in sockets:
                            ports.add(sockets[inode])
        found[pid] = {"command": command, "pgid": int(stat[2]), "state": stat[0], "ports": ports}
    return found


def members(pgid: int) -> list[str]:
    """What is left of process group ``pgid``: pid, state, parent and command of each."""
    left = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            stat = (entry / "stat").read_text()
            name = stat[stat.index("(") + 1 : stat.rindex(")")]
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid:
                left.append(f"{entry.name} {fields[0]} ppid {fields[1]} {name}")
    return left


def refused(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return False
    except OSError:
        return True


# -- the child -------------------------------------------------------------------------------


class Child:
    """The reaper and, under it, the Python process that runs ``statelab.real.run``."""

    def __init__(self, script: Path, case: str, balancer: str, store: str, workdir: str):
        self.popen = subprocess.Popen(
            [sys.executable, str(script), "reaper", case, balancer, store],
            cwd=ROOT,
            env={**os.environ, "LEAK_WORKDIR": workdir},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.lines: queue.SimpleQueue = queue.SimpleQueue()
        self.seen: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.popen.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def message(self, key: str, timeout: float = MESSAGE_TIMEOUT) -> dict:
        """The next JSON line of the child that has ``key`` (other lines are its log)."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                break
            self.seen.append(line)
            with contextlib.suppress(ValueError):
                message = json.loads(line)
                if isinstance(message, dict) and key in message:
                    return message
        raise AssertionError(f"the child did not say {key!r}; it wrote:\n{''.join(self.seen)}")

    def tell(self, line: str) -> None:
        with contextlib.suppress(BrokenPipeError, OSError):
            self.popen.stdin.write(line + "\n")
            self.popen.stdin.flush()

    def close(self) -> None:
        """Let the run's process exit, then the reaper; kill what is left of them."""
        self.tell("bye")
        with contextlib.suppress(OSError):
            self.popen.stdin.close()
        try:
            self.popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=5)
        self._reader.join(timeout=5)  # it ends at the end of the output
        self.popen.stdout.close()


@pytest.fixture(scope="module")
def driver(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("leaks") / "driver.py"
    path.write_text(DRIVER)
    return path


ENDINGS = ("normal", "exception", "interrupt", "sigkill")
#: (ending, balancer, store). Every ending is played, every balancer with every store; each
#: balancer ends once mid-run (the interrupt or the SIGKILL, at STRIKE_AT) and once where the
#: run itself ends (its return, or its error at the first event); Redis, the store that is a
#: process, is in the two mid-run endings.
CASES = (
    ("normal", "embedded", "sqlite"),  # the set-up of a machine without HAProxy and Redis
    ("exception", "haproxy", "sqlite"),
    ("interrupt", "embedded", "redis"),
    ("sigkill", "haproxy", "redis"),  # both programs that are not ours: only PDEATHSIG is left
    # nginx's workers outlive their master's SIGKILL: its guard ends them with the kernel
    ("sigkill", "nginx", "sqlite"),
)
PROGRAMS = {"haproxy": "haproxy", "nginx": "nginx", "redis": "redis-server"}


def test_the_cases_cover_every_ending_and_every_set_up():
    assert sorted(case for case, b, _ in CASES if b != "nginx") == sorted(ENDINGS)
    pairs = {(balancer, store) for _, balancer, store in CASES if balancer != "nginx"}
    assert pairs == {(b, s) for b in ("embedded", "haproxy") for s in ("sqlite", "redis")}
    assert [case for case, balancer, _ in CASES if balancer == "nginx"] == ["sigkill"]
    mid_run = {"interrupt", "sigkill"}
    for balancer in ("embedded", "haproxy"):
        endings = {case for case, b, _ in CASES if b == balancer}
        assert len(endings & mid_run) == 1 and len(endings - mid_run) == 1, (balancer, endings)
    assert {case for case, b, store in CASES if store == "redis" and b != "nginx"} == mid_run


@pytest.mark.parametrize(("case", "balancer", "store"), CASES, ids=["-".join(c) for c in CASES])
def test_no_process_of_a_run_is_left_however_the_run_ends(case, balancer, store, driver):
    for program in (PROGRAMS.get(balancer), PROGRAMS.get(store)):
        if program:
            need_program(program)
    # a short folder: Redis's unix socket path must fit in 107 bytes
    workdir = tempfile.mkdtemp(prefix="sl-leak-")
    child = Child(driver, case, balancer, store, workdir)
    found: dict[int, dict] = {}
    try:
        playing = child.message("playing")
        # -- while it plays: find its processes ourselves, by folder, group and ports
        found = processes_of(workdir)
        commands = [info["command"] for info in found.values()]
        assert sum("statelab.real.server" in c for c in commands) >= 3, commands
        assert sum("statelab.real.loadgen" in c for c in commands) == 1, commands
        programs = [Path(c.split()[0]).name for c in commands]
        ours = sum("statelab.real.proxy" in c or "statelab.real.guard" in c for c in commands)
        assert ours + programs.count("haproxy") == 1, commands
        if balancer == "nginx":  # its master and its worker, under the guard
            assert sum(c.startswith("nginx: worker") for c in commands) == 1, commands
        assert programs.count("redis-server") == (store == "redis"), commands
        pgid = playing["pgid"]
        assert pgid != os.getpgid(playing["pid"])  # the run's own group, not its parent's
        assert {info["pgid"] for info in found.values()} == {pgid}, found
        reported = {pid for _, pid, _, _ in playing["children"]}
        assert reported <= set(found), (reported, found)  # every child the run reports
        ports = set().union(*(info["ports"] for info in found.values()))
        node_ports = {  # a spare may still be starting: no port yet
            port for name, _, _, port in playing["children"] if name.startswith("node") and port
        }
        assert len(node_ports) >= 3, playing
        assert node_ports <= ports and playing["balancer_port"] in ports, (ports, playing)
        # -- end the run
        child.tell("go")
        if case in ("interrupt", "sigkill"):
            strike = playing["t0"] + STRIKE_AT * TIME_SCALE
            time.sleep(max(0.0, strike - time.monotonic()))
            # mid-run: the load generator and the nodes are still there
            assert processes_of(workdir).keys() & found.keys()
            os.kill(playing["pid"], signal.SIGINT if case == "interrupt" else signal.SIGKILL)
        if case == "normal":
            end = child.message("end")
            assert end["end"] == "returned", end
            assert end["requests"] > 100 and end["balancer"] == balancer, end
            # the store keeps every cart through the crash of node 1
            assert end["store"] == store and end["sessions_lost"] == 0, end
        elif case == "exception":
            end = child.message("end")
            assert end["end"] == "raised" and "injected" in end["error"], end
        elif case == "interrupt":
            end = child.message("end")
            assert end["end"] == "interrupted", end
        # -- then, within GONE_WITHIN seconds, nothing is left
        deadline = time.monotonic() + GONE_WITHIN
        while time.monotonic() < deadline:
            left = processes_of(workdir)
            pids = [pid for pid in found if alive(pid)]
            if not left and not pids and not ports & listening_ports():
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pgid, 0)
                    time.sleep(0.05)
                    continue
                break
            time.sleep(0.05)
        with pytest.raises(ProcessLookupError):
            os.killpg(pgid, 0)
            pytest.fail(f"the run's process group {pgid} still has {members(pgid)}")
        assert [pid for pid in found if alive(pid)] == [], found
        assert processes_of(workdir) == {}
        assert ports & listening_ports() == set(), ports
        assert all(refused(port) for port in ports), ports
    finally:
        child.close()
        for pid, info in found.items():  # a failed test leaves nothing behind either
            with contextlib.suppress(OSError):
                command = (Path("/proc") / str(pid) / "cmdline").read_bytes()
                if command.replace(b"\0", b" ").decode().strip() == info["command"]:
                    os.kill(pid, signal.SIGKILL)
        shutil.rmtree(workdir, ignore_errors=True)
