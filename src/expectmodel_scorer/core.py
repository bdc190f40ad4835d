"""Score a data frame under a scoring specification (see :mod:`expectmodel_scorer.programs`).

:func:`check_spec` validates a specification strictly (program from the closed list, no unknown keys,
every array of the declared dimensions and finite, the program's settings present and finite);
:func:`score` checks the data (missing, extra and non-numeric columns, codes outside a scale or a code
list, non-integers in an integer column), replaces the missing-value codes by NaN and runs the program.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["INPUT_KEYS", "INPUT_KINDS", "SPEC_KEYS", "ScoringError", "ScoringWarning", "check_spec", "score"]

#: The keys of a scoring specification (all required).
SPEC_KEYS = ("program", "inputs", "outputs", "arrays", "settings")
#: The keys of one input entry: ``column`` and ``kind`` are required, the others default to null / [].
INPUT_KEYS = ("column", "kind", "scale", "codes", "missing_codes", "range")
#: The kinds of input column.
INPUT_KINDS = ("float", "int", "binary", "category")
_SHOWN = 5  # offending rows named in a message


class ScoringError(ValueError):
    """A scoring specification or the data to score is not usable; the message says why and what to do."""


class ScoringWarning(UserWarning):
    """The data were scored, but something about them deserves attention (extra columns)."""


def _finite_json(value: Any, where: str) -> None:
    """Refuse non-finite numbers and non-JSON types anywhere in a settings value."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return
    if isinstance(value, int | np.integer):
        return
    if isinstance(value, float | np.floating):
        if not math.isfinite(value):
            raise ScoringError(f"{where} is {value!r}; every number in a scoring specification must be finite.")
        return
    if isinstance(value, list | tuple):
        for i, v in enumerate(value):
            _finite_json(v, f"{where}[{i}]")
        return
    if isinstance(value, Mapping):
        for k, v in value.items():
            if not isinstance(k, str):
                raise ScoringError(f"{where} has the key {k!r}; keys must be strings.")
            _finite_json(v, f"{where}[{k!r}]")
        return
    raise ScoringError(f"{where} is a {type(value).__name__}; settings hold JSON numbers, strings, lists and "
                       "mappings only.")


def _unknown(keys: Any, allowed: tuple[str, ...] | set[str], where: str) -> None:
    extra = sorted(set(keys) - set(allowed), key=str)
    if extra:
        raise ScoringError(f"{where} has the unknown key(s) {extra}; it may hold only {sorted(allowed)}.")


def _pair(value: Any, where: str) -> tuple[float, float] | None:
    if value is None:
        return None
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise ScoringError(f"{where} must be [low, high] or null; got {value!r}.")
    _finite_json(list(value), where)
    low, high = (float(v) for v in value)
    if low > high:
        raise ScoringError(f"{where} is {list(value)}: low is above high.")
    return low, high


