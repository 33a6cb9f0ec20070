"""The embedded proxy: a small load balancer of our own, with the simulation's policies.

``python -m statelab.real.proxy --config proxy.json --admin proxy.sock`` listens on
127.0.0.1 (a port the OS picks, printed as ``READY <port>``) and forwards every request to
one web server node, chosen as the simulation's balancer chooses:

- balancer ``round_robin`` (each live node in turn), ``random``, ``least_connections`` (the
  fewest requests in flight through this proxy; ties in turn) or ``two_choices`` (the less
  busy of two live nodes drawn at random);
- affinity ``none``; ``sticky`` (the first answer sets the cookie ``SERVERID=sK``, followed
  while node K is up and not in maint; a draining node keeps its sticky sessions but gets no
  new ones, as HAProxy's drain); ``ip_hash`` (nginx's: a hash of the first three octets of the
  client's address modulo the *configured* nodes, stirred again while that node is down);
  ``source_hash`` (HAProxy's map-based ``balance source``: a hash of the client's address
  modulo the *live* nodes) or ``consistent_hash`` (a ring with ``vnodes`` points a node).
- With ``state="replicated"`` a sticky session whose node is down goes to that node's peer,
  the next live node by number, which holds its copy.

The proxy checks every node's health with ``GET /health`` every ``inter`` seconds (three
failed checks in a row take it out, two good ones bring it back: HAProxy's ``fall 3 rise 2``),
except with ``ip_hash``, nginx's, played with nginx's failure handling: no checks, a node
that fails a request is left out for ``fail_timeout`` (``max_fails=1``), a retry goes to
another node at once (``proxy_next_upstream``), and a request no node took is answered 502.
A request whose node refuses the connection is tried again ``retries`` times (0 by default),
each after a pause on the same node, the last on another node with ``redispatch``; when no
try connects it gets 503, as from HAProxy (and 503 when no node is up); a node that fails
after the request was sent gets it 502 (never retried: it may have done the work). While it
runs it obeys the same runtime-API command lines as HAProxy, on the unix socket ``--admin``::

    set server be/sK addr 127.0.0.1 port P
    set server be/sK state ready|drain|maint
    set server be/sK health up|down     (until the next check says otherwise)
    show servers state                  (our own one-line-a-slot listing)

answering an empty line when done and an error line otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from aiohttp import web

from statelab.real.timeouts import (
    ADMIN_READ_TIMEOUT,
    CHECK_FALL,
    CHECK_READ_TIMEOUT,
    CHECK_RISE,
    CONNECT_TIMEOUT,
    SERVER_TIMEOUT,
    check_interval,
    fail_timeout_seconds,
    retry_turnaround,
)
from statelab.runs.watch import exit_with_parent
from statelab.sim import balancer as rules
from statelab.sim import routing
from statelab.sim.routing import stable_hash
from statelab.sim.scenario import AFFINITIES, BALANCERS, STATE_LOCATIONS, Scenario

#: The cookie that pins a sticky session to its node (as HAProxy's ``cookie SERVERID``).
COOKIE = "SERVERID"
#: Headers that belong to one connection, not to the request, so they are not forwarded.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)
#: nginx's ip_hash: how many times the hash is stirred while it names a node that is down.
IP_HASH_TRIES = routing.IP_HASH_TRIES
_BALANCE_WORDS = {
    "round_robin": "balance roundrobin",
    "random": "balance random",
    "least_connections": "balance leastconn",
    "two_choices": "balance random(2)",
}
_HEALTH_REQUEST = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
_COMMANDS = (
    "set server be/sK addr 127.0.0.1 port P; set server be/sK state ready|drain|maint; "
    "set server be/sK health up|down; show servers state"
)


# -- the configuration --------------------------------------------------------------------


def proxy_config(
    scenario: Scenario,
    time_scale: float,
    ports: dict[int, int],
    *,
    retries: int = 0,
    redispatch: bool = False,
    log: str | Path | None = None,
) -> dict:
    """The proxy's configuration for ``scenario`` (JSON-able): the policies, the slots, the
    health checks (interval and timeouts in real seconds, fall and rise), the retries,
    ``ports`` of the nodes running, and where its log goes (a CSV file, or None)."""
    return {
        "balancer": scenario.balancer,
        "affinity": scenario.affinity,
        "state": scenario.state,
        "vnodes": scenario.vnodes,
        "seed": scenario.seed,
        "slots": scenario.max_nodes(),
        "check_interval": check_interval(scenario.health_check_delay, time_scale),
        "check_timeout": CHECK_READ_TIMEOUT,
        "fall": CHECK_FALL,
        "rise": CHECK_RISE,
        "retries": int(retries),
        "redispatch": bool(redispatch),
        # nginx's ip_hash comes with nginx's failure handling: no health checks; a node that
        # fails a request is left out for fail_timeout (max_fails=1), and a retry is a pass
        # to another node (proxy_next_upstream), never the same one
        "passive": scenario.affinity == "ip_hash",
        "fail_timeout": fail_timeout_seconds(time_scale),
        "turnaround": retry_turnaround(time_scale),
        "connect_timeout": CONNECT_TIMEOUT,
        "server_timeout": SERVER_TIMEOUT,
        "ports": {str(k): int(p) for k, p in ports.items()},
        "log": None if log is None else str(log),
    }


def write_config(config: dict, path: str | Path) -> Path:
    """Write ``config`` to ``path`` as JSON and return the path."""
    path = Path(path)
    path.write_text(json.dumps(config, indent=2) + "\n")
    return path


def read_config(path: str | Path) -> dict:
    """Read and check a configuration written by :func:`write_config`."""
    config = json.loads(Path(path).read_text())

    for name, allowed in (
        ("balancer", BALANCERS),
        ("affinity", AFFINITIES),
        ("state", STATE_LOCATIONS),
    ):
        if config.get(name) not in allowed:
            raise ValueError(f"{path}: {name}={config.get(name)!r}; allowed: {allowed}")
    slots = config.get("slots")
    if not (isinstance(slots, int) and 1 <= slots <= 64):
        raise ValueError(f"{path}: slots={slots!r}; allowed: 1 to 64")
    for k in config.get("ports", {}):
        if not 0 <= int(k) < slots:
            raise ValueError(f"{path}: ports names node {k}; the slots are 0 to {slots - 1}")
    return config


def describe(config: dict, port: int | None = None) -> str:
    """The proxy's configuration, written to read like the ``haproxy.cfg`` that does the
    same (with the differences said)."""
    affinity = config["affinity"]
    inter_ms = round(config["check_interval"] * 1000)
    where = f"127.0.0.1:{port}" if port else "127.0.0.1:<port>"
    lines = [
        "# the embedded proxy (python -m statelab.real.proxy), in haproxy.cfg words",
        f"frontend shop: bind {where}; default_backend be",
        "backend be",
    ]
    if affinity == "source_hash":
        lines.append("    balance source; hash-type map-based   # hash of the address % live nodes")
    elif affinity == "consistent_hash":
        lines.append(
            f"    balance source; hash-type consistent  # a ring, {config['vnodes']} points a node"
        )
    elif affinity == "ip_hash":
        lines.append(
            "    ip_hash   # nginx's: the first three octets % the configured nodes, stirred"
            " while that node is down"
        )
    else:
        lines.append(f"    {_BALANCE_WORDS[config['balancer']]}")
    if affinity == "sticky":
        lines.append("    cookie SERVERID insert indirect nocache; cookie sK per server")
        if config["state"] == "replicated":
            lines.append(
                "    # a sticky session whose node is down goes to its peer (the next live node)"
            )
    fall, rise, retries = config["fall"], config["rise"], config["retries"]
    if config.get("passive"):  # nginx's failure handling, in nginx.conf words
        tries = f"proxy_next_upstream error timeout; proxy_next_upstream_tries {retries + 1}"
        lines += [
            f"    # no health checks: server ... max_fails=1 fail_timeout="
            f"{config['fail_timeout']}s (a node that fails a request is left out that long)",
            f"    {tries if retries else 'proxy_next_upstream off'}   # 502 when no node took it",
        ]
        return "\n".join([*lines, *_server_lines(config)]) + "\n"
    lines += [
        f"    option httpchk GET /health; default-server check inter {inter_ms} fall {fall} "
        f"rise {rise}",
        f"    timeout connect {config['connect_timeout']:g}s; timeout server "
        f"{config['server_timeout']:g}s; timeout check {config['check_timeout']:g}s",
    ]
    if retries == 0:
        lines.append("    retries 0; no redispatch   # 503 when a node refuses or none is up")
    else:
        turnaround = round(config["turnaround"] * 1000)
        lines.append(
            f"    retries {retries}   # a refused connection: the same node again {turnaround} ms "
            "later"
        )
        if config["redispatch"]:
            lines.append("    option redispatch   # ... the last retry on another node")
    return "\n".join([*lines, *_server_lines(config)]) + "\n"


def _server_lines(config: dict) -> list[str]:
    ports = {int(k): p for k, p in config["ports"].items()}
    lines = []
    for k in range(config["slots"]):
        if k in ports:
            lines.append(f"    server s{k} 127.0.0.1:{ports[k]}")
        else:
            lines.append(f"    server s{k} 127.0.0.1:1 disabled   # not started yet: maint")
    return lines


# -- choosing a node ------------------------------------------------------------------------


class Slot:
    """One node's place in the backend: its address, admin state and health."""

    def __init__(self, index: int) -> None:
        self.index = index
        self.port: int | None = None
        self.admin = "maint"  # ready | drain | maint (set by the runtime API)
        self.up = False  # the health checks' verdict (or ready: assumed up)
        self.streak = 0  # checks in a row that disagree with ``up`` (fall or rise counts them)
        self.in_flight = 0  # requests sent to it through this proxy, not answered yet
        self.failed_until = 0.0  # passive (nginx): left out until this monotonic stamp
        self.generation = 0  # counts address changes (a check of an old address is ignored)

    def takes_new(self) -> bool:
        """Whether new sessions may go here: ready and up."""
        return self.up and self.admin == "ready"

    def __repr__(self) -> str:
        return f"s{self.index} 127.0.0.1:{self.port} {self.admin} {'up' if self.up else 'down'}"


