"""Expectation dynamics over waves (ExpectationDynamics): recovery of alpha, the paths and the forecast from
simulation truth, the rising-expectations test, and the wave data's bad-input errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from expectmodel import latent
from expectmodel.errors import DataError, SpecError
from expectmodel.results import PARAMETER_COLUMNS
from tests.latent.conftest import fast


@pytest.fixture(scope="module")
def waves_fit():
    """200 panel respondents x 3 waves, two stages with alpha 0.5 and 0.25, two dimensions of 3 items."""
    sim = latent.simulate_waves(200, waves=3, seed=3)
    est = latent.ExpectationDynamics(sim.design, wave="wave", respondent="id", sampler=fast())
    return sim, est.fit(sim.data)


def test_paths_alpha_and_forecast_are_recovered(waves_fit):
    sim, res = waves_fit
    assert res.diagnostics.passed
    paths = res.paths()
    for name, key in (("E", "E_level"), ("P", "P_level")):
        t = paths.xs(name, level="battery")
        truth = sim.truth[key].ravel()  # stage x wave x dimension, the table's order
        hit = (t["ci_low"].to_numpy() <= truth) & (truth <= t["ci_high"].to_numpy())
        # 12 cells, 90% intervals: at least 9 cover with probability 0.97 under a correct model
        assert hit.sum() >= 9, (name, t, truth)
        assert np.corrcoef(t["mean"], truth)[0, 1] > 0.8
    a = res.alpha()
    # alpha's posterior SD is 0.14-0.23 at this size: the two 90% intervals, padded by 0.05 for the short
    # chains' Monte Carlo error, cover the truth (0.5, 0.25); the data move alpha off its prior mean 0.3 little,
    # so the test is only that it is estimated, and positive in the stage with more information
    assert np.all((a["ci_low"] - 0.05 <= sim.truth["alpha"]) & (sim.truth["alpha"] <= a["ci_high"] + 0.05)), a
    assert a["prob_positive"].max() > 0.9
    rising = res.rising_expectations()
    assert list(rising["claim"]) == ["alpha > 0", "alpha > 0"]  # no free link: beta_E is not tested
    f = res.forecast()
    e, p = sim.truth["E_level"], sim.truth["P_level"]
    expected = (e[:, -1] + sim.truth["alpha"][:, None] * (p[:, -1] - e[:, -1])).ravel()
    hit = (f["ci_low"].to_numpy() <= expected) & (expected <= f["ci_high"].to_numpy())
    assert hit.sum() >= 3, (f, expected)
    sc = res.scores()
    r = np.corrcoef(sc["E_mean"].to_numpy(), sim.truth["levels"][:, 0, :].ravel())[0, 1]
    assert r > 0.75  # person scores on the dynamic means (reliability of 3 items: about 0.85)


def test_the_results_contract_holds(waves_fit):
    _sim, res = waves_fit
    frame = res.to_frame()
    assert tuple(frame.columns) == PARAMETER_COLUMNS
    assert {"alpha", "level", "gap", "loading"} <= set(frame["kind"])
    assert (frame.query("kind == 'level'")["group"].str.contains(r"\|")).all()  # stage|wave cells
    text = str(res.summary())
    assert "alpha" in text and "forecast" in text
    assert '"kind": "alpha"' in res.to_json() and repr(res).startswith("<DynamicsResults: ")
    lo, hi = res.conf_int(0.5)["ci_low"], res.conf_int(0.5)["ci_high"]
    assert (lo <= hi).all() and len(lo) == len(frame)
    assert tuple(res.meta["waves"]) == ("1", "2", "3") and res.meta.params["wave"] == "wave"
    with pytest.raises(SpecError, match="not offered"):
        res.scoring_spec()
    assert res.bands()["band"].notna().all()
    import matplotlib.pyplot as plt

    ax = res.plot_gaps(stage="long-term", wave=2)
    assert "long-term, wave 2" in ax.get_title() and len(ax.get_yticks()) == 2
    plt.close(ax.figure)


def test_a_wave_column_that_is_not_orderable_is_refused():
    """Acceptance (bad input): a wave column that is not orderable."""
    sim = latent.simulate_waves(30, waves=2, seed=1)
    est = latent.ExpectationDynamics(sim.design, wave="wave", sampler=fast())
    text = sim.data.assign(wave=sim.data["wave"].map({1: "spring", 2: "autumn"}))
    with pytest.raises(DataError, match="not orderable: it holds text"):
        est.fit(text)
    unordered = sim.data.assign(wave=pd.Categorical(text["wave"]))
    with pytest.raises(DataError, match="unordered categorical"):
        est.fit(unordered)
    ordered = sim.data.assign(wave=pd.Categorical(text["wave"], categories=["spring", "autumn"], ordered=True))
    codes, waves = latent.read_waves(ordered, "wave")
    assert waves == ("spring", "autumn") and codes.tolist() == (sim.data["wave"] - 1).tolist()
    with pytest.raises(DataError, match="at least two waves"):
        est.fit(sim.data[sim.data["wave"] == 1])


def test_a_respondent_repeated_within_a_wave_is_refused():
    """Acceptance (bad input): a respondent id repeated within a wave."""
    sim = latent.simulate_waves(30, waves=2, seed=1)
    data = sim.data.copy()
    data.loc[1, "id"] = data.loc[0, "id"]  # rows 0 and 1 are both in wave 1
    est = latent.ExpectationDynamics(sim.design, wave="wave", respondent="id", sampler=fast())
    with pytest.raises(DataError, match=r"appears more than once in wave 1 \(row 1\)"):
        est.fit(data)


def test_invariance_test_runs_on_the_wave_model(waves_fit):
    """The dynamics' stage x wave means enter the invariance test's new respondents as their row means; on these
    invariant waves every item (three per dimension: two anchors each) is tested and none is flagged (seeded;
    the test's level is 0.05 over the six items)."""
    _, res = waves_fit
    t = res.invariance_test()
    assert t.index.tolist() == ["q1", "q2", "q3", "q4", "q5", "q6"]
    assert (t["anchors"] == 2).all() and np.isfinite(t["z"]).all() and not t["flagged"].any(), t
