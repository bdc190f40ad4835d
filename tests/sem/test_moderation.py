"""Moderation and quadratic terms (``Y ~ X + M + X:M``, ``X:X``): two-stage, product-indicator, orthogonalised.

Truths: a separate main-effects fit (stage 1) whose score product, standardised, is the stage-2 item,
and statsmodels OLS of the stage-2 scores on their predictors and that product; R seminr's
``interaction_term`` through seminr-py for all three methods (to 1e-6); the simple slopes and their
bootstrap SEs written out from the path draws.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import statsmodels.api as sm

import expectmodel as em
from expectmodel.errors import SpecError

TERM = "Image:Satisfaction"


@pytest.fixture(scope="module")
def moderated(ecsi):
    return em.Model.from_syntax(ecsi.to_syntax() + f"\nLoyalty ~ {TERM}")


@pytest.fixture(scope="module")
def two_stage(moderated, ecsi_survey):
    return em.PLS(moderated, bootstrap=200, seed=3).fit(ecsi_survey.data)


def test_two_stage_is_stage_one_product_and_ols(two_stage, ecsi, ecsi_survey):
    stage1 = em.PLS(ecsi).fit(ecsi_survey.data)  # the main-effects model, fitted on its own
    product = (stage1.scores["Image"] * stage1.scores["Satisfaction"]).to_numpy()
    z = (product - product.mean()) / product.std(ddof=1)
    np.testing.assert_allclose(two_stage.scores[TERM].to_numpy(), z, atol=1e-10)
    preds = list(two_stage.model.predecessors("Loyalty"))
    assert TERM in preds
    ols = sm.OLS(two_stage.scores["Loyalty"], two_stage.scores[preds]).fit()
    paths = two_stage.paths.query("target == 'Loyalty'").set_index("source")["estimate"]
    np.testing.assert_allclose(paths[preds].to_numpy(), ols.params[preds].to_numpy(), atol=1e-10)
    np.testing.assert_allclose(two_stage.r2.loc["Loyalty", "r2"], ols.rsquared, atol=1e-10)
    # the product construct's SD is that of the stage-one product
    np.testing.assert_allclose(two_stage.moderation_effects["product_sd"].iloc[0], product.std(ddof=1), rtol=1e-10)


def test_simple_slopes_from_the_path_draws(two_stage):
    slopes = two_stage.simple_slopes
    eff = two_stage.moderation_effects.iloc[0]
    paths = two_stage.paths
    names = list(zip(paths["source"], paths["target"], strict=True))
    b_x, b_xm = (names.index(("Image", "Loyalty")), names.index((TERM, "Loyalty")))
    draws = two_stage.boot.draws["paths"]
    for at in (-1.0, 0.0, 1.0):
        row = slopes[slopes["at"] == at].iloc[0]
        point = paths["estimate"].iloc[b_x] + paths["estimate"].iloc[b_xm] * at / eff["product_sd"]
        np.testing.assert_allclose(row["slope"], point, rtol=1e-12)
        d = draws[:, b_x] + draws[:, b_xm] * at / eff["product_sd"]
        np.testing.assert_allclose(row["std_error"], d.std(ddof=1), rtol=1e-10)
        np.testing.assert_allclose([row["ci_low"], row["ci_high"]], np.quantile(d, [0.025, 0.975]), rtol=1e-10)
    fl = two_stage.floodlight(TERM).set_index("at")
    np.testing.assert_allclose(fl.loc[1.0, ["slope", "ci_low", "ci_high"]].to_numpy(float),
                               slopes[slopes["at"] == 1.0][["slope", "ci_low", "ci_high"]].to_numpy(float)[0],
                               rtol=1e-10)
    assert fl["significant"].to_numpy().dtype == bool


def test_reporting(two_stage):
    frame = two_stage.to_frame()
    rows = frame[frame["kind"] == "simple_slope"]
    assert len(rows) == 3 and rows["rhs"].str.contains(r"Image \| Satisfaction=\+1 SD").any()
    assert (frame.query("kind == 'path'")["rhs"] == TERM).any()
    doc = json.loads(two_stage.to_json())
    assert doc["moderation"]["method"] == "two_stage" and len(doc["moderation"]["simple_slopes"]) == 3
    text = str(two_stage.summary())
    assert "Moderation (two-stage approach)" in text and "Simple slopes" in text
    import matplotlib.pyplot as plt

    ax = two_stage.plot_floodlight(TERM)
    assert ax.get_xlabel().startswith("Satisfaction")
    plt.close(ax.figure)


def test_quadratic_and_product_indicator_items(ecsi, ecsi_survey):
    quad = em.Model.from_syntax(ecsi.to_syntax() + "\nLoyalty ~ Satisfaction:Satisfaction")
    res = em.PLS(quad, interaction="product_indicator").fit(ecsi_survey.data)
    items = res.model.construct("Satisfaction:Satisfaction").indicators
    assert len(items) == 6 and "CUSA1*CUSA2" in items  # k (k + 1) / 2 products of 3 items
    slopes = res.simple_slopes
    eff = res.moderation_effects.iloc[0]
    b = res.paths.set_index(["source", "target"])["estimate"]
    np.testing.assert_allclose(slopes["slope"].iloc[2], b[("Satisfaction", "Loyalty")]
                               + 2 * b[("Satisfaction:Satisfaction", "Loyalty")] / eff["product_sd"], rtol=1e-12)
    ortho = em.PLS(em.Model.from_syntax(ecsi.to_syntax() + f"\nLoyalty ~ {TERM}"), interaction="orthogonal").fit(
        ecsi_survey.data)
    x = ortho.prepared.values
    cols = list(ortho.model.indicators)
    main = [cols.index(c) for c in (*ecsi.construct("Image").indicators, *ecsi.construct("Satisfaction").indicators)]
    prod = [cols.index(c) for c in ortho.model.construct(TERM).indicators]
    # orthogonalised: every product item is uncorrelated with every indicator of X and M
    corr = np.corrcoef(x[:, main + prod].T)[: len(main), len(main):]
    np.testing.assert_allclose(corr, 0.0, atol=1e-10)


def test_bad_inputs(ecsi, ecsi_survey):
    with pytest.raises(SpecError, match=r"'Price'.*not a declared construct"):
        em.Model.from_syntax(ecsi.to_syntax() + "\nLoyalty ~ Image:Price")
    mode_b = ecsi.to_syntax().replace("Image =~", "Image <~") + f"\nLoyalty ~ {TERM}"
    with pytest.raises(SpecError, match=r"mode B composite.*interaction='two_stage'"):
        em.PLS(em.Model.from_syntax(mode_b), interaction="product_indicator").fit(ecsi_survey.data)
    res = em.PLS(em.Model.from_syntax(mode_b)).fit(ecsi_survey.data)  # two-stage works with mode B
    assert np.isfinite(res.moderation_effects["effect"]).all()
    with pytest.raises(em.errors.ParameterError, match="interaction"):
        em.PLS(ecsi, interaction="latent").fit(ecsi_survey.data)


@pytest.mark.oracle
@pytest.mark.parametrize("method", ["two_stage", "product_indicator", "orthogonal"])
def test_agrees_with_seminr(mobi, ecsi, moderated, method):
    seminr = pytest.importorskip("seminr")
    specs = [seminr.composite(c.name, list(c.indicators), weights=seminr.mode_A) for c in ecsi.constructs]
    specs.append(seminr.interaction_term(iv="Image", moderator="Satisfaction", method=getattr(seminr, method)))
    sm_ = seminr.relationships(*[seminr.paths(from_=p.source, to=p.target) for p in ecsi.paths],
                               seminr.paths(from_="Image*Satisfaction", to="Loyalty"))
    fit = seminr.estimate_pls(mobi, seminr.constructs(*specs), sm_)
    ours = em.PLS(moderated, interaction=method).fit(mobi)
    np.testing.assert_allclose(ours.moderation_effects["effect"].iloc[0],
                               fit.path_coef.get("Image*Satisfaction", "Loyalty"), atol=1e-6)
    b = ours.paths.set_index(["source", "target"])["estimate"]
    for p in ecsi.paths:
        np.testing.assert_allclose(b[(p.source, p.target)], fit.path_coef.get(p.source, p.target), atol=1e-6)
