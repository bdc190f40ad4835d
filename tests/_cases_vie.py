"""The VIE family's conformance cases (used by tests/test_conformance.py).

Each case fits on a smoke-sized simulated data set and checks the simulator's truth:

- ``MotivationScores``: the t intervals of the mean expectancy and motivation cover their population values
  (computed here from the simulator's distributions, not from the package);
- ``ModeratedRegression``: the full form's 95% intervals cover the generating coefficients;
- ``WithinSubjectVIE``: on error-free items (the manifest model's own truth) the fixed effects' 95% intervals
  cover the generating population means;
- ``HierarchicalVIE``: the 90% interval of the product coefficient covers its truth (the model's own truth,
  items with measurement error). The same survey is fitted in tests/vie/test_bayes.py, so one test session
  compiles the model once.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from expectmodel.sampling import SamplerConfig

NAMES = ("MotivationScores", "ModeratedRegression", "WithinSubjectVIE", "HierarchicalVIE")

FAST_GATES = {"rhat": 1.05, "ess_bulk": 50, "ess_tail": 50}


def fast(**changes) -> SamplerConfig:
    """2 chains x (300 + 300), seed 1, relaxed gates, nutpie's JAX backend (as tests/latent/conftest.py)."""
    return SamplerConfig(**{"draws": 300, "tune": 300, "chains": 2, "seed": 1, "gates": FAST_GATES,
                            "nutpie_backend": "jax", **changes})


def bayes_survey():
    """150 respondents x 3 outcomes, two probability and two valence items each, gaussian criterion."""
    from expectmodel.vie import simulate_within

    return simulate_within(150, outcomes=3, seed=11)


def _valence_mean(m: float, sd: float = 1.5) -> float:
    """E[clip(round(N(m, sd)), -3, 3)], the simulator's valence, by summing over the 7 answers."""
    edges = np.array([-np.inf, -2.5, -1.5, -0.5, 0.5, 1.5, 2.5, np.inf])
    p = np.diff(stats.norm.cdf(edges, m, sd))
    return float(p @ np.arange(-3, 4))


def case(name: str):
    """The conformance case ``name`` (built on first use)."""
    from sklearn.base import clone

    from expectmodel import vie
    from tests._case import Case

    if name == "MotivationScores":
        sim = vie.simulate_vie(2000, outcomes=("a", "b", "c"), seed=21)
        est = vie.MotivationScores(sim.design)
        mean_e = np.linspace(0.35, 0.75, 3)  # the simulator's Beta means (answers rounded to 0.05: bias < 1e-3)
        mean_v = np.array([_valence_mean(m) for m in np.linspace(1.0, -0.5, 3)])

        def check(res) -> None:
            t = res.to_frame().set_index(["kind", "lhs"])
            for lhs, truth in (("expectancy", mean_e.mean()), ("motivation", float(mean_e @ mean_v))):
                row = t.loc[("composite", lhs)]
                # 95% t interval; padded by 0.002 for the 0.05 rounding of the stated probabilities
                assert row["ci_low"] - 0.002 <= truth <= row["ci_high"] + 0.002, (lhs, row, truth)

        return Case(name, lambda: clone(est), lambda: sim.data, ("missing", "pairwise"), check)
    if name == "ModeratedRegression":
        sim = vie.simulate_vie(2000, truth="full", seed=22)
        est = vie.ModeratedRegression(sim.design, "y")

        def check(res) -> None:
            t = res.to_frame().query("group == 'full'").set_index("rhs")
            for rhs, truth in sim.truth["coefficients"].items():
                assert t.loc[rhs, "ci_low"] <= truth <= t.loc[rhs, "ci_high"], (rhs, t.loc[rhs], truth)

        return Case(name, lambda: clone(est), lambda: sim.data, ("family", "probit"), check)
    if name == "WithinSubjectVIE":
        sim = vie.simulate_within(150, outcomes=5, person_sd=(0.3, 0.5, 0.3, 0.0), error=False, seed=23)
        est = vie.WithinSubjectVIE("respondent", "E1", "V1", "y")

        def check(res) -> None:
            # the model's own truth: random intercepts and E and V slopes, no measurement error
            t = res.to_frame().query("kind == 'coefficient'").set_index("rhs")
            for rhs, truth in sim.truth["coefficients"].items():
                assert t.loc[rhs, "ci_low"] <= truth <= t.loc[rhs, "ci_high"], (rhs, t.loc[rhs], truth)

        return Case(name, lambda: clone(est), lambda: sim.data, ("random_slopes", "yes"), check)
    sim = bayes_survey()
    est = vie.HierarchicalVIE("respondent", ["E1", "E2"], ["V1", "V2"], "y", outcome="outcome", sampler=fast())

    def check(res) -> None:
        t = res.to_frame().query("kind == 'coefficient'").set_index("rhs")
        truth = sim.truth["coefficients"]["E*V"]
        # the 90% interval, padded by 0.05 for the short chains' Monte Carlo error (2 x 300 draws; the
        # posterior SD of the product coefficient is about 0.12 at this size)
        assert t.loc["E*V", "ci_low"] - 0.05 <= truth <= t.loc["E*V", "ci_high"] + 0.05, t.loc["E*V"]
        assert t.loc["E*V", "ci_low"] > 0, t.loc["E*V"]

    return Case(name, lambda: clone(est), lambda: sim.data, ("form", "mult"), check)
