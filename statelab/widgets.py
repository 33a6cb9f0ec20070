"""Widgets: the dashboards a notebook shows (they live in :mod:`statelab.dashboards`).

:class:`Lab` is the main dashboard: move a control, watch the cluster answer.
:class:`Compare` runs two scenarios that differ in one choice, same seed, side by side.
:class:`AnimatedCluster` plays one run in the browser, a dot a request (``view = AnimatedCluster(
result); view`` in a cell shows it).
"""

from statelab.dashboards.animated import AnimatedCluster
from statelab.dashboards.compare import Compare
from statelab.dashboards.controls import NO_CRASH, controls_from_scenario, scenario_from_controls
from statelab.dashboards.lab import Lab

__all__ = [
    "NO_CRASH",
    "AnimatedCluster",
    "Compare",
    "Lab",
    "controls_from_scenario",
    "scenario_from_controls",
]
