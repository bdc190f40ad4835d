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


class SideReport:
    """What a side analysis (``CopulaTest``, ``FIMIX``) derives from ``to_dict`` and ``summary``: JSON, ``str``."""

    def to_dict(self) -> dict[str, Any]:  # pragma: no cover - abstract
        raise NotImplementedError

    def summary(self, digits: int = 3) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def to_json(self, indent: int = 2) -> str:
        """Serialise :meth:`to_dict` as JSON.

        Parameters
        ----------
        indent : int, default 2
            Indentation.

        Returns
        -------
        str
        """
        return dumps(self.to_dict(), indent)

    def __str__(self) -> str:
        return str(self.summary())

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()
