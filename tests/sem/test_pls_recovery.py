"""Recovery of known population values from simulated surveys (expectmodel.simulate).

Tolerances: with n = 5,000 the Monte Carlo SD of a PLSc path estimate is 0.012-0.018
and its bias below 0.004 (100 replications, benchmarks/recovery_pls.py), so atol = 0.05
is at least 2.8 SDs; at n = 250 the bootstrap SE is checked against the Monte Carlo SD.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import expectmodel as em

COMPOSITE = em.Model.from_syntax("""
    Expectation  <~ e1 + e2 + e3
    Quality      <~ q1 + q2 + q3 + q4
    Satisfaction =~ s1 + s2 + s3
    Loyalty      <~ l1 + l2
    Quality      ~ Expectation
    Satisfaction ~ Expectation + Quality
    Loyalty      ~ Satisfaction
""")
PATHS = {"Expectation->Quality": 0.5, "Expectation->Satisfaction": 0.2, "Quality->Satisfaction": 0.5,
         "Satisfaction->Loyalty": 0.6}


def _truth(frame):
    return frame.set_index(["source", "target"])["value"]


def test_plsc_recovers_reflective_paths_and_loadings():
    model = em.spec.templates.ecsi()
    paths = {"Image->Expectation": 0.5, "Expectation->Quality": 0.55, "Quality->Satisfaction": 0.5,
             "Satisfaction->Loyalty": 0.5, "Satisfaction->Complaints": 0.4}
    loadings = {i: v for i, v in zip(model.indicators, np.linspace(0.65, 0.9, len(model.indicators)), strict=True)}
    loadings["CUSCO"] = 1.0  # a single item can only be corrected if it is error-free
    sim = em.simulate.survey(model, 5_000, paths={**{f"{p.source}->{p.target}": 0.1 for p in model.paths}, **paths},
                             loadings=loadings, seed=101)
    res = em.PLS(model, consistent=True).fit(sim.data)
    got = res.paths.set_index(["source", "target"])["estimate"]
    np.testing.assert_allclose(got, _truth(sim.paths).reindex(got.index), atol=0.05)
    np.testing.assert_allclose(res.outer["loading"], list(loadings.values()), atol=0.04)
    # plain PLS is attenuated on the same data: the check above is not vacuous
    plain = em.PLS(model).fit(sim.data).paths.set_index(["source", "target"])["estimate"]
    assert plain[("Satisfaction", "Loyalty")] < got[("Satisfaction", "Loyalty")] - 0.03


@pytest.mark.parametrize("scheme", ["path", "centroid", "factorial"])
def test_pls_recovers_composite_weights_and_paths(scheme):
    weights = {"e1": 1.0, "e2": 2.0, "e3": 0.5, "q1": 1.0, "q2": 1.0, "q3": 2.0, "q4": 0.2, "l1": 1.0, "l2": 2.0}
    sim = em.simulate.survey(COMPOSITE, 5_000, paths=PATHS, weights=weights, loadings=0.85, seed=202)
    res = em.PLS(COMPOSITE, scheme=scheme).fit(sim.data)
    got = res.paths.set_index(["source", "target"])["estimate"]
    truth = _truth(sim.paths).reindex(got.index).to_numpy()
    # Satisfaction is reflective: estimated as a composite, its paths are attenuated by its reliability
    reflective = got.index.get_level_values("target").isin(["Satisfaction"]) | \
        got.index.get_level_values("source").isin(["Satisfaction"])
    np.testing.assert_allclose(got.to_numpy()[~reflective], truth[~reflective], atol=0.05)
    composite = res.outer["construct"].isin(["Expectation", "Quality", "Loyalty"]).to_numpy()
    true_w = sim.weights.to_numpy()
    np.testing.assert_allclose(res.outer["weight"].to_numpy()[composite], true_w[composite], atol=0.08)


def test_bootstrap_se_matches_monte_carlo_spread():
    """The bootstrap SE at n = 250 should match the SD of estimates over fresh samples (within 30%)."""
    model = COMPOSITE
    reps = [em.PLS(model).fit(em.simulate.survey(model, 250, paths=PATHS, seed=s).data).paths["estimate"]
            for s in range(200)]
    mc_sd = np.std(np.vstack(reps), axis=0, ddof=1)
    res = em.PLS(model, bootstrap=1000, seed=5, bca=False).fit(em.simulate.survey(model, 250, paths=PATHS,
                                                                                  seed=999).data)
    boot_se = res.to_frame().query("kind == 'path'")["std_error"].to_numpy()
    np.testing.assert_allclose(boot_se, mc_sd, rtol=0.3)


REFLECTIVE = em.Model.from_syntax("""
    Expectation  =~ e1 + e2 + e3
    Quality      =~ q1 + q2 + q3 + q4
    Satisfaction =~ s1 + s2 + s3
    Loyalty      =~ l1 + l2 + l3
    Quality      ~ Expectation
    Satisfaction ~ Expectation + Quality
    Loyalty      ~ Satisfaction
