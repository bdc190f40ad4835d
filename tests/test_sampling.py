"""The shared Bayesian machinery: SamplerConfig, the gates, the pytensor configuration, the sampler lookup."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from expectmodel import sampling
from expectmodel.errors import ConvergenceError, MissingDependencyError, ParameterError


def test_sampler_config_validates_and_serialises():
    cfg = sampling.SamplerConfig(draws=100, seed=3, gates={"rhat": 1.05})
    assert cfg.gates == sampling.Gates(rhat=1.05)
    d = cfg.to_dict()
    assert d["draws"] == 100 and d["gates"]["rhat"] == 1.05 and d["seed"] == 3
    assert cfg.replace(chains=2).chains == 2 and cfg.chains == 4
    with pytest.raises(AttributeError):
        cfg.draws = 5  # frozen
    for bad, match in [({"draws": 0}, "draws must be an integer >= 1"),
                       ({"chains": 2.5}, "chains must be an integer"),
                       ({"sampler": "stan"}, "sampler must be one of 'auto', 'nutpie', 'pymc', 'numpyro'"),
                       ({"method": "hmc"}, "method must be one of 'nuts', 'advi', 'fullrank_advi'"),
                       ({"target_accept": 1.0}, r"target_accept must be a number in \(0, 1\)"),
                       ({"seed": -1}, "seed must be a non-negative integer or None"),
                       ({"gates": {"rhatt": 1.1}}, "gates must be a Gates or a dict"),
                       ({"strict": "yes"}, "strict must be True or False")]:
        with pytest.raises(ParameterError, match=match):
            sampling.SamplerConfig(**bad)


def test_configure_pytensor_respects_the_user_and_an_imported_pytensor(monkeypatch):
    monkeypatch.setenv("PYTENSOR_FLAGS", "floatX=float64")
    sampling.configure_pytensor()
    import os

    assert os.environ["PYTENSOR_FLAGS"] == "floatX=float64"
    monkeypatch.delenv("PYTENSOR_FLAGS")
    monkeypatch.setitem(__import__("sys").modules, "pytensor", object())
    sampling.configure_pytensor()  # too late: pytensor read its flags already
    assert "PYTENSOR_FLAGS" not in os.environ


def test_sampler_not_installed_names_the_extra(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None if name == "numpyro" else real(name))
    with pytest.raises(MissingDependencyError, match=r"pip install 'expectmodel\[gpu\]'"):
        sampling.resolve_sampler("numpyro")
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None if name == "nutpie" else real(name))
    with pytest.raises(MissingDependencyError, match=r"expectmodel\[bayes\]"):
        sampling.resolve_sampler("nutpie")
    assert sampling.resolve_sampler("auto") == "pymc"


def _tree(post, stats):
    import xarray as xr

    return xr.DataTree.from_dict({"posterior": post, "sample_stats": stats})


def test_convergence_gates_warn_or_raise():
    import xarray as xr

    rng = np.random.default_rng(0)
    post = xr.Dataset({"mu": (("chain", "draw", "k"), rng.normal(size=(2, 1000, 3)) + np.array([0, 3])[:, None, None])})
    stats = xr.Dataset({"diverging": (("chain", "draw"), np.zeros((2, 1000), bool)),
                        "energy": (("chain", "draw"), rng.normal(size=(2, 1000)))})
    diag = sampling.diagnose(_tree(post, stats), ["mu"], sampling.Gates())
    assert not diag.passed and diag.max_rhat > 1.5 and any("R-hat" in f for f in diag.failures)
    with pytest.warns(sampling.SamplingWarning, match="failed the convergence gates: max R-hat"):
        sampling.enforce(diag, strict=False, what="test fit")
    with pytest.raises(ConvergenceError, match="max R-hat"):
        sampling.enforce(diag, strict=True, what="test fit")
    good = post.assign(mu=post.mu - post.mu.mean("draw"))
    assert sampling.diagnose(_tree(good, stats), ["mu"], sampling.Gates()).passed
    stats_div = stats.assign(diverging=stats.diverging.copy(data=np.arange(2000).reshape(2, 1000) % 500 == 0))
    assert sampling.diagnose(_tree(good, stats_div), ["mu"], sampling.Gates()).failures == (
        "4 divergent transitions > 0",)
    # a failure names the parameter (and coordinate) that failed worst
    values = rng.normal(size=(2, 1000, 3))
    values[1, :, 2] += 3.0
    named = xr.Dataset({"mu": (("chain", "draw", "dimension"), values)}, coords={"dimension": ["a", "b", "c"]})
    diag = sampling.diagnose(_tree(named, stats), ["mu"], sampling.Gates())
    assert diag.worst["rhat"] == "mu[c]" and diag.failures[0].endswith("(mu[c])")


def test_an_approximation_is_not_gated():
    diag = sampling.diagnose(None, ["mu"], sampling.Gates(), method="advi")
    assert diag.passed is None and diag.verdict == "not applied (advi)" and np.isnan(diag.max_rhat)
    sampling.enforce(diag, strict=True, what="An ADVI fit")  # nothing to enforce: no error


def test_minibatch_advi_checks_its_model_and_data():
    import pymc as pm

    from expectmodel.sampling.backends import minibatch_advi

    assert "minibatch_advi" in sampling.config.METHODS
    with pm.Model(coords={"respondent": range(10)}) as batch:
        pm.Data("y", np.zeros(10))
        pm.Normal("mu", 0.0, 1.0)
    with pytest.raises(ParameterError, match="'x' is not a data container"):
        minibatch_advi(batch, {"x": np.zeros(100)}, n=100, draws=10, seed=1)
    with pytest.raises(ParameterError, match="has 50 rows, not n=100"):
        minibatch_advi(batch, {"y": np.zeros(50)}, n=100, draws=10, seed=1)
    with pytest.raises(ParameterError, match="no random variable of the model has 'respondent'"):
        minibatch_advi(batch, {"y": np.zeros(100)}, n=100, draws=10, seed=1)
