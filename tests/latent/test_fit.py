"""Small fits (about 200-250 respondents, 2 chains) that still check recovery against the simulation truth.

The full recovery and calibration study (85-95% coverage, the LOO confusion table) is
``benchmarks/recovery_latent.py``, run by the ``slow`` test in ``test_latent_slow.py``.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from expectmodel import bayes, latent
from expectmodel.errors import ConvergenceError

# Short chains for CI: the gates are relaxed here (and tested on their own in test_convergence_gates_*).
FAST = dict(draws=300, tune=300, chains=2, seed=1, gates={"rhat": 1.05, "ess_bulk": 50, "ess_tail": 50})
STAGES = ("never used", "first-time", "long-term")


def covered(table, truth, lo="lower_90%", hi="upper_90%") -> np.ndarray:
    truth = np.ravel(truth)
    return (table[lo].to_numpy() <= truth) & (truth <= table[hi].to_numpy())


@pytest.fixture(scope="module")
def staged():
    """Gap link, drivers by stage, never-used customers without a P battery, a few missing answers, two
    satisfaction items sharing a respondent residual (SD 0.5)."""
    sim = latent.simulate_latent(240, link="gap", drivers=2, stages=STAGES, no_perception=("never used",),
                                 missing_rate=0.03, n_satisfaction=2, seed=7)
    res = latent.LatentExpectations(sim.design, link="gap").fit(sim.data, **{**FAST, "draws": 400, "tune": 400})
    return sim, res


def test_a_compiled_model_is_reused_on_new_data_with_identical_results(staged):
    """A second data set of the same structure reuses the compiled model (its answers swapped in as
    data); the draws equal those of a fresh compilation exactly, and differ from the first data's."""
    pytest.importorskip("nutpie")
    sim, first = staged
    other = latent.simulate_latent(240, link="gap", drivers=2, stages=STAGES, no_perception=("never used",),
                                   missing_rate=0.03, n_satisfaction=2, seed=8)
    est = latent.LatentExpectations(sim.design, link="gap")
    quick = {**FAST, "draws": 40, "tune": 40, "chains": 1,
             "gates": {"rhat": 10.0, "ess_bulk": 1, "ess_tail": 1, "divergences": 10**6, "bfmi": 0.0}}
    assert latent.model._structure(est, est.layout(est._data(other.data))) in bayes._COMPILED  # the staged fit's
    reused = est.fit(other.data, **quick)
    bayes._COMPILED.clear()
    fresh = est.fit(other.data, **quick)
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
    gap_cols = sc[["gap_mean", "gap_lower_90%", "gap_upper_90%"]].to_numpy()
    assert np.all(gap_cols[~np.repeat(never, E.shape[1]), 1] <= gap_cols[~np.repeat(never, E.shape[1]), 2])


def test_satisfaction_link_and_drivers_recovered(staged):
    sim, res = staged
    link = res.link()
    bp = link.xs("beta_P", level="coefficient")
    assert covered(bp, sim.truth["beta_P"]).sum() >= 4
    r_sd = res.posterior["sat_resid_sd"].values.ravel()  # the residual is integrated out; its SD is sampled
    lo, hi = np.quantile(r_sd, [0.05, 0.95])
    assert lo <= sim.truth["sat_resid_sd"] <= hi and hi < 1.5  # the data inform it: the prior's 95% is 1.96
    np.testing.assert_allclose(link.xs("beta_sum", level="coefficient")["mean"], 0.0, atol=1e-12)
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
    assert loo.elpd < 0 and k_hat.shape[-1] == int(answered.sum())
    ll = res.log_likelihood()
    assert ll["answers"].shape == (2, 400, 240)


def test_outputs(staged, tmp_path):
    _sim, res = staged
    text = str(res.summary())
    assert "gap_P-E" in text and "Satisfaction link" in text and "90% equal-tailed" in text
    assert "<table" in res._repr_html_()
    assert res.plot_gaps().get_title().startswith("Perception minus expectation")
    assert res.plot_drivers().get_title() == "Drivers of expectations by customer stage"
    assert len(res.ppc(draws=50).plot()) == 3
    params = res.parameters()
    assert {"mean", "r_hat", "ess_bulk"} <= set(params.columns)
    res.to_netcdf(tmp_path / "fit.nc")
    import xarray as xr

    back = xr.open_datatree(tmp_path / "fit.nc", engine="h5netcdf")
    meta = json.loads(back.attrs["expectmodel_meta"])
    assert meta["settings"]["seed"] == 1 and meta["settings"]["ci_prob"] == 0.9 and "pymc" in meta["versions"]
    np.testing.assert_allclose(back["posterior"]["mu"].values, res.posterior["mu"].values)
    np.testing.assert_allclose(back["log_likelihood"]["answers"].values, res.log_likelihood()["answers"])


@pytest.fixture(scope="module")
def link_pair():
    """Data generated under the gap rule (beta_E = -beta_P) with strong effects; fitted with the gap and perf links.

    (The reverse, a gap model fitted to SERVPERF data with only two dimensions, is bimodal: beta_P can
    trade signs between the dimensions. The convergence gates catch it; the slow study covers it.)
    """
    dims = {"a": ("q1", "q2", "q3", "q4"), "b": ("q5", "q6", "q7", "q8")}
    sim = latent.simulate_latent(250, dimensions=dims, link="gap", truth={"beta_P": [1.0, 0.8]}, seed=3)
    fits = {}
    for link in ("perf", "gap"):
        fits[link] = latent.LatentExpectations(sim.design, link=link).fit(sim.data, **{**FAST, "draws": 400,
                                                                                         "tune": 400})
    return sim, fits


