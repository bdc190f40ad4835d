"""PLS's data pass: the shared checks of :mod:`expectmodel.data`, fused with the cross-products.

:func:`prepare` checks a DataFrame against a :class:`~expectmodel.spec.Model` with the shared layer's
checks and messages (unknown columns with a did-you-mean hint, non-numeric answers, infinite values,
answers outside the declared scale, missing answers), but reads the indicator columns, applies the
missing-answer codes and takes the column ranges, sums and ``x'x`` in one cache-friendly pass, so a
fit on n = 1,000,000 costs one trip through memory. :func:`moments` turns that pass into means,
SDs (n - 1) and the correlation matrix; with ``missing="pairwise"`` they are pairwise-complete, and
:func:`pairwise_correlation_stack` gives the same for a batch of bootstrap resamples.

Three pieces live in private modules next to this one and are importable from here: the pairwise-complete
moments from per-pair sums and their batched bootstrap form (``_pairwise``), survey weights and weighted
moments (``_weights``), and the EM algorithm behind ``missing="em"`` (``_em``).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from expectmodel.data import _messages as msg
from expectmodel.data.missing import MIN_PAIRWISE, check_pairs
from expectmodel.data.read import check_values, find_columns, is_plain, numeric_column, parse_codes
from expectmodel.data.schema import Scale, scales_for_model
from expectmodel.errors import DataError
from expectmodel.sem._em import em_moments, missing_patterns
from expectmodel.sem._pairwise import _pair_terms, _shifted, pairwise_correlation_stack
from expectmodel.sem._weights import read_weights, weighted_moments
from expectmodel.spec import Model

__all__ = ["CHUNK_ROWS", "PARALLEL_ROWS", "ColumnSummary", "EMMoments", "MissingPolicy", "PairwiseMoments",
           "PreparedData", "Scale", "ScaleSpec", "em_fit", "em_moments", "missing_patterns", "moments",
           "pairwise_correlation_stack", "pairwise_moments", "prepare", "read_weights", "weighted_moments"]

MissingPolicy = Literal["raise", "listwise", "pairwise", "mean", "em"]
PLS_POLICIES: tuple[str, ...] = ("raise", "listwise", "pairwise", "mean", "em")
ScaleSpec = Scale | tuple[float, float] | Mapping[str, Scale | tuple[float, float]] | None


@dataclass(frozen=True)
class ColumnSummary:
    """Per-column minimum, maximum and sum, and the cross-product matrix ``x'x`` (NaN/inf propagate)."""

    low: np.ndarray
    high: np.ndarray
    total: np.ndarray
    gram: np.ndarray

    @property
    def finite(self) -> bool:
        """Whether every column's observed range is finite (no NaN or infinity)."""
        return bool(np.isfinite(self.low).all() and np.isfinite(self.high).all())

    def merge(self, other: ColumnSummary) -> ColumnSummary:
        """Combine with ``other``: the summary of both sets of rows (NaN propagates through the ranges).

        Parameters
        ----------
        other : ColumnSummary
            The summary of the other rows (same columns).

        Returns
        -------
        ColumnSummary
        """
        return ColumnSummary(np.minimum(self.low, other.low), np.maximum(self.high, other.high),
                             self.total + other.total, self.gram + other.gram)


@dataclass(frozen=True, eq=False)
class PairwiseMoments:
    """Pairwise-complete moments: each column's mean and SD (n - 1) over its answers, each correlation over
    the rows answering both columns (R's ``cor(use = "pairwise.complete.obs")``), and those row counts."""

    mean: np.ndarray
    sd: np.ndarray
    corr: np.ndarray
    n_pairs: np.ndarray  # (p, p) int

    @property
    def min_n(self) -> int:
        return int(self.n_pairs.min())


@dataclass(frozen=True)
class PreparedData:
    """Validated indicator data in model order, plus what was done to it.

    ``values`` holds no NaN except under ``missing="pairwise"``, where a missing answer stays NaN and
    ``pairwise`` carries the pairwise-complete moments (``summary`` then describes the NaN-holding
    values; read the moments through :func:`moments`).
    """

    values: np.ndarray  # (n, p) float64, indicator order of the model
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
    pairwise: PairwiseMoments | None = None
    kept: np.ndarray | None = None  # positions of the rows kept, when listwise deletion dropped some
    em: EMMoments | None = None  # missing="em": ML moments and the conditional-mean completed data

    @property
    def n(self) -> int:
        """The number of respondents used."""
        return self.values.shape[0]


