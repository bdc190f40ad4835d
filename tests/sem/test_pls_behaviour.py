"""Estimator behaviour: bad input, convergence, groups, reproducibility and every output format."""

from __future__ import annotations

import json
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import expectmodel as em
from expectmodel.cli import main
from expectmodel.errors import ParameterError
from expectmodel.sem import MultiGroupPLS, bootstrap

SMALL = em.Model.from_syntax("""
    Quality      =~ q1 + q2 + q3
    Value        <~ v1 + v2
    Satisfaction =~ s1 + s2 + s3
    Value        ~ Quality
    Satisfaction ~ Quality + Value
""")


@pytest.fixture(scope="module")
def small_data() -> pd.DataFrame:
    return em.simulate.survey(SMALL, 300, scale=(1, 7), seed=12).data


@pytest.fixture(scope="module")
def booted(small_data) -> em.PLSResults:
    return em.PLS(SMALL, scale=(1, 7), bootstrap=300, seed=1).fit(small_data)


# -- bad input ------------------------------------------------------------------------------------
def test_singular_inner_model(small_data):
    data = small_data.assign(v1=small_data["q1"], v2=small_data["q2"])  # Value duplicates Quality's items
    model = em.Model.from_syntax("Quality =~ q1 + q2\nValue =~ v1 + v2\nSatisfaction =~ s1 + s2 + s3\n"
                                 "Satisfaction ~ Quality + Value")
    with pytest.raises(em.ConvergenceError, match=r"singular.*'Satisfaction'.*'Quality' and 'Value'.*collinear"):
        em.PLS(model).fit(data)


def test_collinear_mode_b_block(small_data):
    data = small_data.assign(v2=small_data["v1"] * 2 + 1)
    with pytest.raises(em.ConvergenceError, match=r"composite 'Value' \(v1, v2\) are perfectly collinear"):
        em.PLS(SMALL).fit(data)


def test_non_convergence_warns_and_flags(small_data):
    with pytest.warns(em.ConvergenceWarning, match="did not converge in 2 iterations"):
        res = em.PLS(SMALL, max_iter=2, tol=1e-15).fit(small_data)
    assert res.converged is False
    assert res.meta["converged"] is False
    assert "NOT converged" in repr(res)
    assert "do not interpret" in res.summary().as_text()


def test_model_errors_reach_the_user(small_data):
    with pytest.raises(em.SpecError, match="line 2, column 7"):
        em.PLS("Quality =~ q1 + q2\nValue => q3").fit(small_data)
    with pytest.raises(em.SpecError, match="no structural path"):
        em.PLS("A =~ q1 + q2\nB =~ s1 + s2\nC =~ v1 + v2\nB ~ A").fit(small_data)
    with pytest.raises(ParameterError, match=r"scheme must be one of 'path', 'centroid', 'factorial'; got 'centriod'"):
        em.PLS(SMALL, scheme="centriod").fit(small_data)
    with pytest.raises(em.DataError, match="Only 5 usable"):
        em.PLS(SMALL).fit(small_data.head(5))


# -- groups ------------------------------------------------------------------------------------------
def test_groups_and_permutation_test():
    common = {"n": 400}
    data = em.simulate.survey_by_group(SMALL, {
        "first-time": {**common, "paths": {"Quality->Satisfaction": 0.2, "Value->Satisfaction": 0.3,
                                          "Quality->Value": 0.4}},
        "long-term": {**common, "paths": {"Quality->Satisfaction": 0.7, "Value->Satisfaction": 0.3,
                                         "Quality->Value": 0.4}},
    }, seed=3, scale=(1, 7))
    res = MultiGroupPLS(em.PLS(SMALL, scale=(1, 7)), by="stage").fit(data)
    assert set(res.fits) == {"first-time", "long-term"}
    test = res.permutation_test(500, seed=1).set_index(["source", "target"])
    assert test.loc[("Quality", "Satisfaction"), "p_value"] < 0.01  # a real difference of 0.5
    assert test.loc[("Quality", "Value"), "p_value"] > 0.05  # no difference
    again = res.permutation_test(500, seed=1).set_index(["source", "target"])
    pd.testing.assert_frame_equal(test, again)


def test_empty_group_is_an_error(small_data):
    data = small_data.assign(stage=pd.Categorical(["first-time"] * 150 + ["long-term"] * 150,
                                                  categories=["never used", "first-time", "long-term"]))
    with pytest.raises(em.DataError, match="Group\\(s\\) 'never used' of column 'stage' have no respondents"):
        MultiGroupPLS(em.PLS(SMALL), by="stage").fit(data)
    with pytest.raises(em.DataError, match=r"Column\(s\) not found in the data: 'segment' \(grouping column\)"):
        MultiGroupPLS(em.PLS(SMALL), by="segment").fit(data)


