"""Plots: pictures of results, each drawn on a matplotlib ``ax`` that it returns.

Every function takes what it draws (a Result, two Results, or a table of summaries) and
an optional ``ax``; without one it makes a figure of its own. None of them calls
``plt.show()`` or changes matplotlib's global style. They live in :mod:`statelab.view`;
this module gathers them under the name the notebooks use.
"""

from statelab.view.cluster import ClusterView, cluster_view
from statelab.view.comparisons import (
    compare,
    difference,
    latency_distribution,
    load_by_node,
    lost_share,
    metric_against,
)
from statelab.view.over_time import (
    attempts_over_time,
    latency_over_time,
    lost_over_time,
    mark_moments,
    nodes_over_time,
    throughput_over_time,
    timeline,
)
from statelab.view.style import CAUSE_COLOURS, DEAD, LOST, PALETTE, THEORY_STYLE, node_colour

__all__ = [
    "CAUSE_COLOURS",
    "DEAD",
    "LOST",
    "PALETTE",
    "THEORY_STYLE",
    "ClusterView",
    "attempts_over_time",
    "cluster_view",
    "compare",
    "difference",
    "latency_distribution",
    "latency_over_time",
    "load_by_node",
    "lost_over_time",
    "lost_share",
    "mark_moments",
    "metric_against",
    "node_colour",
    "nodes_over_time",
    "throughput_over_time",
    "timeline",
]
