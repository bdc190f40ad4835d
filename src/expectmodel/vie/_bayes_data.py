"""Reading the long survey data of a hierarchical Bayesian VIE into the graph's ``Prepared``.

:class:`PrepareMixin` holds the data hooks of :class:`~expectmodel.vie.HierarchicalVIE` (checking the items,
ids and scales, coding E and V for their measurement models, describing the data for ``meta``), next to
the checks of its column settings.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from expectmodel.data import _messages as msg
from expectmodel.data import apply_missing, read_items
from expectmodel.data.read import parse_codes
from expectmodel.errors import DataError, SpecError
from expectmodel.results import DataInfo, fingerprint
from expectmodel.vie import _graph as g
from expectmodel.vie.coding import VIEDesign, check_coding


def _is_columns(value: object) -> bool:
    return isinstance(value, str) or (isinstance(value, list | tuple) and len(value) > 0
                                      and all(isinstance(v, str) for v in value))


def _is_slopes(value: object) -> bool:
    return (isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)
            and set(value) <= {"E", "V", "E*V"} and len(set(value)) == len(value))


def _cols(value: str | list[str] | tuple[str, ...]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


class PrepareMixin:
    """Data hooks of :class:`~expectmodel.vie.HierarchicalVIE` (see there): long rows in, ``Prepared`` out."""

    def _prepare(self, data: pd.DataFrame) -> g.Prepared:
        if not isinstance(data, pd.DataFrame):
            raise msg.not_a_frame(data)
        e_cols, v_cols = _cols(self.expectancy), _cols(self.valence)
        es, vs = self.expectancy_scale, self.valence_scale
        design = VIEDesign(expectancy={"row": e_cols[0]}, valence={"row": v_cols[0]}, expectancy_scale=es,
                           valence_scale=vs)
        coding = check_coding(design, "additive" if self.form == "additive" else "full")
        if vs.kind != "bipolar" and self.form != "additive":  # pragma: no cover - check_coding refuses it
            raise SpecError("the valence scale needs a declared zero.")
        if not (vs.low.is_integer() and vs.high.is_integer()):
            raise SpecError(f"The valence items are measured as ordinal answers and need whole categories; the "
                            f"scale {vs.describe()} has fractional ends.")
        if es.kind not in ("probability", "likert"):
            raise SpecError(f"The expectancy items must be probabilities (Beta measurement) or Likert answers "
                            f"(ordinal); got a {es.kind} scale.")
        ids = [self.respondent] + ([self.outcome] if self.outcome else [])
        absent = [c for c in ids if c not in data.columns]
        if absent:
            raise msg.not_found(absent, data.columns.tolist(), {c: "id column" for c in absent}, noun="Column(s)")
        owner = {**{c: "expectancy item" for c in e_cols}, **{c: "valence item" for c in v_cols},
                 self.criterion: "criterion"}
        scales = {**{c: es for c in e_cols}, **{c: vs for c in v_cols}, self.criterion: None}
        items = apply_missing(read_items(data, [*e_cols, *v_cols, self.criterion], scales=scales,
                                         missing_values=self.missing_values, owner=owner), self.missing)
        x = np.asarray(items.values)
        je, jv = len(e_cols), len(v_cols)
        ev, vv, y = x[:, :je], x[:, je:je + jv], x[:, -1]
        for j, c in enumerate(v_cols):
            if not np.all(vv[:, j] == np.round(vv[:, j])):
                raise DataError(f"Column '{c}' (valence item) holds answers that are not whole categories; the "
                                "valence items are modelled as ordinal answers.")
        for name, col in (("criterion", y), *((c, ev[:, j]) for j, c in enumerate(e_cols)),
                          *((c, vv[:, j]) for j, c in enumerate(v_cols))):
            if np.ptp(col) == 0:
                raise DataError(f"Column '{name}' has no variance (every value {col[0]:g}); it cannot inform the "
                                "model.")
        if self.family == "bernoulli" and not np.isin(y, (0, 1)).all():
            raise DataError(f"family='bernoulli' needs a 0/1 criterion; '{self.criterion}' holds "
                            f"{y[~np.isin(y, (0, 1))][0]:g}.")
        rows = data.loc[items.index]
        resp_codes, respondents = pd.factorize(rows[self.respondent], sort=False)
        respondents = respondents.tolist()
        if (resp_codes < 0).any():
            raise DataError(f"Column '{self.respondent}' has missing respondent ids.")
        counts = np.bincount(resp_codes)
        if self.person_slopes and (counts < 2).any():
            single = [respondents[i].item() if isinstance(respondents[i], np.generic) else respondents[i]
                      for i in np.flatnonzero(counts < 2)]
            shown = ", ".join(map(repr, single[:5])) + (f" and {len(single) - 5} more" if len(single) > 5 else "")
            raise DataError(f"{len(single)} respondent(s) have a single within-subject row ({shown}): person-level "
                            "slopes need at least 2 rows each. Drop them, or fit person_slopes=False.")
        if self.outcome:
            out_codes, outcomes = pd.factorize(rows[self.outcome].astype(str), sort=False)
        else:
            out_codes, outcomes = np.zeros(len(rows), dtype=np.int64), pd.Index(["all"])
        if es.kind == "probability":
            e_prob = ev / es.high
            e_values = g.squeeze_probabilities(e_prob, np.ones_like(e_prob, dtype=bool))
            e_kind, e_cat = "beta", 0
            e_manifest = e_prob.mean(axis=1)
        else:
            e_values = (ev - es.low).astype(np.int64)
            e_kind, e_cat = "ordinal", int(es.high - es.low) + 1
            e_manifest = ((ev - es.low) / (es.high - es.low)).mean(axis=1)
        v_values = (vv - vs.low).astype(np.int64)
        v_origin = coding["valence"]["origin"]
        manifest = np.column_stack([e_manifest, (vv - v_origin).mean(axis=1)])
        return g.Prepared(
            respondents=tuple(respondents), outcomes=tuple(map(str, outcomes)), resp=resp_codes.astype(np.int64),
            outcome=np.asarray(out_codes, dtype=np.int64), e_kind=e_kind, e_values=np.asarray(e_values, float)
            if e_kind == "beta" else e_values, e_answered=np.ones_like(ev, dtype=bool), e_categories=e_cat,
            v_values=v_values, v_answered=np.ones_like(vv, dtype=bool), v_categories=int(vs.high - vs.low) + 1,
            v_low_minus_zero=float(vs.low - v_origin), y=y.astype(float), family=self.family, form=self.form,
            person_slopes=self._slope_terms(), lkj_eta=float(self.lkj_eta), manifest=manifest,
            person_correlation=self.person_correlation,
            index=items.index, n_input=items.n_rows_in)

    def _slope_terms(self) -> tuple[str, ...]:
        terms = g.FORM_TERMS[self.form]
        if self.person_slopes is True:
            return terms
        if self.person_slopes is False:
            return ()
        absent = [t for t in self.person_slopes if t not in terms]
        if absent:
            raise SpecError(f"person_slopes names {', '.join(map(repr, absent))}, which the {self.form} form does not "
                            f"have (its terms: {', '.join(terms)}); name slopes among them.")
        return tuple(t for t in terms if t in self.person_slopes)

    def _data_info(self, prepared: g.Prepared) -> DataInfo:
        e_cols, v_cols = _cols(self.expectancy), _cols(self.valence)
        return DataInfo(n_input=prepared.n_input, n_used=int(prepared.resp.size),
                        n_dropped=prepared.n_input - int(prepared.resp.size), missing=self.missing,
                        missing_values=parse_codes(self.missing_values),
                        columns=(self.respondent, *e_cols, *v_cols, self.criterion),
                        fingerprint=fingerprint(prepared.y, prepared.manifest, list(map(str, prepared.respondents))),
                        extra={"respondents": prepared.N, "outcomes": list(prepared.outcomes)})
