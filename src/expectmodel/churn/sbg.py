"""Contractual churn by cohort: the shifted-beta-geometric (sBG) model of Fader & Hardie (2007).

Each customer churns at the end of a period with probability ``theta``, constant over time for that
customer and heterogeneous across customers, ``theta ~ Beta(alpha, beta)``. Then

- ``P(T = t) = B(alpha + 1, beta + t - 1) / B(alpha, beta)`` (churn in period ``t``);
- ``S(t) = B(alpha, beta + t) / B(alpha, beta)`` (still active after ``t`` periods);
- the retention rate ``r_t = S(t) / S(t - 1) = (beta + t - 1) / (alpha + beta + t - 1)`` rises with tenure
  as the churn-prone leave (a cohort effect, not a change in anyone's loyalty).

:class:`SBG` fits it by maximum likelihood and :class:`BayesianSBG` in pymc through the package's
Bayesian template; both return :class:`SBGResults`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import optimize, special

from expectmodel._base import Estimator, InstanceOf, Interval, OneOf, resolve_seed
from expectmodel._meta import versions
from expectmodel.churn._design import check_frame
from expectmodel.churn._ml import MLResults, wald_table
from expectmodel.data import _messages as msg
from expectmodel.errors import ConvergenceError, DataError
from expectmodel.inference import equal_tailed
from expectmodel.results import DataInfo, Meta, fingerprint
from expectmodel.sampling import BayesianEstimator, SamplerConfig

__all__ = ["SBG", "BayesianSBG", "SBGResults"]


@dataclass(frozen=True)
class Cohorts:
    """Validated cohort counts: per cohort, the customers lost in periods 1..T and those still active after T."""

    names: tuple[str, ...]
    lost: tuple[np.ndarray, ...]
    active: tuple[int, ...]
    size: tuple[int, ...]
    n_rows: int

    def loglik(self, i: int, alpha: Any, beta: Any) -> Any:
        """Log-likelihood of cohort ``i`` at (arrays of) ``alpha``, ``beta``: per cell, the last cell the survivors."""
        lost = self.lost[i]
        t = np.arange(1, lost.size + 1)
        a, b = np.asarray(alpha, dtype=float)[..., None], np.asarray(beta, dtype=float)[..., None]
        base = special.betaln(a, b)
        lp = special.betaln(a + 1, b + t - 1) - base
        ls = special.betaln(a, b + lost.size) - base
        return np.concatenate([lost * lp, self.active[i] * ls], axis=-1)


def _read_cohorts(est: Any, data: object) -> Cohorts:
    frame = check_frame(data, "one row per cohort and period (period 0 holds the cohort's size)")
    needed = [c for c in (est.cohort, est.period, est.count) if c is not None]
    absent = [c for c in needed if c not in frame.columns]
    if absent:
        raise msg.not_found(absent, frame.columns.tolist(), {c: "cohort count column" for c in absent},
                            noun="Column(s)")
    period = pd.to_numeric(frame[est.period], errors="coerce").to_numpy(dtype=float)
    count = pd.to_numeric(frame[est.count], errors="coerce").to_numpy(dtype=float)
    for name, values in ((est.period, period), (est.count, count)):
        bad = ~np.isfinite(values) | (values != np.round(values)) | (values < 0)
        if bad.any():
            r = int(np.argmax(bad))
            raise DataError(f"Column '{name}' must hold whole, non-negative numbers; row {msg._row(frame.index[r])!r}"
                            f" holds {frame[name].iloc[r]!r}.")
    labels = frame[est.cohort].astype(str).to_numpy() if est.cohort is not None else np.full(len(frame), "all")
    names, lost, active, size = [], [], [], []
    for name in dict.fromkeys(labels):
        rows = labels == name
        p, c = period[rows].astype(int), count[rows].astype(int)
        order = np.argsort(p)
        p, c = p[order], c[order]
        if p[0] != 0 or np.any(np.diff(p) != 1):
            raise DataError(f"Cohort {name!r} must have one row per period 0, 1, 2, ... without gaps (period 0 "
                            f"holds its size); it has periods {p.tolist()}.")
        if p.size < 2:
            raise DataError(f"Cohort {name!r} has no period after period 0; the sBG model needs at least one.")
        n0 = int(c[0])
        if n0 == 0:
            raise DataError(f"Cohort {name!r} has no customers in period 0.")
        if est.counts == "alive":
            gone = -np.diff(c)
            if np.any(gone < 0):
                t = int(np.argmax(gone < 0)) + 1
                raise DataError(f"Cohort {name!r} has more customers alive in period {t} ({c[t]}) than in period "
                                f"{t - 1} ({c[t - 1]}); 'alive' counts a cohort's survivors, which can only fall "
                                "(new customers belong to a new cohort).")
        else:
            gone = c[1:]
            if gone.sum() > n0:
                raise DataError(f"Cohort {name!r} has more churners ({int(gone.sum())}) than customers ({n0}); "
                                "check the counts (period 0 holds the cohort's size, later periods the "
                                "customers lost in that period).")
        left = n0 - int(gone.sum())
        names.append(name)
        lost.append(gone.astype(float))
        active.append(left)
        size.append(n0)
    return Cohorts(tuple(names), tuple(lost), tuple(active), tuple(size), len(frame))


class _SBGSettings:
    _common: ClassVar[dict[str, list[Any]]] = {
        "cohort": [None, InstanceOf(str)],
        "period": [InstanceOf(str)],
        "count": [InstanceOf(str)],
        "counts": [OneOf("alive", "lost")],
        "ci_level": [Interval(float, 0, 1, closed="neither")],
    }


class SBG(Estimator):
    """The shifted-beta-geometric model of contractual churn, by maximum likelihood, one fit per cohort.

    Parameters
    ----------
    cohort : str or None, default "cohort"
        The cohort column (None: one cohort).
    period : str, default "period"
        Period number: 0 for the cohort's start, then 1, 2, ... without gaps.
    count : str, default "alive"
        The count column.
    counts : {"alive", "lost"}, default "alive"
        ``"alive"``: customers still active at the end of each period (period 0: the cohort's size);
        ``"lost"``: customers lost in each period (period 0: the cohort's size).
    ci_level : float, default 0.95
        Level of the Wald intervals of ``alpha`` and ``beta``.
    draws : int, default 1000
        Draws of the estimates for the intervals of retention, survival and residual lifetime.
    seed : int, optional
        Seed of those draws (None: drawn and recorded).

    Examples
    --------
    Fader & Hardie's (2007, Table 1) "regular" cohort, first seven years:

    >>> import pandas as pd
    >>> from expectmodel import churn
    >>> alive = [1000, 631, 468, 382, 326, 289, 262, 241]
    >>> data = pd.DataFrame({"cohort": "regular", "period": range(8), "alive": alive})
    >>> res = churn.SBG(seed=1).fit(data)
    >>> res.to_frame()[["lhs", "estimate"]].round(3).to_numpy().tolist()
    [['alpha', 0.704], ['beta', 1.182]]
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        **_SBGSettings._common, "draws": [Interval(int, 10, None)], "seed": [None, Interval(int, 0, None)]}

    def __init__(self, cohort="cohort", *, period="period", count="alive", counts="alive", ci_level=0.95,
                 draws=1000, seed=None):
        self.cohort = cohort
        self.period = period
        self.count = count
        self.counts = counts
        self.ci_level = ci_level
        self.draws = draws
        self.seed = seed

    def fit(self, data: pd.DataFrame) -> SBGResults:
        """Fit ``alpha`` and ``beta`` of each cohort by maximum likelihood.

        Parameters
        ----------
        data : pandas.DataFrame
            One row per cohort and period.

        Returns
        -------
        SBGResults

        Raises
        ------
        ParameterError
            A setting is invalid.
        DataError
            Unknown columns, gaps in the periods, survivors that rise, or a cohort with more churners than
            customers.
        """
        self.validate_params()
        seed = resolve_seed(self.seed)
        t0 = time.perf_counter()
        cohorts = _read_cohorts(self, data)
        keys, est, cov_blocks, llf = [], [], [], []
        for i, name in enumerate(cohorts.names):
            def nll(x: np.ndarray, i: int = i) -> float:
                return -float(cohorts.loglik(i, np.exp(x[0]), np.exp(x[1])).sum())

            opt = optimize.minimize(nll, np.zeros(2), method="BFGS", options={"gtol": 1e-9})
            opt = optimize.minimize(nll, opt.x, method="Nelder-Mead",
                                    options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 4000})
            if not opt.success or not np.all(np.isfinite(opt.x)):
                raise ConvergenceError(f"SBG: the likelihood of cohort {name!r} has no finite maximum ({opt.message}); "
                                       "a cohort where nobody (or everybody) churns cannot identify alpha and beta.")
            H = _hessian(nll, opt.x)
            try:
                cov_log = np.linalg.inv(H)
            except np.linalg.LinAlgError:
                raise ConvergenceError(f"SBG: the information matrix of cohort {name!r} is singular.") from None
            ab = np.exp(opt.x)
            J = np.diag(ab)
            keys += [("sbg", "alpha", "", "", name), ("sbg", "beta", "", "", name)]
            est += ab.tolist()
            cov_blocks.append(J @ cov_log @ J)
            llf.append(-opt.fun)
        cov = _block_diag(cov_blocks)
        table = wald_table(keys, np.asarray(est), np.sqrt(np.diag(cov)), float(self.ci_level))
        meta = Meta(type(self).__name__, self.settings(), _info(cohorts), float(self.ci_level),
                    "Wald (normal approximation)", seed, conventions=_CONVENTIONS, versions=versions(),
                    extra={"llf": llf, "wall_seconds": time.perf_counter() - t0})
        return SBGResults(table=table, cov=cov, meta=meta, cohorts=cohorts.names, sizes=cohorts.size)


