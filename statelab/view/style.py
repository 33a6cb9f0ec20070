"""The look shared by every picture of the course: colours, the theory line, new axes.

Every function takes what it draws (a Result, two Results, or a table of
summaries) and an optional ``ax``; without one it makes a figure of its own.
None of them calls ``plt.show()`` or changes matplotlib's global style, so
they compose into dashboards and notebooks alike.

Conventions, the same in every figure of the course (the colours are
:mod:`statelab.view.colours`, which the animated view shares):

- colours come from the Okabe-Ito palette, which people with the common forms
  of colour blindness can tell apart; node k always has ``node_colour(k)``;
- a dead node is grey, a booting one hatched, a draining one dashed;
- lost carts are vermillion (the one colour kept for them) and marked with an X;
- theory is black and dashed;
- titles state the finding ("36 of 619 shoppers lost their cart"), axes
  carry units.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.axes import Axes

from statelab.view.colours import CAUSE_COLOURS, DEAD, DUPLICATE, LOST, PALETTE, node_colour

__all__ = [
    "CAUSE_COLOURS",
    "DEAD",
    "DUPLICATE",
    "LOST",
    "PALETTE",
    "THEORY_STYLE",
    "new_axes",
    "node_colour",
]

THEORY_STYLE = {"color": "black", "linestyle": "--", "linewidth": 1.5}


def new_axes(ax: Axes | None, size: tuple[float, float] = (7, 4)) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=size)
    return ax
