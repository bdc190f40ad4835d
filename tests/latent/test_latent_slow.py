"""The recovery and calibration studies (slow: about 40 minutes on 2 cores). Run with ``make test-slow``.

Same settings as ``python benchmarks/recovery_latent.py --reps 10 --n 250 --loo-reps 4`` and
``python benchmarks/sbc_latent.py --reps 30``. Every fit of a structure after the first reuses its
compiled model.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from expectmodel import latent
from expectmodel.sampling import SamplerConfig

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from recovery_latent import run_study
from sbc_latent import run_sbc

pytestmark = pytest.mark.slow


def test_recovery_study_meets_the_calibration_band():
    out = run_study(reps=10, n=250, loo_reps=4, log=lambda *_: None)
    # 90% intervals of the structural parameters cover the SERVQUAL-like truth 85-95% of the time overall
    # (measured 0.885; per variant 0.864-0.918 at these settings, benchmarks/README.md). With 10
    # replications a variant's coverage has a standard error near 0.03, so the per-variant floor is lower
    # than the band, to keep the test from failing on noise alone.
    assert 0.85 <= out["coverage_overall"] <= 0.95, out["coverage_by_variant"]
    for variant, row in out["coverage_by_variant"].iterrows():
        assert 0.80 <= row["mean"] <= 0.98, (variant, row)
    # person scores correlate with the truth as their posterior reliability predicts
    s = out["scores"]
    assert ((s["corr"] - s["expected"]).abs() < 0.05).all(), s
    # LOO picks the generating satisfaction link in most replications
    assert out["loo_accuracy"] > 0.6, out["confusion"]


def test_prior_drawn_truths_are_covered_at_the_nominal_rate():
    """Simulation-based calibration: with truths drawn from the priors, 90% intervals cover 90%."""
    out = run_sbc(reps=30, n=250, log=lambda *_: None)
    assert out["skipped"] <= 3
    for block, row in out["coverage_by_block"].iterrows():
        assert 0.80 <= row["coverage"] <= 0.97, (block, row)
        assert abs(row["z_mean"]) < 0.3 and 0.8 < row["z_sd"] < 1.25, (block, row)


def test_expectations_stated_as_probabilities():
    dims = {"a": ("q1", "q2", "q3", "q4"), "b": ("q5", "q6", "q7", "q8")}
    sim = latent.simulate_latent(200, dimensions=dims, probability=True, invariance=False, link="free", seed=12)
    assert sim.data.filter(like="E_").stack().between(0, 1).all()
    # Beta answers are informative and the E levels mix slowly: short CI chains fail the gates
    # (R-hat about 1.08 at 2 x 300), so this test lives here with longer chains and the default gates.
    sampler = SamplerConfig(draws=1000, tune=1000, chains=2, seed=1, gates={"ess_bulk": 200, "ess_tail": 200})
    est = latent.LatentExpectations(sim.design, invariance=False, link="free", person_parameterization="centred",
                                    sampler=sampler)
    res = est.fit(sim.data)
    mu_e = res.dimensions().xs("level_E", level="quantity")
    np.testing.assert_allclose(mu_e["mean"], sim.truth["mu"][0], atol=0.3)
    prec = res.draws("precision").mean(0)
    assert np.corrcoef(prec, sim.truth["precision"])[0, 1] > 0.3
    E = res.scores()["E_mean"].to_numpy().reshape(200, -1)
    assert min(np.corrcoef(E[:, d], sim.truth["levels"][:, 0, d])[0, 1] for d in range(2)) > 0.75
    assert set(res.ppc(draws=50).table.index.get_level_values("block")) == {"P", "satisfaction"}
