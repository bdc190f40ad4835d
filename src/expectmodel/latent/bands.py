"""Satisfaction bands from the latent gap, the latent zone of tolerance, and customer value (METHODS §2).

- :func:`band_probabilities`: five satisfaction bands (very dissatisfied ... very satisfied) set by how far
  the latent perception falls short of or exceeds the latent expectation, with each respondent's posterior
  probability of each band (from the posterior draws of the person-level gap G* = P* - E*).
- :func:`in_zone_probability`: the posterior probability that a respondent's latent perception lies in
  the zone of tolerance, A* <= P* <= D* (adequate and desired service on the same latent metric).
- :func:`customer_value` and :func:`value_relation`: value = benefits / costs for ratio-scale inputs
  (money, time; a value <= 0 is refused) and its relation to satisfaction.

The band limits are a convention, not an estimate: the default (-1, -0.25, 0.25, 1) on the logit scale reads
a gap within a quarter logit of zero as "met" and a gap beyond one logit (about one answer category of a
7-point item with loading 1) as "very". Pass your own limits and report them; results record them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from expectmodel.errors import DataError, SpecError

__all__ = ["BANDS", "DEFAULT_BAND_LIMITS", "band_probabilities", "customer_value", "in_zone_probability",
           "value_relation"]

#: The five satisfaction bands, from the largest shortfall to the largest surplus of perception over expectation.
BANDS = ("very dissatisfied", "dissatisfied", "neutral", "satisfied", "very satisfied")
#: The default band limits on the latent gap (logit scale).
DEFAULT_BAND_LIMITS = (-1.0, -0.25, 0.25, 1.0)


def _limits(limits: Sequence[float]) -> np.ndarray:
    lim = np.asarray(limits, dtype=float)
    if lim.shape != (4,) or not np.isfinite(lim).all() or np.any(np.diff(lim) <= 0):
        raise SpecError(f"band limits must be four increasing finite numbers (the borders between the five "
                        f"bands); got {list(np.ravel(limits))!r}.")
    return lim


def band_probabilities(gap_draws: np.ndarray, limits: Sequence[float] = DEFAULT_BAND_LIMITS,
                       index: pd.Index | None = None) -> pd.DataFrame:
    """Return each respondent's posterior probability of each satisfaction band.

    Parameters
    ----------
    gap_draws : numpy.ndarray
        (draws, respondents) posterior draws of the latent gap P* - E* (NaN columns: no gap, e.g. stages
        without a P battery).
    limits : sequence of 4 floats
        Increasing borders between the five bands :data:`BANDS`.
    index : pandas.Index, optional
        Respondent labels.

    Returns
    -------
    pandas.DataFrame
        One row per respondent: a column per band (probabilities summing to 1), ``band`` (the most
        probable) and ``gap_mean``; ``attrs["limits"]`` holds the limits.

    Raises
    ------
    SpecError
        The limits are not four increasing finite numbers.

    Examples
    --------
    >>> draws = np.array([[-2.0, 0.1], [-1.5, 0.3], [-0.5, 0.2], [-1.2, 0.0]])
    >>> t = band_probabilities(draws)
    >>> t["very dissatisfied"].tolist(), t["band"].tolist()
    ([0.75, 0.0], ['very dissatisfied', 'neutral'])
    """
    g = np.asarray(gap_draws, dtype=float)
    lim = _limits(limits)
    which = np.searchsorted(lim, g, side="right")  # 0..4
    probs = np.stack([(which == k).mean(axis=0) for k in range(5)], axis=1)
    absent = np.isnan(g).any(axis=0)
    probs[absent] = np.nan
    out = pd.DataFrame(probs, columns=list(BANDS), index=index)
    band = np.asarray(BANDS, dtype=object)[np.nan_to_num(probs, nan=-1).argmax(axis=1)]
    band[absent] = None
    out["band"] = band
    out["gap_mean"] = np.where(absent, np.nan, np.nanmean(np.where(absent[None], 0.0, g), axis=0))
    out.attrs["limits"] = [float(v) for v in lim]
    return out


def in_zone_probability(perceived: np.ndarray, adequate: np.ndarray, desired: np.ndarray) -> np.ndarray:
    """Return the posterior probability of A* <= P* <= D* per respondent (and dimension).

    Parameters
    ----------
    perceived, adequate, desired : numpy.ndarray
        Posterior draws of the latent levels, same shape ``(draws, ...)``.

    Returns
    -------
    numpy.ndarray
        Shape ``(...)``: the share of draws in which the perception lies inside the zone.

    Examples
    --------
    >>> p = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> in_zone_probability(p, np.full((4, 1), 0.5), np.full((4, 1), 2.5)).tolist()
    [0.5]
    """
    P, A, D = (np.asarray(x, dtype=float) for x in (perceived, adequate, desired))
    return ((A <= P) & (P <= D)).mean(axis=0)


def customer_value(benefits, costs) -> np.ndarray:
    """Return customer value = benefits / costs for ratio-scale inputs (money, time, distance).

    A ratio needs a true zero: a Likert answer has none (METHODS §2.1), so only manifest ratio-scale
    amounts are accepted, and every benefit and cost must be strictly positive.

    Parameters
    ----------
    benefits, costs : array-like
        Same shape, strictly positive and finite (e.g. minutes saved and price paid).

    Returns
    -------
    numpy.ndarray
        ``benefits / costs``.

    Raises
    ------
    DataError
        The shapes differ, or a value is zero, negative or not finite (the message names its position).

    Examples
    --------
    >>> customer_value([30.0, 12.0], [10.0, 12.0])
    array([3., 1.])
    >>> customer_value([30.0, 5.0], [10.0, 0.0])
    Traceback (most recent call last):
    ...
    expectmodel.errors.DataError: customer value = benefits / costs needs strictly positive, finite \
