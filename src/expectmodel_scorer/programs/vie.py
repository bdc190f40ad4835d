"""Program ``vie_motivation``: Vroom's motivation composites from coded expectancy, instrumentality and valence.

Inputs, in order: the expectancy column(s) (one per outcome in the customer form, one in Vroom's form),
then (Vroom's form) one instrumentality per outcome, then one valence per outcome. Each answer is
coded ``(answer - origin) / span``; an answer outside ``[low, high]`` is refused.

Outputs (both forms, in this order):

- ``expectancy``: mean_k E_k (customer) or E (Vroom);
- ``valence``: mean_k V_k (customer) or sum_k I_k V_k (Vroom);
- ``motivation``: M = sum_k E_k V_k (customer) or M = E * sum_k I_k V_k (Vroom).

A row with a missing answer scores NaN.
"""

from __future__ import annotations

import numpy as np

ARRAYS = {"origin": 1, "span": 1, "low": 1, "high": 1}
SETTINGS = ("form", "n_outcomes", "labels")
OPTIONAL_SETTINGS = ("coding",)  # the coding in words (reported, not read)


def score(arrays: dict[str, np.ndarray], settings: dict, X: np.ndarray) -> np.ndarray:
    """Score expectancy, valence and motivation per row: ``(n, 3)``."""
    from expectmodel_scorer.core import ScoringError

    form, k = settings["form"], int(settings["n_outcomes"])
    labels = list(settings["labels"])
    with np.errstate(invalid="ignore"):
        outside = (X < arrays["low"]) | (X > arrays["high"])
    if outside.any():
        j = int(np.argmax(outside.any(axis=0)))
        r = int(np.argmax(outside[:, j]))
        raise ScoringError(f"column {labels[j]!r} has {int(outside[:, j].sum())} value(s) outside its scale "
                           f"[{arrays['low'][j]:g}, {arrays['high'][j]:g}]; first at position {r} (value "
                           f"{X[r, j]:g}). Probabilities must lie in [0, 1] (or [0, 100] on a percent scale).")
    coded = (X - arrays["origin"]) / arrays["span"]
    if form == "customer":
        e, v = coded[:, :k], coded[:, k:2 * k]
        return np.column_stack([e.mean(axis=1), v.mean(axis=1), (e * v).sum(axis=1)])
    if form == "vroom":
        e, i, v = coded[:, 0], coded[:, 1:1 + k], coded[:, 1 + k:1 + 2 * k]
        iv = (i * v).sum(axis=1)
        return np.column_stack([e, iv, e * iv])
    raise ScoringError(f"vie_motivation: form must be 'customer' or 'vroom'; got {form!r}")
