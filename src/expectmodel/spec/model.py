"""The specification objects: constructs, paths and the immutable :class:`Model`.

A :class:`Model` is the one specification every estimator reads (PLS now,
covariance SEM and Bayesian SEM later).  Underneath it is a
:class:`~expectmodel.spec.table.ParameterTable` (:attr:`Model.table`), lavaan's
parameter table; the constructs and paths are compiled from it for the
estimators that think in blocks and arrows.  A model is built either with the
small Python builder below, from lavaan-style text (:meth:`Model.from_syntax`) or
from a table (:meth:`Model.from_table`), and the spellings produce equal objects.

The spec states the model and checks that it is well formed (every path joins
two constructs, no indicator in two blocks, ...).  What an estimator can fit is
the estimator's business: PLS refuses ``~~``, ``:=``, fixed values and a
non-recursive inner model (see :func:`expectmodel.sem._spec.pls_requirements`).
Validation against a data set happens in :mod:`expectmodel.data`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Literal

import pandas as pd

from expectmodel.errors import SpecError
from expectmodel.spec.table import ParameterTable, Row

__all__ = ["Construct", "Model", "Path", "composite", "items", "paths", "reflective"]

Kind = Literal["reflective", "composite"]
Mode = Literal["A", "B"]

_MEASUREMENT = ("=~", "<~")
_NAME = re.compile(r"(?<![\d.])[A-Za-z_][A-Za-z0-9_.]*")


@dataclass(frozen=True)
class Construct:
    """One construct and its indicator block.

    Parameters
    ----------
    name : str
        The construct's name.
    indicators : sequence of str
        Its indicator columns, in order (at least one, none twice).
    kind : {"reflective", "composite"}, default "reflective"
        The measurement philosophy: ``"reflective"`` (a common factor, ``=~``; estimated
        in mode A and corrected by PLSc when ``consistent=True``) or ``"composite"``
        (``<~``; mode B by default, mode A allowed).
    mode : {"A", "B"}, default "A"
        The PLS weighting mode; reflective constructs are always mode A.

    Examples
    --------
    >>> from expectmodel.spec import Construct
    >>> Construct("Value", ("v1", "v2"), "composite", "B").operator
    '<~'
    """

    name: str
    indicators: tuple[str, ...]
    kind: Kind = "reflective"
    mode: Mode = "A"

    def __post_init__(self) -> None:
        object.__setattr__(self, "indicators", tuple(self.indicators))
        if not isinstance(self.name, str) or not self.name:
            raise SpecError(f"A construct name must be a non-empty string, got {self.name!r}.")
        if self.kind not in ("reflective", "composite"):
            raise SpecError(
                f"Construct '{self.name}': kind must be 'reflective' or 'composite', "
                f"got {self.kind!r}."
            )
        if self.mode not in ("A", "B"):
            raise SpecError(f"Construct '{self.name}': mode must be 'A' or 'B', got {self.mode!r}.")
        if self.kind == "reflective" and self.mode != "A":
            raise SpecError(
                f"Construct '{self.name}' is reflective and so is estimated in mode A; "
                "declare it as composite(..., mode='B') for regression weights."
            )
        if not self.indicators:
            raise SpecError(
                f"Construct '{self.name}' has no indicators; list at least one column, "
                f"e.g. '{self.name} =~ item1 + item2'."
            )
        seen: set[str] = set()
        for item in self.indicators:
            if not isinstance(item, str) or not item:
                raise SpecError(f"Construct '{self.name}': indicator names must be strings.")
            if item in seen:
                raise SpecError(f"Construct '{self.name}' lists indicator '{item}' twice.")
            seen.add(item)

    @property
    def operator(self) -> str:
        """The measurement operator: ``"=~"`` (reflective) or ``"<~"`` (composite)."""
        return "=~" if self.kind == "reflective" else "<~"


@dataclass(frozen=True, order=True)
class Path:
    """A structural path ``source -> target`` (the table row ``target ~ source``).

    Parameters
    ----------
    source : str
        The predicting construct.
    target : str
        The predicted construct.

    Examples
    --------
    >>> from expectmodel.spec import Path
    >>> Path("Quality", "Satisfaction")
    Path(source='Quality', target='Satisfaction')
    """

    source: str
    target: str


def reflective(name: str, indicators: Iterable[str]) -> Construct:
    """Declare a reflective (common-factor, mode A) construct: ``name =~ x1 + x2``.

    Parameters
    ----------
    name : str
        The construct's name.
    indicators : iterable of str
        Its indicator columns, in order.

    Returns
    -------
    Construct
        A construct of kind ``"reflective"``, mode A.

    Examples
    --------
    >>> from expectmodel.spec import reflective
    >>> reflective("Q", ["q1", "q2"]).kind
    'reflective'
    """
    return Construct(name, tuple(indicators), "reflective", "A")


def composite(name: str, indicators: Iterable[str], mode: Mode = "B") -> Construct:
    """Declare a composite construct, mode B (regression weights) unless ``mode='A'``: ``name <~ x1 + x2``.

    Parameters
    ----------
    name : str
        The construct's name.
    indicators : iterable of str
        Its indicator columns, in order.
    mode : {"B", "A"}, default "B"
        The PLS weighting mode: ``"B"`` regression weights, ``"A"`` correlation weights.

    Returns
    -------
    Construct
        A construct of kind ``"composite"``.

    Examples
    --------
    >>> from expectmodel.spec import composite
    >>> composite("V", ["v1", "v2"]).mode
    'B'
    """
    return Construct(name, tuple(indicators), "composite", mode)


def items(prefix: str, start: int, stop: int) -> list[str]:
    """Make numbered item names, both ends included.

    Parameters
    ----------
    prefix : str
        The common stem of the names.
    start, stop : int
        The first and the last number (``stop >= start``).

    Returns
    -------
    list of str
        ``prefix + str(i)`` for ``i`` from ``start`` to ``stop``.

    Raises
    ------
    SpecError
        If ``stop < start``.

    Examples
    --------
    >>> from expectmodel.spec import items
    >>> items("PERQ", 1, 3)
    ['PERQ1', 'PERQ2', 'PERQ3']
    """
    if stop < start:
        raise SpecError(f"items({prefix!r}, {start}, {stop}): stop must be >= start.")
    return [f"{prefix}{i}" for i in range(start, stop + 1)]


def paths(sources: str | Sequence[str], to: str | Sequence[str]) -> tuple[Path, ...]:
    """Make every path from each of ``sources`` to each of ``to``.

    Parameters
    ----------
    sources : str or sequence of str
        The predicting construct(s).
    to : str or sequence of str
        The predicted construct(s).

    Returns
    -------
    tuple of Path
        Target by target, each with every source in the given order.

    Examples
    --------
    >>> from expectmodel.spec import paths
    >>> paths(["A", "B"], to="C")
    (Path(source='A', target='C'), Path(source='B', target='C'))
    """
    src = [sources] if isinstance(sources, str) else list(sources)
    dst = [to] if isinstance(to, str) else list(to)
    return tuple(Path(s, t) for t in dst for s in src)


def _at(row: Row) -> str:
    return f" (line {row.line})" if row.line is not None else ""


@dataclass(frozen=True)
class Model:
    r"""An immutable structural equation model specification.

    Parameters
    ----------
    constructs : sequence of Construct
        The measurement model, in the order results are reported.
    paths : sequence of Path
        The structural (inner) model.  Whether it must be recursive is the estimator's
        rule (PLS: yes, see :meth:`check_recursive`).  A path whose source is a product
        ``"X:M"`` of two constructs (``"X:X"``: a quadratic term) is an interaction; it is kept
        in :attr:`interactions`, not in :attr:`paths`.
    table : ParameterTable, optional
        The parameter table the model was compiled from (:meth:`from_table` passes it).
        Its ``=~``/``<~``/``~`` rows must be exactly those of ``constructs`` and ``paths``;
        it may add labels, fixed values, ``~~`` and ``:=`` rows.  Built from ``constructs``
        and ``paths`` when omitted.

    Notes
    -----
    Two models are equal when their constructs (in order) and their table rows (as a set;
    line numbers aside; ``x ~~ y`` the same as ``y ~~ x``) are equal, so the order of paths
    is cosmetic.

    Examples
    --------
    >>> from expectmodel.spec import Model, reflective, paths
    >>> m = Model([reflective("Q", ["q1", "q2"]), reflective("S", ["s1", "s2"])], paths("Q", to="S"))
    >>> m == Model.from_syntax("Q =~ q1 + q2\nS =~ s1 + s2\nS ~ Q")
    True
    >>> [str(row) for row in m.table]
    ['Q =~ q1', 'Q =~ q2', 'S =~ s1', 'S =~ s2', 'S ~ Q']
    """

    constructs: tuple[Construct, ...]
    paths: tuple[Path, ...] = field(default=())
    table: ParameterTable | None = field(default=None, repr=False, compare=False)
    interactions: tuple[Path, ...] = field(default=(), repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "constructs", tuple(self.constructs))
        flat: list[Path] = []
        for p in (*self.paths, *self.interactions):
            flat.extend(p if isinstance(p, tuple) else (p,))
        names = {c.name for c in self.constructs if isinstance(c, Construct)}
        product = [isinstance(p, Path) and ":" in p.source and p.source not in names for p in flat]
        object.__setattr__(self, "paths", tuple(p for p, x in zip(flat, product, strict=True) if not x))
        object.__setattr__(self, "interactions", tuple(p for p, x in zip(flat, product, strict=True) if x))
        self._validate()
        object.__setattr__(self, "table", self._compile_table(self.table))

    # -- validation --------------------------------------------------------------------------
    def _validate(self) -> None:
        names: dict[str, Construct] = {}
        owner: dict[str, str] = {}
        for c in self.constructs:
            if not isinstance(c, Construct):
                raise SpecError(f"Model constructs must be Construct objects, got {c!r}.")
            if c.name in names:
                raise SpecError(f"Construct '{c.name}' is defined twice; merge its indicators into one line.")
            names[c.name] = c
        lower: dict[str, str] = {}
        for c in self.constructs:
            parts = [item in names for item in c.indicators]
            if any(parts):  # a higher-order construct: measured by constructs only, at least two of them
                if not all(parts):
                    items = [i for i, x in zip(c.indicators, parts, strict=True) if not x]
                    raise SpecError(
                        f"Construct '{c.name}' mixes constructs and indicators ({', '.join(items)}); a "
                        "higher-order construct is measured by lower-order constructs only."
                    )
                if len(c.indicators) < 2:
                    raise SpecError(
                        f"The higher-order construct '{c.name}' has one lower-order block ('{c.indicators[0]}'); "
                        "it needs at least two, else it is the same construct twice. Use the lower-order "
                        "construct directly."
                    )
                for loc in c.indicators:
                    if any(i in names for i in names[loc].indicators):
                        raise SpecError(f"'{loc}' is itself higher-order; only second-order constructs "
                                        f"(of first-order ones) are supported, as '{c.name}' would be third-order.")
                    if loc in lower:
                        raise SpecError(f"The lower-order construct '{loc}' belongs to both '{lower[loc]}' and "
                                        f"'{c.name}'; give each higher-order construct its own dimensions.")
                    lower[loc] = c.name
                continue
            for item in c.indicators:
                if item in owner:
                    raise SpecError(
                        f"Indicator '{item}' is used by both '{owner[item]}' and '{c.name}'; "
                        "each indicator may belong to one construct only."
                    )
                owner[item] = c.name
        seen: set[Path] = set()
        for p in self.paths:
            if not isinstance(p, Path):
                raise SpecError(f"Model paths must be Path objects, got {p!r}.")
            for end in (p.source, p.target):
                if end not in names:
                    raise SpecError(
                        f"The path {p.source} -> {p.target} uses '{end}', which has no indicators; "
                        f"define it first, e.g. '{end} =~ item1 + item2'."
                    )
            if p.source == p.target:
                raise SpecError(f"Construct '{p.source}' cannot predict itself.")
            if p in seen:
                raise SpecError(f"The path {p.source} -> {p.target} is specified twice.")
            seen.add(p)
        for p in self.interactions:
            parts = p.source.split(":")
            for end in (*parts, p.target):
                if end not in names:
                    raise SpecError(
                        f"The interaction {p.source} -> {p.target} uses '{end}', which is not a declared "
                        f"construct; declare it first (e.g. '{end} =~ item1 + item2') or check the spelling."
                    )
            if p.target in parts:
                raise SpecError(f"The interaction {p.source} cannot predict '{p.target}', one of its own parts.")
            if p in seen:
                raise SpecError(f"The path {p.source} -> {p.target} is specified twice.")
            seen.add(p)

    def _compile_table(self, table: ParameterTable | None) -> ParameterTable:
        """Compile the model's table in canonical order: measurement (construct by construct), paths, then the rest."""
        core = [Row(c.name, c.operator, i) for c in self.constructs for i in c.indicators]
        core += self._canonical([Row(p.target, "~", p.source) for p in (*self.paths, *self.interactions)])
        if table is None:
            return ParameterTable(tuple(core))
        if not isinstance(table, ParameterTable):
            raise SpecError(f"Model(table=...) must be a ParameterTable, got {type(table).__name__}.")
        given = {r.key: r for r in table if r.op in (*_MEASUREMENT, "~")}
        wanted = {r.key for r in core}
        if set(given) != wanted:
            extra = sorted(set(given) - wanted)
            lacking = sorted(wanted - set(given))
            raise SpecError(
                "Model(table=...): the table's '=~', '<~' and '~' rows do not match the constructs and paths"
                + (f"; the table adds {', '.join(' '.join(k) for k in extra)}" if extra else "")
                + (f"; the table lacks {', '.join(' '.join(k) for k in lacking)}" if lacking else "")
                + ". Build the model with Model.from_table(table)."
            )
        rest = [r for r in table if r.op == "~~"]
        rest = self._canonical(rest) + [r for r in table if r.op == ":="]
        self._check_rest(rest)
        return ParameterTable(tuple(given[r.key] for r in core) + tuple(rest))

    @staticmethod
    def _canonical(rows: list[Row]) -> list[Row]:
        """Rows of one ``lhs op`` together (first appearance first, order kept), as the text writes them."""
        first: dict[tuple[str, str], int] = {}
        for i, r in enumerate(rows):
            first.setdefault((r.lhs, r.op) if r.op != ":=" else (r.lhs, f":={i}"), i)
        order = {i: first[(r.lhs, r.op) if r.op != ":=" else (r.lhs, f":={i}")] for i, r in enumerate(rows)}
        return [rows[i] for i in sorted(range(len(rows)), key=lambda i: (order[i], i))]

    def _check_rest(self, rest: list[Row]) -> None:
        """``~~`` rows join known names; ``:=`` expressions use labels or earlier defined parameters."""
        known = set(self.names) | set(self.indicators)
        for row in rest:
            if row.op != "~~":
                continue
            for end in (row.lhs, row.rhs):
                if end not in known:
                    raise SpecError(
                        f"'{end}'{_at(row)} in '{row}' is neither a construct nor an indicator of this model; "
                        "a variance or covariance needs names defined by '=~' or '<~' lines."
                    )
        labels = {r.label for r in self.table or () if r.label}
        defined: set[str] = set()
        for row in rest:
            if row.op != ":=":
                continue
            if row.lhs in labels:
                raise SpecError(f"The defined parameter '{row.lhs}'{_at(row)} has the name of a label; rename it.")
            for name in _NAME.findall(row.rhs):
                if name not in labels and name not in defined:
                    raise SpecError(
                        f"'{name}' in '{row.lhs} := {row.rhs}'{_at(row)} is not a label; label the parameters "
                        f"it uses, e.g. 'Y ~ {name}*X', or define it on an earlier ':=' line."
                    )
            defined.add(row.lhs)

    @cached_property
    def cycle(self) -> tuple[str, ...] | None:
        r"""A cycle of the inner model as ``(A, B, C, A)``, or ``None`` when the model is recursive.

        Examples
        --------
        >>> from expectmodel.spec import Model
        >>> Model.from_syntax("A =~ a1\nB =~ b1\nB ~ A\nA ~ B").cycle
        ('A', 'B', 'A')
        """
        succ: dict[str, list[str]] = {c.name: [] for c in self.constructs}
        for p in self.paths:
            succ[p.source].append(p.target)
        state: dict[str, int] = {}  # 1 = on the stack, 2 = done
        stack: list[str] = []

        def visit(node: str) -> tuple[str, ...] | None:
            state[node] = 1
            stack.append(node)
            for nxt in succ[node]:
                if state.get(nxt) == 1:
                    return (*stack[stack.index(nxt):], nxt)
                if nxt not in state:
                    found = visit(nxt)
                    if found:
                        return found
            stack.pop()
            state[node] = 2
            return None

        for c in self.constructs:
            if c.name not in state:
                found = visit(c.name)
                if found:
                    return found
        return None

    @property
    def is_recursive(self) -> bool:
        """Whether the inner model has no cycle (no feedback loop)."""
        return self.cycle is None

    def check_recursive(self, estimator: str = "PLS") -> None:
        r"""Raise :class:`~expectmodel.SpecError` if the inner model has a cycle.

        A recursive inner model is an estimator's requirement (PLS's), not a rule of the spec.

        Parameters
        ----------
        estimator : str, default "PLS"
            The estimator that needs it, named in the message.

        Raises
        ------
        SpecError
            ``"The inner model has a cycle: A -> B -> A. PLS path models must be recursive; ..."``.

        Examples
        --------
        >>> from expectmodel.spec import Model
        >>> Model.from_syntax("A =~ a1\nB =~ b1\nB ~ A").check_recursive()   # recursive: returns None
        >>> Model.from_syntax("A =~ a1\nB =~ b1\nB ~ A\nA ~ B").check_recursive()
        Traceback (most recent call last):
        ...
        expectmodel.errors.SpecError: The inner model has a cycle: A -> B -> A. PLS path models must be recursive; remove one of these paths.
        """  # noqa: E501
        if self.cycle is not None:
            raise SpecError(
                "The inner model has a cycle: " + " -> ".join(self.cycle)
                + f". {estimator} path models must be recursive; remove one of these paths."
            )

    # -- accessors ---------------------------------------------------------------------------
    @cached_property
    def names(self) -> tuple[str, ...]:
        """Construct names in declaration order."""
        return tuple(c.name for c in self.constructs)

    @cached_property
    def indicators(self) -> tuple[str, ...]:
        """All indicators (data columns), block by block; a higher-order construct's lower-order names are not."""
        hoc = set(self.higher_order)
        return tuple(i for c in self.constructs if c.name not in hoc for i in c.indicators)

    @cached_property
    def higher_order(self) -> dict[str, tuple[str, ...]]:
        r"""The higher-order constructs and their lower-order constructs (dimensions).

        Examples
        --------
        >>> from expectmodel.spec import Model
        >>> m = Model.from_syntax("A =~ a1 + a2\nB =~ b1 + b2\nH =~ A + B\nY =~ y1\nY ~ H")
        >>> m.higher_order, m.indicators
        ({'H': ('A', 'B')}, ('a1', 'a2', 'b1', 'b2', 'y1'))
        """
        names = {c.name for c in self.constructs}
        return {c.name: c.indicators for c in self.constructs if c.indicators[0] in names}

    def construct(self, name: str) -> Construct:
        """Look up the construct called ``name``.

        Parameters
        ----------
        name : str
            A construct name of this model.

        Returns
        -------
        Construct

        Raises
        ------
        SpecError
            If the model has no construct of that name.

        Examples
        --------
        >>> from expectmodel.spec import Model
        >>> Model.from_syntax("Q =~ q1 + q2").construct("Q").indicators
        ('q1', 'q2')
        """
        for c in self.constructs:
            if c.name == name:
                return c
        raise SpecError(f"Unknown construct '{name}'; the model has {', '.join(self.names)}.")

    def predecessors(self, name: str) -> tuple[str, ...]:
        r"""List the constructs with a path into ``name``, in declaration order.

        Parameters
        ----------
        name : str
            A construct name.

        Returns
        -------
        tuple of str
            The predecessors' names; empty for an exogenous construct.

        Examples
        --------
        >>> from expectmodel.spec import Model
        >>> Model.from_syntax("A =~ a1\nB =~ b1\nC =~ c1\nC ~ B + A").predecessors("C")
        ('A', 'B')
        """
        src = {p.source for p in self.paths if p.target == name}
        return tuple(n for n in self.names if n in src)

    @cached_property
    def products(self) -> tuple[tuple[str, str, str], ...]:
        r"""The product terms of the interactions, ``(name, left, right)``, in first-use order.

        Examples
        --------
        >>> from expectmodel.spec import Model
        >>> Model.from_syntax("X =~ x1\nM =~ m1\nY =~ y1\nY ~ X + M + X:M + X:X").products
        (('X:M', 'X', 'M'), ('X:X', 'X', 'X'))
        """
        out = dict.fromkeys(p.source for p in self.interactions)
        return tuple((name, *name.split(":")) for name in out)  # type: ignore[misc]

    @cached_property
    def endogenous(self) -> tuple[str, ...]:
        """Constructs with at least one path into them, in declaration order."""
        return tuple(n for n in self.names if self.predecessors(n))

    @cached_property
    def exogenous(self) -> tuple[str, ...]:
        """Constructs without a path into them, in declaration order."""
        return tuple(n for n in self.names if not self.predecessors(n))

    @cached_property
    def topological_order(self) -> tuple[str, ...]:
        """Constructs ordered so that every path points forward (ties keep declaration order).

        Raises :class:`~expectmodel.SpecError` for a non-recursive inner model, which has no such order.
        """
        if self.cycle is not None:
            raise SpecError(
                "The inner model has a cycle: " + " -> ".join(self.cycle)
                + ", so its constructs have no order in which every path points forward; "
                "remove one of these paths."
            )
        done: list[str] = []
        remaining = list(self.names)
        while remaining:
            for n in remaining:
                if all(p in done for p in self.predecessors(n)):
                    done.append(n)
                    remaining.remove(n)
                    break
        return tuple(done)

    # -- conversions -------------------------------------------------------------------------
    @classmethod
    def from_syntax(cls, text: str) -> Model:
        r"""Parse lavaan-style text: :func:`~expectmodel.spec.syntax.parse_table`, then :meth:`from_table`.

        Parameters
        ----------
        text : str
            The model text (``=~ <~ ~ ~~ :=``, fixed values ``0.5*x``, labels ``a*x``, ``#`` comments);
            see :mod:`expectmodel.spec.syntax`.

        Returns
        -------
        Model

        Examples
        --------
        >>> from expectmodel.spec import Model
        >>> m = Model.from_syntax("Q =~ q1 + q2\nS =~ s1 + s2\nS ~ b*Q\nq1 ~~ s1")
        >>> m.paths, [str(r) for r in m.table.rows(op="~~")]
        ((Path(source='Q', target='S'),), ['q1 ~~ s1'])
        """
        from expectmodel.spec.syntax import parse_table

        return cls.from_table(parse_table(text))

    @classmethod
    def from_table(cls, table: ParameterTable | pd.DataFrame, *, modes: Mapping[str, Mode] | None = None) -> Model:
        """Compile a parameter table into a model.

        ``=~`` rows make reflective constructs, ``<~`` rows composites (mode B unless ``modes``
        says ``"A"``), ``~`` rows paths; ``~~`` and ``:=`` rows, labels and fixed values stay in
        :attr:`table` for the estimators that read them.

        Parameters
        ----------
        table : ParameterTable or DataFrame
            The table (a frame is read with :meth:`ParameterTable.from_frame`).
        modes : mapping of str to {"A", "B"}, optional
            The PLS weighting mode of composites, by construct name.

        Returns
        -------
        Model

        Raises
        ------
        SpecError
            Naming the row (and its line) that does not make a model: no constructs, a
            construct measured both ways, a path to a name without indicators, a ``~~`` row on
            an unknown name, a ``:=`` that uses no label, a group other than 1.

        Examples
        --------
        >>> from expectmodel.spec import Model, ParameterTable, Row
        >>> t = ParameterTable([Row("V", "<~", "v1"), Row("V", "<~", "v2"), Row("S", "=~", "s1"),
        ...                     Row("S", "~", "V")])
        >>> m = Model.from_table(t, modes={"V": "A"})
        >>> m.construct("V").mode, m.predecessors("S")
        ('A', ('V',))
        """
        if isinstance(table, pd.DataFrame):
            table = ParameterTable.from_frame(table)
        if not isinstance(table, ParameterTable):
            raise SpecError(f"Model.from_table needs a ParameterTable, got {type(table).__name__}.")
        modes = dict(modes or {})
        blocks: dict[str, list[Row]] = {}
        for row in table:
            if row.group > 1:
                raise SpecError(f"{row.where()}: multiple-group tables are not supported yet; "
                                "fit each group separately (PLS(..., groups='column')).")
            if row.op in _MEASUREMENT:
                first = blocks.setdefault(row.lhs, [row])[0]
                if first.op != row.op:
                    raise SpecError(f"Construct '{row.lhs}'{_at(row)} is measured with both '=~' and '<~'; "
                                    "choose reflective (=~) or composite (<~).")
                if row is not first:
                    blocks[row.lhs].append(row)
        if not blocks:
            raise SpecError("The model text defines no constructs; add lines such as 'Quality =~ q1 + q2 + q3'.")
        unknown = sorted(set(modes) - {n for n, rows in blocks.items() if rows[0].op == "<~"})
        if unknown:
            raise SpecError(f"modes names {', '.join(map(repr, unknown))}, which are not composites ('<~').")
        constructs = []
        for name, rows in blocks.items():
            kind, mode = ("reflective", "A") if rows[0].op == "=~" else ("composite", modes.get(name, "B"))
            try:
                constructs.append(Construct(name, tuple(r.rhs for r in rows), kind, mode))
            except SpecError as exc:
                raise SpecError(f"{str(exc).rstrip('.')}{_at(rows[0])}.") from None
        path_list = []
        for row in table.rows(op="~"):
            for end in (*row.rhs.split(":"), row.lhs):
                if end not in blocks and ":" in row.rhs and end != row.lhs:
                    raise SpecError(
                        f"The interaction '{row.rhs}'{_at(row)} uses '{end}', which is not a declared construct; "
                        f"declare it first (e.g. '{end} =~ item1 + item2') or check the spelling."
                    )
                if end not in blocks:
                    raise SpecError(
                        f"'{end}'{_at(row)} appears in a path but has no indicators; "
                        f"define it with '{end} =~ item1 + item2' or check the spelling."
                    )
            path_list.append(Path(row.rhs, row.lhs))
        return cls(tuple(constructs), tuple(path_list), table=table)

    def to_table(self) -> ParameterTable:
        r"""Return the parameter table every estimator reads (the same object as :attr:`table`).

        Use its ``.frame`` for a DataFrame with the columns ``lhs, op, rhs, free, value, label,
        group, line``.

        Returns
        -------
        ParameterTable

        Examples
        --------
        >>> from expectmodel.spec import Model
        >>> Model.from_syntax("Q =~ q1 + q2\nS =~ s1\nS ~ Q").to_table().frame[["lhs", "op", "rhs"]]
          lhs  op rhs
        0   Q  =~  q1
        1   Q  =~  q2
        2   S  =~  s1
        3   S   ~   Q
        """
        assert self.table is not None  # set in __post_init__
        return self.table

    def to_syntax(self) -> str:
        r"""Write this model as lavaan-style text; it round-trips through :meth:`from_syntax`.

        Composites in mode A are written as ``<~`` (the text has no spelling for the mode),
        so they come back in mode B.

        Returns
        -------
        str
            One line per ``lhs op`` (measurement, paths, then ``~~`` and ``:=`` rows).

        Examples
        --------
        >>> from expectmodel.spec import Model
        >>> print(Model.from_syntax("S ~ b*Q\nQ =~ 1*q1 + q2\nS =~ s1\nind := 2*b").to_syntax())
        Q =~ 1*q1 + q2
        S =~ s1
        S ~ b*Q
        ind := 2*b
        """
        return self._syntax

    @cached_property
    def _syntax(self) -> str:
        assert self.table is not None
        return self.table.to_syntax()

    def __eq__(self, other: object) -> bool:  # paths compare as a set: order is cosmetic
        if not isinstance(other, Model):
            return NotImplemented
        return self is other or self._key == other._key

    def __hash__(self) -> int:
        return self._hash

    @cached_property
    def _key(self) -> tuple:
        assert self.table is not None
        # a covariance is symmetric: 'x ~~ y' and 'y ~~ x' state the same parameter
        return self.constructs, frozenset(
            replace(r, lhs=r.rhs, rhs=r.lhs) if r.op == "~~" and r.rhs < r.lhs else r for r in self.table)

    @cached_property
    def _hash(self) -> int:
        return hash(self._key)

    def __repr__(self) -> str:
        return f"Model(\n  {self.to_syntax().replace(chr(10), chr(10) + '  ')}\n)"
