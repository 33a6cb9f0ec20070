"""Plots: pictures of results, each drawn on a matplotlib ``ax`` that it returns.

Every function takes what it draws (a Result, or a table of summaries) and an
optional ``ax``; without one it makes a figure of its own. None of them calls
``plt.show()`` or changes matplotlib's global style, so they compose into
dashboards and notebooks alike.

Colours come from the Okabe-Ito palette, which people with the common forms
of colour blindness can tell apart. Node k always has the colour
``node_colour(k)``, in every figure of the course; theory is drawn in black,
dashed.
"""

from __future__ import annotations

from collections.abc import Callable

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from statelab.confidence import interval

#: The Okabe-Ito palette (colour-blind safe), in the order nodes take it.
PALETTE = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
)
THEORY_STYLE = {"color": "black", "linestyle": "--", "linewidth": 1.5}


def node_colour(node: int) -> str:
    """The colour of node ``node`` in every figure of the course."""
    return PALETTE[node % (len(PALETTE) - 1)]


def metric_against(
    frame: pd.DataFrame,
    field: str,
    metric: str,
    *,
    theory: Callable[[float], float] | None = None,
    theory_label: str = "theory",
    level: float = 0.95,
    label: str | None = None,
    colour: str = PALETTE[0],
    ax: Axes | None = None,
) -> Axes:
    """Draw ``metric`` against a swept ``field``: the mean over seeds and its confidence band.

    Parameters
    ----------
    frame : pandas.DataFrame
        A table from :func:`statelab.sweep`: one row per value and seed.
    field, metric : str
        The swept column (x axis) and a summary column (y axis).
    theory : callable, optional
        The closed form, value of ``field`` -> expected ``metric``; drawn
        dashed where it is defined (it may raise ``ValueError``, e.g. for an
        unstable queue, and is left out there).
    level : float
        Coverage of the Student-t band, 0.95 for 95%.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    for column in (field, metric):
        if column not in frame.columns:
            raise ValueError(f"the table has no column {column!r}; it has {list(frame.columns)}")
    rows = []
    for value, group in frame.groupby(field, sort=True):
        values = group[metric].dropna().tolist()
        if len(values) >= 2 and max(values) > min(values):
            rows.append((value, *interval(values, level)))
        elif values:
            rows.append((value, values[0], values[0], values[0]))
    table = pd.DataFrame(rows, columns=[field, "low", "mean", "high"])
    name = label or metric.replace("_", " ")
    ax.plot(table[field], table["mean"], marker="o", color=colour, label=f"{name} (mean)")
    ax.fill_between(
        table[field], table["low"], table["high"], color=colour, alpha=0.25,
        label=f"{level:.0%} confidence band",
    )  # fmt: skip
    if theory is not None:
        xs, ys = [], []
        for value in table[field]:
            try:
                ys.append(theory(value))
                xs.append(value)
            except ValueError:
                continue
        if xs:
            ax.plot(xs, ys, marker="x", label=theory_label, **THEORY_STYLE)
    ax.set_xlabel(field.replace("_", " "))
    ax.set_ylabel(name)
    if np.issubdtype(table[field].dtype, np.integer):
        ax.set_xticks(table[field])
    ax.legend(frameon=False)
    return ax