def _owners(model: Model) -> dict[str, str]:
    return {i: f"construct '{c.name}'" for c in model.constructs for i in c.indicators}


_POSITIONS: dict[int, tuple[pd.Index, Model, np.ndarray]] = {}  # id(columns) -> (columns, model, positions)


def _column_positions(data: pd.DataFrame, model: Model) -> np.ndarray:
    """Positions of the model's indicators among the data's columns (shared messages for unknown and
    duplicated columns).

    Refitting the same frame (a notebook, a simulation study) finds them in a small cache; a hit
    needs the very same (immutable) column Index object, which the cache holds, so its id
    cannot be reused by another Index meanwhile.
    """
    columns = data.columns
    hit = _POSITIONS.get(id(columns))
    if hit is not None and hit[0] is columns and (hit[1] is model or hit[1] == model):
        return hit[2]
    positions = find_columns(columns, list(model.indicators), _owners(model))
    positions.flags.writeable = False
    if len(_POSITIONS) >= 16:
        _POSITIONS.clear()
    _POSITIONS[id(columns)] = (columns, model, positions)
    return positions


CHUNK_ROWS = 16_384  # 24 float64 columns of this many rows stay inside a 2-4 MB cache
PARALLEL_ROWS = 200_000  # from this many rows the pass is split over threads (numpy releases the GIL)


def _summarise(x: np.ndarray) -> ColumnSummary:
    return ColumnSummary(x.min(axis=0), x.max(axis=0), x.sum(axis=0), x.T @ x)


