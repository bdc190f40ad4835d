"""The survey-to-feature transformers: scikit-learn's estimator checks, one scoring path, no leakage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, GroupKFold
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

import expectmodel as em
from expectmodel import churn, latent, vie
from expectmodel.data import Scale
from expectmodel.sampling import SamplerConfig
from expectmodel_scorer import score

# generic arrays (what scikit-learn's checks feed) name their columns x0, x1, ...: the instances below read
# positions (ServqualGaps) or a two-construct model of x0 and x1 (ConstructScores)
CHECKED = [
    churn.ServqualGaps(expectations=[0], perceptions=[1]),
    churn.ServqualGaps(expectations=[0, 1], perceptions=[1, 0], dimensions=["a", "a"], perception_scores=True),
    churn.ConstructScores("A =~ x0\nB =~ x1\nB ~ A", outputs="scores"),
    # the customer form on two columns: expectancy x1 (a probability, 0-100), valence x0 (bipolar)
    churn.VIEMotivation(vie.VIEDesign(expectancy={"o": "x1"}, valence={"o": "x0"},
                                      expectancy_scale=Scale(0, 100, "probability"),
                                      valence_scale=Scale(-1e6, 1e6, "bipolar", zero=0))),
]



def _latent_checked() -> churn.LatentScores:
    """LatentScores on the checks' data: one item per battery (E = x0, P = x1), real values binned into 5 categories.

    The checks test the transformer's contract (fit on training rows, transform, names, pickling, dtypes,
    NaN as a missing answer, ...), not the posterior's quality: each check's fit draws one short chain
    (30 + 30, JAX backend; refits of a sample size already seen reuse its compiled model), so the gates are
    opened (a 30-draw chain cannot meet R-hat or ESS gates; tests/latent tests them on real fits).
    """
    design = latent.Design(dimensions={"a": ("q1",)}, batteries={"E": {"q1": "x0"}, "P": {"q1": "x1"}},
                           scale=(1, 5))
    sampler = SamplerConfig(draws=30, tune=30, chains=1, seed=1, nutpie_backend="jax",
                            gates={"rhat": float("inf"), "ess_bulk": 0, "ess_tail": 0, "divergences": 10**6,
                                   "bfmi": 0.0})
    return churn.LatentScores(latent.LatentExpectations(design, sampler=sampler), draws=50, binning="quantile")


@parametrize_with_checks([*CHECKED, _latent_checked()])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def test_servqual_gaps_are_latent_servqual_scores():
    sim = latent.simulate_latent(120, dimensions={"a": ("q1", "q2"), "b": ("q3", "q4", "q5")}, seed=2)
    classical = latent.servqual(sim.design.prepare(sim.data)).respondents
    pattern_e, pattern_p = sim.design.batteries["E"], sim.design.batteries["P"]
    items = [q for dim in ("a", "b") for q in sim.design.dimensions[dim]]
    dims = ["a"] * 2 + ["b"] * 3
    gaps = churn.ServqualGaps([pattern_e.format(item=q) for q in items], [pattern_p.format(item=q) for q in items],
                              dimensions=dims, perception_scores=True).set_output(transform="pandas")
    out = gaps.fit_transform(sim.data)
    np.testing.assert_allclose(out[["gap_a", "gap_b", "SQ", "P_a", "P_b"]].to_numpy(),
                               classical[["gap_a", "gap_b", "SQ", "P_a", "P_b"]].to_numpy(), rtol=1e-12, atol=1e-12)


def test_construct_scores_score_through_the_pls_spec_fitted_on_the_training_rows():
    survey = em.datasets.load_csi_survey()
    items = survey.drop(columns=["respondent", "stage"])
    train, test = items.iloc[:400], items.iloc[400:]
    cs = churn.ConstructScores(em.spec.templates.ecsi(), scale=(1, 10), missing="mean", missing_values=-99)
    cs.fit(train)
    pls = em.PLS(em.spec.templates.ecsi(), scale=(1, 10), missing="mean", missing_values=-99).fit(train)
    expected = score(pls.scoring_spec(), test)
    np.testing.assert_allclose(cs.transform(test), expected.to_numpy(), rtol=1e-12)
    # the training rows get back the fit's own construct scores (PLSResults.scores)
    np.testing.assert_allclose(cs.transform(train)[:, :7], pls.scores.to_numpy(), atol=1e-9)
    # fitting on other rows changes the weights: the transformer learns from its training fold only
    other = clone_fit(cs, items.iloc[200:])
    assert not np.allclose(other.transform(test), cs.transform(test))


def clone_fit(est, X):
    from sklearn.base import clone

    return clone(est).fit(X)


def test_transformers_in_a_pipeline_and_a_grid_search():
    sim = churn.simulate_panel(600, periods=6, shortfall=1.0, beta=0.0, seed=5)
    X = sim.customers[sim.expectation_items + sim.perception_items]
    y = sim.customers["churned"]
    dims = [c.split("_")[0][1:] for c in sim.expectation_items]
    pipe = make_pipeline(churn.ServqualGaps(sim.expectation_items, sim.perception_items, dimensions=dims),
                         LogisticRegression())
    grid = GridSearchCV(pipe, {"servqualgaps__perception_scores": [False, True]}, cv=GroupKFold(3),
                        scoring="roc_auc").fit(X, y, groups=sim.customers["customer"])
    assert set(grid.cv_results_["param_servqualgaps__perception_scores"]) == {False, True}
    names = grid.best_estimator_[0].get_feature_names_out().tolist()
    assert names[:4] == ["gap_1", "gap_2", "gap_3", "SQ"]
    with pytest.raises(ValueError, match="feature names"):
        grid.best_estimator_.predict_proba(X.rename(columns={"e1_1": "E1_1"}))
    assert isinstance(pipe.set_output(transform="pandas")[0].fit_transform(X), pd.DataFrame)


def test_vie_motivation_scores_through_the_vie_spec():
    from expectmodel.vie.scores import motivation_spec

    sim = vie.simulate_vie(80, seed=3)
    m = churn.VIEMotivation(sim.design).set_output(transform="pandas")
    cols = sim.design.columns
    out = m.fit_transform(sim.data[cols])
    np.testing.assert_allclose(out.to_numpy(), score(motivation_spec(sim.design), sim.data).to_numpy(), rtol=1e-12)
    assert list(out.columns) == ["expectancy", "valence", "motivation"]


def test_latent_scores_fit_on_the_training_rows_and_score_through_predict():
    # one small Bayesian fit (the structure of tests/_cases_latent.py, so a full session compiles it once) on
    # real Likert answers; scikit-learn's checks run on a one-item instance with binning (_latent_checked)
    from expectmodel.sampling import SamplerConfig
    from tests._cases_latent import latent_survey

    sim = latent_survey()
    fast = SamplerConfig(draws=300, tune=300, chains=2, seed=1, nutpie_backend="jax",
                         gates={"rhat": 1.05, "ess_bulk": 50, "ess_tail": 50})
    ls = churn.LatentScores(latent.LatentExpectations(sim.design, link="gap", sampler=fast), draws=200)
    ls.fit(sim.data)
    assert ls.get_feature_names_out().tolist() == ["gap[a]", "gap[b]", "gap_sd[a]", "gap_sd[b]"]
    shuffled = sim.data.sample(frac=0.2, random_state=1)
    got = ls.transform(shuffled)
    expected = ls.results_.predict(shuffled, draws=200, seed=0)["gap_mean"].unstack("dimension")
    ids = shuffled[sim.design.respondent] if sim.design.respondent else shuffled.index
    np.testing.assert_allclose(got[:, :2], expected.loc[list(ids)].to_numpy(), rtol=1e-12)
    # the scored gap tracks the simulated respondents' true gap P - E (levels: respondent x battery x dimension);
    # with 4 items per battery the gap's reliability is modest (posterior SD of a respondent's gap 0.55-0.75);
    # measured 0.75 and 0.81 on these 50 respondents, whose sampling SD of a correlation is about 0.06
    levels = np.asarray(sim.truth["levels"])[np.asarray(shuffled.index)]
    true_gap = levels[:, 1, :] - levels[:, 0, :]
    for d in range(2):
        assert np.corrcoef(got[:, d], true_gap[:, d])[0, 1] > 0.6
    pipe = make_pipeline(ls, LogisticRegression())
    assert pipe.get_params()["latentscores__estimator__link"] == "gap"


def test_latent_scores_binning_learns_cut_points_in_fit_and_keeps_missing_answers():
    # no sampling: the binning step alone (LatentScores._answers), against numpy's quantiles and equal widths
    design = latent.Design(dimensions={"a": ("q1",)}, batteries={"E": {"q1": "x0"}, "P": {"q1": "x1"}}, scale=(1, 5))
    est = latent.LatentExpectations(design, missing_values=-99)
    X = np.column_stack([np.arange(100.0), np.linspace(-1.0, 1.0, 100), np.zeros(100)])
    X[3, 0], X[7, 1] = np.nan, -99.0
    ls = churn.LatentScores(est, binning="quantile")
    binned = ls._answers(X, reset=True)
    finite = X[np.isfinite(X[:, 0]), 0]
    np.testing.assert_allclose(ls.bin_edges_["x0"], np.quantile(finite, [0.2, 0.4, 0.6, 0.8]))
    counts = np.bincount(binned["x0"].dropna().astype(int), minlength=6)
    assert counts[0] == 0 and counts.sum() == 99 and set(counts[1:]) <= {19, 20}  # 5 equally filled categories
    assert np.isnan(binned.loc[3, "x0"]) and np.isnan(binned.loc[7, "x1"])  # NaN and the -99 code stay missing
    assert "x2" in binned and binned["x2"].eq(0).all()  # not an answer column: passed through
    # transform applies the training cut points; values beyond the training range go to the end categories
    new = ls._answers(np.array([[-5.0, -3.0, 0.0], [1e6, 3.0, 0.0]]), reset=False)
    assert new[["x0", "x1"]].to_numpy().tolist() == [[1.0, 1.0], [5.0, 5.0]]
    uniform = churn.LatentScores(est, binning="uniform")
    uniform._answers(X, reset=True)
    np.testing.assert_allclose(uniform.bin_edges_["x1"], [-0.6, -0.2, 0.2, 0.6], atol=1e-12)
    with pytest.raises(ValueError, match="binning='deciles'"):
        churn.LatentScores(est, binning="deciles").fit(X)
    with pytest.raises(ValueError, match=r"lack the design's column\(s\) \['x1'\]"):
        churn.LatentScores(est, binning="quantile").fit(X[:, :1])
