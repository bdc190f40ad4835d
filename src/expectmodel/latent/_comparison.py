"""Predictive accuracy of a latent-expectation fit: the stored log-likelihood, PSIS-LOO, the held-out density for
grouped K-fold, prior sensitivity, and :func:`compare` with the nested-model selection rule (a mixin of
:class:`~expectmodel.latent.LatentResults`)."""

from __future__ import annotations

import contextlib
import io
import warnings
from typing import Any

import numpy as np
import pandas as pd

from expectmodel.errors import DataWarning, SpecError
from expectmodel.latent.design import SurveyData

__all__ = ["_ComparisonMixin", "compare"]


class _ComparisonMixin:
    """Leave-one-respondent-out and K-fold predictive accuracy, and prior sensitivity."""

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
            "log_likelihood": self._log_likelihood_group().to_dataset(),
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
    def _log_likelihood_group(self):
        """The tree's ``log_likelihood`` group, or a SpecError saying why a fit has none and what to use instead."""
        if "log_likelihood" not in self.tree.children:
            method = dict(self.meta.extra.get("sampler", {})).get("method")
            raise SpecError(
                f"this fit (method={method!r}) stored no pointwise log-likelihood: minibatch ADVI never passes "
                f"over every respondent at once, which is what storing it per draw would take. Compare models by "
                f"grouped K-fold (expectmodel.sampling.elpd.kfold, through heldout_log_likelihood), or refit a "
                f"subsample with method='nuts' for PSIS-LOO.")
        return self.tree["log_likelihood"]

    def log_likelihood(self) -> dict[str, np.ndarray]:
        """Return the per-respondent log-likelihood stored in the tree's ``log_likelihood`` group at fit time.

        Returns
        -------
        dict of str to numpy.ndarray
            ``"answers"`` (and ``"satisfaction"`` with a link) -> (chain, draw, respondent) array.
        """
        group = self._log_likelihood_group()
        return {k: np.asarray(group[k].values) for k in group.data_vars}

    def loo(self, var: str | None = None):
        """Compute leave-one-respondent-out PSIS-LOO on ``var`` (:func:`expectmodel.sampling.elpd.loo`).

        Respondents with a Pareto k-hat above 0.7 are reported in a ``DataWarning`` that names grouped
        K-fold (:func:`expectmodel.sampling.elpd.kfold`, through :meth:`heldout_log_likelihood`) as the
        remedy. On ``"answers"`` most respondents exceed it (their own answers inform their latent levels
        strongly), so compare measurement models by K-fold, or read a PSIS comparison as approximate.

        Parameters
        ----------
        var : {"satisfaction", "answers"}, optional
            Which per-respondent log-likelihood to use (only respondents with satisfaction answers for
            ``"satisfaction"``). Default: ``"satisfaction"`` with a link, ``"answers"`` without.

        Returns
        -------
        arviz ELPDData
            The shared PSIS-LOO result (``elpd``, ``se``, ``pareto_k``, ``elpd_i`` per respondent, in
            sorted order of the respondent ids as :func:`~expectmodel.sampling.elpd.kfold` gives them); cached.

        Raises
        ------
        SpecError
            No log-likelihood ``var`` was stored (a minibatch ADVI fit stores none: use grouped K-fold).
        """
        from expectmodel.sampling import elpd

        ll = self._log_likelihood_group().data_vars
        if var is None:
            var = "satisfaction" if "satisfaction" in ll else "answers"
        if var not in ll:
            raise SpecError(f"no log-likelihood {var!r}; available: {', '.join(ll)}.")
        key = f"loo_{var}"
        if key not in self._cache:
            values = self.tree["log_likelihood"][var]
            keep = np.arange(self.layout.n)
            if var == "satisfaction":
                keep = np.unique(self.layout.sat.resp)
            labels = np.asarray(self.data.index)[keep]
            order = np.argsort(labels, kind="stable")  # the respondent order of elpd.kfold (np.unique)
            import xarray as xr

            arr = xr.DataArray(np.asarray(values)[..., keep[order]], dims=("chain", "draw", "respondent"),
                               coords={"respondent": labels[order]})
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", DataWarning)
                res = elpd.loo(arr)
            for w in caught:
                warnings.warn(f"{var!r}: {w.message}", w.category, stacklevel=2)
            self._cache[key] = res
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
            are left out), carried per draw as log p(s, y | phi_s) - log mean p(y | phi), so that the log mean
            over the draws is the exact predictive mean p(s, y | phi) / mean p(y | phi). Default:
            ``"satisfaction"`` with a link, ``"answers"`` without (as :meth:`loo`).
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


