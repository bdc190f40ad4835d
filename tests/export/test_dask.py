"""Scale-out on Dask (issue 16, item 5): score_dask and the joblib Dask backend on a 2-worker local cluster.

Skipped when the ``dask`` extra (dask[dataframe], distributed) is not installed.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import expectmodel as em
from expectmodel.export import load_scorer, score_dask
from expectmodel.inference import run_chunks

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
ROOT = str(Path(__file__).resolve().parents[2])


@pytest.fixture(scope="module")
def client():
    # the workers are new processes: they import this test module (for simulate_chunk) from the repository root
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [ROOT, old]))
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()
    if old is None:
        os.environ.pop("PYTHONPATH", None)
    else:
        os.environ["PYTHONPATH"] = old


def simulate_chunk(shared: dict, job) -> tuple[int, np.ndarray]:
    """A simulation loop's chunk: bootstrap means of the shared data with the chunk's own seed."""
    seed, size = job
    rng = np.random.default_rng(seed)
    data = shared["data"]
    idx = rng.integers(0, len(data), size=(size, len(data)))
    return os.getpid(), data[idx].mean(axis=1)


def test_score_dask_gives_the_in_memory_scores(client, pls_fit, survey, tmp_path):
    bundle = em.save(pls_fit, tmp_path / "ecsi.zip")
    big = pd.concat([survey] * 5, ignore_index=True)
    ddf = dd.from_pandas(big, npartitions=6)
    got = score_dask(ddf, bundle).compute(scheduler=client)
    want = load_scorer(bundle).score(big)
    pd.testing.assert_frame_equal(got, want, check_exact=True)  # identical, not close
    got_results = score_dask(ddf, pls_fit).compute(scheduler=client)  # from the fit itself
    pd.testing.assert_frame_equal(got_results, want, check_exact=True)


def test_simulation_chunks_on_the_cluster_draw_what_they_draw_locally(client):
    import joblib

    shared = {"data": np.random.default_rng(0).normal(size=500)}
    jobs = [(child, 200) for child in np.random.SeedSequence(2026).spawn(8)]
    local = run_chunks(simulate_chunk, shared, jobs)
    with joblib.parallel_config(backend="dask"):
        remote = run_chunks(simulate_chunk, shared, jobs, n_jobs=-1)
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(local, remote, strict=True))  # identical draws
    workers = {pid for pid, _ in remote}
    assert os.getpid() not in workers and len(workers) >= 1  # they ran on the cluster's processes
