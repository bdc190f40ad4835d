"""Mediation: specific and total indirect effects with bootstrap inference.

Truths: products of the stored bootstrap path draws written out by hand (SE, percentile and a BCa
written out here from the jackknife paths), the total effect minus the direct path, and R seminr's
``specific_effect_significance`` / ``total_indirect_ci`` through seminr-py on the same resamples.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy import stats

import expectmodel as em
from expectmodel.sem.bootstrap import run_bootstrap

CHAIN = ("Image", "Expectation", "Quality", "Satisfaction", "Loyalty")  # the ECSI chain of METHODS §1c


@pytest.fixture(scope="module")
def fitted(ecsi_survey, ecsi):
    return em.PLS(ecsi, bootstrap=400, seed=5).fit(ecsi_survey.data)


def _path_columns(res, chain):
    names = list(res.model.names)
    src, dst = np.nonzero(res.layout.adjacency)
    pos = {(names[a], names[b]): e for e, (a, b) in enumerate(zip(src, dst, strict=True))}
    return [pos[(chain[i], chain[i + 1])] for i in range(len(chain) - 1)]


def _by_hand(res, chain):
    cols = _path_columns(res, chain)
    point = np.prod(res.paths["estimate"].to_numpy()[cols])
    draws = np.prod(res.boot.draws["paths"][:, cols], axis=1)
    jack = np.prod(res.boot.jackknife["paths"][:, cols], axis=1)
    return point, draws, jack


def test_specific_effect_is_the_product_of_the_path_draws(fitted):
    point, draws, jack = _by_hand(fitted, CHAIN)
    row = fitted.indirect_effects.set_index("chain").loc[" -> ".join(CHAIN)]
    assert row["source"] == "Image" and row["target"] == "Loyalty"
    np.testing.assert_allclose(row["estimate"], point, rtol=1e-12)
    np.testing.assert_allclose(row["std_error"], draws.std(ddof=1), rtol=1e-12)
    np.testing.assert_allclose([row["ci_low"], row["ci_high"]], np.quantile(draws, [0.025, 0.975]), rtol=1e-12)
    # BCa (Efron 1987) written out: bias from the share of draws below the estimate, acceleration from
    # the jackknife products of the same paths
    z0 = stats.norm.ppf(np.mean(draws < point))
    dev = jack.mean() - jack
    a = (dev**3).sum() / (6 * (dev**2).sum() ** 1.5)
    z = stats.norm.ppf([0.025, 0.975])
    levels = stats.norm.cdf(z0 + (z0 + z) / (1 - a * (z0 + z)))
    np.testing.assert_allclose([row["bca_low"], row["bca_high"]], np.quantile(draws, levels), rtol=1e-10)


def test_total_indirect_is_total_minus_direct_and_the_sum_of_the_chains(fitted):
    ind = fitted.indirect_effects
    eff = fitted.effects.set_index(["source", "target"])
    tot = ind[ind["kind"] == "total"].set_index(["source", "target"])
    spec = ind[ind["kind"] == "specific"].groupby(["source", "target"])["estimate"].sum()
    for key, row in tot.iterrows():
        np.testing.assert_allclose(row["estimate"], eff.loc[key, "total"] - eff.loc[key, "direct"], atol=1e-12)
        np.testing.assert_allclose(row["estimate"], spec.loc[key], atol=1e-12)
    # the draws too: Image -> Satisfaction, total minus direct resample by resample
    names = list(fitted.model.names)
    i, j = names.index("Image"), names.index("Satisfaction")
    direct = fitted.boot.draws["paths"][:, _path_columns(fitted, ("Image", "Satisfaction"))[0]]
    draws = fitted.boot.draws["total"][:, i, j] - direct
    np.testing.assert_allclose(tot.loc[("Image", "Satisfaction"), "std_error"], draws.std(ddof=1), rtol=1e-12)


def test_mediation_table_and_vaf(fitted):
    med = fitted.mediation.set_index(["source", "target"])
    row = med.loc[("Image", "Satisfaction")]
    np.testing.assert_allclose(row["vaf"], row["indirect"] / row["total"], rtol=1e-12)
    assert row["type"] in ("complementary", "competitive", "indirect-only")
    # no direct path: everything is mediated, and the direct interval is not defined
    row = med.loc[("Image", "Quality")]  # ECSI has no path Image -> Quality
    assert np.isnan(row["direct_ci_low"]) and row["vaf"] == pytest.approx(1.0)
    assert row["type"] in ("indirect-only", "no effect")


def test_every_new_table_is_in_to_frame_json_and_summary(fitted):
    frame = fitted.to_frame()
    assert {"indirect", "total_indirect", "share_mediated"} <= set(frame["kind"])
    chain = frame[(frame["kind"] == "indirect") & (frame["lhs"] == "Loyalty")
                  & (frame["rhs"] == " -> ".join(CHAIN[:-1]))]
    assert len(chain) == 1 and chain["ci_low"].notna().all()
    own = fitted.conf_int().query("kind == 'indirect'")
    np.testing.assert_allclose(own["ci_low"], frame.query("kind == 'indirect'")["ci_low"], rtol=1e-10)
    out = fitted.to_dict()
    assert " -> ".join(CHAIN) in out["indirect_effects"] and " -> ".join(CHAIN) in out["boot_ci"]["indirect_effects"]
    assert "Specific indirect effects" in str(fitted.summary())


def test_a_model_without_mediators_has_empty_tables(ecsi_survey):
    model = em.Model.from_syntax("Image =~ IMAG1 + IMAG2\nLoyalty =~ CUSL1 + CUSL2\nLoyalty ~ Image")
    res = em.PLS(model, bootstrap=30, seed=1).fit(ecsi_survey.data)
    assert res.indirect_effects.empty and res.mediation.empty
    assert not res.to_frame()["kind"].isin(["indirect", "total_indirect"]).any()
    str(res.summary())


@pytest.mark.oracle
def test_agrees_with_seminr_on_the_same_resamples(mobi, ecsi):
    seminr = pytest.importorskip("seminr")
    from tests.sem.oracles import seminr_fit

    res = em.PLS(ecsi).fit(mobi)
    n_boot, n = 100, len(mobi)
    idx = np.random.default_rng(7).integers(0, n, size=(n_boot, n))
    z = (res.prepared.values - res.mean) / res.sd
    boot = run_bootstrap(z, res.mean, res.sd, res.prepared.scale_low, res.prepared.scale_high, res.layout,
                         res.options, n_boot, None, indices=idx, bca=False)
    ours = dataclasses.replace(res, boot=boot).indirect_effects
    theirs_boot = seminr.bootstrap_model(seminr_fit(ecsi, mobi), n_boot, indices=idx)
    for chain in (CHAIN, ("Image", "Expectation", "Satisfaction"), ("Quality", "Value", "Satisfaction", "Loyalty")):
        theirs = seminr.specific_effect_significance(theirs_boot, from_=chain[0], to=chain[-1],
                                                     through=list(chain[1:-1]))
        row = ours.set_index("chain").loc[" -> ".join(chain)]
        np.testing.assert_allclose(row["estimate"], theirs.original_est, atol=1e-6)
        np.testing.assert_allclose(row["std_error"], theirs.bootstrap_sd, atol=1e-6)
        np.testing.assert_allclose([row["ci_low"], row["ci_high"]], [theirs.ci_lower, theirs.ci_upper], atol=1e-6)
    tot = ours[ours["kind"] == "total"].set_index(["source", "target"])
    theirs = seminr.total_indirect_ci(theirs_boot, from_="Image", to="Loyalty")
    row = tot.loc[("Image", "Loyalty")]
    np.testing.assert_allclose([row["ci_low"], row["ci_high"]], [theirs.lower, theirs.upper], atol=1e-6)
