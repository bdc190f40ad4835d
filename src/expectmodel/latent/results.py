"""Results of a latent-expectation fit: the tidy parameter table, posterior tables, LOO, predictive checks, plots.

:class:`LatentResults` follows the package's results contract (:mod:`expectmodel.results`): it is frozen,
holds the :class:`~expectmodel.latent.Design` (not the estimator), a frozen :class:`~expectmodel.results.Meta`,
and offers ``to_frame()`` (one row per parameter, :data:`~expectmodel.results.PARAMETER_COLUMNS` first),
``conf_int(level)`` from the posterior draws, ``summary(digits)`` and ``to_dict()``. The posterior stays an
``xarray.DataTree`` (``results.tree``, with the per-respondent ``log_likelihood`` group). Every interval is
an equal-tailed posterior quantile interval computed here, in the columns ``ci_low``/``ci_high`` with the
level in ``frame.attrs["ci_level"]``, so arviz's global ``rcParams`` never changes the output.
"""

from __future__ import annotations

import contextlib
import io
import json
import warnings
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from expectmodel.errors import DataWarning, SpecError
from expectmodel.inference import equal_tailed
from expectmodel.latent._forward import latent_levels, simulate_answers
from expectmodel.latent._layout import LatentConfig, Layout
from expectmodel.latent.design import Design, SurveyData
from expectmodel.results import KEY_COLUMNS, PARAMETER_COLUMNS, Meta, ResultsBase, thaw
from expectmodel.summary import Summary

__all__ = ["LatentResults", "PredictiveCheck", "compare"]


def _interval_table(draws: np.ndarray, level: float, index: pd.Index, prefix: str = "") -> pd.DataFrame:
    """Tabulate posterior mean, standard deviation and equal-tailed interval over the leading draw axis.

    Rows follow ``index`` (the remaining axes flattened).
    """
    x = draws.reshape(draws.shape[0], -1)
    lo, hi = equal_tailed(x, level)
    out = pd.DataFrame({f"{prefix}mean": x.mean(0), f"{prefix}std_error": x.std(0, ddof=1),
                        f"{prefix}ci_low": lo, f"{prefix}ci_high": hi}, index=index)
    out.attrs["ci_level"] = level
    return out


def _with_level(frame: pd.DataFrame, level: float) -> pd.DataFrame:
    frame.attrs["ci_level"] = level
    return frame


