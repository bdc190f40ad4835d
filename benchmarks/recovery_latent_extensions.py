"""Recovery and calibration of the latent model's extensions (issue 17's acceptance).

    python benchmarks/recovery_latent_extensions.py [--study all|dynamics|provider|recovery|bands|invariance|thresholds]
                                                   [--reps 20] [--start 0] [--json OUT] [--append FILE.jsonl]
    python benchmarks/recovery_latent_extensions.py --summarise FILE.jsonl [--json OUT]

Long studies run in resumable batches: ``--start 20 --reps 10 --append runs.jsonl`` fits replications 20-29 (their
own seeds) and appends the raw hits; ``--summarise runs.jsonl`` pools every batch into rates with their binomial
Monte Carlo SEs (the committed ``results_recovery_latent_extensions.json``).

Each study simulates data from known truth with a fresh seed per replication, fits, and counts how often the
90% intervals cover the truth (the band is 85-95%):

- ``dynamics``: alpha per stage and the stage x wave expectation levels (ExpectationDynamics, 200 panel
  respondents x 3 waves, two stages);
- ``provider``: gap 1 (management's perception minus customers' latent expectations) per dimension and gap 5
  (250 customers, 120 managers; stack_provider + LatentExpectations + provider_gaps);
- ``recovery``: the recovery effect (recovered failure minus no failure) per stage x severity and pooled
  (ServiceRecovery, 1,000 customers);
- ``bands``: the share of respondents in each satisfaction band (posterior of the share against the true
  share among the fitted respondents), 300 respondents, gap link;
- ``invariance``: the per-item invariance test's false-alarm rate on invariant surveys and its power on a
  planted non-invariant item (+1 logit offset in P), 250 respondents x 8 items;
- ``thresholds``: the LOO confusion table of the rating-scale and the item-threshold (full GRM) model, with
  data simulated from each (300 respondents x 8 items x E/P).

Everything is seeded; the same command gives the same numbers. Short chains (2 x 400) with nutpie's JAX
backend; fits that fail the (relaxed) gates are counted and kept, as in ``recovery_latent.py``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from functools import partial
from pathlib import Path

import numpy as np

from expectmodel import latent
from expectmodel.sampling import SamplerConfig, SamplingWarning

GATES = {"rhat": 1.05, "ess_bulk": 100, "ess_tail": 100}


def sampler(seed: int) -> SamplerConfig:
    return SamplerConfig(draws=400, tune=400, chains=2, seed=seed, nutpie_backend="jax", gates=GATES)


def _covered(lo, hi, truth) -> np.ndarray:
    truth = np.ravel(truth)
    return (np.ravel(lo) <= truth) & (truth <= np.ravel(hi))


def _records(rep: int, what, estimate, sd, lo, hi, truth, draws=None) -> list[dict]:
    """One record per interval: estimate, posterior SD, interval and truth (z = (estimate - truth) / SD); with
    ``draws`` (draws x intervals) also the posterior CDF at the truth (``pit``, the SBC rank / draws), uniform
    over replications when the truths are drawn from the priors."""
    arrays = [np.ravel(np.asarray(x, dtype=float)) for x in (estimate, sd, lo, hi)]
    truth = np.broadcast_to(np.ravel(np.asarray(truth, dtype=float)), arrays[0].shape)
    names = list(what) if not isinstance(what, str) else [what] * len(arrays[0])
    out = [{"rep": rep, "what": str(w), "estimate": float(e), "sd": float(s), "lo": float(a), "hi": float(b),
            "truth": float(t)} for w, e, s, a, b, t in zip(names, *arrays, truth, strict=True)]
    if draws is not None:
        pit = (np.asarray(draws, dtype=float).reshape(-1, len(out)) < truth[None]).mean(axis=0)
        for rec, u in zip(out, pit, strict=True):
            rec["pit"] = float(u)
    return out


def _fit(est, data):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SamplingWarning)
        res = est.fit(data)
    return res, any(issubclass(w.category, SamplingWarning) for w in caught)


def study_dynamics(reps: int, log=print, start: int = 0, prior_truth: bool = False, waves: int = 3) -> dict:
    """Alpha per stage and the stage x wave E levels; with ``prior_truth`` alpha and state_sd are drawn per
    replication from the fit's priors (Normal(0.3, 0.5) per stage, HalfNormal(0.25)), a calibration check of
    the intervals over the prior where the fixed truths (alpha 0.5 / 0.25, state_sd 0.1) test one point."""
    hits = {"alpha": [], "E_level": []}
    recs: list[dict] = []
    failed = 0
    for r in range(start, start + reps):
        if prior_truth:
            rng = np.random.default_rng(8000 + r)
            truth = {"alpha": rng.normal(0.3, 0.5, size=2), "state_sd": float(abs(rng.normal(0.0, 0.25)))}
            sim = latent.simulate_waves(200, waves=waves, seed=9000 + r, **truth)
        else:
            sim = latent.simulate_waves(200, waves=waves, seed=1000 + r)
        res, bad = _fit(latent.ExpectationDynamics(sim.design, wave="wave", respondent="id", sampler=sampler(r)),
                        sim.data)
        failed += bad
        a = res.alpha()
        hits["alpha"] += list(_covered(a["ci_low"], a["ci_high"], sim.truth["alpha"]))
        recs += _records(r, [f"alpha:{i}" for i in a.index], a["mean"], a["std_error"], a["ci_low"], a["ci_high"],
                         sim.truth["alpha"], draws=res.draws("alpha").reshape(-1, len(a)))
        e = res.paths().xs("E", level="battery")
        hits["E_level"] += list(_covered(e["ci_low"], e["ci_high"], sim.truth["E_level"]))
        recs += _records(r, "E_level", e["mean"], e["std_error"], e["ci_low"], e["ci_high"], sim.truth["E_level"])
        tau = res.draws("state_sd")
        lo, hi = np.quantile(tau, [0.05, 0.95])
        recs += _records(r, "state_sd", tau.mean(), tau.std(ddof=1), lo, hi, sim.truth["state_sd"],
                         draws=np.ravel(tau)[:, None])
        log(f"dynamics {r + 1}/{reps}: alpha {a['mean'].round(2).tolist()} (truth "
            f"{np.round(sim.truth['alpha'], 2).tolist()}), state_sd {tau.mean():.2f} "
            f"(truth {sim.truth['state_sd']:.2f})")
    return {"coverage": {k: float(np.mean(v)) for k, v in hits.items()}, "n": {k: len(v) for k, v in hits.items()},
            "gate_failures": failed, "hits": {k: [bool(x) for x in v] for k, v in hits.items()}, "records": recs}


def study_dynamics_prior(reps: int, log=print, start: int = 0) -> dict:
    """The dynamics study with alpha and state_sd drawn from the priors (see :func:`study_dynamics`)."""
    return study_dynamics(reps, log=log, start=start, prior_truth=True)


def study_dynamics_six_waves(reps: int, log=print, start: int = 0) -> dict:
    """The fixed-truth dynamics study with six waves instead of three: five transitions per stage and dimension
    inform state_sd (and so alpha's interval) more than two do."""
    return study_dynamics(reps, log=log, start=start, waves=6)


def study_provider(reps: int, log=print, start: int = 0) -> dict:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.latent.test_provider import DIMS, _provider_survey

    hits = {"gap1": [], "gap5": []}
    recs: list[dict] = []
    failed = 0
    for r in range(start, start + reps):
        sim = latent.simulate_latent(250, dimensions=DIMS, seed=2000 + r)
        surveys = {"management": _provider_survey(sim, "M", 120, 3000 + r)}
        frame, design = latent.stack_provider(sim.data, sim.design, **surveys)
        res, bad = _fit(latent.LatentExpectations(design, sampler=sampler(r)), frame)
        failed += bad
        g = latent.provider_gaps(res)
        from tests.latent.test_provider import OFFSETS

        for name, truth in (("gap1", np.asarray(OFFSETS["M"])), ("gap5", sim.truth["mu"][1] - sim.truth["mu"][0])):
            t = g.xs(name, level="gap").drop(index="mean")
            hits[name] += list(_covered(t["ci_low"], t["ci_high"], truth))
            recs += _records(r, [f"{name}:{d}" for d in t.index], t["estimate"], t["std_error"], t["ci_low"],
                             t["ci_high"], truth)
        log(f"provider {r + 1}/{reps}: gap1 {g.xs('gap1', level='gap')['estimate'].round(2).tolist()}")
    return {"coverage": {k: float(np.mean(v)) for k, v in hits.items()}, "n": {k: len(v) for k, v in hits.items()},
            "gate_failures": failed, "hits": {k: [bool(x) for x in v] for k, v in hits.items()}, "records": recs}


def study_recovery(reps: int, log=print, start: int = 0, prior_sd: float = 1.0) -> dict:
    """The recovery effect per stage x severity cell and pooled (1,000 customers); ``prior_sd`` is the SD of the
    failure and recovery effects' Normal priors (the estimator's default 1)."""
    hits = {"cells": [], "pooled": []}
    recs: list[dict] = []
    failed = 0
    for r in range(start, start + reps):
        sim = latent.simulate_recovery(1000, seed=4000 + r)
        est = latent.ServiceRecovery("satisfaction", "failure", "recovered", scale=(1, 7), stage="stage",
                                     severity="severity", prior_sd=prior_sd, sampler=sampler(r))
        res, bad = _fit(est, sim.data)
        failed += bad
        t = res.paradox()
        cells = [f"{s}|{v}" for s in ("first-time", "long-term") for v in ("minor", "major")]
        hits["cells"] += list(_covered(t.loc[cells, "ci_low"], t.loc[cells, "ci_high"], sim.truth["paradox"]))
        hits["pooled"] += list(_covered(t.loc["pooled", "ci_low"], t.loc["pooled", "ci_high"],
                                        sim.truth["pooled_paradox"]))
        rows = [*cells, "pooled"]
        names = [*(f"cells:{c}" for c in cells), "pooled"]
        recs += _records(r, names, t.loc[rows, "estimate"], t.loc[rows, "std_error"], t.loc[rows, "ci_low"],
                         t.loc[rows, "ci_high"], [*np.ravel(sim.truth["paradox"]), sim.truth["pooled_paradox"]])
        est_p, true_p = t.loc["pooled", "estimate"], sim.truth["pooled_paradox"]
        log(f"recovery {r + 1}/{reps}: pooled {est_p:.2f} (truth {true_p:.2f})")
    return {"coverage": {k: float(np.mean(v)) for k, v in hits.items()}, "n": {k: len(v) for k, v in hits.items()},
            "gate_failures": failed, "hits": {k: [bool(x) for x in v] for k, v in hits.items()}, "records": recs}


def study_bands(reps: int, log=print, start: int = 0) -> dict:
    from expectmodel.latent._forward import latent_levels
    from expectmodel.latent.bands import BANDS, DEFAULT_BAND_LIMITS

    dims = {"a": ("q1", "q2", "q3", "q4"), "b": ("q5", "q6", "q7", "q8")}
    hits = []
    recs: list[dict] = []
    # the respondents' band probabilities (results.bands()): of the (respondent, band) pairs given probability
    # near p, a share p should truly be in that band (a reliability table in ten bins of p)
    calib = {"n": np.zeros(10), "in_band": np.zeros(10), "p_sum": np.zeros(10), "brier": [], "brier_prior": []}
    failed = 0
    lim = np.asarray(DEFAULT_BAND_LIMITS)
    for r in range(start, start + reps):
        sim = latent.simulate_latent(300, dimensions=dims, link="gap", seed=5000 + r)
        res, bad = _fit(latent.LatentExpectations(sim.design, link="gap", sampler=sampler(r)), sim.data)
        failed += bad
        lev = latent_levels(res._params)
        gap = (lev[:, :, 1, :] - lev[:, :, 0, :]).mean(axis=2)  # (draws, n)
        which = np.searchsorted(lim, gap, side="right")
        shares = np.stack([(which == k).mean(axis=1) for k in range(5)], axis=1)  # (draws, 5)
        lo, hi = np.quantile(shares, [0.05, 0.95], axis=0)
        t_gap = (sim.truth["levels"][:, 1, :] - sim.truth["levels"][:, 0, :]).mean(axis=1)
        truth = np.bincount(np.searchsorted(lim, t_gap, side="right"), minlength=5) / len(t_gap)
        keep = truth > 0.02  # bands that hold respondents (an empty band's share sits at 0)
        hits += list(_covered(lo[keep], hi[keep], truth[keep]))
        recs += _records(r, [f"band{k + 1}" for k in np.flatnonzero(keep)], shares.mean(0)[keep],
                         shares.std(0, ddof=1)[keep], lo[keep], hi[keep], truth[keep])
        prob = res.bands()[list(BANDS)].to_numpy()  # (n, 5)
        onehot = np.eye(5)[np.searchsorted(lim, t_gap, side="right")]
        b = np.minimum((prob * 10).astype(int), 9).ravel()
        calib["n"] += np.bincount(b, minlength=10)
        calib["in_band"] += np.bincount(b, weights=onehot.ravel(), minlength=10)
        calib["p_sum"] += np.bincount(b, weights=prob.ravel(), minlength=10)
        calib["brier"].append(float(((prob - onehot) ** 2).sum(axis=1).mean()))
        calib["brier_prior"].append(float(((shares.mean(0)[None] - onehot) ** 2).sum(axis=1).mean()))
        log(f"bands {r + 1}/{reps}: shares {shares.mean(0).round(2).tolist()} truth {truth.round(2).tolist()}")
    return {"coverage": {"band_share": float(np.mean(hits))}, "n": {"band_share": len(hits)}, "gate_failures": failed,
            "hits": {"band_share": [bool(x) for x in hits]}, "records": recs,
            "band_probabilities": {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in calib.items()}}


def study_invariance(reps: int, log=print, start: int = 0, fits: str | None = None, planted: float = 1.0) -> dict:
    """The per-item invariance test on a survey with q3's P offset moved by ``planted`` logits, and on its
    invariant twin (same seed): is q3 flagged (and alone), is the twin quiet. Records every item's z (its null
    distribution is N(0, 1) for a calibrated test; an item's z is from the last step it was tested at, which
    differs from step 1 only in surveys with a flag). ``fits``: a folder that keeps each replication's fitted
    results (pickled, a scratch cache of this script's own fits, so another test statistic can be studied on the
    same fits; a cached fit is reused only if its sampler settings are the same, so clear the folder after a
    model change)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.latent.test_invariance import planted_survey

    def fit_one(shift: float, r: int):
        sim = planted_survey(shift=shift, seed=6000 + r)
        return _fit(latent.LatentExpectations(sim.design, link="gap", sampler=sampler(r)), sim.data)[0]

    flagged_planted, found, false_alarm, z = [], [], [], {"planted": [], "invariant": []}
    for r in range(start, start + reps):
        for shift in (planted, 0.0):
            res = _cached_fit(fits, f"r{r}_s{shift:g}", repr(sampler(r)), partial(fit_one, shift, r))
            t = res.invariance_test()
            z["planted" if shift else "invariant"].append([round(float(v), 3) for v in t["z"]])
            if shift:
                found.append(bool(t.loc["q3", "flagged"]))
                flagged_planted.append(found[-1] and int(t["flagged"].sum()) == 1)
            else:
                false_alarm.append(bool(t["flagged"].any()))
        log(f"invariance {r + 1}/{reps}: planted found {found[-1]} (alone {flagged_planted[-1]}), "
            f"false alarm {false_alarm[-1]}")
    return {"planted_found": float(np.mean(found)), "planted_found_alone": float(np.mean(flagged_planted)),
            "quiet": 1 - float(np.mean(false_alarm)), "reps": reps,
            "hits": {"planted_found": found, "planted_found_alone": flagged_planted,
                     "quiet": [not f for f in false_alarm]}, "z": z}


def study_invariance_half_logit(reps: int, log=print, start: int = 0, fits: str | None = None) -> dict:
    """The invariance study with a +0.5 logit planted shift (same seeds; the invariant twins are the same fits):
    the test's power at half the effect."""
    return study_invariance(reps, log=log, start=start, fits=fits, planted=0.5)


def _cached_fit(folder: str | None, key: str, settings: str, fit):
    """``fit()``, or its results from ``folder`` if stored there with the same ``settings`` (written there the
    first time). Pickle is for this script's own scratch files only; the package never unpickles."""
    import pickle

    if folder is None:
        return fit()
    path = Path(folder) / f"{key}.pkl"
    if path.exists():
        stored = pickle.loads(path.read_bytes())
        if stored.get("settings", settings) == settings:  # files from before the key: same settings by construction
            return stored["res"]
    res = fit()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps({"res": res, "settings": settings}))
    return res


