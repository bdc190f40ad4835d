"""Program ``pls_composite``: construct scores and the 0-100 index of a PLS path model.

For indicator answers ``x`` (n, p) in the fit's indicator order:

* standardise with the training moments, ``z = (x - mean) / sd``;
* construct scores on the fit's scaling, ``z @ weights`` (``weights`` (p, m): the standardised outer
  weights, zero off-block; scores have unit variance in the training data);
* the respondent's 0-100 index of each construct with a declared scale,
  ``100 * ((x - low) / (high - low)) @ omega`` (``omega`` (p, q): the rescaled unstandardised weights,
  summing to 1 within each block); its mean over the training respondents is the fit's index.

Missing answers (NaN after the missing codes) follow the fit's policy (``settings["missing"]``):

* ``"mean"`` and ``"pairwise"``: the answer enters at the training mean (``z = 0``), as in the fit;
* ``"listwise"``: the respondent gets NaN in every output (the fit would have dropped them);
* ``"raise"``: a :class:`~expectmodel_scorer.ScoringError` naming the column and the row.

Outputs: the ``m`` construct scores, then the ``q`` indices (``settings["index_outputs"]`` = q).
"""

from __future__ import annotations

import numpy as np

ARRAYS = {"mean": 1, "sd": 1, "weights": 2, "scale_low": 1, "scale_high": 1, "omega": 2}
SETTINGS = ("missing",)
#: Descriptive settings: the indicator columns (named in messages) and the constructs behind the outputs.
OPTIONAL_SETTINGS = ("columns", "constructs", "index_constructs")


def score(arrays: dict[str, np.ndarray], settings: dict, X: np.ndarray) -> np.ndarray:
    """Construct scores and 0-100 indices per row: ``(n, m + q)``."""
    from expectmodel_scorer.core import ScoringError

    mean, sd, weights = arrays["mean"], arrays["sd"], arrays["weights"]
    p = mean.shape[0]
    if X.shape[1] != p or weights.shape[0] != p or arrays["omega"].shape[0] != p:
        raise ScoringError(f"pls_composite: {X.shape[1]} input columns for {p} indicators in the spec")
    policy = settings["missing"]
    missing = np.isnan(X)
    incomplete = missing.any(axis=1)
    if incomplete.any() and policy == "raise":
        row, col = np.argwhere(missing)[0]
        names = settings.get("columns") or [f"input {j}" for j in range(p)]
        raise ScoringError(
            f"the row at position {int(row)} has no answer for {names[int(col)]!r}; the model was fitted with "
            "missing='raise'. "
            "Fill or drop incomplete respondents, or score a model fitted with missing='mean' or 'listwise'."
        )
    x = np.where(missing, mean, X) if incomplete.any() else X
    z = (x - mean) / sd
    scores = z @ weights
    omega = arrays["omega"]
    if omega.shape[1]:  # indicators without a declared scale carry low 0, high 1 and zero omega
        unit = (x - arrays["scale_low"]) / (arrays["scale_high"] - arrays["scale_low"])
        out = np.concatenate([scores, 100.0 * (unit @ omega)], axis=1)
    else:
        out = scores
    if policy == "listwise" and incomplete.any():
        out[incomplete] = np.nan
    return out
