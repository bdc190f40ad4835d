"""Scoring at scale on an existing engine: Dask ``map_partitions`` (optional extra ``dask``).

The scorer is a pure ``DataFrame -> DataFrame`` function, so any engine that maps pandas partitions runs
it unchanged. Spark (pyspark's ``mapInPandas``)::

    from expectmodel_scorer import load_scorer
    scorer = load_scorer("churn.zip")                      # verified once on the driver
    schema = ", ".join(f"`{c}` double" for c in scorer.outputs)

    def score_batches(batches):                            # runs on the executors
        for pdf in batches:
            yield scorer.score(pdf)

    scored = spark_df.select(*scorer.inputs).mapInPandas(score_batches, schema=schema)

Spark pickles ``score_batches`` with the scorer in it: the scorer holds only the verified specification
(numbers, names and a program name), never code from the bundle.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from expectmodel.errors import MissingDependencyError, ParameterError
from expectmodel_scorer import Scorer, load_scorer


def _scorer(model: Any) -> Scorer:
    if isinstance(model, Scorer):
        return model
    if isinstance(model, str | Path):
        return load_scorer(model)
    make_spec = getattr(model, "scoring_spec", None)
    if make_spec is None:
        raise ParameterError(f"score_dask(model=...) takes a bundle path, a Scorer or results with scoring_spec(); "
                             f"got {type(model).__name__}.")
    return Scorer(make_spec())


def _score_partition(part: pd.DataFrame, scorer: Scorer, extra: str) -> pd.DataFrame:
    """One partition (module level, so that Dask ships it by reference)."""
    return scorer.score(part, extra=extra)


def score_dask(ddf: Any, model: Any, *, extra: str = "ignore") -> Any:
    """Score a Dask DataFrame partition by partition (``map_partitions``); lazy, like every Dask operation.

    Parameters
    ----------
    ddf : dask.dataframe.DataFrame
        Holds every input column of the model.
    model : str, pathlib.Path, Scorer or results
        A bundle (verified once, here), a :class:`~expectmodel_scorer.Scorer`, or a fit with
        ``scoring_spec()``.
    extra : {"ignore", "warn", "raise"}
        What to do about columns the model does not read.

    Returns
    -------
    dask.dataframe.DataFrame
        The outputs, partitioned and indexed as ``ddf``; ``.compute()`` gives what
        ``Scorer.score(ddf.compute())`` gives.

    Raises
    ------
    MissingDependencyError
        If dask is not installed (``pip install 'expectmodel[dask]'``).

    Examples
    --------
    >>> import pandas as pd
    >>> from expectmodel_scorer import Scorer
    >>> dd = __import__("pytest").importorskip("dask.dataframe")
    >>> scorer = Scorer({"program": "logit", "inputs": [{"column": "sat", "kind": "float"}],
    ...                  "outputs": ["p"], "arrays": {"coef": [-0.5]}, "settings": {"intercept": 2.0}})
    >>> ddf = dd.from_pandas(pd.DataFrame({"sat": [4.0, 5.0, 6.0, 7.0]}), npartitions=2)
    >>> score_dask(ddf, scorer).compute()["p"].round(3).tolist()
    [0.5, 0.378, 0.269, 0.182]
    """
    try:
        import dask.dataframe  # noqa: F401
    except ImportError:
        raise MissingDependencyError("score_dask needs dask: pip install 'expectmodel[dask]'.") from None
    scorer = _scorer(model)
    meta = pd.DataFrame({name: pd.Series(dtype=float) for name in scorer.outputs})
    return ddf.map_partitions(_score_partition, scorer, extra, meta=meta)
