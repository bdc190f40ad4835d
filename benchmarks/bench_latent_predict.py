"""Throughput of predict(): the plug-in EAP scorer (expectmodel_scorer program ``graded_response_eap``).

    python benchmarks/bench_latent_predict.py [--n 20000] [--draws 1000]

Scores ``n`` simulated respondents of the SERVQUAL layout (22 items x E and P, 10 correlated factors) with
the true parameters as the plug-in, prints seconds and respondents per second, and the correlation of the
scores with the true levels (numpy only; no fit).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from expectmodel import latent
from expectmodel_scorer.programs import latent as program


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--draws", type=int, default=1000)
    args = ap.parse_args(argv)
    sim = latent.simulate_latent(args.n, seed=1)
    t = sim.truth
    design = sim.design
    arrays = {"mu": t["mu"], "sigma": t["sigma"], "delta": t["delta"], "loading": t["loading"], "cut": t["cut"],
              "corr": t["corr"], "item_dim": design.item_dimension.astype(float), "gamma": np.zeros((1, 0, 5)),
              "driver_mean": np.zeros(0), "driver_sd": np.zeros(0)}
    settings = {"batteries": ["E", "P"], "dimensions": list(design.dimensions), "scale": list(design.scale),
                "invariant": True, "n_drivers": 0, "draws": args.draws, "seed": 0, "item_thresholds": False}
    X = sim.data[[design.columns[b][it] for b in ("E", "P") for it in design.items]].to_numpy(float)
    t0 = time.perf_counter()
    out = program.score(arrays, settings, X)
    seconds = time.perf_counter() - t0
    r = float(np.corrcoef(out[:, 0], t["levels"][:, 0, 0])[0, 1])
    result = {"n": args.n, "draws": args.draws, "seconds": round(seconds, 2),
              "respondents_per_second": round(args.n / seconds), "corr_E_first_dimension": round(r, 3)}
    print(result)
    return result


if __name__ == "__main__":
    main()
