"""The parameter table: the one flat statement of a model that every estimator reads.

A :class:`ParameterTable` is lavaan's *partable*: one :class:`Row` per parameter
with the columns ``lhs, op, rhs, free, value, label, group`` plus ``line``, the
line of the model text the row came from (``None`` for rows built in Python).
The operators are

======  =====================================================================
``=~``  reflective measurement: ``F =~ x`` (a loading)
``<~``  composite measurement: ``F <~ x`` (a weight)
``~``   structural regression: ``Y ~ X`` (a path ``X -> Y``)
``~~``  variance (``x ~~ x``) or covariance (``x ~~ y``)
``:=``  defined parameter: ``ind := a*b`` (``rhs`` holds the expression text)
======  =====================================================================

The table states the model; it does not decide what can be estimated.  Each
estimator declares what it supports with :class:`Supports` and calls
:meth:`ParameterTable.require`, which refuses the first row it cannot fit by
naming that row, its line and the estimator.  ``(lhs, op, rhs)`` is the key
that joins the estimates of different estimators.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd

from expectmodel.errors import SpecError

__all__ = ["COLUMNS", "HINTS", "OPS", "ParameterTable", "Row", "Supports"]

#: The operators a table may hold.
OPS: tuple[str, ...] = ("=~", "<~", "~", "~~", ":=")
#: The columns of :attr:`ParameterTable.frame`, in order.
COLUMNS: tuple[str, ...] = ("lhs", "op", "rhs", "free", "value", "label", "group", "line")

#: What each kind of unsupported row is, for the refusal message.
_WHAT = {
    "=~": "a reflective measurement ('=~')",
    "<~": "a composite measurement ('<~')",
    "~": "a structural regression ('~')",
    "~~": "a variance or covariance ('~~')",
    ":=": "a defined parameter (':=')",
    "fixed": "a fixed value ('value*name')",
    "labels": "a labelled parameter ('label*name')",
    "constraints": "an equality constraint (one label on several rows)",
    "groups": "a group-specific parameter",
}

#: Default hints of :meth:`ParameterTable.require`, keyed by operator or by ``"fixed"``, ``"labels"``,
#: ``"constraints"``, ``"groups"``; ``{estimator}`` is replaced by the estimator's name.
HINTS: dict[str, str] = {
    "~~": "Residual covariances ('~~') are not supported by the {estimator} estimator.",
    ":=": "Defined parameters (':=') are not supported by the {estimator} estimator.",
    "fixed": "Fixed values ('0.5*x') are not supported by the {estimator} estimator; "
             "write the term without its value (or as 'NA*x') to estimate it freely.",
    "labels": "Labels ('a*x') are not supported by the {estimator} estimator; write the term without its label.",
    "constraints": "The {estimator} estimator cannot impose equality constraints; give each row its own label.",
    "groups": "Group-specific values are not supported by the {estimator} estimator.",
}


def _format_value(value: float) -> str:
    """Write a fixed value as model text: ``1.0 -> '1'``, ``0.5 -> '0.5'``."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


