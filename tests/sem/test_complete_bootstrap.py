"""The complete bootstrap: intervals for alpha, rhoA, rhoC, AVE and f^2, and the sign-change options.

Truths: separate ``PLS.fit`` calls on resampled rows (each resample's reliability and f^2 refitted one by
one, against the batched bootstrap on the same resamples), and replicates with a construct's sign flipped
by hand (Tenenhaus et al. 2005's construct-level and individual corrections undo it).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import expectmodel as em
from expectmodel.sem.bootstrap import run_bootstrap


@pytest.fixture(scope="module")
def fitted(ecsi_survey, ecsi):
    return em.PLS(ecsi, bootstrap=100, seed=2).fit(ecsi_survey.data)


def test_reliability_and_f2_draws_equal_refits(fitted, ecsi, ecsi_survey):
    data = ecsi_survey.data
    n = len(data)
    idx = np.random.default_rng(4).integers(0, n, size=(5, n))
    res = fitted
    z = (res.prepared.values - res.mean) / res.sd
    boot = run_bootstrap(z, res.mean, res.sd, res.prepared.scale_low, res.prepared.scale_high, res.layout,
                         res.options, 5, None, indices=idx, bca=False)
    replaced = dataclasses.replace(res, boot=boot)
    draws = replaced._replicates[0]
    names = list(ecsi.names)
    for b in range(5):
        one = em.PLS(ecsi).fit(data.iloc[idx[b]].reset_index(drop=True))
        rel = one.reliability
        np.testing.assert_allclose(draws["alpha"][b], rel["alpha"], atol=1e-10)
        np.testing.assert_allclose(draws["rho_a"][b], rel["rhoA"], atol=1e-8)
        np.testing.assert_allclose(draws["rho_c"][b], rel["rhoC"], atol=1e-8)
        np.testing.assert_allclose(draws["ave"][b], rel["AVE"], atol=1e-8)
        f2 = one.f2.set_index(["source", "target"])["f2"]
        src, dst = np.nonzero(res.layout.adjacency)
        np.testing.assert_allclose(draws["f2"][b], [f2[(names[i], names[j])] for i, j in zip(src, dst, strict=True)],
                                   atol=1e-8)


def test_intervals_in_the_frame(fitted):
    frame = fitted.to_frame()
    for kind in ("alpha", "rhoA", "rhoC", "AVE", "f2"):
        part = frame[frame["kind"] == kind]
        assert len(part) and part["ci_low"].notna().all(), kind
    assert "Complaints" not in set(frame.query("kind == 'alpha'")["lhs"])  # a single item has no alpha
    own = fitted.conf_int().query("kind == 'rhoC'")
    np.testing.assert_allclose(own["ci_low"], frame.query("kind == 'rhoC'")["ci_low"], rtol=1e-10)


def test_sign_change_undoes_a_flipped_construct(ecsi, ecsi_survey):
    res = em.PLS(ecsi, bootstrap=50, seed=3).fit(ecsi_survey.data)
    names = list(ecsi.names)
    k = names.index("Quality")
    draws = {key: val.copy() for key, val in res.boot.draws.items()}
    own = res.layout.block_of == k
    src, dst = np.nonzero(res.layout.adjacency)
    touched = (src == k) ^ (dst == k)
    original = {key: draws[key][0].copy() for key in ("weights", "loadings", "paths", "total")}
    draws["weights"][0, own] *= -1
    draws["loadings"][0, own] *= -1
    draws["paths"][0, touched] *= -1
    draws["total"][0, k, :] *= -1
    draws["total"][0, :, k] *= -1
    flipped = dataclasses.replace(res.boot, draws=draws, jackknife=None)
    for mode in ("construct", "individual"):
        record = dataclasses.replace(res.record, params={**res.record.params, "sign_change": mode})
        fixed = dataclasses.replace(res, boot=flipped, record=record)._replicates[0]
        for key, value in original.items():
            expected = value if mode == "construct" else np.abs(value) * np.sign(
                {"weights": res.est.weights[0], "loadings": res.est.loadings[0],
                 "paths": res.est.paths[0][src, dst], "total": res.est.total[0]}[key])
            np.testing.assert_allclose(fixed[key][0], expected, atol=1e-12, err_msg=f"{mode} {key}")
    none = dataclasses.replace(res, boot=flipped)._replicates[0]
    assert (np.sign(none["loadings"][0, own]) != np.sign(res.est.loadings[0, own])).all()


def test_sign_change_is_a_validated_setting(ecsi, ecsi_survey):
    with pytest.raises(em.errors.ParameterError, match="sign_change"):
        em.PLS(ecsi, sign_change="flip").fit(ecsi_survey.data)
    res = em.PLS(ecsi, bootstrap=30, seed=1, sign_change="construct").fit(ecsi_survey.data)
    assert res.meta.params["sign_change"] == "construct"


def test_ipma_importance_intervals_equal_refits(ecsi):
    survey = em.datasets.load_csi_survey()
    settings = dict(scale=(1, 10), missing_values=-99, missing="listwise")
    res = em.PLS(ecsi, **settings).fit(survey)
    complete = survey.loc[res.scores.index].reset_index(drop=True)
    n = len(complete)
    idx = np.random.default_rng(8).integers(0, n, size=(6, n))
    z = (res.prepared.values - res.mean) / res.sd
    boot = run_bootstrap(z, res.mean, res.sd, res.prepared.scale_low, res.prepared.scale_high, res.layout,
                         res.options, 6, None, indices=idx, bca=False)
    table = dataclasses.replace(res, boot=boot).ipma_inference("Loyalty").set_index("construct")
    refits = np.array([em.PLS(ecsi, **settings).fit(complete.iloc[idx[b]].reset_index(drop=True))
                       .ipma("Loyalty").constructs.set_index("construct").loc[table.index, "importance"]
                       for b in range(6)])
    np.testing.assert_allclose(table["std_error"], refits.std(axis=0, ddof=1), atol=1e-8)
    np.testing.assert_allclose(table["ci_low"], np.quantile(refits, 0.025, axis=0), atol=1e-8)
