"""The questionnaire settings every Kano estimator shares, and reading a survey under them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from expectmodel._base import OneOf, Predicate
from expectmodel.data import read_grouping
from expectmodel.data.read import is_codes
from expectmodel.kano.questionnaire import Questionnaire, code_problem, read_questionnaire, table_problem


def _attributes_ok(value: Any) -> bool:
    if isinstance(value, Mapping):
        return len(value) > 0 and all(
            not isinstance(v, str) and len(v) == 2 and all(isinstance(c, str) for c in v) for v in value.values())
    return not isinstance(value, str) and len(value) > 0 and all(isinstance(a, str) for a in value)


ATTRIBUTES = Predicate(_attributes_ok, "None, a sequence of attribute names or a mapping name -> (functional, "
                                       "dysfunctional) column")
QUESTIONNAIRE_CONSTRAINTS: dict[str, list[Any]] = {
    "attributes": [None, ATTRIBUTES],
    "suffixes": [Predicate(lambda v: not isinstance(v, str) and len(v) == 2 and all(isinstance(s, str) and s
                                                                                    for s in v) and v[0] != v[1],
                           "two different, non-empty suffixes (functional, dysfunctional)")],
    "codes": [None, Predicate(lambda v: code_problem(v) is None,
                              "a mapping from answer codes (numbers) or wordings (text) to the five answers "
                              "'like', 'must-be', 'neutral', 'live-with', 'dislike'")],
    "table": [Predicate(lambda v: table_problem(v) is None,
                        "'standard' or 5 x 5 over the six categories A, O, M, I, R, Q (rows: functional answer, "
                        "columns: dysfunctional answer, both in the order like, must-be, neutral, live-with, "
                        "dislike), e.g. ('QAAAO', 'RIIIM', 'RIIIM', 'RIIIM', 'RRRRQ')")],
    "missing_values": [Predicate(is_codes, "a number or a sequence of numbers (codes meaning no answer)")],
    "groups": [None, Predicate(lambda v: isinstance(v, str) and v != "", "a column name")],
    "ci_level": [Predicate(lambda v: not isinstance(v, bool) and isinstance(v, float | int) and 0 < v < 1,
                           "a number in (0, 1)")],
    "seed": [None, Predicate(lambda v: isinstance(v, int | np.integer) and not isinstance(v, bool) and v >= 0,
                             "a non-negative integer")],
}
ONE_OF_BOOL = OneOf(True, False)


def read_survey(est: Any, frame: pd.DataFrame) -> tuple[Questionnaire, np.ndarray | None, tuple[str, ...]]:
    """Read the answer pairs and the ``groups`` column of ``frame`` under ``est``'s settings."""
    q = read_questionnaire(frame, est.attributes, suffixes=tuple(est.suffixes), codes=est.codes,
                           missing_values=est.missing_values)
    if est.groups is None:
        return q, None, ("",)
    g = read_grouping(frame, est.groups, levels_name="groups")
    return q, g.codes, g.levels