def _numbers(value: Any, where: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        raise ScoringError(f"{where} must be a list or null; got {value!r}.")
    _finite_json(list(value), where)
    return list(value)


def check_inputs(inputs: Any, where: str = "inputs") -> list[dict[str, Any]]:
    """Validate and normalise the ``inputs`` entries of a specification (every key present)."""
    if not isinstance(inputs, list | tuple) or not inputs:
        raise ScoringError(f"{where} must be a non-empty list of input entries; got {inputs!r}.")
    out, seen = [], set()
    for i, entry in enumerate(inputs):
        at = f"{where}[{i}]"
        if not isinstance(entry, Mapping):
            raise ScoringError(f"{at} must be a mapping; got {type(entry).__name__}.")
        _unknown(entry, INPUT_KEYS, at)
        column = entry.get("column")
        if not isinstance(column, str) or not column:
            raise ScoringError(f"{at} needs a 'column' name (a non-empty string); got {column!r}.")
        if column in seen:
            raise ScoringError(f"{at}: the column {column!r} is listed twice.")
        seen.add(column)
        kind = entry.get("kind", "float")
        if kind not in INPUT_KINDS:
            raise ScoringError(f"{at} (column {column!r}) has kind {kind!r}; allowed: {list(INPUT_KINDS)}.")
        codes = entry.get("codes")
        if codes is not None:
            if not isinstance(codes, list | tuple) or not codes:
                raise ScoringError(f"{at} (column {column!r}): 'codes' must be a non-empty list or null.")
            if not all(isinstance(c, str) for c in codes):
                _finite_json(list(codes), f"{at}['codes']")
            codes = list(codes)
        if kind == "category" and codes is None:
            raise ScoringError(f"{at} (column {column!r}) is a category and needs its 'codes'.")
        out.append({
            "column": column,
            "kind": kind,
            "scale": _pair(entry.get("scale"), f"{at}['scale']"),
            "codes": codes,
            "missing_codes": _numbers(entry.get("missing_codes"), f"{at}['missing_codes']"),
            "range": _pair(entry.get("range"), f"{at}['range']"),
        })
    return out


def _check_array(name: str, value: Any, ndim: int, where: str) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ScoringError(f"{where}[{name!r}] is not an array of numbers.") from None
    if arr.ndim != ndim:
        raise ScoringError(f"{where}[{name!r}] has {arr.ndim} dimension(s) (shape {arr.shape}); the program "
                           f"needs {ndim}.")
    if not np.isfinite(arr).all():
        bad = np.argwhere(~np.isfinite(arr))[0].tolist()
        raise ScoringError(f"{where}[{name!r}] holds a non-finite value ({float(arr[tuple(bad)])!r} at {bad}); every "
                           "parameter must be finite.")
    return arr


def _check_shapes(prog: Any, name: str, arrays: Mapping[str, np.ndarray], n_in: int, n_out: int, where: str) -> None:
    """Check a program's optional ``SHAPES``: per array, sizes, ``"inputs"``, ``"outputs"`` or None (any)."""
    sizes = {"inputs": n_in, "outputs": n_out}
    for key, shape in getattr(prog, "SHAPES", {}).items():
        want = tuple(sizes.get(d, d) if isinstance(d, str) else d for d in shape)
        got = arrays[key].shape
        if len(got) != len(want) or any(w is not None and w != g for w, g in zip(want, got, strict=False)):
            raise ScoringError(f"{where}['arrays'][{key!r}] has shape {got}; program {name!r} needs "
                               f"{tuple('any' if w is None else w for w in want)} for {n_in} inputs and {n_out} "
                               "outputs.")


def check_spec(spec: Mapping[str, Any], where: str = "scoring spec") -> dict[str, Any]:
    """Validate a scoring specification and return it normalised (arrays as float ndarrays).

    Parameters
    ----------
    spec : mapping
        ``program``, ``inputs``, ``outputs``, ``arrays`` and ``settings`` (see
        :mod:`expectmodel_scorer.programs`).
    where : str
        How messages name the specification.

    Returns
    -------
    dict
        The same specification with every input entry complete and every array a float ndarray.

    Raises
    ------
    ScoringError
        Naming the first problem: an unknown program or key, a missing setting, an array of the wrong
        dimensions, a non-finite number.

    Examples
    --------
    >>> spec = {"program": "logit", "inputs": [{"column": "sat", "kind": "float"}], "outputs": ["p"],
    ...         "arrays": {"coef": [0.5]}, "settings": {"intercept": 0.0}}
    >>> check_spec(spec)["inputs"][0]["missing_codes"]
    []
    >>> check_spec({**spec, "arrays": {"coef": [float("nan")]}})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    expectmodel_scorer.core.ScoringError: scoring spec['arrays']['coef'] holds a non-finite value (nan at [0]); ...
    """
    from expectmodel_scorer.programs import program

    if not isinstance(spec, Mapping):
        raise ScoringError(f"{where} must be a mapping; got {type(spec).__name__}.")
    _unknown(spec, SPEC_KEYS, where)
    missing = [k for k in SPEC_KEYS if k not in spec]
    if missing:
        raise ScoringError(f"{where} lacks the key(s) {missing}.")
    prog = program(spec["program"])
    inputs = check_inputs(spec["inputs"], f"{where}['inputs']")
    outputs = spec["outputs"]
    if (not isinstance(outputs, list | tuple) or not outputs or not all(isinstance(o, str) for o in outputs)
            or len(set(outputs)) != len(outputs)):
        raise ScoringError(f"{where}['outputs'] must be a non-empty list of distinct names; got {outputs!r}.")
    settings = spec["settings"]
    if not isinstance(settings, Mapping):
        raise ScoringError(f"{where}['settings'] must be a mapping; got {type(settings).__name__}.")
    _finite_json(dict(settings), f"{where}['settings']")
    optional = tuple(getattr(prog, "OPTIONAL_SETTINGS", ()))
    _unknown(settings, (*prog.SETTINGS, *optional), f"{where}['settings'] (program {spec['program']!r}; a "
             "program reads an optional setting only if its module lists it in OPTIONAL_SETTINGS)")
    lacking = [k for k in prog.SETTINGS if k not in settings]
    if lacking:
        raise ScoringError(f"{where}['settings'] lacks {lacking}, which program {spec['program']!r} needs.")
    arrays = spec["arrays"]
    if not isinstance(arrays, Mapping):
        raise ScoringError(f"{where}['arrays'] must be a mapping; got {type(arrays).__name__}.")
    out_arrays: dict[str, np.ndarray] = {}
    if hasattr(prog, "check"):  # a program with arrays of its own naming (the pipeline) checks them itself
        out_arrays = prog.check(dict(arrays), dict(settings), inputs, list(outputs))
    else:
        _unknown(arrays, tuple(prog.ARRAYS), f"{where}['arrays'] (program {spec['program']!r})")
        lacking = [k for k in prog.ARRAYS if k not in arrays]
        if lacking:
            raise ScoringError(f"{where}['arrays'] lacks {lacking}, which program {spec['program']!r} needs.")
        for name, ndim in prog.ARRAYS.items():
            out_arrays[name] = _check_array(name, arrays[name], ndim, f"{where}['arrays']")
    _check_shapes(prog, spec["program"], out_arrays, len(inputs), len(outputs), where)
    return {"program": spec["program"], "inputs": inputs, "outputs": list(outputs), "arrays": out_arrays,
            "settings": dict(settings)}


def _rows(mask: np.ndarray, index: pd.Index) -> str:
    where = np.flatnonzero(mask)
    shown = ", ".join(repr(index[i]) for i in where[:_SHOWN])
    more = f" and {len(where) - _SHOWN} more" if len(where) > _SHOWN else ""
    return f"{len(where)} row(s) (index {shown}{more})"


def _column_values(entry: Mapping[str, Any], col: pd.Series) -> np.ndarray:
    """Read the column as floats with missing codes as NaN, after its dtype, code and scale checks."""
    name = entry["column"]
    codes = entry.get("codes")
    if not (pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)):
        if entry.get("kind") == "category" and codes and all(isinstance(c, str) for c in codes):
            # text categories: each value becomes its position in ``codes``
            unknown = (~col.isin(list(codes)) & col.notna()).to_numpy()
            if unknown.any():
                seen = sorted({str(v) for v in col[unknown].unique()[:_SHOWN]})
                raise ScoringError(f"column {name!r} holds value(s) {seen} outside its codes {list(codes)} in "
                                   f"{_rows(unknown, col.index)}; recode them or mark them as missing.")
            position = {c: float(i) for i, c in enumerate(codes)}
            return col.map(position).to_numpy(dtype=float, na_value=np.nan)
        raise ScoringError(f"column {name!r} must be numeric; got dtype {col.dtype}. Convert it (e.g. "
                           f"pd.to_numeric) or recode its text answers as numbers.")
    values = col.to_numpy(dtype=float, na_value=np.nan)
    missing_codes = entry.get("missing_codes") or []
    if missing_codes:
        hit = values == missing_codes[0]
        for c in missing_codes[1:]:
            hit |= values == c
        if hit.any():
            values = np.where(hit, np.nan, values)
    if np.isinf(values).any():
        raise ScoringError(f"column {name!r} holds infinite values in {_rows(np.isinf(values), col.index)}.")
    scale = entry.get("scale")
    kind = entry.get("kind", "float")
    if scale is not None:
        low, high = scale
        with np.errstate(invalid="ignore"):
            lo, hi = np.nanmin(values) if len(values) else low, np.nanmax(values) if len(values) else high
        if lo < low or hi > high:
            bad = (values < low) | (values > high)
            raise ScoringError(f"column {name!r} holds codes outside its scale [{low:g}, {high:g}] in "
                               f"{_rows(bad, col.index)}; recode them or declare them as missing codes.")
    if codes is not None and not all(isinstance(c, str) for c in codes):
        bad = ~np.isin(values, np.asarray(codes, dtype=float)) & ~np.isnan(values)
        if bad.any():
            raise ScoringError(f"column {name!r} holds codes outside {list(codes)} in {_rows(bad, col.index)}.")
    elif kind == "binary":
        bad = (values != 0) & (values != 1) & ~np.isnan(values)
        if bad.any():
            raise ScoringError(f"column {name!r} is binary and holds values other than 0 and 1 in "
                               f"{_rows(bad, col.index)}.")
    if kind == "int" and not pd.api.types.is_integer_dtype(col) and not pd.api.types.is_bool_dtype(col):
        with np.errstate(invalid="ignore"):
            bad = values != np.round(values)
        bad &= ~np.isnan(values)
        if bad.any():
            raise ScoringError(f"column {name!r} holds whole-number codes and has fractions in "
                               f"{_rows(bad, col.index)}.")
    return values


