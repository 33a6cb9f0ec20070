"""The look shared by every picture of the course: colours, the theory line, new axes.

Every function takes what it draws (a Result, two Results, or a table of
summaries) and an optional ``ax``; without one it makes a figure of its own.
None of them calls ``plt.show()`` or changes matplotlib's global style, so
they compose into dashboards and notebooks alike.

Conventions, the same in every figure of the course:

- colours come from the Okabe-Ito palette, which people with the common forms
  of colour blindness can tell apart; node k always has ``node_colour(k)``;
- a dead node is grey, a booting one hatched, a draining one dashed;
- lost carts are red (the one colour kept for them) and marked with an X;
- theory is black and dashed;
- titles state the finding ("36 of 619 shoppers lost their cart"), axes
  carry units.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.axes import Axes

from statelab.sim.records import LOST_CAUSES

#: The Okabe-Ito palette (colour-blind safe), in the order nodes take it.
PALETTE = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#000000",  # black
)
LOST = "#D55E00"  # vermillion: lost carts, and nothing else
DEAD = "#B0B0B0"  # grey: a node that is down
THEORY_STYLE = {"color": "black", "linestyle": "--", "linewidth": 1.5}
CAUSE_COLOURS = dict(
    zip(
        LOST_CAUSES, ("#D55E00", "#CC79A7", "#E69F00", "#0072B2", "#009E73", "#56B4E9"), strict=True
    )
)


def node_colour(node: int) -> str:
    """The colour of node ``node`` in every figure of the course."""
    return PALETTE[node % len(PALETTE)]


def new_axes(ax: Axes | None, size: tuple[float, float] = (7, 4)) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=size)
    return ax