def study_thresholds(reps: int, log=print, start: int = 0) -> dict:
    """LOO (leave-one-respondent-out, on the answers) between the rating-scale and the item-threshold model,
    with data simulated from each: the confusion table (rows: truth, columns: the model chosen), for the raw
    ranking and for the API's selection rule ``latent.compare(fits, simpler="rating")`` (keep the rating-scale
    model unless the item model beats it by more than 2 standard errors of the difference)."""
    dims = {"a": ("q1", "q2", "q3", "q4"), "b": ("q5", "q6", "q7", "q8")}
    table = {truth: {"rating": 0, "item": 0} for truth in ("rating", "item")}
    nested = {truth: {"rating": 0, "item": 0} for truth in ("rating", "item")}
    diffs = []
    for r in range(start, start + reps):
        for truth in ("rating", "item"):
            sim = latent.simulate_latent(300, dimensions=dims, thresholds=truth, seed=7000 + r)
            fits = {}
            for form in ("rating", "item"):
                fits[form], _ = _fit(latent.LatentExpectations(sim.design, thresholds=form, sampler=sampler(r)),
                                     sim.data)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                cmp = latent.compare(fits, var="answers", simpler="rating")
            best = cmp.index[0]
            table[truth][best] += 1
            nested[truth][cmp.attrs["preferred"]] += 1
            gain = float(cmp.loc["item", "elpd"] - cmp.loc["rating", "elpd"])
            dse = float(cmp["dse"].max())
            diffs.append({"rep": r, "truth": truth, "item_minus_rating": gain, "dse": dse,
                          "raw": best, "rule": cmp.attrs["preferred"]})
            log(f"thresholds {r + 1}: truth {truth}, LOO prefers {best}, the rule {cmp.attrs['preferred']} "
                f"(item - rating {gain:.1f}, dse {dse:.1f})")
    return {"confusion": table, "accuracy": (table["rating"]["rating"] + table["item"]["item"]) / (2 * reps),
            "confusion_2dse_rule": nested, "differences": diffs}


