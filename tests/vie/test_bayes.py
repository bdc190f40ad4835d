"""Hierarchical Bayesian VIE: the numpy mirror (true scores, integrated likelihood), bad input, one smoke fit."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import xarray as xr
from scipy.stats import multivariate_normal

from expectmodel.errors import DataError, SpecError
from expectmodel.measurement.ordinal import category_probabilities
from expectmodel.vie import HierarchicalVIE, simulate_within
from expectmodel.vie import _graph as g
from tests._cases_vie import bayes_survey, fast


def synthetic_posterior(p, S=3, seed=1, Q=4):
    """A fake posterior (1 chain, S draws) of the right shapes."""
    rng = np.random.default_rng(seed)
    R, N, K = p.resp.size, p.N, len(p.outcomes)
    A = rng.normal(size=(S, Q, Q))
    cov = A @ np.swapaxes(A, 1, 2) + Q * np.eye(Q)
    sd = np.sqrt(np.diagonal(cov, axis1=1, axis2=2))
    corr = cov / (sd[:, :, None] * sd[:, None, :])
    d = {"mu_E": rng.normal(size=(1, S, K)), "sigma_E": np.abs(rng.normal(size=(1, S))) + .5,
         "z_E": rng.normal(size=(1, S, R)), "mu_V": rng.normal(size=(1, S, K)),
         "sigma_V": np.abs(rng.normal(size=(1, S))) + .5, "z_V": rng.normal(size=(1, S, R)),
         "cut_V": np.tile(np.arange(6.0) - 2.5, (1, S, 1, 1)), "beta": rng.normal(size=(1, S, 4)),
         "tau": np.abs(rng.normal(0.5, 0.2, size=(1, S, Q))), "corr_chol": np.linalg.cholesky(corr)[None],
         "z_person": rng.normal(size=(1, S, N, Q)), "sigma_y": np.full((1, S), 0.7)}
    return xr.Dataset({k: (tuple(f"d{k}{i}" for i in range(v.ndim)), v) for k, v in d.items()})


@pytest.fixture(scope="module")
def prepared():
    sim = simulate_within(12, outcomes=4, seed=3)
    return HierarchicalVIE("respondent", ["E1", "E2"], ["V1", "V2"], "y", outcome="outcome")._prepare(sim.data)


def test_true_valence_is_the_expected_answer_minus_zero(prepared):
    post = synthetic_posterior(prepared)
    _, v = g.true_scores(prepared, post)
    eta = (post["mu_V"].values[0][:, prepared.outcome] + post["sigma_V"].values[0][:, None]
           * post["z_V"].values[0])
    probs = category_probabilities(eta, np.arange(6.0) - 2.5)  # (S, R, 7) over answers -3..3
    np.testing.assert_allclose(v, probs @ np.arange(-3, 4), rtol=1e-12, atol=1e-12)


def test_integrated_gaussian_likelihood_is_the_multivariate_normal(prepared):
    post = synthetic_posterior(prepared)
    got = g.criterion_loglik(prepared, post)
    X = g._design(prepared, post)
    for s in range(3):
        chol = post["corr_chol"].values[0, s]
        tau = np.diag(post["tau"].values[0, s])
        omega = tau @ chol @ chol.T @ tau
        for n in (0, 5, 11):
            rows = np.flatnonzero(prepared.resp == n)
            Xn = X[s, rows]
            Xc = Xn - prepared.centre  # the person deviations act on centred predictors
            cov = Xc @ omega @ Xc.T + 0.49 * np.eye(rows.size)
            want = multivariate_normal(Xn @ post["beta"].values[0, s], cov).logpdf(prepared.y[rows])
            np.testing.assert_allclose(got[s, n], want, rtol=1e-10)


def test_integrated_bernoulli_likelihood_against_quadrature():
    sim = simulate_within(10, outcomes=4, criterion="bernoulli", seed=4)
    p = HierarchicalVIE("respondent", ["E1", "E2"], ["V1", "V2"], "y", outcome="outcome", family="bernoulli",
                        person_slopes=False)._prepare(sim.data)
    post = synthetic_posterior(p, Q=1)
    got = g.criterion_loglik(p, post, nodes=4000)
    # Gauss-Hermite over the one person intercept (independent of the Monte Carlo in the package)
    x, w = np.polynomial.hermite_e.hermegauss(80)
    X = g._design(p, post)
    b, tau = post["beta"].values[0], post["tau"].values[0, :, 0]
    for s in range(3):
        for n in range(p.N):
            rows = np.flatnonzero(p.resp == n)
            lin = (X[s, rows] @ b[s])[:, None] + tau[s] * x[None, :]
            like = np.prod(np.where(p.y[rows, None] > 0.5, 1 / (1 + np.exp(-lin)), 1 / (1 + np.exp(lin))), axis=0)
            # tolerance: 4000 Monte Carlo nodes, relative SE of the mean about 1% at these spreads
            np.testing.assert_allclose(got[s, n], np.log(w @ like / w.sum()), atol=0.05)


def test_bad_input():
    sim = simulate_within(20, outcomes=3, seed=5)
    d = sim.data
    with pytest.raises(DataError, match=r"1 respondent\(s\) have a single within-subject row \(4\)"):
        HierarchicalVIE("respondent", "E1", "V1", "y").fit(d[~((d["respondent"] == 4) & (d["outcome"] != "o1"))])
    with pytest.raises(DataError, match="outside the declared 0-1 probability"):
        HierarchicalVIE("respondent", "E1", "V1", "y").fit(d.assign(E1=d["E1"] + 1))
    with pytest.raises(DataError, match="not whole categories"):
        HierarchicalVIE("respondent", "E1", "V1", "y").fit(d.assign(V1=d["V1"] + 0.5 * (d["V1"] < 3)))
    from expectmodel.data import Scale

    with pytest.raises(SpecError, match="no declared zero"):
        HierarchicalVIE("respondent", "E1", "V1", "y", valence_scale=Scale(1, 7)).fit(d)
    with pytest.raises(DataError, match="needs a 0/1 criterion"):
        HierarchicalVIE("respondent", "E1", "V1", "y", family="bernoulli").fit(d)


@pytest.fixture(scope="module")
def smoke():
    sim = bayes_survey()
    est = HierarchicalVIE("respondent", ["E1", "E2"], ["V1", "V2"], "y", outcome="outcome", sampler=fast())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sim, est.fit(sim.data)


def test_smoke_fit_recovers_the_product_and_per_respondent_motivation(smoke):
    sim, res = smoke
    t = res.to_frame().query("kind == 'coefficient'").set_index("rhs")
    # 90% intervals, padded by 0.05 for the short chains (see tests/_cases_vie.py)
    for rhs in ("E", "E*V"):
        truth = sim.truth["coefficients"][rhs]
        assert t.loc[rhs, "ci_low"] - 0.05 <= truth <= t.loc[rhs, "ci_high"] + 0.05, t.loc[rhs]
    m = res.motivation()
    # the posterior motivation tracks the true M more closely than the manifest sum of item means does
    r_post = np.corrcoef(m["estimate"], sim.truth["M"])[0, 1]
    r_manifest = np.corrcoef(m["manifest"], sim.truth["M"])[0, 1]
    assert r_post > r_manifest, (r_post, r_manifest)
    # 90% intervals of M cover the truth for most respondents (the 85-95% check is the slow study)
    covered = ((m["ci_low"] <= sim.truth["M"]) & (sim.truth["M"] <= m["ci_high"])).mean()
    assert covered > 0.75, covered
    ll = res.tree["log_likelihood"]["criterion"]
    assert ll.shape == (2, 300, 150)
    assert "Population coefficients" in str(res.summary())


def test_likert_expectancy_is_measured_ordinally_and_read_as_a_probability():
    from expectmodel.data import Scale

    sim = simulate_within(12, outcomes=4, seed=6)
    data = sim.data.assign(E1=(sim.data["E1"] * 4).round() + 1, E2=(sim.data["E2"] * 4).round() + 1)  # 1..5
    est = HierarchicalVIE("respondent", ["E1", "E2"], ["V1", "V2"], "y", outcome="outcome",
                          expectancy_scale=Scale(1, 5))
    assert {"cut_E", "cut_V"} <= set(est.build(data).named_vars)
    p = est._prepare(data)
    post = synthetic_posterior(p).assign(cut_E=(("c0", "c1", "c2", "c3"), np.tile([-1.5, -0.5, 0.5, 1.5],
                                                                                   (1, 3, 1, 1))))
    e, _ = g.true_scores(p, post)
    eta = post["mu_E"].values[0][:, p.outcome] + post["sigma_E"].values[0][:, None] * post["z_E"].values[0]
    probs = category_probabilities(eta, np.array([-1.5, -0.5, 0.5, 1.5]))  # answers 1..5
    np.testing.assert_allclose(e, probs @ (np.arange(5) / 4), rtol=1e-12)


def test_person_coefficients_reproduce_the_graphs_linear_predictor(prepared):
    post = synthetic_posterior(prepared)
    X = g._design(prepared, post)
    beta, tau = post["beta"].values[0], post["tau"].values[0]
    dev = np.einsum("snq,srq->snr", post["z_person"].values[0], post["corr_chol"].values[0]) * tau[:, None, :]
    # the graph: fixed part on raw predictors, deviations on centred ones
    lin_graph = (X * beta[:, None, :]).sum(-1) + (dev[:, prepared.resp] * (X - prepared.centre)).sum(-1)
    coef = g.person_coefficients(prepared, post)[:, prepared.resp]
    np.testing.assert_allclose((coef * X).sum(-1), lin_graph, rtol=1e-12, atol=1e-12)
