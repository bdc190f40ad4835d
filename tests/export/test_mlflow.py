"""The MLflow pyfunc wrapper ("models from code"); skipped unless the ``mlflow`` extra is installed."""

from __future__ import annotations

import pandas as pd
import pytest

import expectmodel as em
from expectmodel.export import load_scorer
from expectmodel.export._mlflow import save_mlflow

mlflow = pytest.importorskip("mlflow.pyfunc")


def test_the_pyfunc_model_scores_like_the_bundle(pls_fit, survey, tmp_path, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", (tmp_path / "mlruns").as_uri())
    bundle = em.save(pls_fit, tmp_path / "ecsi.zip")
    folder = save_mlflow(bundle, tmp_path / "model")
    code = [p.name for p in folder.rglob("*.py")]
    assert code == ["expectmodel_bundle_model.py"]  # the code is in the model; no pickled object is
    assert not [p for p in folder.rglob("*") if p.suffix in (".pkl", ".pickle", ".cloudpickle")]
    model = mlflow.load_model(str(folder))
    got = model.predict(survey)
    pd.testing.assert_frame_equal(got, load_scorer(bundle).score(survey), check_exact=True)
