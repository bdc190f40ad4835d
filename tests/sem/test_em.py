"""missing="em": maximum-likelihood moments under multivariate normality with answers missing at random.

Truths: complete data (EM is the sample mean and correlation); the closed-form ML estimates of the factored
likelihood when a single column has missing values (Anderson 1957: regress it on the complete columns over
the complete rows, then combine with the complete columns' moments over all rows); the batched EM of the
bootstrap against one EM per resample.
"""

from __future__ import annotations

import numpy as np
import pytest

import expectmodel as em
from expectmodel.sem._data import em_fit, em_moments, missing_patterns


def test_complete_data_gives_the_sample_moments(ecsi_survey):
    x = ecsi_survey.data.to_numpy(float)
    x = np.vstack([x, np.r_[np.nan, x[0, 1:]]])  # one missing cell so that EM has something to do
    full = em_fit(x[:-1].copy())
    np.testing.assert_allclose(full.corr, np.corrcoef(x[:-1].T), atol=1e-10)
    np.testing.assert_allclose(full.mean, x[:-1].mean(axis=0), atol=1e-10)
    np.testing.assert_allclose(full.sd, x[:-1].std(axis=0, ddof=1), atol=1e-10)


def test_one_incomplete_column_has_the_factored_likelihood_solution():
    rng = np.random.default_rng(5)
    n = 400
    cov = np.array([[1.0, 0.5, 0.3], [0.5, 1.0, 0.4], [0.3, 0.4, 1.0]])
    x = rng.multivariate_normal([1.0, 2.0, 3.0], cov, size=n)
    miss = rng.random(n) < 1 / (1 + np.exp(-(x[:, 0] - 1)))  # missing at random: depends on column 0
    x[miss, 2] = np.nan
    got = em_fit(x)
    obs = ~miss
    xa, y = x[:, :2], x[obs, 2]
    design = np.column_stack([np.ones(obs.sum()), xa[obs]])
    beta = np.linalg.lstsq(design, y, rcond=None)[0]
    resid = y - design @ beta
    s2 = resid @ resid / obs.sum()  # ML residual variance
    mu_a = xa.mean(axis=0)
    cov_a = np.cov(xa.T, bias=True)  # ML over all rows
    mu_y = beta[0] + beta[1:] @ mu_a
    cov_ya = beta[1:] @ cov_a
    var_y = s2 + beta[1:] @ cov_a @ beta[1:]
    ml = np.block([[cov_a, cov_ya[:, None]], [cov_ya[None, :], np.array([[var_y]])]])
    np.testing.assert_allclose(got.mean, np.r_[mu_a, mu_y], atol=1e-7)
    np.testing.assert_allclose(got.corr, ml / np.sqrt(np.outer(np.diag(ml), np.diag(ml))), atol=1e-7)
    np.testing.assert_allclose(got.sd, np.sqrt(np.diag(ml) * n / (n - 1)), atol=1e-7)


def test_batched_em_equals_one_em_per_resample():
    rng = np.random.default_rng(1)
    z = rng.multivariate_normal(np.zeros(4), np.eye(4) * 0.5 + 0.5, size=200)
    z[rng.random(z.shape) < 0.1] = np.nan
    nan = np.isnan(z)
    w = rng.integers(0, 3, size=(4, 200)).astype(float)
    start = np.eye(4)
    mu, sigma, _, _ = em_moments(z, w, np.zeros(4), start, missing_patterns(nan), tol=1e-12)
    for b in range(4):
        one = em_moments(z, w[b], np.zeros(4), start, missing_patterns(nan), tol=1e-12)
        np.testing.assert_allclose(sigma[b], one[1], atol=1e-10)
        np.testing.assert_allclose(mu[b], one[0], atol=1e-10)


def test_pls_with_em(ecsi):
    survey = em.datasets.load_csi_survey()
    res = em.PLS(ecsi, missing="em", missing_values=-99, scale=(1, 10), bootstrap=20, bca=False,
                 seed=1).fit(survey)
    assert res.n == len(survey) and res.meta.data.missing == "em"
    assert res.meta.data.extra["em_iterations"] > 1 and sum(res.meta.data.n_imputed.values()) > 0
    ref = em_fit(survey[list(ecsi.indicators)].replace(-99, np.nan).to_numpy(float))
    np.testing.assert_allclose(res.s, ref.corr, atol=1e-12)
    assert res.to_frame().query("kind == 'path'")["std_error"].gt(0).all()
    np.testing.assert_allclose(res.predict(survey.replace(-99, np.nan).fillna(
        dict(zip(ecsi.indicators, ref.mean, strict=True)))).shape, (len(survey), len(ecsi.names)))
    with pytest.raises(em.errors.ParameterError, match="missing"):
        em.PLS(ecsi, missing="impute").fit(survey)
