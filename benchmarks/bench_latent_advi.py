"""Minibatch ADVI at scale: 100,000 respondents x 22 items x 2 batteries on the CPU (issue 17).

    python benchmarks/bench_latent_advi.py                       # n = 100,000, batch 1,000, 20,000 steps
    python benchmarks/bench_latent_advi.py --nuts 2000           # and a NUTS fit on a 2,000-respondent subsample
    python benchmarks/bench_latent_advi.py --json out.json

Simulated data with known truth (``expectmodel.latent.simulate_latent``). Prints the wall time of the fit
(``SamplerConfig(method="minibatch_advi")``: graph, XLA compilation, optimisation, draws), its time per
step, and the dimension gaps mu[P] - mu[E] against the truth. With ``--nuts N`` it also fits NUTS (nutpie,
JAX backend) to the first N respondents and prints each gap's difference from the ADVI gap in units of
the NUTS posterior SD: the subsample's gap differs from the full sample's by sampling error of about that
size, so |difference| of about 2 SD or less is "within Monte Carlo error" of the subsample fit.
Run it through ``/work/briefs/timed`` to report a wall time (it prints the load average).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings

from expectmodel import latent
from expectmodel.sampling import SamplerConfig, SamplingWarning


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--steps", type=int, default=20_000)
    ap.add_argument("--draws", type=int, default=500)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--nuts", type=int, default=0, help="respondents of the NUTS subsample fit (0: none)")
    ap.add_argument("--json", help="also write the numbers here")
    args = ap.parse_args()
    print(f"{os.cpu_count()} CPU cores; load {open('/proc/loadavg').read().split()[:3]}")
    t0 = time.perf_counter()
    sim = latent.simulate_latent(args.n, seed=args.seed)
    data = sim.design.prepare(sim.data)
    t_data = time.perf_counter() - t0
    true_gap = sim.truth["mu"][1] - sim.truth["mu"][0]
    cfg = SamplerConfig(method="minibatch_advi", batch_size=args.batch, advi_steps=args.steps, draws=args.draws,
                        seed=args.seed)
    t0 = time.perf_counter()
    res = latent.LatentExpectations(sim.design, sampler=cfg).fit(data)
    wall = time.perf_counter() - t0
    mu = res.draws("mu")
    gap, gap_sd = (mu[:, 1] - mu[:, 0]).mean(0), (mu[:, 1] - mu[:, 0]).std(0)
    extra = res.diagnostics.extra
    out = {"n": args.n, "batch": args.batch, "steps": extra["steps"], "epochs": extra["epochs"],
           "simulate_and_prepare_s": t_data, "fit_wall_s": wall, "true_gap": true_gap.tolist(),
           "advi_gap": gap.tolist(), "advi_gap_sd": gap_sd.tolist(),
           "advi_gap_error": (gap - true_gap).tolist()}
    print(f"n={args.n:,} x {len(sim.design.items)} items x 2 batteries; batch {args.batch}, {extra['steps']} steps "
          f"({extra['epochs']:.1f} epochs); simulate + prepare {t_data:.1f} s")
    print(f"minibatch ADVI fit: {wall:.1f} s in all (graph, compile, steps, draws)")
    print("gap P - E by dimension:  truth " + " ".join(f"{x:6.3f}" for x in true_gap))
    print("                          ADVI " + " ".join(f"{x:6.3f}" for x in gap))
    if args.nuts:
        sub = sim.data.iloc[: args.nuts]
        nuts = SamplerConfig(draws=500, tune=500, chains=2, seed=args.seed, nutpie_backend="jax")
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SamplingWarning)
            fit = latent.LatentExpectations(sim.design, sampler=nuts).fit(sim.design.prepare(sub))
        mu_n = fit.draws("mu")
        g_n, sd_n = (mu_n[:, 1] - mu_n[:, 0]).mean(0), (mu_n[:, 1] - mu_n[:, 0]).std(0)
        z = (gap - g_n) / sd_n
        out.update(nuts_n=args.nuts, nuts_wall_s=time.perf_counter() - t0, nuts_gap=g_n.tolist(),
                   nuts_gap_sd=sd_n.tolist(), advi_minus_nuts_in_nuts_sd=z.tolist(),
                   nuts_gates_passed=fit.diagnostics.passed)
        print(f"                  NUTS (n={args.nuts}) " + " ".join(f"{x:6.3f}" for x in g_n)
              + f"   (posterior SD {sd_n.mean():.3f}; {out['nuts_wall_s']:.0f} s; gates "
              f"{'passed' if fit.diagnostics.passed else 'failed'})")
        print("        (ADVI - NUTS) / NUTS SD " + " ".join(f"{x:6.2f}" for x in z))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(out, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
