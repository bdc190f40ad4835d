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
import functools
import os
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
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
    summary: ColumnSummary  # ranges, sums and x'x of ``values``

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


_POSITIONS: dict[int, tuple[pd.Index, Model, np.ndarray]] = {}  # id(columns) -> (columns, model, positions)


def _column_positions(data: pd.DataFrame, model: Model) -> np.ndarray:
    """Positions of the model's indicators among the data's columns, with clear errors for
    missing and duplicated indicator columns.

    Refitting the same frame (a notebook, a simulation study) finds them in a small cache; a hit
    needs the very same (immutable) column Index object, which the cache holds, so its id
    cannot be reused by another Index meanwhile.
    """
    columns = data.columns
    hit = _POSITIONS.get(id(columns))
    if hit is not None and hit[0] is columns and (hit[1] is model or hit[1] == model):
        return hit[2]
    positions = _find_columns(columns, model)
    positions.flags.writeable = False
    if len(_POSITIONS) >= 16:
        _POSITIONS.clear()
    _POSITIONS[id(columns)] = (columns, model, positions)
    return positions


def _find_columns(columns: pd.Index, model: Model) -> np.ndarray:
    names = columns.tolist()
    pos: dict[object, int] = {}
    for i, c in enumerate(names):
        pos.setdefault(c, i)
    missing = [i for i in model.indicators if i not in pos]
    if missing:
        by_lower = {str(c).lower(): str(c) for c in names}
        lines = []
        for item in missing:
            close = [by_lower[item.lower()]] if item.lower() in by_lower else difflib.get_close_matches(
                item, list(by_lower.values()), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            lines.append(f"'{item}' (construct '{_owner(model, item)}'){hint}")
        raise DataError("Indicator(s) not found in the data: " + "; ".join(lines) + ".")
    if len(pos) != len(names):
        seen: set[object] = set()
        for c in names:
            if c in seen and c in model.indicators:
                raise DataError(f"Column '{c}' appears more than once in the data; rename the duplicates.")
            seen.add(c)
    return np.array([pos[i] for i in model.indicators])


def _numeric_dtypes(data: pd.DataFrame, idx: np.ndarray, model: Model) -> np.ndarray:
    """The frame's dtypes, after checking that every indicator column is numeric (or boolean)."""
    dtypes = data.dtypes.to_numpy()
    for item, j in zip(model.indicators, idx, strict=True):
        dtype = dtypes[j]
        if _is_plain(dtype) or pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
            continue
        col = data.iloc[:, j]
        bad = pd.to_numeric(col, errors="coerce").isna() & col.notna()
        first = col[bad].index[0] if bad.any() else col.index[0]
        raise DataError(
            f"Column '{item}' (construct '{_owner(model, item)}') is not numeric (dtype {dtype}); "
            f"first non-numeric value {col[first]!r} at row {first!r}. Recode answers as numbers "
            "and declare missing-answer codes with missing_values=."
        )
    return dtypes


@dataclass(frozen=True)
class ColumnSummary:
    """Per-column minimum, maximum and sum, and the cross-product matrix ``x'x`` (NaN/inf propagate)."""

    low: np.ndarray
    high: np.ndarray
    total: np.ndarray
    gram: np.ndarray

    @property
    def finite(self) -> bool:
        return bool(np.isfinite(self.low).all() and np.isfinite(self.high).all())

    def merge(self, other: ColumnSummary) -> ColumnSummary:
        """The summary of both sets of rows (NaN propagates through the ranges, as it should)."""
        return ColumnSummary(np.minimum(self.low, other.low), np.maximum(self.high, other.high),
                             self.total + other.total, self.gram + other.gram)


CHUNK_ROWS = 16_384  # 24 float64 columns of this many rows stay inside a 2-4 MB cache
PARALLEL_ROWS = 200_000  # from this many rows the pass is split over threads (numpy releases the GIL)


def _summarise(x: np.ndarray) -> ColumnSummary:
    return ColumnSummary(x.min(axis=0), x.max(axis=0), x.sum(axis=0), x.T @ x)


def _is_plain(dtype: object) -> bool:
    return isinstance(dtype, np.dtype) and dtype.kind in "biuf"


def _extract(data: pd.DataFrame, idx: np.ndarray, model: Model,
             codes: tuple[float, ...]) -> tuple[np.ndarray, ColumnSummary]:
    """Copy the indicator columns into a new float64 (n, p) array and summarise them, in one pass.

    The copy is ours (results never alias the caller's DataFrame). Rows are processed in chunks that
    stay in cache, so the copy, the missing-value codes, the ranges and ``x'x`` cost one trip through
    memory instead of five: at n = 1,000,000 this is most of the fit.
    """
    n, p = data.shape[0], idx.size
    same = idx.size == data.shape[1] and bool((idx == np.arange(p)).all())
    if n <= CHUNK_ROWS and n * data.shape[1] <= 4 * CHUNK_ROWS * p:
        src = data.to_numpy()  # small: one interleave; a numeric result means every column is numeric
        if src.dtype.kind in "biuf":
            x = src[:, idx] if not same else src.astype(np.float64, copy=True)  # ours either way
            x = x if x.dtype == np.float64 and x.flags.writeable else np.array(x, dtype=np.float64)
            for code in codes:
                x[x == code] = np.nan
            return x, _summarise(x)
    dtypes = _numeric_dtypes(data, idx, model)
    plain = all(_is_plain(d) for d in set(dtypes))
    small = n * data.shape[1] <= 4 * CHUNK_ROWS * p
    if plain and (small or (data.shape[1] <= 2 * p and set(dtypes) == {np.dtype(np.float64)})):
        src = data.to_numpy(dtype=np.float64)  # small, or one float block: a cheap interleave or a view
        columns = None
    else:  # many blocks, extra columns or extension dtypes: read just the columns we need
        src = None
        columns = [data.iloc[:, j].to_numpy() if _is_plain(dtypes[j])
                   else data.iloc[:, j].to_numpy(dtype=np.float64, na_value=np.nan) for j in idx]
    same = same and src is not None
    if src is not None and n <= CHUNK_ROWS:  # small: the whole matrix is one chunk
        x = np.array(src[:, idx] if not same else src, dtype=np.float64)  # a copy: ours
        for code in codes:
            x[x == code] = np.nan
        return x, _summarise(x)
    out = np.empty((p, n)).T  # F-order: each column contiguous

    def fill(a: int, b: int) -> np.ndarray:
        chunk = out[a:b]
        if columns is not None:
            for j, col in enumerate(columns):
                chunk[:, j] = col[a:b]
        else:
            chunk[...] = src[a:b] if same else src[a:b, idx]
        for code in codes:
            chunk[chunk == code] = np.nan
        return chunk

    def work(first: int, stop: int) -> ColumnSummary:
        summary = None
        for a in range(first, stop, CHUNK_ROWS):
            part = _summarise(fill(a, min(a + CHUNK_ROWS, stop)))
            summary = part if summary is None else summary.merge(part)
        return summary

    threads = min(os.cpu_count() or 1, 8) if n >= PARALLEL_ROWS else 1
    if threads == 1:
        return out, work(0, n)
    from threadpoolctl import threadpool_limits

    bounds = np.linspace(0, n, threads + 1).astype(int)
    # each thread's x'x runs on a single-threaded BLAS: threads inside threads oversubscribe the
    # cores (at n = 1,000,000 on 2 cores the pass took twice as long)
    with threadpool_limits(limits=1, user_api="blas"), ThreadPoolExecutor(threads) as pool:
        parts = list(pool.map(work, bounds[:-1], bounds[1:]))
    return out, functools.reduce(ColumnSummary.merge, parts)


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
    idx = _column_positions(data, model)
    cols = list(model.indicators)
    if data.shape[0] == 0:
        _numeric_dtypes(data, idx, model)
        raise DataError("The data have no rows.")
    x, summary = _extract(data, idx, model, codes)
    n_input, p = x.shape
    finite = summary.finite
    if not finite and np.isinf(x).any():
        r, j = np.argwhere(np.isinf(x))[0]
        raise DataError(f"Column '{cols[j]}' holds an infinite value at row {data.index[r]!r}; "
                        "recode it or declare it with missing_values=.")

    low, high = resolve_scale(model, scale)
    declared = ~np.isnan(low)
    col_min, col_max = summary.low, summary.high
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
    if not finite:  # rows were dropped or imputed: summarise the columns again
        summary = _summarise(x)
        col_min, col_max = summary.low, summary.high
    spread = col_max - col_min
    constant = np.flatnonzero(spread == 0)
    if constant.size:
        j = constant[0]
        names = ", ".join(f"'{cols[k]}'" for k in constant)
        raise DataError(
            f"Indicator(s) {names} are constant (every answer to '{cols[j]}' is {x[0, j]:g}; construct "
            f"'{_owner(model, cols[j])}'). A constant column carries no information; drop it from the model."
        )
    return PreparedData(x, tuple(cols), index, low, high, n_input, n_dropped, n_imputed, missing, codes, summary)
