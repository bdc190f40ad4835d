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
:mod:`expectmodel.latent._graph`; this module holds the estimator.
"""

from __future__ import annotations

import json
import time
import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from expectmodel import bayes
from expectmodel._meta import versions
from expectmodel.errors import SpecError
from expectmodel.latent._forward import SAT_QUADRATURE, Observations, satisfaction_dense
from expectmodel.latent._graph import PRIORS, _build, _params_from, _stage_pooling
from expectmodel.latent.design import Design, SurveyData

__all__ = ["RATIO_LINK_MESSAGE", "LatentExpectations"]

Link = Literal["gap", "free", "perf"] | None

RATIO_LINK_MESSAGE = (
    "link='ratio' (satisfaction = perception / expectation) cannot be identified from ordinal answers: the "
    "latent metric of a Likert battery is fixed only up to a monotone transformation, so it has no true zero, "
    "and log(P/E) is again a difference, i.e. the 'gap' link (METHODS §2.1). Use link='gap', 'free' or 'perf' "
    "here. For manifest ratio-scale inputs (minutes, prices, probabilities) use "
    "expectmodel.latent.ratio_scores(perceived, expected)."
)


@dataclass(frozen=True)
class _Layout:
    """Index arrays and sizes that the pymc graph and the numpy mirror share."""

    obs: Observations
    batteries: tuple[str, ...]
    dims: tuple[str, ...]
    items: tuple[str, ...]
    item_dim: np.ndarray
    K: int
    invariant: bool
    sat: Observations | None
    K_sat: int
    drivers: np.ndarray | None  # (n, q) standardised
    driver_mean: np.ndarray | None
    driver_sd: np.ndarray | None
    stage: np.ndarray
    stages: tuple[str, ...]
    cat: np.ndarray  # (n, B, J) category 0..K-1 (0 where unanswered)
    answered: np.ndarray | None  # (n, B, J) bool, None when every cell is answered
    prob: int | None = None  # battery index of probability-stated expectations (Beta measurement)
    prob_obs: Observations | None = None  # their answered cells
    prob_y: np.ndarray | None = None  # (n, J) squeezed probabilities, 0.5 where unanswered
    sat_cat: np.ndarray | None = None  # (n, satisfaction items) categories, 0 where unanswered
    sat_answered: np.ndarray | None = None  # (n, satisfaction items) bool
    sat_quadrature: int = 0  # Gauss-Hermite nodes for the shared satisfaction residual (0: none)

    @property
    def B(self) -> int:
        return len(self.batteries)

    @property
    def D(self) -> int:
        return len(self.dims)

    @property
    def J(self) -> int:
        return len(self.items)

    @property
    def n(self) -> int:
        return self.obs.n

    def index(self, battery: str) -> int | None:
        return self.batteries.index(battery) if battery in self.batteries else None


class LatentExpectations:
    """Bayesian latent expectations, perceptions and gaps from E/P survey batteries.

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
    ci_prob : float
        Interval probability of every reported interval (recorded in results).
    batteries : sequence of str, optional
        The batteries to model (default: all in the design), e.g. ``("E", "P")``
        for a design that also holds D and A.
    person_parameterization : {"noncentred", "centred"}
        How the person levels enter the sampler. Non-centred (default) suits a few
        Likert items per dimension; centred suits very informative answers
        (many items per dimension, probabilities), where non-centred mixes slowly.
    """

    def __init__(self, design: Design, *, link: Link = None, invariance: bool = True, drivers: bool = True,
                 scale_usage: bool = False, lkj_eta: float = 2.0, ci_prob: float = 0.9,
                 batteries: tuple[str, ...] | None = None,
                 person_parameterization: Literal["noncentred", "centred"] = "noncentred") -> None:
        if not isinstance(design, Design):
            raise SpecError(f"design must be an expectmodel.latent.Design, got {type(design).__name__}.")
        if batteries is not None:
            unknown = sorted(set(batteries) - set(design.columns))
            if unknown or not batteries:
                raise SpecError(f"batteries={tuple(batteries)!r} must be a non-empty subset of the design's "
                                f"batteries {tuple(design.columns)}.")
            batteries = tuple(b for b in design.columns if b in batteries)
        self.batteries = batteries or tuple(design.columns)
        if person_parameterization not in ("noncentred", "centred"):
            raise SpecError("person_parameterization must be 'noncentred' or 'centred', "
                            f"got {person_parameterization!r}.")
        self.person_parameterization = person_parameterization
        if link == "ratio":
            raise SpecError(RATIO_LINK_MESSAGE)
        if link not in (None, "gap", "free", "perf"):
            raise SpecError(f"link must be 'gap', 'free', 'perf' or None, got {link!r}.")
        if link is not None:
            if not design.satisfaction:
                raise SpecError(f"link={link!r} needs overall satisfaction items: set Design(satisfaction=[...]).")
            if "P" not in self.batteries:
                raise SpecError("a satisfaction link needs the P (perception) battery.")
            if link in ("gap", "free") and "E" not in self.batteries:
                raise SpecError(f"link={link!r} needs the E battery; with P only use link='perf'.")
            if link == "gap" and not invariance:
                raise SpecError("link='gap' compares E and P on one latent metric and so needs invariance=True.")
        if "E" in design.probability and "E" in self.batteries and invariance and len(self.batteries) > 1:
            raise SpecError("expectations stated as probabilities cannot share item parameters with Likert "
                            "batteries: pass invariance=False (the latent gap is then not identified; compare "
                            "E and P through link='free' or 'perf').")
        if scale_usage and len(self.batteries) < 2:
            raise SpecError("scale_usage=True needs two or more batteries: with one battery the respondent's "
                            "scale use is confounded with the latent level (METHODS §2.1).")
        if not 0 < ci_prob < 1:
            raise SpecError(f"ci_prob must lie strictly between 0 and 1, got {ci_prob}.")
        self.design = design
        self.link = link
        self.invariance = invariance
        self.drivers = drivers
        self.scale_usage = scale_usage
        self.lkj_eta = lkj_eta
        self.ci_prob = ci_prob

    def get_params(self) -> dict:
        return {"link": self.link, "invariance": self.invariance, "drivers": self.drivers,
                "scale_usage": self.scale_usage, "lkj_eta": self.lkj_eta, "ci_prob": self.ci_prob,
                "batteries": self.batteries, "person_parameterization": self.person_parameterization}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"LatentExpectations({args})"

    # ------------------------------------------------------------------ data
    def _data(self, data: SurveyData | pd.DataFrame, missing_values=()) -> SurveyData:
        if isinstance(data, SurveyData):
            if data.design != self.design:
                raise SpecError("the SurveyData were prepared with a different design than this model's.")
            return data
        return self.design.prepare(data, missing_values=missing_values)

    def layout(self, data: SurveyData) -> _Layout:
        d = self.design
        batteries = self.batteries
        ordinal = {b: (np.full_like(data.answers[b], np.nan) if b in d.probability else data.answers[b])
                   for b in batteries}
        obs = Observations.from_blocks([ordinal[b] for b in batteries], d.scale[0])
        sat = sat_cat = sat_answered = None
        if self.link is not None:
            sat = Observations.from_blocks([data.satisfaction], d.satisfaction_scale[0])
            sat_cat, sat_answered = satisfaction_dense(sat, len(d.satisfaction))
        X = mean = sd = None
        if self.drivers and d.drivers:
            mean = data.drivers.mean(axis=0)
            sd = data.drivers.std(axis=0)
            X = (data.drivers - mean) / sd
        dense = np.stack([ordinal[b] for b in batteries], axis=1)
        answered = np.isfinite(dense)
        cat = np.where(answered, dense - d.scale[0], 0).astype(np.intp)
        prob = prob_obs = prob_y = None
        if "E" in d.probability and "E" in batteries:
            prob = batteries.index("E")
            raw = data.answers["E"]
            ok = np.isfinite(raw)
            N = int(ok.sum())
            # Smithson & Verkuilen (2006): squeeze 0 and 1 into the open interval
            prob_y = np.where(ok, (np.where(ok, raw, 0.5) * (N - 1) + 0.5) / N, 0.5)
            r, j = np.nonzero(ok)
            prob_obs = Observations(r, j, np.full(r.size, prob), np.zeros(r.size, np.intp), data.n)
            answered[:, prob, :] = ok  # reused as the Beta mask; the ordinal mask excludes it below
        return _Layout(obs, batteries, tuple(d.dimensions), d.items, d.item_dimension, d.n_categories,
                       self.invariance, sat, d.satisfaction_scale[1] - d.satisfaction_scale[0] + 1,
                       X, mean, sd, data.stage, data.stages, cat,
                       None if answered.all() and prob is None else answered, prob, prob_obs, prob_y,
                       sat_cat, sat_answered, SAT_QUADRATURE if sat is not None and len(d.satisfaction) > 1 else 0)

    # ------------------------------------------------------------------ pymc
    def build(self, data: SurveyData | pd.DataFrame, *, missing_values=()):
        """The pymc model for ``data`` (validated first)."""
        data = self._data(data, missing_values)
        return _build(self, self.layout(data))[0]

    def fit(
        self,
        data: SurveyData | pd.DataFrame,
        *,
        draws: int = 500,
        tune: int = 500,
        chains: int = 4,
        seed: int = 0,
        sampler: bayes.Sampler = "auto",
        method: Literal["nuts", "advi", "fullrank_advi"] = "nuts",
        advi_steps: int = 20_000,
        cores: int | None = None,
        target_accept: float = 0.8,
        gates: bayes.Gates | dict | None = None,
        strict: bool = False,
        missing_values=(),
        progressbar: bool = False,
    ):
        """Sample the posterior and return :class:`~expectmodel.latent.LatentResults`.

        ``method="advi"`` is the quick-look mode for large n (``advi_steps`` Adam steps, no
        convergence gates; intervals are too narrow and levels shrink, as with any mean-field
        approximation: use it to look, then NUTS to report).
        A fit that fails a gate warns (:class:`~expectmodel.bayes.SamplingWarning`)
        and records it in ``results.diagnostics``; ``strict=True`` raises instead.
        """
        from expectmodel.latent.results import LatentResults

        if isinstance(gates, dict):
            gates = bayes.Gates(**gates)
        gates = gates or bayes.Gates()
        data = self._data(data, missing_values)
        lay = self.layout(data)
        model, identified = _build(self, lay)
        t0 = time.perf_counter()
        if method == "nuts":
            tree, used = bayes.sample(model, draws=draws, tune=tune, chains=chains, seed=seed, sampler=sampler,
                                      cores=cores, progressbar=progressbar, target_accept=target_accept,
                                      reuse=_structure(self, lay))
            info = {}
        else:
            used = "pymc"
            tree, info = bayes.approximate(model, draws=draws, seed=seed, method=method, steps=advi_steps,
                                           progressbar=progressbar)
        wall = time.perf_counter() - t0
        diag = bayes.diagnose(tree, identified, gates, method="nuts" if method == "nuts" else method)
        diag.extra.update(info)
        settings = {"draws": draws, "tune": tune, "chains": chains, "seed": seed, "sampler": used, "method": method,
                    "target_accept": target_accept, "wall_seconds": wall, **self.get_params()}
        meta = {"settings": settings, "design": self.design.to_dict(), "versions": versions(bayesian=True),
                "priors": PRIORS, "identified": identified, "stage_pooling": _stage_pooling(lay),
                "satisfaction_residual_quadrature_nodes": lay.sat_quadrature,
                "note": "Likert answers modelled as ordinal (ordered logit, METHODS D2)."}
        res = LatentResults(model=self, layout=lay, data=data, tree=tree, diagnostics=diag, meta=meta)
        res.store_log_likelihood()
        bayes.enforce(diag, strict=strict, what="The latent-expectation fit")
        return res

    def prior_predictive(self, data: SurveyData | pd.DataFrame, *, draws: int = 200, seed: int = 0,
                         missing_values=()):
        """Answers simulated from the priors, per battery and category (METHODS §6 step 1)."""
        import pymc as pm

        from expectmodel.latent._forward import simulate_answers
        from expectmodel.latent.results import PredictiveCheck

        data = self._data(data, missing_values)
        lay = self.layout(data)
        model, _ = _build(self, lay)
        with model, warnings.catch_warnings():
            # every Potential in the model is a likelihood term ("answers", "satisfaction",
            # "probabilities"), which a prior draw should ignore: pymc's warning does not apply
            warnings.filterwarnings("ignore", message="The effect of Potentials", category=UserWarning)
            prior = pm.sample_prior_predictive(draws=draws, random_seed=seed)
        params = _params_from(prior["prior"], lay, self)
        rng = np.random.default_rng(seed)
        return PredictiveCheck.from_draws(simulate_answers(params, lay, self, rng), lay, data, kind="prior")


def _structure(est: LatentExpectations, lay: _Layout) -> tuple:
    """Everything :func:`_build`'s graph depends on apart from the values of its ``pm.Data``
    containers: the settings, the design, the shapes and which optional blocks exist. Two fits
    with equal keys can share one compiled model."""
    return (
        json.dumps(est.get_params(), sort_keys=True, default=str),
        json.dumps(est.design.to_dict(), sort_keys=True, default=str),
        lay.n, lay.B, lay.D, lay.J, lay.K, lay.K_sat, lay.invariant, lay.prob,
        lay.answered is None, lay.drivers is None, lay.sat is None, tuple(lay.stages), _stage_pooling(lay),
        lay.sat_quadrature,
    )