def nginx_ip_hash(address: str, configured: int, is_live) -> int | None:
    """nginx's ``ip_hash`` over the first three octets of an IPv4 ``address``.

    ``hash = 89``, then for each octet ``hash = (hash * 113 + octet) % 6271``; the node is
    ``hash % configured`` (the nodes of the cluster's size, up or not). While
    ``is_live(node)`` is false the octets are mixed in again (nginx's loop), up to 20 times;
    then None (the balancer picks one). Returns the node's position among the configured.
    """
    try:
        octets = [int(part) for part in address.split(".")[:3]]
    except ValueError:
        octets = [stable_hash(address) % 256, 0, 0]
    if len(octets) != 3:
        octets = [stable_hash(address) % 256, 0, 0]
    value = 89
    for _ in range(IP_HASH_TRIES):
        for octet in octets:
            value = (value * 113 + octet) % 6271
        position = value % configured
        if is_live(position):
            return position
    return None


def _in_flight(slot: Slot) -> int:
    return slot.in_flight


class Router:
    """The proxy's choices: which slot takes a request (the simulation's rules)."""

    def __init__(self, config: dict) -> None:
        self.balancer = config["balancer"]
        self.affinity = config["affinity"]
        self.replicated = config["state"] == "replicated"
        self.slots = [Slot(k) for k in range(config["slots"])]
        for k, port in config["ports"].items():
            slot = self.slots[int(k)]
            slot.port, slot.admin, slot.up = int(port), "ready", True
        self.rng = random.Random(config["seed"])
        self.passive = bool(config.get("passive", False))
        # the simulation's routers (statelab.sim.routing); ip_hash is nginx's own, on the address
        self.router = routing.router_for(self.affinity, config["seed"], config["vnodes"])
        self._turn = 0

    def live(self) -> list[Slot]:
        """The slots that take new sessions, in slot order."""
        return [slot for slot in self.slots if slot.takes_new()]

    def pick(self, live: list[Slot]) -> Slot:
        """The balancer's pick among ``live`` (non-empty): statelab.sim.balancer's rules."""
        if self.balancer == "round_robin":
            self._turn += 1
            return rules.round_robin(live, self._turn)
        if self.balancer == "random":
            return rules.uniform(live, self.rng.random)
        if self.balancer == "least_connections":
            self._turn += 1
            return rules.least_connections(live, self._turn, _in_flight)
        return rules.two_choices(live, self.rng.random, _in_flight)

    def other_than(self, slot: Slot) -> Slot | None:
        """A redispatch: the balancer's pick among the live slots but ``slot`` (HAProxy
        "tries to select another server than the last one"), ignoring any affinity; None
        when there is none."""
        others = [other for other in self.live() if other is not slot]
        return self.pick(others) if others else None

    def peer(self, slot: Slot) -> Slot | None:
        """The next live node by number after ``slot`` (wrapping), which holds its copies."""
        n = len(self.slots)
        for step in range(1, n):
            other = self.slots[(slot.index + step) % n]
            if other.takes_new():
                return other
        return None

    def route(self, client: str, pinned: int | None) -> Slot | None:
        """The slot for a request from address ``client`` whose cookie names slot ``pinned``
        (None: no valid cookie); None when no node takes it."""
        affinity = self.affinity
        if affinity == "sticky":
            if pinned is not None and 0 <= pinned < len(self.slots):
                slot = self.slots[pinned]
                if slot.up and slot.admin != "maint":
                    return slot
                if self.replicated:
                    peer = self.peer(slot)
                    if peer is not None:
                        return peer
            live = self.live()
            return self.pick(live) if live else None
        live = self.live()
        if not live:
            return None
        if affinity == "none":
            return self.pick(live)
        if affinity in ("source_hash", "consistent_hash"):
            up = tuple(slot.index for slot in live)
            return self.slots[self.router(stable_hash(client), up, len(self.slots))]
        if self.passive:  # a node left out for fail_timeout: one request tries it again
            now = time.monotonic()
            for slot in self.slots:
                if not slot.up and slot.admin == "ready" and now >= slot.failed_until:
                    slot.up = True
            live = self.live()
            if not live:
                return None
        configured = [slot for slot in self.slots if slot.admin == "ready"]
        position = nginx_ip_hash(client, len(configured), lambda i: configured[i].up)
        return self.pick(live) if position is None else configured[position]

    def command(self, line: str) -> str:
        """Obey one runtime-API command line; "" when done, an error line otherwise."""
        words = line.split()
        if words[:3] == ["show", "servers", "state"] and len(words) == 3:
            return "\n".join(f"{slot!r} in_flight={slot.in_flight}" for slot in self.slots)
        if len(words) < 4 or words[:2] != ["set", "server"]:
            return f"Unknown command: {line.strip()!r}. This proxy understands: {_COMMANDS}"
        name = words[2]
        slot = self._slot_named(name)
        if isinstance(slot, str):
            return slot
        if words[3] == "state" and len(words) == 5:
            state = words[4]
            if state not in ("ready", "drain", "maint"):
                return (
                    f"'set server <srv> state' expects 'ready', 'drain' or 'maint', got {state!r}"
                )
            if state != "maint" and slot.port is None:
                return f"{name} has no address yet; first: set server {name} addr 127.0.0.1 port P"
            if slot.admin == "maint" and state != "maint":
                # as HAProxy: leaving maint, a server is up until the checks fail
                slot.up, slot.streak, slot.failed_until = True, 0, 0.0
            slot.admin = state
            return ""
        if words[3] == "health" and len(words) == 5:
            if words[4] not in ("up", "down"):
                return f"'set server be/sK health' expects up or down, got {words[4]!r}"
            slot.up = words[4] == "up"  # until the checks say otherwise
            slot.streak = 0
            return ""
        if words[3] == "addr" and len(words) == 7 and words[5] == "port":
            address, port = words[4], words[6]
            if not address.startswith("127."):
                return f"addr must be a loopback address 127.x.y.z, got {address!r}"
            if not (port.isdigit() and 0 < int(port) < 65536):
                return f"port must be a TCP port 1 to 65535, got {port!r}"
            if slot.port != int(port):
                slot.port = int(port)
                slot.generation += 1
            return ""
        return f"Unknown command: {line.strip()!r}. This proxy understands: {_COMMANDS}"

    def _slot_named(self, name: str) -> Slot | str:
        backend, _, server = name.partition("/")
        n = len(self.slots)
        if backend != "be" or not server.startswith("s") or not server[1:].isdigit():
            return f"No such server: {name!r}; the servers are be/s0 to be/s{n - 1}"
        k = int(server[1:])
        if not 0 <= k < n:
            return f"No such server: {name!r}; the servers are be/s0 to be/s{n - 1}"
        return self.slots[k]


