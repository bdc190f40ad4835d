"""Small fits (about 200-250 respondents, 2 chains) that still check recovery against the simulation truth.

The fits are session fixtures (tests/latent/conftest.py). The full recovery and calibration study
(85-95% coverage, the LOO confusion table) is ``benchmarks/recovery_latent.py``, run by the ``slow``
tests in ``test_latent_slow.py``.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from sklearn.base import clone

from expectmodel import latent, sampling
from expectmodel.errors import ConvergenceError, ParameterError, SpecError
from expectmodel.results import PARAMETER_COLUMNS
from tests.latent.conftest import STAGES, fast


def covered(table, truth, lo="ci_low", hi="ci_high") -> np.ndarray:
    truth = np.ravel(truth)
    return (table[lo].to_numpy() <= truth) & (truth <= table[hi].to_numpy())


def _cache_key(est, data):
    """The key of ``est``'s compiled model in the nutpie cache (the backend and the graph's structure)."""
    return (est.sampler_config().nutpie_backend, est._reuse_key(est._prepare(data)))


QUICK_GATES = {"rhat": 10.0, "ess_bulk": 1, "ess_tail": 1, "divergences": 10**6, "bfmi": 0.0}


def test_a_compiled_model_is_reused_on_new_data_with_identical_results(staged):
    """A second data set of the same structure reuses the compiled model (its answers swapped in as
    data); the draws equal those of a fresh compilation exactly, and differ from the first data's."""
    pytest.importorskip("nutpie")
    sim, first = staged
    other = latent.simulate_latent(240, link="gap", drivers=2, stages=STAGES, no_perception=("never used",),
                                   missing_rate=0.03, n_satisfaction=2, seed=8)
    est = latent.LatentExpectations(sim.design, link="gap",
                                    sampler=fast(draws=40, tune=40, chains=1, gates=QUICK_GATES))
    key = _cache_key(est, other.data)
    assert key in sampling._COMPILED  # the staged fit's
    reused = est.fit(other.data)
    compiled = sampling._COMPILED.pop(key)
    try:
        fresh = est.fit(other.data)
    finally:
        sampling._COMPILED[key] = compiled
    for name in ("mu", "theta", "Gamma", "beta_P", "cut"):
        np.testing.assert_array_equal(reused.posterior[name].values, fresh.posterior[name].values)
    assert not np.allclose(reused.posterior["mu"].values[0, -1], first.posterior["mu"].values[0, -1])


def test_levels_and_latent_gap_recovered(staged):
    sim, res = staged
    dims = res.dimensions()
    mu = sim.truth["mu"]
    for b, name in enumerate(("E", "P")):
        t = dims.xs(f"level_{name}", level="quantity")
        np.testing.assert_allclose(t["mean"], mu[b], atol=0.45)
    gap = dims.xs("gap_P-E", level="quantity")
    np.testing.assert_allclose(gap["mean"], mu[1] - mu[0], atol=0.4)
    hits = np.concatenate([covered(dims.xs(f"level_{n}", level="quantity"), mu[b]) for b, n in enumerate("EP")]
                          + [covered(gap, mu[1] - mu[0])])
    assert hits.mean() >= 0.7, hits
    assert res.diagnostics.passed and res.diagnostics.max_rhat < 1.05
    assert dims.attrs["ci_level"] == 0.9


def test_person_scores_track_truth_as_their_reliability_predicts(staged):
    sim, res = staged
    sc = res.scores()
    rel = res.score_reliability()
    E = sc["E_mean"].to_numpy().reshape(240, -1)
    for d in range(E.shape[1]):
        r = np.corrcoef(E[:, d], sim.truth["levels"][:, 0, d])[0, 1]
        expected = np.sqrt(rel.loc[("E", list(sim.design.dimensions)[d]), "reliability"])
        assert r > 0.75 and abs(r - expected) < 0.08, (d, r, expected)
    never = np.asarray(STAGES)[sim.truth["stage"]] == "never used"
    P = sc["P_mean"].to_numpy().reshape(240, -1)
    assert np.isnan(P[never]).all() and np.isfinite(P[~never]).all()
    gap_cols = sc[["gap_mean", "gap_ci_low", "gap_ci_high"]].to_numpy()
    assert np.all(gap_cols[~np.repeat(never, E.shape[1]), 1] <= gap_cols[~np.repeat(never, E.shape[1]), 2])


