"""Posterior predictive checks of a latent-expectation fit: category frequencies (overall and per item), item
means, item-pair associations, the per-item invariance test and LOO-PIT of the satisfaction link (a mixin of
:class:`~expectmodel.latent.LatentResults`), and :class:`PredictiveCheck`."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from expectmodel.errors import SpecError
from expectmodel.inference import equal_tailed
from expectmodel.latent._forward import simulate_answers

__all__ = ["PredictiveCheck", "_ChecksMixin"]


class _ChecksMixin:
    """Posterior predictive checks and LOO-PIT."""

    def loo_pit(self, *, seed: int = 0) -> pd.DataFrame:
        """LOO-PIT of the satisfaction answers: the calibration check of the satisfaction link (METHODS §6.5).

        For each respondent and satisfaction item, the leave-one-respondent-out predictive probability of an
        answer at or below the observed one, Pr(s~ <= s | the other respondents), from the PSIS weights of
        :meth:`loo` on ``"satisfaction"`` and, at each posterior draw, the item's category probabilities given
        the respondent's latent levels (the shared satisfaction residual integrated out). The answers are
        ordinal, so the PIT is randomised within the observed category: u = F(s - 1) + v (F(s) - F(s - 1)),
        v ~ U(0, 1), which is exactly uniform under the model. A U-shape (too many values near 0 and 1)
        means overconfident predictions, a hump underdispersed data, a slope a shifted link.

        Parameters
        ----------
        seed : int
            Seed of the randomisation within categories.

        Returns
        -------
        pandas.DataFrame
            Index (``respondent``, ``item``); ``pit`` and the respondent's ``pareto_k``. ``attrs``: ``ks``
            (Kolmogorov-Smirnov distance from the uniform) and ``ks_p_value`` (approximate: a respondent's
            items share a residual, so their PITs are not independent), ``n_high_k``.

        Raises
        ------
        SpecError
            The fit has no satisfaction link.

        Examples
        --------
        A fit is needed (it samples), so these lines are skipped:

        >>> pit = results.loo_pit()  # doctest: +SKIP
        >>> pit.attrs["ks_p_value"], results.plot_loo_pit()  # doctest: +SKIP
        """
        from scipy import stats
        from scipy.special import expit, logsumexp

        from expectmodel.latent._forward import residual_quadrature, satisfaction_eta

        if self.config.link is None:
            raise SpecError("LOO-PIT checks the satisfaction link; this model has none (fit with link=...).")
        lay = self.layout
        res = self.loo("satisfaction")
        keep = np.unique(lay.sat.resp)
        labels = np.asarray(self.data.index)[keep]
        order = np.argsort(labels, kind="stable")
        rows = keep[order]  # respondent positions in the loo result's order
        lw = np.asarray(res.log_weights.transpose("respondent", "chain", "draw").values).reshape(rows.size, -1)
        w = np.exp(lw - logsumexp(lw, axis=1, keepdims=True))  # (m, S) normalised smoothed weights
        p = self._params
        eta = satisfaction_eta(p, lay.index("E"), lay.index("P"))[:, rows]  # (S, m)
        if "sat_resid_sd" in p and lay.sat_quadrature:
            x, logw = residual_quadrature(lay.sat_quadrature)
            shift = np.asarray(p["sat_resid_sd"])[:, None, None] * x  # (S, 1, Q)
            qw = np.exp(logw)
        else:
            shift, qw = np.zeros((1, 1, 1)), np.ones(1)
        cut = np.asarray(p["sat_cut"])  # (S, items, K_s - 1)
        rng = np.random.default_rng(seed)
        out = []
        for i, item in enumerate(lay.sat_items):
            answered = lay.sat_answered[rows, i]
            y = lay.sat_cat[rows, i]
            # cdf at the observed category and the one below, per draw: (S, m)
            def cdf(k, i=i):
                kk = np.clip(k, 0, lay.K_sat - 2)
                c = np.take_along_axis(cut[:, i, :], np.broadcast_to(kk, (cut.shape[0], kk.size)), axis=1)
                val = (expit(c[..., None] - eta[..., None] - shift) * qw).sum(-1)
                return np.where(k < 0, 0.0, np.where(k >= lay.K_sat - 1, 1.0, val))

            hi = (w * cdf(y).T).sum(axis=1)
            lo = (w * cdf(y - 1).T).sum(axis=1)
            u = lo + rng.uniform(size=y.size) * (hi - lo)
            out.append(pd.DataFrame({"respondent": labels[order][answered], "item": item, "pit": u[answered],
                                     "pareto_k": np.asarray(res.pareto_k)[answered]}))
        table = pd.concat(out).set_index(["respondent", "item"])
        ks = stats.kstest(table["pit"].to_numpy(), "uniform")
        table.attrs.update(ks=float(ks.statistic), ks_p_value=float(ks.pvalue), seed=seed,
                           n_high_k=int((np.asarray(res.pareto_k) > 0.7).sum()))
        return table

    def plot_loo_pit(self, ax=None, *, seed: int = 0):
        """Plot the LOO-PIT ECDF minus the uniform's, with a 90% simultaneous band for uniform values.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Where to draw (default: a new figure).
        seed : int
            Seed of :meth:`loo_pit` and of the band's simulation.

        Returns
        -------
        matplotlib.axes.Axes
            The axes drawn on.

        Examples
        --------
        A fit with a satisfaction link is needed (it samples), so this line is skipped:

        >>> ax = results.plot_loo_pit()  # doctest: +SKIP
        """
        from expectmodel.latent.plots import plot_loo_pit

        return plot_loo_pit(self.loo_pit(seed=seed), ax=ax, seed=seed)

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

    def ppc_items(self, *, draws: int = 200, seed: int = 0, statistic: str = "mean") -> pd.DataFrame:
        """Posterior predictive check per battery and item: mean answer or category shares against their intervals.

        Parameters
        ----------
        draws : int
            Posterior draws to simulate from.
        seed : int
            Seed of the draw selection and the simulated answers.
        statistic : {"mean", "category"}
            ``"mean"``: the item's mean answer; ``"category"``: the share of each answer category per item
            (the item-level category frequencies: a misfit of the thresholds shows here first).

        Returns
        -------
        pandas.DataFrame
            Index (``battery``, ``item``), plus ``category`` for ``statistic="category"``; ``observed`` and
            ``predicted`` (mean answer on the answer scale, or category share), ``ci_low``, ``ci_high`` (at
            ``ci_level``) and ``inside``; ``attrs["coverage"]`` the share inside.

        Examples
        --------
        A fit is needed (it samples), so this line is skipped:

        >>> results.ppc_items().query("not inside")  # doctest: +SKIP
        """
        lay = self.layout
        low = self.design.scale[0]
        if statistic not in ("mean", "category"):
            raise SpecError(f"statistic must be 'mean' or 'category'; got {statistic!r}.")
        dense_obs, dense_rep = self._replicated_dense(draws, seed)
        if statistic == "category":
            ok = np.isfinite(dense_obs)  # (n, B, J)
            count = ok.sum(axis=0)
            with np.errstate(invalid="ignore", divide="ignore"):
                observed = np.stack([((dense_obs == k) & ok).sum(0) / count for k in range(lay.K)], axis=-1)
                rep = np.stack([(dense_rep == k).sum(1) / count for k in range(lay.K)], axis=-1)  # (S, B, J, K)
            lo, hi = equal_tailed(rep.reshape(rep.shape[0], -1), self.ci_level)
            idx = pd.MultiIndex.from_product([lay.batteries, lay.items, range(low, low + lay.K)],
                                             names=["battery", "item", "category"])
            out = pd.DataFrame({"observed": observed.ravel(), "predicted": rep.mean(0).ravel(), "ci_low": lo,
                                "ci_high": hi}, index=idx).dropna(subset=["observed"])
            out["inside"] = (out["observed"] >= out["ci_low"]) & (out["observed"] <= out["ci_high"])
            out.attrs.update(ci_level=self.ci_level, coverage=float(out["inside"].mean()), statistic=statistic)
            return out
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

    def ppc_pairs(self, *, draws: int = 200, seed: int = 0, method: str = "pearson") -> pd.DataFrame:
        """Posterior predictive check of the item-pair associations within each battery.

        The answers' correlations carry the loadings and the factor correlations; a pair outside its
        predictive interval points to a local dependence or a cross-loading the model lacks.

        Parameters
        ----------
        draws : int
            Posterior draws to simulate from.
        seed : int
            Seed of the draw selection and the simulated answers.
        method : {"pearson", "spearman"}
            Pearson correlation of the answer codes, or Spearman's rank correlation (mid-ranks for ties: it
            uses only the order of the categories, as the ordinal model does).

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
        from scipy.stats import rankdata

        if method not in ("pearson", "spearman"):
            raise SpecError(f"method must be 'pearson' or 'spearman'; got {method!r}.")
        lay = self.layout
        dense_obs, dense_rep = self._replicated_dense(draws, seed)
        iu = np.triu_indices(lay.J, 1)
        rank = (lambda v: rankdata(v, axis=0)) if method == "spearman" else (lambda v: v)
        rows = []
        for b, battery in enumerate(lay.batteries):
            x = dense_obs[:, b, :]
            keep = np.isfinite(x).all(axis=1)  # respondents who answered every item of the battery
            if keep.sum() < 10:
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # a constant replicated item: NaN correlation
                obs_r = np.corrcoef(rank(x[keep]).T)[iu]
                reps = np.stack([np.corrcoef(rank(dense_rep[s, keep, b, :]).T)[iu]
                                 for s in range(dense_rep.shape[0])])
            lo, hi = equal_tailed(reps, self.ci_level)
            for k, (i, j) in enumerate(zip(*iu, strict=True)):
                rows.append({"battery": battery, "item": lay.items[i], "item_2": lay.items[j], "observed": obs_r[k],
                             "predicted": reps[:, k].mean(), "ci_low": lo[k], "ci_high": hi[k]})
        out = pd.DataFrame(rows).set_index(["battery", "item", "item_2"])
        out["inside"] = (out["observed"] >= out["ci_low"]) & (out["observed"] <= out["ci_high"])
        out.attrs.update(ci_level=self.ci_level, coverage=float(out["inside"].mean()), method=method)
        return out

    def invariance_test(self, *, alpha: float = 0.05, draws: int = 400, seed: int = 0) -> pd.DataFrame:
        """Test each item's E/P invariance against its dimension's other items (a step-down predictive check).

        Under invariance an item's offset, loading and cut-points are shared by the batteries, so the mean
        difference between respondents' P and E answers to it follows from the latent levels. A shift shared by
        all items of a dimension is its latent gap and cannot be told from one, so each item is set against
        its dimension's other items, its **anchors**: the statistic is the item's mean P - E answer
        difference minus the mean of its anchors' (each over the respondents who answered both batteries).
        Its reference distribution comes from the model, at posterior draws, with new respondents drawn from
        the fitted population (levels from the population means, drivers and correlations, scale usage from
        its population SDs, answers from the measurement model, on the observed respondents' answered
        cells): a *mixed* predictive check. It does not reuse the answers through the respondents' own
        fitted levels, so it is much less conservative than a posterior predictive check; the item
        parameters are still fitted to the same answers, which keeps it somewhat conservative (replication
        study: z SD 0.9 on invariant surveys, 0.7 for some items).

        The items are tested step-down: the most discrepant item is flagged when its two-sided p-value is
        below ``alpha / m`` (``m`` unflagged items that still have anchors), is dropped from the others'
        anchors, and the remaining items are tested again, until none passes. This is a Holm-type step-down
        whose statistics are recomputed without the flagged items, so the family-wise level is exact only at
        the first step. Without the step-down, one non-invariant item would pull its anchors' statistics the
        other way. On a survey whose items are all invariant, no item is flagged in at least about
        ``1 - alpha`` of surveys. The contrasts assume that most items of a dimension are invariant: if half
        of a dimension's items shift alike, the invariant half is as likely to be flagged.

        An item needs at least two anchors: with one, the two items' contrasts are mirror images and cannot
        tell which one moved, so items of a two-item dimension (or the last two of a dimension) are not
        tested. Items freed with ``free_items`` are not tested and do not anchor. Free a flagged item
        (``free_items=...``) and refit before reading its dimension's latent gap.

        Parameters
        ----------
        alpha : float
            Family-wise level over the items.
        draws : int
            Posterior draws to simulate from.
        seed : int
            Seed of the draw selection and the simulated respondents and answers.

        Returns
        -------
        pandas.DataFrame
            Index ``item``; ``dimension``, ``observed`` (the item's mean P - E answer difference minus its
            anchors'), ``predicted`` (its predictive mean), ``z`` (standardised discrepancy), ``p_value``
            (two-sided, from z: a mean over respondents is approximately normal), ``anchors`` (how many items it was set
            against, at the step it was last tested), ``step`` (the step at which it was flagged; 0 if not)
            and ``flagged``. Untested items have NaN statistics. ``attrs`` hold ``alpha``, ``draws`` and
            ``threshold`` (the first step's cut-off, ``alpha`` over the items tested; None if none can be).

        Raises
        ------
        SpecError
            The fit has no E and P batteries under invariance, or its expectations are stated as probabilities.

        Examples
        --------
        A fit is needed (it samples), so this line is skipped:

        >>> results.invariance_test().query("flagged")  # doctest: +SKIP
        """
        lay = self.layout
        iE, iP = lay.index("E"), lay.index("P")
        if iE is None or iP is None or not lay.invariant:
            raise SpecError("the invariance test needs the E and P batteries fitted with invariance=True.")
        if lay.prob is not None:
            raise SpecError("the invariance test needs ordinal E and P answers; the E battery is stated as "
                            "probabilities, so compare the batteries' item parameters by LOO instead (METHODS §2).")
        rng = np.random.default_rng(seed)
        p = self._params
        S = p["mu"].shape[0]
        pick = rng.choice(S, size=min(draws, S), replace=False)
        q = {k: v[pick] for k, v in p.items()}
        corr = self.draws("corr")[pick] if "corr" in self.posterior.data_vars else None
        q["theta"] = population_levels(q, lay, corr, rng)
        if "shift" in q:  # scale usage: new respondents' shift and stretch from their population SDs
            q["shift"] = self.draws("shift_sd")[pick][:, None] * rng.standard_normal((pick.size, lay.n))
            q["stretch"] = np.exp(self.draws("stretch_sd")[pick][:, None] * rng.standard_normal((pick.size, lay.n)))
        sim = simulate_answers(q, lay, rng)["answers"]  # (S', N)
        observed = answer_differences(lay.obs.cat.astype(float), lay, iE, iP)
        rep = np.concatenate([answer_differences(sim[i:i + 50].astype(float), lay, iE, iP)
                              for i in range(0, sim.shape[0], 50)])
        free = set(getattr(self.config, "free_items", ()) or ())
        testable = np.isfinite(observed) & np.array([it not in free for it in lay.items])
        out = stepdown_contrasts(observed, rep, lay.item_dim, testable, alpha)
        out.insert(0, "dimension", np.asarray(lay.dims)[lay.item_dim])
        out.index = pd.Index(lay.items, name="item")
        out.attrs.update(alpha=alpha, draws=int(rep.shape[0]))
        return out


