"""Array kernels of the Kano classification: counts, posterior and bootstrap draws, modal category, Fong test.

Every function works on count arrays whose last axis is the category axis in the order of
``CATEGORIES`` (A, O, M, I, R, Q), plus a seventh entry "missing" where noted. No loop over respondents.
"""

from __future__ import annotations

import numpy as np

A, O, M, I, R, Q, MISSING = range(7)  # noqa: E741 (the category letters are the domain's names)
#: Tie-break of the modal category: M > O > A > I > R (Berger et al. 1993: when in doubt, the category
#: with the larger effect on satisfaction); Q is never modal.
PRIORITY = np.array([2, 3, 4, 1, 0, -1])


def count(cats: np.ndarray, group: np.ndarray | None, n_groups: int) -> np.ndarray:
    """Counts (G, p, 7) of categories 0-5 and of missing answers (-1 -> slot 6) per group and attribute."""
    _n, p = cats.shape
    slot = np.where(cats < 0, MISSING, cats).astype(np.int64)
    cell = np.arange(p, dtype=np.int64)[None, :] * 7 + slot
    if group is not None:
        cell += (group.astype(np.int64) * (p * 7))[:, None]
    return np.bincount(cell.ravel(), minlength=n_groups * p * 7).reshape(n_groups, p, 7)


def dirichlet(counts6: np.ndarray, prior: float, draws: int, rng: np.random.Generator) -> np.ndarray:
    """Posterior draws (S, ..., 6) of the category probabilities under a symmetric Dirichlet(prior) prior."""
    g = rng.standard_gamma(counts6 + prior, size=(draws, *counts6.shape))
    return g / g.sum(axis=-1, keepdims=True)


def resample(counts7: np.ndarray, draws: int, rng: np.random.Generator) -> np.ndarray:
    """Bootstrap counts (S, ..., 7): a respondent bootstrap's counts of one attribute are multinomial.

    Resampling n respondents with replacement draws each one's category (missing included) from the
    observed distribution, so one attribute's resampled counts are exactly Multinomial(n, counts / n).
    """
    n = counts7.sum(axis=-1)
    pvals = counts7 / np.maximum(n, 1)[..., None]
    return rng.multinomial(n, pvals, size=(draws, *counts7.shape[:-1]))


def better_worse(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Better = (A + O) / (A + O + M + I) and Worse = -(O + M) / (A + O + M + I); NaN without answers."""
    counts = np.asarray(counts, dtype=float)
    base = counts[..., A] + counts[..., O] + counts[..., M] + counts[..., I]
    with np.errstate(invalid="ignore", divide="ignore"):
        better = (counts[..., A] + counts[..., O]) / base
        worse = 0.0 - (counts[..., O] + counts[..., M]) / base  # 0.0 - x: no -0.0
    return better, worse


def modal(counts: np.ndarray) -> np.ndarray:
    """The modal category among A, O, M, I, R (ties: M > O > A > I > R), as a code 0-4."""
    c = np.asarray(counts)[..., :5].astype(np.int64)
    return np.argmax(c * 8 + PRIORITY[:5], axis=-1)


def fong(counts: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Fong test of the two most frequent categories (A, O, M, I, R; n = their total, Q excluded).

    Returns the top and second category codes (ties as in :func:`modal`), |a - b| and the critical
    value z * sqrt((a + b)(2n - a - b) / (2n)); the difference is significant when |a - b| >= critical.
    """
    c = np.asarray(counts)[..., :5].astype(np.int64)
    score = c * 8 + PRIORITY[:5]
    order = np.argsort(-score, axis=-1, kind="stable")
    top, second = order[..., 0], order[..., 1]
    a = np.take_along_axis(c, top[..., None], -1)[..., 0].astype(float)
    b = np.take_along_axis(c, second[..., None], -1)[..., 0].astype(float)
    n = c.sum(axis=-1).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        critical = z * np.sqrt((a + b) * (2 * n - a - b) / (2 * n))
    return top, second, np.abs(a - b), critical
