"""Design matrices of the churn models: features, hinge terms (thresholds), checks and the scoring inputs."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from expectmodel.data import _messages as msg
from expectmodel.data.read import find_columns, numeric_column
from expectmodel.errors import DataError, DataWarning, ParameterError


def is_names(value: Any) -> bool:
    """A non-empty list or tuple of distinct strings."""
    return (isinstance(value, list | tuple) and len(value) > 0 and all(isinstance(v, str) for v in value)
            and len(set(value)) == len(value))


def is_knots(value: Any) -> bool:
    """None or a mapping feature -> non-empty sequence of increasing finite numbers."""
    if value is None:
        return True
    if not isinstance(value, Mapping):
        return False
    for name, ks in value.items():
        if not isinstance(name, str) or not isinstance(ks, list | tuple) or not ks:
            return False
        arr = np.asarray(ks, dtype=float)
        if not np.all(np.isfinite(arr)) or np.any(np.diff(arr) <= 0):
            return False
    return True


def hinge_name(feature: str, knot: float) -> str:
    """The column name of the hinge term ``max(0, feature - knot)``."""
    return f"{feature}>{knot:g}"


def hinges(features: Sequence[str], knots: Mapping[str, Sequence[float]] | None) -> list[tuple[int, float]]:
    """(feature position, knot) of every hinge term, in the order of ``features`` then of the knots."""
    if not knots:
        return []
    return [(features.index(f), float(k)) for f in features if f in knots for k in knots[f]]


def expand(X: np.ndarray, hinge_list: Sequence[tuple[int, float]]) -> np.ndarray:
    """``X`` with one column ``max(0, X[:, j] - knot)`` appended per hinge (the scorer does the same)."""
    if not hinge_list:
        return X
    extra = np.column_stack([np.maximum(X[:, j] - k, 0.0) for j, k in hinge_list])
    return np.column_stack([X, extra])


def term_names(features: Sequence[str], hinge_list: Sequence[tuple[int, float]]) -> list[str]:
    """Names of the columns of :func:`expand`'s output."""
    return [*features, *(hinge_name(features[j], k) for j, k in hinge_list)]


def check_frame(data: object, what: str = "one row per customer") -> pd.DataFrame:
    """A non-empty DataFrame, or a DataError saying what was expected."""
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"Expected a pandas DataFrame with {what}, got {type(data).__name__}.")
    if data.shape[0] == 0:
        raise msg.no_rows(data.shape[1])
    return data


def read_columns(frame: pd.DataFrame, columns: Sequence[str], owner: str) -> np.ndarray:
    """Numeric columns as an (n, p) float matrix; unknown names get a did-you-mean hint; NaN and inf raise."""
    pos = find_columns(frame.columns, list(columns), {c: owner for c in columns})
    X = np.empty((frame.shape[0], len(columns)))
    for j, (name, p) in enumerate(zip(columns, pos, strict=True)):
        X[:, j] = numeric_column(frame.iloc[:, p], name, {name: owner})
    bad = ~np.isfinite(X)
    if bad.any():
        j = int(np.argmax(bad.any(axis=0)))
        rows = np.flatnonzero(bad[:, j])
        raise DataError(f"Column '{columns[j]}' ({owner}) has {rows.size} missing or infinite value(s), first at "
                        f"row {msg._row(frame.index[rows[0]])!r}. Churn models need complete features: impute or "
                        "drop those rows first.")
    return X


def read_binary(frame: pd.DataFrame, column: str, owner: str = "churn label") -> np.ndarray:
    """A 0/1 label column; anything else (2 categories coded otherwise, text, more values) raises."""
    y = read_columns(frame, [column], owner)[:, 0]
    values = np.unique(y)
    if not np.isin(values, (0.0, 1.0)).all():
        shown = ", ".join(f"{v:g}" for v in values[:6]) + (" ..." if values.size > 6 else "")
        raise DataError(f"The {owner} '{column}' must be binary, coded 0 (stays) and 1 (churns); it holds the "
                        f"values {shown}. Recode it, e.g. (frame['{column}'] == 'churned').astype(int).")
    if values.size < 2:
        raise DataError(f"The {owner} '{column}' holds only the value {values[0]:g}: a churn model needs both "
                        "churners (1) and stayers (0).")
    return y


def warn_constant(X: np.ndarray, names: Sequence[str], estimator: str) -> np.ndarray:
    """Warn (naming them) about constant columns and return the mask of the columns to keep."""
    span = X.max(axis=0) - X.min(axis=0) if X.shape[0] else np.zeros(X.shape[1])
    const = span == 0
    if const.any():
        which = ", ".join(repr(names[j]) for j in np.flatnonzero(const))
        warnings.warn(f"{estimator}: feature(s) {which} are constant in the data (no variation, so no effect "
                      "can be estimated); they are left out of the model and get no coefficient.",
                      DataWarning, stacklevel=3)
    return ~const


def check_same_features(frame: pd.DataFrame, features: Sequence[str], where: str) -> None:
    """Features named in ``fit`` must be present when predicting; a did-you-mean message otherwise."""
    if not isinstance(frame, pd.DataFrame):
        raise DataError(f"{where} takes a pandas DataFrame with the columns {list(features)}, got "
                        f"{type(frame).__name__}.")
    absent = [c for c in features if c not in frame.columns]
    if absent:
        hint = msg.not_found(absent, frame.columns.tolist(), {c: "a feature seen in fit" for c in absent},
                             noun="Feature(s)")
        raise DataError(f"{where}: the feature names differ from those seen in fit ({list(features)}). {hint}")


def input_entries(features: Sequence[str], X: np.ndarray) -> list[dict[str, Any]]:
    """The scoring specification's ``inputs`` for numeric features with their training ranges."""
    return [{"column": c, "kind": "float", "scale": None, "codes": None, "missing_codes": [],
             "range": [float(X[:, j].min()), float(X[:, j].max())]} for j, c in enumerate(features)]


def param_error(est: Any, name: str, message: str) -> ParameterError:
    """A ParameterError naming ``est``'s setting ``name``."""
    return est._param_error(name, message)
