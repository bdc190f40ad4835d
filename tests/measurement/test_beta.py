"""The Beta measurement of probability answers: pytensor and numpy agree; the squeeze; drawing."""

from __future__ import annotations

import numpy as np
import pytest

from expectmodel.measurement import beta as bm


def test_squeeze_moves_answers_into_the_open_interval():
    p = np.array([[0.0, 1.0, 0.4], [np.nan, 0.5, 1.0]])
    y = bm.squeeze(p)
    N = 5
    np.testing.assert_allclose(y[0], (p[0] * (N - 1) + 0.5) / N)
    assert y[1, 0] == 0.5  # the placeholder of an unanswered cell
    assert np.all((y > 0) & (y < 1))
    # an explicit mask counts only the cells it marks answered
    mask = np.isfinite(p) & (p != 0.4)
    np.testing.assert_allclose(bm.squeeze(p, mask)[0, :2], (p[0, :2] * 3 + 0.5) / 4)


def test_graph_and_numpy_agree_at_random_points():
    pytest.importorskip("pymc")
    import pytensor
    import pytensor.tensor as pt

    rng = np.random.default_rng(3)
    y_np = rng.uniform(0.01, 0.99, size=(40, 5))
    m_np = rng.uniform(0.05, 0.95, size=(40, 5))
    phi_np = rng.uniform(1.0, 30.0, size=5)
    y, m, phi = pt.matrix("y"), pt.matrix("m"), pt.vector("phi")
    f = pytensor.function([y, m, phi], bm.beta_logp_graph(y, m, phi))
    np.testing.assert_allclose(f(y_np, m_np, phi_np), bm.beta_logp(y_np, m_np, phi_np), rtol=1e-9, atol=1e-12)


def test_draws_have_the_beta_mean_and_variance():
    """100,000 draws of Beta(m phi, (1 - m) phi): mean m, variance m (1 - m) / (1 + phi). The Monte Carlo
    SD of the mean is sqrt(var / 1e5) <= 0.0011 here, of the variance below 2e-4; the tolerances 0.004 and
    0.001 are more than 3.5 SDs (seed fixed)."""
    rng = np.random.default_rng(4)
    for m, phi in ((0.2, 5.0), (0.7, 20.0)):
        y = bm.draw_beta(rng, np.full(100_000, m), phi)
        assert abs(y.mean() - m) < 0.004
        assert abs(y.var() - m * (1 - m) / (1 + phi)) < 0.001
