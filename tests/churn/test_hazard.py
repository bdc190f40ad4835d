"""DiscreteHazard: the same numbers as a direct statsmodels GLM, scoring through the scorer, knots, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf

from expectmodel import churn
from expectmodel.errors import DataError, ParameterError


def _direct(pp: pd.DataFrame, formula: str, **fit_kw):
    return smf.glm(formula, data=pp, family=sm.families.Binomial()).fit(**fit_kw)


def test_agrees_with_a_direct_glm_to_1e10(panel):
    _, pp = panel
    res = churn.DiscreteHazard(["satisfaction"]).fit(pp)
    direct = _direct(pp, "event ~ C(tenure) + satisfaction - 1")  # one dummy per tenure, as the model codes it
    got = res.to_frame()
    np.testing.assert_allclose(got["estimate"], direct.params.to_numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(got["std_error"], direct.bse.to_numpy(), rtol=1e-10, atol=1e-12)
    ci = direct.conf_int(0.05).to_numpy()
    np.testing.assert_allclose(got[["ci_low", "ci_high"]].to_numpy(), ci, rtol=1e-10, atol=1e-12)
    # the scorer's hazards are the GLM's fitted values
    np.testing.assert_allclose(res.predict(pp).to_numpy(), direct.fittedvalues.to_numpy(), rtol=1e-10, atol=1e-14)


def test_log_baseline_knots_and_clustered_errors_agree_with_glm(panel):
    _, pp = panel
    frame = pp.assign(log_t=np.log(pp["tenure"]), hinge=np.maximum(pp["satisfaction"] - 5, 0))
    res = churn.DiscreteHazard(["satisfaction"], baseline="log", knots={"satisfaction": [5]},
                               cov_type="cluster").fit(pp)
    codes = pd.factorize(pp["customer"])[0]
    direct = _direct(frame, "event ~ log_t + satisfaction + hinge", cov_type="cluster", cov_kwds={"groups": codes})
    np.testing.assert_allclose(res.to_frame()["estimate"], direct.params.to_numpy(), rtol=1e-10)
    np.testing.assert_allclose(res.to_frame()["std_error"], direct.bse.to_numpy(), rtol=1e-10)
    np.testing.assert_allclose(res.predict(pp).to_numpy(), direct.fittedvalues.to_numpy(), rtol=1e-10)
    # the linearity test is the likelihood-ratio test against the fit without the hinge
    linear = _direct(frame, "event ~ log_t + satisfaction")
    lt = res.linearity_test()
    assert lt["df"] == 1
    np.testing.assert_allclose(lt["statistic"], 2 * (direct.llf - linear.llf), rtol=1e-8)


def test_recovers_the_satisfaction_effect(panel):
    sim, pp = panel
    res = churn.DiscreteHazard(["satisfaction"], baseline="log").fit(pp)
    row = res.to_frame().query("rhs == 'satisfaction'").iloc[0]
    # the model is the simulator's (logit h = a + b log t + beta (S - 6)); a 95% interval covers beta = -0.5
    # in 95% of simulations (the slow study in benchmarks/recovery_churn.py measures the coverage)
    assert row["ci_low"] < sim.truth["beta"] < row["ci_high"], row
    base = res.to_frame().query("kind == 'baseline'")["estimate"].to_numpy()
    # intercept at S = 0: a - 6 beta = -2.5 + 3 = 0.5; log-tenure slope -0.3; SEs about 0.2 and 0.06 here
    np.testing.assert_allclose(base, [0.5, -0.3], atol=0.5)


def test_survival_and_curves(panel):
    _, pp = panel
    res = churn.DiscreteHazard(["satisfaction"], draws=200, seed=3).fit(pp)
    surv = res.survival(pp)
    one = surv[surv["customer"] == surv["customer"].iloc[0]]
    np.testing.assert_allclose(one["survival"], np.cumprod(1 - one["hazard"]), rtol=1e-12)
    curve = res.baseline_hazard(satisfaction=4.0)
    assert (curve["hazard_low"] <= curve["hazard"]).all() and (curve["hazard"] <= curve["hazard_high"]).all()
    assert np.all(np.diff(curve["survival"]) < 0)
    rc = res.response_curve("satisfaction", grid=np.arange(0, 11))
    assert np.all(np.diff(rc["hazard"]) < 0)  # more satisfied, less churn
    assert (rc["ci_low"] < rc["hazard"]).all() and (rc["hazard"] < rc["ci_high"]).all()
    again = churn.DiscreteHazard(["satisfaction"], draws=200, seed=3).fit(pp).baseline_hazard(satisfaction=4.0)
    pd.testing.assert_frame_equal(curve, again)  # the recorded seed repeats the simulation intervals


def test_scoring_new_data_needs_the_fitted_feature_names(panel):
    _, pp = panel
    res = churn.DiscreteHazard(["satisfaction"]).fit(pp)
    with pytest.raises(DataError, match=r"feature names differ from those seen in fit.*'satisfaction'.*did you "
                                        r"mean 'Satisfaction'"):
        res.predict(pp.rename(columns={"satisfaction": "Satisfaction"}))


def test_bad_input(panel):
    _, pp = panel
    est = churn.DiscreteHazard(["satisfaction"])
    with pytest.raises(DataError, match=r"Duplicate customer-period rows: customer 1 has two rows for tenure 1"):
        est.fit(pd.concat([pp, pp.iloc[[0]]]))
    with pytest.raises(DataError, match="must be binary, coded 0"):
        est.fit(pp.assign(event=pp["event"] * 2))
    bad = pp.copy()
    first = bad.index[bad["event"] == 1][0]
    bad.loc[first - 1, "event"] = 1  # a churn followed by another row of the same customer
    with pytest.raises(DataError, match="has rows after it"):
        est.fit(bad)
    with pytest.raises(DataError, match="missing or infinite"):
        est.fit(pp.assign(satisfaction=np.where(pp.index == 3, np.nan, pp["satisfaction"])))
    with pytest.raises(ParameterError, match="knots"):
        churn.DiscreteHazard(["satisfaction"], knots={"loyalty": [5]}).fit(pp)
    with pytest.raises(DataError, match="has no churn among"):
        est.fit(pp.assign(event=np.where(pp["tenure"] == 3, 0, pp["event"])))


def test_hazard_program_between_and_beyond_the_fitted_periods():
    from expectmodel_scorer import score

    spec = {"program": "hazard",
            "inputs": [{"column": "t", "kind": "float"}, {"column": "x", "kind": "float"}],
            "outputs": ["hazard"],
            "arrays": {"coef": np.array([0.5]), "baseline": np.array([-1.0, -2.0, -3.0]),
                       "periods": np.array([1.0, 2.0, 4.0])},  # not consecutive: period 3 takes period 2's
            "settings": {"baseline": "periods", "hinges": []}}
    frame = pd.DataFrame({"t": [0, 1, 2, 3, 4, 9], "x": [0.0, 0.0, 0.0, 0.0, 0.0, 2.0]})
    eta = np.array([-1.0, -1.0, -2.0, -2.0, -3.0, -3.0 + 1.0])
    np.testing.assert_allclose(score(spec, frame)["hazard"], 1 / (1 + np.exp(-eta)), rtol=1e-12)
    consecutive = {**spec, "arrays": {**spec["arrays"], "periods": np.array([1.0, 2.0, 3.0])}}
    eta = np.array([-1.0, -1.0, -2.0, -3.0, -3.0, -3.0 + 1.0])
    np.testing.assert_allclose(score(consecutive, frame)["hazard"], 1 / (1 + np.exp(-eta)), rtol=1e-12)
