"""One survey-data layer that every model family reads through.

- :class:`Scale` - what a valid answer looks like (likert, interval, probability, bipolar, count)
- :func:`read_items` - answer columns to a checked float matrix (:class:`Items`, NaN for a missing answer)
- :func:`apply_missing` - the missing-answer policy (raise, listwise, pairwise, mean, keep), recorded
- :func:`read_grouping` - a grouping column (customer stage, wave, cohort)
- :func:`widen` - long data (one row per answer) to wide

Every family (PLS, the latent model, and those to come) reads data through these functions, so the
same bad input gets the same message everywhere. Missing-answer codes become NaN before any check,
so a code is never treated as an answer.

PLS's fused extract-and-cross-product pass lives next to its moments in :mod:`expectmodel.sem._data`
(the data layer imports no model family).
"""

from __future__ import annotations

from expectmodel.data.grouping import Grouping, read_grouping
from expectmodel.data.long import widen
from expectmodel.data.missing import MISSING_POLICIES, MissingPolicy, MissingRecord, apply_missing
from expectmodel.data.read import Items, parse_codes, read_items
from expectmodel.data.schema import KINDS, Scale, as_scale, resolve_scale

__all__ = [
    "KINDS",
    "MISSING_POLICIES",
    "Grouping",
    "Items",
    "MissingPolicy",
    "MissingRecord",
    "Scale",
    "apply_missing",
    "as_scale",
    "parse_codes",
    "read_grouping",
    "read_items",
    "resolve_scale",
    "widen",
]
