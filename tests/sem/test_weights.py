"""Weighted PLS (survey weights; Becker & Ismail 2016).

Truths: equal weights give the unweighted fit (every estimate and the bootstrap on the same seed);
whole-number weights give the unweighted fit of the data with each row repeated that many times
(frequency weights: paths, weights, loadings, R^2 and the 0-100 index are the same numbers); the
weighted correlations are numpy's ``cov(..., aweights=w)`` scaled to correlations.
"""

from __future__ import annotations

import numpy as np
import pytest

import expectmodel as em
from expectmodel.errors import DataError, ParameterError


@pytest.fixture(scope="module")
def survey(ecsi):
    return em.simulate.survey(ecsi, 250, scale=(1, 10), seed=8).data


def test_equal_weights_are_unweighted(survey, ecsi):
    data = survey.assign(w=2.5)
    a = em.PLS(ecsi, scale=(1, 10), bootstrap=60, seed=4).fit(data)
    b = em.PLS(ecsi, scale=(1, 10), bootstrap=60, seed=4, weights="w").fit(data)
    fa, fb = a.to_frame(), b.to_frame()
    for col in ("estimate", "std_error", "ci_low", "ci_high", "bca_low", "bca_high"):
        np.testing.assert_allclose(fb[col], fa[col], atol=1e-10, err_msg=col)
    assert b.meta["weights"]["effective_n"] == pytest.approx(250.0)
    assert b.meta["params"]["weights"] == "w"


def test_whole_number_weights_are_repeated_rows(survey, ecsi):
    w = np.random.default_rng(3).integers(1, 4, size=len(survey))
    weighted = em.PLS(ecsi, scale=(1, 10), weights="w").fit(survey.assign(w=w.astype(float)))
    repeated = em.PLS(ecsi, scale=(1, 10)).fit(survey.loc[survey.index.repeat(w)].reset_index(drop=True))
    for attr in ("paths", "outer"):
        a, b = getattr(weighted, attr), getattr(repeated, attr)
        num = a.select_dtypes(float).columns
        np.testing.assert_allclose(a[num].to_numpy(), b[num].to_numpy(), atol=1e-10)
    np.testing.assert_allclose(weighted.r2["r2"], repeated.r2["r2"], atol=1e-10)
    np.testing.assert_allclose(weighted.index["index"], repeated.index["index"], atol=1e-9)
    x = survey[list(ecsi.indicators)].to_numpy(float)
    cov = np.cov(x.T, aweights=w)
    np.testing.assert_allclose(weighted.s, cov / np.sqrt(np.outer(np.diag(cov), np.diag(cov))), atol=1e-12)
    # unequal weights change the estimates (a weighted fit is not silently unweighted)
    assert np.abs(weighted.paths["estimate"] - em.PLS(ecsi).fit(survey).paths["estimate"]).max() > 1e-3


def test_weighted_bootstrap_and_predict(survey, ecsi):
    w = np.random.default_rng(5).uniform(0.5, 2.0, size=len(survey))
    res = em.PLS(ecsi, bootstrap=50, seed=1, weights="w").fit(survey.assign(w=w))
    assert res.to_frame().query("kind == 'path'")["std_error"].gt(0).all()
    scores = res.predict(survey)
    np.testing.assert_allclose(scores.to_numpy(), res.scores.to_numpy(), atol=1e-10)
    # weighted unit variance of the scores
    np.testing.assert_allclose(np.average((scores - np.average(scores, axis=0, weights=w)) ** 2, axis=0, weights=w)
                               * len(w) / (len(w) - 1), 1.0, atol=1e-10)
    cv = res.plspredict(folds=5, repetitions=1, seed=2)
    assert np.isfinite(cv.items["q2_predict"]).all()


@pytest.mark.parametrize("bad", [0.0, -1.0, np.nan])
def test_non_positive_or_missing_weights_are_refused(survey, ecsi, bad):
    w = np.ones(len(survey))
    w[7] = bad
    with pytest.raises(DataError, match=r"survey weight in column 'w' .* at row 7"):
        em.PLS(ecsi, weights="w").fit(survey.assign(w=w))


def test_weight_column_errors(survey, ecsi):
    with pytest.raises(DataError, match="wt"):
        em.PLS(ecsi, weights="wt").fit(survey.assign(w=1.0))
    with pytest.raises(DataError, match="is an indicator"):
        em.PLS(ecsi, weights="CUSL1").fit(survey)
    with pytest.raises(ParameterError, match="weights"):
        em.PLS(ecsi, weights="w", missing="pairwise").fit(survey.assign(w=1.0))
    dropped = survey.astype(float).assign(w=np.arange(1.0, len(survey) + 1))
    dropped.iloc[3, 0] = np.nan
    res = em.PLS(ecsi, weights="w", missing="listwise").fit(dropped)
    assert res.n == len(survey) - 1 and res.row_weights.size == res.n
    assert res.meta["weights"]["effective_n"] < res.n  # unequal weights: Kish's effective n is smaller
