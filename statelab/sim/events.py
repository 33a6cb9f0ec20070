"""Happenings: things that are done to the cluster at a chosen moment.

A scenario's ``events`` is a timetable, like the stage directions of a play:
"at 60 s, node 1 crashes", "at 90 s, node 1 comes back". Each event is a small
frozen record; the model reads the timetable and acts it out.

- :class:`Crash` pulls the plug on a node: the requests it is serving or
  holding in its queue fail, and everything in its memory (the carts of the
  sessions it served) is gone.
- :class:`Restart` brings a node back with empty memory. Restarting a node
  that is running is a reboot (as a deploy does): it first goes down exactly
  as in a crash, then comes back at once.
- :class:`ScaleTo` resizes the cluster: new nodes join, or the
  highest-numbered nodes leave, at once or after draining.
- :class:`StoreOutage` takes the shared session store down for a while.

Two more records describe not one moment but a policy that runs all along:
:class:`RandomFailures` (nodes fail and are repaired at random) and
:class:`Autoscale` (the cluster resizes itself to its load, as Kubernetes'
Horizontal Pod Autoscaler does).

Times are in simulated seconds from the start of the run. Whether a node
number exists and whether a time falls inside the run is checked by the
:class:`~statelab.sim.scenario.Scenario` that holds the event, since only it
knows how many nodes there are and how long the run lasts.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from statelab.sim import checks
from statelab.sim.errors import ScenarioError

#: What happens to a node that leaves the cluster (see :class:`ScaleTo`).
SCALE_IN_MODES = ("abrupt", "in_flight", "sticky")
#: What a store outage does: refuse every call, or answer none until it ends.
STORE_OUTAGE_MODES = ("down", "hang")

#: The largest node number an event may name (a scenario has at most 64 nodes).
MAX_NODE = 63
#: The latest time an event may name, in seconds (one week).
MAX_TIME = 7 * 24 * 3600.0
#: The most events a scenario may hold (checking them takes O(n log n)).
MAX_EVENTS = 10_000
#: The shortest mean time between failures and to repair (``RandomFailures``), in seconds.
MIN_MTBF = 1.0
MIN_MTTR = 1.0
#: The shortest autoscaler interval, in seconds.
MIN_INTERVAL = 1.0


@checks.errors_at_the_call
@dataclass(frozen=True)
class Crash:
    """Node ``node`` fails at ``at`` seconds and stays down until a Restart.

    Parameters
    ----------
    node : int
        The node that fails, numbered from 0.
    at : float
        When it fails, in seconds from the start of the run.
    """

    node: int
    at: float

    def __post_init__(self) -> None:
        _check_node_and_time(self, "Crash")


@checks.errors_at_the_call
@dataclass(frozen=True)
class Restart:
    """Node ``node`` comes back, with empty memory, at ``at`` seconds.

    A node that is running at that moment is rebooted: in-flight requests fail
    and its memory is wiped, exactly as in a crash, and it serves again at once.

    Parameters
    ----------
    node : int
        The node that restarts, numbered from 0.
    at : float
        When it restarts, in seconds from the start of the run.
    """

    node: int
    at: float

    def __post_init__(self) -> None:
        _check_node_and_time(self, "Restart")


@checks.errors_at_the_call
@dataclass(frozen=True)
class ScaleTo:
    """The cluster is resized to ``nodes`` web servers at ``at`` seconds.

    Scaling out adds the next node numbers; they serve at once, with empty
    memory. Scaling in removes the highest-numbered nodes, in one of three ways
    (``mode``); whatever a node still holds when it finally leaves is lost, cause
    ``"scale_in"``:

    - ``"abrupt"``: they leave at once; requests in flight on them fail.
    - ``"in_flight"``, as Kubernetes and an AWS load balancer do it: they leave
      the balancer's endpoints at once, so no request reaches them, sticky ones
      included (their carts are lost for their sessions), and the requests in
      flight get ``drain`` seconds of grace to finish (Kubernetes' termination
      grace period, 30 s by default).
    - ``"sticky"``, as HAProxy's ``drain`` state does it: they take no new
      sessions, but the sessions pinned to them keep coming for ``drain``
      seconds. A session that lasts longer than the drain still loses its cart.

    Parameters
    ----------
    nodes : int
        The number of nodes after the change, 1 to 64.
    at : float
        When it happens, in seconds from the start of the run.
    drain : float
        Seconds a removed node keeps serving (its pinned sessions for ``"sticky"``,
        its requests in flight for ``"in_flight"``) before it leaves.
    mode : str or None
        ``"abrupt"``, ``"in_flight"`` or ``"sticky"``; None (the default) means
        ``"abrupt"`` when ``drain`` is 0 and ``"sticky"`` when it is not.
    """

    nodes: int
    at: float
    drain: float = 0.0
    mode: str | None = None

    def __post_init__(self) -> None:
        nodes = checks.whole_number("ScaleTo.nodes", self.nodes, 1, MAX_NODE + 1)
        at = checks.number("ScaleTo.at", self.at, 0.0, MAX_TIME, unit="seconds")
        drain = checks.number("ScaleTo.drain", self.drain, 0.0, MAX_TIME, unit="seconds")
        mode = _scale_in_mode("ScaleTo", self.mode, drain)
        object.__setattr__(self, "nodes", nodes)
        object.__setattr__(self, "at", at)
        object.__setattr__(self, "drain", drain)
        object.__setattr__(self, "mode", mode)


@checks.errors_at_the_call
@dataclass(frozen=True)
class StoreOutage:
    """The shared session store is down from ``at`` for ``duration`` seconds.

    ``mode="down"`` (the default): the store refuses every call, so requests that
    need it meanwhile fail at once, and so do the calls it is serving or holding when
    it goes down. If the scenario's ``store_persistent`` is false, the carts it held
    are gone (cause ``"store_outage"``).

    ``mode="hang"``: the store accepts calls and answers none until the outage ends
    (a process stopped, a full disk, a lock held). A request whose store call hangs
    holds one of its node's worker slots while it waits, so the nodes fill up, new
    requests queue behind the hung ones and clients time out; when the outage ends
    every waiting call is answered and its request goes on. Nothing is wiped.

    It has no effect unless ``state="store"``.

    Parameters
    ----------
    at : float
        When the store goes down, in seconds from the start of the run.
    duration : float
        How long it stays down, in seconds (above 0).
    mode : str
        ``"down"`` (refuses calls) or ``"hang"`` (answers none until it ends).
    """

    at: float
    duration: float
    mode: str = "down"

    def __post_init__(self) -> None:
        at = checks.number("StoreOutage.at", self.at, 0.0, MAX_TIME, unit="seconds")
        duration = checks.number(
            "StoreOutage.duration", self.duration, 0.0, MAX_TIME, low_open=True, unit="seconds"
        )
        mode = checks.choice("StoreOutage.mode", self.mode, STORE_OUTAGE_MODES)
        object.__setattr__(self, "at", at)
        object.__setattr__(self, "duration", duration)
        object.__setattr__(self, "mode", mode)


@checks.errors_at_the_call
@dataclass(frozen=True)
class RandomFailures:
    """Every node fails at random and is repaired: the everyday weather of a cluster.

    Each running node crashes after an exponential time with mean ``mtbf``
    (its memory is wiped, as in a :class:`Crash`) and comes back, empty,
    after an exponential time with mean ``mttr``. In the long run a node is
    up ``mtbf / (mtbf + mttr)`` of the time.

    Parameters
    ----------
    mtbf : float
        Mean seconds between failures (mean time between failures), above 0.
    mttr : float
        Mean seconds a repair takes (mean time to repair), above 0.
    """

    mtbf: float
    mttr: float

    def __post_init__(self) -> None:
        mtbf = checks.number(
            "RandomFailures.mtbf",
            self.mtbf,
            MIN_MTBF,
            MAX_TIME * 52,
            unit="seconds",
            why_low="a node that fails more often than once a second never serves anything",
        )
        mttr = checks.number(
            "RandomFailures.mttr",
            self.mttr,
            MIN_MTTR,
            MAX_TIME,
            unit="seconds",
            why_low="no server process restarts and rejoins its balancer in under a second",
        )
        object.__setattr__(self, "mtbf", mtbf)
        object.__setattr__(self, "mttr", mttr)


@checks.errors_at_the_call
@dataclass(frozen=True)
class Autoscale:
    """Resize the cluster to its load, with Kubernetes HPA semantics.

    Every ``interval`` seconds the autoscaler measures the utilisation of the
    cluster over the last interval (busy worker-seconds over the
    worker-seconds of all its nodes; a booting node counts as idle) and
    computes ``desired = ceil(current * utilisation / target)``. Within 10%
    of the target (``|utilisation / target - 1| <= 0.1``) it changes nothing.
    It scales out at once; new nodes serve after ``boot_time``. It scales in
    only to the highest recommendation of the last ``scale_down_window``
    seconds, so a short lull does not shrink the cluster (Kubernetes' default
    window is 300 s). The autoscaler only decides the size: what happens to a
    node it removes is ``mode`` with ``drain`` seconds, as in :class:`ScaleTo`.
    By default as in Kubernetes: the pod leaves the endpoints at once (its
    sticky carts are lost) and its requests in flight get a 30 s grace period.

    Parameters
    ----------
    target : float
        The utilisation to aim for, above 0 and at most 1 (0.6 is typical).
    min_nodes, max_nodes : int
        The range of cluster sizes, 1 to 64.
    interval : float
        Seconds between two decisions (Kubernetes: 15).
    boot_time : float
        Seconds a new node takes before it serves.
    scale_down_window : float
        Seconds of recommendations a scale-in must agree with (Kubernetes: 300).
    drain : float
        Seconds of grace (``"in_flight"``) or of drain (``"sticky"``) a removed node gets.
    mode : str
        What happens to a removed node: ``"in_flight"`` (Kubernetes, the default),
        ``"sticky"`` (HAProxy's drain) or ``"abrupt"``.
    """

    target: float = 0.6
    min_nodes: int = 1
    max_nodes: int = 10
    interval: float = 15.0
    boot_time: float = 30.0
    scale_down_window: float = 300.0
    drain: float = 30.0
    mode: str = "in_flight"

    def __post_init__(self) -> None:
        target = checks.number("Autoscale.target", self.target, 0.0, 1.0, low_open=True)
        low = checks.whole_number("Autoscale.min_nodes", self.min_nodes, 1, MAX_NODE + 1)
        high = checks.whole_number("Autoscale.max_nodes", self.max_nodes, 1, MAX_NODE + 1)
        if low > high:
            raise ScenarioError(
                f"Autoscale.min_nodes={low} must not be above Autoscale.max_nodes={high}"
            )
        interval = checks.number(
            "Autoscale.interval",
            self.interval,
            MIN_INTERVAL,
            3_600.0,
            unit="seconds",
            why_low="an autoscaler measures utilisation over its interval (15 s in Kubernetes); "
            "under a second it measures nothing",
        )
        boot = checks.number("Autoscale.boot_time", self.boot_time, 0.0, 3_600.0, unit="seconds")
        window = checks.number(
            "Autoscale.scale_down_window", self.scale_down_window, 0.0, 86_400.0, unit="seconds"
        )
        drain = checks.number("Autoscale.drain", self.drain, 0.0, MAX_TIME, unit="seconds")
        mode = _scale_in_mode("Autoscale", self.mode, drain)
        for name, value in (
            ("target", target),
            ("min_nodes", low),
            ("max_nodes", high),
            ("interval", interval),
            ("boot_time", boot),
            ("scale_down_window", window),
            ("drain", drain),
            ("mode", mode),
        ):
            object.__setattr__(self, name, value)


def _scale_in_mode(owner: str, mode: object, drain: float) -> str:
    """The checked ``mode`` of a ScaleTo or an Autoscale (None: from ``drain``, as before)."""
    if mode is None:
        return "abrupt" if drain == 0 else "sticky"
    mode = checks.choice(f"{owner}.mode", mode, SCALE_IN_MODES)
    if mode == "abrupt" and drain > 0:
        raise ScenarioError(
            f"{owner}.mode='abrupt' removes nodes at once, so {owner}.drain={drain:g} would "
            f"never be used; set drain=0, or mode='in_flight' (Kubernetes: requests in flight "
            f"get the drain as grace) or mode='sticky' (HAProxy: pinned sessions keep coming)"
        )
    return mode


def _check_node_and_time(event: Crash | Restart, name: str) -> None:
    node = checks.whole_number(f"{name}.node", event.node, 0, MAX_NODE)
    at = checks.number(f"{name}.at", event.at, 0.0, MAX_TIME, unit="seconds")
    object.__setattr__(event, "node", node)
    object.__setattr__(event, "at", at)


#: Event classes by the name a preset file uses for them (``type = "Crash"``).
EVENT_TYPES: dict[str, type] = {
    "Crash": Crash,
    "Restart": Restart,
    "ScaleTo": ScaleTo,
    "StoreOutage": StoreOutage,
}

Event = Crash | Restart | ScaleTo | StoreOutage


def scalings(events) -> tuple[list[float], list[ScaleTo]]:
    """The :class:`ScaleTo` events of ``events`` sorted by time (a tie in the order listed),
    with their times: made once, then :func:`size_at` answers in O(log n)."""
    found = sorted((e for e in events if isinstance(e, ScaleTo)), key=lambda e: e.at)
    return [e.at for e in found], found


def size_at(
    nodes: int, timeline: tuple[list[float], list[ScaleTo]], time: float
) -> tuple[int, str]:
    """How many nodes a cluster of ``nodes`` is sized to at ``time``, and why, from the
    :func:`scalings` of its events: the last ScaleTo at or before ``time`` counts."""
    times, found = timeline
    i = bisect.bisect_right(times, time)
    if i == 0:
        return nodes, f"nodes={nodes}"
    event = found[i - 1]
    return event.nodes, f"after ScaleTo(nodes={event.nodes}, at={event.at:g})"
