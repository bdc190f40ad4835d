"""One table of the Kano categories that several analyses give the same attributes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from expectmodel.errors import ParameterError

__all__ = ["compare_views"]


def _name(res: Any) -> str:
    method = getattr(res, "method", None)
    if method is not None:
        return str(method)
    return {"KanoResults": "questionnaire", "BayesianAsymmetryResults": "Bayesian asymmetry"}.get(
        type(res).__name__, type(res).__name__)


def compare_views(*results: Any, names: Sequence[str] | None = None) -> pd.DataFrame:
    """Put the categories of several Kano analyses side by side, one column per analysis.

    Parameters
    ----------
    *results
        Fits with a ``classification()`` table holding ``group``, ``attribute`` and ``category``:
        :class:`KanoResults` (the questionnaire), :class:`RegressionKanoResults` (PRCA, IAA) and
        :class:`BayesianAsymmetryResults`.
    names : sequence of str, optional
        Column names (default: ``questionnaire``, ``PRCA``, ``IAA``, ``Bayesian asymmetry``).

    Returns
    -------
    pandas.DataFrame
        Indexed by (group, attribute); an attribute missing from an analysis is NaN there.

    Examples
    --------
    >>> from expectmodel import kano
    >>> sim = kano.simulate_ratings(1500, {"clean": "M", "spa": "A"}, seed=3)
    >>> prca = kano.PenaltyReward(["clean", "spa"], seed=1).fit(sim.data)
    >>> iaa = kano.ImpactAsymmetry(["clean", "spa"], seed=1).fit(sim.data)
    >>> compare_views(prca, iaa).loc[""].to_dict(orient="index")
    {'clean': {'PRCA': 'M', 'IAA': 'M'}, 'spa': {'PRCA': 'A', 'IAA': 'A'}}
    """
    if not results:
        raise ParameterError("compare_views() needs at least one Kano results object.")
    for r in results:
        if not callable(getattr(r, "classification", None)):
            raise ParameterError(f"compare_views() takes Kano results objects; got {type(r).__name__}.")
    names = [_name(r) for r in results] if names is None else list(names)
    if len(names) != len(results) or len(set(names)) != len(names):
        raise ParameterError(f"compare_views(names=...) needs {len(results)} distinct names, got {names!r}.")
    cols = [r.classification().set_index(["group", "attribute"])["category"].rename(n)
            for r, n in zip(results, names, strict=True)]
    return pd.concat(cols, axis=1, sort=False)
