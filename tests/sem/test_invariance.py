"""MICOM and multi-group analysis (MGA) of PLS models.

Truths: MICOM's c and its permutation distribution rebuilt from separate ``PLS.fit`` calls on the same
permuted groups; step 3 from the pooled fit's scores written out; Henseler's PLS-MGA as its double sum
over bootstrap pairs; the parametric (Keil et al. 2000) and Welch-Satterthwaite tests from scipy's t
with the stated df; Holm from statsmodels; the existing path permutation test on the same draws.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

import expectmodel as em
from expectmodel.errors import DataError, ParameterError
from expectmodel.sem.invariance import memberships

SMALL = em.Model.from_syntax("""
    Quality      =~ q1 + q2 + q3
    Value        =~ v1 + v2
    Satisfaction =~ s1 + s2 + s3
    Value        ~ Quality
    Satisfaction ~ Quality + Value
""")


def _two_groups(seed: int = 2, n: int = 150, shift: float = 0.0) -> pd.DataFrame:
    a = em.simulate.survey(SMALL, n, seed=seed).data
    b = em.simulate.survey(SMALL, n, seed=seed + 100).data
    b["q1"] = b["q1"] * (1 + shift)  # a loading-like difference in one indicator when shift != 0
    return pd.concat([a.assign(g="A"), b.assign(g="B")], ignore_index=True)


@pytest.fixture(scope="module")
def groups():
    data = _two_groups()
    return data, em.MultiGroupPLS(em.PLS(SMALL, bootstrap=300, seed=4), by="g").fit(data)


def test_micom_against_separate_fits(groups):
    _, res = groups
    n_perm, seed = 40, 9
    table = res.micom(n_permutations=n_perm, seed=seed).set_index("construct")
    a, b = res.fits["A"], res.fits["B"]
    x = np.vstack([a.prepared.values, b.prepared.values])
    z = (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)
    cols = list(SMALL.indicators)
    pooled = pd.DataFrame(x, columns=cols)

    def c_of(w1, w2, name):
        k = SMALL.names.index(name)
        return np.corrcoef(z @ w1[:, k], z @ w2[:, k])[0, 1]

    wa, wb = a.est.weights_full[0], b.est.weights_full[0]
    np.testing.assert_allclose(table.loc["Quality", "c"], c_of(wa, wb, "Quality"), atol=1e-12)
    # the permutations, refitted one by one with PLS.fit (the same random reassignments)
    member = memberships(np.random.default_rng(seed), n_perm, len(x), a.n)  # the same random reassignments
    c_perm = []
    for r in range(n_perm):
        first = member[r] == 1
        w1 = em.PLS(SMALL).fit(pooled[first]).est.weights_full[0]
        w2 = em.PLS(SMALL).fit(pooled[~first]).est.weights_full[0]
        c_perm.append(c_of(w1, w2, "Quality"))
    np.testing.assert_allclose(table.loc["Quality", "c_q05"], np.quantile(c_perm, 0.05), atol=1e-10)
    np.testing.assert_allclose(table.loc["Quality", "p_c"], np.mean(np.array(c_perm) <= table.loc["Quality", "c"]
                                                                  + 1e-12), atol=1e-12)
    # step 3: the pooled fit's scores, group 1 minus group 2
    scores = em.PLS(SMALL).fit(pooled).scores.to_numpy()
    k = SMALL.names.index("Satisfaction")
    s1, s2 = scores[: a.n, k], scores[a.n:, k]
    np.testing.assert_allclose(table.loc["Satisfaction", "mean_diff"], s1.mean() - s2.mean(), atol=1e-10)
    np.testing.assert_allclose(table.loc["Satisfaction", "logvar_diff"],
                               np.log(s1.var(ddof=1)) - np.log(s2.var(ddof=1)), atol=1e-10)
    assert table["compositional"].dtype == bool and table.attrs["seed"] == seed


def test_mga_tests_by_hand(groups):
    _, res = groups
    table = res.mga(n_permutations=200, seed=3, adjust="holm")
    a, b = res.fits["A"], res.fits["B"]
    paths = table[table["kind"] == "path"].reset_index(drop=True)
    d1, d2 = a.boot.draws["paths"], b.boot.draws["paths"]
    se1, se2 = d1.std(axis=0, ddof=1), d2.std(axis=0, ddof=1)
    diff = a.paths["estimate"].to_numpy() - b.paths["estimate"].to_numpy()
    np.testing.assert_allclose(paths["difference"], diff, atol=1e-12)
    n1, n2 = a.n, b.n
    df = n1 + n2 - 2
    pooled = np.sqrt((n1 - 1) ** 2 / df * se1**2 + (n2 - 1) ** 2 / df * se2**2) * np.sqrt(1 / n1 + 1 / n2)
    np.testing.assert_allclose(paths["p_parametric"], 2 * stats.t.sf(np.abs(diff / pooled), df), rtol=1e-10)
    v = se1**2 + se2**2
    welch_df = v**2 / (se1**4 / (n1 - 1) + se2**4 / (n2 - 1))
    np.testing.assert_allclose(paths["p_welch"], 2 * stats.t.sf(np.abs(diff / np.sqrt(v)), welch_df), rtol=1e-10)
    k = 0  # Henseler (2009): P = 1 - sum_j sum_i H(2 mean1 - b1_j - 2 mean2 + b2_i) / J^2, two-tailed
    arg = 2 * d1[:, k].mean() - d1[:, k][:, None] - 2 * d2[:, k].mean() + d2[:, k][None, :]
    prob = 1 - (arg > 0).mean()
    np.testing.assert_allclose(paths["p_henseler"].iloc[k], 2 * min(prob, 1 - prob), atol=1e-12)
    np.testing.assert_allclose(paths[["ci_low", "ci_high"]].iloc[k],
                               np.quantile(d1[:, k] - d2[:, k], [0.025, 0.975]), atol=1e-12)
    p = table["p_welch"].to_numpy()
    ok = np.isfinite(p)
    np.testing.assert_allclose(table["p_welch_adj"].to_numpy()[ok], multipletests(p[ok], method="holm")[1])
    for method in ("bonferroni", "fdr_bh", "sidak"):
        other = res.mga(n_permutations=200, seed=3, adjust=method)
        np.testing.assert_allclose(other["p_welch_adj"].to_numpy()[ok], multipletests(p[ok], method=method)[1])
    # the permutation p-values of the paths: those of permutation_test on the same reassignments
    old = res.permutation_test(n_permutations=200, seed=3)
    np.testing.assert_allclose(paths["p_permutation"], old["p_value"], atol=1e-12)
    assert set(table["kind"]) == {"path", "loading", "weight", "r2"}  # no scale declared: no index


def test_fit_time_tables_are_reported():
    data = _two_groups(seed=5)
    pls = em.PLS(SMALL, bootstrap=100, seed=1, scale=None)
    res = em.MultiGroupPLS(pls, by="g", permutations=50).fit(data)
    frame = res.to_frame()
    assert {"path_difference", "micom_c", "micom_mean"} <= set(frame["kind"])
    assert (frame.loc[frame["kind"] == "path_difference", "group"] == "A - B").all()
    doc = json.loads(res.to_json())
    assert len(doc["micom"]) == 3 and doc["mga"][0]["kind"] == "path"
    text = str(res.summary())
    assert "MICOM (50 permutations)" in text and "Group differences" in text
    assert res.meta.params["permutations"] == 50


def test_bad_group_inputs():
    data = _two_groups(n=120)
    tiny = pd.concat([data[data["g"] == "A"], data[data["g"] == "B"].head(6)], ignore_index=True)
    with pytest.raises(DataError, match=r"Group 'B' \(6 respondents\).*more rows than indicators"):
        em.MultiGroupPLS(em.PLS(SMALL), by="g").fit(tiny)
    res = em.MultiGroupPLS(em.PLS(SMALL), by="g").fit(data)
    with pytest.raises(ParameterError, match="n_permutations"):
        res.micom(n_permutations=5)
    with pytest.raises(ParameterError, match="adjust"):
        res.mga(n_permutations=50, adjust="magic")
