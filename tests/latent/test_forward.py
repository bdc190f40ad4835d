"""The numpy mirror of the model (simulation, predictive checks, LOO) agrees with the pymc graph."""

from __future__ import annotations

import numpy as np
import pytensor
import pytest
from scipy.special import expit

from expectmodel import latent
from expectmodel.latent import _forward as fw
from expectmodel.latent._graph import build_graph
from expectmodel.measurement.ordinal import centred_cutpoints, padded


def _graph(est, data):
    prepared = est._prepare(data)
    return build_graph(prepared.config, prepared.layout)[0], prepared.layout


@pytest.mark.parametrize("kw", [dict(link="free", drivers=2, stages=("a", "b")),
                                dict(invariance=False), dict(scale_usage=True, link="gap", n_satisfaction=2),
                                dict(invariance=False, probability=True, link="free"),
                                dict(thresholds="item", link="free"), dict(thresholds="item", invariance=False)])
def test_pymc_graph_and_numpy_mirror_agree(kw):
    sim_kw = {k: v for k, v in kw.items()}
    sim = latent.simulate_latent(30, dimensions={"a": ("q1", "q2", "q3"), "b": ("q4", "q5")}, missing_rate=0.1,
                                 seed=4, **sim_kw)
    est = latent.LatentExpectations(sim.design, **{k: v for k, v in kw.items()
                                                   if k in ("link", "invariance", "scale_usage", "thresholds")})
    _agree(*_graph(est, sim.data))


def test_the_dynamics_graph_and_numpy_mirror_agree():
    """Row-specific level means (the dynamics' stage x wave cells, ``mu_rows``) in both."""
    sim = latent.simulate_waves(20, waves=2, dimensions={"a": ("q1", "q2"), "b": ("q3", "q4")}, link="free",
                                seed=2)
    est = latent.ExpectationDynamics(sim.design, wave="wave", link="free")
    prepared = est._prepare(sim.data)
    model, _ = est._graph(prepared)
    _agree(model, prepared.layout)


def _agree(model, lay):
    """The graph's potentials at a random point equal the mirror's per-respondent log-likelihood sums."""
    rng = np.random.default_rng(1)
    point = {k: v + rng.normal(0, 0.3, size=np.shape(v)) for k, v in model.initial_point().items()}
    names = ["mu", "delta", "loading", "sigma", "cut", "theta"] + [
        k for k in ("beta_P", "beta_E", "sat_cut", "sat_resid_sd", "shift", "stretch", "precision", "mu_rows",
                  "delta_battery")
        if k in model.named_vars]
    outs = [model[k] for k in names] + list(model.potentials)
    f = pytensor.function(model.value_vars, model.replace_rvs_by_values(outs), mode="FAST_COMPILE",
                          on_unused_input="ignore")
    vals = f(*[point[v.name] for v in model.value_vars])
    params = {k: np.asarray(v)[None] for k, v in zip(names, vals[:len(names)], strict=True)}
    ll = fw.respondent_loglik(params, lay)
    pot = dict(zip([p.name for p in model.potentials], vals[len(names):], strict=True))
    np.testing.assert_allclose(ll["answers"].sum(), pot["answers"] + pot.get("probabilities", 0.0), rtol=1e-9)
    if "satisfaction" in ll:
        np.testing.assert_allclose(ll["satisfaction"].sum(), pot["satisfaction"], rtol=1e-9)


def test_respondent_normals_are_iid_standard_normal():
    """The mean + zero-sum parameterisation of the person effects is a reparameterisation only:
    its density differs from that of n x k iid N(0, 1) by a constant (a linear map), and its draws
    are iid N(0, 1)."""
    import pymc as pm
    from scipy.stats import norm

    from expectmodel.latent._graph import _respondent_normal

    n, k = 6, 3
    with pm.Model() as model:
        z = pm.Deterministic("z", _respondent_normal(pm, "z", n, k))
    logp = model.compile_logp()
    zfun = pytensor.function(model.value_vars, model.replace_rvs_by_values([model["z"]])[0])
    rng = np.random.default_rng(3)
    diffs = []
    for _ in range(4):
        point = {v.name: rng.normal(size=model.initial_point()[v.name].shape) for v in model.value_vars}
        diffs.append(logp(point) - norm.logpdf(zfun(*[point[v.name] for v in model.value_vars])).sum())
    np.testing.assert_allclose(diffs, diffs[0], rtol=0, atol=1e-10)
    draws = pm.draw(z, draws=40_000, random_seed=2).reshape(40_000, -1)
    np.testing.assert_allclose(draws.mean(axis=0), 0.0, atol=0.03)
    np.testing.assert_allclose(draws.std(axis=0), 1.0, atol=0.03)
    off = np.corrcoef(draws.T)[np.triu_indices(n * k, 1)]
    assert np.abs(off).max() < 0.03


