"""KanoDrift: slopes against direct statsmodels OrderedModel fits, stage-mix adjustment, trajectories, waves."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from statsmodels.miscmodels.ordinal_model import OrderedModel

from expectmodel import kano
from expectmodel.errors import DataError, DataWarning

BASE = {"app": [0.5, 0.2, 0.1, 0.2, 0.0, 0.0], "wifi": [0.2, 0.3, 0.4, 0.08, 0.01, 0.01]}


@pytest.fixture(scope="module")
def drifting():
    return kano.simulate_kano(800, BASE, waves=4, slopes={"app": 0.6, "wifi": 0.0},
                              stages={"new": (-1.0, [0.8, 0.6, 0.4, 0.2]), "loyal": (1.0, [0.2, 0.4, 0.6, 0.8])},
                              seed=21)


def test_slopes_equal_a_direct_ordered_model_fit(drifting):
    res = kano.KanoDrift(adjust="stage", seed=1, draws=200).fit(drifting.data)
    cats = kano.categorize(drifting.data.drop(columns=["wave", "stage"]))
    for a in BASE:
        c = cats[a].astype(str)
        on = c.isin(["A", "O", "M"]).to_numpy()
        y = pd.Series(pd.Categorical(c[on].map({"A": 0, "O": 1, "M": 2}), categories=[0, 1, 2], ordered=True))
        X = pd.DataFrame({"t": drifting.data["wave"].to_numpy()[on] - 1.0,
                          "loyal": (drifting.data["stage"].to_numpy()[on] == "loyal").astype(float)})
        ref = OrderedModel(y.reset_index(drop=True), X, distr="logit").fit(method="bfgs", disp=False, maxiter=500)
        row = res.slopes().set_index("attribute").loc[a]
        # two BFGS runs of the same likelihood from the same start: agreement to the optimiser's tolerance
        assert row["slope"] == pytest.approx(ref.params["t"], abs=1e-5)
        assert row["std_error"] == pytest.approx(ref.bse["t"], rel=1e-3)


def test_stage_adjustment_removes_drift_that_is_only_a_changing_mix():
    # no drift within a stage; the loyal (more mature) share grows from 20% to 80%
    sim = kano.simulate_kano(1500, BASE, waves=4, stages={"new": (-1.5, [0.8, 0.6, 0.4, 0.2]),
                                                         "loyal": (1.5, [0.2, 0.4, 0.6, 0.8])}, seed=3)
    naive = kano.KanoDrift(seed=1, draws=500).fit(sim.data.drop(columns="stage")).slopes().set_index("attribute")
    adjusted = kano.KanoDrift(adjust="stage", seed=1, draws=500).fit(sim.data)
    slopes = adjusted.slopes().set_index("attribute")
    assert (naive["ci_low"] > 0.2).all(), naive  # the mix shift reads as drift toward must-be
    assert ((slopes["ci_low"] < 0) & (0 < slopes["ci_high"])).all(), slopes  # 90% Wald intervals cover 0
    # the standardised must-be share stays flat across waves; the raw one rises
    m = adjusted.trajectory("M").query("attribute == 'wifi'")["estimate"].to_numpy()
    raw = kano.KanoDrift(seed=1, draws=500).fit(sim.data.drop(columns="stage")).trajectory("M")
    raw = raw.query("attribute == 'wifi'")["estimate"].to_numpy()
    assert raw[-1] - raw[0] > 0.1 and abs(m[-1] - m[0]) < 0.05  # binomial SD of a share here about 0.014


def test_trajectories_are_the_per_wave_classification(drifting):
    data = drifting.data.drop(columns="stage")
    res = kano.KanoDrift(seed=1, draws=300).fit(data)
    for w in (1, 4):
        alone = kano.KanoClassifier(seed=1, draws=300).fit(data[data["wave"] == w].drop(columns="wave"))
        bw = alone.better_worse().set_index("attribute")
        got = res.trajectory("better").set_index(["wave", "attribute"])["estimate"].xs(str(w))
        np.testing.assert_allclose(got.reindex(bw.index), bw["better"], rtol=1e-12)
        shares = res.trajectory("A").set_index(["wave", "attribute"])["estimate"].xs(str(w))
        ref = alone.to_frame().query("kind == 'share' and rhs == 'A'").set_index("lhs")["estimate"]
        np.testing.assert_allclose(shares.reindex(ref.index), ref, rtol=1e-12)


def test_groups_fit_each_group(drifting):
    res = kano.KanoDrift(groups="stage", seed=1, draws=200).fit(drifting.data)
    assert set(res.slopes()["group"]) == {"new", "loyal"}
    alone = kano.KanoDrift(seed=1, draws=200).fit(drifting.data[drifting.data["stage"] == "new"].drop(
        columns="stage"))
    a = res.slopes().query("group == 'new'").set_index("attribute")["slope"]
    b = alone.slopes().set_index("attribute")["slope"]
    np.testing.assert_allclose(a, b.reindex(a.index), atol=1e-8)


# -- waves -------------------------------------------------------------------------------------------------
def _two_waves(wave):
    sim = kano.simulate_kano(200, BASE, seed=1)
    data = sim.data.drop(columns=["wave", "stage"])
    return data.assign(wave=np.resize(np.asarray(wave, dtype=object), len(data)))


def test_text_waves_without_an_order_are_refused():
    data = _two_waves(["spring", "autumn"])
    with pytest.raises(DataError, match=r"Column 'wave' cannot be put in time order: it holds text labels "
                                        r"\('spring', 'autumn'.*Pass waves="):
        kano.KanoDrift(seed=1).fit(data)
    res = kano.KanoDrift(waves=["spring", "autumn"], seed=1, draws=200).fit(data)
    assert res.waves == ("spring", "autumn")


def test_unordered_categorical_waves_are_refused_and_ordered_ones_accepted():
    data = _two_waves(["b", "a"])
    data["wave"] = pd.Categorical(data["wave"], categories=["b", "a"])
    with pytest.raises(DataError, match="unordered categorical"):
        kano.KanoDrift(seed=1).fit(data)
    data["wave"] = data["wave"].cat.as_ordered()
    assert kano.KanoDrift(seed=1, draws=200).fit(data).waves == ("b", "a")


def test_numeric_text_dates_and_single_wave():
    assert kano.KanoDrift(seed=1, draws=200).fit(_two_waves(["2025", "2024"])).waves == ("2024", "2025")
    dates = _two_waves([pd.Timestamp("2025-06-01"), pd.Timestamp("2024-06-01")])
    dates["wave"] = pd.to_datetime(dates["wave"])
    assert kano.KanoDrift(seed=1, draws=200).fit(dates).waves[0].startswith("2024-06-01")
    with pytest.raises(DataError, match="single wave"):
        kano.KanoDrift(seed=1).fit(_two_waves([3]))
    with pytest.raises(DataError, match=r"did you mean 'wave'"):
        kano.KanoDrift(wave="Wave", seed=1).fit(_two_waves([1, 2]))


def test_an_attribute_off_the_ladder_warns_and_is_not_estimated():
    sim = kano.simulate_kano(300, {"tv": [0.0, 0.0, 0.0, 1.0, 0, 0], "app": BASE["app"]}, waves=2, seed=2)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = kano.KanoDrift(seed=1, draws=200).fit(sim.data.drop(columns="stage"))
    assert any(issubclass(w.category, DataWarning) and "'tv'" in str(w.message) for w in caught)
    assert np.isnan(res.slopes().set_index("attribute").loc["tv", "slope"])


def test_missing_stage_cell_is_refused():
    sim = kano.simulate_kano(200, BASE, waves=2, stages={"new": (0.0, [1.0, 0.5]), "loyal": (0.0, [0.0, 0.5])},
                             seed=1)
    with pytest.raises(DataError, match="Stage 'loyal' has no respondents in wave '1'"):
        kano.KanoDrift(adjust="stage", seed=1).fit(sim.data)