def answer_differences(cat: np.ndarray, lay, iE: int, iP: int) -> np.ndarray:
    """Mean P - E answer difference per item over the respondents who answered both: (..., J) from the
    categories of the layout's observed cells (..., N); NaN for an item nobody answered in both batteries."""
    obs = lay.obs
    dense = np.full((*cat.shape[:-1], lay.n, lay.B, lay.J), np.nan)
    dense[..., obs.resp, obs.battery, obs.item] = cat
    diff = dense[..., iP, :] - dense[..., iE, :]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an item without paired answers: NaN, reported
        return np.nanmean(diff, axis=-2)


def population_levels(p: dict, lay, corr: np.ndarray | None, rng: np.random.Generator) -> np.ndarray:
    """New respondents' standardised levels theta (S, n, B, D) from the fitted population, one set per draw:
    the drivers' shift of the E levels (at the observed respondents' drivers and stages) plus correlated
    N(0, 1) deviations (``corr``: the (S, F, F) factor correlations, battery-major; None for independent)."""
    S, (n, B, D) = p["mu"].shape[0], (lay.n, lay.B, lay.D)
    z = rng.standard_normal((S, n, B * D))
    if corr is not None:
        z = z @ np.swapaxes(np.linalg.cholesky(corr), -1, -2)
    theta = z.reshape((S, n, B, D))
    if "Gamma" in p and lay.drivers is not None and lay.index("E") is not None:
        theta[:, :, lay.index("E"), :] += np.einsum("nq,snqd->snd", lay.drivers, p["Gamma"][:, lay.stage])
    return theta


