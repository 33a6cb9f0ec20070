"""nginx as the load balancer of a real run: a generated ``nginx.conf`` and ``nginx -s reload``.

Debian's open-source nginx (1.19.5 or later), configured from the scenario:

==================== =====================================================================
scenario             nginx.conf (``upstream be``)
==================== =====================================================================
round_robin          (nginx's default: weighted round robin)
random               ``random``
least_connections    ``least_conn``
two_choices          ``random two least_conn`` (the less busy of two drawn at random)
ip_hash              ``ip_hash`` (the first three octets, modulo the configured servers)
consistent_hash      ``hash $remote_addr consistent`` (a ketama ring, 160 points a weight)
==================== =====================================================================

What nginx does not have, a run with it refuses, saying what to use instead: cookie
stickiness (``sticky cookie`` is nginx Plus's), HAProxy's map-based ``balance source`` (nginx's
``hash $remote_addr`` without ``consistent`` divides by the configured servers, as
``ip_hash`` does), a drain that keeps sticky sessions, and the replicas' failover rule.

How it differs from HAProxy, as production nginx does:

- **no active health checks** (they are nginx Plus's): a crashed node is found by a request
  that fails on it. After ``max_fails=1`` failure nginx counts the server unavailable for
  ``fail_timeout`` (10 s, nginx's default, read in model seconds and scaled), then lets one
  request try it again. So a crash costs the request that found it, and one more each
  ``fail_timeout`` while the node stays dead; a crash is never announced.
- **retries are passes to the next server** (``proxy_next_upstream error timeout``, nginx's
  default; here only with ``balancer_retries`` and ``redispatch=True``): a refused
  connection sent nothing, so even a POST is passed on (``non_idempotent`` is needed only to
  pass on a request the failed server may have received). ``balancer_retries=0`` writes
  ``proxy_next_upstream off``: a refused request fails (502), as in the simulation.
- **no runtime API**: every change of the cluster (a node joins, leaves or restarts at a new
  port) is a new configuration and ``nginx -s reload`` (SIGHUP): nginx reads it again and
  the listening socket stays open throughout, so no request is refused during a reload.
  HAProxy changes a server at run time (``set server``). nginx's master starts new worker
  processes with the new configuration and lets the old ones finish their requests.

A worker outlives its master's SIGKILL, so nginx runs under :mod:`statelab.real.guard`,
which ends the whole tree with the run, however the notebook's kernel ends.

Its access log has a line a request: the load generator's ``X-Request-ID``, the servers
tried (``$upstream_addr``), the status and each server's status (``$upstream_status``).
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import time
from pathlib import Path

from statelab.real.balancers import Balancer, check_retries
from statelab.real.guard import descendants
from statelab.real.procs import python_argv, require_program
from statelab.real.timeouts import CONNECT_TIMEOUT, SERVER_TIMEOUT, fail_timeout_seconds
from statelab.sim.events import ScaleTo
from statelab.sim.scenario import Scenario

#: nginx's ``upstream`` method for each of the scenario's balancers (without affinity).
METHOD = {
    "round_robin": None,
    "random": "random",
    "least_connections": "least_conn",
    "two_choices": "random two least_conn",
}
#: Points nginx's ``hash ... consistent`` puts on its ring per unit of a server's weight.
POINTS_PER_WEIGHT = 160
#: Real seconds a reload may take before the new workers are seen.
RELOAD_TIMEOUT = 5.0
#: Real seconds a reload waits for the old workers to end.
OLD_WORKERS_WAIT = 1.0
#: The path that answers which configuration runs.
GENERATION_PATH = "/statelab-generation"
#: The access log's format: the attempt's id, the servers tried, the status, theirs.
LOG_FORMAT = '$http_x_request_id "$upstream_addr" $status "$upstream_status"'
_LOG_LINE = re.compile(r'^(?P<request_id>\S*) "(?P<addr>[^"]*)" (?P<status>\d+) "(?P<ups>[^"]*)"')


def check_scenario(scenario: Scenario) -> None:
    """Raise ValueError if open-source nginx cannot play ``scenario``'s policies."""
    if scenario.affinity == "sticky":
        raise ValueError(
            "affinity='sticky' needs cookie stickiness, which open-source nginx lacks (its "
            "'sticky cookie' is nginx Plus's); use balancer='haproxy' or 'embedded', or with "
            "nginx affinity='ip_hash' or 'consistent_hash'"
        )
    if scenario.affinity == "source_hash":
        raise ValueError(
            "affinity='source_hash' is HAProxy's map-based balance source (modulo the live "
            "servers); nginx's hash $remote_addr divides by the configured servers, as "
            "ip_hash does. Use balancer='haproxy' or 'embedded' for it, or with nginx "
            "affinity='ip_hash' or 'consistent_hash'"
        )
    if scenario.state == "replicated":
        raise ValueError(
            "state='replicated' needs a balancer that sends a sticky session whose node died "
            "to the node holding its copy; use balancer='embedded'"
        )
    for event in scenario.events:
        if isinstance(event, ScaleTo) and event.mode == "sticky" and event.drain > 0:
            raise ValueError(
                f"ScaleTo(mode='sticky') at {event.at:g} s drains a node while it keeps its "
                "sticky sessions (HAProxy's drain, nginx Plus's 'drain'); open-source nginx "
                "has neither. Use mode='in_flight' (out of the configuration at once, a "
                "reload lets the requests in flight finish) or balancer='haproxy'"
            )