@dataclass(frozen=True, eq=False, repr=False)
class LatentResults(ResultsBase):
    """A fitted latent-expectation model (from :meth:`LatentExpectations.fit`).

    Built by the estimator, not by hand. Every table is a pandas DataFrame whose intervals are
    equal-tailed posterior quantile intervals at ``meta.ci_level`` (``ci_low``/``ci_high``, the level
    also in ``frame.attrs["ci_level"]``).

    Parameters
    ----------
    design : Design
        The survey design.
    config : LatentConfig
        The model configuration the graph was built from.
    layout : Layout
        Index arrays and sizes of the fitted data.
    data : SurveyData
        The validated data.
    tree : xarray.DataTree
        Posterior, sample statistics and the per-respondent ``log_likelihood`` group.
    diagnostics : Diagnostics
        What the convergence gates saw.
    meta : Meta
        Settings (every ``__init__`` parameter), sampler configuration, resolved seed, priors, versions.

    Examples
    --------
    Setting up a model is cheap:

    >>> from expectmodel import latent
    >>> from expectmodel.sampling import SamplerConfig
    >>> sim = latent.simulate_latent(300, link="gap", drivers=2, stages=("new", "loyal"), seed=1)
    >>> est = latent.LatentExpectations(sim.design, link="gap", sampler=SamplerConfig(seed=1))

    Every method below needs a fitted posterior; the fit samples (seconds to minutes), so these lines
    are skipped when the doctests run:

    >>> res = est.fit(sim.data)  # needs a fit  # doctest: +SKIP
    >>> print(res.summary(digits=2))  # doctest: +SKIP
    >>> res.to_frame().query("kind == 'gap'")  # one row per parameter  # doctest: +SKIP
    >>> res.dimensions().xs("gap_P-E", level="quantity")  # doctest: +SKIP
    >>> res.items(), res.cutpoints(), res.correlations(), res.parameters()  # doctest: +SKIP
    >>> res.scores(), res.score_reliability()  # per respondent x dimension  # doctest: +SKIP
    >>> res.link(), res.drivers(scale="raw")  # doctest: +SKIP
    >>> res.draws("mu").shape  # (chains x draws, batteries, dimensions)  # doctest: +SKIP
    >>> res.posterior["mu"].dims, res.log_likelihood()["satisfaction"].shape  # doctest: +SKIP
    >>> res.loo("satisfaction"), res.ppc(draws=100).coverage  # doctest: +SKIP
    >>> ax = res.plot_gaps(); ax = res.plot_drivers(scale="sd")  # doctest: +SKIP
    >>> res.to_netcdf("latent_fit.nc")  # doctest: +SKIP
    """

    schema: ClassVar[str] = "expectmodel.latent"
    schema_version: ClassVar[int] = 1

    design: Design
    config: LatentConfig
    layout: Layout
    data: SurveyData
    tree: Any
    diagnostics: Any
    meta: Meta
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    # ------------------------------------------------------------------ access
    @property
    def ci_level(self) -> float:
        """The interval probability of every reported interval."""
        return float(self.meta.ci_level)

    @property
    def link_type(self) -> str | None:
        """The satisfaction link (``"gap"``, ``"free"``, ``"perf"``) or None."""
        return self.config.link

    @property
    def posterior(self):
        """The posterior group of ``tree`` (chain and draw dimensions first)."""
        return self.tree["posterior"]

    def draws(self, name: str) -> np.ndarray:
        """Return a posterior variable with chains and draws flattened into one leading axis.

        Parameters
        ----------
        name : str
            A posterior variable, e.g. ``"mu"`` (batteries x dimensions), ``"sigma"``, ``"loading"``,
            ``"delta"``, ``"cut"``, ``"corr"``, ``"beta_P"``, ``"Gamma"``.

        Returns
        -------
        numpy.ndarray
            Shape (chains x draws, *the variable's own shape*).

        Raises
        ------
        SpecError
            ``name`` is not in the posterior (the message lists those that are).
        """
        if name not in self.posterior.data_vars:
            raise SpecError(f"{name!r} is not in the posterior; it has {', '.join(sorted(self.posterior.data_vars))}.")
        v = np.asarray(self.posterior[name].values)
        return v.reshape((-1, *v.shape[2:]))

    @cached_property
    def _params(self) -> dict:
        from expectmodel.latent._graph import params_from

        return params_from(self.posterior)

    # ------------------------------------------------------------------ the contract
    @cached_property
    def _parameter_draws(self) -> tuple[pd.DataFrame, np.ndarray]:
        """One row per reported parameter (the key columns) and its posterior draws (S, rows)."""
        lay = self.layout
        rows: list[tuple[str, str, str, str, str]] = []
        cols: list[np.ndarray] = []

        def add(kind, lhs, op, rhs, group, draws):
            rows.append((kind, lhs, op, rhs, group))
            cols.append(np.asarray(draws, dtype=float))

        mu, sig = self.draws("mu"), self.draws("sigma")
        for b, name in enumerate(lay.batteries):
            for d, dim in enumerate(lay.dims):
                add("level", name, "mean", dim, "", mu[:, b, d])
        iE, iP = lay.index("E"), lay.index("P")
        if iE is not None and iP is not None and lay.invariant:
            for d, dim in enumerate(lay.dims):
                add("gap", "P-E", "mean", dim, "", mu[:, iP, d] - mu[:, iE, d])
        if lay.invariant and lay.B > 1:
            ref = iE if iE is not None else 0
            for b, name in enumerate(lay.batteries):
                if b != ref:
                    for d, dim in enumerate(lay.dims):
                        add("sigma", name, "sd", dim, "", sig[:, b, d])
        pb = ("",) if lay.invariant else lay.batteries
        lam, dlt, cut = self.draws("loading"), self.draws("delta"), self.draws("cut")
        for g, grp in enumerate(pb):
            for j, item in enumerate(lay.items):
                add("loading", lay.dims[lay.item_dim[j]], "=~", item, grp, lam[:, g, j])
            for j, item in enumerate(lay.items):
                add("offset", item, "~1", "", grp, dlt[:, g, j])
            if cut.ndim == 4:  # item-specific thresholds
                for j, item in enumerate(lay.items):
                    for k in range(lay.K - 1):
                        add("cutpoint", item, "|", f"{k + 1}|{k + 2}", grp, cut[:, g, j, k])
            else:
                for k in range(lay.K - 1):
                    add("cutpoint", "answers", "|", f"{k + 1}|{k + 2}", grp, cut[:, g, k])
        names = set(self.posterior.data_vars)
        if "delta_shift" in names:  # partial invariance: the freed items' offset shifts per battery
            shifts = self.draws("delta_shift")
            others = list(self.posterior["delta_shift"].coords["shifted_battery"].values)
            freed = list(self.posterior["delta_shift"].coords["free_item"].values)
            for b, battery in enumerate(others):
                for j, item in enumerate(freed):
                    add("offset_shift", str(item), "~1", "", str(battery), shifts[:, b, j])
        if "precision" in names:
            prec = self.draws("precision")
            for j, item in enumerate(lay.items):
                add("precision", item, "phi", "", "E", prec[:, j])
        if self.config.link is not None:
            for coef, battery in (("beta_P", "P"), ("beta_E", "E")):
                if coef == "beta_E" and self.config.link == "perf":
                    continue
                x = self.draws(coef)
                for d, dim in enumerate(lay.dims):
                    add("link", "satisfaction", "~", f"{battery}[{dim}]", "", x[:, d])
            sc = self.draws("sat_cut")
            for i, item in enumerate(lay.sat_items):
                for k in range(lay.K_sat - 1):
                    add("cutpoint", item, "|", f"{k + 1}|{k + 2}", "", sc[:, i, k])
            if "sat_resid_sd" in names:
                add("sigma", "satisfaction", "~~", "satisfaction", "", self.draws("sat_resid_sd"))
        if "Gamma_mean" in names and lay.drivers is not None:
            gm, gam = self.draws("Gamma_mean"), self.draws("Gamma")
            pooled = len(lay.stages) > 1
            for q, drv in enumerate(lay.driver_names):
                for d, dim in enumerate(lay.dims):
                    add("driver", f"E[{dim}]", "~", drv, "", gm[:, q, d])
                    if pooled:
                        for s, stage in enumerate(lay.stages):
                            add("driver", f"E[{dim}]", "~", drv, str(stage), gam[:, s, q, d])
        for name in ("shift_sd", "stretch_sd"):
            if name in names:
                add("sigma", name.removesuffix("_sd"), "sd", "", "", self.draws(name))
        if "corr" in names:
            corr = self.draws("corr")
            labels = [f"{b}:{d}" for b in lay.batteries for d in lay.dims]
            for i in range(len(labels)):
                for j in range(i + 1, len(labels)):
                    add("correlation", labels[i], "~~", labels[j], "", corr[:, i, j])
        frame = pd.DataFrame(rows, columns=list(KEY_COLUMNS))
        return frame, np.stack(cols, axis=1)

    def _draws_frame(self) -> tuple[pd.DataFrame, np.ndarray]:
        rows, draws = self._parameter_draws
        return rows.assign(estimate=draws.mean(axis=0)), draws

    def to_frame(self) -> pd.DataFrame:
        """One row per parameter: :data:`~expectmodel.results.PARAMETER_COLUMNS` first.

        ``estimate`` is the posterior mean, ``std_error`` the posterior SD and ``ci_low``/``ci_high`` the
        equal-tailed interval at ``meta.ci_level`` (also in ``frame.attrs["ci_level"]``). Kinds:
        ``level`` (lhs battery, rhs dimension), ``gap`` (lhs ``"P-E"``), ``sigma``, ``loading``
        (lhs dimension, op ``=~``, rhs item; group = battery without invariance), ``offset``,
        ``cutpoint``, ``precision``, ``link`` (lhs ``"satisfaction"``, rhs ``"P[dim]"``/``"E[dim]"``),
        ``driver`` (lhs ``"E[dim]"``, op ``~``, rhs driver; group = stage, ``""`` for the pooled mean),
        ``correlation``, ``offset_shift`` (partial invariance: lhs the freed item, group the battery).
        Further columns: ``ess_bulk``, ``r_hat`` (NUTS only).

        Returns
        -------
        pandas.DataFrame
            The tidy parameter table of the results contract (:mod:`expectmodel.results`).
        """
        rows, draws = self._parameter_draws
        level = self.ci_level
        lo, hi = equal_tailed(draws, level)
        out = rows.assign(estimate=draws.mean(axis=0), std_error=draws.std(axis=0, ddof=1), ci_low=lo, ci_high=hi)
        out = out[list(PARAMETER_COLUMNS)]
        return _with_level(out, level)

    def summary(self, digits: int = 3) -> Summary:
        """Return the report: key facts, dimension levels and gap, satisfaction link, drivers.

        Render with ``str()``, ``.as_html()``, ``.as_latex()`` or ``.as_csv()``.

        Parameters
        ----------
        digits : int
            Decimals shown in the tables.

        Returns
        -------
        Summary
            Facts (sample, sampler, gates, seed), the :meth:`dimensions` table, the :meth:`link`
            table (with a link) and the pooled :meth:`drivers` table (with drivers).
        """
        s = Summary("Latent expectations (Bayesian graded-response model)", digits=digits)
        cfg = self.meta["sampler"]
        dg = self.diagnostics
        s.facts.update({
            "respondents": str(self.layout.n), "items": str(self.layout.J),
            "batteries": ", ".join(self.layout.batteries), "scale": "{}-{}".format(*self.design.scale),
            "link": str(self.config.link), "invariance": str(self.config.invariance),
            "sampler": f"{cfg['used']} ({cfg['method']})", "draws": f"{cfg['chains']} x ({cfg['tune']}+{cfg['draws']})",
            "max R-hat": f"{dg.max_rhat:.3f}", "min ESS bulk": f"{dg.min_ess_bulk:.0f}",
            "divergences": str(dg.divergences), "gates": dg.verdict,
            "seed": str(self.meta.seed), "interval": f"{self.ci_level:.0%} equal-tailed",
        })
        s.add_table("Dimension levels, latent gap and perception scale", self.dimensions())
        if self.config.link is not None:
            s.add_table("Satisfaction link", self.link())
        if self.layout.drivers is not None and "Gamma_mean" in self.posterior:
            s.add_table("Drivers of expectations (pooled over stages, per SD)", self.drivers().loc["pooled"])
        if dg.passed is False:
            s.notes.append("Convergence gates FAILED: " + "; ".join(dg.failures))
        elif dg.passed is None:
            s.notes.append(f"{dg.method} is an approximation: no convergence gate applies, and its intervals are "
                           "too narrow; use it to look, then NUTS to report.")
        s.notes.append("Levels are on the logit scale relative to the centred thresholds (scale midpoint = 0).")
        return s

    def _repr_facts(self) -> str:
        cfg = self.meta["sampler"]
        gates = f"gates {self.diagnostics.verdict}"
        return (f"n={self.layout.n}, batteries={'/'.join(self.layout.batteries)}, {len(self.layout.dims)} dimensions, "
                f"link={self.config.link}, {cfg['used']} {cfg['method']} {cfg['chains']}x{cfg['draws']}, {gates}")

    def _to_dict(self) -> dict[str, Any]:
        records = thaw(self.to_frame().to_dict(orient="records"))
        return {"ci_level": self.ci_level, "parameters": records, "diagnostics": thaw(self.diagnostics.to_dict())}

    # ------------------------------------------------------------------ tables
    def dimensions(self) -> pd.DataFrame:
        """Tabulate the latent level of each battery per dimension, the latent gap P − E and sigma_P.

        Returns
        -------
        pandas.DataFrame
            Index (``quantity``, ``dimension``) with quantities ``level_<battery>``, ``gap_P-E`` and
            ``sigma_P`` (the last two under E/P invariance only); columns ``mean``, ``std_error``,
            ``ci_low``, ``ci_high`` and, for the gap, ``prob_negative``.
        """
        lay = self.layout
        mu = self.draws("mu")
        sig = self.draws("sigma")
        blocks = []
        for b, name in enumerate(lay.batteries):
            t = _interval_table(mu[:, b, :], self.ci_level, pd.Index(lay.dims, name="dimension"))
            t.insert(0, "quantity", f"level_{name}")
            blocks.append(t)
        iE, iP = lay.index("E"), lay.index("P")
        if iE is not None and iP is not None and lay.invariant:
            gap = mu[:, iP, :] - mu[:, iE, :]
            t = _interval_table(gap, self.ci_level, pd.Index(lay.dims, name="dimension"))
            t.insert(0, "quantity", "gap_P-E")
            t["prob_negative"] = (gap < 0).mean(0)
            blocks.append(t)
            t = _interval_table(sig[:, iP, :], self.ci_level, pd.Index(lay.dims, name="dimension"))
            t.insert(0, "quantity", "sigma_P")
            blocks.append(t)
        return _with_level(pd.concat(blocks).reset_index().set_index(["quantity", "dimension"]), self.ci_level)

    def items(self) -> pd.DataFrame:
        """Tabulate item loadings and offsets (per battery when invariance is off).

        Returns
        -------
        pandas.DataFrame
            Index (``battery``, ``item``) with battery ``"shared"`` under invariance; columns
            ``dimension``, ``loading_mean`` ... ``loading_ci_high`` and ``offset_mean`` ... ``offset_ci_high``.
        """
        lay = self.layout
        pb = ("shared",) if lay.invariant else lay.batteries
        idx = pd.MultiIndex.from_product([pb, lay.items], names=["battery", "item"])
        lam = _interval_table(self.draws("loading"), self.ci_level, idx, "loading_")
        dlt = _interval_table(self.draws("delta"), self.ci_level, idx, "offset_")
        out = lam.join(dlt)
        out.insert(0, "dimension", np.tile(np.asarray(lay.dims)[lay.item_dim], len(pb)))
        return _with_level(out, self.ci_level)

    def cutpoints(self) -> pd.DataFrame:
        """Tabulate the answer scale's cut-points (per battery when invariance is off).

        Returns
        -------
        pandas.DataFrame
            Index (``battery``, ``cutpoint``) with cut-points ``"1|2"`` ... ``"K-1|K"`` (``battery``, ``item``,
            ``cutpoint`` with item-specific thresholds); columns ``mean``,
            ``std_error``, ``ci_low``, ``ci_high``.
        """
        lay = self.layout
        pb = ("shared",) if lay.invariant else lay.batteries
        cuts = [f"{k}|{k + 1}" for k in range(1, lay.K)]
        cut = self.draws("cut")
        if cut.ndim == 4:  # item-specific thresholds
            idx = pd.MultiIndex.from_product([pb, lay.items, cuts], names=["battery", "item", "cutpoint"])
        else:
            idx = pd.MultiIndex.from_product([pb, cuts], names=["battery", "cutpoint"])
        return _interval_table(cut, self.ci_level, idx)

    def scores(self) -> pd.DataFrame:
        """Tabulate person-level latent E*, P* and gap G* = P* − E* per dimension (posterior mean, SD, interval).

        Returns
        -------
        pandas.DataFrame
            Tidy: index (``respondent``, ``dimension``); columns ``{battery}_mean``,
            ``{battery}_std_error``, ``{battery}_ci_low``, ``{battery}_ci_high`` (and ``gap_...``,
            ``gap_prob_negative``). P and gap scores are NaN for stages without a P battery.
        """
        key = "scores"
        if key not in self._cache:
            lay = self.layout
            lev = latent_levels(self._params)  # (S, n, B, D)
            idx = pd.MultiIndex.from_product([self.data.index, lay.dims], names=["respondent", "dimension"])
            parts = []
            for b, name in enumerate(lay.batteries):
                parts.append(_interval_table(lev[:, :, b, :], self.ci_level, idx, f"{name}_"))
            iE, iP = lay.index("E"), lay.index("P")
            if iE is not None and iP is not None and lay.invariant:
                gap = lev[:, :, iP, :] - lev[:, :, iE, :]
                g = _interval_table(gap, self.ci_level, idx, "gap_")
                g["gap_prob_negative"] = (gap < 0).reshape(gap.shape[0], -1).mean(0)
                parts.append(g)
            out = pd.concat(parts, axis=1)
            if "P" in lay.batteries and self.design.no_perception:
                absent = np.isin(np.asarray(lay.stages, dtype=object)[lay.stage], self.design.no_perception)
                cols = [c for c in out.columns if c.startswith(("P_", "gap_"))]
                out.loc[np.repeat(absent, lay.D), cols] = np.nan
            self._cache[key] = _with_level(out, self.ci_level)
        return self._cache[key]

    def scoring_spec(self, *, draws: int = 1000, seed: int = 0) -> dict[str, Any]:
        """Return the scoring specification of new respondents' latent scores (program ``graded_response_eap``).

        The measurement model with its parameters at their posterior means (a plug-in EAP; see
        :mod:`expectmodel_scorer.programs.latent`): the answer columns of every modelled battery, then
        (with drivers) the driver columns and the stage code, go in; posterior means and SDs of each
        battery's level per dimension, and of the gap P - E, come out. No respondent-level data are in it.

        Parameters
        ----------
        draws : int
            Importance-sampling draws per respondent (Monte Carlo SE of a score about
            ``sd / sqrt(draws)`` when the Laplace proposal fits well).
        seed : int
            Seed of the importance draws (the same for every respondent: scores are reproducible).

        Returns
        -------
        dict
            ``program``, ``inputs``, ``outputs``, ``arrays``, ``settings`` (:mod:`expectmodel_scorer.programs`).

        Raises
        ------
        SpecError
            The model has scale-usage heterogeneity (a respondent's shift and stretch are not scored) or
            expectations stated as probabilities.

        Examples
        --------
        A fit is needed (it samples), so these lines are skipped when the doctests run:

        >>> spec = results.scoring_spec()  # doctest: +SKIP
        >>> import expectmodel_scorer
        >>> expectmodel_scorer.score(spec, new_answers)  # doctest: +SKIP
        """
        from expectmodel_scorer.programs.latent import outputs

        lay, design = self.layout, self.design
        if self.config.scale_usage:
            raise SpecError("scoring new respondents is not offered for scale_usage=True: their shift and stretch "
                            "would need their own answers in every battery; refit with scale_usage=False.")
        if lay.prob is not None:
            raise SpecError("scoring new respondents is not offered when expectations are stated as probabilities.")
        if self.config.free_items:
            raise SpecError("scoring new respondents is not offered for a partially invariant fit (free_items); "
                            "refit without the freed items to score.")
        if isinstance(draws, bool) or not isinstance(draws, int | np.integer) or draws < 10:
            raise SpecError(f"draws must be an integer >= 10; got {draws!r}.")
        p = self._params
        mean = {k: np.asarray(p[k]).mean(axis=0) for k in ("mu", "sigma", "delta", "loading", "cut")}
        item_cuts = mean["cut"].ndim == 3
        mean["cut"] = mean["cut"].reshape(-1, lay.K - 1)  # (B' x J, K-1) with item-specific thresholds
        F = lay.B * lay.D
        corr = self.draws("corr").mean(axis=0) if "corr" in self.posterior else np.eye(F)
        codes = [float(v) for v in self.data.missing_values]
        inputs = []
        for b in lay.batteries:
            values = self.data.answers[b]
            for j, item in enumerate(lay.items):
                col = values[:, j]
                seen = col[np.isfinite(col)]
                inputs.append({"column": design.columns[b][item], "kind": "int", "scale": list(design.scale),
                               "codes": None, "missing_codes": codes,
                               "range": [float(seen.min()), float(seen.max())] if seen.size else None})
        q = 0
        gamma = np.zeros((1, 0, lay.D))
        d_mean = d_sd = np.zeros(0)
        if lay.drivers is not None and "Gamma" in p:
            q = len(lay.driver_names)
            gamma = np.asarray(p["Gamma"]).mean(axis=0)
            d_mean, d_sd = lay.driver_mean, lay.driver_sd
            raw = self.data.drivers
            for k, name in enumerate(lay.driver_names):
                inputs.append({"column": name, "kind": "float", "scale": None, "codes": None, "missing_codes": [],
                               "range": [float(raw[:, k].min()), float(raw[:, k].max())]})
            if gamma.shape[0] > 1:
                inputs.append({"column": design.stage, "kind": "category", "scale": None,
                               "codes": list(range(gamma.shape[0])), "missing_codes": [], "range": None})
        return {
            "program": "graded_response_eap",
            "inputs": inputs,
            "outputs": outputs(list(lay.batteries), list(lay.dims), bool(lay.invariant)),
            "arrays": {**mean, "corr": corr, "item_dim": lay.item_dim.astype(float), "gamma": gamma,
                       "driver_mean": np.asarray(d_mean, float), "driver_sd": np.asarray(d_sd, float)},
            "settings": {"batteries": list(lay.batteries), "dimensions": list(lay.dims),
                         "scale": list(design.scale), "invariant": bool(lay.invariant), "n_drivers": q,
                         "item_thresholds": bool(item_cuts),
                         "draws": int(draws), "seed": int(seed)},
        }

    def predict(self, new_data: pd.DataFrame, *, draws: int = 1000, seed: int = 0) -> pd.DataFrame:
        """Return latent scores E*, P* and the gap of new respondents (plug-in EAP, not refitted).

        Scores the answers through :meth:`scoring_spec` and :func:`expectmodel_scorer.score`, the same
        program a deployed bundle runs. Each respondent's latent levels are integrated over their
        posterior given their answers, with the model's parameters at their posterior means (so the
        parameters' own uncertainty is left out: the SDs are slightly narrower than :meth:`scores`').

        Parameters
        ----------
        new_data : pandas.DataFrame
            One row per respondent with the design's answer columns (missing answers as NaN or one of the
            fit's ``missing_values`` codes) and, for a model with drivers, the driver columns and the
            stage column (labels as in the fit). A ``design.respondent`` column becomes the index.
        draws, seed : int
            As in :meth:`scoring_spec`.

        Returns
        -------
        pandas.DataFrame
            Index (``respondent``, ``dimension``); columns ``{battery}_mean``, ``{battery}_std_error``
            and ``gap_mean``, ``gap_std_error`` (as :meth:`scores`). P and gap are NaN for stages without
            a P battery.

        Raises
        ------
        DataError
            A stage label the fit did not have, or a driver value that is missing.
        expectmodel_scorer.ScoringError
            A missing column or an answer outside the scale (named by column and row).

        Examples
        --------
        A fit is needed (it samples), so these lines are skipped when the doctests run:

        >>> new = latent.simulate_latent(100, link="gap", seed=9).data  # doctest: +SKIP
        >>> results.predict(new).xs("tangibles", level="dimension")["gap_mean"]  # doctest: +SKIP
        """
        import expectmodel_scorer
        from expectmodel.errors import DataError

        if not isinstance(new_data, pd.DataFrame):
            raise DataError(f"predict takes a pandas DataFrame of answers; got {type(new_data).__name__}.")
        spec = self.scoring_spec(draws=draws, seed=seed)
        lay, design = self.layout, self.design
        frame = new_data
        if design.respondent is not None and design.respondent in frame.columns:
            frame = frame.set_index(design.respondent)
        stage_codes = None
        if design.stage is not None and design.stage in frame.columns:
            labels = frame[design.stage].astype(object).to_numpy()
            known = {str(s): k for k, s in enumerate(lay.stages)}
            unknown = sorted({str(v) for v in labels if str(v) not in known})
            if unknown:
                raise DataError(f"column {design.stage!r} holds stage(s) {unknown} that the fit did not have; "
                                f"its stages are {list(lay.stages)}.")
            stage_codes = np.array([known[str(v)] for v in labels], dtype=np.intp)
            frame = frame.assign(**{design.stage: stage_codes})
        for name in (spec["settings"]["n_drivers"] and lay.driver_names) or ():
            if name in frame.columns and frame[name].isna().any():
                row = frame.index[np.flatnonzero(frame[name].isna().to_numpy())[0]]
                raise DataError(f"driver column {name!r} is missing at row {row!r}; the drivers shift the prior "
                                "of the expectations and must be complete.")
        scored = expectmodel_scorer.score(spec, frame)
        idx = pd.MultiIndex.from_product([frame.index, lay.dims], names=["respondent", "dimension"])
        cols = {}
        for b in lay.batteries:
            cols[f"{b}_mean"] = scored[[f"{b}[{d}]" for d in lay.dims]].to_numpy().ravel()
            cols[f"{b}_std_error"] = scored[[f"{b}[{d}]_sd" for d in lay.dims]].to_numpy().ravel()
        if f"gap[{lay.dims[0]}]" in scored.columns:
            cols["gap_mean"] = scored[[f"gap[{d}]" for d in lay.dims]].to_numpy().ravel()
            cols["gap_std_error"] = scored[[f"gap[{d}]_sd" for d in lay.dims]].to_numpy().ravel()
        out = pd.DataFrame(cols, index=idx)
        if "P" in lay.batteries and design.no_perception and stage_codes is not None:
            absent = np.isin(np.asarray(lay.stages, dtype=object)[stage_codes], design.no_perception)
            out.loc[np.repeat(absent, lay.D), [c for c in out.columns if c.startswith(("P_", "gap_"))]] = np.nan
        out.attrs["method"] = "plug-in EAP (posterior-mean parameters), importance sampling"
        return out

    def _levels(self) -> np.ndarray:
        """Posterior draws of every respondent's latent levels, (draws, n, B, D).

        P is NaN for respondents of stages without a P battery.
        """
        lev = latent_levels(self._params)
        lay = self.layout
        if "P" in lay.batteries and self.design.no_perception:
            absent = np.isin(np.asarray(lay.stages, dtype=object)[lay.stage], self.design.no_perception)
            lev = lev.copy()
            lev[:, absent, lay.index("P"), :] = np.nan
        return lev

    def bands(self, limits=None, *, dimension: str | None = None) -> pd.DataFrame:
        """Return each respondent's posterior probability of the five satisfaction bands from the latent gap.

        The bands (:data:`~expectmodel.latent.bands.BANDS`, very dissatisfied ... very satisfied) are set
        by how far the latent perception falls short of or exceeds the latent expectation: the person-level
        gap G* = P* - E* averaged over the dimensions (or of one ``dimension``), cut at ``limits``.

        Parameters
        ----------
        limits : sequence of 4 floats, optional
            Increasing borders between the bands on the logit scale (default
            :data:`~expectmodel.latent.bands.DEFAULT_BAND_LIMITS`, a convention: report yours).
        dimension : str, optional
            One dimension's gap instead of the mean over dimensions.

        Returns
        -------
        pandas.DataFrame
            Index respondent; a probability column per band, ``band`` (the most probable) and ``gap_mean``;
            NaN for stages without a P battery. ``attrs["limits"]`` records the limits.

        Raises
        ------
        SpecError
            The model has no latent gap (E and P under invariance), an unknown dimension, or bad limits.

        Examples
        --------
        A fit is needed (it samples), so these lines are skipped when the doctests run:

        >>> results.bands().iloc[:3]  # doctest: +SKIP
        >>> results.bands(limits=(-1.5, -0.5, 0.5, 1.5), dimension="reliability")  # doctest: +SKIP
        """
        from expectmodel.latent.bands import DEFAULT_BAND_LIMITS, band_probabilities

        lay = self.layout
        iE, iP = lay.index("E"), lay.index("P")
        if iE is None or iP is None or not lay.invariant:
            raise SpecError("satisfaction bands need the latent gap: E and P batteries fitted with invariance=True.")
        lev = self._levels()
        gap = lev[:, :, iP, :] - lev[:, :, iE, :]
        if dimension is None:
            g = gap.mean(axis=2)
        else:
            if dimension not in lay.dims:
                raise SpecError(f"unknown dimension {dimension!r}; the model has {list(lay.dims)}.")
            g = gap[:, :, lay.dims.index(dimension)]
        out = band_probabilities(g, DEFAULT_BAND_LIMITS if limits is None else limits,
                                 index=pd.Index(self.data.index, name="respondent"))
        out.attrs["dimension"] = dimension or "mean over dimensions"
        return out

    def in_zone(self) -> pd.DataFrame:
        """Return the posterior probability that each respondent's latent perception lies in the zone of tolerance.

        In zone: A* <= P* <= D* (adequate and desired service, on the latent metric the batteries share
        under invariance), per respondent and dimension. The latent counterpart of the classical
        :func:`~expectmodel.latent.zone_of_tolerance`.

        Returns
        -------
        pandas.DataFrame
            Index (``respondent``, ``dimension``); columns ``in_zone_probability``, ``below_probability``
            (P* < A*) and ``above_probability`` (P* > D*), which sum to 1 where D* >= A* in every draw.

        Raises
        ------
        SpecError
            The fit lacks the D, A or P battery, or was fitted without invariance.

        Examples
        --------
        A fit with D, A and P batteries is needed (it samples), so this line is skipped:

        >>> results.in_zone().groupby("dimension").mean()  # doctest: +SKIP
        """
        from expectmodel.latent.bands import in_zone_probability

        lay = self.layout
        if not {"D", "A", "P"} <= set(lay.batteries) or not lay.invariant:
            raise SpecError("the latent zone of tolerance needs the D, A and P batteries fitted together with "
                            f"invariance=True; this fit has {list(lay.batteries)}, invariance={lay.invariant}.")
        lev = self._levels()
        P, A, D = (lev[:, :, lay.index(b), :] for b in ("P", "A", "D"))
        idx = pd.MultiIndex.from_product([self.data.index, lay.dims], names=["respondent", "dimension"])
        out = pd.DataFrame({"in_zone_probability": in_zone_probability(P, A, D).ravel(),
                            "below_probability": (P < A).mean(axis=0).ravel(),
                            "above_probability": (P > D).mean(axis=0).ravel()}, index=idx)
        if self.design.no_perception:
            absent = np.isnan(P).any(axis=0).ravel()
            out.loc[absent] = np.nan
        return out

    def score_reliability(self) -> pd.DataFrame:
        """Compute the empirical reliability of the person scores per battery × dimension.

        var(posterior means) / (var(posterior means) + mean posterior variance); its square
        root is the expected correlation of the posterior-mean scores with the true levels.

        Returns
        -------
        pandas.DataFrame
            Index (``battery``, ``dimension``); column ``reliability``.
        """
        sc = self.scores()
        rows = []
        for b in self.layout.batteries:
            for dim in self.layout.dims:
                t = sc.xs(dim, level="dimension")[[f"{b}_mean", f"{b}_std_error"]].dropna()
                v = t[f"{b}_mean"].var(ddof=1)
                rows.append({"battery": b, "dimension": dim,
                             "reliability": v / (v + np.mean(np.square(t[f"{b}_std_error"])))})
        return pd.DataFrame(rows).set_index(["battery", "dimension"])

    def link(self) -> pd.DataFrame:
        """Tabulate the satisfaction-link coefficients beta_P, beta_E and their sum (0: the gap form holds).

        Returns
        -------
        pandas.DataFrame
            Index (``coefficient``, ``dimension``) with coefficients ``beta_P``, ``beta_E`` and
            ``beta_sum``; columns ``mean``, ``std_error``, ``ci_low``, ``ci_high``.

        Raises
        ------
        SpecError
            The model was fitted without a satisfaction link.
        """
        if self.config.link is None:
            raise SpecError("this model has no satisfaction link; fit with link='gap', 'free' or 'perf'.")
        idx = pd.Index(self.layout.dims, name="dimension")
        out = []
        for name in ("beta_P", "beta_E", "beta_sum"):
            t = _interval_table(self.draws(name), self.ci_level, idx)
            t.insert(0, "coefficient", name)
            out.append(t)
        return _with_level(pd.concat(out).reset_index().set_index(["coefficient", "dimension"]), self.ci_level)

    def drivers(self, scale: str = "sd") -> pd.DataFrame:
        """Tabulate driver coefficients Gamma by stage (and the pooled mean): associations, not causal effects.

        Parameters
        ----------
        scale : {"sd", "raw"}
            ``"sd"``: per standard deviation of the driver; ``"raw"``: per unit of the driver.

        Returns
        -------
        pandas.DataFrame
            Index (``stage``, ``driver``, ``dimension``), stage ``"pooled"`` first; columns ``mean``,
            ``std_error``, ``ci_low``, ``ci_high``.

        Raises
        ------
        SpecError
            The model has no drivers, or ``scale`` is unknown.
        """
        lay = self.layout
        if lay.drivers is None or "Gamma" not in self.posterior:
            raise SpecError("this model has no drivers; declare Design(drivers=[...]) and fit with drivers=True.")
        if scale not in ("sd", "raw"):
            raise SpecError(f"scale must be 'sd' or 'raw', got {scale!r}.")
        names = list(lay.driver_names)
        div = lay.driver_sd[None, :, None] if scale == "raw" else 1.0
        g = self.draws("Gamma") / div
        gm = self.draws("Gamma_mean") / (div[0] if scale == "raw" else 1.0)
        idx = pd.MultiIndex.from_product([lay.stages, names, lay.dims], names=["stage", "driver", "dimension"])
        t = _interval_table(g, self.ci_level, idx)
        idx_m = pd.MultiIndex.from_product([["pooled"], names, lay.dims], names=["stage", "driver", "dimension"])
        return _with_level(pd.concat([_interval_table(gm, self.ci_level, idx_m), t]), self.ci_level)

    def correlations(self) -> pd.DataFrame:
        """Return the posterior mean correlation of the battery × dimension factors.

        Returns
        -------
        pandas.DataFrame
            Square, labelled ``"<battery>:<dimension>"`` on both axes.
        """
        lab = [f"{b}:{d}" for b in self.layout.batteries for d in self.layout.dims]
        if "corr" not in self.posterior:
            return pd.DataFrame([[1.0]], index=lab, columns=lab)
        return pd.DataFrame(self.draws("corr").mean(0), index=lab, columns=lab)

    def parameters(self) -> pd.DataFrame:
        """Return the arviz summary (mean, sd, ETI, R-hat, ESS) of the identified parameters, at ``ci_level``.

        Returns
        -------
        pandas.DataFrame
            One row per scalar parameter, as ``arviz.summary`` gives it (unrounded).
        """
        import arviz as az

        return az.summary(self.tree, var_names=list(self.meta["identified"]), ci_prob=self.ci_level,
                          ci_kind="eti", round_to="none")

    @property
    def priors(self):
        """The :class:`~expectmodel.latent.LatentPriors` the model was fitted with."""
        return self.config.priors

    def prior_sensitivity(self, *, alphas: tuple[float, float] = (0.99, 1.01),
                          threshold: float = 0.05) -> pd.DataFrame:
        """Power-scaling prior and likelihood sensitivity of the key quantities (Kallioinen et al. 2024).

        The priors (:func:`~expectmodel.latent.priors.log_prior`, evaluated at the posterior draws) and the
        per-respondent likelihood are raised to powers near 1 (``alphas``); Pareto-smoothed importance
        weights give the perturbed posteriors without refitting, and the sensitivity is the gradient of the
        cumulative Jensen-Shannon distance (``arviz.psense_summary``). Prior sensitivity above
        ``threshold`` marks a quantity that the prior informs; with a likelihood sensitivity below it too,
        a weak likelihood; both above, a possible prior-data conflict.

        Parameters
        ----------
        alphas : (float, float)
            Lower and upper power-scaling factors.
        threshold : float
            The sensitivity above which a quantity is flagged.

        Returns
        -------
        pandas.DataFrame
            One row per scalar quantity (``mu[battery, dimension]``, ``gap[dimension]``, ``sigma_P``,
            ``beta_P``/``beta_E``, ``Gamma_mean``): columns ``prior``, ``likelihood`` and ``diagnosis``
            (arviz's words; ``"✓"`` when neither is flagged). ``attrs["blocks"]`` lists the prior blocks scaled.

        Examples
        --------
        A fit is needed (it samples, seconds to minutes), so these lines are skipped when the doctests run:

        >>> from expectmodel import latent
        >>> sim = latent.simulate_latent(150, link="gap", seed=2)
        >>> est = latent.LatentExpectations(sim.design, link="gap", priors=latent.LatentPriors(mu_sd=1.0))
        >>> est.fit(sim.data).prior_sensitivity()  # doctest: +SKIP
        """
        import arviz as az
        import xarray as xr

        from expectmodel.latent.priors import log_prior

        lay = self.layout
        post = self.posterior
        c, d = post.sizes["chain"], post.sizes["draw"]
        p = self._params
        lp = log_prior(self.config.priors, p, lay.K)
        shape = lambda v: v.reshape(c, d, *v.shape[1:])  # noqa: E731
        qty: dict[str, tuple[tuple[str, ...], np.ndarray]] = {}
        for b, name in enumerate(lay.batteries):
            qty[f"mu_{name}"] = (("chain", "draw", "dimension"), shape(p["mu"][:, b, :]))
        iE, iP = lay.index("E"), lay.index("P")
        if iE is not None and iP is not None and lay.invariant:
            qty["gap"] = (("chain", "draw", "dimension"), shape(p["mu"][:, iP, :] - p["mu"][:, iE, :]))
            qty["sigma_P"] = (("chain", "draw", "dimension"), shape(p["sigma"][:, iP, :]))
        for name in ("beta_P", "beta_E", "Gamma_mean"):
            if name == "beta_E" and self.config.link != "free":
                continue
            if name in p:
                dims = ("chain", "draw", "dimension") if name != "Gamma_mean" else ("chain", "draw", "driver",
                                                                                   "dimension")
                qty[name] = (dims, shape(p[name]))
        coords = {"dimension": list(lay.dims)}
        if "Gamma_mean" in qty:
            coords["driver"] = list(lay.driver_names)
        tree = xr.DataTree.from_dict({
            "posterior": xr.Dataset(qty, coords=coords),
            "log_prior": xr.Dataset({"prior": (("chain", "draw"), shape(sum(lp.values())))}),
            "log_likelihood": self.tree["log_likelihood"].to_dataset(),
        })
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            # arviz's Pareto-k notes on the importance weights, and its printed advice (the diagnosis says it)
            warnings.simplefilter("ignore")
            out = az.psense_summary(tree, threshold=threshold, alphas=alphas, round_to=6)
        out = pd.DataFrame(out)
        out.attrs["blocks"] = sorted(lp)
        out.attrs["threshold"] = threshold
        return out

    # ------------------------------------------------------------------ LOO
    def log_likelihood(self) -> dict[str, np.ndarray]:
        """Return the per-respondent log-likelihood stored in the tree's ``log_likelihood`` group at fit time.

        Returns
        -------
        dict of str to numpy.ndarray
            ``"answers"`` (and ``"satisfaction"`` with a link) -> (chain, draw, respondent) array.
        """
        group = self.tree["log_likelihood"]
        return {k: np.asarray(group[k].values) for k in group.data_vars}

    def _loo_tree(self):
        import xarray as xr

        return xr.DataTree.from_dict({"posterior": self.posterior.to_dataset()[["mu"]],
                                      "log_likelihood": self.tree["log_likelihood"].to_dataset()})

    def loo(self, var: str = "satisfaction"):
        """Compute leave-one-respondent-out PSIS-LOO on ``var``.

        Respondents with a Pareto k-hat above 0.7 are reported in a ``DataWarning``.

        Parameters
        ----------
        var : {"satisfaction", "answers"}
            Which per-respondent log-likelihood to use (only respondents with satisfaction
            answers for ``"satisfaction"``).

        Returns
        -------
        arviz ELPDData
            arviz's LOO result (``elpd_loo``, ``se``, ``pareto_k``, ...); cached.

        Raises
        ------
        SpecError
            No log-likelihood ``var`` was stored.
        """
        import arviz as az

        ll = self.tree["log_likelihood"].data_vars
        if var not in ll:
            raise SpecError(f"no log-likelihood {var!r}; available: {', '.join(ll)}.")
        key = f"loo_{var}"
        if key not in self._cache:
            tree = self._loo_tree()
            if var == "satisfaction":
                keep = np.unique(self.layout.sat.resp)
                tree = tree.isel(respondent=keep)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # arviz's generic k-hat message; ours is below
                loo = az.loo(tree, var_name=var)
            bad = int((np.asarray(loo.pareto_k) > 0.7).sum())
            if bad:
                warnings.warn(f"PSIS-LOO on {var!r}: {bad} respondent(s) have Pareto k-hat > 0.7, so their LOO "
                              "terms are unreliable; check them (loo.pareto_k) or use grouped K-fold "
                              "cross-validation before trusting a close comparison (METHODS §6.4).",
                              DataWarning, stacklevel=2)
            self._cache[key] = loo
        return self._cache[key]

    def _default_var(self, var: str | None) -> str:
        if var is None:
            return "satisfaction" if self.config.link is not None else "answers"
        if var not in ("answers", "satisfaction"):
            raise SpecError(f"var must be 'answers' or 'satisfaction'; got {var!r}.")
        if var == "satisfaction" and self.config.link is None:
            raise SpecError("var='satisfaction' needs a fit with a satisfaction link; use var='answers'.")
        return var

    def heldout_log_likelihood(self, new_data, *, var: str | None = None, draws: int = 100, points: int = 200,
                               seed: int = 0) -> pd.DataFrame:
        """Log predictive density of respondents held out of the fit, per posterior draw (grouped K-fold).

        For each new respondent and posterior draw, the respondent's own latent levels are integrated out
        under the fitted population distribution (their drivers and stage shift the expectations as in the
        fit): importance sampling with a Laplace proposal per draw and respondent (a multivariate t centred at
        the mode, ``points`` antithetic points; see :mod:`expectmodel.latent._heldout`). This is what
        :func:`expectmodel.sampling.elpd.kfold` asks of a fit; it is the held-out counterpart of
        :meth:`loo` (same ``var``).

        Parameters
        ----------
        new_data : pandas.DataFrame or SurveyData
            Respondents in the design's layout (validated by ``design.prepare`` with the fit's missing codes);
            stage labels must be the fit's.
        var : {"answers", "satisfaction"}, optional
            ``"answers"``: the density of the respondent's E/P (...) answers; ``"satisfaction"``: that of the
            satisfaction answers given the respondent's E/P answers (respondents without a satisfaction answer
            are left out). Default: ``"satisfaction"`` with a link, ``"answers"`` without (as :meth:`loo`).
        draws : int
            Posterior draws used: an evenly spaced (thinned) subset of the chains' draws, at most all of them.
            100 draws leave a Monte Carlo error of the elpd far below its standard error.
        points : int
            Importance points per draw and respondent.
        seed : int
            Seed of the importance points.

        Returns
        -------
        pandas.DataFrame
            Shape (draws, respondents): rows indexed by the posterior draw used (position in the flattened
            chains x draws), columns by respondent id. ``attrs`` records ``var``, ``draws``, ``points``
            and the method.

        Raises
        ------
        SpecError
            A model with scale-usage heterogeneity, probability-stated expectations or row-specific level
            means (their held-out density is not offered), or a bad ``var``.
        DataError
            Data the design refuses, or a stage the fit did not have.

        Examples
        --------
        A fit is needed (it samples), so these lines are skipped when the doctests run:

        >>> new = latent.simulate_latent(50, link="gap", seed=9).data  # doctest: +SKIP
        >>> ll = results.heldout_log_likelihood(new, var="answers")  # (100 draws, 50 respondents)  # doctest: +SKIP
        >>> from expectmodel.sampling import elpd  # doctest: +SKIP
        >>> elpd.kfold(estimator, data, groups=data.index, folds=5)  # doctest: +SKIP
        """
        from expectmodel.errors import DataError
        from expectmodel.latent._heldout import heldout_loglik

        var = self._default_var(var)
        lay, design = self.layout, self.design
        p_all = self._params
        if self.config.scale_usage or lay.prob is not None or "mu_rows" in p_all:
            raise SpecError("the held-out log-likelihood is not offered for scale_usage=True, probability-stated "
                            "expectations or row-specific level means.")
        for name, v in (("draws", draws), ("points", points)):
            if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 2:
                raise SpecError(f"{name} must be an integer >= 2; got {v!r}.")
        data = new_data if isinstance(new_data, SurveyData) else design.prepare(
            new_data, missing_values=tuple(self.data.missing_values))
        known = {str(s): k for k, s in enumerate(lay.stages)}
        labels = [str(s) for s in np.asarray(data.stages, dtype=object)[data.stage]]
        unknown = sorted(set(labels) - set(known))
        if unknown:
            raise DataError(f"the held-out data hold stage(s) {unknown} that the fit did not have; its stages are "
                            f"{list(lay.stages)}.")
        stage = np.array([known[s] for s in labels], dtype=np.intp)
        X = None
        if lay.drivers is not None:
            X = (np.asarray(data.drivers, float) - lay.driver_mean) / lay.driver_sd
        dense = np.stack([data.answers[b] for b in lay.batteries], axis=1)  # (n, B, J)
        answered = np.isfinite(dense)
        cat = np.where(answered, dense - design.scale[0], 0).astype(np.intp)
        keep = np.arange(data.n)
        sat = None
        if var == "satisfaction":
            s_raw = np.asarray(data.satisfaction, float)
            s_ok = np.isfinite(s_raw)
            keep = np.flatnonzero(s_ok.any(axis=1))
            s_cat = np.where(s_ok, s_raw - design.satisfaction_scale[0], 0).astype(np.intp)[keep]
            sat = (s_cat, s_ok[keep], lay.index("E"), lay.index("P"),
                   lay.sat_quadrature)
        S = p_all["mu"].shape[0]
        pick = np.unique(np.linspace(0, S - 1, min(int(draws), S)).round().astype(np.intp))
        p = {k: np.asarray(v)[pick] for k, v in p_all.items() if k not in ("theta", "shift", "stretch")}
        values = np.empty((pick.size, keep.size))
        for r0 in range(0, keep.size, 256):
            r = keep[r0:r0 + 256]
            values[:, r0:r0 + r.size] = heldout_loglik(
                p, item_dim=lay.item_dim, invariant=lay.invariant, cat=cat[r], answered=answered[r],
                drivers=None if X is None else X[r], stage=stage[r], i_e=lay.index("E"),
                sat=None if sat is None else (sat[0][r0:r0 + r.size], sat[1][r0:r0 + r.size], *sat[2:]),
                var=var, points=int(points), seed=seed)
        out = pd.DataFrame(values, index=pd.Index(pick, name="draw"),
                           columns=pd.Index(np.asarray(data.index)[keep], name="respondent"))
        used = 2 * 2 ** max(1, int(np.ceil(np.log2(points / 2))))  # twice a power of two (see _heldout)
        out.attrs.update(var=var, draws=int(pick.size), points=used, seed=seed,
                         method="latent levels integrated out by importance sampling (Laplace-centred t proposal) "
                                "at an evenly thinned set of posterior draws")
        return out

    # ------------------------------------------------------------------ predictive
    def ppc(self, *, draws: int = 200, seed: int = 0) -> PredictiveCheck:
        """Compare posterior predictive category frequencies per battery (and satisfaction) with the observed ones.

        Parameters
        ----------
        draws : int
            Posterior draws to simulate from (at most all of them, without replacement).
        seed : int
            Random seed of the draw selection and the simulated answers.

        Returns
        -------
        PredictiveCheck
            Observed and predicted category shares with intervals at ``ci_level``.
        """
        rng = np.random.default_rng(seed)
        p = self._params
        S = p["mu"].shape[0]
        pick = rng.choice(S, size=min(draws, S), replace=False)
        sim = simulate_answers({k: v[pick] for k, v in p.items()}, self.layout, rng)
        return PredictiveCheck.from_draws(sim, self.layout, self.data, kind="posterior", ci_level=self.ci_level)

    def _replicated_dense(self, draws: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """Observed and posterior predictive answers as dense (n, B, J) and (draws, n, B, J) arrays (NaN: no answer)."""
        lay = self.layout
        rng = np.random.default_rng(seed)
        p = self._params
        S = p["mu"].shape[0]
        pick = rng.choice(S, size=min(draws, S), replace=False)
        sim = simulate_answers({k: v[pick] for k, v in p.items()}, lay, rng)["answers"]
        obs = lay.obs
        dense_obs = np.full((lay.n, lay.B, lay.J), np.nan)
        dense_obs[obs.resp, obs.battery, obs.item] = obs.cat
        dense_rep = np.full((sim.shape[0], lay.n, lay.B, lay.J), np.nan)
        dense_rep[:, obs.resp, obs.battery, obs.item] = sim
        return dense_obs, dense_rep

    def ppc_items(self, *, draws: int = 200, seed: int = 0) -> pd.DataFrame:
        """Posterior predictive check per battery and item: the observed mean answer against its predictive interval.

        Parameters
        ----------
        draws : int
            Posterior draws to simulate from.
        seed : int
            Seed of the draw selection and the simulated answers.

        Returns
        -------
        pandas.DataFrame
            Index (``battery``, ``item``); ``observed`` and ``predicted`` mean answer (on the answer scale),
            ``ci_low``, ``ci_high`` (at ``ci_level``) and ``inside``; ``attrs["coverage"]`` the share inside.

        Examples
        --------
        A fit is needed (it samples), so this line is skipped:

        >>> results.ppc_items().query("not inside")  # doctest: +SKIP
        """
        lay = self.layout
        low = self.design.scale[0]
        dense_obs, dense_rep = self._replicated_dense(draws, seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # an item without answers in a battery: NaN
            observed = np.nanmean(dense_obs, axis=0) + low  # (B, J)
            rep = np.nanmean(dense_rep, axis=1) + low  # (S, B, J)
        lo, hi = equal_tailed(rep.reshape(rep.shape[0], -1), self.ci_level)
        idx = pd.MultiIndex.from_product([lay.batteries, lay.items], names=["battery", "item"])
        out = pd.DataFrame({"observed": observed.ravel(), "predicted": rep.mean(0).ravel(), "ci_low": lo,
                            "ci_high": hi}, index=idx).dropna(subset=["observed"])
        out["inside"] = (out["observed"] >= out["ci_low"]) & (out["observed"] <= out["ci_high"])
        out.attrs.update(ci_level=self.ci_level, coverage=float(out["inside"].mean()))
        return out

    def ppc_pairs(self, *, draws: int = 200, seed: int = 0) -> pd.DataFrame:
        """Posterior predictive check of the item-pair associations within each battery (Pearson correlations).

        The answers' correlations carry the loadings and the factor correlations; a pair outside its
        predictive interval points to a local dependence or a cross-loading the model lacks.

        Parameters
        ----------
        draws : int
            Posterior draws to simulate from.
        seed : int
            Seed of the draw selection and the simulated answers.

        Returns
        -------
        pandas.DataFrame
            Index (``battery``, ``item``, ``item_2``); ``observed`` and ``predicted`` correlation, ``ci_low``,
            ``ci_high``, ``inside``; ``attrs["coverage"]`` the share of pairs inside.

        Examples
        --------
        A fit is needed (it samples), so this line is skipped:

        >>> results.ppc_pairs().attrs["coverage"]  # doctest: +SKIP
        """
        lay = self.layout
        dense_obs, dense_rep = self._replicated_dense(draws, seed)
        iu = np.triu_indices(lay.J, 1)
        rows = []
        for b, battery in enumerate(lay.batteries):
            x = dense_obs[:, b, :]
            keep = np.isfinite(x).all(axis=1)  # respondents who answered every item of the battery
            if keep.sum() < 10:
                continue
            obs_r = np.corrcoef(x[keep].T)[iu]
            reps = np.stack([np.corrcoef(dense_rep[s, keep, b, :].T)[iu] for s in range(dense_rep.shape[0])])
            lo, hi = equal_tailed(reps, self.ci_level)
            for k, (i, j) in enumerate(zip(*iu, strict=True)):
                rows.append({"battery": battery, "item": lay.items[i], "item_2": lay.items[j], "observed": obs_r[k],
                             "predicted": reps[:, k].mean(), "ci_low": lo[k], "ci_high": hi[k]})
        out = pd.DataFrame(rows).set_index(["battery", "item", "item_2"])
        out["inside"] = (out["observed"] >= out["ci_low"]) & (out["observed"] <= out["ci_high"])
        out.attrs.update(ci_level=self.ci_level, coverage=float(out["inside"].mean()))
        return out

    def invariance_test(self, *, alpha: float = 0.05, draws: int = 400, seed: int = 0) -> pd.DataFrame:
        """Test each item's E/P invariance: a posterior predictive check of its mean answer difference P - E.

        Under invariance an item's offset, loading and cut-points are shared by the batteries, so the
        difference between a respondent's P and E answers to it follows from the latent levels alone. For
        each item, the observed mean of (P answer - E answer) over the respondents who answered both is
        set against its posterior predictive distribution (answers redrawn at every posterior draw, the
        respondents' own latent levels kept). An item whose batteries use it differently (a non-invariant
        item) sits in the tail. Items are flagged at ``alpha / items`` (Bonferroni), so a survey whose items
        are all invariant flags none in at least ``1 - alpha`` of surveys (posterior predictive p-values are
        conservative, so more often). Free a flagged item (or report within-battery results) before reading
        the latent gap of its dimension.

        Parameters
        ----------
        alpha : float
            Family-wise level over the items.
        draws : int
            Posterior draws to simulate from.
        seed : int
            Seed of the draw selection and the simulated answers.

        Returns
        -------
        pandas.DataFrame
            Index ``item``; ``dimension``, ``observed`` (mean P - E answer difference), ``predicted`` (its
            posterior predictive mean), ``z`` (standardised discrepancy), ``p_value`` (two-sided) and
            ``flagged``.

        Raises
        ------
        SpecError
            The fit has no E and P batteries under invariance.

        Examples
        --------
        A fit is needed (it samples), so this line is skipped:

        >>> results.invariance_test().query("flagged")  # doctest: +SKIP
        """
        lay = self.layout
        iE, iP = lay.index("E"), lay.index("P")
        if iE is None or iP is None or not lay.invariant:
            raise SpecError("the invariance test needs the E and P batteries fitted with invariance=True.")
        rng = np.random.default_rng(seed)
        p = self._params
        S = p["mu"].shape[0]
        pick = rng.choice(S, size=min(draws, S), replace=False)
        sim = simulate_answers({k: v[pick] for k, v in p.items()}, lay, rng)["answers"]  # (S', N)
        obs = lay.obs

        def item_means(cat: np.ndarray) -> np.ndarray:
            """Mean P - E category difference per item over respondents with both answers: (..., J)."""
            lead = cat.shape[:-1]
            dense = np.full((*lead, lay.n, lay.B, lay.J), np.nan)
            dense[..., obs.resp, obs.battery, obs.item] = cat
            diff = dense[..., iP, :] - dense[..., iE, :]  # (..., n, J)
            return np.nanmean(diff, axis=-2)

        both = np.isfinite(item_means(obs.cat.astype(float)))
        observed = item_means(obs.cat.astype(float))
        rep = np.concatenate([item_means(sim[i:i + 50].astype(float)) for i in range(0, sim.shape[0], 50)])
        upper = (rep >= observed[None]).mean(axis=0)
        lower = (rep <= observed[None]).mean(axis=0)
        pval = np.minimum(1.0, 2 * np.minimum(upper, lower))
        sd = rep.std(axis=0, ddof=1)
        out = pd.DataFrame({"dimension": np.asarray(lay.dims)[lay.item_dim], "observed": observed,
                            "predicted": rep.mean(axis=0), "z": (observed - rep.mean(axis=0)) / sd,
                            "p_value": pval}, index=pd.Index(lay.items, name="item"))
        out["flagged"] = (out["p_value"] < alpha / lay.J) & both
        out.attrs.update(alpha=alpha, draws=int(rep.shape[0]), threshold=alpha / lay.J)
        return out

    # ------------------------------------------------------------------ output
    def plot_gaps(self, ax=None):
        """Plot the latent gap P − E per dimension with its interval.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Where to draw (default: a new figure).

        Returns
        -------
        matplotlib.axes.Axes
            The axes drawn on.
        """
        from expectmodel.latent.plots import plot_gaps

        return plot_gaps(self.dimensions(), ci_level=self.ci_level, ax=ax)

    def plot_drivers(self, ax=None, scale: str = "sd"):
        """Draw a forest plot of driver coefficients by stage.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Where to draw (default: a new figure sized to the number of rows).
        scale : {"sd", "raw"}
            As in :meth:`drivers`.

        Returns
        -------
        matplotlib.axes.Axes
            The axes drawn on.
        """
        from expectmodel.latent.plots import plot_drivers

        return plot_drivers(self.drivers(scale=scale), ci_level=self.ci_level, ax=ax)

    def to_netcdf(self, path) -> None:
        """Write the posterior DataTree with the metadata and diagnostics as JSON attributes.

        ``expectmodel_meta`` holds ``meta.to_dict()`` (settings, sampler, seed, design, priors, versions),
        ``expectmodel_diagnostics`` the gates' findings, ``expectmodel_schema`` the schema name and version.

        Parameters
        ----------
        path : str or path-like
            The file to write (netCDF4 through h5netcdf).
        """
        tree = self.tree.copy()
        tree.attrs["expectmodel_schema"] = json.dumps({"schema": self.schema, "schema_version": self.schema_version})
        tree.attrs["expectmodel_meta"] = json.dumps(self.meta.to_dict(), default=str)
        tree.attrs["expectmodel_diagnostics"] = json.dumps(self.diagnostics.to_dict(), default=str)
        tree.to_netcdf(path, engine="h5netcdf")


@dataclass(frozen=True)
class PredictiveCheck:
    """Observed vs predicted category shares per battery (METHODS §6 steps 1 and 5).

    Returned by :meth:`LatentExpectations.prior_predictive` (``kind="prior"``) and
    :meth:`LatentResults.ppc` (``kind="posterior"``).

    Parameters
    ----------
    table : pandas.DataFrame
        Index (``block``, ``category``), a block per battery (and ``"satisfaction"``); columns
        ``observed`` (share of the answers), ``predicted`` (mean predictive share), ``ci_low`` and
        ``ci_high`` (equal-tailed interval of the predictive share).
    kind : str
        ``"prior"`` or ``"posterior"`` (shown in the plot's legend).
    ci_level : float
        Probability of the intervals.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"observed": [0.2, 0.5, 0.3], "predicted": [0.25, 0.45, 0.3],
    ...                       "ci_low": [0.21, 0.40, 0.25], "ci_high": [0.29, 0.50, 0.35]},
    ...                      index=pd.MultiIndex.from_product([["P"], [1, 2, 3]], names=["block", "category"]))
    >>> check = PredictiveCheck(table, kind="posterior", ci_level=0.9)
    >>> round(check.coverage, 3)  # category 1 lies outside its interval
    0.667
    >>> axes = check.plot()
    >>> [ax.get_title() for ax in axes]
    ['P']
    >>> import matplotlib.pyplot as plt
    >>> plt.close(axes[0].figure)
    """

    table: pd.DataFrame  # index (block, category): observed, predicted, ci_low, ci_high
    kind: str
    ci_level: float

    @classmethod
    def from_draws(cls, sim: dict, lay, data, *, kind: str, ci_level: float = 0.9) -> PredictiveCheck:
        """Compare category shares of simulated answers with the observed ones.

        Parameters
        ----------
        sim : dict of str to numpy.ndarray
            Simulated categories 0..K-1 at every observed cell: ``{"answers": (S, N)}`` and, with a
            link, ``"satisfaction": (S, N_sat)``, in the order of the layout's observations.
        lay : Layout
            The fit's internal layout (index arrays and sizes), built by the estimator.
        data : SurveyData
            The observed answers.
        kind : str
            ``"prior"`` or ``"posterior"``.
        ci_level : float
            Probability of the equal-tailed intervals.

        Returns
        -------
        PredictiveCheck
            One row per block and category.

        Examples
        --------
        The estimator builds the layout and the simulated answers; here the answers are simulated
        from the true parameters of a simulated survey (through the package's internal modules), so
        most observed shares fall inside their intervals:

        >>> import numpy as np
        >>> from expectmodel import latent
        >>> from expectmodel.latent._forward import simulate_answers
        >>> from expectmodel.latent._layout import LatentConfig, build_layout
        >>> sim = latent.simulate_latent(200, dimensions={"a": ("q1", "q2"), "b": ("q3", "q4")}, seed=1)
        >>> data = sim.design.prepare(sim.data)
        >>> lay = build_layout(LatentConfig(), sim.design, data)
        >>> truth = {k: np.repeat(sim.truth[k][None], 100, axis=0)
        ...          for k in ("mu", "delta", "loading", "sigma", "cut", "theta")}
        >>> answers = simulate_answers(truth, lay, np.random.default_rng(0))
        >>> check = PredictiveCheck.from_draws(answers, lay, data, kind="truth")
        >>> check.table.index.get_level_values("block").unique().tolist(), check.coverage > 0.7
        (['E', 'P'], True)
        """
        rows = []
        blocks = [(b, lay.obs.battery == i, lay.obs.cat, sim["answers"], lay.K, data.design.scale[0])
                  for i, b in enumerate(lay.batteries)]
        if lay.sat is not None and "satisfaction" in sim:
            blocks.append(("satisfaction", np.ones(lay.sat.cat.size, bool), lay.sat.cat, sim["satisfaction"],
                           lay.K_sat, data.design.satisfaction_scale[0]))
        for name, mask, obs_cat, draws, K, low in blocks:
            if not mask.any():  # e.g. expectations stated as probabilities: no categories to compare
                continue
            obs = np.bincount(obs_cat[mask], minlength=K) / mask.sum()
            x = draws[:, mask]
            share = np.stack([(x == k).mean(axis=1) for k in range(K)], axis=1)  # (S, K)
            lo, hi = equal_tailed(share, ci_level)
            for k in range(K):
                rows.append({"block": name, "category": low + k, "observed": obs[k], "predicted": share[:, k].mean(),
                             "ci_low": lo[k], "ci_high": hi[k]})
        table = pd.DataFrame(rows).set_index(["block", "category"])
        table.attrs["ci_level"] = ci_level
        return cls(table, kind, ci_level)

    @property
    def coverage(self) -> float:
        """Share of observed category frequencies inside the predictive interval."""
        t = self.table
        return float(((t.observed >= t.ci_low) & (t.observed <= t.ci_high)).mean())

    def plot(self, axes=None):
        """Plot the observed shares against the predictive intervals, one panel per block.

        Parameters
        ----------
        axes : sequence of matplotlib.axes.Axes, optional
            One axes per block (default: a new figure with a row of panels).

        Returns
        -------
        sequence of matplotlib.axes.Axes
            The axes drawn on.
        """
        from expectmodel.latent.plots import plot_predictive

        return plot_predictive(self, axes=axes)


def compare(fits: dict[str, LatentResults], var: str = "satisfaction") -> pd.DataFrame:
    """LOO comparison (stacking weights) of fitted models on the same respondents.

    Parameters
    ----------
    fits : dict of str to LatentResults
        Two or more fits of the same respondents.
    var : {"satisfaction", "answers"}
        Which per-respondent log-likelihood to compare on.

    Returns
    -------
    pandas.DataFrame
        arviz's comparison table (``elpd_diff``, ``dse``, ``weight``), best first.

    Raises
    ------
    SpecError
        Fewer than two fits, or fits of different numbers of respondents.

    Examples
    --------
    Comparing needs fitted models; the fits sample (seconds to minutes), so the lines that need
    them are skipped when the doctests run:

    >>> from expectmodel import latent
    >>> sim = latent.simulate_latent(300, link="gap", seed=1)
    >>> models = {link: latent.LatentExpectations(sim.design, link=link) for link in ("gap", "free", "perf")}
    >>> fits = {link: est.fit(sim.data) for link, est in models.items()}  # needs fits  # doctest: +SKIP
    >>> compare(fits, var="satisfaction")[["elpd_diff", "dse", "weight"]]  # doctest: +SKIP
    >>> compare({"gap": None})
    Traceback (most recent call last):
    ...
    expectmodel.errors.SpecError: compare needs at least two fitted models.
    """
    import arviz as az

    if len(fits) < 2:
        raise SpecError("compare needs at least two fitted models.")
    n = {k: f.layout.n for k, f in fits.items()}
    if len(set(n.values())) > 1:
        raise SpecError(f"models were fitted to different numbers of respondents: {n}.")
    return az.compare({k: f.loo(var) for k, f in fits.items()}, round_to="none")
