"""Overall model fit: SRMR, d_ULS, d_G, NFI (saturated and estimated), the Bollen-Stine test and GoF.

Truths: the definitions written out here with loops over indicator pairs (cSEM's composite/common-factor
implied correlations; the estimated model's construct correlations by covariance algebra along the
recursive equations, not by a matrix inverse), scipy's generalized eigenvalues for d_G, openpls-engine's
d_ULS (to 1e-6), and the simulator: PLSc on data from the ECSI common-factor model fits, a model
that drops a strong path does not.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import linalg

import expectmodel as em


def _implied_by_hand(res, saturated: bool) -> np.ndarray:
    model, names = res.model, list(res.model.names)
    items = list(model.indicators)
    owner = {i: c.name for c in model.constructs for i in c.indicators}
    kind = {c.name: ("composite" if c.kind == "composite" or len(c.indicators) == 1 else "factor")
            for c in model.constructs}
    lam = dict(zip(items, res.outer["loading"], strict=True))
    r = res.construct_correlations.to_numpy().copy()
    if not saturated:  # the recursive equations in topological order: cov(eta_j, eta_k) = sum_i b_ij cov(eta_i, eta_k)
        b = res.path_matrix.to_numpy()
        order = [names.index(c) for c in model.topological_order]
        cov = np.full_like(r, np.nan)
        for pos, j in enumerate(order):
            preds = np.flatnonzero(b[:, j])
            if not preds.size:
                for k in order[:pos + 1]:
                    if not np.flatnonzero(b[:, k]).size:
                        cov[j, k] = cov[k, j] = r[j, k]
                continue
            for k in order[:pos]:
                cov[j, k] = cov[k, j] = sum(b[i, j] * cov[i, k] for i in preds)
            explained = sum(b[i, j] * b[h, j] * cov[i, h] for i in preds for h in preds)
            cov[j, j] = explained + (1 - res.r2.loc[names[j], "r2"])
        r = cov
    s = res.s
    sigma = np.eye(len(items))
    for a, x in enumerate(items):
        for c, y in enumerate(items):
            if a == c:
                continue
            if owner[x] == owner[y]:
                sigma[a, c] = s[a, c] if kind[owner[x]] == "composite" else lam[x] * lam[y]
            else:
                sigma[a, c] = lam[x] * r[names.index(owner[x]), names.index(owner[y])] * lam[y]
    return sigma


def _measures_by_hand(s, sigma):
    p = s.shape[0]
    resid = [(s[i, j] - sigma[i, j]) ** 2 for i in range(p) for j in range(i + 1)]
    srmr = np.sqrt(np.mean(resid))
    d_uls = 0.5 * sum((s[i, j] - sigma[i, j]) ** 2 for i in range(p) for j in range(p))
    phi = linalg.eigvals(sigma, s).real  # generalized: sigma v = phi s v, the eigenvalues of S^-1 Sigma
    d_g = 0.5 * np.sum(np.log(phi) ** 2)
    f = lambda m: np.log(np.linalg.det(m)) - np.log(np.linalg.det(s)) + np.trace(s @ np.linalg.inv(m)) - p  # noqa: E731
    nfi = 1 - f(sigma) / f(np.eye(p))
    return srmr, d_uls, d_g, nfi


MIXED = em.Model.from_syntax("""
    Image        <~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
    Expectation  =~ CUEX1 + CUEX2 + CUEX3
    Quality      =~ PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5 + PERQ6 + PERQ7
    Value        <~ PERV1 + PERV2
    Satisfaction =~ CUSA1 + CUSA2 + CUSA3
    Complaints   =~ CUSCO
    Loyalty      =~ CUSL1 + CUSL2 + CUSL3
    Expectation  ~ Image
    Quality      ~ Expectation
    Value        ~ Expectation + Quality
    Satisfaction ~ Image + Expectation + Quality + Value
    Complaints   ~ Satisfaction
    Loyalty      ~ Satisfaction + Complaints + Image
