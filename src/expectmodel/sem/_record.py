"""What a PLS fit records: the conventions, the settings and seed at fit time, and the frozen Meta built from them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from expectmodel._base import jsonable
from expectmodel._meta import versions
from expectmodel.results import DataInfo, Meta, fingerprint

if TYPE_CHECKING:
    from expectmodel.sem._data import PreparedData
    from expectmodel.sem._estimates import StackEstimates
    from expectmodel.sem.bootstrap import BootstrapDraws
    from expectmodel.spec import Model

CONVENTIONS = {
    "reference": "R seminr (estimate_pls); agreement tested against seminr-py",
    "standardisation": ("indicators standardised with the sample SD (divisor n - 1); "
                        "construct scores have unit variance"),
    "initial_weights": "1 for every indicator",
    "mode_A": "correlation weights: cov(indicator, inner proxy)",
    "mode_B": "regression weights: S_kk^-1 cov(indicators, inner proxy)",
    "stop_rule": "sum of absolute changes of all outer weights < tol",
    "loadings": "correlation of indicator and construct score (PLSc: sqrt(rhoA) w / w'w for reflective constructs)",
    "plsc": "corrects reflective constructs only; composites keep rhoA = 1 (seminr also corrects mode A composites)",
    "alpha": "standardised alpha on the item correlation matrix; not defined for single items",
    "htmt": "absolute indicator correlations (Henseler et al. 2015)",
    "index": ("100 * sum(omega_i (mean_i - low) / (high - low)), omega = (w_i / sd_i) / sum(w / sd); "
              "scale ends as declared"),
    "bootstrap_p": "two-sided, Student t with n - 1 degrees of freedom on estimate / bootstrap SE",
    "bootstrap_ci": "percentile and BCa (jackknife acceleration); failed resamples dropped and counted",
    "index_metric": "quasi-metric treatment of Likert answers (METHODS D2)",
}


@dataclass(frozen=True)
class FitRecord:
    """What a PLS fit records at fit time; :attr:`PLSResults.meta` is built from it on first use.

    Building the frozen :class:`~expectmodel.results.Meta` costs as much as a tenth of a small fit, so
    a fit only keeps the settings and the seed.
    """

    estimator: str
    params: dict[str, Any]  # every __init__ parameter as at fit time (``_base.snapshot``)
    seed: int | None

    @property
    def settings(self) -> dict[str, Any]:
        """The parameters, JSON-ready."""
        return {k: jsonable(v) for k, v in self.params.items()}


def build_meta(record: FitRecord, model: Model, prepared: PreparedData, est: StackEstimates,
               boot: BootstrapDraws | None, group: str | None, row_weights: np.ndarray | None = None) -> Meta:
    """Record a PLS fit, frozen: settings, data provenance, conventions, versions, the resolved seed."""
    summary = prepared.summary
    data = DataInfo(
        n_input=prepared.n_input, n_used=prepared.n, n_dropped=prepared.n_dropped, n_imputed=prepared.n_imputed,
        missing=prepared.missing, missing_values=prepared.missing_values, columns=prepared.columns,
        fingerprint=fingerprint(prepared.columns, prepared.n, summary.total, summary.gram),
        extra=({} if prepared.pairwise is None else {"min_pairwise_n": prepared.pairwise.min_n})
        | ({} if prepared.em is None else {"em_iterations": prepared.em.iterations,
                                           "em": "ML means and correlations under multivariate normality (MAR); "
                                                 "missing answers enter the scores at their conditional means"}),
    )
    extra = {
        "group": group,
        "weights": None if row_weights is None else {
            "column": record.params.get("weights"), "normalised_sum": float(row_weights.sum()),
            "effective_n": float(row_weights.sum() ** 2 / (row_weights**2).sum()),
            "min": float(row_weights.min()), "max": float(row_weights.max())},
        "iterations": int(est.iterations[0]),
        "converged": bool(est.converged[0]),
        "weight_change": float(est.weight_diff[0]),
        "bootstrap": None if boot is None else {
            "n_requested": boot.n_boot, "n_failed": boot.n_failed,
            "n_not_converged": boot.n_not_converged, "seed": boot.seed,
            "jackknife_replicates": boot.jackknife_groups,
        },
    }
    params = record.settings
    method = "none" if boot is None else "percentile bootstrap (BCa in bca_low/bca_high)" if params["bca"] \
        else "percentile bootstrap"
    return Meta(estimator=record.estimator, params=params, data=data, ci_level=float(params["ci_level"]),
                ci_method=method, seed=record.seed, conventions=CONVENTIONS, versions=versions(),
                spec=model.to_syntax(), extra=extra)