""")


def test_htmt_recovers_the_construct_correlations_and_its_bootstrap_se_the_sampling_spread():
    """With equal loadings within each block HTMT estimates |corr(construct, construct)| (Henseler et al.
    2015); its bootstrap SE at n = 250 matches the SD of HTMT over fresh samples."""
    loadings = {**dict.fromkeys(["e1", "e2", "e3"], 0.7), **dict.fromkeys(["q1", "q2", "q3", "q4"], 0.8),
                **dict.fromkeys(["s1", "s2", "s3"], 0.85), **dict.fromkeys(["l1", "l2", "l3"], 0.75)}
    big = em.simulate.survey(REFLECTIVE, 20_000, paths=PATHS, loadings=loadings, seed=31)
    got = em.PLS(REFLECTIVE).fit(big.data).htmt_inference
    truth = [abs(big.latent_corr.loc[a, b]) for a, b in zip(got["construct_1"], got["construct_2"], strict=True)]
    np.testing.assert_allclose(got["htmt"], truth, atol=0.02)
    assert np.ptp(truth) > 0.2  # the pairs differ: the comparison is not against one number

    def sample(seed: int) -> pd.DataFrame:
        return em.simulate.survey(REFLECTIVE, 250, paths=PATHS, loadings=loadings, seed=seed).data

    # over fresh samples the ratio bootstrap SE / sampling SD averages 0.91-1.04 per pair with an SD of
    # 0.07-0.13 (30 samples): four samples' mean SE is within 25% at > 3 SDs
    mc_sd = np.std([em.PLS(REFLECTIVE).fit(sample(s)).htmt_inference["htmt"] for s in range(500)], axis=0, ddof=1)
    fits = [em.PLS(REFLECTIVE, bootstrap=1000, seed=5, bca=False).fit(sample(s)).htmt_inference
            for s in range(996, 1000)]
    np.testing.assert_allclose(np.mean([f["std_error"] for f in fits], axis=0), mc_sd, rtol=0.25)
    booted = fits[-1]
    assert (booted["ci_low"] < booted["htmt"]).all() and (booted["htmt"] < booted["ci_high"]).all()


def test_index_matches_the_acsi_formula_by_hand():
    """((mean1 - 1) W1 + (mean2 - 1) W2 + (mean3 - 1) W3) / 9 * 100, W = rescaled unstandardised weights."""
    model = em.spec.templates.acsi()
    data = em.simulate.survey(model, 400, scale=(1, 10), location=0.75, seed=4).data
    res = em.PLS(model, scale=(1, 10)).fit(data)
    sat = res.outer[res.outer["construct"] == "Satisfaction"]
    w = sat["weight"].to_numpy() / data[sat["indicator"]].std(ddof=1).to_numpy()
    w = w / w.sum()
    by_hand = ((data[sat["indicator"]].mean().to_numpy() - 1) * w).sum() / 9 * 100
    assert res.index.loc["Satisfaction", "index"] == pytest.approx(by_hand, rel=1e-12)
    # scale-anchored, not sample-anchored: the same answers on a declared 0-10 scale give a different index
    other = em.PLS(model, scale=(0, 10)).fit(data).index.loc["Satisfaction", "index"]
    assert other == pytest.approx(((data[sat["indicator"]].mean().to_numpy()) * w).sum() / 10 * 100)


def test_ipma_importance_is_the_unstandardised_total_effect():
    """Independent check: OLS of rescaled 0-100 construct scores (statsmodels), then total effects."""
    import statsmodels.api as sm

    model = em.spec.templates.acsi()
    data = em.simulate.survey(model, 500, scale=(1, 10), seed=8).data
    res = em.PLS(model, scale=(1, 10)).fit(data)
    omega = res.index_weights
    lv = {}
    for c in model.constructs:
        cols = list(c.indicators)
        lv[c.name] = ((data[cols] - 1) / 9 * 100).to_numpy() @ omega.loc[c.name].to_numpy()
    names = list(model.names)
    b = np.zeros((len(names), len(names)))
    for target in model.endogenous:
        preds = list(model.predecessors(target))
        x = sm.add_constant(np.column_stack([lv[p] for p in preds]))
        fit = sm.OLS(lv[target], x).fit()
        for p, coef in zip(preds, fit.params[1:], strict=True):
            b[names.index(p), names.index(target)] = coef
    total = np.linalg.inv(np.eye(len(names)) - b) - np.eye(len(names))
    ipma = res.ipma("Loyalty").constructs.set_index("construct")
    for c in ipma.index:
        assert ipma.loc[c, "importance"] == pytest.approx(total[names.index(c), names.index("Loyalty")], rel=1e-8)
        assert ipma.loc[c, "performance"] == pytest.approx(lv[c].mean(), rel=1e-10)
