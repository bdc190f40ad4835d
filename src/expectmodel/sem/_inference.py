"""The tidy parameter table of a PLS fit and its bootstrap inference, mixed into
:class:`~expectmodel.sem.PLSResults`: point estimates of every reported field, the bootstrap and jackknife
replicates (derived fields formed once), the intervals, ``to_frame`` and the draws behind ``conf_int``."""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd

from expectmodel.results import frame_with_columns
from expectmodel.sem import mediation
from expectmodel.sem._replicates import (
    _UNDEFINED_FOR_SOME,
    _point_fields,
    _reliability_of_loadings,
    _sign_changed,
)
from expectmodel.sem._spec import pls_labels
from expectmodel.sem.bootstrap import interval_estimates


class InferenceMixin:
    """Methods of :class:`~expectmodel.sem.PLSResults` (see there): the parameter table and its inference."""

    @cached_property
    def _points(self) -> dict[str, np.ndarray]:
        """Every reported field's point estimate (the bootstrap's fields and the derived ones)."""
        out = _point_fields(self)
        path_values = out["paths"]
        out["indirect"] = mediation.chain_products(path_values, self._chains)
        i, j = self._mediated_pairs
        out["total_indirect"] = self.est.total[0][i, j] - self.est.paths[0][i, j]
        out["slopes"] = path_values @ self._slope_design[1]
        out.update(_reliability_of_loadings(out["loadings"][None], self.layout))
        out["rho_c"], out["ave"] = out["rho_c"][0], out["ave"][0]
        return out

    def _derive(self, stored: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Form the derived fields of a set of replicates (bootstrap draws or jackknife replicates)."""
        i, j = self._mediated_pairs
        direct = np.zeros((stored["paths"].shape[0], self.layout.m, self.layout.m))
        src, dst = np.nonzero(self.layout.adjacency)
        direct[:, src, dst] = stored["paths"]
        return {**_reliability_of_loadings(stored["loadings"], self.layout),
                "indirect": mediation.chain_products(stored["paths"], self._chains),
                "total_indirect": stored["total"][:, i, j] - direct[:, i, j],
                "slopes": stored["paths"] @ self._slope_design[1]}

    @cached_property
    def _replicates(self) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray] | None]:
        """Bootstrap draws and jackknife replicates of every field, the derived ones formed once here."""
        assert self.boot is not None
        mode = self.record.params.get("sign_change", "none")
        stored = _sign_changed(self.boot.draws, self, mode)
        draws = {**stored, **self._derive(stored)}
        jack = None
        if self.boot.jackknife is not None:
            signed = _sign_changed(self.boot.jackknife, self, mode)
            jack = {**signed, **self._derive(signed)}
        return draws, jack

    def _inference(self, name: str) -> dict[str, np.ndarray] | None:
        if self.boot is None:
            return None
        draws, jack = self._replicates
        return interval_estimates(self._points[name], draws[name], None if jack is None else jack[name],
                                  self.ci_level, dof=self.n - 1)

    def _blocks(self) -> list[tuple[pd.DataFrame, str, np.ndarray | None]]:
        """Each parameter kind's rows (key columns and estimate), its draw field and the selection of it."""
        names = self.model.names
        items = list(self.model.indicators)
        src, dst = np.nonzero(self.layout.adjacency)
        endo = list(self.layout.endogenous)
        pairs = [(i, j) for i in range(self.layout.m) for j in range(self.layout.m)
                 if i != j and (self.layout.adjacency[i, j] or abs(self.est.total[0, i, j]) > 0)]
        sel = (np.array([i for i, _ in pairs], dtype=int), np.array([j for _, j in pairs], dtype=int))
        blocks: list[tuple[str, str, list[str], list[str], str | list[str]]] = [
            ("weight", "weights", self._block_names, items, "<~"),
            ("loading", "loadings", self._block_names, items, "=~"),
            ("path", "paths", [names[j] for j in dst], [names[i] for i in src], "~"),
            ("total_effect", "total", [names[j] for _, j in pairs], [names[i] for i, _ in pairs], "total"),
            ("r2", "r2", [names[j] for j in endo], [""] * len(endo), "r2"),
        ]
        if not np.isnan(self.est.index[0]).all():
            blocks.append(("index", "index", list(names), [""] * len(names), "index"))
        med_src, med_dst = self._mediated_pairs
        blocks += [
            ("indirect", "indirect", [names[c.target] for c in self._chains],
             [" -> ".join(names[n] for n in c.nodes[:-1]) for c in self._chains], "indirect"),
            ("total_indirect", "total_indirect", [names[j] for j in med_dst], [names[i] for i in med_src],
             "indirect"),
        ]
        blocks += [(kind, fld, list(names), [""] * len(names), kind)
                   for kind, fld in (("alpha", "alpha"), ("rhoA", "rho_a"), ("rhoC", "rho_c"), ("AVE", "ave"))]
        blocks.append(("f2", "f2", [names[j] for j in dst], [names[i] for i in src], "f2"))
        slopes = self._slope_design[0]
        blocks.append(("simple_slope", "slopes", list(slopes["target"]),
                       [f"{p} | {m}={a:+g} SD" for p, m, a in zip(slopes["predictor"], slopes["moderator"],
                                                                    slopes["at"], strict=True)], "~"))
        fit = self.model_fit
        # estimates without draws: the share mediated and the fit measures
        fixed: dict[str, np.ndarray] = {"share_mediated": self.mediation["vaf"].to_numpy(),
                                        "fit": np.append(fit["estimate"].to_numpy(), self.gof)}
        blocks += [
            ("share_mediated", "", [names[j] for j in med_dst], [names[i] for i in med_src], "vaf"),
            ("fit", "", [*fit["measure"], "GoF"], [""] * (len(fit) + 1), [*fit["model"], "gof"]),
        ]
        out = []
        for kind, fld, lhs, rhs, op in blocks:
            if not lhs:
                continue
            point = self._points[fld] if fld else fixed[kind]
            pick = None
            if fld == "total":
                point, pick = point[sel], sel
            frame = pd.DataFrame({"kind": kind, "lhs": lhs, "op": op, "rhs": rhs,
                                  "group": "" if self.group is None else self.group, "estimate": point})
            out.append((frame, fld, pick))
        return out

    def to_frame(self) -> pd.DataFrame:
        """Every parameter in one tidy table.

        Columns: :data:`~expectmodel.results.PARAMETER_COLUMNS` (``kind, lhs, op, rhs, group, estimate,
        std_error, ci_low, ci_high``), then ``t, p, bca_low, bca_high`` after a bootstrap (the interval
        columns are NaN without one), and ``label`` when the spec labels parameters (``S ~ b1*Q``).
        lavaan's orientation: ``lhs ~ rhs`` is rhs -> lhs.

        Returns
        -------
        pandas.DataFrame
            One row per parameter (weights, loadings, paths, R^2, effects, index, ...).

        Examples
        --------
        See the class example.
        """
        frames = []
        for frame, fld, pick in self._blocks():
            inf = self._inference(fld) if fld else None
            if inf is not None:
                for col, val in inf.items():
                    frame[col] = val if pick is None else val[pick]
            frames.append(frame)
        out = pd.concat(frames, ignore_index=True)
        out = out[~(out["kind"].isin(_UNDEFINED_FOR_SOME) & out["estimate"].isna())].reset_index(drop=True)
        labels = pls_labels(self.model)
        if labels:  # the spec's parameter labels ('S ~ b1*Q'), next to the rows they name
            out["label"] = [labels.get(key, "") for key in zip(out["lhs"], out["op"], out["rhs"], strict=True)]
        return frame_with_columns(out)

    def _draws_frame(self) -> tuple[pd.DataFrame, np.ndarray] | None:
        if self.boot is None:
            return None
        frames, draws = [], []
        for frame, fld, pick in self._blocks():
            if not fld:  # an estimate without draws (the share mediated)
                continue
            d = self._replicates[0][fld]
            d = d[:, pick[0], pick[1]] if pick is not None else d.reshape(d.shape[0], -1)
            keep = ~(frame["kind"].isin(_UNDEFINED_FOR_SOME) & frame["estimate"].isna()).to_numpy()
            frames.append(frame[keep])
            draws.append(d[:, keep])
        return pd.concat(frames, ignore_index=True), np.concatenate(draws, axis=1)
