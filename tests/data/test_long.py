"""widen: long answers to one row per respondent; duplicated answers and unknown columns are named."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import expectmodel as em
from expectmodel.data import widen


@pytest.fixture
def long():
    return pd.DataFrame({"id": [7, 7, 7, 3, 3], "item": ["q1", "q2", "q1", "q1", "q2"],
                         "battery": ["E", "E", "P", "E", "P"], "answer": [4, 5, 6, 2, 3],
                         "stage": ["new", "new", "new", "loyal", "loyal"]})


def test_widen_with_batteries_and_person_columns(long):
    wide = widen(long, respondent="id", item="item", answer="answer", battery="battery", keep=["stage"])
    assert list(wide.index) == [7, 3] and list(wide.columns) == ["E_q1", "E_q2", "P_q1", "P_q2", "stage"]
    assert wide.loc[7, "P_q1"] == 6 and np.isnan(wide.loc[7, "P_q2"]) and wide.loc[3, "stage"] == "loyal"
    named = widen(long, respondent="id", item="item", answer="answer", battery="battery",
                  name=lambda b, i: f"{i}.{b}")
    assert "q1.P" in named.columns


def test_duplicated_answer_named(long):
    with pytest.raises(em.DataError, match=r"Respondent 7 answered item 'q1' more than once \(rows 0, 2\)"):
        widen(long, respondent="id", item="item", answer="answer")
    dup = pd.concat([long, long.tail(1)], ignore_index=True)
    with pytest.raises(em.DataError, match=r"Respondent 3 answered item 'q2' in battery 'P' more than once"):
        widen(dup, respondent="id", item="item", answer="answer", battery="battery")


def test_unknown_columns_and_varying_person_columns(long):
    with pytest.raises(em.DataError, match=r"'answers' \(answer\) \(did you mean 'answer'\?\)"):
        widen(long, respondent="id", item="item", answer="answers", battery="battery")
    long.loc[1, "stage"] = "loyal"
    with pytest.raises(em.DataError, match="vary within a respondent"):
        widen(long, respondent="id", item="item", answer="answer", battery="battery", keep=["stage"])
