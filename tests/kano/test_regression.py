"""Regression Kano (PRCA, IAA) against direct statsmodels fits, recovery of the simulated kinds, bad input."""

from __future__ import annotations

import pandas as pd
import pytest
import statsmodels.formula.api as smf

from expectmodel import kano
from expectmodel.errors import DataError, ParameterError

KINDS = {"clean": "M", "staff": "O", "spa": "A", "tv": "I"}


@pytest.fixture(scope="module")
def ratings():
    return kano.simulate_ratings(1200, KINDS, seed=7).data


def direct_fit(df: pd.DataFrame, low=2, high=4):
    """The penalty-reward regression written with a statsmodels formula on dummies built here."""
    d = pd.DataFrame({"S": df["satisfaction"].astype(float)})
    for a in KINDS:
        d[f"low_{a}"] = (df[a] <= low).astype(float)
        d[f"high_{a}"] = (df[a] >= high).astype(float)
    rhs = " + ".join([f"low_{a}" for a in KINDS] + [f"high_{a}" for a in KINDS])
    return smf.ols(f"S ~ {rhs}", data=d).fit()


def test_prca_equals_a_direct_statsmodels_fit(ratings):
    res = kano.PenaltyReward(list(KINDS), seed=1, bootstrap=200).fit(ratings)
    ref = direct_fit(ratings)
    f = res.to_frame()
    for a in KINDS:
        for kind, name in (("penalty", f"low_{a}"), ("reward", f"high_{a}")):
            row = f[(f["kind"] == kind) & (f["rhs"] == a)].iloc[0]
            assert row["estimate"] == pytest.approx(ref.params[name], abs=1e-10)
            assert row["ols_std_error"] == pytest.approx(ref.bse[name], abs=1e-10)
            assert row["p_value"] == pytest.approx(ref.pvalues[name], abs=1e-10)
    assert f.loc[f["kind"] == "intercept", "estimate"].item() == pytest.approx(ref.params["Intercept"], abs=1e-10)


def test_iaa_equals_the_formulas_on_a_direct_statsmodels_fit(ratings):
    res = kano.ImpactAsymmetry(list(KINDS), seed=1, bootstrap=200).fit(ratings)
    ref = direct_fit(ratings)
    f = res.to_frame().query("kind == 'impact'").set_index(["lhs", "op"])["estimate"]
    for a in KINDS:
        ris, rid = ref.params[f"high_{a}"], ref.params[f"low_{a}"]
        riocs = ris + abs(rid)
        sgp, dgp = ris / riocs, abs(rid) / riocs
        assert f[(a, "RIOCS")] == pytest.approx(riocs, abs=1e-10)
        assert f[(a, "SGP")] == pytest.approx(sgp, abs=1e-10)
        assert f[(a, "DGP")] == pytest.approx(dgp, abs=1e-10)
        assert f[(a, "IA")] == pytest.approx(sgp - dgp, abs=1e-10)


def test_cutoffs_of_the_dummies_are_configurable(ratings):
    res = kano.PenaltyReward(list(KINDS), low=1, high=5, seed=1, bootstrap=200).fit(ratings)
    ref = direct_fit(ratings, low=1, high=5)
    got = res.to_frame().query("kind == 'reward' and rhs == 'spa'")["estimate"].item()
    assert got == pytest.approx(ref.params["high_spa"], abs=1e-10)


def test_both_views_recover_the_simulated_kinds(ratings):
    prca = kano.PenaltyReward(list(KINDS), seed=1, bootstrap=200).fit(ratings)
    iaa = kano.ImpactAsymmetry(list(KINDS), min_impact=0.3, seed=1, bootstrap=200).fit(ratings)
    assert prca.classification()["category"].tolist() == ["M", "O", "A", "I"]
    assert iaa.classification()["category"].tolist() == ["M", "O", "A", "I"]


def test_bootstrap_intervals_cover_the_ols_estimate_and_are_about_ols_wide(ratings):
    res = kano.PenaltyReward(list(KINDS), seed=2, bootstrap=2000, ci_level=0.9).fit(ratings)
    f = res.to_frame().query("kind in ['penalty', 'reward']")
    assert ((f["ci_low"] < f["estimate"]) & (f["estimate"] < f["ci_high"])).all()
    # bootstrap SD vs OLS SE: homoscedastic errors, so they agree up to the bootstrap's MC error (~3% at B =
    # 2,000) and the ordinal outcome's mild heteroscedasticity: within 20%
    ratio = f["std_error"] / f["ols_std_error"]
    assert ratio.between(0.8, 1.2).all(), ratio


def test_groups_fit_one_regression_per_group():
    a = kano.simulate_ratings(600, KINDS, seed=1).data.assign(market="north")
    b = kano.simulate_ratings(600, KINDS, seed=2).data.assign(market="south")
    both = pd.concat([a, b], ignore_index=True)
    res = kano.PenaltyReward(list(KINDS), groups="market", seed=1, bootstrap=200).fit(both)
    for name, part in (("north", a), ("south", b)):
        ref = direct_fit(part)
        f = res.to_frame()
        got = f[(f["group"] == name) & (f["kind"] == "penalty") & (f["rhs"] == "clean")]["estimate"].item()
        assert got == pytest.approx(ref.params["low_clean"], abs=1e-10)


def test_listwise_and_missing_codes(ratings):
    df = ratings.copy()
    df.loc[:9, "clean"] = -99
    res = kano.PenaltyReward(list(KINDS), missing_values=-99, seed=1, bootstrap=200).fit(df)
    assert res.meta.data.n_used == len(df) - 10 and res.meta.data.n_dropped == 10
    with pytest.raises(DataError, match="Missing answers"):
        kano.PenaltyReward(list(KINDS), missing_values=-99, missing="raise", seed=1).fit(df)


def test_empty_dummy_is_refused(ratings):
    df = ratings.copy()
    df["tv"] = df["tv"].clip(lower=3)
    with pytest.raises(DataError, match=r"Attribute 'tv' has no rating at or below low=2"):
        kano.PenaltyReward(list(KINDS), seed=1).fit(df)


def test_bad_settings(ratings):
    with pytest.raises(ParameterError, match="low=4 must be below high=2"):
        kano.PenaltyReward(list(KINDS), low=4, high=2).fit(ratings)
    with pytest.raises(ParameterError, match="cutoffs"):
        kano.ImpactAsymmetry(list(KINDS), cutoffs=(0.5, -0.5)).fit(ratings)
    with pytest.raises(ParameterError, match="also listed among the attributes"):
        kano.PenaltyReward(["clean", "satisfaction"]).fit(ratings)
    with pytest.raises(DataError, match="outside the declared"):
        kano.PenaltyReward(list(KINDS), scale=(1, 4)).fit(ratings)
