"""Every timeout and interval of a real run, in one place (real seconds unless named).

A leaf module: it imports nothing of the package, so each process of a run (a node, the
proxy, the load generator, the controller) reads the same numbers without importing the
others. The waits of :mod:`statelab.real.procs` (starting and stopping any child) stay there,
as they belong to any process, not to a run.

======================== ======================================================================
name                     what waits, and for what
======================== ======================================================================
MIN_CHECK_INTERVAL       the shortest time between two health checks of a node
DEFAULT_CHECK_INTER      HAProxy's default ``inter`` (model seconds here), where the delay is 0
CHECK_FALL, CHECK_RISE   failed checks that take a node out, good ones that bring it back
MIN_TURNAROUND           the shortest pause before a balancer retries the same node
CHECK_READ_TIMEOUT       a health check, for the node's answer once connected (``timeout check``)
CONNECT_TIMEOUT          a balancer, to connect to a node (``timeout connect``)
SERVER_TIMEOUT           a balancer, for a node's answer or a client (``timeout server/client``)
COMMAND_TIMEOUT          one runtime-API command (connect, send, read the answer)
ADMIN_READ_TIMEOUT       the embedded proxy, for a runtime-API command to arrive
BALANCER_START_TIMEOUT   a balancer process, to start listening
START_TIMEOUT            a node or the load generator, to start (the controller's bound)
GO_LEAD                  model time 0 after the controller gives the load generator its go
GO_TIMEOUT               the load generator, for its go (the cluster's start)
GO_POLL                  the load generator's looks at its go file, while it waits for it
LOADGEN_GOES             goes given before a run gives up on a machine too busy to start on time
READY_LEAD               the load generator, ready at least this long before model time 0
FINISH_TIMEOUT           the load generator, to write its rows after the run's end
STOP_GRACE               the load generator's open attempts, to end once the run has ended
TICK                     the controller's longest sleep, so an interrupt is seen at once
REPLICA_TIMEOUT          a node's copy of a cart to its peer (then the copy is lost)
BUSY_TIMEOUT_MS          a SQLite call, for another node's write lock (milliseconds)
REDIS_TIMEOUT            a Redis call (connect, send, answer)
REDIS_START_TIMEOUT      ``redis-server``, to open its socket
HANG_LIMIT               the longest hung store a real run plays (its calls must outlive it)
FAIL_TIMEOUT             nginx's passive check: a node that failed once is left out this long
======================== ======================================================================
"""

from __future__ import annotations

