"""Regression Kano: the Kano categories from performance ratings and overall satisfaction (METHODS §4).

Both estimators regress overall satisfaction S on two dummies per attribute (statsmodels OLS)::

    S = b0 + sum_j (penalty_j * low_j + reward_j * high_j) + e,
    low_j = 1[x_j <= low],  high_j = 1[x_j >= high]

(the middle ratings are the reference). :class:`PenaltyReward` is the penalty-reward contrast analysis
(Brandt 1987): a significant penalty alone marks a must-be (basic) attribute, a significant reward
alone an attractive (excitement) one, both a one-dimensional (performance) one, neither an
indifferent one. :class:`ImpactAsymmetry` is the impact-asymmetry analysis (Mikulić & Prebežac 2008):
with RIS = reward and RID = penalty, RIOCS = RIS + |RID|, SGP = RIS / RIOCS, DGP = |RID| / RIOCS and
IA = SGP - DGP in [-1, 1]; IA above the upper cut-off is a satisfier (attractive), below the lower
one a dissatisfier (must-be), in between a hybrid (one-dimensional).

Standard errors and p-values are OLS's; intervals are percentile-bootstrap intervals over respondents
(one set of replicates serves every reported quantity, so derived quantities such as IA get
intervals too).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from expectmodel._base import Estimator, Interval, OneOf, Predicate, resolve_seed
from expectmodel._meta import versions
from expectmodel.data import Scale, apply_missing, read_grouping, read_items
from expectmodel.data.read import is_codes
from expectmodel.errors import DataError, ParameterError
from expectmodel.inference import equal_tailed
from expectmodel.kano._tables import DrawsTable, KanoReport
from expectmodel.results import DataInfo, Meta, ResultsBase, fingerprint, thaw

__all__ = ["ImpactAsymmetry", "PenaltyReward", "RegressionKanoResults"]

_SEED = [None, Predicate(lambda v: isinstance(v, int | np.integer) and not isinstance(v, bool) and v >= 0,
                         "a non-negative integer")]
_PAIR = Predicate(lambda v: not isinstance(v, str) and len(v) == 2 and all(
    isinstance(x, int | float | np.number) and not isinstance(x, bool) for x in v) and v[0] < v[1],
    "a (low, high) pair of numbers")
_NAMES = Predicate(lambda v: not isinstance(v, str) and len(v) > 0 and all(isinstance(a, str) for a in v),
                   "a non-empty sequence of column names")
COMMON: dict[str, list[Any]] = {
    "attributes": [_NAMES],
    "satisfaction": [Predicate(lambda v: isinstance(v, str) and v != "", "a column name")],
    "scale": [_PAIR],
    "low": [Interval(float, None, None)],
    "high": [Interval(float, None, None)],
    "groups": [None, Predicate(lambda v: isinstance(v, str) and v != "", "a column name")],
    "missing": [OneOf("raise", "listwise")],
    "missing_values": [Predicate(is_codes, "a number or a sequence of numbers (codes meaning no answer)")],
    "bootstrap": [Interval(int, 100, None)],
    "ci_level": [Interval(float, 0, 1, closed="neither")],
    "seed": _SEED,
}


@dataclass(frozen=True)
class _Fit:
    """One group's dummy regression: OLS estimates and bootstrap replicates of [b0, penalties, rewards]."""

    params: np.ndarray  # (1 + 2p,)
    bse: np.ndarray
    pvalues: np.ndarray
    boot: np.ndarray  # (B, 1 + 2p), NaN rows for a singular resample
    n: int
    r2: float


