"""Designs, the coding of E, I and V, and the bad-input errors of issue 13 (one test each)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from expectmodel.data import Scale
from expectmodel.errors import DataError, SpecError
from expectmodel.vie import VIEDesign
from expectmodel.vie.coding import read_vie


def frame(**cols):
    return pd.DataFrame(cols)


def test_probabilities_outside_0_1_are_refused():
    d = VIEDesign.from_outcomes(["a", "b"])
    bad = frame(E_a=[0.2, 1.4, 0.5], E_b=[0.1, 0.3, 0.9], V_a=[1, 2, -1], V_b=[0, 1, 2])
    with pytest.raises(DataError, match=r"'E_a' \(expectancy of 'a'\).*outside the declared 0-1 probability"):
        read_vie(bad, d)
    # a percentage in a 0-1 design gets the hint to declare the 0-100 scale
    with pytest.raises(DataError, match="declare the 0-100 probability scale"):
        read_vie(bad.assign(E_a=[20, 40, 50]), d)
    neg = bad.assign(E_a=[0.2, -0.1, 0.5])
    with pytest.raises(DataError, match="outside the declared 0-1 probability"):
        read_vie(neg, d)


def test_valence_without_zero_is_refused_for_the_product_forms_only():
    d = VIEDesign.from_outcomes(["a"], valence_scale=(1, 7))
    data = frame(E_a=[0.2, 0.7, 0.5], V_a=[1, 7, 4])
    for form in ("multiplicative", "full"):
        with pytest.raises(SpecError, match="valence scale 1-7 has no declared zero, so E \\* V is meaningless"):
            read_vie(data, d, form=form)
    assert read_vie(data, d, form="additive").valence[:, 0].tolist() == [1, 7, 4]
    # declaring the neutral point makes it a bipolar scale and V = answer - zero
    ok = VIEDesign.from_outcomes(["a"], valence_scale=Scale(1, 7, "bipolar", zero=4))
    assert read_vie(data, ok).valence[:, 0].tolist() == [-3, 3, 0]


def test_expectancy_without_true_zero_is_refused_with_the_reason():
    data = frame(E_a=[1, 3, 5], V_a=[1, -2, 0])
    with pytest.raises(SpecError, match="no true zero \\(its origin is arbitrary\\)"):
        read_vie(data, VIEDesign.from_outcomes(["a"], expectancy_scale=(1, 5)))
    with pytest.raises(SpecError, match="cannot be negative"):
        read_vie(data.assign(E_a=[-1, 0, 1]),
                 VIEDesign.from_outcomes(["a"], expectancy_scale=Scale(-2, 2, "bipolar", zero=0)))


def test_likert_expectancy_is_read_as_a_probability():
    d = VIEDesign.from_outcomes(["a"], expectancy_scale=Scale(1, 5))
    e = read_vie(frame(E_a=[1, 3, 5], V_a=[1, -2, 0]), d).expectancy[:, 0]
    np.testing.assert_allclose(e, [0.0, 0.5, 1.0])
    assert "lowest category 'certainly not' = 0" in d.coding()["expectancy"]["text"]


def test_percent_probabilities_are_divided_by_100():
    d = VIEDesign.from_outcomes(["a"], expectancy_scale=Scale(0, 100, "probability"))
    np.testing.assert_allclose(read_vie(frame(E_a=[0, 35, 100], V_a=[1, -2, 0]), d).expectancy[:, 0], [0, .35, 1])


def test_outcome_without_variance_is_refused():
    d = VIEDesign.from_outcomes(["a", "b"])
    data = frame(E_a=[0.2, 0.6, 0.5], E_b=[0.1, 0.3, 0.9], V_a=[2, 2, 2], V_b=[0, 1, 2])
    with pytest.raises(DataError, match=r"'V_a' \(valence of 'a'\) has no variance: every respondent answered 2"):
        read_vie(data, d)


def test_mismatched_outcome_lists_are_refused():
    with pytest.raises(SpecError, match="only in expectancy: 'price'; only in valence: 'prise'"):
        VIEDesign(expectancy={"delivery": "E1", "price": "E2"}, valence={"delivery": "V1", "prise": "V2"})
    with pytest.raises(SpecError, match="only in valence: 'b'"):
        VIEDesign(expectancy="E", instrumentality={"a": "I1"}, valence={"a": "V1", "b": "V2"})
    # the same outcomes in another order are paired by name
    d = VIEDesign(expectancy={"b": "E2", "a": "E1"}, valence={"a": "V1", "b": "V2"})
    assert d.expectancy_columns == ("E1", "E2")


def test_other_design_errors():
    with pytest.raises(SpecError, match="needs instrumentality"):
        VIEDesign(expectancy="E", valence={"a": "V1"})
    with pytest.raises(SpecError, match="belongs to Vroom's form"):
        VIEDesign(expectancy={"a": "E1"}, valence={"a": "V1"}, instrumentality={"a": "I1"})
    with pytest.raises(SpecError, match="more than one measure"):
        VIEDesign(expectancy={"a": "X"}, valence={"a": "X"})
    with pytest.raises(SpecError, match="symmetric about its zero"):
        VIEDesign(expectancy="E", valence={"a": "V"}, instrumentality={"a": "I"},
                  instrumentality_scale=Scale(-1, 3, "bipolar", zero=0)).coding()


def test_missing_answers_raise_or_are_dropped_listwise():
    d = VIEDesign.from_outcomes(["a"])
    data = frame(E_a=[0.2, -99, 0.5, 0.9], V_a=[1, 2, -1, 3])
    with pytest.raises(DataError, match="missing='listwise'"):
        read_vie(data, d, missing_values=-99)
    got = read_vie(data, d, missing_values=-99, missing="listwise")
    assert got.n == 3 and list(got.dropped) == [1]


def test_vroom_form_codes_instrumentality_to_minus_one_one():
    d = VIEDesign(expectancy="E", valence={"a": "Va", "b": "Vb"}, instrumentality={"a": "Ia", "b": "Ib"},
                  expectancy_scale=Scale(0, 1, "probability"), instrumentality_scale=Scale(-3, 3, "bipolar", zero=0))
    data = frame(E=[0.5, 1.0, 0.2], Ia=[3, -3, 0], Ib=[0, 3, 1.5], Va=[2, 1, -1], Vb=[-1, 2, 3])
    got = read_vie(data, d)
    np.testing.assert_allclose(got.instrumentality, [[1, 0], [-1, 1], [0, 0.5]])
    # M = E * sum_k I_k V_k, by hand: 0.5 * (2 + 0), 1.0 * (-1 + 2), 0.2 * (0 + 1.5)
    np.testing.assert_allclose(got.scores()["motivation"], [1.0, 1.0, 0.3])
