"""Design validation and SurveyData: every bad input in issue 3's list gets a clear, named error."""

from __future__ import annotations

import numpy as np
import pytest

from expectmodel import latent
from expectmodel.errors import DataError, ParameterError, SpecError


@pytest.fixture(scope="module")
def sim():
    return latent.simulate_latent(60, dimensions={"a": ("q1", "q2", "q3"), "b": ("q4", "q5")}, link="gap",
                                  drivers=2, stages=("never used", "first-time", "long-term"),
                                  no_perception=("never used",), seed=11)


def test_servqual_template_has_22_items_in_5_dimensions():
    d = latent.servqual_design()
    assert len(d.items) == 22 and list(d.dimensions) == ["tangibles", "reliability", "responsiveness",
                                                         "assurance", "empathy"]
    assert d.columns["E"]["q5"] == "E_q5" and d.n_categories == 7
    assert np.bincount(d.item_dimension).tolist() == [4, 5, 4, 4, 5]


def test_item_in_two_dimensions_names_both():
    with pytest.raises(SpecError, match=r"'q2' is declared in two dimensions, 'a' and 'b'"):
        latent.Design(dimensions={"a": ["q1", "q2"], "b": ["q2", "q3"]}, batteries={"E": "E_{item}"}, scale=(1, 7))


def test_unknown_battery_and_bad_scale():
    with pytest.raises(SpecError, match="unknown battery 'X'"):
        latent.Design(dimensions={"a": ["q1"]}, batteries={"X": "{item}"}, scale=(1, 7))
    with pytest.raises(SpecError, match="whole categories"):
        latent.Design(dimensions={"a": ["q1"]}, batteries={"E": "{item}"}, scale=(1, 6.5))


def test_battery_with_items_missing_lists_them(sim):
    df = sim.data.drop(columns=["P_q2", "P_q5"])
    msg = r"not found in the data: 'P_q2' \(battery P, item q2\); 'P_q5' \(battery P, item q5\)"
    with pytest.raises(DataError, match=msg):
        sim.design.prepare(df)


def test_answer_outside_scale_names_column_and_row(sim):
    df = sim.data.copy()
    df.loc[7, "E_q4"] = 9
    msg = r"'E_q4' \(battery E, item q4\) has 1 value\(s\) outside the declared 1-7 scale; first at row 7 \(value 9\)"
    with pytest.raises(DataError, match=msg):
        sim.design.prepare(df)
    df.loc[7, "E_q4"] = -99
    with pytest.raises(DataError, match="missing_values="):
        sim.design.prepare(df)
    data = sim.design.prepare(df, missing_values=[-99])  # a declared code is missing, never an answer
    assert np.isnan(data.answers["E"][7, 3])


def test_all_answers_identical_within_a_battery(sim):
    df = sim.data.copy()
    df.loc[:, [f"E_q{j}" for j in range(1, 6)]] = 7.0
    with pytest.raises(DataError, match="every answer in battery E is 7"):
        sim.design.prepare(df)


def test_stage_with_no_respondents(sim):
    df = sim.data[sim.data.stage != "first-time"]
    with pytest.raises(DataError, match=r"Level\(s\) 'first-time' of column 'stage' have no respondents"):
        sim.design.prepare(df)
    df = sim.data.assign(stage=sim.data.stage.astype(str).replace("long-term", "loyal"))
    with pytest.raises(DataError, match="'loyal' not in stages="):
        sim.design.prepare(df)


def test_never_used_respondents_must_not_have_perceptions(sim):
    df = sim.data.copy()
    row = df.index[df.stage == "never used"][0]
    df.loc[row, "P_q1"] = 4
    with pytest.raises(DataError, match="not asked the P battery by design"):
        sim.design.prepare(df)


def test_driver_missing_and_constant(sim):
    df = sim.data.copy()
    df.loc[3, "promises"] = np.nan
    with pytest.raises(DataError, match="driver column 'promises' has missing values in rows 3"):
        sim.design.prepare(df)
    with pytest.raises(DataError, match="driver column 'promises' is constant"):
        sim.design.prepare(sim.data.assign(promises=1.0))