def compare(fits: dict[str, Any], var: str | None = None, *, simpler: str | None = None,
            z: float = 2.0) -> pd.DataFrame:
    """Rank fitted models of the same respondents by expected log predictive density (shared ``elpd.compare``).

    Each fit enters through its leave-one-respondent-out PSIS-LOO (:meth:`LatentResults.loo`), or as a
    ready elpd result (e.g. grouped K-fold from :func:`expectmodel.sampling.elpd.kfold`, the remedy when
    many Pareto k-hats are high).

    **Selection rule** (``simpler=``): for nested models, such as the rating-scale thresholds inside the
    item-specific ones (``LatentExpectations(thresholds="rating" | "item")``) or ``link="gap"`` inside
    ``"free"``, keep the simpler model unless the best model beats it by more than ``z`` standard errors
    of the paired difference (elpd_diff > z * dse). The raw ranking overfits here: a richer model that
    nests the truth gains a little in-sample-like elpd by chance, and PSIS-LOO on the answers is
    optimistic for it (many k-hats above 0.7). In ``benchmarks/recovery_latent_extensions.py``
    (``--study thresholds``, 12 replications per truth) the rule chose the rating-scale model for all 12
    rating-scale truths and the item model for 11 of 12 item truths, where the raw ranking picked the item
    model for 4 of 12 rating-scale truths (results in ``benchmarks/results_recovery_latent_extensions.json``).

    Parameters
    ----------
    fits : dict of str to LatentResults or arviz ELPDData
        Two or more fits of the same respondents (or their elpd results).
    var : {"satisfaction", "answers"}, optional
        Which per-respondent log-likelihood to compare on (as :meth:`LatentResults.loo`; ignored for
        ready elpd results).
    simpler : str, optional
        The name of the simplest (nested) model: the rule above picks between it and the best model.
    z : float
        The rule's threshold in standard errors of the difference.

    Returns
    -------
    pandas.DataFrame
        Best first: ``rank``, ``elpd``, ``se``, ``p``, ``elpd_diff``, ``dse``, ``z``, ``weight``, ``method``,
        ``n_high_k`` (:func:`expectmodel.sampling.elpd.compare`); with ``simpler``, a boolean ``preferred``
        column and ``attrs["preferred"]``, ``attrs["rule"]``.

    Raises
    ------
    SpecError
        Fewer than two fits, fits of different respondents, or ``simpler`` not among the fits.

    Examples
    --------
    Comparing needs fitted models; the fits sample (seconds to minutes), so the lines that need
    them are skipped when the doctests run:

    >>> from expectmodel import latent
    >>> sim = latent.simulate_latent(300, link="gap", seed=1)
    >>> models = {link: latent.LatentExpectations(sim.design, link=link) for link in ("gap", "free", "perf")}
    >>> fits = {link: est.fit(sim.data) for link, est in models.items()}  # needs fits  # doctest: +SKIP
    >>> compare(fits, var="satisfaction")[["elpd_diff", "dse", "weight"]]  # doctest: +SKIP
    >>> compare(fits, simpler="gap").attrs["preferred"]  # doctest: +SKIP

    The rule works on any elpd results of the same respondents:

    >>> import numpy as np
    >>> from expectmodel.sampling import elpd
    >>> rng = np.random.default_rng(0)
    >>> base = rng.normal(-10.0, 1.0, size=(1, 400, 100))
    >>> rating = elpd.loo(base, warn=False)
    >>> item = elpd.loo(base + rng.normal(0.005, 0.05, size=(1, 1, 100)), warn=False)  # a gain within noise
    >>> table = compare({"rating": rating, "item": item}, simpler="rating")
    >>> table.index[0], table.attrs["preferred"], bool(table.loc["rating", "z"] > -2)
    ('item', 'rating', True)
    >>> compare({"gap": None})
    Traceback (most recent call last):
    ...
    expectmodel.errors.SpecError: compare needs at least two fitted models.
    """
    from expectmodel.sampling import elpd

    if len(fits) < 2:
        raise SpecError("compare needs at least two fitted models.")
    if simpler is not None and simpler not in fits:
        raise SpecError(f"simpler={simpler!r} is not one of the fits {list(fits)}.")
    named = {k: (f.loo(var) if hasattr(f, "loo") else f) for k, f in fits.items()}
    table = elpd.compare(named)
    if simpler is not None:
        best = table.index[0]
        keep_simple = best == simpler or float(table.loc[simpler, "z"]) > -float(z)
        choice = simpler if keep_simple else best
        table["preferred"] = table.index == choice
        table.attrs["preferred"] = choice
        table.attrs["rule"] = (f"keep {simpler!r} unless the best model's elpd exceeds it by more than {z:g} "
                               "standard errors of the paired difference")
    return table
