"""The provider's side: SERVQUAL gaps 1-4 against the customers' latent expectations, and gap 5's decomposition."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from expectmodel import latent
from expectmodel.errors import DataError, SpecError
from tests.latent.conftest import fast

DIMS = {"a": ("q1", "q2", "q3"), "b": ("q4", "q5", "q6")}
#: true provider levels relative to the customers' expectation levels (per dimension)
OFFSETS = {"M": (-0.8, -0.5), "S": (0.3, 0.0), "V": (-0.6, -0.4)}


def _provider_survey(sim, code: str, n: int, seed: int) -> pd.DataFrame:
    """Provider answers to the customers' E items from the same item parameters, level E + OFFSETS."""
    t = sim.truth
    mu = np.stack([t["mu"][0], t["mu"][0] + np.asarray(OFFSETS[code])])
    other = latent.simulate_latent(n, dimensions=DIMS, batteries=("E", code), seed=seed,
                                   truth={"mu": mu, "delta": t["delta"], "loading": t["loading"], "cut": t["cut"],
                                          "sigma": np.ones((2, 2))})
    return other.data[[f"{code}_{it}" for v in DIMS.values() for it in v]].rename(
        columns=lambda c: "E_" + c.split("_", 1)[1])


@pytest.fixture(scope="module")
def provider_fit():
    sim = latent.simulate_latent(250, dimensions=DIMS, seed=21)
    surveys = {"management": _provider_survey(sim, "M", 120, 1), "standards": _provider_survey(sim, "S", 120, 2),
               "delivery": _provider_survey(sim, "V", 120, 3)}
    frame, design = latent.stack_provider(sim.data, sim.design, **surveys)
    res = latent.LatentExpectations(design, sampler=fast()).fit(frame)
    return sim, frame, res


@pytest.mark.slow
def test_gaps_one_to_three_and_the_decomposition_are_recovered(provider_fit):
    sim, frame, res = provider_fit
    assert frame["source"].value_counts().to_dict() == {"customer": 250, "management": 120, "standards": 120,
                                                        "delivery": 120}
    gaps = latent.provider_gaps(res)
    mu_e, mu_p = sim.truth["mu"]
    m, s, v = (mu_e + np.asarray(OFFSETS[k]) for k in "MSV")
    truth = {"gap1": m - mu_e, "gap2": s - m, "gap3": v - s, "gap5": mu_p - mu_e, "perceived-delivered": mu_p - v}
    hits = []
    for name, value in truth.items():
        t = gaps.xs(name, level="gap").drop(index="mean")
        hits += list((t["ci_low"].to_numpy() <= value) & (value <= t["ci_high"].to_numpy()))
    # 10 intervals at 90%: at least 8 cover with probability 0.93 under a correct model
    assert sum(hits) >= 8, gaps
    g1 = gaps.loc[("gap1", "mean")]
    assert g1["ci_high"] < 0  # managers underestimate expectations (truth -0.65): the test finds it
    # the decomposition is an identity, draw by draw, so it holds for the posterior means exactly
    total = sum(gaps.loc[(k, "mean"), "estimate"] for k in ("gap1", "gap2", "gap3", "perceived-delivered"))
    np.testing.assert_allclose(total, gaps.loc[("gap5", "mean"), "estimate"], rtol=1e-10)
    assert "gap4" not in gaps.index.get_level_values("gap")  # no promises survey: gap 4 is left out
    assert gaps.attrs["decomposition"].startswith("gap5 = gap1")


def test_a_management_survey_whose_items_do_not_match_is_refused():
    """Acceptance (bad input): a management survey whose items do not match the customer battery."""
    sim = latent.simulate_latent(40, dimensions=DIMS, seed=1)
    managers = pd.DataFrame(np.full((5, 6), 6), columns=[f"E_q{i}" for i in range(1, 7)])
    with pytest.raises(DataError, match=r"lacks \['E_q6'\]"):
        latent.stack_provider(sim.data, sim.design, management=managers.drop(columns="E_q6"))
    with pytest.raises(DataError, match=r"has \['P_q1'\], which is not an E item"):
        latent.stack_provider(sim.data, sim.design, management=managers.assign(P_q1=5))
    with pytest.raises(DataError, match="no rows"):
        latent.stack_provider(sim.data, sim.design, management=managers.iloc[:0])


def test_gaps_need_a_provider_battery(staged):
    _sim, res = staged  # E and P only
    with pytest.raises(SpecError, match="provider battery"):
        latent.provider_gaps(res)
