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

Times are in simulated seconds from the start of the run. Whether a node
number exists and whether a time falls inside the run is checked by the
:class:`~statelab.scenario.Scenario` that holds the event, since only it
knows how many nodes there are and how long the run lasts.
"""

from __future__ import annotations

from dataclasses import dataclass

from statelab import checks

#: The largest node number an event may name (a scenario has at most 64 nodes).
MAX_NODE = 63
#: The latest time an event may name, in seconds (one week).
MAX_TIME = 7 * 24 * 3600.0


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


@dataclass(frozen=True)
class ScaleTo:
    """The cluster is resized to ``nodes`` web servers at ``at`` seconds.

    Scaling out adds the next node numbers; they serve at once, with empty
    memory. Scaling in removes the highest-numbered nodes: with ``drain=0``
    abruptly (requests in flight on them fail, the carts they hold are lost,
    cause ``"scale_in"``); with ``drain`` > 0 they stop taking new sessions,
    keep serving the sessions pinned to them, and leave ``drain`` seconds
    later, losing whatever they still hold then.

    Parameters
    ----------
    nodes : int
        The number of nodes after the change, 1 to 64.
    at : float
        When it happens, in seconds from the start of the run.
    drain : float
        Seconds a removed node keeps serving its sessions before it leaves.
    """

    nodes: int
    at: float
    drain: float = 0.0

    def __post_init__(self) -> None:
        nodes = checks.whole_number("ScaleTo.nodes", self.nodes, 1, MAX_NODE + 1)
        at = checks.number("ScaleTo.at", self.at, 0.0, MAX_TIME, unit="seconds")
        drain = checks.number("ScaleTo.drain", self.drain, 0.0, MAX_TIME, unit="seconds")
        object.__setattr__(self, "nodes", nodes)
        object.__setattr__(self, "at", at)
        object.__setattr__(self, "drain", drain)


def _check_node_and_time(event: Crash | Restart, name: str) -> None:
    node = checks.whole_number(f"{name}.node", event.node, 0, MAX_NODE)
    at = checks.number(f"{name}.at", event.at, 0.0, MAX_TIME, unit="seconds")
    object.__setattr__(event, "node", node)
    object.__setattr__(event, "at", at)


#: Event classes by the name a preset file uses for them (``type = "Crash"``).
EVENT_TYPES: dict[str, type] = {"Crash": Crash, "Restart": Restart, "ScaleTo": ScaleTo}

Event = Crash | Restart | ScaleTo