""")


@pytest.mark.parametrize("model_name", ["ecsi", "mixed"])
@pytest.mark.parametrize("consistent", [False, True])
def test_fit_measures_equal_their_definitions(ecsi_survey, ecsi, model_name, consistent):
    model = ecsi if model_name == "ecsi" else MIXED
    res = em.PLS(model, consistent=consistent).fit(ecsi_survey.data)
    table = res.model_fit.set_index(["measure", "model"])["estimate"]
    for kind in ("saturated", "estimated"):
        sigma = _implied_by_hand(res, saturated=kind == "saturated")
        np.testing.assert_allclose(res.implied_correlations[kind].to_numpy(), sigma, atol=1e-12)
        for name, value in zip(("SRMR", "d_ULS", "d_G", "NFI"), _measures_by_hand(res.s, sigma), strict=True):
            np.testing.assert_allclose(table[(name, kind)], value, rtol=1e-9, err_msg=f"{name} {kind}")


def test_gof_by_hand(ecsi_survey, ecsi):
    res = em.PLS(ecsi).fit(ecsi_survey.data)
    multi = [c.name for c in ecsi.constructs if len(c.indicators) > 1]
    lam = res.outer.set_index("construct").loc[multi, "loading"]
    assert res.gof == pytest.approx(np.sqrt(np.mean(lam**2) * res.r2["r2"].mean()), rel=1e-12)


def test_fit_rows_in_frame_json_and_summary(ecsi_survey, ecsi):
    res = em.PLS(ecsi, fit_test=40, seed=2).fit(ecsi_survey.data)
    frame = res.to_frame().query("kind == 'fit'")
    assert set(frame["lhs"]) == {"SRMR", "d_ULS", "d_G", "NFI", "GoF"}
    out = res.to_dict()
    assert out["model_fit"]["SRMR_saturated"]["hi95"] is not None and out["gof"] == pytest.approx(res.gof)
    text = str(res.summary())
    assert "Bollen-Stine" in text and "not a test of model fit" in text


@pytest.mark.oracle
def test_d_uls_and_srmr_agree_with_openpls(mobi, ecsi):
    pytest.importorskip("openpls")
    from tests.sem.oracles import openpls_fit

    res = em.PLS(ecsi, scheme="centroid").fit(mobi)
    theirs = openpls_fit(ecsi, mobi, "centroid")
    fit = theirs.model_fit()
    ours = res.model_fit.set_index(["measure", "model"])["estimate"]
    np.testing.assert_allclose(ours[("d_ULS", "saturated")], fit.d_uls(), atol=1e-6)
    # openpls averages over the p(p-1)/2 off-diagonal entries, cSEM (ours) over p(p+1)/2 with the zero diagonal
    p = len(ecsi.indicators)
    np.testing.assert_allclose(ours[("SRMR", "saturated")], fit.srmr() * np.sqrt((p - 1) / (p + 1)), atol=1e-6)


def test_bollen_stine_accepts_the_true_model_and_rejects_a_missing_path(ecsi):
    sim = em.simulate.survey(ecsi, 500, seed=3)
    good = em.PLS(ecsi, consistent=True, fit_test=200, seed=1).fit(sim.data).model_fit.set_index(["measure", "model"])
    assert good.loc[("SRMR", "estimated"), "p"] > 0.05
    assert good.loc[("SRMR", "estimated"), "estimate"] < good.loc[("SRMR", "estimated"), "hi95"]
    text = ecsi.to_syntax().replace("Satisfaction ~ Image + Expectation + Quality + Value",
                                    "Satisfaction ~ Image + Value")
    bad = em.PLS(em.Model.from_syntax(text), consistent=True, fit_test=200, seed=1).fit(sim.data)
    table = bad.model_fit.set_index(["measure", "model"])
    assert table.loc[("SRMR", "estimated"), "p"] < 0.05
    assert table.loc[("SRMR", "estimated"), "estimate"] > table.loc[("SRMR", "saturated"), "estimate"]


def test_fit_test_refuses_pairwise(ecsi):
    data = em.simulate.survey(ecsi, 200, seed=1).data.astype(float)
    data.iloc[0, 0] = np.nan
    with pytest.raises(em.errors.ParameterError, match="complete data"):
        em.PLS(ecsi, missing="pairwise", fit_test=20).fit(data)
    assert isinstance(em.PLS(ecsi).fit(data.dropna()).model_fit, pd.DataFrame)
