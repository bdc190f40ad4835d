"""Posterior summary tables shared by the latent results' modules (mean, SD, equal-tailed interval)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from expectmodel.inference import equal_tailed

__all__ = ["_interval_table", "_with_level"]


def _interval_table(draws: np.ndarray, level: float, index: pd.Index, prefix: str = "") -> pd.DataFrame:
    """Tabulate posterior mean, standard deviation and equal-tailed interval over the leading draw axis.

    Rows follow ``index`` (the remaining axes flattened).
    """
    x = draws.reshape(draws.shape[0], -1)
    lo, hi = equal_tailed(x, level)
    out = pd.DataFrame({f"{prefix}mean": x.mean(0), f"{prefix}std_error": x.std(0, ddof=1),
                        f"{prefix}ci_low": lo, f"{prefix}ci_high": hi}, index=index)
    out.attrs["ci_level"] = level
    return out


def _with_level(frame: pd.DataFrame, level: float) -> pd.DataFrame:
    frame.attrs["ci_level"] = level
    return frame
