"""The autoscaling rule: how many nodes the cluster should have, as Kubernetes' HPA decides.

Every ``interval`` seconds the autoscaler measures the workers' utilisation over the last
interval and asks for ``ceil(current x utilisation / target)`` nodes, unless the ratio is
within 10% of 1 (the HPA's tolerance), bounded by ``min_nodes`` and ``max_nodes``. It
grows at once, but shrinks only to the highest recommendation of the last
``scale_down_window`` seconds (the HPA's stabilisation window), so a short dip in load
does not throw nodes away.

These are pure functions of numbers: the model calls them, and the tests call them
directly.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from statelab.sim.events import Autoscale

#: The HPA's tolerance: no change while utilisation / target is within 10% of 1.
TOLERANCE = 0.1


def recommendation(policy: Autoscale, current: int, utilisation: float) -> int:
    """The nodes the load asks for now: the HPA's desired size, before stabilisation.

    Parameters
    ----------
    policy : Autoscale
        The target utilisation and the bounds.
    current : int
        Nodes in the cluster now (booting ones included, leaving ones not).
    utilisation : float
        Busy share of the current nodes' workers over the last interval, 0 to 1.
    """
    ratio = utilisation / policy.target
    desired = current if abs(ratio - 1.0) <= TOLERANCE else math.ceil(current * ratio - 1e-9)
    return min(max(desired, policy.min_nodes), policy.max_nodes)


def stabilised_size(current: int, desired: int, recent: Iterable[int]) -> int:
    """The size to set: ``desired`` when growing; when shrinking, the highest of the
    ``recent`` recommendations (those of the scale-down window, ``desired`` among them)."""
    if desired > current:
        return desired
    if desired < current:
        return max(recent)
    return current
