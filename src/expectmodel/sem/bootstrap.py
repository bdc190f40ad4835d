"""Seeded, batched bootstrap inference for PLS path models.

Resamples are never fitted one by one.  Each chunk of resamples becomes a
matrix of draw counts ``F`` (b x n); the resampled moments are ``F @ z`` and
``F @ (z_i z_i')`` (one BLAS product), and the whole chunk of correlation
matrices is iterated together by :func:`expectmodel.sem._estimates.estimate_stack`.
Chunks have a fixed size and their own child seed (``SeedSequence.spawn``), so
serial and joblib-parallel runs give identical draws.

BCa acceleration comes from a jackknife: exact leave-one-out up to
``JACKKNIFE_MAX_N`` rows, delete-a-group (``JACKKNIFE_GROUPS`` contiguous
groups) above that.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import threading
import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from expectmodel.inference import equal_tailed, run_chunks
from expectmodel.sem import _kernel as k
from expectmodel.sem import _moments, quality
from expectmodel.sem._data import em_moments, missing_patterns, pairwise_correlation_stack
from expectmodel.sem._estimates import Options, StackEstimates, estimate_stack

__all__ = ["BootstrapDraws", "double_bootstrap", "interval_estimates", "jackknife", "run_bootstrap",
           "studentized_limits"]

CHUNK = 1000
ROW_TALLY_N = 8_192  # from this many rows the draw counts are tallied resample by resample (cache-sized bins)
JACKKNIFE_MAX_N = 2_000
JACKKNIFE_GROUPS = 1_000
EM_CHUNK = 100  # resamples per batched EM (memory: EM_CHUNK x n x p completed values)
EM_JACKKNIFE_GROUPS = 100  # delete-a-group jackknife under missing="em" (each replicate is an EM)
DRAW_FIELDS = ("weights", "loadings", "paths", "r2", "total", "index", "htmt", "alpha", "rho_a", "f2")


@dataclass(frozen=True)
class BootstrapDraws:
    """Bootstrap replicates of every reported quantity (failed resamples removed)."""

    n_boot: int
    seed: int | None
    draws: dict[str, np.ndarray]  # field -> (B_ok, ...) arrays, as in StackEstimates
    n_failed: int
    n_not_converged: int
    jackknife: dict[str, np.ndarray] | None = field(default=None)
    jackknife_groups: int = 0


def _chunk_sizes(n_boot: int, n: int, p: int) -> list[int]:
    # the count matrix stays near 160 MB and the stack of correlation matrices near 32 MB
    size = max(1, min(CHUNK, 20_000_000 // max(n, 1), 4_000_000 // max(p * p, 1)))
    sizes = [size] * (n_boot // size)
    if n_boot % size:
        sizes.append(n_boot % size)
    return sizes


def _counts(rng: np.random.Generator, b: int, n: int, scratch: _moments.Scratch | None = None) -> np.ndarray:
    return _counts_from_indices(rng.integers(0, n, size=(b, n)), n, overwrite=True, scratch=scratch)


def _counts_from_indices(idx: np.ndarray, n: int, overwrite: bool = False,
                         scratch: _moments.Scratch | None = None) -> np.ndarray:
    """Draw counts (b, n) of the row indices ``idx`` (b, n).

    ``overwrite`` reuses ``idx`` as scratch (one large temporary fewer: on these VMs a fresh
    half-megabyte array costs page faults, and this took a chunk's counts from ~1 ms to ~0.25 ms),
    and the result lands in ``scratch`` if given.
    """
    b = idx.shape[0]
    out = np.empty((b, n)) if scratch is None else scratch("counts", (b, n))
    if n >= ROW_TALLY_N:  # one resample at a time: its n bins stay in cache (30x faster at n = 100,000)
        for r in range(b):
            out[r] = np.bincount(idx[r], minlength=n)
        return out
    offset = n * np.arange(b)[:, None]
    flat = np.add(idx, offset, out=idx) if overwrite else idx + offset
    np.copyto(out, np.bincount(flat.ravel(), minlength=b * n).reshape(b, n))
    return out


def _fit_counts(counts: np.ndarray, z: np.ndarray, mu: np.ndarray, sd: np.ndarray,
                low: np.ndarray, high: np.ndarray, layout: k.Layout, options: Options,
                products: np.ndarray | None = None, scratch: _moments.Scratch | None = None) -> dict[str, np.ndarray]:
    corr, mean, var, packed = _moments.correlation_stack(z, counts, products=products, scratch=scratch, packed=True)
    htmt = quality.htmt_pairs(packed, layout, scratch)  # before the next chunk overwrites ``packed``
    raw_mean = mu + sd * mean
    raw_sd = sd * np.sqrt(var)
    est = estimate_stack(corr, layout, options, raw_mean, raw_sd, low, high)
    out = _draw_fields(est, layout, htmt, corr, raw_sd)
    out["converged"] = est.converged
    out["ok"] = est.ok
    return out


def _fit_counts_pairwise(counts: np.ndarray, z: np.ndarray, mu: np.ndarray, sd: np.ndarray,
                         low: np.ndarray, high: np.ndarray, layout: k.Layout, options: Options,
                         **_: object) -> dict[str, np.ndarray]:
    """Fit resamples like :func:`_fit_counts`, for standardised data with NaN (``missing="pairwise"``).

    Each resample's correlations are pairwise-complete, as the point estimate's.
    """
    corr, mean, sd_z = pairwise_correlation_stack(z, counts)
    iu = np.triu_indices(z.shape[1])
    htmt = quality.htmt_pairs(np.ascontiguousarray(corr[:, iu[0], iu[1]].T), layout)
    raw_sd = sd * sd_z
    est = estimate_stack(corr, layout, options, mu + sd * mean, raw_sd, low, high)
    out = _draw_fields(est, layout, htmt, corr, raw_sd)
    out["converged"] = est.converged
    out["ok"] = est.ok
    return out


def _fit_counts_em(counts: np.ndarray, z: np.ndarray, mu: np.ndarray, sd: np.ndarray,
                   low: np.ndarray, high: np.ndarray, layout: k.Layout, options: Options, *,
                   em: tuple[np.ndarray, np.ndarray], **_: object) -> dict[str, np.ndarray]:
    """Fit resamples like :func:`_fit_counts` for ``missing="em"``.

    Each resample reruns the EM with its row counts as weights (from the full-sample correlations), so missing
    answers are re-estimated per resample.
    """
    nan, start = em
    zn = np.where(nan, np.nan, z)
    patterns = missing_patterns(nan)
    p = z.shape[1]
    corr = np.empty((counts.shape[0], p, p))
    mean, var = np.empty((counts.shape[0], p)), np.empty((counts.shape[0], p))
    for a in range(0, counts.shape[0], EM_CHUNK):  # all members of a chunk run one batched EM
        part = counts[a:a + EM_CHUNK]
        m, cov, _, _ = em_moments(zn, part, np.zeros(p), start, patterns, tol=1e-8)
        v = np.einsum("bii->bi", cov)
        root = np.sqrt(v)
        corr[a:a + EM_CHUNK] = cov / root[:, :, None] / root[:, None, :]
        total = part.sum(axis=1)[:, None]
        mean[a:a + EM_CHUNK], var[a:a + EM_CHUNK] = m, v * total / (total - 1)
    iu = np.triu_indices(p)
    htmt = quality.htmt_pairs(np.ascontiguousarray(corr[:, iu[0], iu[1]].T), layout)
    raw_sd = sd * np.sqrt(var)
    est = estimate_stack(corr, layout, options, mu + sd * mean, raw_sd, low, high)
    out = _draw_fields(est, layout, htmt, corr, raw_sd)
    out["converged"] = est.converged
    out["ok"] = est.ok
    return out


def _draw_fields(est: StackEstimates, layout: k.Layout, htmt: np.ndarray,
                 s: np.ndarray | None = None, raw_sd: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Collect the reported quantities of a fitted stack.

    ``htmt`` is :func:`quality.htmt_pairs` of its correlations; ``s`` the stack's indicator correlations (for alpha).
    """
    src, dst = np.nonzero(layout.adjacency)
    extra = {} if s is None else {"alpha": quality.alpha_stack(s, layout)}
    if raw_sd is not None:  # sum of w_i / sd_i per block: the scale of the 0-100 scores (IPMA importance)
        extra["unstd_sum"] = (est.weights / raw_sd) @ layout.mask
    return {
        **extra,
        "rho_a": est.rho_a,
        "f2": quality.f_squared_stack(est.corr_used, est.r2, layout),
        "weights": est.weights,
        "loadings": est.loadings,
        "paths": est.paths[:, src, dst],
        "r2": est.r2[:, list(layout.endogenous)],
        "total": est.total,
        "index": est.index,
        "htmt": htmt,
    }


@dataclass(frozen=True)
class _Shared:
    """What every bootstrap chunk reads (one object, so a cluster backend ships it once)."""

    z: np.ndarray
    mu: np.ndarray
    sd: np.ndarray
    low: np.ndarray
    high: np.ndarray
    layout: k.Layout
    options: Options
    row_weights: np.ndarray | None
    pairwise: bool
    em: tuple[np.ndarray, np.ndarray] | None
    products: np.ndarray | None


_LOCAL = threading.local()  # each thread's work arrays (a Scratch), reused from chunk to chunk


def _bootstrap_chunk(shared: _Shared, job: tuple) -> dict[str, np.ndarray]:
    """Fit one chunk of resamples: ``job`` is ``(counts,)`` or ``(seed sequence, size)``."""
    scratch = _LOCAL.__dict__.setdefault("scratch", _moments.Scratch())
    n = shared.z.shape[0]
    counts = job[0] if len(job) == 1 else _counts(np.random.default_rng(job[0]), job[1], n, scratch)
    if shared.row_weights is not None:
        counts = counts * shared.row_weights
    args = (shared.z, shared.mu, shared.sd, shared.low, shared.high, shared.layout, shared.options)
    if shared.em is not None:
        return _fit_counts_em(counts, *args, products=shared.products, scratch=scratch, em=shared.em)
    fit_counts = _fit_counts_pairwise if shared.pairwise else _fit_counts
    return fit_counts(counts, *args, products=shared.products, scratch=scratch)


def run_bootstrap(
    z: np.ndarray,
    mu: np.ndarray,
    sd: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    layout: k.Layout,
    options: Options,
    n_boot: int,
    seed: int | None,
    *,
    n_jobs: int = 1,
    progress: bool = False,
    indices: np.ndarray | None = None,
    bca: bool = True,
    pairwise: bool = False,
    row_weights: np.ndarray | None = None,
    em: tuple[np.ndarray, np.ndarray] | None = None,
) -> BootstrapDraws:
    """Bootstrap the PLS estimates of standardised data ``z`` (n, p).

    ``indices`` (n_boot, n) fixes the resamples (for agreement tests with
    other programs); otherwise they come from ``seed``. ``pairwise=True``: ``z`` holds NaN for
    missing answers and every resample's correlations are pairwise-complete. ``row_weights`` (n,):
    survey weights (summing to n) that every resampled row carries.
    """
    n = z.shape[0]
    if indices is not None:
        n_boot = indices.shape[0]
        splits = np.cumsum(_chunk_sizes(n_boot, n, z.shape[1]))[:-1]
        jobs = [(_counts_from_indices(part, n),) for part in np.split(indices, splits)]
        sizes = [len(j[0]) for j in jobs]
    else:
        sizes = _chunk_sizes(n_boot, n, z.shape[1])
        children = np.random.SeedSequence(seed).spawn(len(sizes))
        jobs = [(child, size) for child, size in zip(children, sizes, strict=True)]

    shared = _Shared(z, mu, sd, low, high, layout, options, row_weights, pairwise, em,
                     None if pairwise or em is not None else _moments.packed_products(z))  # the same for every chunk
    bar = _progress(progress, n_boot)
    # a progress bar advances per batch of chunks; without one, all chunks go to run_chunks at once
    step = len(jobs) if not progress else max(1, n_jobs if n_jobs > 0 else (os.cpu_count() or 1))
    parts: list[dict[str, np.ndarray]] = []
    with contextlib.ExitStack() as stack:
        if n_jobs != 1:
            from threadpoolctl import threadpool_limits

            # threads: the work is BLAS and numpy kernels that release the GIL; each thread runs a
            # single-threaded BLAS, or the two levels of threads oversubscribe the cores
            stack.enter_context(threadpool_limits(limits=1, user_api="blas"))
        for start in range(0, len(jobs), step):
            parts.extend(run_chunks(_bootstrap_chunk, shared, jobs[start:start + step], n_jobs=n_jobs))
            bar.update(sum(sizes[start:start + step]))
    bar.close()
    merged = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    ok = merged.pop("ok")
    converged = merged.pop("converged")
    draws = merged if ok.all() else {key: val[ok] for key, val in merged.items()}
    jack, groups = (jackknife(z, mu, sd, low, high, layout, options, pairwise=pairwise, row_weights=row_weights,
                              em=em) if bca else (None, 0))
    return BootstrapDraws(n_boot, seed, draws, int((~ok).sum()), int((~converged & ok).sum()), jack, groups)


def _fit_shared(shared: _Shared, counts: np.ndarray) -> dict[str, np.ndarray]:
    """Fit the resamples of ``counts`` (b, n) under the fit's missing-data policy and survey weights."""
    if shared.row_weights is not None:
        counts = counts * shared.row_weights
    args = (shared.z, shared.mu, shared.sd, shared.low, shared.high, shared.layout, shared.options)
    if shared.em is not None:
        return _fit_counts_em(counts, *args, em=shared.em)
    if shared.pairwise:
        return _fit_counts_pairwise(counts, *args)
    return _fit_counts(counts, *args, products=shared.products)


def _double_chunk(shared: _Shared, job: tuple) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """One chunk of a double bootstrap: ``job`` is ``(outer, inner)`` row indices or ``(seed, size, n_inner)``.

    ``outer`` (s, n) are the outer resamples' rows of the data, ``inner`` (s, n_inner, n) positions within
    each outer resample (the inner resamples draw from the outer resample's rows). Returns the outer fields
    (s, ...) and the inner fields (s, n_inner, ...).
    """
    n = shared.z.shape[0]
    if len(job) == 3:
        rng = np.random.default_rng(job[0])
        outer = rng.integers(0, n, size=(job[1], n))
        inner = rng.integers(0, n, size=(job[1], job[2], n))
    else:
        outer, inner = job
    s, n_inner = inner.shape[:2]
    rows = np.take_along_axis(outer[:, None, :], inner, axis=2).reshape(s * n_inner, n)
    top = _fit_shared(shared, _counts_from_indices(outer, n))
    low = _fit_shared(shared, _counts_from_indices(rows, n))
    return top, {key: val.reshape(s, n_inner, *val.shape[1:]) for key, val in low.items()}


def double_bootstrap(z, mu, sd, low, high, layout: k.Layout, options: Options, n_boot: int, n_inner: int,
                     seed: int | None, *, n_jobs: int = 1, pairwise: bool = False,
                     row_weights: np.ndarray | None = None, em: tuple[np.ndarray, np.ndarray] | None = None,
                     indices: tuple[np.ndarray, np.ndarray] | None = None,
                     ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Draws of a double (nested) bootstrap, for studentised (bootstrap-t) intervals.

    ``n_boot`` outer resamples of the data, and ``n_inner`` resamples of each outer resample's rows. Returns
    the outer fields (B, ...) and the inner fields (B, n_inner, ...), each with ``ok`` (a resample whose fit
    failed). ``indices = (outer (B, n), inner (B, n_inner, n))`` fixes the resamples (tests); otherwise they
    come from ``seed``, in chunks with their own child seeds (the same draws serially and in parallel).
    """
    n = z.shape[0]
    shared = _Shared(z, mu, sd, low, high, layout, options, row_weights, pairwise, em,
                     None if pairwise or em is not None else _moments.packed_products(z))
    if indices is not None:
        outer, inner = indices
        jobs: list[tuple] = [(outer[a:a + 16], inner[a:a + 16]) for a in range(0, len(outer), 16)]
    else:
        size = max(1, min(64, 20_000_000 // max(n * n_inner, 1)))  # inner counts of a chunk near 160 MB
        sizes = [size] * (n_boot // size) + ([n_boot % size] if n_boot % size else [])
        children = np.random.SeedSequence(seed).spawn(len(sizes))
        jobs = [(child, b, n_inner) for child, b in zip(children, sizes, strict=True)]
    with contextlib.ExitStack() as stack:
        if n_jobs != 1:
            from threadpoolctl import threadpool_limits

            stack.enter_context(threadpool_limits(limits=1, user_api="blas"))
        parts = run_chunks(_double_chunk, shared, jobs, n_jobs=n_jobs)
    tops = {key: np.concatenate([p[0][key] for p in parts]) for key in parts[0][0]}
    lows = {key: np.concatenate([p[1][key] for p in parts]) for key in parts[0][1]}
    return tops, lows


def studentized_limits(point: np.ndarray, outer: np.ndarray, inner: np.ndarray, level: float,
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bootstrap-t limits: ``point - q_(1-a/2) se``, ``point - q_(a/2) se``, elementwise.

    ``outer`` (B, ...) the outer draws, ``inner`` (B, n_inner, ...) each outer resample's inner draws;
    ``t_b = (outer_b - point) / sd(inner_b)`` and ``q`` its equal-tailed quantiles; ``se`` the outer draws'
    standard deviation. Returns ``(se, low, high)``.
    """
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # quantities undefined in this model are NaN throughout
        se = outer.std(axis=0, ddof=1)
        se_b = np.nanstd(inner, axis=1, ddof=1)  # failed inner resamples are NaN
        t = np.where(se_b > 0, (outer - point) / se_b, np.nan)
        q_lo, q_hi = equal_tailed(t, level, skipna=True)
        return se, point - q_hi * se, point - q_lo * se


class _NoBar:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def _progress(show: bool, total: int):
    if not show:
        return _NoBar()
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="bootstrap", unit="resample")


def jackknife(z, mu, sd, low, high, layout: k.Layout, options: Options,
              pairwise: bool = False, row_weights: np.ndarray | None = None,
              em: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[dict[str, np.ndarray], int]:
    """Leave-one-out (or delete-a-group for large n) replicates, for the BCa acceleration."""
    n = z.shape[0]
    if em is not None:  # each replicate reruns the EM without its group of rows (EM_JACKKNIFE_GROUPS groups)
        k = min(n, EM_JACKKNIFE_GROUPS)
        groups = np.repeat(np.arange(k), np.diff(np.linspace(0, n, k + 1).astype(int)))
        size = int(groups.max()) + 1
        out = []
        for a in range(0, size, CHUNK):
            member = np.arange(a, min(a + CHUNK, size))
            counts = (groups[None, :] != member[:, None]).astype(np.float64)
            out.append(_fit_counts_em(counts, z, mu, sd, low, high, layout, options, em=em))
        return {key: np.concatenate([o[key] for o in out]) for key in out[0] if key not in ("ok", "converged")}, size
    if row_weights is not None:  # every moment weighted: sums of w z and w z z', a deleted row takes its weight
        w = row_weights
        s1, s2 = w @ z, (z * w[:, None]).T @ z
        if n <= JACKKNIFE_MAX_N:
            g1, g2, sizes = z * w[:, None], w[:, None, None] * z[:, :, None] * z[:, None, :], w
        else:
            bounds = np.linspace(0, n, JACKKNIFE_GROUPS + 1).astype(int)
            g1 = np.add.reduceat(z * w[:, None], bounds[:-1], axis=0)
            g2 = np.stack([(z[a:b] * w[a:b, None]).T @ z[a:b] for a, b in itertools.pairwise(bounds)])
            sizes = np.add.reduceat(w, bounds[:-1])
        corr, mean, var, packed = _moments.moments_to_correlation(s1 - g1, s2 - g2, n - sizes, packed=True)
        raw_sd = sd * np.sqrt(var)
        est = estimate_stack(corr, layout, options, mu + sd * mean, raw_sd, low, high)
        return _draw_fields(est, layout, quality.htmt_pairs(packed, layout), corr, raw_sd), len(sizes)
    if pairwise:  # the replicates as 0/1 row weights, through the pairwise-complete stack
        groups = np.arange(n) if n <= JACKKNIFE_MAX_N else \
            np.repeat(np.arange(JACKKNIFE_GROUPS), np.diff(np.linspace(0, n, JACKKNIFE_GROUPS + 1).astype(int)))
        size = int(groups.max()) + 1
        out = []
        for a in range(0, size, CHUNK):
            member = np.arange(a, min(a + CHUNK, size))
            counts = (groups[None, :] != member[:, None]).astype(np.float64)
            out.append(_fit_counts_pairwise(counts, z, mu, sd, low, high, layout, options))
        merged = {key: np.concatenate([o[key] for o in out]) for key in out[0] if key not in ("ok", "converged")}
        return merged, size
    s1 = z.sum(axis=0)
    s2 = z.T @ z
    if n <= JACKKNIFE_MAX_N:
        g1 = z
        g2 = z[:, :, None] * z[:, None, :]
        sizes = np.ones(n)
    else:
        bounds = np.linspace(0, n, JACKKNIFE_GROUPS + 1).astype(int)
        g1 = np.add.reduceat(z, bounds[:-1], axis=0)
        g2 = np.stack([z[a:b].T @ z[a:b] for a, b in itertools.pairwise(bounds)])
        sizes = np.diff(bounds).astype(float)
    corr, mean, var, packed = _moments.moments_to_correlation(s1 - g1, s2 - g2, n - sizes, packed=True)
    raw_mean = mu + sd * mean
    raw_sd = sd * np.sqrt(var)
    est = estimate_stack(corr, layout, options, raw_mean, raw_sd, low, high)
    return _draw_fields(est, layout, quality.htmt_pairs(packed, layout), corr, raw_sd), len(sizes)


def interval_estimates(point: np.ndarray, draws: np.ndarray, jack: np.ndarray | None, level: float,
                       dof: int) -> dict[str, np.ndarray]:
    """SE, t, two-sided p (Student t, ``dof``), percentile and BCa limits, elementwise over the trailing shape."""
    alpha = 1 - level
    with np.errstate(invalid="ignore", divide="ignore"):
        se = draws.std(axis=0, ddof=1)
        t = np.where(se > 0, point / se, np.nan)
        pval = 2 * stats.t.sf(np.abs(t), dof)
        lo, hi = equal_tailed(draws, level)
        out = {"std_error": se, "t": t, "p": pval, "ci_low": lo, "ci_high": hi}
        if jack is None:
            return out
        b = draws.shape[0]
        below = (draws < point).sum(axis=0) + 0.5 * (draws == point).sum(axis=0)
        z0 = stats.norm.ppf(below / b)
        dev = jack.mean(axis=0) - jack
        accel = (dev**3).sum(axis=0) / (6 * ((dev**2).sum(axis=0)) ** 1.5)
        limits = []
        for q in (alpha / 2, 1 - alpha / 2):
            zq = stats.norm.ppf(q)
            adj = stats.norm.cdf(z0 + (z0 + zq) / (1 - accel * (z0 + zq)))
            limits.append(adj)
        flat_draws = np.sort(draws.reshape(b, -1), axis=0)
        bca = []
        for adj in limits:
            a = adj.reshape(-1)
            pos = np.clip(a * (b - 1), 0, b - 1)
            res = np.full(a.shape, np.nan)
            good = np.isfinite(pos)
            lo_i = np.floor(pos[good]).astype(int)
            hi_i = np.minimum(lo_i + 1, b - 1)
            frac = pos[good] - lo_i
            cols = np.flatnonzero(good)
            res[good] = flat_draws[lo_i, cols] * (1 - frac) + flat_draws[hi_i, cols] * frac
            bca.append(res.reshape(point.shape))
        degenerate = ~(se > 0)
        out["bca_low"] = np.where(degenerate, point, bca[0])
        out["bca_high"] = np.where(degenerate, point, bca[1])
    return out
