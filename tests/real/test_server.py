"""The real node (``python -m statelab.real.server``) and its session stores.

Each test starts real node processes and talks HTTP to them, and checks what the
simulation decides in :mod:`statelab.sim.state`: whether the cart was found where the
node looks, whether the item was applied and whether it was a duplicate.
"""

from __future__ import annotations

import csv
import json
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from statelab.course.cart import tamper
from statelab.real.procs import ProcessGroup, ProgramMissing, python_argv, require_program
from statelab.real.server import LOG_HEADER, SECRET_ENV
from statelab.real.store import (
    create_sqlite_store,
    sqlite_outage_begin,
    sqlite_outage_end,
    start_redis,
)

TIMEOUT = 5.0  # seconds for any HTTP call
SCALE = 0.05  # real seconds per model second


@pytest.fixture
def group(tmp_path):
    with ProcessGroup(tmp_path) as processes:
        yield processes


def start_node(
    group, tmp_path: Path, k: int, state: str, *extra: str, workers: int = 2, name="", env=None
):
    """Start node ``k``; returns (its port, its log path)."""
    name = name or f"node{k}"
    log = tmp_path / f"{name}.csv"
    argv = python_argv(
        "statelab.real.server",
        "--node", str(k),
        "--workers", str(workers),
        "--state", state,
        "--time-scale", str(SCALE),
        "--log", str(log),
        *extra,
    )  # fmt: skip
    child = group.start(name, argv, timeout=20.0, env=env)
    return child, log


