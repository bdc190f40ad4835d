"""Long survey data (one row per answer) to wide (one row per respondent)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from expectmodel.data import _messages as msg
from expectmodel.errors import DataError

__all__ = ["widen"]


def widen(
    frame: pd.DataFrame,
    *,
    respondent: str,
    item: str,
    answer: str,
    battery: str | None = None,
    keep: Sequence[str] = (),
    name: Callable[[str | None, str], str] | None = None,
) -> pd.DataFrame:
    """Turn one row per answer into one row per respondent, one column per item (per battery).

    Parameters
    ----------
    frame : DataFrame
        Long data: a respondent id, an item id, optionally a battery code, and the answer.
    respondent, item, answer : str
        Their column names.
    battery : str, optional
        Column of the battery code (E, P, ...); the same item in two batteries is two columns.
    keep : sequence of str
        Respondent-level columns (satisfaction, drivers, stage) to carry over; they must be constant
        within a respondent.
    name : callable (battery, item) -> str, optional
        Wide column name of an answer; default the item, or ``"{battery}_{item}"`` with batteries.

    Returns
    -------
    DataFrame
        Indexed by respondent (in order of first appearance), answer columns then ``keep``.

    Examples
    --------
    >>> import pandas as pd
    >>> long = pd.DataFrame({"id": [1, 1, 2], "item": ["q1", "q2", "q1"], "answer": [3, 4, 5]})
    >>> widen(long, respondent="id", item="item", answer="answer").to_dict()
    {'q1': {1: 3.0, 2: 5.0}, 'q2': {1: 4.0, 2: nan}}
    """
    if not isinstance(frame, pd.DataFrame):
        raise msg.not_a_frame(frame)
    if frame.shape[0] == 0:
        raise msg.no_rows(frame.shape[1])
    roles = {respondent: "respondent id", item: "item id", answer: "answer"}
    if battery is not None:
        roles[battery] = "battery code"
    roles.update({c: "respondent-level column" for c in keep})
    absent = [c for c in roles if c not in frame.columns]
    if absent:
        raise msg.not_found(absent, frame.columns.tolist(), roles, noun="Column(s)")
    key_cols = [respondent, item] + ([battery] if battery is not None else [])
    key = frame[key_cols].astype(str)
    dup = key.duplicated(keep=False).to_numpy()
    if dup.any():
        first = key[dup].iloc[0]
        pos = np.flatnonzero((key == first).all(axis=1).to_numpy())
        rows = frame.index[pos]
        where = f" in battery {first[battery]!r}" if battery is not None else ""
        rid = frame[respondent].iloc[pos[0]]
        rid = rid.item() if isinstance(rid, np.generic) else rid
        raise DataError(f"Respondent {rid!r} answered item {first[item]!r}{where} more than "
                        f"once (rows {', '.join(map(repr, rows[:5]))}); keep one answer per respondent and item.")
    if name is None:
        def name(b, i):
            return i if b is None else f"{b}_{i}"
    bats = frame[battery].astype(str) if battery is not None else [None] * len(frame)
    cols = [name(b, str(i)) for b, i in zip(bats, frame[item], strict=True)]
    ids = frame[respondent]
    order = pd.unique(ids.to_numpy())
    long = pd.DataFrame({"_id": ids.to_numpy(), "_col": cols, "_val": frame[answer].to_numpy()})
    wide = long.pivot(index="_id", columns="_col", values="_val")
    wide = wide.reindex(index=order, columns=list(dict.fromkeys(cols)))
    wide.index.name = respondent
    wide.columns.name = None
    if keep:
        per = frame.groupby(respondent, sort=False)
        varying = [c for c in keep if (per[c].nunique(dropna=False) > 1).any()]
        if varying:
            raise DataError(f"Respondent-level column(s) {', '.join(map(repr, varying))} vary within a respondent "
                            "in long data; they must be constant per respondent.")
        wide = wide.join(per[list(keep)].first())
    return wide
