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
from expectmodel.sem._moments import Scratch, fresh

__all__ = ["alpha_stack", "ave", "cronbach_alpha", "f_squared", "f_squared_stack", "htmt", "htmt_pairs", "inner_vif",
           "outer_vif", "rho_c"]


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
    iu = np.triu_indices(layout.p)
    out = np.full((layout.m, layout.m), np.nan)
    upper = np.triu_indices(layout.m, 1)
    out[upper] = out[upper[::-1]] = htmt_pairs(s[iu][:, None], layout)[0]
    return out


def htmt_pairs(r: np.ndarray, layout: Layout, scratch: Scratch | None = None) -> np.ndarray:
    """Compute :func:`htmt` for a stack of correlation matrices, for every pair of constructs.

    The matrices are given as packed upper triangles ``r`` (p(p+1)/2, B, as
    :func:`~expectmodel.sem._moments.correlation_stack` makes them); the result has one column per
    pair of constructs ``k < l`` in row-major order: (B, m(m-1)/2).

    The entries are regrouped by block pair (``Layout.pair_order``), so every block-pair sum of
    ``|R|`` is one ``np.add.reduceat`` over the stack.  The monotrait term of a single-item
    construct is 1 (as seminr); a zero monotrait term gives inf/NaN in that member only.
    """
    m, bsz = layout.m, r.shape[1]
    get = scratch or fresh
    grouped = np.take(r, layout.pair_order, axis=0, mode="clip", out=get("htmt", (layout.pair_order.size, bsz)))
    sums = np.add.reduceat(np.abs(grouped, out=grouped), layout.pair_starts, axis=0,
                           out=get("htmt_sums", (layout.pair_starts.size, bsz)))  # (G, B)
    size = layout.mask.sum(axis=0)
    k, l_ = layout.pair_blocks.T
    within = k == l_
    mono = np.ones((m, bsz))
    mono[k[within]] = sums[within] / (size[k[within]] * (size[k[within]] - 1) / 2)[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        root = 1.0 / np.sqrt(mono)
        out = sums[~within]
        out /= (size[k[~within]] * size[l_[~within]])[:, None]  # mean heterotrait correlations
        out *= root[k[~within]]
        out *= root[l_[~within]]
    return out.T


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


def alpha_stack(s: np.ndarray, layout: Layout) -> np.ndarray:
    """:func:`cronbach_alpha` of a stack of correlation matrices (B, p, p): (B, m), NaN for single items."""
    st = s.transpose(1, 2, 0)  # batch last: the stacks of the bootstrap are stored so (a contiguous view)
    sums = np.stack([st[idx[0]:idx[-1] + 1, idx[0]:idx[-1] + 1].sum(axis=(0, 1)) for idx in layout.blocks], axis=1)
    q = layout.mask.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = q / (q - 1) * (1 - q / sums)
    return np.where(q > 1, out, np.nan)


def f_squared_stack(c: np.ndarray, r2: np.ndarray, layout: Layout) -> np.ndarray:
    """:func:`f_squared` of every path (in ``np.nonzero(layout.adjacency)`` order) for a stack (B, m, m)."""
    src, dst = np.nonzero(layout.adjacency)
    out = np.empty((c.shape[0], src.size))
    with np.errstate(invalid="ignore", divide="ignore"):
        for e, (i, k) in enumerate(zip(src, dst, strict=True)):
            rest = layout.preds[k][layout.preds[k] != i]
            if rest.size:
                rhs = c[:, rest, k]
                reduced = (rhs * np.linalg.solve(c[:, rest[:, None], rest], rhs[..., None])[..., 0]).sum(axis=1)
            else:
                reduced = np.zeros(c.shape[0])
            full = r2[:, k]
            out[:, e] = (full - reduced) / (1 - full)
    return out