def dummies(x: np.ndarray, low: float, high: float) -> np.ndarray:
    """Return the design [1, low_1..low_p, high_1..high_p] of the penalty-reward regression (n, 1 + 2p).

    Parameters
    ----------
    x : numpy.ndarray (n, p)
        Performance ratings.
    low, high : float
        Ratings at or below ``low`` are low, at or above ``high`` high.

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> dummies(np.array([[1.0], [3.0], [5.0]]), 2, 4).tolist()
    [[1.0, 1.0, 0.0], [1.0, 0.0, 0.0], [1.0, 0.0, 1.0]]
    """
    return np.hstack([np.ones((x.shape[0], 1)), (x <= low).astype(float), (x >= high).astype(float)])


def _ols(X: np.ndarray, y: np.ndarray, bootstrap: int, rng: np.random.Generator) -> _Fit:
    import statsmodels.api as sm

    fit = sm.OLS(y, X).fit()
    n, k = X.shape
    # respondent bootstrap through multinomial weights: X'WX and X'Wy for every replicate at once
    draws = rng.integers(0, n, size=(bootstrap, n)) + (np.arange(bootstrap) * n)[:, None]
    w = np.bincount(draws.ravel(), minlength=bootstrap * n).reshape(bootstrap, n).astype(float)  # resample counts
    xtx = (w @ (X[:, :, None] * X[:, None, :]).reshape(n, k * k)).reshape(bootstrap, k, k)  # one BLAS product
    xty = w @ (X * y[:, None])
    ok = np.linalg.cond(xtx) < 1e10  # a resample without any low (or high) rating cannot identify its dummy
    boot = np.full((bootstrap, k), np.nan)
    if ok.any():
        boot[ok] = np.linalg.solve(xtx[ok], xty[ok][..., None])[..., 0]
    return _Fit(np.asarray(fit.params), np.asarray(fit.bse), np.asarray(fit.pvalues), boot, n, float(fit.rsquared))


def _prepare(est: Any, data: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, tuple[str, ...],
                                                    DataInfo]:
    """Ratings (n, p), satisfaction (n,), group codes and levels, data provenance."""
    attrs = [str(a) for a in est.attributes]
    if est.satisfaction in attrs:
        raise ParameterError(f"{type(est).__name__}(satisfaction={est.satisfaction!r}): the satisfaction column is "
                             "also listed among the attributes.")
    lo, hi = est.scale
    owner = {a: "performance rating" for a in attrs}
    owner[est.satisfaction] = "overall satisfaction"
    items = read_items(data, [*attrs, est.satisfaction], scales={a: Scale(lo, hi, "interval") for a in attrs},
                       missing_values=est.missing_values, owner=owner)
    keep = ~np.isnan(items.values).any(axis=1)
    used = apply_missing(items, est.missing)
    group = levels = None
    if est.groups is not None:
        g = read_grouping(data, est.groups, levels_name="groups")
        group, levels = g.codes[keep], g.levels
        if len(np.unique(group)) < len(levels):
            empty = [levels[k] for k in range(len(levels)) if k not in set(group.tolist())]
            raise DataError(f"Group(s) {', '.join(map(repr, empty))} have no complete respondents after "
                            "missing='listwise'.")
    values = np.asarray(used.values)
    info = DataInfo(n_input=items.n_rows_in, n_used=values.shape[0], n_dropped=items.n_rows_in - values.shape[0],
                    missing=est.missing, missing_values=items.codes, columns=tuple(items.columns),
                    fingerprint=fingerprint(values))
    return values[:, :-1], values[:, -1], group, levels or ("",), info


def _check_design(X: np.ndarray, attrs: Sequence[str], low: float, high: float, where: str) -> None:
    p = len(attrs)
    for j, a in enumerate(attrs):
        for col, word, limit, name in ((1 + j, "at or below", low, "low"), (1 + p + j, "at or above", high, "high")):
            share = X[:, col].mean()
            if share == 0:
                raise DataError(f"Attribute '{a}'{where} has no rating {word} {name}={limit:g}, so its {name} dummy is "
                                f"empty and the penalty-reward regression cannot estimate it; set {name}= so that "
                                "some respondents fall there, or drop the attribute.")
    if X.shape[0] <= X.shape[1] or np.linalg.matrix_rank(X) < X.shape[1]:
        raise DataError(f"The penalty-reward design{where} is singular ({X.shape[0]} respondents, {X.shape[1]} "
                        "coefficients): some dummies are collinear (e.g. every respondent low or high on an "
                        "attribute). Use more respondents, other cut-offs or fewer attributes.")


