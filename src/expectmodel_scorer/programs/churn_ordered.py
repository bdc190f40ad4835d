"""Program ``ordered_logit``: category probabilities of an ordered logit.

P(y <= k) = 1 / (1 + exp(-(cut_k - Z @ coef))) for the ``K - 1`` increasing cut-points ``cuts``;
``Z`` as in the ``logit`` program (setting ``hinges``). Outputs the ``K`` category probabilities.
"""

from __future__ import annotations

import numpy as np

from expectmodel_scorer.programs.churn import expit, linear_predictor

ARRAYS = {"coef": 1, "cuts": 1}
SETTINGS = ("hinges",)


def score(arrays: dict[str, np.ndarray], settings: dict, X: np.ndarray) -> np.ndarray:
    """Probability of each answer category per row: ``(n, K)``."""
    eta = linear_predictor(arrays["coef"], settings["hinges"], X)
    cuts = arrays["cuts"]
    cum = np.empty((X.shape[0], cuts.size + 2))
    cum[:, 0] = 0.0
    cum[:, -1] = 1.0
    for k, c in enumerate(cuts):
        cum[:, k + 1] = expit(c - eta)
    return np.diff(cum, axis=1)
