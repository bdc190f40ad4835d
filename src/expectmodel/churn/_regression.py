"""What the cross-sectional churn regressions share: their settings' constraints, design and metadata."""

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


class Regression(Estimator):
    """Base of the statsmodels churn regressions: checks of features and knots, the design, the metadata."""

    def _check_params(self) -> None:
        if self.knots:
            unknown = [k for k in self.knots if k not in self.features]
            if unknown:
                raise self._param_error("knots", f"knots names {unknown}, which are not among the features "
                                                 f"{list(self.features)}.")
        if self.target in self.features:
            raise self._param_error("features", f"the target {self.target!r} cannot also be a feature.")

    def _design(self, frame: pd.DataFrame) -> tuple[np.ndarray, list[str], list[tuple[int, float]], list[str]]:
        features = list(self.features)
        X = dz.read_columns(frame, features, "feature")
        keep = dz.warn_constant(X, features, type(self).__name__)
        used = [f for f, k in zip(features, keep, strict=True) if k]
        if not used:
            raise DataError(f"{type(self).__name__}: every feature is constant; nothing to estimate.")
        X = X[:, keep]
        knots = {f: list(v) for f, v in (self.knots or {}).items() if f in used}
        return X, used, dz.hinges(used, knots), [f for f in features if f not in used]

    def _meta(self, seed: int, frame: pd.DataFrame, X: np.ndarray, y: np.ndarray, extra: dict) -> Meta:
        info = DataInfo(n_input=frame.shape[0], n_used=frame.shape[0], columns=(self.target, *self.features),
                        fingerprint=fingerprint(X, y))
        return Meta(type(self).__name__, self.settings(), info, float(self.ci_level), "Wald (normal approximation)",
                    seed, conventions={"link": "logit", "knots": "max(0, x - knot)",
                                       "derived intervals": "Krinsky-Robb simulation from N(estimate, cov)"},
                    versions=versions(), extra=extra)
