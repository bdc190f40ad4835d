"""The PLS bootstrap on joblib's Dask backend: the chunks run on a cluster and give the local draws exactly.

Each chunk is a module-level function of one shared object and its own child seed
(:func:`expectmodel.inference.run_chunks`), so nothing in it depends on where it runs.
"""

from __future__ import annotations

import numpy as np
import pytest

import expectmodel as em
from expectmodel.sem import bootstrap

distributed = pytest.importorskip("distributed")
joblib = pytest.importorskip("joblib")


@pytest.mark.parametrize("missing", ["mean", "pairwise"])
def test_bootstrap_on_a_dask_cluster_equals_the_local_draws(ecsi, monkeypatch, missing):
    monkeypatch.setattr(bootstrap, "CHUNK", 50)  # 200 resamples: four chunks over two workers
    survey = em.datasets.load_csi_survey().iloc[:200]
    settings = dict(scale=(1, 10), missing_values=-99, missing=missing, bootstrap=200, seed=4, bca=False)
    local = em.PLS(ecsi, **settings).fit(survey)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        with joblib.parallel_config(backend="dask"):
            remote = em.PLS(ecsi, n_jobs=2, **settings).fit(survey)
        assert client.scheduler_info()["workers"]  # the cluster was there to run them
    assert set(remote.boot.draws) == set(local.boot.draws)
    for key, value in local.boot.draws.items():
        assert np.array_equal(remote.boot.draws[key], value, equal_nan=True), key
