"""Cross-sectional churn: a binary logit by statsmodels, with marginal effects, response curves and a linearity test."""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import stats

from expectmodel._base import OneOf, resolve_seed
from expectmodel.churn import _design as dz
from expectmodel.churn._ml import MLResults, expit, knot_notes, linearity, logit_band, profile, wald_table
from expectmodel.churn._regression import COMMON, Regression
from expectmodel.errors import ConvergenceError

__all__ = ["ChurnLogit", "LogitResults"]


class ChurnLogit(Regression):
    """Cross-sectional churn: ``P(churn) = logit^-1(a + x'b)`` by statsmodels' ``Logit``.

    Parameters
    ----------
    features : sequence of str
        Feature columns (construct scores, gaps, the satisfaction index, raw items).
    target : str, default "churn"
        The 0/1 churn label; any other coding is refused with a message.
    knots : mapping of str to sequence of float, optional
        Threshold terms ``max(0, x - knot)`` (the slope of ``x`` changes at each knot), e.g.
        ``{"satisfaction": [7]}`` where satisfaction stops buying loyalty.
    cov_type : {"nonrobust", "HC0", "HC1"}, default "nonrobust"
        Covariance of the estimates.
    ci_level : float, default 0.95
        Level of the Wald intervals.
    draws : int, default 1000
        Draws of the estimates for simulation intervals of derived quantities.
    seed : int, optional
        Seed of those draws (None: drawn and recorded).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from expectmodel import churn
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({"sat": rng.normal(7, 1.5, 2000)})
    >>> df["churn"] = (rng.random(2000) < 1 / (1 + np.exp(-(3 - 0.6 * df["sat"])))).astype(int)
    >>> res = churn.ChurnLogit(["sat"], seed=1).fit(df)
    >>> res.to_frame()["rhs"].tolist()
    ['intercept', 'sat']
    >>> bool(res.average_marginal_effects()["estimate"].iloc[0] < 0)
    True
    >>> res.predict(df.head(2)).round(3).tolist() == res.predict(df).head(2).round(3).tolist()
    True
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {**COMMON,
                                                               "cov_type": [OneOf("nonrobust", "HC0", "HC1")]}

    def __init__(self, features=("satisfaction",), *, target="churn", knots=None, cov_type="nonrobust",
                 ci_level=0.95, draws=1000, seed=None):
        self.features = features
        self.target = target
        self.knots = knots
        self.cov_type = cov_type
        self.ci_level = ci_level
        self.draws = draws
        self.seed = seed

    def fit(self, data: pd.DataFrame) -> LogitResults:
        """Fit the logit model.

        Parameters
        ----------
        data : pandas.DataFrame
            One row per customer: the features and the 0/1 target.

        Returns
        -------
        LogitResults

        Raises
        ------
        ParameterError
            A setting is invalid.
        DataError
            Unknown columns, missing features, a target that is not binary.

        Warns
        -----
        DataWarning
            A constant feature (named; it is left out instead of making the design singular).
        """
        import statsmodels.api as sm

        self.validate_params()
        seed = resolve_seed(self.seed)
        t0 = time.perf_counter()
        frame = dz.check_frame(data)
        y = dz.read_binary(frame, self.target, "churn label")
        X, used, hinge_list, dropped = self._design(frame)
        D = np.column_stack([np.ones(X.shape[0]), dz.expand(X, hinge_list)])
        fit = _logit_fit(sm, y, D, self.cov_type, type(self).__name__)
        llf_linear = None
        if hinge_list:
            llf_linear = float(_logit_fit(sm, y, np.column_stack([np.ones(X.shape[0]), X]), "nonrobust",
                                          type(self).__name__).llf)
        names = ["intercept", *dz.term_names(used, hinge_list)]
        keys = [("coef", "logit P(churn)", "~1" if n == "intercept" else "~", n, "") for n in names]
        table = wald_table(keys, np.asarray(fit.params), np.asarray(fit.bse), float(self.ci_level))
        table["odds_ratio"] = np.exp(table["estimate"])
        meta = self._meta(seed, frame, D, y, {"llf": float(fit.llf), "llf_null": float(fit.llnull),
                                               "llf_linear": llf_linear, "dropped_constant": dropped,
                                               "wall_seconds": time.perf_counter() - t0})
        return LogitResults(table=table, cov=np.asarray(fit.cov_params()), meta=meta, features=tuple(used),
                            hinges=tuple(hinge_list), design_mean=tuple(D.mean(0).tolist()),
                            train_range=tuple(zip(X.min(0).tolist(), X.max(0).tolist(), strict=True)),
                            train_mean=tuple(X.mean(0).tolist()), _X=X)


def _logit_fit(sm: Any, y: np.ndarray, D: np.ndarray, cov_type: str, who: str) -> Any:
    from statsmodels.tools.sm_exceptions import ConvergenceWarning as SmConvergence
    from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

    with warnings.catch_warnings():
        warnings.simplefilter("error", PerfectSeparationWarning)
        warnings.simplefilter("ignore", SmConvergence)
        try:
            fit = sm.Logit(y, D).fit(disp=0, method="newton", maxiter=100, cov_type=cov_type)
        except (PerfectSeparationWarning, np.linalg.LinAlgError) as err:
            raise ConvergenceError(f"{who}: the logit cannot be estimated ({err}); a feature may separate "
                                   "churners from stayers perfectly, or two features may be collinear.") from None
    if not fit.mle_retvals.get("converged", True) or not np.all(np.isfinite(fit.bse)):
        raise ConvergenceError(f"{who}: the logit did not converge (perfect separation or collinear features?).")
    return fit


@dataclass(frozen=True, eq=False, repr=False)
class LogitResults(MLResults):
    """A fitted :class:`ChurnLogit`: coefficients, average marginal effects, scoring, curves, linearity test.

    Parameters
    ----------
    table : pandas.DataFrame
        Coefficients with Wald intervals, ``z``, ``p_value`` and ``odds_ratio``.
    cov : numpy.ndarray
        Their covariance matrix.
    meta : Meta
        Settings, data provenance, log-likelihoods, the seed.
    features : tuple of str
        The features used (constant ones dropped).
    hinges : tuple of (int, float)
        Threshold terms: (feature position, knot).
    design_mean, train_range, train_mean : tuple
        Means of the design columns; each feature's training range and mean.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from expectmodel import churn
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame({"sat": rng.uniform(0, 10, 3000)})
    >>> df["churn"] = (rng.random(3000) < 1 / (1 + np.exp(-(1 - 0.6 * np.minimum(df["sat"], 6))))).astype(int)
    >>> res = churn.ChurnLogit(["sat"], knots={"sat": [6]}, seed=1).fit(df)
    >>> res.linearity_test()["p_value"] < 0.01
    True
    >>> res.response_curve("sat", grid=[2, 6, 9]).columns.tolist()
    ['sat', 'p_churn', 'ci_low', 'ci_high']
    >>> res.scoring_spec()["program"]
    'logit'
    >>> res.average_marginal_effects()["feature"].tolist()
    ['sat']
    >>> bool(res.predict(df).between(0, 1).all())
    True
    """

    features: tuple[str, ...] = ()
    hinges: tuple[tuple[int, float], ...] = ()
    design_mean: tuple = ()
    train_range: tuple = ()
    train_mean: tuple = ()
    _X: np.ndarray = None  # type: ignore[assignment]

    schema: ClassVar[str] = "expectmodel.churn.logit"
    schema_version: ClassVar[int] = 1
    title: ClassVar[str] = "Churn logit (statsmodels Logit)"

    def scoring_spec(self) -> dict[str, Any]:
        """Return the scoring specification (program ``logit``).

        Returns
        -------
        dict
            See :mod:`expectmodel_scorer.programs.churn`.
        """
        est = self.table["estimate"].to_numpy()
        return {"program": "logit", "inputs": dz.input_entries(self.features, self._X), "outputs": ["p_churn"],
                "arrays": {"coef": est[1:]},
                "settings": {"intercept": float(est[0]), "hinges": [[int(j), float(k)] for j, k in self.hinges]}}

    def predict(self, data: pd.DataFrame) -> pd.Series:
        """Score the churn probability of each row (through :func:`expectmodel_scorer.score`).

        Parameters
        ----------
        data : pandas.DataFrame
            The features seen in ``fit`` (other columns are ignored).

        Returns
        -------
        pandas.Series
            ``p_churn``, indexed like ``data``.

        Raises
        ------
        DataError
            The feature names differ from those seen in ``fit``.
        """
        return self._score(data)["p_churn"]

    def average_marginal_effects(self) -> pd.DataFrame:
        """Compute the average marginal effect of each feature on P(churn), with delta-method intervals.

        For a feature with knots the effect combines its linear and threshold terms:
        ``mean_n p_n (1 - p_n) (b_x + sum_k b_k 1[x_n > k])``.

        Returns
        -------
        pandas.DataFrame
            ``feature``, ``estimate``, ``std_error``, ``ci_low``, ``ci_high`` (at ``meta.ci_level``).
        """
        X = self._X
        D = np.column_stack([np.ones(X.shape[0]), dz.expand(X, list(self.hinges))])
        b = self.table["estimate"].to_numpy()
        p = expit(D @ b)
        w = p * (1 - p)
        rows = []
        for j, f in enumerate(self.features):
            s = np.full(X.shape[0], b[1 + j])
            ds = np.zeros((X.shape[0], b.size))
            ds[:, 1 + j] = 1.0
            for h, (jj, k) in enumerate(self.hinges):
                if jj == j:
                    above = X[:, j] > k
                    col = 1 + len(self.features) + h
                    s = s + b[col] * above
                    ds[:, col] = above
            ame = float(np.mean(w * s))
            grad = ((w * (1 - 2 * p) * s)[:, None] * D + w[:, None] * ds).mean(0)
            rows.append((f, ame, float(np.sqrt(grad @ self.cov @ grad))))
        out = pd.DataFrame(rows, columns=["feature", "estimate", "std_error"])
        z = stats.norm.ppf(0.5 + self.meta.ci_level / 2)
        out["ci_low"] = out["estimate"] - z * out["std_error"]
        out["ci_high"] = out["estimate"] + z * out["std_error"]
        return out

    def response_curve(self, feature: str, grid: Any = None) -> pd.DataFrame:
        """Tabulate P(churn) against one feature (the others at their means) with delta-method intervals.

        Parameters
        ----------
        feature : str
            A feature seen in ``fit``.
        grid : sequence of float, optional
            Values of the feature (default: 50 points over its training range).

        Returns
        -------
        pandas.DataFrame
            The feature's values, ``p_churn``, ``ci_low``, ``ci_high``.
        """
        g, Z = profile(self, feature, grid)
        return logit_band(self, feature, g, np.column_stack([np.ones(g.size), Z]), "p_churn")

    def linearity_test(self) -> dict[str, float]:
        """Test linearity: the likelihood-ratio test of the threshold (hinge) terms against linear effects.

        Returns
        -------
        dict
            ``statistic``, ``df``, ``p_value`` (NaN without knots).
        """
        return linearity(self)

    def _facts(self) -> dict[str, str]:
        r2 = 1 - self.meta["llf"] / self.meta["llf_null"]
        return {"Log-likelihood": f"{self.meta['llf']:.2f}", "McFadden R2": f"{r2:.3f}"}

    def _tables(self) -> list[tuple[str, pd.DataFrame]]:
        ame = self.average_marginal_effects().set_index("feature")
        return [*super()._tables(), ("Average marginal effects on P(churn)", ame)]

    def _notes(self) -> list[str]:
        return knot_notes(self)
