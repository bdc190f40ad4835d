"""The specification language: builder and text give equal models; every malformed spec names its offender."""

from __future__ import annotations

import pytest

import expectmodel as em
from expectmodel.spec import Model, composite, items, paths, reflective

ACSI_TEXT = """
    # the STYLE.md example
    Expectation  =~ CUEX1 + CUEX2 + CUEX3
    Quality      =~ PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5 + PERQ6 + PERQ7
    Value        <~ PERV1 + PERV2
    Satisfaction =~ CUSA1 + CUSA2 +
                    CUSA3          # continuation line
    Satisfaction ~ Expectation + Quality + Value
"""


def test_builder_and_text_are_the_same_model():
    built = Model(
        constructs=[
            reflective("Expectation", items("CUEX", 1, 3)),
            reflective("Quality", items("PERQ", 1, 7)),
            composite("Value", ["PERV1", "PERV2"], mode="B"),
            reflective("Satisfaction", items("CUSA", 1, 3)),
        ],
        paths=paths(["Expectation", "Quality", "Value"], to="Satisfaction"),
    )
    parsed = Model.from_syntax(ACSI_TEXT)
    assert built == parsed
    assert Model.from_syntax(parsed.to_syntax()) == parsed
    assert parsed.construct("Value").mode == "B"
    assert parsed.predecessors("Satisfaction") == ("Expectation", "Quality", "Value")
    assert parsed.endogenous == ("Satisfaction",)


def test_spec_is_immutable():
    m = Model.from_syntax(ACSI_TEXT)
    with pytest.raises(AttributeError):
        m.paths = ()  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        ("A =~ a1 + a2\nB =~ b1\nB => A", ["unknown operator '=>'", "line 3, column 3", "^^", "Did you mean '~'"]),
        ("A =~ a1 + a2\nA =~ a3", ["'A' is already defined at line 1", "line 2"]),
        ("A =~ a1 + a2\nB =~ b1\nB ~ A + C", ["'C'", "no indicators"]),
        ("A =~ a1 + a2\nB =~ a2 + b2", ["'a2'", "both 'A' and 'B'"]),
        ("A =~ a1 +\n", ["a name is missing"]),
        ("A =~ a1 a2", ["expected '+'", "column 9"]),
        ("A =~ a1\nA ~~ B", ["'B'", "line 2", "neither a construct nor an indicator"]),
        ("A =~ a1 + a2\nind := a*b", ["'a'", "not a label"]),
        ("# only a comment", ["defines no constructs"]),
        ("A =~ a1\nB =~ b1\nB ~ A\nB ~ A", ["already specified at line 3"]),
    ],
)
def test_malformed_text_names_the_problem(text, needles):
    with pytest.raises(em.SpecError) as info:
        Model.from_syntax(text)
    for needle in needles:
        assert needle in str(info.value)


def test_a_cycle_is_a_pls_rule_not_a_spec_rule():
    # the spec holds a non-recursive model; PLS (and anything needing a topological order) refuses it
    model = Model.from_syntax("A =~ a1\nB =~ b1\nC =~ c1\nB ~ A\nC ~ B\nA ~ C")
    assert model.cycle == ("A", "B", "C", "A") and not model.is_recursive
    with pytest.raises(em.SpecError, match=r"cycle: A -> B -> C -> A\. PLS path models must be recursive"):
        model.check_recursive(estimator="PLS")
    with pytest.raises(em.SpecError, match="A -> B -> C -> A"):
        model.topological_order  # noqa: B018
    assert Model.from_syntax("A =~ a1\nB =~ b1\nB ~ A").is_recursive


def test_builder_errors():
    with pytest.raises(em.SpecError, match="has no indicators"):
        reflective("Empty", [])
    with pytest.raises(em.SpecError, match="defined twice"):
        Model([reflective("A", ["a1"]), reflective("A", ["a2"])])
    with pytest.raises(em.SpecError, match="cannot predict itself"):
        Model([reflective("A", ["a1"])], paths("A", to="A"))
    with pytest.raises(em.SpecError, match="estimated in mode A"):
        em.spec.Construct("A", ("a1",), "reflective", "B")


def test_templates_take_the_users_columns():
    acsi = em.spec.templates.acsi({"Complaints": "complained", "Value": ["v_price", "v_quality"]})
    assert acsi.construct("Complaints").indicators == ("complained",)
    assert acsi.construct("Value").indicators == ("v_price", "v_quality")
    assert set(acsi.predecessors("Satisfaction")) == {"Expectations", "Quality", "Value"}
    assert len(acsi.paths) == 9
    ecsi = em.spec.templates.ecsi()
    assert len(ecsi.indicators) == 24 and len(ecsi.paths) == 12
    with pytest.raises(em.SpecError, match="no construct"):
        em.spec.templates.ecsi({"Loyality": ["x"]})
