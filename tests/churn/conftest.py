"""Shared data of the churn tests (session scope: each simulation runs once)."""

from __future__ import annotations

import pytest

from expectmodel import churn


@pytest.fixture(scope="session")
def panel():
    """A simulated panel (3,000 customers, 12 periods, satisfaction effect -0.5) and its person-period rows."""
    sim = churn.simulate_panel(3000, periods=12, seed=11)
    return sim, churn.person_period(sim.customers, sim.events, end=12, waves=sim.waves)
