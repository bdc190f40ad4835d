"""The conformance suite's unit: one estimator under the contract (used by tests/test_conformance.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from expectmodel._base import Estimator
from expectmodel.results import ResultsBase


@dataclass(frozen=True)
class Case:
    """One estimator under the contract: how to make it, its data, a bad setting and its truth."""

    name: str
    make: Callable[[], Estimator]
    data: Callable[[], pd.DataFrame]
    bad_param: tuple[str, Any]  # a setting outside its allowed values
    check_truth: Callable[[ResultsBase], None]