def _extract(data: pd.DataFrame, idx: np.ndarray, model: Model,
             codes: tuple[float, ...]) -> tuple[np.ndarray, ColumnSummary]:
    """Copy the indicator columns into a new float64 (n, p) array and summarise them, in one pass.

    The copy is ours (results never alias the caller's DataFrame). Rows are processed in chunks that
    stay in cache, so the copy, the missing-value codes, the ranges and ``x'x`` cost one trip through
    memory instead of five: at n = 1,000,000 this is most of the fit. A column that is not of a plain
    numeric dtype is read by :func:`expectmodel.data.read.numeric_column` (the shared message for text).
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
    dtypes = data.dtypes.to_numpy()
    plain = all(is_plain(d) for d in set(dtypes[idx]))
    small = n * data.shape[1] <= 4 * CHUNK_ROWS * p
    if plain and all(is_plain(d) for d in set(dtypes)) and (
            small or (data.shape[1] <= 2 * p and set(dtypes) == {np.dtype(np.float64)})):
        src = data.to_numpy(dtype=np.float64)  # small, or one float block: a cheap interleave or a view
        columns = None
    else:  # many blocks, extra columns or extension dtypes: read just the columns we need
        src = None
        owner = _owners(model)
        columns = [data.iloc[:, j].to_numpy() if is_plain(dtypes[j])
                   else numeric_column(data.iloc[:, j], name, owner)
                   for name, j in zip(model.indicators, idx, strict=True)]
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
    scale: ScaleSpec = None,
    missing: MissingPolicy = "raise",
    missing_values: float | Iterable[float] = (),
    min_rows: int | None = None,
) -> PreparedData:
    """Validate ``data`` for ``model`` and return the numeric indicator matrix.

    Parameters
    ----------
    data : DataFrame
        One row per respondent, one column per indicator (other columns are ignored).
    model : Model
        The specification; its indicators are read in its order.
    scale : Scale, (low, high) or {construct: Scale or (low, high)}, optional
        Declared answer scale (a bare pair is an interval scale). Answers outside it are rejected.
    missing : {"raise", "listwise", "pairwise", "mean"}
        ``"raise"`` (default): any missing answer is an error; ``"listwise"``: drop respondents with
        a missing answer; ``"pairwise"``: keep every answer and correlate each pair of indicators
        over the rows answering both; ``"mean"``: replace a missing answer with the indicator's
        mean (as R seminr does silently; here it is recorded).
    missing_values : number or sequence of numbers
        Codes that mean "no answer" (e.g. ``-99``); they become NaN before anything else, so they
        are never used as answers.
    min_rows : int, optional
        Fewest usable rows accepted (default: more rows than indicators).

    Returns
    -------
    PreparedData

    Examples
    --------
    >>> import expectmodel as em
    >>> survey = em.datasets.load_csi_survey()
    >>> prep = prepare(survey, em.spec.templates.ecsi(), scale=(1, 10), missing="pairwise",
    ...                missing_values=-99)
    >>> prep.n, prep.pairwise.min_n > 500
    (600, True)
    """
    if not isinstance(data, pd.DataFrame):
        raise msg.not_a_frame(data)
    if missing not in PLS_POLICIES:
        raise msg.bad_policy(missing, PLS_POLICIES)
    codes = parse_codes(missing_values)
    if data.shape[0] == 0:
        raise msg.no_rows(data.shape[1])
    idx = _column_positions(data, model)
    cols = list(model.indicators)
    scales = scales_for_model(model, scale)
    x, summary = _extract(data, idx, model, codes)
    n_input, p = x.shape
    finite = summary.finite
    if not finite and np.isinf(x).any():
        check_values(x, cols, data.index, (None,) * p, codes, _owners(model))

    low = np.array([np.nan if s is None else s.low for s in scales])
    high = np.array([np.nan if s is None else s.high for s in scales])
    declared = ~np.isnan(low)
    col_min, col_max = summary.low, summary.high
    whole = any(s is not None and s.whole for s in scales)
    if declared.any() and (whole or not finite or (col_min < low).any() or (col_max > high).any()):
        check_values(x, cols, data.index, scales, codes, _owners(model), infinite=False)

    index = data.index
    n_dropped = 0
    n_imputed: dict[str, int] = {}
    pairwise = None
    kept = None
    em = None
    if not finite:
        nan = np.isnan(x)
        counts = nan.sum(axis=0)
        if missing == "raise":
            j = int(np.argmax(counts > 0))
            raise msg.missing_answers(cols, counts, cols[j], data.index[int(np.argmax(nan[:, j]))],
                                      ("listwise", "pairwise", "mean"))
        all_nan = np.flatnonzero(counts == n_input)
        if missing != "listwise" and all_nan.size:
            raise msg.no_answers(cols[all_nan[0]], _owners(model))
        if missing == "listwise":
            keep = ~nan.any(axis=1)
            n_dropped = int(n_input - keep.sum())
            x, index = x[keep], index[keep]
            kept = np.flatnonzero(keep)
        elif missing == "mean":
            means = np.nanmean(x, axis=0)
            x = np.where(nan, means, x)
            n_imputed = {cols[k]: int(counts[k]) for k in np.flatnonzero(counts)}
        elif missing == "em":
            em = em_fit(x)
            x = em.imputed
            n_imputed = {cols[k]: int(counts[k]) for k in np.flatnonzero(counts)}
        else:
            pairwise = pairwise_moments(x)
            check_pairs(pairwise.n_pairs, cols, MIN_PAIRWISE)
    elif missing == "pairwise":
        pairwise = pairwise_moments(x)

    n = x.shape[0]
    need = p + 1 if min_rows is None else min_rows
    if n < need:
        dropped = f" after dropping {n_dropped} incomplete row(s)" if n_dropped else ""
        raise DataError(
            f"Only {n} usable row(s){dropped} for {p} indicators; PLS needs more rows than indicators "
            "(and far more for stable estimates)."
        )
    if not finite and pairwise is None:  # rows were dropped or imputed: summarise the columns again
        summary = _summarise(x)
        col_min, col_max = summary.low, summary.high
    elif pairwise is not None and not finite:
        col_min, col_max = np.nanmin(x, axis=0), np.nanmax(x, axis=0)
    spread = col_max - col_min
    constant = np.flatnonzero(spread == 0)
    if constant.size:
        j = constant[0]
        names = ", ".join(f"'{cols[k]}'" for k in constant)
        value = col_min[j]
        raise DataError(
            f"Indicator(s) {names} are constant (every answer to '{cols[j]}' is {value:g}; construct "
            f"'{_owner(model, cols[j])}'). A constant column carries no information; drop it from the model."
        )
    return PreparedData(x, tuple(cols), index, low, high, n_input, n_dropped, n_imputed, missing, codes, summary,
                        pairwise, kept, em)


def _owner(model: Model, column: str) -> str:
    for c in model.constructs:
        if column in c.indicators:
            return c.name
    return "?"


# -- moments ------------------------------------------------------------------------------------------


def _moments(x: np.ndarray, total: np.ndarray, gram: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Column means, SDs (divisor n - 1) and the correlation matrix, from the column sums and ``x'x``
    (both taken by :func:`prepare` in its one pass), without a centred copy.

    ``x'x - n mu mu'`` loses about ``eps * (mean / sd)^2`` relative precision; survey answers have
    mean/sd of order 1-10 (error ~1e-14), so the centred pass is only made when a column's mean
    dwarfs its spread.
    """
    n = x.shape[0]
    mu = total / n
    cov = gram - np.multiply.outer(total, mu)
    var = np.diagonal(cov) / (n - 1)
    if (mu * mu > 1e6 * var).any():
        xc = x - mu
        cov = xc.T @ xc
        var = np.diagonal(cov) / (n - 1)
    sd = np.sqrt(var)
    root = np.sqrt(np.diagonal(cov))
    return mu, sd, cov / root / root[:, None]