def call(port: int, path: str, body=None, cookie: str | None = None):
    """(status, JSON or text answer, headers) of a POST (with ``body``) or GET."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if cookie is not None:
        request.add_header("Cookie", f"SERVERID=s1; cart={cookie}")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:
            status, text, headers = answer.status, answer.read().decode(), answer.headers
    except urllib.error.HTTPError as error:
        status, text, headers = error.code, error.read().decode(), error.headers
    try:
        return status, json.loads(text), headers
    except ValueError:
        return status, text, headers


def add(port: int, session: str, request: int, attempt: int = 0, service=0.0, cookie=None):
    return call(
        port,
        f"/carts/{session}/items",
        {"request": request, "attempt": attempt, "service": service},
        cookie,
    )


def outcome(answer) -> tuple:
    status, body, _ = answer
    assert status == 200, body
    return body["found"], body["applied"], body["duplicate"], body["items"]


def log_rows(log: Path) -> list[dict]:
    with open(log, newline="") as file:
        assert file.readline().strip() == LOG_HEADER
        file.seek(0)
        return list(csv.DictReader(file))


def set_cookie(headers) -> str:
    value = headers["Set-Cookie"]
    assert value.startswith("cart=")
    return value.split(";")[0].removeprefix("cart=")


# -- server state --------------------------------------------------------------------------


def test_server_state_lives_in_one_process(group, tmp_path):
    a, _ = start_node(group, tmp_path, 0, "server")
    b, _ = start_node(group, tmp_path, 1, "server")
    status, body, headers = add(a.port, "s1", 0)
    assert (status, headers["X-Statelab-Node"], body["node"]) == (200, "0", 0)
    assert outcome((status, body, headers)) == (False, True, False, 1)  # a new cart
    assert outcome(add(a.port, "s1", 1)) == (True, True, False, 2)
    assert outcome(add(b.port, "s1", 2))[0] is False  # another node's memory
    assert call(a.port, "/health")[:2] == (200, "ok")
    a.kill()
    again, _ = start_node(group, tmp_path, 0, "server", name="node0-again")
    assert outcome(add(again.port, "s1", 3)) == (False, True, False, 1)  # the crash lost it


def test_log_has_one_ordered_line_per_finished_attempt(group, tmp_path):
    node, log = start_node(group, tmp_path, 3, "server")
    began = time.monotonic()
    add(node.port, "s7", 0, service=1.0)
    took = time.monotonic() - began
    add(node.port, "s7", 1, attempt=2, service=0.0)
    status, body, _ = call(node.port, "/carts/s7/items", {"request": 2, "attempt": 0})
    assert status == 400 and "'service'" in body["error"]  # names the field; not logged
    assert took >= 1.0 * SCALE
    rows = log_rows(log)
    assert len(rows) == 2
    first, second = rows
    assert (first["session"], first["request"], first["attempt"], first["node"]) == (
        "s7", "0", "0", "3",
    )  # fmt: skip
    assert (second["request"], second["attempt"], second["items"]) == ("1", "2", "2")
    assert (first["found"], first["applied"], first["duplicate"]) == ("False", "True", "False")
    assert second["found"] == "True"
    for row in rows:
        queued_from, start, done = (float(row[k]) for k in ("queued_from", "start", "done"))
        assert began <= queued_from <= start <= done <= time.monotonic()
    assert float(first["done"]) - float(first["start"]) >= 1.0 * SCALE


def test_an_attempt_whose_client_left_is_still_logged(group, tmp_path):
    node, log = start_node(group, tmp_path, 0, "server")
    body = json.dumps({"request": 0, "attempt": 0, "service": 4.0}).encode()
    with socket.create_connection(("127.0.0.1", node.port), timeout=TIMEOUT) as client:
        client.sendall(
            b"POST /carts/gone/items HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        time.sleep(0.05)  # it is working (0.2 s): the client leaves
    for _ in range(100):  # up to 2 s
        if log_rows(log):
            break
        time.sleep(0.02)
    (row,) = log_rows(log)
    assert (row["session"], row["applied"]) == ("gone", "True")
    assert outcome(add(node.port, "gone", 1)) == (True, True, False, 2)


def test_workers_are_slots_in_a_line(group, tmp_path):
    node, log = start_node(group, tmp_path, 0, "server", workers=2)
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda i: add(node.port, f"w{i}", 0, service=4.0), range(4)))
    assert [status for status, _, _ in answers] == [200] * 4
    rows = sorted(log_rows(log), key=lambda row: float(row["start"]))
    starts = [float(row["start"]) for row in rows]
    dones = sorted(float(row["done"]) for row in rows[:2])
    assert starts[1] < dones[0]  # two at once
    assert starts[2] >= dones[0] and starts[3] >= dones[1]  # the others waited for a slot
    for row in rows:
        assert float(row["done"]) - float(row["start"]) >= 4.0 * SCALE


# -- idempotency -----------------------------------------------------------------------------


def test_a_retry_without_keys_is_a_duplicate(group, tmp_path):
    node, _ = start_node(group, tmp_path, 0, "server")
    assert outcome(add(node.port, "r", 5, attempt=0)) == (False, True, False, 1)
    assert outcome(add(node.port, "r", 5, attempt=1)) == (True, True, True, 2)


def test_a_retry_with_keys_is_applied_once(group, tmp_path):
    node, _ = start_node(group, tmp_path, 0, "server", "--keys")
    assert outcome(add(node.port, "r", 5, attempt=0)) == (False, True, False, 1)
    assert outcome(add(node.port, "r", 5, attempt=1)) == (True, False, False, 1)
    assert outcome(add(node.port, "r", 6, attempt=0)) == (True, True, False, 2)


# -- cookie state ----------------------------------------------------------------------------


def test_the_cookie_carries_the_cart_to_any_node(group, tmp_path):
    secret = {SECRET_ENV: secrets.token_hex(32)}
    a, _ = start_node(group, tmp_path, 0, "cookie", env=secret)
    b, _ = start_node(group, tmp_path, 1, "cookie", env=secret)
    answer = add(a.port, "c", 0)
    assert outcome(answer) == (False, True, False, 1)
    cookie = set_cookie(answer[2])
    answer = add(b.port, "c", 1, cookie=cookie)  # another node: the cart came along
    assert outcome(answer) == (True, True, False, 2)
    # a retry with the old cookie: the same cart again, never a duplicate
    assert outcome(add(a.port, "c", 1, attempt=1, cookie=cookie)) == (True, True, False, 2)
    newer = set_cookie(answer[2])
    assert outcome(add(a.port, "c", 2, cookie=newer)) == (True, True, False, 3)
    forged = tamper(newer, ["item-0"] * 9)
    assert outcome(add(b.port, "c", 3, cookie=forged)) == (False, True, False, 1)


def test_the_cookie_costs_work_per_kb(group, tmp_path):
    weigh = ("--cookie-cost-per-kb", "2", "--cookie-bytes-per-item", "1000")
    node, log = start_node(group, tmp_path, 0, "cookie", *weigh, env={SECRET_ENV: "ab" * 32})
    cookie = set_cookie(add(node.port, "k", 0)[2])
    add(node.port, "k", 1, cookie=cookie)
    light, heavy = (float(r["done"]) - float(r["start"]) for r in log_rows(log))
    # no cookie: ~0.1 KB of cookie; one item of 1,000 bytes: ~1.4 KB, 2.8 s of work
    assert light < 1.0 * SCALE <= 2.5 * SCALE <= heavy


def test_bad_arguments_name_the_argument_and_what_is_allowed(tmp_path):
    argv = python_argv(
        "statelab.real.server",
        "--node", "0", "--workers", "0", "--state", "server",
        "--time-scale", "0.1", "--log", str(tmp_path / "n.csv"),
    )  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 2
    assert "--workers is '0'" in done.stderr and "from 1 to" in done.stderr
    argv[argv.index("server")] = "cookie"
    argv[argv.index("0", argv.index("--workers"))] = "1"
    done = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
    assert (
        done.returncode == 2
        and f"--state cookie needs the environment variable {SECRET_ENV}" in done.stderr
    )
    short = {**os.environ, SECRET_ENV: "ab" * 16}  # 16 bytes: too short a key
    done = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False, env=short)
    assert done.returncode == 2 and "32 bytes" in done.stderr and "ab" * 16 not in done.stderr


# -- store state -----------------------------------------------------------------------------


def test_sqlite_store_is_shared_and_survives_only_a_persistent_outage(group, tmp_path):
    db = create_sqlite_store(tmp_path / "sessions.db")
    store = ("--store", f"sqlite:{db}")
    a, log_a = start_node(group, tmp_path, 0, "store", *store)
    b, _ = start_node(group, tmp_path, 1, "store", *store)
    assert outcome(add(a.port, "q", 0)) == (False, True, False, 1)
    assert outcome(add(b.port, "q", 1)) == (True, True, False, 2)  # the other node has it

    sqlite_outage_begin(db, persistent=True)
    status, body, _ = add(a.port, "q", 2)
    assert (status, body) == (503, {"error": "session store unavailable"})
    assert len(log_rows(log_a)) == 1  # nothing logged, nothing applied
    sqlite_outage_end(db, persistent=True)
    assert outcome(add(a.port, "q", 2, attempt=1)) == (True, True, False, 3)

    sqlite_outage_begin(db, persistent=False)
    assert add(b.port, "q", 3)[0] == 503
    sqlite_outage_end(db, persistent=False)
    assert outcome(add(b.port, "q", 3, attempt=1)) == (False, True, False, 1)  # gone
    assert all(row["request"] != "3" or row["attempt"] == "1" for row in log_rows(log_a))


@pytest.fixture
def redis_dir():
    try:
        require_program("redis-server")
    except ProgramMissing as missing:
        if os.environ.get("STATELAB_REQUIRE_REAL") == "1":
            raise  # the real runs are required here: a missing program is a failure
        pytest.skip(str(missing))  # says how to install it
    folder = tempfile.mkdtemp(prefix="slr-")  # short: a unix socket path has <= 107 bytes
    yield Path(folder)
    shutil.rmtree(folder, ignore_errors=True)


def test_redis_store_is_shared_and_persists_over_a_restart(group, tmp_path, redis_dir):
    socket = start_redis(group, redis_dir, persistent=True)
    store = ("--store", f"redis:{socket}")
    a, log_a = start_node(group, tmp_path, 0, "store", *store, "--keys")
    b, _ = start_node(group, tmp_path, 1, "store", *store, "--keys")
    assert outcome(add(a.port, "q", 0)) == (False, True, False, 1)
    assert outcome(add(b.port, "q", 1)) == (True, True, False, 2)
    assert outcome(add(a.port, "q", 1, attempt=1)) == (True, False, False, 2)  # keys in the store

    redis = next(child for child in group.children if child.name == "redis" and child.alive())
    redis.kill()
    status, body, _ = add(a.port, "q", 2)
    assert (status, body) == (503, {"error": "session store unavailable"})
    assert len(log_rows(log_a)) == 2
    start_redis(group, redis_dir, persistent=True)
    assert outcome(add(a.port, "q", 2, attempt=1)) == (True, True, False, 3)


# -- replicated state ------------------------------------------------------------------------


def test_the_peer_holds_a_copy_and_takes_over(group, tmp_path):
    a, _ = start_node(group, tmp_path, 0, "replicated")
    b, _ = start_node(group, tmp_path, 1, "replicated")
    status, body, _ = call(a.port, "/admin/peer", {"url": f"http://127.0.0.1:{b.port}"})
    assert (status, body["peer"]) == (200, f"http://127.0.0.1:{b.port}")
    status, body, _ = call(a.port, "/admin/peer", {"url": "http://example.com:80"})
    assert status == 400 and "'url'" in body["error"]  # loopback only
    assert outcome(add(a.port, "p", 0)) == (False, True, False, 1)
    assert outcome(add(a.port, "p", 1)) == (True, True, False, 2)
    assert call(b.port, "/admin/sessions/p")[1] == {"node": 1, "held": "replica", "items": 2}
    a.kill()
    assert outcome(add(b.port, "p", 2)) == (True, True, False, 3)  # the copy took over
    assert call(b.port, "/admin/sessions/p")[1]["held"] == "memory"
