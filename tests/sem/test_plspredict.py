"""PLSpredict: k-fold repeated out-of-sample prediction, LM and IA benchmarks, Q2_predict, CVPAT.

Truths: scikit-learn's ``cross_val_predict`` with ``LinearRegression`` on the same folds (the LM
benchmark), a separate ``PLS.fit`` on each training part followed by ``predict`` (the batched refits),
the definitions of Q2_predict, RMSE and MAE written out, ``scipy.stats.ttest_rel`` (CVPAT), and
seminr-py's ``predict_pls`` on the same folds (to 1e-6).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import stats
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import PredefinedSplit, cross_val_predict

import expectmodel as em
from expectmodel.errors import ParameterError


@pytest.fixture(scope="module")
def fitted(ecsi_survey, ecsi):
    return em.PLS(ecsi).fit(ecsi_survey.data)


@pytest.fixture(scope="module")
def cv(fitted):
    return fitted.plspredict(folds=5, repetitions=3, seed=11)


def test_lm_benchmark_equals_sklearn_cross_val_predict(fitted, cv, ecsi, ecsi_survey):
    data = ecsi_survey.data
    exo_items = list(ecsi.construct("Image").indicators)  # ECSI's one exogenous construct
    cols = list(cv.indicators)
    for r in range(cv.folds.shape[0]):
        split = PredefinedSplit(cv.folds[r])
        for item in ("CUSA1", "CUSL3", "PERV2"):
            theirs = cross_val_predict(LinearRegression(), data[exo_items], data[item], cv=split)
            np.testing.assert_allclose(cv.predictions.lm[r, :, cols.index(item)], theirs, atol=1e-9)
    # the seminr variant: each construct's indicators on its direct antecedents' indicators
    ante = fitted.plspredict(folds=5, repetitions=1, seed=11, benchmark="antecedents")
    preds = [i for c in ecsi.predecessors("Satisfaction") for i in ecsi.construct(c).indicators]
    theirs = cross_val_predict(LinearRegression(), data[preds], data["CUSA2"], cv=PredefinedSplit(ante.folds[0]))
    np.testing.assert_allclose(ante.predictions.lm[0, :, cols.index("CUSA2")], theirs, atol=1e-9)


def test_batched_refits_equal_one_fit_per_training_part(cv, ecsi, ecsi_survey):
    data = ecsi_survey.data
    for r, fold in ((0, 0), (2, 4)):
        held = cv.folds[r] == fold
        single = em.PLS(ecsi).fit(data[~held]).predict(data[held], kind="indicators")
        ours = cv.predictions.pls[r][held]
        np.testing.assert_allclose(ours, single[list(cv.indicators)].to_numpy(), atol=1e-9)


def test_metrics_by_hand(cv, ecsi_survey):
    data = ecsi_survey.data
    items = cv.items.set_index("indicator")
    for item in ("CUSA1", "CUSCO", "CUSL2"):
        j = list(cv.indicators).index(item)
        y = data[item].to_numpy(dtype=float)
        q2, rmse, mae, rmse_ia = [], [], [], []
        for r in range(cv.folds.shape[0]):
            pred = cv.predictions.pls[r, :, j]
            naive = np.empty_like(y)
            for f in np.unique(cv.folds[r]):
                naive[cv.folds[r] == f] = y[cv.folds[r] != f].mean()  # the training mean
            q2.append(1 - np.sum((y - pred) ** 2) / np.sum((y - naive) ** 2))
            rmse.append(np.sqrt(np.mean((y - pred) ** 2)))
            mae.append(np.mean(np.abs(y - pred)))
            rmse_ia.append(np.sqrt(np.mean((y - naive) ** 2)))
        np.testing.assert_allclose(items.loc[item, ["q2_predict", "rmse_pls", "mae_pls", "rmse_ia"]].to_numpy(float),
                                   [np.mean(q2), np.mean(rmse), np.mean(mae), np.mean(rmse_ia)], rtol=1e-12)


def test_cvpat_is_a_paired_t_test(cv, ecsi_survey):
    data = ecsi_survey.data
    cols = [j for j, c in enumerate(cv.constructs) if c == "Loyalty"]
    y = data[[cv.indicators[j] for j in cols]].to_numpy(float)
    loss_pls = ((y[None] - cv.predictions.pls[:, :, cols]) ** 2).mean(axis=2).mean(axis=0)
    loss_lm = ((y[None] - cv.predictions.lm[:, :, cols]) ** 2).mean(axis=2).mean(axis=0)
    theirs = stats.ttest_rel(loss_pls, loss_lm)
    row = cv.cvpat.set_index(["construct", "benchmark"]).loc[("Loyalty", "LM")]
    np.testing.assert_allclose([row["t"], row["p"]], [theirs.statistic, theirs.pvalue], rtol=1e-10)
    np.testing.assert_allclose(row["loss_difference"], np.mean(loss_pls - loss_lm), rtol=1e-12)


def test_reporting_and_errors(fitted, cv):
    frame = cv.to_frame()
    assert {"q2_predict", "rmse_pls", "rmse_lm", "mae_ia", "cvpat"} <= set(frame["kind"])
    doc = json.loads(cv.to_json())
    assert doc["schema"] == "expectmodel.plspredict" and doc["meta"]["plspredict"]["folds"] == 5
    assert doc["meta"]["seed"] == 11
    assert "CVPAT" in str(cv.summary())
    again = fitted.plspredict(folds=5, repetitions=3, seed=11)
    np.testing.assert_array_equal(again.folds, cv.folds)
    with pytest.raises(ParameterError, match="folds"):
        fitted.plspredict(folds=1)
    with pytest.raises(ParameterError, match="route"):
        fitted.plspredict(route="XY")


@pytest.mark.oracle
def test_agrees_with_seminr_predict_pls(mobi, ecsi):
    seminr = pytest.importorskip("seminr")
    from tests.sem.oracles import seminr_fit

    res = em.PLS(ecsi).fit(mobi)
    ours = res.plspredict(folds=10, repetitions=1, seed=4, benchmark="antecedents")
    # seminr cuts its ordering into 10 consecutive blocks of 25: hand it our folds in that shape
    ordering = np.argsort(ours.folds[0], kind="stable").tolist()
    theirs = seminr.predict_pls(seminr_fit(ecsi, mobi), no_folds=10, ordering=ordering)
    cols = list(ours.indicators)
    pls = np.column_stack([theirs.items.pls_out_of_sample.column(c) for c in cols])
    lm = np.column_stack([theirs.items.lm_out_of_sample.column(c) for c in cols])
    np.testing.assert_allclose(ours.predictions.pls[0], pls, atol=1e-6)
    np.testing.assert_allclose(ours.predictions.lm[0], lm, atol=1e-6)
