"""Moderated regression: agreement with direct statsmodels fits, the product test, robustness, centring."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from statsmodels.miscmodels.ordinal_model import OrderedModel

import expectmodel as em
from expectmodel.errors import DataError, SpecError
from expectmodel.vie import ModeratedRegression, VIEDesign, simulate_vie

OUTCOMES = ("delivery", "price", "recovery")


def factors(data: pd.DataFrame) -> pd.DataFrame:
    """E-bar, V-bar and M written out from the raw columns (probabilities 0-1, valence zero 0)."""
    e = data[[f"E_{o}" for o in OUTCOMES]].to_numpy()
    v = data[[f"V_{o}" for o in OUTCOMES]].to_numpy().astype(float)
    return pd.DataFrame({"y": data["y"].to_numpy(), "Ebar": e.mean(1), "Vbar": v.mean(1), "M": (e * v).sum(1)})


def full_rows(res) -> pd.DataFrame:
    t = res.to_frame()
    return t[(t["group"] == "full") & (t["kind"] == "coefficient")].set_index("rhs")


@pytest.mark.parametrize("family, criterion", [("ols", "continuous"), ("logit", "binary"), ("ordered", "ordinal")])
def test_agrees_with_a_direct_statsmodels_fit(family, criterion):
    sim = simulate_vie(400, truth="full", criterion=criterion, seed=4)
    res = ModeratedRegression(sim.design, "y", family=family).fit(sim.data)
    f = factors(sim.data)
    if family == "ols":
        direct = smf.ols("y ~ Ebar + Vbar + M", data=f).fit()
    elif family == "logit":
        direct = smf.logit("y ~ Ebar + Vbar + M", data=f).fit(disp=0)
    else:
        direct = OrderedModel.from_formula("y ~ Ebar + Vbar + M", data=f, distr="logit").fit(
            method="bfgs", disp=0, maxiter=1000)
    names = {"Intercept": "Intercept", "E": "Ebar", "V": "Vbar", "E*V": "M"}
    got = full_rows(res)
    for ours, theirs in names.items():
        if family == "ordered" and ours == "Intercept":
            continue
        np.testing.assert_allclose(got.loc[ours, "estimate"], direct.params[theirs], rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(got.loc[ours, "std_error"], direct.bse[theirs], rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(res.comparison.loc["full", "log_likelihood"], direct.llf, rtol=1e-10)
    np.testing.assert_allclose(res.comparison.loc["full", "aic"], direct.aic, rtol=1e-10)


def test_product_test_is_statsmodels_nested_comparison():
    sim = simulate_vie(300, truth="full", seed=5)
    res = ModeratedRegression(sim.design, "y").fit(sim.data)
    f = factors(sim.data)
    full = smf.ols("y ~ Ebar + Vbar + M", data=f).fit()
    add = smf.ols("y ~ Ebar + Vbar", data=f).fit()
    fstat, p, _ = full.compare_f_test(add)
    t = res.product_test
    np.testing.assert_allclose([t["statistic"], t["p_value"]], [fstat, p], rtol=1e-10)
    np.testing.assert_allclose(t["delta_r2"], full.rsquared - add.rsquared, rtol=1e-10)
    # one term: F = t^2 of the product's Wald test
    np.testing.assert_allclose(fstat, full.tvalues["M"] ** 2, rtol=1e-10)

    simb = simulate_vie(400, truth="full", criterion="binary", seed=5)
    resb = ModeratedRegression(simb.design, "y", family="logit").fit(simb.data)
    fb = factors(simb.data)
    from scipy import stats

    llf_full = smf.logit("y ~ Ebar + Vbar + M", data=fb).fit(disp=0).llf
    llf_add = smf.logit("y ~ Ebar + Vbar", data=fb).fit(disp=0).llf
    lr = 2 * (llf_full - llf_add)
    pb = stats.chi2.sf(lr, 1)
    np.testing.assert_allclose([resb.product_test["statistic"], resb.product_test["p_value"]], [lr, pb], rtol=1e-8)


@pytest.mark.parametrize("family, criterion", [("ols", "continuous"), ("logit", "binary")])
def test_robustness_report_equals_refits_on_shifted_data(family, criterion):
    sim = simulate_vie(300, truth="full", criterion=criterion, seed=6)
    res = ModeratedRegression(sim.design, "y", family=family).fit(sim.data)
    rob = res.robustness(expectancy=(0.0, 0.3), valence=(0.0, -2.0)).set_index(["shift_E", "shift_V"])
    e = sim.data[[f"E_{o}" for o in OUTCOMES]].to_numpy()
    v = sim.data[[f"V_{o}" for o in OUTCOMES]].to_numpy().astype(float)
    fit = smf.ols if family == "ols" else (lambda *a, **k: smf.logit(*a, **k))
    for a, c in [(0.3, 0.0), (0.0, -2.0), (0.3, -2.0)]:
        es, vs = e + a, v + c  # every outcome's origin moved
        f = pd.DataFrame({"y": sim.data["y"], "Ebar": es.mean(1), "Vbar": vs.mean(1), "M": (es * vs).sum(1)})
        d = fit("y ~ Ebar + Vbar + M", data=f).fit(**({} if family == "ols" else {"disp": 0}))
        row = rob.loc[(a, c)]
        np.testing.assert_allclose([row["E"], row["V"], row["E*V"], row["se_E*V"]],
                                   [d.params["Ebar"], d.params["Vbar"], d.params["M"], d.bse["M"]], rtol=1e-7)
    # the product and its test do not move; the main effects do
    full = res.robustness()
    assert np.ptp(full["E*V"]) < 1e-10 and np.ptp(full["statistic_E*V"]) < 1e-8
    assert np.ptp(full["E"]) > 0.05 and np.ptp(full["V"]) > 0.01


def test_centring_keeps_the_product_test_and_changes_the_main_effects():
    sim = simulate_vie(400, truth="full", seed=7)
    raw = ModeratedRegression(sim.design, "y").fit(sim.data)
    cen = ModeratedRegression(sim.design, "y", centre=True).fit(sim.data)
    a, b = full_rows(raw), full_rows(cen)
    np.testing.assert_allclose(a.loc["E*V", ["estimate", "std_error"]].to_numpy(dtype=float),
                               b.loc["E*V", ["estimate", "std_error"]].to_numpy(dtype=float), rtol=1e-8)
    np.testing.assert_allclose(raw.product_test["statistic"], cen.product_test["statistic"], rtol=1e-8)
    assert abs(a.loc["E", "estimate"] - b.loc["E", "estimate"]) > 0.05
    # collinearity of the product with the main effects drops
    assert cen.collinearity().abs().loc["E*V", ["E", "V"]].max() < raw.collinearity().abs().loc["E*V", ["E", "V"]].max()
    assert "multiplicative" not in cen.comparison.index
    assert "main effects are now the effects of E at the average V" in str(cen.summary())
    # centred main effects = the raw fit's simple slopes at the means (b1 + b3 K vbar, b2 + b3 K ebar)
    k = len(OUTCOMES)
    ebar = sim.data[[f"E_{o}" for o in OUTCOMES]].to_numpy().mean()
    vbar = sim.data[[f"V_{o}" for o in OUTCOMES]].to_numpy().mean()
    np.testing.assert_allclose(b.loc["E", "estimate"], a.loc["E", "estimate"] + a.loc["E*V", "estimate"] * k * vbar,
                               rtol=1e-8)
    np.testing.assert_allclose(b.loc["V", "estimate"], a.loc["V", "estimate"] + a.loc["E*V", "estimate"] * k * ebar,
                               rtol=1e-8)


def test_forms_compared_by_information_criteria():
    sim = simulate_vie(1500, truth="multiplicative", seed=8)
    res = ModeratedRegression(sim.design, "y").fit(sim.data)
    f = factors(sim.data)
    for form, formula in (("additive", "y ~ Ebar + Vbar"), ("multiplicative", "y ~ M"),
                          ("full", "y ~ Ebar + Vbar + M")):
        direct = smf.ols(formula, data=f).fit()
        np.testing.assert_allclose(res.comparison.loc[form, ["aic", "bic", "r2"]].to_numpy(dtype=float),
                                   [direct.aic, direct.bic, direct.rsquared], rtol=1e-10)
    # under a multiplicative truth the pure multiplicative form has the lowest BIC
    assert res.comparison["bic"].idxmin() == "multiplicative"


def test_bundled_survey_and_interaction_frame():
    survey = em.datasets.load_vie_survey()
    res = ModeratedRegression(em.datasets.vie_survey_design(), "repurchase", family="logit", missing="listwise",
                              missing_values=-99).fit(survey)
    frame = res.interaction_frame(points=5)
    assert frame["level"].nunique() == 3 and len(frame) == 15
    assert ((frame["ci_low"] <= frame["predicted"]) & (frame["predicted"] <= frame["ci_high"])).all()
    assert frame["predicted"].between(0, 1).all()
    # the bundled truth has a positive product (0.45): the slope of E is steeper at high V
    lo = frame[frame["level"].str.startswith("low")]["predicted"].to_numpy()
    hi = frame[frame["level"].str.startswith("high")]["predicted"].to_numpy()
    assert (hi[-1] - hi[0]) > (lo[-1] - lo[0])


def test_bad_input():
    sim = simulate_vie(100, seed=1)
    with pytest.raises(DataError, match="criterion 'y' has no variance"):
        ModeratedRegression(sim.design, "y").fit(sim.data.assign(y=1.0))
    with pytest.raises(DataError, match="needs a 0/1 criterion"):
        ModeratedRegression(sim.design, "y", family="logit").fit(sim.data)
    with pytest.raises(DataError, match=r"Indicator\(s\) not found.*'Y'"):
        ModeratedRegression(sim.design, "Y").fit(sim.data)
    nozero = VIEDesign.from_outcomes(list(OUTCOMES), valence_scale=(-3, 3))
    with pytest.raises(SpecError, match="no declared zero"):
        ModeratedRegression(nozero, "y").fit(sim.data)


def test_vroom_form():
    rng = np.random.default_rng(2)
    n = 400
    e = rng.uniform(0, 1, n)
    i = rng.integers(-3, 4, size=(n, 2))
    v = rng.integers(-3, 4, size=(n, 2))
    iv = (i / 3 * v).sum(1)
    y = 0.2 + 0.5 * e + 0.1 * iv + 0.4 * e * iv + rng.normal(0, 0.5, n)
    data = pd.DataFrame({"E": e, "I_a": i[:, 0], "I_b": i[:, 1], "V_a": v[:, 0], "V_b": v[:, 1], "y": y})
    from expectmodel.data import Scale

    d = VIEDesign(expectancy="E", valence={"a": "V_a", "b": "V_b"}, instrumentality={"a": "I_a", "b": "I_b"},
                  instrumentality_scale=Scale(-3, 3, "bipolar", zero=0))
    res = ModeratedRegression(d, "y").fit(data)
    direct = smf.ols("y ~ e + iv + m", data=pd.DataFrame({"y": y, "e": e, "iv": iv, "m": e * iv})).fit()
    np.testing.assert_allclose(full_rows(res)["estimate"].to_numpy(dtype=float), direct.params.to_numpy(),
                               rtol=1e-10)
    rob = res.robustness()
    assert np.ptp(rob["E*V"]) < 1e-10
