"""The discrete-time hazard model of churn: a binomial GLM (logit link) on person-period rows."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from expectmodel._base import Estimator, InstanceOf, Interval, OneOf, Predicate, resolve_seed
from expectmodel._meta import versions
from expectmodel.churn import _design as dz
from expectmodel.churn._ml import MLResults, knot_notes, linearity, logit_band, profile, wald_table
from expectmodel.churn._regression import check_knots, select_features
from expectmodel.errors import ConvergenceError, DataError
from expectmodel.results import DataInfo, Meta, fingerprint

__all__ = ["DiscreteHazard", "HazardResults"]


class DiscreteHazard(Estimator):
    """Discrete-time hazard model of churn: ``logit h(t | x) = baseline(t) + x'beta`` on person-period rows.

    Each row is a customer in a period at risk (see :func:`~expectmodel.churn.person_period`); the
    features may change over time (satisfaction from repeated survey waves). Fitted by statsmodels'
    ``GLM`` with a binomial family (Singer & Willett 1993): the person-period likelihood is the
    likelihood of the survival data, so coefficients and standard errors are those of a direct GLM fit.

    Parameters
    ----------
    features : sequence of str
        Feature columns (static or time-varying).
    event : str, default "event"
        The 0/1 column: 1 in the period the customer churns.
    period : str, default "tenure"
        The period column the baseline hazard is a function of (tenure, whole numbers).
    customer : str, default "customer"
        The customer id column (a customer-period pair may appear once; clustered errors use it).
    baseline : {"periods", "linear", "log"}, default "periods"
        One intercept per period (the classic dummy coding), or ``a + b t``, or ``a + b log t``.
    knots : mapping of str to sequence of float, optional
        Threshold terms ``max(0, x - knot)`` per feature (e.g. ``{"satisfaction": [5]}``): the slope of
        the feature may change at each knot; :meth:`HazardResults.linearity_test` tests them jointly.
    cov_type : {"nonrobust", "cluster"}, default "nonrobust"
        Model-based standard errors, or errors clustered by customer.
    ci_level : float, default 0.95
        Level of the Wald intervals in ``to_frame()``.
    draws : int, default 1000
        Draws of the estimates for the simulation intervals of survival and response curves.
    seed : int, optional
        Seed of those draws (None: drawn and recorded in ``meta.seed``).

    Examples
    --------
    >>> from expectmodel import churn
    >>> sim = churn.simulate_panel(400, periods=8, seed=1)
    >>> pp = churn.person_period(sim.customers, sim.events, end=8, waves=sim.waves)
    >>> res = churn.DiscreteHazard(["satisfaction"], baseline="log").fit(pp)
    >>> coef = res.to_frame().query("kind == 'coef'")
    >>> coef["rhs"].tolist(), bool(coef["ci_low"].iloc[0] < -0.5 < coef["ci_high"].iloc[0])  # truth: -0.5
    (['satisfaction'], True)
    >>> hz = res.predict(pp.head(3))
    >>> bool(hz.between(0, 1).all())
    True
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "features": [Predicate(dz.is_names, "a non-empty list of distinct column names")],
        "event": [InstanceOf(str)],
        "period": [InstanceOf(str)],
        "customer": [InstanceOf(str)],
        "baseline": [OneOf("periods", "linear", "log")],
        "knots": [Predicate(dz.is_knots, "None or a mapping feature -> increasing knots")],
        "cov_type": [OneOf("nonrobust", "cluster")],
        "ci_level": [Interval(float, 0, 1, closed="neither")],
        "draws": [Interval(int, 10, None)],
        "seed": [None, Interval(int, 0, None)],
    }

    def __init__(self, features=("satisfaction",), *, event="event", period="tenure", customer="customer",
                 baseline="periods", knots=None, cov_type="nonrobust", ci_level=0.95, draws=1000, seed=None):
        self.features = features
        self.event = event
        self.period = period
        self.customer = customer
        self.baseline = baseline
        self.knots = knots
        self.cov_type = cov_type
        self.ci_level = ci_level
        self.draws = draws
        self.seed = seed

    def _check_params(self) -> None:
        check_knots(self)
        taken = {self.event, self.period, self.customer} & set(self.features)
        if taken:
            raise self._param_error("features", f"{sorted(taken)} cannot be both a feature and the event, "
                                                "period or customer column.")

    def fit(self, data: pd.DataFrame) -> HazardResults:
        """Fit the hazard model to person-period rows.

        Parameters
        ----------
        data : pandas.DataFrame
            One row per customer and period at risk (e.g. from :func:`~expectmodel.churn.person_period`).

        Returns
        -------
        HazardResults

        Raises
        ------
        ParameterError
            A setting is invalid.
        DataError
            Unknown columns, a non-binary event, duplicate customer-period rows, a customer with rows after
            churning, missing features, or a period without any churn under ``baseline="periods"``.
        """
        import statsmodels.api as sm

        self.validate_params()
        seed = resolve_seed(self.seed)
        t0 = time.perf_counter()
        frame = dz.check_frame(data, "one row per customer and period at risk")
        features = list(self.features)
        X = dz.read_columns(frame, features, "feature")
        y = dz.read_binary(frame, self.event, "event indicator")
        t = dz.read_columns(frame, [self.period], "period")[:, 0]
        if np.any(t != np.round(t)) or np.any(t < 0):
            r = int(np.argmax((t != np.round(t)) | (t < 0)))
            raise DataError(f"The period column '{self.period}' must hold whole, non-negative periods; row "
                            f"{frame.index[r]!r} holds {t[r]:g}.")
        if self.customer not in frame.columns:
            raise dz.msg.not_found([self.customer], frame.columns.tolist(), {self.customer: "customer id"},
                                   noun="Column(s)")
        ids = frame[self.customer].to_numpy()
        codes, uniq = pd.factorize(ids)
        _check_spells(codes, uniq, t, y, self.period)
        X, used, hinge_list, dropped = select_features(X, features, self.knots, type(self).__name__)
        Z = dz.expand(X, hinge_list)
        names = dz.term_names(used, hinge_list)
        B, periods, base_names = _baseline(t, y, self.baseline, self.period)
        D = np.column_stack([B, Z])
        kw = {"cov_type": "cluster", "cov_kwds": {"groups": codes}} if self.cov_type == "cluster" else {}
        glm = sm.GLM(y, D, family=sm.families.Binomial())
        fit = glm.fit(**kw)
        if not np.all(np.isfinite(fit.bse)):
            raise ConvergenceError(f"{type(self).__name__}: the GLM has undefined standard errors (a feature may "
                                   "separate churners from stayers perfectly).")
        llf_linear = None
        if hinge_list:
            restricted = sm.GLM(y, np.column_stack([B, X]), family=sm.families.Binomial()).fit()
            llf_linear = float(restricted.llf)
        keys = [("baseline", "logit h", "~1", b, "") for b in base_names]
        keys += [("coef", "logit h", "~", n, "") for n in names]
        table = wald_table(keys, np.asarray(fit.params), np.asarray(fit.bse), float(self.ci_level))
        table["odds_ratio"] = np.exp(table["estimate"])
        info = DataInfo(n_input=frame.shape[0], n_used=frame.shape[0], columns=tuple(
            [self.customer, self.period, self.event, *features]), fingerprint=fingerprint(D, y),
            extra={"customers": int(uniq.size), "events": int(y.sum())})
        meta = Meta(type(self).__name__, self.settings(), info, float(self.ci_level), "Wald (normal approximation)",
                    seed, conventions={"link": "logit", "baseline": self.baseline, "knots": "max(0, x - knot)",
                                       "derived intervals": "Krinsky-Robb simulation from N(estimate, cov)"},
                    versions=versions(), extra={"llf": float(fit.llf), "llf_linear": llf_linear,
                                                "wall_seconds": time.perf_counter() - t0,
                                                "dropped_constant": dropped})
        return HazardResults(table=table, cov=np.asarray(fit.cov_params()), meta=meta, features=tuple(used),
                             hinges=tuple(hinge_list), periods=periods, baseline=self.baseline,
                             train_range=tuple(zip(X.min(0).tolist(), X.max(0).tolist(), strict=True)),
                             train_mean=tuple(X.mean(0).tolist()), period_column=self.period)


