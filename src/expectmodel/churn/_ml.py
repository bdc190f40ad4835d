"""What the maximum-likelihood churn results share: the Wald table, intervals at any level, draws, export."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import stats

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
