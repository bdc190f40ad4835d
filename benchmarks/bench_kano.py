"""Time the Kano classification and the other Kano estimators; compare with a plain pandas classification.

    python benchmarks/bench_kano.py [--n 100000] [--p 30] [--rounds 5]

There is no Python peer package for Kano analysis (R's stp25stat ``Kano()`` is the nearest), so the peer is
the straightforward pandas way, written here: per attribute, join the two answers as text and map the pair
through a dictionary of the 25 table cells, then ``value_counts``. Both run side by side in this process on
the same data; the script prints the best and median times and the ratio.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd

import expectmodel as em
from expectmodel import kano


def pandas_peer(df: pd.DataFrame, attributes: list[str]) -> pd.DataFrame:
    cells = {f"{f + 1}-{d + 1}": kano.STANDARD_TABLE[f][d] for f in range(5) for d in range(5)}
    out = {}
    for a in attributes:
        pair = df[f"{a}_f"].astype(str) + "-" + df[f"{a}_d"].astype(str)
        out[a] = pair.map(cells).value_counts().reindex(list(kano.CATEGORIES), fill_value=0)
    return pd.DataFrame(out).T


def timed(fn, rounds: int) -> tuple[float, float, float]:
    """Best and median wall time, and the best CPU time of this process (the host may be shared)."""
    times, cpu = [], []
    for _ in range(rounds):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return min(times), float(np.median(times)), min(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--p", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(1)
    attrs = [f"a{j}" for j in range(args.p)]
    df = pd.DataFrame({f"{a}{s}": rng.integers(1, 6, args.n) for a in attrs for s in ("_f", "_d")})
    est = kano.KanoClassifier(draws=2000, seed=1)
    est.fit(df.iloc[:200])  # imports
    ours = timed(lambda: est.fit(df), args.rounds)
    cat = timed(lambda: kano.categorize(df), args.rounds)
    peer = timed(lambda: pandas_peer(df, attrs), args.rounds)
    a, b = est.fit(df).counts_frame().loc[""][list(kano.CATEGORIES)], pandas_peer(df, attrs)
    assert (a.to_numpy() == b.to_numpy()).all()  # the same counts
    print(f"classification, {args.n:,} respondents x {args.p} attributes (wall best / median of {args.rounds}; "
          "best CPU):")
    print(f"  KanoClassifier.fit (counts, shares + 2,000 Dirichlet draws, Fong, Better/Worse + 2,000 bootstrap): "
          f"{ours[0]:.3f} / {ours[1]:.3f} s; CPU {ours[2]:.3f} s (target <= 1 s)")
    print(f"  kano.categorize (per-respondent categories only): {cat[0]:.3f} / {cat[1]:.3f} s; CPU {cat[2]:.3f} s")
    print(f"  pandas peer (counts only): {peer[0]:.3f} / {peer[1]:.3f} s; CPU {peer[2]:.3f} s; ratio peer / "
          f"categorize {peer[1] / cat[1]:.1f}x (CPU {peer[2] / cat[2]:.1f}x), peer / full fit "
          f"{peer[1] / ours[1]:.1f}x (CPU {peer[2] / ours[2]:.1f}x)")

    ratings = em.datasets.load_kano_ratings()
    cols = [c for c in ratings.columns if c not in ("respondent", "satisfaction", "market")]
    big = ratings.sample(10_000, replace=True, random_state=1).reset_index(drop=True)
    prca = timed(lambda: kano.PenaltyReward(cols, bootstrap=1000, seed=1).fit(big), 3)
    iaa = timed(lambda: kano.ImpactAsymmetry(cols, bootstrap=1000, seed=1).fit(big), 3)
    print(f"PRCA, 10,000 x 7, 1,000 bootstrap replicates: {prca[0]:.3f} / {prca[1]:.3f} s (CPU {prca[2]:.3f}); "
          f"IAA {iaa[0]:.3f} / {iaa[1]:.3f} s (CPU {iaa[2]:.3f})")
    waves = em.datasets.load_kano_waves()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        drift = timed(lambda: kano.KanoDrift(missing_values=-99, adjust="stage", seed=1).fit(waves), 3)
    print(f"KanoDrift on the bundled kano_waves (2,000 x 8, 4 waves, stage-adjusted): {drift[0]:.3f} / "
          f"{drift[1]:.3f} s (CPU {drift[2]:.3f})")


if __name__ == "__main__":
    main()