def _clopper_pearson(k: int, n: int, level: float = 0.95) -> list[float]:
    """Exact binomial interval of a rate k / n (informative where the MC SE is 0, at 0 or n hits)."""
    from scipy.stats import beta

    if not n:
        return [float("nan"), float("nan")]
    a = (1 - level) / 2
    lo = 0.0 if k == 0 else float(beta.ppf(a, k, n - k + 1))
    hi = 1.0 if k == n else float(beta.ppf(1 - a, k + 1, n - k))
    return [lo, hi]


def summarise_thresholds(records: list[dict]) -> dict:
    """Pool the replications' choices: the confusion tables with the rate of right choices and its MC SE."""
    out = {}
    for key in ("raw", "rule"):
        conf = {t: {"rating": 0, "item": 0} for t in ("rating", "item")}
        for d in records:
            conf[d["truth"]][d[key]] += 1
        rates = {}
        for t in ("rating", "item"):
            n = sum(conf[t].values())
            p = conf[t][t] / n if n else float("nan")
            rates[t] = {"right": p, "mc_se": float(np.sqrt(p * (1 - p) / n)) if n else float("nan"), "n": n,
                        "ci95": _clopper_pearson(conf[t][t], n)}
        out[key] = {"confusion": conf, "right_rate": rates}
    return out


