"""The PLS-PM fixed point on stacks of correlation matrices (array-first core).

With standardised indicators the whole PLS-PM algorithm depends on the data
only through the indicator correlation matrix ``S`` (p x p).  Every function
here therefore takes a *stack* ``S`` of shape ``(B, p, p)``: one matrix for a
single fit, thousands for a bootstrap, permutation test or jackknife, all
iterated together with batched linear algebra (the stacks themselves come
from :mod:`expectmodel.sem._moments`).  Nothing here knows about pandas or
names; :mod:`expectmodel.sem.pls` puts the labels on.

Conventions (R seminr's, see METHODS §1b): outer weights start at 1, construct
scores have unit variance, mode A weights are covariances with the inner proxy,
mode B weights solve ``S_kk w = cov(x_k, proxy)``, and iteration stops when the
summed absolute change of all outer weights falls below ``tol``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from expectmodel.spec import Model

__all__ = [
    "Layout",
    "OuterFit",
    "fit_outer",
    "latent_correlations",
    "plsc",
    "rho_a",
    "spd_solve",
    "structural",
    "total_effects",
]

SCHEMES = ("path", "centroid", "factorial")
SMALL_STACK = 32  # systems per batch below which LAPACK's per-call overhead is the cheaper price


@dataclass(frozen=True)
class Layout:
    """A :class:`Model` compiled to index arrays."""

    p: int
    m: int
    blocks: tuple[np.ndarray, ...]  # indicator positions of each construct
    mask: np.ndarray  # (p, m) 0/1 block membership
    block_of: np.ndarray  # (p,) construct of each indicator
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
    # positions in ``[c.ravel(), 1, 0]`` (the construct correlations plus two sentinels) that gather
    # every regression's normal equations at once, with identity rows and zeros on the padding
    reg_lhs: np.ndarray  # (E, q, q)
    reg_rhs: np.ndarray  # (E, q)
    reg_normal: np.ndarray  # (E, q, q + 1): reg_lhs with reg_rhs appended as the last column
    reg_beta_pos: np.ndarray  # flat positions of the valid coefficients in an (E, q) solution
    reg_flat: np.ndarray  # flat positions i * m + j of the antecedent -> target inner weights
    neighbours: np.ndarray  # (m, m) 1 where a path joins i and j in either direction
    topological: tuple[int, ...]  # constructs ordered so that every path points forward
    # the packed upper triangle (i < j, row-major) regrouped by block pair: positions, group starts,
    # and each group's (block, block); within-block groups only for blocks of two or more items
    pair_order: np.ndarray
    pair_starts: np.ndarray
    pair_blocks: np.ndarray  # (G, 2)

    @classmethod
    def from_model(cls, model: Model, scheme: str = "path") -> Layout:
        return _layout(model, scheme)

    @classmethod
    def _build(cls, model: Model, scheme: str) -> Layout:
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
        targets = np.array(endogenous, dtype=int)
        one, zero = m * m, m * m + 1  # the sentinels appended to c.ravel()
        lhs = np.where(reg_valid[:, :, None] & reg_valid[:, None, :], reg_idx[:, :, None] * m + reg_idx[:, None, :],
                       np.where(np.eye(width, dtype=bool), one, zero))
        rhs = np.where(reg_valid, reg_idx * m + targets[:, None], zero)
        return cls(
            p=p, m=m, blocks=tuple(blocks), mask=mask, block_of=np.argmax(mask, axis=1),
            mode_b=np.array([c.mode == "B" and len(c.indicators) > 1 for c in model.constructs]),
            reflective=np.array([c.kind == "reflective" and len(c.indicators) > 1 for c in model.constructs]),
            adjacency=adjacency, preds=preds,
            endogenous=endogenous, scheme=scheme,
            reg_idx=reg_idx, reg_valid=reg_valid, reg_target=targets,
            reg_lhs=lhs, reg_rhs=rhs, reg_normal=np.concatenate([lhs, rhs[..., None]], axis=2),
            reg_beta_pos=np.flatnonzero(reg_valid),
            reg_flat=(reg_idx * m + targets[:, None])[reg_valid],
            neighbours=np.maximum(adjacency, adjacency.T),
            topological=tuple(pos[n] for n in model.topological_order),
            **_block_pairs(np.argmax(mask, axis=1), p),
        )


def _block_pairs(block_of: np.ndarray, p: int) -> dict[str, np.ndarray]:
    """``Layout.pair_*``: the off-diagonal entries of the packed upper triangle grouped by the pair of
    blocks they join, so that every block-pair sum of a stack is one ``np.add.reduceat``."""
    iu = np.triu_indices(p)
    off = np.flatnonzero(iu[0] != iu[1])
    lo = np.minimum(block_of[iu[0][off]], block_of[iu[1][off]])
    hi = np.maximum(block_of[iu[0][off]], block_of[iu[1][off]])
    key = lo * p + hi
    order = off[np.argsort(key, kind="stable")]
    keys, starts = np.unique(np.sort(key), return_index=True)
    return {"pair_order": order, "pair_starts": starts, "pair_blocks": np.column_stack([keys // p, keys % p])}


@lru_cache(maxsize=64)
def _layout(model: Model, scheme: str) -> Layout:
    return Layout._build(model, scheme)


@dataclass(frozen=True)
class OuterFit:
    weights: np.ndarray  # (B, p, m) standardised outer weights, zero off-block
    corr: np.ndarray  # (B, m, m) construct-score correlations W'SW at the solution
    cross: np.ndarray  # (B, p, m) indicator-score correlations SW at the solution
    iterations: np.ndarray  # (B,) iterations to convergence (max_iter if not converged)
    converged: np.ndarray  # (B,) bool
    weight_diff: np.ndarray  # (B,) last summed absolute weight change


try:  # the LAPACK gufunc behind np.linalg.solve, without its per-call checks (2-4 us a call)
    from numpy.linalg import _umath_linalg

    def _solve_nan(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """``np.linalg.solve`` for float64 stacks ``a`` (..., q, q), ``b`` (..., q, k); a singular
        system gives NaN (warning only under the caller's ``np.errstate``) instead of raising."""
        return _umath_linalg.solve(a, b, signature="dd->d")

    def eigvalsh(a: np.ndarray) -> np.ndarray:
        """``np.linalg.eigvalsh`` (ascending eigenvalues of symmetric float64 stacks) without the wrapper."""
        with np.errstate(invalid="ignore"):
            return _umath_linalg.eigvalsh_lo(a, signature="d->d")
except ImportError:  # pragma: no cover - a numpy without the private module
    eigvalsh = np.linalg.eigvalsh

    def _solve_nan(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        try:
            return np.linalg.solve(a, b)
        except np.linalg.LinAlgError:
            return np.full(b.shape, np.nan)


def spd_solve(a: np.ndarray, b: np.ndarray, overwrite: bool = False) -> np.ndarray:
    """Solve ``a x = b`` for many small symmetric positive definite systems, batch axis *last*.

    ``a`` is (q, q, N) and ``b`` (q, N); returns ``x`` (q, N).  Gaussian
    elimination written out over the tiny dimension ``q`` and vectorised over
    the N systems: no pivoting is needed for SPD matrices, and with the batch
    axis last every step is one contiguous numpy operation, where a LAPACK
    call per system dominates the cost of a bootstrap.  A singular system
    gives inf/NaN in its own column only, never an exception for the stack.
    ``overwrite`` lets it work in ``a`` and ``b`` (callers that gathered them fresh).
    """
    q = a.shape[0]
    y = b if overwrite else b.copy()
    a = a if overwrite else a.copy()
    with np.errstate(invalid="ignore", divide="ignore"):
        for j in range(q - 1):
            f = a[j + 1:, j] / a[j, j]
            a[j + 1:, j + 1:] -= f[:, None] * a[j, j + 1:][None]
            y[j + 1:] -= f * y[j]
        x = np.empty_like(y)
        for j in range(q - 1, -1, -1):
            x[j] = y[j] - (a[j, j + 1:] * x[j + 1:]).sum(axis=0) if j < q - 1 else y[j]
            x[j] /= a[j, j]
    return x


def _with_sentinels(c: np.ndarray) -> np.ndarray:
    """``c`` (B, m, m) flattened to (B, m*m + 2) with a 1 and a 0 appended (see ``Layout.reg_lhs``)."""
    flat = np.empty((c.shape[0], c.shape[1] * c.shape[2] + 2))
    flat[:, :-2] = c.reshape(c.shape[0], -1)
    flat[:, -2:] = (1.0, 0.0)
    return flat


def _regressions(c: np.ndarray, layout: Layout) -> tuple[np.ndarray, np.ndarray]:
    """OLS coefficients (B, E, q) of every endogenous construct on its antecedents, and the
    matching right-hand sides ``cor(antecedent, target)``, from construct correlations ``c``."""
    flat = _with_sentinels(c)
    if c.shape[0] * layout.reg_rhs.shape[0] <= SMALL_STACK:  # few systems: one LAPACK call is cheapest
        a, rhs = flat[:, layout.reg_lhs], flat[:, layout.reg_rhs]
        with np.errstate(invalid="ignore"):  # a singular member gets NaN
            return _solve_nan(a, rhs[..., None])[..., 0], rhs
    beta, rhs = _regressions_last(flat.T, layout)
    return beta.transpose(2, 1, 0), rhs.transpose(2, 1, 0)


def _regressions_last(ft: np.ndarray, layout: Layout) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_regressions` batch-last: ``ft`` (m*m + 2, B) holds the flattened construct
    correlations and the two sentinels; returns the coefficients and right-hand sides (q, E, B)."""
    q, e = layout.reg_lhs.shape[1], layout.reg_lhs.shape[0]
    a = ft[layout.reg_lhs.transpose(1, 2, 0)]  # (q, q, E, B)
    rhs = ft[layout.reg_rhs.T]  # (q, E, B)
    beta = spd_solve(a.reshape(q, q, -1), rhs.reshape(q, -1).copy(), overwrite=True)
    return beta.reshape(q, e, -1), rhs


def fit_outer(s: np.ndarray, layout: Layout, max_iter: int = 300, tol: float = 1e-7) -> OuterFit:
    """Iterate the outer/inner estimation of every matrix in the stack ``s`` (B, p, p) to its fixed point.

    Each member stops at its own convergence (as a one-by-one fit would): the
    converged members are set aside and the rest iterate on, so a bootstrap
    pays for its slowest resamples only where they are.
    """
    bsz, p, m = s.shape[0], layout.p, layout.m
    mode_b = np.flatnonzero(layout.mode_b)
    inv_b = {k: np.linalg.pinv(s[:, layout.blocks[k][:, None], layout.blocks[k]], hermitian=True)
             for k in mode_b}
    out_w, out_sw, out_c = np.empty((bsz, p, m)), np.empty((bsz, p, m)), np.empty((bsz, m, m))
    iterations = np.full(bsz, max_iter)
    diff_out = np.full(bsz, np.inf)
    converged = np.zeros(bsz, dtype=bool)

    with np.errstate(invalid="ignore", divide="ignore"):
        w0 = layout.mask  # seminr's start: every weight 1
        if bsz == 1:
            _iterate_one(s[0], layout, max_iter, tol, {k: v[0] for k, v in inv_b.items()}, w0,
                         out_w[0], out_sw[0], out_c[0], iterations, diff_out, converged)
        else:
            _iterate(s, layout, max_iter, tol, inv_b, w0, out_w, out_sw, out_c, iterations, diff_out, converged)
    return OuterFit(out_w, out_c, out_sw, iterations, converged, diff_out)


def _iterate_one(s, layout, max_iter, tol, inv_b, w0, out_w, out_sw, out_c, iterations, diff_out, converged) -> None:
    """:func:`_iterate` for a single matrix, on 2-D arrays: the same arithmetic in as few numpy
    calls as possible, because a lone fit is all call overhead."""
    mask, m = layout.mask, layout.m
    path = layout.scheme == "path" and bool(layout.endogenous)
    adj_t = layout.adjacency.T
    flat = np.empty(m * m + 2)  # the construct correlations c, then the sentinels 1 and 0
    flat[-2:] = (1.0, 0.0)
    c = flat[:-2].reshape(m, m)  # a view: c is written in place, so the gather below needs no copy
    normal = layout.reg_normal  # (E, q, q + 1): each regression's [lhs | rhs] in one gather
    q = normal.shape[1]
    beta_pos, beta_dst = layout.reg_beta_pos, layout.reg_flat

    def moments(tm):
        u = s @ tm
        g = tm.T @ u
        scale = 1.0 / np.sqrt(g.diagonal())
        np.multiply(g, np.multiply.outer(scale, scale), out=c)
        return u, scale

    u, scale = moments(w0)
    w = w0 * scale
    it, diff = 0, np.inf
    for it in range(1, max_iter + 1):
        if path:
            e = c * adj_t
            aug = flat[normal]
            e.ravel()[beta_dst] = _solve_nan(aug[..., :q], aug[..., q:]).ravel()[beta_pos]
        else:
            e = _inner_weights(c[:, :, None], layout)[:, :, 0]
        e *= scale[:, None]
        t = u @ e  # (S W) e, with W standardised
        tm = t * mask
        for k in inv_b:
            idx = layout.blocks[k]
            tm[idx, k] = inv_b[k] @ t[idx, k]
        u, scale = moments(tm)
        w_new = tm * scale
        diff = float(np.add.reduce(np.abs(w_new - w), axis=None))
        w = w_new
        if diff < tol:
            iterations[0], converged[0] = it, True
            break
    out_w[...], out_sw[...], out_c[...] = w, u * scale, c
    diff_out[0] = diff


def _iterate(s, layout, max_iter, tol, inv_b, w0, out_w, out_sw, out_c, iterations, diff_out, converged) -> None:
    """The batched fixed point, with the batch on the *last* axis of every array.

    Small batched matrix products (``S W`` for 250 matrices of 24 x 24) cost a BLAS call per
    matrix; batch-last, ``S W`` is one contraction per block (W is block-diagonal, so only the
    products that are not zero are formed), and every other step is one contiguous numpy operation.
    Weights are carried as own-block vectors (p, B). Members that have converged are set aside
    once they are a third of those still iterating (until then they iterate on, their results
    already stored).
    """
    bsz, p, m = s.shape[0], layout.p, layout.m
    mask, block_of = layout.mask, layout.block_of
    bounds = [(int(b[0]), int(b[-1]) + 1) for b in layout.blocks]
    active = np.arange(bsz)
    pending = np.ones(bsz, dtype=bool)  # among the active: not yet converged
    s_t = np.ascontiguousarray(s.transpose(1, 2, 0))  # (p, p, B)
    inv_t = {k: np.ascontiguousarray(v.transpose(1, 2, 0)) for k, v in inv_b.items()}  # (nk, nk, B)
    wv = np.repeat(w0.reshape(-1)[np.arange(p) * m + block_of][:, None], bsz, axis=1)
    u, g, scale = _moments_last(wv, s_t, bounds, m)
    c = _scaled(g, scale)
    wv = wv * scale[block_of]
    for it in range(1, max_iter + 1):
        e = _inner_weights(c, layout)
        e *= scale[:, None]  # the score-variance scale of S W, folded into the inner weights
        tv = np.empty_like(wv)  # own-block entries of (S W) e, block by block
        for k, (lo, hi) in enumerate(bounds):
            np.einsum("ilb,lb->ib", u[lo:hi], e[:, k], out=tv[lo:hi])
        for k, inv in inv_t.items():
            lo, hi = bounds[k]
            tv[lo:hi] = np.einsum("ijb,jb->ib", inv, tv[lo:hi])
        u, g, scale = _moments_last(tv, s_t, bounds, m)
        c = _scaled(g, scale)
        wv_new = tv * scale[block_of]
        diff = np.abs(wv_new - wv).sum(axis=0)
        wv = wv_new
        last = it == max_iter
        fin = pending & ((diff < tol) | last)
        if fin.any():
            rows = active[fin]
            out_w[rows] = wv[:, fin].T[:, :, None] * mask
            out_sw[rows] = (u[:, :, fin] * scale[None, :, fin]).transpose(2, 0, 1)
            out_c[rows] = c[:, :, fin].transpose(2, 0, 1)
            diff_out[rows] = diff[fin]
            ok = fin & (diff < tol)
            iterations[active[ok]] = it
            converged[active[ok]] = True
            pending &= ~fin
            if last or not pending.any():
                break
            if 3 * (pending.size - pending.sum()) >= pending.size:
                keep = pending
                active, wv, u, c, scale = active[keep], wv[:, keep], u[:, :, keep], c[:, :, keep], scale[:, keep]
                s_t = s_t[:, :, keep]
                inv_t = {k: v[:, :, keep] for k, v in inv_t.items()}
                pending = np.ones(active.size, dtype=bool)


def _moments_last(wv: np.ndarray, s_t: np.ndarray, bounds: list[tuple[int, int]], m: int) -> tuple[np.ndarray, ...]:
    """``S W`` (p, m, B), ``W'SW`` (m, m, B) and ``1 / sd(score)`` (m, B), batch last, for
    own-block weight vectors ``wv`` (p, B) of contiguous blocks ``bounds``: one contraction per
    block, without the (p, p, B) elementwise product as a temporary (5% of a 5,000-resample bootstrap)."""
    p, bsz = wv.shape
    u = np.empty((p, m, bsz))
    for k, (lo, hi) in enumerate(bounds):
        np.einsum("ijb,jb->ib", s_t[:, lo:hi], wv[lo:hi], out=u[:, k])
    g = np.empty((m, m, bsz))
    for k, (lo, hi) in enumerate(bounds):
        np.einsum("jlb,jb->lb", u[lo:hi], wv[lo:hi], out=g[k])
    return u, g, 1.0 / np.sqrt(g.reshape(m * m, bsz)[:: m + 1])


def _scaled(g: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Correlations from the covariances ``g`` (m, m, B) and the inverse sds ``scale`` (m, B), in place."""
    g *= scale[:, None]
    g *= scale[None]
    return g


def _inner_weights(c: np.ndarray, layout: Layout) -> np.ndarray:
    """``e[i, j, b]``: the weight of construct ``i`` in the inner proxy of construct ``j``, for
    construct correlations ``c`` (m, m, B) with the batch last; a new array."""
    if layout.scheme == "centroid":
        return np.sign(c) * layout.neighbours[:, :, None]
    if layout.scheme == "factorial":
        return c * layout.neighbours[:, :, None]
    # path: successors weigh in by correlation, antecedents by multiple-regression coefficients
    e = c * layout.adjacency.T[:, :, None]
    if layout.endogenous:
        m, bsz = layout.m, c.shape[2]
        flat = np.empty((m * m + 2, bsz))
        flat[:-2] = c.reshape(m * m, bsz)
        flat[-2], flat[-1] = 1.0, 0.0
        beta, _ = _regressions_last(flat, layout)
        e.reshape(m * m, bsz)[layout.reg_flat] = beta.transpose(1, 0, 2)[layout.reg_valid]
    return e


def latent_correlations(w: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Construct-score correlations ``W' S W`` (B, m, m)."""
    return w.transpose(0, 2, 1) @ s @ w


def rho_a(w: np.ndarray, s: np.ndarray, layout: Layout, sw: np.ndarray | None = None) -> np.ndarray:
    """Dijkstra-Henseler rho_A (B, m); 1 for mode B and single-item constructs (as seminr).

    With block weights ``w`` (zero off-block) every block is one column, so all
    constructs are handled together: ``rho_A = (w'w)^2 (w'Sw - sum w_i^2 S_ii) /
    ((w'w)^2 - sum w_i^4)``.
    """
    rows = np.arange(layout.p)
    w_own = w[:, rows, layout.block_of]
    sw_own = (s @ w if sw is None else sw)[:, rows, layout.block_of]
    return rho_a_own(w_own, sw_own, np.einsum("bii->bi", s), layout)


def rho_a_own(w: np.ndarray, sw: np.ndarray, s_diag: np.ndarray, layout: Layout) -> np.ndarray:
    """:func:`rho_a` from own-block entries only (B, p): the weights ``w``, ``(S W)[i, block(i)]``
    and the diagonal of ``S``; per-construct sums are one product with the block mask."""
    w2 = w * w
    terms = np.stack([w2, w * sw, w2 * s_diag, w2 * w2])  # (4, B, p)
    wtw, quad, own, w4 = (terms.reshape(-1, layout.p) @ layout.mask).reshape(4, -1, layout.m)
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = wtw**2 * (quad - own) / (wtw**2 - w4)
    return np.where(layout.mode_b | (layout.mask.sum(axis=0) == 1), 1.0, rho)


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
        paths.reshape(bsz, -1)[:, layout.reg_flat] = beta[:, valid]
        r2[:, layout.reg_target] = (beta * rhs).sum(axis=2)
    return paths, r2


def total_effects(paths: np.ndarray, layout: Layout) -> np.ndarray:
    """Total effects ``(I - B)^-1 - I`` of a stack of path matrices (B, m, m) of the recursive model ``layout``.

    A large stack uses forward substitution in topological order, every member
    at once: the total effect on ``j`` is its direct paths plus, for each
    antecedent ``k``, the total effects on ``k`` times the path ``k -> j`` (a
    handful of vector operations instead of a LAPACK solve per member).  A
    small stack (a lone fit) is cheaper as one LAPACK call.
    """
    if paths.shape[0] <= SMALL_STACK:
        eye = np.eye(paths.shape[-1])
        with np.errstate(invalid="ignore", divide="ignore"):
            return _solve_nan(eye - paths, np.broadcast_to(eye, paths.shape)) - eye
    total = np.zeros_like(paths)
    for j in layout.topological:
        preds = layout.preds[j]
        if not preds.size:
            continue
        col = total[:, :, j]
        col[...] = paths[:, :, j]
        for k in preds:
            col += total[:, :, k] * paths[:, k, j, None]
    return total