def _weight(scenario: Scenario) -> int:
    if scenario.affinity == "consistent_hash":
        return max(1, round(scenario.vnodes / POINTS_PER_WEIGHT))
    return 1


def nginx_config(
    scenario: Scenario,
    time_scale: float,
    port: int,
    ports: dict[int, int],
    workdir: str | Path,
    *,
    retries: int = 0,
    generation: int = 0,
) -> str:
    """The text of an ``nginx.conf`` for ``scenario`` with the nodes ``ports`` ({node:
    port}) in its upstream, listening on ``127.0.0.1:port``; pid, logs and temporary files in
    ``workdir``. ``retries`` above 0 passes a refused request to the next server, up to
    ``retries`` times (``proxy_next_upstream error timeout``). ``generation`` counts the
    configurations written; ``GET /statelab-generation`` answers it, so a reload can be seen
    to have taken effect."""
    check_scenario(scenario)
    workdir = Path(workdir)
    fail_timeout = fail_timeout_seconds(time_scale)
    affinity = scenario.affinity
    if affinity == "ip_hash":
        method = "ip_hash"
    elif affinity == "consistent_hash":
        method = "hash $remote_addr consistent"
    else:
        method = METHOD[scenario.balancer]
    as_root = hasattr(os, "geteuid") and os.geteuid() == 0
    lines = [
        f"# nginx.conf written by statelab for {scenario!r}",
        f"# time_scale={time_scale:g}: one model second lasts {time_scale:g} real seconds.",
        *(
            ["user root;  # started as root: the workers too (they write under the run's folder)"]
            if as_root
            else []
        ),
        "worker_processes 1;  # one worker: requests are handled in one order",
        f"pid {workdir / 'nginx.pid'};",
        "events { worker_connections 4096; }",
        "",
        "http {",
        f"    log_format statelab '{LOG_FORMAT}';",
        "    # a line a request: the attempt's id, the servers tried, the status, theirs",
        f"    access_log {workdir / 'nginx-requests.log'} statelab;",
    ]
    for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        lines.append(f"    {kind}_temp_path {workdir / ('nginx-' + kind)};")
    lines += ["", "    upstream be {"]
    if method:
        lines.append(f"        {method};")
    else:
        lines.append("        # (no method: nginx's weighted round robin)")
    lines += [
        "        # no active health checks in open-source nginx: one failed request takes a",
        "        # server out for fail_timeout (nginx's default 10 s, read in model seconds,"
        " scaled: whole seconds), then one",
        "        # request tries it again",
    ]
    weight = _weight(scenario)
    for k in sorted(ports):
        lines.append(
            f"        server 127.0.0.1:{ports[k]} max_fails=1 fail_timeout={fail_timeout}s"
            f"{f' weight={weight}' if weight != 1 else ''};  # s{k}"
        )
    if not ports:  # an upstream needs a server: none is up
        lines.append("        server 127.0.0.1:1 down;  # no node yet")
    lines += [
        "    }",
        "",
        "    server {",
        f"        listen 127.0.0.1:{port} backlog=1024;",
        "        # which configuration runs (statelab's reload waits for the new one)",
        f'        location = {GENERATION_PATH} {{ return 200 "{generation}"; }}',
        "        location / {",
        "            proxy_pass http://be;",
        f"            proxy_connect_timeout {round(CONNECT_TIMEOUT * 1000)}ms;",
        f"            proxy_read_timeout {SERVER_TIMEOUT:g}s;",
        "            proxy_set_header X-Forwarded-For $remote_addr;",
    ]
    if retries:
        lines += [
            "            # a refused connection sent nothing: the request goes on to the next",
            "            # server (nginx's default), a POST too (non_idempotent would be needed",
            "            # only to pass on one a failed server may have received)",
            "            proxy_next_upstream error timeout;",
            f"            proxy_next_upstream_tries {retries + 1};",
        ]
    else:
        lines += [
            "            # a request whose server refused fails (502) instead of going on",
            "            # to the next server (nginx's default: 'error timeout'), as in the model",
            "            proxy_next_upstream off;",
        ]
    lines += ["        }", "    }", "}"]
    return "\n".join(lines) + "\n"


