"""Measurement models shared by the Bayesian families (expectations, VIE, Kano drift, Bayesian SEM).

Each piece comes as a pair written side by side: a pytensor graph function (``*_graph``), used inside a
pymc model, and its numpy mirror, used for simulation, predictive checks and the pointwise
log-likelihood. ``tests/measurement`` checks that both agree.

- :mod:`expectmodel.measurement.ordinal`: graded-response / ordered-logit answers on a rating scale:
  centred cut-points built from positive gaps, padded cut-points, the gathered two-sigmoid
  log-likelihood, category probabilities and drawing answers.
- :mod:`expectmodel.measurement.beta`: answers stated as probabilities in [0, 1], measured by
  Beta(m phi, (1 - m) phi) after the Smithson-Verkuilen squeeze.

Nothing here imports pymc or pytensor at module level.
"""

from __future__ import annotations

from expectmodel.measurement import beta, ordinal

__all__ = ["beta", "ordinal"]
