"""Monte Carlo recovery study for PLS / PLSc: bias, Monte Carlo SD and bootstrap-interval coverage.

    python benchmarks/recovery_pls.py [--reps 200] [--n 5000] [--coverage-reps 100]

Part 1 draws --reps surveys of n respondents from the ECSI model with known reflective
loadings and fits PLSc: it prints the bias and Monte Carlo SD of every path (the SD justifies
the 0.05 tolerance in tests/sem/test_pls_recovery.py). Part 2 checks that 95% percentile
bootstrap intervals of a composite model (where PLS is consistent) cover the truth about
95% of the time at n = 250.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

import expectmodel as em

COMPOSITE = em.Model.from_syntax("""
    Expectation  <~ e1 + e2 + e3
    Quality      <~ q1 + q2 + q3 + q4
    Satisfaction <~ s1 + s2 + s3
    Quality      ~ Expectation
    Satisfaction ~ Expectation + Quality
""")
PATHS = {"Expectation->Quality": 0.5, "Expectation->Satisfaction": 0.2, "Quality->Satisfaction": 0.5}


def plsc_study(reps: int, n: int, seed: int = 1) -> pd.DataFrame:
    model = em.spec.templates.ecsi()
    loadings = dict(zip(model.indicators, np.linspace(0.65, 0.9, len(model.indicators)), strict=True))
    loadings["CUSCO"] = 1.0
    seeds = np.random.SeedSequence(seed).generate_state(reps)
    estimates, truth = [], None
    for s in seeds:
        sim = em.simulate.survey(model, n, loadings=loadings, seed=int(s))
        res = em.PLS(model, consistent=True).fit(sim.data)
        estimates.append(res.paths["estimate"].to_numpy())
        truth = sim.paths["value"].to_numpy()
    est = np.vstack(estimates)
    labels = res.paths["source"] + " -> " + res.paths["target"]
    return pd.DataFrame({"path": labels, "truth": truth, "mean": est.mean(axis=0),
                         "bias": est.mean(axis=0) - truth, "mc_sd": est.std(axis=0, ddof=1)})


def coverage_study(reps: int, n: int = 250, n_boot: int = 500, seed: int = 2) -> pd.DataFrame:
    seeds = np.random.SeedSequence(seed).generate_state(reps)
    hits = []
    for s in seeds:
        sim = em.simulate.survey(COMPOSITE, n, paths=PATHS, seed=int(s))
        frame = em.PLS(COMPOSITE, bootstrap=n_boot, seed=int(s)).fit(sim.data).to_frame().query("kind == 'path'")
        truth = sim.paths.set_index(["source", "target"])["value"]
        t = np.array([truth[(r, l_)] for l_, r in zip(frame["lhs"], frame["rhs"], strict=True)])
        hits.append(np.c_[(frame["ci_low"] <= t) & (t <= frame["ci_high"]),
                          (frame["bca_low"] <= t) & (t <= frame["bca_high"])])
    h = np.stack(hits)
    return pd.DataFrame({"path": frame["rhs"] + " -> " + frame["lhs"], "percentile": h[:, :, 0].mean(axis=0),
                         "bca": h[:, :, 1].mean(axis=0)})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--coverage-reps", type=int, default=100)
    args = parser.parse_args()
    print(f"PLSc recovery, ECSI, {args.reps} replications of n = {args.n}")
    print(plsc_study(args.reps, args.n).round(4).to_string(index=False))
    print(f"\n95% bootstrap interval coverage, composite model, {args.coverage_reps} replications of n = 250")
    print(coverage_study(args.coverage_reps).round(3).to_string(index=False))


if __name__ == "__main__":
    main()
