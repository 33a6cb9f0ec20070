"""The course's colours, in one place: every figure (:mod:`statelab.view.style`) and the
animated view in the browser (``meta["palette"]``, :func:`statelab.view.playback.palette`)
take them from here. Plain text, no matplotlib, so the browser's payload costs no plotting
import.

The Okabe-Ito palette, which people with the common forms of colour blindness can tell
apart; node k always has ``node_colour(k)``; lost carts are vermillion and nothing else is.
"""

from __future__ import annotations

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
DUPLICATE = "#F0E442"  # yellow: an item added to a cart twice (the animated view's answers)
CAUSE_COLOURS = dict(
    zip(
        LOST_CAUSES, ("#D55E00", "#CC79A7", "#E69F00", "#0072B2", "#009E73", "#56B4E9"), strict=True
    )
)


def node_colour(node: int) -> str:
    """The colour of node ``node`` in every figure of the course."""
    return PALETTE[node % len(PALETTE)]
