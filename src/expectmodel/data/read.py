"""Read item columns from a DataFrame into a checked float matrix (NaN for a missing answer)."""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from expectmodel.data import _messages as msg
from expectmodel.data.schema import Scale, as_scale
from expectmodel.errors import ParameterError

if TYPE_CHECKING:
    from expectmodel.data.missing import MissingRecord

__all__ = [
    "Items",
    "find_columns",
    "is_codes",
    "parse_codes",
    "read_items",
]


@dataclass(frozen=True, eq=False)
class Items:
    """Checked answers: ``values`` (n, p) float64 with NaN for a missing answer, and where they came from.

    Parameters
    ----------
    values : ndarray (n, p)
        Read-only float64 answers, NaN where missing.
    columns : tuple of str
        Column names, in the order read.
    index : Index
        Row labels.
    scales : tuple of Scale or None
        The declared scale of each column.
    codes : tuple of float
        The missing-answer codes that became NaN.
    n_rows_in : int
        Rows in the frame read.
    owner : mapping column -> str, optional
        What each column belongs to (shown in messages).
    missing : MissingRecord, optional
        What :func:`~expectmodel.data.apply_missing` did (None before it ran).

    Returns
    -------
    Items
        Made by :func:`read_items`.

    Examples
    --------
    >>> import pandas as pd
    >>> items = read_items(pd.DataFrame({"a": [1, -99]}), ["a"], missing_values=-99)
    >>> items.n, items.codes, items.frame()["a"].isna().tolist()
    (2, (-99.0,), [False, True])
    """

    values: np.ndarray
    columns: tuple[str, ...]
    index: pd.Index
    scales: tuple[Scale | None, ...]
    codes: tuple[float, ...]
    n_rows_in: int
    owner: Mapping[str, str] | None = field(default=None, repr=False)
    missing: MissingRecord | None = None

    @property
    def n(self) -> int:
        """The number of respondents (rows)."""
        return self.values.shape[0]

    def frame(self) -> pd.DataFrame:
        """Return the answers as a DataFrame (a copy).

        Returns
        -------
        pandas.DataFrame
            One column per item, indexed like the data read.
        """
        return pd.DataFrame(self.values.copy(), index=self.index, columns=list(self.columns))


def parse_codes(missing_values: object) -> tuple[float, ...]:
    """Missing-answer codes as a tuple of floats, from None, one number or a sequence of numbers.

    Parameters
    ----------
    missing_values : None, number or sequence of numbers
        The codes; anything else raises :class:`~expectmodel.errors.ParameterError`.

    Returns
    -------
    tuple of float

    Examples
    --------
    >>> parse_codes(-99), parse_codes([-99, 99]), parse_codes(None)
    ((-99.0,), (-99.0, 99.0), ())
    """
    if missing_values is None:
        return ()
    values = [missing_values] if isinstance(missing_values, numbers.Number | str | bytes) or np.isscalar(
        missing_values) else missing_values
    try:
        codes = tuple(float(v) for v in values)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        raise ParameterError(f"missing_values must be a number or a sequence of numbers (codes such as -99), "
                             f"got {missing_values!r}.") from None
    if any(np.isnan(c) for c in codes):
        raise ParameterError("missing_values: NaN is always missing; declare only the numeric codes.")
    return codes


def is_codes(value: object) -> bool:
    """Tell whether ``value`` is a valid ``missing_values=`` setting (what :func:`parse_codes` accepts).

    Every family's parameter constraint on ``missing_values`` uses it, so they accept the same settings.

    Parameters
    ----------
    value : object
        A candidate setting.

    Returns
    -------
    bool
        False for booleans, text, NaN and anything that is not numbers.

    Examples
    --------
    >>> is_codes(-99), is_codes([-99, 99]), is_codes(()), is_codes("n/a"), is_codes(True)
    (True, True, True, False, False)
    """
    items = value if isinstance(value, list | tuple) else [value]
    if any(isinstance(v, bool | np.bool_ | str | bytes) for v in items):
        return False
    try:
        parse_codes(value)
    except ParameterError:
        return False
    return True


def find_columns(columns: pd.Index, wanted: Sequence[str], owner: Mapping[str, str] | None = None) -> np.ndarray:
    """Positions of ``wanted`` among ``columns``; unknown (did-you-mean) and duplicated columns raise."""
    names = columns.tolist()
    pos: dict[object, int] = {}
    for i, c in enumerate(names):
        pos.setdefault(c, i)
    absent = [c for c in wanted if c not in pos]
    if absent:
        raise msg.not_found(absent, names, owner, exclude=wanted)
    if len(pos) != len(names):
        want = set(wanted)
        seen: set[object] = set()
        for c in names:
            if c in seen and c in want:
                raise msg.duplicated(c)
            seen.add(c)
    return np.array([pos[c] for c in wanted], dtype=np.intp)


def is_plain(dtype: object) -> bool:
    return isinstance(dtype, np.dtype) and dtype.kind in "biuf"