def pinned_slot(cookie: str | None) -> int | None:
    """The slot a ``SERVERID`` cookie value ``sK`` names, or None."""
    if cookie and cookie.startswith("s") and cookie[1:].isdigit() and len(cookie) <= 4:
        return int(cookie[1:])
    return None


def without_cookie(header: str, name: str = COOKIE) -> str:
    """A ``Cookie`` header without the cookie ``name`` (the node never sees SERVERID, as with
    HAProxy's ``indirect``)."""
    parts = [part.strip() for part in header.split(";")]
    return "; ".join(p for p in parts if p and p.split("=", 1)[0].strip() != name)


# -- the process ------------------------------------------------------------------------------


@dataclass(slots=True)
class Sent:
    """What came of sending a request on: the slot that answered (or was tried last), the
    status, headers and body to answer with, the retries it took, the first two letters of
    HAProxy's termination state (``--`` a normal end, ``SC`` refused, ``SH`` the node failed
    before its answer, ``sH`` the node's timeout), and whether it was redispatched."""

    slot: Slot
    status: int
    headers: object
    payload: bytes
    retries: int
    state: str
    redispatched: bool


#: The header that names each attempt (the load generator's ``REQUEST_ID_HEADER``).
REQUEST_ID = "X-Request-ID"
#: The columns of the embedded proxy's log (``--log``), HAProxy's words where it has them.
LOG_COLUMNS = ("request_id", "server", "status", "termination_state", "retries", "redispatched")


