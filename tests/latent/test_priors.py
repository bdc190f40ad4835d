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


def test_default_priors_recorded_and_not_sensitive(link_pair):
    """The conformance-shaped gap fit (default priors): the priors are recorded, and power-scaling finds
    the data dominating the levels, gaps and spreads (prior sensitivity measured 0.006-0.03, against the 0.05
    threshold of Kallioinen et al. 2024). The satisfaction slopes are true 1.0 and 0.8 under a N(0, 1)
    prior, which then informs them a little (measured 0.04-0.07): the check reports it, and it stays small."""
    _sim, fits = link_pair
    res = fits["gap"]
    assert res.priors == LatentPriors() and res.meta["prior_values"]["mu_sd"] == 2.5
    assert res.meta["priors"]["mu"].startswith("Normal(0, 2.5)")
    weak = res.prior_sensitivity()
    levels = weak.loc[[i for i in weak.index if not i.startswith("beta")]]
    assert (levels["prior"] < 0.05).all() and (levels["diagnosis"] == "✓").all(), weak
    assert (weak["prior"] < 0.12).all(), weak
    assert {"mu_E[a]", "gap[b]", "beta_P[a]"} <= set(weak.index)
    assert weak.attrs["blocks"] == ["beta", "cut", "delta", "loading", "mu", "sigma"]


@pytest.mark.slow
def test_power_scaling_flags_an_informative_prior():
    """A N(0, 0.1) prior on levels whose truth is about 1.3 (the conformance survey): it pulls the levels
    (measured prior sensitivity 0.2-0.55 on mu) and the check says so; the setting is recorded."""
    from tests._cases_latent import latent_survey

    sim = latent_survey()
    tight = LatentPriors(mu_sd=0.1)
    res = latent.LatentExpectations(sim.design, link="gap", priors=tight, sampler=fast()).fit(sim.data)
    assert res.priors == tight and res.meta.params["priors"]["mu_sd"] == 0.1
    assert '"mu_sd": 0.1' in res.to_json()
    t = res.prior_sensitivity()
    mu = t.loc[[i for i in t.index if i.startswith("mu_")]]
    assert (mu["prior"] > 0.1).all(), t
    assert mu["diagnosis"].str.contains("prior").all()
    levels = res.dimensions().xs("level_E", level="quantity")["mean"].to_numpy()
    assert np.all(levels < sim.truth["mu"][0] - 0.3), levels  # pulled toward 0
