"""Monte Carlo study of the Kano drift model: do the 90% intervals cover the true time slopes 85-95% of the time?

    python benchmarks/recovery_kano.py [--reps 200] [--n 500] [--waves 4] [--seed 1]

Each replication simulates a multi-wave Kano survey (``expectmodel.kano.simulate_kano``) with six attributes
whose maturity slopes are -0.4, -0.2, 0, 0.2, 0.4 and 0.6 per wave and two customer stages whose mix shifts
from 30/70 to 70/30; it fits ``KanoDrift(adjust="stage")`` and, for contrast, the naive fit that ignores the
stage. It prints per-slope bias, Monte Carlo SD, mean standard error and 90%-interval coverage, and the
category-probability round trip (the 90% Dirichlet share intervals of the pooled first wave). The acceptance
band of issue 14 is 85-95% coverage for the adjusted model. ``tests/kano/test_kano_slow.py`` runs it.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from expectmodel import kano

BASE = {
    "a1": [0.30, 0.30, 0.20, 0.15, 0.03, 0.02],
    "a2": [0.50, 0.15, 0.05, 0.25, 0.03, 0.02],
    "a3": [0.15, 0.45, 0.25, 0.10, 0.03, 0.02],
    "a4": [0.20, 0.20, 0.40, 0.15, 0.03, 0.02],
    "a5": [0.40, 0.10, 0.10, 0.35, 0.03, 0.02],
    "a6": [0.25, 0.35, 0.20, 0.15, 0.03, 0.02],
}
SLOPES = dict(zip(BASE, (-0.4, -0.2, 0.0, 0.2, 0.4, 0.6), strict=True))


def run_study(reps: int = 200, n: int = 500, waves: int = 4, seed: int = 1, level: float = 0.9) -> dict:
    """Coverage, bias and SD of the maturity slopes (adjusted and naive) and share-interval coverage."""
    mix = np.linspace(0.3, 0.7, waves)
    stages = {"new": (-0.8, 1 - mix), "established": (0.8, mix)}
    seeds = np.random.SeedSequence(seed).generate_state(reps)
    est, se, hit, naive_hit, share_hit = [], [], [], [], []
    truth = np.array(list(SLOPES.values()))
    for s in seeds:
        sim = kano.simulate_kano(n, BASE, waves=waves, slopes=SLOPES, stages=stages, seed=int(s))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = kano.KanoDrift(adjust="stage", draws=100, ci_level=level, seed=int(s)).fit(sim.data)
            naive = kano.KanoDrift(draws=100, ci_level=level, seed=int(s)).fit(sim.data.drop(columns="stage"))
        sl = res.slopes().set_index("attribute").loc[list(SLOPES)]
        nv = naive.slopes().set_index("attribute").loc[list(SLOPES)]
        est.append(sl["slope"].to_numpy())
        se.append(sl["std_error"].to_numpy())
        hit.append(((sl["ci_low"] <= truth) & (truth <= sl["ci_high"])).to_numpy())
        naive_hit.append(((nv["ci_low"] <= truth) & (truth <= nv["ci_high"])).to_numpy())
        # the share round trip: first wave, pooled over stages (the mix of wave 1)
        first = sim.data[sim.data["wave"] == 1].drop(columns=["wave", "stage"])
        shares = kano.KanoClassifier(ci_level=level, draws=500, seed=int(s)).fit(first).to_frame().query(
            "kind == 'share'")
        p = (sim.stage_mix[0][:, None, None] * sim.probabilities[0]).sum(0)[:, :5]
        p = p / p.sum(-1, keepdims=True)
        t = p[[list(BASE).index(a) for a in shares["lhs"]], [list("AOMIR").index(c) for c in shares["rhs"]]]
        share_hit.append(((shares["ci_low"] <= t) & (t <= shares["ci_high"])).to_numpy())
    est, se = np.array(est), np.array(se)
    table = pd.DataFrame({"attribute": list(SLOPES), "truth": truth, "mean": est.mean(0), "bias": est.mean(0) - truth,
                          "mc_sd": est.std(0, ddof=1), "mean_se": se.mean(0),
                          "coverage": np.mean(hit, 0), "naive_coverage": np.mean(naive_hit, 0)})
    return {"table": table, "coverage": float(np.mean(hit)), "naive_coverage": float(np.mean(naive_hit)),
            "share_coverage": float(np.mean(np.concatenate(share_hit))), "reps": reps, "n": n, "waves": waves,
            "level": level}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--waves", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("results_recovery_kano.json"))
    args = parser.parse_args()
    t0 = time.perf_counter()
    out = run_study(args.reps, args.n, args.waves, args.seed)
    wall = time.perf_counter() - t0
    print(out["table"].round(3).to_string(index=False))
    k = out["reps"] * len(SLOPES)
    mc = np.sqrt(0.9 * 0.1 / k)
    print(f"\nadjusted 90% coverage {out['coverage']:.3f} (MC SE {mc:.3f}, {k} intervals); naive "
          f"{out['naive_coverage']:.3f}; share intervals {out['share_coverage']:.3f}; {wall:.0f} s")
    args.out.write_text(json.dumps({**{k_: v for k_, v in out.items() if k_ != "table"},
                                    "table": out["table"].round(4).to_dict(orient="records"),
                                    "wall_seconds": round(wall, 1)}, indent=1) + "\n")


if __name__ == "__main__":
    main()
