"""Studentised (bootstrap-t) intervals of the complete bootstrap (PLSResults.bootstrap_t).

Truth: a double bootstrap written out with separate PLS fits of every outer and inner resample (the
inner resamples draw from the outer resample's rows), its t statistics and the bootstrap-t limits
``theta - q_(1-a/2) se, theta - q_(a/2) se`` (Davison & Hinkley 1997, §5.2) computed here by hand.
"""

from __future__ import annotations

import numpy as np
import pytest

import expectmodel as em
from expectmodel.errors import ParameterError

SMALL = em.Model.from_syntax("""
    Quality      =~ q1 + q2 + q3
    Value        <~ v1 + v2
    Satisfaction =~ s1 + s2 + s3
    Value        ~ Quality
    Satisfaction ~ Quality + Value
""")


def test_bootstrap_t_equals_a_written_out_double_bootstrap():
    data = em.simulate.survey(SMALL, 150, scale=(1, 7), seed=3).data
    res = em.PLS(SMALL, scale=(1, 7)).fit(data)
    rng = np.random.default_rng(11)
    b, r, n = 20, 12, len(data)
    outer, inner = rng.integers(0, n, (b, n)), rng.integers(0, n, (b, r, n))
    table = res.bootstrap_t(indices=(outer, inner), level=0.9)

    def paths(rows: np.ndarray) -> np.ndarray:
        return em.PLS(SMALL, scale=(1, 7)).fit(data.iloc[rows]).paths["estimate"].to_numpy()

    point = res.paths["estimate"].to_numpy()
    theta = np.array([paths(outer[i]) for i in range(b)])
    t = []
    for i in range(b):
        inner_paths = np.array([paths(outer[i][inner[i, j]]) for j in range(r)])
        t.append((theta[i] - point) / inner_paths.std(axis=0, ddof=1))
    q_lo, q_hi = np.quantile(np.array(t), [0.05, 0.95], axis=0)
    se = theta.std(axis=0, ddof=1)
    got = table.query("kind == 'path'")
    np.testing.assert_allclose(got["estimate"], point, atol=1e-12)
    np.testing.assert_allclose(got["std_error"], se, atol=1e-10)
    np.testing.assert_allclose(got["ci_low"], point - q_hi * se, atol=1e-9)
    np.testing.assert_allclose(got["ci_high"], point - q_lo * se, atol=1e-9)


def test_bootstrap_t_is_seeded_and_covers_the_percentile_interval_roughly():
    data = em.simulate.survey(SMALL, 200, scale=(1, 7), seed=4).data
    res = em.PLS(SMALL, scale=(1, 7), bootstrap=400, seed=2).fit(data)
    one = res.bootstrap_t(n_boot=200, n_inner=20, seed=5)
    assert one.equals(res.bootstrap_t(n_boot=200, n_inner=20, seed=5, n_jobs=2))
    paths = one.query("kind == 'path'")
    pct = res.to_frame().query("kind == 'path'")
    # the two intervals estimate the same thing: their widths agree within Monte Carlo error (200 draws)
    ratio = (paths["ci_high"] - paths["ci_low"]).to_numpy() / (pct["ci_high"] - pct["ci_low"]).to_numpy()
    assert np.all((ratio > 0.7) & (ratio < 1.4)), ratio
    assert np.all(paths["ci_low"].to_numpy() < paths["estimate"].to_numpy())
    with pytest.raises(ParameterError, match="n_inner >= 2"):
        res.bootstrap_t(n_inner=1)