def test_group_emptied_by_listwise_deletion(small_data):
    data = small_data.assign(stage=["a"] * 290 + ["b"] * 10)
    data.loc[290:, "q1"] = -99
    with pytest.raises(em.DataError, match=r"Group 'b' \(10 respondents\).*Only 0 usable row"):
        MultiGroupPLS(em.PLS(SMALL, missing="listwise", missing_values=[-99]), by="stage").fit(data)


# -- bootstrap -----------------------------------------------------------------------------------------
def test_bootstrap_is_seeded_and_independent_of_n_jobs(small_data, monkeypatch):
    monkeypatch.setattr(bootstrap, "CHUNK", 64)  # 300 resamples: five chunks, shared by two threads
    serial = em.PLS(SMALL, scale=(1, 7), bootstrap=300, seed=1).fit(small_data)
    again = em.PLS(SMALL, scale=(1, 7), bootstrap=300, seed=1, n_jobs=2).fit(small_data)
    pd.testing.assert_frame_equal(serial.to_frame(), again.to_frame())
    other = em.PLS(SMALL, scale=(1, 7), bootstrap=300, seed=2).fit(small_data)
    assert not np.allclose(serial.to_frame()["std_error"], other.to_frame()["std_error"])


def test_bootstrap_draws_do_not_depend_on_chunking(small_data, monkeypatch):
    """Chunks reuse their work arrays (``Scratch``); fixed resamples must give the same draws however
    they are chunked, including a short last chunk and a parallel run."""
    res = em.PLS(SMALL, scale=(1, 7)).fit(small_data)
    z = (res.prepared.values - res.mean) / res.sd
    idx = np.random.default_rng(3).integers(0, len(z), size=(150, len(z)))

    def draws(chunk: int, n_jobs: int = 1) -> dict[str, np.ndarray]:
        monkeypatch.setattr(bootstrap, "CHUNK", chunk)
        return bootstrap.run_bootstrap(z, res.mean, res.sd, res.prepared.scale_low, res.prepared.scale_high,
                                              res.layout, res.options, 0, None, indices=idx, bca=False,
                                              n_jobs=n_jobs).draws

    whole = draws(1000)
    one_by_one = [em.PLS(SMALL, scale=(1, 7)).fit(small_data.iloc[i]).paths["estimate"].to_numpy() for i in idx[:3]]
    np.testing.assert_allclose(whole["paths"][:3], one_by_one, atol=1e-10)
    for chunk, n_jobs in [(40, 1), (40, 2), (7, 1)]:
        for key, value in draws(chunk, n_jobs).items():
            np.testing.assert_allclose(value, whole[key], atol=1e-12, err_msg=f"{key}, chunks of {chunk}")


def test_bootstrap_table_is_coherent(booted):
    frame = booted.to_frame()
    assert set(frame["kind"]) == {"weight", "loading", "path", "total_effect", "r2", "index", "indirect",
                                  "total_indirect", "share_mediated", "fit", "alpha", "rhoA", "rhoC", "AVE", "f2"}
    paths = frame[frame["kind"] == "path"]
    assert (paths["ci_low"] < paths["estimate"]).all() and (paths["estimate"] < paths["ci_high"]).all()
    assert (paths["bca_low"] < paths["bca_high"]).all()
    np.testing.assert_allclose(paths["t"], paths["estimate"] / paths["std_error"])
    assert booted.meta["bootstrap"]["n_failed"] == 0
    htmt = booted.htmt_inference
    assert list(htmt[["construct_1", "construct_2"]].itertuples(index=False, name=None)) == [
        ("Quality", "Value"), ("Quality", "Satisfaction"), ("Value", "Satisfaction")]
    np.testing.assert_allclose(htmt["htmt"], booted.htmt.to_numpy()[np.triu_indices(3, 1)])
    assert ((htmt["ci_low"] < htmt["htmt"]) & (htmt["htmt"] < htmt["ci_high"]) & (htmt["std_error"] > 0)).all()
    assert "HTMT inference" in booted.summary().as_text()