def _impact(params: np.ndarray, p: int) -> np.ndarray:
    """RIOCS, SGP, DGP and IA (..., 4, p) from [b0, penalties, rewards] (..., 1 + 2p)."""
    penalty, reward = params[..., 1:1 + p], params[..., 1 + p:]
    riocs = reward + np.abs(penalty)
    with np.errstate(invalid="ignore", divide="ignore"):
        sgp, dgp = reward / riocs, np.abs(penalty) / riocs
    return np.stack([riocs, sgp, dgp, sgp - dgp], axis=-2)


def _classify_prca(fit: _Fit, p: int, alpha: float) -> list[str]:
    pen = (fit.pvalues[1:1 + p] < alpha) & (fit.params[1:1 + p] < 0)
    rew = (fit.pvalues[1 + p:] < alpha) & (fit.params[1 + p:] > 0)
    return ["O" if a and b else "M" if a else "A" if b else "I" for a, b in zip(pen, rew, strict=True)]


def _classify_ia(ia: np.ndarray, riocs: np.ndarray, cutoffs: Sequence[float], min_impact: float | None) -> list[str]:
    lo, hi = cutoffs
    out = np.where(ia > hi, "A", np.where(ia < lo, "M", "O")).astype(object)
    if min_impact is not None:
        out[riocs < min_impact] = "I"
    return out.tolist()


def _fit_all(est: Any, data: pd.DataFrame, method: str) -> RegressionKanoResults:
    est.validate_params()
    lo, hi = float(est.low), float(est.high)
    if not lo < hi:
        raise est._param_error("low", f"low={est.low!r} must be below high={est.high!r}.")
    x, s, group, levels, info = _prepare(est, data)
    attrs = tuple(str(a) for a in est.attributes)
    p = len(attrs)
    seed = resolve_seed(est.seed)
    rng = np.random.default_rng(seed)
    level = float(est.ci_level)
    rows, draws, classes = [], [], []
    for g, name in enumerate(levels):
        mask = slice(None) if group is None else group == g
        X = dummies(x[mask], lo, hi)
        where = f" in group '{name}'" if name else ""
        _check_design(X, attrs, lo, hi, where)
        fit = _ols(X, s[mask], int(est.bootstrap), rng)
        cats_prca = _classify_prca(fit, p, float(getattr(est, "alpha", 0.05)))
        keys = [("intercept", est.satisfaction, "~1", "", name)]
        keys += [("penalty", est.satisfaction, "~", a, name) for a in attrs]
        keys += [("reward", est.satisfaction, "~", a, name) for a in attrs]
        for k, key in enumerate(keys):
            rows.append((*key, fit.params[k], fit.bse[k], fit.pvalues[k]))
        draws.append(fit.boot)
        imp = _impact(fit.params, p)
        if method == "IAA":
            imp_boot = _impact(fit.boot, p)  # (B, 4, p)
            for m, op in enumerate(("RIOCS", "SGP", "DGP", "IA")):
                for j, a in enumerate(attrs):
                    rows.append(("impact", a, op, "", name, imp[m, j], np.nan, np.nan))
            draws.append(imp_boot.reshape(imp_boot.shape[0], -1))
            cats = _classify_ia(imp[3], imp[0], est.cutoffs, est.min_impact)
        else:
            cats = cats_prca
        for j, a in enumerate(attrs):
            classes.append({"group": name, "attribute": a, "penalty": fit.params[1 + j],
                            "reward": fit.params[1 + p + j],
                            "p_penalty": fit.pvalues[1 + j], "p_reward": fit.pvalues[1 + p + j],
                            "RIOCS": imp[0, j], "IA": imp[3, j], "category": cats[j],
                            "n": fit.n, "r2": fit.r2})
    flat = np.hstack(draws)
    frame = pd.DataFrame(rows, columns=["kind", "lhs", "op", "rhs", "group", "estimate", "ols_std_error", "p_value"])
    low_ci, high_ci = equal_tailed(flat, level, skipna=True)
    frame.insert(6, "std_error", np.nanstd(flat, axis=0, ddof=1))
    frame.insert(7, "ci_low", low_ci)
    frame.insert(8, "ci_high", high_ci)
    meta = Meta(estimator=type(est).__name__, params=est.settings(), data=info, ci_level=level,
                ci_method="percentile bootstrap over respondents", seed=seed, versions=versions(),
                conventions={"model": "OLS of satisfaction on low/high dummies per attribute (middle ratings the "
                                      "reference)", "std_error": "bootstrap SD (OLS's in ols_std_error)",
                             "classification": CLASSIFY[method]},
                extra={"groups": list(levels), "bootstrap": int(est.bootstrap)})
    return RegressionKanoResults(method=method, attributes=attrs, groups=levels, estimates=frame, draws=flat,
                                 categories=pd.DataFrame(classes), meta=meta)


