"""The load balancer of a real run, seen from outside: one front door, two makes.

Every shopper's request passes the load balancer, which picks a web server node for it by the
scenario's rules (``balancer`` and ``affinity``, the same names as in the simulation). A real
run can use either of two balancers:

- ``"embedded"``: our own small proxy (:mod:`statelab.real.proxy`, started by
  :mod:`statelab.real.embedded`), a Python process that does what the simulation's balancer
  does, including nginx's ``ip_hash`` and the fail-over of replicated sessions to their peer;
- ``"haproxy"``: HAProxy itself (:mod:`statelab.real.haproxy`), the balancer many real shops
  run, configured from the scenario with a ``haproxy.cfg`` you can read.

This module is what both share: :class:`Balancer`, the runtime API and the slots. Each make
is a subclass in a module of its own, and :mod:`statelab.real.registry` names them, so this
module knows neither (the arrows run one way: registry -> makes -> this module).

Both are driven the same way while they run: with command lines of HAProxy's *runtime API*,
sent to a unix socket (what ``echo "set server be/s1 state drain" | socat stdio haproxy.sock``
does by hand)::

    set server be/s1 addr 127.0.0.1 port 40123     # where node 1 now listens
    set server be/s1 state ready                    # it takes new sessions
    set server be/s1 state drain                    # only its sticky sessions still come
    set server be/s1 state maint                    # nothing goes to it
    set server be/s1 health up                      # count it up now, not at the next check

Every node the run may ever have has a *slot* ``sK`` from the start (nodes not started yet
wait in ``maint``), so the hashing policies know the cluster's full size.

Health checks: each balancer asks every node ``GET /health`` every ``inter`` seconds,
``inter = health_check_delay / 3`` model seconds (HAProxy's default 2 s where the delay is 0),
scaled, at least 20 ms; three failed checks in a row take a node out (``fall 3``), two good
ones bring it back (``rise 2``), HAProxy's defaults. A crash is noticed within
``3 * inter``, on average ``2.5 * inter`` later
(:func:`~statelab.real.timeouts.noticed_after`). Meanwhile a request sent to the dead node
fails (503: the connection was refused), unless the balancer retries it
(``balancer_retries``: the same node again after a pause, the last retry on another node
with ``redispatch``): then it may succeed elsewhere, and a shopper whose cart was on the dead
node never sees the failure, only the empty cart.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

from statelab.real.procs import NotReady, ProcessGroup, free_port, wait_for_port
from statelab.real.timeouts import BALANCER_START_TIMEOUT, COMMAND_TIMEOUT, check_interval
from statelab.sim.scenario import Scenario

#: The slot states of the runtime API's ``set server be/sK state ...``.
STATES = ("ready", "drain", "maint")
#: The longest unix socket path Linux accepts (sun_path holds 108 bytes with its final NUL).
MAX_SOCKET_PATH = 107
#: The beginnings of HAProxy's answers that say ``set server ... addr`` was done (an empty
#: answer says so too).
_DONE = ("IP changed", "no need to change")


def send_command(path: str | Path, line: str, timeout: float = COMMAND_TIMEOUT) -> str:
    """Send one runtime-API command ``line`` to the unix socket at ``path`` and return the
    answer, read until the balancer closes the connection (at most ``timeout`` seconds)."""
    if "\n" in line or "\r" in line:
        raise ValueError(f"a runtime-API command is one line, got {line!r}")
    deadline = time.monotonic() + timeout
    answer = bytearray()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.connect(str(path))
            sock.sendall(line.encode() + b"\n")
            while len(answer) < 1_000_000:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError
                sock.settimeout(left)
                chunk = sock.recv(65536)
                if not chunk:
                    break
                answer += chunk
        except TimeoutError:
            raise TimeoutError(
                f"the balancer did not answer {line!r} on {path} within {timeout:g} s"
            ) from None
        except (FileNotFoundError, ConnectionRefusedError) as error:
            raise RuntimeError(
                f"cannot reach the balancer's runtime API at {path} ({error}); is it running?"
            ) from None
    return answer.decode(errors="replace")


#: Times a balancer that writes its port in its configuration is started on a new port
#: because another process took the one it was given before it could bind it.
BIND_TRIES = 3
#: What a balancer's log says when its port was taken (HAProxy's and nginx's words alike).
PORT_TAKEN = "Address already in use"
#: The most retries a balancer may be asked for.
MAX_RETRIES = 10


def check_retries(balancer_retries, redispatch) -> None:
    """Raise ValueError for retries a balancer cannot take, naming the value and the range."""
    if (
        isinstance(balancer_retries, bool)
        or not isinstance(balancer_retries, int)
        or not 0 <= balancer_retries <= MAX_RETRIES
    ):
        raise ValueError(
            f"balancer_retries must be a whole number 0 to {MAX_RETRIES} (times the balancer "
            f"tries a refused connection again), got {balancer_retries!r}"
        )
    if not isinstance(redispatch, bool):
        raise ValueError(f"redispatch must be True or False, got {redispatch!r}")
    if redispatch and balancer_retries == 0:
        raise ValueError(
            "redispatch=True sends the last retry to another node, so it needs "
            "balancer_retries of 1 or more (HAProxy's option redispatch needs retries too); "
            "got balancer_retries=0"
        )


class Balancer:
    """A load balancer process in front of the nodes, driven through the runtime API.

    Parameters
    ----------
    scenario : Scenario
        Its ``balancer``, ``affinity``, ``vnodes``, ``state``, ``health_check_delay`` and
        ``max_nodes()`` (the slots) are used.
    group : ProcessGroup
        The run's processes; the balancer's process joins it and stops with it.
    workdir : Path
        Where the balancer's configuration, socket and log go.
    time_scale : float
        Real seconds per model second.
    balancer_retries : int
        Times a request whose connection was refused is tried again (HAProxy's ``retries``),
        0 to 10: the same node after :func:`~statelab.real.timeouts.retry_turnaround`.
    redispatch : bool
        The last retry goes to another node (HAProxy's ``option redispatch``).

    Attributes
    ----------
    port : int or None
        The port it listens on (after :meth:`start`).
    url : str
        ``http://127.0.0.1:<port>``.
    config_text : str
        Its configuration as written (HAProxy: the ``haproxy.cfg``; the embedded proxy: a
        description in the same words).
    admin_socket : Path
        The unix socket of its runtime API.
    """

    kind = ""

    def __init__(
        self,
        scenario: Scenario,
        group: ProcessGroup,
        workdir: Path,
        time_scale: float,
        *,
        balancer_retries: int = 0,
        redispatch: bool = False,
    ) -> None:
        if not isinstance(scenario, Scenario):
            raise TypeError(f"scenario must be a Scenario, got {type(scenario).__name__}")
        if not (isinstance(time_scale, (int, float)) and 0 < time_scale <= 1000):
            raise ValueError(
                f"time_scale must be a number of real seconds per model second above 0 and at "
                f"most 1000, got {time_scale!r}"
            )
        self.check(scenario)
        self.check_retries(balancer_retries, redispatch)
        self.balancer_retries = int(balancer_retries)
        self.redispatch = bool(redispatch)
        self.scenario = scenario
        self.group = group
        self.workdir = Path(workdir)
        self.time_scale = float(time_scale)
        self.slots = scenario.max_nodes()
        self.inter = check_interval(scenario.health_check_delay, self.time_scale)
        self.admin_socket = self.workdir / f"{self.kind}.sock"
        if len(str(self.admin_socket)) > MAX_SOCKET_PATH:
            raise ValueError(
                f"workdir={str(self.workdir)!r} is too long for a unix socket path "
                f"({len(str(self.admin_socket))} characters with {self.admin_socket.name!r}; "
                f"Linux allows {MAX_SOCKET_PATH}); use a shorter working directory"
            )
        self.port: int | None = None
        #: where the balancer logs each request (HAProxy's stdout, the proxy's CSV)
        self.log_path = self.workdir / f"{self.kind}-requests.log"
        self.config_text = ""
        self.child = None

    @staticmethod
    def check(scenario: Scenario) -> None:
        """Raise ValueError if this balancer cannot play ``scenario``'s policies."""

    @staticmethod
    def check_retries(balancer_retries, redispatch) -> None:
        """Raise ValueError for retries this balancer cannot make (:func:`check_retries`)."""
        check_retries(balancer_retries, redispatch)

    @property
    def url(self) -> str:
        """The balancer's address for the shoppers: ``http://127.0.0.1:<port>``."""
        if self.port is None:
            raise RuntimeError(f"the {self.kind} balancer is not started yet; call start()")
        return f"http://127.0.0.1:{self.port}"

    def start(self, ports: dict[int, int]) -> int:
        """Start the balancer with the nodes already running (``{node: port}``; the other
        slots wait in maint) and return the port it listens on."""
        raise NotImplementedError

    def _on_a_free_port(self, launch) -> int:
        """Start the balancer with ``launch(port)`` (which returns its child) on a port that
        :func:`~statelab.real.procs.free_port` found, and wait until it listens there. The
        port is free when asked for but not held: another process may take it before the
        balancer binds it. Then the balancer exits saying so, and it is started again on a
        new port, up to :data:`BIND_TRIES` times. Returns the port."""
        for attempt in range(1, BIND_TRIES + 1):
            port = free_port()
            child = launch(port)
            try:
                wait_for_port(port, BALANCER_START_TIMEOUT, child=child)
                return port
            except NotReady as error:
                if PORT_TAKEN not in str(error) or attempt == BIND_TRIES:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _checked_ports(self, ports: dict[int, int]) -> dict[int, int]:
        checked = {}
        for k, port in dict(ports).items():
            self._slot(k)
            if not (isinstance(port, int) and 0 < port < 65536):
                raise ValueError(f"ports[{k}] must be a TCP port 1 to 65535, got {port!r}")
            checked[int(k)] = port
        return checked

    def _slot(self, k: int) -> int:
        if not (isinstance(k, int) and 0 <= k < self.slots):
            raise ValueError(
                f"node {k!r} has no slot: this scenario's balancer has slots s0 to "
                f"s{self.slots - 1} (scenario.max_nodes() = {self.slots})"
            )
        return k

    def command(self, line: str) -> str:
        """Send one runtime-API command line; return the balancer's answer, stripped ("" or
        an informative line when done, an error line otherwise)."""
        if self.port is None:
            raise RuntimeError(f"the {self.kind} balancer is not started yet; call start()")
        return send_command(self.admin_socket, line).strip()

    def _do(self, line: str) -> None:
        answer = self.command(line)
        if answer and not answer.startswith(_DONE):
            raise RuntimeError(f"the {self.kind} balancer refused {line!r}: {answer}")

    def set_node(self, k: int, port: int) -> None:
        """Node ``k`` now listens on ``port`` (call it once the node said READY): point slot
        ``sK`` there, make it ready and count it up without waiting for a health check, so
        it takes traffic as soon as this returns, as a restarted node does in the model."""
        self._slot(k)
        self._checked_ports({k: port})
        self._do(f"set server be/s{k} addr 127.0.0.1 port {port}")
        self._do(f"set server be/s{k} state ready")
        self._do(f"set server be/s{k} health up")

    def read_log(self) -> list[dict]:
        """The balancer's log of this run, a dict a request: ``request_id``, ``server``,
        ``status``, ``termination_state`` (HAProxy's four letters), ``retries`` and
        ``redispatched``; read once its process has stopped."""
        return []

    def messages(self) -> list[str]:
        """What the balancer said besides its request lines (servers going down or up)."""
        return []

    def drain(self, k: int) -> None:
        """Node ``k`` takes no new sessions; its sticky sessions still come."""
        self._do(f"set server be/s{self._slot(k)} state drain")

    def maint(self, k: int) -> None:
        """Nothing goes to node ``k`` any more (it left the cluster)."""
        self._do(f"set server be/s{self._slot(k)} state maint")

    def ready(self, k: int) -> None:
        """Node ``k`` (already pointed at its port) takes new sessions again."""
        self._do(f"set server be/s{self._slot(k)} state ready")

    def __repr__(self) -> str:
        where = "not started" if self.port is None else self.url
        return f"<{type(self).__name__} {self.slots} slots, {where}>"
