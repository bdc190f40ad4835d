"""Program ``kano_classify``: the Kano category of every attribute and respondent from answer pairs.

Inputs are the functional and dysfunctional answer columns of each attribute, in pairs (numeric
codes). ``answer_codes`` (5,) holds the code of each answer (like, must-be, neutral, live-with,
dislike); ``table`` (5, 5) holds category positions (0-5 in ``settings["categories"]``: A, O, M, I, R,
Q) by functional row and dysfunctional column. Output per attribute: the category position as a float,
NaN where an answer is missing or not one of the five codes.
"""

from __future__ import annotations

import numpy as np

ARRAYS = {"table": 2, "answer_codes": 1}
SETTINGS = ("categories",)
OPTIONAL_SETTINGS = ("answers",)


def score(arrays: dict[str, np.ndarray], settings: dict, X: np.ndarray) -> np.ndarray:
    """Category positions ``(n, p)`` for ``X`` of shape ``(n, 2p)``: one gather through the table."""
    codes = np.asarray(arrays["answer_codes"], dtype=float)
    table = np.full((6, 6), np.nan)
    table[:5, :5] = np.asarray(arrays["table"], dtype=float)
    order = np.argsort(codes)
    where = np.searchsorted(codes[order], X)
    where = np.minimum(where, codes.size - 1)
    pos = np.where(codes[order][where] == X, order[where], 5)  # 5: missing or unknown -> NaN row/column
    return table[pos[:, 0::2], pos[:, 1::2]]
