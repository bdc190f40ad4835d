"""Bundled, simulated survey data sets (their generating calls are in ``datasets/build.py``).

Each loader returns a fresh DataFrame.  The files live in the repository's
``datasets/`` folder (installed into the wheel as ``expectmodel/datasets/data``),
each with a data dictionary in a ``.md`` file of the same name.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

__all__ = ["load_csi_survey", "path"]


def path(name: str) -> Path:
    """Location of a bundled file, in an installed wheel or a source checkout."""
    packaged = resources.files(__name__) / "data" / name
    if packaged.is_file():
        return Path(str(packaged))
    source = Path(__file__).resolve().parents[3] / "datasets" / name
    if source.is_file():
        return source
    raise FileNotFoundError(f"Bundled data set '{name}' not found; reinstall expectmodel.")


def load_csi_survey() -> pd.DataFrame:
    """An ECSI-style customer satisfaction survey: 600 respondents x 24 items on a 1-10 scale.

    Simulated from :func:`expectmodel.spec.templates.ecsi` with known paths that
    differ by customer ``stage`` (first-time / repeat / long-term); about 2% of
    answers are missing and coded ``-99``. See ``datasets/csi_survey.md``.
    """
    return pd.read_csv(path("csi_survey.csv"))
