"""Confidence intervals: how sure a handful of runs lets us be.

One run of a random simulation is an anecdote; several runs with different
seeds give a spread. The mean of ``n`` runs, plus or minus ``t * s / sqrt(n)``
(``s`` their standard deviation, ``t`` the Student-t quantile with ``n - 1``
degrees of freedom), is an interval that covers the true long-run value in,
say, 95 of 100 such experiments.

The Student-t quantile is computed here from the regularized incomplete beta
function (a continued fraction, as in *Numerical Recipes*), so statelab needs
no statistics package for it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def interval(values: Sequence[float], level: float = 0.95) -> tuple[float, float, float]:
    """The Student-t confidence interval of the mean of ``values``: (low, mean, high).

    Parameters
    ----------
    values : sequence of float
        One number per run (at least two); NaN values are refused.
    level : float
        Coverage of the interval, above 0 and below 1 (0.95 for 95%).
    """
    values = [float(v) for v in values]
    n = len(values)
    if n < 2:
        raise ValueError(f"a confidence interval needs at least 2 values, got {n}")
    if any(math.isnan(v) for v in values):
        raise ValueError("a confidence interval cannot be made from NaN values")
    mean = math.fsum(values) / n
    spread = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1))
    half = t_quantile(0.5 + level / 2, n - 1) * spread / math.sqrt(n)
    return mean - half, mean, mean + half


def t_quantile(probability: float, df: int) -> float:
    """The ``probability`` quantile of Student's t distribution with ``df`` degrees of freedom.

    >>> round(t_quantile(0.975, 9), 4)
    2.2622
    """
    if not 0.0 < probability < 1.0:
        raise ValueError(f"probability must be between 0 and 1, got {probability}")
    if df < 1:
        raise ValueError(f"df must be at least 1, got {df}")
    if probability < 0.5:
        return -t_quantile(1.0 - probability, df)
    low, high = 0.0, 1.0
    while t_cdf(high, df) < probability:
        high *= 2.0
    for _ in range(200):  # bisection to full float precision
        middle = (low + high) / 2
        if middle in (low, high):
            break
        if t_cdf(middle, df) < probability:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def t_cdf(t: float, df: int) -> float:
    """P(T <= t) for Student's t distribution with ``df`` degrees of freedom."""
    tail = 0.5 * _incomplete_beta(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t >= 0 else tail


def _incomplete_beta(a: float, b: float, x: float) -> float:
    """The regularized incomplete beta function I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _beta_fraction(a, b, x) / a
    return 1.0 - math.exp(log_front) * _beta_fraction(b, a, 1.0 - x) / b


def _beta_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    result = d
    for m in range(1, 500):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            result *= c * d
        if abs(c * d - 1.0) < 1e-15:
            break
    return result