def _plain_numeric(entry: Mapping[str, Any], dtype: Any) -> bool:
    """Tell whether the matrix path checks this column: numeric, no code list, not binary."""
    return ((pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype))
            and entry.get("codes") is None and entry.get("kind") != "binary")


def _matrix(inputs: list[dict[str, Any]], frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """Build the ``(n, k)`` float matrix of the input columns, missing codes as NaN, every column checked.

    Plain numeric columns are read in one copy and checked together (``fmin``/``fmax`` reductions find
    infinities, codes outside a scale and which columns hold a missing code; only those get a replacement
    pass), so checking costs a few passes over the data, not a few per column; the other columns go
    through :func:`_column_values` one by one.
    """
    dtypes = frame.dtypes
    plain = [j for j, e in enumerate(inputs) if _plain_numeric(e, dtypes[e["column"]])]
    if len(plain) < len(inputs):  # text categories, code lists, binary columns: one by one
        X = np.empty((len(frame), len(columns)), dtype=float, order="F")
        for j, entry in enumerate(inputs):
            if j not in set(plain):
                X[:, j] = _column_values(entry, frame[entry["column"]])
        if plain:
            X[:, plain] = _matrix([inputs[j] for j in plain], frame, [columns[j] for j in plain])
        return X
    source = frame if list(frame.columns) == columns else frame[columns]  # no column selection copy if whole
    X = source.to_numpy(dtype=float, na_value=np.nan, copy=True)
    if not len(X):
        return X
    with np.errstate(invalid="ignore"):
        low, high = np.fmin.reduce(X, axis=0), np.fmax.reduce(X, axis=0)  # NaN-skipping, one pass each
    # missing codes: only the columns whose observed range holds one of their codes need a pass
    groups: dict[tuple, list[int]] = {}
    for j, entry in enumerate(inputs):
        codes = entry.get("missing_codes")
        if codes and any(low[j] <= c <= high[j] for c in codes):
            groups.setdefault(tuple(codes), []).append(j)
    for codes, idx in groups.items():
        whole = len(idx) == X.shape[1]
        part = X if whole else X[:, idx]
        hit = part == codes[0]
        for c in codes[1:]:
            hit |= part == c
        np.putmask(part, hit, np.nan)
        if not whole:
            X[:, idx] = part
        with np.errstate(invalid="ignore"):
            low[idx], high[idx] = np.fmin.reduce(part, axis=0), np.fmax.reduce(part, axis=0)
    for j, entry in enumerate(inputs):
        if np.isinf(low[j]) or np.isinf(high[j]) or (
                entry.get("scale") is not None and (low[j] < entry["scale"][0] or high[j] > entry["scale"][1])) \
                or (entry.get("kind") == "int" and not pd.api.types.is_integer_dtype(dtypes[entry["column"]])):
            X[:, j] = _column_values({**entry, "missing_codes": []}, pd.Series(X[:, j], index=frame.index, copy=False))
    return X


def score(spec: Mapping[str, Any], frame: pd.DataFrame, *, extra: str = "ignore",
          checked: bool = False) -> pd.DataFrame:
    """Score ``frame`` under ``spec``: one output row per input row, index kept.

    Parameters
    ----------
    spec : mapping
        A scoring specification (``results.scoring_spec()`` or a loaded bundle's).
    frame : pandas.DataFrame
        The data to score; it must hold every input column.
    extra : {"ignore", "warn", "raise"}, default "ignore"
        What to do about columns that are not inputs (an id column, other survey questions).
    checked : bool, default False
        ``spec`` is already the output of :func:`check_spec` (skips validating it again).

    Returns
    -------
    pandas.DataFrame
        The program's outputs, named by ``spec["outputs"]``, with ``frame``'s index.

    Raises
    ------
    ScoringError
        For an invalid specification, or data with a missing or non-numeric input column, codes outside
        an input's scale or code list, or (with ``extra="raise"``) extra columns; the message names the
        column and the rows.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from expectmodel_scorer import score
    >>> spec = {"program": "logit", "inputs": [{"column": "sat", "kind": "float", "scale": None, "codes": None,
    ...         "missing_codes": [], "range": [1, 10]}], "outputs": ["p_churn"],
    ...         "arrays": {"coef": np.array([-0.5])}, "settings": {"intercept": 2.0}}
    >>> round(float(score(spec, pd.DataFrame({"sat": [4.0]}))["p_churn"].iloc[0]), 4)
    0.5
    """
    from expectmodel_scorer.programs import program

    if not isinstance(frame, pd.DataFrame):
        raise ScoringError(f"score() takes a pandas DataFrame; got {type(frame).__name__}")
    if extra not in ("ignore", "warn", "raise"):
        raise ScoringError(f"score(extra={extra!r}): use 'ignore', 'warn' or 'raise'.")
    spec = spec if checked else check_spec(spec)
    prog = program(spec["program"])
    inputs = spec["inputs"]
    columns = [entry["column"] for entry in inputs]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ScoringError(f"the data lack the input column(s) {missing}; the model was fitted on {columns}")
    if extra != "ignore":
        surplus = [c for c in frame.columns if c not in set(columns)]
        if surplus:
            message = (f"the data have column(s) {surplus[:10]}{' ...' if len(surplus) > 10 else ''} that the "
                       f"model does not use; it reads {columns}")
            if extra == "raise":
                raise ScoringError(message + " (pass extra='ignore' to score anyway).")
            warnings.warn(message + ".", ScoringWarning, stacklevel=2)
    if frame.columns.has_duplicates:
        dup = sorted({str(c) for c in frame.columns[frame.columns.duplicated()] if c in set(columns)})
        if dup:
            raise ScoringError(f"the data have the input column(s) {dup} more than once.")
    X = _matrix(inputs, frame, columns)
    try:
        out = np.asarray(prog.score(spec["arrays"], dict(spec["settings"]), X), dtype=float)
    except ScoringError:
        raise
    except (ValueError, IndexError, KeyError, TypeError) as exc:
        raise ScoringError(f"program {spec['program']!r} cannot score with this specification's arrays and "
                           f"settings ({type(exc).__name__}: {exc}); the specification is inconsistent.") from None
    if out.shape != (len(frame), len(spec["outputs"])):
        raise ScoringError(f"program {spec['program']!r} returned shape {out.shape}; the specification names "
                           f"{len(spec['outputs'])} outputs for {len(frame)} rows.")
    return pd.DataFrame(out, index=frame.index, columns=list(spec["outputs"]), copy=False)
