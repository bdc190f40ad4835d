"""The Bayesian workflow shared by every pymc model in the package (METHODS §6).

- :class:`SamplerConfig` holds how a posterior is drawn (draws, tune, chains, seed, sampler, NUTS or
  ADVI, the convergence :class:`Gates`, strictness): one frozen value object that a Bayesian estimator
  takes as its ``sampler=`` setting and records in its results.
- :class:`BayesianEstimator` is the template of every Bayesian family ("declare the model, inherit the
  machinery"): a family provides its data preparation, its pymc graph, its pointwise log-likelihood and
  its results; :meth:`BayesianEstimator.fit` samples, diagnoses, records and gates generically.
- :func:`sample` runs NUTS through nutpie (the default when installed), pymc or numpyro, always with an
  explicit seed, and returns an ``xarray.DataTree``; :func:`approximate` is the ADVI quick-look mode.
- :class:`Gates` and :func:`diagnose` apply the convergence gates (R-hat, bulk and tail ESS, divergences,
  E-BFMI); :func:`enforce` turns a failed gate into a :class:`SamplingWarning`, or a
  :class:`~expectmodel.errors.ConvergenceError` with ``strict=True``. Gates never pass silently.
- :mod:`expectmodel.sampling.elpd` compares models out of sample for every family: leave-one-respondent-out
  PSIS-LOO, grouped K-fold refits where Pareto k-hat is high, and their ranking.

pytensor links against a BLAS for speed (METHODS §9 E7). :func:`configure_pytensor` selects the system
OpenBLAS when the user has not configured pytensor, right before pytensor is first imported; importing
this module changes nothing.

Examples
--------
>>> cfg = SamplerConfig(draws=300, tune=300, chains=2, seed=1)
>>> cfg.to_dict()["chains"], cfg.gates.rhat
(2, 1.01)
"""

from __future__ import annotations

from expectmodel.sampling.backends import _COMPILED as _COMPILED  # the compiled-model cache (tests inspect it)
from expectmodel.sampling.backends import approximate, configure_pytensor, resolve_sampler, sample
from expectmodel.sampling.config import Gates, SamplerConfig
from expectmodel.sampling.estimator import BayesianEstimator
from expectmodel.sampling.gates import Diagnostics, SamplingWarning, diagnose, enforce

__all__ = [
    "BayesianEstimator",
    "Diagnostics",
    "Gates",
    "SamplerConfig",
    "SamplingWarning",
    "approximate",
    "configure_pytensor",
    "diagnose",
    "enforce",
    "resolve_sampler",
    "sample",
]
