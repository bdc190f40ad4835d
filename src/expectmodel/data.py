"""Check a DataFrame against a :class:`~expectmodel.spec.Model` before any numerics run.

Everything that can be wrong with survey data is caught here, with a message
that names the column, row or construct and says what to do: unknown
indicators, non-numeric columns, missing-value codes, answers outside the
declared scale, NaN under ``missing="raise"``, constant indicators and too few
rows.  Missing-value codes are turned into NaN *first*, so a code is never
treated as an answer.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from expectmodel.errors import DataError, SpecError
from expectmodel.spec import Model

__all__ = ["MissingPolicy", "PreparedData", "Scale", "prepare", "resolve_scale"]

MissingPolicy = Literal["raise", "listwise", "mean"]
Scale = tuple[float, float] | Mapping[str, tuple[float, float]] | None


@dataclass(frozen=True)
class PreparedData:
    """Validated indicator data in model order, plus what was done to it."""

    values: np.ndarray  # (n, p) float64, no NaN, indicator order of the model
    columns: tuple[str, ...]
    index: pd.Index  # row labels kept (after listwise deletion)
    scale_low: np.ndarray  # (p,) declared scale ends per indicator (NaN: none declared)
    scale_high: np.ndarray
    n_input: int
    n_dropped: int
    n_imputed: dict[str, int]
    missing: MissingPolicy
    missing_values: tuple[float, ...]

    @property
    def n(self) -> int:
        return self.values.shape[0]


def resolve_scale(model: Model, scale: Scale) -> tuple[np.ndarray, np.ndarray]:
    """Per-indicator scale ends from a global ``(low, high)`` or a ``{construct: (low, high)}`` map."""
    p = len(model.indicators)
    low = np.full(p, np.nan)
    high = np.full(p, np.nan)
    if scale is None:
        return low, high

    def check(pair: object, where: str) -> tuple[float, float]:
        try:
            lo, hi = (float(v) for v in pair)  # type: ignore[union-attr]
        except (TypeError, ValueError):
            raise SpecError(f"scale{where} must be a (low, high) pair such as (1, 10), got {pair!r}.") from None
        if not lo < hi:
            raise SpecError(f"scale{where}: the low end {lo:g} must be below the high end {hi:g}.")
        return lo, hi

    if isinstance(scale, Mapping):
        unknown = sorted(set(scale) - set(model.names))
        if unknown:
            raise SpecError(f"scale names unknown construct(s) {', '.join(map(repr, unknown))}; "
                            f"the model has {', '.join(model.names)}.")
        pos = 0
        for c in model.constructs:
            k = len(c.indicators)
            if c.name in scale:
                low[pos:pos + k], high[pos:pos + k] = check(scale[c.name], f"['{c.name}']")
            pos += k
    else:
        low[:], high[:] = check(scale, "")
    return low, high


def _owner(model: Model, column: str) -> str:
    for c in model.constructs:
        if column in c.indicators:
            return c.name
    return "?"


def _check_columns(data: pd.DataFrame, model: Model) -> None:
    missing = [i for i in model.indicators if i not in data.columns]
    if missing:
        lines = []
        for item in missing:
            by_lower = {str(c).lower(): str(c) for c in data.columns}
            close = [by_lower[item.lower()]] if item.lower() in by_lower else difflib.get_close_matches(
                item, list(by_lower.values()), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            lines.append(f"'{item}' (construct '{_owner(model, item)}'){hint}")
        raise DataError("Indicator(s) not found in the data: " + "; ".join(lines) + ".")
    if data.columns.duplicated().any():
        dup = data.columns[data.columns.duplicated()].unique()
        clash = [c for c in dup if c in model.indicators]
        if clash:
            raise DataError(f"Column '{clash[0]}' appears more than once in the data; rename the duplicates.")
    dtypes = data.dtypes
    for item in model.indicators:
        dtype = dtypes[item]
        if not (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)):
            col = data[item]
            bad = pd.to_numeric(col, errors="coerce").isna() & col.notna()
            first = col[bad].index[0] if bad.any() else col.index[0]
            raise DataError(
                f"Column '{item}' (construct '{_owner(model, item)}') is not numeric (dtype {dtype}); "
                f"first non-numeric value {col[first]!r} at row {first!r}. Recode answers as numbers "
                "and declare missing-answer codes with missing_values=."
            )


def prepare(
    data: pd.DataFrame,
    model: Model,
    *,
    scale: Scale = None,
    missing: MissingPolicy = "raise",
    missing_values: Iterable[float] = (),
    min_rows: int | None = None,
) -> PreparedData:
    """Validate ``data`` for ``model`` and return the numeric indicator matrix.

    Parameters
    ----------
    scale
        Declared answer scale, ``(low, high)`` for all indicators or a
        ``{construct: (low, high)}`` mapping. Answers outside it are rejected.
    missing
        ``"raise"`` (default): any missing answer is an error; ``"listwise"``:
        drop respondents with a missing answer; ``"mean"``: replace it with the
        indicator's mean (as R seminr does silently; here it is recorded).
    missing_values
        Codes that mean "no answer" (e.g. ``-99``); they become NaN before
        anything else, so they are never used as answers.
    min_rows
        Fewest usable rows accepted (default: more rows than indicators).
    """
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"Expected a pandas DataFrame with one column per indicator, got {type(data).__name__}.")
    if missing not in ("raise", "listwise", "mean"):
        raise DataError(f"missing must be 'raise', 'listwise' or 'mean', got {missing!r}.")
    codes = tuple(float(v) for v in ([missing_values] if np.isscalar(missing_values) else missing_values))
    _check_columns(data, model)
    cols = list(model.indicators)
    x = data[cols].to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
    n_input, p = x.shape
    for code in codes:
        x[x == code] = np.nan
    finite = bool(np.isfinite(x).all())
    if not finite and np.isinf(x).any():
        r, j = np.argwhere(np.isinf(x))[0]
        raise DataError(f"Column '{cols[j]}' holds an infinite value at row {data.index[r]!r}; "
                        "recode it or declare it with missing_values=.")

    low, high = resolve_scale(model, scale)
    declared = ~np.isnan(low)
    if finite:
        col_min, col_max = x.min(axis=0), x.max(axis=0)
    if declared.any() and (not finite or (col_min < low).any() or (col_max > high).any()):
        with np.errstate(invalid="ignore"):
            outside = (x < low) | (x > high)
        if outside.any():
            j = int(np.argmax(outside.any(axis=0)))
            rows = np.flatnonzero(outside[:, j])
            hint = " Declare missing-answer codes with missing_values=, or recode them." if codes == () else ""
            raise DataError(
                f"Column '{cols[j]}' (construct '{_owner(model, cols[j])}') has {rows.size} value(s) outside "
                f"the declared {low[j]:g}-{high[j]:g} scale; first at row {data.index[rows[0]]!r} "
                f"(value {x[rows[0], j]:g}). Recode them, or set them to NaN and pass missing='listwise'.{hint}"
            )

    index = data.index
    n_dropped = 0
    n_imputed: dict[str, int] = {}
    if not finite:
        nan = np.isnan(x)
        counts = nan.sum(axis=0)
        if missing == "raise":
            j = int(np.argmax(counts > 0))
            r = int(np.argmax(nan[:, j]))
            listing = ", ".join(f"'{cols[k]}' ({counts[k]})" for k in np.flatnonzero(counts)[:8])
            raise DataError(
                f"Missing answers in {np.count_nonzero(counts)} indicator(s): {listing}; first in '{cols[j]}' "
                f"at row {data.index[r]!r}. Pass missing='listwise' to drop those respondents or "
                "missing='mean' to impute indicator means."
            )
        if missing == "listwise":
            keep = ~nan.any(axis=1)
            n_dropped = int(n_input - keep.sum())
            x, index = x[keep], index[keep]
        else:
            all_nan = np.flatnonzero(counts == n_input)
            if all_nan.size:
                raise DataError(f"Column '{cols[all_nan[0]]}' has no answers at all; drop it from the model.")
            means = np.nanmean(x, axis=0)
            x = np.where(nan, means, x)
            n_imputed = {cols[k]: int(counts[k]) for k in np.flatnonzero(counts)}

    n = x.shape[0]
    need = p + 1 if min_rows is None else min_rows
    if n < need:
        dropped = f" after dropping {n_dropped} incomplete row(s)" if n_dropped else ""
        raise DataError(
            f"Only {n} usable row(s){dropped} for {p} indicators; PLS needs more rows than indicators "
            "(and far more for stable estimates)."
        )
    if not finite:  # rows were dropped or imputed: recompute the column ranges
        col_min, col_max = x.min(axis=0), x.max(axis=0)
    spread = col_max - col_min
    constant = np.flatnonzero(spread == 0)
    if constant.size:
        j = constant[0]
        names = ", ".join(f"'{cols[k]}'" for k in constant)
        raise DataError(
            f"Indicator(s) {names} are constant (every answer to '{cols[j]}' is {x[0, j]:g}; construct "
            f"'{_owner(model, cols[j])}'). A constant column carries no information; drop it from the model."
        )
    return PreparedData(x, tuple(cols), index, low, high, n_input, n_dropped, n_imputed, missing, codes)