def test_geometric_mean_loadings_keep_the_loading_prior():
    """Under invariance the sampler sees log lambda + mean_b log sigma; the prior on the reported
    loadings stays LogNormal(LOADING_PRIOR), independent of sigma_ratio."""
    import pymc as pm

    from expectmodel.latent._graph import LOADING_PRIOR

    sim = latent.simulate_latent(20, dimensions={"a": ("q1", "q2", "q3"), "b": ("q4", "q5")}, seed=1)
    est = latent.LatentExpectations(sim.design)
    model, _ = _graph(est, sim.data)
    assert "log_loading_geo" in model.named_vars and "loading" not in {v.name for v in model.free_RVs}
    lam, ratio = pm.draw([model["loading"], model["sigma_ratio"]], draws=20_000, random_seed=5)
    log_lam = np.log(lam[:, 0])  # (draws, J)
    np.testing.assert_allclose(log_lam.mean(axis=0), LOADING_PRIOR[0], atol=0.04)
    np.testing.assert_allclose(log_lam.std(axis=0), LOADING_PRIOR[1], atol=0.03)
    log_ratio = np.log(ratio[:, 0])  # (draws, D)
    item_dim = est.design.item_dimension
    r = [np.corrcoef(log_lam[:, j], log_ratio[:, item_dim[j]])[0, 1] for j in range(log_lam.shape[1])]
    assert np.abs(r).max() < 0.03


def test_attenuation_scaled_satisfaction_parameters_keep_their_priors():
    """With several satisfaction items the sampler sees beta and the satisfaction cut-points divided by
    the residual's attenuation factor; on the reported scale the priors stay beta ~ N(0, 1), location
    ~ N(0, 3), log gaps ~ N(log(6 / (K - 2)), 0.5), all independent of sat_resid_sd ~ HalfNormal(1)."""
    import pymc as pm
    from scipy import stats

    sim = latent.simulate_latent(20, dimensions={"a": ("q1", "q2", "q3"), "b": ("q4", "q5")}, link="free",
                                 n_satisfaction=2, seed=2)
    est = latent.LatentExpectations(sim.design, link="free")
    model, _ = _graph(est, sim.data)
    assert {"beta_P_attenuated", "beta_E_attenuated"} <= {v.name for v in model.free_RVs}
    beta_p, beta_e, cut, r_sd = pm.draw([model["beta_P"], model["beta_E"], model["sat_cut"], model["sat_resid_sd"]],
                                        draws=20_000, random_seed=6)
    for beta in (beta_p, beta_e):
        assert stats.kstest(beta[:, 0], stats.norm().cdf).pvalue > 0.01
        assert abs(np.corrcoef(np.abs(beta[:, 0]), r_sd)[0, 1]) < 0.03
    assert stats.kstest(r_sd, stats.halfnorm().cdf).pvalue > 0.01
    k = cut.shape[-1] + 1
    log_gap = np.log(np.diff(cut[:, 0], axis=-1))
    assert stats.kstest(log_gap[:, 0], stats.norm(np.log(6 / (k - 2)), 0.5).cdf).pvalue > 0.01
    assert abs(np.corrcoef(log_gap[:, 0], r_sd)[0, 1]) < 0.03
    location = cut[:, 0].mean(axis=-1)
    assert stats.kstest(location, stats.norm(0, 3).cdf).pvalue > 0.01
    assert abs(np.corrcoef(np.abs(location), r_sd)[0, 1]) < 0.03


@pytest.mark.parametrize(("max_sd", "tol"), [(1.0, 1e-8), (1.5, 1e-5), (2.0, 5e-4)])
def test_satisfaction_residual_quadrature_matches_adaptive_integration(max_sd, tol):
    """The shared residual of several satisfaction items is integrated out by Gauss-Hermite quadrature;
    against scipy's adaptive integral of the same product of ordered-logit probabilities it keeps the
    accuracy documented at ``SAT_QUADRATURE`` (two items, extreme and mixed answers, |eta| <= 5)."""
    from scipy import integrate
    from scipy.stats import norm

    cut = centred_cutpoints(np.array([1.0, 0.8, 1.2, 1.0, 0.9]))
    cuts = np.stack([cut, cut + 0.3])  # two items, 7 categories
    answers = np.array([[3, 3], [0, 6], [2, 4], [6, 6], [0, 0], [1, 2], [5, 1]])
    cat, answered = answers, np.ones_like(answers, dtype=bool)
    cp = padded(cuts)

    def exact(eta, r, a, b):
        def f(u):
            e = eta + r * u
            return (norm.pdf(u) * (expit(cp[0, a + 1] - e) - expit(cp[0, a] - e))
                    * (expit(cp[1, b + 1] - e) - expit(cp[1, b] - e)))
        return np.log(integrate.quad(f, -12, 12, epsabs=0, epsrel=1e-13, limit=400)[0])

    worst = 0.0
    for eta in (-5.0, -1.5, 0.0, 2.0, 5.0):
        for r in np.linspace(0.05, max_sd, 5):
            got = fw.satisfaction_loglik(np.full(len(answers), eta), cuts, np.array(r), cat, answered)
            want = [exact(eta, r, a, b) for a, b in answers]
            worst = max(worst, np.abs(got - want).max())
    assert worst < tol
    # one answered item, or none: the residual integrates out exactly
    single = fw.satisfaction_loglik(np.array([0.4, 0.4]), cuts, np.array(1.7), np.array([[2, 0], [0, 0]]),
                                    np.array([[True, False], [False, False]]))
    direct = np.log(expit(cp[0, 3] - 0.4) - expit(cp[0, 2] - 0.4))
    assert single[1] == pytest.approx(0.0, abs=1e-12)
    assert single[0] != pytest.approx(direct)  # marginal over the residual, not conditional on 0
    wide = np.log(integrate.quad(lambda u: norm.pdf(u) * (expit(cp[0, 3] - 0.4 - 1.7 * u)
                                                          - expit(cp[0, 2] - 0.4 - 1.7 * u)), -12, 12)[0])
    assert single[0] == pytest.approx(wide, abs=1e-4)
