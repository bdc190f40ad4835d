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

The methods of :class:`Model` live by idea in private modules mixed into it: the rules a model obeys and
the compiling of its table (``_checks``), the inner model read as a directed graph: predecessors, cycles,
topological order (``_inner``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Literal

import pandas as pd

from expectmodel.errors import SpecError
from expectmodel.spec._checks import _MEASUREMENT, WellFormedMixin, _at
from expectmodel.spec._inner import InnerModelMixin
from expectmodel.spec.table import ParameterTable, Row

__all__ = ["Construct", "Model", "Path", "composite", "items", "paths", "reflective"]

Kind = Literal["reflective", "composite"]
Mode = Literal["A", "B"]



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


@dataclass(frozen=True)
class Model(WellFormedMixin, InnerModelMixin):
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
