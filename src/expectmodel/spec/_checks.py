"""The rules every :class:`~expectmodel.spec.Model` obeys, checked when it is made, and its table compiled.

:class:`WellFormedMixin` holds the checks of :class:`~expectmodel.spec.Model` (constructs, higher-order
blocks, indicators, paths and interactions; ``~~`` and ``:=`` rows of its table) and compiles the model's
parameter table in canonical order. What an estimator can fit is checked by the estimator.
"""

from __future__ import annotations

import re

from expectmodel.errors import SpecError
from expectmodel.spec.table import ParameterTable, Row

_MEASUREMENT = ("=~", "<~")
_NAME = re.compile(r"(?<![\d.])[A-Za-z_][A-Za-z0-9_.]*")


def _at(row: Row) -> str:
    return f" (line {row.line})" if row.line is not None else ""


class WellFormedMixin:
    """Checks and table compilation of :class:`~expectmodel.spec.Model` (see there), run by its ``__post_init__``."""

    def _validate(self) -> None:
        from expectmodel.spec.model import Construct, Path  # model.py imports this module

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
