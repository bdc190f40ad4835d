"""Multi-group PLS: one fit per group (e.g. customer stage) and a permutation test of path differences.

The permutation test (Chin & Dibbern 2010) pools two groups, reassigns group
labels at random with the group sizes kept, and refits both groups for every
permutation.  All permutations are fitted as one batch of correlation
matrices: a permutation is a 0/1 membership vector, and the moments of both
permuted groups are two matrix products (:func:`expectmodel.sem._moments.correlation_stack`).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from expectmodel.errors import DataError
from expectmodel.sem._estimates import estimate_stack
from expectmodel.sem._moments import correlation_stack

if TYPE_CHECKING:
    from expectmodel.sem.pls import PLS
    from expectmodel.sem.results import PLSResults
    from expectmodel.spec import Model

__all__ = ["MultiGroupResults", "fit_groups"]


def _group_labels(data: pd.DataFrame, column: str) -> list[Any]:
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"Expected a pandas DataFrame, got {type(data).__name__}.")
    if column not in data.columns:
        raise DataError(f"The groups column '{column}' is not in the data.")
    col = data[column]
    if col.isna().any():
        first = col.index[col.isna().to_numpy()][0]
        raise DataError(f"The groups column '{column}' has {int(col.isna().sum())} missing label(s); "
                        f"first at row {first!r}. Assign a group to every respondent or drop those rows.")
    if isinstance(col.dtype, pd.CategoricalDtype):
        labels = list(col.cat.categories)
    else:
        labels = list(pd.unique(col))
    counts = col.value_counts()
    for label in labels:
        if counts.get(label, 0) == 0:
            raise DataError(f"Group '{label}' of column '{column}' has no respondents; remove the unused "
                            "category (e.g. with .cat.remove_unused_categories()) or collect data for it.")
    if len(labels) < 2:
        raise DataError(f"The groups column '{column}' has a single group ({labels[0]!r}); fit without groups=.")
    return labels


def fit_groups(estimator: PLS, model: Model, data: pd.DataFrame) -> MultiGroupResults:
    column = estimator.groups
    labels = _group_labels(data, column)
    fits = {}
    for label in labels:
        subset = data[data[column] == label]
        try:
            fits[str(label)] = estimator._fit(model, subset, group=str(label))
        except DataError as exc:
            raise DataError(f"Group '{label}' ({len(subset)} respondents): {exc}") from None
    return MultiGroupResults(model=model, column=column, fits=fits)


@dataclass(frozen=True, repr=False)
class MultiGroupResults:
    """One :class:`~expectmodel.sem.results.PLSResults` per group."""

    model: Model
    column: str
    fits: dict[str, PLSResults]

    def __getitem__(self, label: str) -> PLSResults:
        return self.fits[label]

    @property
    def paths(self) -> pd.DataFrame:
        """Path coefficients side by side, one column per group."""
        frames = [f.paths.set_index(["source", "target"])["estimate"].rename(g) for g, f in self.fits.items()]
        return pd.concat(frames, axis=1).reset_index()

    def permutation_test(self, n_permutations: int = 1000, seed: int | None = None) -> pd.DataFrame:
        """Permutation p-values of every path difference, for every pair of groups.

        p = (1 + #{|d*| >= |d|}) / (1 + n_permutations), two-sided.
        """
        if n_permutations < 1:
            raise DataError("n_permutations must be at least 1.")
        rng = np.random.default_rng(seed)
        rows = []
        for g1, g2 in combinations(self.fits, 2):
            a, b = self.fits[g1], self.fits[g2]
            x = np.vstack([a.prepared.values, b.prepared.values])
            z = (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)
            n1, n = a.n, x.shape[0]
            member = np.zeros((n_permutations, n))
            order = np.argsort(rng.random((n_permutations, n)), axis=1)
            np.put_along_axis(member, order[:, :n1], 1.0, axis=1)
            diffs = []
            for counts in (member, 1.0 - member):
                corr, _, _ = correlation_stack(z, counts)
                est = estimate_stack(corr, a.layout, a.options)
                src, dst = np.nonzero(a.layout.adjacency)
                diffs.append(est.paths[:, src, dst])
            perm = diffs[0] - diffs[1]
            observed = a.paths["estimate"].to_numpy() - b.paths["estimate"].to_numpy()
            valid = np.isfinite(perm).all(axis=1)
            exceed = (np.abs(perm[valid]) >= np.abs(observed) - 1e-12).sum(axis=0)
            pvals = (1 + exceed) / (1 + valid.sum())
            for r, (src_name, dst_name) in enumerate(zip(a.paths["source"], a.paths["target"], strict=True)):
                rows.append((g1, g2, src_name, dst_name, a.paths["estimate"].iloc[r],
                             b.paths["estimate"].iloc[r], observed[r], pvals[r]))
        return pd.DataFrame(rows, columns=["group_1", "group_2", "source", "target", "estimate_1",
                                           "estimate_2", "difference", "p_value"])

    def __repr__(self) -> str:
        sizes = ", ".join(f"{g}: n={f.n}" for g, f in self.fits.items())
        return f"<MultiGroupResults by '{self.column}': {sizes}>"

    def _repr_html_(self) -> str:
        return f"<h4>PLS by {self.column}</h4>" + self.paths.to_html(float_format="%.3f", index=False)
