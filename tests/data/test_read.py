"""read_items: one message per problem, naming column, owner, row and value; codes are never answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import expectmodel as em
from expectmodel.data import Scale, read_items


@pytest.fixture
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(rng.integers(1, 8, size=(20, 3)).astype(float), columns=["q1", "q2", "q3"],
                        index=[f"r{i}" for i in range(20)])


def test_reads_values_and_codes(frame):
    frame.loc["r3", "q2"] = -99
    frame.loc["r4", "q3"] = 99
    assert np.isnan(read_items(frame, ["q2"], missing_values=-99).values[3, 0])  # one code as a scalar
    for codes in ([-99, 99], (-99.0, 99.0), np.array([-99, 99])):
        items = read_items(frame, ["q3", "q2"], scales=Scale(1, 7), missing_values=codes)
        assert items.columns == ("q3", "q2") and items.n_rows_in == 20 and items.n == 20
        assert np.isnan(items.values[3, 1])
    assert np.isnan(items.values[4, 0]) and not items.values.flags.writeable
    assert items.codes == (-99.0, 99.0)
    assert items.frame().shape == (20, 2)
    with pytest.raises(em.ParameterError, match="missing_values must be a number"):
        read_items(frame, ["q1"], missing_values=["n/a"])


def test_not_a_frame_and_no_rows(frame, tmp_path):
    with pytest.raises(em.DataError, match="pandas DataFrame"):
        read_items(frame.to_numpy(), ["q1"])
    path = tmp_path / "empty.csv"
    path.write_text("q1,q2,q3\n")
    with pytest.raises(em.DataError, match="header but no rows"):
        read_items(pd.read_csv(path), ["q1"])
    with pytest.raises(em.DataError, match="no columns and no rows"):
        read_items(pd.DataFrame(), ["q1"])


def test_unknown_column_hints_and_owner(frame):
    frame = frame.rename(columns={"q1": "Q1", "q3": "qq3"})
    with pytest.raises(em.DataError, match=r"'q1' \(construct 'Q'\) \(did you mean 'Q1'\?\); 'q3' \(did you mean "
                                           r"'qq3'\?\)"):
        read_items(frame, ["q1", "q2", "q3"], owner={"q1": "construct 'Q'"})
    with pytest.raises(em.DataError, match=r"not found in the data: 'zzz'\.$"):
        read_items(frame, ["zzz"])


def test_duplicated_column(frame):
    frame.columns = ["q1", "q2", "q1"]
    with pytest.raises(em.DataError, match="'q1' appears more than once"):
        read_items(frame, ["q1"])
    read_items(frame, ["q2"])  # a duplicate we do not read is no problem


def test_non_numeric_names_first_value_and_row(frame):
    frame = frame.astype({"q2": object})
    frame.loc["r5", "q2"] = "agree"
    frame.loc["r9", "q2"] = "neutral"
    with pytest.raises(em.DataError, match=r"'q2' \(battery E\) is not numeric \(dtype object\); first non-numeric "
                                           r"value 'agree' at row 'r5'"):
        read_items(frame, ["q2"], owner={"q2": "battery E"})
    frame.loc[["r5", "r9"], "q2"] = "4"  # numbers stored as text are numbers
    assert read_items(frame, ["q2"]).values[5, 0] == 4


def test_extension_dtypes(frame):
    frame = frame.astype("Int64")
    frame.loc["r2", "q1"] = pd.NA
    assert np.isnan(read_items(frame, ["q1"]).values[2, 0])


def test_infinite(frame):
    frame.loc["r7", "q3"] = np.inf
    with pytest.raises(em.DataError, match=r"'q3' holds 1 infinite value\(s\); first at row 'r7'"):
        read_items(frame, ["q3"])


def test_outside_scale_and_hint(frame):
    frame.loc["r6", "q1"] = 99
    frame.loc["r8", "q1"] = 0
    pattern = r"'q1' has 2 value\(s\) outside the declared 1-7 scale; first at row 'r6' \(value 99\)"
    with pytest.raises(em.DataError, match=pattern + r".*missing_values=99"):
        read_items(frame, ["q1"], scales=(1, 7))
    with pytest.raises(em.DataError, match=pattern) as err:
        read_items(frame, ["q1"], scales={"q1": Scale(1, 7)}, missing_values=-1)
    assert "missing_values=" not in str(err.value)  # codes were declared: no hint


def test_likert_needs_whole_categories(frame):
    frame.loc["r2", "q1"] = 2.5
    with pytest.raises(em.DataError, match=r"'q1' has 1 answer\(s\) that are not whole categories of the 1-7 "
                                           r"scale; first at row 'r2' \(value 2.5\)"):
        read_items(frame, ["q1"], scales=Scale(1, 7))
    read_items(frame, ["q1"], scales=(1, 7))  # a bare pair is an interval scale


def test_probability_percentages_hint(frame):
    frame.loc["r1", "q1"] = 60
    with pytest.raises(em.DataError, match="declare the 0-100 probability scale"):
        read_items(frame / 10, ["q1"], scales=Scale(0, 1, "probability"))
