"""sBG: Fader & Hardie's (2007) published estimates, closed forms, bad input, the Bayesian fit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import special

from expectmodel import churn
from expectmodel.churn.sbg import fader_hardie_2007
from expectmodel.errors import DataError
from expectmodel.sampling import SamplerConfig

# Fader, P. S. & Hardie, B. G. S. (2007). How to project customer retention. Journal of Interactive
# Marketing 21(1), 76-90. Table 1 gives the survivors of two cohorts of 1,000 customers ("regular" and
# "high end") over years 0-12; the paper fits the sBG model to years 1-7 and reports (section 4) the
# maximum-likelihood estimates alpha = 0.704, beta = 1.182 (regular) and alpha = 0.668, beta = 3.806 (high end).
PAPER = {"regular": (0.704, 1.182), "highend": (0.668, 3.806)}


@pytest.fixture(scope="module")
def seven_years():
    data = fader_hardie_2007()
    return data[data["period"] <= 7]


def test_published_estimates_within_two_percent(seven_years):
    res = churn.SBG(draws=100, seed=1).fit(seven_years)
    for cohort, (alpha, beta) in PAPER.items():
        a, b = res.params(cohort)
        assert abs(a / alpha - 1) < 0.02 and abs(b / beta - 1) < 0.02, (cohort, a, b)


def test_counts_in_lost_form_give_the_same_fit(seven_years):
    lost = seven_years.copy()
    lost["lost"] = -lost.groupby("cohort")["alive"].diff().fillna(-lost["alive"])
    a = churn.SBG(draws=100, seed=1).fit(seven_years)
    b = churn.SBG(count="lost", counts="lost", draws=100, seed=1).fit(lost)
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())


def test_curves_follow_the_closed_forms(seven_years):
    res = churn.SBG(draws=200, seed=1).fit(seven_years)
    a, b = res.params("regular")
    t = np.arange(1, 13)
    ret = res.retention(t).query("cohort == 'regular'")
    np.testing.assert_allclose(ret["retention"], (b + t - 1) / (a + b + t - 1), rtol=1e-12)
    surv = res.survival(t).query("cohort == 'regular'")["survival"].to_numpy()
    np.testing.assert_allclose(surv, np.cumprod((b + t - 1) / (a + b + t - 1)), rtol=1e-10)
    # projected beyond the calibration years, the model tracks the paper's years 8-12 (Figure 3): within 0.02
    observed = fader_hardie_2007().query("cohort == 'regular' and period >= 8")["alive"].to_numpy() / 1000
    np.testing.assert_allclose(surv[7:], observed, atol=0.02)
    # DERL: Fader & Hardie (2010, eq. 6), (b + n - 1)/(a + b + n - 1) 2F1(1, b + n; a + b + n; 1/(1 + d))
    d, k = 0.1, np.array([0.0, 1.0, 4.0])
    derl = res.residual_lifetime(discount=d, tenure=k).query("cohort == 'regular'")["derl"].to_numpy()
    n = k + 1
    closed = (b + n - 1) / (a + b + n - 1) * special.hyp2f1(1, b + n, a + b + n, 1 / (1 + d))
    np.testing.assert_allclose(derl, closed, rtol=1e-9)
    # undiscounted: infinite for alpha <= 1 (a heavy tail of near-never churners)
    assert np.isinf(res.residual_lifetime(0.0)["derl"]).all()
    # the scorer's program gives the same numbers per customer
    scored = res.predict(pd.DataFrame({"tenure": [0, 1, 4]}), cohort="regular", discount=d)
    np.testing.assert_allclose(scored["derl"], closed, rtol=1e-9)
    np.testing.assert_allclose(scored["p_renew"], (b + k) / (a + b + k), rtol=1e-12)


def test_bad_counts():
    base = pd.DataFrame({"cohort": "x", "period": range(4), "alive": [100, 80, 60, 50]})
    with pytest.raises(DataError, match=r"Cohort 'x' has more churners \(120\) than customers \(100\)"):
        churn.SBG(count="lost", counts="lost").fit(base.assign(alive=[100, 50, 40, 30]).rename(
            columns={"alive": "lost"}))
    with pytest.raises(DataError, match=r"more customers alive in period 2 \(90\) than in period 1"):
        churn.SBG().fit(base.assign(alive=[100, 80, 90, 50]))
    with pytest.raises(DataError, match="without gaps"):
        churn.SBG().fit(base.drop(index=2))
    with pytest.raises(DataError, match="whole, non-negative"):
        churn.SBG().fit(base.assign(alive=[100, 80, -1, 50]))
    with pytest.raises(DataError, match=r"'Alive'.*did you mean 'alive'"):
        churn.SBG(count="Alive").fit(base)


def test_bayesian_sbg_agrees_with_ml(seven_years):
    fast = SamplerConfig(draws=300, tune=300, chains=2, seed=1, nutpie_backend="jax",
                         gates={"rhat": 1.05, "ess_bulk": 50, "ess_tail": 50})
    bayes = churn.BayesianSBG(sampler=fast).fit(seven_years)
    ml = churn.SBG(draws=100, seed=1).fit(seven_years)
    got, ref = bayes.to_frame(), ml.to_frame()
    # with 1,000 customers per cohort and LogNormal(0, 1.5) priors the posterior mean is within a quarter of
    # a posterior SD of the MLE (measured 0.05-0.12 SD with this seed); 0.5 SD leaves room for the short chains' error
    assert np.all(np.abs(got["estimate"] - ref["estimate"]) < 0.5 * got["std_error"]), (got, ref)
    assert bayes.meta.seed == 1 and "priors" in bayes.meta
    ll = bayes.tree["log_likelihood"]["counts"]
    assert ll.shape == (2, 300, 16)  # 2 cohorts x (7 periods + the survivors)
    curve = bayes.retention([1, 5])
    assert (curve["retention_low"] < curve["retention"]).all() and (curve["retention"] < curve["retention_high"]).all()
