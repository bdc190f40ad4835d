"""The immutable results of a PLS fit: tidy tables, inference, summary, JSON.

Arrays from the batched core are labelled here and nowhere else.  Derived
tables are computed on first use (``cached_property``); the object itself is
frozen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from expectmodel._base import jsonable
from expectmodel._meta import versions
from expectmodel.errors import ParameterError, SpecError
from expectmodel.inference import equal_tailed
from expectmodel.results import DataInfo, Meta, ResultsBase, fingerprint, frame_with_columns
from expectmodel.sem import _kernel as k
from expectmodel.sem import mediation, quality
from expectmodel.sem._estimates import Options, StackEstimates, index_weights
from expectmodel.sem._spec import pls_labels
from expectmodel.sem.bootstrap import BootstrapDraws, double_bootstrap, interval_estimates, studentized_limits
from expectmodel.spec import Model

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from expectmodel.sem._data import PreparedData
    from expectmodel.sem.copula import CopulaTest
    from expectmodel.sem.fimix import FIMIX
    from expectmodel.sem.higher_order import HigherOrder
    from expectmodel.sem.ipma import IPMA
    from expectmodel.sem.moderation import Moderation
    from expectmodel.sem.predict import PLSPredictResults

from expectmodel.summary import Summary

__all__ = ["CONVENTIONS", "FitRecord", "PLSResults", "build_meta"]

#: Moderator values (in SDs) of the simple-slope table.
SLOPE_POINTS = (-1.0, 0.0, 1.0)

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
class PLSResults(ResultsBase):
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

    def ipma(self, target: str) -> IPMA:
        """Run the importance-performance map analysis for ``target`` (Ringle & Sarstedt 2016).

        Parameters
        ----------
        target : str
            An endogenous construct.

        Returns
        -------
        IPMA
            Importance (total effects) and performance (0-100 index) of the constructs and
            indicators that affect ``target``.

        Raises
        ------
        SpecError
            If the fit was made without ``scale=(low, high)``.

        Examples
        --------
        >>> import expectmodel as em
        >>> res = em.PLS(em.spec.templates.ecsi(), scale=(1, 10), missing_values=-99,
        ...              missing="listwise").fit(em.datasets.load_csi_survey())
        >>> res.ipma("Loyalty").constructs.round(2).head(2)
             construct  importance  performance  priority
        0        Image        0.31        70.51     False
        1  Expectation        0.14        69.77     False
        """
        from expectmodel.sem.ipma import ipma

        self._require_scale("IPMA")
        p = self.prepared
        return ipma(target, self.model.names, self.model.indicators, self.layout.blocks, self.est.weights[0],
                    self.sd, self.mean, self.est.total[0], self.est.index[0], self.index_weights.to_numpy(),
                    p.scale_low, p.scale_high)

    # -- higher-order constructs -----------------------------------------------------------------
    @cached_property
    def higher_order_table(self) -> pd.DataFrame:
        r"""Each second-order construct's dimensions: the relationship with intervals, the dimension's reliability.

        Two-stage approaches: the higher-order construct's outer weight and loading on each dimension's
        stage-1 score (``A.score``; bootstrap SE and percentile interval of the weight), its VIF, and the
        dimension's reliability (alpha, rhoA, rhoC, AVE) from stage 1. Repeated indicators: the inner path
        between the construct and each dimension (with its interval) and the dimension's reliability.

        Returns
        -------
        pandas.DataFrame
            ``construct, dimension, approach, weight, loading, relation_se, relation_ci_low,
            relation_ci_high, vif, alpha, rhoA, rhoC, AVE`` (empty without higher-order constructs).

        Examples
        --------
        >>> import expectmodel as em
        >>> data = em.simulate.survey(em.spec.templates.ecsi(), 250, seed=1).data
        >>> model = em.Model.from_syntax("Image =~ IMAG1 + IMAG2 + IMAG3\nQuality =~ PERQ1 + PERQ2 + PERQ3\n"
        ...                              "Value =~ PERV1 + PERV2\nOffer <~ Quality + Value\n"
        ...                              "Loyalty =~ CUSL1 + CUSL2 + CUSL3\nLoyalty ~ Image + Offer")
        >>> res = em.PLS(model, bootstrap=50, seed=1).fit(data)
        >>> res.higher_order_table[["construct", "dimension", "approach"]].values.tolist()
        [['Offer', 'Quality', 'embedded'], ['Offer', 'Value', 'embedded']]
        """
        cols = ["construct", "dimension", "approach", "weight", "loading", "relation_se", "relation_ci_low",
                "relation_ci_high", "vif", "alpha", "rhoA", "rhoC", "AVE"]
        info = self.higher_order
        if info is None:
            return pd.DataFrame(columns=cols)
        frame = self.to_frame()
        rel = (self if info.stage1 is None else info.stage1).reliability
        rows = []
        for h, dims in info.dimensions.items():
            for d in dims:
                row: dict[str, Any] = {"construct": h, "dimension": d, "approach": info.approach}
                if info.stage1 is not None:
                    item = f"{d}.score"
                    pick = frame[(frame["lhs"] == h) & (frame["rhs"] == item)].set_index("kind")
                    vif = self.outer_vif
                    row.update(weight=pick.loc["weight", "estimate"], loading=pick.loc["loading", "estimate"],
                               relation_se=pick.loc["weight", "std_error"],
                               relation_ci_low=pick.loc["weight", "ci_low"],
                               relation_ci_high=pick.loc["weight", "ci_high"],
                               vif=float(vif[(vif["construct"] == h) & (vif["indicator"] == item)]["vif"].iloc[0]))
                else:
                    reflective = self.model.construct(h).kind == "reflective"
                    lhs, rhs = (d, h) if reflective else (h, d)
                    path = frame[(frame["kind"] == "path") & (frame["lhs"] == lhs) & (frame["rhs"] == rhs)].iloc[0]
                    row.update(weight=np.nan if reflective else path["estimate"],
                               loading=path["estimate"] if reflective else np.nan, relation_se=path["std_error"],
                               relation_ci_low=path["ci_low"], relation_ci_high=path["ci_high"], vif=np.nan)
                row.update({k: float(rel.loc[d, k]) for k in ("alpha", "rhoA", "rhoC", "AVE")})
                rows.append(row)
        return pd.DataFrame(rows)[cols]

    # -- moderation ------------------------------------------------------------------------------
    @cached_property
    def _product_sd(self) -> dict[str, float]:
        """Give, per product construct, the SD behind its unstandardised effect.

        The loading-weighted mean of its items' SDs (Henseler & Chin's adjustment, as R seminr; the
        product item's SD for two-stage).
        """
        if self.moderation is None:
            return {}
        out = {}
        outer = self.outer.set_index(["construct", "indicator"])
        pos = {c: j for j, c in enumerate(self.model.indicators)}
        for name, items in self.moderation.items.items():
            lam = np.abs(outer.loc[name, "loading"].reindex(list(items)).to_numpy())
            out[name] = float((lam * self.sd[[pos[i] for i in items]]).sum() / lam.sum())
        return out

    @cached_property
    def _slope_design(self) -> tuple[pd.DataFrame, np.ndarray]:
        """The simple-slope rows and the matrix (paths, rows) that turns path values into conditional effects."""
        names = self.model.names
        src, dst = np.nonzero(self.layout.adjacency)
        pos = {(names[a], names[b]): e for e, (a, b) in enumerate(zip(src, dst, strict=True))}
        rows, cols = [], []
        if self.moderation is not None:
            for term, left, right in self.moderation.products:
                for target in [names[b] for a, b in zip(src, dst, strict=True) if names[a] == term]:
                    c = 2.0 if left == right else 1.0
                    for at in SLOPE_POINTS:
                        col = np.zeros(src.size)
                        if (left, target) in pos:
                            col[pos[(left, target)]] = 1.0
                        col[pos[(term, target)]] = c * at / self._product_sd[term]
                        rows.append((target, term, left, right, at))
                        cols.append(col)
        frame = pd.DataFrame(rows, columns=["target", "term", "predictor", "moderator", "at"])
        return frame, np.array(cols).T.reshape(src.size, len(cols))

    @cached_property
    def moderation_effects(self) -> pd.DataFrame:
        """Each product term's path: standardised, and per unit of the product of the standardised scores.

        ``effect = path / product_sd`` is the change in the slope of the predictor per SD of the
        moderator (R seminr reports this number as the interaction's path); see
        :mod:`expectmodel.sem.moderation`.

        Returns
        -------
        pandas.DataFrame
            ``term, target, method, path, product_sd, effect`` (empty without product terms).

        Examples
        --------
        See :meth:`simple_slopes`.
        """
        cols = ["term", "target", "method", "path", "product_sd", "effect"]
        if self.moderation is None:
            return pd.DataFrame(columns=cols)
        paths = self.paths
        part = paths[paths["source"].isin(self._product_sd)]
        sd = part["source"].map(self._product_sd)
        return pd.DataFrame({"term": part["source"], "target": part["target"], "method": self.moderation.method,
                             "path": part["estimate"], "product_sd": sd,
                             "effect": part["estimate"] / sd}).reset_index(drop=True)[cols]

    @cached_property
    def simple_slopes(self) -> pd.DataFrame:
        r"""Conditional effects of each product term's predictor at the moderator's mean and +-1 SD.

        The effect of X on Y at M = m (in SDs) is ``b_X + c b_XM m / product_sd`` (``c = 2`` for a
        quadratic term ``X:X``, where the moderator is X itself). After a bootstrap the rows carry SE and
        percentile / BCa intervals, from the same combination of every resample's paths.

        Returns
        -------
        pandas.DataFrame
            ``target, term, predictor, moderator, at, slope`` (+ inference).

        Examples
        --------
        >>> import expectmodel as em
        >>> data = em.simulate.survey(em.spec.templates.ecsi(), 250, seed=1).data
        >>> model = em.Model.from_syntax(em.spec.templates.ecsi().to_syntax() + "\nLoyalty ~ Image:Satisfaction")
        >>> res = em.PLS(model, bootstrap=50, seed=1).fit(data)
        >>> res.simple_slopes[["predictor", "moderator", "at"]].values.tolist()
        [['Image', 'Satisfaction', -1.0], ['Image', 'Satisfaction', 0.0], ['Image', 'Satisfaction', 1.0]]
        >>> res.moderation_effects.columns.tolist()
        ['term', 'target', 'method', 'path', 'product_sd', 'effect']
        >>> fl = res.floodlight("Image:Satisfaction")
        >>> fl.columns.tolist()
        ['at', 'slope', 'ci_low', 'ci_high', 'significant']
        >>> import matplotlib.pyplot as plt
        >>> ax = res.plot_floodlight("Image:Satisfaction")
        >>> plt.close(ax.figure)
        """
        frame, _ = self._slope_design
        out = frame.assign(slope=self._points["slopes"])
        inf = self._inference("slopes") if len(out) else None
        if inf is not None:
            for col, val in inf.items():
                out[col] = val
        return out

    def floodlight(self, term: str, target: str | None = None, at: np.ndarray | None = None) -> pd.DataFrame:
        r"""Run the floodlight (Johnson-Neyman) analysis of a product term: the predictor's effect over the moderator.

        Parameters
        ----------
        term : str
            A product term of the spec (``"X:M"``).
        target : str, optional
            The construct it predicts (needed when it predicts several).
        at : array-like, optional
            Moderator values in SDs (default: -3 to 3 in steps of 0.05).

        Returns
        -------
        pandas.DataFrame
            ``at, slope, ci_low, ci_high, significant``: percentile intervals at the fit's level from the
            bootstrap; ``significant`` marks the Johnson-Neyman region, where the interval excludes 0.

        Raises
        ------
        SpecError
            For a term the model does not have, or a fit without a bootstrap.

        Examples
        --------
        >>> import expectmodel as em
        >>> data = em.simulate.survey(em.spec.templates.ecsi(), 250, seed=1).data
        >>> model = em.Model.from_syntax(em.spec.templates.ecsi().to_syntax() + "\nLoyalty ~ Image:Satisfaction")
        >>> res = em.PLS(model, bootstrap=50, seed=1).fit(data)
        >>> res.floodlight("Image:Satisfaction", at=[0.0])["at"].tolist()
        [0.0]
        """
        if self.moderation is None or term not in self._product_sd:
            have = [p[0] for p in self.moderation.products] if self.moderation is not None else []
            raise SpecError(f"'{term}' is not a product term of this model (it has {have or 'none'}).")
        if self.boot is None:
            raise SpecError("The floodlight needs bootstrap intervals: fit with bootstrap=N.")
        names = self.model.names
        src, dst = np.nonzero(self.layout.adjacency)
        targets = [names[b] for a, b in zip(src, dst, strict=True) if names[a] == term]
        target = targets[0] if target is None and len(targets) == 1 else target
        if target not in targets:
            raise SpecError(f"Name the target of '{term}' (one of {targets}).")
        left, right = term.split(":")
        pos = {(names[a], names[b]): e for e, (a, b) in enumerate(zip(src, dst, strict=True))}
        grid = np.round(np.arange(-60, 61) * 0.05, 10) if at is None else np.asarray(at, dtype=float)
        c = (2.0 if left == right else 1.0) / self._product_sd[term]
        draws = self._replicates[0]["paths"]
        point = self.est.paths[0][src, dst]

        def main(v: np.ndarray) -> np.ndarray:
            return v[..., pos[(left, target)]] if (left, target) in pos else np.zeros(v.shape[:-1])

        slope = main(point) + c * point[pos[(term, target)]] * grid
        curves = main(draws)[:, None] + c * draws[:, pos[(term, target)]][:, None] * grid[None]
        low, high = equal_tailed(curves, self.ci_level)
        return pd.DataFrame({"at": grid, "slope": slope, "ci_low": low, "ci_high": high,
                             "significant": (low > 0) | (high < 0)})

    def plot_floodlight(self, term: str, target: str | None = None, ax: Axes | None = None) -> Axes:
        r"""Draw the floodlight: the predictor's effect over the moderator, its interval, the significant region.

        Parameters
        ----------
        term : str
            A product term (``"X:M"``).
        target : str, optional
            As in :meth:`floodlight`.
        ax : matplotlib.axes.Axes, optional
            Where to draw; a new figure when omitted.

        Returns
        -------
        matplotlib.axes.Axes

        Examples
        --------
        >>> import expectmodel as em
        >>> data = em.simulate.survey(em.spec.templates.ecsi(), 250, seed=1).data
        >>> model = em.Model.from_syntax(em.spec.templates.ecsi().to_syntax() + "\nLoyalty ~ Image:Satisfaction")
        >>> res = em.PLS(model, bootstrap=50, seed=1).fit(data)
        >>> import matplotlib.pyplot as plt
        >>> ax = res.plot_floodlight("Image:Satisfaction")
        >>> plt.close(ax.figure)
        """
        from expectmodel.plotting import axes

        fl = self.floodlight(term, target)
        ax = axes(ax, (5.5, 3.5))
        left, right = term.split(":")
        ax.plot(fl["at"], fl["slope"], color="C0", label=f"effect of {left}")
        ax.fill_between(fl["at"], fl["ci_low"], fl["ci_high"], color="C0", alpha=0.2,
                        label=f"{round(self.ci_level * 100)}% interval")
        ax.fill_between(fl["at"], fl["ci_low"], fl["ci_high"], where=fl["significant"].to_numpy(), color="C1",
                        alpha=0.25, label="interval excludes 0")
        ax.axhline(0.0, color="grey", lw=0.8)
        ax.set_xlabel(f"{right} (SD from its mean)")
        ax.set_ylabel(f"effect of {left}")
        ax.legend(frameon=False, fontsize="small")
        return ax

    # -- endogeneity -----------------------------------------------------------------------------
    def copula_test(self, target: str, predictors: list[str] | None = None, n_boot: int = 1000,
                    seed: int | None = None) -> CopulaTest:
        r"""Run the Gaussian-copula endogeneity test of ``target``'s equation (see :mod:`expectmodel.sem.copula`).

        Parameters
        ----------
        target : str
            An endogenous construct.
        predictors : list of str, optional
            The antecedents to test (default: every antecedent whose scores are not normal at the 5%
            level); a named antecedent close to normal is refused.
        n_boot : int, default 1000
            Bootstrap resamples of the regression on the construct scores.
        seed : int, optional
            Seed of the resamples (drawn and recorded in ``frame.attrs["seed"]`` when omitted).

        Returns
        -------
        CopulaTest
            ``.table``: one row per copula term: ``target, copula, coefficient, std_error, ci_low, ci_high,
            p, normality_p, endogenous`` (the interval at the fit's level excludes 0); ``to_frame()``
            (``kind="copula"``), ``summary()``, ``to_dict()``. Columns index the table directly.

        Raises
        ------
        SpecError
            For an unknown or exogenous target, a predictor that is not an antecedent, or antecedents
            close to normal.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> import expectmodel as em
        >>> rng = np.random.default_rng(1)
        >>> x = rng.exponential(size=400)
        >>> data = pd.DataFrame({"x": x, "y": 0.5 * x + rng.normal(size=400)})
        >>> res = em.PLS(em.Model.from_syntax("X =~ x\nY =~ y\nY ~ X")).fit(data)
        >>> res.copula_test("Y", n_boot=200, seed=1)[["copula", "endogenous"]].values.tolist()
        [['X', False]]
        """
        from expectmodel._base import resolve_seed
        from expectmodel.sem.copula import CopulaTest, copula_test, normality_p

        names = list(self.model.names)
        if target not in names or not self.model.predecessors(target):
            raise SpecError(f"copula_test needs an endogenous construct; '{target}' is not one of "
                            f"{list(self.model.endogenous)}.")
        preds = list(self.model.predecessors(target))
        if predictors is None:
            tested = [x for x in preds if normality_p(self.scores[x].to_numpy()) <= 0.05]
            if not tested:
                raise SpecError(f"Every antecedent of '{target}' has scores close to normal; the Gaussian "
                                "copula test needs a non-normal antecedent.")
        else:
            unknown = [x for x in predictors if x not in preds]
            if unknown:
                raise SpecError(f"{unknown} are not antecedents of '{target}' ({preds}).")
            tested = list(predictors)
        seed = resolve_seed(seed)
        out = copula_test(self.scores, target, preds, tested, int(n_boot), seed, self.ci_level)
        out.attrs.update(seed=seed, n_boot=int(n_boot))
        return CopulaTest(out, target, int(n_boot), int(seed), float(self.ci_level))

    def fimix(self, segments: tuple[int, ...] = (1, 2, 3, 4), starts: int = 10, seed: int | None = None) -> FIMIX:
        r"""Run FIMIX-PLS (see :mod:`expectmodel.sem.fimix`) on this fit's construct scores.

        Parameters
        ----------
        segments : tuple of int, default (1, 2, 3, 4)
            Numbers of segments to fit; compare them with ``.criteria`` (AIC3 with CAIC, and EN > 0.5,
            as Sarstedt et al. 2011 recommend).
        starts : int, default 10
            Random starts of the EM per number of segments.
        seed : int, optional
            Seed of the starts (drawn when omitted; then in ``result.criteria.attrs["seed"]``).

        Returns
        -------
        FIMIX

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> import expectmodel as em
        >>> rng = np.random.default_rng(0)
        >>> x = rng.normal(size=400)
        >>> y = np.where(np.arange(400) < 200, 0.8, -0.6) * x + 0.4 * rng.normal(size=400)
        >>> res = em.PLS(em.Model.from_syntax("X =~ x\nY =~ y\nY ~ X")).fit(pd.DataFrame({"x": x, "y": y}))
        >>> seg = res.fimix(segments=(1, 2, 3), starts=5, seed=1)
        >>> int(seg.criteria.loc[seg.criteria["BIC"].idxmin(), "segments"])
        2
        """
        from expectmodel._base import resolve_seed
        from expectmodel.errors import ParameterError
        from expectmodel.sem.fimix import fimix

        if not self.layout.endogenous:
            raise ParameterError("FIMIX-PLS segments the inner model: the model needs an endogenous construct.")
        if not segments or any(not isinstance(k, int | np.integer) or k < 1 for k in segments):
            raise ParameterError(f"fimix(segments={segments!r}): give whole numbers of segments, e.g. (1, 2, 3).")
        seed = resolve_seed(seed)
        preds = {t: list(self.model.predecessors(t)) for t in self.model.endogenous}
        out = fimix(self.scores, preds, tuple(int(k) for k in segments), int(starts), seed)
        out.criteria.attrs["seed"] = seed
        return out

    # -- scoring new data ----------------------------------------------------------------------
    def scoring_spec(self) -> dict[str, Any]:
        """Describe how to score new respondents (program ``pls_composite`` of :func:`expectmodel_scorer.score`).

        It holds what scoring new respondents needs and nothing about the respondents of the fit:
        the training means and SDs (items are standardised with them), the standardised outer
        weights (construct scores on the fit's scaling: unit variance in the training data), the
        rescaled weights ``omega`` and the declared scale ends behind each respondent's 0-100 index,
        the missing-answer codes, and the fit's missing-data policy (``"mean"``/``"pairwise"``: a
        missing answer enters at the training mean; ``"listwise"``: the respondent gets NaN;
        ``"raise"``: an error; ``"em"``: the training mean too, where the fit's own scores use the
        conditional mean given the respondent's other answers).

        Returns
        -------
        dict
            ``program``, ``inputs`` (one per indicator, in the model's order), ``outputs`` (the
            construct names, then ``<construct>_index`` for each construct with a declared scale),
            ``arrays`` and ``settings``; see :mod:`expectmodel_scorer.programs`.

        Examples
        --------
        >>> import expectmodel as em
        >>> from expectmodel_scorer import score
        >>> survey = em.datasets.load_csi_survey()
        >>> res = em.PLS(em.spec.templates.ecsi(), scale=(1, 10), missing_values=-99,
        ...              missing="mean").fit(survey)
        >>> spec = res.scoring_spec()
        >>> spec["program"], spec["outputs"][:2], spec["outputs"][-1]
        ('pls_composite', ['Image', 'Expectation'], 'Loyalty_index')
        >>> scored = score(spec, survey)
        >>> bool(abs(scored["Satisfaction_index"].mean() - res.index.loc["Satisfaction", "index"]) < 1e-9)
        True
        """
        if self.higher_order is not None:
            raise SpecError("Scoring new data with a higher-order model is not supported: its items are "
                            "stage-one scores or copied columns. Score the first-order model instead.")
        if self.moderation is not None:
            raise SpecError("Scoring new data with a model with product terms (X:M) is not supported: the product "
                            "items depend on the training fit. Score the main-effects model instead.")
        p, layout = self.prepared, self.layout
        names = list(self.model.names)
        declared = [kk for kk in range(layout.m) if np.isfinite(self.est.index[0, kk])]
        omega_own = index_weights(self.est.weights, self.sd[None], layout)[0]
        omega = np.zeros((layout.p, len(declared)))
        for col, kk in enumerate(declared):
            idx = layout.blocks[kk]
            omega[idx, col] = omega_own[idx]
        low = np.where(np.isnan(p.scale_low), 0.0, p.scale_low)
        high = np.where(np.isnan(p.scale_high), 1.0, p.scale_high)
        with np.errstate(invalid="ignore"):
            seen_low, seen_high = np.nanmin(p.values, axis=0), np.nanmax(p.values, axis=0)
        inputs = [{"column": col, "kind": "float",
                   "scale": None if np.isnan(p.scale_low[j]) else [float(p.scale_low[j]), float(p.scale_high[j])],
                   "codes": None, "missing_codes": [float(c) for c in p.missing_values],
                   "range": [float(seen_low[j]), float(seen_high[j])]}
                  for j, col in enumerate(p.columns)]
        return {
            "program": "pls_composite",
            "inputs": inputs,
            "outputs": names + [f"{names[kk]}_index" for kk in declared],
            "arrays": {"mean": self.mean.copy(), "sd": self.sd.copy(), "weights": self.est.weights_full[0].copy(),
                       "scale_low": low, "scale_high": high, "omega": omega},
            "settings": {"missing": p.missing, "columns": list(p.columns), "constructs": names,
                         "index_constructs": [names[kk] for kk in declared]},
        }

    def predict(self, new_data: pd.DataFrame, *, kind: str = "scores", route: str = "DA") -> pd.DataFrame:
        """Score new respondents: construct scores, 0-100 indices, or predictions through the inner model.

        The construct scores and indices come from :func:`expectmodel_scorer.score` under
        :meth:`scoring_spec` (one scoring implementation for the package and the standalone scorer).
        Predictions through the structural model follow PLSpredict (Shmueli et al. 2016; seminr's
        ``predict_pls``): the endogenous construct scores are predicted from their direct
        antecedents' scores (``route="DA"``) or from the exogenous constructs' scores through the
        whole model (``"EA"``), and an endogenous construct's indicators are its predicted score times
        the loading, back on the data's scale (``* sd + mean`` of the training data). A PLSc fit predicts
        with its PLS weights and its corrected paths and loadings.

        Parameters
        ----------
        new_data : pandas.DataFrame
            One row per respondent with every indicator column (other columns are ignored); the
            fit's missing codes and missing-data policy apply.
        kind : {"scores", "index", "constructs", "indicators"}
            ``"scores"``: every construct's score from the respondent's answers (the fit's scaling);
            ``"index"``: each respondent's 0-100 index per construct with a declared scale (its mean
            over the training respondents is :attr:`index`); ``"constructs"``: the endogenous
            constructs' scores predicted by the inner model; ``"indicators"``: the endogenous
            constructs' indicators predicted by the inner model, in the data's units.
        route : {"DA", "EA"}
            Direct or earliest antecedents (for ``"constructs"`` and ``"indicators"``).

        Returns
        -------
        pandas.DataFrame
            One row per row of ``new_data`` (its index kept); NaN rows for incomplete respondents
            under ``missing="listwise"``.

        Raises
        ------
        ParameterError
            For an unknown ``kind`` or ``route``.
        DataError
            When an indicator column is missing or not numeric, or an answer is missing under
            ``missing="raise"``.

        Examples
        --------
        >>> import numpy as np
        >>> import expectmodel as em
        >>> survey = em.datasets.load_csi_survey()
        >>> res = em.PLS(em.spec.templates.ecsi(), scale=(1, 10), missing_values=-99,
        ...              missing="mean").fit(survey)
        >>> bool(np.allclose(res.predict(survey), res.scores, atol=1e-10))
        True
        >>> res.predict(survey.head(2), kind="indicators").columns[:2].tolist()
        ['CUEX1', 'CUEX2']
        """
        from expectmodel.errors import DataError, ParameterError
        from expectmodel.sem.predict import predict_constructs
        from expectmodel_scorer import ScoringError, score

        if kind not in ("scores", "index", "constructs", "indicators"):
            raise ParameterError(f"predict(kind={kind!r}): use 'scores', 'index', 'constructs' or 'indicators'.")
        if route not in ("DA", "EA"):
            raise ParameterError(f"predict(route={route!r}): use 'DA' (direct antecedents) or 'EA' "
                                 "(earliest antecedents).")
        if kind == "index":
            self._require_scale("0-100 index")
        spec = self.scoring_spec()
        try:
            out = score(spec, new_data)
        except ScoringError as exc:
            raise DataError(str(exc)) from None
        names = list(self.model.names)
        if kind == "scores":
            return out[names]
        if kind == "index":
            part = out[[f"{c}_index" for c in spec["settings"]["index_constructs"]]]
            return part.set_axis(spec["settings"]["index_constructs"], axis=1)
        endo = list(self.layout.endogenous)
        pred = predict_constructs(out[names].to_numpy(), self.est.paths[0], self.layout, route)
        if kind == "constructs":
            return pd.DataFrame(pred[:, endo], index=out.index, columns=[names[kk] for kk in endo])
        items = np.concatenate([self.layout.blocks[kk] for kk in endo])
        own = self.layout.block_of[items]
        values = pred[:, own] * self.est.loadings[0, items] * self.sd[items] + self.mean[items]
        return pd.DataFrame(values, index=out.index, columns=[self.model.indicators[i] for i in items])

    def plspredict(self, folds: int = 10, repetitions: int = 10, *, route: str = "DA",
                   benchmark: str = "exogenous", seed: int | None = None) -> PLSPredictResults:
        """Run PLSpredict (Shmueli et al. 2016, 2019): k-fold cross-validated prediction, repeated.

        Every training part of every repetition is refitted in one batch; holdout respondents are
        standardised with the training means and SDs, scored with the training weights and predicted
        through the training paths and loadings (``route``). The same folds serve the LM and IA
        benchmarks and CVPAT.

        Parameters
        ----------
        folds : int, default 10
            Folds per repetition (2 to n).
        repetitions : int, default 10
            Independent random fold assignments.
        route : {"DA", "EA"}
            Direct or earliest antecedents (see :meth:`predict`).
        benchmark : {"exogenous", "antecedents"}
            The LM benchmark regresses each endogenous indicator on all exogenous constructs' indicators
            (Shmueli et al. 2019, SmartPLS) or on its construct's direct antecedents' indicators (seminr).
        seed : int, optional
            Seed of the fold assignments (``None`` draws one, recorded in ``meta.seed``).

        Returns
        -------
        PLSPredictResults

        Raises
        ------
        ParameterError
            For settings outside their ranges, or a fit with ``missing="pairwise"`` (PLSpredict needs
            complete rows).

        Examples
        --------
        >>> import expectmodel as em
        >>> survey = em.simulate.survey(em.spec.templates.ecsi(), 250, seed=1).data
        >>> cv = em.PLS(em.spec.templates.ecsi()).fit(survey).plspredict(folds=5, repetitions=2, seed=3)
        >>> cv.folds.shape
        (2, 250)
        """
        import dataclasses

        from expectmodel._base import resolve_seed
        from expectmodel.errors import ParameterError
        from expectmodel.sem.predict import PLSPredictResults, cross_validate, fold_assignment

        n = self.n
        if not isinstance(folds, int | np.integer) or not 2 <= folds <= n:
            raise ParameterError(f"plspredict(folds={folds!r}): use a whole number from 2 to n = {n}.")
        if not isinstance(repetitions, int | np.integer) or repetitions < 1:
            raise ParameterError(f"plspredict(repetitions={repetitions!r}): use a whole number of at least 1.")
        if route not in ("DA", "EA"):
            raise ParameterError(f"plspredict(route={route!r}): use 'DA' or 'EA'.")
        if benchmark not in ("exogenous", "antecedents"):
            raise ParameterError(f"plspredict(benchmark={benchmark!r}): use 'exogenous' or 'antecedents'.")
        if self.prepared.pairwise is not None:
            raise ParameterError("plspredict needs complete rows; refit with missing='listwise' or 'mean'.")
        if self.moderation is not None:
            raise SpecError("plspredict of a model with product terms (X:M) is not supported (the product items "
                            "would leak the holdout rows); run it on the main-effects model.")
        if not self.layout.endogenous:
            raise ParameterError("plspredict needs an endogenous construct to predict.")
        seed = resolve_seed(seed)
        assignment = fold_assignment(n, int(folds), int(repetitions), seed)
        cv = cross_validate(self.prepared.values, self.layout, self.options, assignment, route, benchmark,
                            self.row_weights)
        names = self.model.names
        extra = {**self.meta.extra, "plspredict": {"folds": int(folds), "repetitions": int(repetitions),
                                                   "route": route, "benchmark": benchmark, "seed": seed,
                                                   "n_failed": cv.n_failed}}
        meta = dataclasses.replace(self.meta, seed=seed, extra=extra, ci_method="none")
        return PLSPredictResults(self.model, cv, tuple(self.model.indicators[i] for i in cv.items),
                                 tuple(names[self.layout.block_of[i]] for i in cv.items), route, benchmark, meta)

    def ipma_inference(self, target: str) -> pd.DataFrame:
        """Bootstrap inference for the IPMA importances of ``target`` (Ringle & Sarstedt 2016).

        Each resample's importance is its total effect rescaled by its own 0-100 score scales
        (``effect_i * range_i U_i / (range_t U_t)``, ``U`` the sum of the block's ``w / sd``), so the
        interval reflects the resampling of weights, SDs and paths together.

        Parameters
        ----------
        target : str
            An endogenous construct.

        Returns
        -------
        pandas.DataFrame
            :meth:`ipma`'s construct table with ``std_error, ci_low, ci_high`` (percentile) and
            ``bca_low, bca_high`` of the importance.

        Raises
        ------
        SpecError
            Without a bootstrap, or without a declared scale.

        Examples
        --------
        >>> import expectmodel as em
        >>> res = em.PLS(em.spec.templates.ecsi(), scale=(1, 10), missing_values=-99, missing="listwise",
        ...              bootstrap=100, seed=1).fit(em.datasets.load_csi_survey())
        >>> res.ipma_inference("Loyalty").columns.tolist()[:5]
        ['construct', 'importance', 'performance', 'priority', 'std_error']
        """
        table = self.ipma(target).constructs
        if self.boot is None:
            raise SpecError("IPMA intervals need a bootstrap: fit with bootstrap=N.")
        names = list(self.model.names)
        t = names.index(target)
        rng = np.array([self.prepared.scale_high[idx[0]] - self.prepared.scale_low[idx[0]]
                        for idx in self.layout.blocks])
        sources = [names.index(c) for c in table["construct"]]

        def importance(stored: dict[str, np.ndarray]) -> np.ndarray:
            u = stored["unstd_sum"]
            return stored["total"][:, sources, t] * (rng[sources] * u[:, sources]) / (rng[t] * u[:, [t]])

        draws, jack = self._replicates
        inf = interval_estimates(table["importance"].to_numpy(), importance(draws),
                                 None if jack is None else importance(jack), self.ci_level, dof=self.n - 1)
        for col in ("std_error", "ci_low", "ci_high", "bca_low", "bca_high"):
            if col in inf:
                table[col] = inf[col]
        return table

    def bootstrap_t(self, n_boot: int = 1000, n_inner: int = 50, *, seed: int | None = None,
                    level: float | None = None, n_jobs: int = 1,
                    indices: tuple[np.ndarray, np.ndarray] | None = None) -> pd.DataFrame:
        """Studentised (bootstrap-t) intervals of every bootstrapped parameter, by a double bootstrap.

        Each of ``n_boot`` outer resamples is itself resampled ``n_inner`` times; its t statistic is
        ``(theta_b - theta) / se_b`` with ``se_b`` the standard deviation of its inner estimates, and the
        interval is ``[theta - q_(1-a/2) se, theta - q_(a/2) se]`` with ``q`` the t statistics' quantiles
        and ``se`` the outer draws' standard deviation (Davison & Hinkley 1997, §5.2). All
        ``n_boot * (1 + n_inner)`` resamples are fitted in batches; the fit's missing-data policy, survey
        weights and sign-change option apply to every resample.

        Parameters
        ----------
        n_boot : int, default 1000
            Outer resamples.
        n_inner : int, default 50
            Inner resamples per outer resample.
        seed : int, optional
            Seed of the resamples (``None``: the fit's seed).
        level : float, optional
            Confidence level (``None``: the fit's ``ci_level``).
        n_jobs : int, default 1
            Parallel chunks (threads, or joblib's configured backend).
        indices : (ndarray, ndarray), optional
            Fixed resamples: outer row indices ``(B, n)`` and, per outer resample, positions within it
            ``(B, n_inner, n)`` (for agreement with a written-out double bootstrap).

        Returns
        -------
        pandas.DataFrame
            The :meth:`to_frame` rows that have bootstrap draws, with ``std_error`` (outer draws) and the
            studentised ``ci_low, ci_high``.

        Raises
        ------
        SpecError
            For models with product terms or higher-order constructs.

        Examples
        --------
        >>> import expectmodel as em
        >>> res = em.PLS(em.spec.templates.ecsi(), scale=(1, 10), missing_values=-99, missing="mean",
        ...              seed=1).fit(em.datasets.load_csi_survey())
        >>> table = res.bootstrap_t(n_boot=40, n_inner=10)
        >>> bool((table.query("kind == 'path'")["ci_low"] < table.query("kind == 'path'")["ci_high"]).all())
        True
        """
        if self.model.interactions or self.model.higher_order:
            raise SpecError("bootstrap_t works on first-order models without product terms; "
                            "use the percentile or BCa intervals of the fit's bootstrap for this model.")
        if not isinstance(n_boot, int | np.integer) or n_boot < 2 or not isinstance(n_inner, int | np.integer) \
                or n_inner < 2:
            raise ParameterError(f"bootstrap_t needs n_boot >= 2 and n_inner >= 2 (got {n_boot!r}, {n_inner!r}).")
        level = self.ci_level if level is None else float(level)
        seed = self.record.seed if seed is None else seed
        prepared = self.prepared
        z = (prepared.values - self.mean) / self.sd
        em_args = None if prepared.em is None else (prepared.em.nan, self.s)
        outer, inner = double_bootstrap(z, self.mean, self.sd, prepared.scale_low, prepared.scale_high,
                                        self.layout, self.options, int(n_boot), int(n_inner), seed, n_jobs=n_jobs,
                                        pairwise=prepared.pairwise is not None, row_weights=self.row_weights,
                                        em=em_args, indices=indices)
        mode = self.record.params.get("sign_change", "none")
        ok = outer.pop("ok")
        outer.pop("converged")
        inner_ok = inner.pop("ok")
        inner.pop("converged")
        r = inner_ok.shape[1]
        outer = _sign_changed({key: val[ok] for key, val in outer.items()}, self, mode)
        outer = {**outer, **self._derive(outer)}
        flat = _sign_changed({key: val[ok].reshape(-1, *val.shape[2:]) for key, val in inner.items()}, self, mode)
        flat = {**flat, **self._derive(flat)}
        bad = ~inner_ok[ok].reshape(-1)
        frames = []
        for frame, fld, pick in self._blocks():
            if not fld:
                continue
            o, i = outer[fld], flat[fld].astype(float)
            i[bad] = np.nan
            i = i.reshape(o.shape[0], r, *i.shape[1:])
            se, lo, hi = studentized_limits(self._points[fld], o, i, level)
            for col, val in (("std_error", se), ("ci_low", lo), ("ci_high", hi)):
                frame[col] = val if pick is None else val[pick]
            frames.append(frame)
        out = pd.concat(frames, ignore_index=True)
        out = out[~(out["kind"].isin(_UNDEFINED_FOR_SOME) & out["estimate"].isna())].reset_index(drop=True)
        return frame_with_columns(out)

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
_UNDEFINED_FOR_SOME = ("index", "alpha", "rhoC", "AVE")


def _reliability_of_loadings(loadings: np.ndarray, layout: k.Layout) -> dict[str, np.ndarray]:
    """rho_C and AVE (B, m) from own-block loadings (B, p); NaN for single items (as :mod:`quality`)."""
    q = layout.mask.sum(axis=0)
    total = loadings @ layout.mask
    err = (1 - loadings**2) @ layout.mask
    with np.errstate(invalid="ignore", divide="ignore"):
        rho_c = total**2 / (total**2 + err)
        ave = (loadings**2 @ layout.mask) / q
    single = q == 1
    return {"rho_c": np.where(single, np.nan, rho_c), "ave": np.where(single, np.nan, ave)}


def _sign_changed(stored: dict[str, np.ndarray], res: PLSResults, mode: str) -> dict[str, np.ndarray]:
    """Apply a sign-change correction to bootstrap (or jackknife) replicates (Tenenhaus et al. 2005).

    ``"construct"``: a replicate's construct is flipped when its loadings lie closer to the negated
    full-sample loadings (sum |l - l*| > sum |l + l*|); its weights and loadings change sign, and so does
    every path and total effect with exactly one flipped end. ``"individual"``: every weight, loading,
    path and total effect takes the sign of its full-sample estimate. Other quantities do not depend on
    the constructs' signs.
    """
    if mode == "none":
        return stored
    layout = res.layout
    point_w, point_l = res.est.weights[0], res.est.loadings[0]
    src, dst = np.nonzero(layout.adjacency)
    out = dict(stored)
    if mode == "individual":
        out["weights"] = np.abs(stored["weights"]) * np.sign(point_w)
        out["loadings"] = np.abs(stored["loadings"]) * np.sign(point_l)
        out["paths"] = np.abs(stored["paths"]) * np.sign(res.est.paths[0][src, dst])
        out["total"] = np.abs(stored["total"]) * np.sign(res.est.total[0])
        return out
    lam = stored["loadings"]
    closer = (np.abs(point_l - lam) @ layout.mask) > (np.abs(point_l + lam) @ layout.mask)  # (B, m)
    sign = np.where(closer, -1.0, 1.0)
    own = sign[:, layout.block_of]
    out["weights"], out["loadings"] = stored["weights"] * own, lam * own
    out["paths"] = stored["paths"] * sign[:, src] * sign[:, dst]
    out["total"] = stored["total"] * sign[:, :, None] * sign[:, None, :]
    return out


def _point_fields(res: PLSResults) -> dict[str, np.ndarray]:
    est, layout = res.est, res.layout
    src, dst = np.nonzero(layout.adjacency)
    return {
        "weights": est.weights[0], "loadings": est.loadings[0], "paths": est.paths[0][src, dst],
        "r2": est.r2[0, list(layout.endogenous)], "total": est.total[0], "index": est.index[0],
        "htmt": quality.htmt(res.s, layout)[np.triu_indices(layout.m, 1)],
        "alpha": quality.cronbach_alpha(res.s, layout), "rho_a": est.rho_a[0],
        "f2": quality.f_squared_stack(est.corr_used, est.r2, layout)[0],
    }


def _num(v: Any) -> float | None:
    v = float(v)
    return None if math.isnan(v) or math.isinf(v) else v


def _nested(frame: pd.DataFrame, column: str) -> dict[str, dict[str, float | None]]:
    out: dict[str, dict[str, float | None]] = {}
    for c, i, v in zip(frame["construct"], frame["indicator"], frame[column], strict=True):
        out.setdefault(c, {})[i] = _num(v)
    return out


def _summary(res: PLSResults, digits: int = 3) -> Summary:
    s = Summary(f"PLS path model{'' if res.group is None else f' (group {res.group})'}", digits=digits)
    m = res.meta
    s.facts = {
        "Observations": str(res.n),
        "Constructs": str(len(res.model.names)),
        "Indicators": str(res.layout.p),
        "Inner scheme": res.options.scheme,
        "PLSc": "yes" if res.options.consistent else "no",
        "Converged": f"{'yes' if res.converged else 'NO'} ({res.iterations} it.)",
        "Missing": f"{res.prepared.missing} ({m.data.n_dropped} dropped)",
        "Bootstrap": "none" if res.boot is None else f"{res.boot.n_boot} (seed {res.boot.seed})",
    }
    if res.row_weights is not None:
        info = m["weights"]
        s.facts["Survey weights"] = f"{info['column']} (effective n {info['effective_n']:.1f})"
    frame = res.to_frame()
    cols = ["estimate"] + ([] if res.boot is None else ["std_error", "t", "p", "ci_low", "ci_high"])
    paths = frame[frame["kind"] == "path"].assign(path=lambda f: f["rhs"] + " -> " + f["lhs"]).set_index("path")
    s.add_table("Structural paths", paths[cols])
    s.add_table("R-squared", res.r2)
    s.add_table("Reliability and convergent validity", res.reliability)
    if res.boot is not None:
        rel = frame[frame["kind"].isin(["alpha", "rhoA", "rhoC", "AVE"])].set_index(["lhs", "kind"])
        rel.index.names = ["construct", "measure"]
        s.add_table("Reliability (bootstrap intervals)", rel[["estimate", "std_error", "ci_low", "ci_high"]])
    outer = frame[frame["kind"].isin(["loading", "weight"])]
    wide = outer.pivot_table(index=["lhs", "rhs"], columns="kind", values="estimate", sort=False)
    wide.index.names = ["construct", "indicator"]
    s.add_table("Outer model", wide[["loading", "weight"]])
    s.add_table("HTMT", res.htmt)
    if res.boot is not None:
        pairs = res.htmt_inference.set_index(["construct_1", "construct_2"])
        s.add_table("HTMT inference (bootstrap)", pairs[["htmt", "std_error", "ci_low", "ci_high"]])
    if not np.isnan(res.est.index[0]).all():
        s.add_table("0-100 index (scale-anchored)", res.index)
    fit = res.model_fit.set_index(["measure", "model"])
    s.add_table("Model fit" + (f" (Bollen-Stine bootstrap, {len(res.fit_draws[0])} resamples)"
                               if res.fit_draws is not None else ""),
                fit if res.fit_draws is not None else fit[["estimate"]])
    s.notes.append(f"GoF (Tenenhaus et al. 2005) = {res.gof:.{digits}f}: a descriptive index asked for in ECSI "
                   "papers, not a test of model fit (Henseler & Sarstedt 2013).")
    if res.higher_order is not None:
        hoc = res.higher_order_table.set_index(["construct", "dimension"])
        s.add_table(f"Higher-order constructs ({res.higher_order.approach})", hoc.drop(columns="approach"))
    if res.moderation is not None:
        s.add_table(f"Moderation ({res.moderation.method.replace('_', '-')} approach)",
                    res.moderation_effects.set_index(["term", "target"]))
        slopes = res.simple_slopes.set_index(["target", "predictor", "moderator", "at"])
        s.add_table("Simple slopes (moderator in SDs)", slopes[[c for c in ["slope", *cols[1:]] if c in slopes]])
    if len(res.mediation):
        med = res.mediation.set_index(["source", "target"])
        s.add_table("Mediation (direct, total indirect, total; VAF where signs agree)", med)
        ind = res.indirect_effects
        spec = ind[ind["kind"] == "specific"].set_index("chain")
        s.add_table("Specific indirect effects", spec[cols])
    if res.boot is not None:
        s.notes.append(f"{int(res.ci_level * 100)}% percentile intervals from {res.boot.n_boot} resamples "
                       f"({res.boot.n_failed} failed); p from Student t with n-1 df.")
    if not res.converged:
        s.notes.append("The algorithm stopped at max_iter before converging; do not interpret these estimates.")
    return s
