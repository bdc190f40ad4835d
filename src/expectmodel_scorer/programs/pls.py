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


def _affine(arrays: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Fold the whole program into one affine map ``x @ A + b`` of the raw answers.

    ``((x - mean) / sd) @ W = x @ (W / sd) - (mean / sd) @ W`` and
    ``100 ((x - low) / (high - low)) @ omega = x @ (100 omega / (high - low)) - 100 (low / (high - low)) @ omega``,
    so standardising, weighting, rescaling and the index are one matrix product (the four steps took
    1.7 s per million rows, the product 0.2 s; they differ by rounding, about 1e-14).
    """
    mean, sd, weights, omega = arrays["mean"], arrays["sd"], arrays["weights"], arrays["omega"]
    A = weights / sd[:, None]
    b = -(mean / sd) @ weights
    if omega.shape[1]:  # indicators without a declared scale carry low 0, high 1 and zero omega
        span = arrays["scale_high"] - arrays["scale_low"]
        A = np.concatenate([A, 100.0 * omega / span[:, None]], axis=1)
        b = np.concatenate([b, -100.0 * (arrays["scale_low"] / span) @ omega])
    return A, b


def score(arrays: dict[str, np.ndarray], settings: dict, X: np.ndarray) -> np.ndarray:
    """Construct scores and 0-100 indices per row: ``(n, m + q)``."""
    from expectmodel_scorer.core import ScoringError

    mean, weights = arrays["mean"], arrays["weights"]
    p = mean.shape[0]
    if X.shape[1] != p or weights.shape[0] != p or arrays["omega"].shape[0] != p:
        raise ScoringError(f"pls_composite: {X.shape[1]} input columns for {p} indicators in the spec")
    A, b = _affine(arrays)
    # one extra column of ones: a NaN answer (missing) in any indicator makes it NaN, so the rows to redo
    # are found without a pass over X or the outputs
    out = X @ np.concatenate([A, np.ones((p, 1))], axis=1)
    incomplete = np.isnan(out[:, -1])
    out = out[:, :-1]
    out += b
    if not incomplete.any():
        return out
    rows = np.flatnonzero(incomplete)
    part = X[rows]
    missing = np.isnan(part)
    answered = ~missing.any(axis=1)  # NaN from infinities, not from a missing answer: left as the product gave
    if answered.any():
        rows, part, missing = rows[~answered], part[~answered], missing[~answered]
    if not rows.size:
        return out
    policy = settings["missing"]
    if policy == "raise":
        row, col = np.argwhere(missing)[0]
        names = settings.get("columns") or [f"input {j}" for j in range(p)]
        raise ScoringError(
            f"the row at position {int(rows[row])} has no answer for {names[int(col)]!r}; the model was fitted "
            "with missing='raise'. "
            "Fill or drop incomplete respondents, or score a model fitted with missing='mean' or 'listwise'."
        )
    if policy == "listwise":
        out[rows] = np.nan
    else:  # "mean" / "pairwise": a missing answer enters at the training mean (z = 0), as in the fit
        out[rows] = np.where(missing, mean, part) @ A + b
    return out
