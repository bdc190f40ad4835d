"""The immutable results of a PLS fit: tidy tables, inference, summary, JSON.

Arrays from the batched core are labelled here and nowhere else.  Derived
tables are computed on first use (``cached_property``); the object itself is
frozen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from expectmodel._base import jsonable
from expectmodel._meta import versions
from expectmodel.errors import SpecError
from expectmodel.inference import equal_tailed
from expectmodel.results import DataInfo, Meta, ResultsBase, fingerprint, frame_with_columns
from expectmodel.sem import _kernel as k
from expectmodel.sem import mediation, quality
from expectmodel.sem._estimates import Options, StackEstimates, index_weights
from expectmodel.sem._spec import pls_labels
from expectmodel.sem.bootstrap import BootstrapDraws, interval_estimates
from expectmodel.spec import Model

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from expectmodel.sem._data import PreparedData
    from expectmodel.sem.higher_order import HigherOrder
    from expectmodel.sem.moderation import Moderation

from expectmodel.sem._analyses import SLOPE_POINTS, AnalysesMixin  # noqa: F401 (SLOPE_POINTS: kept importable here)
from expectmodel.sem._replicates import (
    _UNDEFINED_FOR_SOME,
    _point_fields,
    _reliability_of_loadings,
    _sign_changed,
)
from expectmodel.sem._reporting import _nested, _num, _summary
from expectmodel.sem._scoring import ScoringMixin
from expectmodel.summary import Summary

__all__ = ["CONVENTIONS", "FitRecord", "PLSResults", "build_meta"]

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


@dataclass(frozen=True, repr=False, eq=False)
class PLSResults(AnalysesMixin, ScoringMixin, ResultsBase):
    """Estimates of one :class:`~expectmodel.spec.Model` on one data set.

    Every table is a tidy :class:`pandas.DataFrame`; :meth:`to_frame` stacks all
    parameters with their bootstrap inference; :meth:`summary` renders the
    usual report; :meth:`to_dict` / :meth:`to_json` export with full metadata.

    :meth:`PLS.fit <expectmodel.sem.PLS.fit>` makes it; the constructor's arguments are the fit's
    internal arrays. The properties and tables (``paths``, ``r2``, ``reliability``, ``htmt``,
    ``index``, ...) share the example below instead of one each.

    Parameters
    ----------
    model : Model
        The specification that was fitted.
    layout : Layout
        The indicator blocks and inner model as index arrays.
    options : Options
        The estimation settings (inner scheme, PLSc, tolerance).
    prepared : PreparedData
        The checked data and its moments.
    mean, sd : numpy.ndarray
        Indicator means and standard deviations (the data's scale).
    s : numpy.ndarray
        The indicator correlation matrix the fit used.
    est : StackEstimates
        The point estimates.
    boot : BootstrapDraws or None
        The bootstrap draws, when the fit was bootstrapped.
    ci_level : float
        The interval level of ``to_frame()``'s ``ci_low``/``ci_high``.
    record : FitRecord
        The settings and seed at fit time; ``meta`` (the frozen :class:`~expectmodel.results.Meta`) is
        built from it on first use.
    group : str, optional
        The group's label, for one group of a :class:`~expectmodel.sem.MultiGroupPLS` fit.

    Examples
    --------
    >>> import expectmodel as em
    >>> res = em.PLS(em.spec.templates.ecsi(), scale=(1, 10), missing_values=-99,
    ...              missing="listwise").fit(em.datasets.load_csi_survey())
    >>> res.to_frame().columns[:9].tolist()
    ['kind', 'lhs', 'op', 'rhs', 'group', 'estimate', 'std_error', 'ci_low', 'ci_high']
    >>> res.meta.data.n_dropped
    240
    >>> res.converged, res.iterations, res.n
    (True, 5, 360)
    >>> res.r2.columns.tolist(), res.index.columns.tolist()
    (['r2', 'adj_r2'], ['index'])
    >>> res.paths.columns.tolist()
    ['source', 'target', 'estimate']
    """

    schema: ClassVar[str] = "expectmodel.pls"
    schema_version: ClassVar[int] = 2

    model: Model
    layout: k.Layout
    options: Options
    prepared: PreparedData
    mean: np.ndarray
    sd: np.ndarray
    s: np.ndarray
    est: StackEstimates
    boot: BootstrapDraws | None
    ci_level: float
    record: FitRecord
    group: str | None = field(default=None)
    fit_draws: tuple[np.ndarray, np.ndarray] | None = field(default=None)
    row_weights: np.ndarray | None = field(default=None)
    moderation: Moderation | None = field(default=None)
    higher_order: HigherOrder | None = field(default=None)

    @cached_property
    def meta(self) -> Meta:
        """The frozen record of the fit: every setting, data provenance, conventions, versions, seed."""
        return build_meta(self.record, self.model, self.prepared, self.est, self.boot, self.group, self.row_weights)

    # -- basic labelled estimates -------------------------------------------------------------
    @property
    def converged(self) -> bool:
        """Whether the weights converged within the iteration limit."""
        return bool(self.est.converged[0])

    @property
    def iterations(self) -> int:
        """The number of PLS iterations the point estimate took."""
        return int(self.est.iterations[0])

    @property
    def n(self) -> int:
        """The number of respondents used (after missing-value handling)."""
        return self.prepared.n

    @cached_property
    def _block_names(self) -> list[str]:
        return [c.name for c in self.model.constructs for _ in c.indicators]

    @cached_property
    def outer(self) -> pd.DataFrame:
        """Outer weights and loadings, one row per indicator."""
        return pd.DataFrame({
            "construct": self._block_names,
            "indicator": list(self.model.indicators),
            "weight": self.est.weights[0],
            "loading": self.est.loadings[0],
        })

    @property
    def weights(self) -> pd.Series:
        """Standardised outer weights indexed by (construct, indicator)."""
        return self.outer.set_index(["construct", "indicator"])["weight"]

    @property
    def loadings(self) -> pd.Series:
        """Own-construct loadings indexed by (construct, indicator)."""
        return self.outer.set_index(["construct", "indicator"])["loading"]

    @cached_property
    def cross_loadings(self) -> pd.DataFrame:
        """Correlation of every indicator with every construct score."""
        return pd.DataFrame(self.est.cross_loadings[0], index=list(self.model.indicators),
                            columns=list(self.model.names))

    @cached_property
    def paths(self) -> pd.DataFrame:
        """Structural paths (source, target, estimate), in the model's path order."""
        names = self.model.names
        src, dst = np.nonzero(self.layout.adjacency)
        return pd.DataFrame({"source": [names[i] for i in src], "target": [names[j] for j in dst],
                             "estimate": self.est.paths[0][src, dst]})

    @cached_property
    def path_matrix(self) -> pd.DataFrame:
        """Path coefficients as a wide matrix, rows = sources, columns = targets (seminr's layout)."""
        names = list(self.model.names)
        return pd.DataFrame(self.est.paths[0], index=names, columns=names)

    @cached_property
    def r2(self) -> pd.DataFrame:
        """R^2 and adjusted R^2 of each endogenous construct."""
        n = self.n
        rows = {}
        for kk in self.layout.endogenous:
            r2 = float(self.est.r2[0, kk])
            q = self.layout.preds[kk].size
            rows[self.model.names[kk]] = {"r2": r2, "adj_r2": 1 - (1 - r2) * (n - 1) / (n - q - 1)}
        return pd.DataFrame.from_dict(rows, orient="index").rename_axis("construct")

    @cached_property
    def effects(self) -> pd.DataFrame:
        """Direct, indirect and total effects for every pair connected by a directed path."""
        names = self.model.names
        direct, total = self.est.paths[0], self.est.total[0]
        rows = [(names[i], names[j], direct[i, j], total[i, j] - direct[i, j], total[i, j])
                for i in range(self.layout.m) for j in range(self.layout.m)
                if self.layout.adjacency[i, j] or abs(total[i, j]) > 0]
        return pd.DataFrame(rows, columns=["source", "target", "direct", "indirect", "total"])

    @cached_property
    def indirect_effects(self) -> pd.DataFrame:
        """Specific indirect effects of every chain with a mediator, then the total indirect effect of each pair.

        A specific effect is the product of the paths along its chain (parallel and serial chains of
        any length); the total indirect effect is the total effect minus the direct path (the sum of
        the pair's specific effects). After a bootstrap the rows carry the bootstrap SE, t, p and the
        percentile and BCa intervals, from the products of the stored path draws (METHODS §1c; no
        Sobel test).

        Returns
        -------
        pandas.DataFrame
            ``source, target, kind ("specific" | "total"), chain, estimate`` (+ inference).

        Examples
        --------
        >>> import expectmodel as em
        >>> res = em.PLS(em.spec.templates.ecsi()).fit(em.simulate.survey(em.spec.templates.ecsi(), 250,
        ...                                            seed=1).data)
        >>> res.indirect_effects.query("kind == 'specific'").chain.iloc[0]
        'Image -> Expectation -> Quality'
        """
        names = self.model.names
        med_src, med_dst = self._mediated_pairs
        spec = pd.DataFrame({"source": [names[c.source] for c in self._chains],
                             "target": [names[c.target] for c in self._chains], "kind": "specific",
                             "chain": [" -> ".join(names[n] for n in c.nodes) for c in self._chains],
                             "estimate": self._points["indirect"]})
        total = pd.DataFrame({"source": [names[i] for i in med_src], "target": [names[j] for j in med_dst],
                              "kind": "total", "chain": "", "estimate": self._points["total_indirect"]})
        for frame, fld in ((spec, "indirect"), (total, "total_indirect")):
            inf = self._inference(fld) if len(frame) else None
            if inf is not None:
                for col, val in inf.items():
                    frame[col] = val
        return pd.concat([spec, total], ignore_index=True)

    @cached_property
    def mediation(self) -> pd.DataFrame:
        """Direct, total indirect and total effect of every pair with a mediated chain, and the share mediated.

        ``vaf`` (variance accounted for, indirect / total) is given only where the indirect and the
        total effect have the same sign, else NaN (Zhao, Lynch & Chen 2010). After a bootstrap the
        table adds the intervals of the direct and the total indirect effect and Zhao et al.'s type
        (``complementary``, ``competitive``, ``indirect-only``, ``direct-only``, ``no effect``).

        Returns
        -------
        pandas.DataFrame
            ``source, target, direct, indirect, total, vaf`` (+ ``direct_ci_low, direct_ci_high,
            indirect_ci_low, indirect_ci_high, type``).

        Examples
        --------
        >>> import expectmodel as em
        >>> res = em.PLS(em.spec.templates.ecsi()).fit(em.simulate.survey(em.spec.templates.ecsi(), 250,
        ...                                            seed=1).data)
        >>> res.mediation.columns.tolist()
        ['source', 'target', 'direct', 'indirect', 'total', 'vaf']
        """
        names = self.model.names
        i, j = self._mediated_pairs
        direct = self.est.paths[0][i, j]
        indirect = self._points["total_indirect"]
        total = self.est.total[0][i, j]
        with np.errstate(invalid="ignore", divide="ignore"):
            vaf = np.where((np.sign(indirect) == np.sign(total)) & (total != 0), indirect / total, np.nan)
        out = pd.DataFrame({"source": [names[a] for a in i], "target": [names[b] for b in j], "direct": direct,
                            "indirect": indirect, "total": total, "vaf": vaf})
        if self.boot is not None and len(out):
            draws = self._replicates[0]
            src, dst = np.nonzero(self.layout.adjacency)
            full = np.zeros((draws["paths"].shape[0], self.layout.m, self.layout.m))
            full[:, src, dst] = draws["paths"]
            d_low, d_high = equal_tailed(full[:, i, j], self.ci_level)
            has_direct = self.layout.adjacency[i, j] > 0
            inf = self._inference("total_indirect")
            assert inf is not None
            out["direct_ci_low"] = np.where(has_direct, d_low, np.nan)
            out["direct_ci_high"] = np.where(has_direct, d_high, np.nan)
            out["indirect_ci_low"], out["indirect_ci_high"] = inf["ci_low"], inf["ci_high"]
            out["type"] = [
                mediation.mediation_type(bool(hd and (lo > 0 or hi < 0)), bool(il > 0 or ih < 0),
                                         bool(np.sign(dv) == np.sign(iv)))
                for hd, lo, hi, il, ih, dv, iv in zip(has_direct, d_low, d_high, inf["ci_low"], inf["ci_high"],
                                                      direct, indirect, strict=True)]
        return out

    @cached_property
    def _composite_blocks(self) -> np.ndarray:
        """(m,) bool: blocks whose indicator correlations the model leaves free (composites, single items)."""
        return np.array([c.kind == "composite" or len(c.indicators) == 1 for c in self.model.constructs])

    @cached_property
    def implied_correlations(self) -> dict[str, pd.DataFrame]:
        """The model-implied indicator correlations of the saturated and the estimated model (see :attr:`model_fit`)."""
        from expectmodel.sem.modelfit import implied_correlations

        items = list(self.model.indicators)
        return {kind: pd.DataFrame(implied_correlations(self.est, self.s[None], self.layout, self._composite_blocks,
                                                        saturated=kind == "saturated")[0], index=items, columns=items)
                for kind in ("saturated", "estimated")}

    @cached_property
    def model_fit(self) -> pd.DataFrame:
        """Overall model fit: SRMR, d_ULS, d_G and NFI of the saturated and the estimated model.

        The model-implied correlations follow cSEM (composite blocks keep their indicator correlations,
        reflective blocks imply a common factor; the saturated model leaves the construct correlations
        free, the estimated one imposes the structural model); see :mod:`expectmodel.sem.modelfit`.
        With ``PLS(fit_test=B)`` the Bollen-Stine bootstrap adds the 95% and 99% quantiles of each
        discrepancy under the model (``hi95``, ``hi99``: the model fits at that level when the value is
        below them) and the bootstrap p-value (the share of resampled discrepancies at least as large).

        Returns
        -------
        pandas.DataFrame
            ``measure, model, estimate, hi95, hi99, p``.

        Examples
        --------
        >>> import expectmodel as em
        >>> res = em.PLS(em.spec.templates.ecsi()).fit(em.simulate.survey(em.spec.templates.ecsi(), 250,
        ...                                            seed=1).data)
        >>> res.model_fit[["measure", "model"]].head(2).values.tolist()
        [['SRMR', 'saturated'], ['SRMR', 'estimated']]
        """
        from expectmodel.sem.modelfit import DISCREPANCIES, discrepancies

        rows = []
        values = {kind: discrepancies(self.s[None], frame.to_numpy()[None])[0]
                  for kind, frame in self.implied_correlations.items()}
        for j, measure in enumerate(DISCREPANCIES):
            for kind, pos in (("saturated", 0), ("estimated", 1)):
                hi95 = hi99 = p = np.nan
                if self.fit_draws is not None and measure != "NFI":
                    draws = self.fit_draws[pos][:, j]
                    draws = draws[np.isfinite(draws)]
                    hi95, hi99 = np.quantile(draws, [0.95, 0.99])
                    p = float(np.mean(draws >= values[kind][j]))
                rows.append((measure, kind, values[kind][j], hi95, hi99, p))
        return pd.DataFrame(rows, columns=["measure", "model", "estimate", "hi95", "hi99", "p"])

    @cached_property
    def gof(self) -> float:
        """Tenenhaus et al.'s GoF index, sqrt(mean communality x mean R^2): asked for in ECSI papers, not a fit test."""
        from expectmodel.sem.modelfit import gof

        return gof(self.est.loadings[0], self.est.r2[0], self.layout)

    @cached_property
    def construct_correlations(self) -> pd.DataFrame:
        """Construct correlations used for the paths (disattenuated under PLSc)."""
        names = list(self.model.names)
        return pd.DataFrame(self.est.corr_used[0], index=names, columns=names)

    @cached_property
    def scores(self) -> pd.DataFrame:
        """Standardised construct scores, one row per respondent used.

        Under ``missing="pairwise"`` a missing answer enters its construct's score at the indicator's
        mean (z = 0), so every respondent gets a score from the answers they gave.
        """
        z = (self.prepared.values - self.mean) / self.sd
        if self.prepared.pairwise is not None:
            z = np.nan_to_num(z, nan=0.0)
        return pd.DataFrame(z @ self.est.weights_full[0], index=self.prepared.index,
                            columns=list(self.model.names))

    # -- quality criteria ---------------------------------------------------------------------
    @cached_property
    def reliability(self) -> pd.DataFrame:
        """Cronbach's alpha, rho_A, rho_C and AVE per construct."""
        lam = self.est.loadings[0]
        return pd.DataFrame({
            "alpha": quality.cronbach_alpha(self.s, self.layout),
            "rhoA": self.est.rho_a[0],
            "rhoC": quality.rho_c(lam, self.layout),
            "AVE": quality.ave(lam, self.layout),
        }, index=pd.Index(self.model.names, name="construct"))

    @cached_property
    def htmt(self) -> pd.DataFrame:
        """Heterotrait-monotrait ratios (symmetric)."""
        names = list(self.model.names)
        return pd.DataFrame(quality.htmt(self.s, self.layout), index=names, columns=names)

    @cached_property
    def htmt_inference(self) -> pd.DataFrame:
        """HTMT of every pair of constructs, one row each, with inference after a bootstrap.

        After a bootstrap the rows carry the bootstrap SE and percentile / BCa intervals (HTMT
        inference, Henseler et al. 2015).

        Discriminant validity is established for a pair when the upper limit is below 1 (or 0.90 /
        0.85 for the stricter rules). The test at the 5% level uses a one-sided bound: fit with
        ``ci_level=0.90`` and read ``ci_high``.
        """
        names = self.model.names
        upper = np.triu_indices(self.layout.m, 1)
        out = pd.DataFrame({"construct_1": [names[i] for i in upper[0]], "construct_2": [names[j] for j in upper[1]],
                            "htmt": _point_fields(self)["htmt"]})
        inf = self._inference("htmt")
        if inf is not None:
            for col in ("std_error", "ci_low", "ci_high", "bca_low", "bca_high"):
                if col in inf:
                    out[col] = inf[col]
        return out

    @cached_property
    def fornell_larcker(self) -> pd.DataFrame:
        """sqrt(AVE) on the diagonal, construct correlations below it (NaN above)."""
        c = self.est.corr_used[0].copy()
        c[np.triu_indices_from(c, 1)] = np.nan
        np.fill_diagonal(c, np.sqrt(self.reliability["AVE"].to_numpy()))
        names = list(self.model.names)
        return pd.DataFrame(c, index=names, columns=names)

    @cached_property
    def outer_vif(self) -> pd.DataFrame:
        """VIF of each indicator within its block."""
        out = self.outer[["construct", "indicator"]].copy()
        out["vif"] = quality.outer_vif(self.s, self.layout)
        return out

    def _pair_table(self, values: dict[tuple[int, int], float], column: str) -> pd.DataFrame:
        names = self.model.names
        return pd.DataFrame([(names[i], names[j], v) for (i, j), v in values.items()],
                            columns=["source", "target", column])

    @cached_property
    def inner_vif(self) -> pd.DataFrame:
        """VIF of each antecedent among the antecedents of its target."""
        return self._pair_table(quality.inner_vif(self.est.corr_used[0], self.layout), "vif")

    @cached_property
    def f2(self) -> pd.DataFrame:
        """Cohen's f^2 effect size of each path."""
        return self._pair_table(quality.f_squared(self.est.corr_used[0], self.layout), "f2")

    # -- index and IPMA ------------------------------------------------------------------------
    def _require_scale(self, what: str) -> None:
        if np.isnan(self.prepared.scale_low).all():
            raise SpecError(f"The {what} needs the answer scale: fit with scale=(low, high), e.g. scale=(1, 10).")

    @cached_property
    def index(self) -> pd.DataFrame:
        """ACSI-style 0-100 index per construct (anchored at the declared scale ends), with bootstrap CI."""
        self._require_scale("0-100 index")
        out = pd.DataFrame({"index": self.est.index[0]}, index=pd.Index(self.model.names, name="construct"))
        inf = self._inference("index")
        if inf is not None:
            for col in ("std_error", "ci_low", "ci_high", "bca_low", "bca_high"):
                if col in inf:
                    out[col] = inf[col]
        return out.dropna(subset=["index"])

    @cached_property
    def index_weights(self) -> pd.Series:
        """The rescaled unstandardised weights omega behind the index (sum to 1 within a block)."""
        omega = index_weights(self.est.weights, self.sd[None], self.layout)[0]
        return pd.Series(omega, index=pd.MultiIndex.from_arrays([self._block_names, list(self.model.indicators)],
                                                                names=["construct", "indicator"]))


    # -- higher-order constructs -----------------------------------------------------------------

    # -- moderation ------------------------------------------------------------------------------


    # -- endogeneity -----------------------------------------------------------------------------


    # -- scoring new data ----------------------------------------------------------------------


    # -- inference -----------------------------------------------------------------------------
    @cached_property
    def _points(self) -> dict[str, np.ndarray]:
        """Every reported field's point estimate (the bootstrap's fields and the derived ones)."""
        out = _point_fields(self)
        path_values = out["paths"]
        out["indirect"] = mediation.chain_products(path_values, self._chains)
        i, j = self._mediated_pairs
        out["total_indirect"] = self.est.total[0][i, j] - self.est.paths[0][i, j]
        out["slopes"] = path_values @ self._slope_design[1]
        out.update(_reliability_of_loadings(out["loadings"][None], self.layout))
        out["rho_c"], out["ave"] = out["rho_c"][0], out["ave"][0]
        return out

    @cached_property
    def _chains(self) -> tuple[mediation.Chain, ...]:
        return mediation.chains(self.layout)

    @cached_property
    def _mediated_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """(sources, targets) of the pairs joined by at least one chain with a mediator, in chain order."""
        pairs = list(dict.fromkeys((c.source, c.target) for c in self._chains))
        return np.array([a for a, _ in pairs], dtype=int), np.array([b for _, b in pairs], dtype=int)

    def _derive(self, stored: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Form the derived fields of a set of replicates (bootstrap draws or jackknife replicates)."""
        i, j = self._mediated_pairs
        direct = np.zeros((stored["paths"].shape[0], self.layout.m, self.layout.m))
        src, dst = np.nonzero(self.layout.adjacency)
        direct[:, src, dst] = stored["paths"]
        return {**_reliability_of_loadings(stored["loadings"], self.layout),
                "indirect": mediation.chain_products(stored["paths"], self._chains),
                "total_indirect": stored["total"][:, i, j] - direct[:, i, j],
                "slopes": stored["paths"] @ self._slope_design[1]}

    @cached_property
    def _replicates(self) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray] | None]:
        """Bootstrap draws and jackknife replicates of every field, the derived ones formed once here."""
        assert self.boot is not None
        mode = self.record.params.get("sign_change", "none")
        stored = _sign_changed(self.boot.draws, self, mode)
        draws = {**stored, **self._derive(stored)}
        jack = None
        if self.boot.jackknife is not None:
            signed = _sign_changed(self.boot.jackknife, self, mode)
            jack = {**signed, **self._derive(signed)}
        return draws, jack

    def _inference(self, name: str) -> dict[str, np.ndarray] | None:
        if self.boot is None:
            return None
        draws, jack = self._replicates
        return interval_estimates(self._points[name], draws[name], None if jack is None else jack[name],
                                  self.ci_level, dof=self.n - 1)

    def _blocks(self) -> list[tuple[pd.DataFrame, str, np.ndarray | None]]:
        """Each parameter kind's rows (key columns and estimate), its draw field and the selection of it."""
        names = self.model.names
        items = list(self.model.indicators)
        src, dst = np.nonzero(self.layout.adjacency)
        endo = list(self.layout.endogenous)
        pairs = [(i, j) for i in range(self.layout.m) for j in range(self.layout.m)
                 if i != j and (self.layout.adjacency[i, j] or abs(self.est.total[0, i, j]) > 0)]
        sel = (np.array([i for i, _ in pairs], dtype=int), np.array([j for _, j in pairs], dtype=int))
        blocks: list[tuple[str, str, list[str], list[str], str | list[str]]] = [
            ("weight", "weights", self._block_names, items, "<~"),
            ("loading", "loadings", self._block_names, items, "=~"),
            ("path", "paths", [names[j] for j in dst], [names[i] for i in src], "~"),
            ("total_effect", "total", [names[j] for _, j in pairs], [names[i] for i, _ in pairs], "total"),
            ("r2", "r2", [names[j] for j in endo], [""] * len(endo), "r2"),
        ]
        if not np.isnan(self.est.index[0]).all():
            blocks.append(("index", "index", list(names), [""] * len(names), "index"))
        med_src, med_dst = self._mediated_pairs
        blocks += [
            ("indirect", "indirect", [names[c.target] for c in self._chains],
             [" -> ".join(names[n] for n in c.nodes[:-1]) for c in self._chains], "indirect"),
            ("total_indirect", "total_indirect", [names[j] for j in med_dst], [names[i] for i in med_src],
             "indirect"),
        ]
        blocks += [(kind, fld, list(names), [""] * len(names), kind)
                   for kind, fld in (("alpha", "alpha"), ("rhoA", "rho_a"), ("rhoC", "rho_c"), ("AVE", "ave"))]
        blocks.append(("f2", "f2", [names[j] for j in dst], [names[i] for i in src], "f2"))
        slopes = self._slope_design[0]
        blocks.append(("simple_slope", "slopes", list(slopes["target"]),
                       [f"{p} | {m}={a:+g} SD" for p, m, a in zip(slopes["predictor"], slopes["moderator"],
                                                                    slopes["at"], strict=True)], "~"))
        fit = self.model_fit
        # estimates without draws: the share mediated and the fit measures
        fixed: dict[str, np.ndarray] = {"share_mediated": self.mediation["vaf"].to_numpy(),
                                        "fit": np.append(fit["estimate"].to_numpy(), self.gof)}
        blocks += [
            ("share_mediated", "", [names[j] for j in med_dst], [names[i] for i in med_src], "vaf"),
            ("fit", "", [*fit["measure"], "GoF"], [""] * (len(fit) + 1), [*fit["model"], "gof"]),
        ]
        out = []
        for kind, fld, lhs, rhs, op in blocks:
            if not lhs:
                continue
            point = self._points[fld] if fld else fixed[kind]
            pick = None
            if fld == "total":
                point, pick = point[sel], sel
            frame = pd.DataFrame({"kind": kind, "lhs": lhs, "op": op, "rhs": rhs,
                                  "group": "" if self.group is None else self.group, "estimate": point})
            out.append((frame, fld, pick))
        return out

    def to_frame(self) -> pd.DataFrame:
        """Every parameter in one tidy table.

        Columns: :data:`~expectmodel.results.PARAMETER_COLUMNS` (``kind, lhs, op, rhs, group, estimate,
        std_error, ci_low, ci_high``), then ``t, p, bca_low, bca_high`` after a bootstrap (the interval
        columns are NaN without one), and ``label`` when the spec labels parameters (``S ~ b1*Q``).
        lavaan's orientation: ``lhs ~ rhs`` is rhs -> lhs.

        Returns
        -------
        pandas.DataFrame
            One row per parameter (weights, loadings, paths, R^2, effects, index, ...).

        Examples
        --------
        See the class example.
        """
        frames = []
        for frame, fld, pick in self._blocks():
            inf = self._inference(fld) if fld else None
            if inf is not None:
                for col, val in inf.items():
                    frame[col] = val if pick is None else val[pick]
            frames.append(frame)
        out = pd.concat(frames, ignore_index=True)
        out = out[~(out["kind"].isin(_UNDEFINED_FOR_SOME) & out["estimate"].isna())].reset_index(drop=True)
        labels = pls_labels(self.model)
        if labels:  # the spec's parameter labels ('S ~ b1*Q'), next to the rows they name
            out["label"] = [labels.get(key, "") for key in zip(out["lhs"], out["op"], out["rhs"], strict=True)]
        return frame_with_columns(out)

    def _draws_frame(self) -> tuple[pd.DataFrame, np.ndarray] | None:
        if self.boot is None:
            return None
        frames, draws = [], []
        for frame, fld, pick in self._blocks():
            if not fld:  # an estimate without draws (the share mediated)
                continue
            d = self._replicates[0][fld]
            d = d[:, pick[0], pick[1]] if pick is not None else d.reshape(d.shape[0], -1)
            keep = ~(frame["kind"].isin(_UNDEFINED_FOR_SOME) & frame["estimate"].isna()).to_numpy()
            frames.append(frame[keep])
            draws.append(d[:, keep])
        return pd.concat(frames, ignore_index=True), np.concatenate(draws, axis=1)

    # -- reporting -----------------------------------------------------------------------------
    def summary(self, digits: int = 3) -> Summary:
        """Render a statsmodels-style summary (text, HTML, LaTeX, CSV).

        Parameters
        ----------
        digits : int, default 3
            Decimals shown in the tables.

        Returns
        -------
        Summary
            ``str()`` gives the text; ``.as_html()``, ``.as_latex()``, ``.as_csv()`` the others.

        Examples
        --------
        >>> import expectmodel as em
        >>> res = em.PLS(em.spec.templates.ecsi(), scale=(1, 10), missing_values=-99,
        ...              missing="listwise").fit(em.datasets.load_csi_survey())
        >>> print(str(res.summary(digits=2)).splitlines()[1].strip())
        PLS path model
        """
        return _summary(self, digits)

    def _repr_facts(self) -> str:
        status = "converged" if self.converged else "NOT converged"
        grp = f", group={self.group!r}" if self.group is not None else ""
        boot = f", bootstrap={self.boot.n_boot}" if self.boot else ""
        return (f"{len(self.model.names)} constructs, {self.layout.p} indicators, n={self.n}"
                f"{grp}, scheme={self.options.scheme}, {status} in {self.iterations} iterations{boot}")

    def _to_dict(self) -> dict[str, Any]:
        """Return the family's content of :meth:`to_dict` (the schema of ``expectmodel pls --json``)."""
        outer = self.outer
        out: dict[str, Any] = {
            "weights": _nested(outer, "weight"),
            "loadings": _nested(outer, "loading"),
            "paths": {f"{r.source}->{r.target}": _num(r.estimate) for r in self.paths.itertuples()},
            "r2": {c: _num(v) for c, v in self.r2["r2"].items()},
            "adj_r2": {c: _num(v) for c, v in self.r2["adj_r2"].items()},
            "total_effects": {f"{r.source}->{r.target}": _num(r.total) for r in self.effects.itertuples()},
            "reliability": {c: {key: _num(v) for key, v in row.items()}
                            for c, row in self.reliability.to_dict(orient="index").items()},
            "htmt": {c: {d: _num(v) for d, v in row.items() if c != d}
                     for c, row in self.htmt.to_dict(orient="index").items()},
        }
        if not np.isnan(self.est.index[0]).all():
            out["index"] = {c: _num(v) for c, v in self.index["index"].items()}
        out["model_fit"] = {f"{r.measure}_{r.model}": {"estimate": _num(r.estimate), "hi95": _num(r.hi95),
                                                        "hi99": _num(r.hi99), "p": _num(r.p)}
                            for r in self.model_fit.itertuples()}
        out["gof"] = _num(self.gof)
        if self.higher_order is not None:
            out["higher_order"] = {"approach": self.higher_order.approach, "dimensions": [
                {k: (_num(v) if isinstance(v, float) else v) for k, v in row.items()}
                for row in self.higher_order_table.to_dict(orient="records")]}
        if self.moderation is not None:
            out["moderation"] = {"method": self.moderation.method, "effects": [
                {k: (_num(v) if isinstance(v, float) else v) for k, v in row.items()}
                for row in self.moderation_effects.to_dict(orient="records")], "simple_slopes": [
                {k: (_num(v) if isinstance(v, float) else v) for k, v in row.items()}
                for row in self.simple_slopes.to_dict(orient="records")]}
        ind = self.indirect_effects
        spec, tot = ind[ind["kind"] == "specific"], ind[ind["kind"] == "total"]
        out["indirect_effects"] = {c: _num(v) for c, v in zip(spec["chain"], spec["estimate"], strict=True)}
        out["total_indirect_effects"] = {f"{a}->{b}": _num(v) for a, b, v in
                                         zip(tot["source"], tot["target"], tot["estimate"], strict=True)}
        out["mediation"] = [{key: (_num(v) if isinstance(v, float) else v) for key, v in row.items()}
                            for row in self.mediation.to_dict(orient="records")]
        if self.boot is not None:
            for frame, key, names_ in ((spec, "indirect_effects", list(spec["chain"])),
                                       (tot, "total_indirect_effects", list(out["total_indirect_effects"]))):
                if frame.empty:
                    continue
                out.setdefault("boot_se", {})[key] = {k_: _num(v) for k_, v in
                                                      zip(names_, frame["std_error"], strict=True)}
                out.setdefault("boot_ci", {})[key] = {k_: [_num(a), _num(b)] for k_, a, b in
                                                      zip(names_, frame["ci_low"], frame["ci_high"], strict=True)}
        if self.boot is not None:
            frame = self.to_frame()
            out.setdefault("boot_se", {})
            out.setdefault("boot_ci", {})
            for kind, key in (("path", "paths"), ("loading", "loadings"), ("weight", "weights"),
                              ("r2", "r2"), ("total_effect", "total_effects"), ("index", "index"),
                              ("alpha", "alpha"), ("rhoA", "rhoA"), ("rhoC", "rhoC"), ("AVE", "AVE"), ("f2", "f2")):
                part = frame[frame["kind"] == kind]
                if part.empty:
                    continue
                if kind in ("path", "total_effect", "f2"):
                    keys = [f"{r}->{l_}" for l_, r in zip(part["lhs"], part["rhs"], strict=True)]
                    out["boot_se"][key] = {k_: _num(v) for k_, v in zip(keys, part["std_error"], strict=True)}
                    out["boot_ci"][key] = {k_: [_num(a), _num(b)] for k_, a, b in
                                           zip(keys, part["ci_low"], part["ci_high"], strict=True)}
                elif kind in ("loading", "weight"):
                    se: dict[str, dict[str, float | None]] = {}
                    ci: dict[str, dict[str, list]] = {}
                    for c, i, s_, a, b in zip(part["lhs"], part["rhs"], part["std_error"], part["ci_low"],
                                              part["ci_high"], strict=True):
                        se.setdefault(c, {})[i] = _num(s_)
                        ci.setdefault(c, {})[i] = [_num(a), _num(b)]
                    out["boot_se"][key], out["boot_ci"][key] = se, ci
                else:
                    out["boot_se"][key] = {c: _num(v) for c, v in zip(part["lhs"], part["std_error"], strict=True)}
                    out["boot_ci"][key] = {c: [_num(a), _num(b)] for c, a, b in
                                           zip(part["lhs"], part["ci_low"], part["ci_high"], strict=True)}
            pairs = self.htmt_inference
            out["boot_se"]["htmt"], out["boot_ci"]["htmt"] = {}, {}
            for a, b, se_, low, high in zip(pairs["construct_1"], pairs["construct_2"], pairs["std_error"],
                                            pairs["ci_low"], pairs["ci_high"], strict=True):
                for c, d in ((a, b), (b, a)):  # both directions, as the point estimates
                    out["boot_se"]["htmt"].setdefault(c, {})[d] = _num(se_)
                    out["boot_ci"]["htmt"].setdefault(c, {})[d] = [_num(low), _num(high)]
        return out

    # -- plots ---------------------------------------------------------------------------------
    def plot_paths(self, ax: Axes | None = None, **kwargs: Any) -> Axes:
        """Draw the path diagram: constructs with R^2, arrows labelled with path coefficients (and significance).

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Where to draw; a new figure when omitted.
        **kwargs
            Passed to :func:`expectmodel.plotting.plot_path_diagram`.

        Returns
        -------
        matplotlib.axes.Axes

        Examples
        --------
        >>> import matplotlib.pyplot as plt
        >>> import expectmodel as em
        >>> res = em.PLS(em.spec.templates.ecsi(), scale=(1, 10), missing_values=-99,
        ...              missing="listwise").fit(em.datasets.load_csi_survey())
        >>> ax = res.plot_paths()
        >>> type(ax).__name__
        'Axes'
        >>> plt.close(ax.figure)
        """
        from expectmodel.plotting import plot_path_diagram

        paths = self.to_frame().query("kind == 'path'")
        return plot_path_diagram(paths, self.model, r2=self.r2["r2"], ax=ax, **kwargs)

    def plot_ipma(self, target: str, ax: Axes | None = None, **kwargs: Any) -> Axes:
        """Draw the importance-performance map of the constructs that affect ``target``.

        Parameters
        ----------
        target : str
            An endogenous construct (see :meth:`ipma`).
        ax : matplotlib.axes.Axes, optional
            Where to draw; a new figure when omitted.
        **kwargs
            Passed to :meth:`IPMA.plot <expectmodel.sem.IPMA.plot>` (``level="indicators"``, ...).

        Returns
        -------
        matplotlib.axes.Axes

        Examples
        --------
        >>> import matplotlib.pyplot as plt
        >>> import expectmodel as em
        >>> res = em.PLS(em.spec.templates.ecsi(), scale=(1, 10), missing_values=-99,
        ...              missing="listwise").fit(em.datasets.load_csi_survey())
        >>> ax = res.plot_ipma("Loyalty")
        >>> ax.get_xlabel() != ""
        True
        >>> plt.close(ax.figure)
        """
        return self.ipma(target).plot(ax=ax, **kwargs)


#: Kinds whose rows are dropped where the quantity is not defined (no declared scale, single items).


