"""The parameter table: every operator and modifier parses into rows with their lines; builder and text give
equal tables; estimators refuse what they cannot fit by row (PLS: sem/_spec.pls_requirements)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import expectmodel as em
from expectmodel.sem._spec import PLS_SUPPORTS, pls_labels, pls_requirements
from expectmodel.spec import Model, ParameterTable, Row, Supports, composite, parse_table, paths, reflective

FULL = """
    # every operator and modifier
    Quality      =~ 1*q1 + NA*q2 + lq*q3
    Value        <~ v1 + v2
    Satisfaction =~ s1 + 0.5*s2 +
                    s3
    Satisfaction ~ b1*Quality + b2*Value
    Value ~ -1*Quality
    q1 ~~ s1
    q2 ~~ q2 + q3
    ind := b1*b2
    tot := ind + 2*b1
"""


def test_every_operator_and_modifier_becomes_a_row_with_its_line():
    t = parse_table(FULL)
    got = [(r.lhs, r.op, r.rhs, r.free, r.value, r.label, r.group, r.line) for r in t]
    assert got == [
        ("Quality", "=~", "q1", False, 1.0, "", 1, 3),
        ("Quality", "=~", "q2", True, None, "", 1, 3),  # NA* is free, no label
        ("Quality", "=~", "q3", True, None, "lq", 1, 3),
        ("Value", "<~", "v1", True, None, "", 1, 4),
        ("Value", "<~", "v2", True, None, "", 1, 4),
        ("Satisfaction", "=~", "s1", True, None, "", 1, 5),
        ("Satisfaction", "=~", "s2", False, 0.5, "", 1, 5),
        ("Satisfaction", "=~", "s3", True, None, "", 1, 6),  # the continuation line's own number
        ("Satisfaction", "~", "Quality", True, None, "b1", 1, 7),
        ("Satisfaction", "~", "Value", True, None, "b2", 1, 7),
        ("Value", "~", "Quality", False, -1.0, "", 1, 8),
        ("q1", "~~", "s1", True, None, "", 1, 9),
        ("q2", "~~", "q2", True, None, "", 1, 10),
        ("q2", "~~", "q3", True, None, "", 1, 10),
        ("ind", ":=", "b1*b2", False, None, "", 0, 11),
        ("tot", ":=", "ind + 2*b1", False, None, "", 0, 12),
    ]
    assert [r.rhs for r in t.rows(op="~~")] == ["s1", "q2", "q3"]
    assert [r.rhs for r in t.rows(op=("=~", "<~"), lhs="Value")] == ["v1", "v2"]
    assert t.rows(op="~", rhs="Value")[0].label == "b2"
    assert set(t.labels) == {"lq", "b1", "b2"}


def test_zero_and_integer_fixed_values():
    t = parse_table("F =~ 0*x1 + 1*x2 + 2.50*x3 + .5*x4 + 1e-3*x5")
    assert [r.value for r in t] == [0.0, 1.0, 2.5, 0.5, 0.001]
    assert not any(r.free for r in t)
    assert [str(r) for r in t][:3] == ["F =~ 0*x1", "F =~ 1*x2", "F =~ 2.5*x3"]


def test_frame_has_the_partable_columns_in_order():
    frame = parse_table(FULL).frame
    assert list(frame.columns) == ["lhs", "op", "rhs", "free", "value", "label", "group", "line"]
    assert frame["free"].dtype == bool and frame["value"].dtype == float
    assert math.isnan(frame.loc[1, "value"]) and frame.loc[0, "value"] == 1.0
    assert frame.loc[2, "label"] == "lq" and frame.loc[0, "label"] == ""
    assert frame["line"].tolist()[:2] == [3, 3]
    built = Model([reflective("A", ["a1"])]).to_table().frame
    assert built["line"].isna().all()
    assert ParameterTable.from_frame(frame) == parse_table(FULL)


def test_builder_and_text_give_equal_tables():
    built = Model(
        [reflective("Quality", ["q1", "q2"]), composite("Value", ["v1", "v2"]), reflective("Sat", ["s1", "s2"])],
        paths(["Quality", "Value"], to="Sat"),
    )
    parsed = Model.from_syntax("Quality =~ q1 + q2\nValue <~ v1 + v2\nSat =~ s1 + s2\nSat ~ Quality + Value")
    assert built.to_table() == parsed.to_table()  # line numbers are not compared
    assert built.to_table().frame.drop(columns="line").equals(parsed.to_table().frame.drop(columns="line"))
    assert built.table is built.to_table()
    # the path order is cosmetic for the model, and text written paths-first compiles to the same table order
    later = Model.from_syntax("Sat ~ Value + Quality\nQuality =~ q1 + q2\nValue <~ v1 + v2\nSat =~ s1 + s2")
    assert later == built and hash(later) == hash(built)


@pytest.mark.parametrize("text", [
    FULL,
    "A =~ a1 + a2\nB <~ b1 + b2\nC =~ c1\nC ~ A + B\nB ~ A",
    "A =~ 1*a1 + a2\nB =~ b1 + b2\nB ~ 0*A\nA ~~ B\nA ~~ A\nd := 3",
])
def test_round_trip_through_text(text):
    model = Model.from_syntax(text)
    again = Model.from_syntax(model.to_syntax())
    assert again == model
    assert again.to_table() == model.to_table()
    assert Model.from_table(model.to_table()) == model


def test_extra_rows_take_part_in_equality_and_hashing():
    base = "Q =~ q1 + q2\nS =~ s1 + s2\nS ~ Q"
    plain = Model.from_syntax(base)
    assert Model.from_syntax(base + "\nq1 ~~ s1") != plain
    assert Model.from_syntax(base + "\nq1 ~~ s1") == Model.from_syntax(base + "\ns1 ~~ q1")  # symmetric
    assert Model.from_syntax(base.replace("S ~ Q", "S ~ b*Q")) != plain
    assert Model.from_syntax(base.replace("q1", "1*q1", 1)) != plain
    assert len({plain, Model.from_syntax(base), Model.from_syntax(base + "\nq1 ~~ q1")}) == 2
    with pytest.raises(AttributeError):
        plain.table = None  # type: ignore[misc]


def test_from_table_and_modes():
    t = ParameterTable([Row("V", "<~", "v1"), Row("V", "<~", "v2"), Row("S", "=~", "s1"), Row("S", "~", "V")])
    assert Model.from_table(t).construct("V").mode == "B"
    assert Model.from_table(t, modes={"V": "A"}).construct("V").mode == "A"
    assert Model.from_table(t.frame[["lhs", "op", "rhs"]]) == Model.from_table(t)
    with pytest.raises(em.SpecError, match="not composites"):
        Model.from_table(t, modes={"S": "A"})
    with pytest.raises(em.SpecError, match="do not match the constructs and paths"):
        Model([reflective("S", ["s1"])], table=t)


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        ("A =~ a1 + a2\nB =~ b1 + c(a1, a2)*b2", ["'c(...)'", "line 2, column 11", "Multiple-group"]),
        ("A =~ a1 + start(0.5)*a2", ["'start(...)'", "not supported"]),
        ("A =~ a1 + a*1*a2", ["more than one modifier", "column 14"]),
        ("A =~ a1 + *a2", ["a modifier is missing before '*'"]),
        ("A =~ a1 + 0.5*", ["a name is missing"]),
        ("A =~ a1 + 0.5 a2", ["expected '*' after the modifier", "column 15"]),
        ("A =~ a1\nB =~ b1\nB ~ 1", ["intercepts", "line 3"]),
        ("A =~ a1 + NA", ["'NA' is a modifier"]),
        ("A =~ a1\nind :=", ["an expression is missing"]),
        ("A =~ a1\nind := a b", ["expected an operator before 'b'"]),
        ("A =~ a1\nind := (a*b", ["unbalanced '('"]),
        ("A =~ a1\nind := a*", ["ends with '*'"]),
        ("A =~ a*a1\nx := a\nx := 2*a", ["'x' is already defined at line 2", "line 3"]),
        ("A =~ a1 + a2\nA ~~ A\nA ~~ A", ["A ~~ A is already specified at line 2", "line 3"]),
        ("A =~ a1 + a2\na1 ~~ a2\na2 ~~ a1", ["already specified at line 2"]),
        ("A =~ a1\nB =~ b1\nB ~ A\nB ~~ Z", ["'Z' (line 4)", "neither a construct nor an indicator"]),
        ("A =~ a1\nB =~ b1\nB ~ A\nB ~ C", ["'C' (line 4)", "no indicators"]),
        ("A =~ a1\nA <~ a2", ["'A' is already defined at line 1"]),
        ("A =~ a1 + a2\nB =~ b1\nB ~ a*A\na := 2*a", ["'a'", "line 4", "name of a label"]),
        ("A =~ a1 + a2\nB =~ b1\nB ~ A\ne := 2*g", ["'g'", "line 4", "not a label"]),
        ("A =~ a1 ; B =~ b1", ["expected '+'", "';'"]),
    ],
)
def test_text_errors_name_the_line(text, needles):
    with pytest.raises(em.SpecError) as info:
        Model.from_syntax(text)
    for needle in needles:
        assert needle in str(info.value), str(info.value)


def test_row_validation():
    with pytest.raises(em.SpecError, match="Unknown operator"):
        Row("A", "=>", "x")
    with pytest.raises(em.SpecError, match=r"fixed \(free=False\) but has no value"):
        Row("A", "=~", "x", free=False)
    with pytest.raises(em.SpecError, match="free but has a value"):
        Row("A", "=~", "x", value=1)
    with pytest.raises(em.SpecError, match="both fixed and labelled"):
        Row("A", "=~", "x", free=False, value=1, label="a")
    with pytest.raises(em.SpecError, match="already specified"):
        ParameterTable([Row("A", "=~", "x"), Row("A", "=~", "x")])


def test_require_names_the_first_unsupported_row_and_the_estimator():
    t = parse_table("F =~ x1 + x2\nG =~ y1 + y2\nG ~ F\ny1 ~~ x1\nx2 ~~ x2")
    t.require({"=~", "~", "~~"}, estimator="CB-SEM")  # all supported
    with pytest.raises(em.SpecError) as info:
        t.require({"=~", "~"}, estimator="PLS")
    msg = str(info.value)
    assert msg.startswith("PLS cannot fit line 4, 'y1 ~~ x1': a variance or covariance ('~~') (and 1 more row")
    assert "not supported by the PLS estimator" in msg
    with pytest.raises(em.SpecError, match="my hint for GSCA"):
        t.require({"=~", "~"}, estimator="GSCA", hints={"~~": "my hint for {estimator}"})
    # rows built in Python have no line: the row alone is named
    built = ParameterTable([Row("F", "=~", "x1", free=False, value=1.0)])
    with pytest.raises(em.SpecError, match=r"^X cannot fit 'F =~ 1\*x1': a fixed value"):
        built.require({"=~"}, estimator="X")
    built.require(Supports({"=~"}, fixed=True), estimator="X")


def test_require_flags_labels_constraints_and_groups():
    t = parse_table("F =~ x1 + x2\nG =~ y1\nH =~ z1\nG ~ a*F\nH ~ a*F")
    assert [why for _, why in t.unsupported({"=~", "~"})] == ["labels", "labels"]
    assert [why for _, why in t.unsupported(Supports({"=~", "~"}, labels=True))] == ["constraints", "constraints"]
    assert t.unsupported(Supports({"=~", "~"}, labels=True, constraints=True)) == []
    grouped = ParameterTable([Row("F", "=~", "x1"), Row("F", "=~", "x1", group=2)])
    assert [why for _, why in grouped.unsupported({"=~"})] == ["groups"]
    with pytest.raises(em.SpecError, match="unknown operator"):
        Supports({"=>"})


# -- PLS's requirements, by row (sem/_spec.pls_requirements; the lead calls it from PLS.fit) -----------
PLS_BASE = "Q =~ q1 + q2\nS =~ s1 + s2\nS ~ Q"


@pytest.mark.parametrize(
    ("extra", "needles"),
    [
        ("\nq1 ~~ s1", ["PLS cannot fit line 4, 'q1 ~~ s1'", "'~~'", "not supported"]),
        ("\nS ~~ S", ["line 4, 'S ~~ S'", "Residual covariances"]),
        ("\nind := 2", ["line 4, 'ind := 2'", "Defined parameters (':=')", "indirect and total effects"]),
        ("\nR =~ 0.5*r1 + r2\nR ~ S", ["line 4, 'R =~ 0.5*r1'", "fixed value", "estimates every weight"]),
        ("\nR =~ r1 + r2\nR ~ a*S + a*Q", ["line 5, 'R ~ a*S'", "equality constraint"]),
        ("\nR =~ r1\nQ ~ R\nR ~ S", ["cycle", "PLS path models must be recursive"]),
        ("\nR =~ r1", ["'R'", "no structural path"]),
    ],
)
def test_pls_refuses_what_it_cannot_fit_by_row(extra, needles):
    model = Model.from_syntax(PLS_BASE + extra)  # the spec holds it ...
    with pytest.raises(em.SpecError) as info:
        pls_requirements(model)  # ... PLS refuses it
    for needle in needles:
        assert needle in str(info.value), str(info.value)


def test_pls_accepts_labels_and_reports_them():
    model = Model.from_syntax("Q =~ q1 + lq*q2\nS =~ NA*s1 + s2\nS ~ b1*Q")
    assert pls_requirements(model) is None
    assert pls_requirements(model.to_syntax()) is None  # text is parsed first
    assert pls_labels(model) == {("Q", "=~", "q2"): "lq", ("S", "~", "Q"): "b1"}
    assert PLS_SUPPORTS.labels and not PLS_SUPPORTS.fixed
    assert pls_requirements(em.spec.templates.ecsi()) is None
    assert pls_requirements(Model([reflective("A", ["a1", "a2"])])) is None  # one construct: no inner model


@pytest.fixture
def small_data() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    q = rng.normal(size=200)
    s = 0.6 * q + 0.8 * rng.normal(size=200)
    cols = {f"q{i}": q + 0.6 * rng.normal(size=200) for i in (1, 2)}
    cols |= {f"s{i}": s + 0.6 * rng.normal(size=200) for i in (1, 2)}
    return pd.DataFrame(cols)


def test_pls_fit_refuses_a_covariance_row(small_data):
    with pytest.raises(em.SpecError, match="PLS cannot fit line 4, 'q1 ~~ s1'"):
        em.PLS(PLS_BASE + "\nq1 ~~ s1").fit(small_data)