def _check_spells(codes: np.ndarray, uniq: np.ndarray, t: np.ndarray, y: np.ndarray, period: str) -> None:
    """Refuse duplicate customer-period rows and rows after a churn."""
    order = np.lexsort((t, codes))
    c, tt, yy = codes[order], t[order], y[order]
    same = (c[1:] == c[:-1]) & (tt[1:] == tt[:-1])
    if same.any():
        r = int(np.argmax(same))
        who = dz.msg._row(uniq[c[r]])
        raise DataError(f"Duplicate customer-period rows: customer {who!r} has two rows for {period} {tt[r]:g}. "
                        "Keep one row per customer and period.")
    after = (c[1:] == c[:-1]) & (yy[:-1] == 1)
    if after.any():
        r = int(np.argmax(after))
        raise DataError(f"Customer {uniq[c[r]]!r} churns in {period} {tt[r]:g} but has rows after it; a person-period "
                        "table ends at the churn.")


def _baseline(t: np.ndarray, y: np.ndarray, kind: str, period: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Build the baseline columns; return them, the fitted period values (kind 'periods') and the row names."""
    if kind == "periods":
        periods, inv = np.unique(t, return_inverse=True)
        events = np.bincount(inv, weights=y, minlength=periods.size)
        at_risk = np.bincount(inv, minlength=periods.size)
        empty = np.flatnonzero((events == 0) | (events == at_risk))
        if empty.size:
            p = periods[empty[0]]
            what = "no churn" if events[empty[0]] == 0 else "only churners"
            raise DataError(f"{period} {p:g} has {what} among its {at_risk[empty[0]]} rows, so its baseline hazard "
                            "cannot be estimated on the logit scale; use baseline='linear' or 'log', or pool the "
                            "sparse periods (e.g. cap the period column).")
        B = np.zeros((t.size, periods.size))
        B[np.arange(t.size), inv] = 1.0
        return B, periods.astype(float), [f"{period}={p:g}" for p in periods]
    if kind == "log" and np.any(t <= 0):
        raise DataError(f"baseline='log' needs positive periods; '{period}' holds {t.min():g}.")
    x = t if kind == "linear" else np.log(t)
    label = period if kind == "linear" else f"log({period})"
    return np.column_stack([np.ones_like(t), x]), np.empty(0), ["intercept", label]


@dataclass(frozen=True, eq=False, repr=False)
class HazardResults(MLResults):
    """A fitted :class:`DiscreteHazard` model: the baseline and coefficient table, scoring, curves, tests.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per parameter (``kind`` ``"baseline"`` or ``"coef"``), Wald intervals, ``z``, ``p_value``,
        ``odds_ratio``.
    cov : numpy.ndarray
        Covariance matrix of the estimates (rows of ``table``).
    meta : Meta
        Settings, data provenance, the seed of the simulation intervals, log-likelihoods.
    features : tuple of str
        The features used (constant ones dropped).
    hinges : tuple of (int, float)
        The threshold terms: (feature position, knot).
    periods : numpy.ndarray
        The fitted period values (``baseline="periods"``).
    baseline : str
        The baseline kind.
    train_range, train_mean : tuple
        Each feature's training range and mean.
    period_column : str
        The period column's name.

    Examples
    --------
    >>> from expectmodel import churn
    >>> sim = churn.simulate_panel(400, periods=6, seed=2)
    >>> pp = churn.person_period(sim.customers, sim.events, end=6, waves=sim.waves)
    >>> res = churn.DiscreteHazard(["satisfaction"], knots={"satisfaction": [5]}).fit(pp)
    >>> sorted(res.scoring_spec())
    ['arrays', 'inputs', 'outputs', 'program', 'settings']
    >>> res.survival(pp).columns.tolist()
    ['customer', 'tenure', 'hazard', 'survival']
    >>> res.response_curve("satisfaction", grid=[2, 8]).shape
    (2, 4)
    >>> 0 <= res.linearity_test()["p_value"] <= 1
    True
    >>> res.to_frame().columns.tolist()[:9] == list(res.conf_int(0.9).columns[:5]) + ["estimate", "std_error",
    ...                                                                              "ci_low", "ci_high"]
    True
    >>> bool(res.predict(pp.head(2)).between(0, 1).all())
    True
    >>> res.baseline_hazard(periods=[1, 2], satisfaction=5.0)["survival"].round(2).shape
    (2,)
    >>> print(res.summary().as_text().splitlines()[1].strip())
    Discrete-time hazard model of churn (binomial GLM, logit link)
    """

    features: tuple[str, ...] = ()
    hinges: tuple[tuple[int, float], ...] = ()
    periods: np.ndarray = None  # type: ignore[assignment]
    baseline: str = "periods"
    train_range: tuple = ()
    train_mean: tuple = ()
    period_column: str = "tenure"

    schema: ClassVar[str] = "expectmodel.churn.hazard"
    schema_version: ClassVar[int] = 1
    title: ClassVar[str] = "Discrete-time hazard model of churn (binomial GLM, logit link)"

    def _split(self) -> tuple[np.ndarray, np.ndarray]:
        base = self.table["kind"].to_numpy() == "baseline"
        est = self.table["estimate"].to_numpy()
        return est[base], est[~base]

    def scoring_spec(self) -> dict[str, Any]:
        """Return the scoring specification (program ``hazard``): inputs are the period, then the features.

        Returns
        -------
        dict
            See :mod:`expectmodel_scorer.programs` and :mod:`expectmodel_scorer.programs.hazard`.
        """
        base, coef = self._split()
        inputs = [{"column": self.period_column, "kind": "int", "scale": None, "codes": None, "missing_codes": [],
                   "range": [float(self.periods.min()), float(self.periods.max())] if self.periods.size else None}]
        inputs += [{"column": f, "kind": "float", "scale": None, "codes": None, "missing_codes": [],
                    "range": list(r)} for f, r in zip(self.features, self.train_range, strict=True)]
        return {"program": "hazard", "inputs": inputs, "outputs": ["hazard"],
                "arrays": {"coef": coef, "baseline": base, "periods": np.asarray(self.periods, dtype=float)},
                "settings": {"baseline": self.baseline, "hinges": [[int(j), float(k)] for j, k in self.hinges]}}

    def predict(self, data: pd.DataFrame) -> pd.Series:
        """Score the hazard of each person-period row (through :func:`expectmodel_scorer.score`).

        Parameters
        ----------
        data : pandas.DataFrame
            The period column and the features seen in ``fit``.

        Returns
        -------
        pandas.Series
            ``hazard``, indexed like ``data``.

        Raises
        ------
        DataError
            The feature names differ from those seen in ``fit``.
        """
        return self._score(data, [self.period_column, *self.features])["hazard"]

    def survival(self, data: pd.DataFrame, customer: str | None = None) -> pd.DataFrame:
        """Compute each customer's survival through each of their rows: ``S(t) = prod_{s <= t} (1 - h(s))``.

        Parameters
        ----------
        data : pandas.DataFrame
            Person-period rows (every period from entry, in order within a customer).
        customer : str, optional
            The id column (default: the fit's).

        Returns
        -------
        pandas.DataFrame
            ``customer``, the period column, ``hazard``, ``survival``.
        """
        cid = customer or str(self.meta.params["customer"])
        frame = data[[cid, self.period_column]].copy()
        frame["hazard"] = self.predict(data).to_numpy()
        frame = frame.sort_values([cid, self.period_column], kind="stable")
        frame["survival"] = np.exp(np.log1p(-frame["hazard"]).groupby(frame[cid]).cumsum())
        return frame.reset_index(drop=True)

    def baseline_hazard(self, periods: Any = None, **at: float) -> pd.DataFrame:
        """Tabulate the hazard and survival curve over periods for one profile (features at their means unless given).

        Parameters
        ----------
        periods : sequence of int, optional
            Periods (default: the fitted periods, or 1..max of the training range).
        **at : float
            Feature values of the profile.

        Returns
        -------
        pandas.DataFrame
            ``period``, ``hazard``, ``survival`` with simulation intervals ``hazard_low/high`` and
            ``survival_low/high`` at ``meta.ci_level``.
        """
        if periods is None:
            periods = self.periods if self.periods.size else np.arange(1, 13)
        t = np.asarray(periods, dtype=float)
        row = np.array([at.get(f, m) for f, m in zip(self.features, self.train_mean, strict=True)])
        frame = pd.DataFrame(np.tile(row, (t.size, 1)), columns=list(self.features))
        frame.insert(0, self.period_column, t)
        spec = self.scoring_spec()
        from expectmodel_scorer import score
        from expectmodel_scorer.programs import hazard as program

        h = score(spec, frame)["hazard"].to_numpy()
        X = frame.to_numpy(dtype=float)
        is_base = self.table["kind"].to_numpy() == "baseline"
        arrays = {k: np.asarray(v, dtype=float) for k, v in spec["arrays"].items()}
        H = np.array([program.score({**arrays, "coef": d[~is_base], "baseline": d[is_base]}, spec["settings"], X)[:, 0]
                      for d in self._param_draws()])  # the same program, once per draw of the estimates
        S = np.cumprod(1 - H, axis=1)
        a = (1 - self.meta.ci_level) / 2
        return pd.DataFrame({"period": t, "hazard": h, "hazard_low": np.quantile(H, a, 0),
                             "hazard_high": np.quantile(H, 1 - a, 0), "survival": np.cumprod(1 - h),
                             "survival_low": np.quantile(S, a, 0), "survival_high": np.quantile(S, 1 - a, 0)})

    def response_curve(self, feature: str, grid: Any = None, period: float | None = None) -> pd.DataFrame:
        """Tabulate the hazard against one feature (others at their means) with delta-method intervals.

        Parameters
        ----------
        feature : str
            A feature seen in ``fit``.
        grid : sequence of float, optional
            Values of the feature (default: 50 points over its training range).
        period : float, optional
            The period of the baseline (default: the first fitted period, or 1).

        Returns
        -------
        pandas.DataFrame
            ``feature value``, ``hazard``, ``ci_low``, ``ci_high`` (at ``meta.ci_level``).
        """
        return _response_curve(self, feature, grid, period)

    def linearity_test(self) -> dict[str, float]:
        """Test linearity: the likelihood-ratio test of the threshold (hinge) terms against a linear effect.

        Returns
        -------
        dict
            ``statistic``, ``df`` and ``p_value``; NaN when the model has no knots.
        """
        return linearity(self)

    def _facts(self) -> dict[str, str]:
        d = self.meta.data
        return {"Customers": f"{d.extra['customers']:,}", "Churn events": f"{d.extra['events']:,}",
                "Baseline": self.baseline, "Log-likelihood": f"{self.meta['llf']:.2f}"}

    def _notes(self) -> list[str]:
        return knot_notes(self)


def _response_curve(res: Any, feature: str, grid: Any, period: float | None) -> pd.DataFrame:
    g, Z = profile(res, feature, grid)
    kind = res.table["kind"].to_numpy()
    base = np.zeros((g.size, int((kind == "baseline").sum())))
    if res.baseline == "periods":
        t = res.periods[0] if period is None else period
        i = int(np.clip(np.searchsorted(res.periods, t, side="right") - 1, 0, res.periods.size - 1))
        base[:, i] = 1.0
    else:
        t = 1.0 if period is None else float(period)
        base[:, 0] = 1.0
        base[:, 1] = t if res.baseline == "linear" else np.log(t)
    return logit_band(res, feature, g, np.column_stack([base, Z]), "hazard")
