"""The ordered-logit pieces: pytensor graph and numpy mirror agree; probabilities and draws are consistent."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit

from expectmodel.measurement import ordinal as od


def test_centred_cutpoints_are_ordered_and_centred():
    cut = od.centred_cutpoints(np.array([1.0, 0.5, 2.0, 1.0, 1.5]))
    assert np.all(np.diff(cut) > 0) and abs(cut.sum()) < 1e-12
    shifted = od.centred_cutpoints(np.ones((2, 3)), loc=np.array([0.0, 2.0]))
    np.testing.assert_allclose(shifted.mean(axis=-1), [0.0, 2.0])


def test_ordinal_logp_is_a_stable_distribution():
    cut = od.centred_cutpoints(np.array([1.0, 0.5, 2.0, 1.0, 1.5]))
    eta = np.array([-40.0, -3.0, 0.0, 2.5, 40.0])
    cp = od.padded(cut)
    total = np.zeros_like(eta)
    for k in range(7):
        lp = od.ordinal_logp(np.full(5, k), eta, cp[k], cp[k + 1])
        with np.errstate(divide="ignore"):
            direct = np.log(expit(cp[k + 1] - eta) - expit(cp[k] - eta))
        ok = np.isfinite(direct)
        np.testing.assert_allclose(lp[ok], direct[ok], rtol=1e-10, atol=1e-14)
        assert np.isfinite(lp).all()  # stable where the naive difference underflows
        total += np.exp(lp)
    np.testing.assert_allclose(total, 1.0, rtol=1e-12)


def test_category_probabilities_sum_to_one():
    rng = np.random.default_rng(0)
    cut = od.centred_cutpoints(rng.uniform(0.2, 2.0, size=(3, 5)))  # 3 items, 7 categories
    eta = rng.normal(0, 3, size=(100, 3))
    p = od.category_probabilities(eta, cut)
    assert p.shape == (100, 3, 7) and np.all(p >= 0)
    np.testing.assert_allclose(p.sum(-1), 1.0, rtol=1e-12)
    # and equal exp(ordinal_logp) category by category
    cp = od.padded(cut)
    for k in range(7):
        np.testing.assert_allclose(p[..., k], np.exp(od.ordinal_logp(None, eta, cp[:, k], cp[:, k + 1])), rtol=1e-9)


def test_draw_ordinal_matches_probabilities():
    """200,000 draws: a category share's Monte Carlo SD is sqrt(p (1 - p) / 200,000) <= 0.0011, so the
    tolerance 0.004 is about 3.6 SDs for the worst category (a false alarm about once in 3,000 runs per
    category; the seed is fixed)."""
    rng = np.random.default_rng(0)
    cut = od.centred_cutpoints(np.ones(3))
    y = od.draw_ordinal(rng, np.full(200_000, 0.7), cut)
    freq = np.bincount(y, minlength=5) / y.size
    np.testing.assert_allclose(freq, od.category_probabilities(np.array(0.7), cut), atol=4e-3)


def test_graph_and_numpy_agree_at_random_points():
    pytensor = pytest.importorskip("pytensor")
    import pytensor.tensor as pt

    rng = np.random.default_rng(1)
    n, J, K = 50, 4, 6
    cut_np = od.centred_cutpoints(rng.uniform(0.3, 2.0, size=(J, K - 2)))
    cat = rng.integers(K, size=(n, J))
    eta_np = rng.normal(0, 4, size=(n, J))
    eta_np[0, 0], eta_np[1, 1] = 60.0, -60.0  # far tails
    cut = pt.matrix("cut")
    eta = pt.matrix("eta")
    pad = od.padded_graph(cut, J)
    items = np.arange(J)[None, :]
    lp = od.ordinal_logp_graph(eta, pad[items, cat], pad[items, cat + 1])
    f = pytensor.function([eta, cut], [lp, pad])
    got, pad_val = f(eta_np, cut_np)
    np.testing.assert_array_equal(pad_val, od.padded(cut_np))
    cp = od.padded(cut_np)
    want = od.ordinal_logp(cat, eta_np, cp[items, cat], cp[items, cat + 1])
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)


def test_cutpoints_graph_mirrors_centred_cutpoints():
    pm = pytest.importorskip("pymc")

    rng = np.random.default_rng(2)
    with pm.Model() as model:
        loc = pm.Normal("loc", 0.0, 1.0, shape=(2,))
        od.cutpoints_graph("cut", 6, (2,), None, loc=loc)
    point = {"loc": rng.normal(size=2), "cut_log_gap": rng.normal(size=(2, 4))}
    import pytensor

    f = pytensor.function(model.value_vars, model.replace_rvs_by_values([model["cut"]])[0])
    got = f(*[point[v.name] for v in model.value_vars])
    np.testing.assert_allclose(got, od.centred_cutpoints(np.exp(point["cut_log_gap"]), point["loc"]), rtol=1e-12)
    # initialised at the prior median: equal gaps of 6 / (K - 2)
    np.testing.assert_allclose(model.initial_point()["cut_log_gap"], np.log(1.5))
