"""Kano analysis: must-be, one-dimensional and attractive attributes, and their drift (METHODS §4; issue 14).

- :func:`read_questionnaire`, :func:`categorize`, :func:`evaluation_table`: the questionnaire (answer
  pairs in English or Chinese wordings, or numeric codes under a declared mapping) and the evaluation
  table, a parameter stored with every result.
- :class:`KanoClassifier` -> :class:`KanoResults`: counts, shares with Dirichlet intervals, the modal
  category and the Fong test, R/Q rates, Better/Worse with bootstrap intervals, plots.
"""

from expectmodel.kano.asymmetry import AsymmetricOrderedLogit, BayesianAsymmetryResults
from expectmodel.kano.classify import KanoClassifier
from expectmodel.kano.drift import DriftResults, KanoDrift, read_waves
from expectmodel.kano.drift_bayes import BayesianDriftResults, BayesianKanoDrift
from expectmodel.kano.questionnaire import (
    ANSWERS,
    CATEGORIES,
    STANDARD_TABLE,
    Questionnaire,
    categorize,
    evaluation_table,
    read_questionnaire,
)
from expectmodel.kano.regression import ImpactAsymmetry, PenaltyReward, RegressionKanoResults
from expectmodel.kano.results import KanoResults
from expectmodel.kano.simulate import SimulatedKano, SimulatedRatings, simulate_kano, simulate_ratings
from expectmodel.kano.views import compare_views

__all__ = [
    "ANSWERS",
    "CATEGORIES",
    "STANDARD_TABLE",
    "AsymmetricOrderedLogit",
    "BayesianAsymmetryResults",
    "BayesianDriftResults",
    "BayesianKanoDrift",
    "DriftResults",
    "ImpactAsymmetry",
    "KanoClassifier",
    "KanoDrift",
    "KanoResults",
    "PenaltyReward",
    "Questionnaire",
    "RegressionKanoResults",
    "SimulatedKano",
    "SimulatedRatings",
    "categorize",
    "compare_views",
    "evaluation_table",
    "read_questionnaire",
    "read_waves",
    "simulate_kano",
    "simulate_ratings",
]
