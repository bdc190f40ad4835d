"""The recovery and calibration study (slow: about 50 minutes on 2 cores). Run with ``make test-slow``.

Same settings as ``python benchmarks/recovery_latent.py --reps 4 --n 250 --loo-reps 2``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from recovery_latent import run_study  # noqa: E402

pytestmark = pytest.mark.slow


def test_recovery_study_meets_the_calibration_band():
    out = run_study(reps=4, n=250, loo_reps=2, log=lambda *_: None)
    # 90% intervals of the structural parameters cover the truth 85-95% of the time
    assert 0.85 <= out["coverage_overall"] <= 0.95, out["coverage_by_variant"]
    for variant, row in out["coverage_by_variant"].iterrows():
        assert 0.78 <= row["mean"] <= 0.98, (variant, row)
    # person scores correlate with the truth as their posterior reliability predicts
    s = out["scores"]
    assert ((s["corr"] - s["expected"]).abs() < 0.05).all(), s
    # LOO picks the generating satisfaction link in most replications
    assert out["loo_accuracy"] > 0.6, out["confusion"]
