"""The Kano estimators' conformance cases (used by tests/test_conformance.py).

Each case is a smoke-sized fit on simulated data with a truth check whose slack is stated beside it.
"""

from __future__ import annotations

import numpy as np

from expectmodel import kano

#: Category probabilities (A, O, M, I, R, Q) of the conformance survey.
TRUTH = {"wifi": [0.10, 0.20, 0.55, 0.10, 0.03, 0.02], "app": [0.50, 0.15, 0.05, 0.25, 0.03, 0.02],
         "price": [0.15, 0.55, 0.15, 0.10, 0.03, 0.02]}


def kano_survey():
    return kano.simulate_kano(1500, TRUTH, seed=11)


def _classifier_truth(res) -> None:
    # the modal categories are far apart (0.55 vs 0.20 at n = 1,500: Fong's test is decisive)
    assert res.classification()["category"].tolist() == ["M", "A", "O"]
    # shares: the 90% Dirichlet intervals cover the truth (each misses 10% of the time; 15 intervals, so pad
    # by 0.02, about one posterior SD at n = 1,500)
    frame = res.to_frame().query("kind == 'share'")
    for attr, p in TRUTH.items():
        true = np.array(p[:5]) / sum(p[:5])
        rows = frame[frame["lhs"] == attr]
        assert np.all((rows["ci_low"] - 0.02 <= true) & (true <= rows["ci_high"] + 0.02)), (attr, rows, true)


RATING_KINDS = {"clean": "M", "staff": "O", "spa": "A", "tv": "I"}


def _regression_truth(res) -> None:
    # n = 1,500 with the simulator's slopes: every kind is recovered in the recovery tests with room to spare
    # (tests/kano/test_regression.py at n = 1,200)
    got = res.classification().set_index("attribute")["category"]
    assert got.to_dict() == RATING_KINDS, got


DRIFT = {"app": 0.6, "wifi": 0.0, "price": -0.4}


def _drift_truth(res) -> None:
    # 3 waves x 1,000 respondents: the slope's SE is about 0.05; the 90% Wald intervals cover each truth 90% of
    # the time (benchmarks/recovery_kano.py measures it), so pad by 0.05 (one SE) for three intervals at once
    s = res.slopes().set_index("attribute")
    for a, g in DRIFT.items():
        assert s.loc[a, "ci_low"] - 0.05 <= g <= s.loc[a, "ci_high"] + 0.05, (a, s.loc[a], g)


def _fast():
    from expectmodel.sampling import SamplerConfig

    return SamplerConfig(draws=300, tune=300, chains=2, seed=1, nutpie_backend="jax",
                         gates={"rhat": 1.05, "ess_bulk": 50, "ess_tail": 50})


def _asymmetry_truth(res) -> None:
    # n = 1,500: posterior SDs of the slopes about 0.08 (tests/kano/test_bayes.py measures 0.09-0.12 at n = 800);
    # the classification separates the kinds by much more than that
    got = res.classification().set_index("attribute")["category"]
    assert got.to_dict() == RATING_KINDS, got


def _bayes_drift_truth(res) -> None:
    # slopes on the maturity ladder of 0.6 and -0.4 per wave move the must-be odds clearly at 3 x 1,000
    p = res.toward_must_be().set_index("attribute")["p_toward_must_be"]
    assert p["app"] > 0.9 and p["price"] < 0.1, p


NAMES = ("KanoClassifier", "PenaltyReward", "ImpactAsymmetry", "KanoDrift", "AsymmetricOrderedLogit",
         "BayesianKanoDrift")


def case(name: str):
    """The conformance case ``name``."""
    from tests._case import Case

    sim = kano_survey()
    data = sim.data.drop(columns=["wave", "stage"])
    if name == "KanoClassifier":
        return Case(name, lambda: kano.KanoClassifier(seed=1, draws=1000), lambda: data, ("fong_z", -1.0),
                    _classifier_truth)
    if name == "KanoDrift":
        waves = kano.simulate_kano(1000, TRUTH, waves=3, slopes=DRIFT, stages={"new": (-0.5, [0.7, 0.5, 0.3]),
                                                                            "loyal": (0.5, [0.3, 0.5, 0.7])}, seed=12)
        return Case(name, lambda: kano.KanoDrift(adjust="stage", seed=1, draws=500), lambda: waves.data,
                    ("draws", 10), _drift_truth)
    if name == "BayesianKanoDrift":
        waves = kano.simulate_kano(1000, TRUTH, waves=3, slopes=DRIFT, stages={"new": (-0.5, [0.7, 0.5, 0.3]),
                                                                            "loyal": (0.5, [0.3, 0.5, 0.7])}, seed=12)
        sampler = _fast().replace(target_accept=0.9)  # three units tell little about tau (tests/kano/test_bayes.py)
        return Case(name, lambda: kano.BayesianKanoDrift(adjust="stage", sampler=sampler), lambda: waves.data,
                    ("ci_level", 2.0), _bayes_drift_truth)
    ratings = kano.simulate_ratings(1500, RATING_KINDS, seed=5).data
    if name == "PenaltyReward":
        return Case(name, lambda: kano.PenaltyReward(list(RATING_KINDS), seed=1, bootstrap=200), lambda: ratings,
                    ("alpha", 1.5), _regression_truth)
    if name == "ImpactAsymmetry":
        return Case(name, lambda: kano.ImpactAsymmetry(list(RATING_KINDS), min_impact=0.3, seed=1, bootstrap=200),
                    lambda: ratings, ("cutoffs", (0.3, -0.3)), _regression_truth)
    if name == "AsymmetricOrderedLogit":
        return Case(name, lambda: kano.AsymmetricOrderedLogit(list(RATING_KINDS), satisfaction_scale=(1, 7),
                                                              sampler=_fast()),
                    lambda: ratings, ("cutoffs", (0.5, -0.5)), _asymmetry_truth)
    raise KeyError(name)
