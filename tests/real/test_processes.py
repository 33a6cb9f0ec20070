"""statelab.real.procs: every child in one group, ready on an OS-chosen port, gone when we are.

The children here are tiny Python scripts that load procs.py by its path (importing the
statelab package would take half a second per child) and ``sleep 60``; every test stops
what it started, and every wait is bounded.
"""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from statelab.real import procs
from statelab.real.procs import (
    NotReady,
    ProcessGroup,
    ProgramMissing,
    free_port,
    require_program,
    wait_for_port,
    wait_for_unix_socket,
)

PROCS_PATH = Path(procs.__file__).resolve()

# A server of ours in miniature: listens on 127.0.0.1:<port chosen by the OS>, says READY.
CHILD = textwrap.dedent(
    """
    import signal, socket, sys, time

    from statelab.runs.watch import exit_with_parent
    if "--ignore-term" in sys.argv:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if "--log-term" in sys.argv:
        def bye(signum, frame):
            print("got SIGTERM", flush=True)
            sys.exit(0)
        signal.signal(signal.SIGTERM, bye)
    if "--no-watch" not in sys.argv:
        exit_with_parent()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    print("READY", listener.getsockname()[1], flush=True)
    time.sleep(60)
    """
)


@pytest.fixture
def child_script(tmp_path: Path) -> Path:
    path = tmp_path / "child.py"
    path.write_text(CHILD)
    return path


def child_argv(script: Path, *flags: str) -> list[str]:
    return [sys.executable, str(script), str(PROCS_PATH), *flags]


