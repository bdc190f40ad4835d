"""The latent-expectation model (METHODS §2.1) as a pymc model, and its estimator.

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

The likelihood is a gathered-cut-point ``Potential`` (two sigmoids per answer),
about ten times faster per gradient than ``pm.OrderedLogistic``.
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
from expectmodel.latent._forward import OPEN_END, Observations
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
        sat = None
        if self.link is not None:
            sat = Observations.from_blocks([data.satisfaction], d.satisfaction_scale[0])
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
                       None if answered.all() and prob is None else answered, prob, prob_obs, prob_y)

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


#: LogNormal (mu, sigma) of the item loadings (discriminations on the logit scale): median 1.3,
#: 90% between 0.25 and 6.9. Likert items typically discriminate at 1-3 on this scale; the earlier
#: LogNormal(0, 0.5) pulled such loadings toward 1, and since E's scale is fixed while P's is free,
#: sigma_P absorbed the pull (recovery study: sigma_P biased +0.08 under scale usage, coverage 0.80).
LOADING_PRIOR = (0.25, 1.0)

#: The priors, recorded in every result.
PRIORS = {
    "mu": "Normal(0, 2.5) per battery x dimension (logit scale, relative to the centred thresholds)",
    "delta": "ZeroSumNormal(1) within each dimension",
    "loading": f"LogNormal({LOADING_PRIOR[0]:g}, {LOADING_PRIOR[1]:g}) (sampled on the batteries' geometric-mean "
               "scale under invariance; the prior is unchanged)",
    "sigma": "LogNormal(0, 0.5) for non-reference batteries; 1 for the reference (E)",
    "cut_gaps": "log gap ~ Normal(log(6 / (K - 2)), 0.5)",
    "corr": "LKJ(eta) over battery x dimension factors",
    "beta": "Normal(0, 1)",
    "sat_cut": "location Normal(0, 3), log gaps as for cut",
    "sat_resid_sd": "HalfNormal(1) (several satisfaction items only)",
    "Gamma_mean": "Normal(0, 1) per standardised driver",
    "Gamma_sd": "HalfNormal(0.5) across stages",
    "shift_sd / stretch_sd": "HalfNormal(0.5) / HalfNormal(0.3)",
}


def _cutpoints(pm, pt, name: str, K: int, shape: tuple[int, ...], dims, loc=None):
    """Ordered, centred cut-points from K-2 positive gaps, initialised at the prior median."""
    if K == 2:
        cut = pt.zeros((*shape, 1))
    else:
        g0 = np.log(6.0 / (K - 2))
        log_gap = pm.Normal(f"{name}_log_gap", g0, 0.5, shape=(*shape, K - 2), initval=np.full((*shape, K - 2), g0))
        raw = pt.concatenate([pt.zeros((*shape, 1)), pt.cumsum(pt.exp(log_gap), axis=-1)], axis=-1)
        cut = raw - raw.mean(axis=-1, keepdims=True)
    if loc is not None:
        cut = cut + loc[..., None]
    return pm.Deterministic(name, cut, dims=dims)


def _structure(est: LatentExpectations, lay: _Layout) -> tuple:
    """Everything :func:`_build`'s graph depends on apart from the values of its ``pm.Data``
    containers: the settings, the design, the shapes and which optional blocks exist. Two fits
    with equal keys can share one compiled model."""
    return (
        json.dumps(est.get_params(), sort_keys=True, default=str),
        json.dumps(est.design.to_dict(), sort_keys=True, default=str),
        lay.n, lay.B, lay.D, lay.J, lay.K, lay.K_sat, lay.invariant, lay.prob,
        lay.answered is None, lay.drivers is None, lay.sat is None, tuple(lay.stages), _stage_pooling(lay),
    )


#: Stages with at least this many respondents each get centred stage coefficients (see _stage_pooling).
CENTRED_STAGE_MIN = 100


def _stage_pooling(lay: _Layout) -> str:
    """How the stage coefficients Gamma_s ~ N(Gamma_mean, Gamma_sd) enter the sampler.

    With a hundred or more respondents in every stage the data pin each Gamma_s down (standard
    errors near 0.1 or below), and the non-centred form Gamma_mean + Gamma_sd * raw ties
    Gamma_mean, Gamma_sd and raw into a curved ridge; the centred form mixes better there. Small
    stages keep the non-centred form, which avoids the funnel when the prior dominates.
    """
    if lay.drivers is None or len(lay.stages) < 2:
        return "none"
    counts = np.bincount(lay.stage, minlength=len(lay.stages))
    return "centred" if counts.min() >= CENTRED_STAGE_MIN else "non-centred"


def _onehot_items(lay: _Layout) -> np.ndarray:
    """(D, J) 0/1 matrix: the dimension of each item."""
    onehot = np.zeros((lay.D, lay.J))
    onehot[lay.item_dim, np.arange(lay.J)] = 1.0
    return onehot


def _respondent_normal(pm, name: str, n: int, k: int | None = None, *, radial: bool = False):
    """Independent standard normals, one per respondent (``(n,)``, or ``(n, k)`` for ``k`` columns),
    written as their respondent mean plus a zero-sum remainder.

    This is the same distribution (mean ~ N(0, 1/n), independent of a ZeroSumNormal(1) remainder),
    only parameterised for the sampler: the mean of a respondent-level effect trades off against a
    population parameter (the mean of theta against mu, that of a satisfaction residual against its
    cut-point location), and as one scalar it moves in one coordinate instead of all n at once
    (bench_latent: the bulk ESS of mu was the smallest of the identified parameters before).

    ``radial=True`` also gives the remainder's length its own coordinate. A standard deviation that
    scales the effects (``sd * effect``) trades off against that length, which the prior pins down
    only as the sum of n squares; as one coordinate the sampler moves it directly.
    """
    shape = () if k is None else (k,)
    mean = pm.Normal(f"{name}_mean", 0.0, 1.0 / np.sqrt(n), shape=shape)
    rest = pm.ZeroSumNormal(f"{name}_rest", sigma=1.0, shape=(*shape, n))
    if radial:
        # the remainder's length as its own coordinate: |rest|^2 ~ chi2(n - 1) = (n - 1) * radius2, and
        # its direction from the ZeroSumNormal (isotropic, so uniform); together again ZeroSumNormal(1)
        radius2 = pm.Gamma(f"{name}_radius2", alpha=(n - 1) / 2, beta=(n - 1) / 2, shape=shape)
        length = ((n - 1) * radius2 / (rest**2).sum(axis=-1)) ** 0.5
        rest = rest * (length if k is None else length[:, None])
    return mean + rest if k is None else mean[None, :] + rest.T


def _ordinal_logp(pt, eta, cpad):
    """Gathered-cut-point ordered logit: log Pr(y = cat), with the bracketing cut-points gathered per answer.

    Pr = σ(a) − σ(b) with a = upper − η, b = lower − η, evaluated on the side of zero where
    it keeps its relative precision (σ(a) − σ(b) = σ(−b) − σ(−a)). Two sigmoids and one log
    per answer: about three times cheaper per gradient than the softplus / log1mexp form.
    """
    lower, upper = cpad
    a = upper - eta
    b = lower - eta
    s = pt.switch(a + b > 0, -1.0, 1.0)
    return pt.log(s * (pt.sigmoid(s * a) - pt.sigmoid(s * b)))


def _build(est: LatentExpectations, lay: _Layout):
    """The pymc model and the names of its identified parameters (the ones the gates check)."""
    import pymc as pm
    import pytensor.tensor as pt

    B, D, J, K, n = lay.B, lay.D, lay.J, lay.K, lay.n
    Bp = 1 if lay.invariant else B
    pbat = ("shared",) if lay.invariant else lay.batteries
    coords = {"battery": lay.batteries, "dimension": lay.dims, "item": lay.items,
              "param_battery": pbat, "cutpoint": [f"{k}|{k + 1}" for k in range(1, K)],
              "respondent": np.arange(n), "factor": [f"{b}:{d}" for b in lay.batteries for d in lay.dims]}
    coords["factor_"] = coords["factor"]
    ref = lay.index("E") if "E" in lay.batteries else 0
    identified = ["mu", "loading", "cut", "delta"]
    with pm.Model(coords=coords) as model:
        mu = pm.Normal("mu", 0.0, 2.5, dims=("battery", "dimension"))
        # item offsets: one zero-sum vector per dimension
        order = np.argsort(lay.item_dim, kind="stable")
        parts = [pm.ZeroSumNormal(f"delta_{d}", sigma=1.0, shape=(Bp, int((lay.item_dim == k).sum())))
                 for k, d in enumerate(lay.dims)]
        delta = pm.Deterministic("delta", pt.concatenate(parts, axis=1)[:, np.argsort(order)],
                                 dims=("param_battery", "item"))
        if lay.invariant and B > 1:
            free = [b for b in range(B) if b != ref]
            coords_free = [lay.batteries[b] for b in free]
            model.add_coord("scaled_battery", coords_free)
            ratio = pm.LogNormal("sigma_ratio", 0.0, 0.5, dims=("scaled_battery", "dimension"))
            rows = [pt.ones((1, D)) if b == ref else ratio[free.index(b)][None, :] for b in range(B)]
            sigma = pm.Deterministic("sigma", pt.concatenate(rows, axis=0), dims=("battery", "dimension"))
            identified.append("sigma_ratio")
            # The answers inform lambda_j * sigma[b, d] in every battery, so with sigma_E = 1 the loadings
            # and sigma_ratio are negatively correlated a posteriori. The sampler sees the loading on the
            # geometric mean of the batteries' scales instead, log lambda~ = log lambda + mean_b log sigma[b, d],
            # which the batteries inform alike. Drawn as log lambda~ ~ N(mu_l + mean_b log sigma, s_l), this
            # is the same prior: log lambda = log lambda~ - mean_b log sigma ~ N(mu_l, s_l), independent of sigma.
            mean_log_sigma = pt.dot(pt.log(sigma).mean(axis=0), _onehot_items(lay))
            geo = pm.Normal("log_loading_geo", LOADING_PRIOR[0] + mean_log_sigma[None], LOADING_PRIOR[1],
                            dims=("param_battery", "item"))
            loading = pm.Deterministic("loading", pt.exp(geo - mean_log_sigma[None]), dims=("param_battery", "item"))
        else:
            sigma = pm.Deterministic("sigma", pt.ones((B, D)), dims=("battery", "dimension"))
            loading = pm.LogNormal("loading", *LOADING_PRIOR, dims=("param_battery", "item"))
        cut = _cutpoints(pm, pt, "cut", K, (Bp,), ("param_battery", "cutpoint"))

        F = B * D
        chol = None
        if F > 1:
            chol = pm.LKJCorr("corr_chol", n=F, eta=est.lkj_eta)
            pm.Deterministic("corr", chol @ chol.T, dims=("factor", "factor_"))
        mean = pt.zeros((n, B, D))
        if lay.drivers is not None and "E" in lay.batteries:
            q = lay.drivers.shape[1]
            S = len(lay.stages)
            model.add_coord("driver", list(est.design.drivers))
            model.add_coord("stage", list(lay.stages))
            g_mean = pm.Normal("Gamma_mean", 0.0, 1.0, dims=("driver", "dimension"))
            identified.append("Gamma_mean")
            if S > 1:
                g_sd = pm.HalfNormal("Gamma_sd", 0.5, dims=("driver",))
                if _stage_pooling(lay) == "centred":
                    gamma = pm.Normal("Gamma", g_mean[None], g_sd[None, :, None], dims=("stage", "driver", "dimension"))
                else:
                    g_raw = pm.Normal("Gamma_raw", 0.0, 1.0, shape=(S, q, D))
                    gamma = pm.Deterministic("Gamma", g_mean[None] + g_sd[None, :, None] * g_raw,
                                             dims=("stage", "driver", "dimension"))
            else:
                gamma = pm.Deterministic("Gamma", g_mean[None], dims=("stage", "driver", "dimension"))
            identified.append("Gamma")
            X = pm.Data("data_drivers", lay.drivers)
            stage = pm.Data("data_stage", lay.stage.astype(np.int64))
            shift_e = (X[:, :, None] * gamma[stage]).sum(axis=1)  # (n, D)
            mean = pt.set_subtensor(mean[:, lay.index("E"), :], shift_e)
        if est.person_parameterization == "centred":
            # informative answers (many items, Beta probabilities): the centred form mixes better
            if chol is None:
                theta = pm.Normal("theta_raw", mean.reshape((n, F)), 1.0, shape=(n, F)).reshape((n, B, D))
            else:
                theta = pm.MvNormal("theta_raw", mu=mean.reshape((n, F)), chol=chol, shape=(n, F)).reshape((n, B, D))
        else:
            z = _respondent_normal(pm, "z", n, F)
            zeta = z if chol is None else z @ chol.T
            theta = mean + zeta.reshape((n, B, D))
        theta = pm.Deterministic("theta", theta, dims=("respondent", "battery", "dimension"))

        # measurement likelihood, dense over respondent x battery x item (unanswered cells weigh 0):
        # the item expansion of theta is a matmul with a one-hot dimension->item matrix, whose
        # gradient is again a matmul, which is much cheaper than scattering into gathered indices.
        onehot = _onehot_items(lay)
        pb = np.zeros(B, dtype=np.intp) if lay.invariant else np.arange(B)
        th_items = pt.dot(theta.reshape((n * B, D)), onehot).reshape((n, B, J))
        eta = pt.dot(mu, onehot)[None] + delta[pb][None] + (loading[pb] * pt.dot(sigma, onehot))[None] * th_items
        big = pt.full((Bp, 1), OPEN_END)
        cflat = pt.concatenate([-big, cut, big], axis=1).ravel()
        # the answers enter as data containers, so that a compiled model can be reused on another data
        # set of the same shape (LatentExpectations.fit keeps one per structure)
        low_idx = pb[None, :, None] * (K + 1) + pm.Data("data_category", lay.cat.astype(np.int64))
        lower, upper = cflat[low_idx], cflat[low_idx + 1]
        if est.scale_usage:
            s_sd = pm.HalfNormal("shift_sd", 0.5)
            w_sd = pm.HalfNormal("stretch_sd", 0.3)
            shift = pm.Deterministic("shift", s_sd * _respondent_normal(pm, "shift_raw", n), dims="respondent")
            stretch = pm.Deterministic("stretch", pt.exp(w_sd * _respondent_normal(pm, "stretch_raw", n)),
                                       dims="respondent")
            eta = eta + shift[:, None, None]
            lower, upper = lower * stretch[:, None, None], upper * stretch[:, None, None]
            identified += ["shift_sd", "stretch_sd"]
        loglik = _ordinal_logp(pt, eta, (lower, upper))
        if lay.answered is not None:
            mask = lay.answered.copy()
            if lay.prob is not None:
                mask[:, lay.prob, :] = False
            loglik = loglik * pm.Data("data_answered", mask.astype(float))
        if lay.prob is not None:
            # expectations stated as probabilities: Beta(m phi, (1 - m) phi), logit m = eta (METHODS §2.1)
            phi = pm.LogNormal("precision", np.log(10.0), 1.0, dims="item")
            m = pt.sigmoid(eta[:, lay.prob, :])
            beta_lp = pm.logp(pm.Beta.dist(alpha=m * phi, beta=(1 - m) * phi), pm.Data("data_probability", lay.prob_y))
            stated = pm.Data("data_probability_answered", lay.answered[:, lay.prob, :].astype(float))
            pm.Potential("probabilities", (beta_lp * stated).sum())
            identified.append("precision")
        pm.Potential("answers", loglik.sum())

        if est.link is not None:
            model.add_coord("sat_item", list(est.design.satisfaction))
            model.add_coord("sat_cutpoint", [f"{k}|{k + 1}" for k in range(1, lay.K_sat)])
            iE, iP = lay.index("E"), lay.index("P")
            beta_p = pm.Normal("beta_P", 0.0, 1.0, dims="dimension")
            if est.link == "gap":
                beta_e = pm.Deterministic("beta_E", -beta_p, dims="dimension")
            elif est.link == "free":
                beta_e = pm.Normal("beta_E", 0.0, 1.0, dims="dimension")
            else:
                beta_e = pm.Deterministic("beta_E", pt.zeros(D), dims="dimension")
            pm.Deterministic("beta_sum", beta_p + beta_e, dims="dimension")
            identified += ["beta_P"] + (["beta_E"] if est.link == "free" else [])
            level = mu[None] + sigma[None] * theta
            eta_s = (level[:, iP, :] * beta_p).sum(axis=1)
            if iE is not None:
                eta_s = eta_s + (level[:, iE, :] * beta_e).sum(axis=1)
            n_sat = len(est.design.satisfaction)
            if n_sat > 1:
                r_sd = pm.HalfNormal("sat_resid_sd", 1.0)
                # radial: with two or three items a respondent, r_sd is pinned only jointly with the length
                # of the n effects (the bundled survey's fit: bulk ESS of r_sd 81 -> 161, R-hat 1.054 -> 1.025)
                resid = r_sd * _respondent_normal(pm, "sat_resid_raw", n, radial=True)
                eta_s = eta_s + pm.Deterministic("sat_resid", resid, dims="respondent")
                identified.append("sat_resid_sd")
            loc = pm.Normal("sat_loc", 0.0, 3.0, dims="sat_item")
            sat_cut = _cutpoints(pm, pt, "sat_cut", lay.K_sat, (n_sat,), ("sat_item", "sat_cutpoint"), loc=loc)
            identified.append("sat_cut")
            so = lay.sat
            bigs = pt.full((n_sat, 1), OPEN_END)
            spad = pt.concatenate([-bigs, sat_cut, bigs], axis=1)
            # the satisfaction "battery" index of Observations is the satisfaction item
            s_resp, s_item, s_cat = (pm.Data(f"data_satisfaction_{k}", v.astype(np.int64))
                                     for k, v in (("respondent", so.resp), ("item", so.item), ("category", so.cat)))
            pm.Potential("satisfaction", _ordinal_logp(
                pt, eta_s[s_resp], (spad[s_item, s_cat], spad[s_item, s_cat + 1])).sum())
    return model, identified


def _params_from(group, lay: _Layout, est: LatentExpectations) -> dict:
    """Posterior (or prior) variables as numpy arrays with one flat leading draw axis."""
    def get(name):
        v = np.asarray(group[name].values)
        return v.reshape((-1, *v.shape[2:]))

    p = {k: get(k) for k in ("mu", "delta", "loading", "sigma", "cut", "theta")}
    names = set(group.data_vars)
    for k in ("beta_P", "beta_E", "sat_cut", "sat_resid", "shift", "stretch", "Gamma", "Gamma_mean", "precision"):
        if k in names:
            p[k] = get(k)
    return p
