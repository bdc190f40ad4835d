"""Product terms in the spec language: ``Y ~ X + M + X:M`` and quadratic ``X:X``."""

from __future__ import annotations

import pytest

from expectmodel.errors import SpecError
from expectmodel.spec import Model, Path, reflective

TEXT = "X =~ x1 + x2\nM =~ m1 + m2\nY =~ y1 + y2\nY ~ X + M + X:M + b*X:X"


def test_parse_and_round_trip():
    m = Model.from_syntax(TEXT)
    assert m.paths == (Path("X", "Y"), Path("M", "Y"))
    assert m.interactions == (Path("X:M", "Y"), Path("X:X", "Y"))
    assert m.products == (("X:M", "X", "M"), ("X:X", "X", "X"))
    assert "Y ~ X + M + X:M + b*X:X" in m.to_syntax()
    assert Model.from_syntax(m.to_syntax()) == m
    built = Model([reflective("X", ["x1", "x2"]), reflective("M", ["m1", "m2"]), reflective("Y", ["y1", "y2"])],
                  [Path("X", "Y"), Path("M", "Y"), Path("X:M", "Y")])
    assert built.interactions == (Path("X:M", "Y"),)
    assert ("Y", "~", "X:M") in {r.key for r in built.table}


@pytest.mark.parametrize(("text", "match"), [
    ("X =~ x1\nY =~ y1\nY ~ X + X:Z", "interaction 'X:Z' .*'Z', which is not a declared construct"),
    ("X =~ x1\nM =~ m1 + X:M", "allowed only on the right of '~'"),
    ("X =~ x1\nM =~ m1\nY =~ y1\nY ~ X:M:X", "only two-way products"),
    ("X =~ x1\nY =~ y1\nY ~ X + :X", "construct name on each side"),
])
def test_bad_product_terms(text, match):
    with pytest.raises(SpecError, match=match):
        Model.from_syntax(text)


def test_builder_refuses_undeclared_part_and_self_prediction():
    cons = [reflective("X", ["x1"]), reflective("Y", ["y1"])]
    with pytest.raises(SpecError, match="'Q', which is not a declared construct"):
        Model(cons, [Path("X", "Y"), Path("X:Q", "Y")])
    with pytest.raises(SpecError, match="one of its own parts"):
        Model(cons, [Path("X", "Y"), Path("X:Y", "Y")])