@dataclass(frozen=True)
class Row:
    """One row of a :class:`ParameterTable`: one parameter (or one defined parameter).

    Parameters
    ----------
    lhs, op, rhs : str
        The statement ``lhs op rhs``; ``op`` is one of ``=~ <~ ~ ~~ :=``.  For ``:=`` rows
        ``rhs`` is the defining expression as text (``"a*b"``).
    free : bool, default True
        Whether the parameter is estimated.  ``False`` for fixed values and for ``:=`` rows.
    value : float or None, default None
        The fixed value of a fixed parameter (``0.5*x``); ``None`` for free parameters.
    label : str, default ""
        The parameter's label (``a*x``); ``""`` for none.  One label on several rows states
        an equality constraint, as in lavaan.
    group : int, default 1
        The group the row belongs to (1 for a single-group model; 0 for ``:=`` rows, as in lavaan).
    line : int or None, default None
        The line of the model text the row came from; not part of equality.

    Examples
    --------
    >>> from expectmodel.spec.table import Row
    >>> row = Row("Satisfaction", "~", "Quality", label="b1", line=4)
    >>> str(row), row.key
    ('Satisfaction ~ b1*Quality', ('Satisfaction', '~', 'Quality'))
    >>> Row("F", "=~", "x1", free=False, value=1).fixed
    True
    >>> row == Row("Satisfaction", "~", "Quality", label="b1")   # the line is not compared
    True
    """

    lhs: str
    op: str
    rhs: str
    free: bool = True
    value: float | None = None
    label: str = ""
    group: int = 1
    line: int | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.op not in OPS:
            raise SpecError(f"Unknown operator {self.op!r} in a parameter table row; use one of {', '.join(OPS)}.")
        for name in ("lhs", "rhs"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name):
                raise SpecError(f"The {name} of a parameter table row must be a non-empty string, "
                                f"got {getattr(self, name)!r}.")
        if not isinstance(self.label, str):
            raise SpecError(f"A row label must be a string ('' for none), got {self.label!r}.")
        object.__setattr__(self, "free", bool(self.free))
        if self.value is not None:
            try:
                value = float(self.value)
            except (TypeError, ValueError):
                raise SpecError(f"Row '{self.lhs} {self.op} {self.rhs}': value must be a number, "
                                f"got {self.value!r}.") from None
            if not math.isfinite(value):
                raise SpecError(f"Row '{self.lhs} {self.op} {self.rhs}': value must be finite, got {value}.")
            object.__setattr__(self, "value", value)
        if self.op == ":=":
            if self.free or self.value is not None or self.label:
                raise SpecError(f"The defined parameter '{self.lhs} := {self.rhs}' cannot be free, fixed or "
                                "labelled; set free=False and leave value and label empty.")
        elif self.free and self.value is not None:
            raise SpecError(f"Row '{self.lhs} {self.op} {self.rhs}' is free but has a value; start values are "
                            "not supported, so either fix it (free=False) or drop the value.")
        elif not self.free and self.value is None:
            raise SpecError(f"Row '{self.lhs} {self.op} {self.rhs}' is fixed (free=False) but has no value.")
        if self.label and self.value is not None:
            raise SpecError(f"Row '{self.lhs} {self.op} {self.rhs}' is both fixed and labelled; use one modifier.")
        if isinstance(self.group, bool) or not isinstance(self.group, int) or self.group < 0:
            raise SpecError(f"Row '{self.lhs} {self.op} {self.rhs}': group must be a whole number >= 0, "
                            f"got {self.group!r}.")
        if self.line is not None and (isinstance(self.line, bool) or not isinstance(self.line, int)):
            raise SpecError(f"Row '{self.lhs} {self.op} {self.rhs}': line must be an int or None.")

    @property
    def key(self) -> tuple[str, str, str]:
        """``(lhs, op, rhs)``: the key that joins this parameter's estimates across estimators."""
        return self.lhs, self.op, self.rhs

    @property
    def fixed(self) -> bool:
        """Whether the row carries a fixed value (``0.5*x``)."""
        return self.value is not None

    @property
    def modifier(self) -> str:
        """The term's modifier as model text (``"1*"``, ``"a*"``) or ``""``."""
        if self.value is not None:
            return _format_value(self.value) + "*"
        return f"{self.label}*" if self.label else ""

    def __str__(self) -> str:
        return f"{self.lhs} {self.op} {self.modifier}{self.rhs}"

    def where(self) -> str:
        """Name the row as an error message does: ``"line 3, 'x1 ~~ x2'"`` or ``"'x1 ~~ x2'"``.

        Returns
        -------
        str
            The line (when known) and the row as ``lhs op rhs``.

        Examples
        --------
        >>> from expectmodel.spec import Row
        >>> Row("x1", "~~", "x2", line=3).where()
        "line 3, 'x1 ~~ x2'"
        """
        return f"line {self.line}, '{self}'" if self.line is not None else f"'{self}'"


