"""Importance-performance map analysis (IPMA; Ringle & Sarstedt 2016).

Performance is the 0-100 index (the ACSI rule: scale-anchored, weighted by the
rescaled unstandardised weights omega).  Importance is the *unstandardised*
total effect on the target of construct scores rescaled to 0-100.  The rescaled
score is an affine function of the standardised score, so the unstandardised
total effect is the standardised one times ``sd(target) / sd(source)`` of the
rescaled scores; indicator importance is ``omega_i`` times its construct's.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from expectmodel.errors import DataWarning, SpecError

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["IPMA", "ipma"]


@dataclass(frozen=True)
class IPMA:
    """IPMA tables for one target construct (``PLSResults.ipma(target)`` makes it).

    Parameters
    ----------
    target : str
        The target construct.
    constructs : pandas.DataFrame
        ``construct, importance, performance, priority`` (priority: above-mean importance, below-mean
        performance).
    indicators : pandas.DataFrame
        ``construct, indicator, importance, performance``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import expectmodel as em
    >>> res = em.PLS(em.spec.templates.ecsi(), scale=(1, 10), missing_values=-99,
    ...              missing="listwise").fit(em.datasets.load_csi_survey())
    >>> result = res.ipma("Loyalty")
    >>> result.target, result.indicators.columns.tolist()
    ('Loyalty', ['construct', 'indicator', 'importance', 'performance'])
    >>> ax = result.plot(level="indicators")
    >>> plt.close(ax.figure)
    """

    target: str
    constructs: pd.DataFrame  # construct, importance, performance, priority
    indicators: pd.DataFrame  # construct, indicator, importance, performance

    def plot(self, ax: Axes | None = None, level: str = "constructs", **kwargs: Any) -> Axes:
        """Draw the importance-performance map (:func:`expectmodel.plotting.plot_ipma`).

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Where to draw; a new figure when omitted.
        level : {"constructs", "indicators"}, default "constructs"
            Which table to plot.
        **kwargs
            Passed to ``Axes.scatter``.

        Returns
        -------
        matplotlib.axes.Axes

        Examples
        --------
        See the class example.
        """
        from expectmodel.plotting import plot_ipma

        frame = self.constructs if level == "constructs" else self.indicators
        return plot_ipma(frame, self.target, ax=ax, level=level, **kwargs)

    def _repr_html_(self) -> str:
        return f"<h4>IPMA for {self.target}</h4>" + self.constructs.to_html(float_format="%.3f")


def ipma(target: str, names: Sequence[str], indicators: Sequence[str], blocks: Sequence[np.ndarray],
         weights: np.ndarray, sd: np.ndarray, mean: np.ndarray, total: np.ndarray, index: np.ndarray,
         omega: np.ndarray, low: np.ndarray, high: np.ndarray) -> IPMA:
    """Importance-performance map of ``target`` from a fit's arrays.

    Parameters
    ----------
    target : str
        The target construct.
    names, indicators : sequence of str
        Construct and indicator names (model order).
    blocks : sequence of int arrays
        Each construct's indicator positions.
    weights, sd, mean : ndarray (p,)
        Standardised outer weights, indicator SDs and means.
    total : ndarray (m, m)
        Standardised total effects (row: source, column: target).
    index : ndarray (m,)
        The 0-100 index (performance) of each construct.
    omega : ndarray (p,)
        The index weights (rescaled unstandardised weights).
    low, high : ndarray (p,)
        Declared scale ends.

    Returns
    -------
    IPMA
    """
    names = list(names)
    if target not in names:
        raise SpecError(f"Unknown IPMA target '{target}'; the model has {', '.join(names)}.")
    t = names.index(target)
    m = len(names)
    # sd of the 0-100 rescaled score of each construct: (100 / range) / sum(w_i / sd_i)
    unstd = weights / sd
    sd_lv = np.array([100 / (high[idx[0]] - low[idx[0]]) / unstd[idx].sum() for idx in blocks])
    effect = total[:, t]
    sources = [i for i in range(m) if i != t and abs(effect[i]) > 0]
    if not sources:
        raise SpecError(f"No construct has an effect on '{target}'; choose an endogenous target.")
    importance = effect * sd_lv[t] / sd_lv
    performance = index
    if np.isnan(performance[sources]).any():
        missing = [names[i] for i in sources if np.isnan(performance[i])]
        raise SpecError(f"IPMA needs a declared scale for {', '.join(missing)}; pass scale= for them.")
    negative = [indicators[j] for i in sources for j in blocks[i] if omega[j] < 0]
    if negative:
        warnings.warn(
            f"Negative outer weights for {', '.join(negative)}: performance values may leave 0-100. "
            "They are reported unclipped; check for reverse-coded items.", DataWarning, stacklevel=3)
    cons = pd.DataFrame({
        "construct": [names[i] for i in sources],
        "importance": importance[sources],
        "performance": performance[sources],
    })
    cons["priority"] = (cons["importance"] > cons["importance"].mean()) & (
        cons["performance"] < cons["performance"].mean())
    rows = []
    for i in sources:
        for j in blocks[i]:
            perf = 100 * (mean[j] - low[j]) / (high[j] - low[j])
            rows.append((names[i], indicators[j], omega[j] * importance[i], perf))
    ind = pd.DataFrame(rows, columns=["construct", "indicator", "importance", "performance"])
    return IPMA(target, cons, ind)
