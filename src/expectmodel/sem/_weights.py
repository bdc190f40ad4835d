"""Survey weights of a PLS fit: the checked, normalised weight column and the weighted moments.

Both are importable from :mod:`expectmodel.sem._data`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from expectmodel.data.read import find_columns, numeric_column
from expectmodel.errors import DataError
from expectmodel.spec import Model


def read_weights(data: pd.DataFrame, column: str, model: Model, kept: np.ndarray | None) -> np.ndarray:
    """The survey weights of the rows a fit uses, normalised to sum to the number of rows.

    Raises :class:`~expectmodel.errors.DataError` for an unknown or non-numeric column, an indicator used
    as the weight, and missing, infinite, zero or negative weights (naming the first row).
    """
    if column in model.indicators:
        raise DataError(f"The weight column '{column}' is an indicator of the model; weights must be a column "
                        "of their own.")
    pos = find_columns(data.columns, [column], {column: "the survey weights"})[0]
    raw = numeric_column(data.iloc[:, pos], column, {column: "the survey weights"})
    w = np.asarray(raw, dtype=np.float64)
    if kept is not None:
        w = w[kept]
    bad = ~np.isfinite(w) | (w <= 0)
    if bad.any():
        first = int(np.argmax(bad))
        row = data.index[first if kept is None else kept[first]]
        value = w[first]
        what = "missing" if np.isnan(value) else f"{value:g}"
        raise DataError(
            f"The survey weight in column '{column}' is {what} at row {row!r} ({int(bad.sum())} such row(s)); "
            "weights must be positive and finite. Drop those respondents or fix their weights."
        )
    return w * (w.size / w.sum())


def weighted_moments(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weighted means, SDs and correlations of ``x`` (n, p) for weights ``w`` normalised to sum to n.

    The SD divisor is ``n - 1`` (``sum(w) - 1``), so equal weights give exactly the unweighted moments.
    """
    n = x.shape[0]
    mu = w @ x / n
    xc = x - mu
    cov = (xc * w[:, None]).T @ xc
    sd = np.sqrt(np.diagonal(cov) / (n - 1))
    root = np.sqrt(np.diagonal(cov))
    return mu, sd, cov / root / root[:, None]
