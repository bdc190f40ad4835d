"""The summary of a PLS fit (:meth:`~expectmodel.sem.PLSResults.summary`) and its JSON content and helpers."""

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


def _content(res: PLSResults) -> dict[str, Any]:
    """The family's content of :meth:`PLSResults.to_dict <expectmodel.sem.PLSResults.to_dict>` (the schema of
    ``expectmodel pls --json``)."""
    outer = res.outer
    out: dict[str, Any] = {
        "weights": _nested(outer, "weight"),
        "loadings": _nested(outer, "loading"),
        "paths": {f"{r.source}->{r.target}": _num(r.estimate) for r in res.paths.itertuples()},
        "r2": {c: _num(v) for c, v in res.r2["r2"].items()},
        "adj_r2": {c: _num(v) for c, v in res.r2["adj_r2"].items()},
        "total_effects": {f"{r.source}->{r.target}": _num(r.total) for r in res.effects.itertuples()},
        "reliability": {c: {key: _num(v) for key, v in row.items()}
                        for c, row in res.reliability.to_dict(orient="index").items()},
        "htmt": {c: {d: _num(v) for d, v in row.items() if c != d}
                 for c, row in res.htmt.to_dict(orient="index").items()},
    }
    if not np.isnan(res.est.index[0]).all():
        out["index"] = {c: _num(v) for c, v in res.index["index"].items()}
    out["model_fit"] = {f"{r.measure}_{r.model}": {"estimate": _num(r.estimate), "hi95": _num(r.hi95),
                                                    "hi99": _num(r.hi99), "p": _num(r.p)}
                        for r in res.model_fit.itertuples()}
    out["gof"] = _num(res.gof)
    if res.higher_order is not None:
        out["higher_order"] = {"approach": res.higher_order.approach, "dimensions": [
            {k: (_num(v) if isinstance(v, float) else v) for k, v in row.items()}
            for row in res.higher_order_table.to_dict(orient="records")]}
    if res.moderation is not None:
        out["moderation"] = {"method": res.moderation.method, "effects": [
            {k: (_num(v) if isinstance(v, float) else v) for k, v in row.items()}
            for row in res.moderation_effects.to_dict(orient="records")], "simple_slopes": [
            {k: (_num(v) if isinstance(v, float) else v) for k, v in row.items()}
            for row in res.simple_slopes.to_dict(orient="records")]}
    ind = res.indirect_effects
    spec, tot = ind[ind["kind"] == "specific"], ind[ind["kind"] == "total"]
    out["indirect_effects"] = {c: _num(v) for c, v in zip(spec["chain"], spec["estimate"], strict=True)}
    out["total_indirect_effects"] = {f"{a}->{b}": _num(v) for a, b, v in
                                     zip(tot["source"], tot["target"], tot["estimate"], strict=True)}
    out["mediation"] = [{key: (_num(v) if isinstance(v, float) else v) for key, v in row.items()}
                        for row in res.mediation.to_dict(orient="records")]
    if res.boot is not None:
        for frame, key, names_ in ((spec, "indirect_effects", list(spec["chain"])),
                                   (tot, "total_indirect_effects", list(out["total_indirect_effects"]))):
            if frame.empty:
                continue
            out.setdefault("boot_se", {})[key] = {k_: _num(v) for k_, v in
                                                  zip(names_, frame["std_error"], strict=True)}
            out.setdefault("boot_ci", {})[key] = {k_: [_num(a), _num(b)] for k_, a, b in
                                                  zip(names_, frame["ci_low"], frame["ci_high"], strict=True)}
    if res.boot is not None:
        frame = res.to_frame()
        out.setdefault("boot_se", {})
        out.setdefault("boot_ci", {})
        for kind, key in (("path", "paths"), ("loading", "loadings"), ("weight", "weights"),
                          ("r2", "r2"), ("total_effect", "total_effects"), ("index", "index"),
                          ("alpha", "alpha"), ("rhoA", "rhoA"), ("rhoC", "rhoC"), ("AVE", "AVE"), ("f2", "f2")):
            part = frame[frame["kind"] == kind]
            if part.empty:
                continue
            if kind in ("path", "total_effect", "f2"):
                keys = [f"{r}->{l_}" for l_, r in zip(part["lhs"], part["rhs"], strict=True)]
                out["boot_se"][key] = {k_: _num(v) for k_, v in zip(keys, part["std_error"], strict=True)}
                out["boot_ci"][key] = {k_: [_num(a), _num(b)] for k_, a, b in
                                       zip(keys, part["ci_low"], part["ci_high"], strict=True)}
            elif kind in ("loading", "weight"):
                se: dict[str, dict[str, float | None]] = {}
                ci: dict[str, dict[str, list]] = {}
                for c, i, s_, a, b in zip(part["lhs"], part["rhs"], part["std_error"], part["ci_low"],
                                          part["ci_high"], strict=True):
                    se.setdefault(c, {})[i] = _num(s_)
                    ci.setdefault(c, {})[i] = [_num(a), _num(b)]
                out["boot_se"][key], out["boot_ci"][key] = se, ci
            else:
                out["boot_se"][key] = {c: _num(v) for c, v in zip(part["lhs"], part["std_error"], strict=True)}
                out["boot_ci"][key] = {c: [_num(a), _num(b)] for c, a, b in
                                       zip(part["lhs"], part["ci_low"], part["ci_high"], strict=True)}
        pairs = res.htmt_inference
        out["boot_se"]["htmt"], out["boot_ci"]["htmt"] = {}, {}
        for a, b, se_, low, high in zip(pairs["construct_1"], pairs["construct_2"], pairs["std_error"],
                                        pairs["ci_low"], pairs["ci_high"], strict=True):
            for c, d in ((a, b), (b, a)):  # both directions, as the point estimates
                out["boot_se"]["htmt"].setdefault(c, {})[d] = _num(se_)
                out["boot_ci"]["htmt"].setdefault(c, {})[d] = [_num(low), _num(high)]
    return out
