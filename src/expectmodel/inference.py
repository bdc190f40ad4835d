"""Interval arithmetic shared by every family: equal-tailed intervals from draws.

Bootstrap replicates (PLS) and posterior draws (the Bayesian families) are both summarised by the
quantiles of the draws at ``(1 - level) / 2`` and ``(1 + level) / 2``; one function computes them, so the
families and ``ResultsBase.conf_int`` cannot drift apart.
"""

from __future__ import annotations

import numpy as np

__all__ = ["equal_tailed"]


def equal_tailed(draws: np.ndarray, level: float, *, axis: int = 0,
                 skipna: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Return the equal-tailed interval of ``draws`` at ``level`` along ``axis``.

    Parameters
    ----------
    draws : numpy.ndarray
        Bootstrap replicates or posterior draws (draws along ``axis``).
    level : float
        Interval probability in (0, 1).
    axis : int, default 0
        The draw axis.
    skipna : bool, default False
        Ignore NaN draws (``numpy.nanquantile``) instead of propagating them.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        The lower and upper limits, with ``axis`` removed.

    Examples
    --------
    >>> low, high = equal_tailed(np.arange(101.0), 0.9)
    >>> round(float(low), 9), round(float(high), 9)
    (5.0, 95.0)
    """
    quantile = np.nanquantile if skipna else np.quantile
    low, high = quantile(draws, [(1 - level) / 2, (1 + level) / 2], axis=axis)
    return low, high
