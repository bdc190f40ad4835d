"""lavaan-style model text -> :class:`~expectmodel.spec.table.ParameterTable` -> :class:`~expectmodel.spec.model.Model`.

Grammar (one statement per line; a line ending in ``+``, or the next one starting with
``+``, continues the statement)::

    statement := NAME op term ("+" term)*
               | NAME ":=" expression          defined parameter, e.g. 'ind := a*b'
    op        := "=~"   reflective construct (mode A)
               | "<~"   composite construct (mode B)
               | "~"    structural regression  (target ~ source + source)
               | "~~"   variance / covariance  (x1 ~~ x2, x1 ~~ x1)
    term      := [modifier "*"] NAME
               | [modifier "*"] NAME ":" NAME     product term, on the right of '~' only:
                                                  an interaction 'X:M' or a quadratic term 'X:X'
    modifier  := NUMBER | "-" NUMBER     fixed value    (0*x, 0.5*x, 1*x)
               | "NA"                    free           (NA*x)
               | NAME                    label          (a*x; one label on several rows = equal)
    comment   := "#" to the end of the line

The text states the model; whether an estimator can fit it is the estimator's
business (PLS, for instance, refuses ``~~``, ``:=`` and fixed values by row).
Every syntax error names the line and column and points at the token with a caret.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from expectmodel.errors import SpecError
from expectmodel.spec.table import ParameterTable, Row

if TYPE_CHECKING:
    from expectmodel.spec.model import Model

__all__ = ["parse", "parse_table"]

_TOKEN = re.compile(
    r"(?P<ws>[ \t]+)|(?P<name>[A-Za-z_][A-Za-z0-9_.]*)"
    r"|(?P<op>=~|<~|~~|:=|~|=>|->|<-|[=<>:|!;]+|[+\-*/^(),])"
    r"|(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
)
_OPS = ("=~", "<~", "~", "~~", ":=")
_HINTS = {
    "=>": "Did you mean '~' (regression) or '=~' (measurement)?",
    "->": "Did you mean '~' (regression: 'Target ~ Source')?",
    "<-": "Did you mean '~' (regression: 'Target ~ Source')?",
    "=": "Did you mean '=~' (measurement) or '~' (regression)?",
    "c": "Multiple-group modifiers ('c(a1, a2)*x') are not supported yet; fit each group with "
         "PLS(..., groups='column') or write one model per group.",
    "start": "start(), equal() and label() modifiers are not supported; write 'a*x' for a label "
             "or '0.5*x' for a fixed value.",
    "*": "A term takes one modifier: a label ('a*x'), a fixed value ('0.5*x') or 'NA*x'.",
}
_HINTS["equal"] = _HINTS["label"] = _HINTS["start"]
_OP_HINT = "Use '=~' (reflective), '<~' (composite), '~' (regression), '~~' (covariance) or ':=' (defined parameter)."
_EXPR_OPS = {"+", "-", "*", "/", "^", "(", ")"}


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
        continues = bool(current) and (current[-1].text == "+" or toks[0].text == "+")
        if current and not continues:
            statements.append((current, sources))
            sources = {}
            current = []
        sources[lineno] = line
        current.extend(toks)
    if current:
        statements.append((current, sources))
    return statements


def _expression(toks: list[_Token], fail) -> str:
    """Check the text of a ``:=`` expression token by token and write it canonically."""
    out: list[str] = []
    depth = 0
    prev: _Token | None = None
    for tok in toks:
        if tok.kind == "op" and tok.text not in _EXPR_OPS:
            raise fail(tok, f"unexpected {tok.text!r} in a defined parameter",
                       "Write the expression with labels, numbers and + - * / ^ ( ), e.g. 'ind := a*b'.")
        operand = tok.kind in ("name", "number") or tok.text == ")"
        if prev is not None and operand and tok.text != ")" and (
                prev.kind in ("name", "number") or prev.text == ")"):
            raise fail(tok, f"expected an operator before {tok.text!r}")
        depth += (tok.text == "(") - (tok.text == ")")
        if depth < 0:
            raise fail(tok, "unbalanced ')'")
        binary = tok.text in "+-" and prev is not None and (prev.kind in ("name", "number") or prev.text == ")")
        out.append(f" {tok.text} " if binary else tok.text)
        prev = tok
    if not toks:
        return ""
    if depth:
        raise fail(toks[-1], "unbalanced '('")
    if prev is not None and prev.kind == "op" and prev.text != ")":
        raise fail(prev, f"the expression ends with {prev.text!r}")
    return "".join(out)


def parse_table(text: str) -> ParameterTable:
    r"""Parse lavaan-style text into a :class:`~expectmodel.spec.table.ParameterTable`.

    Every operator the grammar knows is kept (``=~ <~ ~ ~~ :=``), with fixed values,
    labels and ``NA*`` (free); each row records its line.  Whether the model makes
    sense as a whole (constructs, paths) is checked by
    :meth:`~expectmodel.spec.model.Model.from_table`, and whether an estimator can fit
    it by that estimator.

    Parameters
    ----------
    text : str
        The model text.

    Returns
    -------
    ParameterTable

    Raises
    ------
    SpecError
        For malformed statements, with the line, the column and a caret under the token,
        and for a parameter specified twice.

    Examples
    --------
    >>> from expectmodel.spec import parse_table
    >>> t = parse_table('''
    ...   F =~ 1*x1 + NA*x2 + x3
    ...   G =~ y1 + y2
    ...   G ~ b*F
    ...   x1 ~~ x2
    ...   eff := 2*b
    ... ''')
    >>> print(t.to_syntax())
    F =~ 1*x1 + x2 + x3
    G =~ y1 + y2
    G ~ b*F
    x1 ~~ x2
    eff := 2*b
    >>> parse_table("F =~ x1 + x2\nG =~ y1 + 0.5 y2")
    Traceback (most recent call last):
    ...
    expectmodel.errors.SpecError: expected '*' after the modifier, found 'y2' at line 2, column 15
        G =~ y1 + 0.5 y2
                      ^^
    A term takes one modifier: a label ('a*x'), a fixed value ('0.5*x') or 'NA*x'.
    """
    if not isinstance(text, str):
        raise SpecError(f"Model text must be a string, got {type(text).__name__}.")
    rows: list[Row] = []
    measured_at: dict[str, int] = {}
    seen: dict[tuple[str, str, str], int] = {}
    for toks, sources in _statements(text):
        def fail(tok: _Token, message: str, hint: str = "", sources: dict[int, str] = sources) -> SpecError:
            return _error(message, sources[tok.line], tok.line, tok.col, len(tok.text), hint)

        lhs = toks[0]
        if lhs.kind != "name":
            raise fail(lhs, f"expected a construct name, found {lhs.text!r}")
        if len(toks) < 2:
            raise fail(lhs, f"incomplete statement after '{lhs.text}'", f"Expected an operator followed by names. "
                       f"{_OP_HINT}")
        op = toks[1]
        if op.text not in _OPS:
            what = f"unknown operator {op.text!r}" if op.kind == "op" else f"expected an operator, found {op.text!r}"
            raise fail(op, what, _HINTS.get(op.text, _OP_HINT))
        if op.text == ":=":
            expr = _expression(toks[2:], fail)
            if not expr:
                raise fail(op, "statement ends with ':='; an expression is missing after it",
                           "Write e.g. 'ind := a*b' with labels set as 'a*x'.")
            key = (lhs.text, ":=", "")
            if key in seen:
                raise fail(lhs, f"the defined parameter '{lhs.text}' is already defined at line {seen[key]}")
            seen[key] = lhs.line
            rows.append(Row(lhs.text, ":=", expr, free=False, group=0, line=lhs.line))
            continue
        if op.text in ("=~", "<~"):
            if lhs.text in measured_at:
                raise fail(lhs, f"construct '{lhs.text}' is already defined at line {measured_at[lhs.text]}",
                           "Put all its indicators on one line.")
            measured_at[lhs.text] = lhs.line
        terms: list[list[_Token]] = [[]]
        for tok in toks[2:]:
            if tok.text == "+":
                if not terms[-1]:
                    raise fail(tok, "expected a name, found '+'")
                terms.append([])
            else:
                terms[-1].append(tok)
        if not terms[-1]:
            last = toks[-1]
            raise fail(last, f"statement ends with {last.text!r}; a name is missing after it")
        for term in terms:
            rows.append(_term(lhs, op, term, fail, seen))
    return ParameterTable(tuple(rows))


def _product(op: _Token, term: list[_Token], fail) -> list[_Token]:
    """Merge a trailing ``X:M`` (an interaction or, for ``X:X``, a quadratic term) into one name token."""
    colons = [i for i, t in enumerate(term) if t.text == ":"]
    if not colons:
        return term
    if len(colons) > 1:
        raise fail(term[colons[1]], "only two-way products ('X:M') are supported",
                   "Write a three-way interaction as two-way terms of constructs built for it.")
    i = colons[0]
    if i != len(term) - 2 or i == 0 or term[i - 1].kind != "name" or term[i + 1].kind != "name":
        raise fail(term[i], "an interaction term needs a construct name on each side of ':'",
                   "Write it as 'Y ~ X + M + X:M' (or 'X:X' for a quadratic term).")
    if op.text != "~":
        raise fail(term[i], f"an interaction term ('{term[i - 1].text}:{term[i + 1].text}') is allowed only "
                            "on the right of '~'", "Write it as 'Y ~ X + M + X:M'.")
    merged = _Token("name", f"{term[i - 1].text}:{term[i + 1].text}", term[i - 1].line, term[i - 1].col)
    return [*term[:i - 1], merged]


def _term(lhs: _Token, op: _Token, term: list[_Token], fail, seen: dict) -> Row:
    """One ``[modifier*]name`` term of a ``=~ <~ ~ ~~`` statement as a row."""
    term = _product(op, term, fail)
    stars = [i for i, t in enumerate(term) if t.text == "*"]
    if len(stars) > 1:
        raise fail(term[stars[1]], "more than one modifier on one term", _HINTS["*"])
    if not stars:
        if len(term) == 1:
            mod, after = [], term
        elif term[0].kind == "name" and term[1].text == "(":
            raise fail(term[0], f"the modifier '{term[0].text}(...)' needs '*' and a name after it",
                       _HINTS.get(term[0].text, _HINTS["start"]))
        elif term[0].kind == "name":
            raise fail(term[1], f"expected '+', found {term[1].text!r}", _HINTS.get(term[1].text, ""))
        elif term[0].kind == "number" or term[0].text == "-":
            culprit = term[1] if term[0].kind == "number" else term[-1]
            raise fail(culprit, f"expected '*' after the modifier, found {culprit.text!r}", _HINTS["*"])
        else:
            raise fail(term[0], f"expected a name, found {term[0].text!r}", _HINTS.get(term[0].text, ""))
    else:
        mod, after = term[:stars[0]], term[stars[0] + 1:]
        if not after:
            raise fail(term[stars[0]], "a name is missing after '*'")
        if len(after) > 1:
            raise fail(after[1], f"expected '+', found {after[1].text!r}", _HINTS.get(after[1].text, ""))
        if not mod:
            raise fail(term[stars[0]], "a modifier is missing before '*'", _HINTS["*"])
    value: float | None = None
    label = ""
    if mod:
        texts = [t.text for t in mod]
        if len(mod) == 1 and mod[0].kind == "name":
            if mod[0].text != "NA":
                label = mod[0].text
        elif len(mod) == 1 and mod[0].kind == "number":
            value = float(mod[0].text)
        elif len(mod) == 2 and texts[0] == "-" and mod[1].kind == "number":
            value = -float(mod[1].text)
        elif mod[0].kind == "name" and mod[1].text == "(":
            raise fail(mod[0], f"the modifier '{mod[0].text}(...)' is not supported",
                       _HINTS.get(mod[0].text, _HINTS["start"]))
        else:
            raise fail(mod[0], f"cannot read the modifier {''.join(texts)!r}", _HINTS["*"])
    name = after[0]
    if name.kind != "name":
        if op.text == "~" and name.text == "1" and not mod:
            raise fail(name, "intercepts ('~ 1') are not supported",
                       "The estimators work on centred or standardised data; drop the intercept term.")
        raise fail(name, f"expected a name, found {name.text!r}", _HINTS.get(name.text, ""))
    if name.text == "NA":
        raise fail(name, "'NA' is a modifier ('NA*x'), not a variable name")
    key = (lhs.text, op.text, name.text)
    if op.text == "~~" and (name.text, "~~", lhs.text) in seen:
        key = (name.text, "~~", lhs.text)
    if key in seen:
        what = {"~": f"the path {name.text} -> {lhs.text}", "~~": f"the covariance {lhs.text} ~~ {name.text}"}
        text = what.get(op.text, f"'{lhs.text} {op.text} {name.text}'")
        raise fail(name if op.text in ("=~", "<~") else lhs, f"{text} is already specified at line {seen[key]}")
    seen[key] = name.line
    return Row(lhs.text, op.text, name.text, free=value is None, value=value, label=label, line=name.line)


def parse(text: str) -> Model:
    r"""Parse lavaan-style text into a :class:`~expectmodel.spec.model.Model`.

    The same as :meth:`Model.from_syntax <expectmodel.spec.model.Model.from_syntax>`:
    :func:`parse_table`, then :meth:`Model.from_table <expectmodel.spec.model.Model.from_table>`.

    Parameters
    ----------
    text : str
        The model text.

    Returns
    -------
    Model

    Raises
    ------
    SpecError
        For malformed statements (with line, column and a caret), duplicate definitions,
        constructs without indicators and names used in paths that have no indicators.

    Examples
    --------
    >>> from expectmodel.spec import parse
    >>> parse("Q =~ q1 + q2\nS =~ s1 + s2\nS ~ Q").predecessors("S")
    ('Q',)
    """
    from expectmodel.spec.model import Model

    return Model.from_table(parse_table(text))