def stepdown_contrasts(observed: np.ndarray, rep: np.ndarray, item_dim: np.ndarray, testable: np.ndarray,
                       alpha: float) -> pd.DataFrame:
    """Holm step-down test of each item's statistic against the mean of its dimension's unflagged others.

    ``observed`` (J,) and its predictive replicates ``rep`` (S, J); at each step every unflagged testable item
    with at least two anchors is tested, and the one with the largest |z| is flagged if its p-value is below
    ``alpha / (items tested at this step)``. Returns one row per item: observed, predicted, z, p_value, anchors, step,
    flagged.
    """
    J = observed.size
    flagged = np.zeros(J, dtype=bool)
    step = np.zeros(J, dtype=int)
    cols = {k: np.full(J, np.nan) for k in ("observed", "predicted", "z", "p_value")}
    anchors = np.zeros(J, dtype=int)
    first = None
    while True:
        for j in np.flatnonzero(testable & ~flagged):
            ref = np.flatnonzero((item_dim == item_dim[j]) & testable & ~flagged & (np.arange(J) != j))
            anchors[j] = ref.size
            if ref.size < 2:  # one anchor: the pair's contrasts mirror each other and cannot tell which moved
                for v in cols.values():
                    v[j] = np.nan
                continue
            o = observed[j] - observed[ref].mean()
            r = rep[:, j] - rep[:, ref].mean(axis=1)
            cols["observed"][j], cols["predicted"][j] = o, r.mean()
            sd = r.std(ddof=1)
            cols["z"][j] = (o - r.mean()) / sd if sd > 0 else np.nan
        # a mean over the respondents (mixed over posterior draws): approximately normal, so the p-value comes
        # from z (the replicates' mean and SD), which resolves the small tails that alpha / items asks for
        cols["p_value"] = 2 * norm.sf(np.abs(cols["z"]))
        live = np.flatnonzero(testable & ~flagged & np.isfinite(cols["p_value"]))
        if not live.size:
            break
        threshold = alpha / live.size
        first = threshold if first is None else first
        worst = live[np.argmax(np.abs(cols["z"][live]))]
        if cols["p_value"][worst] >= threshold:
            break
        flagged[worst] = True
        step[worst] = int(flagged.sum())
    out = pd.DataFrame({**cols, "anchors": anchors, "step": step, "flagged": flagged})
    out.attrs["threshold"] = first
    return out


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
