"""The controller of a real run: it starts the cluster, plays the events and collects the notes.

A real run is a small shop on this machine, every part a process of its own in one
:class:`~statelab.real.procs.ProcessGroup` (so all of them are gone when the run returns,
raises or is interrupted):

1. the session store, for ``state="store"``: a SQLite file or a Redis server;
2. ``nodes`` web servers (:mod:`statelab.real.server`), each on a port the OS picks;
3. the load balancer in front of them (:mod:`statelab.real.balancers`: the embedded proxy or
   HAProxy), with a slot for every node the run may ever have;
4. the load generator (:mod:`statelab.real.loadgen`), which plays the shoppers from model time
   0, the monotonic stamp ``t0``.

While the shoppers shop, the controller applies the Scenario's events at their scaled times
(model second ``t`` is the stamp ``t0 + t * time_scale``), on this thread, in short bounded
sleeps (so Ctrl-C or the notebook's stop button stops everything at once):

- ``Crash``: SIGKILL of the node's process (its memory, its carts, its requests in flight are
  gone); the balancer's health checks find out (``crash="detected"``, the default: no balancer
  knows of a crash in advance), or it is told first (``crash="announced"``, the idealised
  case);
- ``Restart``: the node is killed and a fresh process (empty memory) takes its slot at a new
  port; ``ScaleTo``: nodes join (fresh processes) or leave as its ``mode`` says (``abrupt``: at
  once; ``sticky``: HAProxy's drain for ``drain`` seconds, then out; ``in_flight``: out of the
  balancer at once, ``drain`` seconds for what is in flight, then gone); ``RandomFailures``:
  crashes and repairs with the simulation's draws; ``StoreOutage``: the store goes away and
  comes back (not persistent: empty), or with ``mode="hang"`` takes calls and answers none
  for a while (Redis stopped with SIGSTOP, the SQLite file held by ``BEGIN EXCLUSIVE``).

Fresh processes for restarts and scale-outs are started ahead of time, as spares, so a
restarted node serves at once, as in the simulation. Every change of a node is noted with its
stamp (the simulation's statuses: up, draining, down, removed), and with ``state="replicated"``
every node is told its peer (the next live node by number) whenever the live nodes change.
"""

from __future__ import annotations

import contextlib
import heapq
import json
import os
import re
import secrets
import shutil
import signal
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd

from statelab.real import assemble as assembly
from statelab.real import loadgen, store
from statelab.real.assemble import RealResult
from statelab.real.procs import ProcessGroup, python_argv
from statelab.real.registry import check, make_balancer, notice_delay
from statelab.real.server import LOG_HEADER, SECRET_ENV
from statelab.real.timeouts import (
    CHECK_FALL,
    CHECK_RISE,
    FINISH_TIMEOUT,
    GO_LEAD,
    LOADGEN_GOES,
    READY_LEAD,
    START_TIMEOUT,
    TICK,
    check_interval,
    retry_turnaround,
)
from statelab.sim.events import Crash, Restart, ScaleTo, StoreOutage
from statelab.sim.scenario import Scenario
from statelab.sim.workload import stream

#: At most this many spare node processes are started ahead of time.
MAX_SPARES = 8


