"""fit -> save -> load_scorer -> score, for every results class that can score new data (issue 16, acceptance).

The estimators are those of the conformance suite (``tests/test_conformance.py``: PLS, MultiGroupPLS and
every ``tests/_cases_<family>.py``), so a family that lands joins here too. For each fit with
``scoring_spec()``:

- the bundle is scored in a separate interpreter that has only a copy of the ``expectmodel_scorer``
  folder, with expectmodel, pymc, pytensor, statsmodels, scikit-learn, scipy, arviz and matplotlib
  blocked from import; its output equals the in-process ``score(results.scoring_spec(), data)`` to 1e-9;
- the in-package prediction (``predict``, else ``transform``: each family's own shape, index and types)
  is made twice, once as usual and once with its call of ``expectmodel_scorer.score`` answered by the
  bundle scored in that other process; the two agree to 1e-9;
- ``load`` gives an equal ``to_frame()``, and ``meta``, ``to_dict()`` and the scoring spec survive.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import expectmodel as em
import expectmodel_scorer
from expectmodel_scorer.bundle import encode_spec
from tests import test_conformance as conformance

BLOCKED = ("expectmodel", "pymc", "pytensor", "statsmodels", "sklearn", "scipy", "arviz", "matplotlib", "numba",
           "jax")
TOL = 1e-9

SCRIPT = textwrap.dedent("""
    import importlib.abc, json, sys
    BLOCKED = set({blocked!r})

    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError(f"{{name}} is blocked in this process")
            return None

    sys.meta_path.insert(0, Block())
    sys.path.insert(0, {copy!r})
    import pandas as pd
    from expectmodel_scorer import load_scorer

    data = pd.read_parquet({data!r})
    out = load_scorer({bundle!r}).score(data)
    out.to_parquet({out!r})
    import expectmodel_scorer
    print(json.dumps({{"file": expectmodel_scorer.__file__,
                      "loaded": sorted({{m.split(".")[0] for m in sys.modules}} & BLOCKED)}}))
""")

CASE_IDS = list(conformance.CASE_IDS)


def _case(name: str):
    if name in conformance.FAMILIES:
        import importlib

        return importlib.import_module(conformance.FAMILIES[name]).case(name)
    return next(c for c in conformance.CASES if c.name == name)


@pytest.fixture(scope="module", params=CASE_IDS)
def fit(request):
    case = _case(request.param)
    res = conformance.fitted(case)  # one fit per case and session, shared with the conformance suite
    if not callable(getattr(res, "scoring_spec", None)):
        pytest.skip(f"{type(res).__name__} does not score new data (no scoring_spec)")
    return case, res


def _synthetic(spec: dict, n: int = 300, seed: int = 0) -> pd.DataFrame:
    """Rows drawn inside each input's codes, scale or training range (for fits whose data are not rows to score)."""
    rng = np.random.default_rng(seed)
    out = {}
    for e in spec["inputs"]:
        if e.get("codes"):
            out[e["column"]] = rng.choice(np.asarray(e["codes"]), size=n)
            continue
        low, high = e.get("range") or e.get("scale") or ((0, 1) if e.get("kind") == "binary" else (0, 10))
        if e.get("kind") in ("int", "binary"):
            out[e["column"]] = rng.integers(int(np.ceil(low)), int(np.floor(high)) + 1, size=n)
        else:
            out[e["column"]] = rng.uniform(low, high, size=n)
    return pd.DataFrame(out)


def _scoring_data(case, res) -> pd.DataFrame:
    data = case.data()
    data = data.data if hasattr(data, "data") and not isinstance(data, pd.DataFrame) else data
    spec = res.scoring_spec()
    columns = [e["column"] for e in spec["inputs"]]
    if not isinstance(data, pd.DataFrame) or any(c not in data.columns for c in columns):
        return _synthetic(spec)  # e.g. sBG: fitted on cohort counts, scores a customer's tenure
    return data[columns].copy()


def _predict(res, data: pd.DataFrame):
    for name in ("predict", "transform"):
        method = getattr(res, name, None)
        if callable(method):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return method(data)
    return None


def _score_elsewhere(tmp: Path, bundle: Path, data: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    copy = tmp / "copied"
    shutil.copytree(Path(expectmodel_scorer.__file__).parent, copy / "expectmodel_scorer",
                    ignore=shutil.ignore_patterns("__pycache__"))
    data_path, out_path = tmp / "in.parquet", tmp / "out.parquet"
    data.to_parquet(data_path)
    code = SCRIPT.format(blocked=BLOCKED, copy=str(copy), data=str(data_path), bundle=str(bundle), out=str(out_path))
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp)
    assert run.returncode == 0, run.stderr
    return pd.read_parquet(out_path), json.loads(run.stdout.strip().splitlines()[-1])


def test_the_bundle_scores_like_the_package_in_a_process_without_expectmodel(fit, tmp_path, monkeypatch):
    case, res = fit
    data = _scoring_data(case, res)
    bundle = em.save(res, tmp_path / "model.zip")
    spec = res.scoring_spec()
    saved = json.dumps(encode_spec(spec), sort_keys=True)
    real, runs = expectmodel_scorer.score, []

    def elsewhere(frame: pd.DataFrame) -> pd.DataFrame:
        """Score ``frame`` with the bundle in the other process; check it against the in-process scorer."""
        out, facts = _score_elsewhere(tmp_path / f"run{len(runs)}", bundle, frame)
        assert facts["loaded"] == [], f"the scorer imported {facts['loaded']}"
        assert facts["file"].startswith(str(tmp_path)), facts  # the copied folder, not the package
        here = real(spec, frame)
        assert list(out.columns) == list(here.columns) == list(spec["outputs"])
        np.testing.assert_allclose(out.to_numpy(), here.to_numpy(), rtol=0, atol=TOL, equal_nan=True)
        runs.append(len(frame))
        out.index = frame.index
        return out

    # the in-package prediction (predict, else transform), made as usual and made with every call of the
    # scorer under this bundle's spec answered by the bundle scored in the other process: they agree
    direct = _predict(res, data)
    if direct is None:  # no in-package prediction: the bundle against the in-process scorer only
        elsewhere(data)
        return

    def bundled(spec_, frame, **kwargs):
        if json.dumps(encode_spec(spec_), sort_keys=True) != saved:
            return real(spec_, frame, **kwargs)
        return elsewhere(frame)

    monkeypatch.setattr(expectmodel_scorer, "score", bundled)
    via_bundle = _predict(res, data)
    monkeypatch.setattr(expectmodel_scorer, "score", real)
    assert runs, f"{type(res).__name__}.predict/transform did not score through expectmodel_scorer.score"
    compare = pd.testing.assert_series_equal if isinstance(direct, pd.Series) else pd.testing.assert_frame_equal
    compare(via_bundle, direct, check_exact=False, rtol=0, atol=TOL)


def test_load_gives_an_equal_parameter_table(fit, tmp_path):
    _, res = fit
    for target in (tmp_path / "folder", tmp_path / "bundle.zip"):
        back = em.load(em.save(res, target))
        pd.testing.assert_frame_equal(back.to_frame(), res.to_frame())
        assert back.meta.to_dict() == json.loads(json.dumps(res.meta.to_dict()))
        assert back.to_dict() == json.loads(json.dumps(res.to_dict()))
        spec, saved = res.scoring_spec(), back.scoring_spec()
        assert saved["program"] == spec["program"] and saved["outputs"] == list(spec["outputs"])
        for name, arr in spec["arrays"].items():
            np.testing.assert_array_equal(saved["arrays"][name], np.asarray(arr, dtype=float))  # exact