def test_loo_prefers_the_generating_link(link_pair):
    _sim, fits = link_pair
    table = latent.compare(fits)
    assert table.index[0] == "gap", table
    assert -table.loc["perf", "elpd_diff"] > 2 * table.loc["perf", "dse"], table  # arviz 1: diff <= 0
    assert table.loc["gap", "weight"] > 0.7, table
    assert covered(fits["gap"].link().xs("beta_P", level="coefficient"), [1.0, 0.8]).all()


def test_prior_predictive_is_not_piled_at_the_extremes(link_pair):
    sim, _ = link_pair
    est = latent.LatentExpectations(sim.design, link="gap")
    check = est.prior_predictive(sim.data, draws=100, seed=2)
    shares = check.table["predicted"]
    for block in ("E", "P", "satisfaction"):
        s = shares.loc[block]
        assert s.iloc[[0, -1]].sum() < 0.6, s
    assert check.kind == "prior"


def test_convergence_gates_warn_or_raise():
    import xarray as xr

    rng = np.random.default_rng(0)
    post = xr.Dataset({"mu": (("chain", "draw", "k"), rng.normal(size=(2, 1000, 3)) + np.array([0, 3])[:, None, None])})
    stats = xr.Dataset({"diverging": (("chain", "draw"), np.zeros((2, 1000), bool)),
                        "energy": (("chain", "draw"), rng.normal(size=(2, 1000)))})
    tree = xr.DataTree.from_dict({"posterior": post, "sample_stats": stats})
    diag = bayes.diagnose(tree, ["mu"], bayes.Gates())
    assert not diag.passed and diag.max_rhat > 1.5 and any("R-hat" in f for f in diag.failures)
    with pytest.warns(bayes.SamplingWarning, match="failed the convergence gates: max R-hat"):
        bayes.enforce(diag, strict=False, what="test fit")
    with pytest.raises(ConvergenceError, match="max R-hat"):
        bayes.enforce(diag, strict=True, what="test fit")
    good = xr.DataTree.from_dict({"posterior": post.assign(mu=post.mu - post.mu.mean("draw")), "sample_stats": stats})
    assert bayes.diagnose(good, ["mu"], bayes.Gates()).passed
    stats_div = stats.assign(diverging=stats.diverging.copy(data=np.arange(2000).reshape(2, 1000) % 500 == 0))
    bad = xr.DataTree.from_dict({"posterior": good["posterior"].to_dataset(), "sample_stats": stats_div})
    assert bayes.diagnose(bad, ["mu"], bayes.Gates()).failures == ("4 divergent transitions > 0",)
    # a failure names the parameter (and coordinate) that failed worst
    values = rng.normal(size=(2, 1000, 3))
    values[1, :, 2] += 3.0
    named = xr.Dataset({"mu": (("chain", "draw", "dimension"), values)}, coords={"dimension": ["a", "b", "c"]})
    diag = bayes.diagnose(xr.DataTree.from_dict({"posterior": named, "sample_stats": stats}), ["mu"], bayes.Gates())
    assert diag.worst["rhat"] == "mu[c]" and diag.failures[0].endswith("(mu[c])")


def test_strict_fit_raises_on_failed_gates():
    sim = latent.simulate_latent(60, dimensions={"a": ("q1", "q2"), "b": ("q3", "q4")}, seed=5)
    est = latent.LatentExpectations(sim.design)
    with pytest.raises(ConvergenceError, match="failed the convergence gates"):
        est.fit(sim.data, draws=30, tune=30, chains=2, seed=0, strict=True)


def test_advi_quick_look_mode():
    sim = latent.simulate_latent(200, dimensions={"a": ("q1", "q2", "q3"), "b": ("q4", "q5", "q6")}, seed=8)
    res = latent.LatentExpectations(sim.design).fit(sim.data, method="advi", advi_steps=4000, draws=200, seed=0)
    assert res.diagnostics.method == "advi" and res.diagnostics.passed  # gates do not apply to ADVI
    assert res.meta["settings"]["method"] == "advi" and res.diagnostics.extra["steps"] <= 4000
    gap = res.dimensions().xs("gap_P-E", level="quantity")["mean"].to_numpy()
    np.testing.assert_allclose(gap, sim.truth["mu"][1] - sim.truth["mu"][0], atol=0.35)


def test_numpyro_backend_when_installed():
    """The graph is JAX-compatible (no boolean masks, LKJ Cholesky); runs where the gpu extra is installed."""
    pytest.importorskip("numpyro")
    sim = latent.simulate_latent(150, dimensions={"a": ("q1", "q2", "q3"), "b": ("q4", "q5", "q6")}, link="gap",
                                 drivers=2, stages=("x", "y"), seed=3)
    res = latent.LatentExpectations(sim.design, link="gap").fit(
        sim.data, draws=200, tune=200, chains=2, seed=1, sampler="numpyro", gates={"rhat": 1.2, "ess_bulk": 20,
                                                                                  "ess_tail": 20, "divergences": 5})
    assert res.meta["settings"]["sampler"] == "numpyro"
    gap = res.dimensions().xs("gap_P-E", level="quantity")["mean"].to_numpy()
    np.testing.assert_allclose(gap, sim.truth["mu"][1] - sim.truth["mu"][0], atol=0.35)
