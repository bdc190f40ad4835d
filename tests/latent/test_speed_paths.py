"""The fast paths of the latent model: minibatch ADVI (``SamplerConfig(method="minibatch_advi")``)."""

from __future__ import annotations

import numpy as np
import pytest

from expectmodel import latent
from expectmodel.errors import ParameterError, SpecError
from expectmodel.sampling import SamplerConfig, SamplingWarning


def test_minibatch_settings_are_checked():
    assert SamplerConfig(method="minibatch_advi").batch_size == 1000
    with pytest.raises(ParameterError, match="batch_size must be an integer >= 1"):
        SamplerConfig(method="minibatch_advi", batch_size=0)


def test_minibatch_advi_recovers_the_simulated_gaps():
    """1,500 respondents x 22 items x 2 batteries, batches of 150, 4,000 steps (400 passes over the rows).

    Tolerance: the latent gaps' posterior SD at this n is about 0.05 (NUTS and minibatch ADVI alike, measured on
    2,000 respondents: 0.042-0.054), so an estimate within 0.15 (3 SD) of the truth in every dimension is what a
    correct fit gives; the earlier failure mode (too few steps: every gap shrunk by 10% toward 0, 0.13 on the
    largest) is caught by the mean bias bound (0.05, one SD, over the five dimensions).
    """
    sim = latent.simulate_latent(1500, seed=11)
    cfg = SamplerConfig(method="minibatch_advi", batch_size=150, advi_steps=4000, draws=200, seed=3)
    res = latent.LatentExpectations(sim.design, sampler=cfg).fit(sim.design.prepare(sim.data))
    mu = res.draws("mu")
    gap = (mu[:, 1] - mu[:, 0]).mean(0)
    truth = sim.truth["mu"][1] - sim.truth["mu"][0]
    assert np.max(np.abs(gap - truth)) < 0.15, (gap, truth)
    assert abs(np.mean(gap - truth)) < 0.05, (gap, truth)
    # what the results hold: population parameters from the approximation, the rows' variational parameters
    assert res.diagnostics.passed is None and res.diagnostics.extra["batch_size"] == 150
    assert res.tree["variational_local"]["z_mean"].shape == (1500, 10)
    assert res.meta["sampler"]["method"] == "minibatch_advi"
    dims = res.dimensions()
    assert {"level_E", "level_P", "gap_P-E"} <= set(dims.index.get_level_values(0))
    # no pointwise log-likelihood is stored (one would need every row per draw): LOO says so and names K-fold,
    # whose held-out density works from the population draws
    with pytest.raises(SpecError, match=r"method='minibatch_advi'.*grouped K-fold"):
        res.loo()
    held = res.heldout_log_likelihood(sim.data.iloc[:20], var="answers", draws=20)
    assert held.shape == (20, 20) and np.isfinite(held.to_numpy()).all()


def _normal_means(n=2000, b=100):
    """theta_i ~ N(mu, 1), y_i ~ N(theta_i, 1), mu ~ N(0, 0.05^2): the exact posterior of mu is closed-form."""
    import pymc as pm

    rng = np.random.default_rng(0)
    y = rng.normal(1.0, 1.0, n) + rng.normal(0.0, 1.0, n)
    with pm.Model(coords={"respondent": np.arange(b)}) as batch:
        yd = pm.Data("y", y[:b], dims="respondent")
        mu = pm.Normal("mu", 0.0, 0.05)
        th = pm.Normal("th", mu, 1.0, dims="respondent")
        pm.Normal("obs", th, 1.0, observed=yd, dims="respondent")
    prec = n / 2 + 1 / 0.05**2  # y_i ~ N(mu, 2) once theta_i is integrated out
    return batch, y, (y.sum() / 2) / prec, (n + 1 / 0.05**2) ** -0.5  # exact mean, mean-field SD of mu


def test_minibatch_advi_scales_the_batch_to_the_exact_conjugate_posterior():
    from expectmodel.sampling.backends import minibatch_advi

    batch, y, exact_mean, mf_sd = _normal_means()
    tree, info = minibatch_advi(batch, {"y": y}, n=y.size, draws=2000, seed=1, steps=4000)
    mu = tree["posterior"]["mu"].values.ravel()
    # 200 passes. Over seeds 0-4 the mean missed the exact one by -0.003 to 0.015 (SD 0.0075) and the SD was
    # 0.0196-0.0216 against the mean-field 0.0204. Without the n / b scaling the mean is ~0.11 off.
    assert abs(mu.mean() - exact_mean) < 0.03
    assert 0.8 < mu.std() / mf_sd < 1.2
    assert info["epochs"] == 200
    with pytest.warns(SamplingWarning, match="passes over the 2,000 rows"):
        minibatch_advi(batch, {"y": y}, n=y.size, draws=10, seed=1, steps=500)


def test_minibatch_advi_refuses_models_it_would_fit_wrongly():
    import pymc as pm

    from expectmodel.sampling.backends import minibatch_advi

    batch, y, _, _ = _normal_means()
    with batch:
        pm.Potential("penalty", -((batch["mu"] - 1.0) ** 2))  # global-only: n / b times over-weighted
    with pytest.raises(ParameterError, match="'penalty' depends on no row-level"):
        minibatch_advi(batch, {"y": y}, n=y.size, draws=10, seed=1, steps=10)
    with pm.Model(coords={"respondent": np.arange(10)}) as two:
        x, z = pm.Data("x", np.zeros(10), dims="respondent"), pm.Data("z", np.zeros(10), dims="respondent")
        th = pm.Normal("th", 0.0, 1.0, dims="respondent")
        pm.Normal("obs", th + x, 1.0, observed=z, dims="respondent")
    with pytest.raises(ParameterError, match=r"container\(s\) \['z'\] are not in `data`"):
        minibatch_advi(two, {"x": np.zeros(100)}, n=100, draws=10, seed=1, steps=10)


def test_minibatch_advi_is_refused_where_there_is_no_batch_model():
    sim = latent.simulate_latent(30, dimensions={"a": ("q1", "q2")}, seed=1)
    cfg = SamplerConfig(method="minibatch_advi", batch_size=10)
    waves = sim.data.assign(wave=1, id=range(len(sim.data)))
    with pytest.raises(SpecError, match="ExpectationDynamics has its own model"):
        latent.ExpectationDynamics(sim.design, wave="wave", respondent="id", sampler=cfg).fit(waves)
    from tests._cases_vie import case

    est = case("HierarchicalVIE").make().set_params(sampler=cfg)
    with pytest.raises(ParameterError, match="HierarchicalVIE has no minibatch path"):
        est.fit(case("HierarchicalVIE").data())
