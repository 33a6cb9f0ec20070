"""Dashboards: controls -> Scenario -> Result -> a run played in the browser.

- :mod:`~statelab.dashboards.controls`: the controls and a Scenario, mapped both ways
  (pure functions, no widgets);
- :mod:`~statelab.dashboards.animated`: the animated cluster view, an anywidget whose
  JavaScript (``static/``) plays one run on a canvas;
- :mod:`~statelab.dashboards.readout`: the key numbers as text;
- :mod:`~statelab.dashboards.dashboard`: the update loop the dashboards share;
- :mod:`~statelab.dashboards.lab` and :mod:`~statelab.dashboards.compare`: the Lab and
  Compare.

``statelab.widgets`` gathers what a notebook uses.
"""
