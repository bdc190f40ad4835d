"""predict(new_data): latent scores of new respondents through scoring_spec() and the numpy scorer
program ``graded_response_eap`` (expectmodel_scorer.programs.latent)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit

import expectmodel_scorer
from expectmodel import latent
from expectmodel.errors import DataError
from expectmodel_scorer.programs import latent as program
from tests.latent.conftest import STAGES

POPULATION = ("mu", "delta", "loading", "sigma", "cut", "corr", "beta_P", "beta_E", "sat_cut", "Gamma_mean",
              "Gamma_sd", "Gamma")


def _two_factor_case():
    arrays = {"mu": np.array([[1.0], [0.2]]), "sigma": np.array([[1.0], [1.2]]),
              "delta": np.array([[0.3, -0.1, -0.2]]), "loading": np.array([[1.5, 1.0, 2.0]]),
              "cut": np.array([[-2.0, -0.7, 0.6, 2.1]]), "corr": np.array([[1.0, 0.5], [0.5, 1.0]]),
              "item_dim": np.zeros(3), "gamma": np.zeros((1, 0, 1)), "driver_mean": np.zeros(0),
              "driver_sd": np.zeros(0)}
    settings = {"batteries": ["E", "P"], "dimensions": ["a"], "scale": [1, 5], "invariant": True, "n_drivers": 0,
                "draws": 4000, "seed": 0, "item_thresholds": False}
    return arrays, settings


@pytest.mark.parametrize("item_thresholds", [False, True])
def test_program_matches_a_quadrature_oracle(item_thresholds):
    """E and P of one dimension (two correlated factors): the program's posterior means and SDs against
    brute-force quadrature on a 401 x 401 grid, written here from the model's formulas.

    Monte Carlo error of the importance sampler: measured 0.010-0.027 (largest over 20 rows) with 2000
    draws and 0.004-0.007 with 20000 (it falls as 1/sqrt(draws)); with 4000 draws 0.04 is over 2x the
    largest expected error. Rows 0-2: no E answers, no answers at all (the prior: means mu, SDs sigma),
    all answers at the top."""
    arrays, settings = _two_factor_case()
    if item_thresholds:  # the full graded-response model: each item its own cut-points, rows (B' x J, K-1)
        arrays["cut"] = np.array([[-2.0, -0.7, 0.6, 2.1], [-1.0, -0.3, 0.2, 1.1], [-3.0, -1.0, 1.0, 3.0]])
        settings = {**settings, "item_thresholds": True}
    rng = np.random.default_rng(0)
    X = rng.integers(1, 6, size=(12, 6)).astype(float)
    X[0, :3] = np.nan
    X[1, :] = np.nan
    X[2] = 5
    out = program.score(arrays, settings, X)
    g = np.linspace(-6, 6, 401)
    th = np.stack(np.meshgrid(g, g, indexing="ij"), -1).reshape(-1, 2)
    base = -0.5 * np.einsum("mf,fg,mg->m", th, np.linalg.inv(arrays["corr"]), th)
    cps = [np.r_[-np.inf, arrays["cut"][j if item_thresholds else 0], np.inf] for j in range(3)]
    for i in range(len(X)):
        lp = base.copy()
        for b in range(2):
            for j in range(3):
                y = X[i, b * 3 + j]
                if np.isfinite(y):
                    eta = (arrays["mu"][b, 0] + arrays["delta"][0, j]
                           + arrays["loading"][0, j] * arrays["sigma"][b, 0] * th[:, b])
                    lp += np.log(expit(cps[j][int(y)] - eta) - expit(cps[j][int(y) - 1] - eta))
        w = np.exp(lp - lp.max())
        w /= w.sum()
        lev = arrays["mu"][:, 0] + arrays["sigma"][:, 0] * th
        gap = lev[:, 1] - lev[:, 0]
        m, gm = w @ lev, w @ gap
        ref = [m[0], np.sqrt(w @ (lev[:, 0] - m[0]) ** 2), m[1], np.sqrt(w @ (lev[:, 1] - m[1]) ** 2),
               gm, np.sqrt(w @ (gap - gm) ** 2)]
        np.testing.assert_allclose(out[i], ref, atol=0.04, err_msg=f"row {i}")
    np.testing.assert_allclose(out[1, [0, 2]], [1.0, 0.2], atol=0.04)  # no answers: the prior means


def test_held_out_scores_track_truth_as_the_in_sample_reliability_predicts(staged):
    """Acceptance: respondents held out of the fit (new draws from the same population parameters) are
    scored by predict(); the correlation of their E* and P* with the true levels matches sqrt of the fit's
    in-sample score reliability within Monte Carlo error.

    Monte Carlo error: a correlation near r from m = 400 respondents has SE (1 - r^2) / sqrt(m),
    0.015-0.03 for r = 0.85-0.93; the reliability itself is estimated (SE about 0.01 on its square root).
    The allowance 0.08 is about 3 combined SEs."""
    sim, res = staged
    held = latent.simulate_latent(400, link="gap", drivers=2, stages=STAGES, no_perception=("never used",),
                                  missing_rate=0.03, n_satisfaction=2, seed=107,
                                  truth={k: sim.truth[k] for k in POPULATION})
    pred = res.predict(held.data)
    rel = res.score_reliability()
    dims = list(sim.design.dimensions)
    never = np.asarray(STAGES)[held.truth["stage"]] == "never used"
    for b, name in enumerate(("E", "P")):
        est = pred[f"{name}_mean"].to_numpy().reshape(400, -1)
        for d, dim in enumerate(dims):
            keep = ~never if name == "P" else np.ones(400, bool)
            r = np.corrcoef(est[keep, d], held.truth["levels"][keep, b, d])[0, 1]
            expected = np.sqrt(rel.loc[(name, dim), "reliability"])
            assert abs(r - expected) < 0.08, (name, dim, r, expected)
    assert np.isnan(pred["P_mean"].to_numpy().reshape(400, -1)[never]).all()
    assert np.isfinite(pred["gap_mean"].to_numpy().reshape(400, -1)[~never]).all()


def test_predict_on_the_fitted_respondents_agrees_with_their_posterior_scores(staged):
    """The plug-in EAP of the fitted respondents against their full-posterior scores: the same numbers up
    to the parameters' own uncertainty, which the plug-in leaves out (correlation above 0.99 measured)."""
    sim, res = staged
    pred = res.predict(sim.data)
    sc = res.scores()
    for col in ("E_mean", "gap_mean"):
        a, b = pred[col].to_numpy(), sc[col].to_numpy()
        ok = np.isfinite(a) & np.isfinite(b)
        assert np.corrcoef(a[ok], b[ok])[0, 1] > 0.98, col
    # the plug-in leaves out parameter uncertainty: its SDs are not larger on average
    assert np.nanmean(pred["E_std_error"]) <= np.nanmean(sc["E_std_error"]) * 1.02


