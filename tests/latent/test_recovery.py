"""Service recovery and the recovery paradox (ServiceRecovery), with its bad-input errors."""

from __future__ import annotations

import numpy as np
import pytest

from expectmodel import latent
from expectmodel.errors import DataError
from expectmodel.results import PARAMETER_COLUMNS
from tests.latent.conftest import fast


def _estimator(**changes):
    kw = {"scale": (1, 7), "stage": "stage", "severity": "severity", "sampler": fast(), **changes}
    return latent.ServiceRecovery("satisfaction", "failure", "recovered", **kw)


@pytest.fixture(scope="module")
def recovery_fit():
    """1,000 customers, two stages x two severities: a recovered minor failure beats no failure (+0.6),
    a recovered major one does not (-0.6)."""
    sim = latent.simulate_recovery(1000, seed=5)
    return sim, _estimator().fit(sim.data)


def test_the_recovery_paradox_is_recovered_per_stage_and_severity(recovery_fit):
    sim, res = recovery_fit
    table = res.paradox()
    stages, severities = ("first-time", "long-term"), ("minor", "major")
    truth = {f"{s}|{v}": sim.truth["paradox"][i, j] for i, s in enumerate(stages) for j, v in enumerate(severities)}
    truth["pooled"] = sim.truth["pooled_paradox"]
    cover = [table.loc[c, "ci_low"] <= t <= table.loc[c, "ci_high"] for c, t in truth.items()]
    # five 90% intervals: all cover with probability 0.59 and at least four with 0.92 under a correct model
    assert sum(cover) >= 4, (table, truth)
    # the test: the minor cells (truth +0.6, posterior SD about 0.3) lean positive, the major ones negative
    for s in stages:
        assert table.loc[f"{s}|minor", "prob_positive"] > 0.5 > table.loc[f"{s}|major", "prob_positive"], table
    assert res.diagnostics.passed
    frame = res.to_frame()
    assert tuple(frame.columns) == PARAMETER_COLUMNS
    assert {"level", "failure", "recovery", "paradox", "cutpoint"} == set(frame["kind"])
    np.testing.assert_allclose(frame.query("kind == 'paradox' and group == ''")["estimate"],
                               table.loc["pooled", "estimate"])
    assert "Recovery paradox" in str(res.summary()) and "prior_sd" in res.meta.params
    assert res.tree["log_likelihood"]["satisfaction"].shape[-1] == 1000
    prior = _estimator().prior_predictive(sim.data, draws=100)
    np.testing.assert_allclose(prior["predicted"].sum(), 1.0)
    assert (prior["ci_high"] > 0.01).all()  # the priors spread the answers over every category


def test_recovery_data_without_a_failure_indicator_are_refused():
    """Acceptance (bad input): recovery data without a failure indicator."""
    sim = latent.simulate_recovery(100, seed=1)
    with pytest.raises(DataError, match="need a failure indicator column: 'failure' is not among"):
        _estimator().fit(sim.data.drop(columns="failure"))


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.assign(failure=d["failure"].replace(1, 2)), "must be 0 or 1"),
    (lambda d: d.assign(failure=d["failure"].astype(float).where(d.index != 3)), "missing at row 3"),
    (lambda d: d.assign(recovered=np.where(d["failure"] == 0, 1, d["recovered"])), "only a failure can be recovered"),
    (lambda d: d.assign(failure=0, recovered=0), "with and without a failure"),
    (lambda d: d.assign(satisfaction=d["satisfaction"].replace(7.0, 9.0)), "satisfaction"),
])
def test_bad_recovery_data_get_a_clear_error(change, message):
    sim = latent.simulate_recovery(100, seed=1)
    with pytest.raises(DataError, match=message):
        _estimator(severity=None).fit(change(sim.data))
