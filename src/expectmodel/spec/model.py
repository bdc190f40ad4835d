"""The specification objects: constructs, paths and the immutable :class:`Model`.

A :class:`Model` is the one specification every estimator reads (PLS now,
covariance SEM and Bayesian SEM later).  It is built either with the small
Python builder below or from lavaan-style text (:meth:`Model.from_syntax`), and
both spellings produce equal objects.  Validation of the structure happens when
the object is created; validation against a data set happens in
:mod:`expectmodel.data`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

import pandas as pd

from expectmodel.errors import SpecError

__all__ = ["Construct", "Model", "Path", "composite", "items", "paths", "reflective"]

Kind = Literal["reflective", "composite"]
Mode = Literal["A", "B"]


@dataclass(frozen=True)
class Construct:
    """One construct and its indicator block.

    ``kind`` is the measurement philosophy: ``"reflective"`` (a common factor,
    ``=~``; estimated in mode A and corrected by PLSc when ``consistent=True``)
    or ``"composite"`` (``<~``; mode B by default, mode A allowed).
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
        return "=~" if self.kind == "reflective" else "<~"


@dataclass(frozen=True, order=True)
class Path:
    """A structural path ``source -> target``."""

    source: str
    target: str


def reflective(name: str, indicators: Iterable[str]) -> Construct:
    """A reflective (common-factor, mode A) construct: ``name =~ x1 + x2``."""
    return Construct(name, tuple(indicators), "reflective", "A")


def composite(name: str, indicators: Iterable[str], mode: Mode = "B") -> Construct:
    """A composite construct, mode B (regression weights) unless ``mode='A'``: ``name <~ x1 + x2``."""
    return Construct(name, tuple(indicators), "composite", mode)


def items(prefix: str, start: int, stop: int) -> list[str]:
    """Numbered item names, both ends included: ``items("PERQ", 1, 3) == ["PERQ1", "PERQ2", "PERQ3"]``."""
    if stop < start:
        raise SpecError(f"items({prefix!r}, {start}, {stop}): stop must be >= start.")
    return [f"{prefix}{i}" for i in range(start, stop + 1)]


def paths(sources: str | Sequence[str], to: str | Sequence[str]) -> tuple[Path, ...]:
    """Every path from each of ``sources`` to each of ``to``."""
    src = [sources] if isinstance(sources, str) else list(sources)
    dst = [to] if isinstance(to, str) else list(to)
    return tuple(Path(s, t) for t in dst for s in src)


@dataclass(frozen=True)
class Model:
    """An immutable structural equation model specification.

    Parameters
    ----------
    constructs : sequence of Construct
        The measurement model, in the order results are reported.
    paths : sequence of Path
        The structural (inner) model; it must be acyclic.

    Examples
    --------
    >>> from expectmodel.spec import Model, reflective, paths
    >>> m = Model([reflective("Q", ["q1", "q2"]), reflective("S", ["s1", "s2"])], paths("Q", to="S"))
    >>> m == Model.from_syntax("Q =~ q1 + q2\\nS =~ s1 + s2\\nS ~ Q")
    True
    """

    constructs: tuple[Construct, ...]
    paths: tuple[Path, ...] = field(default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "constructs", tuple(self.constructs))
        flat: list[Path] = []
        for p in self.paths:
            flat.extend(p if isinstance(p, tuple) else (p,))
        object.__setattr__(self, "paths", tuple(flat))
        self._validate()

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
        for c in self.constructs:
            for item in c.indicators:
                if item in names:
                    raise SpecError(
                        f"'{item}' is both a construct and an indicator of '{c.name}'; "
                        "higher-order constructs are not supported yet."
                    )
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
        self._check_acyclic()

    def _check_acyclic(self) -> None:
        succ: dict[str, list[str]] = {c.name: [] for c in self.constructs}
        for p in self.paths:
            succ[p.source].append(p.target)
        state: dict[str, int] = {}  # 1 = on the stack, 2 = done
        stack: list[str] = []

        def visit(node: str) -> None:
            state[node] = 1
            stack.append(node)
            for nxt in succ[node]:
                if state.get(nxt) == 1:
                    cycle = [*stack[stack.index(nxt):], nxt]
                    raise SpecError(
                        "The inner model has a cycle: " + " -> ".join(cycle)
                        + ". PLS path models must be recursive; remove one of these paths."
                    )
                if nxt not in state:
                    visit(nxt)
            stack.pop()
            state[node] = 2

        for c in self.constructs:
            if c.name not in state:
                visit(c.name)

    # -- accessors ---------------------------------------------------------------------------
    @cached_property
    def names(self) -> tuple[str, ...]:
        """Construct names in declaration order."""
        return tuple(c.name for c in self.constructs)

    @cached_property
    def indicators(self) -> tuple[str, ...]:
        """All indicators, block by block."""
        return tuple(i for c in self.constructs for i in c.indicators)

    def construct(self, name: str) -> Construct:
        for c in self.constructs:
            if c.name == name:
                return c
        raise SpecError(f"Unknown construct '{name}'; the model has {', '.join(self.names)}.")

    def predecessors(self, name: str) -> tuple[str, ...]:
        """Constructs with a path into ``name``, in declaration order."""
        src = {p.source for p in self.paths if p.target == name}
        return tuple(n for n in self.names if n in src)

    @cached_property
    def endogenous(self) -> tuple[str, ...]:
        return tuple(n for n in self.names if self.predecessors(n))

    @cached_property
    def exogenous(self) -> tuple[str, ...]:
        return tuple(n for n in self.names if not self.predecessors(n))

    @cached_property
    def topological_order(self) -> tuple[str, ...]:
        """Constructs ordered so that every path points forward (ties keep declaration order)."""
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
        """Parse lavaan-style text (``=~``, ``<~``, ``~``, ``#`` comments); see :mod:`expectmodel.spec.syntax`."""
        from expectmodel.spec.syntax import parse

        return parse(text)

    def to_syntax(self) -> str:
        """The lavaan-style text of this model (round-trips through :meth:`from_syntax`)."""
        return self._syntax

    @cached_property
    def _syntax(self) -> str:
        lines = [f"{c.name} {c.operator} {' + '.join(c.indicators)}" for c in self.constructs]
        lines += [
            f"{n} ~ {' + '.join(self.predecessors(n))}" for n in self.names if self.predecessors(n)
        ]
        return "\n".join(lines)

    def to_table(self) -> pd.DataFrame:
        """The flat parameter table (``lhs``, ``op``, ``rhs``) every estimator reads."""
        rows = [(c.name, c.operator, i, c.mode) for c in self.constructs for i in c.indicators]
        rows += [(p.target, "~", p.source, "") for p in self.paths]
        return pd.DataFrame(rows, columns=["lhs", "op", "rhs", "mode"])

    def __eq__(self, other: object) -> bool:  # paths compare as a set: order is cosmetic
        if not isinstance(other, Model):
            return NotImplemented
        return self is other or self._key == other._key

    def __hash__(self) -> int:
        return self._hash

    @cached_property
    def _key(self) -> tuple:
        return self.constructs, tuple(sorted(self.paths))

    @cached_property
    def _hash(self) -> int:
        return hash(self._key)

    def __repr__(self) -> str:
        return f"Model(\n  {self.to_syntax().replace(chr(10), chr(10) + '  ')}\n)"
