"""Scoring speed: the numpy scorer, the CLI on a 10-million-row CSV (peak memory), and Dask beside it.

The model is the PLS + churn pipeline a team would deploy: the ECSI PLS model of the bundled survey
(0-100 satisfaction index, ``missing="mean"``) feeding a churn logit fitted on the index (an outcome
simulated from the index with a seed), chained into one ``pipeline`` specification and saved as a bundle.

1. The scorer in this process on ``--rows`` rows held in a DataFrame (24 answer columns): rows per second,
   best of three, in three configurations: numpy's defaults; BLAS on one thread; and BLAS on one thread
   with two Python threads each scoring half the rows (numpy releases the GIL), i.e. two cores.
2. ``expectmodel score`` (the CLI, a subprocess) on a CSV of ``--cli-rows`` rows, to CSV and to Parquet:
   wall time, rows per second and the peak resident memory of that process (its VmHWM, which it prints).
3. The same CSV scored by ``score_dask`` on a 2-worker ``LocalCluster`` (one thread each), written to
   Parquet: wall time and rows per second, beside the CLI writing Parquet.

Run: ``python benchmarks/bench_score.py`` (10 million rows for the CLI; several minutes on 2 cores) or
``--fast`` (1 million). The machine's load average is printed with the numbers: on a shared 2-core machine
other processes change the times.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd


def build_bundle(folder: Path) -> tuple[Path, dict, list[str]]:
    import expectmodel as em
    from expectmodel_scorer import chain, score

    survey = em.datasets.load_csi_survey()
    pls = em.PLS(em.spec.templates.ecsi(), scale=(1, 10), missing_values=-99, missing="mean", seed=1).fit(survey)
    pls_spec = pls.scoring_spec()
    scored = score(pls_spec, survey)
    rng = np.random.default_rng(20261130)
    sat = scored["Satisfaction_index"].to_numpy()
    churned = (rng.random(len(sat)) < 1 / (1 + np.exp(-(2.0 - 0.05 * sat)))).astype(int)
    churn = em.churn.ChurnLogit(["Satisfaction_index"], seed=1).fit(scored.assign(churn=churned))
    spec = chain(pls_spec, churn.scoring_spec(), keep=["Satisfaction_index", "p_churn"])
    path = folder / "pls_churn.zip"
    em.save(churn, path, scoring=spec)  # the churn fit, with the chained PLS + churn program
    return path, spec, [e["column"] for e in pls_spec["inputs"]]


def random_answers(n: int, columns: list[str], seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(rng.integers(1, 11, size=(n, len(columns))).astype(float), columns=columns)


def best_of(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def bench_scorer(spec: dict, data: pd.DataFrame) -> None:
    from threadpoolctl import threadpool_limits

    from expectmodel_scorer import check_spec, score

    checked = check_spec(spec)
    n = len(data)
    t_default = best_of(lambda: score(checked, data, checked=True))
    with threadpool_limits(limits=1, user_api="blas"):
        t_one = best_of(lambda: score(checked, data, checked=True))
        halves = [data.iloc[: n // 2], data.iloc[n // 2:]]
        with ThreadPoolExecutor(2) as pool:
            t_two = best_of(lambda: list(pool.map(lambda part: score(checked, part, checked=True), halves)))
    for label, t in (("numpy defaults", t_default), ("BLAS 1 thread", t_one), ("2 threads x BLAS 1 thread", t_two)):
        print(f"  scorer, {label:<26} {n:>11,} rows  {t * 1000:8.0f} ms  {n / t / 1e6:6.2f} M rows/s", flush=True)


def write_csv(path: Path, n: int, columns: list[str], chunk: int = 1_000_000) -> None:
    import pyarrow as pa
    import pyarrow.csv as pcsv

    writer = None
    for start in range(0, n, chunk):
        part = random_answers(min(chunk, n - start), columns, seed=start).astype(np.int8)
        table = pa.Table.from_pandas(part, preserve_index=False)
        if writer is None:
            writer = pcsv.CSVWriter(path, table.schema)
        writer.write_table(table)
    writer.close()


def bench_cli(bundle: Path, csv: Path, out: Path, n: int) -> float:
    start = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "expectmodel.cli", "score", str(bundle), str(csv), "-o", str(out),
                          "--no-progress"], capture_output=True, text=True)
    wall = time.perf_counter() - start
    if run.returncode != 0:
        raise SystemExit(run.stderr)
    # the CLI reports its own peak (VmHWM of its process image; the rusage of a child would count the
    # memory of this parent at the fork)
    found = re.search(r"peak memory (\d+) MiB", run.stderr)
    peak = float(found.group(1)) if found else float("nan")
    print(f"  CLI {csv.suffix[1:]} -> {out.suffix[1:]:<8} {n:>11,} rows  {wall:8.1f} s   {n / wall / 1e6:6.2f} M rows/s"
          f"  peak RSS {peak:7.0f} MiB", flush=True)
    return peak


def bench_dask(bundle: Path, csv: Path, out: Path, n: int) -> None:
    try:
        import dask.dataframe as dd
        from distributed import Client, LocalCluster
    except ImportError:
        print("  dask: not installed (pip install 'expectmodel[dask]')")
        return
    from expectmodel.export import score_dask

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        start = time.perf_counter()
        ddf = dd.read_csv(csv, blocksize=64 * 2**20, dtype="float64")
        score_dask(ddf, bundle).to_parquet(out, write_index=False, compute=True)
        wall = time.perf_counter() - start
        del client
    print(f"  Dask 2 workers csv -> parquet {n:>11,} rows  {wall:8.1f} s   {n / wall / 1e6:6.2f} M rows/s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="1 million rows for the CLI and Dask")
    parser.add_argument("--rows", type=int, default=2_000_000, help="rows for the in-process scorer")
    parser.add_argument("--cli-rows", type=int, default=10_000_000, help="rows of the CSV for the CLI and Dask")
    parser.add_argument("--skip-dask", action="store_true")
    args = parser.parse_args()
    cli_rows = 1_000_000 if args.fast else args.cli_rows
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        bundle, spec, columns = build_bundle(tmp)
        print(f"model: PLS (24 answers, 7 constructs) -> Satisfaction_index -> churn logit; bundle {bundle.name} "
              f"({bundle.stat().st_size:,} bytes)")
        bench_scorer(spec, random_answers(args.rows, columns))
        csv = tmp / "answers.csv"
        start = time.perf_counter()
        write_csv(csv, cli_rows, columns)
        print(f"  (wrote {csv.stat().st_size / 2**20:,.0f} MiB of CSV in {time.perf_counter() - start:.0f} s)")
        peak = bench_cli(bundle, csv, tmp / "scored.csv", cli_rows)
        print(f"  peak RSS within 1 GiB: {peak <= 1024}")
        bench_cli(bundle, csv, tmp / "scored.parquet", cli_rows)
        if not args.skip_dask:
            bench_dask(bundle, csv, tmp / "scored_dask", cli_rows)
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
