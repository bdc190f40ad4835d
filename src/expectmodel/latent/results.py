"""Results of a latent-expectation fit: the tidy parameter table, posterior tables, LOO, predictive checks, plots.

The methods live by idea in private modules, mixed into :class:`LatentResults`: person-level scores, bands and
scoring (``_scores``), predictive checks and :class:`PredictiveCheck` (``_checks``), LOO, K-fold, prior
sensitivity and :func:`compare` (``_comparison``).

:class:`LatentResults` follows the package's results contract (:mod:`expectmodel.results`): it is frozen,
holds the :class:`~expectmodel.latent.Design` (not the estimator), a frozen :class:`~expectmodel.results.Meta`,
and offers ``to_frame()`` (one row per parameter, :data:`~expectmodel.results.PARAMETER_COLUMNS` first),
``conf_int(level)`` from the posterior draws, ``summary(digits)`` and ``to_dict()``. The posterior stays an
``xarray.DataTree`` (``results.tree``, with the per-respondent ``log_likelihood`` group). Every interval is
an equal-tailed posterior quantile interval computed here, in the columns ``ci_low``/``ci_high`` with the
level in ``frame.attrs["ci_level"]``, so arviz's global ``rcParams`` never changes the output.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from expectmodel.errors import SpecError
from expectmodel.inference import equal_tailed
from expectmodel.latent._checks import PredictiveCheck, _ChecksMixin
from expectmodel.latent._comparison import _ComparisonMixin, compare
from expectmodel.latent._layout import LatentConfig, Layout
from expectmodel.latent._scores import _ScoresMixin
from expectmodel.latent._tables import _interval_table, _with_level
from expectmodel.latent.design import Design, SurveyData
from expectmodel.results import KEY_COLUMNS, PARAMETER_COLUMNS, Meta, ResultsBase, thaw
from expectmodel.summary import Summary

__all__ = ["LatentResults", "PredictiveCheck", "compare"]


@dataclass(frozen=True, eq=False, repr=False)
class LatentResults(_ScoresMixin, _ChecksMixin, _ComparisonMixin, ResultsBase):
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
    >>> res.loo_pit().attrs["ks_p_value"]; ax = res.plot_loo_pit()  # doctest: +SKIP
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
