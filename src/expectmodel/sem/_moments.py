"""Stacks of correlation matrices from weighted moments of the data (array-first core).

A bootstrap resample, a permutation group or a jackknife replicate is a vector
of row weights; its indicator correlation matrix follows from the weighted row
sums and cross-product sums, so thousands of them are one matrix product over
the upper triangle of ``z_i z_i'``.  The correlations come out batch-last, in
the layout :mod:`expectmodel.sem._kernel`'s fixed point iterates on, and their
large intermediates can live in a :class:`Scratch` reused from chunk to chunk.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

__all__ = ["Scratch", "correlation_stack", "fresh", "moments_to_correlation", "packed_products"]


class Scratch:
    """Named work arrays that outlive one call, for loops over chunks (a bootstrap).

    A fresh megabyte-sized array costs page faults when it is first written, and on
    the virtual machines we measured those faults cost more than the arithmetic done
    in the array (a chunk's correlations took 0.65 ms in reused memory and 0.8-3.3 ms
    in fresh memory, depending on what the allocator had kept).  Functions that take a
    ``scratch`` write their large intermediates into it; without one (``None``) they
    allocate as usual.  An array handed out is overwritten by the next call that asks
    for the same name, so results that must survive are copied out of it.  Not
    thread-safe: one per thread.
    """

    __slots__ = ("_arrays",)

    def __init__(self) -> None:
        self._arrays: dict[str, np.ndarray] = {}

    def __call__(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        a = self._arrays.get(name)
        if a is None or a.shape != shape:
            a = self._arrays[name] = np.empty(shape)
        return a


def fresh(name: str, shape: tuple[int, ...]) -> np.ndarray:
    """A new array: the stand-in for a :class:`Scratch` where there is none."""
    return np.empty(shape)


PACKED_PRODUCTS_MAX_BYTES = 256 * 2**20  # n = 100,000 x 24 indicators (240 MB) is formed once per bootstrap


def packed_products(z: np.ndarray) -> np.ndarray | None:
    """The cross-products ``z_ij z_ik`` (j <= k) of every row, as a (p(p+1)/2, n) array, when it
    fits in ``PACKED_PRODUCTS_MAX_BYTES`` (else ``None``: :func:`correlation_stack` then forms
    them chunk by chunk of rows).  Computed once, they serve every chunk of a bootstrap."""
    n, p = z.shape
    iu = np.triu_indices(p)
    if iu[0].size * n * 8 > PACKED_PRODUCTS_MAX_BYTES:
        return None
    zt = np.ascontiguousarray(z.T)
    return zt[iu[0]] * zt[iu[1]]


def correlation_stack(z: np.ndarray, counts: np.ndarray, chunk_rows: int = 65_536, *,
                      products: np.ndarray | None = None, scratch: Scratch | None = None,
                      packed: bool = False) -> tuple[np.ndarray, ...]:
    """Weighted moments of the rows of ``z`` for many weight vectors at once.

    ``counts`` (B, n) holds how often each row is drawn (a bootstrap), or 0/1
    group memberships (a permutation).  Returns the correlation matrices
    (B, p, p), the weighted means (B, p) and the weighted variances (B, p,
    divisor ``sum(counts) - 1``).  The cross-products are one matrix product
    ``(z_i z_i') @ counts'`` over the upper triangle, so the cost is a single
    BLAS call per chunk of rows instead of a Python loop over resamples.
    ``products`` is :func:`packed_products` of ``z`` where the caller has it.

    The correlations are a (B, p, p) view of a batch-last (p, p, B) array (the
    layout :func:`fit_outer` iterates on); with ``scratch`` that array lives in it.
    ``packed=True`` appends the packed upper triangle (p(p+1)/2, B) of the correlations.
    """
    n, p = z.shape
    b = counts.shape[0]
    iu = np.triu_indices(p)
    get = scratch or fresh
    total = counts.sum(axis=1)
    s1 = counts @ z
    s2 = get("s2", (iu[0].size, b))
    if products is not None or n <= chunk_rows:
        np.matmul(packed_products(z) if products is None else products, counts.T, out=s2)
    else:
        s2[...] = 0.0
        zt = z.T
        for start in range(0, n, chunk_rows):
            zc = zt[:, start:start + chunk_rows]
            s2 += (zc[iu[0]] * zc[iu[1]]) @ counts[:, start:start + chunk_rows].T
    out = _packed_correlation(s1, s2, total, iu, get)
    return (*out, s2) if packed else out


def moments_to_correlation(s1: np.ndarray, s2: np.ndarray, total: np.ndarray,
                           packed: bool = False) -> tuple[np.ndarray, ...]:
    """Correlations, means and variances (divisor ``total - 1``) from row sums ``s1`` (B, p),
    cross-product sums ``s2`` (B, p, p) and row counts ``total`` (B,); ``packed`` as in
    :func:`correlation_stack`."""
    iu = np.triu_indices(s1.shape[1])
    s2 = np.ascontiguousarray(s2[:, iu[0], iu[1]].T)
    out = _packed_correlation(s1, s2, total, iu, fresh)
    return (*out, s2) if packed else out


def _packed_correlation(s1: np.ndarray, s2: np.ndarray, total: np.ndarray,
                        iu: tuple[np.ndarray, np.ndarray], get) -> tuple[np.ndarray, ...]:
    """:func:`moments_to_correlation` on the packed upper triangle ``s2`` (p(p+1)/2, B), batch last:
    half the work of the full matrices.  ``s2`` is overwritten by the packed correlations (every
    caller passes its own scratch); the other large intermediates come from ``get`` (a
    :class:`Scratch`, or fresh arrays)."""
    b, p = s1.shape
    shape = s2.shape
    mean = s1 / total[:, None]
    mean_t = np.ascontiguousarray(mean.T)
    left, right = get("left", shape), get("right", shape)
    np.take(mean_t, iu[0], axis=0, out=left, mode="clip")
    left *= np.take(mean_t, iu[1], axis=0, out=right, mode="clip")
    left *= total
    cov = np.subtract(s2, left, out=s2)  # centred cross-product sums; the divisor cancels in a correlation
    diag = np.flatnonzero(iu[0] == iu[1])
    sums = cov[diag]
    with np.errstate(invalid="ignore", divide="ignore"):
        inv_root = 1.0 / np.sqrt(sums)
    np.take(inv_root, iu[0], axis=0, out=left, mode="clip")
    left *= np.take(inv_root, iu[1], axis=0, out=right, mode="clip")
    cov *= left
    cov[diag] = 1.0
    full = np.take(cov, _unpack_index(p), axis=0, out=get("corr", (p * p, b)), mode="clip")
    return full.reshape(p, p, b).transpose(2, 0, 1), mean, (sums / (total - 1)).T


@lru_cache(maxsize=16)
def _unpack_index(p: int) -> np.ndarray:
    """For every (i, j) of a p x p matrix, its position in the packed upper triangle (row-major)."""
    pos = np.empty((p, p), dtype=np.intp)
    iu = np.triu_indices(p)
    pos[iu] = np.arange(iu[0].size)
    pos[iu[1], iu[0]] = pos[iu]
    return pos.ravel()
