"""Churn speed: the person-period builder and scoring with fitted logit and hazard models.

    python benchmarks/bench_churn.py [--customers 1000000] [--periods 24] [--rows 10000000] [--repeat 3]

1. ``churn.person_period``: 1,000,000 customers x 24 periods (30% churn at a uniform period, two satisfaction
   waves per customer carried forward); target <= 10 s.
2. Scoring 10,000,000 customers with a fitted ``ChurnLogit`` (two features and a threshold knot) and a
   fitted ``DiscreteHazard`` (period baseline, satisfaction with a knot) through ``expectmodel_scorer.score``
   (the in-package ``predict``); target >= 5 million rows/s. Side by side in the same process: statsmodels'
   own ``predict`` on the same rows (the peer), from the design matrix it needs.

Prints the best of ``--repeat`` runs of each.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--periods", type=int, default=24)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import statsmodels.api as sm

    from expectmodel import churn
    from expectmodel_scorer import score

    rng = np.random.default_rng(0)
    n, T = args.customers, args.periods
    customers = pd.DataFrame({"customer": np.arange(n), "entry": np.ones(n, dtype=np.int64),
                              "end": np.full(n, T), "age": rng.normal(40, 10, n)})
    gone = np.flatnonzero(rng.random(n) < 0.3)
    events = pd.DataFrame({"customer": gone, "time": rng.integers(1, T + 1, gone.size)})
    waves = pd.DataFrame({"customer": np.repeat(np.arange(n), 2), "period": np.tile([1, T // 2 + 1], n),
                          "satisfaction": rng.integers(0, 11, 2 * n).astype(float)})
    holder = {}

    def build():
        holder["pp"] = churn.person_period(customers, events, waves=waves)

    t_pp = best(build, args.repeat)
    pp = holder["pp"]
    print(f"person_period: {n:,} customers x {T} periods -> {len(pp):,} rows in {t_pp:.2f} s (target <= 10 s)")

    # fitted models (on a sample), then scoring args.rows rows
    sample = pp.sample(200_000, random_state=1)
    logit_data = sample.assign(churn=sample["event"])
    logit = churn.ChurnLogit(["satisfaction", "age"], knots={"satisfaction": [5]}, seed=1).fit(logit_data)
    hazard = churn.DiscreteHazard(["satisfaction"], knots={"satisfaction": [5]}, seed=1).fit(sample)
    m = args.rows
    frame = pd.DataFrame({"satisfaction": rng.integers(0, 11, m).astype(float), "age": rng.normal(40, 10, m),
                          "tenure": rng.integers(1, T + 1, m)})
    lspec, hspec = logit.scoring_spec(), hazard.scoring_spec()
    t_logit = best(lambda: score(lspec, frame), args.repeat)
    t_hazard = best(lambda: score(hspec, frame), args.repeat)
    t_pred = best(lambda: logit.predict(frame), args.repeat)

    # the peer: statsmodels' predict from the design matrices (built outside the timing; building them from the
    # frame is timed separately)
    def logit_design():
        X = frame[["satisfaction", "age"]].to_numpy()
        return np.column_stack([np.ones(m), X, np.maximum(X[:, 0] - 5, 0)])

    t_design = best(logit_design, args.repeat)
    D = logit_design()
    sm_logit = sm.Logit(logit_data["churn"], np.column_stack(
        [np.ones(len(logit_data)), logit_data[["satisfaction", "age"]],
         np.maximum(logit_data["satisfaction"] - 5, 0)])).fit(disp=0)
    t_sm = best(lambda: sm_logit.predict(D), args.repeat)
    np.testing.assert_allclose(score(lspec, frame)["p_churn"].to_numpy(), sm_logit.predict(D), rtol=1e-9)
    def hazard_design():
        tenure = frame["tenure"].to_numpy()
        Dh = np.zeros((m, T + 2))
        Dh[np.arange(m), tenure - 1] = 1.0
        Dh[:, T] = frame["satisfaction"].to_numpy()
        Dh[:, T + 1] = np.maximum(frame["satisfaction"].to_numpy() - 5, 0)
        return Dh

    t_design_h = best(hazard_design, args.repeat)
    Dh = hazard_design()
    glm = sm.GLM(np.zeros(2), np.zeros((2, T + 2)), family=sm.families.Binomial())
    params = hazard.to_frame()["estimate"].to_numpy()
    t_sm_h = best(lambda: glm.predict(params, Dh), args.repeat)
    np.testing.assert_allclose(score(hspec, frame)["hazard"].to_numpy(), glm.predict(params, Dh), rtol=1e-9)

    for what, t, peer, design in (("logit (scorer)", t_logit, t_sm, t_design),
                                  ("logit (LogitResults.predict)", t_pred, t_sm, t_design),
                                  ("hazard (scorer)", t_hazard, t_sm_h, t_design_h)):
        print(f"scoring {m:,} rows, {what}: {t:.2f} s = {m / t / 1e6:.1f} M rows/s (target >= 5); statsmodels "
              f"predict {peer:.2f} s on a ready design matrix, {peer + design:.2f} s with building it from the "
              f"frame (ratio to ours {(peer + design) / t:.2f}x)")


if __name__ == "__main__":
    main()
