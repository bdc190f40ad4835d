"""Missing-answer policies, applied to checked :class:`~expectmodel.data.Items` and recorded."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from expectmodel.data import _messages as msg
from expectmodel.data.read import Items

__all__ = ["MISSING_POLICIES", "MissingPolicy", "MissingRecord", "apply_missing", "pairwise_counts"]

MissingPolicy = Literal["raise", "listwise", "pairwise", "mean", "keep"]
MISSING_POLICIES: tuple[str, ...] = ("raise", "listwise", "pairwise", "mean", "keep")
MIN_PAIRWISE = 3  # fewest rows answering both columns of a pair for a pairwise-complete correlation


@dataclass(frozen=True, eq=False)
class MissingRecord:
    """What a missing-answer policy did: rows dropped, cells imputed per column, pairwise counts.

    Parameters
    ----------
    policy : str
        The policy applied.
    n_missing : dict
        Missing answers per column before the policy.
    dropped : Index
        Rows removed (listwise).
    imputed : dict
        Cells filled per column (mean).
    pairwise_n : ndarray (p, p), optional
        Rows answering both columns of each pair (pairwise).

    Returns
    -------
    MissingRecord
        Stored in ``Items.missing`` by :func:`apply_missing`.

    Examples
    --------
    >>> import pandas as pd
    >>> from expectmodel.data import read_items
    >>> items = read_items(pd.DataFrame({"a": [1, None, 3, 4, 5], "b": [1, 2, None, 3, 5]}), ["a", "b"])
    >>> rec = apply_missing(items, "pairwise").missing
    >>> rec.min_pairwise_n, rec.n_missing
    (3, {'a': 1, 'b': 1})
    """

    policy: str
    n_missing: dict[str, int]  # missing answers per column before the policy
    dropped: pd.Index = field(default_factory=lambda: pd.Index([]))  # rows removed (listwise)
    imputed: dict[str, int] = field(default_factory=dict)  # cells filled per column (mean)
    pairwise_n: np.ndarray | None = None  # (p, p) rows answering both columns (pairwise)

    @property
    def n_dropped(self) -> int:
        """The number of rows dropped (listwise deletion)."""
        return len(self.dropped)

    @property
    def min_pairwise_n(self) -> int | None:
        """The smallest pairwise-complete count (``missing="pairwise"``), else None."""
        return None if self.pairwise_n is None else int(self.pairwise_n.min())


def pairwise_counts(observed: np.ndarray) -> np.ndarray:
    """(p, p) number of rows in which both columns are answered, from the (n, p) boolean mask."""
    m = observed.astype(np.float64)
    return np.rint(m.T @ m).astype(np.int64)


def check_pairs(counts: np.ndarray, columns: tuple[str, ...] | list[str], least: int = MIN_PAIRWISE) -> None:
    """Refuse a pair of columns answered together in fewer than ``least`` rows, naming both."""
    low = counts < least
    if low.any():
        j, k = np.argwhere(low)[0]
        if j == k:
            raise msg.no_answers(columns[j]) if counts[j, j] == 0 else msg.too_few_pairs(
                columns[j], columns[j], int(counts[j, j]), least)
        raise msg.too_few_pairs(columns[j], columns[k], int(counts[j, k]), least)


def apply_missing(items: Items, policy: MissingPolicy) -> Items:
    """Apply a missing-answer policy and record what it did in ``items.missing``.

    Parameters
    ----------
    items : Items
        From :func:`~expectmodel.data.read_items` (codes already NaN).
    policy : {"raise", "listwise", "pairwise", "mean", "keep"}
        ``raise``: any missing answer is an error naming the columns and the first row; ``listwise``:
        drop respondents with a missing answer; ``pairwise``: keep the NaN and record, per pair of
        columns, the rows answering both (a pair with fewer than 3 is refused); ``mean``: replace a
        missing answer with its column's mean; ``keep``: keep the NaN (models that handle them).

    Returns
    -------
    Items
        The answers after the policy, with a :class:`MissingRecord` in ``missing``.

    Examples
    --------
    >>> import pandas as pd
    >>> from expectmodel.data import read_items
    >>> df = pd.DataFrame({"a": [1, 2, None, 4], "b": [2, 1, 3, 5]})
    >>> out = apply_missing(read_items(df, ["a", "b"]), "mean")
    >>> out.values[2, 0], out.missing.imputed
    (np.float64(2.3333333333333335), {'a': 1})
    >>> apply_missing(read_items(df, ["a", "b"]), "listwise").missing.n_dropped
    1
    """
    if policy not in MISSING_POLICIES:
        raise msg.bad_policy(policy, MISSING_POLICIES)
    x = items.values
    nan = np.isnan(x)
    counts = nan.sum(axis=0)
    cols = items.columns
    n_missing = {cols[k]: int(counts[k]) for k in np.flatnonzero(counts)}
    record = MissingRecord(policy, n_missing)
    if policy == "keep" or not counts.any():
        if policy == "pairwise":
            record = dataclasses.replace(record, pairwise_n=pairwise_counts(~nan))
        return dataclasses.replace(items, missing=record)
    if policy == "raise":
        j = int(np.argmax(counts > 0))
        raise msg.missing_answers(cols, counts, cols[j], items.index[int(np.argmax(nan[:, j]))],
                                  ("listwise", "pairwise", "mean"))
    if policy == "listwise":
        keep = ~nan.any(axis=1)
        if not keep.any():
            raise msg.DataError("Every row has at least one missing answer, so missing='listwise' keeps nothing; "
                                "use missing='pairwise' or missing='mean', or read fewer columns.")
        values = x[keep]
        values.flags.writeable = False
        return dataclasses.replace(items, values=values, index=items.index[keep],
                                   missing=dataclasses.replace(record, dropped=items.index[~keep]))
    empty = np.flatnonzero(counts == x.shape[0])
    if empty.size:
        raise msg.no_answers(cols[empty[0]], items.owner)
    if policy == "pairwise":
        n_pairs = pairwise_counts(~nan)
        check_pairs(n_pairs, cols)
        return dataclasses.replace(items, missing=dataclasses.replace(record, pairwise_n=n_pairs))
    means = np.nanmean(x, axis=0)
    values = np.where(nan, means, x)
    values.flags.writeable = False
    return dataclasses.replace(items, values=values, missing=dataclasses.replace(record, imputed=n_missing))
