"""Dashboards: controls -> Scenario -> Result -> pictures, redrawn in place in a notebook.

- :mod:`~statelab.dashboards.controls`: the controls and a Scenario, mapped both ways
  (pure functions, no widgets);
- :mod:`~statelab.dashboards.canvas`: the canvas, blitting, and the one place that knows
  ipympl's insides;
- :mod:`~statelab.dashboards.readout`: the key numbers as text;
- :mod:`~statelab.dashboards.dashboard`: the update loop the dashboards share;
- :mod:`~statelab.dashboards.lab` and :mod:`~statelab.dashboards.compare`: the Lab and
  Compare.

``statelab.widgets`` gathers what a notebook uses.
"""