def _clustered_se(hits: np.ndarray, reps: np.ndarray) -> float:
    """Monte Carlo SE of a coverage rate whose intervals come in replications (a replication's intervals share its
    data, so they are not independent): the ratio estimator's SE over replications."""
    ids = np.unique(reps)
    if len(ids) < 2:
        return float("nan")
    rate = hits.mean()
    resid = np.array([(hits[reps == i] - rate).sum() for i in ids])
    return float(np.sqrt(len(ids) / (len(ids) - 1) * (resid ** 2).sum()) / len(hits))


def summarise_records(records: list[dict]) -> dict:
    """Calibration per quantity (the part of ``what`` before ':'): coverage with its binomial and replication-
    clustered MC SEs, the bias, the spread of the errors against the mean posterior SD, and z = error / SD."""
    out = {}
    keys = sorted({r["what"].split(":")[0] for r in records})
    for key in keys:
        rs = [r for r in records if r["what"].split(":")[0] == key]
        est, sd, lo, hi, truth = (np.array([r[k] for r in rs]) for k in ("estimate", "sd", "lo", "hi", "truth"))
        reps = np.array([r["rep"] for r in rs])
        hit = ((lo <= truth) & (truth <= hi)).astype(float)
        err = est - truth
        z = err / sd
        p_ = hit.mean()
        out[key] = {"n": len(rs), "reps": len(np.unique(reps)), "coverage": float(p_),
                    "mc_se_binomial": float(np.sqrt(p_ * (1 - p_) / len(rs))),
                    "mc_se_clustered": _clustered_se(hit, reps),
                    "ci95": _clopper_pearson(int(hit.sum()), len(rs)),
                    "bias": float(err.mean()), "bias_se": float(err.std(ddof=1) / np.sqrt(len(rs))),
                    "error_sd": float(err.std(ddof=1)), "mean_posterior_sd": float(sd.mean()),
                    "z_mean": float(z.mean()), "z_sd": float(z.std(ddof=1))}
        pit = np.array([r["pit"] for r in rs if "pit" in r])
        if pit.size:  # SBC: uniform over replications whose truths are drawn from the priors
            from scipy.stats import chisquare, kstest

            counts = np.histogram(pit, bins=5, range=(0, 1))[0]
            out[key]["pit"] = {"n": int(pit.size), "quintile_counts": counts.tolist(),
                               "chi2_p": float(chisquare(counts).pvalue), "ks_p": float(kstest(pit, "uniform").pvalue),
                               "central_90_share": float(np.mean((pit > 0.05) & (pit < 0.95)))}
    return out


