"""Widgets: the dashboards a notebook shows (they live in :mod:`statelab.dashboards`).

:class:`Lab` is the main dashboard: move a control, watch the cluster answer.
:class:`Compare` runs two scenarios that differ in one choice, same seed, side by side.
"""

from statelab.dashboards.compare import Compare
from statelab.dashboards.controls import NO_CRASH, controls_from_scenario, scenario_from_controls
from statelab.dashboards.lab import Lab

__all__ = ["NO_CRASH", "Compare", "Lab", "controls_from_scenario", "scenario_from_controls"]
