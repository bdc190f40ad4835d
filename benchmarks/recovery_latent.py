"""Recovery and calibration study of the latent-expectation model (issue 3's acceptance).

    python benchmarks/recovery_latent.py [--reps 10] [--n 300] [--loo-reps 6] [--json OUT]

For each model variant, data are simulated from known parameters and fitted; the study
reports how often the 90% intervals of the structural parameters (dimension levels,
latent gaps, perception scale, satisfaction-link and driver coefficients) cover the truth,
and the correlation of the person scores with the true levels next to the correlation
their posterior reliability predicts. A second part simulates each satisfaction link,
fits all three and counts which one leave-one-respondent-out LOO prefers (the confusion
table). Everything is seeded; the same command gives the same numbers.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings

import numpy as np
import pandas as pd

from expectmodel import latent
from expectmodel.sampling import SamplerConfig, SamplingWarning

VARIANTS = {
    "measurement": dict(sim={}, fit={}),
    "gap link": dict(sim={"link": "gap"}, fit={"link": "gap"}),
    "free link": dict(sim={"link": "free"}, fit={"link": "free"}),
    "perf link": dict(sim={"link": "perf"}, fit={"link": "perf"}),
    "free link + 2 satisfaction items": dict(sim={"link": "free", "n_satisfaction": 2}, fit={"link": "free"}),
    "drivers by stage": dict(sim={"drivers": 3, "stages": ("never used", "first-time", "long-term"),
                                  "no_perception": ("never used",)}, fit={}),
    "battery-specific items": dict(sim={"invariance": False}, fit={"invariance": False}),
    "scale usage": dict(sim={"scale_usage": True}, fit={"scale_usage": True}),
}
SAMPLING = dict(draws=400, tune=400, chains=2)


def structural(sim, res) -> list[tuple[str, np.ndarray, np.ndarray, np.ndarray]]:
    """(name, truth, lower, upper) for every structural parameter block of a fit."""
    t = sim.truth
    out = []
    q = (1 - res.ci_level) / 2, (1 + res.ci_level) / 2

    def block(name, draws, truth):
        lo, hi = np.quantile(draws.reshape(draws.shape[0], -1), q, axis=0)
        out.append((name, np.ravel(truth), lo, hi))

    mu = res.draws("mu")
    mu_truth, gamma_truth = t["mu"], t.get("Gamma")
    if "Gamma_mean" in res.posterior:
        # the model's drivers are standardised with the sample mean and SD, so its estimands are the
        # coefficients per sample SD and the E levels at the sample-mean driver profile
        lay = res.layout
        assert tuple(lay.stages) == tuple(sim.design.stages)
        gamma_truth = t["Gamma"] * lay.driver_sd[None, :, None]
        mu_truth = mu_truth.copy()
        mu_truth[lay.batteries.index("E")] += np.einsum("q,nqd->d", lay.driver_mean, t["Gamma"][lay.stage]) / lay.n
    block("level", mu, mu_truth)
    if res.layout.invariant and res.layout.B > 1:
        block("latent gap", mu[:, 1] - mu[:, 0], mu_truth[1] - mu_truth[0])
        block("sigma_P", res.draws("sigma")[:, 1], t["sigma"][1])
    if res.config.link is not None:
        block("beta_P", res.draws("beta_P"), t["beta_P"])
        if res.config.link == "free":
            block("beta_E", res.draws("beta_E"), t["beta_E"])
        if "sat_resid_sd" in t:
            block("sat_resid_sd", res.draws("sat_resid_sd"), t["sat_resid_sd"])
    if "Gamma_mean" in res.posterior:
        block("Gamma (by stage)", res.draws("Gamma"), gamma_truth)
    return out


def score_check(sim, res) -> tuple[float, float]:
    """Mean corr(E* posterior mean, true level) and the mean correlation the reliability predicts."""
    sc = res.scores()
    rel = res.score_reliability()
    D = res.layout.D
    E = sc["E_mean"].to_numpy().reshape(res.layout.n, D)
    r = [np.corrcoef(E[:, d], sim.truth["levels"][:, 0, d])[0, 1] for d in range(D)]
    return float(np.mean(r)), float(np.sqrt(rel.loc["E", "reliability"]).mean())


def run_study(reps: int = 10, n: int = 300, loo_reps: int = 6, variants=None, seed: int = 1000,
              log=print, rows_out: str | None = None) -> dict:
    """The study; ``rows_out`` appends every interval (JSON lines) as soon as its fit is done."""
    rows, scores = [], []
    for name in variants or VARIANTS:
        cfg = VARIANTS[name]
        # each variant its own data: seed + 1000 k + r for the k-th variant (the LOO part uses seed + 500 + r), so
        # the variants' coverages are independent measurements (until 2026-12-01 all variants used seed + r)
        base = seed + 1000 * list(VARIANTS).index(name)
        for r in range(reps):
            sim = latent.simulate_latent(n, seed=base + r, **cfg["sim"])
            t0 = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", SamplingWarning)
                res = latent.LatentExpectations(sim.design, **cfg["fit"],
                                                 sampler=SamplerConfig(seed=r, **SAMPLING)).fit(sim.data)
            for block, truth, lo, hi in structural(sim, res):
                rows += [{"variant": name, "rep": r, "block": block, "covered": bool(lo[i] <= truth[i] <= hi[i]),
                          "error": float((lo[i] + hi[i]) / 2 - truth[i]), "width": float(hi[i] - lo[i]),
                          "truth": float(truth[i]), "lower": float(lo[i]), "upper": float(hi[i]),
                          "gates_passed": res.diagnostics.passed} for i in range(truth.size)]
            if rows_out:
                with open(rows_out, "a") as fh:
                    for row in rows[-sum(t.size for _, t, _, _ in structural(sim, res)):]:
                        fh.write(json.dumps({**row, "seed": base + r}) + "\n")
            if "E" in res.layout.batteries:
                got, expected = score_check(sim, res)
                scores.append({"variant": name, "rep": r, "corr": got, "expected": expected})
            log(f"{name:24s} rep {r}: {time.perf_counter() - t0:5.1f} s, max R-hat {res.diagnostics.max_rhat:.3f}, "
                f"gates {'ok' if res.diagnostics.passed else 'failed'}")
    cov = pd.DataFrame(rows)
    confusion = pd.DataFrame(0, index=["gap", "free", "perf"], columns=["gap", "free", "perf"])
    confusion.index.name, confusion.columns.name = "generated", "chosen by LOO"
    dims = {"a": ("q1", "q2", "q3", "q4"), "b": ("q5", "q6", "q7", "q8"), "c": ("q9", "q10", "q11")}
    for g in confusion.index:
        for r in range(loo_reps):
            sim = latent.simulate_latent(n, dimensions=dims, link=g, seed=seed + 500 + r)
            fits = {}
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for link in confusion.columns:
                    fits[link] = latent.LatentExpectations(
                        sim.design, link=link, sampler=SamplerConfig(seed=r, **SAMPLING)).fit(sim.data)
                best = latent.compare(fits).index[0]
            confusion.loc[g, best] += 1
            log(f"LOO: generated {g}, chosen {best}")
    by_block = cov.groupby(["variant", "block"]).agg(
        coverage=("covered", "mean"), size=("covered", "size"), bias=("error", "mean"), width=("width", "mean"),
        coverage_gates_passed=("covered", lambda c: c[cov.loc[c.index, "gates_passed"]].mean()))
    by_variant = cov.groupby("variant").covered.agg(["mean", "size"])
    return {"coverage_by_block": by_block, "coverage_by_variant": by_variant,
            "coverage_overall": float(cov.covered.mean()), "n_intervals": len(cov),
            "scores": pd.DataFrame(scores).groupby("variant")[["corr", "expected"]].mean() if scores else None,
            "confusion": confusion, "loo_accuracy": float(np.trace(confusion.to_numpy()) / confusion.to_numpy().sum())
            if loo_reps else float("nan"), "settings": {"reps": reps, "n": n, "loo_reps": loo_reps, **SAMPLING}}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--loo-reps", type=int, default=6)
    ap.add_argument("--variants", help="comma-separated subset of: " + ", ".join(VARIANTS))
    ap.add_argument("--seed", type=int, default=1000, help="base seed (replication r of the k-th variant uses "
                    "seed + 1000 k + r)")
    ap.add_argument("--draws", type=int, default=SAMPLING["draws"])
    ap.add_argument("--tune", type=int, default=SAMPLING["tune"])
    ap.add_argument("--chains", type=int, default=SAMPLING["chains"])
    ap.add_argument("--rows", help="append every interval to this JSON-lines file as the study runs")
    ap.add_argument("--json")
    args = ap.parse_args()
    variants = args.variants.split(",") if args.variants else None
    SAMPLING.update(draws=args.draws, tune=args.tune, chains=args.chains)
    out = run_study(args.reps, args.n, args.loo_reps, variants, seed=args.seed, rows_out=args.rows,
                    log=lambda msg: print(msg, flush=True))
    pd.set_option("display.width", 120)
    print("\n90% interval coverage by variant and block:\n", out["coverage_by_block"].round(3))
    print("\nby variant:\n", out["coverage_by_variant"].round(3))
    print(f"\noverall coverage {out['coverage_overall']:.3f} over {out['n_intervals']} intervals")
    if out["scores"] is not None:
        print("\ncorr(E*, truth) against the correlation the score reliability predicts:\n", out["scores"].round(3))
    print("\nLOO confusion table (rows: generating link):\n", out["confusion"])
    print(f"LOO picks the generating link in {out['loo_accuracy']:.0%} of replications")
    if args.json:
        write_json(out, args.json)
    return 0


def write_json(out: dict, path: str) -> None:
    """A study's results with every table as a list of records."""
    ser = {k: (v.reset_index().to_dict(orient="records") if isinstance(v, pd.DataFrame) else v) for k, v in out.items()}
    with open(path, "w") as fh:
        json.dump(ser, fh, indent=1, default=str)


if __name__ == "__main__":
    sys.exit(main())
