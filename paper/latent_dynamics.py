"""Tables: adaptive expectations over the bundled waves, the rising-expectations test and the forecast.

    python paper/latent_dynamics.py [--out paper/output/latent_dynamics] [--fast]

On ``datasets/expectation_waves.csv`` (3 waves x 1,000 panel customers x 22 SERVQUAL items, E and P, one
satisfaction item; simulated with alpha 0.5 for first-time and 0.25 for long-term customers):

1. ``alpha.csv/.tex``: alpha per customer stage with its interval and P(alpha > 0), next to the truth;
2. ``rising.csv/.tex``: the rising-expectations test (alpha > 0; beta_E < 0 under the free link);
3. ``forecast.csv/.tex``: next wave's expectations per stage and dimension with intervals;
4. ``paths.csv``: the stage x wave x dimension latent means of E, P and the gap.

``--fast`` (200 customers, two dimensions, 2 x 300 draws with nutpie's JAX backend) is for CI; the paper's
numbers use all customers and 4 x 1,000 draws.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import pandas as pd

import expectmodel as em
from expectmodel import latent
from expectmodel.sampling import SamplingWarning
from expectmodel.summary import Summary


def write(table: pd.DataFrame, name: str, caption: str, out: Path) -> None:
    table.to_csv(out / f"{name}.csv")
    s = Summary(caption)
    s.add_table(caption, table)
    (out / f"{name}.tex").write_text(s.as_latex() + "\n")


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("paper/output/latent_dynamics"))
    parser.add_argument("--fast", action="store_true")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    waves = em.datasets.load_expectation_waves()
    design = em.datasets.expectation_waves_design()
    if args.fast:
        dims = {d: design.dimensions[d] for d in ("reliability", "responsiveness")}
        design = latent.Design(dimensions=dims, batteries={"E": "E_{item}", "P": "P_{item}"}, scale=(1, 7),
                               satisfaction=("sat1",), stage="stage", stages=design.stages)
        waves = waves[waves["id"] < 200]
        sampler = em.SamplerConfig(draws=300, tune=300, chains=2, seed=1, nutpie_backend="jax")
    else:
        sampler = em.SamplerConfig(draws=1000, tune=1000, chains=4, seed=1)
    truth = json.loads(em.datasets.path("expectation_waves_truth.json").read_text())
    est = latent.ExpectationDynamics(design, wave="wave", respondent="id", link="free", sampler=sampler)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore" if args.fast else "default", SamplingWarning)
        res = est.fit(waves)
    seconds = time.perf_counter() - t0
    alpha = res.alpha().assign(truth=truth["alpha"])
    write(alpha.round(3), "alpha", "Adaptive-expectations coefficient alpha per stage", args.out)
    write(res.rising_expectations().round(3), "rising", "The rising-expectations test", args.out)
    write(res.forecast().round(3), "forecast", "Next wave's latent expectations (forecast)", args.out)
    res.paths().to_csv(args.out / "paths.csv")
    facts = {"rows": len(waves), "seconds": round(seconds, 1), "gates": res.diagnostics.verdict,
             "max_rhat": res.diagnostics.max_rhat, "min_ess_bulk": res.diagnostics.min_ess_bulk}
    (args.out / "facts.json").write_text(json.dumps(facts, indent=1) + "\n")
    print(alpha.round(3).to_string())
    print(json.dumps(facts))
    return facts


if __name__ == "__main__":
    main()
