"""The HPA rule, called directly: the numbers a Kubernetes operator would work out by hand."""

from __future__ import annotations

import pytest

from statelab import Autoscale
from statelab.sim.autoscaling import recommendation, stabilised_size

POLICY = Autoscale(target=0.5, min_nodes=2, max_nodes=10, interval=15.0, scale_down_window=60.0)


@pytest.mark.parametrize(
    ("current", "utilisation", "desired"),
    [
        (4, 0.5, 4),  # on target
        (4, 0.54, 4),  # ratio 1.08: inside the 10% band, no change
        (4, 0.46, 4),  # ratio 0.92: inside the band
        (4, 0.56, 5),  # ratio 1.12: ceil(4 x 1.12) = ceil(4.48) = 5
        (4, 0.75, 6),  # ratio 1.5: exactly 6, no rounding up past it
        (4, 0.2, 2),  # ratio 0.4: ceil(1.6) = 2
        (4, 0.05, 2),  # ceil(0.4) = 1, raised to min_nodes
        (8, 1.0, 10),  # ceil(16) = 16, capped at max_nodes
        (3, 0.0, 2),  # no load at all: min_nodes
    ],
)
def test_the_recommendation_is_ceil_of_current_times_utilisation_over_target(
    current, utilisation, desired
):
    assert recommendation(POLICY, current, utilisation) == desired


def test_the_cluster_grows_at_once_and_shrinks_only_to_the_windows_highest_recommendation():
    assert stabilised_size(4, 6, [3, 6]) == 6  # growing: the recommendation now
    assert stabilised_size(6, 3, [6, 5, 3]) == 6  # shrinking: held by the 6 in the window
    assert stabilised_size(6, 3, [5, 4, 3]) == 5  # the highest left in the window
    assert stabilised_size(6, 3, [3]) == 3  # nothing higher left: shrink to it
    assert stabilised_size(5, 5, [9, 5]) == 5  # no change asked: none made
