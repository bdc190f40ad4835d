"""What the churn regressions share: their settings' constraints, the knots check and the choice of features
(DiscreteHazard's too), the design and the metadata."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from expectmodel._base import Estimator, InstanceOf, Interval, Predicate
from expectmodel._meta import versions
from expectmodel.churn import _design as dz
from expectmodel.errors import DataError
from expectmodel.results import DataInfo, Meta, fingerprint

COMMON: dict[str, list[Any]] = {
    "features": [Predicate(dz.is_names, "a non-empty list of distinct column names")],
    "target": [InstanceOf(str)],
    "knots": [Predicate(dz.is_knots, "None or a mapping feature -> increasing knots")],
    "ci_level": [Interval(float, 0, 1, closed="neither")],
    "draws": [Interval(int, 10, None)],
    "seed": [None, Interval(int, 0, None)],
}


def check_knots(est: Any) -> None:
    """Refuse knots of a column that is not among ``est.features`` (a ParameterError naming ``knots``)."""
    if est.knots:
        unknown = [k for k in est.knots if k not in est.features]
        if unknown:
            raise est._param_error("knots", f"knots names {unknown}, which are not among the features "
                                             f"{list(est.features)}.")


def select_features(X: np.ndarray, features: list[str], knots: Any, who: str
                    ) -> tuple[np.ndarray, list[str], list[tuple[int, float]], list[str]]:
    """Leave out the constant features (with a warning); return X, the features used, their hinges, those left out."""
    keep = dz.warn_constant(X, features, who)
    used = [f for f, k in zip(features, keep, strict=True) if k]
    if not used:
        raise DataError(f"{who}: every feature is constant; nothing to estimate.")
    X = X[:, keep]
    knots = {f: list(v) for f, v in (knots or {}).items() if f in used}
    return X, used, dz.hinges(used, knots), [f for f in features if f not in used]


class Regression(Estimator):
    """Base of the statsmodels churn regressions: checks of features and knots, the design, the metadata."""

    def _check_params(self) -> None:
        check_knots(self)
        if self.target in self.features:
            raise self._param_error("features", f"the target {self.target!r} cannot also be a feature.")

    def _design(self, frame: pd.DataFrame) -> tuple[np.ndarray, list[str], list[tuple[int, float]], list[str]]:
        features = list(self.features)
        X = dz.read_columns(frame, features, "feature")
        return select_features(X, features, self.knots, type(self).__name__)

    def _meta(self, seed: int, frame: pd.DataFrame, X: np.ndarray, y: np.ndarray, extra: dict) -> Meta:
        info = DataInfo(n_input=frame.shape[0], n_used=frame.shape[0], columns=(self.target, *self.features),
                        fingerprint=fingerprint(X, y))
        return Meta(type(self).__name__, self.settings(), info, float(self.ci_level), "Wald (normal approximation)",
                    seed, conventions={"link": "logit", "knots": "max(0, x - knot)",
                                       "derived intervals": "Krinsky-Robb simulation from N(estimate, cov)"},
                    versions=versions(), extra=extra)