class Controller:
    """One real run of ``scenario``; :meth:`run` returns what :mod:`assemble` needs."""

    def __init__(
        self,
        scenario,
        time_scale: float,
        balancer: str,
        store: str,
        workdir: Path,
        *,
        crash: str = "detected",
        balancer_retries: int = 0,
        redispatch: bool = False,
        resend_aborted: bool = False,
    ) -> None:
        self.scenario = scenario
        self.crash = crash
        self.resend_aborted = resend_aborted
        self.balancer_retries = balancer_retries
        self.redispatch = redispatch
        self.scale = time_scale
        self.balancer_kind = balancer
        self.store_kind = store
        self.workdir = Path(workdir)
        self.n = scenario.max_nodes()
        self.secret = secrets.token_hex(32)
        self.children: dict[int, object] = {}  # node -> its running process
        self.member = [k < scenario.nodes for k in range(self.n)]
        self.up = [k < scenario.nodes for k in range(self.n)]
        self.draining = [False] * self.n
        self.closed = [False] * self.n
        self.incarnations = [0] * self.n
        self._lock = threading.Lock()
        self.spares: dict[int, list] = {}  # node -> futures of fresh processes for it
        self.pool: ThreadPoolExecutor | None = None
        self.changes: list[tuple] = []  # (stamp, node, status, closed)
        # (stamp, node, cause): the balancer was told to send a node nothing more because it
        # is about to go (crash, scale_in); its change is stamped once it has gone
        self.leaving: list[tuple] = []
        self.outages = 0
        self.hold = None  # what holds a hung store: a SQLite connection, or stopped Redis
        self.store_path: Path | None = None
        self.redis_socket: str | None = None
        self.peers: dict[int, int | None] = {}
        self.timings: dict[str, float] = {}

    # -- processes ----------------------------------------------------------------------

    def _node_argv(self, k: int, log: Path) -> list[str]:
        s = self.scenario
        argv = python_argv(
            "statelab.real.server",
            "--node", str(k),
            "--workers", str(s.workers),
            "--state", s.state,
            "--time-scale", repr(self.scale),
            "--log", str(log),
        )  # fmt: skip
        if s.state == "store":
            where = f"sqlite:{self.store_path}" if self.store_path else f"redis:{self.redis_socket}"
            argv += ["--store", where, "--store-update", s.store_update]
        if s.write_at != 1.0:
            argv += ["--write-at", repr(s.write_at)]
        if s.idempotency_keys:
            argv.append("--keys")
        if s.state == "cookie":  # the key that signs the cookies comes by environment
            argv += [
                "--cookie-cost-per-kb", repr(s.cookie_cost_per_kb),
                "--cookie-bytes-per-item", str(s.cookie_bytes_per_item),
            ]  # fmt: skip
        return argv

    def _start_node(self, k: int):
        """A fresh process for node ``k`` (waits until it listens); its log is its own file."""
        with self._lock:
            self.incarnations[k] += 1
            name = f"node{k}-{self.incarnations[k]}"
        log = self.workdir / f"{name}.csv"
        return self.group.start(
            name, self._node_argv(k, log), timeout=START_TIMEOUT, env={SECRET_ENV: self.secret}
        )

    def _fresh(self, k: int):
        """A fresh process for node ``k``: a spare started ahead of time, or one started now.

        With ``RandomFailures`` a node may be repaired again and again: another spare is
        started in the background each time one is used."""
        spares = self.spares.get(k)
        child = None
        while spares and child is None:
            candidate = spares.pop(0).result(timeout=START_TIMEOUT)
            if candidate.alive():
                child = candidate
        if self.scenario.failures is not None:
            self._spare(k)
        return child if child is not None else self._start_node(k)

    def _spare(self, k: int) -> None:
        """Start a spare process for node ``k`` in the background."""
        self.spares.setdefault(k, []).append(self.pool.submit(self._start_node, k))

    def _spares_needed(self) -> list[int]:
        """The nodes that will need a fresh process (restarts, scale-outs), from the events."""
        s = self.scenario
        needed: list[int] = []
        member = [k < s.nodes for k in range(self.n)]
        draining: dict[int, float] = {}
        for event in sorted(s.events, key=lambda e: e.at):
            for k, leave in list(draining.items()):
                if leave <= event.at:
                    member[k] = False
                    del draining[k]
            if isinstance(event, Restart) and member[event.node]:
                needed.append(event.node)
            elif isinstance(event, ScaleTo):
                size = sum(1 for k in range(self.n) if member[k] and k not in draining)
                for k in range(size, event.nodes):
                    if k in draining:
                        del draining[k]
                    elif not member[k]:
                        member[k] = True
                        needed.append(k)
                for k in range(event.nodes, size):
                    if event.drain > 0 and event.mode != "abrupt":
                        draining[k] = event.at + event.drain
                    else:
                        member[k] = False
        return needed[:MAX_SPARES]

    def _start_store(self) -> None:
        if self.scenario.state != "store":
            return
        if self.store_kind == "sqlite":
            self.store_path = store.create_sqlite_store(self.workdir / "store.db")
        else:
            self.redis_socket = store.start_redis(
                self.group, self.workdir, self.scenario.store_persistent
            )

    # -- the run ------------------------------------------------------------------------

    def run(self) -> assembly.RunLog:
        s = self.scenario
        began = time.monotonic()
        scenario_file = self.workdir / "scenario.toml"
        s.save(scenario_file, "a real run")
        out = self.workdir / "client.csv"
        with ProcessGroup(self.workdir) as group:
            self.group = group
            self._start_store()
            self.balancer = make_balancer(
                self.balancer_kind,
                s,
                group,
                self.workdir,
                self.scale,
                balancer_retries=self.balancer_retries,
                redispatch=self.redispatch,
            )
            # the balancer starts beside the nodes, all its slots in maint; then each node
            # is pointed at and made ready; spares start meanwhile
            self.pool = ThreadPoolExecutor(max_workers=4)
            try:
                self._start_and_play(scenario_file, out)
            finally:
                self._hang_end()  # a stopped Redis would not hear the group's stop
                self.pool.shutdown(wait=False, cancel_futures=True)
            config_text = self.balancer.config_text
        balancer_log = self._balancer_log()
        self.timings["run"] = time.monotonic() - began
        return assembly.RunLog(
            scenario=s,
            time_scale=self.scale,
            t0=self.t0,
            client=pd.read_csv(out),
            sessions=pd.read_csv(loadgen.sessions_file(out)),
            node_log=self._read_node_logs(),
            changes=self.changes,
            leaving=self.leaving,
            info={
                "balancer": self.balancer_kind,
                "store": self.store_kind if s.state == "store" else None,
                "config_text": config_text,
                "balancer_log": balancer_log,
                "balancer_messages": self.balancer.messages(),
                "reloads": self._reloads(),
                "timings": dict(self.timings),
                **self.crash_handling(),
            },
        )

    def _balancer_log(self) -> pd.DataFrame:
        """The balancer's own log, a row a request it logged, with the attempt its
        ``X-Request-ID`` names (``session``, ``request``, ``attempt``; -1 for none)."""
        columns = ["request_id", "server", "status", "termination_state", "retries"]
        table = pd.DataFrame(self.balancer.read_log())
        if table.empty:
            table = pd.DataFrame(columns=[*columns, "redispatched"])
        parts = table["request_id"].astype(str).str.split(".", expand=True)
        for i, name in enumerate(("session", "request", "attempt")):
            column = parts[i] if i in parts.columns else pd.Series(index=table.index, dtype=object)
            table[name] = pd.to_numeric(column, errors="coerce").fillna(-1).astype(int)
        return table

    def _reloads(self) -> pd.DataFrame:
        """The balancer's reloads during the run (nginx: each change of the cluster is a new
        configuration and a reload), a row each: ``time`` (model seconds), ``answered``
        (real seconds until the new configuration answered) and ``old_workers_gone`` (until
        the old workers had ended); no row for a balancer changed by runtime commands."""
        rows = [
            ((stamp - self.t0) / self.scale, answered, gone)
            for stamp, answered, gone in getattr(self.balancer, "reloads", ())
            if stamp >= self.t0
        ]
        return pd.DataFrame(rows, columns=["time", "answered", "old_workers_gone"])

    def crash_handling(self) -> dict:
        """How this run's balancer learns of a crash and retries, for ``result.real``: the
        mode, the mean delay (model seconds, the simulation's ``health_check_delay`` that
        plays it), the health checks (interval in model seconds, fall, rise) and retries."""
        s = self.scenario
        return {
            "crash": self.crash,
            "health_check_delay": notice_delay(s, self.scale, self.crash, self.balancer_kind),
            "health_checks": {
                "inter": check_interval(s.health_check_delay, self.scale) / self.scale,
                "fall": CHECK_FALL,
                "rise": CHECK_RISE,
            },
            "balancer_retries": self.balancer_retries,
            "redispatch": self.redispatch,
            "retry_turnaround": retry_turnaround(self.scale) / self.scale,
        }

    def _start_and_play(self, scenario_file: Path, out: Path) -> None:
        s = self.scenario
        began = time.monotonic()
        initial = list(range(s.nodes))
        front = self.pool.submit(self.balancer.start, {})
        started = [self.pool.submit(self._start_node, k) for k in initial]
        go = self.workdir / "go"
        loading = self.pool.submit(self._start_loadgen, scenario_file, out, go)
        needed = self._spares_needed()
        needed = needed[:MAX_SPARES]
        if s.failures is not None:  # two a node: a repair may come before a spare is up
            needed += [k for k in range(self.n) for _ in range(2)][: 2 * MAX_SPARES]
        for k in needed:
            self._spare(k)
        front.result(timeout=START_TIMEOUT * 2)
        for k, child in zip(initial, started, strict=True):
            self.children[k] = child.result(timeout=START_TIMEOUT * 2)
            self.balancer.set_node(k, self.children[k].port)
        self._tell_peers()
        load = loading.result(timeout=START_TIMEOUT * 2)
        self._go(load, go)
        self.timings["setup"] = time.monotonic() - began
        late = time.monotonic() - self.t0
        if late > 0:
            self.timings["loadgen_late"] = late
        self._play(load)
        deadline = time.monotonic() + FINISH_TIMEOUT
        while load.alive() and time.monotonic() < deadline:
            time.sleep(TICK)
        if load.alive():
            raise RuntimeError(
                f"the load generator did not finish within {FINISH_TIMEOUT:g} s of the "
                f"run's end; its log:\n{load.tail()}"
            )
        if load.popen.returncode != 0:
            raise RuntimeError(f"the load generator failed; its log:\n{load.tail()}")

    def _read_node_logs(self) -> pd.DataFrame:
        frames = []
        for path in sorted(self.workdir.glob("node*-*.csv")):
            with contextlib.suppress(pd.errors.EmptyDataError):
                frames.append(pd.read_csv(path, on_bad_lines="skip"))
        if not frames:
            return pd.DataFrame(columns=LOG_HEADER.split(","))
        return pd.concat(frames, ignore_index=True)

    def _start_loadgen(self, scenario_file: Path, out: Path, go: Path):
        """Start the load generator (beside the nodes and the balancer); it draws its
        shoppers, says it is ready and waits for its go (:meth:`_go`), which names the
        balancer: the balancer's port is known once it listens."""
        argv = python_argv(
            "statelab.real.loadgen",
            "--scenario", str(scenario_file),
            "--time-scale", repr(self.scale),
            "--go", str(go),
            "--out", str(out),
        )  # fmt: skip
        if self.resend_aborted:
            argv.append("--resend-aborted")
        return self.group.start("loadgen", argv, timeout=START_TIMEOUT)

    def _go(self, load, go: Path) -> None:
        """Give the load generator its go: model time 0, ``GO_LEAD`` seconds from now (the
        cluster is ready), and the balancer's address. If the go reached it too late to
        start on time (a busy machine), it said so and sent nothing: give another with a
        longer lead, up to ``LOADGEN_GOES`` times."""
        lead = GO_LEAD
        for number in range(1, LOADGEN_GOES + 1):
            given = time.monotonic()
            self.t0 = given + lead
            self.t_end = self.t0 + self.scenario.duration * self.scale
            written = go.with_name(f"{go.name}.{number}")
            written.write_text(f"{number} {self.t0!r} {self.balancer.url}\n")
            written.replace(go)  # whole: the load generator never reads half a go
            answer = load.wait_for_line(
                re.compile(rf"({loadgen.GO}|{loadgen.LATE}) {number}( .*)?".encode()),
                lead + START_TIMEOUT,
                ["the load generator's go", str(go)],
                f"'{loadgen.GO} {number}'",
            )
            if answer.group(1).decode() == loadgen.GO:
                return
            self.timings["loadgen_late_goes"] = number
            lead = max(2 * lead, 2 * (READY_LEAD + time.monotonic() - given))
        raise RuntimeError(
            f"the load generator was too late for {LOADGEN_GOES} goes in a row (the last "
            f"{lead / 2:.2f} s ahead of model time 0): this machine is too busy for a real "
            f"run now; its log:\n{load.tail()}"
        )

    def _play(self, load) -> None:
        """Apply the events at their scaled times until the run's end (bounded sleeps)."""
        s = self.scenario
        self._queue: list = []
        self._seq = 0
        for event in sorted(s.events, key=lambda e: e.at):
            self._at(event.at, self._happen, event)
        if s.failures is not None:
            self._failure_draws = {k: stream(s.seed, f"failures:{k}") for k in range(self.n)}
            for k in range(self.n):
                self._at(self._failure_draws[k].expovariate(1.0 / s.failures.mtbf), self._fail, k)
        bound = 100_000  # events applied at most (failures included)
        for _ in range(bound):
            if not self._queue:
                break
            at = self._queue[0][0]
            stamp = self.t0 + at * self.scale
            if stamp >= self.t_end:
                break
            while time.monotonic() < stamp:
                if not load.alive():
                    raise RuntimeError(f"the load generator stopped early; its log:\n{load.tail()}")
                time.sleep(min(TICK, max(0.0, stamp - time.monotonic())))
            _, _, action, argument = heapq.heappop(self._queue)
            action(argument)
        while time.monotonic() < self.t_end and load.alive():
            time.sleep(min(TICK, max(0.0, self.t_end - time.monotonic())))

    def _at(self, at: float, action, argument) -> None:
        self._seq += 1
        heapq.heappush(self._queue, (at, self._seq, action, argument))

    def _now(self) -> float:
        return (time.monotonic() - self.t0) / self.scale

    def _note(self, k: int, status: str) -> None:
        self.changes.append((time.monotonic(), k, status, self.closed[k]))

    # -- events -------------------------------------------------------------------------

    def _happen(self, event) -> None:
        if isinstance(event, ScaleTo):
            self._scale(event)
        elif isinstance(event, StoreOutage):
            if self.scenario.state == "store" and event.mode == "hang":
                self._hang_begin()
                self._at(event.at + event.duration, self._hang_end, None)
            elif self.scenario.state == "store":
                self._outage_begin()
                self._at(event.at + event.duration, self._outage_end, None)
        elif isinstance(event, (Crash, Restart)):
            k = event.node
            if not self.member[k]:
                return
            if self.up[k]:
                self._take_down(k, "down")
            if isinstance(event, Restart):
                self._bring_up(k)

    def _take_down(self, k: int, status: str) -> None:
        """SIGKILL node ``k``'s process: its memory and its requests in flight are gone."""
        # a detected crash: the balancer's health checks find it (fall 3 checks later). An
        # announced one: the balancer is told first, so no new request is sent to the node in
        # the moment between the two; except with ip_hash, for which a node in maint is no
        # longer configured (a crashed one is; nginx's failure handling takes it out at the
        # first request it fails).
        told = self.crash == "announced" and self.scenario.affinity != "ip_hash"
        if status == "removed" or told:
            # from here on its shoppers go elsewhere: a cart moved before the change's stamp
            # is lost to this (not to "no affinity", as it was on a busy machine)
            self.leaving.append((time.monotonic(), k, assembly.WIPES[status]))
            self.balancer.maint(k)
        child = self.children.pop(k, None)
        if child is not None:
            child.kill()
        self.up[k] = False
        self._note(k, status)
        self._tell_peers()

    def _bring_up(self, k: int) -> None:
        child = self._fresh(k)
        self.children[k] = child
        self.balancer.set_node(k, child.port)
        self.up[k] = True
        self.member[k] = True
        self.draining[k] = self.closed[k] = False
        self._note(k, "up")
        self._tell_peers()

    def _fail(self, k: int) -> None:
        """RandomFailures: node ``k`` fails now (if it is up) and is repaired later."""
        s = self.scenario
        draw = self._failure_draws[k]
        if self.member[k] and self.up[k]:
            self._take_down(k, "down")
            self._at(self._now() + draw.expovariate(1.0 / s.failures.mttr), self._repair, k)
        else:
            self._at(self._now() + draw.expovariate(1.0 / s.failures.mtbf), self._fail, k)

    def _repair(self, k: int) -> None:
        s = self.scenario
        if self.member[k] and not self.up[k]:
            self._bring_up(k)
        self._at(
            self._now() + self._failure_draws[k].expovariate(1.0 / s.failures.mtbf), self._fail, k
        )

    def _scale(self, event: ScaleTo) -> None:
        size = sum(1 for k in range(self.n) if self.member[k] and not self.draining[k])
        for k in range(size, event.nodes):
            if self.member[k]:  # draining: it stays after all
                self.draining[k] = self.closed[k] = False
                self.balancer.ready(k)
                self._note(k, "up" if self.up[k] else "down")
                self._tell_peers()
            else:
                self._bring_up(k)
        for k in range(event.nodes, size):
            if event.drain > 0 and event.mode != "abrupt":
                self.draining[k] = True
                self.closed[k] = event.mode == "in_flight"
                if self.up[k]:
                    if self.closed[k]:
                        self.balancer.maint(k)
                    else:
                        self.balancer.drain(k)
                self._note(k, "draining" if self.up[k] else "down")
                self._tell_peers()
                self._at(self._now() + event.drain, self._leave, k)
            else:
                self._remove(k)

    def _leave(self, k: int) -> None:
        if self.member[k] and self.draining[k]:
            self._remove(k)

    def _remove(self, k: int) -> None:
        self.member[k] = False
        self.draining[k] = self.closed[k] = False
        if self.up[k]:
            self._take_down(k, "removed")
        else:
            self.balancer.maint(k)
            self._note(k, "removed")

    def _redis(self):
        return next((c for c in self.group.children if c.name == "redis" and c.alive()), None)

    def _hang_begin(self, _=None) -> None:
        """The store hangs: it takes calls and answers none (Redis stopped with SIGSTOP; the
        SQLite file held by an exclusive lock). The nodes' calls wait, each holding its
        worker slot, until the hang ends (the registry keeps hangs shorter than the calls'
        timeouts)."""
        if self.store_path is not None:
            self.hold = store.sqlite_hang_begin(self.store_path)
        elif (redis := self._redis()) is not None:
            os.kill(redis.pid, signal.SIGSTOP)
            self.hold = redis

    def _hang_end(self, _=None) -> None:
        hold, self.hold = self.hold, None
        if hold is None:
            return
        if self.store_path is not None:
            store.sqlite_hang_end(hold)
        else:
            with contextlib.suppress(ProcessLookupError):
                os.kill(hold.pid, signal.SIGCONT)

    def _outage_begin(self, _=None) -> None:
        self.outages += 1
        if self.outages > 1:
            return
        if self.store_path is not None:
            store.sqlite_outage_begin(self.store_path, self.scenario.store_persistent)
        else:
            for child in self.group.children:
                if child.name == "redis" and child.alive():
                    child.kill()

    def _outage_end(self, _=None) -> None:
        self.outages -= 1
        if self.outages > 0:
            return
        if self.store_path is not None:
            store.sqlite_outage_end(self.store_path, self.scenario.store_persistent)
        else:
            store.start_redis(self.group, self.workdir, self.scenario.store_persistent)

    def _tell_peers(self) -> None:
        """Replicated state: tell every live node its peer, the next live node by number."""
        if self.scenario.state != "replicated":
            return
        live = [k for k in range(self.n) if self.member[k] and self.up[k] and not self.draining[k]]
        for k, child in self.children.items():
            others = [j for j in live if j != k]
            later = [j for j in others if j > k]
            peer = later[0] if later else (others[0] if others else None)
            if self.peers.get(k, -1) == peer and self.peers.get(("port", k)) == child.port:
                continue
            url = None if peer is None else f"http://127.0.0.1:{self.children[peer].port}"
            request = urllib.request.Request(
                f"http://127.0.0.1:{child.port}/admin/peer",
                data=json.dumps({"url": url}).encode(),
                headers={"Content-Type": "application/json"},
                method="POST",
            )
            with contextlib.suppress(OSError):
                urllib.request.urlopen(request, timeout=1.0).read()
            self.peers[k] = peer
            self.peers[("port", k)] = child.port