class Proxy:
    """The running proxy: the router, the pooled connections to the nodes, the checks."""

    def __init__(self, config: dict) -> None:
        self.config = config
        self.router = Router(config)
        self.inter = float(config["check_interval"])
        self.session = None
        self.log_file = None
        if config.get("log"):  # one line a request, written at once (line-buffered)
            self.log_file = open(config["log"], "a", buffering=1)  # noqa: SIM115
            self.log_file.write(",".join(LOG_COLUMNS) + "\n")

    def log(
        self,
        request,
        server: str,
        status: int,
        state: str,
        retries: int,
        cookie: str,
        redispatched: bool = False,
    ) -> None:
        """One line of the proxy's log, as HAProxy's httplog says it: the attempt's id,
        the server, the status, the termination state (4 letters) and the retries."""
        if self.log_file is None:
            return
        rid = request.headers.get(REQUEST_ID, "").replace(",", " ")[:40]
        self.log_file.write(
            f"{rid},{server},{status},{state}{cookie},{retries},{int(redispatched)}\n"
        )

    def _cookie_flags(self, pinned, cookie, redispatched: bool, inserted: bool) -> str:
        """HAProxy's persistence letters: ``--`` without sticky sessions; else what the
        client sent (N none, I invalid, V valid, D its server down) and whether a cookie was
        inserted (I) or not (N); ``VI`` a valid server that could not be reached."""
        if self.router.affinity != "sticky":
            return "--"
        if cookie is None:
            sent = "N"
        elif pinned is None or not 0 <= pinned < len(self.router.slots):
            sent = "I"
        elif redispatched:
            sent = "V"
        else:
            slot = self.router.slots[pinned]
            sent = "V" if slot.up and slot.admin != "maint" else "D"
        return sent + ("I" if inserted else "N")

    async def open(self) -> None:
        # one pool of kept-alive connections per node (per host:port), no limit: a node's
        # workers, not the proxy, decide how many requests it serves at once
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0, limit_per_host=0, keepalive_timeout=30),
            timeout=aiohttp.ClientTimeout(
                total=None,
                sock_connect=self.config["connect_timeout"],
                sock_read=self.config["server_timeout"],
            ),
            auto_decompress=False,
            cookie_jar=aiohttp.DummyCookieJar(),
        )

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()
        if self.log_file is not None:
            self.log_file.close()

    async def forward(self, request):
        """Send ``request`` to the node its policy names and answer with the node's answer."""
        body = await request.read()
        cookie = request.cookies.get(COOKIE)
        pinned = pinned_slot(cookie)
        client = request.remote or ""
        slot = self.router.route(client, pinned)
        if slot is None:
            flags = self._cookie_flags(pinned, cookie, False, False)
            self.log(request, "<NOSRV>", 503, "SC", 0, flags)
            return web.Response(status=503, text="503 Service Unavailable: no node is up\n")
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        if "Cookie" in headers:
            rest = without_cookie(headers.pop("Cookie"))
            if rest:
                headers["Cookie"] = rest
        headers["X-Forwarded-For"] = client
        sent = await self._send(request, body, headers, slot)
        slot = sent.slot
        response = web.Response(status=sent.status, body=sent.payload)
        for name, value in sent.headers.items():
            if name.lower() not in HOP_BY_HOP and name.lower() not in ("date", "server"):
                response.headers.add(name, value)
        inserted = False
        if self.router.affinity == "sticky" and sent.status < 500 and pinned != slot.index:
            response.headers.add("Set-Cookie", f"{COOKIE}=s{slot.index}; path=/")
            response.headers["Cache-Control"] = 'private, no-cache="set-cookie"'
            inserted = True
        flags = self._cookie_flags(pinned, cookie, sent.redispatched, inserted)
        server = f"s{slot.index}"
        self.log(request, server, sent.status, sent.state, sent.retries, flags, sent.redispatched)
        return response

    async def _send(self, request, body: bytes, headers: dict, slot: Slot) -> Sent:
        """Send the request to ``slot``, trying again while the connection is refused (the
        same node after the turnaround; the last retry on another node with redispatch).
        Returns what happened: the node's answer, or an error response (503 when no try
        connected, HAProxy's ``SC``; 502 when the node failed after the request was sent,
        ``SH``; 504 when it did not answer in time, ``sH``)."""
        config = self.config
        retries = config["retries"]
        passive = self.router.passive
        redispatched = False
        for attempt in range(retries + 1):
            if attempt > 0 and passive:  # nginx: the next upstream, at once, or none
                other = self.router.other_than(slot)
                if other is None:
                    break
                slot, redispatched = other, True
            elif attempt > 0:
                other = self.router.other_than(slot) if config["redispatch"] else None
                if other is not None and attempt == retries:
                    slot, redispatched = other, True
                else:
                    await asyncio.sleep(config["turnaround"])
            url = f"http://127.0.0.1:{slot.port}{request.rel_url}"
            slot.in_flight += 1
            try:
                async with self.session.request(
                    request.method, url, data=body, headers=headers, allow_redirects=False
                ) as answer:
                    payload = await answer.read()
                    return Sent(slot, answer.status, answer.headers, payload, attempt, "--",
                                redispatched)  # fmt: skip
            except aiohttp.ClientConnectorError:
                self._failed(slot)
                continue  # refused: nothing was sent, so it may be tried again
            except asyncio.TimeoutError:
                self._failed(slot)
                text = f"504 Gateway Timeout: node s{slot.index}\n"
                return Sent(slot, 504, {}, text.encode(), attempt, "sH", redispatched)
            except (aiohttp.ClientError, OSError) as error:
                self._failed(slot)
                text = f"502 Bad Gateway: node s{slot.index}: {type(error).__name__}\n"
                return Sent(slot, 502, {}, text.encode(), attempt, "SH", redispatched)
            finally:
                slot.in_flight -= 1
        if passive:  # nginx answers 502 when no upstream took the request
            text = f"502 Bad Gateway: node s{slot.index} refused\n"
            return Sent(slot, 502, {}, text.encode(), retries, "SC", redispatched)
        text = f"503 Service Unavailable: node s{slot.index} refused\n"
        return Sent(slot, 503, {}, text.encode(), retries, "SC", redispatched)

    def _failed(self, slot: Slot) -> None:
        """Passive (nginx's max_fails=1): a failed request leaves ``slot`` out for
        ``fail_timeout`` seconds. With health checks, the checks decide."""
        if self.router.passive:
            slot.up = False
            slot.failed_until = time.monotonic() + self.config["fail_timeout"]

    async def check_forever(self, slot: Slot) -> None:
        """Check ``slot``'s health every ``inter`` seconds while it is not in maint: ``fall``
        failed checks in a row take it out, ``rise`` good ones bring it back."""
        inter = self.inter
        fall, rise = self.config["fall"], self.config["rise"]
        while True:  # bounded by the life of the process
            started = time.monotonic()
            if slot.admin != "maint" and slot.port is not None:
                generation = slot.generation
                good = await self.check(slot.port)
                if slot.generation == generation and slot.admin != "maint":
                    if good == slot.up:
                        slot.streak = 0
                    else:
                        slot.streak += 1
                        if slot.streak >= (rise if good else fall):
                            slot.up, slot.streak = good, 0
            await asyncio.sleep(max(0.0, inter - (time.monotonic() - started)))

    async def check(self, port: int) -> bool:
        """One health check, as HAProxy's ``option httpchk GET /health``: a new connection,
        ``GET /health``, and a 2xx or 3xx status line within ``check_timeout`` seconds.
        Written on bare asyncio streams: it runs every ``inter`` (20 ms) for every node, so
        it must cost little.

        The connection may take ``connect_timeout`` seconds, where HAProxy allows
        ``min(timeout connect, inter)``: on loopback a connection to a live node is made at
        once and one to a dead node refused at once, so the bound never decides a check on
        an idle machine. On a busy one it would: an event loop that waits more than
        ``inter`` for a core wakes to the connection made and the timer expired in one
        pass, and the timer ends the wait before the connecting coroutine gets its turn,
        which took live nodes out (seen with both cores busy: sticky sessions sent
        elsewhere and lost to ``no_affinity``, ring keys moved to another old node)."""
        writer = None
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection("127.0.0.1", port), self.config["connect_timeout"]
            )
            writer.write(_HEALTH_REQUEST)
            line = await asyncio.wait_for(reader.readline(), self.config["check_timeout"])
            parts = line.split()
            return len(parts) >= 2 and parts[1][:1] in (b"2", b"3")
        except (asyncio.TimeoutError, OSError, ValueError):
            return False
        finally:
            if writer is not None:
                writer.close()

    async def admin(self, reader, writer) -> None:
        """One runtime-API connection: read one command line, answer, close."""
        try:
            line = await asyncio.wait_for(reader.readline(), ADMIN_READ_TIMEOUT)
            answer = self.router.command(line.decode(errors="replace").strip())
            writer.write(answer.encode() + b"\n")
            await writer.drain()
        except (asyncio.TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()


async def serve(config: dict, admin_path: str) -> None:
    """Run the proxy until the process is stopped."""
    proxy = Proxy(config)
    await proxy.open()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", proxy.forward)
    # handler_cancellation=False (aiohttp's default, said here on purpose): a client that
    # gives up does not cancel the request sent on to its node, as HAProxy without
    # 'option abortonclose' keeps it
    runner = web.AppRunner(app, access_log=None, handler_cancellation=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    with contextlib.suppress(FileNotFoundError):
        os.unlink(admin_path)
    admin = await asyncio.start_unix_server(proxy.admin, path=admin_path)
    os.chmod(admin_path, 0o600)
    passive = proxy.router.passive  # nginx's way: no health checks
    checks = [] if passive else [
        asyncio.create_task(proxy.check_forever(slot)) for slot in proxy.router.slots
    ]  # fmt: skip
    print(f"READY {port}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        for task in checks:
            task.cancel()
        admin.close()
        await runner.cleanup()
        await proxy.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m statelab.real.proxy", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--config", required=True, help="the JSON written by write_config")
    parser.add_argument("--admin", required=True, help="the unix socket of the runtime API")
    args = parser.parse_args(argv)
    config = read_config(args.config)
    exit_with_parent()
    try:
        asyncio.run(serve(config, args.admin))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
