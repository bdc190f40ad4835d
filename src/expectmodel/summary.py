"""A statsmodels-style Summary: a title, key facts and a list of tables, rendered as text, HTML, LaTeX or CSV.

Every results class builds its report as a :class:`Summary`; this module knows no model family.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["Summary"]


@dataclass
class Summary:
    r"""Tables of one fit. ``str()`` / ``as_text()`` for the console, ``_repr_html_`` for Jupyter.

    Parameters
    ----------
    title : str
        The heading.
    facts : dict of str to str
        Key facts shown in two columns under the title.
    tables : list of (caption, DataFrame)
        The tables, in order.
    notes : list of str
        Notes printed at the end.
    digits : int
        Decimals shown for floats.

    Examples
    --------
    >>> import pandas as pd
    >>> s = Summary("Demo", facts={"Observations": "10"})
    >>> s.add_table("Paths", pd.DataFrame({"estimate": [0.51234]}, index=["A -> B"]))
    >>> print(s.as_csv())
    # Demo
    # Observations: 10
    <BLANKLINE>
    # Paths
    ,estimate
    A -> B,0.51234
    <BLANKLINE>
    >>> s.as_text().splitlines()[1].strip(), s.as_text().splitlines()[3]
    ('Demo', 'Observations:                       10')
    >>> s.as_html().startswith("<h3>Demo</h3>")
    True
    >>> print(s.as_latex().splitlines()[2])
    \begin{table}[ht]
    """

    title: str
    facts: dict[str, str] = field(default_factory=dict)
    tables: list[tuple[str, pd.DataFrame]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    digits: int = 3

    def add_table(self, caption: str, frame: pd.DataFrame) -> None:
        """Append a table under ``caption``.

        Parameters
        ----------
        caption : str
            The table's heading.
        frame : pandas.DataFrame
            The table; its index is printed as the first column.
        """
        self.tables.append((caption, frame))

    def _fmt(self, frame: pd.DataFrame) -> pd.DataFrame:
        return frame.map(lambda v: "" if isinstance(v, float) and np.isnan(v)
                         else f"{v:.{self.digits}f}" if isinstance(v, float | np.floating) else str(v))

    def as_text(self) -> str:
        """Render fixed-width text for the console.

        Returns
        -------
        str
        """
        width = 78
        out = ["=" * width, self.title.center(width), "=" * width]
        keys = list(self.facts.items())
        for i in range(0, len(keys), 2):
            left = f"{keys[i][0]+':':<18}{keys[i][1]:>20}"
            right = f"{keys[i+1][0]+':':<18}{keys[i+1][1]:>20}" if i + 1 < len(keys) else ""
            out.append(f"{left}  {right}".rstrip())
        for caption, frame in self.tables:
            out += ["-" * width, caption, "-" * width, self._fmt(frame).to_string()]
        if self.notes:
            out += ["-" * width] + [f"Note: {n}" for n in self.notes]
        out.append("=" * width)
        return "\n".join(out)

    def as_html(self) -> str:
        """Render HTML (what Jupyter shows).

        Returns
        -------
        str
        """
        facts = "".join(f"<tr><th style='text-align:left'>{k}</th><td>{v}</td></tr>" for k, v in self.facts.items())
        parts = [f"<h3>{self.title}</h3>", f"<table>{facts}</table>"]
        for caption, frame in self.tables:
            parts.append(f"<h4>{caption}</h4>" + self._fmt(frame).to_html(escape=True))
        parts += [f"<p><em>Note:</em> {n}</p>" for n in self.notes]
        return "\n".join(parts)

    def as_latex(self) -> str:
        """Render LaTeX booktabs tables (no jinja2 needed), one per block.

        Returns
        -------
        str
        """
        def esc(v: object) -> str:
            return str(v).replace("&", r"\&").replace("%", r"\%").replace("_", r"\_").replace("->", r"$\to$")

        parts = [f"% {self.title}"]
        for caption, frame in self.tables:
            body = self._fmt(frame)
            levels = body.index.nlevels
            head = [""] * levels + [esc(" ".join(map(str, c)) if isinstance(c, tuple) else c) for c in body.columns]
            rows = [" & ".join(head) + r" \\"]
            for idx, row in body.iterrows():
                keys = idx if isinstance(idx, tuple) else (idx,)
                rows.append(" & ".join([esc(k_) for k_ in keys] + [esc(v) for v in row]) + r" \\")
            cols = "l" * levels + "r" * body.shape[1]
            parts.append("\n".join([
                r"\begin{table}[ht]", r"\centering", f"\\caption{{{esc(caption)}}}",
                f"\\begin{{tabular}}{{{cols}}}", r"\toprule", rows[0], r"\midrule", *rows[1:],
                r"\bottomrule", r"\end{tabular}", r"\end{table}",
            ]))
        return "\n\n".join(parts)

    def as_csv(self) -> str:
        """Write every table as CSV at full precision, each headed by ``# caption`` (facts as ``#`` lines first).

        Returns
        -------
        str
        """
        buf = io.StringIO()
        buf.write(f"# {self.title}\n")
        for k, v in self.facts.items():
            buf.write(f"# {k}: {v}\n")
        for caption, frame in self.tables:
            buf.write(f"\n# {caption}\n")
            frame.to_csv(buf, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        for n in self.notes:
            buf.write(f"\n# Note: {n}\n")
        return buf.getvalue()

    def __str__(self) -> str:
        return self.as_text()

    def __repr__(self) -> str:
        return self.as_text()

    def _repr_html_(self) -> str:
        return self.as_html()
