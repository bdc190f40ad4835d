"""Program ``hazard``: the discrete-time hazard h = 1 / (1 + exp(-(baseline(t) + Z @ coef))) per row.

The first input is the period ``t`` (tenure); the others are the features ``X``, with hinge columns
as in the ``logit`` program (setting ``hinges``). The baseline (setting ``baseline``) is

- ``"periods"``: one intercept per period, ``arrays["baseline"][i]`` for ``arrays["periods"][i]``; a
  period between two fitted periods takes the earlier one's, a period before the first the first's,
  and a period after the last the last's (the hazard is held flat beyond the data);
- ``"linear"``: ``baseline[0] + baseline[1] * t``;
- ``"log"``: ``baseline[0] + baseline[1] * log(t)``.
"""

from __future__ import annotations

import numpy as np

from expectmodel_scorer.programs.churn import expit, linear_predictor

ARRAYS = {"coef": 1, "baseline": 1, "periods": 1}
SETTINGS = ("baseline", "hinges")


def score(arrays: dict[str, np.ndarray], settings: dict, X: np.ndarray) -> np.ndarray:
    """Hazard (churn probability in the row's period, given survival to it) per row: ``(n, 1)``."""
    t = X[:, 0]
    eta = linear_predictor(arrays["coef"], settings["hinges"], X[:, 1:])
    base = arrays["baseline"]
    kind = settings["baseline"]
    if kind == "periods":
        periods = arrays["periods"]
        if periods.size > 1 and np.all(np.diff(periods) == 1) and periods[0] == np.floor(periods[0]):
            # consecutive whole periods (the usual tenure coding): index directly; floor keeps "the earlier one"
            idx = np.floor(t - periods[0]).astype(np.intp)
        else:
            idx = np.searchsorted(periods, t, side="right") - 1
        np.clip(idx, 0, periods.size - 1, out=idx)
        eta += base[idx]
    elif kind == "linear":
        eta += base[0] + base[1] * t
    elif kind == "log":
        eta += base[0] + base[1] * np.log(t)
    else:
        raise ValueError(f"hazard: unknown baseline {kind!r}; expected 'periods', 'linear' or 'log'")
    return expit(eta)[:, None]
