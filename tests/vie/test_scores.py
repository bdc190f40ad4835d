"""Composite scores: the scorer program against a direct pandas computation, the spec, MotivationScores."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import expectmodel as em
from expectmodel.errors import DataError
from expectmodel.vie import MotivationScores, VIEDesign, motivation
from expectmodel.vie.scores import motivation_spec
from expectmodel_scorer import ScoringError, score

OUT = ["delivery", "price", "recovery", "support"]


def direct(survey: pd.DataFrame) -> pd.DataFrame:
    """The composites written out with pandas (independent of the package's coding and the program)."""
    e = survey[[f"E_{o}" for o in OUT]].to_numpy() / 100.0
    v = survey[[f"V_{o}" for o in OUT]].to_numpy() - 0.0
    return pd.DataFrame({"expectancy": e.mean(1), "valence": v.mean(1), "motivation": (e * v).sum(1)},
                        index=survey.index)


@pytest.fixture(scope="module")
def survey():
    df = em.datasets.load_vie_survey()
    return df[(df != -99).all(axis=1)]


def test_program_agrees_with_a_direct_computation(survey):
    got = motivation(survey, em.datasets.vie_survey_design())
    pd.testing.assert_frame_equal(got, direct(survey), rtol=1e-12, atol=1e-12)


def test_spec_survives_json_and_scores_missing_codes_as_nan(survey):
    spec = motivation_spec(em.datasets.vie_survey_design(), missing_values=-99)
    loaded = json.loads(json.dumps({**spec, "arrays": {k: v.tolist() for k, v in spec["arrays"].items()}}))
    data = em.datasets.load_vie_survey().head(50)
    out = score(loaded, data)
    has_code = (data[[c for c in data if c[:2] in ("E_", "V_")]] == -99).any(axis=1)
    assert has_code.any() and out.loc[has_code, "motivation"].isna().all()
    pd.testing.assert_frame_equal(out[~has_code], direct(data[~has_code]), rtol=1e-12, atol=1e-12)


def test_scoring_refuses_probabilities_outside_their_scale(survey):
    bad = survey.head(5).copy()
    bad.loc[bad.index[2], "E_price"] = 130
    with pytest.raises(ScoringError, match="E_price"):
        score(motivation_spec(em.datasets.vie_survey_design()), bad)
    with pytest.raises(DataError, match="E_price"):
        motivation(bad, em.datasets.vie_survey_design())


def test_motivation_scores_means_and_t_intervals(survey):
    res = MotivationScores(em.datasets.vie_survey_design(), missing="listwise", missing_values=-99,
                           ci_level=0.9).fit(em.datasets.load_vie_survey())
    table = res.to_frame().set_index(["kind", "lhs"])
    d = direct(survey)
    assert res.meta.data.n_used == len(survey)
    for name in ("expectancy", "valence", "motivation"):
        x = d[name]
        lo, hi = stats.t.interval(0.9, len(x) - 1, loc=x.mean(), scale=x.std(ddof=1) / np.sqrt(len(x)))
        row = table.loc[("composite", name)]
        np.testing.assert_allclose([row["estimate"], row["ci_low"], row["ci_high"]], [x.mean(), lo, hi], rtol=1e-12)
    # contributions sum to the motivation mean (M = sum_k E_k V_k)
    contrib = table.loc["contribution", "estimate"].sum()
    np.testing.assert_allclose(contrib, d["motivation"].mean(), rtol=1e-12)
    pd.testing.assert_frame_equal(res.transform(survey), d, rtol=1e-12, atol=1e-12)
    assert res.scoring_spec()["inputs"][0]["range"] == [float(survey["E_delivery"].min()),
                                                       float(survey["E_delivery"].max())]


def test_vroom_spec_matches_the_coded_data():
    from expectmodel.data import Scale

    d = VIEDesign(expectancy="E", valence={"a": "Va", "b": "Vb"}, instrumentality={"a": "Ia", "b": "Ib"},
                  instrumentality_scale=Scale(-3, 3, "bipolar", zero=0))
    data = pd.DataFrame({"E": [0.5, 1.0, 0.2], "Ia": [3, -3, 0], "Ib": [0, 3, 1.5], "Va": [2, 1, -1],
                         "Vb": [-1, 2, 3]})
    np.testing.assert_allclose(motivation(data, d)["motivation"], [1.0, 1.0, 0.3])
    np.testing.assert_allclose(motivation(data, d)["valence"], [2.0, 1.0, 1.5])
