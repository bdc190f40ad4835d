"""Within-subject mixed model: agreement with a direct statsmodels mixedlm fit, slopes, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from expectmodel.errors import DataError
from expectmodel.vie import WithinSubjectVIE, simulate_within

# the boundary of the variance components (a V slope variance near 0) makes statsmodels retry optimisers and warn
pytestmark = pytest.mark.filterwarnings("ignore::statsmodels.tools.sm_exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def within():
    # no random E*V slopes in the truth (the model has none) and a clear V-slope variance: mixedlm converges
    # without retrying optimisers, which keeps the test fast
    sim = simulate_within(80, person_sd=(0.3, 0.5, 0.3, 0.0), seed=5)
    res = WithinSubjectVIE("respondent", ["E1", "E2"], ["V1", "V2"], "y").fit(sim.data)
    return sim, res


def test_agrees_with_a_direct_mixedlm_fit(within):
    sim, res = within
    d = sim.data
    f = pd.DataFrame({"resp": d["respondent"], "y": d["y"].astype(float), "E": d[["E1", "E2"]].mean(axis=1),
                      "V": d[["V1", "V2"]].mean(axis=1) - 0.0})
    direct = smf.mixedlm("y ~ E * V", f, groups=f["resp"], re_formula="~ E + V").fit(reml=True)
    got = res.to_frame().query("kind == 'coefficient'").set_index("rhs")
    for ours, theirs in (("Intercept", "Intercept"), ("E", "E"), ("V", "V"), ("E*V", "E:V")):
        np.testing.assert_allclose(got.loc[ours, "estimate"], direct.fe_params[theirs], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(got.loc[ours, "std_error"], direct.bse_fe[theirs], rtol=1e-10, atol=1e-12)
    # per-respondent slopes = fixed slope + the respondent's BLUP
    r = direct.random_effects
    slope_e = np.array([direct.fe_params["E"] + r[g]["E"] for g in res.slopes.index])
    np.testing.assert_allclose(res.slopes["E"].to_numpy(), slope_e, rtol=1e-10)
    ml = [smf.mixedlm(form, f, groups=f["resp"], re_formula="~ E + V").fit(reml=False).llf
          for form in ("y ~ E * V", "y ~ E + V")]
    np.testing.assert_allclose(res.product_test["lr_statistic"], 2 * (ml[0] - ml[1]), rtol=1e-8)


def test_a_respondent_with_a_single_row_is_refused_when_slopes_are_random(within):
    sim, _ = within
    d = sim.data
    short = d[~((d["respondent"].isin([3, 7])) & (d["outcome"] != "o1"))]
    with pytest.raises(DataError, match=r"2 respondent\(s\) have a single within-subject row \(3, 7\)"):
        WithinSubjectVIE("respondent", ["E1", "E2"], ["V1", "V2"], "y").fit(short)
    res = WithinSubjectVIE("respondent", ["E1", "E2"], ["V1", "V2"], "y", random_slopes=False).fit(short)
    assert res.slopes["se_E"].eq(0).all() and res.slopes.shape[0] == 80


def test_other_bad_input(within):
    sim, _ = within
    with pytest.raises(DataError, match="outside the declared 0-1 probability"):
        WithinSubjectVIE("respondent", "E1", "V1", "y").fit(sim.data.assign(E1=sim.data["E1"] * 100))
    with pytest.raises(DataError, match=r"Column\(s\) not found.*'resp'"):
        WithinSubjectVIE("resp", "E1", "V1", "y").fit(sim.data)
    with pytest.raises(DataError, match="valence has no variance"):
        WithinSubjectVIE("respondent", "E1", "V1", "y").fit(sim.data.assign(V1=1))


def test_reporting(within):
    _, res = within
    text = str(res.summary())
    assert "E*V Wald z" in text and "BLUP" in text
    ci = res.conf_int(0.5)
    assert ci["ci_low"].notna().sum() == 4
