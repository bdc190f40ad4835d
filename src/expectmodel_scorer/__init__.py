"""expectmodel_scorer: score fitted expectmodel models with numpy and pandas only.

Other teams copy this one folder (or install the ``scorer`` extra) and score a bundle written by
``expectmodel.save`` without expectmodel, statsmodels, scikit-learn or pymc. Importing it never runs
``expectmodel/__init__``. A model is scored by a *program* named in its scoring specification, from
the closed list in :mod:`expectmodel_scorer.programs`; a bundle never carries code.

The in-package ``predict``/``transform`` methods of expectmodel's results call :func:`score` too, so
there is one scoring implementation.
"""

from __future__ import annotations

from expectmodel_scorer.core import ScoringError, score

__all__ = ["ScoringError", "score"]
