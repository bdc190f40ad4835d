"""read_grouping: levels in a stated order, and a clear message for every problem with a grouping column."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import expectmodel as em
from expectmodel.data import read_grouping


@pytest.fixture
def frame():
    return pd.DataFrame({"stage": ["new", "loyal", "new", "lapsed", "loyal"], "x": range(5)})


def test_order_of_appearance_sorted_and_categorical(frame):
    g = read_grouping(frame, "stage")
    assert g.levels == ("new", "loyal", "lapsed") and g.counts == (2, 2, 1)
    assert g.codes.tolist() == [0, 1, 0, 2, 1] and g.labels.tolist() == frame.stage.tolist()
    assert read_grouping(frame, "stage", ordered=True).levels == ("lapsed", "loyal", "new")
    cat = frame.assign(stage=pd.Categorical(frame.stage, categories=["loyal", "new", "lapsed"]))
    assert read_grouping(cat, "stage").levels == ("loyal", "new", "lapsed")  # the categories' order
    assert read_grouping(cat, "stage", ordered=True).levels == ("loyal", "new", "lapsed")  # ... wins over sorting
    unused = frame.assign(stage=pd.Categorical(frame.stage, categories=["new", "loyal", "lapsed", "never"]))
    with pytest.raises(em.DataError, match=r"Group\(s\) 'never' of column 'stage' have no respondents"):
        read_grouping(unused, "stage")  # one rule for every family: a declared category needs respondents
    declared = read_grouping(frame, "stage", levels=["lapsed", "new", "loyal"])
    assert declared.levels == ("lapsed", "new", "loyal") and declared.codes[0] == 1


def test_errors(frame):
    with pytest.raises(em.DataError, match=r"'Stage' \(grouping column\) \(did you mean 'stage'\?\)"):
        read_grouping(frame, "Stage")
    with pytest.raises(em.DataError, match=r"no group label in 1 row\(s\): 2"):
        read_grouping(frame.assign(stage=frame.stage.where(frame.x != 2)), "stage")
    with pytest.raises(em.DataError, match=r"Level\(s\) 'trial' of column 'stage' have no respondents.*levels="):
        read_grouping(frame, "stage", levels=["new", "loyal", "lapsed", "trial"])
    with pytest.raises(em.DataError, match=r"'lapsed' not in stages="):
        read_grouping(frame, "stage", levels=["new", "loyal"], levels_name="stages")
    with pytest.raises(em.DataError, match=r"1 level\(s\) \('new'\); at least 2"):
        read_grouping(frame.head(1), "stage", min_levels=2)
    with pytest.raises(em.DataError, match="header but no rows"):
        read_grouping(frame.head(0), "stage")


def test_numbers_are_read_as_text():
    g = read_grouping(pd.DataFrame({"wave": [2, 1, 2]}), "wave", ordered=True)
    assert g.levels == ("1", "2") and np.array_equal(g.codes, [1, 0, 1])