CLASSIFY = {
    "PRCA": "significant penalty only: M; reward only: A; both: O; neither: I (OLS t-tests at alpha)",
    "IAA": "IA above the upper cut-off: A (satisfier); below the lower: M (dissatisfier); else O (hybrid); "
           "RIOCS below min_impact: I",
}


class PenaltyReward(Estimator):
    """Penalty-reward contrast analysis (PRCA, Brandt 1987): Kano categories from ratings and satisfaction.

    Parameters
    ----------
    attributes : sequence of str
        Performance rating columns.
    satisfaction : str
        Overall satisfaction column.
    scale : (float, float)
        The rating scale (answers outside it are refused).
    low, high : float
        Ratings at or below ``low`` are "low" (penalty dummy), at or above ``high`` "high" (reward dummy).
    alpha : float
        Significance level of the penalty and reward t-tests behind the classification.
    groups : str, optional
        A column: one regression per group.
    missing : {"raise", "listwise"}
        What to do with missing ratings.
    missing_values : number or sequence of numbers
        Codes meaning "no answer".
    bootstrap : int
        Bootstrap replicates for the intervals.
    ci_level : float
        Interval probability.
    seed : int, optional
        Random seed of the bootstrap (drawn and recorded when None).

    Examples
    --------
    >>> from expectmodel import kano
    >>> sim = kano.simulate_ratings(1500, {"clean": "M", "staff": "O", "spa": "A", "tv": "I"}, seed=3)
    >>> res = kano.PenaltyReward(["clean", "staff", "spa", "tv"], seed=1).fit(sim.data)
    >>> res.classification()[["attribute", "category"]].values.tolist()
    [['clean', 'M'], ['staff', 'O'], ['spa', 'A'], ['tv', 'I']]
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {**COMMON, "alpha": [Interval(float, 0, 1, "neither")]}

    def __init__(self, attributes: Sequence[str], satisfaction: str = "satisfaction", *,
                 scale: tuple[float, float] = (1, 5), low: float = 2, high: float = 4, alpha: float = 0.05,
                 groups: str | None = None, missing: str = "listwise", missing_values: Any = (),
                 bootstrap: int = 1000, ci_level: float = 0.9, seed: int | None = None) -> None:
        self.attributes = attributes
        self.satisfaction = satisfaction
        self.scale = scale
        self.low = low
        self.high = high
        self.alpha = alpha
        self.groups = groups
        self.missing = missing
        self.missing_values = missing_values
        self.bootstrap = bootstrap
        self.ci_level = ci_level
        self.seed = seed

    def fit(self, data: pd.DataFrame) -> RegressionKanoResults:
        """Fit the dummy regression (per group) and classify the attributes.

        Parameters
        ----------
        data : pandas.DataFrame
            One row per respondent: the rating columns, satisfaction (and the groups column).

        Returns
        -------
        RegressionKanoResults
        """
        return _fit_all(self, data, "PRCA")


class ImpactAsymmetry(Estimator):
    """Impact-asymmetry analysis (IAA, Mikulić & Prebežac 2008): RIOCS, SGP, DGP and IA per attribute.

    Parameters
    ----------
    attributes : sequence of str
        Performance rating columns.
    satisfaction : str
        Overall satisfaction column.
    scale : (float, float)
        The rating scale.
    low, high : float
        Cut-offs of the low and high dummies (as :class:`PenaltyReward`).
    cutoffs : (float, float)
        IA below the first is a dissatisfier (must-be), above the second a satisfier (attractive),
        in between a hybrid (one-dimensional). Default (-0.2, 0.2).
    min_impact : float, optional
        Attributes whose RIOCS falls below it are indifferent.
    groups : str, optional
        A column: one analysis per group.
    missing : {"raise", "listwise"}
        What to do with missing ratings.
    missing_values : number or sequence of numbers
        Codes meaning "no answer".
    bootstrap : int
        Bootstrap replicates for the intervals (of the coefficients and of RIOCS, SGP, DGP, IA).
    ci_level : float
        Interval probability.
    seed : int, optional
        Random seed of the bootstrap.

    Examples
    --------
    >>> from expectmodel import kano
    >>> sim = kano.simulate_ratings(1500, {"clean": "M", "staff": "O", "spa": "A"}, seed=3)
    >>> res = kano.ImpactAsymmetry(["clean", "staff", "spa"], seed=1).fit(sim.data)
    >>> res.classification()[["attribute", "category"]].values.tolist()
    [['clean', 'M'], ['staff', 'O'], ['spa', 'A']]
    >>> res.to_frame().query("op == 'IA'")["estimate"].round(2).tolist()
    [-0.94, 0.07, 0.88]
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        **COMMON,
        "cutoffs": [Predicate(lambda v: not isinstance(v, str) and len(v) == 2 and -1 <= v[0] <= v[1] <= 1,
                              "a (lower, upper) pair in [-1, 1]")],
        "min_impact": [None, Interval(float, 0, None)],
    }

    def __init__(self, attributes: Sequence[str], satisfaction: str = "satisfaction", *,
                 scale: tuple[float, float] = (1, 5), low: float = 2, high: float = 4,
                 cutoffs: tuple[float, float] = (-0.2, 0.2), min_impact: float | None = None,
                 groups: str | None = None, missing: str = "listwise", missing_values: Any = (),
                 bootstrap: int = 1000, ci_level: float = 0.9, seed: int | None = None) -> None:
        self.attributes = attributes
        self.satisfaction = satisfaction
        self.scale = scale
        self.low = low
        self.high = high
        self.cutoffs = cutoffs
        self.min_impact = min_impact
        self.groups = groups
        self.missing = missing
        self.missing_values = missing_values
        self.bootstrap = bootstrap
        self.ci_level = ci_level
        self.seed = seed

    def fit(self, data: pd.DataFrame) -> RegressionKanoResults:
        """Fit the dummy regression (per group), derive RIOCS, SGP, DGP and IA, and classify.

        Parameters
        ----------
        data : pandas.DataFrame
            One row per respondent: the rating columns, satisfaction (and the groups column).

        Returns
        -------
        RegressionKanoResults
        """
        return _fit_all(self, data, "IAA")