_CONVENTIONS = {
    "model": "shifted-beta-geometric (Fader & Hardie 2007): churn probability theta ~ Beta(alpha, beta)",
    "retention": "r_t = (beta + t - 1) / (alpha + beta + t - 1)",
    "DERL": "sum_{j>=1} S(k+j)/S(k) / (1+d)^(j-1) for a customer active k periods (Fader & Hardie 2010)",
}


def _info(cohorts: Cohorts) -> DataInfo:
    return DataInfo(n_input=cohorts.n_rows, n_used=cohorts.n_rows,
                    fingerprint=fingerprint(*cohorts.lost, list(cohorts.active)),
                    extra={"cohorts": list(cohorts.names), "customers": list(cohorts.size)})


def _hessian(f: Any, x: np.ndarray, h: float = 1e-4) -> np.ndarray:
    """Central-difference Hessian of ``f`` at ``x``."""
    k = x.size
    H = np.empty((k, k))
    E = np.eye(k) * h
    for i in range(k):
        for j in range(i, k):
            H[i, j] = H[j, i] = (f(x + E[i] + E[j]) - f(x + E[i] - E[j]) - f(x - E[i] + E[j])
                                 + f(x - E[i] - E[j])) / (4 * h * h)
    return H


def _block_diag(blocks: list[np.ndarray]) -> np.ndarray:
    n = sum(b.shape[0] for b in blocks)
    out = np.zeros((n, n))
    i = 0
    for b in blocks:
        out[i:i + b.shape[0], i:i + b.shape[0]] = b
        i += b.shape[0]
    return out