def test_satisfaction_link_and_drivers_recovered(staged):
    sim, res = staged
    link = res.link()
    bp = link.xs("beta_P", level="coefficient")
    assert covered(bp, sim.truth["beta_P"]).sum() >= 4
    r_sd = res.posterior["sat_resid_sd"].values.ravel()  # the residual is integrated out; its SD is sampled
    lo, hi = np.quantile(r_sd, [0.05, 0.95])
    assert lo <= sim.truth["sat_resid_sd"] <= hi and hi < 1.5  # the data inform it: the prior's 95% is 1.96
    drv = res.drivers()
    pooled = drv.loc["pooled"]
    assert np.corrcoef(pooled["mean"], sim.truth["Gamma_mean"].ravel())[0, 1] > 0.8
    assert covered(pooled, sim.truth["Gamma_mean"]).mean() >= 0.7
    assert set(drv.index.get_level_values("stage")) == {"pooled", *STAGES}
    raw = res.drivers(scale="raw")
    np.testing.assert_allclose(raw["mean"].to_numpy() * np.tile(np.repeat(res.layout.driver_sd, 5), 4),
                               drv["mean"].to_numpy(), rtol=1e-10)


def test_posterior_predictive_and_loo(staged):
    sim, res = staged
    ppc = res.ppc(draws=100)
    assert set(ppc.table.index.get_level_values("block")) == {"E", "P", "satisfaction"}
    assert ppc.coverage >= 0.75
    with warnings.catch_warnings(record=True) as caught:  # 2 x 400 draws: a k-hat above 0.7 now and then
        warnings.simplefilter("always")
        loo = res.loo()
    k_hat = np.asarray(loo.pareto_k)
    assert all("Pareto k-hat > 0.7" in str(w.message) for w in caught)  # nothing else is warned about
    assert (k_hat > 0.7).sum() <= 3
    answered = sim.data[["sat1", "sat2"]].notna().any(axis=1)
    assert k_hat.shape[-1] == int(answered.sum())
    ll = res.log_likelihood()
    assert ll["answers"].shape == (2, 400, 240)
    assert "log_likelihood" in res.tree.children  # stored at fit time; the results are never mutated


def test_tidy_frame_and_conf_int(staged):
    _sim, res = staged
    frame = res.to_frame()
    assert tuple(frame.columns[:len(PARAMETER_COLUMNS)]) == PARAMETER_COLUMNS
    assert frame.attrs["ci_level"] == 0.9
    assert {"level", "gap", "sigma", "loading", "offset", "cutpoint", "link", "driver", "correlation"} <= set(
        frame["kind"])
    dims = res.dimensions()
    gap = frame[frame["kind"] == "gap"].set_index("rhs")
    table = dims.xs("gap_P-E", level="quantity")
    np.testing.assert_allclose(gap["estimate"], table["mean"], rtol=1e-12)
    np.testing.assert_allclose(gap["ci_low"], table["ci_low"], rtol=1e-12)
    np.testing.assert_allclose(gap["std_error"], table["std_error"], rtol=1e-12)
    pooled = frame[(frame["kind"] == "driver") & (frame["group"] == "")]
    np.testing.assert_allclose(pooled["estimate"], res.drivers().loc["pooled"]["mean"], rtol=1e-12)
    half = res.conf_int(0.5)
    assert half.attrs["ci_level"] == 0.5
    assert np.all(half["ci_low"] >= frame["ci_low"] - 1e-12) and np.all(half["ci_high"] <= frame["ci_high"] + 1e-12)
    np.testing.assert_allclose(res.conf_int()["ci_low"], frame["ci_low"], rtol=1e-12)
    out = res.to_dict()
    assert out["schema"] == "expectmodel.latent" and out["schema_version"] == 1
    assert len(out["parameters"]) == len(frame) and "max_rhat" in out["diagnostics"]
    json.dumps(out)
    meta = res.meta
    assert meta.seed == 1 and meta.ci_level == 0.9 and meta["sampler"]["used"] in ("nutpie", "pymc")
    assert set(meta.params) == set(latent.LatentExpectations(res.design).get_params())
    assert meta.versions["pymc"]


