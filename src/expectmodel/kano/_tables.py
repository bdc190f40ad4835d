"""The tidy tables the Kano results share: a grid of keys for arrays, posterior summaries, the draws table."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from expectmodel.inference import equal_tailed
from expectmodel.summary import Summary


def grid_frame(levels: Mapping[str | tuple[str, ...], Sequence[Any]], **values: Any) -> pd.DataFrame:
    """Return one row per combination of ``levels`` (the last varies fastest), with ``values`` flattened beside.

    ``values`` are arrays whose shape is the levels' lengths in order (C order), e.g. (units, waves,
    categories). A key that is a tuple of names takes levels that are tuples (e.g. ``(group, attribute)``
    units) and becomes one column per name.
    """
    names = [n for key in levels for n in (key if isinstance(key, tuple) else (key,))]
    rows = [tuple(v for key, level in zip(levels, combo, strict=True)
                  for v in (level if isinstance(key, tuple) else (level,)))
            for combo in itertools.product(*levels.values())]
    frame = pd.DataFrame(rows, columns=names)
    for name, value in values.items():
        frame[name] = np.asarray(value).reshape(-1)
    return frame


def draws_of(tree: Any, name: str) -> np.ndarray:
    """Return the posterior draws of ``name`` with chains and draws stacked: (chains x draws, ...)."""
    v = np.asarray(tree["posterior"][name].values)
    return v.reshape((-1, *v.shape[2:]))


def posterior_frame(rows: list[tuple], draws: np.ndarray, level: float) -> pd.DataFrame:
    """Return the key ``rows`` (kind, lhs, op, rhs, group) with the posterior mean, SD and equal-tailed interval."""
    lo, hi = equal_tailed(draws, level, skipna=True)
    frame = pd.DataFrame(rows, columns=["kind", "lhs", "op", "rhs", "group"])
    frame["estimate"] = np.nanmean(draws, axis=0)
    frame["std_error"] = np.nanstd(draws, axis=0, ddof=1)
    frame["ci_low"], frame["ci_high"] = lo, hi
    return frame


class DrawsTable:
    """The tidy table (``estimates``) and its draws (``draws``: bootstrap or posterior) every Kano results class keeps.

    ``to_frame`` is a copy of ``estimates`` with the interval level in ``attrs``; ``conf_int`` reads the draws.
    """

    def to_frame(self) -> pd.DataFrame:
        out = self.estimates.copy()
        out.attrs["ci_level"] = self.meta.ci_level
        return out

    def _draws_frame(self) -> tuple[pd.DataFrame, np.ndarray]:
        return self.estimates, self.draws


class KanoReport:
    """One ``summary`` for the Kano results: each class gives its title, facts, tables and notes (``_report``)."""

    def _report(self) -> tuple[str, dict[str, str], list[tuple[str, pd.DataFrame]], list[str]]:  # pragma: no cover
        raise NotImplementedError

    def _by_attribute(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Index ``frame`` by group and attribute (by attribute alone when the fit has no groups)."""
        out = frame.set_index(["group", "attribute"])
        return out.droplevel("group") if tuple(self.groups) == ("",) else out

    def summary(self, digits: int = 3) -> Summary:
        """Render the report of this fit: facts, tables and notes (``str()``, ``.as_html()``, ``.as_latex()``).

        Parameters
        ----------
        digits : int
            Decimals shown.

        Returns
        -------
        Summary
        """
        title, facts, tables, notes = self._report()
        return Summary(title, facts={**facts, "Seed": str(self.meta.seed)}, tables=tables, notes=notes, digits=digits)
