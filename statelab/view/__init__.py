"""The view: pictures of results on matplotlib axes. No widgets here.

- :mod:`~statelab.view.style`: colours and conventions shared by every picture;
- :mod:`~statelab.view.cluster`: the cluster at one moment (``ClusterView``);
- :mod:`~statelab.view.over_time`: the run over time (sessions lost, latency, nodes);
- :mod:`~statelab.view.comparisons`: hot spots, distributions, two runs, sweeps;
- :mod:`~statelab.view.panels`: long-lived panels that dashboards give new data.

``statelab.plots`` gathers the functions a notebook calls.
"""
