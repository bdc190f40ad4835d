"""lavaan-style model text -> :class:`~expectmodel.spec.model.Model`.

Grammar (one statement per line; a line ending in ``+`` continues on the next)::

    statement := NAME op NAME ("+" NAME)*
    op        := "=~"   reflective construct, mode A
               | "<~"   composite construct, mode B
               | "~"    structural regression  (target ~ source + source)
    comment   := "#" to the end of the line

Every syntax error names the line and column and points at the token with a caret.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from expectmodel.errors import SpecError
from expectmodel.spec.model import Construct, Model, Path

__all__ = ["parse"]

_TOKEN = re.compile(
    r"(?P<ws>[ \t]+)|(?P<name>[A-Za-z_][A-Za-z0-9_.]*)|(?P<op>=~|<~|~~|:=|~|\+|[=<>:*|!^\-/,;()]+)"
    r"|(?P<number>\d+(?:\.\d*)?)"
)
_HINTS = {
    "~~": "Residual covariances ('~~') are not supported by the PLS estimator.",
    ":=": "Defined parameters (':=') are not supported; indirect and total effects are reported for every path.",
    "*": "Fixed values and labels ('0.5*x') are not supported in this syntax.",
    "=>": "Did you mean '~' (regression) or '=~' (measurement)?",
    "->": "Did you mean '~' (regression: 'Target ~ Source')?",
    "<-": "Did you mean '~' (regression: 'Target ~ Source')?",
    "=": "Did you mean '=~' (measurement) or '~' (regression)?",
}


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    line: int
    col: int  # 1-based


def _error(message: str, source_line: str, tok_line: int, col: int, width: int, hint: str = "") -> SpecError:
    caret = " " * (col - 1) + "^" * max(width, 1)
    text = f"{message} at line {tok_line}, column {col}\n    {source_line}\n    {caret}"
    return SpecError(text + (f"\n{hint}" if hint else ""))


def _statements(text: str) -> list[tuple[list[_Token], dict[int, str]]]:
    """Tokenise, strip comments and join continuation lines into statements."""
    statements: list[tuple[list[_Token], dict[int, str]]] = []
    current: list[_Token] = []
    sources: dict[int, str] = {}
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].rstrip()
        pos = 0
        toks: list[_Token] = []
        while pos < len(line):
            m = _TOKEN.match(line, pos)
            if m is None:
                raise _error(f"unexpected character {line[pos]!r}", line, lineno, pos + 1, 1)
            if m.lastgroup != "ws":
                toks.append(_Token(m.lastgroup or "", m.group(), lineno, pos + 1))
            pos = m.end()
        if not toks:
            continue
        sources[lineno] = line
        continues = bool(current) and (current[-1].text == "+" or toks[0].text == "+")
        if current and not continues:
            statements.append((current, sources))
            sources = {lineno: line}
            current = []
        current.extend(toks)
    if current:
        statements.append((current, sources))
    return statements


def parse(text: str) -> Model:
    """Parse lavaan-style text into a :class:`Model`.

    Raises
    ------
    SpecError
        For malformed statements (with line, column and a caret), duplicate
        definitions, constructs without indicators and cycles.
    """
    if not isinstance(text, str):
        raise SpecError(f"Model text must be a string, got {type(text).__name__}.")
    constructs: dict[str, Construct] = {}
    defined_at: dict[str, int] = {}
    path_list: list[Path] = []
    path_at: dict[Path, int] = {}
    for toks, sources in _statements(text):
        def fail(tok: _Token, message: str, hint: str = "", sources: dict[int, str] = sources) -> SpecError:
            return _error(message, sources[tok.line], tok.line, tok.col, len(tok.text), hint)

        lhs = toks[0]
        if lhs.kind != "name":
            raise fail(lhs, f"expected a construct name, found {lhs.text!r}")
        if len(toks) < 2:
            raise fail(lhs, f"incomplete statement after '{lhs.text}'",
                       "Expected '=~', '<~' or '~' followed by names.")
        op = toks[1]
        if op.text not in ("=~", "<~", "~"):
            what = f"unknown operator {op.text!r}" if op.kind == "op" else f"expected an operator, found {op.text!r}"
            raise fail(op, what,
                       _HINTS.get(op.text, "Use '=~' (reflective), '<~' (composite) or '~' (regression)."))
        rhs: list[str] = []
        expect_name = True
        for tok in toks[2:]:
            if expect_name:
                if tok.kind != "name":
                    raise fail(tok, f"expected a name, found {tok.text!r}", _HINTS.get(tok.text, ""))
                rhs.append(tok.text)
            elif tok.text != "+":
                raise fail(tok, f"expected '+', found {tok.text!r}", _HINTS.get(tok.text, ""))
            expect_name = not expect_name
        if expect_name:
            last = toks[-1]
            raise fail(last, f"statement ends with {last.text!r}; a name is missing after it")
        if op.text in ("=~", "<~"):
            if lhs.text in constructs:
                raise fail(lhs, f"construct '{lhs.text}' is already defined at line {defined_at[lhs.text]}",
                           "Put all its indicators on one line.")
            try:
                kind, mode = ("reflective", "A") if op.text == "=~" else ("composite", "B")
                constructs[lhs.text] = Construct(lhs.text, tuple(rhs), kind, mode)
            except SpecError as exc:
                raise fail(lhs, str(exc).rstrip(".")) from None
            defined_at[lhs.text] = lhs.line
        else:
            for name in rhs:
                p = Path(name, lhs.text)
                if p in path_at:
                    raise fail(lhs, f"the path {name} -> {lhs.text} is already specified at line {path_at[p]}")
                path_at[p] = lhs.line
                path_list.append(p)
    if not constructs:
        raise SpecError("The model text defines no constructs; add lines such as 'Quality =~ q1 + q2 + q3'.")
    for p in path_list:
        for end in (p.source, p.target):
            if end not in constructs:
                raise SpecError(
                    f"'{end}' (line {path_at[p]}) appears in a path but has no indicators; "
                    f"define it with '{end} =~ item1 + item2' or check the spelling."
                )
    return Model(tuple(constructs.values()), tuple(path_list))
