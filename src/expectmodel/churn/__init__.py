"""Loyalty and churn: from expectations and satisfaction to who stays (METHODS §5; issue 15).

- :func:`person_period` - customer, event and survey-wave tables to person-period rows
- :class:`DiscreteHazard` - discrete-time hazard model (binomial GLM) with time-varying satisfaction
- :class:`ChurnLogit`, :class:`OrderedChurn` - cross-sectional churn and loyalty intention (statsmodels),
  with average marginal effects
- :class:`SBG`, :class:`BayesianSBG` - contractual churn by cohort (shifted-beta-geometric), retention,
  survival, (discounted) expected residual lifetime
- threshold effects (``knots=``), response curves and a linearity test in every regression model
- evaluation: grouped cross-validation by customer, AUC / Brier / log loss, calibration, lift, profit
- survey-to-feature transformers on scikit-learn's API
- :func:`simulate_panel` - the joint simulator with known effects
"""

from expectmodel.churn import plots
from expectmodel.churn.evaluate import (
    CrossValidation,
    calibration_table,
    churn_metrics,
    churn_pipeline,
    cross_validate,
    lift_table,
    profit_curve,
)
from expectmodel.churn.features import ConstructScores, LatentScores, ServqualGaps, VIEMotivation
from expectmodel.churn.hazard import DiscreteHazard, HazardResults
from expectmodel.churn.logit import ChurnLogit, LogitResults
from expectmodel.churn.ordered import OrderedChurn, OrderedResults
from expectmodel.churn.panel import person_period
from expectmodel.churn.sbg import SBG, BayesianSBG, SBGResults
from expectmodel.churn.simulate import SimulatedPanel, simulate_cohorts, simulate_panel

__all__ = [
    "SBG",
    "BayesianSBG",
    "ChurnLogit",
    "ConstructScores",
    "CrossValidation",
    "DiscreteHazard",
    "HazardResults",
    "LatentScores",
    "LogitResults",
    "OrderedChurn",
    "OrderedResults",
    "SBGResults",
    "ServqualGaps",
    "SimulatedPanel",
    "VIEMotivation",
    "calibration_table",
    "churn_metrics",
    "churn_pipeline",
    "cross_validate",
    "lift_table",
    "person_period",
    "plots",
    "profit_curve",
    "simulate_cohorts",
    "simulate_panel",
]
