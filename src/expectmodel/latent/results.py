"""Results of a latent-expectation fit: tidy posterior tables, LOO, predictive checks, plots.

The posterior stays an ``xarray.DataTree`` (``results.tree``); every table is a
tidy pandas frame with the interval probability recorded in its column names
and in ``meta["settings"]["ci_prob"]``. Intervals are equal-tailed quantiles
computed here, so arviz's global ``rcParams`` never changes the output.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from expectmodel.errors import SpecError
from expectmodel.latent._forward import latent_levels, respondent_loglik, simulate_answers
from expectmodel.summary import Summary

__all__ = ["LatentResults", "PredictiveCheck", "compare"]


def _interval_table(draws: np.ndarray, prob: float, index: pd.Index, prefix: str = "") -> pd.DataFrame:
    """mean, sd and equal-tailed interval over the leading draw axis; rows follow ``index`` (flattened)."""
    x = draws.reshape(draws.shape[0], -1)
    lo, hi = np.quantile(x, [(1 - prob) / 2, (1 + prob) / 2], axis=0)
    pct = f"{prob:.0%}"
    return pd.DataFrame({f"{prefix}mean": x.mean(0), f"{prefix}sd": x.std(0, ddof=1),
                         f"{prefix}lower_{pct}": lo, f"{prefix}upper_{pct}": hi}, index=index)


@dataclass(eq=False)
class LatentResults:
    """A fitted :class:`~expectmodel.latent.LatentExpectations` model."""

    model: object
    layout: object
    data: object
    tree: object
    diagnostics: object
    meta: dict
    _cache: dict = field(default_factory=dict, repr=False)

    # ------------------------------------------------------------------ access
    @property
    def ci_prob(self) -> float:
        return self.meta["settings"]["ci_prob"]

    @property
    def posterior(self):
        return self.tree["posterior"]

    def draws(self, name: str) -> np.ndarray:
        """A posterior variable with chains and draws flattened into one leading axis."""
        if name not in self.posterior.data_vars:
            raise SpecError(f"{name!r} is not in the posterior; it has {', '.join(sorted(self.posterior.data_vars))}.")
        v = np.asarray(self.posterior[name].values)
        return v.reshape((-1, *v.shape[2:]))

    @cached_property
    def _params(self) -> dict:
        from expectmodel.latent._graph import _params_from

        return _params_from(self.posterior, self.layout, self.model)

    # ------------------------------------------------------------------ tables
    def dimensions(self) -> pd.DataFrame:
        """Latent level of each battery per dimension, the latent gap P − E and sigma_P, with intervals."""
        lay = self.layout
        mu = self.draws("mu")
        sig = self.draws("sigma")
        blocks = []
        for b, name in enumerate(lay.batteries):
            t = _interval_table(mu[:, b, :], self.ci_prob, pd.Index(lay.dims, name="dimension"))
            t.insert(0, "quantity", f"level_{name}")
            blocks.append(t)
        iE, iP = lay.index("E"), lay.index("P")
        if iE is not None and iP is not None and lay.invariant:
            gap = mu[:, iP, :] - mu[:, iE, :]
            t = _interval_table(gap, self.ci_prob, pd.Index(lay.dims, name="dimension"))
            t.insert(0, "quantity", "gap_P-E")
            t["prob_negative"] = (gap < 0).mean(0)
            blocks.append(t)
            t = _interval_table(sig[:, iP, :], self.ci_prob, pd.Index(lay.dims, name="dimension"))
            t.insert(0, "quantity", "sigma_P")
            blocks.append(t)
        return pd.concat(blocks).reset_index().set_index(["quantity", "dimension"])

    def items(self) -> pd.DataFrame:
        """Item loadings and offsets (per battery when invariance is off)."""
        lay = self.layout
        pb = ("shared",) if lay.invariant else lay.batteries
        idx = pd.MultiIndex.from_product([pb, lay.items], names=["battery", "item"])
        lam = _interval_table(self.draws("loading"), self.ci_prob, idx, "loading_")
        dlt = _interval_table(self.draws("delta"), self.ci_prob, idx, "offset_")
        out = lam.join(dlt)
        out.insert(0, "dimension", np.tile(np.asarray(lay.dims)[lay.item_dim], len(pb)))
        return out

    def cutpoints(self) -> pd.DataFrame:
        lay = self.layout
        pb = ("shared",) if lay.invariant else lay.batteries
        idx = pd.MultiIndex.from_product([pb, [f"{k}|{k + 1}" for k in range(1, lay.K)]],
                                         names=["battery", "cutpoint"])
        return _interval_table(self.draws("cut"), self.ci_prob, idx)

    def scores(self) -> pd.DataFrame:
        """Person-level latent E*, P* and gap G* = P* − E* per dimension (posterior mean, sd, interval).

        Tidy: one row per respondent × dimension.
        """
        key = "scores"
        if key not in self._cache:
            lay = self.layout
            lev = latent_levels(self._params)  # (S, n, B, D)
            idx = pd.MultiIndex.from_product([self.data.index, lay.dims], names=["respondent", "dimension"])
            parts = []
            for b, name in enumerate(lay.batteries):
                parts.append(_interval_table(lev[:, :, b, :], self.ci_prob, idx, f"{name}_"))
            iE, iP = lay.index("E"), lay.index("P")
            if iE is not None and iP is not None and lay.invariant:
                gap = lev[:, :, iP, :] - lev[:, :, iE, :]
                g = _interval_table(gap, self.ci_prob, idx, "gap_")
                g["gap_prob_negative"] = (gap < 0).reshape(gap.shape[0], -1).mean(0)
                parts.append(g)
            out = pd.concat(parts, axis=1)
            if "P" in lay.batteries and self.model.design.no_perception:
                absent = np.isin(np.asarray(lay.stages, dtype=object)[lay.stage], self.model.design.no_perception)
                cols = [c for c in out.columns if c.startswith(("P_", "gap_"))]
                out.loc[np.repeat(absent, lay.D), cols] = np.nan
            self._cache[key] = out
        return self._cache[key]

    def score_reliability(self) -> pd.DataFrame:
        """Empirical reliability of the person scores per battery × dimension.

        var(posterior means) / (var(posterior means) + mean posterior variance); its square
        root is the expected correlation of the posterior-mean scores with the true levels.
        """
        sc = self.scores()
        rows = []
        for b in self.layout.batteries:
            for dim in self.layout.dims:
                t = sc.xs(dim, level="dimension")[[f"{b}_mean", f"{b}_sd"]].dropna()
                v = t[f"{b}_mean"].var(ddof=1)
                rows.append({"battery": b, "dimension": dim,
                             "reliability": v / (v + np.mean(np.square(t[f"{b}_sd"])))})
        return pd.DataFrame(rows).set_index(["battery", "dimension"])

    def link(self) -> pd.DataFrame:
        """Satisfaction-link coefficients beta_P, beta_E and their sum (0: the gap form holds)."""
        if self.model.link is None:
            raise SpecError("this model has no satisfaction link; fit with link='gap', 'free' or 'perf'.")
        idx = pd.Index(self.layout.dims, name="dimension")
        out = []
        for name in ("beta_P", "beta_E", "beta_sum"):
            t = _interval_table(self.draws(name), self.ci_prob, idx)
            t.insert(0, "coefficient", name)
            out.append(t)
        return pd.concat(out).reset_index().set_index(["coefficient", "dimension"])

    def drivers(self, scale: str = "sd") -> pd.DataFrame:
        """Driver coefficients Gamma by stage (and the pooled mean): associations, not causal effects.

        ``scale="sd"``: per standard deviation of the driver; ``"raw"``: per unit.
        """
        lay = self.layout
        if lay.drivers is None or "Gamma" not in self.posterior:
            raise SpecError("this model has no drivers; declare Design(drivers=[...]) and fit with drivers=True.")
        if scale not in ("sd", "raw"):
            raise SpecError(f"scale must be 'sd' or 'raw', got {scale!r}.")
        names = list(self.model.design.drivers)
        div = lay.driver_sd[None, :, None] if scale == "raw" else 1.0
        g = self.draws("Gamma") / div
        gm = self.draws("Gamma_mean") / (div[0] if scale == "raw" else 1.0)
        idx = pd.MultiIndex.from_product([lay.stages, names, lay.dims], names=["stage", "driver", "dimension"])
        t = _interval_table(g, self.ci_prob, idx)
        idx_m = pd.MultiIndex.from_product([["pooled"], names, lay.dims], names=["stage", "driver", "dimension"])
        return pd.concat([_interval_table(gm, self.ci_prob, idx_m), t])

    def correlations(self) -> pd.DataFrame:
        """Posterior mean correlation of the battery × dimension factors."""
        lab = [f"{b}:{d}" for b in self.layout.batteries for d in self.layout.dims]
        if "corr" not in self.posterior:
            return pd.DataFrame([[1.0]], index=lab, columns=lab)
        return pd.DataFrame(self.draws("corr").mean(0), index=lab, columns=lab)

    def parameters(self) -> pd.DataFrame:
        """arviz summary (mean, sd, ETI, R-hat, ESS) of the identified parameters, at ``ci_prob``."""
        import arviz as az

        return az.summary(self.tree, var_names=list(self.meta["identified"]), ci_prob=self.ci_prob,
                          ci_kind="eti", round_to="none")

    # ------------------------------------------------------------------ LOO
    def log_likelihood(self) -> dict[str, np.ndarray]:
        """Per-respondent log-likelihood (chain, draw, respondent) for ``"answers"`` and ``"satisfaction"``."""
        if "loglik" not in self._cache:
            post = self.posterior
            c, d = post.sizes["chain"], post.sizes["draw"]
            ll = respondent_loglik(self._params, self.layout)
            self._cache["loglik"] = {k: v.reshape(c, d, -1) for k, v in ll.items()}
        return self._cache["loglik"]

    def _log_likelihood_dataset(self):
        import xarray as xr

        return xr.Dataset({k: (("chain", "draw", "respondent"), v) for k, v in self.log_likelihood().items()},
                          coords={"respondent": self.posterior["respondent"].values})

    def store_log_likelihood(self) -> None:
        """Add the per-respondent log-likelihood as the tree's ``log_likelihood`` group (METHODS §6.4)."""
        if "log_likelihood" not in self.tree.children:
            self.tree["log_likelihood"] = self._log_likelihood_dataset()

    def _loo_tree(self):
        import xarray as xr

        return xr.DataTree.from_dict({"posterior": self.posterior.to_dataset()[["mu"]],
                                      "log_likelihood": self._log_likelihood_dataset()})

    def loo(self, var: str = "satisfaction"):
        """Leave-one-respondent-out PSIS-LOO on ``var`` ("satisfaction" or "answers")."""
        import arviz as az

        ll = self.log_likelihood()
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
                              UserWarning, stacklevel=2)
            self._cache[key] = loo
        return self._cache[key]

    # ------------------------------------------------------------------ predictive
    def ppc(self, *, draws: int = 200, seed: int = 0) -> PredictiveCheck:
        """Posterior predictive category frequencies per battery (and satisfaction) vs the observed ones."""
        rng = np.random.default_rng(seed)
        p = self._params
        S = p["mu"].shape[0]
        pick = rng.choice(S, size=min(draws, S), replace=False)
        sim = simulate_answers({k: v[pick] for k, v in p.items()}, self.layout, self.model, rng)
        return PredictiveCheck.from_draws(sim, self.layout, self.data, kind="posterior", ci_prob=self.ci_prob)

    # ------------------------------------------------------------------ output
    def summary(self) -> Summary:
        s = Summary("Latent expectations (Bayesian graded-response model)")
        st = self.meta["settings"]
        dg = self.diagnostics
        s.facts.update({
            "respondents": str(self.layout.n), "items": str(self.layout.J),
            "batteries": ", ".join(self.layout.batteries), "scale": "{}-{}".format(*self.model.design.scale),
            "link": str(st["link"]), "invariance": str(st["invariance"]),
            "sampler": f"{st['sampler']} ({st['method']})", "draws": f"{st['chains']} x ({st['tune']}+{st['draws']})",
            "max R-hat": f"{dg.max_rhat:.3f}", "min ESS bulk": f"{dg.min_ess_bulk:.0f}",
            "divergences": str(dg.divergences), "gates": "passed" if dg.passed else "FAILED",
            "seed": str(st["seed"]), "interval": f"{self.ci_prob:.0%} equal-tailed",
        })
        s.add_table("Dimension levels, latent gap and perception scale", self.dimensions())
        if self.model.link is not None:
            s.add_table("Satisfaction link", self.link())
        if self.layout.drivers is not None and "Gamma_mean" in self.posterior:
            s.add_table("Drivers of expectations (pooled over stages, per SD)",
                        self.drivers().loc["pooled"])
        if not dg.passed:
            s.notes.append("Convergence gates FAILED: " + "; ".join(dg.failures))
        s.notes.append("Levels are on the logit scale relative to the centred thresholds (scale midpoint = 0).")
        return s

    def __repr__(self) -> str:
        return str(self.summary())

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()

    def plot_gaps(self, ax=None):
        """Latent gap P − E per dimension with its interval."""
        from expectmodel.latent.plots import plot_gaps

        return plot_gaps(self.dimensions(), ci_prob=self.ci_prob, ax=ax)

    def plot_drivers(self, ax=None, scale: str = "sd"):
        """Forest plot of driver coefficients by stage."""
        from expectmodel.latent.plots import plot_drivers

        return plot_drivers(self.drivers(scale=scale), ci_prob=self.ci_prob, ax=ax)

    def to_netcdf(self, path) -> None:
        """Write the posterior DataTree with the settings, design and versions as JSON attributes."""
        tree = self.tree.copy()
        tree.attrs["expectmodel_meta"] = json.dumps(self.meta, default=str)
        tree.attrs["expectmodel_diagnostics"] = json.dumps(self.diagnostics.to_dict(), default=str)
        tree.to_netcdf(path, engine="h5netcdf")


