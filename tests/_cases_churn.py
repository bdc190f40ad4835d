"""The churn family's conformance cases (used by tests/test_conformance.py).

Each case fits smoke-sized data from the family's simulators with known truth:

- ``DiscreteHazard``: :func:`~expectmodel.churn.simulate_panel` (2,000 customers x 8 periods; satisfaction
  effect -0.5 on the logit of the hazard; the model is the simulator's, so a 95% interval covers it);
- ``ChurnLogit``: the same simulator's first period (one row per customer): ``logit P(churn in period 1) =
  -2.5 - 0.5 (S - 6)``, i.e. intercept 0.5 and slope -0.5 in S;
- ``OrderedChurn``: a latent logistic intention ``0.8 x + e`` cut at -1, 0.5, 2;
- ``SBG`` and ``BayesianSBG``: :func:`~expectmodel.churn.simulate_cohorts` (two cohorts of 4,000 customers,
  alpha/beta 0.7/1.2 and 0.7/3.8, 8 periods).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

NAMES = ("DiscreteHazard", "ChurnLogit", "OrderedChurn", "SBG", "BayesianSBG")

COHORTS = {"regular": (0.7, 1.2), "highend": (0.7, 3.8)}


def _panel() -> pd.DataFrame:
    from expectmodel import churn

    sim = churn.simulate_panel(2000, periods=8, seed=21)
    return churn.person_period(sim.customers, sim.events, end=8, waves=sim.waves)


def _first_period() -> pd.DataFrame:
    from expectmodel import churn

    sim = churn.simulate_panel(6000, periods=1, seed=22)
    return churn.person_period(sim.customers, sim.events, end=1, waves=sim.waves).rename(columns={"event": "churn"})


def _ordered() -> pd.DataFrame:
    rng = np.random.default_rng(23)
    x = rng.normal(size=3000)
    latent = 0.8 * x + rng.logistic(size=3000)
    return pd.DataFrame({"x": x, "intention": np.digitize(latent, [-1.0, 0.5, 2.0]) + 1})


def _cohorts() -> pd.DataFrame:
    from expectmodel import churn

    return churn.simulate_cohorts({k: 4000 for k in COHORTS}, alpha={k: v[0] for k, v in COHORTS.items()},
                                  beta={k: v[1] for k, v in COHORTS.items()}, periods=8, seed=24)


def _covers(frame: pd.DataFrame, truth: dict, key: str = "rhs", slack: float = 0.0) -> None:
    rows = frame.set_index(key)
    for name, value in truth.items():
        lo, hi = rows.loc[name, "ci_low"], rows.loc[name, "ci_high"]
        assert lo - slack <= value <= hi + slack, (name, value, lo, hi)


def _hazard_truth(res) -> None:
    # the fit's 95% Wald interval covers the simulator's -0.5 (the slow study measures the coverage rate)
    _covers(res.to_frame().query("kind == 'coef'"), {"satisfaction": -0.5})


def _logit_truth(res) -> None:
    _covers(res.to_frame(), {"intercept": 0.5, "satisfaction": -0.5})


def _ordered_truth(res) -> None:
    frame = res.to_frame()
    _covers(frame.query("kind == 'coef'"), {"x": 0.8})
    _covers(frame.query("kind == 'cutpoint'"), {"1|2": -1.0, "2|3": 0.5, "3|4": 2.0})


def _sbg_truth(res, pad: float = 0.0) -> None:
    frame = res.to_frame()
    for cohort, (alpha, beta) in COHORTS.items():
        part = frame[frame["group"] == cohort].set_index("lhs")
        for name, value in (("alpha", alpha), ("beta", beta)):
            slack = pad * part.loc[name, "std_error"]
            assert part.loc[name, "ci_low"] - slack <= value <= part.loc[name, "ci_high"] + slack, (cohort, part)


def _bayes_truth(res) -> None:
    # 90% posterior intervals from 2 x 300 draws, padded by half a posterior SD (so each is about a 97% interval:
    # under a correct model a plain 90% interval misses one of the four parameters 34% of the time, and the
    # short chains add Monte Carlo error to the interval ends)
    _sbg_truth(res, pad=0.5)


def case(name: str):
    """The conformance case ``name`` (data simulated on first use)."""
    from expectmodel import churn
    from expectmodel.sampling import SamplerConfig
    from tests._case import Case

    if name == "DiscreteHazard":
        data = _panel()
        return Case(name, lambda: churn.DiscreteHazard(["satisfaction"], baseline="log", draws=100, seed=1),
                    lambda: data, ("baseline", "weibull"), _hazard_truth)
    if name == "ChurnLogit":
        data = _first_period()
        return Case(name, lambda: churn.ChurnLogit(["satisfaction"], draws=100, seed=1), lambda: data,
                    ("cov_type", "HC9"), _logit_truth)
    if name == "OrderedChurn":
        data = _ordered()
        return Case(name, lambda: churn.OrderedChurn(["x"], draws=50, seed=1), lambda: data, ("draws", 0),
                    _ordered_truth)
    if name == "SBG":
        data = _cohorts()
        return Case(name, lambda: churn.SBG(draws=100, seed=1), lambda: data, ("counts", "survivors"), _sbg_truth)
    if name == "BayesianSBG":
        data = _cohorts()
        sampler = SamplerConfig(draws=300, tune=300, chains=2, seed=1, nutpie_backend="jax",
                                gates={"rhat": 1.05, "ess_bulk": 50, "ess_tail": 50})
        return Case(name, lambda: churn.BayesianSBG(sampler=sampler), lambda: data, ("prior_sd", -1.0),
                    _bayes_truth)
    raise KeyError(name)
