"""Read the wave column of expectation-dynamics data: wave codes in time order, and the panel's id checks.

The reader of :class:`~expectmodel.latent.dynamics.ExpectationDynamics`; public as
:func:`expectmodel.latent.dynamics.read_waves` (and :func:`expectmodel.latent.read_waves`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from expectmodel.errors import DataError


def read_waves(frame: pd.DataFrame, wave: str, respondent: str | None = None) -> tuple[np.ndarray, tuple]:
    """Read and check the wave of every row: codes 0..T-1 in time order, and the wave labels.

    A wave column must be orderable: numbers, dates, or an *ordered* categorical (text labels such as
    ``"spring"``/``"autumn"`` have no time order of their own). With ``respondent`` a respondent id may
    appear at most once per wave.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per respondent and wave.
    wave : str
        The wave column.
    respondent : str, optional
        The respondent id column (panel data).

    Returns
    -------
    (numpy.ndarray, tuple)
        The wave code of each row and the wave labels in time order.

    Raises
    ------
    DataError
        The column is missing, not orderable, has a missing value, fewer than two waves, or a respondent
        id is repeated within a wave.

    Examples
    --------
    >>> frame = pd.DataFrame({"wave": [2024, 2023, 2024], "id": [1, 1, 2]})
    >>> codes, waves = read_waves(frame, "wave", "id")
    >>> codes.tolist(), waves
    ([1, 0, 1], (2023, 2024))
    >>> read_waves(pd.DataFrame({"wave": ["spring", "autumn"]}), "wave")
    Traceback (most recent call last):
    ...
    expectmodel.errors.DataError: the wave column 'wave' is not orderable: it holds text, whose \
order is not time. Use numbers or dates, or an ordered categorical, e.g. pd.Categorical(frame['wave'], \
categories=[...], ordered=True).
    """
    if not isinstance(frame, pd.DataFrame):
        raise DataError("expected a pandas DataFrame with one row per respondent and wave; got "
                        f"{type(frame).__name__}.")
    if wave not in frame.columns:
        raise DataError(f"the wave column {wave!r} is not among the columns {list(map(str, frame.columns))[:12]}.")
    col = frame[wave]
    if isinstance(col.dtype, pd.CategoricalDtype):
        if not col.cat.ordered:
            raise DataError(f"the wave column {wave!r} is not orderable: it is an unordered categorical. Make it "
                            f"ordered (pd.Categorical(..., categories=[...], ordered=True)) or use numbers or dates.")
        labels = tuple(c for c in col.cat.categories if (col == c).any())
    elif (pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)) or \
            pd.api.types.is_datetime64_any_dtype(col):
        labels = tuple(v.item() if isinstance(v, np.generic) else v for v in sorted(col.dropna().unique()))
    else:
        raise DataError(f"the wave column {wave!r} is not orderable: it holds text, whose order is "
                        "not time. Use numbers or dates, or an ordered categorical, e.g. "
                        f"pd.Categorical(frame[{wave!r}], categories=[...], ordered=True).")
    if col.isna().any():
        row = frame.index[int(np.flatnonzero(col.isna().to_numpy())[0])]
        raise DataError(f"the wave column {wave!r} is missing at row {row!r}; every row needs its wave.")
    if len(labels) < 2:
        raise DataError(f"expectation dynamics need at least two waves; {wave!r} holds {len(labels)}.")
    lookup = {v: k for k, v in enumerate(labels)}
    codes = np.array([lookup[v] for v in col], dtype=np.intp)
    if respondent is not None:
        if respondent not in frame.columns:
            raise DataError(f"the respondent id column {respondent!r} is not among the columns "
                            f"{list(map(str, frame.columns))[:12]}.")
        dup = pd.DataFrame({"w": codes, "id": frame[respondent].to_numpy()}).duplicated()
        if dup.any():
            i = int(np.flatnonzero(dup.to_numpy())[0])
            raise DataError(f"respondent id {frame[respondent].iloc[i]!r} appears more than once in wave "
                            f"{labels[codes[i]]!r} (row {frame.index[i]!r}); a panel has one row per respondent "
                            "and wave.")
    return codes, labels
