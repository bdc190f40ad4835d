"""SERVQUAL, SERVPERF and the zone of tolerance against hand computations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from expectmodel import latent
from expectmodel.errors import DataError


@pytest.fixture(scope="module")
def tiny():
    design = latent.Design(dimensions={"a": ["x", "y"], "b": ["z"]},
                           batteries={"E": "E_{item}", "P": "P_{item}", "D": "D_{item}", "A": "A_{item}"},
                           scale=(1, 7), satisfaction=["sat"], importance={"a": "imp_a", "b": "imp_b"})
    df = pd.DataFrame({
        "E_x": [7, 6, 5, 7], "E_y": [6, 6, 4, 7], "E_z": [7, 5, 6, 6],
        "P_x": [5, 6, 4, 3], "P_y": [4, 7, 5, 2], "P_z": [6, 4, 6, 5],
        "D_x": [7, 7, 6, 6], "D_y": [6, 7, 5, 6], "D_z": [7, 6, 6, 5],
        "A_x": [4, 5, 5, 4], "A_y": [5, 4, 6, 3], "A_z": [5, 5, 4, 4],
        "sat": [5, 6, 4, 2], "imp_a": [60, 50, 70, 40], "imp_b": [40, 50, 30, 60],
    })
    return design, df


def test_servqual_by_hand(tiny):
    design, df = tiny
    sq = latent.servqual(design.prepare(df))
    gx = df.P_x - df.E_x
    assert sq.items.loc["x", "gap_mean"] == pytest.approx(gx.mean())
    assert sq.items.loc["x", "gap_se"] == pytest.approx(gx.std(ddof=1) / 2)
    ga = ((df.P_x - df.E_x) + (df.P_y - df.E_y)) / 2
    gb = df.P_z - df.E_z
    np.testing.assert_allclose(sq.respondents["gap_a"], ga)
    np.testing.assert_allclose(sq.respondents["SQ"], (ga + gb) / 2)
    np.testing.assert_allclose(sq.respondents["SQ_weighted"], (df.imp_a * ga + df.imp_b * gb) / 100)
    np.testing.assert_allclose(sq.respondents["SERVPERF"], ((df.P_x + df.P_y) / 2 + df.P_z) / 2)
    assert sq.dimensions.loc["a", "gap_mean"] == pytest.approx(ga.mean())
    # alpha of the two-item E battery of dimension a, by the textbook formula
    x = df[["E_x", "E_y"]].to_numpy(float)
    alpha = 2 * (1 - x.var(0, ddof=1).sum() / x.sum(1).var(ddof=1))
    assert sq.reliability.loc["a", "alpha_E"] == pytest.approx(alpha)
    assert np.isnan(sq.reliability.loc["b", "alpha_E"])  # one item: no alpha
    # variance explained matches statsmodels OLS on the dimension scores
    ols = sm.OLS(df.sat.to_numpy(float), sm.add_constant(np.column_stack([ga, gb]))).fit()
    assert sq.variance_explained.loc["SERVQUAL (gap dimensions)", "r2"] == pytest.approx(ols.rsquared)
    assert "SERVPERF" in str(sq.summary()) and "<table" in sq._repr_html_()


def test_missing_answers_use_available_items(tiny):
    design, df = tiny
    df = df.copy()
    df.loc[0, "E_y"] = -9
    sq = latent.servqual(design.prepare(df, missing_values=[-9]))
    assert sq.items.loc["y", "n_pairs"] == 3
    assert sq.respondents.loc[0, "gap_a"] == pytest.approx(df.P_x[0] - df.E_x[0])


def test_zone_of_tolerance_by_hand_and_inversions(tiny):
    design, df = tiny
    with pytest.warns(UserWarning, match=r"1 answer pair\(s\) have desired < adequate"):
        zot = latent.zone_of_tolerance(design.prepare(df))
    x = df
    inzone = ((x.A_x <= x.P_x) & (x.P_x <= x.D_x)).mean()
    assert zot.items.loc["x", "in_zone_share"] == pytest.approx(inzone)
    assert zot.items.loc["x", "MSA"] == pytest.approx((x.P_x - x.A_x).mean())
    assert zot.items.loc["x", "MSS"] == pytest.approx((x.P_x - x.D_x).mean())
    assert zot.inversions[["item", "desired", "adequate"]].values.tolist() == [["y", 5, 6]]
    assert zot.dimensions.loc["a", "inversions"] == 1
    ax = zot.plot()
    assert ax.get_title() == "Zone of tolerance"


def test_classical_needs_batteries():
    d = latent.Design(dimensions={"a": ["x", "y"]}, batteries={"P": "P_{item}"}, scale=(1, 5))
    data = d.prepare(pd.DataFrame({"P_x": [1, 2, 3], "P_y": [2, 3, 4]}))
    with pytest.raises(DataError, match="E and P"):
        latent.servqual(data)
    with pytest.raises(DataError, match="D, A and P"):
        latent.zone_of_tolerance(data)
