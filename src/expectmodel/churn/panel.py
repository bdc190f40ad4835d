"""Person-period rows for the discrete-time hazard model, from a customer table, an event table and survey waves."""

from __future__ import annotations

import numpy as np
import pandas as pd

from expectmodel.churn._design import check_frame
from expectmodel.data import _messages as msg
from expectmodel.errors import DataError

__all__ = ["person_period"]


def _column(frame: pd.DataFrame, name: str, table: str) -> pd.Series:
    if name not in frame.columns:
        raise msg.not_found([name], frame.columns.tolist(), {name: f"{table} column"}, noun="Column(s)")
    col = frame[name]
    if isinstance(col, pd.DataFrame):
        raise msg.duplicated(name)
    return col


def _periods(frame: pd.DataFrame, name: str, table: str) -> np.ndarray:
    col = _column(frame, name, table)
    values = col.to_numpy(dtype=float, na_value=np.nan) if pd.api.types.is_numeric_dtype(col) else None
    if values is None:
        raise DataError(f"Column '{name}' of the {table} must hold whole period numbers (1, 2, ...); it has dtype "
                        f"{col.dtype}.")
    bad = ~np.isfinite(values) | (values != np.round(values))
    if bad.any():
        r = int(np.argmax(bad))
        raise DataError(f"Column '{name}' of the {table} must hold whole period numbers; row "
                        f"{msg._row(frame.index[r])!r} holds {col.iloc[r]!r}.")
    return values.astype(np.int64)


def _first_duplicate(keys: pd.Index | pd.MultiIndex) -> object | None:
    dup = keys.duplicated()
    return keys[int(np.argmax(dup))] if dup.any() else None


def person_period(customers: pd.DataFrame, events: pd.DataFrame | None = None, *, customer: str = "customer",
                  entry: str = "entry", end: str | int = "end", time: str = "time",
                  waves: pd.DataFrame | None = None, period: str = "period") -> pd.DataFrame:
    """Build the person-period table of a discrete-time hazard model: one row per customer and period at risk.

    A customer is at risk from period ``entry`` through the period of churn (an event) or, without one,
    through ``end`` (censored). The churn period's row has ``event = 1``. Survey answers collected in
    waves are time-varying: each row carries the customer's latest wave at or before its period (last
    observation carried forward; NaN before the first wave). Every other column of ``customers`` is a
    static feature copied to each of the customer's rows.

    Parameters
    ----------
    customers : pandas.DataFrame
        One row per customer: the id, the entry period and (when ``end`` is a column name) the last
        period observed, plus static features.
    events : pandas.DataFrame, optional
        One row per churned customer: the id and the churn period (column ``time``). None: nobody churned.
    customer : str, default "customer"
        The id column (in all three tables).
    entry : str, default "entry"
        The column of ``customers`` with the first period at risk (whole numbers).
    end : str or int, default "end"
        The column of ``customers`` with the last period observed, or one period for everyone.
    time : str, default "time"
        The column of ``events`` with the churn period.
    waves : pandas.DataFrame, optional
        Survey waves, one row per customer and period answered: the id, ``period`` and the answers.
    period : str, default "period"
        The period column of ``waves``; also the name of the output's period column.

    Returns
    -------
    pandas.DataFrame
        ``customer``, ``period``, ``tenure`` (1 in the entry period), ``event`` (0/1), the static features
        and the wave columns; sorted by customer (in the order of ``customers``) and period.

    Raises
    ------
    DataError
        A duplicated customer, an event before entry or after the end of observation, an event of an
        unknown customer, two events of one customer, duplicate customer-period rows in ``waves``.

    Examples
    --------
    >>> import pandas as pd
    >>> customers = pd.DataFrame({"customer": ["a", "b"], "entry": [1, 2], "end": [3, 3], "age": [30, 50]})
    >>> events = pd.DataFrame({"customer": ["b"], "time": [2]})
    >>> waves = pd.DataFrame({"customer": ["a", "a"], "period": [1, 3], "sat": [7, 4]})
    >>> person_period(customers, events, waves=waves)
      customer  period  tenure  event  age  sat
    0        a       1       1      0   30  7.0
    1        a       2       2      0   30  7.0
    2        a       3       3      0   30  4.0
    3        b       2       1      1   50  NaN
    """
    check_frame(customers, "one row per customer")
    ids = pd.Index(_column(customers, customer, "customer table"))
    dup = _first_duplicate(ids)
    if dup is not None:
        raise DataError(f"Customer {msg._row(dup)!r} appears more than once in the customer table; it needs one "
                        "row per customer (put repeated survey answers in waves=).")
    start = _periods(customers, entry, "customer table")
    n = start.size
    if isinstance(end, str):
        stop = _periods(customers, end, "customer table")
    elif isinstance(end, int | np.integer) and not isinstance(end, bool):
        stop = np.full(n, int(end), dtype=np.int64)
    else:
        raise DataError(f"end must be a column name or a whole period number; got {end!r}.")
    early = stop < start
    if early.any():
        r = int(np.argmax(early))
        raise DataError(f"Customer {msg._row(ids[r])!r} ends observation in period {stop[r]} before entering in period "
                        f"{start[r]}.")
    event = np.zeros(n, dtype=bool)
    if events is not None:
        check_frame(events, "one row per churned customer")
        ev_ids = pd.Index(_column(events, customer, "event table"))
        ev_t = _periods(events, time, "event table")
        dup = _first_duplicate(ev_ids)
        if dup is not None:
            raise DataError(f"Customer {msg._row(dup)!r} has more than one churn event; a customer churns once "
                            "(keep the first, or model repeated spells separately).")
        pos = ids.get_indexer(ev_ids)
        if (pos < 0).any():
            r = int(np.argmax(pos < 0))
            raise DataError(f"The event table names customer {msg._row(ev_ids[r])!r}, who is not in the customer "
                            "table.")
        before = ev_t < start[pos]
        if before.any():
            r = int(np.argmax(before))
            raise DataError(f"Customer {msg._row(ev_ids[r])!r} churns in period {ev_t[r]}, before entering in period "
                            f"{start[pos[r]]}: an event time before entry. Check the two tables' period coding.")
        after = ev_t > stop[pos]
        if after.any():
            r = int(np.argmax(after))
            raise DataError(f"Customer {msg._row(ev_ids[r])!r} churns in period {ev_t[r]}, after the end of "
                            f"observation in period {stop[pos[r]]}.")
        stop = stop.copy()
        stop[pos] = ev_t
        event[pos] = True
    length = stop - start + 1
    total = int(length.sum())
    owner = np.repeat(np.arange(n, dtype=np.int64), length)
    first = np.cumsum(length) - length
    tenure = np.arange(1, total + 1, dtype=np.int64)
    tenure -= first[owner]
    t = tenure + (start - 1)[owner]
    flag = np.zeros(total, dtype=np.int8)
    flag[(first + length - 1)[event]] = 1
    out: dict[str, object] = {customer: ids.to_numpy()[owner], period: t, "tenure": tenure, "event": flag}
    keys = {customer, entry, end if isinstance(end, str) else None}
    for name in customers.columns:
        if name not in keys and name not in out:
            out[name] = customers[name].to_numpy()[owner]
    if waves is not None:
        _carry_waves(out, waves, ids, first, start, stop, total, customer, period)
    return pd.DataFrame(out, copy=False)


