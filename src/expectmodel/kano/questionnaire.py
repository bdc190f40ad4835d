"""The Kano questionnaire: answer pairs, their wordings and codes, and the evaluation table (METHODS §4).

Each attribute is asked twice: the *functional* question ("How do you feel if the product has X?")
and the *dysfunctional* one ("... if it does not have X?"), each with five answers, in this order:
like, must-be, neutral, live-with, dislike. The evaluation table maps an answer pair (row:
functional, column: dysfunctional) to a category: Attractive, One-dimensional, Must-be,
Indifferent, Reverse or Questionable.

Answers come as common English or Chinese wordings, or as numeric codes under a declared mapping
(default 1 = like ... 5 = dislike). The lookup is vectorised: one table gather per answer matrix.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from expectmodel.data import _messages as msg
from expectmodel.data.read import find_columns, parse_codes, read_items
from expectmodel.errors import DataError, ParameterError

__all__ = [
    "ANSWERS",
    "CATEGORIES",
    "CATEGORY_NAMES",
    "STANDARD_TABLE",
    "Questionnaire",
    "categorize",
    "evaluation_table",
    "read_questionnaire",
]

#: The five answers, in the questionnaire's order (rows and columns of the evaluation table).
ANSWERS: tuple[str, ...] = ("like", "must-be", "neutral", "live-with", "dislike")
#: The six categories, in the order used by every count array (their position is the category code).
CATEGORIES: tuple[str, ...] = ("A", "O", "M", "I", "R", "Q")
CATEGORY_NAMES: dict[str, str] = {"A": "attractive", "O": "one-dimensional", "M": "must-be", "I": "indifferent",
                                  "R": "reverse", "Q": "questionable"}
#: The standard evaluation table (rows: functional answer, columns: dysfunctional answer), METHODS §4.
STANDARD_TABLE: tuple[str, ...] = ("QAAAO", "RIIIM", "RIIIM", "RIIIM", "RRRRQ")
#: Default numeric codes: 1 = like ... 5 = dislike.
DEFAULT_CODES: dict[int, str] = {i + 1: a for i, a in enumerate(ANSWERS)}

# Common wordings, normalised by _normal (case-folded, single spaces, no final punctuation).
WORDINGS: dict[str, tuple[str, ...]] = {
    "like": ("like", "i like it", "i like it that way", "i like it this way", "like it", "i would like it",
             "i enjoy it", "delighted", "喜欢", "我喜欢", "很喜欢", "我很喜欢", "我喜欢这样"),
    "must-be": ("must-be", "must be", "it must be that way", "it must be", "i expect it", "i expect it that way",
                "i expect it to be that way", "expected", "it is a basic requirement", "理所当然",
                "理应如此", "必须如此", "必须这样", "它必须这样", "应该如此", "应该的"),
    "neutral": ("neutral", "i am neutral", "i'm neutral", "i don't care", "i do not care", "indifferent",
                "无所谓", "中立", "没感觉", "我无所谓"),
    "live-with": ("live-with", "live with", "i can live with it", "i can live with it that way",
                  "i can tolerate it", "i can tolerate it that way", "tolerate", "能忍受", "可以忍受",
                  "我能忍受", "勉强接受", "能接受"),
    "dislike": ("dislike", "i dislike it", "i dislike it that way", "i don't like it", "i do not like it",
                "i dislike", "不喜欢", "我不喜欢", "我不喜欢这样", "讨厌", "很不喜欢"),
}


def _normal(text: str) -> str:
    text = re.sub(r"\s+", " ", str(text).strip().casefold()).replace("’", "'")
    return text.rstrip(".!。！")


LABELS: dict[str, int] = {_normal(w): k for k, a in enumerate(ANSWERS) for w in WORDINGS[a]}


# ---------------------------------------------------------------------------------------------- table
def _table_rows(table: Any) -> tuple[str, ...] | None:
    """Return the table as five 5-letter strings, or None when it is not 5 x 5 over the six categories."""
    if isinstance(table, str):
        return STANDARD_TABLE if table == "standard" else None
    if isinstance(table, pd.DataFrame):
        table = table.to_numpy().tolist()
    try:
        rows = [r if isinstance(r, str) else "".join(map(str, r)) for r in table]
    except TypeError:
        return None
    rows = [r.upper() for r in rows]
    ok = len(rows) == 5 and all(len(r) == 5 and set(r) <= set(CATEGORIES) for r in rows)
    return tuple(rows) if ok else None


def table_problem(table: Any) -> str | None:
    """Why ``table`` is not a usable evaluation table (None when it is)."""
    if _table_rows(table) is not None:
        return None
    return ("the evaluation table must be 'standard' or 5 x 5 over the six categories A, O, M, I, R, Q "
            "(rows: functional answer, columns: dysfunctional answer, both in the order like, must-be, neutral, "
            "live-with, dislike), e.g. ('QAAAO', 'RIIIM', 'RIIIM', 'RIIIM', 'RRRRQ')")


def table_codes(table: Any) -> np.ndarray:
    """Return the (5, 5) int8 array of category codes (positions in :data:`CATEGORIES`) of a valid table."""
    rows = _table_rows(table)
    if rows is None:
        raise ParameterError(f"table={table!r}: {table_problem(table)}.")
    return np.array([[CATEGORIES.index(c) for c in r] for r in rows], dtype=np.int8)


def evaluation_table(table: str | Sequence[str] | Sequence[Sequence[str]] = "standard") -> pd.DataFrame:
    """Return an evaluation table as a labelled 5 x 5 frame (and check it).

    Parameters
    ----------
    table : "standard", sequence of five 5-letter strings, or 5 x 5 nested sequence
        Rows are functional answers, columns dysfunctional answers, both in the order like,
        must-be, neutral, live-with, dislike; entries are A, O, M, I, R or Q.

    Returns
    -------
    pandas.DataFrame
        Index "functional" answers, columns "dysfunctional" answers, category letters.

    Raises
    ------
    ParameterError
        The table is not 5 x 5 over the six categories.

    Examples
    --------
    >>> t = evaluation_table()
    >>> t.loc["like", "dislike"], t.loc["neutral", "dislike"], t.loc["like", "neutral"]
    ('O', 'M', 'A')
    >>> evaluation_table(["QAAAO", "RIIIM"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    expectmodel.errors.ParameterError: table=['QAAAO', 'RIIIM']: the evaluation table must be 'standard' or 5 x 5...
    """
    codes = table_codes(table)
    frame = pd.DataFrame(np.asarray(CATEGORIES)[codes], index=list(ANSWERS), columns=list(ANSWERS))
    frame.index.name, frame.columns.name = "functional", "dysfunctional"
    return frame


# ---------------------------------------------------------------------------------------------- answers
def code_problem(codes: Any) -> str | None:
    """Why ``codes`` is not a usable mapping of codes or wordings to the five answers (None when it is)."""
    if codes is None:
        return None
    if not isinstance(codes, Mapping) or not codes:
        return "codes must be a mapping from answer codes (numbers) or wordings (text) to the five answers"
    for key, value in codes.items():
        if isinstance(key, bool) or not isinstance(key, int | float | str | np.integer | np.floating):
            return f"the key {key!r} is neither a number nor a wording"
        if _normal(value) not in LABELS:
            return (f"{key!r} maps to {value!r}, which is not one of the five answers "
                    f"{', '.join(map(repr, ANSWERS))} (or a common wording of one)")
    return None


def _code_table(codes: Mapping[Any, str] | None) -> tuple[dict[float, int], dict[str, int]]:
    """Numeric codes -> answer position, and wordings -> answer position (common wordings included)."""
    mapping = DEFAULT_CODES if codes is None else codes
    numeric: dict[float, int] = {}
    words = dict(LABELS)
    for key, value in mapping.items():
        pos = LABELS[_normal(value)]
        if isinstance(key, str):
            words[_normal(key)] = pos
        else:
            numeric[float(key)] = pos
    if codes is not None and not numeric:  # only wordings declared: the default numbers still apply
        numeric = {float(k): LABELS[v] for k, v in DEFAULT_CODES.items()}
    return numeric, words


def accepted(numeric: Mapping[float, int]) -> str:
    """Describe the accepted answers, in words, for messages."""
    codes = ", ".join(f"{k:g} = {ANSWERS[v]}" for k, v in sorted(numeric.items()))
    words = "; ".join(f"{a}: " + ", ".join(repr(w) for w in WORDINGS[a][:3] + WORDINGS[a][-3:-1])
                      for a in ANSWERS)
    return f"codes {codes}; wordings (case-insensitive) {words}"


@dataclass(frozen=True, eq=False)
class Questionnaire:
    """Answer pairs read from a survey: answer positions 0-4 (like ... dislike), -1 where missing.

    Parameters
    ----------
    attributes : tuple of str
        The attributes, in order.
    functional, dysfunctional : numpy.ndarray (n, p) of int8
        Answer positions in :data:`ANSWERS`; -1 for a missing answer.
    index : pandas.Index
        Row labels.
    columns : tuple of (str, str)
        The functional and dysfunctional column of each attribute.
    n_rows_in : int
        Rows read.

    Examples
    --------
    >>> df = pd.DataFrame({"wifi_f": [1, 3], "wifi_d": [5, "I can live with it"]})
    >>> q = read_questionnaire(df)
    >>> q.attributes, q.functional.tolist(), q.dysfunctional.tolist()
    (('wifi',), [[0], [2]], [[4], [3]])
    >>> q.categories().tolist()  # one-dimensional, indifferent
    [[1], [3]]
    """

    attributes: tuple[str, ...]
    functional: np.ndarray
    dysfunctional: np.ndarray
    index: pd.Index
    columns: tuple[tuple[str, str], ...]
    n_rows_in: int

    def categories(self, table: Any = "standard") -> np.ndarray:
        """Return the (n, p) int8 category codes (positions in :data:`CATEGORIES`), -1 where an answer is missing.

        Parameters
        ----------
        table : evaluation table
            See :func:`evaluation_table`.

        Returns
        -------
        numpy.ndarray
            One vectorised gather through the 5 x 5 table (no loop over respondents).
        """
        lut = np.full((6, 6), -1, dtype=np.int8)  # row/column 5 holds "missing"
        lut[:5, :5] = table_codes(table)
        return lut[self.functional, self.dysfunctional]


def attribute_columns(frame: pd.DataFrame, attributes: Any, suffixes: tuple[str, str]) -> dict[str, tuple[str, str]]:
    """Resolve ``attributes`` (None, names, or name -> (functional, dysfunctional)) to column pairs."""
    fs, ds = suffixes
    if isinstance(attributes, Mapping):
        return {str(k): (str(v[0]), str(v[1])) for k, v in attributes.items()}
    names = [str(c) for c in frame.columns]
    if attributes is None:
        found: dict[str, list[str | None]] = {}
        for c in names:
            if c.endswith(fs) and len(c) > len(fs):
                found.setdefault(c[: -len(fs)], [None, None])[0] = c
            elif c.endswith(ds) and len(c) > len(ds):
                found.setdefault(c[: -len(ds)], [None, None])[1] = c
        if not found:
            raise DataError(f"No answer columns found: Kano columns are named <attribute>{fs} (functional) and "
                            f"<attribute>{ds} (dysfunctional); the data have {', '.join(map(repr, names[:8]))}"
                            f"{' ...' if len(names) > 8 else ''}. Pass attributes= or suffixes=.")
        for a, (f, d) in found.items():
            if f is None or d is None:
                raise _half_pair(a, f, d, fs, ds)
        return {a: (f, d) for a, (f, d) in found.items()}  # type: ignore[misc]
    pairs = {}
    present = set(names)
    for a in attributes:
        f, d = f"{a}{fs}", f"{a}{ds}"
        if (f in present) != (d in present):
            raise _half_pair(str(a), f if f in present else None, d if d in present else None, fs, ds)
        pairs[str(a)] = (f, d)
    return pairs


def _half_pair(attribute: str, f: str | None, d: str | None, fs: str, ds: str) -> DataError:
    if f is None:
        return DataError(f"Attribute '{attribute}' has a dysfunctional column '{d}' but no functional column "
                         f"'{attribute}{fs}': every Kano attribute needs both questions of the pair. Add the "
                         "column, drop the attribute, or map the pair with attributes={name: (functional, "
                         "dysfunctional)}.")
    return DataError(f"Attribute '{attribute}' has a functional column '{f}' but no dysfunctional column "
                     f"'{attribute}{ds}': every Kano attribute needs both questions of the pair. Add the "
                     "column, drop the attribute, or map the pair with attributes={name: (functional, "
                     "dysfunctional)}.")


def _positions(values: np.ndarray, numeric: Mapping[float, int], columns: Sequence[str], owner: Mapping[str, str],
               index: pd.Index) -> np.ndarray:
    """Numeric answers (n, k) (NaN missing) -> positions 0-4, -1 missing; an unknown code raises.

    Whole-number codes go through one table lookup for the whole matrix; other codes through a sorted search.
    """
    keys = np.array(sorted(numeric), dtype=float)
    pos = np.array([numeric[k] for k in sorted(numeric)], dtype=np.int8)
    missing = np.isnan(values)
    lo, hi = keys[0], keys[-1]
    if np.all(keys == np.round(keys)) and hi - lo <= 10_000:
        lut = np.full(int(hi - lo) + 2, -2, dtype=np.int8)  # -2: not a code; the last slot: out of range
        lut[(keys - lo).astype(np.intp)] = pos
        with np.errstate(invalid="ignore"):
            inside = (values >= lo) & (values <= hi) & (values == np.floor(values))
        slot = np.where(inside, values - lo, hi - lo + 1).astype(np.intp)
        out = lut[slot]
        out[missing] = -1
        bad = out == -2
    else:
        where = np.minimum(np.searchsorted(keys, values), keys.size - 1)
        bad = (keys[where] != values) & ~missing
        out = np.where(missing, -1, pos[where]).astype(np.int8)
    if bad.any():
        r, j = np.argwhere(bad)[0]
        raise DataError(f"Column {msg.label(columns[j], owner)} holds the answer {values[r, j]:g} at row "
                        f"{msg._row(index[r])!r}, which is not a declared answer code. Accepted: "
                        f"{accepted(numeric)}. Declare your codes with codes={{value: answer}} or a "
                        "missing-answer code with missing_values=.")
    return out


def _text_positions(series: pd.Series, numeric: Mapping[float, int], words: Mapping[str, int],
                    codes: tuple[float, ...], column: str, owner: Mapping[str, str]) -> np.ndarray:
    """Wordings (or numbers written as text) -> positions 0-4, -1 missing; an unknown label raises."""
    codes_of, uniques = pd.factorize(series, use_na_sentinel=True)
    lut = np.empty(len(uniques) + 1, dtype=np.int8)
    lut[-1] = -1  # the NA sentinel (-1) reads the last entry
    for u, value in enumerate(uniques):
        text = _normal(value)
        if text in words:
            lut[u] = words[text]
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = None
        if text == "" or (number is not None and (np.isnan(number) or number in codes)):
            lut[u] = -1
        elif number is not None and number in numeric:
            lut[u] = numeric[number]
        else:
            r = int(np.argmax(codes_of == u))
            raise DataError(f"Column {msg.label(column, owner)} holds the answer {value!r} at row "
                            f"{msg._row(series.index[r])!r}, which is not a known Kano answer. Accepted: "
                            f"{accepted(numeric)}. Map other wordings with codes={{'{value}': 'like'}} (or the "
                            "answer it means).")
    return lut[codes_of]


def read_questionnaire(
    frame: pd.DataFrame,
    attributes: Sequence[str] | Mapping[str, tuple[str, str]] | None = None,
    *,
    suffixes: tuple[str, str] = ("_f", "_d"),
    codes: Mapping[Any, str] | None = None,
    missing_values: float | Sequence[float] | None = (),
) -> Questionnaire:
    """Read the functional / dysfunctional answer pair of every attribute, with one clear message per problem.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per respondent.
    attributes : None, sequence of str, or mapping name -> (functional, dysfunctional)
        None: every pair of columns ``<name><suffixes[0]>`` / ``<name><suffixes[1]>``; a sequence of
        names: those pairs; a mapping: explicit column pairs.
    suffixes : (str, str)
        Suffixes of the functional and dysfunctional columns.
    codes : mapping, optional
        Declared answer codes (numbers) or extra wordings (text) -> one of :data:`ANSWERS` (default
        1 = like, 2 = must-be, 3 = neutral, 4 = live-with, 5 = dislike). Common English and Chinese
        wordings are always understood.
    missing_values : number or sequence of numbers
        Codes meaning "no answer"; NaN and empty text are always missing.

    Returns
    -------
    Questionnaire
        Answer positions (0 = like ... 4 = dislike; -1 missing) per respondent and attribute.

    Raises
    ------
    DataError
        An unknown answer (named, with the accepted ones listed), an attribute with only one
        column of its pair, an unknown column.

    Examples
    --------
    >>> df = pd.DataFrame({"app_f": ["喜欢", "I like it"], "app_d": ["无所谓", "I dislike it"]})
    >>> read_questionnaire(df).categories().tolist()  # attractive, then one-dimensional
    [[0], [1]]
    >>> read_questionnaire(pd.DataFrame({"app_f": [1], "app_d": [9]}))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    expectmodel.errors.DataError: Column 'app_d' (attribute 'app', dysfunctional) holds the answer 9 at row 0, ...
    """
    if not isinstance(frame, pd.DataFrame):
        raise msg.not_a_frame(frame)
    if frame.shape[0] == 0:
        raise msg.no_rows(frame.shape[1])
    problem = code_problem(codes)
    if problem:
        raise ParameterError(f"codes={codes!r}: {problem}.")
    numeric, words = _code_table(codes)
    missing = parse_codes(missing_values)
    pairs = attribute_columns(frame, attributes, tuple(suffixes))
    owner = {}
    for a, (f, d) in pairs.items():
        owner[f] = f"attribute '{a}', functional"
        owner[d] = f"attribute '{a}', dysfunctional"
    flat = [c for pair in pairs.values() for c in pair]
    positions = find_columns(frame.columns, flat, owner)
    n = frame.shape[0]
    out = np.empty((n, len(flat)), dtype=np.int8)
    plain = [j for j, p in enumerate(positions) if pd.api.types.is_numeric_dtype(frame.dtypes.iloc[p])
             and not pd.api.types.is_bool_dtype(frame.dtypes.iloc[p])]
    if plain:  # numeric codes: through the data layer (infinite values, codes as NaN), then one lookup each
        names = [flat[j] for j in plain]
        items = read_items(frame, names, missing_values=missing, owner=owner)
        out[:, plain] = _positions(items.values, numeric, names, owner, frame.index)
    for j in sorted(set(range(len(flat))) - set(plain)):
        out[:, j] = _text_positions(frame.iloc[:, positions[j]], numeric, words, missing, flat[j], owner)
    return Questionnaire(tuple(pairs), out[:, 0::2].copy(), out[:, 1::2].copy(), frame.index,
                         tuple(pairs.values()), n)


def categorize(
    frame: pd.DataFrame,
    attributes: Sequence[str] | Mapping[str, tuple[str, str]] | None = None,
    *,
    table: str | Sequence[str] = "standard",
    suffixes: tuple[str, str] = ("_f", "_d"),
    codes: Mapping[Any, str] | None = None,
    missing_values: float | Sequence[float] | None = (),
) -> pd.DataFrame:
    """Classify every respondent's answer pair per attribute (A, O, M, I, R, Q; missing stays missing).

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per respondent.
    attributes, suffixes, codes, missing_values
        As in :func:`read_questionnaire`.
    table : evaluation table
        See :func:`evaluation_table`.

    Returns
    -------
    pandas.DataFrame
        One categorical column per attribute (categories A, O, M, I, R, Q), indexed like ``frame``.

    Examples
    --------
    >>> df = pd.DataFrame({"wifi_f": [1, 2, 5], "wifi_d": [5, 5, 1]})
    >>> categorize(df)["wifi"].tolist()
    ['O', 'M', 'R']
    """
    q = read_questionnaire(frame, attributes, suffixes=suffixes, codes=codes, missing_values=missing_values)
    cats = q.categories(table)
    return pd.DataFrame({a: pd.Categorical.from_codes(cats[:, j], categories=list(CATEGORIES))
                         for j, a in enumerate(q.attributes)}, index=q.index)
