"""The latent-expectation model's conformance case (used by tests/test_conformance.py).

``latent_case()`` returns an unfitted, smoke-sized :class:`~expectmodel.latent.LatentExpectations`, a tiny
simulated survey and a check that a fit recovers the simulator's truth. The survey has the shape of
the ``link_pair`` fits in ``tests/latent`` (250 respondents, two dimensions of four items, gap link),
so in one test session the case reuses their compiled model (the nutpie cache is keyed by structure).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from expectmodel import latent
from expectmodel.sampling import SamplerConfig

#: Truth of the satisfaction slopes (strong effects, so the link is well identified at n = 250).
BETA_P = (1.0, 0.8)
DIMENSIONS = {"a": ("q1", "q2", "q3", "q4"), "b": ("q5", "q6", "q7", "q8")}


def latent_survey() -> latent.SimulatedLatent:
    """250 respondents, E and P batteries of two 4-item dimensions, one satisfaction item, gap link."""
    return latent.simulate_latent(250, dimensions=DIMENSIONS, link="gap", truth={"beta_P": list(BETA_P)}, seed=3)


def latent_case() -> tuple[latent.LatentExpectations, object, Callable[[object], None]]:
    """(unfitted estimator, data, check_truth) for the conformance suite."""
    sim = latent_survey()
    sampler = SamplerConfig(draws=300, tune=300, chains=2, seed=1, nutpie_backend="jax",
                            gates={"rhat": 1.05, "ess_bulk": 50, "ess_tail": 50})
    estimator = latent.LatentExpectations(sim.design, link="gap", sampler=sampler)
    truth_gap = sim.truth["mu"][1] - sim.truth["mu"][0]

    def check_truth(results) -> None:
        frame = results.to_frame()
        gap = frame[frame["kind"] == "gap"]
        # Tolerance: the 90% intervals of the latent gap (posterior SD about 0.15 at n = 250 with 4 items,
        # tests/latent/test_fit.py::test_conformance_case_recovers_the_truth) cover the truth, padded by
        # 0.1 for the short chains' Monte Carlo error (2 x 300 draws: MC SE of an interval end about 0.03).
        assert np.all((gap["ci_low"] - 0.1 <= truth_gap) & (truth_gap <= gap["ci_high"] + 0.1)), (gap, truth_gap)
        # the larger gap (truth -0.54, several posterior SDs from 0) is credibly negative
        assert gap["ci_high"].to_numpy()[int(np.argmin(truth_gap))] < 0, gap
        link = frame[(frame["kind"] == "link") & frame["rhs"].str.startswith("P[")]
        # slack as for the gap: a 90% interval misses each of two parameters 10% of the time under a correct
        # model, so the check pads it by 0.15, under one posterior SD of beta_P (measured 0.18-0.24 here)
        lo, hi = link["ci_low"].to_numpy() - 0.15, link["ci_high"].to_numpy() + 0.15
        assert np.all((lo <= np.array(BETA_P)) & (np.array(BETA_P) <= hi)), link

    return estimator, sim.data, check_truth


def recovery_case() -> tuple[latent.ServiceRecovery, object, Callable[[object], None]]:
    """(unfitted ServiceRecovery, simulated recovery data, check_truth) for the conformance suite."""
    sim = latent.simulate_recovery(600, seed=1)
    sampler = SamplerConfig(draws=300, tune=300, chains=2, seed=1, nutpie_backend="jax",
                            gates={"rhat": 1.05, "ess_bulk": 50, "ess_tail": 50})
    estimator = latent.ServiceRecovery("satisfaction", "failure", "recovered", scale=(1, 7), stage="stage",
                                       severity="severity", sampler=sampler)

    def check_truth(results) -> None:
        table = results.paradox()
        truth = sim.truth["pooled_paradox"]
        # the pooled paradox's posterior SD is about 0.18 at n = 600; its 90% interval, padded by 0.1 for the
        # short chains' Monte Carlo error, covers the truth (a fixed seed: this is a smoke check of recovery)
        assert table.loc["pooled", "ci_low"] - 0.1 <= truth <= table.loc["pooled", "ci_high"] + 0.1, (table, truth)

    return estimator, sim.data, check_truth


#: The conformance suite's case names (tests/test_conformance.py discovers this module).
NAMES = ("LatentExpectations", "ServiceRecovery")


def case(name: str):
    """The conformance case ``name`` (built on first use: it simulates a survey)."""
    from sklearn.base import clone

    from tests._case import Case

    if name == "ServiceRecovery":
        estimator, data, check = recovery_case()
        return Case(name, lambda: clone(estimator), lambda: data, ("prior_sd", -1.0), check)
    estimator, data, check = latent_case()
    return Case(name, lambda: clone(estimator), lambda: data, ("link", "ratio-ish"), check)
