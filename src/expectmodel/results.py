"""The results contract shared by every model family.

Every fit returns a :class:`ResultsBase` subclass that is frozen after construction and offers

- ``meta``: a frozen :class:`Meta` (estimator, every ``__init__`` parameter, spec, data provenance, interval
  level and method, conventions, versions, the resolved seed);
- ``to_frame()``: one row per parameter, starting with :data:`PARAMETER_COLUMNS` in every family, so
  that ``(kind, lhs, op, rhs, group)`` joins fits of different estimators;
- ``conf_int(level)``: intervals at any level, from the stored draws (bootstrap or posterior);
- ``summary(digits)``: a :class:`~expectmodel.summary.Summary` (text, HTML, LaTeX, CSV); ``str(res)`` and
  ``_repr_html_`` come from it, ``repr(res)`` is one line;
- ``to_dict()``: JSON-ready, with ``schema`` and ``schema_version``.

:func:`compare` puts fits side by side.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from expectmodel.errors import ParameterError
from expectmodel.inference import equal_tailed, wald

if TYPE_CHECKING:
    from expectmodel.summary import Summary

__all__ = ["PARAMETER_COLUMNS", "DataInfo", "Meta", "ResultsBase", "compare", "fingerprint", "freeze", "thaw"]

#: The leading columns of every ``to_frame()``, in this order.
PARAMETER_COLUMNS: tuple[str, ...] = (
    "kind", "lhs", "op", "rhs", "group", "estimate", "std_error", "ci_low", "ci_high")
KEY_COLUMNS: tuple[str, ...] = PARAMETER_COLUMNS[:5]


def freeze(value: Any) -> Any:
    """Make a read-only deep copy: mappings become ``MappingProxyType``, lists and sets tuples.

    Parameters
    ----------
    value : object
        Any value; mappings and sequences are copied recursively, anything else is returned as is.

    Returns
    -------
    object
        The frozen copy.

    Examples
    --------
    >>> frozen = freeze({"a": [1, 2]})
    >>> frozen["a"]
    (1, 2)
    """
    if isinstance(value, Mapping):
        return MappingProxyType({k: freeze(v) for k, v in value.items()})
    if isinstance(value, list | tuple | set | frozenset):
        return tuple(freeze(v) for v in value)
    return value


def thaw(value: Any) -> Any:
    """Make a JSON-ready copy, the inverse of :func:`freeze` (mappings to dicts, tuples to lists, numpy to Python).

    Non-finite floats become None (JSON null).

    Parameters
    ----------
    value : object
        A frozen (or any) value.

    Returns
    -------
    object
        Dicts with string keys, lists, Python numbers, strings and None.

    Examples
    --------
    >>> thaw(freeze({"a": (1, np.float64(2.5))}))
    {'a': [1, 2.5]}
    """
    if isinstance(value, Mapping):
        return {str(k): thaw(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [thaw(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def fingerprint(*arrays: Any) -> str:
    """Compute a short SHA-256 fingerprint of arrays and labels (which data a fit saw, without storing them).

    Parameters
    ----------
    *arrays : numpy.ndarray or object
        Arrays (hashed with their dtype and shape) and other values (hashed by their ``repr``).

    Returns
    -------
    str
        The first 16 hexadecimal digits of the digest.

    Examples
    --------
    >>> fingerprint(np.arange(3.0), ["a", "b"]) == fingerprint(np.arange(3.0), ["a", "b"])
    True
    """
    h = hashlib.sha256()
    for a in arrays:
        if isinstance(a, np.ndarray):
            h.update(str((a.dtype.str, a.shape)).encode())
            h.update(np.ascontiguousarray(a).tobytes())
        else:
            h.update(repr(a).encode())
    return h.hexdigest()[:16]


def _unfreeze(value: Any) -> Any:
    """Undo :func:`freeze`'s read-only views (which do not pickle), keeping every value as it is."""
    if isinstance(value, MappingProxyType):
        return {k: _unfreeze(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(_unfreeze(v) for v in value)
    return value


def _rebuild(cls: type, kwargs: dict[str, Any]) -> Any:
    return cls(**kwargs)


class _PicklesThroughInit:
    """Pickle a frozen dataclass through its constructor, which freezes its mappings again."""

    def __reduce__(self) -> tuple[Any, ...]:
        return _rebuild, (type(self), {f.name: _unfreeze(getattr(self, f.name)) for f in fields(self) if f.init})


@dataclass(frozen=True)
class DataInfo(_PicklesThroughInit):
    """What the estimator did with the data: rows in and used, dropped and imputed, codes, a fingerprint.

    Parameters
    ----------
    n_input : int
        Rows in the data given to ``fit``.
    n_used : int
        Rows the estimates use.
    n_dropped : int, default 0
        Rows dropped by the missing-value policy.
    n_imputed : mapping of str to int, optional
        Values imputed, by column.
    missing : str, default "raise"
        The missing-value policy.
    missing_values : tuple of float, optional
        The codes read as missing (e.g. ``-99``).
    columns : tuple of str, optional
        The columns used.
    fingerprint : str, optional
        :func:`fingerprint` of the data used.
    extra : mapping, optional
        Family-specific facts (e.g. ``min_pairwise_n``).

    Examples
    --------
    >>> info = DataInfo(n_input=600, n_used=360, n_dropped=240, missing="listwise")
    >>> info.n_used
    360
    >>> info.to_dict()["n_dropped"], info.to_dict()["n_imputed"]
    (240, {})
    """

    n_input: int
    n_used: int
    n_dropped: int = 0
    n_imputed: Mapping[str, int] = field(default_factory=dict)
    missing: str = "raise"
    missing_values: tuple[float, ...] = ()
    columns: tuple[str, ...] = ()
    fingerprint: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "n_imputed", freeze(dict(self.n_imputed)))
        object.__setattr__(self, "missing_values", tuple(self.missing_values))
        object.__setattr__(self, "columns", tuple(self.columns))
        object.__setattr__(self, "extra", freeze(dict(self.extra)))

    def to_dict(self) -> dict[str, Any]:
        """Return the fields as a JSON-ready dictionary.

        Returns
        -------
        dict
            Field name to :func:`thaw`-ed value.

        Examples
        --------
        See the class example.
        """
        return {f.name: thaw(getattr(self, f.name)) for f in fields(self)}


@dataclass(frozen=True)
class Meta(_PicklesThroughInit):
    """Everything needed to repeat and to read a fit, frozen.

    Parameters
    ----------
    estimator : str
        The estimator's class name.
    params : mapping
        Every ``__init__`` parameter, JSON-ready (see ``Estimator.settings``).
    data : DataInfo
        Data provenance.
    ci_level : float
        The interval level of ``to_frame()``'s ``ci_low``/``ci_high``.
    ci_method : str
        How those intervals were formed (``"percentile bootstrap"``, ``"equal-tailed posterior"``).
    seed : int or None
        The seed the run used (drawn and recorded when the estimator's ``seed`` was None).
    conventions : mapping
        Estimation conventions in words.
    versions : mapping
        Package and dependency versions.
    spec : str, optional
        The model specification as text.
    extra : mapping
        Family-specific facts (iterations, convergence, bootstrap counts, sampler diagnostics).

    Examples
    --------
    >>> m = Meta("PLS", {"bootstrap": 0}, DataInfo(10, 10), 0.95, "percentile bootstrap", 1)
    >>> m["params"]["bootstrap"], m.ci_level
    (0, 0.95)
    >>> m.to_dict()["data"]["n_used"]
    10
    """

    estimator: str
    params: Mapping[str, Any]
    data: DataInfo
    ci_level: float
    ci_method: str
    seed: int | None = None
    conventions: Mapping[str, Any] = field(default_factory=dict)
    versions: Mapping[str, str] = field(default_factory=dict)
    spec: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("params", "conventions", "versions", "extra"):
            object.__setattr__(self, name, freeze(dict(getattr(self, name))))

    def to_dict(self) -> dict[str, Any]:
        """Return every field as a JSON-ready dictionary (``extra`` merged at the top level after the fields).

        Returns
        -------
        dict
            The fields (``data`` as :meth:`DataInfo.to_dict`), then the ``extra`` facts.

        Examples
        --------
        See the class example.
        """
        out = {f.name: thaw(getattr(self, f.name)) for f in fields(self) if f.name not in ("data", "extra")}
        out["data"] = self.data.to_dict()
        out.update(thaw(self.extra))
        return out

    def __getitem__(self, key: str) -> Any:
        """Read access by name, for the fields and the ``extra`` facts (``meta["conventions"]``)."""
        if key in self.extra:
            return self.extra[key]
        if key in {f.name for f in fields(self)}:
            return getattr(self, key)
        raise KeyError(f"{key!r} is not recorded in this Meta; it has "
                       f"{', '.join([f.name for f in fields(self)] + list(self.extra))}.")

    def __contains__(self, key: object) -> bool:
        return key in self.extra or key in {f.name for f in fields(self)}

    def __iter__(self) -> Iterator[str]:
        yield from [f.name for f in fields(self) if f.name != "extra"] + list(self.extra)


def _check_level(level: float) -> float:
    if isinstance(level, bool) or not isinstance(level, int | float | np.floating) or not 0 < level < 1:
        raise ParameterError(f"conf_int(level={level!r}): level must be a number strictly between 0 and 1, "
                             "e.g. 0.95.")
    return float(level)


class ResultsBase:
    """Shared behaviour of every results class; subclasses are frozen dataclasses with a ``meta``.

    A subclass sets ``schema`` (a name) and ``schema_version`` and implements :meth:`to_frame`,
    :meth:`summary`, :meth:`_to_dict` and :meth:`_repr_facts`; a family with bootstrap or posterior draws
    implements :meth:`_draws_frame` and one with standard errors :meth:`_wald_frame` (the sources of
    :meth:`conf_int`). The shared methods share the example below (a PLS fit).

    Examples
    --------
    >>> import expectmodel as em
    >>> res = em.PLS(em.spec.templates.ecsi(), scale=(1, 10), missing_values=-99, missing="mean",
    ...              bootstrap=30, seed=1).fit(em.datasets.load_csi_survey())
    >>> isinstance(res, ResultsBase)
    True
    >>> res.to_frame().columns[:9].tolist() == list(PARAMETER_COLUMNS)
    True
    >>> ci = res.conf_int(0.90)
    >>> ci.columns.tolist(), ci.attrs["ci_level"]
    (['kind', 'lhs', 'op', 'rhs', 'group', 'estimate', 'ci_low', 'ci_high'], 0.9)
    >>> print(str(res.summary()).splitlines()[1].strip())
    PLS path model
    >>> d = res.to_dict()
    >>> d["schema"], d["schema_version"], d["meta"]["seed"]
    ('expectmodel.pls', 2, 1)
    """

    schema: ClassVar[str] = "expectmodel.results"
    schema_version: ClassVar[int] = 1
    meta: Meta

    # -- the tidy parameter table ---------------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:  # pragma: no cover - abstract
        """Return one row per parameter; the first columns are :data:`PARAMETER_COLUMNS`.

        Returns
        -------
        pandas.DataFrame
        """
        raise NotImplementedError

    def _draws_frame(self) -> tuple[pd.DataFrame, np.ndarray] | None:
        """Return the rows of ``to_frame()`` that have draws and their draws as an (S, rows) array, or None.

        None (the default) means the family stores no bootstrap or posterior draws.
        """
        return None

    def _wald_frame(self) -> pd.DataFrame | None:
        """Rows whose intervals are Wald intervals, or None (the default: every interval comes from draws).

        A maximum-likelihood or least-squares family returns its rows with the key columns, ``estimate``,
        ``std_error`` and, for Student t intervals, ``df`` (missing or infinite: normal). Rows without a
        standard error get no interval.
        """
        return None

    def conf_int(self, level: float | None = None) -> pd.DataFrame:
        """Compute intervals at ``level`` (default: the fit's) from the stored draws and standard errors.

        Equal-tailed intervals of the stored draws; Wald intervals (normal or Student t) for the rows a fit
        reports with standard errors only (``_wald_frame``).

        Parameters
        ----------
        level : float, optional
            Interval probability in (0, 1).

        Returns
        -------
        pandas.DataFrame
            The key columns of :data:`PARAMETER_COLUMNS`, ``estimate``, ``ci_low`` and ``ci_high``; the
            level is in ``frame.attrs["ci_level"]``.

        Raises
        ------
        ParameterError
            If ``level`` is not in (0, 1), or the fit has neither draws nor standard errors (PLS without a
            bootstrap).
        """
        level = self.meta.ci_level if level is None else _check_level(level)
        parts = []
        analytic = self._wald_frame()
        if analytic is not None:
            df = analytic["df"].to_numpy(dtype=float) if "df" in analytic else None
            low, high = wald(analytic["estimate"].to_numpy(dtype=float),
                             analytic["std_error"].to_numpy(dtype=float), level, df)
            parts.append(analytic[[*KEY_COLUMNS, "estimate"]].reset_index(drop=True).assign(ci_low=low, ci_high=high))
        stored = self._draws_frame()
        if stored is not None:
            rows, draws = stored
            with np.errstate(invalid="ignore"):
                low, high = equal_tailed(draws, level, skipna=True)
            parts.append(rows[[*KEY_COLUMNS, "estimate"]].reset_index(drop=True).assign(ci_low=low, ci_high=high))
        if not parts:
            raise ParameterError(
                f"conf_int needs stored draws or standard errors, and this {type(self).__name__} has neither "
                "(for PLS: fit with bootstrap=N).")
        out = parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)
        out.attrs["ci_level"] = level
        return out

    # -- reporting ------------------------------------------------------------------------------
    def summary(self, digits: int = 3) -> Summary:  # pragma: no cover - abstract
        """Render the report of this fit (``str()``, ``.as_html()``, ``.as_latex()``, ``.as_csv()``).

        Parameters
        ----------
        digits : int, default 3
            Decimals shown in the tables.

        Returns
        -------
        Summary
        """
        raise NotImplementedError

    def _repr_facts(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self._repr_facts()}>"

    def __str__(self) -> str:
        return self.summary().as_text()

    def _repr_html_(self) -> str:
        return self.summary().as_html()

    # -- export ---------------------------------------------------------------------------------
    def _to_dict(self) -> dict[str, Any]:  # pragma: no cover - abstract
        raise NotImplementedError

    def to_json(self, path: str | Path | None = None, indent: int = 2) -> str:
        """Serialise :meth:`to_dict` as JSON (NaN becomes null); also write it to ``path`` if given.

        Parameters
        ----------
        path : str or pathlib.Path, optional
            A file to write (UTF-8, with a final newline).
        indent : int, default 2
            JSON indentation.

        Returns
        -------
        str
            The JSON text.

        Examples
        --------
        >>> import json
        >>> import expectmodel as em
        >>> res = em.PLS(em.spec.templates.ecsi(), scale=(1, 10), missing_values=-99,
        ...              missing="listwise").fit(em.datasets.load_csi_survey())
        >>> doc = json.loads(res.to_json())
        >>> doc["schema"], doc["schema_version"], doc["meta"]["data"]["n_used"]
        ('expectmodel.pls', 2, 360)
        """
        text = json.dumps(self.to_dict(), indent=indent, allow_nan=False)
        if path is not None:
            Path(path).write_text(text + "\n", encoding="utf-8")
        return text

    def to_dict(self) -> dict[str, Any]:
        """Export the fit as a JSON-ready dictionary.

        Returns
        -------
        dict
            ``schema``, ``schema_version``, the family's content and ``meta``.
        """
        return {"schema": self.schema, "schema_version": self.schema_version, **self._to_dict(),
                "meta": self.meta.to_dict()}


