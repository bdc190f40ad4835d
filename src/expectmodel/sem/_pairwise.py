"""Pairwise-complete moments from per-pair sums: of one data set, and of a batch of bootstrap resamples at once.

Each correlation is Pearson's over the rows answering both columns, with that subset's means and SDs
(R's ``cor(use = "pairwise.complete.obs")``). :func:`~expectmodel.sem._data.pairwise_moments` packages one
data set's for :class:`~expectmodel.sem._data.PreparedData`; :func:`pairwise_correlation_stack` does every
resample of a bootstrap in one matrix product. Both are importable from :mod:`expectmodel.sem._data`.
"""

from __future__ import annotations

import numpy as np


def _pair_terms(n: np.ndarray, s: np.ndarray, q: np.ndarray, c: np.ndarray, shift: np.ndarray):
    """Means, SDs and correlations from per-pair sums (last two axes j, k; leading axes broadcast).

    ``n[j, k]`` rows answer both; ``s[j, k]`` / ``q[j, k]`` sum x_j / x_j^2 over them (x shifted by
    ``shift``); ``c[j, k]`` sums x_j x_k. The correlation of a pair uses that pair's own means and SDs.
    """
    st = np.swapaxes(s, -1, -2)
    qt = np.swapaxes(q, -1, -2)
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = c - s * st / n
        vj = q - s * s / n
        vk = qt - st * st / n
        corr = cov / np.sqrt(vj * vk)
        nd = np.diagonal(n, axis1=-2, axis2=-1)
        sd_ = np.diagonal(s, axis1=-2, axis2=-1)
        mean = shift + sd_ / nd
        var = np.diagonal(vj, axis1=-2, axis2=-1) / (nd - 1)
    p = corr.shape[-1]
    corr[..., np.arange(p), np.arange(p)] = 1.0
    return mean, np.sqrt(var), corr


def _shifted(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The 0/1 answered mask, the data shifted by each column's mean with NaN -> 0, and that shift."""
    observed = ~np.isnan(x)
    with np.errstate(invalid="ignore"):
        shift = np.nanmean(x, axis=0) if observed.any() else np.zeros(x.shape[1])
    shift = np.where(np.isfinite(shift), shift, 0.0)
    x0 = np.where(observed, x - shift, 0.0)
    return observed.astype(np.float64), x0, shift


def pairwise_correlation_stack(x: np.ndarray, counts: np.ndarray, *, chunk: int | None = None
                               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairwise-complete correlations of a batch of bootstrap resamples, without a loop over resamples.

    Parameters
    ----------
    x : ndarray (n, p)
        The data, NaN for a missing answer.
    counts : ndarray (B, n)
        How often each row is drawn in each resample.
    chunk : int, optional
        Rows per block of the row-wise products (bounds the memory; default ~4 million cells).

    Returns
    -------
    corr : ndarray (B, p, p)
        Each resample's pairwise-complete correlation matrix.
    mean, sd : ndarray (B, p)
        Each resample's column means and SDs (n - 1) over the answered rows.

    Notes
    -----
    Per row, the products ``m_j m_k``, ``x_j m_k``, ``x_j^2 m_k`` and ``x_j x_k`` (``m`` the 0/1 answered
    mask, ``x`` shifted by the column means with NaN -> 0) are the columns of one (n, 4 p^2) matrix;
    ``counts @`` that matrix gives every resample's pair counts, sums, sums of squares and
    cross-products at once.
    """
    x = np.asarray(x, dtype=np.float64)
    counts = np.asarray(counts, dtype=np.float64)
    n, p = x.shape
    if counts.ndim != 2 or counts.shape[1] != n:
        raise ValueError(f"counts must be (B, {n}), got {counts.shape}.")
    m, x0, shift = _shifted(x)
    b = counts.shape[0]
    width = 4 * p * p
    step = chunk or max(1, 4_000_000 // width)
    acc = np.zeros((b, width))
    for a in range(0, n, step):
        mm, xx = m[a:a + step], x0[a:a + step]
        rows = mm.shape[0]
        feats = np.empty((rows, 4, p, p))
        np.multiply(mm[:, :, None], mm[:, None, :], out=feats[:, 0])
        np.multiply(xx[:, :, None], mm[:, None, :], out=feats[:, 1])
        np.multiply((xx * xx)[:, :, None], mm[:, None, :], out=feats[:, 2])
        np.multiply(xx[:, :, None], xx[:, None, :], out=feats[:, 3])
        acc += counts[:, a:a + step] @ feats.reshape(rows, width)
    acc = acc.reshape(b, 4, p, p)
    mean, sd, corr = _pair_terms(acc[:, 0], acc[:, 1], acc[:, 2], acc[:, 3], shift)
    return corr, mean, sd
