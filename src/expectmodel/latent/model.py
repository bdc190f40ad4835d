"""The latent-expectation estimator (METHODS §2.1).

Measurement (multidimensional graded response, rating-scale thresholds)::

    Pr(y[b,n,j] <= k) = logistic(kappa[k] - eta[b,n,j])
    eta[b,n,j] = mu[b,d] + delta[j] + lambda[j] * sigma[b,d] * theta[n,b,d]
    theta[n] ~ MVN(0, R),  R ~ LKJ(2)  over all battery x dimension factors

Identification is built into the parameterisation: item offsets sum to zero
within a dimension (ZeroSumNormal), the cut-points are ordered and centred
(K-2 positive log-gaps), loadings are positive, Var theta = 1 and sigma[E] = 1.
Under E/P invariance (the default) all batteries share delta, lambda and kappa,
which identifies the latent gap mu[P] - mu[E] and sigma[P]; ``invariance=False``
frees them per battery, for the LOO test of invariance.

Extensions: the satisfaction link (``link="gap" | "free" | "perf"``), drivers of
expectations (MIMIC, coefficients partially pooled across stages) and
respondent scale-usage heterogeneity (shift and stretch shared by the
batteries, so it cancels in the gap).

The pymc graph itself (priors, parameterisation, likelihood) is built in
:mod:`expectmodel.latent._graph`; this module holds the estimator, which declares the model on the
:class:`~expectmodel.sampling.BayesianEstimator` template (sampling, gates, metadata and the
log-likelihood group are inherited).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from expectmodel._base import InstanceOf, Interval, OneOf, Predicate
from expectmodel.data.read import is_codes
from expectmodel.errors import ParameterError, SpecError
from expectmodel.latent._forward import respondent_loglik, simulate_answers
from expectmodel.latent._graph import build_graph, params_from
from expectmodel.latent._layout import LatentConfig, Prepared, build_layout, stage_pooling, structure_key
from expectmodel.latent.design import Design, SurveyData
from expectmodel.latent.priors import LatentPriors
from expectmodel.results import DataInfo, fingerprint
from expectmodel.sampling import BayesianEstimator, SamplerConfig

__all__ = ["RATIO_LINK_MESSAGE", "LatentExpectations"]

RATIO_LINK_MESSAGE = (
    "link='ratio' (satisfaction = perception / expectation) cannot be identified from ordinal answers: the "
    "latent metric of a Likert battery is fixed only up to a monotone transformation, so it has no true zero, "
    "and log(P/E) is again a difference, i.e. the 'gap' link (METHODS §2.1). Use link='gap', 'free' or 'perf' "
    "here. For manifest ratio-scale inputs (minutes, prices, probabilities) use "
    "expectmodel.latent.ratio_scores(perceived, expected)."
)


def _first_rows(lay, b: int):
    """Return the layout of the first ``b`` respondents (a minibatch's shape; its values are swapped per step)."""
    import dataclasses

    from expectmodel.latent._forward import Observations

    def obs(o):
        if o is None:
            return None
        keep = o.resp < b
        return Observations(o.resp[keep], o.item[keep], o.battery[keep], o.cat[keep], b)

    cut = {name: getattr(lay, name)[:b] for name in ("cat", "answered", "drivers", "stage", "prob_y", "sat_cat",
                                                      "sat_answered") if getattr(lay, name) is not None}
    return dataclasses.replace(lay, obs=obs(lay.obs), sat=obs(lay.sat), prob_obs=obs(lay.prob_obs), **cut)


class LatentExpectations(BayesianEstimator):
    """Bayesian latent expectations, perceptions and gaps from E/P survey batteries.

    Every setting is stored unchanged and checked in :meth:`fit` (``ParameterError`` for a bad
    setting, ``SpecError`` for one the design cannot support), so ``sklearn.base.clone`` round-trips.

    Parameters
    ----------
    design : Design
        The survey layout (:class:`~expectmodel.latent.Design` or ``servqual_design()``).
    link : {"gap", "free", "perf"} or None
        The satisfaction link (needs ``design.satisfaction``): ``"gap"`` forces
        beta_E = -beta_P (pure disconfirmation), ``"free"`` estimates both,
        ``"perf"`` sets beta_E = 0 (SERVPERF). ``"ratio"`` is refused (see
        :data:`RATIO_LINK_MESSAGE`).
    invariance : bool
        Share item offsets, loadings and cut-points across batteries (needed for
        the latent gap). ``False`` fits battery-specific item parameters.
    drivers : bool
        Regress the latent expectations on ``design.drivers`` (MIMIC), with
        coefficients partially pooled across ``design.stage``.
    scale_usage : bool
        Respondent shift and stretch of the answer scale, shared by all batteries
        (Rossi, Gilula & Allenby 2001). Needs two or more batteries.
    lkj_eta : float
        LKJ shape of the factor correlation prior.
    ci_level : float
        Probability of every reported equal-tailed interval (recorded in ``results.meta.ci_level``).
    batteries : sequence of str, optional
        The batteries to model (default: all in the design, in the design's order), e.g.
        ``("E", "P")`` for a design that also holds D and A.
    person_parameterization : {"noncentred", "centred"}
        How the person levels enter the sampler. Non-centred (default) suits a few
        Likert items per dimension; centred suits very informative answers
        (many items per dimension, probabilities), where non-centred mixes slowly.
    missing_values : number or sequence of numbers
        Answer codes that mean "no answer" (read as missing when a DataFrame is fitted).
    thresholds : {"rating", "item"}
        ``"rating"`` (default): one set of cut-points shared by all items (rating-scale model);
        ``"item"``: each item its own cut-points (the full graded-response model; centred per item, so the
        item offsets still carry the item locations). Compare the two by LOO (``compare(..., "answers")``).
    free_items : sequence of str
        Partial invariance: items whose offset may differ between the batteries (each non-reference
        battery gets its own shift for them, reported as ``kind == "offset_shift"``); the other items
        anchor the common metric, so every dimension keeps at least one. Free the items that
        ``results.invariance_test()`` flags. Needs ``invariance=True``.
    priors : LatentPriors, optional
        The prior scales (default ``LatentPriors()``); recorded in ``results.meta["priors"]`` (in words)
        and ``results.meta["prior_values"]``. ``results.prior_sensitivity()`` checks how much they matter.
    sampler : SamplerConfig, optional
        Draws, tune, chains, seed, backend, NUTS or ADVI, gates and strictness
        (default ``SamplerConfig()``: 4 x (500 + 500) NUTS draws, a drawn and recorded seed).

    Examples
    --------
    >>> from expectmodel import latent
    >>> from expectmodel.sampling import SamplerConfig
    >>> sim = latent.simulate_latent(40, dimensions={"a": ("q1", "q2"), "b": ("q3", "q4")}, seed=1)
    >>> est = latent.LatentExpectations(sim.design, sampler=SamplerConfig(draws=200, tune=200, chains=2, seed=1))
    >>> est.get_params()["ci_level"], est.get_params()["batteries"] is None
    (0.9, True)
    >>> est.config().invariance, est.sampler_config().draws
    (True, 200)
    >>> latent.LatentExpectations(sim.design, link="ratio").validate_params()  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    expectmodel.errors.ParameterError: LatentExpectations(link='ratio'): link='ratio' (satisfaction = ...

    Settings round-trip through scikit-learn's ``clone`` and change with ``set_params``:

    >>> from sklearn.base import clone
    >>> other = clone(est).set_params(invariance=False, ci_level=0.95)
    >>> other.invariance, other.ci_level, est.invariance
    (False, 0.95, True)

    ``est.build(sim.data)`` returns the pymc model without sampling. Sampling is not run here
    (it compiles the model and takes seconds to minutes), so these lines are skipped:

    >>> res = est.fit(sim.data)  # doctest: +SKIP
    >>> res.dimensions()  # levels, latent gap P - E and sigma_P per dimension  # doctest: +SKIP
    >>> check = est.prior_predictive(sim.data, draws=100)  # draws from the priors  # doctest: +SKIP
    >>> check.coverage  # doctest: +SKIP

    ``est.fit(sim.data)`` samples the posterior and returns :class:`~expectmodel.latent.LatentResults`.
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "design": [InstanceOf(Design, name="an expectmodel.latent.Design")],
        "link": [OneOf("gap", "free", "perf"), None],
        "invariance": [OneOf(True, False)],
        "drivers": [OneOf(True, False)],
        "scale_usage": [OneOf(True, False)],
        "lkj_eta": [Interval(float, 0, None, closed="neither")],
        "ci_level": [Interval(float, 0, 1, closed="neither")],
        "batteries": [Predicate(lambda v: not isinstance(v, str) and all(isinstance(b, str) for b in v),
                                "a sequence of battery names"), None],
        "person_parameterization": [OneOf("noncentred", "centred")],
        "missing_values": [Predicate(is_codes, "a number or a sequence of numbers (codes meaning no answer)")],
        "thresholds": [OneOf("rating", "item")],
        "free_items": [Predicate(lambda v: not isinstance(v, str) and all(isinstance(i, str) for i in v),
                                 "a sequence of item ids")],
        "priors": [InstanceOf(LatentPriors, name="an expectmodel.latent.LatentPriors"), None],
        "sampler": [InstanceOf(SamplerConfig), None],
    }
    _what: ClassVar[str] = "The latent-expectation fit"
    _observation_dim: ClassVar[str] = "respondent"

    def __init__(self, design: Design, *, link: str | None = None, invariance: bool = True, drivers: bool = True,
                 scale_usage: bool = False, lkj_eta: float = 2.0, ci_level: float = 0.9,
                 batteries: tuple[str, ...] | None = None, person_parameterization: str = "noncentred",
                 missing_values: float | tuple[float, ...] = (), thresholds: str = "rating",
                 free_items: tuple[str, ...] = (), priors: LatentPriors | None = None,
                 sampler: SamplerConfig | None = None) -> None:
        self.design = design
        self.link = link
        self.invariance = invariance
        self.drivers = drivers
        self.scale_usage = scale_usage
        self.lkj_eta = lkj_eta
        self.ci_level = ci_level
        self.batteries = batteries
        self.person_parameterization = person_parameterization
        self.missing_values = missing_values
        self.thresholds = thresholds
        self.free_items = free_items
        self.priors = priors
        self.sampler = sampler

    # ------------------------------------------------------------------ settings
    def validate_params(self) -> None:
        """Check every setting (``ParameterError``) and the design's support for them (``SpecError``)."""
        if self.link == "ratio":
            raise self._param_error("link", RATIO_LINK_MESSAGE)
        super().validate_params()

    def _check_params(self) -> None:
        design = self.design
        if self.batteries is not None:
            unknown = sorted(set(self.batteries) - set(design.columns))
            if unknown or not len(self.batteries):
                raise self._param_error("batteries", f"batteries={tuple(self.batteries)!r} must be a non-empty subset "
                                        f"of the design's batteries {tuple(design.columns)}.")
        batteries = self._batteries()
        link = self.link
        if link is not None:
            if not design.satisfaction:
                raise SpecError(f"link={link!r} needs overall satisfaction items: set Design(satisfaction=[...]).")
            if "P" not in batteries:
                raise SpecError("a satisfaction link needs the P (perception) battery.")
            if link in ("gap", "free") and "E" not in batteries:
                raise SpecError(f"link={link!r} needs the E battery; with P only use link='perf'.")
            if link == "gap" and not self.invariance:
                raise self._param_error("link", "link='gap' compares E and P on one latent metric and so needs "
                                        "invariance=True.")
        if "E" in design.probability and "E" in batteries and self.invariance and len(batteries) > 1:
            raise SpecError("expectations stated as probabilities cannot share item parameters with Likert "
                            "batteries: pass invariance=False (the latent gap is then not identified; compare "
                            "E and P through link='free' or 'perf').")
        if self.free_items:
            unknown = sorted(set(self.free_items) - set(design.items))
            if unknown:
                raise self._param_error("free_items", f"unknown item(s) {unknown}; the design's items are "
                                        f"{list(design.items)}.")
            if not self.invariance or len(batteries) < 2:
                raise self._param_error("free_items", "freeing items is partial invariance: it needs "
                                        "invariance=True and two or more batteries.")
            for dim, items in design.dimensions.items():
                if set(items) <= set(self.free_items):
                    raise self._param_error("free_items", f"every item of dimension {dim!r} is freed; keep at "
                                            "least one invariant item per dimension to anchor the latent gap.")
        if self.scale_usage and len(batteries) < 2:
            raise SpecError("scale_usage=True needs two or more batteries: with one battery the respondent's "
                            "scale use is confounded with the latent level (METHODS §2.1).")

    def _batteries(self) -> tuple[str, ...]:
        """Return the modelled batteries in the design's order."""
        if self.batteries is None:
            return tuple(self.design.columns)
        return tuple(b for b in self.design.columns if b in self.batteries)

    def config(self) -> LatentConfig:
        """Return the frozen model configuration the graph reads (after :meth:`validate_params`).

        Returns
        -------
        LatentConfig
            Link, invariance, drivers, scale usage, LKJ shape, person parameterisation and the
            modelled batteries; recorded in a fit's ``meta``.

        Examples
        --------
        >>> from expectmodel import latent
        >>> design = latent.servqual_design(batteries={"E": "E_{item}", "P": "P_{item}", "D": "D_{item}"})
        >>> cfg = latent.LatentExpectations(design, batteries=("P", "E")).config()
        >>> cfg.batteries, cfg.link
        (('E', 'P'), None)
        """
        return LatentConfig(link=self.link, invariance=bool(self.invariance), drivers=bool(self.drivers),
                            scale_usage=bool(self.scale_usage), lkj_eta=float(self.lkj_eta),
                            person_parameterization=self.person_parameterization, batteries=self._batteries(),
                            priors=LatentPriors() if self.priors is None else self.priors,
                            thresholds=self.thresholds, free_items=tuple(self.free_items))

    # ------------------------------------------------------------------ the template's hooks
    def _prepare(self, data: SurveyData | pd.DataFrame) -> Prepared:
        if isinstance(data, SurveyData):
            if data.design != self.design:
                raise SpecError("the SurveyData were prepared with a different design than this model's.")
        else:
            codes = self.missing_values
            codes = (codes,) if isinstance(codes, int | float | np.number) else tuple(codes)
            data = self.design.prepare(data, missing_values=codes)
        config = self.config()
        return Prepared(data, config, build_layout(config, self.design, data))

    def _graph(self, prepared: Prepared):
        return build_graph(prepared.config, prepared.layout)

    def _reuse_key(self, prepared: Prepared) -> Hashable:
        return structure_key(prepared.config, self.design, prepared.layout)

    def _log_likelihood(self, prepared: Prepared, posterior) -> dict[str, np.ndarray]:
        c, d = posterior.sizes["chain"], posterior.sizes["draw"]
        ll = respondent_loglik(params_from(posterior), prepared.layout)
        return {k: v.reshape(c, d, -1) for k, v in ll.items()}

    def _data_info(self, prepared: Prepared) -> DataInfo:
        data, lay = prepared.data, prepared.layout
        answers = [data.answers[b] for b in lay.batteries]
        return DataInfo(n_input=data.n, n_used=data.n, missing="keep (unanswered cells weigh 0)",
                        missing_values=tuple(float(v) for v in getattr(data, "missing_values", ())),
                        columns=tuple(f"{b}:{item}" for b in lay.batteries for item in lay.items),
                        fingerprint=fingerprint(*answers, list(data.index)),
                        extra={"answered_cells": int(sum(np.isfinite(a).sum() for a in answers)),
                               "stages": list(lay.stages)})

    def _meta_extra(self, prepared: Prepared) -> dict[str, Any]:
        lay = prepared.layout
        return {"design": self.design.to_dict(), "config": prepared.config.to_dict(),
                "priors": prepared.config.priors.describe(), "prior_values": prepared.config.priors.to_dict(),
                "stage_pooling": stage_pooling(lay), "satisfaction_residual_quadrature_nodes": lay.sat_quadrature}

    def _meta_fields(self, prepared: Prepared) -> dict[str, Any]:
        return {"conventions": {
            "measurement": "Likert answers modelled as ordinal (ordered logit, METHODS D2)",
            "levels": "logit scale relative to the centred thresholds (scale midpoint = 0)",
            "identification": "item offsets sum to zero per dimension; centred cut-points; positive "
                              "loadings; Var theta = 1; sigma_E = 1",
            "estimate": "posterior mean", "std_error": "posterior standard deviation"}}

    def _results(self, prepared: Prepared, tree, diagnostics, meta):
        from expectmodel.latent.results import LatentResults

        return LatentResults(design=self.design, config=prepared.config, layout=prepared.layout,
                             data=prepared.data, tree=tree, diagnostics=diagnostics, meta=meta)

    def _prior_check(self, prepared: Prepared, prior, seed: int):
        from expectmodel.latent.results import PredictiveCheck

        params = params_from(prior)
        rng = np.random.default_rng(seed)
        return PredictiveCheck.from_draws(simulate_answers(params, prepared.layout, rng), prepared.layout,
                                          prepared.data, kind="prior", ci_level=float(self.ci_level))

    # ------------------------------------------------------------------ public
    def fit(self, data: SurveyData | pd.DataFrame):
        """Sample the posterior and return :class:`~expectmodel.latent.LatentResults`.

        Parameters
        ----------
        data : SurveyData or pandas.DataFrame
            Answers in the design's layout (a DataFrame is validated by ``design.prepare`` with
            this estimator's ``missing_values``).

        Returns
        -------
        LatentResults
            Frozen; ``meta`` records every setting, the sampler configuration and the resolved seed,
            and ``tree`` holds the per-respondent ``log_likelihood`` group.

        Notes
        -----
        ``SamplerConfig(method="advi")`` is the quick-look mode for large n (no convergence gates;
        intervals are too narrow and levels shrink, as with any mean-field approximation: use it to
        look, then NUTS to report). ``SamplerConfig(method="minibatch_advi", batch_size=1000,
        advi_steps=...)`` is the same approximation on batches of respondents, compiled by JAX, at a cost
        per step that does not grow with n (100,000 respondents: ``benchmarks/bench_latent_advi.py``). Its
        results hold the population parameters (``dimensions()``, ``link()``, ``drivers()``, ...) drawn from
        the approximation, and each respondent's variational mean and SD of the person effects in
        ``tree["variational_local"]``; they hold no respondent draws (``theta``) and no log-likelihood group,
        so per-respondent methods (scores, LOO, predictive checks) need a NUTS fit (on a subsample).
        A fit that fails a gate warns
        (:class:`~expectmodel.sampling.SamplingWarning`) and records it in ``results.diagnostics``;
        ``SamplerConfig(strict=True)`` raises instead.
        """
        self.validate_params()  # before the sampler setting is read
        if self.sampler_config().method == "minibatch_advi":
            own = (type(self)._graph, type(self)._results)
            if own != (LatentExpectations._graph, LatentExpectations._results):
                raise SpecError(f"method='minibatch_advi' fits the cross-sectional latent-expectation model only; "
                                f"{type(self).__name__} has its own model: use method='nuts' (or 'advi').")
            return self._fit_minibatch(data)
        return super().fit(data)

    def _fit_minibatch(self, data: SurveyData | pd.DataFrame):
        """``method="minibatch_advi"``: the batch-sized graph, the full data's row arrays, the JAX optimiser."""
        import time

        from expectmodel._base import resolve_seed
        from expectmodel._meta import versions
        from expectmodel.latent.results import LatentResults
        from expectmodel.results import Meta
        from expectmodel.sampling.backends import minibatch_advi
        from expectmodel.sampling.gates import diagnose

        self.validate_params()
        config = self.sampler_config()
        prepared = self._prepare(data)
        lay = prepared.layout
        n = lay.n
        b = min(int(config.batch_size), n)
        seed = resolve_seed(config.seed)
        t0 = time.perf_counter()
        # the full model's data containers hold every row's values, exactly as NUTS would see them
        full_model, identified = build_graph(prepared.config, lay)
        rows = {v.name: v.get_value() for v in full_model.data_vars}
        del full_model
        batch_model, _ = build_graph(prepared.config, _first_rows(lay, b), minibatch=True)
        tree, info = minibatch_advi(batch_model, rows, n=n, draws=config.draws, seed=seed, steps=config.advi_steps)
        wall = time.perf_counter() - t0
        diag = diagnose(tree, identified, config.gates, method=config.method)
        diag.extra.update({k: v for k, v in info.items() if k != "loss_trace"})
        meta = Meta(
            estimator=type(self).__name__, params=self.settings(), data=self._data_info(prepared),
            ci_level=float(self.ci_level), ci_method=self._ci_method, seed=seed, versions=versions(bayesian=True),
            extra={"sampler": {**config.to_dict(), "seed": seed, "used": "jax"}, "wall_seconds": wall,
                   "identified": list(identified), "loss_trace": info["loss_trace"], **self._meta_extra(prepared)},
            **self._meta_fields(prepared))
        return LatentResults(design=self.design, config=prepared.config, layout=lay, data=prepared.data, tree=tree,
                             diagnostics=diag, meta=meta)

    def prior_predictive(self, data: SurveyData | pd.DataFrame, *, draws: int = 200, seed: int = 0):
        """Simulate answers from the priors, per battery and category (METHODS §6 step 1).

        Parameters
        ----------
        data : SurveyData or pandas.DataFrame
            Fixes respondents, items, drivers and stages.
        draws : int
            Prior draws.
        seed : int
            Random seed.

        Returns
        -------
        PredictiveCheck
            Category shares of the prior-simulated answers against the observed ones.
        """
        if isinstance(draws, bool) or not isinstance(draws, int | np.integer) or draws < 1:
            raise ParameterError(f"prior_predictive(draws={draws!r}): draws must be a positive integer.")
        return super().prior_predictive(data, draws=draws, seed=seed)