@dataclass(frozen=True)
class PredictiveCheck:
    """Observed vs predicted category shares per battery (METHODS §6 steps 1 and 5)."""

    table: pd.DataFrame  # index (block, category): observed, mean, lower, upper
    kind: str
    ci_prob: float

    @classmethod
    def from_draws(cls, sim: dict, lay, data, *, kind: str, ci_prob: float = 0.9) -> PredictiveCheck:
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
            lo, hi = np.quantile(share, [(1 - ci_prob) / 2, (1 + ci_prob) / 2], axis=0)
            for k in range(K):
                rows.append({"block": name, "category": low + k, "observed": obs[k], "predicted": share[:, k].mean(),
                             "lower": lo[k], "upper": hi[k]})
        return cls(pd.DataFrame(rows).set_index(["block", "category"]), kind, ci_prob)

    @property
    def coverage(self) -> float:
        """Share of observed category frequencies inside the predictive interval."""
        t = self.table
        return float(((t.observed >= t.lower) & (t.observed <= t.upper)).mean())

    def plot(self, axes=None):
        from expectmodel.latent.plots import plot_predictive

        return plot_predictive(self, axes=axes)


def compare(fits: dict[str, LatentResults], var: str = "satisfaction") -> pd.DataFrame:
    """LOO comparison (stacking weights) of fitted models on the same respondents."""
    import arviz as az

    if len(fits) < 2:
        raise SpecError("compare needs at least two fitted models.")
    n = {k: f.layout.n for k, f in fits.items()}
    if len(set(n.values())) > 1:
        raise SpecError(f"models were fitted to different numbers of respondents: {n}.")
    return az.compare({k: f.loo(var) for k, f in fits.items()}, round_to="none")
