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
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from expectmodel.errors import SpecError

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from expectmodel.sem.results import PLSResults

__all__ = ["IPMA", "ipma"]


@dataclass(frozen=True)
class IPMA:
    """IPMA tables for one target construct."""

    target: str
    constructs: pd.DataFrame  # construct, importance, performance, priority
    indicators: pd.DataFrame  # construct, indicator, importance, performance

    def plot(self, ax: Axes | None = None, level: str = "constructs", **kwargs: Any) -> Axes:
        from expectmodel.plotting import plot_ipma

        return plot_ipma(self, ax=ax, level=level, **kwargs)

    def _repr_html_(self) -> str:
        return f"<h4>IPMA for {self.target}</h4>" + self.constructs.to_html(float_format="%.3f")


def ipma(res: PLSResults, target: str) -> IPMA:
    names = list(res.model.names)
    if target not in names:
        raise SpecError(f"Unknown IPMA target '{target}'; the model has {', '.join(names)}.")
    t = names.index(target)
    layout = res.layout
    low, high = res.prepared.scale_low, res.prepared.scale_high
    w = res.est.weights[0]
    # sd of the 0-100 rescaled score of each construct: (100 / range) / sum(w_i / sd_i)
    unstd = w / res.sd
    sd_lv = np.array([100 / (high[idx[0]] - low[idx[0]]) / unstd[idx].sum() for idx in layout.blocks])
    total = res.est.total[0][:, t]
    sources = [i for i in range(layout.m) if i != t and abs(total[i]) > 0]
    if not sources:
        raise SpecError(f"No construct has an effect on '{target}'; choose an endogenous target.")
    importance = total * sd_lv[t] / sd_lv
    performance = res.est.index[0]
    if np.isnan(performance[sources]).any():
        missing = [names[i] for i in sources if np.isnan(performance[i])]
        raise SpecError(f"IPMA needs a declared scale for {', '.join(missing)}; pass scale= for them.")
    omega = res.index_weights.to_numpy()
    negative = [res.model.indicators[j] for i in sources for j in layout.blocks[i] if omega[j] < 0]
    if negative:
        warnings.warn(
            f"Negative outer weights for {', '.join(negative)}: performance values may leave 0-100. "
            "They are reported unclipped; check for reverse-coded items.", UserWarning, stacklevel=3)
    cons = pd.DataFrame({
        "construct": [names[i] for i in sources],
        "importance": importance[sources],
        "performance": performance[sources],
    })
    cons["priority"] = (cons["importance"] > cons["importance"].mean()) & (
        cons["performance"] < cons["performance"].mean())
    rows = []
    for i in sources:
        for j in layout.blocks[i]:
            perf = 100 * (res.mean[j] - low[j]) / (high[j] - low[j])
            rows.append((names[i], res.model.indicators[j], omega[j] * importance[i], perf))
    ind = pd.DataFrame(rows, columns=["construct", "indicator", "importance", "performance"])
    return IPMA(target, cons, ind)