#: The shortest time between two health checks of a node, in seconds.
MIN_CHECK_INTERVAL = 0.020
#: HAProxy's default time between two health checks (``inter 2s``), used in model seconds
#: where the scenario's ``health_check_delay`` is 0 and a crash must still be detected.
DEFAULT_CHECK_INTER = 2.0
#: Consecutive failed checks that take a node out (HAProxy's default ``fall 3``).
CHECK_FALL = 3
#: Consecutive good checks that bring a node back (HAProxy's default ``rise 2``).
CHECK_RISE = 2
#: The shortest pause (real seconds) before a balancer retries a node that refused.
MIN_TURNAROUND = 0.02
#: Seconds a health check may wait for the node's answer once connected (HAProxy's
#: ``timeout check``): longer than ``inter``, so a node that is only busy is not taken out.
#: A crashed node refuses the connection at once, which the check sees within ``inter``.
CHECK_READ_TIMEOUT = 1.0
#: Seconds a balancer waits to connect to a node (``timeout connect``).
CONNECT_TIMEOUT = 1.0
#: Seconds a balancer waits for a node's answer, and for a client (``timeout server/client``).
SERVER_TIMEOUT = 60.0
#: Seconds one runtime-API command may take (connect, send, read the answer).
COMMAND_TIMEOUT = 2.0
#: Seconds the embedded proxy waits for a runtime-API command to arrive.
ADMIN_READ_TIMEOUT = 2.0
#: Seconds a balancer process may take to start listening.
BALANCER_START_TIMEOUT = 10.0
#: Real seconds a node or the load generator may take to start.
START_TIMEOUT = 20.0
#: Real seconds from the go the controller gives the load generator (once it, the nodes and
#: the balancer are ready: they start side by side) to model time 0.
GO_LEAD = 0.1
#: Seconds the load generator waits for its go: the nodes' and the balancer's start.
GO_TIMEOUT = 3 * START_TIMEOUT
#: Seconds between two looks of the load generator at its go file.
GO_POLL = 0.002
#: Goes given before a run gives up on a machine too busy to start on time (each after the
#: first with a longer lead: twice the last one, or twice what the answer took).
LOADGEN_GOES = 3
#: Seconds before model time 0 the load generator must be ready by, to start on time.
READY_LEAD = 0.05
#: Real seconds the load generator may take to write its rows after the run's end.
FINISH_TIMEOUT = 30.0
#: Seconds (wall) the load generator waits for its open attempts once the run has ended.
STOP_GRACE = 2.0
#: The longest sleep of the controller's loop (real seconds), so an interrupt is seen at once.
TICK = 0.05
#: Seconds a node's copy of a cart to its peer may take before it is given up (then lost).
REPLICA_TIMEOUT = 1.0
#: Milliseconds a SQLite call waits for another node's write lock before it gives up.
BUSY_TIMEOUT_MS = 2000
#: Seconds a Redis call waits for the server (connect, send, answer).
REDIS_TIMEOUT = 1.0
#: The longest a hung store may last in a real run, in real seconds: half the shorter of the
#: two stores' call timeouts, so a call that waits through the hang has not failed.
HANG_LIMIT = 0.5 * min(REDIS_TIMEOUT, BUSY_TIMEOUT_MS / 1000)
#: Seconds ``start_redis`` waits for the server's socket.
REDIS_START_TIMEOUT = 10.0
#: nginx's default ``fail_timeout`` (with ``max_fails=1``: a node that failed a request is
#: left out this long, then one request tries it again), read in model seconds and scaled.
FAIL_TIMEOUT = 10.0


def check_interval(health_check_delay: float, time_scale: float) -> float:
    """Real seconds between two health checks of a node: ``health_check_delay / 3`` model
    seconds (so :data:`CHECK_FALL` failed checks fit in the delay), or HAProxy's default
    :data:`DEFAULT_CHECK_INTER` where the delay is 0, scaled by ``time_scale``; at least
    :data:`MIN_CHECK_INTERVAL`."""
    inter = health_check_delay / CHECK_FALL if health_check_delay > 0 else DEFAULT_CHECK_INTER
    return max(MIN_CHECK_INTERVAL, inter * time_scale)


def noticed_after(health_check_delay: float, time_scale: float) -> float:
    """Model seconds from a crash to the balancer's taking the node out, on average: its
    first failed check comes half an interval later on average, then ``CHECK_FALL - 1``
    more, one an interval (``(3 - 1/2) * inter``: ``5/6`` of a delay above 0, 5 s at 0)."""
    return (CHECK_FALL - 0.5) * check_interval(health_check_delay, time_scale) / time_scale


def retry_turnaround(time_scale: float) -> float:
    """Real seconds a balancer waits before it retries a node that refused: HAProxy's
    ``min(timeout connect, 1 s)``, its one second read in model seconds and scaled, at least
    :data:`MIN_TURNAROUND` and at most :data:`CONNECT_TIMEOUT`."""
    return min(CONNECT_TIMEOUT, max(MIN_TURNAROUND, 1.0 * time_scale))


def fail_timeout_seconds(time_scale: float) -> int:
    """Real seconds of nginx's ``fail_timeout``: its default :data:`FAIL_TIMEOUT` read in
    model seconds and scaled, in whole seconds (nginx takes no fraction there), at least 1."""
    return max(1, round(FAIL_TIMEOUT * time_scale))