def numeric_column(series: pd.Series, name: object, owner: Mapping[str, str] | None) -> np.ndarray:
    """One column as a new float64 array; a column holding text raises, naming the first bad value and row.

    Numbers stored as objects or text (``"3"``) are read as numbers; empty cells are NaN.
    """
    dtype = series.dtype
    if is_plain(dtype):
        return np.array(series.to_numpy(), dtype=np.float64)
    if pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
        return series.to_numpy(dtype=np.float64, na_value=np.nan)
    coerced = pd.to_numeric(series.to_numpy(dtype=object), errors="coerce")
    coerced = np.asarray(coerced, dtype=np.float64)
    bad = np.isnan(coerced) & series.notna().to_numpy()
    if bad.any():
        r = int(np.argmax(bad))
        raise msg.non_numeric(name, owner, dtype, series.iloc[r], series.index[r])
    return coerced


def check_values(x: np.ndarray, columns: Sequence[str], index: pd.Index, scales: Sequence[Scale | None],
                 codes: Sequence[float], owner: Mapping[str, str] | None = None, *, infinite: bool = True) -> None:
    """Infinite values, answers outside the declared scales and non-whole likert answers raise (NaN passes)."""
    if infinite:
        inf = np.isinf(x)
        if inf.any():
            j = int(np.argmax(inf.any(axis=0)))
            rows = np.flatnonzero(inf[:, j])
            raise msg.infinite(columns[j], owner, rows.size, index[rows[0]])
    for j, s in enumerate(scales):
        if s is None:
            continue
        col = x[:, j]
        with np.errstate(invalid="ignore"):
            outside = (col < s.low) | (col > s.high)
        if outside.any():
            rows = np.flatnonzero(outside)
            raise msg.outside_scale(columns[j], owner, s, rows.size, index[rows[0]], col[rows[0]], codes)
    for j, s in enumerate(scales):
        if s is None or not s.whole:
            continue
        col = x[:, j]
        with np.errstate(invalid="ignore"):
            frac = col != np.round(col)
        frac &= ~np.isnan(col)
        if frac.any():
            rows = np.flatnonzero(frac)
            raise msg.not_whole(columns[j], owner, s, rows.size, index[rows[0]], col[rows[0]])


def _scales(scales: object, columns: Sequence[str]) -> tuple[Scale | None, ...]:
    if isinstance(scales, Mapping):
        unknown = [c for c in scales if c not in set(columns)]
        if unknown:
            raise ParameterError(f"scales names column(s) {', '.join(map(repr, unknown))} that are not among "
                                 "the columns read.")
        return tuple(as_scale(scales.get(c), where=f"scales['{c}']") for c in columns)
    s = as_scale(scales, where="scales")
    return (s,) * len(columns)


def read_items(
    frame: pd.DataFrame,
    columns: Iterable[str],
    *,
    scales: Scale | tuple[float, float] | Mapping[str, Scale | tuple[float, float] | None] | None = None,
    missing_values: float | Iterable[float] | None = (),
    owner: Mapping[str, str] | None = None,
) -> Items:
    """Read answer columns from ``frame`` with every check a survey file needs, one clear message per problem.

    Missing-answer codes become NaN first, so a code is never read as an answer. Then: the frame is a
    DataFrame with rows; every column exists (else a did-you-mean hint), once; every column is numeric
    (else the first bad value and its row); no value is infinite; every answer lies inside its declared
    scale and, on a likert scale, is a whole category.

    Parameters
    ----------
    frame : DataFrame
        One row per respondent.
    columns : iterable of str
        The columns to read, in the order wanted.
    scales : Scale, (low, high), mapping column -> Scale or (low, high), or None
        Declared answer scales (a bare pair is an interval scale); columns without one are not range-checked.
    missing_values : number or sequence of numbers
        Codes that mean "no answer", e.g. ``-99`` or ``[-99, 99]``.
    owner : mapping column -> str, optional
        What each column belongs to, shown in messages, e.g. ``{"q1": "construct 'Q'"}``.

    Returns
    -------
    Items
        Frozen: ``values`` (n, p) float64 (read-only, NaN where missing), ``columns``, ``index``,
        ``scales``, ``codes``, ``n_rows_in``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"q1": [1, 5, -99], "q2": [2, 3, 4]})
    >>> items = read_items(df, ["q1", "q2"], scales=Scale(1, 5), missing_values=-99)
    >>> items.values[:, 0].tolist()
    [1.0, 5.0, nan]
    >>> read_items(df, ["Q1"])
    Traceback (most recent call last):
    ...
    expectmodel.errors.DataError: Indicator(s) not found in the data: 'Q1' (did you mean 'q1'?).
    """
    if not isinstance(frame, pd.DataFrame):
        raise msg.not_a_frame(frame)
    cols = [str(c) if not isinstance(c, str) else c for c in columns]
    codes = parse_codes(missing_values)
    per_column = _scales(scales, cols)
    if frame.shape[0] == 0:
        raise msg.no_rows(frame.shape[1])
    positions = find_columns(frame.columns, cols, owner)
    n = frame.shape[0]
    x = np.empty((n, len(cols)))
    for j, (name, pos) in enumerate(zip(cols, positions, strict=True)):
        x[:, j] = numeric_column(frame.iloc[:, pos], name, owner)
    for code in codes:
        x[x == code] = np.nan
    check_values(x, cols, frame.index, per_column, codes, owner)
    x.flags.writeable = False
    return Items(x, tuple(cols), frame.index, per_column, codes, n, owner)
