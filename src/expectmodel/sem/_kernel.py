"""The PLS-PM fixed point on stacks of correlation matrices (array-first core).

With standardised indicators the whole PLS-PM algorithm depends on the data
only through the indicator correlation matrix ``S`` (p x p).  Every function
here therefore takes a *stack* ``S`` of shape ``(B, p, p)``: one matrix for a
single fit, thousands for a bootstrap, permutation test or jackknife, all
iterated together with batched linear algebra.  Nothing here knows about
pandas or names; :mod:`expectmodel.sem.pls` puts the labels on.

Conventions (R seminr's, see METHODS §1b): outer weights start at 1, construct
scores have unit variance, mode A weights are covariances with the inner proxy,
mode B weights solve ``S_kk w = cov(x_k, proxy)``, and iteration stops when the
summed absolute change of all outer weights falls below ``tol``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from expectmodel.spec import Model

__all__ = [
    "Layout",
    "OuterFit",
    "correlation_stack",
    "fit_outer",
    "latent_correlations",
    "moments_to_correlation",
    "plsc",
    "rho_a",
    "structural",
    "total_effects",
]

SCHEMES = ("path", "centroid", "factorial")


@dataclass(frozen=True)
class Layout:
    """A :class:`Model` compiled to index arrays."""

    p: int
    m: int
    blocks: tuple[np.ndarray, ...]  # indicator positions of each construct
    mask: np.ndarray  # (p, m) 0/1 block membership
    mode_b: np.ndarray  # (m,) bool
    reflective: np.ndarray  # (m,) bool: corrected by PLSc
    adjacency: np.ndarray  # (m, m) 1 where a path i -> j exists
    preds: tuple[np.ndarray, ...]  # antecedents of each construct
    endogenous: tuple[int, ...]
    scheme: str
    # the antecedents of every endogenous construct, padded to one width, so that all
    # structural regressions are one batched solve: (E, q) indices, validity mask, targets
    reg_idx: np.ndarray
    reg_valid: np.ndarray
    reg_target: np.ndarray

    @classmethod
    def from_model(cls, model: Model, scheme: str = "path") -> Layout:
        names = model.names
        pos = {n: i for i, n in enumerate(names)}
        blocks, start = [], 0
        for c in model.constructs:
            blocks.append(np.arange(start, start + len(c.indicators)))
            start += len(c.indicators)
        p, m = start, len(names)
        mask = np.zeros((p, m))
        for k, idx in enumerate(blocks):
            mask[idx, k] = 1.0
        adjacency = np.zeros((m, m))
        for path in model.paths:
            adjacency[pos[path.source], pos[path.target]] = 1.0
        preds = tuple(np.array([pos[s] for s in model.predecessors(n)], dtype=int) for n in names)
        endogenous = tuple(k for k in range(m) if preds[k].size)
        width = max((preds[k].size for k in endogenous), default=1)
        reg_idx = np.zeros((len(endogenous), width), dtype=int)
        reg_valid = np.zeros((len(endogenous), width), dtype=bool)
        for row, k in enumerate(endogenous):
            reg_idx[row, :preds[k].size] = preds[k]
            reg_valid[row, :preds[k].size] = True
        return cls(
            p=p, m=m, blocks=tuple(blocks), mask=mask,
            mode_b=np.array([c.mode == "B" and len(c.indicators) > 1 for c in model.constructs]),
            reflective=np.array([c.kind == "reflective" and len(c.indicators) > 1 for c in model.constructs]),
            adjacency=adjacency, preds=preds,
            endogenous=endogenous, scheme=scheme,
            reg_idx=reg_idx, reg_valid=reg_valid, reg_target=np.array(endogenous, dtype=int),
        )


@dataclass(frozen=True)
class OuterFit:
    weights: np.ndarray  # (B, p, m) standardised outer weights, zero off-block
    iterations: np.ndarray  # (B,) iterations to convergence (max_iter if not converged)
    converged: np.ndarray  # (B,) bool
    weight_diff: np.ndarray  # (B,) last summed absolute weight change


def correlation_stack(z: np.ndarray, counts: np.ndarray, chunk_rows: int = 65_536) -> tuple[np.ndarray, ...]:
    """Weighted moments of the rows of ``z`` for many weight vectors at once.

    ``counts`` (B, n) holds how often each row is drawn (a bootstrap), or 0/1
    group memberships (a permutation).  Returns the correlation matrices
    (B, p, p), the weighted means (B, p) and the weighted covariance matrices
    (B, p, p, divisor ``sum(counts) - 1``).  The cross-products are one matrix
    product ``counts @ (z_i z_i')``, so the cost is a single BLAS call per
    chunk of rows instead of a Python loop over resamples.
    """
    n, p = z.shape
    b = counts.shape[0]
    iu = np.triu_indices(p)
    total = counts.sum(axis=1)
    s1 = np.zeros((b, p))
    s2 = np.zeros((b, iu[0].size))
    for start in range(0, n, chunk_rows):
        zc = z[start:start + chunk_rows]
        fc = counts[:, start:start + chunk_rows]
        s1 += fc @ zc
        s2 += fc @ (zc[:, iu[0]] * zc[:, iu[1]])
    full = np.empty((b, p, p))
    full[:, iu[0], iu[1]] = s2
    full[:, iu[1], iu[0]] = s2
    return moments_to_correlation(s1, full, total)


def moments_to_correlation(s1: np.ndarray, s2: np.ndarray, total: np.ndarray) -> tuple[np.ndarray, ...]:
    """Correlations, means and covariances (divisor ``total - 1``) from row sums ``s1`` (B, p),
    cross-product sums ``s2`` (B, p, p) and row counts ``total`` (B,)."""
    p = s1.shape[1]
    mean = s1 / total[:, None]
    cov = s2 - total[:, None, None] * mean[:, :, None] * mean[:, None, :]
    cov /= (total - 1)[:, None, None]
    sd = np.sqrt(np.einsum("bii->bi", cov))
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = cov / (sd[:, :, None] * sd[:, None, :])
    idx = np.arange(p)
    corr[:, idx, idx] = 1.0
    return corr, mean, cov


def _solve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Batched ``a x = b`` for vectors ``b`` (..., k); singular members give NaN instead of aborting the batch."""
    try:
        return np.linalg.solve(a, b[..., None])[..., 0]
    except np.linalg.LinAlgError:
        flat_a, flat_b = a.reshape(-1, *a.shape[-2:]), b.reshape(-1, b.shape[-1])
        out = np.full(flat_b.shape, np.nan)
        for i in range(flat_a.shape[0]):  # rare fallback: only when a member is exactly singular
            try:
                out[i] = np.linalg.solve(flat_a[i], flat_b[i])
            except np.linalg.LinAlgError:
                pass
        return out.reshape(b.shape)


def _regressions(c: np.ndarray, layout: Layout) -> tuple[np.ndarray, np.ndarray]:
    """OLS coefficients (B, E, q) of every endogenous construct on its antecedents, and the
    matching right-hand sides ``cor(antecedent, target)``, from construct correlations ``c``."""
    idx, valid, tgt = layout.reg_idx, layout.reg_valid, layout.reg_target
    q = idx.shape[1]
    a = c[:, idx[:, :, None], idx[:, None, :]]
    a = np.where(valid[:, :, None] & valid[:, None, :], a, np.eye(q))  # identity on the padding
    rhs = np.where(valid, c[:, idx, tgt[:, None]], 0.0)
    return _solve(a, rhs), rhs


def _normalise(w: np.ndarray, s: np.ndarray) -> np.ndarray:
    var = np.einsum("bpm,bpm->bm", w, s @ w)
    with np.errstate(invalid="ignore", divide="ignore"):
        return w / np.sqrt(var)[:, None, :]


def _inner_weights(c: np.ndarray, layout: Layout) -> np.ndarray:
    a = layout.adjacency
    if layout.scheme == "centroid":
        return np.sign(c) * np.maximum(a, a.T)
    if layout.scheme == "factorial":
        return c * np.maximum(a, a.T)
    # path: successors weigh in by correlation, antecedents by multiple-regression coefficients
    e = c * a.T
    if layout.endogenous:
        beta, _ = _regressions(c, layout)
        valid = layout.reg_valid
        e[:, layout.reg_idx[valid], np.broadcast_to(layout.reg_target[:, None], valid.shape)[valid]] = beta[:, valid]
    return e


def fit_outer(s: np.ndarray, layout: Layout, max_iter: int = 300, tol: float = 1e-7) -> OuterFit:
    """Iterate the outer/inner estimation of every matrix in the stack ``s`` (B, p, p) to its fixed point."""
    bsz = s.shape[0]
    mask = layout.mask
    inv_b = {
        k: np.linalg.pinv(s[:, layout.blocks[k][:, None], layout.blocks[k]], hermitian=True)
        for k in np.flatnonzero(layout.mode_b)
    }
    w = _normalise(np.broadcast_to(mask, (bsz, *mask.shape)).copy(), s)
    iterations = np.full(bsz, max_iter)
    converged = np.zeros(bsz, dtype=bool)
    diff = np.full(bsz, np.inf)
    for it in range(1, max_iter + 1):
        sw = s @ w
        c = w.transpose(0, 2, 1) @ sw
        t = sw @ _inner_weights(c, layout)
        w_new = t * mask
        for k, inv in inv_b.items():
            idx = layout.blocks[k]
            w_new[:, idx, k] = (inv @ t[:, idx, k, None])[..., 0]
        w_new = _normalise(w_new, s)
        diff = np.abs(w_new - w).sum(axis=(1, 2))
        w = w_new
        newly = (diff < tol) & ~converged
        iterations[newly] = it
        converged |= newly
        if converged.all():
            break
    return OuterFit(w, iterations, converged, diff)


def latent_correlations(w: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Construct-score correlations ``W' S W`` (B, m, m)."""
    return w.transpose(0, 2, 1) @ s @ w


def rho_a(w: np.ndarray, s: np.ndarray, layout: Layout) -> np.ndarray:
    """Dijkstra-Henseler rho_A (B, m); 1 for mode B and single-item constructs (as seminr)."""
    out = np.ones((*w.shape[:1], layout.m))
    for k, idx in enumerate(layout.blocks):
        if layout.mode_b[k] or idx.size == 1:
            continue
        wk = w[:, idx, k]
        skk = s[:, idx[:, None], idx]
        wtw = (wk**2).sum(axis=1)
        num = np.einsum("bi,bij,bj->b", wk, skk, wk) - (np.einsum("bii->bi", skk) * wk**2).sum(axis=1)
        den = wtw**2 - (wk**4).sum(axis=1)
        out[:, k] = wtw**2 * num / den
    return out


def plsc(c: np.ndarray, w: np.ndarray, s: np.ndarray, layout: Layout) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Consistent PLS (Dijkstra & Henseler 2015).

    Returns the disattenuated construct correlations (reflective constructs
    only; composites keep rho = 1), the consistent loadings ``sqrt(rho_A) w / w'w``
    of reflective constructs (B, p, m; NaN elsewhere) and rho_A itself.
    """
    rho = rho_a(w, s, layout)
    rho_used = np.where(layout.reflective, rho, 1.0)
    root = np.sqrt(rho_used)
    with np.errstate(invalid="ignore"):
        cc = c / (root[:, :, None] * root[:, None, :])
    m = layout.m
    cc[:, np.arange(m), np.arange(m)] = 1.0
    lam = np.full(w.shape, np.nan)
    for k in np.flatnonzero(layout.reflective):
        idx = layout.blocks[k]
        wk = w[:, idx, k]
        lam[:, idx, k] = wk * (np.sqrt(rho[:, k]) / (wk**2).sum(axis=1))[:, None]
    return cc, lam, rho


def structural(c: np.ndarray, layout: Layout) -> tuple[np.ndarray, np.ndarray]:
    """Path coefficients (B, m, m; ``[i, j]`` is the path i -> j) and R^2 (B, m; NaN if exogenous) by OLS on ``c``."""
    bsz, m = c.shape[0], layout.m
    paths = np.zeros((bsz, m, m))
    r2 = np.full((bsz, m), np.nan)
    if layout.endogenous:
        beta, rhs = _regressions(c, layout)
        valid = layout.reg_valid
        targets = np.broadcast_to(layout.reg_target[:, None], valid.shape)[valid]
        paths[:, layout.reg_idx[valid], targets] = beta[:, valid]
        r2[:, layout.reg_target] = (beta * rhs).sum(axis=2)
    return paths, r2


def total_effects(paths: np.ndarray) -> np.ndarray:
    """Total effects ``(I - B)^-1 - I`` of a recursive path matrix stack (B, m, m)."""
    m = paths.shape[-1]
    eye = np.eye(m)
    return np.linalg.inv(eye - paths) - eye
