"""Higher-order constructs: repeated indicators, embedded and disjoint two-stage.

Truths: each approach rebuilt by hand from ordinary first-order fits (copied columns, stage-one scores
put into a data frame, a stage-two model written out), and R seminr's ``higher_composite`` (its
two-stage is the disjoint approach) through seminr-py, to 1e-6.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import expectmodel as em
from expectmodel.errors import SpecError

TEXT = """
    Image   =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
    Quality =~ PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5 + PERQ6 + PERQ7
    Value   =~ PERV1 + PERV2
    Offer   <~ Quality + Value
    Loyalty =~ CUSL1 + CUSL2 + CUSL3
    Loyalty ~ Image + Offer
"""
QUALITY = ["PERQ1", "PERQ2", "PERQ3", "PERQ4", "PERQ5", "PERQ6", "PERQ7"]
COPIED = "\n".join([
    "Image   =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5",
    "Quality =~ " + " + ".join(QUALITY),
    "Value   =~ PERV1 + PERV2",
    "Offer   <~ " + " + ".join(f"{i}.Offer" for i in [*QUALITY, "PERV1", "PERV2"]),
    "Loyalty =~ CUSL1 + CUSL2 + CUSL3",
    "Loyalty ~ Image + Offer",
    "Offer ~ Quality + Value",
])


@pytest.fixture(scope="module")
def model():
    return em.Model.from_syntax(TEXT)


def _copied(data):
    out = data.copy()
    for i in [*QUALITY, "PERV1", "PERV2"]:
        out[f"{i}.Offer"] = data[i]
    return out


def test_repeated_indicators_by_hand(model, ecsi_survey):
    res = em.PLS(model, higher_order="repeated").fit(ecsi_survey.data)
    by_hand = em.PLS(em.Model.from_syntax(COPIED)).fit(_copied(ecsi_survey.data))
    b1 = res.paths.set_index(["source", "target"])["estimate"]
    b2 = by_hand.paths.set_index(["source", "target"])["estimate"]
    np.testing.assert_allclose(b1.sort_index(), b2.sort_index(), atol=1e-12)
    table = res.higher_order_table.set_index("dimension")
    np.testing.assert_allclose(table.loc["Quality", "weight"], b2[("Quality", "Offer")], atol=1e-12)


def test_embedded_two_stage_by_hand(model, ecsi_survey):
    res = em.PLS(model, bootstrap=60, seed=2).fit(ecsi_survey.data)  # embedded is the default
    stage1 = em.PLS(em.Model.from_syntax(COPIED)).fit(_copied(ecsi_survey.data))
    data = ecsi_survey.data.assign(**{"Quality.score": stage1.scores["Quality"].to_numpy(),
                                      "Value.score": stage1.scores["Value"].to_numpy()})
    stage2 = em.PLS(em.Model.from_syntax(
        "Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5\nOffer <~ Quality.score + Value.score\n"
        "Loyalty =~ CUSL1 + CUSL2 + CUSL3\nLoyalty ~ Image + Offer")).fit(data)
    np.testing.assert_allclose(res.paths["estimate"], stage2.paths["estimate"], atol=1e-12)
    table = res.higher_order_table.set_index("dimension")
    w = stage2.weights.loc["Offer"]
    np.testing.assert_allclose(table["weight"], [w["Quality.score"], w["Value.score"]], atol=1e-12)
    # the dimensions' reliability comes from stage one
    np.testing.assert_allclose(table.loc["Quality", "rhoC"], stage1.reliability.loc["Quality", "rhoC"], atol=1e-12)
    assert (table["relation_ci_low"] < table["weight"]).all() and (table["weight"] < table["relation_ci_high"]).all()


def test_reporting(model, ecsi_survey):
    res = em.PLS(model, higher_order="disjoint", bootstrap=40, seed=1).fit(ecsi_survey.data)
    doc = json.loads(res.to_json())
    assert doc["higher_order"]["approach"] == "disjoint" and len(doc["higher_order"]["dimensions"]) == 2
    assert "Higher-order constructs (disjoint)" in str(res.summary())
    assert ((res.to_frame()["lhs"] == "Offer") & (res.to_frame()["rhs"] == "Quality.score")).any()
    with pytest.raises(SpecError, match="higher-order model"):
        res.predict(ecsi_survey.data)


def test_bad_inputs(ecsi_survey):
    with pytest.raises(SpecError, match="one lower-order block"):
        em.Model.from_syntax("Quality =~ PERQ1 + PERQ2\nOffer <~ Quality\nLoyalty =~ CUSL1\nLoyalty ~ Offer")
    own = TEXT + "\nLoyalty ~ Value"
    with pytest.raises(SpecError, match="have paths of their own"):
        em.PLS(em.Model.from_syntax(own)).fit(ecsi_survey.data)
    res = em.PLS(em.Model.from_syntax(own), higher_order="repeated").fit(ecsi_survey.data)
    assert ("Value", "Loyalty") in set(zip(res.paths["source"], res.paths["target"], strict=True))


@pytest.mark.oracle
def test_disjoint_agrees_with_seminr(mobi, model):
    seminr = pytest.importorskip("seminr")
    mm = seminr.constructs(
        seminr.composite("Image", [f"IMAG{i}" for i in range(1, 6)], weights=seminr.mode_A),
        seminr.composite("Quality", QUALITY, weights=seminr.mode_A),
        seminr.composite("Value", ["PERV1", "PERV2"], weights=seminr.mode_A),
        seminr.higher_composite("Offer", ["Quality", "Value"], weights=seminr.mode_B),
        seminr.composite("Loyalty", ["CUSL1", "CUSL2", "CUSL3"], weights=seminr.mode_A),
    )
    sm = seminr.relationships(seminr.paths(from_=["Image", "Offer"], to="Loyalty"))
    fit = seminr.estimate_pls(mobi, mm, sm)
    # mode A composites, as seminr's composite(..., mode_A): the same estimates as our reflective blocks
    ours = em.PLS(model, higher_order="disjoint").fit(mobi)
    for src in ("Image", "Offer"):
        np.testing.assert_allclose(ours.paths.set_index("source").loc[src, "estimate"],
                                   fit.path_coef.get(src, "Loyalty"), atol=1e-6)
    w = ours.weights.loc["Offer"]
    np.testing.assert_allclose(w["Quality.score"], fit.outer_weights.get("Quality", "Offer"), atol=1e-6)
    np.testing.assert_allclose(w["Value.score"], fit.outer_weights.get("Value", "Offer"), atol=1e-6)