# -- outputs -------------------------------------------------------------------------------------------
def test_summary_html_and_tables(booted):
    text = booted.summary().as_text()
    for needle in ("Structural paths", "Quality -> Satisfaction", "R-squared", "HTMT", "0-100 index"):
        assert needle in text
    assert booted._repr_html_().startswith("<h3>")
    assert "\\begin{tabular}" in booted.summary().as_latex()
    assert list(booted.effects.columns) == ["source", "target", "direct", "indirect", "total"]
    eff = booted.effects.set_index(["source", "target"])
    direct = booted.path_matrix
    expected_indirect = direct.loc["Quality", "Value"] * direct.loc["Value", "Satisfaction"]
    assert eff.loc[("Quality", "Satisfaction"), "indirect"] == pytest.approx(expected_indirect)
    assert booted.scores.shape == (300, 3)
    np.testing.assert_allclose(booted.scores.std(ddof=1), 1.0)
    assert booted.fornell_larcker.shape == (3, 3)
    assert set(booted.f2.columns) == {"source", "target", "f2"}


def test_json_schema_and_metadata(booted, tmp_path):
    out = json.loads(booted.to_json(tmp_path / "res.json"))
    assert out == json.loads((tmp_path / "res.json").read_text())
    assert set(out["weights"]) == {"Quality", "Value", "Satisfaction"}
    assert "Quality->Satisfaction" in out["paths"]
    assert set(out["reliability"]["Quality"]) == {"alpha", "rhoA", "rhoC", "AVE"}
    assert set(out["boot_se"]) >= {"paths", "loadings", "weights"}
    assert out["boot_se"]["loadings"]["Quality"]["q1"] > 0
    pair = booted.htmt_inference.iloc[0]
    a, b = pair["construct_1"], pair["construct_2"]
    assert out["boot_ci"]["htmt"][a][b] == out["boot_ci"]["htmt"][b][a] == [pair["ci_low"], pair["ci_high"]]
    assert out["boot_se"]["htmt"][a][b] == pytest.approx(pair["std_error"])
    assert out["schema"] == "expectmodel.pls" and out["schema_version"] == 2
    meta = out["meta"]
    assert meta["params"]["seed"] == 1 and meta["params"]["bootstrap"] == 300 and meta["seed"] == 1
    assert "stop_rule" in meta["conventions"] and "numpy" in meta["versions"]


def test_plots_return_axes(booted):
    ax = booted.plot_paths()
    assert len(ax.patches) == 3
    plt.close(ax.figure)
    ax = booted.plot_ipma("Satisfaction")
    assert ax.get_xlabel().startswith("Importance")
    plt.close(ax.figure)


def test_index_needs_a_scale(small_data):
    res = em.PLS(SMALL).fit(small_data)
    with pytest.raises(em.SpecError, match="scale=\\(low, high\\)"):
        _ = res.index


# -- command line ---------------------------------------------------------------------------------------
def test_cli_writes_the_documented_json(small_data, tmp_path, capsys):
    data = small_data.copy()
    data.loc[[0, 1], "q1"] = -99
    data.to_csv(tmp_path / "survey.csv", index=False)
    (tmp_path / "model.txt").write_text(SMALL.to_syntax())
    code = main([
        "pls", str(tmp_path / "survey.csv"), "--model", str(tmp_path / "model.txt"), "--boot", "50",
        "--seed", "3", "--missing-values", "-99", "--missing", "listwise", "--json", str(tmp_path / "out.json"),
    ])
    assert code == 0
    out = json.loads((tmp_path / "out.json").read_text())
    for key in ("weights", "loadings", "paths", "r2", "reliability", "boot_se", "meta"):
        assert key in out
    assert out["meta"]["data"]["n_dropped"] == 2
    assert "Structural paths" in capsys.readouterr().out


def test_cli_reports_errors_without_a_traceback(small_data, tmp_path, capsys):
    small_data.to_csv(tmp_path / "survey.csv", index=False)
    (tmp_path / "model.txt").write_text("Quality =~ q1 + q9\nSatisfaction =~ s1\nSatisfaction ~ Quality")
    assert main(["pls", str(tmp_path / "survey.csv"), "--model", str(tmp_path / "model.txt")]) == 2
    assert "error: Indicator(s) not found in the data: 'q9'" in capsys.readouterr().err
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert main(["pls", str(tmp_path / "nope.csv"), "--model", str(tmp_path / "model.txt")]) == 2


def test_spec_labels_are_reported_next_to_their_rows(small_data):
    labelled = SMALL.to_syntax().replace("Satisfaction ~ Quality", "Satisfaction ~ b1*Quality")
    assert "b1*" in labelled
    frame = em.PLS(labelled).fit(small_data).to_frame().set_index(["kind", "lhs", "rhs"])
    assert frame.loc[("path", "Satisfaction", "Quality"), "label"] == "b1"
    assert (frame["label"] == "").sum() == len(frame) - 1
    assert "label" not in em.PLS(SMALL).fit(small_data).to_frame()  # no labels, no column
