"""The Gaussian-copula endogeneity test.

Truths: statsmodels OLS of the target's scores on its antecedents and the copula term built here with
scipy (``norm.ppf(rankdata(x) / (n + 1))``); a simulated non-normal regressor correlated with the structural
error is flagged, the same regressor without that correlation is not; a normal regressor is refused.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

import expectmodel as em
from expectmodel.errors import SpecError

MODEL = em.Model.from_syntax("X =~ x\nW =~ w\nY =~ y\nY ~ X + W")


def _data(endogenous: bool, seed: int = 3, n: int = 600) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    u = rng.normal(size=n)
    x = rng.exponential(size=n) + (0.8 * u if endogenous else 0.0)
    w = rng.gamma(2.0, size=n)
    y = 0.5 * x + 0.3 * w + u + 0.5 * rng.normal(size=n)
    return pd.DataFrame({"x": x, "w": w, "y": y})


def test_coefficient_is_ols_with_the_copula_term():
    res = em.PLS(MODEL).fit(_data(True))
    table = res.copula_test("Y", predictors=["X"], n_boot=300, seed=2)
    scores = res.scores
    c = stats.norm.ppf(stats.rankdata(scores["X"]) / (len(scores) + 1))
    ols = sm.OLS(scores["Y"], sm.add_constant(np.column_stack([scores[["X", "W"]], c]))).fit()
    np.testing.assert_allclose(table["coefficient"].iloc[0], ols.params.iloc[-1], rtol=1e-10)
    # bootstrap SE of the same order as OLS's (a sanity bound: within a factor of two)
    assert 0.5 < table["std_error"].iloc[0] / ols.bse.iloc[-1] < 2.0


def test_flags_endogeneity_and_not_its_absence():
    flagged = em.PLS(MODEL).fit(_data(True)).copula_test("Y", predictors=["X"], n_boot=500, seed=1)
    assert flagged["endogenous"].iloc[0] and flagged["p"].iloc[0] < 0.01
    clean = em.PLS(MODEL).fit(_data(False)).copula_test("Y", n_boot=500, seed=1)
    assert set(clean["copula"]) == {"X", "W", "X (joint)", "W (joint)"}
    assert not clean["endogenous"].any()


def test_refuses_normal_antecedents_and_bad_targets():
    normal = stats.norm.ppf((np.arange(600) + 0.5) / 600)  # exactly normal quantiles, shuffled
    data = _data(False).assign(x=np.random.default_rng(0).permutation(normal))
    res = em.PLS(MODEL).fit(data)
    with pytest.raises(SpecError, match="close to normal"):
        res.copula_test("Y", predictors=["X"])
    with pytest.raises(SpecError, match="endogenous"):
        res.copula_test("X")
    with pytest.raises(SpecError, match="not antecedents"):
        res.copula_test("Y", predictors=["Y"])


def test_copula_result_reports_in_to_frame_summary_and_json():
    import json

    test = em.PLS(MODEL).fit(_data(True)).copula_test("Y", predictors=["X"], n_boot=200, seed=3)
    frame = test.to_frame()
    assert list(frame.columns[:9]) == list(em.results.PARAMETER_COLUMNS)
    assert frame[["kind", "lhs", "op", "rhs"]].iloc[0].tolist() == ["copula", "Y", "~", "copula(X)"]
    np.testing.assert_array_equal(frame["estimate"], test.table["coefficient"])
    back = json.loads(test.to_json())
    assert back["seed"] == 3 and back["n_boot"] == 200
    assert back["terms"][0]["coefficient"] == pytest.approx(test.table["coefficient"].iloc[0], abs=0)
    assert "Copula terms" in str(test.summary())