@dataclass(frozen=True, eq=False, repr=False)
class RegressionKanoResults(DrawsTable, KanoReport, ResultsBase):
    """A regression-Kano fit (from :class:`PenaltyReward` or :class:`ImpactAsymmetry`).

    Parameters
    ----------
    method : {"PRCA", "IAA"}
        The analysis.
    attributes, groups : tuple of str
        Names, in order (``groups`` is ``("",)`` without ``groups=``).
    estimates : pandas.DataFrame
        The tidy table (see :meth:`to_frame`).
    draws : numpy.ndarray (B, rows)
        Bootstrap replicates of the rows of ``estimates``.
    categories : pandas.DataFrame
        One row per group and attribute (see :meth:`classification`).
    meta : Meta
        Settings, seed, data provenance.

    Examples
    --------
    >>> from expectmodel import kano
    >>> sim = kano.simulate_ratings(800, {"clean": "M", "spa": "A"}, seed=3)
    >>> res = kano.PenaltyReward(["clean", "spa"], seed=1).fit(sim.data)
    >>> res
    <RegressionKanoResults: PRCA, 2 attribute(s), 800 respondents; clean=M, spa=A>
    >>> res.to_frame()[["kind", "rhs"]].values.tolist()[:3]
    [['intercept', ''], ['penalty', 'clean'], ['penalty', 'spa']]
    >>> res.classification().columns[:4].tolist(), res.summary().title
    (['group', 'attribute', 'penalty', 'reward'], 'Regression Kano (PRCA)')
    """

    schema: ClassVar[str] = "expectmodel.kano_regression"
    schema_version: ClassVar[int] = 1

    method: str
    attributes: tuple[str, ...]
    groups: tuple[str, ...]
    estimates: pd.DataFrame
    draws: np.ndarray
    categories: pd.DataFrame
    meta: Meta

    def to_frame(self) -> pd.DataFrame:
        """Return one row per coefficient (and, for IAA, per RIOCS, SGP, DGP, IA); the parameter columns first.

        ``kind`` is ``intercept``, ``penalty`` or ``reward`` (``lhs`` satisfaction, ``rhs`` the attribute)
        or ``impact`` (``lhs`` the attribute, ``op`` RIOCS, SGP, DGP or IA); ``std_error`` is the bootstrap
        SD, ``ols_std_error`` and ``p_value`` are OLS's.

        Returns
        -------
        pandas.DataFrame
        """
        return super().to_frame()

    def classification(self) -> pd.DataFrame:
        """Return one row per group and attribute: penalty, reward, their p-values, RIOCS, IA and the category.

        Returns
        -------
        pandas.DataFrame
            ``category`` is A, O, M or I by this method's rule (``meta.conventions["classification"]``).
        """
        return self.categories.copy()

    def _report(self) -> tuple[str, dict[str, str], list[tuple[str, pd.DataFrame]], list[str]]:
        facts = {"Respondents used": str(self.meta.data.n_used), "Attributes": str(len(self.attributes)),
                 "Groups": ", ".join(self.groups) if self.groups != ("",) else "none",
                 "Interval": f"{self.meta.ci_level:.0%} bootstrap"}
        est = self.estimates.set_index(["group", "kind", "lhs", "op", "rhs"])[
            ["estimate", "std_error", "ci_low", "ci_high", "p_value"]]
        tables = [("Classification", self._by_attribute(self.categories)), ("Estimates", est)]
        return f"Regression Kano ({self.method})", facts, tables, [self.meta.conventions["classification"]]

    def _repr_facts(self) -> str:
        cats = ", ".join(f"{a}={c}" for a, c in zip(self.categories["attribute"][:4],
                                                  self.categories["category"][:4], strict=True))
        return (f"{self.method}, {len(self.attributes)} attribute(s), {self.meta.data.n_used} respondents; {cats}"
                + (", ..." if len(self.categories) > 4 else ""))

    def _to_dict(self) -> dict[str, Any]:
        return {"method": self.method, "attributes": list(self.attributes), "groups": list(self.groups),
                "estimates": thaw(self.estimates.to_dict(orient="list")),
                "classification": thaw(self.categories.to_dict(orient="list"))}
