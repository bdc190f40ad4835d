"""Bad survey data gets a clear error that names the column/row and says what to do; codes are never answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import expectmodel as em
from expectmodel.sem._data import prepare

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


def _direct(frame: pd.DataFrame, codes=()) -> np.ndarray:
    x = frame[list(MODEL.indicators)].to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
    for code in codes:
        x[x == code] = np.nan
    return x


@pytest.mark.parametrize("layout", ["one float block", "int columns + text column", "nullable Int64", "reordered"])
def test_chunked_threaded_pass_equals_the_direct_computation(monkeypatch, layout):
    """Large frames are copied and summarised in cache-sized chunks over threads; small chunks and a low
    thread threshold here exercise that path on every kind of frame against plain numpy."""
    from expectmodel.sem import _data as data_module

    monkeypatch.setattr(data_module, "CHUNK_ROWS", 64)
    monkeypatch.setattr(data_module, "PARALLEL_ROWS", 500)
    rng = np.random.default_rng(11)
    n = 2_003  # not a multiple of the chunk size
    values = rng.integers(1, 8, size=(n, 5)).astype(float)
    values[rng.uniform(size=values.shape) < 0.01] = -99
    frame = pd.DataFrame(values, columns=list(MODEL.indicators))
    if layout == "int columns + text column":
        frame = frame.astype(int)
        frame["note"] = "free text"
    elif layout == "nullable Int64":
        frame = frame.astype("Int64")
    elif layout == "reordered":
        frame = frame[["s2", "q1", "s1", "q3", "q2"]].assign(extra=1.5)
    prep = prepare(frame, MODEL, missing="listwise", missing_values=[-99])
    x = _direct(frame, codes=[-99])
    keep = ~np.isnan(x).any(axis=1)
    np.testing.assert_array_equal(prep.values, x[keep])
    assert prep.n_dropped == int((~keep).sum()) > 0
    s = prep.summary
    np.testing.assert_allclose(s.gram, x[keep].T @ x[keep], rtol=1e-12)
    np.testing.assert_array_equal(s.low, x[keep].min(axis=0))
    np.testing.assert_array_equal(s.high, x[keep].max(axis=0))

    clean = frame.replace(-99, 4)
    prep = prepare(clean, MODEL)  # no missing values: the summary comes from the one chunked pass
    x = _direct(clean)
    np.testing.assert_array_equal(prep.values, x)
    np.testing.assert_allclose(prep.summary.gram, x.T @ x, rtol=1e-12)
    np.testing.assert_allclose(prep.summary.total, x.sum(axis=0), rtol=1e-12)


@pytest.mark.parametrize("n", [60, 40_000])
def test_prepared_values_never_alias_the_callers_frame(n):
    """A fitted model keeps the data for its construct scores: later edits to the frame must not reach it."""
    frame = pd.DataFrame(np.random.default_rng(2).integers(1, 8, size=(n, 5)).astype(float),
                         columns=list(MODEL.indicators))
    prep = prepare(frame, MODEL)
    before = prep.values.copy()
    frame.iloc[0, 0] = 99.0
    frame.loc[:, "s1"] = 1.0
    np.testing.assert_array_equal(prep.values, before)


def test_cached_column_positions_follow_renamed_and_reordered_columns(survey):
    first = prepare(survey, MODEL).values
    reordered = survey[survey.columns[::-1]]  # a new column Index: positions are looked up again
    np.testing.assert_array_equal(prepare(reordered, MODEL).values, first)
    renamed = survey.copy()
    renamed.columns = [f"x_{c}" for c in survey.columns]
    with pytest.raises(em.DataError, match="not found"):
        prepare(renamed, MODEL)
    renamed.columns = survey.columns[::-1]  # the same names on other columns: no stale positions
    expected = renamed[list(MODEL.indicators)].to_numpy(float)
    assert not np.array_equal(expected, first)
    np.testing.assert_array_equal(prepare(renamed, MODEL).values, expected)