def test_outputs(staged, tmp_path):
    _sim, res = staged
    text = str(res.summary())
    assert "gap_P-E" in text and "Satisfaction link" in text and "90% equal-tailed" in text
    assert "<table" in res._repr_html_() and "\\begin" in res.summary().as_latex()
    assert res.summary().as_csv().startswith("# Latent expectations")
    assert repr(res).startswith("<LatentResults: n=240") and "\n" not in repr(res)
    assert res.plot_gaps().get_title().startswith("Perception minus expectation")
    assert res.plot_drivers().get_title() == "Drivers of expectations by customer stage"
    assert len(res.ppc(draws=50).plot()) == 3
    params = res.parameters()
    assert {"mean", "r_hat", "ess_bulk"} <= set(params.columns)
    res.to_netcdf(tmp_path / "fit.nc")
    import xarray as xr

    back = xr.open_datatree(tmp_path / "fit.nc", engine="h5netcdf")
    meta = json.loads(back.attrs["expectmodel_meta"])
    assert meta["seed"] == 1 and meta["params"]["ci_level"] == 0.9 and "pymc" in meta["versions"]
    assert meta["sampler"]["draws"] == 400
    np.testing.assert_allclose(back["posterior"]["mu"].values, res.posterior["mu"].values)
    np.testing.assert_allclose(back["log_likelihood"]["answers"].values, res.log_likelihood()["answers"])


def test_results_are_frozen(staged):
    _sim, res = staged
    with pytest.raises(AttributeError):
        res.meta = None
    assert not hasattr(res, "store_log_likelihood")


def test_loo_prefers_the_generating_link(link_pair):
    _sim, fits = link_pair
    table = latent.compare(fits)
    assert table.index[0] == "gap", table
    assert -table.loc["perf", "elpd_diff"] > 2 * table.loc["perf", "dse"], table  # arviz 1: diff <= 0
    assert table.loc["gap", "weight"] > 0.7, table
    assert covered(fits["gap"].link().xs("beta_P", level="coefficient"), [1.0, 0.8]).all()


def test_conformance_case_recovers_the_truth(link_pair):
    """tests/_cases_latent.py: the case shares link_pair's compiled structure and recovers its truth."""
    from tests._cases_latent import latent_case

    estimator, data, check_truth = latent_case()
    assert _cache_key(estimator, data) in sampling._COMPILED
    res = estimator.fit(data)
    check_truth(res)
    gap_sd = res.to_frame().query("kind == 'gap'")["std_error"]
    assert gap_sd.between(0.05, 0.3).all(), gap_sd  # the spread check_truth's tolerance is stated against


def test_prior_predictive_is_not_piled_at_the_extremes(link_pair):
    sim, _ = link_pair
    est = latent.LatentExpectations(sim.design, link="gap")
    check = est.prior_predictive(sim.data, draws=100, seed=2)
    shares = check.table["predicted"]
    for block in ("E", "P", "satisfaction"):
        s = shares.loc[block]
        assert s.iloc[[0, -1]].sum() < 0.6, s
    assert check.kind == "prior"


def test_strict_fit_raises_on_failed_gates(link_pair):
    """Default gates on 2 x 30 draws fail (bulk ESS far below 400); the link_pair structure is reused."""
    sim, _ = link_pair
    est = latent.LatentExpectations(sim.design, link="gap",
                                    sampler=fast(draws=30, tune=30, seed=0, strict=True, gates=sampling.Gates()))
    with pytest.raises(ConvergenceError, match="failed the convergence gates"):
        est.fit(sim.data)
    with pytest.warns(sampling.SamplingWarning, match="failed the convergence gates"):
        res = est.set_params(sampler=est.sampler.replace(strict=False)).fit(sim.data)
    assert not res.diagnostics.passed and "FAILED" in repr(res)