def test_scoring_spec_is_what_a_bundle_scores(staged):
    sim, res = staged
    spec = res.scoring_spec(draws=200)
    assert spec["program"] == "graded_response_eap"
    assert [e["column"] for e in spec["inputs"]][:2] == ["E_q1", "E_q2"]
    assert {"word_of_mouth", "promises", "stage"} <= {e["column"] for e in spec["inputs"]}
    frame = sim.data.head(5).assign(stage=sim.truth["stage"][:5])  # stage as its code in a bundle
    direct = expectmodel_scorer.score(spec, frame)
    assert direct.shape == (5, len(spec["outputs"])) and "gap[tangibles]" in direct.columns
    via = res.predict(sim.data.head(5), draws=200)
    np.testing.assert_allclose(via["E_mean"].to_numpy(), direct[[f"E[{d}]" for d in sim.design.dimensions]]
                               .to_numpy().ravel(), rtol=1e-12)


def test_predict_refuses_bad_input(staged):
    sim, res = staged
    bad = sim.data.head(3).astype({"stage": object})
    bad.loc[bad.index[0], "stage"] = "lapsed"
    with pytest.raises(DataError, match="stage"):
        res.predict(bad)
    with pytest.raises(expectmodel_scorer.ScoringError, match="E_q3"):
        res.predict(sim.data.head(3).drop(columns="E_q3"))
    with pytest.raises(expectmodel_scorer.ScoringError, match="E_q1"):
        res.predict(sim.data.head(3).assign(E_q1=9))
