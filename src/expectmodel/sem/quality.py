"""Quality criteria of a PLS path model as pure array functions.

Each function takes the indicator correlation matrix ``s`` (p x p), the
construct correlation matrix ``c`` (m x m), loadings or the compiled
:class:`~expectmodel.sem._kernel.Layout`, and returns arrays; labels are added
by the results object.  Formulas follow R seminr (METHODS §1b), which
computes alpha on standardised items and HTMT on absolute correlations.
"""

from __future__ import annotations

import numpy as np

from expectmodel.sem._kernel import Layout

__all__ = ["ave", "cronbach_alpha", "f_squared", "htmt", "inner_vif", "outer_vif", "rho_c"]


def cronbach_alpha(s: np.ndarray, layout: Layout) -> np.ndarray:
    """Standardised Cronbach's alpha per construct, ``k/(k-1) (1 - k / sum(R_kk))``; NaN for single items."""
    out = np.full(layout.m, np.nan)
    for k, idx in enumerate(layout.blocks):
        q = idx.size
        if q > 1:
            out[k] = q / (q - 1) * (1 - q / s[np.ix_(idx, idx)].sum())
    return out


def rho_c(loadings: np.ndarray, layout: Layout) -> np.ndarray:
    """Composite reliability (Joereskog's rho_C) from own-block loadings (p,); NaN for single items."""
    out = np.full(layout.m, np.nan)
    for k, idx in enumerate(layout.blocks):
        if idx.size > 1:
            lam = loadings[idx]
            out[k] = lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam**2).sum())
    return out


def ave(loadings: np.ndarray, layout: Layout) -> np.ndarray:
    """Average variance extracted, the mean squared loading; NaN for single items."""
    return np.array([np.mean(loadings[idx] ** 2) if idx.size > 1 else np.nan for idx in layout.blocks])


def htmt(s: np.ndarray, layout: Layout) -> np.ndarray:
    """Heterotrait-monotrait ratio (Henseler et al. 2015) on absolute correlations; symmetric, NaN diagonal."""
    a = np.abs(s)
    mono = np.ones(layout.m)
    for k, idx in enumerate(layout.blocks):
        q = idx.size
        if q > 1:
            block = a[np.ix_(idx, idx)]
            mono[k] = (block.sum() - np.trace(block)) / (q * (q - 1))
    out = np.full((layout.m, layout.m), np.nan)
    for i, bi in enumerate(layout.blocks):
        for j in range(i + 1, layout.m):
            hetero = a[np.ix_(bi, layout.blocks[j])].mean()
            out[i, j] = out[j, i] = hetero / np.sqrt(mono[i] * mono[j])
    return out


def outer_vif(s: np.ndarray, layout: Layout) -> np.ndarray:
    """VIF of each indicator on the other indicators of its block, ``diag(R_kk^-1)``; 1 for single items."""
    out = np.ones(layout.p)
    for idx in layout.blocks:
        if idx.size > 1:
            out[idx] = np.diag(np.linalg.pinv(s[np.ix_(idx, idx)], hermitian=True))
    return out


def inner_vif(c: np.ndarray, layout: Layout) -> dict[tuple[int, int], float]:
    """VIF of each antecedent ``(source, target)`` among the antecedents of its target."""
    out: dict[tuple[int, int], float] = {}
    for k in layout.endogenous:
        pr = layout.preds[k]
        vif = np.diag(np.linalg.pinv(c[np.ix_(pr, pr)], hermitian=True)) if pr.size > 1 else np.ones(1)
        out.update({(int(i), k): float(v) for i, v in zip(pr, vif, strict=True)})
    return out


def _r2(c: np.ndarray, preds: np.ndarray, k: int) -> float:
    if preds.size == 0:
        return 0.0
    sub = c[np.ix_(preds, preds)]
    return float(c[preds, k] @ np.linalg.solve(sub, c[preds, k]))


def f_squared(c: np.ndarray, layout: Layout) -> dict[tuple[int, int], float]:
    """Cohen's f^2 of each path, ``(R^2_incl - R^2_excl) / (1 - R^2_incl)``."""
    out: dict[tuple[int, int], float] = {}
    for k in layout.endogenous:
        pr = layout.preds[k]
        full = _r2(c, pr, k)
        for i in pr:
            reduced = _r2(c, pr[pr != i], k)
            out[(int(i), k)] = (full - reduced) / (1 - full)
    return out
