"""The one wording of every data problem, shared by every model family.

Each function returns the message (or the exception) for one problem, so that
:func:`expectmodel.data.read_items`, PLS's fused pass and the latent design say
the same thing about the same bad input.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from expectmodel.errors import DataError, ParameterError

Owner = Mapping[str, str] | None


def _row(row: object) -> object:
    """A row label as the user wrote it: ``7``, not ``np.int64(7)``."""
    return row.item() if isinstance(row, np.generic) else row


def label(column: object, owner: Owner = None) -> str:
    """``'q1'`` or ``'q1' (construct 'Q')`` when ``owner`` names what the column belongs to."""
    if owner and column in owner:
        return f"'{column}' ({owner[column]})"  # type: ignore[index]
    return f"'{column}'"


def not_a_frame(obj: object) -> DataError:
    return DataError(f"Expected a pandas DataFrame with one column per item, got {type(obj).__name__}.")


def no_rows(n_columns: int) -> DataError:
    if n_columns == 0:
        return DataError("The data are empty: no columns and no rows. Check the file or the frame you passed.")
    return DataError(
        f"The data have a header but no rows: {n_columns} column name(s) and no answers under them "
        "(a header-only CSV file, or a filter that kept nothing). Check the export."
    )


def suggest(name: str, candidates: Sequence[str]) -> str | None:
    """A case-insensitive match first, then the closest spelling (difflib), else None."""
    by_lower = {str(c).lower(): str(c) for c in candidates}
    if name.lower() in by_lower:
        return by_lower[name.lower()]
    close = difflib.get_close_matches(name, list(by_lower.values()), n=1)
    return close[0] if close else None


def not_found(missing: Iterable[str], columns: Sequence[object], owner: Owner = None,
              exclude: Iterable[object] = (), noun: str = "Indicator(s)") -> DataError:
    """Unknown column(s), each with its owner and a did-you-mean hint drawn from the unused columns.

    Answer columns are indicators in every family (``noun`` is ``"Column(s)"`` for a grouping or id column).
    """
    taken = set(exclude)
    candidates = [str(c) for c in columns if c not in taken]
    parts = []
    for name in missing:
        close = suggest(str(name), candidates)
        hint = f" (did you mean '{close}'?)" if close is not None else ""
        parts.append(f"{label(name, owner)}{hint}")
    return DataError(f"{noun} not found in the data: " + "; ".join(parts) + ".")


def duplicated(column: object) -> DataError:
    return DataError(f"Column '{column}' appears more than once in the data; rename the duplicates.")


def non_numeric(column: object, owner: Owner, dtype: object, value: object, row: object) -> DataError:
    return DataError(
        f"Column {label(column, owner)} is not numeric (dtype {dtype}); first non-numeric value {value!r} at row "
        f"{_row(row)!r}. Recode answers as numbers and declare missing-answer codes with missing_values=."
    )


def infinite(column: object, owner: Owner, count: int, row: object) -> DataError:
    return DataError(f"Column {label(column, owner)} holds {count} infinite value(s); first at row {_row(row)!r}. "
                     "Recode them or declare them with missing_values=.")


def outside_scale(column: object, owner: Owner, scale, count: int, row: object, value: float,
                  codes: Sequence[float]) -> DataError:
    msg = (f"Column {label(column, owner)} has {count} value(s) outside the declared {scale.describe()} scale; "
           f"first at row {_row(row)!r} (value {value:g}). Recode them or set them to NaN.")
    if scale.kind == "probability" and scale.high == 1 and 1 < value <= 100:
        msg += " If the answers are percentages, declare the 0-100 probability scale."
    if not codes and float(value).is_integer():
        msg += f" If {value:g} is a missing-answer code, declare it with missing_values={value:g}."
    return DataError(msg)


def not_whole(column: object, owner: Owner, scale, count: int, row: object, value: float) -> DataError:
    return DataError(
        f"Column {label(column, owner)} has {count} answer(s) that are not whole categories of the "
        f"{scale.describe()} scale; first at row {_row(row)!r} (value {value:g}). Likert answers are category "
        "numbers: recode them, or declare an interval scale."
    )


def missing_answers(columns: Sequence[str], counts: np.ndarray, first_column: str, row: object,
                    allowed: Sequence[str]) -> DataError:
    listed = np.flatnonzero(counts)
    listing = ", ".join(f"'{columns[k]}' ({counts[k]})" for k in listed[:8])
    more = f" and {listed.size - 8} more" if listed.size > 8 else ""
    options = {"listwise": "missing='listwise' to drop those respondents",
               "pairwise": "missing='pairwise' to use every pair's complete answers",
               "mean": "missing='mean' to impute column means"}
    how = ", ".join(options[a] for a in allowed if a in options)
    return DataError(f"Missing answers in {listed.size} column(s): {listing}{more}; first in '{first_column}' at "
                     f"row {_row(row)!r}. Pass {how}.")


def no_answers(column: object, owner: Owner = None) -> DataError:
    return DataError(f"Column {label(column, owner)} has no answers at all; drop it.")


def too_few_pairs(a: object, b: object, n: int, least: int) -> DataError:
    if a == b:
        return DataError(f"Column '{a}' is answered in only {n} row(s); pairwise-complete correlations need at "
                         f"least {least}. Drop it, or use missing='listwise' or missing='mean'.")
    return DataError(
        f"Columns '{a}' and '{b}' are both answered in only {n} row(s); pairwise-complete correlations need "
        f"at least {least}. Drop one of them, or use missing='listwise' or missing='mean'."
    )


def bad_policy(policy: object, allowed: Sequence[str]) -> ParameterError:
    return ParameterError(f"missing must be one of {', '.join(map(repr, allowed))}; got {policy!r}.")
