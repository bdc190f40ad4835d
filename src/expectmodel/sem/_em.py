"""EM for the mean and covariance of multivariate-normal data with values missing at random (``missing="em"``).

:func:`em_moments` runs weighted EM, for one set of row weights or a batch of bootstrap resamples
together, over the data's distinct missing patterns (:func:`missing_patterns`);
:func:`~expectmodel.sem._data.em_fit` starts it for a fit. All three are importable from
:mod:`expectmodel.sem._data`.
"""

from __future__ import annotations

import numpy as np


def missing_patterns(nan: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """The distinct missing patterns of a NaN mask (n, p): ``(missing columns mask, rows)`` pairs."""
    keys, inverse = np.unique(nan, axis=0, return_inverse=True)
    return [(keys[g], np.flatnonzero(inverse.ravel() == g)) for g in range(keys.shape[0])]


def em_moments(z: np.ndarray, w: np.ndarray, mu: np.ndarray, sigma: np.ndarray,
               patterns: list[tuple[np.ndarray, np.ndarray]], tol: float = 1e-9,
               max_iter: int = 1000) -> tuple[np.ndarray, np.ndarray, int, np.ndarray]:
    """Weighted EM for the mean and (ML) covariance of ``z`` (n, p; NaN missing), from ``mu``, ``sigma``.

    ``w`` (n,) or (B, n): row weights, one EM per row of a 2-D ``w`` (bootstrap resamples), all run
    together; ``mu`` (p,) or (B, p) and ``sigma`` (p, p) or (B, p, p) start them. Returns the means, the
    covariances (divisor sum(w)), the iterations of the slowest member and the completed data (conditional
    means) of the last E-step (one copy per member).
    """
    single = w.ndim == 1
    w = np.atleast_2d(w)
    b, p = w.shape[0], z.shape[1]
    mu = np.broadcast_to(mu, (b, p)).copy()
    sigma = np.broadcast_to(sigma, (b, p, p)).copy()
    total = w.sum(axis=1)
    filled = np.repeat(np.where(np.isnan(z), 0.0, z)[None], b, axis=0)  # (B, n, p)
    parts = [(np.flatnonzero(~miss), np.flatnonzero(miss), rows) for miss, rows in patterns if miss.any()]
    active = np.ones(b, dtype=bool)
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 - the count is returned
        cond_sum = np.zeros((b, p, p))
        for obs, miss, rows in parts:
            s_oo = sigma[:, obs[:, None], obs]
            s_om = sigma[:, obs[:, None], miss]
            coef = np.linalg.solve(s_oo, s_om)  # (B, |o|, |m|)
            xo = filled[:, rows][:, :, obs] - mu[:, None, obs]
            filled[:, rows[:, None], miss] = mu[:, None, miss] + xo @ coef
            cond = sigma[:, miss[:, None], miss] - np.swapaxes(s_om, 1, 2) @ coef
            cond_sum[:, miss[:, None], miss] += w[:, rows].sum(axis=1)[:, None, None] * cond
        mu_new = np.einsum("bn,bnp->bp", w, filled) / total[:, None]
        sigma_new = (np.einsum("bn,bnp,bnq->bpq", w, filled, filled) + cond_sum) / total[:, None, None] \
            - mu_new[:, :, None] * mu_new[:, None, :]
        change = np.maximum(np.abs(mu_new - mu).max(axis=1), np.abs(sigma_new - sigma).max(axis=(1, 2)))
        mu, sigma = mu_new, sigma_new
        active = change >= tol
        if not active.any():
            break
    if single:
        return mu[0], sigma[0], it, filled[0]
    return mu, sigma, it, filled
