"""Program ``logit``: P(y = 1) = 1 / (1 + exp(-(intercept + X @ coef)))."""

from __future__ import annotations

import numpy as np

ARRAYS = {"coef": 1}
SETTINGS = ("intercept",)


def score(arrays: dict[str, np.ndarray], settings: dict, X: np.ndarray) -> np.ndarray:
    """Churn probability per row: ``(n, 1)``."""
    eta = float(settings["intercept"]) + X @ arrays["coef"]
    return (0.5 * (1.0 + np.tanh(0.5 * eta)))[:, None]  # the logistic function, overflow-free
