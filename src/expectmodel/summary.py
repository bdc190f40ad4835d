"""A statsmodels-style Summary: a title, key facts and a list of tables, rendered as text, HTML or LaTeX."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from expectmodel.sem.results import PLSResults

__all__ = ["Summary", "pls_summary"]


@dataclass
class Summary:
    """Tables of one fit. ``str()`` / ``as_text()`` for the console, ``_repr_html_`` for Jupyter."""

    title: str
    facts: dict[str, str] = field(default_factory=dict)
    tables: list[tuple[str, pd.DataFrame]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    digits: int = 3

    def add_table(self, caption: str, frame: pd.DataFrame) -> None:
        self.tables.append((caption, frame))

    def _fmt(self, frame: pd.DataFrame) -> pd.DataFrame:
        return frame.map(lambda v: "" if isinstance(v, float) and np.isnan(v)
                         else f"{v:.{self.digits}f}" if isinstance(v, float | np.floating) else str(v))

    def as_text(self) -> str:
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
        facts = "".join(f"<tr><th style='text-align:left'>{k}</th><td>{v}</td></tr>" for k, v in self.facts.items())
        parts = [f"<h3>{self.title}</h3>", f"<table>{facts}</table>"]
        for caption, frame in self.tables:
            parts.append(f"<h4>{caption}</h4>" + self._fmt(frame).to_html(escape=True))
        parts += [f"<p><em>Note:</em> {n}</p>" for n in self.notes]
        return "\n".join(parts)

    def as_latex(self) -> str:
        """booktabs tables (no jinja2 needed), one per block."""
        def esc(v: object) -> str:
            return str(v).replace("&", r"\&").replace("%", r"\%").replace("_", r"\_").replace("->", r"$\to$")

        parts = [f"% {self.title}"]
        for caption, frame in self.tables:
            body = self._fmt(frame)
            levels = body.index.nlevels
            head = [""] * levels + [esc(c) for c in body.columns]
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

    def __str__(self) -> str:
        return self.as_text()

    def __repr__(self) -> str:
        return self.as_text()

    def _repr_html_(self) -> str:
        return self.as_html()


def pls_summary(res: PLSResults, digits: int = 3) -> Summary:
    s = Summary(f"PLS path model{'' if res.group is None else f' (group {res.group})'}", digits=digits)
    m = res.meta
    s.facts = {
        "Observations": str(res.n),
        "Constructs": str(len(res.model.names)),
        "Indicators": str(res.layout.p),
        "Inner scheme": res.options.scheme,
        "PLSc": "yes" if res.options.consistent else "no",
        "Converged": f"{'yes' if res.converged else 'NO'} ({res.iterations} it.)",
        "Missing": f"{res.prepared.missing} ({m['n_dropped_listwise']} dropped)",
        "Bootstrap": "none" if res.boot is None else f"{res.boot.n_boot} (seed {res.boot.seed})",
    }
    frame = res.to_frame()
    cols = ["estimate"] + [c for c in ("se", "t", "p", "ci_low", "ci_high") if c in frame]
    paths = frame[frame["kind"] == "path"].assign(path=lambda f: f["rhs"] + " -> " + f["lhs"]).set_index("path")
    s.add_table("Structural paths", paths[cols])
    s.add_table("R-squared", res.r2)
    s.add_table("Reliability and convergent validity", res.reliability)
    outer = frame[frame["kind"].isin(["loading", "weight"])]
    wide = outer.pivot_table(index=["lhs", "rhs"], columns="kind", values="estimate", sort=False)
    wide.index.names = ["construct", "indicator"]
    s.add_table("Outer model", wide[["loading", "weight"]])
    s.add_table("HTMT", res.htmt)
    if res.boot is not None:
        pairs = res.htmt_inference.set_index(["construct_1", "construct_2"])
        s.add_table("HTMT inference (bootstrap)", pairs[["htmt", "se", "ci_low", "ci_high"]])
    if not np.isnan(res.est.index[0]).all():
        s.add_table("0-100 index (scale-anchored)", res.index)
    if res.boot is not None:
        s.notes.append(f"{int(res.ci_level * 100)}% percentile intervals from {res.boot.n_boot} resamples "
                       f"({res.boot.n_failed} failed); p from Student t with n-1 df.")
    if not res.converged:
        s.notes.append("The algorithm stopped at max_iter before converging; do not interpret these estimates.")
    return s
