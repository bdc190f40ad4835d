"""Latent expectations, perceptions and the gap, from E/P survey batteries (METHODS §2).

- :class:`Design` / :func:`servqual_design` declare the survey; :meth:`Design.prepare` validates data.
- :func:`servqual`, :func:`zone_of_tolerance` give the classical difference-score analysis.
- :class:`LatentExpectations` is the Bayesian graded-response model with E/P invariance,
  the satisfaction link (gap / free / perf), drivers of expectations (MIMIC by stage) and
  scale-usage heterogeneity; :func:`compare` ranks fits by leave-one-respondent-out LOO (or grouped K-fold
  through ``LatentResults.heldout_log_likelihood`` and :func:`expectmodel.sampling.elpd.kfold`) and applies the
  nested-model selection rule (``simpler=``).
- :func:`simulate_latent` draws surveys with known truth from every model variant.

Sampler settings are a :class:`~expectmodel.sampling.SamplerConfig` passed as ``sampler=``.
"""

from __future__ import annotations

import numpy as np

from expectmodel.errors import DataError
from expectmodel.latent.bands import BANDS, customer_value, value_relation
from expectmodel.latent.classical import ClassicalScores, ZoneOfTolerance, cronbach_alpha, servqual, zone_of_tolerance
from expectmodel.latent.design import BATTERIES, SERVQUAL_DIMENSIONS, Design, SurveyData, servqual_design
from expectmodel.latent.dynamics import DynamicsResults, ExpectationDynamics, read_waves, simulate_waves
from expectmodel.latent.model import RATIO_LINK_MESSAGE, LatentExpectations
from expectmodel.latent.priors import LatentPriors
from expectmodel.latent.provider import provider_gaps, stack_provider
from expectmodel.latent.recovery import RecoveryResults, ServiceRecovery, simulate_recovery
from expectmodel.latent.results import LatentResults, PredictiveCheck, compare
from expectmodel.latent.simulate import SimulatedLatent, simulate_latent

__all__ = [
    "BANDS",
    "BATTERIES",
    "RATIO_LINK_MESSAGE",
    "SERVQUAL_DIMENSIONS",
    "ClassicalScores",
    "Design",
    "DynamicsResults",
    "ExpectationDynamics",
    "LatentExpectations",
    "LatentPriors",
    "LatentResults",
    "PredictiveCheck",
    "RecoveryResults",
    "ServiceRecovery",
    "SimulatedLatent",
    "SurveyData",
    "ZoneOfTolerance",
    "compare",
    "cronbach_alpha",
    "customer_value",
    "provider_gaps",
    "ratio_scores",
    "read_waves",
    "servqual",
    "servqual_design",
    "simulate_latent",
    "simulate_recovery",
    "simulate_waves",
    "stack_provider",
    "value_relation",
    "zone_of_tolerance",
]


def ratio_scores(perceived, expected) -> np.ndarray:
    """Return log(P / E) for *manifest ratio-scale* inputs (minutes, prices, probabilities > 0).

    The ratio form is meaningful only where the scale has a true zero; for
    Likert answers it is refused (see :data:`RATIO_LINK_MESSAGE`).

    Parameters
    ----------
    perceived, expected : array-like
        Perceived and expected values of the same shape, strictly positive and finite.

    Returns
    -------
    numpy.ndarray
        ``log(perceived / expected)``: positive where the perception exceeds the expectation.

    Raises
    ------
    DataError
        The shapes differ, or a value is zero, negative or not finite.

    Examples
    --------
    >>> ratio_scores([12.0, 20.0], [10.0, 20.0]).round(3)
    array([0.182, 0.   ])
    >>> ratio_scores([12.0], [0.0])
    Traceback (most recent call last):
    ...
    expectmodel.errors.DataError: ratio scores need strictly positive, finite ratio-scale values; position 0 \
has perceived=np.float64(12.0), expected=np.float64(0.0).
    """
    p = np.asarray(perceived, dtype=float)
    e = np.asarray(expected, dtype=float)
    if p.shape != e.shape:
        raise DataError(f"perceived and expected have different shapes {p.shape} and {e.shape}.")
    bad = ~(np.isfinite(p) & np.isfinite(e)) | (p <= 0) | (e <= 0)
    if bad.any():
        i = int(np.flatnonzero(bad.ravel())[0])
        raise DataError(f"ratio scores need strictly positive, finite ratio-scale values; position {i} has "
                        f"perceived={p.ravel()[i]!r}, expected={e.ravel()[i]!r}.")
    return np.log(p / e)
