"""Every PLS quantity of a stack of correlation matrices, in one batched pass.

The point estimate, each bootstrap resample, each jackknife replicate and each
permutation all go through :func:`estimate_stack`, so they are computed by the
same code and cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from expectmodel.sem import _kernel as k

__all__ = ["Options", "StackEstimates", "estimate_stack", "index_weights"]


@dataclass(frozen=True)
class Options:
    scheme: str = "path"
    consistent: bool = False
    max_iter: int = 300
    tol: float = 1e-7


@dataclass(frozen=True)
class StackEstimates:
    weights_full: np.ndarray  # (B, p, m)
    corr: np.ndarray  # (B, m, m) construct-score correlations
    corr_used: np.ndarray  # (B, m, m) corrected by PLSc when consistent, else corr
    weights: np.ndarray  # (B, p) own-block outer weights
    loadings: np.ndarray  # (B, p) own-block loadings (consistent for reflective constructs under PLSc)
    cross_loadings: np.ndarray  # (B, p, m) indicator-score correlations
    paths: np.ndarray  # (B, m, m), [i, j] = path i -> j
    r2: np.ndarray  # (B, m)
    total: np.ndarray  # (B, m, m)
    rho_a: np.ndarray  # (B, m)
    index: np.ndarray  # (B, m) 0-100 index (NaN where no scale is declared)
    iterations: np.ndarray
    converged: np.ndarray
    weight_diff: np.ndarray  # (B,) last summed absolute weight change
    ok: np.ndarray  # (B,) every estimate finite


def index_weights(w: np.ndarray, raw_sd: np.ndarray, layout: k.Layout) -> np.ndarray:
    """Rescaled unstandardised weights ``omega`` (B, p): ``w_i / sd_i``, summing to 1 within each block."""
    unstd = w / raw_sd
    sums = unstd @ layout.mask  # (B, m)
    with np.errstate(invalid="ignore", divide="ignore"):
        return unstd / sums[:, layout.block_of]


def estimate_stack(
    s: np.ndarray,
    layout: k.Layout,
    options: Options,
    raw_mean: np.ndarray | None = None,
    raw_sd: np.ndarray | None = None,
    scale_low: np.ndarray | None = None,
    scale_high: np.ndarray | None = None,
) -> StackEstimates:
    """Fit the stack ``s`` (B, p, p); ``raw_mean``/``raw_sd`` (B, p) enable the 0-100 index."""
    outer = k.fit_outer(s, layout, options.max_iter, options.tol)
    w_full, corr, cross = outer.weights, outer.corr, outer.cross
    rows = np.arange(layout.p)
    weights = w_full[:, rows, layout.block_of]  # own-block entries
    loadings = cross[:, rows, layout.block_of]
    if options.consistent:
        corr_used, lam, rho = k.plsc(corr, w_full, s, layout)
        lam_own = lam[:, rows, layout.block_of]
        loadings = np.where(np.isnan(lam_own), loadings, lam_own)
    else:
        corr_used, rho = corr, k.rho_a_own(weights, loadings, np.einsum("bii->bi", s), layout)
    paths, r2 = k.structural(corr_used, layout)
    total = k.total_effects(np.where(np.isfinite(paths), paths, 0.0), layout)
    bsz = s.shape[0]
    index = np.full((bsz, layout.m), np.nan)
    declared = scale_low is not None and scale_high is not None and not np.isnan(scale_low).all()
    if declared and raw_mean is not None and raw_sd is not None:
        omega = index_weights(weights, raw_sd, layout)
        part = omega * (raw_mean - scale_low) / (scale_high - scale_low)
        index = 100 * (part @ layout.mask)
    ok = (
        np.isfinite(weights).all(axis=1)
        & np.isfinite(paths).all(axis=(1, 2))
        & np.isfinite(loadings).all(axis=1)
    )
    return StackEstimates(w_full, corr, corr_used, weights, loadings, cross, paths, r2, total, rho,
                          index, outer.iterations, outer.converged, outer.weight_diff, ok)
