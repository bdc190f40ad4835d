"""User-set priors (a frozen value object the graph reads and the results record) and the power-scaling
prior-sensitivity check."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone

from expectmodel import latent
from expectmodel.errors import ParameterError
from expectmodel.latent.priors import LatentPriors, log_prior
from tests.latent.conftest import fast


def test_priors_are_validated_frozen_values():
    with pytest.raises(ParameterError, match="mu_sd must be a positive finite number"):
        LatentPriors(mu_sd=-1.0)
    with pytest.raises(ParameterError, match="loading_mu must be a finite number"):
        LatentPriors(loading_mu=float("nan"))
    p = LatentPriors(beta_sd=2)
    assert p.beta_sd == 2.0 and isinstance(p.beta_sd, float)
    with pytest.raises(AttributeError):
        p.beta_sd = 3.0  # frozen
    sim = latent.simulate_latent(30, dimensions={"a": ("q1", "q2")}, seed=1)
    with pytest.raises(ParameterError, match="priors"):
        latent.LatentExpectations(sim.design, priors={"mu_sd": 1.0}).validate_params()
    est = latent.LatentExpectations(sim.design, priors=p)
    assert clone(est).priors == p


def test_the_graph_reads_the_priors_it_is_given():
    """The pymc model's prior scales are the object's numbers (read back from the graph itself)."""
    import pymc as pm

    sim = latent.simulate_latent(30, dimensions={"a": ("q1", "q2"), "b": ("q3", "q4")}, link="free", seed=1)
    priors = LatentPriors(mu_sd=0.7, beta_sd=0.3, cut_gap_sd=0.2)
    model = latent.LatentExpectations(sim.design, link="free", priors=priors).build(sim.data)
    draws = pm.draw([model["mu"], model["beta_P"], model["cut_log_gap"]], draws=4000, random_seed=1)
    # sample SDs of 4000 draws: relative Monte Carlo error about 1 / sqrt(2 * 4000) = 1.1%, so 5% is 4.5 SEs
    np.testing.assert_allclose(draws[0].std(axis=0), 0.7, rtol=0.05)
    np.testing.assert_allclose(draws[1].std(axis=0), 0.3, rtol=0.05)
    np.testing.assert_allclose(draws[2].std(axis=0), 0.2, rtol=0.05)


def test_log_prior_matches_scipy():
    from scipy import stats

    rng = np.random.default_rng(0)
    p = LatentPriors(mu_sd=1.5, loading_mu=0.1, loading_sd=0.8, sigma_sd=0.4, beta_sd=0.6)
    d = {"mu": rng.normal(size=(5, 2, 3)), "delta": rng.normal(size=(5, 1, 4)),
         "loading": rng.lognormal(size=(5, 1, 4)), "sigma": np.concatenate([np.ones((5, 1, 3)),
                                                                             rng.lognormal(size=(5, 1, 3))], 1),
         "cut": np.sort(rng.normal(size=(5, 1, 4)), axis=-1), "beta_P": rng.normal(size=(5, 3))}
    d["beta_E"] = -d["beta_P"]  # the gap link: beta_E is not a free parameter
    lp = log_prior(p, d, K=5)
    np.testing.assert_allclose(lp["mu"], stats.norm(0, 1.5).logpdf(d["mu"]).sum(axis=(1, 2)))
    np.testing.assert_allclose(lp["loading"], stats.lognorm(0.8, scale=np.exp(0.1)).logpdf(d["loading"]).sum((1, 2)))
    np.testing.assert_allclose(lp["sigma"], stats.lognorm(0.4).logpdf(d["sigma"][:, 1:]).sum((1, 2)))
    np.testing.assert_allclose(lp["beta"], stats.norm(0, 0.6).logpdf(d["beta_P"]).sum(1))
    gaps = np.log(np.diff(d["cut"], axis=-1))
    np.testing.assert_allclose(lp["cut"], stats.norm(np.log(2.0), 0.5).logpdf(gaps).sum((1, 2)))


@pytest.fixture(scope="module")
def prior_fits():
    """One survey fitted under the default priors and under a far too tight prior on the levels
    (mu ~ N(0, 0.1) where the simulated expectation levels are about 1.3)."""
    sim = latent.simulate_latent(150, dimensions={"a": ("q1", "q2", "q3"), "b": ("q4", "q5", "q6")}, link="gap",
                                 seed=2)
    fits = {name: latent.LatentExpectations(sim.design, link="gap", priors=pr, sampler=fast()).fit(sim.data)
            for name, pr in (("default", LatentPriors()), ("tight", LatentPriors(mu_sd=0.1)))}
    return sim, fits


def test_priors_recorded_in_the_results(prior_fits):
    _sim, fits = prior_fits
    res = fits["tight"]
    assert res.priors == LatentPriors(mu_sd=0.1)
    assert res.meta["prior_values"]["mu_sd"] == 0.1
    assert res.meta["priors"]["mu"].startswith("Normal(0, 0.1)")
    assert res.meta.params["priors"]["mu_sd"] == 0.1  # the setting itself, as meta records every setting
    assert '"mu_sd": 0.1' in res.to_json()


def test_power_scaling_flags_an_informative_prior_and_passes_a_weak_one(prior_fits):
    """Kallioinen et al. (2024): prior sensitivity above 0.05 marks a prior that shapes the posterior.

    Under the default priors the data dominate every key quantity (measured 0.007-0.03, against the
    0.05 threshold); a N(0, 0.1) prior on levels whose truth is about 1.3 pulls them (measured 0.2-0.55)."""
    _sim, fits = prior_fits
    weak = fits["default"].prior_sensitivity()
    assert (weak["prior"] < 0.05).all(), weak
    assert (weak["diagnosis"] == "✓").all()
    assert {"mu_E[a]", "gap[b]", "beta_P[a]"} <= set(weak.index)
    tight = fits["tight"].prior_sensitivity()
    mu = tight.loc[[i for i in tight.index if i.startswith("mu_")]]
    assert (mu["prior"] > 0.1).all(), tight
    assert mu["diagnosis"].str.contains("prior").all()
    # and the tight prior really pulled the levels toward 0, below the default fit's
    lv = {k: f.dimensions().xs("level_E", level="quantity")["mean"].to_numpy() for k, f in fits.items()}
    assert np.all(lv["tight"] < lv["default"] - 0.3), lv
