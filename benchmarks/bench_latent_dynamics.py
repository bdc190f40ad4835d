"""Speed of the expectation-dynamics model: 3 waves x 1,000 respondents x 22 items x 2 batteries (issue 17).

    python benchmarks/bench_latent_dynamics.py [--n 1000] [--waves 3] [--chains 2] [--tune 500] [--draws 500]
                                              [--backend numba|jax] [--sampler nutpie|numpyro] [--json OUT]

Simulates a panel from ``simulate_waves`` with SERVQUAL's 22 items in five dimensions (two stages, 7-point
answers), fits :class:`~expectmodel.latent.ExpectationDynamics` with NUTS, and prints the wall time (compile and
sampling apart), the minimum bulk and tail ESS and the maximum R-hat over the identified parameters (the
convergence gates' own numbers), min bulk ESS per second, and the recovery of alpha and the expectation
paths against the simulation truth. The target: min bulk ESS >= 400 at R-hat <= 1.01 in <= 15 minutes on 2 cores.
Run it through ``/work/briefs/timed`` on the shared machine and report the load average with the time.

Measured (``results_bench_latent_dynamics.json``): 2 chains x (600 + 900) with nutpie's numba backend, 724 s wall
including compilation, min bulk ESS 589 (``state_sd``), min tail ESS 860, max R-hat 1.006, no divergences, gates
passed, alpha 0.50 / 0.25 (truth 0.50 / 0.25), load average 1.7 on 2 cores. The innovations are already
non-centred (``state_sd * innovation``), so no reparameterisation was needed.

Larger panels on a GPU (JAX; numpyro's NUTS runs the chains vectorised on one device)::

    pip install "jax[cuda12]" numpyro
    python benchmarks/bench_latent_dynamics.py --n 20000 --sampler numpyro --chains 4 --draws 1000 --tune 1000

(``SamplerConfig(sampler="numpyro", chains=4)`` in code; the model has no JAX-incompatible op: the factor
correlation is an LKJ Cholesky factor and no boolean-mask indexing is used.) ``--backend jax`` with nutpie
also compiles through JAX and uses the GPU when jax sees one.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import warnings
from pathlib import Path

import numpy as np

from expectmodel import latent
from expectmodel.latent.design import SERVQUAL_DIMENSIONS
from expectmodel.sampling import SamplerConfig, SamplingWarning


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--waves", type=int, default=3)
    ap.add_argument("--chains", type=int, default=2)
    ap.add_argument("--tune", type=int, default=500)
    ap.add_argument("--draws", type=int, default=500)
    ap.add_argument("--sampler", default="nutpie", choices=["nutpie", "numpyro", "pymc"])
    ap.add_argument("--backend", default="numba", choices=["numba", "jax"])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)

    sim = latent.simulate_waves(args.n, waves=args.waves, dimensions=dict(SERVQUAL_DIMENSIONS), seed=args.seed)
    cfg = SamplerConfig(draws=args.draws, tune=args.tune, chains=args.chains, seed=args.seed, sampler=args.sampler,
                        nutpie_backend=args.backend)
    est = latent.ExpectationDynamics(sim.design, wave="wave", respondent="id", sampler=cfg)
    t0 = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SamplingWarning)
        res = est.fit(sim.data)
    wall = time.perf_counter() - t0
    diag = res.diagnostics  # the gates' numbers over the identified parameters
    ess_bulk, ess_tail, rhat = float(diag.min_ess_bulk), float(diag.min_ess_tail), float(diag.max_rhat)
    a = res.alpha()
    e = res.paths().xs("E", level="battery")
    out = {
        "n": args.n, "waves": args.waves, "rows": len(sim.data), "items": 22, "batteries": 2,
        "sampler": args.sampler, "backend": args.backend, "chains": args.chains, "tune": args.tune,
        "draws": args.draws, "wall_seconds": round(wall, 1),
        "min_ess_bulk": ess_bulk, "min_ess_tail": ess_tail, "max_rhat": rhat, "divergences": int(diag.divergences),
        "worst": diag.worst, "min_ess_bulk_per_second": round(ess_bulk / wall, 3),
        "gates_passed": bool(diag.passed) and not any(issubclass(w.category, SamplingWarning) for w in caught),
        "target_met": bool(ess_bulk >= 400 and rhat <= 1.01 and wall <= 900),
        "alpha": a["mean"].round(3).tolist(), "alpha_truth": np.round(sim.truth["alpha"], 3).tolist(),
        "alpha_covered": bool(((a["ci_low"] <= sim.truth["alpha"]) & (sim.truth["alpha"] <= a["ci_high"])).all()),
        "E_path_max_abs_error": float(np.abs(e["mean"].to_numpy() - np.ravel(sim.truth["E_level"])).max()),
        "cpu_count": os.cpu_count(), "load_average_1min": os.getloadavg()[0],
    }
    print(json.dumps(out, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1))
    return out


if __name__ == "__main__":
    main()
