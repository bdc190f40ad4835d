"""The contract every estimator and results class keeps (ARCHITECTURE §1), checked for each family.

A family joins with a module ``tests/_cases_<family>.py`` that defines ``NAMES`` (its case names, cheap
to import) and ``case(name) -> Case`` (built on first use; see ``tests/_case.py``); the modules are
discovered. The last tests run the checks on a deliberately broken toy estimator and show that each
check catches the breach it is written for.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

import expectmodel as em
from expectmodel._base import Estimator, InstanceOf, Interval, OneOf
from expectmodel.errors import ExpectmodelError, ParameterError
from expectmodel.results import PARAMETER_COLUMNS, DataInfo, Meta, ResultsBase
from expectmodel.sem import MultiGroupPLS
from expectmodel.summary import Summary
from tests._case import Case

# -- PLS: PLSc on a reflective model, n = 2,000 -------------------------------------------------------------
SMALL = em.Model.from_syntax("""
    Quality      =~ q1 + q2 + q3
    Value        =~ v1 + v2 + v3
    Satisfaction =~ s1 + s2 + s3
    Value        ~ Quality
    Satisfaction ~ Quality + Value
""")
SMALL_PATHS = {"Quality->Value": 0.5, "Quality->Satisfaction": 0.3, "Value->Satisfaction": 0.4}


def _small_survey(seed: int = 11) -> em.simulate.SimulatedSurvey:
    return em.simulate.survey(SMALL, 2_000, paths=SMALL_PATHS, loadings=0.8, seed=seed)


def _pls_truth(res: ResultsBase) -> None:
    # Monte Carlo SD of a PLSc path at n = 5,000 is 0.012-0.018 (benchmarks/recovery_pls.py), so about
    # 0.03 at n = 2,000: atol 0.1 is more than 3 SDs; plain PLS would miss by its attenuation.
    got = res.to_frame().query("kind == 'path'").set_index(["rhs", "lhs"])["estimate"]
    for key, value in SMALL_PATHS.items():
        assert abs(got[tuple(key.split("->"))] - value) < 0.1, (key, got[tuple(key.split("->"))], value)


def _two_groups() -> pd.DataFrame:
    return em.simulate.survey_by_group(SMALL, {
        "first-time": {"n": 1500, "paths": {**SMALL_PATHS, "Quality->Satisfaction": 0.1}},
        "long-term": {"n": 1500, "paths": {**SMALL_PATHS, "Quality->Satisfaction": 0.6}},
    }, seed=5)


def _groups_truth(res: ResultsBase) -> None:
    # per group n = 1,500: Monte Carlo SD about 0.035 (as above), atol 0.12
    frame = res.to_frame().query("kind == 'path' and rhs == 'Quality' and lhs == 'Satisfaction'")
    got = frame.set_index("group")["estimate"]
    assert abs(got["first-time"] - 0.1) < 0.12 and abs(got["long-term"] - 0.6) < 0.12, got


CASES: list[Case] = [
    Case("PLS", lambda: em.PLS(SMALL, consistent=True, bootstrap=50, seed=3), lambda: _small_survey().data,
         ("scheme", "centriod"), _pls_truth),
    Case("MultiGroupPLS", lambda: MultiGroupPLS(em.PLS(SMALL, consistent=True, bootstrap=50, seed=2), by="stage"),
         _two_groups,
         ("by", 3), _groups_truth),
]

# the other families' cases: tests/_cases_<family>.py, each with NAMES and case(name)
FAMILIES = {
    name: f"tests.{path.stem}"
    for path in sorted(Path(__file__).parent.glob("_cases_*.py"))
    for name in importlib.import_module(f"tests.{path.stem}").NAMES
}
CASE_IDS = [c.name for c in CASES] + list(FAMILIES)


@pytest.fixture(scope="module", params=CASE_IDS)
def case(request) -> Case:
    if request.param in FAMILIES:
        return importlib.import_module(FAMILIES[request.param]).case(request.param)
    return next(c for c in CASES if c.name == request.param)


_FITS: dict[str, ResultsBase] = {}


def fitted(case: Case) -> ResultsBase:
    """One fit per case and session (the latent model compiles once)."""
    if case.name not in _FITS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # smoke-sized fits may warn; the checks are about the contract
            _FITS[case.name] = case.make().fit(case.data())
    return _FITS[case.name]


# -- the checks (plain functions, so the broken toy below can be run through them) ------------------------
def check_clone(est: Estimator) -> None:
    twin = clone(est)
    assert type(twin) is type(est)
    mine, theirs = est.get_params(deep=False), twin.get_params(deep=False)
    assert mine.keys() == theirs.keys()
    for name, value in mine.items():
        if isinstance(value, Estimator):  # a nested estimator: the same settings
            check_clone(value)
            assert type(theirs[name]) is type(value), f"clone changed {name}"
            assert repr(theirs[name].get_params(deep=False)) == repr(value.get_params(deep=False))
        else:
            assert theirs[name] == value or theirs[name] is value, f"clone changed {name}"


def check_init_stores_only(est: Estimator, bad_param: tuple[str, Any]) -> None:
    params = est.get_params(deep=False)
    stored = {k: v for k, v in vars(est).items() if not k.startswith("_") and not k.endswith("_")}
    assert stored.keys() == params.keys(), f"__init__ stores {sorted(stored)} but takes {sorted(params)}"
    name, value = bad_param
    type(est)(**{**params, name: value})  # __init__ must accept it; fit refuses it


def check_bad_param_refused_in_fit(est: Estimator, bad_param: tuple[str, Any], data: pd.DataFrame) -> None:
    name, value = bad_param
    with pytest.raises(ParameterError, match=name):
        type(est)(**{**est.get_params(deep=False), name: value}).fit(data)


def check_bad_data_is_an_expectmodel_error(est: Estimator) -> None:
    params = est.get_params(deep=False)
    with pytest.raises(ExpectmodelError):
        type(est)(**params).fit("not a data frame")
    with pytest.raises(ExpectmodelError):
        type(est)(**params).fit(pd.DataFrame({"unrelated": [1.0, 2.0, 3.0]}))


def check_results(res: Any, est: Estimator) -> None:
    assert isinstance(res, ResultsBase), "fit must return a ResultsBase"
    frame = res.to_frame()
    assert tuple(frame.columns[: len(PARAMETER_COLUMNS)]) == PARAMETER_COLUMNS, "to_frame() column order"
    assert len(frame) > 0 and frame["estimate"].notna().any()
    assert isinstance(res.meta, Meta)
    assert set(res.meta.params) == set(est.get_params(deep=False)), "meta must record every __init__ parameter"
    recorded = res.meta.to_dict()["params"]
    assert recorded == json.loads(json.dumps(est.settings())), "meta must record the settings' values"
    assert res.meta.estimator == type(est).__name__
    # a seed or sampler setting of its own or of a wrapped estimator means random steps
    if any(k.rsplit("__", 1)[-1] in ("seed", "sampler") for k in est.get_params(deep=True)):
        assert isinstance(res.meta.seed, int), "the resolved seed must be recorded"
    else:  # an estimator without random steps records none, rather than a seed that did nothing
        assert res.meta.seed is None, "an estimator without a seed setting must record seed=None"
        assert res.meta.conventions.get("random steps") == "none", "say in the conventions that nothing is random"
    assert 0 < res.meta.ci_level < 1 and res.meta.ci_method
    assert res.meta.versions.get("expectmodel")
    with pytest.raises((AttributeError, TypeError)):
        res.meta.ci_level = 0.5  # frozen
    first = next(f.name for f in dataclasses.fields(res))
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(res, first, None)  # the results object itself is frozen


def check_reporting(res: ResultsBase) -> None:
    assert "\n" not in repr(res) and repr(res).startswith(f"<{type(res).__name__}"), "repr must be one line"
    summary = res.summary()
    assert isinstance(summary, Summary)
    for text in (summary.as_text(), summary.as_html(), summary.as_latex(), summary.as_csv()):
        assert isinstance(text, str) and len(text) > 50
    assert str(res) == summary.as_text() and res._repr_html_() == summary.as_html()
    out = json.loads(json.dumps(res.to_dict(), allow_nan=False))
    assert out["schema"].startswith("expectmodel.") and isinstance(out["schema_version"], int)


def check_conf_int(res: ResultsBase) -> None:
    wide, narrow = res.conf_int(0.95), res.conf_int(0.5)
    assert narrow.attrs["ci_level"] == 0.5
    ok = wide["ci_low"].notna() & narrow["ci_low"].notna()
    assert ok.any()
    assert (wide.loc[ok, "ci_low"] <= narrow.loc[ok, "ci_low"] + 1e-12).all()
    assert (wide.loc[ok, "ci_high"] >= narrow.loc[ok, "ci_high"] - 1e-12).all()
    with pytest.raises(ParameterError, match="level"):
        res.conf_int(1.5)
    # at the fit's own level, the stored draws give to_frame()'s intervals
    own = res.conf_int()
    table = res.to_frame().merge(own, on=[*PARAMETER_COLUMNS[:5]], suffixes=("", "_draws"))
    assert len(table) == len(own)
    np.testing.assert_allclose(table["ci_low_draws"], table["ci_low"], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(table["ci_high_draws"], table["ci_high"], rtol=1e-10, atol=1e-12)


# -- the suite ----------------------------------------------------------------------------------------------
def test_clone_round_trips(case):
    check_clone(case.make())


def test_init_does_no_work(case):
    check_init_stores_only(case.make(), case.bad_param)


def test_fit_refuses_a_bad_setting_by_name(case):
    check_bad_param_refused_in_fit(case.make(), case.bad_param, case.data())


def test_bad_data_raise_expectmodel_errors(case):
    check_bad_data_is_an_expectmodel_error(case.make())


def test_results_contract(case):
    check_results(fitted(case), case.make())


def test_reporting_contract(case):
    check_reporting(fitted(case))


def test_conf_int_from_stored_draws(case):
    check_conf_int(fitted(case))


def test_recovers_its_simulators_truth(case):
    case.check_truth(fitted(case))


def test_seed_none_is_resolved_and_recorded():
    data = _small_survey().data
    res = em.PLS(SMALL, bootstrap=20).fit(data)
    again = em.PLS(SMALL, bootstrap=20, seed=res.meta.seed).fit(data)
    assert isinstance(res.meta.seed, int)
    pd.testing.assert_frame_equal(res.to_frame(), again.to_frame())  # the recorded seed repeats the run


def test_compare_puts_fits_side_by_side():
    data = _small_survey().data
    a, b = em.PLS(SMALL).fit(data), em.PLS(SMALL, consistent=True).fit(data)
    table = em.results.compare(a, b, names=["PLS", "PLSc"])
    assert list(table.columns) == ["PLS", "PLSc"]
    for name, fit in (("PLS", a), ("PLSc", b)):  # each column is that fit's estimates, row for row
        own = fit.to_frame().set_index(list(PARAMETER_COLUMNS[:5]))["estimate"]
        pd.testing.assert_series_equal(table[name].reindex(own.index), own, check_names=False)
    with pytest.raises(ParameterError, match="names"):
        em.results.compare(a, b, names=["same", "same"])


# -- a deliberately broken estimator: each check must catch its breach ---------------------------------------
class BrokenToy(Estimator):
    """A mean estimator that breaks the contract in every way the checks look for."""

    _parameter_constraints: ClassVar[dict[str, list]] = {"centre": [OneOf("mean", "median")],
                                                         "level": [Interval(float, 0, 1)]}

    def __init__(self, centre="mean", level=0.9, columns=("x",)):
        if centre not in ("mean", "median"):  # validates in __init__
            raise ValueError("bad centre")
        self.centre = centre
        self.level = level
        self.columns = list(columns)  # rewrites a parameter: clone cannot round-trip

    def fit(self, data):
        x = np.asarray(data[self.columns[0]], dtype=float)  # a KeyError or TypeError from deep inside
        return _BrokenResults(float(x.mean()))


class StatefulToy(BrokenToy):
    def __init__(self, centre="mean", level=0.9, columns=("x",)):
        super().__init__(centre, level, columns)
        self.cache = {}  # state that is not a parameter


@dataclass
class _BrokenResults:
    value: float
    meta: dict | None = None

    def to_frame(self):
        return pd.DataFrame({"estimate": [self.value], "kind": ["mean"]})

    def __repr__(self):
        return "BrokenResults(\n  value=...\n)"


def test_the_checks_catch_a_broken_estimator():
    toy = BrokenToy()
    data = pd.DataFrame({"x": [1.0, 2.0, 3.0]})
    with pytest.raises(RuntimeError, match="Cannot clone"):  # __init__ rewrote `columns`
        check_clone(toy)
    with pytest.raises(AssertionError, match="__init__ stores"):  # `cache` is state, not a parameter
        check_init_stores_only(StatefulToy(), ("level", 2.0))
    with pytest.raises(ValueError, match="bad centre"):  # __init__ validates
        check_init_stores_only(toy, ("centre", "mode"))
    with pytest.raises(pytest.fail.Exception, match="DID NOT RAISE"):  # fit accepts level=2 silently
        check_bad_param_refused_in_fit(toy, ("level", 2.0), data)
    with pytest.raises(TypeError):  # a raw error from deep inside, not an ExpectmodelError
        check_bad_data_is_an_expectmodel_error(toy)
    with pytest.raises(AssertionError, match="ResultsBase"):
        check_results(toy.fit(data), toy)


def test_the_checks_catch_broken_results():
    """Results that subclass the base but break the table order, the repr and the frozen meta."""

    class Loose(ResultsBase):
        def __init__(self):
            self.meta = Meta("PLS", {}, DataInfo(3, 3), 0.9, "none")

        def to_frame(self):
            return pd.DataFrame({"estimate": [1.0], "kind": ["mean"], "lhs": ["x"]})

        def summary(self, digits=3):
            return Summary("loose")

        def _repr_facts(self):
            return "one\nline too many"

        def _to_dict(self):
            return {}

        def _draws_frame(self):
            return None

    res = Loose()
    with pytest.raises(AssertionError, match="column order"):
        check_results(res, em.PLS(SMALL))
    with pytest.raises(AssertionError, match="one line"):
        check_reporting(res)
    with pytest.raises(ParameterError, match="stored draws"):
        check_conf_int(res)


def test_parameter_constraints_name_the_allowed_values():
    class Toy(Estimator):
        _parameter_constraints: ClassVar[dict[str, list]] = {"kind": [OneOf("a", "b")], "n": [Interval(int, 1, None)],
                                  "label": [None, InstanceOf(str)]}

        def __init__(self, kind="a", n=1, label=None):
            self.kind, self.n, self.label = kind, n, label

    Toy().validate_params()
    with pytest.raises(ParameterError, match=r"kind must be one of 'a', 'b'; got 'c'"):
        Toy(kind="c").validate_params()
    with pytest.raises(ParameterError, match=r"n must be an integer in \[1, inf\); got 0"):
        Toy(n=0).validate_params()
    with pytest.raises(ParameterError, match=r"label must be None or a str; got 3"):
        Toy(label=3).validate_params()
    assert isinstance(ParameterError("x"), ValueError) and isinstance(ParameterError("x"), ExpectmodelError)
