"""Satisfaction bands from the latent gap, the latent zone of tolerance and customer value."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from expectmodel import latent
from expectmodel.errors import DataError, SpecError
from expectmodel.latent.bands import BANDS, DEFAULT_BAND_LIMITS
from tests.latent.conftest import STAGES, fast


def _calibrated(probs: np.ndarray, truth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Expected minus observed counts per class, and the SD of that difference under calibration
    (a Poisson-binomial count: variance sum p (1 - p))."""
    expected = probs.sum(axis=0)
    observed = np.array([(truth == k).sum() for k in range(probs.shape[1])])
    return expected - observed, np.sqrt((probs * (1 - probs)).sum(axis=0))


def test_band_probabilities_are_calibrated_against_the_true_gaps(staged):
    """Each respondent's band probabilities against the band of their true gap (simulation truth):
    the expected count per band matches the true count within 3.5 SDs of a calibrated forecast plus 8
    (a margin for the short chains' shrinkage), and the forecast beats the base rates (Brier score)."""
    sim, res = staged
    t = res.bands()
    assert list(t.columns[:5]) == list(BANDS) and t.attrs["limits"] == list(DEFAULT_BAND_LIMITS)
    never = np.asarray(STAGES)[sim.truth["stage"]] == "never used"
    assert t.loc[never, list(BANDS)].isna().all().all() and t.loc[never, "band"].isna().all()
    probs = t.loc[~never, list(BANDS)].to_numpy()
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    lev = sim.truth["levels"][~never]
    true_gap = (lev[:, 1, :] - lev[:, 0, :]).mean(axis=1)
    truth = np.searchsorted(np.asarray(DEFAULT_BAND_LIMITS), true_gap, side="right")
    diff, sd = _calibrated(probs, truth)
    assert np.all(np.abs(diff) <= 3.5 * sd + 8), (diff, sd)
    onehot = np.eye(5)[truth]
    brier = ((probs - onehot) ** 2).sum(axis=1).mean()
    base = ((onehot.mean(axis=0)[None] - onehot) ** 2).sum(axis=1).mean()
    assert brier < 0.8 * base, (brier, base)
    one = res.bands(limits=(-2.0, -1.0, 1.0, 2.0), dimension="tangibles")
    assert one.attrs["dimension"] == "tangibles" and one.attrs["limits"] == [-2.0, -1.0, 1.0, 2.0]


def test_band_limits_and_models_without_a_gap_are_refused(staged):
    _sim, res = staged
    with pytest.raises(SpecError, match="four increasing"):
        res.bands(limits=(1.0, 0.0, 2.0, 3.0))
    with pytest.raises(SpecError, match="unknown dimension"):
        res.bands(dimension="speed")
    with pytest.raises(SpecError, match="D, A and P"):
        res.in_zone()


@pytest.fixture(scope="module")
def zone_fit():
    """Desired, adequate and perceived service on one latent metric (invariance), 200 respondents."""
    sim = latent.simulate_latent(200, dimensions={"a": ("q1", "q2", "q3"), "b": ("q4", "q5", "q6")},
                                 batteries=("D", "A", "P"), seed=11)
    return sim, latent.LatentExpectations(sim.design, sampler=fast()).fit(sim.data)


@pytest.mark.slow
def test_in_zone_probability_is_calibrated_against_the_true_levels(zone_fit):
    sim, res = zone_fit
    z = res.in_zone()
    assert z.index.names == ["respondent", "dimension"] and len(z) == 400
    # below + above + in zone is 1, or more in draws where D* < A* (then P* can be below A* and above D*)
    assert (z.sum(axis=1) >= 1 - 1e-12).all()
    lev = sim.truth["levels"]  # (n, D A P, dims)
    inside = ((lev[:, 1] <= lev[:, 2]) & (lev[:, 2] <= lev[:, 0])).ravel()
    p_in = z["in_zone_probability"].to_numpy()
    diff, sd = _calibrated(np.stack([1 - p_in, p_in], axis=1), inside.astype(int))
    assert np.all(np.abs(diff) <= 3.5 * sd + 8), (diff, sd)
    assert p_in[inside].mean() > p_in[~inside].mean() + 0.2  # it separates who is in the zone


def test_customer_value_refuses_values_at_or_below_zero():
    """Acceptance (bad input): a ratio-scale value <= 0 is refused with the position named."""
    np.testing.assert_allclose(latent.customer_value([10.0, 3.0], [5.0, 6.0]), [2.0, 0.5])
    with pytest.raises(DataError, match=r"position 1 has benefits=-2\.0"):
        latent.customer_value([1.0, -2.0], [1.0, 1.0])
    with pytest.raises(DataError, match=r"position 0 .*costs=0\.0"):
        latent.customer_value([1.0], [0.0])
    with pytest.raises(DataError, match="shapes"):
        latent.customer_value([1.0, 2.0], [1.0])
    with pytest.raises(DataError, match="<= 0"):
        latent.value_relation([1.0, 0.0, 2.0, 3.0, 4.0], [1, 2, 3, 4, 5])


def test_value_relation_recovers_a_simulated_slope():
    """Satisfaction = 0.6 log(value) + noise: over 200 seeded replications the 90% interval of the slope
    covers 0.6 in 85-95% of them (binomial SD of the rate 2.1 points), and Spearman's rho is positive."""
    hits = 0
    for r in range(200):
        rng = np.random.default_rng(r)
        value = latent.customer_value(np.exp(rng.normal(3, 0.5, 120)), np.exp(rng.normal(2, 0.5, 120)))
        sat = 0.6 * np.log(value) + rng.normal(0, 1, 120)
        t = latent.value_relation(value, pd.Series(sat))
        hits += t.loc["slope_log_value", "ci_low"] <= 0.6 <= t.loc["slope_log_value", "ci_high"]
    assert 0.85 <= hits / 200 <= 0.95, hits
    assert t.loc["spearman_rho", "ci_low"] > 0 and t.attrs["n"] == 120
