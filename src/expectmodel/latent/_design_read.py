"""The reading steps of :meth:`Design.prepare <expectmodel.latent.design.Design.prepare>`.

Long data widened to one row per respondent, the stage column read, probability answers rescaled (heaping
reported), and the rows a message names. Functions of the design; :mod:`expectmodel.latent.design` calls them.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from expectmodel.data import _messages as msg
from expectmodel.data import read_grouping, widen
from expectmodel.errors import DataError, DataWarning, SpecError

if TYPE_CHECKING:
    from expectmodel.latent.design import Design


def fmt_rows(index: pd.Index, mask: np.ndarray, limit: int = 5) -> str:
    rows = list(index[np.asarray(mask)])
    head = ", ".join(map(repr, rows[:limit]))
    return head + (f" and {len(rows) - limit} more" if len(rows) > limit else "")


def widen_long(design: Design, data: pd.DataFrame, *, item: str, battery: str, answer: str) -> pd.DataFrame:
    rid = design.respondent
    if rid is None:
        raise SpecError("long data need the respondent id column: set Design(respondent='id').")
    for c in (rid, item, battery, answer):
        if c not in data.columns:
            raise msg.not_found([c], data.columns.tolist(), {rid: "respondent id", item: "item id",
                                                              battery: "battery code", answer: "answer"},
                                noun="Column(s)")
    unknown_b = sorted(set(map(str, data[battery].unique())) - set(design.columns))
    if unknown_b:
        raise DataError(f"long data hold battery code(s) {', '.join(map(repr, unknown_b))} that the design "
                        f"does not declare ({', '.join(design.columns)}).")
    unknown_i = sorted(set(map(str, data[item].unique())) - set(design.items))
    if unknown_i:
        raise DataError(f"long data hold unknown item(s) {', '.join(map(repr, unknown_i[:8]))}.")
    person = [c for c in (*design.satisfaction, *design.drivers, design.stage,
                          *(design.importance or {}).values()) if c is not None]
    columns = design.columns
    return widen(data, respondent=rid, item=item, answer=answer, battery=battery, keep=person,
                 name=lambda b, i: columns[b][i])


def read_stages(design: Design, data: pd.DataFrame) -> tuple[np.ndarray, tuple[str, ...]]:
    if design.stage is None:
        return np.zeros(len(data), dtype=np.intp), ("all",)
    grouping = read_grouping(data, design.stage, levels=design.stages, ordered=design.stages is None,
                             levels_name="stages")
    bad_np = sorted(set(design.no_perception) - set(grouping.levels))
    if bad_np:
        raise DataError(f"no_perception names unknown stage(s) {', '.join(map(repr, bad_np))}.")
    return grouping.codes, grouping.levels


def rescale_probabilities(design: Design, vals: np.ndarray, what: str) -> np.ndarray:
    """Rescale probabilities (already checked against 0-``probability_max``) to [0, 1].

    Heaping at 0 / 50 / 100 is reported, not changed.
    """
    vals = vals / float(design.probability_max)
    fin = vals[np.isfinite(vals)]
    heaped = np.isin(fin, (0.0, 0.5, 1.0)).mean() if fin.size else 0.0
    if heaped > 0.3:
        warnings.warn(f"{what}: {heaped:.0%} of the probabilities are exactly 0, 50% or 100%; such heaping "
                      "often marks 'don't know' or rounding rather than belief (METHODS §2.1).",
                      DataWarning, stacklevel=3)
    return vals
