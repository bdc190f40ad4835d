"""Bad survey data gets a clear error that names the column/row and says what to do; codes are never answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import expectmodel as em
from expectmodel.data import prepare

MODEL = em.Model.from_syntax("Q =~ q1 + q2 + q3\nS =~ s1 + s2\nS ~ Q")


@pytest.fixture
def survey() -> pd.DataFrame:
    return em.simulate.survey(MODEL, 60, scale=(1, 7), seed=3).data


def test_clean_data_pass_through(survey):
    prep = prepare(survey, MODEL, scale=(1, 7))
    assert prep.values.shape == (60, 5)
    assert prep.columns == MODEL.indicators


def test_non_numeric_column(survey):
    survey = survey.astype({"q2": object})
    survey.loc[7, "q2"] = "agree"
    with pytest.raises(em.DataError, match=r"Column 'q2' \(construct 'Q'\) is not numeric.*'agree' at row 7"):
        prepare(survey, MODEL)


def test_constant_indicator(survey):
    survey["s2"] = 4
    with pytest.raises(em.DataError, match=r"'s2'.*constant.*construct 'S'"):
        prepare(survey, MODEL)


def test_unknown_indicator_suggests_a_column(survey):
    survey = survey.rename(columns={"q3": "Q3"})
    with pytest.raises(em.DataError, match=r"'q3' \(construct 'Q'\) \(did you mean 'Q3'\?\)"):
        prepare(survey, MODEL)


def test_code_outside_declared_scale(survey):
    survey.loc[5, "s1"] = 99
    msg = r"'s1'.*1 value\(s\) outside the declared 1-7 scale; first at row 5 \(value 99\)"
    with pytest.raises(em.DataError, match=msg):
        prepare(survey, MODEL, scale=(1, 7))


def test_per_construct_scale(survey):
    survey[["s1", "s2"]] = survey[["s1", "s2"]] + 3  # S on 4-10, Q on 1-7
    prepare(survey, MODEL, scale={"Q": (1, 7), "S": (4, 10)})
    with pytest.raises(em.DataError, match="'s1'"):
        prepare(survey, MODEL, scale={"Q": (1, 7), "S": (1, 7)})
    with pytest.raises(em.SpecError, match="unknown construct"):
        prepare(survey, MODEL, scale={"Quality": (1, 7)})


def test_nan_raises_by_default(survey):
    survey.loc[[3, 9], "q1"] = np.nan
    with pytest.raises(em.DataError, match=r"'q1' \(2\); first in 'q1' at row 3.*missing='listwise'"):
        prepare(survey, MODEL)


def test_missing_codes_are_never_answers(survey):
    coded = survey.copy()
    coded.loc[[1, 2, 3], "q1"] = -99
    prep = prepare(coded, MODEL, missing_values=[-99], missing="listwise")
    assert prep.n == 57 and prep.n_dropped == 3
    assert prep.values.min() >= 1
    imputed = prepare(coded, MODEL, missing_values=[-99], missing="mean")
    expected = survey["q1"].drop(index=[1, 2, 3]).mean()
    np.testing.assert_allclose(imputed.values[[1, 2, 3], 0], expected)
    assert imputed.n_imputed == {"q1": 3}
    # without declaring the code, the declared scale catches it
    with pytest.raises(em.DataError, match="value -99"):
        prepare(coded, MODEL, scale=(1, 7))


def test_fewer_rows_than_indicators(survey):
    with pytest.raises(em.DataError, match=r"Only 4 usable row\(s\) for 5 indicators"):
        prepare(survey.head(4), MODEL)


def test_not_a_dataframe(survey):
    with pytest.raises(em.DataError, match="pandas DataFrame"):
        prepare(survey.to_numpy(), MODEL)
