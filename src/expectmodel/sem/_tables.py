"""Shared reporting of the PLS side analyses (copula test, FIMIX-PLS): tidy frames, JSON records, summaries."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready rows of ``frame`` (numpy scalars as Python numbers, NaN as None)."""
    out = []
    for row in frame.to_dict(orient="records"):
        clean = {}
        for key, val in row.items():
            if isinstance(val, np.generic):
                val = val.item()
            if isinstance(val, float) and math.isnan(val):
                val = None
            clean[str(key)] = val
        out.append(clean)
    return out


def dumps(content: dict[str, Any], indent: int = 2) -> str:
    """Serialise a side analysis's ``to_dict`` (NaN already None)."""
    return json.dumps(content, indent=indent, allow_nan=False)
