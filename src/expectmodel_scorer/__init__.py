"""expectmodel_scorer: score fitted expectmodel models with numpy and pandas only.

Other teams copy this one folder (or ``pip install --no-deps expectmodel`` plus numpy and pandas: the
wheel holds both packages) and score a bundle written by ``expectmodel.save`` without expectmodel,
statsmodels, scikit-learn or pymc. Importing it never runs
``expectmodel/__init__``. A model is scored by a *program* named in its scoring specification, from
the closed list in :mod:`expectmodel_scorer.programs`; a bundle never carries code.

>>> from expectmodel_scorer import load_scorer          # doctest: +SKIP
>>> load_scorer("churn_model.zip").score(new_customers)  # doctest: +SKIP

The in-package ``predict``/``transform`` methods of expectmodel's results call :func:`score` too, so
there is one scoring implementation. The bundle format is documented in :mod:`expectmodel_scorer.bundle`.
"""

from __future__ import annotations

from expectmodel_scorer.bundle import SCHEMA_VERSION, BundleError, Scorer, load_scorer, read_bundle
from expectmodel_scorer.core import ScoringError, ScoringWarning, check_spec, score
from expectmodel_scorer.programs.pipeline import chain

__all__ = ["SCHEMA_VERSION", "BundleError", "Scorer", "ScoringError", "ScoringWarning", "chain", "check_spec",
           "load_scorer", "read_bundle", "score"]