@dataclass(frozen=True, eq=False, repr=False)
class SBGResults(MLResults):
    """A fitted sBG model (by :class:`SBG` or :class:`BayesianSBG`): ``alpha`` and ``beta`` per cohort and curves.

    Parameters
    ----------
    table : pandas.DataFrame
        ``alpha`` and ``beta`` per cohort (``group``), with intervals.
    cov : numpy.ndarray
        Covariance of the estimates (ML: delta method from the log scale; Bayesian: posterior).
    meta : Meta
        Settings, data provenance, the seed.
    cohorts : tuple of str
        The cohorts, in order.
    sizes : tuple of int
        Customers per cohort.
    posterior : numpy.ndarray, optional
        Posterior draws (S, rows of ``table``) of a Bayesian fit; intervals then come from them.
    tree : xarray.DataTree, optional
        The posterior tree of a Bayesian fit.
    diagnostics : Diagnostics, optional
        The convergence gates' findings (Bayesian fit).

    Examples
    --------
    >>> import pandas as pd
    >>> from expectmodel import churn
    >>> alive = [1000, 869, 743, 653, 593, 551, 517, 491]  # Fader & Hardie (2007), high end, years 0-7
    >>> res = churn.SBG(cohort=None, draws=200, seed=1).fit(pd.DataFrame({"period": range(8), "alive": alive}))
    >>> res.retention(periods=[1, 2, 12])[["period", "retention"]].round(3).to_numpy().tolist()  # (b+t-1)/(a+b+t-1)
    [[1.0, 0.851], [2.0, 0.878], [12.0, 0.957]]
    >>> res.survival(periods=[7])["survival"].round(3).tolist()  # observed: 491 of 1,000
    [0.489]
    >>> derl = res.residual_lifetime(discount=0.1, tenure=[0])["derl"].iloc[0]
    >>> from scipy.special import hyp2f1  # Fader & Hardie (2010, eq. 6) in closed form, n = 1
    >>> a, b = res.params()
    >>> bool(abs(derl - b / (a + b) * hyp2f1(1, b + 1, a + b + 1, 1 / 1.1)) < 1e-9)
    True
    >>> res.scoring_spec(discount=0.1)["program"]
    'sbg'
    >>> res.predict(pd.DataFrame({"tenure": [0, 3]}), discount=0.1).columns.tolist()
    ['p_renew', 'derl']
    >>> res.conf_int(0.9)[["lhs", "ci_low", "ci_high"]].shape
    (2, 3)
    """

    cohorts: tuple[str, ...] = ()
    sizes: tuple[int, ...] = ()
    posterior: np.ndarray | None = None
    tree: Any = None
    diagnostics: Any = None

    schema: ClassVar[str] = "expectmodel.churn.sbg"
    schema_version: ClassVar[int] = 1
    title: ClassVar[str] = "Shifted-beta-geometric model of contractual churn"

    def _wald_frame(self) -> pd.DataFrame | None:
        return None if self.posterior is not None else self.table  # ML: Wald; Bayesian: the draws

    def _draws_frame(self) -> tuple[pd.DataFrame, np.ndarray] | None:
        return None if self.posterior is None else (self.table, self.posterior)

    def _param_draws(self, n: int | None = None) -> np.ndarray:
        if self.posterior is not None:
            return self.posterior
        draws = super()._param_draws(n)
        return np.abs(draws)  # a draw below zero is a far tail of the normal approximation

    def params(self, cohort: str | None = None) -> tuple[float, float]:
        """Return ``(alpha, beta)`` of a cohort.

        Parameters
        ----------
        cohort : str, optional
            The cohort (default: the only or first one).

        Returns
        -------
        (float, float)
        """
        i = self._index(cohort)
        est = self.table["estimate"].to_numpy()
        return float(est[2 * i]), float(est[2 * i + 1])

    def _index(self, cohort: str | None) -> int:
        if cohort is None:
            return 0
        if cohort not in self.cohorts:
            raise DataError(f"No cohort {cohort!r}; the fit has {list(self.cohorts)}.")
        return self.cohorts.index(cohort)

    def _curve(self, fn: Any, periods: Any, name: str) -> pd.DataFrame:
        t = np.asarray(periods if periods is not None else np.arange(1, 13), dtype=float)
        draws = self._param_draws()
        a = (1 - self.meta.ci_level) / 2
        parts = []
        for i, c in enumerate(self.cohorts):
            al, be = self.params(c)
            sims = fn(draws[:, [2 * i]], draws[:, [2 * i + 1]], t[None, :])
            parts.append(pd.DataFrame({"cohort": c, "period": t, name: fn(al, be, t),
                                       f"{name}_low": np.quantile(sims, a, axis=0),
                                       f"{name}_high": np.quantile(sims, 1 - a, axis=0)}))
        return pd.concat(parts, ignore_index=True)

    def retention(self, periods: Any = None) -> pd.DataFrame:
        """Tabulate the retention rate ``r_t = (beta + t - 1) / (alpha + beta + t - 1)`` per cohort.

        Parameters
        ----------
        periods : sequence of int, optional
            Periods (default 1..12).

        Returns
        -------
        pandas.DataFrame
            ``cohort``, ``period``, ``retention``, ``retention_low``, ``retention_high`` (at ``meta.ci_level``).
        """
        return self._curve(lambda al, be, t: (be + t - 1) / (al + be + t - 1), periods, "retention")

    def survival(self, periods: Any = None) -> pd.DataFrame:
        """Tabulate the survivor function ``S(t) = B(alpha, beta + t) / B(alpha, beta)`` per cohort.

        Parameters
        ----------
        periods : sequence of int, optional
            Periods (default 1..12).

        Returns
        -------
        pandas.DataFrame
            ``cohort``, ``period``, ``survival``, ``survival_low``, ``survival_high``.
        """
        return self._curve(lambda al, be, t: np.exp(special.betaln(al, be + t) - special.betaln(al, be)),
                           periods, "survival")

    def residual_lifetime(self, discount: float = 0.0, tenure: Any = (0,)) -> pd.DataFrame:
        """Compute the (discounted) expected residual lifetime of an active customer, per cohort.

        ``DERL(k) = sum_{j>=1} S(k+j) / S(k) / (1 + d)^(j-1)`` periods for a customer active ``k`` periods
        (Fader & Hardie 2010); with ``discount=0`` the expected residual lifetime ``(beta + k) / (alpha - 1)``,
        infinite when ``alpha <= 1`` (the heavy tail of loyal customers).

        Parameters
        ----------
        discount : float, default 0
            Discount rate per period (e.g. 0.1).
        tenure : sequence of int, default (0,)
            Periods the customer has been active.

        Returns
        -------
        pandas.DataFrame
            ``cohort``, ``tenure``, ``derl``, ``derl_low``, ``derl_high``.
        """
        from expectmodel_scorer.programs.sbg import derl

        if not isinstance(discount, int | float) or isinstance(discount, bool) or discount < 0:
            raise DataError(f"residual_lifetime(discount={discount!r}): the discount rate must be a number >= 0.")
        k = np.asarray(tenure, dtype=float)
        draws = self._param_draws()
        a = (1 - self.meta.ci_level) / 2
        parts = []
        for i, c in enumerate(self.cohorts):
            al, be = self.params(c)
            sims = derl(draws[:, [2 * i]], draws[:, [2 * i + 1]], k[None, :], float(discount))
            with np.errstate(invalid="ignore"):  # infinite lifetimes (alpha <= 1) have infinite quantiles
                low, high = np.quantile(sims, a, axis=0), np.quantile(sims, 1 - a, axis=0)
            parts.append(pd.DataFrame({"cohort": c, "tenure": k, "derl": derl(al, be, k, float(discount)),
                                       "derl_low": low, "derl_high": high}))
        return pd.concat(parts, ignore_index=True)

    def scoring_spec(self, cohort: str | None = None, discount: float = 0.1) -> dict[str, Any]:
        """Return the scoring specification (program ``sbg``) of one cohort's customers.

        Parameters
        ----------
        cohort : str, optional
            The cohort (default: the only or first one).
        discount : float, default 0.1
            Discount rate per period of the residual lifetime.

        Returns
        -------
        dict
            Input ``tenure`` (periods active); outputs ``p_renew`` and ``derl``.
        """
        al, be = self.params(cohort)
        return {"program": "sbg", "inputs": [{"column": "tenure", "kind": "int", "scale": None, "codes": None,
                                              "missing_codes": [], "range": None}],
                "outputs": ["p_renew", "derl"], "arrays": {"params": np.array([al, be])},
                "settings": {"discount": float(discount)}}

    def predict(self, data: pd.DataFrame, cohort: str | None = None, discount: float = 0.1) -> pd.DataFrame:
        """Score customers' renewal probability and DERL from their tenure (through the scorer).

        Parameters
        ----------
        data : pandas.DataFrame
            A ``tenure`` column (periods active).
        cohort : str, optional
            The cohort whose parameters apply.
        discount : float, default 0.1
            Discount rate per period.

        Returns
        -------
        pandas.DataFrame
            ``p_renew``, ``derl``.
        """
        from expectmodel_scorer import score

        return score(self.scoring_spec(cohort, discount), data)

    def _facts(self) -> dict[str, str]:
        return {"Cohorts": ", ".join(self.cohorts), "Customers": ", ".join(f"{s:,}" for s in self.sizes)}

    def _tables(self) -> list[tuple[str, pd.DataFrame]]:
        shown = self.table.set_index(["group", "lhs"])[["estimate", "std_error", "ci_low", "ci_high"]]
        kind = "posterior" if self.posterior is not None else "Wald"
        ret = self.retention(periods=[1, 2, 5, 10]).set_index(["cohort", "period"])
        return [(f"Parameters ({self.meta.ci_level:.0%} {kind} intervals)", shown),
                ("Retention rate by period", ret)]

    def _repr_facts(self) -> str:
        return f"{len(self.cohorts)} cohort(s), {sum(self.sizes):,} customers"