def _carry_waves(out: dict, waves: pd.DataFrame, ids: pd.Index, first: np.ndarray, start: np.ndarray,
                 stop: np.ndarray, total: int, customer: str, period: str) -> None:
    """Add each wave column, carried forward per customer, to ``out`` (in place).

    Each wave marks the row of its customer and period (a wave before entry marks the entry row; one after
    the customer's last row is never used); a forward fill within customers then gives every row its
    latest wave at or before its period.
    """
    check_frame(waves, "one row per customer and survey wave")
    w_ids = pd.Index(_column(waves, customer, "waves"))
    w_t = _periods(waves, period, "waves")
    pos = ids.get_indexer(w_ids)
    if (pos < 0).any():
        r = int(np.argmax(pos < 0))
        raise DataError(f"The waves name customer {msg._row(w_ids[r])!r}, who is not in the customer table.")
    lo = int(w_t.min())
    span = int(max(w_t.max(), stop.max())) - lo + 1
    key = pos * span + (w_t - lo)
    order = np.argsort(key, kind="stable")
    skey = key[order]
    same = skey[1:] == skey[:-1]
    if same.any():
        r = order[int(np.argmax(same)) + 1]
        raise DataError(f"Duplicate customer-period rows in the waves: customer {msg._row(w_ids[r])!r} answers "
                        f"twice in period {w_t[r]}. Keep one row per customer and period (e.g. the later answer).")
    c, t = pos[order], w_t[order]
    used = t <= stop[c]
    row = first[c] + np.maximum(t - start[c], 0)
    # several waves before entry mark the same (entry) row: the latest of them (the last in sorted order) wins
    last = np.r_[row[1:] != row[:-1], True]
    keep = used & last
    src = np.full(total, -1, dtype=np.int64)
    src[row[keep]] = order[keep]
    mark = src >= 0
    mark[first] = True  # a customer's first row starts their fill (NaN until their first wave)
    filled = src[np.maximum.accumulate(np.where(mark, np.arange(total), 0))]
    valid = filled >= 0
    take = np.where(valid, filled, 0)
    for name in waves.columns:
        if name in (customer, period):
            continue
        if name in out:
            raise DataError(f"Column '{name}' is both in the customer table and in the waves; rename one.")
        values = waves[name].to_numpy()
        if values.dtype.kind in "biuf":
            col = values.astype(float)[take]
            col[~valid] = np.nan
        else:
            col = values.astype(object)[take]
            col[~valid] = None
        out[name] = col
