"""Latent-expectation model speed: 2,000 respondents x 22 items x 2 batteries, 7-point scale.

    python benchmarks/bench_latent.py [--n 2000] [--chains 4] [--tune 500] [--draws 500] [--sampler nutpie]
    python benchmarks/bench_latent.py --method advi --n 1000000      # quick-look mode

Prints wall time, min bulk ESS per second over the identified parameters, max R-hat,
and the recovery error against the simulation truth. Side by side in the same run,
it times one log-density + gradient evaluation of the package's gathered-cut-point
likelihood against the textbook pymc formulation (``pm.OrderedLogistic`` on the same
linear predictor), the per-gradient cost that decides NUTS wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings

import numpy as np

from expectmodel import latent
from expectmodel.sampling import SamplerConfig, SamplingWarning, resolve_sampler


def grad_timing(model, repeat: int = 20) -> float:
    """Median seconds of one log-density + gradient evaluation at the initial point."""
    import pytensor
    import pytensor.tensor as pt

    logp = model.logp()
    f = pytensor.function(model.value_vars, [logp, *pt.grad(logp, model.value_vars)])
    point = model.initial_point()
    args = [point[v.name] for v in model.value_vars]
    f(*args)
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        f(*args)
        times.append(time.perf_counter() - t)
    return float(np.median(times))


def textbook_model(est, data):
    """The same measurement model written with pm.OrderedLogistic (all K categories per answer)."""
    import pymc as pm

    from expectmodel.latent._graph import build_graph

    prepared = est._prepare(data)
    lay = prepared.layout
    model, _ = build_graph(prepared.config, lay)
    obs = lay.obs
    model.potentials.clear()
    with model:
        # replace the gathered Potential by the textbook likelihood on the same predictor
        mu, delta, lam, sigma, theta, cut = (model[k] for k in ("mu", "delta", "loading", "sigma", "theta", "cut"))
        d = lay.item_dim[obs.item]
        eta = mu[obs.battery, d] + delta[0, obs.item] + lam[0, obs.item] * sigma[obs.battery, d] * theta[
            obs.resp, obs.battery, d]
        pm.OrderedLogistic("y", eta=eta, cutpoints=cut[0], observed=obs.cat)
    return model


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--chains", type=int, default=4)
    ap.add_argument("--tune", type=int, default=500)
    ap.add_argument("--draws", type=int, default=500)
    ap.add_argument("--sampler", default="auto")
    ap.add_argument("--method", default="nuts", choices=["nuts", "advi", "fullrank_advi"])
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--no-peer", action="store_true", help="skip the per-gradient comparison")
    ap.add_argument("--json", help="also write the numbers to this file")
    args = ap.parse_args()

    sim = latent.simulate_latent(args.n, seed=args.seed)
    sampler = SamplerConfig(draws=args.draws, tune=args.tune, chains=args.chains, seed=args.seed,
                            sampler=args.sampler, method=args.method)
    est = latent.LatentExpectations(sim.design, sampler=sampler)
    data = sim.design.prepare(sim.data)
    print(f"n={args.n} respondents x {len(sim.design.items)} items x 2 batteries, 7-point; "
          f"{os.cpu_count()} CPU cores; sampler={resolve_sampler(args.sampler)} method={args.method}")
    out: dict = {"n": args.n, "chains": args.chains, "tune": args.tune, "draws": args.draws, "method": args.method}

    if not args.no_peer and args.method == "nuts" and args.n <= 20_000:
        ours = grad_timing(est.build(data))
        peer = grad_timing(textbook_model(est, data))
        out.update(grad_ms_ours=1e3 * ours, grad_ms_textbook=1e3 * peer, grad_ratio=peer / ours)
        print(f"logp+grad: gathered cut-points {1e3 * ours:.2f} ms | pm.OrderedLogistic {1e3 * peer:.2f} ms | "
              f"ratio {peer / ours:.1f}x")

    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SamplingWarning)
        res = est.fit(data)
    wall = time.perf_counter() - t0
    sample_wall = res.meta["wall_seconds"]
    dg = res.diagnostics
    mu = res.draws("mu").mean(0)
    gap = mu[1] - mu[0]
    true_gap = sim.truth["mu"][1] - sim.truth["mu"][0]
    lam = res.draws("loading").mean(0)[0]
    E = res.scores()["E_mean"].to_numpy().reshape(args.n, -1)
    r_theta = np.mean([np.corrcoef(E[:, d], sim.truth["levels"][:, 0, d])[0, 1] for d in range(E.shape[1])])
    out.update(wall_s=wall, sampling_s=sample_wall, min_ess_bulk=dg.min_ess_bulk,
               min_ess_bulk_per_s=dg.min_ess_bulk / sample_wall, max_rhat=dg.max_rhat, divergences=dg.divergences,
               rmse_mu=float(np.sqrt(np.mean((mu - sim.truth["mu"]) ** 2))),
               rmse_gap=float(np.sqrt(np.mean((gap - true_gap) ** 2))),
               rmse_loading=float(np.sqrt(np.mean((lam - sim.truth["loading"][0]) ** 2))),
               mean_corr_E_score=float(r_theta), gates_passed=dg.passed, worst=dg.worst)
    print(f"wall {wall:.1f} s (compile + sample {sample_wall:.1f} s) | min ESS_bulk {dg.min_ess_bulk:.0f} "
          f"-> {out['min_ess_bulk_per_s']:.2f} /s | max R-hat {dg.max_rhat:.4f} | divergences {dg.divergences}")
    print(f"worst: R-hat {dg.worst['rhat']}, bulk ESS {dg.worst['ess_bulk']}, tail ESS {dg.worst['ess_tail']}")
    print(f"recovery: RMSE mu {out['rmse_mu']:.3f}, latent gap {out['rmse_gap']:.3f}, loadings "
          f"{out['rmse_loading']:.3f}; mean corr(E*, truth) {r_theta:.3f}; gates "
          f"{'passed' if dg.passed else 'failed: ' + '; '.join(dg.failures)}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(out, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