class BayesianSBG(BayesianEstimator):
    """The sBG model in pymc (through the package's Bayesian template), one ``alpha, beta`` pair per cohort.

    Priors: ``alpha, beta ~ LogNormal(0, prior_sd)`` independently per cohort (recorded in ``meta``).

    Parameters
    ----------
    cohort : str or None, default "cohort"
        The cohort column (None: one cohort).
    period : str, default "period"
        Period number (0 for the cohort's size).
    count : str, default "alive"
        The count column.
    counts : {"alive", "lost"}, default "alive"
        Survivors at the end of each period, or customers lost in each period.
    prior_sd : float, default 1.5
        Standard deviation of the log-normal priors' logarithm.
    ci_level : float, default 0.9
        Level of the equal-tailed posterior intervals.
    sampler : SamplerConfig, optional
        Sampler settings (default: :class:`~expectmodel.sampling.SamplerConfig()`).

    Examples
    --------
    >>> import pandas as pd
    >>> from expectmodel import churn
    >>> from expectmodel.sampling import SamplerConfig
    >>> data = pd.DataFrame({"period": range(8), "alive": [1000, 631, 468, 382, 326, 289, 262, 241]})
    >>> est = churn.BayesianSBG(cohort=None, sampler=SamplerConfig(draws=500, chains=2, seed=1))
    >>> est.sampler_config().draws
    500
    >>> res = est.fit(data)  # samples: skipped in the doctests  # doctest: +SKIP
    >>> res.retention(periods=[1, 5])  # doctest: +SKIP
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        **_SBGSettings._common, "prior_sd": [Interval(float, 0, None, closed="neither")],
        "sampler": [None, InstanceOf(SamplerConfig)]}
    _what: ClassVar[str] = "The sBG fit"
    _observation_dim: ClassVar[str] = "cell"

    def __init__(self, cohort="cohort", *, period="period", count="alive", counts="alive", prior_sd=1.5,
                 ci_level=0.9, sampler=None):
        self.cohort = cohort
        self.period = period
        self.count = count
        self.counts = counts
        self.prior_sd = prior_sd
        self.ci_level = ci_level
        self.sampler = sampler

    def _prepare(self, data: Any) -> Cohorts:
        return _read_cohorts(self, data)

    def _graph(self, prepared: Cohorts) -> tuple[Any, list[str]]:
        import pymc as pm
        import pytensor.tensor as pt

        def betaln(a: Any, b: Any) -> Any:
            return pt.gammaln(a) + pt.gammaln(b) - pt.gammaln(a + b)

        coords = {"cohort": list(prepared.names)}
        with pm.Model(coords=coords) as model:
            alpha = pm.LogNormal("alpha", 0.0, float(self.prior_sd), dims="cohort")
            beta = pm.LogNormal("beta", 0.0, float(self.prior_sd), dims="cohort")
            for i in range(len(prepared.names)):
                lost = prepared.lost[i]
                t = np.arange(1, lost.size + 1, dtype=float)
                a, b = alpha[i], beta[i]
                base = betaln(a, b)
                ll = pt.sum(lost * (betaln(a + 1, b + t - 1) - base))
                ll = ll + prepared.active[i] * (betaln(a, b + float(lost.size)) - base)
                pm.Potential(f"loglik_{i}", ll)
        return model, ["alpha", "beta"]

    def _log_likelihood(self, prepared: Cohorts, posterior: Any) -> dict[str, np.ndarray]:
        al, be = np.asarray(posterior["alpha"].values), np.asarray(posterior["beta"].values)
        cells = [prepared.loglik(i, al[..., i], be[..., i]) for i in range(len(prepared.names))]
        return {"counts": np.concatenate(cells, axis=-1)}

    def _data_info(self, prepared: Cohorts) -> DataInfo:
        return _info(prepared)

    def _meta_extra(self, prepared: Cohorts) -> dict[str, Any]:
        return {"priors": {"alpha": f"LogNormal(0, {self.prior_sd})", "beta": f"LogNormal(0, {self.prior_sd})"}}

    def _meta_fields(self, prepared: Cohorts) -> dict[str, Any]:
        return {"conventions": {**_CONVENTIONS, "estimate": "posterior mean",
                                "std_error": "posterior standard deviation"}}

    def _results(self, prepared: Cohorts, tree: Any, diagnostics: Any, meta: Meta) -> SBGResults:
        post = tree["posterior"]
        al = np.asarray(post["alpha"].values).reshape(-1, len(prepared.names))
        be = np.asarray(post["beta"].values).reshape(-1, len(prepared.names))
        draws = np.empty((al.shape[0], 2 * al.shape[1]))
        draws[:, 0::2], draws[:, 1::2] = al, be
        keys = [k for name in prepared.names for k in (("sbg", "alpha", "", "", name), ("sbg", "beta", "", "", name))]
        lo, hi = equal_tailed(draws, float(self.ci_level))
        table = wald_table(keys, draws.mean(0), draws.std(0, ddof=1), float(self.ci_level))
        table["ci_low"], table["ci_high"] = lo, hi
        table = table.drop(columns=["z", "p_value"])
        return SBGResults(table=table, cov=np.cov(draws, rowvar=False), meta=meta, cohorts=prepared.names,
                          sizes=prepared.size, posterior=draws, tree=tree, diagnostics=diagnostics)


def fader_hardie_2007() -> pd.DataFrame:
    """Return the survivor counts of Fader & Hardie (2007, Table 1): two cohorts of 1,000 customers, years 0-12.

    Returns
    -------
    pandas.DataFrame
        ``cohort`` ("regular", "highend"), ``period`` (0-12) and ``alive``.
    """
    regular = [1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173]
    highend = [1000, 869, 743, 653, 593, 551, 517, 491, 468, 445, 427, 409, 394]
    return pd.concat([pd.DataFrame({"cohort": c, "period": range(13), "alive": v})
                      for c, v in (("regular", regular), ("highend", highend))], ignore_index=True)

