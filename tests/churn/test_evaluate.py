"""Evaluation: scores equal scikit-learn's, grouped folds keep customers together, lift and profit by hand,
and the feature-gain comparison on the customer panel."""

from __future__ import annotations

import json

import matplotlib
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score

import expectmodel as em
from expectmodel import churn
from expectmodel.errors import DataError

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def scored():
    rng = np.random.default_rng(3)
    p = rng.uniform(0.02, 0.9, 3000)
    y = (rng.random(3000) < p).astype(int)
    return y, p


def test_metrics_are_sklearns(scored):
    y, p = scored
    m = churn.churn_metrics(y, p)
    assert m["auc"] == pytest.approx(roc_auc_score(y, p), rel=1e-12)
    assert m["brier"] == pytest.approx(brier_score_loss(y, p), rel=1e-12)
    assert m["log_loss"] == pytest.approx(log_loss(y, p), rel=1e-12)
    # top-decile lift by hand: churn rate among the 300 riskiest over the base rate
    top = np.argsort(-p)[:300]
    assert m["top_decile_lift"] == pytest.approx(y[top].mean() / y.mean(), rel=1e-12)
    with pytest.raises(DataError, match="binary"):
        churn.churn_metrics(y * 2, p)


def test_lift_and_gain_tables(scored):
    y, p = scored
    table = churn.lift_table(y, p)
    assert table["n"].sum() == 3000 and table["churners"].sum() == y.sum()
    np.testing.assert_allclose(table["gain"].iloc[-1], 1.0)
    np.testing.assert_allclose(table["lift"].iloc[0], churn.churn_metrics(y, p)["top_decile_lift"], rtol=1e-12)
    assert table["lift"].iloc[0] > 1.5 > table["lift"].iloc[-1]  # p is informative by construction


def test_calibration_of_true_probabilities(scored):
    y, p = scored
    table = churn.calibration_table(y, p, bins=10)
    # y was drawn with these very probabilities: each bin's 95% Wilson interval covers its mean prediction,
    # except by chance (P(any of 10 misses) about 0.4 for independent bins); allow one miss
    covered = (table["ci_low"] <= table["predicted"]) & (table["predicted"] <= table["ci_high"])
    assert covered.sum() >= 9, table


def test_profit_curve_by_hand():
    y = np.array([1, 0, 1, 0, 0, 1])
    p = np.array([0.9, 0.8, 0.7, 0.3, 0.2, 0.1])
    curve = churn.profit_curve(y, p, customer_value=50, retention_cost=10, success_rate=0.5, steps=6)
    # contact the top k: 0.5 * 50 * churners - 10 * k
    expected = [0, 15, 5, 20, 10, 0, 15]
    np.testing.assert_allclose(curve["profit"], expected)
    assert curve.loc[curve["best"], "fraction"].item() == pytest.approx(0.5)
    np.testing.assert_allclose(curve["profit_random"], 0.5 * 50 * 0.5 * np.arange(7) - 10 * np.arange(7))


def test_grouped_folds_keep_customers_together():
    sim = churn.simulate_panel(400, periods=6, seed=2)
    pp = churn.person_period(sim.customers, sim.events, end=6, waves=sim.waves)
    cv = churn.cross_validate(churn.churn_pipeline(), pp[["satisfaction", "tenure"]], pp["event"],
                              groups=pp["customer"], n_splits=4)
    folds_per_customer = cv.predictions.groupby("group")["fold"].nunique()
    assert (folds_per_customer == 1).all()
    assert cv.predictions["p"].notna().all() and len(cv.folds) == 4
    assert set(cv.summary().index) == {"auc", "brier", "log_loss", "top_decile_lift"}


def test_calibrated_gradient_boosting_runs():
    sim = churn.simulate_panel(600, periods=6, shortfall=1.0, seed=4)
    X = sim.customers[sim.expectation_items + sim.perception_items]
    from threadpoolctl import threadpool_limits

    model = churn.churn_pipeline("hgb", calibration="isotonic")
    model.set_params(estimator__histgradientboostingclassifier__max_iter=20)  # a smoke-sized model
    with threadpool_limits(1):  # OpenMP threads only oversubscribe the shared 2-core machine
        cv = churn.cross_validate(model, X, sim.customers["churned"], groups=sim.customers["customer"], n_splits=3)
    assert 0.5 < cv.overall()["auc"] < 1


def test_figures_return_axes(scored):
    import matplotlib.pyplot as plt

    y, p = scored
    for ax in (churn.plots.plot_calibration(churn.calibration_table(y, p)),
               churn.plots.plot_gain(churn.lift_table(y, p)),
               churn.plots.plot_profit(churn.profit_curve(y, p, customer_value=100, retention_cost=5))):
        assert ax.has_data()
        plt.close(ax.figure)


def test_survey_features_beat_raw_items_by_the_implied_margin():
    """Acceptance: grouped cross-validated AUC on the customer panel, survey-derived features vs raw items.

    The implied margin is the population AUC gain (both pipelines fitted on 100,000 simulated customers and
    scored on 100,000 more; stored in customer_panel_truth.json by datasets/build.py: 0.0162). Over 20
    simulated panels of the same size (n = 3,000, 5 grouped folds) the cross-validated gain measured
    0.0202 on average with SD 0.0042 (range 0.012-0.031): on average 0.004 above the population margin, as the
    18-coefficient raw model overfits more than the 8-coefficient feature model at n = 3,000. The check
    asks for the implied margin within 3 SDs, after that small-sample excess.
    """
    truth = json.loads(em.datasets.path("customer_panel_truth.json").read_text())
    implied = truth["implied_auc_gain"]["gain"]
    panel = em.datasets.load_customer_panel()
    sim = churn.simulate_panel(10, periods=12, seed=0)  # only the column layout of the pipelines
    pipes = churn.simulate.feature_pipelines(sim)
    X, y, g = panel[pipes["columns"]], panel["churned"], panel["customer"]
    auc = {name: churn.cross_validate(pipes[name], X, y, groups=g).overall()["auc"]
           for name in ("survey features", "raw items")}
    gain = auc["survey features"] - auc["raw items"]
    print(f"grouped-CV AUC: survey features {auc['survey features']:.4f}, raw items {auc['raw items']:.4f}, "
          f"gain {gain:.4f}; implied margin {implied:.4f}")
    assert gain > 0
    assert implied - 3 * 0.0042 < gain < implied + 0.004 + 3 * 0.0042, (gain, implied)


def test_the_implied_margin_is_reproduced_with_other_seeds():
    # the stored margin came from seeds 1/2 at n = 100,000; seeds 7/8 at n = 40,000 reproduce it within the
    # Monte Carlo error of the AUC difference of two correlated models (about 0.002 at n = 40,000 here)
    truth = json.loads(em.datasets.path("customer_panel_truth.json").read_text())
    settings = {**truth["settings"], "baseline": tuple(truth["settings"]["baseline"])}
    again = churn.simulate.implied_auc_gain(40_000, seed=7, **settings)
    assert abs(again["gain"] - truth["implied_auc_gain"]["gain"]) < 0.006, again


def test_panel_loads_into_person_period_rows():
    panel = em.datasets.load_customer_panel()
    waves = em.datasets.load_customer_panel_waves()
    events = panel.dropna(subset=["churn_period"])[["customer", "churn_period"]]
    pp = churn.person_period(panel[["customer", "entry", "end"]], events, time="churn_period", waves=waves)
    assert pp["event"].sum() == panel["churned"].sum()
    res = churn.DiscreteHazard(["satisfaction"], baseline="log").fit(pp)
    assert isinstance(res.to_frame(), pd.DataFrame)
