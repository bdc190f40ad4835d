"""Read a grouping column (customer stage, wave, cohort) into labels, levels and counts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from expectmodel.data import _messages as msg
from expectmodel.errors import DataError

__all__ = ["Grouping", "read_grouping"]


def _rows(index: pd.Index, mask: np.ndarray, limit: int = 5) -> str:
    rows = list(index[np.asarray(mask)])
    head = ", ".join(map(repr, rows[:limit]))
    return head + (f" and {len(rows) - limit} more" if len(rows) > limit else "")


@dataclass(frozen=True, eq=False)
class Grouping:
    """Group membership of every row: ``codes`` index ``levels``; labels are compared as text.

    Parameters
    ----------
    column : str
        The grouping column.
    codes : ndarray (n,)
        Each row's position in ``levels``.
    levels : tuple of str
        The levels, in order.
    counts : tuple of int
        Rows per level.
    index : Index
        Row labels.

    Returns
    -------
    Grouping
        Made by :func:`read_grouping`.

    Examples
    --------
    >>> import pandas as pd
    >>> read_grouping(pd.DataFrame({"wave": [1, 2, 1]}), "wave").labels.tolist()
    ['1', '2', '1']
    """

    column: str
    codes: np.ndarray  # (n,) intp, position of each row's level in ``levels``
    levels: tuple[str, ...]
    counts: tuple[int, ...]  # rows per level
    index: pd.Index

    @property
    def labels(self) -> np.ndarray:
        """Each row's level, as text."""
        return np.asarray(self.levels, dtype=object)[self.codes]


def read_grouping(
    frame: pd.DataFrame,
    column: str,
    *,
    levels: Iterable[object] | None = None,
    ordered: bool = False,
    min_levels: int = 1,
    levels_name: str = "levels",
) -> Grouping:
    """Read the group of every row from one column, with a clear message for every problem.

    Parameters
    ----------
    frame : DataFrame
        One row per respondent.
    column : str
        The grouping column (an unknown name gets a did-you-mean hint).
    levels : iterable, optional
        The levels in their natural order; every row must hold one of them and each must have rows.
    ordered : bool
        Without ``levels``: sort the levels found (otherwise the order of first appearance). A
        categorical column's categories are its levels, in their order, whatever ``ordered`` says,
        and each category needs respondents.
    min_levels : int
        Fewest levels needed (e.g. 2 to compare groups).
    levels_name : str
        How the levels are named in messages (the caller's keyword, e.g. ``"stages"``).

    Returns
    -------
    Grouping
        ``codes`` (per row), ``levels``, ``counts``, ``index``, ``labels``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"stage": ["new", "loyal", "new"]})
    >>> g = read_grouping(df, "stage")
    >>> g.levels, g.counts, g.codes.tolist()
    (('new', 'loyal'), (2, 1), [0, 1, 0])
    >>> read_grouping(df, "stage", ordered=True).levels
    ('loyal', 'new')
    """
    if not isinstance(frame, pd.DataFrame):
        raise msg.not_a_frame(frame)
    if frame.shape[0] == 0:
        raise msg.no_rows(frame.shape[1])
    if column not in frame.columns:
        raise msg.not_found([column], frame.columns.tolist(), {column: "grouping column"}, noun="Column(s)")
    raw = frame[column]
    if isinstance(raw, pd.DataFrame):
        raise msg.duplicated(column)
    na = raw.isna().to_numpy()
    if na.any():
        raise DataError(f"Column '{column}' has no group label in {int(na.sum())} row(s): {_rows(frame.index, na)}. "
                        "Every row needs one; fill them in or drop those rows.")
    values = raw.astype(str).to_numpy()
    categorical = isinstance(raw.dtype, pd.CategoricalDtype)
    if categorical:  # the declared categories are the levels, in their order; each needs respondents
        present = set(values)
        found = [str(c) for c in raw.cat.categories]
        unused = [c for c in found if c not in present]
        if unused and levels is None:
            raise DataError(f"Group(s) {', '.join(map(repr, unused))} of column '{column}' have no respondents; "
                            "remove the unused categories (e.g. with .cat.remove_unused_categories()) or collect "
                            "data for them.")
    else:
        found = list(dict.fromkeys(values))
    if levels is not None:
        declared = tuple(map(str, levels))
        if len(set(declared)) != len(declared):
            raise DataError(f"{levels_name}={list(declared)} names a level twice.")
        unknown = [v for v in found if v not in set(declared)]
        if unknown:
            raise DataError(f"Column '{column}' holds value(s) {', '.join(map(repr, unknown))} not in "
                            f"{levels_name}={list(declared)}.")
        empty = [s for s in declared if s not in set(values)]
        if empty:
            raise DataError(f"Level(s) {', '.join(map(repr, empty))} of column '{column}' have no respondents; a "
                            f"group without data cannot be estimated. Remove them from {levels_name}= or add "
                            "their respondents.")
        order = declared
    else:
        order = tuple(sorted(found)) if ordered and not categorical else tuple(found)
    if len(order) < min_levels:
        raise DataError(f"Column '{column}' has {len(order)} level(s) ({', '.join(map(repr, order))}); at least "
                        f"{min_levels} are needed to compare groups.")
    lookup = {s: i for i, s in enumerate(order)}
    codes = np.fromiter((lookup[v] for v in values), dtype=np.intp, count=len(values))
    counts = tuple(int(c) for c in np.bincount(codes, minlength=len(order)))
    return Grouping(column, codes, order, counts, frame.index)
