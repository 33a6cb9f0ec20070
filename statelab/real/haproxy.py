"""HAProxy as the load balancer of a real run, configured from the scenario.

:func:`haproxy_config` writes a ``haproxy.cfg`` that does what the scenario's ``balancer`` and
``affinity`` say, with a comment on every line for the reader (notebook 09 shows it):

==================== =====================================================================
scenario             haproxy.cfg
==================== =====================================================================
round_robin          ``balance roundrobin``
random               ``balance random(1)``: one draw (``balance random`` alone draws 2)
least_connections    ``balance leastconn``
two_choices          ``balance random(2)`` (the less busy of two servers drawn at random)
sticky               ``cookie SERVERID insert indirect nocache`` and ``cookie sK`` a server
source_hash          ``balance source`` + ``hash-type map-based`` (modulo the live servers)
consistent_hash      ``balance source`` + ``hash-type consistent`` (a ring)
==================== =====================================================================

HAProxy's ``random`` draws its servers on its consistent-hash ring, 16 points per unit of
weight, so with the default weight of 1 the shares are visibly uneven; the random balancers
give every server a weight of :data:`RANDOM_WEIGHT` (1,024 points each).

nginx's ``ip_hash`` is not HAProxy's, so it needs the embedded proxy (``balancer="embedded"``).
So does ``state="replicated"``: HAProxy can send a sticky session whose server is down to the
server holding its copy (a rule per server, ``use-server sJ if { req.cook(SERVERID) sK }
!{ srv_is_up(be/sK) }``), but statelab does not write those rules yet.

HAProxy's ``balance source`` hashes the whole IPv4 address as a number; with map-based
hashing that number modulo the live servers picks one. Clients whose addresses differ only in
the third octet (127.0.x.1) are all the same modulo 2 or 4 (256 is a multiple of 4), so a load
generator should vary the last octet too.
"""

from __future__ import annotations

import re
from pathlib import Path

from statelab.real.balancers import Balancer
from statelab.real.loadgen import REQUEST_ID_HEADER
from statelab.real.procs import require_program
from statelab.real.timeouts import (
    CHECK_FALL,
    CHECK_READ_TIMEOUT,
    CHECK_RISE,
    CONNECT_TIMEOUT,
    SERVER_TIMEOUT,
    check_interval,
    retry_turnaround,
)
from statelab.sim.scenario import Scenario

#: HAProxy's ``balance`` algorithm for each of the scenario's balancers.
BALANCE = {
    "round_robin": "roundrobin",
    "random": "random(1)",
    "least_connections": "leastconn",
    "two_choices": "random(2)",
}
_BALANCE_SAYS = {
    "round_robin": "each server in turn",
    "random": "any server, at random: one draw (plain 'random' draws 2)",
    "least_connections": "the server with the fewest connections",
    "two_choices": "the less busy of two servers drawn at random",
}
#: The address a slot has before its node starts (nothing listens there; the slot is in maint).
PLACEHOLDER = "127.0.0.1:1"
#: Ring points HAProxy gives a server per unit of weight with ``hash-type consistent``.
POINTS_PER_WEIGHT = 16
#: The largest weight HAProxy accepts.
MAX_WEIGHT = 256
#: The servers' weight under the random balancers: HAProxy's ``random`` draws on its ring, so
#: 64 x 16 = 1,024 points a server make the draws even (weight 1's 16 points do not).
RANDOM_WEIGHT = 64


#: One line of ``option httplog`` with one captured request header: the client, the accept
#: date, the frontend, backend/server, the timers TR/Tw/Tc/Tr/Ta (ms), the status, the bytes,
#: the cookies, the termination state, the connection counts and retries ("+" when
#: redispatched), the queues and the captured ``{X-Request-ID}``.
HTTPLOG = re.compile(
    r"^\S+ \[[^\]]+\] \S+ [^/\s]+/(?P<server>\S+) "
    r"(?P<TR>-?\d+)/(?P<Tw>-?\d+)/(?P<Tc>-?\d+)/(?P<Tr>-?\d+)/\+?(?P<Ta>-?\d+) "
    r"(?P<status>-?\d+) \+?\d+ \S+ \S+ (?P<state>\S{4}) "
    r"\d+/\d+/\d+/\d+/(?P<retries>\+?\d+) \S+ \{(?P<request_id>[^}]*)\}"
)


def parse_log(text: str) -> list[dict]:
    """The request lines of HAProxy's ``option httplog`` in ``text``, a dict each."""
    rows = []
    for line in text.splitlines():
        match = HTTPLOG.match(line)
        if match is None:
            continue
        found = match.groupdict()
        retries = found.pop("retries")
        rows.append(
            {
                "request_id": found.pop("request_id"),
                "server": found.pop("server"),
                "status": int(found.pop("status")),
                "termination_state": found.pop("state"),
                "retries": int(retries.lstrip("+")),
                "redispatched": retries.startswith("+"),
                **{timer: int(value) for timer, value in found.items()},
            }
        )
    return rows


