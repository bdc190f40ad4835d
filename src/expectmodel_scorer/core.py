"""Score a data frame under a scoring specification (see :mod:`expectmodel_scorer.programs`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd


class ScoringError(ValueError):
    """A scoring specification or the data to score is not usable; the message says why and what to do."""


def score(spec: Mapping[str, Any], frame: pd.DataFrame) -> pd.DataFrame:
    """Score ``frame`` under ``spec``: one output row per input row, index kept.

    Parameters
    ----------
    spec : mapping
        A scoring specification (``results.scoring_spec()`` or a loaded bundle's).
    frame : pandas.DataFrame
        The data to score; it must hold every input column (other columns are ignored).

    Returns
    -------
    pandas.DataFrame
        The program's outputs, named by ``spec["outputs"]``, with ``frame``'s index.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from expectmodel_scorer import score
    >>> spec = {"program": "logit", "inputs": [{"column": "sat", "kind": "float", "scale": None, "codes": None,
    ...         "missing_codes": [], "range": [1, 10]}], "outputs": ["p_churn"],
    ...         "arrays": {"coef": np.array([-0.5])}, "settings": {"intercept": 2.0}}
    >>> round(float(score(spec, pd.DataFrame({"sat": [4.0]}))["p_churn"].iloc[0]), 4)
    0.5
    """
    from expectmodel_scorer.programs import program

    if not isinstance(frame, pd.DataFrame):
        raise ScoringError(f"score() takes a pandas DataFrame; got {type(frame).__name__}")
    prog = program(spec["program"])
    inputs = spec["inputs"]
    columns = [entry["column"] for entry in inputs]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ScoringError(f"the data lack the input column(s) {missing}; the model was fitted on {columns}")
    X = np.empty((len(frame), len(columns)), dtype=float)
    for j, entry in enumerate(inputs):
        col = frame[entry["column"]]
        if not (pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)):
            raise ScoringError(f"column {entry['column']!r} must be numeric; got dtype {col.dtype}")
        values = col.to_numpy(dtype=float, na_value=np.nan)
        codes = entry.get("missing_codes") or []
        if codes:
            values = np.where(np.isin(values, codes), np.nan, values)
        X[:, j] = values
    arrays = {k: np.asarray(v, dtype=float) for k, v in spec.get("arrays", {}).items()}
    out = prog.score(arrays, dict(spec.get("settings", {})), X)
    return pd.DataFrame(out, index=frame.index, columns=list(spec["outputs"]))
