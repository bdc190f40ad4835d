"""Interval arithmetic shared by every family (draws and standard errors) and the chunked loop driver.

Bootstrap replicates (PLS) and posterior draws (the Bayesian families) are both summarised by the
quantiles of the draws at ``(1 - level) / 2`` and ``(1 + level) / 2``; maximum-likelihood and least-squares
fits (statsmodels) by ``estimate +- q * std_error`` with ``q`` a normal or Student t quantile. One function
computes each, so the families and ``ResultsBase.conf_int`` cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = ["equal_tailed", "run_chunks", "wald"]


def equal_tailed(draws: np.ndarray, level: float, *, axis: int = 0,
                 skipna: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Return the equal-tailed interval of ``draws`` at ``level`` along ``axis``.

    Parameters
    ----------
    draws : numpy.ndarray
        Bootstrap replicates or posterior draws (draws along ``axis``).
    level : float
        Interval probability in (0, 1).
    axis : int, default 0
        The draw axis.
    skipna : bool, default False
        Ignore NaN draws (``numpy.nanquantile``) instead of propagating them.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        The lower and upper limits, with ``axis`` removed.

    Examples
    --------
    >>> low, high = equal_tailed(np.arange(101.0), 0.9)
    >>> round(float(low), 9), round(float(high), 9)
    (5.0, 95.0)
    """
    quantile = np.nanquantile if skipna else np.quantile
    low, high = quantile(draws, [(1 - level) / 2, (1 + level) / 2], axis=axis)
    return low, high


def wald(estimate: np.ndarray, std_error: np.ndarray, level: float,
         df: np.ndarray | float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Return the Wald interval ``estimate +- q * std_error`` at ``level``.

    Parameters
    ----------
    estimate, std_error : numpy.ndarray
        Point estimates and their standard errors (NaN standard errors give NaN limits).
    level : float
        Interval probability in (0, 1).
    df : array_like or float, optional
        Degrees of freedom of a Student t quantile (statsmodels' OLS intervals use the residual df);
        ``None``, ``inf`` or NaN entries use the normal quantile.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        The lower and upper limits.

    Examples
    --------
    >>> low, high = wald(np.array([1.0]), np.array([0.5]), 0.95)
    >>> round(float(low[0]), 4), round(float(high[0]), 4)
    (0.02, 1.98)
    """
    from scipy import stats

    estimate = np.asarray(estimate, dtype=float)
    std_error = np.asarray(std_error, dtype=float)
    p = 0.5 + level / 2
    if df is None:
        q = np.full(estimate.shape, stats.norm.ppf(p))
    else:
        df = np.broadcast_to(np.asarray(df, dtype=float), estimate.shape)
        normal = ~np.isfinite(df)
        q = np.where(normal, stats.norm.ppf(p), stats.t.ppf(p, np.where(normal, 1.0, df)))
    return estimate - q * std_error, estimate + q * std_error


def run_chunks(func: Callable[[Any, Any], Any], shared: Any, jobs: Sequence[Any], *, n_jobs: int = 1) -> list[Any]:
    """Run ``func(shared, job)`` for every job, in order: serially, on joblib threads, or on any joblib backend.

    The driver of the bootstrap, permutation and simulation loops. ``func`` is a module-level function
    (so that a process or cluster backend ships it by reference), ``shared`` the inputs every chunk reads
    (passed as one object, so joblib's Dask backend scatters it to the workers once), and each job carries
    its own seed (``numpy.random.SeedSequence(seed).spawn``), so the draws are the same serially, on
    threads and on a cluster. Under ``joblib.parallel_config(backend="dask")`` (a ``distributed.Client``
    running) the chunks run on the cluster.

    Parameters
    ----------
    func : callable
        ``func(shared, job) -> result``, defined at module level.
    shared : object
        The read-only inputs of every chunk.
    jobs : sequence
        One entry per chunk (a child seed and a size, say).
    n_jobs : int, default 1
        1 runs in this thread; otherwise joblib's ``n_jobs`` (threads unless a backend is configured).

    Returns
    -------
    list
        The results, in the order of ``jobs``.

    Examples
    --------
    >>> def draw(shared, job):
    ...     return np.random.default_rng(job).normal(shared["mean"], 1.0, size=2)
    >>> jobs = np.random.SeedSequence(7).spawn(3)
    >>> serial = run_chunks(draw, {"mean": 5.0}, jobs)
    >>> threaded = run_chunks(draw, {"mean": 5.0}, jobs, n_jobs=2)
    >>> all(np.array_equal(a, b) for a, b in zip(serial, threaded))
    True
    """
    if n_jobs == 1:
        return [func(shared, job) for job in jobs]
    from joblib import Parallel, delayed

    return list(Parallel(n_jobs=n_jobs, prefer="threads")(delayed(func)(shared, job) for job in jobs))
