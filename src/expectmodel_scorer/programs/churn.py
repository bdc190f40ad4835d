"""Program ``logit``: P(y = 1) = 1 / (1 + exp(-(intercept + Z @ coef))).

``Z`` is the input matrix with one hinge column ``max(0, X[:, j] - knot)`` appended per entry
``[j, knot]`` of the optional setting ``hinges`` (threshold effects of satisfaction); without
hinges ``Z = X``. The other churn programs (``hazard``, ``ordered_logit``) build their linear
predictor with :func:`linear_predictor` too.
"""

from __future__ import annotations

import numpy as np

ARRAYS = {"coef": 1}
SETTINGS = ("intercept",)
OPTIONAL_SETTINGS = ("hinges",)


def linear_predictor(coef: np.ndarray, hinges: list, X: np.ndarray) -> np.ndarray:
    """``X @ coef[:p] + sum_h coef[p + h] * max(0, X[:, j_h] - knot_h)`` for ``hinges = [[j_h, knot_h], ...]``."""
    p = X.shape[1]
    eta = X @ coef[:p]
    for h, (j, knot) in enumerate(hinges or ()):
        eta += coef[p + h] * np.maximum(X[:, int(j)] - float(knot), 0.0)
    return eta


def expit(eta: np.ndarray) -> np.ndarray:
    """Apply the logistic function in place on ``eta`` (overflow-free ``tanh`` form) and return it."""
    eta *= 0.5
    np.tanh(eta, out=eta)
    eta += 1.0
    eta *= 0.5
    return eta


def score(arrays: dict[str, np.ndarray], settings: dict, X: np.ndarray) -> np.ndarray:
    """Churn probability per row: ``(n, 1)``."""
    eta = linear_predictor(arrays["coef"], settings.get("hinges", []), X)
    eta += float(settings["intercept"])
    return expit(eta)[:, None]
