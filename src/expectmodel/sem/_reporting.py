"""The summary of a PLS fit (:meth:`~expectmodel.sem.PLSResults.summary`) and its JSON helpers."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from expectmodel.summary import Summary

if TYPE_CHECKING:
    from expectmodel.sem.results import PLSResults


def _num(v: Any) -> float | None:
    v = float(v)
    return None if math.isnan(v) or math.isinf(v) else v


def _nested(frame: pd.DataFrame, column: str) -> dict[str, dict[str, float | None]]:
    out: dict[str, dict[str, float | None]] = {}
    for c, i, v in zip(frame["construct"], frame["indicator"], frame[column], strict=True):
        out.setdefault(c, {})[i] = _num(v)
    return out


def _summary(res: PLSResults, digits: int = 3) -> Summary:
    s = Summary(f"PLS path model{'' if res.group is None else f' (group {res.group})'}", digits=digits)
    m = res.meta
    s.facts = {
        "Observations": str(res.n),
        "Constructs": str(len(res.model.names)),
        "Indicators": str(res.layout.p),
        "Inner scheme": res.options.scheme,
        "PLSc": "yes" if res.options.consistent else "no",
        "Converged": f"{'yes' if res.converged else 'NO'} ({res.iterations} it.)",
        "Missing": f"{res.prepared.missing} ({m.data.n_dropped} dropped)",
        "Bootstrap": "none" if res.boot is None else f"{res.boot.n_boot} (seed {res.boot.seed})",
    }
    if res.row_weights is not None:
        info = m["weights"]
        s.facts["Survey weights"] = f"{info['column']} (effective n {info['effective_n']:.1f})"
    frame = res.to_frame()
    cols = ["estimate"] + ([] if res.boot is None else ["std_error", "t", "p", "ci_low", "ci_high"])
    paths = frame[frame["kind"] == "path"].assign(path=lambda f: f["rhs"] + " -> " + f["lhs"]).set_index("path")
    s.add_table("Structural paths", paths[cols])
    s.add_table("R-squared", res.r2)
    s.add_table("Reliability and convergent validity", res.reliability)
    if res.boot is not None:
        rel = frame[frame["kind"].isin(["alpha", "rhoA", "rhoC", "AVE"])].set_index(["lhs", "kind"])
        rel.index.names = ["construct", "measure"]
        s.add_table("Reliability (bootstrap intervals)", rel[["estimate", "std_error", "ci_low", "ci_high"]])
    outer = frame[frame["kind"].isin(["loading", "weight"])]
    wide = outer.pivot_table(index=["lhs", "rhs"], columns="kind", values="estimate", sort=False)
    wide.index.names = ["construct", "indicator"]
    s.add_table("Outer model", wide[["loading", "weight"]])
    s.add_table("HTMT", res.htmt)
    if res.boot is not None:
        pairs = res.htmt_inference.set_index(["construct_1", "construct_2"])
        s.add_table("HTMT inference (bootstrap)", pairs[["htmt", "std_error", "ci_low", "ci_high"]])
    if not np.isnan(res.est.index[0]).all():
        s.add_table("0-100 index (scale-anchored)", res.index)
    fit = res.model_fit.set_index(["measure", "model"])
    s.add_table("Model fit" + (f" (Bollen-Stine bootstrap, {len(res.fit_draws[0])} resamples)"
                               if res.fit_draws is not None else ""),
                fit if res.fit_draws is not None else fit[["estimate"]])
    s.notes.append(f"GoF (Tenenhaus et al. 2005) = {res.gof:.{digits}f}: a descriptive index asked for in ECSI "
                   "papers, not a test of model fit (Henseler & Sarstedt 2013).")
    if res.higher_order is not None:
        hoc = res.higher_order_table.set_index(["construct", "dimension"])
        s.add_table(f"Higher-order constructs ({res.higher_order.approach})", hoc.drop(columns="approach"))
    if res.moderation is not None:
        s.add_table(f"Moderation ({res.moderation.method.replace('_', '-')} approach)",
                    res.moderation_effects.set_index(["term", "target"]))
        slopes = res.simple_slopes.set_index(["target", "predictor", "moderator", "at"])
        s.add_table("Simple slopes (moderator in SDs)", slopes[[c for c in ["slope", *cols[1:]] if c in slopes]])
    if len(res.mediation):
        med = res.mediation.set_index(["source", "target"])
        s.add_table("Mediation (direct, total indirect, total; VAF where signs agree)", med)
        ind = res.indirect_effects
        spec = ind[ind["kind"] == "specific"].set_index("chain")
        s.add_table("Specific indirect effects", spec[cols])
    if res.boot is not None:
        s.notes.append(f"{int(res.ci_level * 100)}% percentile intervals from {res.boot.n_boot} resamples "
                       f"({res.boot.n_failed} failed); p from Student t with n-1 df.")
    if not res.converged:
        s.notes.append("The algorithm stopped at max_iter before converging; do not interpret these estimates.")
    return s