def check_scenario(scenario: Scenario) -> None:
    """Raise ValueError if HAProxy cannot play ``scenario``'s policies."""
    if scenario.affinity == "ip_hash":
        raise ValueError(
            "affinity='ip_hash' is nginx's hashing (the first three octets, modulo the "
            "configured servers), which HAProxy does not have; use balancer='embedded' for "
            "it, or with HAProxy affinity='source_hash' (map-based) or 'consistent_hash'"
        )
    if scenario.state == "replicated":
        raise ValueError(
            "state='replicated' needs a balancer that sends a sticky session whose node died "
            "to the node holding its copy (the next live node by number); HAProxy can, with "
            "a use-server rule per server, but statelab does not write those yet: use "
            "balancer='embedded'"
        )


def weight(scenario: Scenario) -> int:
    """The servers' weight: with a consistent-hash ring HAProxy places 16 points per unit of
    weight, so ``vnodes`` points are about ``vnodes / 16`` (1 to 256); under the random
    balancers, whose draws land on that ring too, :data:`RANDOM_WEIGHT`; otherwise 1."""
    if scenario.affinity == "consistent_hash":
        return max(1, min(MAX_WEIGHT, round(scenario.vnodes / POINTS_PER_WEIGHT)))
    if scenario.affinity != "source_hash" and scenario.balancer in ("random", "two_choices"):
        return RANDOM_WEIGHT
    return 1


def _line(code: str, comment: str) -> str:
    """One indented line of configuration with its comment lined up."""
    return f"    {code:<32} # {comment}"


