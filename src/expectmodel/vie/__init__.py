"""Expectancy theory for customers: Vroom's M = V·E, estimated properly (METHODS §3; issue 13).

- :class:`VIEDesign`: which columns hold expectancies (probabilities), instrumentalities and valences
  (bipolar, with a true zero), and the validated coding; a coding under which a product is meaningless
  is refused, with the reason.
- :class:`MotivationScores`: composite scores M = sum_k E_k V_k (customer form) or E * sum_k I_k V_k
  (Vroom), scored by :mod:`expectmodel_scorer` (program ``vie_motivation``).
- :class:`ModeratedRegression`: hierarchical OLS / logit / ordered logit of a criterion on E, V and E×V,
  the ΔR² / likelihood-ratio test of the product, a rescaling-robustness report, and additive,
  multiplicative and full forms compared by information criteria (statsmodels).
- :class:`WithinSubjectVIE`: statsmodels ``mixedlm`` with random slopes per respondent.
- :class:`HierarchicalVIE`: Bayesian VIE with latent E (Beta items) and V (ordinal items), person-level
  coefficients and LOO comparison of the forms (pymc).
- :func:`simulate_vie`, :func:`simulate_within`: simulators with known truth.
"""

from expectmodel.vie.bayes import BayesVIEResults, HierarchicalVIE, compare_forms
from expectmodel.vie.coding import VIEDesign
from expectmodel.vie.mixed import MixedResults, WithinSubjectVIE
from expectmodel.vie.regression import ModeratedRegression, ModerationResults
from expectmodel.vie.scores import MotivationResults, MotivationScores, motivation
from expectmodel.vie.simulate import simulate_vie, simulate_within

__all__ = [
    "BayesVIEResults",
    "HierarchicalVIE",
    "MixedResults",
    "ModeratedRegression",
    "ModerationResults",
    "MotivationResults",
    "MotivationScores",
    "VIEDesign",
    "WithinSubjectVIE",
    "compare_forms",
    "motivation",
    "simulate_vie",
    "simulate_within",
]