def parse_access_log(text: str, servers: dict[int, int]) -> list[dict]:
    """The lines of the access log in ``text``, a dict each; ``servers`` ({port: node}) names
    the server (``sK``) of the last address tried."""
    rows = []
    for line in text.splitlines():
        match = _LOG_LINE.match(line)
        if match is None:
            continue
        tried = [a.strip() for a in match["addr"].replace(" : ", ", ").split(",") if a.strip()]
        last = tried[-1] if tried else "-"
        port = last.rsplit(":", 1)[-1]
        node = servers.get(int(port)) if port.isdigit() else None
        rows.append(
            {
                "request_id": "" if match["request_id"] == "-" else match["request_id"],
                "server": f"s{node}" if node is not None else "<NOSRV>",
                "status": int(match["status"]),
                "termination_state": match["ups"],
                "retries": max(0, len(tried) - 1),
                "redispatched": len(tried) > 1,
            }
        )
    return rows


class NginxBalancer(Balancer):
    """nginx (``/usr/sbin/nginx``) in the foreground, its master in the run's group."""

    kind = "nginx"

    @staticmethod
    def check(scenario: Scenario) -> None:
        check_scenario(scenario)

    @staticmethod
    def check_retries(balancer_retries, redispatch) -> None:
        """Retries as any balancer's, and only with redispatch: nginx passes a refused
        request on to the next server, never to the same one again."""
        check_retries(balancer_retries, redispatch)
        if balancer_retries and not redispatch:
            raise ValueError(
                "nginx passes a refused request on to the next server, never to the same one "
                f"again: with balancer='nginx', balancer_retries={balancer_retries} needs "
                "redispatch=True"
            )

    def start(self, ports: dict[int, int]) -> int:
        program = require_program("nginx")
        self.ports = self._checked_ports(ports)
        self.known = {port: k for k, port in self.ports.items()}  # every port a node had
        self.log_path = self.workdir / "nginx-requests.log"
        self.path = self.workdir / "nginx.conf"
        self.generation = 0
        self.reloads: list[tuple[float, float, float]] = []

        def launch(port: int):
            self.port = port
            self._write()
            self.child = self.group.start(
                "nginx",
                python_argv(
                    "statelab.real.guard",
                    "--group",  # the run's own group: all of it ends with the kernel
                    program,
                    "-p", str(self.workdir),
                    "-e", str(self.workdir / "nginx-error.log"),
                    "-c", str(self.path),
                    "-g", "daemon off;",
                ),
                ready=False,
            )  # fmt: skip
            return self.child

        self.port = self._on_a_free_port(launch)
        return self.port

    def _write(self) -> None:
        self.config_text = nginx_config(
            self.scenario, self.time_scale, self.port, self.ports, self.workdir,
            retries=self.balancer_retries, generation=self.generation,
        )  # fmt: skip
        self.path.write_text(self.config_text)

    def _generation(self) -> str:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1.0)
        try:
            connection.request("GET", GENERATION_PATH)
            return connection.getresponse().read().decode()
        except OSError:
            return ""
        finally:
            connection.close()

    def _master(self) -> int:
        """nginx's master process (the guard's child), from its pid file."""
        text = (self.workdir / "nginx.pid").read_text().strip()
        if not text.isdigit():
            raise RuntimeError(f"nginx's pid file says {text!r}, not a process id")
        return int(text)

    def reload(self) -> None:
        """Write the configuration again and reload it (``nginx -s reload``: SIGHUP to the
        master); returns once nginx answers with the new one and the old workers have
        ended (at most :data:`RELOAD_TIMEOUT` s; a worker still finishing a long request is
        left to finish it after :data:`OLD_WORKERS_WAIT` s)."""
        if self.child is None or not self.child.alive():
            raise RuntimeError("nginx is not running; start() it first")
        master = self._master()
        old = set(descendants(master))
        began = time.monotonic()
        self.generation += 1
        self._write()
        os.kill(master, signal.SIGHUP)
        deadline = time.monotonic() + RELOAD_TIMEOUT
        while self._generation() != str(self.generation):
            if time.monotonic() >= deadline:
                raise RuntimeError(
                    f"nginx did not reload within {RELOAD_TIMEOUT:g} s: {self.child.tail()}"
                )
            time.sleep(0.005)
        answered = time.monotonic()
        deadline = answered + OLD_WORKERS_WAIT
        while old & set(descendants(master)) and time.monotonic() < deadline:
            time.sleep(0.005)
        # (stamp, real seconds until the new configuration answered, until the old workers
        # had gone): what a change of the cluster costs behind nginx
        self.reloads.append((began, answered - began, time.monotonic() - began))

    def command(self, line: str) -> str:
        raise RuntimeError(
            f"nginx has no runtime API (that is nginx Plus's); {line!r} is done by writing its "
            "configuration again and reloading it"
        )

    def set_node(self, k: int, port: int) -> None:
        """Node ``k`` now listens on ``port``: it joins the upstream, by a reload."""
        self._slot(k)
        self._checked_ports({k: port})
        self.ports[k] = port
        self.known[port] = k
        self.reload()

    def maint(self, k: int) -> None:
        """Nothing goes to node ``k`` any more: it leaves the upstream, by a reload."""
        self._slot(k)
        if self.ports.pop(k, None) is not None:
            self.reload()

    def ready(self, k: int) -> None:
        """Node ``k`` (its port known) takes requests again, by a reload."""
        self._slot(k)
        port = next((p for p, node in reversed(self.known.items()) if node == k), None)
        if port is None:
            raise ValueError(f"node {k} has no port yet; set_node({k}, port) first")
        self.ports[k] = port
        self.reload()

    def drain(self, k: int) -> None:
        raise ValueError(
            "open-source nginx has no drain (that is nginx Plus's); a scenario that drains "
            "sticky sessions is refused before the run"
        )

    def read_log(self) -> list[dict]:
        """nginx's access log of this run, a dict a request."""
        try:
            text = self.log_path.read_text(errors="replace")
        except (FileNotFoundError, AttributeError):
            return []
        return parse_access_log(text, self.known)

    def messages(self) -> list[str]:
        """nginx's own words about its servers: the error log's upstream lines."""
        try:
            text = (self.workdir / "nginx-error.log").read_text(errors="replace")
        except FileNotFoundError:
            return []
        return [line.strip() for line in text.splitlines() if "upstream" in line]