def haproxy_config(
    scenario: Scenario,
    time_scale: float,
    port: int,
    ports: dict[int, int],
    stats_socket: str | Path,
    *,
    retries: int = 0,
    redispatch: bool = False,
) -> str:
    """The text of a ``haproxy.cfg`` for ``scenario``.

    Parameters
    ----------
    scenario : Scenario
        Its balancer, affinity, vnodes, health_check_delay and max_nodes() are used.
    time_scale : float
        Real seconds per model second (scales the health-check interval).
    port : int
        The port HAProxy listens on, on 127.0.0.1.
    ports : dict
        ``{node: port}`` of the nodes running at the start; the other slots are disabled.
    stats_socket : str or Path
        The unix socket of the runtime API.
    retries : int
        HAProxy's ``retries``: times a refused connection is tried again (0: never).
    redispatch : bool
        ``option redispatch``: the last retry goes to another server.
    """
    check_scenario(scenario)
    inter_ms = max(1, round(check_interval(scenario.health_check_delay, time_scale) * 1000))
    # with retries, 'timeout connect' is also the pause before a retry: scaled
    connect = round(retry_turnaround(time_scale), 3) if retries else CONNECT_TIMEOUT
    connect_text = f"{round(connect * 1000)}ms"  # HAProxy's times are whole numbers
    affinity = scenario.affinity
    lines = [
        f"# haproxy.cfg written by statelab for {scenario!r}",
        f"# time_scale={time_scale:g}: one model second lasts {time_scale:g} real seconds.",
        "",
        "global",
        "    # the runtime API: commands such as 'set server be/s1 state drain' on this socket",
        f"    stats socket {stats_socket} mode 600 level admin",
        _line("nbthread 1", "one thread: requests are handled in one order"),
        _line("maxconn 4096", "at most this many connections at once"),
        "    # its log on its standard output, which the run keeps (haproxy.log): a line a",
        "    # request, and a line each time a health check takes a server out or back",
        "    log stdout format raw local0 info",
        "",
        "defaults",
        _line("mode http", "HAProxy reads HTTP (it needs to, for cookies)"),
        _line("log global", "log as the global section says ..."),
        _line("option httplog", "... a line a request: timers, status, termination state"),
        _line(f"timeout connect {connect_text}", "give up connecting to a server after this"),
        _line(f"timeout client {SERVER_TIMEOUT:g}s", "a client silent this long is disconnected"),
        _line(f"timeout server {SERVER_TIMEOUT:g}s", "a server silent this long: 504"),
        _line(f"timeout check {CHECK_READ_TIMEOUT:g}s", "a health check waits this for /health"),
    ]
    if retries == 0:
        lines += [
            _line("retries 0", "a refused connection is not tried again, and there is"),
            "    # no 'option redispatch': a request sent to a dead server fails (503) instead of",
            "    # going to another one, as in the simulation",
        ]
    else:
        lines += [
            _line(f"retries {retries}", "a refused connection is tried again on the same"),
            f"    # server, {connect:g} s later (min(timeout connect, 1s): HAProxy's one second",
            f"    # read in model seconds, at time_scale {time_scale:g})",
        ]
        if redispatch:
            lines.append(
                _line("option redispatch", "... except the last retry, sent to another server")
            )
    lines += [
        "",
        "frontend shop",
        _line(f"bind 127.0.0.1:{port}", "where the shoppers (the load generator) connect"),
        _line("default_backend be", "every request goes to the backend 'be'"),
        _line(
            f"capture request header {REQUEST_ID_HEADER} len 40", "the attempt's id, logged {...}"
        ),
        "",
        "backend be",
    ]
    if affinity == "source_hash":
        lines += [
            _line("balance source", "the server is a hash of the client's address ..."),
            _line("hash-type map-based", "... modulo the live servers: a change moves most"),
        ]
    elif affinity == "consistent_hash":
        lines += [
            _line("balance source", "the server is a hash of the client's address ..."),
            _line("hash-type consistent", "... on a ring: a change moves one arc's clients"),
        ]
    else:
        balance = BALANCE[scenario.balancer]
        lines.append(_line(f"balance {balance}", _BALANCE_SAYS[scenario.balancer]))
    if affinity == "sticky":
        lines += [
            "    # sticky sessions: the first answer sets the cookie SERVERID=<the server's",
            "    # cookie>; later requests that carry it go to that server while it is up",
            "    cookie SERVERID insert indirect nocache",
        ]
    if affinity == "consistent_hash":
        lines.append(
            f"    # weight {weight(scenario)}: HAProxy puts {POINTS_PER_WEIGHT} ring points per "
            f"unit of weight (vnodes={scenario.vnodes})"
        )
    elif weight(scenario) == RANDOM_WEIGHT:
        lines.append(
            f"    # weight {RANDOM_WEIGHT}: random draws on a ring of {POINTS_PER_WEIGHT} points "
            f"per unit of weight; {RANDOM_WEIGHT * POINTS_PER_WEIGHT:,} a server make them even"
        )
    lines += [
        _line("option httpchk GET /health", "health check: ask each server GET /health"),
        f"    # every {inter_ms} ms (inter); {CHECK_FALL} failed checks in a row take a server out",
        f"    # (fall {CHECK_FALL}), {CHECK_RISE} good ones bring it back (rise {CHECK_RISE}):"
        " HAProxy's defaults",
        f"    default-server check inter {inter_ms} fall {CHECK_FALL} rise {CHECK_RISE} "
        f"weight {weight(scenario)}",
        "    # one server line per node the run may have; a node not started yet is 'disabled'",
        "    # (in maint) at a placeholder address until 'set server be/sK addr ...' and",
        "    # 'set server be/sK state ready' bring it in",
    ]
    for k in range(scenario.max_nodes()):
        cookie = f" cookie s{k}" if affinity == "sticky" else ""
        if k in ports:
            lines.append(f"    server s{k} 127.0.0.1:{ports[k]}{cookie}")
        else:
            lines.append(f"    server s{k} {PLACEHOLDER}{cookie} disabled")
    return "\n".join(lines) + "\n"


class HAProxyBalancer(Balancer):
    """HAProxy (``/usr/sbin/haproxy``, 2.6 or later) in the foreground, in the run's group."""

    kind = "haproxy"

    @staticmethod
    def check(scenario: Scenario) -> None:
        check_scenario(scenario)

    def start(self, ports: dict[int, int]) -> int:
        program = require_program("haproxy")
        ports = self._checked_ports(ports)
        path = self.workdir / "haproxy.cfg"
        self.log_path = self.workdir / "haproxy.log"  # the group's log: its stdout and stderr

        def launch(port: int):
            self.config_text = haproxy_config(
                self.scenario,
                self.time_scale,
                port,
                ports,
                self.admin_socket,
                retries=self.balancer_retries,
                redispatch=self.redispatch,
            )
            path.write_text(self.config_text)
            self.child = self.group.start(
                "haproxy", [str(program), "-db", "-f", str(path)], ready=False
            )
            return self.child

        self.port = self._on_a_free_port(launch)  # quotes haproxy's log if it fails
        return self.port

    def _text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def read_log(self) -> list[dict]:
        """HAProxy's ``option httplog`` lines of this run (its timers in real ms)."""
        return parse_log(self._text())

    def messages(self) -> list[str]:
        """HAProxy's own words when a server goes down or comes up (its log's lines; the same
        said again on its standard error, after ``[WARNING]``, is left out)."""
        return [
            line.strip()
            for line in self._text().splitlines()
            if line.startswith("Server be/") and HTTPLOG.match(line) is None
        ]
