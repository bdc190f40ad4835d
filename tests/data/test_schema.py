"""Scale: five kinds, each validated; the old (low, high) and {construct: (low, high)} forms still work."""

from __future__ import annotations

import math

import numpy as np
import pytest

import expectmodel as em
from expectmodel.data import Scale, as_scale, resolve_scale
from expectmodel.data.schema import scales_for_model


def test_kinds_and_validation():
    assert Scale(1, 7).categories == 7 and Scale(1, 7).whole
    assert Scale(1.5, 6.5, "interval").describe() == "1.5-6.5"
    assert Scale(0, 100, "probability").describe() == "0-100 probability"
    assert math.isinf(Scale(0, math.inf, "count").high)
    assert Scale(-3, 3, "bipolar", zero=0).zero == 0.0
    with pytest.raises(em.SpecError, match="whole answer categories"):
        Scale(1, 6.5)
    with pytest.raises(em.SpecError, match="needs its neutral point"):
        Scale(-3, 3, "bipolar")
    with pytest.raises(em.SpecError, match="must lie inside"):
        Scale(-3, 3, "bipolar", zero=5)
    with pytest.raises(em.SpecError, match=r"\(0, 1\) or \(0, 100\)"):
        Scale(0, 10, "probability")
    with pytest.raises(em.SpecError, match="whole number >= 0"):
        Scale(-1, 10, "count")
    with pytest.raises(em.SpecError, match="only a count"):
        Scale(1, math.inf, "interval")
    with pytest.raises(em.SpecError, match="below the high end"):
        Scale(7, 1)
    with pytest.raises(em.SpecError, match="bipolar scales only"):
        Scale(1, 7, zero=4)
    with pytest.raises(em.SpecError, match="kind must be one of"):
        Scale(1, 7, "ordinal")


def test_old_forms_normalise():
    assert as_scale((1, 10)) == Scale(1, 10, "interval")
    assert as_scale((1, 7), kind="likert") == Scale(1, 7)
    assert as_scale(None) is None
    with pytest.raises(em.SpecError, match=r"\(low, high\) pair"):
        as_scale("1-7")
    model = em.Model.from_syntax("Q =~ q1 + q2\nS =~ s1\nS ~ Q")
    assert scales_for_model(model, {"S": (0, 10)}) == (None, None, Scale(0, 10, "interval"))
    low, high = resolve_scale(model, (1, 7))
    assert low.tolist() == [1, 1, 1] and high.tolist() == [7, 7, 7]
    assert np.isnan(resolve_scale(model, None)[0]).all()
    with pytest.raises(em.SpecError, match="unknown construct"):
        resolve_scale(model, {"Quality": (1, 7)})
    with pytest.raises(em.SpecError, match=r"scale\['Q'\]"):
        resolve_scale(model, {"Q": (7, 1)})
