"""What a bundle holds: the posterior whitelist, the scikit-learn parts (skops, ONNX), the loaded results."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pandas as pd
import pytest

import expectmodel as em
from expectmodel.errors import ExportError, ParameterError
from expectmodel.export import LoadedResults


@pytest.fixture(scope="module")
def churn_data():
    panel = em.datasets.load_customer_panel()
    items = [c for c in panel.columns if c[0] in "ep" and "_" in c]
    return panel[items].astype(float), panel["churned"].to_numpy(), panel


@pytest.fixture(scope="module")
def churn_fit(churn_data):
    X, _, panel = churn_data
    frame = X.assign(churn=panel["churned"])
    return em.churn.ChurnLogit(list(X.columns[:4]), seed=1).fit(frame)


def test_model_json_is_plain_json_with_every_promised_part(pls_fit, tmp_path):
    path = em.save(pls_fit, tmp_path / "b.zip")
    with zipfile.ZipFile(path) as z:
        assert z.namelist() == ["model.json"]
        doc = json.loads(z.read("model.json"))
    assert doc["schema"] == "expectmodel.bundle" and doc["schema_version"] == 1
    assert doc["config"]["seed"] == 7 and doc["config"]["params"]["missing"] == "listwise"
    assert doc["meta"]["versions"]["expectmodel"] and doc["meta"]["data"]["n_used"] == 360
    inputs = doc["scoring"]["inputs"]
    assert inputs[0]["column"] == "IMAG1" and inputs[0]["scale"] == [1, 10] and inputs[0]["missing_codes"] == [-99]
    assert all(e["range"] is not None for e in inputs)  # the training ranges
    assert doc["checksum"]["algorithm"] == "sha256" and len(doc["checksum"]["payload"]) == 64
    assert "respondent" not in json.dumps(doc["content"])  # no respondent-level data


def test_save_refuses_to_overwrite_and_bad_arguments(pls_fit, tmp_path):
    em.save(pls_fit, tmp_path / "b")
    with pytest.raises(ParameterError, match="exists; pass overwrite=True"):
        em.save(pls_fit, tmp_path / "b")
    em.save(pls_fit, tmp_path / "b", overwrite=True)
    with pytest.raises(ParameterError, match="unknown format"):
        em.save(pls_fit, tmp_path / "c", formats=("pickle",))
    with pytest.raises(ParameterError, match="expectmodel results object"):
        em.save({"not": "results"}, tmp_path / "d")
    with pytest.raises(ParameterError, match="no posterior"):
        em.save(pls_fit, tmp_path / "e", posterior=True)


def test_the_loaded_results_keep_the_contract(pls_fit, survey, tmp_path):
    back = em.load(em.save(pls_fit, tmp_path / "b.zip"))
    assert isinstance(back, LoadedResults)
    assert repr(back).startswith("<LoadedResults: PLSResults from a bundle") and "\n" not in repr(back)
    for text in (back.summary().as_text(), back.summary().as_html(), back.summary().as_latex()):
        assert "Loaded PLSResults" in text
    from expectmodel_scorer import score

    pd.testing.assert_frame_equal(back.predict(survey), score(pls_fit.scoring_spec(), survey), check_exact=True)
    with pytest.raises(ParameterError, match="stored draws"):
        back.conf_int(0.9)
    with pytest.raises((AttributeError, TypeError)):
        back.table = None


def test_a_sklearn_churn_pipeline_in_skops_and_onnx(churn_data, churn_fit, tmp_path):
    pytest.importorskip("skops")
    pytest.importorskip("skl2onnx")
    pytest.importorskip("onnxruntime")
    X, y, _ = churn_data
    pipe = em.churn.churn_pipeline().fit(X, y)
    path = em.save(churn_fit, tmp_path / "churn.zip", sklearn=pipe, formats=("skops", "onnx"), sample=X)
    back = em.load(path)
    assert set(back.files) == {"model.skops", "model.onnx"}
    again = back.sklearn_model()
    np.testing.assert_array_equal(again.predict_proba(X), pipe.predict_proba(X))  # skops: the same model
    session = back.onnx_session()
    labels, proba = session.run(None, {session.get_inputs()[0].name: X.to_numpy(np.float64)})
    gap = np.abs(np.asarray(proba) - pipe.predict_proba(X)).max()
    assert gap <= 1e-6, gap  # acceptance: ONNX under onnxruntime vs predict_proba
    np.testing.assert_array_equal(np.asarray(labels).ravel(), pipe.predict(X))


def test_skops_refuses_untrusted_types(churn_data, churn_fit, tmp_path, monkeypatch):
    sio = pytest.importorskip("skops.io")
    X, y, _ = churn_data
    pipe = em.churn.churn_pipeline().fit(X, y)
    back = em.load(em.save(churn_fit, tmp_path / "c", sklearn=pipe))
    monkeypatch.setattr(sio, "get_untrusted_types", lambda data: ["evil.module.Thing"])
    with pytest.raises(ExportError, match=r"evil\.module\.Thing"):
        back.sklearn_model()


def test_the_posterior_leaves_respondent_data_out_unless_asked(tmp_path):
    xr = pytest.importorskip("xarray")
    from dataclasses import dataclass

    from expectmodel.results import DataInfo, Meta

    rng = np.random.default_rng(0)
    tree = xr.DataTree.from_dict({
        "posterior": xr.Dataset({"mu": (("chain", "draw", "dimension"), rng.normal(size=(2, 5, 3))),
                                 "theta": (("chain", "draw", "respondent"), rng.normal(size=(2, 5, 40)))}),
        "log_likelihood": xr.Dataset({"y": (("chain", "draw", "respondent"), rng.normal(size=(2, 5, 40)))}),
        "observed_data": xr.Dataset({"y": (("respondent",), rng.integers(1, 6, 40).astype(float))}),
    })

    @dataclass(frozen=True, repr=False, eq=False)
    class Fake(LoadedResults):
        tree: object = None

    meta = Meta("Fake", {"a": 1}, DataInfo(40, 40), 0.9, "equal-tailed posterior", 3)
    table = pd.DataFrame({"kind": ["mu"], "lhs": ["a"], "op": [""], "rhs": [""], "group": [""], "estimate": [0.1],
                          "std_error": [0.2], "ci_low": [-0.2], "ci_high": [0.4]})
    fake = Fake(table=table, meta=meta, content={}, scoring=None,
                origin={"schema": "x", "schema_version": 1, "class": "x.Fake", "id": "0", "created": ""}, tree=tree)
    safe = em.load(em.save(fake, tmp_path / "safe.zip", posterior=True)).posterior
    assert set(safe.children) == {"posterior"} and set(safe["posterior"].data_vars) == {"mu"}
    np.testing.assert_array_equal(safe["posterior"]["mu"].values, tree["posterior"]["mu"].values)
    everything = em.load(em.save(fake, tmp_path / "all.zip", posterior=True, respondents=True)).posterior
    assert set(everything.children) == {"posterior", "log_likelihood", "observed_data"}
    assert set(everything["posterior"].data_vars) == {"mu", "theta"}


def test_a_chained_pls_and_churn_program_saved_with_the_churn_fit(pls_fit, survey, tmp_path):
    from expectmodel_scorer import chain, load_scorer, score

    index = score(pls_fit.scoring_spec(), survey)
    rng = np.random.default_rng(3)
    churned = (rng.random(len(index)) < 1 / (1 + np.exp(-(2.0 - 0.05 * index["Satisfaction_index"])))).astype(int)
    churn = em.churn.ChurnLogit(["Satisfaction_index"], seed=1).fit(index.assign(churn=churned).dropna())
    spec = chain(pls_fit.scoring_spec(), churn.scoring_spec(), keep=["Satisfaction_index", "p_churn"])
    path = em.save(churn, tmp_path / "pipeline.zip", scoring=spec)
    got = load_scorer(path).score(survey)
    assert got.columns.tolist() == ["Satisfaction_index", "p_churn"]
    pd.testing.assert_series_equal(got["Satisfaction_index"], index["Satisfaction_index"])
    want = churn.predict(index)  # the churn fit's own prediction on the PLS index
    np.testing.assert_allclose(got["p_churn"], want, rtol=0, atol=1e-12, equal_nan=True)
    assert em.load(path).to_frame().equals(churn.to_frame())


def test_table_codec_keeps_nullable_integers_and_refuses_bad_values():
    """A to_frame() column of nullable integers with a missing value round-trips (it raised a bare TypeError on
    load); a column whose stored values do not fit its dtype is an ExportError naming it."""
    from expectmodel.export._document import _decode_table, _encode_table

    frame = pd.DataFrame({"k": pd.array([1, None, 3], dtype="Int64"), "x": [0.5, float("nan"), 2.0],
                          "who": ["a", None, "c"]})
    back = _decode_table(json.loads(json.dumps(_encode_table(frame))))
    pd.testing.assert_frame_equal(back, frame, check_dtype=False)
    assert str(back["k"].dtype) == "Int64" and back["k"].isna().tolist() == [False, True, False]
    with pytest.raises(ExportError, match=r"column 'k' does not hold Int64 values"):
        _decode_table({"columns": ["k"], "dtypes": ["Int64"], "data": [[1, 2.5]], "index": None})
