"""Simulation-based calibration of the latent-expectation model (measurement part, SERVQUAL layout).

    python benchmarks/sbc_latent.py [--reps 30] [--n 250] [--json out.json]

Each replication draws every structural parameter from the model's own priors (levels, item
offsets, loadings, P scale, cut-points, the LKJ factor correlations), simulates a survey from
them, fits the model and records whether the 90% intervals cover the drawn values. Under
prior-drawn truths a correct implementation covers 90% in expectation, whatever the sample size,
so this separates implementation errors from the prior's pull on one particular truth (which
``recovery_latent.py`` measures with SERVQUAL-like fixed truths). Replications whose simulated
answers fail validation (e.g. a battery with one answer only, at extreme prior draws) are
skipped and counted. Every fit after the first reuses the compiled model.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from expectmodel import latent
from expectmodel.errors import DataError
from expectmodel.latent._graph import LOADING_PRIOR
from expectmodel.latent.design import SERVQUAL_DIMENSIONS
from expectmodel.measurement.ordinal import centred_cutpoints
from expectmodel.sampling import SamplerConfig, SamplingWarning

sys.path.insert(0, str(Path(__file__).resolve().parent))
from recovery_latent import structural, write_json

SAMPLING = dict(draws=500, tune=500, chains=2)


def prior_truth(rng: np.random.Generator, seed: int, dims=SERVQUAL_DIMENSIONS, K: int = 7,
                lkj_eta: float = 2.0) -> dict:
    """One draw of the structural parameters from the priors in ``expectmodel.latent._graph.PRIORS``."""
    import pymc as pm

    D, B = len(dims), 2
    item_dim = np.repeat(np.arange(D), [len(v) for v in dims.values()])
    delta = rng.normal(0.0, 1.0, size=(1, item_dim.size))
    for d in range(D):  # ZeroSumNormal(1) within each dimension
        delta[:, item_dim == d] -= delta[:, item_dim == d].mean(axis=1, keepdims=True)
    chol = pm.draw(pm.LKJCorr.dist(n=B * D, eta=lkj_eta), random_seed=seed)
    return {
        "mu": rng.normal(0.0, 2.5, size=(B, D)),
        "delta": delta,
        "loading": np.exp(rng.normal(*LOADING_PRIOR, size=(1, item_dim.size))),
        "sigma": np.vstack([np.ones(D), np.exp(rng.normal(0.0, 0.5, size=D))]),
        "cut": centred_cutpoints(np.exp(rng.normal(np.log(6.0 / (K - 2)), 0.5, size=(1, K - 2)))),
        "corr": chol @ chol.T,
    }


def run_sbc(reps: int = 30, n: int = 250, seed: int = 7000, log=print) -> dict:
    rows, skipped = [], 0
    for r in range(reps):
        rng = np.random.default_rng(seed + r)
        try:
            sim = latent.simulate_latent(n, truth=prior_truth(rng, seed + r), seed=seed + r)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", SamplingWarning)
                res = latent.LatentExpectations(sim.design, sampler=SamplerConfig(seed=r, **SAMPLING)).fit(sim.data)
        except DataError as err:
            skipped += 1
            log(f"rep {r}: skipped ({err})")
            continue
        for block, truth, lo, hi in structural(sim, res):
            rows += [{"rep": r, "block": block, "truth": float(truth[i]), "lower": float(lo[i]),
                      "upper": float(hi[i]), "covered": bool(lo[i] <= truth[i] <= hi[i])} for i in range(truth.size)]
        log(f"rep {r}: max R-hat {res.diagnostics.max_rhat:.3f}")
    df = pd.DataFrame(rows)
    half = (df.upper - df.lower) / 2 / 1.6449  # the interval's half-width in normal SDs
    df["z"] = ((df.upper + df.lower) / 2 - df.truth) / half
    by_block = df.groupby("block").agg(coverage=("covered", "mean"), size=("covered", "size"),
                                       z_mean=("z", "mean"), z_sd=("z", "std"))
    return {"coverage_by_block": by_block, "coverage_overall": float(df.covered.mean()), "n_intervals": len(df),
            "skipped": skipped, "settings": {"reps": reps, "n": n, "seed": seed, **SAMPLING}}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=30)
    ap.add_argument("--n", type=int, default=250)
    ap.add_argument("--seed", type=int, default=7000)
    ap.add_argument("--json")
    args = ap.parse_args()
    out = run_sbc(args.reps, args.n, args.seed, log=lambda msg: print(msg, flush=True))
    print("\n90% interval coverage of prior-drawn truths:\n", out["coverage_by_block"].round(3))
    print(f"overall {out['coverage_overall']:.3f} over {out['n_intervals']} intervals; {out['skipped']} skipped")
    if args.json:
        write_json(out, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
