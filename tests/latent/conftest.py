"""Fits shared by the latent tests (session scope: each compiled model structure is built once and
reused through the nutpie cache, ``expectmodel.sampling._COMPILED``)."""

from __future__ import annotations

import pytest

from expectmodel import latent
from expectmodel.sampling import SamplerConfig

# Short chains for CI: the gates are relaxed here (and tested on their own in tests/test_sampling.py).
FAST_GATES = {"rhat": 1.05, "ess_bulk": 50, "ess_tail": 50}
STAGES = ("never used", "first-time", "long-term")


def fast(**changes) -> SamplerConfig:
    """2 chains x (300 + 300) NUTS draws, seed 1, relaxed gates, nutpie's JAX backend; ``changes`` override.

    The JAX backend compiles a model of this size in 6-12 s where numba takes ~30 s with its cache warm
    and ~150 s on a fresh machine (measured on 2 cores); it samples 2-3x slower, which short chains can
    afford. The suite's cold time is mostly compilation, so every fit here uses it.
    """
    return SamplerConfig(**{"draws": 300, "tune": 300, "chains": 2, "seed": 1, "gates": FAST_GATES,
                            "nutpie_backend": "jax", **changes})


@pytest.fixture(scope="session")
def staged():
    """Gap link, drivers by stage, never-used customers without a P battery, a few missing answers, two
    satisfaction items sharing a respondent residual (SD 0.5)."""
    sim = latent.simulate_latent(240, link="gap", drivers=2, stages=STAGES, no_perception=("never used",),
                                 missing_rate=0.03, n_satisfaction=2, seed=7)
    res = latent.LatentExpectations(sim.design, link="gap", sampler=fast(draws=400, tune=400)).fit(sim.data)
    return sim, res


@pytest.fixture(scope="session")
def link_pair():
    """Data generated under the gap rule (beta_E = -beta_P) with strong effects; fitted with the gap and perf links.

    (The reverse, a gap model fitted to SERVPERF data with only two dimensions, is bimodal: beta_P can
    trade signs between the dimensions. The convergence gates catch it; the slow study covers it.)
    The gap fit's structure is the conformance case's (tests/_cases_latent.py).
    """
    from tests._cases_latent import latent_survey

    sim = latent_survey()
    fits = {}
    for link in ("perf", "gap"):
        fits[link] = latent.LatentExpectations(sim.design, link=link, sampler=fast(draws=400, tune=400)).fit(sim.data)
    return sim, fits