def test_settings_are_checked_at_fit_and_clone_round_trips(link_pair):
    sim, _ = link_pair
    est = latent.LatentExpectations(sim.design, link="gap", batteries=["P", "E"], missing_values=-99,
                                    sampler=fast())
    twin = clone(est)
    assert twin.get_params() == est.get_params() and twin.batteries == ["P", "E"]  # stored unchanged
    assert est.config().batteries == ("E", "P")  # the design's order
    bad = latent.LatentExpectations(sim.design, link="ratio")  # constructing never raises
    with pytest.raises(ParameterError, match="cannot be identified from ordinal answers"):
        bad.fit(sim.data)
    with pytest.raises(ParameterError, match=r"person_parameterization must be one of 'noncentred', 'centred'"):
        latent.LatentExpectations(sim.design, person_parameterization="centered").fit(sim.data)
    with pytest.raises(ParameterError, match="ci_level must be a number in"):
        latent.LatentExpectations(sim.design, ci_level=90).fit(sim.data)
    with pytest.raises(ParameterError, match="non-empty subset of the design's batteries"):
        latent.LatentExpectations(sim.design, batteries=("X",)).fit(sim.data)
    with pytest.raises(ParameterError, match="needs invariance=True"):
        latent.LatentExpectations(sim.design, link="gap", invariance=False).fit(sim.data)
    with pytest.raises(SpecError, match="needs overall satisfaction items"):
        latent.LatentExpectations(latent.servqual_design(), link="gap").fit(sim.data)
    one = latent.Design(dimensions={"a": ["q1", "q2"]}, batteries={"P": "P_{item}"}, scale=(1, 5))
    with pytest.raises(SpecError, match="scale_usage=True needs two or more batteries"):
        latent.LatentExpectations(one, scale_usage=True).build(sim.data)
    with pytest.raises(ParameterError, match="sampler must be"):
        latent.LatentExpectations(sim.design, sampler={"draws": 10}).fit(sim.data)


def test_advi_quick_look_mode():
    sim = latent.simulate_latent(200, dimensions={"a": ("q1", "q2", "q3"), "b": ("q4", "q5", "q6")}, seed=8)
    est = latent.LatentExpectations(sim.design, sampler=sampling.SamplerConfig(method="advi", advi_steps=4000,
                                                                                draws=200, seed=0))
    res = est.fit(sim.data)
    # no gate applies to ADVI: nothing failed because nothing was measured
    assert res.diagnostics.method == "advi" and res.diagnostics.passed is None and np.isnan(res.diagnostics.max_rhat)
    assert "gates not applied (advi)" in repr(res) and "approximation" in str(res)
    assert res.meta["sampler"]["method"] == "advi" and res.diagnostics.extra["steps"] <= 4000
    gap = res.dimensions().xs("gap_P-E", level="quantity")["mean"].to_numpy()
    np.testing.assert_allclose(gap, sim.truth["mu"][1] - sim.truth["mu"][0], atol=0.35)


@pytest.mark.filterwarnings("ignore:There are not enough devices:UserWarning")  # one CPU device: chains in turn
def test_numpyro_backend_when_installed():
    """The graph is JAX-compatible (no boolean masks, LKJ Cholesky); runs where the gpu extra is installed."""
    pytest.importorskip("numpyro")
    sim = latent.simulate_latent(150, dimensions={"a": ("q1", "q2", "q3"), "b": ("q4", "q5", "q6")}, link="gap",
                                 drivers=2, stages=("x", "y"), seed=3)
    sampler = sampling.SamplerConfig(draws=200, tune=200, chains=2, seed=1, sampler="numpyro",
                                     gates={"rhat": 1.2, "ess_bulk": 20, "ess_tail": 20, "divergences": 5})
    res = latent.LatentExpectations(sim.design, link="gap", sampler=sampler).fit(sim.data)
    assert res.meta["sampler"]["used"] == "numpyro"
    gap = res.dimensions().xs("gap_P-E", level="quantity")["mean"].to_numpy()
    np.testing.assert_allclose(gap, sim.truth["mu"][1] - sim.truth["mu"][0], atol=0.35)