@dataclass(frozen=True)
class Supports:
    """What an estimator can fit, for :meth:`ParameterTable.require`.

    Parameters
    ----------
    ops : iterable of str
        The operators the estimator fits.
    fixed : bool, default False
        Whether it honours fixed values (``0.5*x``).
    labels : bool, default False
        Whether it accepts labels (``a*x``) on rows.
    constraints : bool, default False
        Whether it honours equality constraints (one label on several rows).
    groups : bool, default False
        Whether it accepts rows of groups other than 1.

    Examples
    --------
    >>> from expectmodel.spec.table import Supports
    >>> sorted(Supports({"=~", "~"}, labels=True).ops)
    ['=~', '~']
    """

    ops: frozenset[str]
    fixed: bool = False
    labels: bool = False
    constraints: bool = False
    groups: bool = False

    def __post_init__(self) -> None:
        ops = frozenset([self.ops] if isinstance(self.ops, str) else self.ops)
        unknown = sorted(ops - set(OPS))
        if unknown:
            raise SpecError(f"Supports: unknown operator(s) {', '.join(map(repr, unknown))}; use {', '.join(OPS)}.")
        object.__setattr__(self, "ops", ops)


@dataclass(frozen=True)
class ParameterTable:
    """An immutable parameter table (lavaan's *partable*).

    Parameters
    ----------
    entries : iterable of Row
        The rows, in order.  A parameter may appear once: a second row with the same
        ``(lhs, op, rhs, group)`` (for ``~~`` in either order) raises :class:`~expectmodel.SpecError`.

    Examples
    --------
    >>> from expectmodel.spec import parse_table
    >>> table = parse_table('''
    ...     Quality      =~ 1*q1 + q2
    ...     Satisfaction =~ s1 + s2
    ...     Satisfaction ~ b*Quality
    ...     q1 ~~ s1
    ... ''')
    >>> table.frame[["lhs", "op", "rhs", "free", "label", "line"]]
                lhs  op      rhs   free label  line
    0       Quality  =~       q1  False           2
    1       Quality  =~       q2   True           2
    2  Satisfaction  =~       s1   True           3
    3  Satisfaction  =~       s2   True           3
    4  Satisfaction   ~  Quality   True     b     4
    5            q1  ~~       s1   True           5
    >>> [str(row) for row in table.rows(op="~~")]
    ['q1 ~~ s1']
    >>> table.require({"=~", "~"}, estimator="PLS")
    Traceback (most recent call last):
    ...
    expectmodel.errors.SpecError: PLS cannot fit line 2, 'Quality =~ 1*q1': a fixed value ('value*name') (and 2 more rows it cannot fit).
    Fixed values ('0.5*x') are not supported by the PLS estimator; write the term without its value (or as 'NA*x') to estimate it freely.
    """  # noqa: E501

    entries: tuple[Row, ...] = ()

    def __post_init__(self) -> None:
        entries = tuple(self.entries)
        seen: dict[tuple, Row] = {}
        for row in entries:
            if not isinstance(row, Row):
                raise SpecError(f"A ParameterTable holds Row objects, got {row!r}.")
            key = (row.lhs, row.op, row.rhs, row.group)
            keys = [key, (row.rhs, row.op, row.lhs, row.group)] if row.op == "~~" else [key]
            if row.op == ":=":
                keys = [(row.lhs, ":=", "", row.group)]
            for k in keys:
                if k in seen:
                    first = seen[k]
                    at = f" at line {first.line}" if first.line is not None else ""
                    raise SpecError(f"{row.where()[0].upper()}{row.where()[1:]}: this parameter is already "
                                    f"specified{at} ('{first}').")
            seen[keys[0]] = row
        object.__setattr__(self, "entries", entries)

    # -- reading ----------------------------------------------------------------------------
    def __iter__(self) -> Iterator[Row]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def rows(self, op: str | Iterable[str] | None = None, *, lhs: str | None = None,
             rhs: str | None = None) -> tuple[Row, ...]:
        r"""Select the rows with operator ``op`` (one or several), and ``lhs``/``rhs`` when given.

        Parameters
        ----------
        op : str or iterable of str, optional
            Keep rows with this operator (or any of these); all operators when omitted.
        lhs, rhs : str, optional
            Keep rows with this left- or right-hand side.

        Returns
        -------
        tuple of Row

        Examples
        --------
        >>> from expectmodel.spec import parse_table
        >>> t = parse_table("F =~ x1 + x2\nG =~ y1\nG ~ F")
        >>> [r.rhs for r in t.rows(op=("=~", "<~"), lhs="F")]
        ['x1', 'x2']
        """
        ops = None if op is None else ({op} if isinstance(op, str) else set(op))
        return tuple(r for r in self.entries
                     if (ops is None or r.op in ops) and (lhs is None or r.lhs == lhs)
                     and (rhs is None or r.rhs == rhs))

    @cached_property
    def frame(self) -> pd.DataFrame:
        """The table as a DataFrame with columns ``lhs, op, rhs, free, value, label, group, line``.

        ``value`` is NaN for free rows; ``line`` is a nullable integer (``<NA>`` for rows built
        in Python).  The frame is a copy: editing it does not change the table.
        """
        frame = pd.DataFrame(
            [(r.lhs, r.op, r.rhs, r.free, math.nan if r.value is None else r.value, r.label, r.group, r.line)
             for r in self.entries],
            columns=list(COLUMNS),
        )
        return frame.astype({"lhs": object, "op": object, "rhs": object, "free": bool, "value": float,
                             "label": object, "group": int, "line": "Int64"})

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> ParameterTable:
        """Rebuild a table from a frame with (at least) the columns ``lhs, op, rhs``.

        Missing ``free``/``value``/``label``/``group``/``line`` columns take their defaults.

        Parameters
        ----------
        frame : DataFrame
            One row per parameter, as :attr:`frame` writes it.

        Returns
        -------
        ParameterTable

        Raises
        ------
        SpecError
            If ``lhs``, ``op`` or ``rhs`` is missing.

        Examples
        --------
        >>> from expectmodel.spec import parse_table
        >>> t = parse_table("F =~ 1*x1 + x2")
        >>> ParameterTable.from_frame(t.frame) == t
        True
        """
        missing = [c for c in ("lhs", "op", "rhs") if c not in frame.columns]
        if missing:
            raise SpecError(f"A parameter table frame needs the columns lhs, op, rhs; missing {', '.join(missing)}.")
        rows = []
        for rec in frame.to_dict("records"):
            value = rec.get("value")
            value = None if value is None or pd.isna(value) else float(value)
            line = rec.get("line")
            label = rec.get("label")
            rows.append(Row(
                str(rec["lhs"]), str(rec["op"]), str(rec["rhs"]),
                free=bool(rec.get("free", value is None and rec["op"] != ":=")),
                value=value,
                label="" if label is None or (not isinstance(label, str) and pd.isna(label)) else str(label),
                group=int(rec.get("group", 0 if rec["op"] == ":=" else 1)),
                line=None if line is None or pd.isna(line) else int(line),
            ))
        return cls(tuple(rows))

    @cached_property
    def labels(self) -> dict[str, tuple[Row, ...]]:
        r"""Each label and the rows that carry it (more than one row: an equality constraint).

        Examples
        --------
        >>> from expectmodel.spec import parse_table
        >>> t = parse_table("F =~ x1 + x2\nG =~ y1\nH =~ z1\nG ~ a*F\nH ~ a*F")
        >>> {k: [str(r) for r in v] for k, v in t.labels.items()}
        {'a': ['G ~ a*F', 'H ~ a*F']}
        """
        out: dict[str, list[Row]] = {}
        for r in self.entries:
            if r.label:
                out.setdefault(r.label, []).append(r)
        return {k: tuple(v) for k, v in out.items()}

    # -- estimator requirements ---------------------------------------------------------------
    def unsupported(self, supported: Supports | Iterable[str]) -> list[tuple[Row, str]]:
        r"""List every row that ``supported`` does not cover, with the reason, in table order.

        Parameters
        ----------
        supported : Supports or iterable of str
            What the estimator fits; a plain set of operators means no fixed values,
            labels, equality constraints or extra groups.

        Returns
        -------
        list of (Row, str)
            Each unsupported row and its reason key: an operator, ``"fixed"``, ``"labels"``,
            ``"constraints"`` or ``"groups"``.

        Examples
        --------
        >>> from expectmodel.spec import parse_table
        >>> t = parse_table("F =~ x1 + x2\nx1 ~~ x2")
        >>> [(str(r), why) for r, why in t.unsupported({"=~"})]
        [('x1 ~~ x2', '~~')]
        """
        sup = supported if isinstance(supported, Supports) else Supports(frozenset(supported))
        uses = Counter(r.label for r in self.entries if r.label)
        out = []
        for row in self.entries:
            if row.op not in sup.ops:
                out.append((row, row.op))
            elif row.fixed and not sup.fixed:
                out.append((row, "fixed"))
            elif row.label and not sup.labels:
                out.append((row, "labels"))
            elif row.label and uses[row.label] > 1 and not sup.constraints:
                out.append((row, "constraints"))
            elif row.group > 1 and not sup.groups:
                out.append((row, "groups"))
        return out

    def require(self, supported: Supports | Iterable[str], *, estimator: str,
                hints: Mapping[str, str] | None = None) -> None:
        r"""Refuse the first row the estimator cannot fit.

        Parameters
        ----------
        supported : Supports or iterable of str
            What the estimator fits; a plain set of operators means no fixed values,
            labels, equality constraints or extra groups.
        estimator : str
            The estimator's name, used in the message (``"PLS"``).
        hints : mapping, optional
            Hints keyed by operator or by ``"fixed"``, ``"labels"``, ``"constraints"``,
            ``"groups"``; they override :data:`HINTS`.  ``{estimator}`` is filled in.

        Raises
        ------
        SpecError
            Naming the first unsupported row (its line when known, as ``lhs op rhs``), what it
            is, the estimator and a hint; the number of further unsupported rows, if any.

        Examples
        --------
        >>> from expectmodel.spec import parse_table
        >>> t = parse_table("F =~ x1 + x2\nind := a*b")
        >>> t.require({"=~", "<~", "~"}, estimator="PLS",
        ...           hints={":=": "Indirect effects are reported for every path."})
        Traceback (most recent call last):
        ...
        expectmodel.errors.SpecError: PLS cannot fit line 2, 'ind := a*b': a defined parameter (':=').
        Indirect effects are reported for every path.
        >>> t.require({"=~", ":="}, estimator="CB-SEM")   # supported: returns None
        """
        bad = self.unsupported(supported)
        if not bad:
            return
        row, why = bad[0]
        hint = {**HINTS, **(hints or {})}.get(why, "")
        n = len(bad) - 1
        more = f" (and {n} more row{'s' if n > 1 else ''} it cannot fit)" if n else ""
        message = f"{estimator} cannot fit {row.where()}: {_WHAT[why]}{more}."
        if hint:
            message += "\n" + hint.replace("{estimator}", estimator)
        raise SpecError(message)

    # -- text -------------------------------------------------------------------------------
    def to_syntax(self) -> str:
        r"""Write the table as lavaan-style text; rows of one ``lhs op`` are joined on one line.

        Returns
        -------
        str
            One line per ``lhs op`` (and per ``:=`` row), in table order.

        Raises
        ------
        SpecError
            For a table with several groups (no text form yet).

        Examples
        --------
        >>> from expectmodel.spec import parse_table
        >>> print(parse_table("F =~ 1*x1 + x2\nx1 ~~ x2\nx1 ~~ x1").to_syntax())
        F =~ 1*x1 + x2
        x1 ~~ x2 + x1
        """
        lines: dict[tuple[str, str, int], list[str]] = {}
        for r in self.entries:
            if r.op == ":=":
                lines[(r.lhs, f":={id(r)}", r.group)] = [f"{r.lhs} := {r.rhs}"]
                continue
            lines.setdefault((r.lhs, r.op, r.group), []).append(f"{r.modifier}{r.rhs}")
        if any(g > 1 for (_, _, g) in lines):
            raise SpecError("Tables with several groups have no text form yet.")
        return "\n".join(terms[0] if op.startswith(":=") else f"{lhs} {op} {' + '.join(terms)}"
                         for (lhs, op, _), terms in lines.items())

    def __repr__(self) -> str:
        body = "\n".join(f"  {r}" + (f"    # line {r.line}" if r.line is not None else "") for r in self.entries)
        return f"ParameterTable(\n{body}\n)" if body else "ParameterTable()"
