"""The course's colours, in one place: every figure (:mod:`statelab.view.style`) and the
animated view in the browser (``meta["palette"]``, :func:`statelab.view.playback.palette`)
take them from here. Plain text, no matplotlib, so the browser's payload costs no plotting
import.

Nodes take the Okabe-Ito palette (node k always has ``node_colour(k)``; beyond the seventh
a node's number tells it apart); lost carts are vermillion; a node that is down is grey. The
causes of a lost cart have colours of their own, none of them a node's. Every colour also
has a word or a shape beside it (a node's name in its box, "down", the legends' words).

How "distinguishable" is checked (``tests/test_colours.py``): each colour is taken from
sRGB to linear RGB, through the Machado, Oliveira and Fernandes (2009) simulation of
protanopia, deuteranopia and tritanopia at severity 1.0 (and unchanged for normal vision),
to CIELAB (D65); two colours that mean different things differ by a CIEDE2000 difference of
at least :data:`MIN_DIFFERENCE` under each of the four. The cause colours were chosen that
way: the five after vermillion are, among the sRGB colours with a contrast of at least 3:1
on white, the ones farthest from each other and from every node, lost and dead colour under
all four visions (greedy max-min; the smallest difference between two causes is 23).
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
DEAD = "#C0C0C0"  # grey: a node that is down (light enough to stay apart from reddish purple)
#: The real run's mark beside the simulated runs' (statelab.real.comparison's figure, which
#: draws no node): blue, kept apart from the loss colour.
REAL_RUN = "#0072B2"
DUPLICATE = "#F0E442"  # yellow: an item added to a cart twice (the animated view's answers)
#: The smallest CIEDE2000 difference between two colours that mean different things, under
#: normal vision and each simulated colour blindness (see the module's docstring).
MIN_DIFFERENCE = 10.0
#: Each cause of a lost cart, its colour: a crash is the loss colour itself; the others are
#: no node's colour (see the module's docstring for how they were chosen).
CAUSE_COLOURS = dict(
    zip(
        LOST_CAUSES,
        (
            LOST,  # crash
            "#6688FF",  # rehash: periwinkle
            "#776677",  # scale_in: slate
            "#442222",  # no_affinity: dark brown
            "#001199",  # store_outage: navy (the session store's own colour)
            "#BB3300",  # cookie_too_large: brick
        ),
        strict=True,
    )
)


def node_colour(node: int) -> str:
    """The colour of node ``node`` in every figure of the course."""
    return PALETTE[node % len(PALETTE)]