def run(
    scenario: Scenario,
    time_scale: float = 0.2,
    balancer: str = "embedded",
    store: str = "sqlite",
    *,
    crash: str = "detected",
    balancer_retries: int = 0,
    redispatch: bool = False,
    resend_aborted: bool = False,
    workdir: str | Path | None = None,
    keep: bool = False,
) -> RealResult:
    """Run ``scenario`` on real processes and return its :class:`RealResult`.

    Parameters
    ----------
    scenario : Scenario
        What to run; its seed picks the shoppers, as in :func:`statelab.simulate`.
    time_scale : float
        Real seconds per model second, 0.01 to 10 (0.2: a 120 s scenario takes 24 s).
    balancer : str
        ``"embedded"`` (our proxy, every policy) or ``"haproxy"`` (HAProxy must be installed;
        no ``ip_hash`` and no ``state="replicated"``).
    store : str
        With ``state="store"``: ``"sqlite"`` (a file) or ``"redis"`` (redis-server must be
        installed).
    crash : str
        ``"detected"`` (the default): a crashed node is killed and the balancer finds out by
        its health checks, every ``health_check_delay / 3`` model seconds (HAProxy's 2 s where
        the delay is 0), three failed in a row (``fall 3``; ``rise 2`` to come back), so
        requests sent to it meanwhile fail. ``"announced"``: the balancer is told first, the
        idealised case (the simulation's ``health_check_delay=0``).
    balancer_retries : int
        Times the balancer tries a refused connection again (HAProxy's ``retries``), 0 to 10.
    redispatch : bool
        The balancer's last retry goes to another node (HAProxy's ``option redispatch``):
        the request succeeds, and a cart left on the dead node is lost without a failure.
    resend_aborted : bool
        The load generator re-sends, once and at once, an attempt whose kept-alive
        connection closed before any answer came (``aborted`` in ``result.real["client"]``),
        as a browser does, even a POST; the re-send is the next attempt (``resent``), not a
        retry of the shopper's. False (the default): aiohttp's way, the attempt failed. A
        balancer closes idle kept-alive connections on a reload (nginx) or when the request
        was not the first of its connection (HAProxy's ``abort_keep_alive``); if the first
        send reached a node, the re-send adds its item again (a duplicate without keys).
    workdir : str or Path, optional
        Where the processes' logs go (default: a new temporary folder, deleted afterwards
        unless ``keep``; a run that fails keeps it, and says where).
    keep : bool
        Keep the temporary folder (its path is in ``result.real["workdir"]``).

    Returns
    -------
    RealResult
        The simulation's tables, in model seconds, plus ``result.real``: ``time_scale``,
        ``http_overhead`` (median, model seconds), ``http_overhead_p95``, ``balancer``,
        ``store``, ``config_text`` (the balancer's configuration), ``client`` and ``node_log``
        (the raw tables, model seconds), ``timings`` (wall seconds), and how a crash was
        handled: ``crash``, ``health_check_delay`` (the mean model seconds before the
        balancer stopped sending a crashed node requests: the simulation's delay that plays
        this run), ``health_checks`` (``inter`` in model seconds, ``fall``, ``rise``),
        ``balancer_retries``, ``redispatch`` and ``retry_turnaround`` (model seconds).
    """
    __tracebackhide__ = True
    check(scenario, time_scale, balancer, store, crash, balancer_retries, redispatch)
    time_scale = float(time_scale)
    began = time.monotonic()
    made = workdir is None
    folder = Path(tempfile.mkdtemp(prefix="statelab-real-")) if made else Path(workdir)
    folder.mkdir(parents=True, exist_ok=True)
    ok = False
    try:
        controller = Controller(
            scenario,
            time_scale,
            balancer,
            store,
            folder,
            crash=crash,
            balancer_retries=balancer_retries,
            redispatch=redispatch,
            resend_aborted=bool(resend_aborted),
        )
        log = controller.run()
        assembled = time.monotonic()
        result = assembly.assemble(log)
        result.real["timings"]["assemble"] = time.monotonic() - assembled
        result.real["timings"]["wall"] = time.monotonic() - began
        result.real["workdir"] = str(folder) if (keep or not made) else None
        ok = True
        return result
    except KeyboardInterrupt as stop:
        # Ctrl-C (or the notebook's stop button): every process is gone with the group; a
        # folder made for the run goes too, and one given (or kept) is named
        if made and not keep:
            shutil.rmtree(folder, ignore_errors=True)
            _note(stop, "the run was stopped: its processes and its folder are gone")
        else:
            _note(stop, f"the run was stopped: its processes are gone, its logs are in {folder}")
        raise
    except Exception as error:
        _note(error, f"the run's processes wrote their logs to {folder}")
        raise
    finally:
        if made and ok and not keep:
            shutil.rmtree(folder, ignore_errors=True)


def _note(error: BaseException, text: str) -> None:
    """Add ``text`` to ``error``'s message (Python 3.11+), or say it on stderr (3.10)."""
    if hasattr(error, "add_note"):
        error.add_note(text)
    else:  # pragma: no cover - Python 3.10
        print(f"statelab.real: {text}", file=sys.stderr)
