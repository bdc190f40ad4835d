"""ChurnLogit and OrderedChurn: statsmodels' numbers, marginal effects, knots, scoring, bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.miscmodels.ordinal_model import OrderedModel

from expectmodel import churn
from expectmodel.errors import DataError, DataWarning


@pytest.fixture(scope="module")
def survey():
    rng = np.random.default_rng(5)
    n = 4000
    df = pd.DataFrame({"sat": rng.uniform(0, 10, n), "price": rng.normal(0, 1, n)})
    # threshold: satisfaction above 7 buys no more loyalty (the flat part of the response)
    eta = 1.0 - 0.5 * np.minimum(df["sat"], 7) + 0.4 * df["price"]
    df["churn"] = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(int)
    df["intention"] = np.digitize(-eta + rng.logistic(size=n), [-1.5, 0.0, 1.5]) + 1
    return df


def test_logit_agrees_with_statsmodels(survey):
    res = churn.ChurnLogit(["sat", "price"]).fit(survey)
    direct = sm.Logit(survey["churn"], sm.add_constant(survey[["sat", "price"]])).fit(disp=0)
    np.testing.assert_allclose(res.to_frame()["estimate"], direct.params, rtol=1e-8)
    np.testing.assert_allclose(res.to_frame()["std_error"], direct.bse, rtol=1e-8)
    np.testing.assert_allclose(res.predict(survey), direct.predict(), rtol=1e-10)
    # average marginal effects: statsmodels' get_margeff (delta-method standard errors)
    me = direct.get_margeff(at="overall", method="dydx")
    ame = res.average_marginal_effects()
    np.testing.assert_allclose(ame["estimate"], me.margeff, rtol=1e-8)
    np.testing.assert_allclose(ame["std_error"], me.margeff_se, rtol=1e-6)


def test_threshold_effect_is_found_and_tested(survey):
    res = churn.ChurnLogit(["sat", "price"], knots={"sat": [7]}).fit(survey)
    coef = res.to_frame().set_index("rhs")["estimate"]
    # truth: slope -0.5 below 7 and 0 above, so the hinge is +0.5 (SEs about 0.03 and 0.1 at n = 4,000)
    assert abs(coef["sat"] + 0.5) < 0.15 and abs(coef["sat>7"] - 0.5) < 0.3, coef
    lt = res.linearity_test()
    assert lt["df"] == 1 and lt["p_value"] < 1e-3
    curve = res.response_curve("sat", grid=[1, 4, 7, 8, 9, 10])
    # below 7 churn falls steeply; above it the curve is flat within its interval
    assert curve["p_churn"].iloc[0] - curve["p_churn"].iloc[2] > 0.3
    assert (curve["ci_low"].iloc[3:] < curve["p_churn"].iloc[2]).all()
    # the average marginal effect combines both terms: mean of p(1-p) (b_sat + b_hinge 1[sat > 7])
    b = coef.to_numpy()
    X = np.column_stack([np.ones(len(survey)), survey["sat"], survey["price"], np.maximum(survey["sat"] - 7, 0)])
    p = 1 / (1 + np.exp(-X @ b))
    by_hand = np.mean(p * (1 - p) * (b[1] + b[3] * (survey["sat"] > 7)))
    got = res.average_marginal_effects().set_index("feature").loc["sat", "estimate"]
    np.testing.assert_allclose(got, by_hand, rtol=1e-10)
    # no knots: the test is undefined, not a number that could be misread
    assert np.isnan(churn.ChurnLogit(["sat"]).fit(survey).linearity_test()["p_value"])


def test_constant_feature_warns_by_name(survey):
    data = survey.assign(region=1.0)
    with pytest.warns(DataWarning, match=r"feature\(s\) 'region' are constant"):
        res = churn.ChurnLogit(["sat", "region"]).fit(data)
    assert res.to_frame()["rhs"].tolist() == ["intercept", "sat"]
    assert "region" in str(res.summary())


def test_label_must_be_binary(survey):
    with pytest.raises(DataError, match=r"'churn' must be binary, coded 0 \(stays\) and 1 \(churns\); it holds the "
                                        r"values 0, 1, 2"):
        churn.ChurnLogit(["sat"]).fit(survey.assign(churn=survey["churn"] + (survey.index == 0) * 2))
    with pytest.raises(DataError, match="only the value 0"):
        churn.ChurnLogit(["sat"]).fit(survey.assign(churn=0))
    with pytest.raises(DataError, match="is not numeric"):
        churn.ChurnLogit(["sat"]).fit(survey.assign(churn=np.where(survey["churn"] == 1, "yes", "no")))


def test_predict_refuses_other_feature_names(survey):
    res = churn.ChurnLogit(["sat", "price"]).fit(survey)
    with pytest.raises(DataError, match=r"feature names differ from those seen in fit \(\['sat', 'price'\]\)"):
        res.predict(survey.rename(columns={"price": "cost"}))


def test_ordered_agrees_with_statsmodels(survey):
    res = churn.OrderedChurn(["sat", "price"], draws=200, seed=2).fit(survey)
    direct = OrderedModel(survey["intention"], survey[["sat", "price"]], distr="logit").fit(method="bfgs", disp=0,
                                                                                           maxiter=2000)
    frame = res.to_frame()
    np.testing.assert_allclose(frame["estimate"].iloc[:2], direct.params.iloc[:2], rtol=1e-5)
    cuts = direct.model.transform_threshold_params(direct.params.to_numpy())[1:-1]
    np.testing.assert_allclose(frame["estimate"].iloc[2:], cuts, rtol=1e-5)
    np.testing.assert_allclose(res.predict(survey).to_numpy(), direct.predict(), atol=1e-6)
    ame = res.average_marginal_effects()
    # the category probabilities sum to 1, so their marginal effects sum to 0 for each feature
    np.testing.assert_allclose(ame.groupby("feature")["estimate"].sum(), 0, atol=1e-9)
    # and each is the mean derivative of statsmodels' own category probabilities (central differences)
    h = 1e-5
    for f in ("sat", "price"):
        up, down = survey[["sat", "price"]].copy(), survey[["sat", "price"]].copy()
        up[f] += h
        down[f] -= h
        prob = direct.model.predict
        slope = (prob(direct.params, exog=up) - prob(direct.params, exog=down)) / (2 * h)
        np.testing.assert_allclose(ame[ame["feature"] == f]["estimate"], slope.mean(axis=0), rtol=1e-4, atol=1e-7)
    # the simulated intention is -eta + noise, so it rises with satisfaction
    assert frame.set_index("rhs").loc["sat", "estimate"] > 0


def test_ordered_needs_three_categories(survey):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(DataError, match="needs three or more"):
            churn.OrderedChurn(["sat"], target="churn").fit(survey)


def test_ordered_linearity_test_holds_its_level_and_finds_a_threshold():
    """The LR test of OrderedChurn's hinge terms: under a linear truth it rejects at 0.05 in about 5% of 100
    samples (binomial MC SE 0.022, so at most 0.12 is 3 SE); with a plateau above 6 it finds the knot; the
    summary reports it; without knots it is NaN."""
    rng = np.random.default_rng(12)
    rejections = 0
    for _ in range(100):
        df = pd.DataFrame({"sat": rng.uniform(0, 10, 400)})
        df["intention"] = np.digitize(0.4 * df["sat"] + rng.logistic(size=400), [1.0, 3.0]) + 1
        res = churn.OrderedChurn(["sat"], knots={"sat": [6]}, draws=10, seed=1).fit(df)
        rejections += res.linearity_test()["p_value"] < 0.05
    assert rejections <= 12, rejections
    df = pd.DataFrame({"sat": rng.uniform(0, 10, 2000)})
    df["intention"] = np.digitize(0.6 * np.minimum(df["sat"], 6) + rng.logistic(size=2000), [1.5, 3.5]) + 1
    res = churn.OrderedChurn(["sat"], knots={"sat": [6]}, draws=10, seed=1).fit(df)
    assert res.linearity_test()["p_value"] < 1e-6
    assert "Linearity (LR test of the knots): chi2(1)" in str(res.summary())
    assert np.isnan(churn.OrderedChurn(["sat"], draws=10, seed=1).fit(df).linearity_test()["p_value"])
