"""Monte Carlo studies (slow): run with `make test-slow` or `pytest -m slow`."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from recovery_pls import coverage_study, plsc_study

pytestmark = pytest.mark.slow


def test_plsc_is_unbiased_and_the_test_tolerance_is_wide_enough():
    table = plsc_study(reps=60, n=5000)
    assert (table["bias"].abs() < 0.01).all()
    assert (table["mc_sd"] < 0.02).all()  # so atol = 0.05 in test_pls_recovery.py is at least 2.5 SDs


def test_bootstrap_intervals_are_calibrated():
    # 60 replications x 3 paths: the binomial SD of a 95% coverage rate is about 0.016 per pooled rate
    table = coverage_study(reps=60)
    assert 0.89 <= float(np.mean(table["percentile"])) <= 0.99
    assert 0.89 <= float(np.mean(table["bca"])) <= 0.99