def test_non_numeric_answers(sim):
    df = sim.data.astype({"E_q1": object})
    df.loc[0, "E_q1"] = "seven"
    msg = r"'E_q1' \(battery E, item q1\) is not numeric.*first non-numeric value 'seven' at row 0"
    with pytest.raises(DataError, match=msg):
        sim.design.prepare(df)


def test_long_format_matches_wide(sim):
    d = sim.design
    wide = sim.data.reset_index()
    design = latent.Design(dimensions=d.dimensions, batteries=d.batteries, scale=d.scale,
                           satisfaction=d.satisfaction, drivers=d.drivers, stage=d.stage, stages=d.stages,
                           no_perception=d.no_perception, respondent="respondent")
    a = design.prepare(wide)
    long = d.prepare(sim.data).long()
    person = wide[["respondent", *d.satisfaction, *d.drivers, "stage"]]
    b = design.prepare(long.merge(person, on="respondent"), format="long")
    for bat in ("E", "P"):
        np.testing.assert_array_equal(a.answers[bat], b.answers[bat].astype(float))
    np.testing.assert_allclose(a.drivers, b.drivers)
    assert (a.stage == b.stage).all()
    bad = long.merge(person, on="respondent")
    bad.loc[0, "promises"] += 1
    with pytest.raises(DataError, match="vary within a respondent"):
        design.prepare(bad, format="long")


def test_ratio_link_refused_with_reason(sim):
    with pytest.raises(ParameterError, match="cannot be identified from ordinal answers"):
        latent.LatentExpectations(sim.design, link="ratio").fit(sim.data)  # refused before any sampling
    assert latent.ratio_scores([12.0], [10.0])[0] == pytest.approx(np.log(1.2))
    with pytest.raises(DataError, match="strictly positive"):
        latent.ratio_scores([0.0], [10.0])


def test_model_options_checked(sim):
    """Checked by fit (and build) before any data are read or sampled; constructing never raises."""
    with pytest.raises(SpecError, match="needs overall satisfaction items"):
        latent.LatentExpectations(latent.servqual_design(), link="gap").fit(sim.data)
    one = latent.Design(dimensions={"a": ["q1", "q2"]}, batteries={"P": "P_{item}"}, scale=(1, 5))
    with pytest.raises(SpecError, match="scale_usage=True needs two or more batteries"):
        latent.LatentExpectations(one, scale_usage=True).build(sim.data)
    with pytest.raises(ParameterError, match="needs invariance=True"):
        latent.LatentExpectations(sim.design, link="gap", invariance=False).fit(sim.data)


def test_probability_expectations_are_validated():
    sim = latent.simulate_latent(40, dimensions={"a": ("q1", "q2")}, probability=True, invariance=False, seed=2)
    df = sim.data.copy()
    df.loc[3, "E_q2"] = 1.4
    msg = r"'E_q2' \(battery E, item q2\) has 1 value\(s\) outside the declared 0-1 probability scale; first at row 3"
    with pytest.raises(DataError, match=msg + r" \(value 1.4\)"):
        sim.design.prepare(df)
    heaped = sim.data.assign(E_q1=0.5, E_q2=np.where(np.arange(40) % 2, 1.0, 0.0))
    with pytest.warns(UserWarning, match="exactly 0, 50% or 100%"):
        sim.design.prepare(heaped)
    with pytest.raises(SpecError, match="pass invariance=False"):
        latent.LatentExpectations(sim.design).fit(sim.data)
    with pytest.raises(DataError, match="same answer scale"):
        latent.servqual(sim.design.prepare(sim.data))
    with pytest.raises(SpecError, match="only the E battery"):
        latent.Design(dimensions={"a": ["q1"]}, batteries={"P": "P_{item}"}, scale=(1, 7), probability=("P",))
