"""Fixtures of the export tests: a small PLS fit and a hand-written logit specification."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import expectmodel as em


@pytest.fixture(scope="session")
def survey() -> pd.DataFrame:
    return em.datasets.load_csi_survey()


@pytest.fixture(scope="session")
def pls_fit(survey):
    return em.PLS(em.spec.templates.ecsi(), scale=(1, 10), missing_values=-99, missing="listwise",
                  bootstrap=20, seed=7).fit(survey)


def logit_spec(coef=(-0.5, 0.25), intercept=2.0) -> dict:
    return {"program": "logit",
            "inputs": [{"column": "sat", "kind": "float", "scale": [1, 10], "codes": None, "missing_codes": [-99],
                        "range": [1, 10]},
                       {"column": "tenure", "kind": "int", "scale": None, "codes": None, "missing_codes": [],
                        "range": [0, 30]}],
            "outputs": ["p_churn"], "arrays": {"coef": np.asarray(coef, dtype=float)},
            "settings": {"intercept": intercept}}
