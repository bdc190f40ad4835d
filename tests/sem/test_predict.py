"""Scoring new respondents: PLSResults.scoring_spec(), the scorer's pls_composite program and predict().

Truths: the fit's own construct scores and 0-100 index (predict on the training rows must give them
back to 1e-10), the standalone scorer after a JSON round trip, and R seminr's ``predict()`` through
seminr-py (predicted indicators by the DA and EA routes, to 1e-6).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import expectmodel as em
from expectmodel.errors import DataError, ParameterError
from expectmodel_scorer import score

CODE = -99


@pytest.fixture(scope="module")
def survey() -> pd.DataFrame:
    return em.datasets.load_csi_survey()  # 600 respondents, -99 codes for missing answers


@pytest.mark.parametrize("missing", ["mean", "listwise", "pairwise"])
def test_predict_on_training_rows_reproduces_the_scores(survey, ecsi, missing):
    res = em.PLS(ecsi, scale=(1, 10), missing=missing, missing_values=CODE).fit(survey)
    pred = res.predict(survey)
    assert pred.index.equals(survey.index)
    kept = pred.loc[res.scores.index]
    np.testing.assert_allclose(kept.to_numpy(), res.scores.to_numpy(), atol=1e-10, rtol=0)
    if missing == "listwise":  # the respondents the fit dropped get no score
        dropped = survey.index.difference(res.scores.index)
        assert len(dropped) == res.meta.data.n_dropped > 0
        assert pred.loc[dropped].isna().all().all()
    # the fit's scaling: unit variance over the fit's respondents (no missing answers: listwise)
    if missing == "listwise":
        np.testing.assert_allclose(kept.std(ddof=1), 1.0, atol=1e-10)


def test_respondent_index_averages_to_the_fit_index(survey, ecsi):
    res = em.PLS(ecsi, scale=(1, 10), missing="mean", missing_values=CODE).fit(survey)
    idx = res.predict(survey, kind="index")
    np.testing.assert_allclose(idx.mean().to_numpy(), res.index["index"].to_numpy(), atol=1e-10)
    # by hand: 100 * sum omega_i (x_i - 1) / 9 with the fit's omega, missing answers at the item mean
    x = survey[list(ecsi.indicators)].replace(CODE, np.nan)
    x = x.fillna(x.mean())
    sat = ecsi.construct("Satisfaction").indicators
    omega = res.index_weights.loc["Satisfaction"]
    by_hand = 100 * ((x[list(sat)] - 1) / 9 * omega[list(sat)].to_numpy()).sum(axis=1)
    np.testing.assert_allclose(idx["Satisfaction"], by_hand, atol=1e-10)


def test_the_standalone_scorer_after_json_gives_the_same(survey, ecsi):
    res = em.PLS(ecsi, scale=(1, 10), missing="mean", missing_values=CODE).fit(survey)
    spec = res.scoring_spec()
    text = json.dumps({**spec, "arrays": {k: v.tolist() for k, v in spec["arrays"].items()}})
    scored = score(json.loads(text), survey)
    np.testing.assert_allclose(scored[list(ecsi.names)].to_numpy(), res.scores.to_numpy(), atol=1e-10)
    assert list(scored.columns) == spec["outputs"]
    assert all(inp["missing_codes"] == [float(CODE)] for inp in spec["inputs"])


def test_missing_answer_under_raise_is_a_data_error(survey, ecsi):
    complete = survey[list(ecsi.indicators)].replace(CODE, np.nan).dropna()
    res = em.PLS(ecsi).fit(complete)
    new = complete.head(3).copy()
    new.iloc[1, 2] = np.nan
    with pytest.raises(DataError, match="position 1 has no answer for 'IMAG3'"):
        res.predict(new)
    with pytest.raises(DataError, match="lack the input column"):
        res.predict(complete.drop(columns="CUSL2"))
    with pytest.raises(ParameterError, match="kind"):
        res.predict(complete, kind="loadings")


def test_inner_model_routes_by_hand(ecsi_survey, ecsi):
    res = em.PLS(ecsi).fit(ecsi_survey.data)
    scores = res.scores.to_numpy()
    b = res.path_matrix.to_numpy()
    names = list(ecsi.names)
    da = res.predict(ecsi_survey.data, kind="constructs")
    sat = names.index("Satisfaction")
    np.testing.assert_allclose(da["Satisfaction"], scores @ b[:, sat], atol=1e-12)
    ea = res.predict(ecsi_survey.data, kind="constructs", route="EA")
    total = res.est.total[0]
    exo = [names.index(c) for c in ecsi.exogenous]
    # EA: the exogenous scores through the total effects
    np.testing.assert_allclose(ea["Loyalty"], scores[:, exo] @ total[exo, names.index("Loyalty")], atol=1e-12)


@pytest.mark.oracle
@pytest.mark.parametrize("route", ["DA", "EA"])
def test_predicted_indicators_agree_with_seminr(mobi, ecsi, route):
    seminr = pytest.importorskip("seminr")
    from tests.sem.oracles import seminr_fit

    train, test = mobi.iloc[:200], mobi.iloc[200:]
    fit = seminr_fit(ecsi, train)
    technique = seminr.predict_DA if route == "DA" else seminr.predict_EA
    from seminr.estimate.data import as_dataset

    theirs = seminr.predict(fit, as_dataset(test.reset_index(drop=True)), technique=technique)
    ours = em.PLS(ecsi).fit(train).predict(test, kind="indicators", route=route)
    cols = list(ours.columns)
    their = np.column_stack([theirs.predicted_items.column(c) for c in cols])
    np.testing.assert_allclose(ours.to_numpy(), their, atol=1e-6, rtol=0)


@pytest.mark.parametrize("policy", ["mean", "listwise", "raise"])
def test_fused_program_equals_the_four_steps(policy):
    """The one-product program against the steps written out: standardise, weight, rescale, index."""
    from expectmodel_scorer.core import ScoringError
    from expectmodel_scorer.programs import pls as program

    rng = np.random.default_rng(5)
    p, n = 6, 400
    mean, sd = rng.uniform(3, 7, p), rng.uniform(0.5, 2.0, p)
    weights = np.zeros((p, 2))
    weights[:3, 0], weights[3:5, 1] = rng.uniform(0.2, 0.6, 3), rng.uniform(0.2, 0.6, 2)  # indicator 5: no weight
    low, high = np.full(p, 1.0), np.full(p, 10.0)
    omega = weights / weights.sum(axis=0)
    arrays = {"mean": mean, "sd": sd, "weights": weights, "scale_low": low, "scale_high": high, "omega": omega}
    X = rng.integers(1, 11, size=(n, p)).astype(float)
    X[[3, 10], [1, 4]] = np.nan
    X[20, 5] = np.nan  # missing only in the indicator that reaches no output
    if policy == "raise":
        with pytest.raises(ScoringError, match="position 3 has no answer for 'input 1'"):
            program.score(arrays, {"missing": policy}, X)
        X = X[~np.isnan(X).any(axis=1)]
    filled = np.where(np.isnan(X), mean, X)
    steps = np.concatenate([((filled - mean) / sd) @ weights, 100 * ((filled - low) / (high - low)) @ omega], 1)
    if policy == "listwise":
        steps[np.isnan(X).any(axis=1)] = np.nan
    out = program.score(arrays, {"missing": policy}, X)
    np.testing.assert_allclose(out, steps, rtol=0, atol=1e-12)
    assert np.array_equal(np.isnan(out), np.isnan(steps))