def summarise_band_probabilities(batches: list[dict]) -> dict:
    """Pool the reliability tables: per bin of stated probability, the mean stated and the observed share in band
    (with its binomial MC SE), and the Brier score against the sample's band shares given to everyone."""
    n = np.sum([b["n"] for b in batches], axis=0)
    hit = np.sum([b["in_band"] for b in batches], axis=0)
    psum = np.sum([b["p_sum"] for b in batches], axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        obs, stated = hit / n, psum / n
    table = [{"bin": f"{k / 10:.1f}-{(k + 1) / 10:.1f}", "pairs": int(n[k]), "stated": float(stated[k]),
              "observed": float(obs[k]), "mc_se": float(np.sqrt(obs[k] * (1 - obs[k]) / n[k])) if n[k] else None}
             for k in range(10)]
    brier = [x for b in batches for x in b["brier"]]
    prior = [x for b in batches for x in b["brier_prior"]]
    return {"reliability": table, "calibration_error": float(np.nansum(n * np.abs(obs - stated)) / n.sum()),
            "brier": float(np.mean(brier)), "brier_shares_only": float(np.mean(prior)), "reps": len(brier)}


def study_recovery_wide_prior(reps: int, log=print, start: int = 0) -> dict:
    """The recovery study (same seeds) with Normal(0, 2.5) effect priors: is the pooled estimate's bias under the
    default Normal(0, 1) the priors' shrinkage?"""
    return study_recovery(reps, log=log, start=start, prior_sd=2.5)


STUDIES = {"dynamics": study_dynamics, "dynamics_prior": study_dynamics_prior,
           "dynamics_six_waves": study_dynamics_six_waves, "provider": study_provider,
           "recovery": study_recovery,
           "recovery_wide_prior": study_recovery_wide_prior, "bands": study_bands, "invariance": study_invariance,
           "invariance_half_logit": study_invariance_half_logit,
           "thresholds": study_thresholds}


def summarise(lines: list[dict]) -> dict:
    """Pool the batches of a study (``--append`` records): rates with their binomial Monte Carlo SE."""
    out: dict = {}
    # studies retired from STUDIES (e.g. ``invariance_item_statistic``: the invariance test's statistic before
    # the step-down contrast) are still summarised, after the current ones
    names = [*STUDIES, *sorted({x["study"] for x in lines} - set(STUDIES))]
    for name in names:
        batches = [x for x in lines if x["study"] == name]
        if not batches:
            continue
        if name == "thresholds":
            out[name] = summarise_thresholds([d for b in batches for d in b["result"]["differences"]])
        else:
            pooled: dict[str, list] = {}
            for b in batches:
                for k, v in b["result"]["hits"].items():
                    pooled.setdefault(k, []).extend(v)
            out[name] = {k: {"rate": float(np.mean(v)), "mc_se": float(np.sqrt(np.mean(v) * (1 - np.mean(v)) / len(v))),
                             "n": len(v), "ci95": _clopper_pearson(int(np.sum(v)), len(v))} for k, v in pooled.items()}
            out[name]["gate_failures"] = sum(b["result"].get("gate_failures", 0) for b in batches)
            cal = [b["result"]["band_probabilities"] for b in batches if "band_probabilities" in b["result"]]
            if cal:
                out[name]["band_probabilities"] = summarise_band_probabilities(cal)
            zs = {k: [row for b in batches for row in b["result"].get("z", {}).get(k, [])]
                  for k in ("planted", "invariant")}
            if zs["invariant"]:  # the invariance test's z: N(0, 1) on invariant surveys if calibrated
                null, planted = np.asarray(zs["invariant"]), np.asarray(zs["planted"])
                q3 = 2  # planted_survey's default item
                n_s = len(null)
                out[name]["z"] = {
                    "n_surveys": n_s,
                    "invariant_rms": float(np.sqrt(np.nanmean(null ** 2))),
                    "invariant_sd": float(np.nanstd(null, ddof=1)),
                    "invariant_mean_per_item": np.nanmean(null, axis=0).round(3).tolist(),
                    "invariant_sd_per_item": np.nanstd(null, axis=0, ddof=1).round(3).tolist(),
                    "per_item_sd_mc_se": float(1 / np.sqrt(2 * n_s)),  # about, for an SD near 1
                    # the family-wise calibration number: the survey's largest |z| against the step-1 cut-off
                    "invariant_max_abs_z": np.nanmax(np.abs(null), axis=1).round(3).tolist(),
                    "planted_q3_mean": float(np.nanmean(planted[:, q3])),
                    "planted_q3_sd": float(np.nanstd(planted[:, q3], ddof=1))}
            records = [d for b in batches for d in b["result"].get("records", [])]
            if records:  # batches run since the records were added (earlier ones kept only hits)
                out[name]["calibration"] = summarise_records(records)
        starts = sorted(b["start"] for b in batches)
        out[name]["reps"] = sum(b["reps"] for b in batches)
        out[name]["seconds"] = round(sum(b["result"]["seconds"] for b in batches), 1)
        out[name]["batches"] = starts
    paired = _paired_prior_check(lines)
    if paired:
        out["recovery_wide_prior"]["paired_with_recovery"] = paired
    return out


def _paired_prior_check(lines: list[dict]) -> dict:
    """The pooled recovery effect's error under the default Normal(0, 1) and the Normal(0, 2.5) effect priors, on
    the replications (same seeds, same data) that both studies fitted: mean errors and their paired difference."""
    def pooled(study):
        return {d["rep"]: d["estimate"] - d["truth"] for x in lines if x["study"] == study
                for d in x["result"].get("records", []) if d["what"] == "pooled"}

    narrow, wide = pooled("recovery"), pooled("recovery_wide_prior")
    reps = sorted(set(narrow) & set(wide))
    if not reps:
        return {}
    a, b = np.array([narrow[r] for r in reps]), np.array([wide[r] for r in reps])
    d = b - a
    return {"reps": len(reps), "bias_default_prior": float(a.mean()), "bias_default_prior_se": float(a.std(ddof=1)
            / np.sqrt(len(reps))), "bias_wide_prior": float(b.mean()), "bias_wide_prior_se": float(
            b.std(ddof=1) / np.sqrt(len(reps))), "difference": float(d.mean()),
            "difference_se": float(d.std(ddof=1) / np.sqrt(len(reps)))}


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--study", default="all", choices=["all", *STUDIES])
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--start", type=int, default=0, help="first replication (its seeds): resume a study in batches")
    ap.add_argument("--json", default=None, help="write this run's results (or, with --summarise, the pooled ones)")
    ap.add_argument("--append", default=None, help="append one JSON line per study run to this file")
    ap.add_argument("--summarise", default=None, help="pool the batches in this --append file; no fitting")
    ap.add_argument("--fits", default=None, help="invariance study: keep (and reuse) each fit's results in this "
                    "folder (pickled scratch files of this script's own fits)")
    args = ap.parse_args(argv)
    if args.summarise:
        lines = [json.loads(x) for x in Path(args.summarise).read_text().splitlines() if x.strip()]
        out = summarise(lines)
        print(json.dumps(out, indent=1))
        if args.json:
            Path(args.json).write_text(json.dumps(out, indent=1))
        return out
    out = {}
    for name, fn in STUDIES.items():
        if args.study in ("all", name):
            t0 = time.perf_counter()
            extra = {"fits": args.fits} if name.startswith("invariance") else {}
            out[name] = fn(args.reps, start=args.start, **extra)
            out[name]["seconds"] = round(time.perf_counter() - t0, 1)
            print(name, json.dumps({k: v for k, v in out[name].items() if k not in ("hits", "records")}), flush=True)
            if args.append:
                with open(args.append, "a") as fh:
                    fh.write(json.dumps({"study": name, "start": args.start, "reps": args.reps,
                                         "result": out[name]}) + "\n")
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2))
    return out


if __name__ == "__main__":
    main()
