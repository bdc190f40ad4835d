"""What the maximum-likelihood churn results share: the Wald table, intervals at any level, draws, export,
scoring through the scorer, response curves on the logit scale and the linearity test of the knots."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import stats

from expectmodel.churn import _design as dz
from expectmodel.errors import DataError
from expectmodel.results import KEY_COLUMNS, PARAMETER_COLUMNS, Meta, ResultsBase, thaw
from expectmodel.summary import Summary


def wald_table(keys: list[tuple[str, str, str, str, str]], estimate: np.ndarray, std_error: np.ndarray,
               level: float) -> pd.DataFrame:
    """The parameter table: key columns, estimate, std_error, Wald interval at ``level``, z and p-value."""
    z = stats.norm.ppf(0.5 + level / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        zstat = estimate / std_error
    frame = pd.DataFrame(keys, columns=list(KEY_COLUMNS))
    frame["estimate"] = estimate
    frame["std_error"] = std_error
    frame["ci_low"] = estimate - z * std_error
    frame["ci_high"] = estimate + z * std_error
    frame["z"] = zstat
    frame["p_value"] = 2 * stats.norm.sf(np.abs(zstat))
    return frame[[*PARAMETER_COLUMNS, "z", "p_value"]]


def expit(eta: np.ndarray) -> np.ndarray:
    """The logistic function, overflow-free."""
    return 0.5 * (1.0 + np.tanh(0.5 * eta))


def profile(res: Any, feature: str, grid: Any) -> tuple[np.ndarray, np.ndarray]:
    """The grid of ``feature`` (default: 50 points over its training range) and its expanded design rows, the
    other features at their training means."""
    if feature not in res.features:
        raise DataError(f"{feature!r} is not a feature of this fit; it has {list(res.features)}.")
    j = res.features.index(feature)
    lo, hi = res.train_range[j]
    g = np.linspace(lo, hi, 50) if grid is None else np.asarray(grid, dtype=float)
    X = np.tile(np.asarray(res.train_mean, dtype=float), (g.size, 1))
    X[:, j] = g
    return g, dz.expand(X, list(res.hinges))


def logit_band(res: Any, feature: str, g: np.ndarray, D: np.ndarray, column: str) -> pd.DataFrame:
    """The response curve ``expit(D @ estimate)`` over ``g`` with delta-method intervals at ``meta.ci_level``."""
    eta = D @ res.table["estimate"].to_numpy()
    se = np.sqrt(np.einsum("ij,jk,ik->i", D, res.cov, D))
    z = stats.norm.ppf(0.5 + res.meta.ci_level / 2)
    return pd.DataFrame({feature: g, column: expit(eta), "ci_low": expit(eta - z * se),
                         "ci_high": expit(eta + z * se)})


def linearity(res: Any) -> dict[str, float]:
    """The likelihood-ratio test of the threshold (hinge) terms against linear effects (NaN without knots)."""
    if not res.hinges or res.meta["llf_linear"] is None:
        return {"statistic": float("nan"), "df": 0.0, "p_value": float("nan")}
    lr = max(2.0 * (res.meta["llf"] - res.meta["llf_linear"]), 0.0)
    df = float(len(res.hinges))
    return {"statistic": lr, "df": df, "p_value": float(stats.chi2.sf(lr, df))}


def knot_notes(res: Any) -> list[str]:
    """The summary notes of a fit with knots and dropped features: the linearity test, the features left out."""
    notes = []
    if res.hinges:
        lt = res.linearity_test()
        notes.append(f"Linearity (LR test of the knots): chi2({lt['df']:.0f}) = {lt['statistic']:.2f}, "
                     f"p = {lt['p_value']:.4f}.")
    dropped = res.meta["dropped_constant"]
    if dropped:
        notes.append(f"Constant feature(s) left out: {', '.join(dropped)}.")
    return notes


@dataclass(frozen=True, eq=False, repr=False)
class MLResults(ResultsBase):
    """Base of the maximum-likelihood churn results: ``table``, ``cov`` (of ``table``'s rows), ``meta``.

    Intervals are Wald intervals ``estimate +- z * std_error`` at any level (:meth:`conf_int`); derived
    nonlinear quantities (response curves, survival, retention) get simulation intervals from
    ``meta.params["draws"]`` draws of the asymptotic normal distribution of the estimates, seeded by the
    recorded seed (Krinsky & Robb 1986).
    """

    table: pd.DataFrame
    cov: np.ndarray
    meta: Meta

    title: ClassVar[str] = "Churn model"

    def to_frame(self) -> pd.DataFrame:
        """Return one row per parameter: :data:`~expectmodel.results.PARAMETER_COLUMNS`, then ``z``, ``p_value``.

        Returns
        -------
        pandas.DataFrame
            A copy; the interval level is in ``frame.attrs["ci_level"]``.
        """
        out = self.table.copy()
        out.attrs["ci_level"] = self.meta.ci_level
        return out

    def _wald_frame(self) -> pd.DataFrame:
        return self.table  # Wald intervals at any level (ResultsBase.conf_int)

    def _score(self, data: pd.DataFrame, columns: Any = None) -> pd.DataFrame:
        """Score ``data`` with :meth:`scoring_spec` through the scorer, once its columns are checked (``predict``)."""
        from expectmodel_scorer import score

        dz.check_same_features(data, self.features if columns is None else columns, f"{type(self).__name__}.predict")
        return score(self.scoring_spec(), data)

    def _param_draws(self, n: int | None = None) -> np.ndarray:
        """(n, rows) draws of the estimates from their asymptotic normal distribution, seeded by ``meta.seed``."""
        n = int(self.meta.params.get("draws", 1000) if n is None else n)
        rng = np.random.default_rng(self.meta.seed)
        est = self.table["estimate"].to_numpy()
        return rng.multivariate_normal(est, self.cov, size=n, method="cholesky" if _pd(self.cov) else "eigh")

    # -- reporting ------------------------------------------------------------------------------
    def _facts(self) -> dict[str, str]:
        return {}

    def _tables(self) -> list[tuple[str, pd.DataFrame]]:
        shown = self.table.set_index(["lhs", "op", "rhs"])[["estimate", "std_error", "z", "p_value", "ci_low",
                                                           "ci_high"]]
        return [(f"Coefficients ({self.meta.ci_level:.0%} Wald intervals)", shown)]

    def _notes(self) -> list[str]:
        return []

    def summary(self, digits: int = 3) -> Summary:
        """Render the report of this fit (``str()``, ``.as_html()``, ``.as_latex()``, ``.as_csv()``).

        Parameters
        ----------
        digits : int, default 3
            Decimals shown in the tables.

        Returns
        -------
        Summary
        """
        d = self.meta.data
        facts = {"Estimator": self.meta.estimator, "Rows used": f"{d.n_used:,}", **self._facts()}
        return Summary(self.title, facts=facts, tables=self._tables(), notes=self._notes(), digits=digits)

    def _repr_facts(self) -> str:
        return f"{self.meta.data.n_used:,} rows, {len(self.table)} parameters"

    def _to_dict(self) -> dict[str, Any]:
        spec = getattr(self, "scoring_spec", None)
        out: dict[str, Any] = {"parameters": thaw(self.table.to_dict(orient="records")),
                               "cov": thaw(np.asarray(self.cov))}
        if spec is not None:
            out["scoring"] = thaw(_listify(spec()))
        return out


def _pd(cov: np.ndarray) -> bool:
    try:
        np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        return False
    return True


def _listify(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _listify(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_listify(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value
