"""Richer posterior predictive checks: per battery x item mean answers and item-pair associations."""

from __future__ import annotations

import numpy as np


def test_item_and_pair_checks_pass_a_correct_model(staged):
    """The staged fit's model generated the data: observed item means and item-pair correlations sit inside
    their 90% predictive intervals (posterior predictive intervals are conservative, so at least 90% of them
    is expected; 0.8 leaves room for the short chains)."""
    sim, res = staged
    items = res.ppc_items(draws=100)
    assert len(items) == 2 * 22 and items.attrs["coverage"] >= 0.8, items.query("not inside")
    e_means = sim.data[[f"E_q{j}" for j in range(1, 23)]].mean().to_numpy()
    np.testing.assert_allclose(items.xs("E", level="battery")["observed"], e_means)  # on the answer scale
    pairs = res.ppc_pairs(draws=100)
    assert len(pairs) == 2 * 22 * 21 // 2
    assert pairs.attrs["coverage"] >= 0.8, pairs.query("not inside")
    assert (pairs["ci_low"] <= pairs["ci_high"]).all()