def moments(prepared: PreparedData) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Means, SDs (n - 1) and the correlation matrix of the prepared indicators.

    Pairwise-complete under ``missing="pairwise"``; otherwise exactly ``_moments(values, total, gram)``
    on the one-pass summary.
    """
    if prepared.pairwise is not None:
        pw = prepared.pairwise
        return pw.mean, pw.sd, pw.corr
    if prepared.em is not None:
        return prepared.em.mean, prepared.em.sd, prepared.em.corr
    return _moments(prepared.values, prepared.summary.total, prepared.summary.gram)


def pairwise_moments(x: np.ndarray) -> PairwiseMoments:
    """Pairwise-complete means, SDs (n - 1), correlations and pair counts of ``x`` (NaN = missing).

    Matches pandas ``DataFrame.corr()`` and R's ``cor(use = "pairwise.complete.obs")``: each correlation
    is Pearson's over the rows answering both columns (with that subset's means and SDs).
    """
    m, x0, shift = _shifted(x)
    n = m.T @ m
    s = x0.T @ m  # s[j, k]: sum of x_j over rows where k is answered (x_j is 0 where unanswered)
    q = (x0 * x0).T @ m
    c = x0.T @ x0
    mean, sd, corr = _pair_terms(n, s, q, c, shift)
    return PairwiseMoments(mean, sd, corr, np.rint(n).astype(np.int64))


# -- EM moments (missing="em") ------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class EMMoments:
    """Maximum-likelihood means, SDs (rescaled to the n - 1 divisor) and correlations of multivariate-normal data
    with values missing at random, by EM; ``imputed`` holds the data with each missing value replaced by its
    conditional mean at the solution, ``nan`` the missing cells and ``iterations`` the EM steps taken."""

    mean: np.ndarray
    sd: np.ndarray
    corr: np.ndarray
    imputed: np.ndarray
    nan: np.ndarray
    iterations: int


def em_fit(x: np.ndarray) -> EMMoments:
    """EM moments of the raw data ``x`` (n, p; NaN missing), started from the available-case moments."""
    n = x.shape[0]
    nan = np.isnan(x)
    centre, scale = np.nanmean(x, axis=0), np.nanstd(x, axis=0, ddof=1)
    z = (x - centre) / scale
    start = pairwise_moments(z)
    corr0 = start.corr
    if np.linalg.eigvalsh(corr0)[0] <= 1e-8:  # an indefinite pairwise start: begin at the identity
        corr0 = np.eye(x.shape[1])
    mu, sigma, it, filled = em_moments(z, np.ones(n), np.zeros(x.shape[1]), corr0, missing_patterns(nan))
    var = np.diagonal(sigma)
    root = np.sqrt(var)
    return EMMoments(centre + scale * mu, scale * np.sqrt(var * n / (n - 1)), sigma / root / root[:, None],
                     centre + scale * filled, nan, it)
