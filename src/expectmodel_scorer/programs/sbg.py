"""Program ``sbg``: shifted-beta-geometric retention and discounted expected residual lifetime.

The churn probability of a customer is ``theta ~ Beta(alpha, beta)`` (``arrays["params"] = [alpha,
beta]``); a customer who has been active for ``k`` periods (the one input, whole numbers) renews the
next period with probability ``(beta + k) / (alpha + beta + k)`` (Fader & Hardie 2007). The discounted
expected residual lifetime counts the expected future periods of activity, period ``k + 1`` first and
undiscounted, each later one discounted by ``1 / (1 + discount)`` per period (Fader & Hardie 2010):

``DERL(k) = sum_{j >= 1} S(k + j) / S(k) / (1 + d)^(j - 1)``

With ``discount = 0`` this is ``(beta + k) / (alpha - 1)`` for ``alpha > 1`` and infinite otherwise.
Outputs: ``p_renew``, ``derl``.
"""

from __future__ import annotations

import numpy as np

ARRAYS = {"params": 1}
SETTINGS = ("discount",)


def derl(alpha, beta, k, discount: float, tol: float = 1e-13) -> np.ndarray:
    """Discounted expected residual lifetime of customers active for ``k`` periods (series summed to ``tol``).

    ``alpha``, ``beta`` and ``k`` broadcast against each other (e.g. draws of the parameters against tenures).
    """
    alpha, beta, k = (np.asarray(v, dtype=float) for v in (alpha, beta, k))
    if discount == 0:
        with np.errstate(divide="ignore"):
            return np.where(alpha > 1, (beta + k) / np.where(alpha > 1, alpha - 1, 1.0), np.inf)
    q = 1.0 / (1.0 + discount)
    term = (beta + k) / (alpha + beta + k)
    total = term.copy()
    for j in range(1, 1_000_000):  # terms shrink at least geometrically (ratio < q)
        term = term * (beta + k + j) / (alpha + beta + k + j) * q
        total += term
        if float(np.max(term, initial=0.0)) < tol * max(float(np.min(total, initial=1.0)), 1e-300):
            break
    return total


def score(arrays: dict[str, np.ndarray], settings: dict, X: np.ndarray) -> np.ndarray:
    """Renewal probability and DERL per row: ``(n, 2)``."""
    alpha, beta = (float(v) for v in arrays["params"])
    k = X[:, 0]
    out = np.empty((k.size, 2))
    out[:, 0] = (beta + k) / (alpha + beta + k)
    uniq, inv = np.unique(k, return_inverse=True)  # tenures repeat: sum each series once
    ok = np.isfinite(uniq)
    life = np.full(uniq.shape, np.nan)
    life[ok] = derl(alpha, beta, uniq[ok], float(settings["discount"]))
    out[:, 1] = life[inv]
    return out
