"""The simulator's round trip: classifying its answers gives back its categories and probabilities."""

from __future__ import annotations

import numpy as np

from expectmodel import kano

TRUTH = {"wifi": [0.10, 0.20, 0.55, 0.10, 0.03, 0.02], "app": [0.50, 0.15, 0.05, 0.25, 0.03, 0.02]}


def test_classifying_the_answers_gives_back_the_drawn_categories():
    sim = kano.simulate_kano(2000, TRUTH, missing_rate=0.05, seed=4)
    got = kano.categorize(sim.data.drop(columns=["wave", "stage"]))
    for a in TRUTH:
        assert (got[a].astype(str) == sim.categories[a].astype(str))[got[a].notna()].all()
    assert 0.03 < got["wifi"].isna().mean() < 0.07


def test_round_trip_recovers_the_category_probabilities():
    sim = kano.simulate_kano(4000, TRUTH, seed=5)
    res = kano.KanoClassifier(seed=1, ci_level=0.99).fit(sim.data.drop(columns=["wave", "stage"]))
    counts = res.counts[0, :, :6]
    observed = counts / counts.sum(-1, keepdims=True)
    truth = np.array([TRUTH[a] for a in res.attributes])
    # binomial SD of a share at n = 4,000 is at most 0.008; 4 SDs
    np.testing.assert_allclose(observed, truth, atol=0.032)
    rates = res.to_frame().query("kind == 'rate'")
    q = rates[rates["rhs"] == "Q"]
    assert ((q["ci_low"] <= 0.02) & (0.02 <= q["ci_high"])).all()  # 99% intervals


def test_drift_and_stage_mix_move_the_probabilities_as_declared():
    sim = kano.simulate_kano(3000, TRUTH, waves=3, slopes={"wifi": 0.0, "app": 1.0},
                             stages={"new": (-1.0, [0.8, 0.5, 0.2]), "loyal": (1.0, [0.2, 0.5, 0.8])}, seed=6)
    p = sim.probabilities  # (wave, stage, attribute, category)
    # app moves toward must-be; within a stage wifi does not move
    assert p[2, 0, 1, 2] > p[0, 0, 1, 2] and np.allclose(p[2, 0, 0], p[0, 0, 0])
    # loyal customers sit further up the ladder
    assert p[0, 1, 0, 2] > p[0, 0, 0, 2]
    # I, R and Q shares never move
    assert np.allclose(p[..., 3:], np.array([TRUTH[a][3:] for a in TRUTH]))
    mix = sim.data.groupby("wave")["stage"].apply(lambda s: (s == "loyal").mean()).to_numpy()
    np.testing.assert_allclose(mix, [0.2, 0.5, 0.8], atol=0.03)  # binomial SD 0.009 at n = 3,000
    for w in range(3):
        shares = sim.categories[sim.data["wave"] == w + 1]["app"].value_counts(normalize=True)
        expected = (sim.stage_mix[w][:, None] * p[w, :, 1]).sum(0)
        np.testing.assert_allclose(shares.reindex(list(kano.CATEGORIES)).to_numpy(), expected, atol=0.04)