def gone(pid: int) -> bool:
    """Whether no process ``pid`` runs (a zombie waiting for its reaper counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state in ("Z", "X")


def wait_gone(pids: list[int], timeout: float) -> list[int]:
    """Waits up to ``timeout`` s for every pid to be gone; returns those still running."""
    deadline = time.monotonic() + timeout
    for _ in range(int(timeout / 0.05) + 2):
        left = [pid for pid in pids if not gone(pid)]
        if not left or time.monotonic() >= deadline:
            return left
        time.sleep(0.05)
    return [pid for pid in pids if not gone(pid)]


def group_gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


def refuses(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0):
            return False
    except ConnectionRefusedError:
        return True


def read_line(stream, timeout: float) -> str:
    """One line from a pipe, waiting at most ``timeout`` seconds."""
    ready, _, _ = select.select([stream], [], [], timeout)
    assert ready, f"no line within {timeout} s"
    return stream.readline().decode()


def test_a_ready_child_listens_and_stop_leaves_no_process(tmp_path, child_script):
    group = ProcessGroup(tmp_path / "run")
    try:
        first = group.start("node0", child_argv(child_script))
        second = group.start("node1", child_argv(child_script))
        sleeper = group.start("sleeper", ["sleep", "60"], ready=False)
        assert first.port and second.port and first.port != second.port
        for child in (first, second):
            with socket.create_connection(("127.0.0.1", child.port), timeout=2.0):
                pass
        # One group, led by the first child, for all of them.
        assert first.pgid == first.pid
        assert {os.getpgid(c.pid) for c in (first, second, sleeper)} == {first.pid}
        assert os.getpgid(first.pid) != os.getpgrp()
        assert (tmp_path / "run" / "node0.log").read_text().startswith("READY ")
    finally:
        group.stop()
    assert group_gone(first.pgid)
    assert not any(c.alive() for c in group.children)
    assert refuses(first.port) and refuses(second.port)
    group.stop()  # idempotent
    with pytest.raises(RuntimeError, match="stopped"):
        group.start("late", ["sleep", "60"], ready=False)


def test_stop_kills_a_child_that_ignores_sigterm(tmp_path, child_script):
    group = ProcessGroup(tmp_path)
    stubborn = group.start("stubborn", child_argv(child_script, "--ignore-term"))
    began = time.monotonic()
    group.stop()
    took = time.monotonic() - began
    assert stubborn.popen.returncode == -signal.SIGKILL
    assert procs.STOP_GRACE - 0.1 <= took < procs.STOP_GRACE + 3.0
    assert group_gone(stubborn.pgid)


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_leaving_the_with_block_by_an_error_stops_every_child(tmp_path, child_script, error):
    with pytest.raises(error), ProcessGroup(tmp_path) as group:
        ours = group.start("node0", child_argv(child_script))
        sleeper = group.start("sleeper", ["sleep", "60"], ready=False)
        assert ours.alive() and sleeper.alive()
        raise error("the cell was interrupted")
    assert not ours.alive() and not sleeper.alive()
    assert ours.popen.returncode == -signal.SIGTERM  # stopped politely, within the grace
    assert group_gone(ours.pgid)
    assert refuses(ours.port)


def test_stop_is_registered_atexit_until_the_group_stops(tmp_path, monkeypatch):
    registered = []
    fake = type(
        "FakeAtexit",
        (),
        {
            "register": staticmethod(registered.append),
            "unregister": staticmethod(registered.remove),
        },
    )
    monkeypatch.setattr(procs, "atexit", fake)
    group = ProcessGroup(tmp_path)
    assert registered == []  # nothing to stop yet
    group.start("a", ["sleep", "60"], ready=False)
    group.start("b", ["sleep", "60"], ready=False)
    assert registered == [group.stop]
    group.stop()
    assert registered == []  # a stopped group is not kept alive until exit
    group.stop()


PARENT = textwrap.dedent(
    """
    import subprocess, sys, time
    from pathlib import Path

    from statelab.real import procs
    child, workdir, mode = sys.argv[2], Path(sys.argv[3]), sys.argv[4]
    if mode == "watch-only":  # a plain Popen: no PDEATHSIG, only exit_with_parent
        plain = subprocess.Popen([sys.executable, child, sys.argv[1]], stdout=subprocess.PIPE)
        assert plain.stdout.readline().startswith(b"READY")
        print(plain.pid, flush=True)
        time.sleep(60)
    group = procs.ProcessGroup(workdir)
    ours = group.start("ours", [sys.executable, child, sys.argv[1], "--log-term"])
    sleeper = group.start("sleeper", ["sleep", "60"], ready=False)
    print(ours.pid, sleeper.pid, flush=True)
    if mode == "exit":
        sys.exit(0)  # without stop(): atexit must do it
    time.sleep(60)
    """
)


def run_parent(tmp_path: Path, child_script: Path, mode: str) -> tuple[subprocess.Popen, list]:
    script = tmp_path / "parent.py"
    script.write_text(PARENT)
    parent = subprocess.Popen(
        [sys.executable, str(script), str(PROCS_PATH), str(child_script), str(tmp_path), mode],
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )
    try:
        pids = [int(p) for p in read_line(parent.stdout, 10.0).split()]
    except BaseException:
        parent.kill()
        parent.wait(5)
        raise
    return parent, pids


def cleanup(pids: list[int]) -> None:
    for pid in pids:
        if not gone(pid):
            os.kill(pid, signal.SIGKILL)


def test_sigkill_of_the_parent_takes_every_child_with_it(tmp_path, child_script):
    parent, pids = run_parent(tmp_path, child_script, "sleep")
    try:
        assert len(pids) == 2 and not any(gone(pid) for pid in pids)
        parent.kill()  # as a notebook's kernel killed outright
        parent.wait(5)
        assert wait_gone(pids, 5.0) == []
    finally:
        parent.stdout.close()
        cleanup(pids)


def test_exit_with_parent_alone_ends_an_orphan(tmp_path, child_script):
    parent, pids = run_parent(tmp_path, child_script, "watch-only")
    try:
        parent.kill()
        parent.wait(5)
        began = time.monotonic()
        assert wait_gone(pids, 5.0) == []
        assert time.monotonic() - began < 2.0  # polled every 0.2 s
    finally:
        parent.stdout.close()
        cleanup(pids)


def test_a_parent_that_exits_without_stop_stops_its_children_atexit(tmp_path, child_script):
    parent, pids = run_parent(tmp_path, child_script, "exit")
    try:
        assert parent.wait(10) == 0
        assert wait_gone(pids, 1.0) == []
        # SIGTERM came from stop() (atexit), not SIGKILL from the OS: the child said so.
        assert "got SIGTERM" in (tmp_path / "ours.log").read_text()
    finally:
        parent.stdout.close()
        cleanup(pids)


def test_a_child_started_from_a_short_lived_thread_outlives_the_thread(tmp_path):
    # PR_SET_PDEATHSIG watches the thread that forked: start() forks on a long-lived thread.
    with ProcessGroup(tmp_path) as group:
        worker = threading.Thread(
            target=group.start, args=("sleeper", ["sleep", "60"]), kwargs={"ready": False}
        )
        worker.start()
        worker.join(10)
        assert not worker.is_alive()
        time.sleep(0.3)
        assert group.children[0].alive()


def test_ctrl_c_while_waiting_for_ready_stops_the_child(tmp_path):
    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        pytest.skip("SIGINT is not turned into KeyboardInterrupt here")
    sent = []

    def interrupt_once_waiting(group: ProcessGroup) -> None:
        # Ctrl-C once the child is started and the group waits for it to be ready (a fixed
        # delay could come before the start on a busy machine: nothing to stop yet)
        deadline = time.monotonic() + 10.0
        while not group.children and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.2)
        sent.append(time.monotonic())
        os.kill(os.getpid(), signal.SIGINT)

    with ProcessGroup(tmp_path) as group:
        interrupt = threading.Thread(target=interrupt_once_waiting, args=(group,))
        interrupt.start()
        try:
            with pytest.raises(KeyboardInterrupt):
                group.start("slow", ["sleep", "60"], timeout=30.0)
        finally:
            interrupt.join(15)
        assert sent, "the child never started"
        assert time.monotonic() - sent[0] < 3.0, "the wait went on after Ctrl-C"
        assert len(group.children) == 1 and not group.children[0].alive()


def test_a_child_that_exits_before_ready_is_reported_with_its_log(tmp_path):
    argv = [sys.executable, "-c", "import sys; print('boom: no config file'); sys.exit(3)"]
    with ProcessGroup(tmp_path) as group, pytest.raises(NotReady) as caught:
        group.start("node0", argv, timeout=10.0)
    message = str(caught.value)
    assert "node0" in message and "exited with code 3" in message
    assert "boom: no config file" in message  # the tail of its log
    assert str(tmp_path / "node0.log") in message


def test_a_silent_child_times_out_and_is_stopped(tmp_path):
    with ProcessGroup(tmp_path) as group:
        began = time.monotonic()
        with pytest.raises(NotReady, match=r"did not print 'READY <port>' within 0.5 s"):
            group.start("mute", ["sleep", "60"], timeout=0.5)
        assert time.monotonic() - began < 3.0
        assert not group.children[0].alive()


def test_a_restart_joins_the_group_and_waits_for_its_own_ready(tmp_path, child_script):
    with ProcessGroup(tmp_path) as group:
        first = group.start("node0", child_argv(child_script))
        sleeper = group.start("sleeper", ["sleep", "60"], ready=False)
        first.kill()  # a crash of the group's leader
        second = group.start("node0", child_argv(child_script))
        assert os.getpgid(second.pid) == first.pgid  # the group outlives its leader
        wait_for_port(second.port, 2.0)
        assert (tmp_path / "node0.log").read_text().count("READY") == 2
        # Every member gone: the next child leads a new group, and stop() still reaches it.
        sleeper.kill()
        second.kill()
        third = group.start("node0", child_argv(child_script))
        assert third.pgid == third.pid != first.pgid
    assert not third.alive() and group_gone(third.pgid)


def test_a_missing_program_names_itself_and_how_to_get_it(tmp_path, monkeypatch):
    with pytest.raises(ProgramMissing) as caught:
        require_program("statelab-no-such-program")
    assert "statelab-no-such-program" in str(caught.value)
    assert "install" in str(caught.value)
    assert Path(require_program("sh")).exists()

    monkeypatch.setattr(procs.shutil, "which", lambda *args, **kwargs: None)
    with pytest.raises(ProgramMissing, match=r"'haproxy'.*apt install haproxy"):
        require_program("haproxy")
    with pytest.raises(ProgramMissing, match=r"'redis-server'.*apt install redis-server.*conda"):
        require_program("redis-server")
    monkeypatch.undo()
    with ProcessGroup(tmp_path) as group, pytest.raises(ProgramMissing, match="not found"):
        group.start("ghost", ["statelab-no-such-program"], ready=False)


def test_waiting_for_a_port_or_socket_is_bounded_and_clear(tmp_path):
    port = free_port()
    began = time.monotonic()
    with pytest.raises(NotReady, match=rf"127.0.0.1:{port} after 0.3 s"):
        wait_for_port(port, 0.3)
    with pytest.raises(NotReady, match="unix socket"):
        wait_for_unix_socket(tmp_path / "none.sock", 0.3)
    assert time.monotonic() - began < 3.0

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        wait_for_port(listener.getsockname()[1], 2.0)
    path = tmp_path / "s.sock"
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(str(path))
        listener.listen()
        wait_for_unix_socket(path, 2.0)

    # A program that dies while we wait: said at once, with its log.
    with ProcessGroup(tmp_path) as group:
        argv = [sys.executable, "-c", "print('cannot bind'); raise SystemExit(1)"]
        dying = group.start("haproxy", argv, ready=False)
        began = time.monotonic()
        with pytest.raises(NotReady, match=r"(?s)haproxy .*exited with code 1.*cannot bind"):
            wait_for_port(port, 5.0, child=dying)
        assert time.monotonic() - began < 3.0


@pytest.mark.parametrize(
    ("field", "call"),
    [
        ("name", lambda g: g.start("../escape", ["sleep", "1"], ready=False)),
        ("argv", lambda g: g.start("a", [], ready=False)),
        ("timeout", lambda g: g.start("a", ["sleep", "1"], timeout=0)),
        ("port", lambda g: wait_for_port(70000, 1.0)),
    ],
)
def test_bad_arguments_name_the_field(tmp_path, field, call):
    with ProcessGroup(tmp_path) as group, pytest.raises(ValueError, match=field):
        call(group)
    assert group.children == []
