"""apply_missing: five policies, each recorded; a bad policy names the parameter and the allowed values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import expectmodel as em
from expectmodel.data import apply_missing, read_items


@pytest.fixture
def items():
    frame = pd.DataFrame({"a": [1, 2, np.nan, 4, 5, 6], "b": [2, np.nan, 3, 5, 4, 1], "c": [1, 2, 3, 4, 5, 6.0]})
    return read_items(frame, ["a", "b", "c"])


def test_raise_names_columns_and_first_row(items):
    with pytest.raises(em.DataError, match=r"Missing answers in 2 column\(s\): 'a' \(1\), 'b' \(1\); first in 'a' "
                                           r"at row 2.*missing='listwise'.*missing='pairwise'.*missing='mean'"):
        apply_missing(items, "raise")


def test_listwise_records_dropped_rows(items):
    out = apply_missing(items, "listwise")
    assert out.n == 4 and out.missing.n_dropped == 2 and list(out.missing.dropped) == [1, 2]
    assert out.missing.n_missing == {"a": 1, "b": 1} and list(out.index) == [0, 3, 4, 5]


def test_mean_records_imputed_cells(items):
    out = apply_missing(items, "mean")
    assert out.values[2, 0] == pytest.approx(np.mean([1, 2, 4, 5, 6]))
    assert out.missing.imputed == {"a": 1, "b": 1} and not np.isnan(out.values).any()


def test_pairwise_keeps_nan_and_counts_pairs(items):
    out = apply_missing(items, "pairwise")
    assert np.isnan(out.values).sum() == 2
    assert out.missing.pairwise_n.tolist() == [[5, 4, 5], [4, 5, 5], [5, 5, 6]]
    assert out.missing.min_pairwise_n == 4


def test_pairwise_refuses_thin_pairs():
    frame = pd.DataFrame({"a": [1, 2, 3, np.nan, np.nan, 2.0], "b": [np.nan, np.nan, 1, 2, 3, 4.0]})
    with pytest.raises(em.DataError, match=r"Columns 'a' and 'b' are both answered in only 2 row\(s\)"):
        apply_missing(read_items(frame, ["a", "b"]), "pairwise")


def test_keep_and_empty_column(items):
    assert apply_missing(items, "keep").missing.policy == "keep"
    frame = pd.DataFrame({"a": [np.nan, np.nan], "b": [1.0, 2.0]})
    with pytest.raises(em.DataError, match="'a' has no answers at all"):
        apply_missing(read_items(frame, ["a", "b"]), "mean")
    with pytest.raises(em.DataError, match="keeps nothing"):
        apply_missing(read_items(frame, ["a", "b"]), "listwise")


def test_unknown_policy_is_a_parameter_error(items):
    with pytest.raises(em.ParameterError, match=r"missing must be one of 'raise', 'listwise', 'pairwise', 'mean', "
                                                r"'keep'; got 'drop'"):
        apply_missing(items, "drop")
