"""The numpy-only scorer: strict specifications and input checks that name the column (issue 16, item 3)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from expectmodel_scorer import ScoringError, ScoringWarning, chain, check_spec, score
from expectmodel_scorer.programs import PROGRAMS, program
from tests.export.conftest import logit_spec


def _data(**cols) -> pd.DataFrame:
    base = {"sat": [4.0, 7.0, 10.0], "tenure": [1, 5, 12]}
    return pd.DataFrame({**base, **cols})


def test_logit_matches_the_formula():
    out = score(logit_spec(), _data())
    eta = 2.0 - 0.5 * np.array([4.0, 7.0, 10.0]) + 0.25 * np.array([1, 5, 12])
    np.testing.assert_allclose(out["p_churn"], 1 / (1 + np.exp(-eta)), rtol=1e-14)  # the textbook logistic


def test_missing_codes_become_nan_and_the_index_is_kept():
    data = _data(sat=[4.0, -99.0, 10.0]).set_index(pd.Index(["a", "b", "c"]))
    out = score(logit_spec(), data)
    assert out.index.tolist() == ["a", "b", "c"]
    assert np.isnan(out.loc["b", "p_churn"]) and out[["p_churn"]].drop("b").notna().all().all()


def test_a_missing_column_is_named():
    with pytest.raises(ScoringError, match=r"lack the input column\(s\) \['tenure'\]"):
        score(logit_spec(), _data().drop(columns="tenure"))


def test_extra_columns_ignored_warned_or_refused_by_name():
    data = _data(customer_id=[1, 2, 3])
    assert score(logit_spec(), data).shape == (3, 1)
    with pytest.warns(ScoringWarning, match="customer_id"):
        score(logit_spec(), data, extra="warn")
    with pytest.raises(ScoringError, match="customer_id"):
        score(logit_spec(), data, extra="raise")


def test_a_code_outside_the_scale_is_named_with_its_rows():
    with pytest.raises(ScoringError, match=r"column 'sat' holds codes outside its scale \[1, 10\] in 1 row\(s\) "
                                           r"\(index 2\)"):
        score(logit_spec(), _data(sat=[4.0, 7.0, 11.0]))


def test_a_wrong_dtype_is_named():
    with pytest.raises(ScoringError, match="column 'sat' must be numeric; got dtype"):
        score(logit_spec(), _data(sat=["4", "7", "ten"]))


def test_fractions_in_an_integer_column_are_named():
    with pytest.raises(ScoringError, match="column 'tenure' holds whole-number codes"):
        score(logit_spec(), _data(tenure=[1.0, 2.5, 3.0]))


def test_codes_and_binary_inputs_are_checked():
    spec = logit_spec()
    spec["inputs"][1] = {**spec["inputs"][1], "kind": "binary"}
    with pytest.raises(ScoringError, match="column 'tenure' is binary"):
        score(spec, _data(tenure=[0, 1, 2]))
    spec["inputs"][1] = {**spec["inputs"][1], "kind": "int", "codes": [1, 5, 12]}
    assert score(spec, _data()).shape == (3, 1)
    with pytest.raises(ScoringError, match=r"column 'tenure' holds codes outside \[1, 5, 12\]"):
        score(spec, _data(tenure=[1, 5, 13]))


def test_text_categories_are_read_as_their_position():
    spec = logit_spec(coef=(0.0, 1.0), intercept=0.0)
    spec["inputs"][1] = {"column": "tenure", "kind": "category", "codes": ["new", "old"]}
    out = score(spec, _data(tenure=["old", "new", None]))
    np.testing.assert_allclose(out["p_churn"][:2], [1 / (1 + np.exp(-1.0)), 0.5])
    assert np.isnan(out["p_churn"][2])
    with pytest.raises(ScoringError, match=r"column 'tenure' holds value\(s\) \['mid'\] outside its codes"):
        score(spec, _data(tenure=["old", "mid", "new"]))


@pytest.mark.parametrize("change, message", [
    (lambda s: s.update(program="exec"), "unknown scoring program 'exec'"),
    (lambda s: s.update(extra=1), r"unknown key\(s\) \['extra'\]"),
    (lambda s: s["inputs"][0].update(colour="red"), r"unknown key\(s\) \['colour'\]"),
    (lambda s: s["settings"].update(hinges=[[0, 5]], surprise=1), "surprise"),
    (lambda s: s["arrays"].update(coef=np.array([[1.0, 2.0]])), "has 2 dimension"),
    (lambda s: s["arrays"].update(coef=np.array([np.inf, 1.0])), "non-finite"),
    (lambda s: s["settings"].update(intercept=float("nan")), "must be finite"),
    (lambda s: s["settings"].pop("intercept"), r"lacks \['intercept'\]"),
    (lambda s: s["inputs"][0].update(kind="complex"), "has kind 'complex'"),
    (lambda s: s["inputs"][0].update(scale=[10, 1]), "low is above high"),
    (lambda s: s.update(outputs=["p", "p"]), "distinct names"),
])
def test_an_invalid_specification_is_refused_by_name(change, message):
    spec = logit_spec()
    spec["inputs"] = [dict(e) for e in spec["inputs"]]
    change(spec)
    with pytest.raises(ScoringError, match=message):
        check_spec(spec)


def test_a_program_returning_the_wrong_shape_is_refused(monkeypatch):
    prog = program("logit")
    monkeypatch.setattr(prog, "score", lambda arrays, settings, X: np.zeros((len(X), 2)))
    with pytest.raises(ScoringError, match=r"returned shape \(3, 2\)"):
        score(logit_spec(), _data())


def test_every_listed_program_module_declares_the_contract():
    import importlib.util

    for name, module in PROGRAMS.items():
        if importlib.util.find_spec(f"expectmodel_scorer.programs.{module}") is None:
            continue  # a family's program that has not landed yet
        prog = program(name)
        assert isinstance(prog.ARRAYS, dict) and isinstance(prog.SETTINGS, tuple) and callable(prog.score), name


def test_a_pipeline_chains_programs_by_column_name():
    first = logit_spec()
    second = {"program": "logit", "inputs": [{"column": "p_churn", "kind": "float"},
                                             {"column": "sat", "kind": "float", "scale": [1, 10]}],
              "outputs": ["q"], "arrays": {"coef": np.array([2.0, 0.1])}, "settings": {"intercept": -1.0}}
    spec = chain(first, second)
    assert [e["column"] for e in spec["inputs"]] == ["sat", "tenure"] and spec["outputs"] == ["p_churn", "q"]
    data = _data()
    out = score(spec, data)
    p = score(first, data)["p_churn"]
    eta = -1.0 + 2.0 * p + 0.1 * data["sat"]
    np.testing.assert_allclose(out["q"], 1 / (1 + np.exp(-eta)), rtol=1e-14)
    np.testing.assert_array_equal(out["p_churn"], p)
    with pytest.raises(ScoringError, match="neither pipeline inputs nor earlier outputs"):
        bad = {**spec, "settings": {**spec["settings"], "steps": [spec["settings"]["steps"][1]]}}
        check_spec(bad)
    with pytest.raises(ScoringError, match=r"lacks '1.coef'"):
        check_spec({**spec, "arrays": {"0.coef": spec["arrays"]["0.coef"]}})


def test_importing_the_scorer_loads_neither_expectmodel_nor_the_heavy_stack():
    import json
    import subprocess
    import sys

    code = ("import json, sys; import expectmodel_scorer; from expectmodel_scorer import load_scorer, chain; "
            "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))")
    loaded = set(json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                           check=True).stdout))
    assert not loaded & {"expectmodel", "scipy", "statsmodels", "sklearn", "pymc", "pytensor", "arviz", "matplotlib"}