ratio-scale values; position 1 has benefits=5.0, costs=0.0 (a value <= 0 has no ratio).
    """
    b = np.asarray(benefits, dtype=float)
    c = np.asarray(costs, dtype=float)
    if b.shape != c.shape:
        raise DataError(f"benefits and costs have different shapes {b.shape} and {c.shape}.")
    bad = ~(np.isfinite(b) & np.isfinite(c)) | (b <= 0) | (c <= 0)
    if bad.any():
        i = int(np.flatnonzero(bad.ravel())[0])
        raise DataError(f"customer value = benefits / costs needs strictly positive, finite ratio-scale values; "
                        f"position {i} has benefits={float(b.ravel()[i])!r}, costs={float(c.ravel()[i])!r} "
                        "(a value <= 0 has no ratio).")
    return b / c


def value_relation(value, satisfaction, *, ci_level: float = 0.9) -> pd.DataFrame:
    """Return how satisfaction relates to customer value: Spearman's rho and the OLS slope on log value.

    Parameters
    ----------
    value : array-like
        Customer values (:func:`customer_value`), strictly positive.
    satisfaction : array-like
        Satisfaction per customer (an answer or a latent score), same length; NaN rows are dropped.
    ci_level : float
        Level of the intervals (Fisher-z for rho; t for the slope).

    Returns
    -------
    pandas.DataFrame
        Rows ``spearman_rho`` and ``slope_log_value`` (satisfaction per unit of log value, statsmodels OLS
        with an intercept); columns ``estimate``, ``std_error``, ``ci_low``, ``ci_high``; ``attrs["n"]``.

    Raises
    ------
    DataError
        A value <= 0, unequal lengths or fewer than 4 complete rows.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> v = np.exp(rng.normal(size=200))
    >>> s = 0.8 * np.log(v) + rng.normal(size=200)
    >>> t = value_relation(v, s)
    >>> bool(t.loc["slope_log_value", "ci_low"] < 0.8 < t.loc["slope_log_value", "ci_high"])
    True
    """
    import statsmodels.api as sm
    from scipy import stats

    v = np.asarray(value, dtype=float).ravel()
    s = np.asarray(satisfaction, dtype=float).ravel()
    if v.shape != s.shape:
        raise DataError(f"value and satisfaction have different lengths {v.size} and {s.size}.")
    keep = np.isfinite(s) & ~np.isnan(v)
    customer_value(v[keep], np.ones(keep.sum()))  # refuses a value <= 0 with its message
    v, s = v[keep], s[keep]
    n = v.size
    if n < 4:
        raise DataError(f"value_relation needs at least 4 customers with both a value and a satisfaction; got {n}.")
    z = stats.norm.ppf(0.5 + ci_level / 2)
    rho = float(stats.spearmanr(v, s).statistic)
    se_z = 1.0 / np.sqrt(n - 3)
    lo, hi = np.tanh(np.arctanh(rho) + np.array([-z, z]) * se_z)
    fit = sm.OLS(s, sm.add_constant(np.log(v))).fit()
    ci = fit.conf_int(alpha=1 - ci_level)[1]
    out = pd.DataFrame({"estimate": [rho, fit.params[1]], "std_error": [np.nan, fit.bse[1]],
                        "ci_low": [lo, ci[0]], "ci_high": [hi, ci[1]]}, index=["spearman_rho", "slope_log_value"])
    out.attrs.update(n=int(n), ci_level=ci_level)
    return out