def frame_with_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with every :data:`PARAMETER_COLUMNS` present (missing ones filled) and first, in order.

    Examples
    --------
    >>> list(frame_with_columns(pd.DataFrame({"estimate": [1.0], "kind": ["path"]})).columns)[:6]
    ['kind', 'lhs', 'op', 'rhs', 'group', 'estimate']
    """
    out = frame.copy()
    for col in PARAMETER_COLUMNS:
        if col not in out:
            out[col] = "" if col in KEY_COLUMNS else np.nan
    rest = [c for c in out.columns if c not in PARAMETER_COLUMNS]
    return out[[*PARAMETER_COLUMNS, *rest]]


def compare(*results: ResultsBase, names: Sequence[str] | None = None, column: str = "estimate") -> pd.DataFrame:
    """Put fits side by side: one row per parameter (``kind, lhs, op, rhs, group``), one column per fit.

    Parameters
    ----------
    *results : ResultsBase
        Two or more fits (any families; parameters join on the key columns).
    names : sequence of str, optional
        Column names (default: ``"<Class> 1"``, ``"<Class> 2"``, ...).
    column : str
        Which ``to_frame()`` column to put side by side (``"estimate"``, ``"std_error"``, ...).

    Returns
    -------
    pandas.DataFrame
        Indexed by the key columns; a parameter absent from a fit is NaN there.

    Examples
    --------
    >>> import expectmodel as em
    >>> survey = em.datasets.load_csi_survey()
    >>> fit = lambda policy: em.PLS(em.spec.templates.ecsi(), scale=(1, 10), missing_values=-99,
    ...                             missing=policy).fit(survey)
    >>> table = em.compare(fit("listwise"), fit("mean"), names=["listwise", "mean"])
    >>> list(table.columns)
    ['listwise', 'mean']
    """
    if not results:
        raise ParameterError("compare() needs at least one results object.")
    for r in results:
        if not isinstance(r, ResultsBase):
            raise ParameterError(f"compare() takes expectmodel results objects, got {type(r).__name__}.")
    if names is None:
        names = [f"{type(r).__name__} {i + 1}" for i, r in enumerate(results)]
    names = list(names)
    if len(names) != len(results) or len(set(names)) != len(names):
        raise ParameterError(f"compare(names=...) needs {len(results)} distinct names, got {names!r}.")
    parts = []
    for name, r in zip(names, results, strict=True):
        frame = r.to_frame()
        if column not in frame:
            raise ParameterError(f"compare(column={column!r}): {type(r).__name__}.to_frame() has no such "
                                 f"column; it has {', '.join(frame.columns)}.")
        part = frame.drop_duplicates(list(KEY_COLUMNS)).set_index(list(KEY_COLUMNS))[column].rename(name)
        parts.append(part)
    return pd.concat(parts, axis=1, sort=False)
