"""Multi-group PLS: one fit per group (e.g. customer stage) and a permutation test of path differences.

:class:`MultiGroupPLS` composes a :class:`~expectmodel.sem.pls.PLS` estimator: it splits the respondents
by a grouping column (read by the shared data layer) and fits the same settings in every group, so
``PLS.fit`` keeps a single return type.

The permutation test (Chin & Dibbern 2010) pools two groups, reassigns group
labels at random with the group sizes kept, and refits both groups for every
permutation.  All permutations are fitted as one batch of correlation
matrices: a permutation is a 0/1 membership vector, and the moments of both
permuted groups are two matrix products (:func:`expectmodel.sem._moments.correlation_stack`).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from expectmodel._base import Estimator, InstanceOf, resolve_seed
from expectmodel._meta import versions
from expectmodel.data import read_grouping
from expectmodel.errors import ConvergenceError, DataError, ParameterError
from expectmodel.results import DataInfo, Meta, ResultsBase
from expectmodel.sem._data import pairwise_correlation_stack
from expectmodel.sem._estimates import estimate_stack
from expectmodel.sem._moments import correlation_stack
from expectmodel.sem.pls import PLS
from expectmodel.sem.results import CONVENTIONS, PLSResults
from expectmodel.spec import Model
from expectmodel.summary import Summary

__all__ = ["MultiGroupPLS", "MultiGroupResults"]


def _group_labels(data: pd.DataFrame, column: str) -> list[str]:
    """Read the groups through the shared grouping reader (at least two, each with respondents)."""
    return list(read_grouping(data, column, min_levels=2).levels)


class MultiGroupPLS(Estimator):
    """The same PLS model fitted separately in each group of respondents (customer stage, market, wave).

    Parameters
    ----------
    estimator : PLS
        The settings every group is fitted with (``clone``-able; it is not modified).
    by : str
        The column holding each respondent's group.

    Examples
    --------
    >>> import expectmodel as em
    >>> survey = em.datasets.load_csi_survey()
    >>> pls = em.PLS(em.spec.templates.ecsi(), scale=(1, 10), missing_values=-99, missing="mean")
    >>> fits = em.MultiGroupPLS(pls, by="stage").fit(survey)
    >>> sorted(fits.fits) == sorted(survey["stage"].unique())
    True
    """

    _parameter_constraints: ClassVar[dict[str, list]] = {"estimator": [InstanceOf(PLS, name="a PLS estimator")],
                              "by": [InstanceOf(str, name="a column name")]}

    def __init__(self, estimator: PLS, *, by: str) -> None:
        self.estimator = estimator
        self.by = by

    def fit(self, data: pd.DataFrame) -> MultiGroupResults:
        """Fit every group; a group's data error names the group.

        Parameters
        ----------
        data : pandas.DataFrame
            One row per respondent with the indicators and the ``by`` column.

        Returns
        -------
        MultiGroupResults
        """
        self.validate_params()
        est = self.estimator
        model = est._spec()
        labels = _group_labels(data, self.by)
        seed = resolve_seed(est.seed)
        # each group resamples with its own stream (equal-sized groups would otherwise share resamples)
        streams = np.random.SeedSequence(seed).spawn(len(labels))
        fits = {}
        text = data[self.by].astype(str)
        for label, stream in zip(labels, streams, strict=True):
            subset = data[(text == label).to_numpy()]
            try:
                fits[str(label)] = est._fit(model, subset, group=str(label),
                                            seed=int(stream.generate_state(1)[0]))
            except DataError as exc:
                raise DataError(f"Group '{label}' ({len(subset)} respondents): {exc}") from None
        parts = [f.meta.data for f in fits.values()]
        data_info = DataInfo(n_input=len(data), n_used=sum(p.n_used for p in parts),
                             n_dropped=sum(p.n_dropped for p in parts), missing=parts[0].missing,
                             missing_values=parts[0].missing_values, columns=parts[0].columns,
                             fingerprint="|".join(p.fingerprint for p in parts),
                             extra={"groups": {g: f.n for g, f in fits.items()}})
        first = next(iter(fits.values())).meta
        meta = Meta(estimator="MultiGroupPLS", params=self.settings(), data=data_info, ci_level=first.ci_level,
                    ci_method=first.ci_method, seed=seed, conventions=CONVENTIONS, versions=versions(),
                    spec=model.to_syntax(), extra={"by": self.by})
        return MultiGroupResults(model=model, column=self.by, fits=fits, meta=meta)


@dataclass(frozen=True, repr=False, eq=False)
class MultiGroupResults(ResultsBase):
    """One :class:`~expectmodel.sem.results.PLSResults` per group; ``to_frame()`` stacks them (``group``).

    :meth:`MultiGroupPLS.fit` makes it; ``results[label]`` is one group's fit. The ``paths`` property,
    :meth:`to_frame`, :meth:`conf_int`, :meth:`summary` and :meth:`to_dict` share the example below.

    Parameters
    ----------
    model : Model
        The specification every group was fitted with.
    column : str
        The column holding each respondent's group.
    fits : dict of str to PLSResults
        Each group's fit, by group label.
    meta : Meta
        The frozen record of the fit.

    Examples
    --------
    >>> import expectmodel as em
    >>> pls = em.PLS(em.spec.templates.ecsi(), scale=(1, 10), missing_values=-99, missing="mean",
    ...              bootstrap=30, seed=3)
    >>> res = em.MultiGroupPLS(pls, by="stage").fit(em.datasets.load_csi_survey())
    >>> res
    <MultiGroupResults: by 'stage', first-time: n=200, repeat: n=200, long-term: n=200>
    >>> res.paths.round(2).head(2)
      source        target  first-time  repeat  long-term
    0  Image   Expectation        0.49    0.42       0.41
    1  Image  Satisfaction        0.29    0.09       0.19
    >>> res.to_frame()["group"].unique().tolist()
    ['first-time', 'repeat', 'long-term']
    >>> res.conf_int(0.90).columns.tolist()[-2:]
    ['ci_low', 'ci_high']
    >>> print(str(res.summary()).splitlines()[1].strip())
    PLS path model by 'stage'
    >>> list(res.to_dict())
    ['schema', 'schema_version', 'by', 'groups', 'meta']
    """

    schema: ClassVar[str] = "expectmodel.pls.multigroup"
    schema_version: ClassVar[int] = 1

    model: Model
    column: str
    fits: dict[str, PLSResults]
    meta: Meta

    def __getitem__(self, label: str) -> PLSResults:
        return self.fits[label]

    @property
    def paths(self) -> pd.DataFrame:
        """Path coefficients side by side, one column per group."""
        frames = [f.paths.set_index(["source", "target"])["estimate"].rename(g) for g, f in self.fits.items()]
        return pd.concat(frames, axis=1).reset_index()

    def permutation_test(self, n_permutations: int = 1000, seed: int | None = None) -> pd.DataFrame:
        """Test every path difference, for every pair of groups, by permuting group membership.

        p = (1 + #{|d*| >= |d|}) / (1 + n_permutations), two-sided.

        Parameters
        ----------
        n_permutations : int, default 1000
            The number of random reassignments of respondents to the two groups.
        seed : int, optional
            Random seed; drawn (and recorded in ``frame.attrs["seed"]``) when omitted.

        Returns
        -------
        pandas.DataFrame
            One row per pair of groups and path: ``group_1, group_2, source, target, estimate_1,
            estimate_2, difference, p_value``.

        Raises
        ------
        ParameterError
            If ``n_permutations`` is not a positive integer.

        Examples
        --------
        >>> import expectmodel as em
        >>> pls = em.PLS(em.spec.templates.ecsi(), scale=(1, 10), missing_values=-99, missing="mean")
        >>> res = em.MultiGroupPLS(pls, by="stage").fit(em.datasets.load_csi_survey())
        >>> test = res.permutation_test(n_permutations=50, seed=1)
        >>> len(test), test.attrs["n_permutations"]
        (36, 50)
        >>> bool(test["p_value"].between(0, 1).all())
        True
        """
        if isinstance(n_permutations, bool) or not isinstance(n_permutations, int | np.integer) \
                or n_permutations < 1:
            raise ParameterError(f"permutation_test(n_permutations={n_permutations!r}): n_permutations must be "
                                 "a positive integer, e.g. 2000.")
        seed = resolve_seed(seed)
        rng = np.random.default_rng(seed)
        rows = []
        for g1, g2 in combinations(self.fits, 2):
            a, b = self.fits[g1], self.fits[g2]
            x = np.vstack([a.prepared.values, b.prepared.values])
            pairwise = a.prepared.pairwise is not None  # NaN kept: each permuted group's correlations pairwise
            z = (x - np.nanmean(x, axis=0)) / np.nanstd(x, axis=0, ddof=1)
            n1, n = a.n, x.shape[0]
            member = np.zeros((n_permutations, n))
            order = np.argsort(rng.random((n_permutations, n)), axis=1)
            np.put_along_axis(member, order[:, :n1], 1.0, axis=1)
            diffs = []
            for counts in (member, 1.0 - member):
                corr = pairwise_correlation_stack(z, counts)[0] if pairwise else correlation_stack(z, counts)[0]
                est = estimate_stack(corr, a.layout, a.options)
                src, dst = np.nonzero(a.layout.adjacency)
                diffs.append(est.paths[:, src, dst])
            perm = diffs[0] - diffs[1]
            observed = a.paths["estimate"].to_numpy() - b.paths["estimate"].to_numpy()
            valid = np.isfinite(perm).all(axis=1)
            if not valid.any():
                raise ConvergenceError(f"No permutation of groups '{g1}' and '{g2}' gave finite paths; the "
                                       "pooled indicator correlations are degenerate.")
            exceed = (np.abs(perm[valid]) >= np.abs(observed) - 1e-12).sum(axis=0)
            pvals = (1 + exceed) / (1 + valid.sum())
            for r, (src_name, dst_name) in enumerate(zip(a.paths["source"], a.paths["target"], strict=True)):
                rows.append((g1, g2, src_name, dst_name, a.paths["estimate"].iloc[r],
                             b.paths["estimate"].iloc[r], observed[r], pvals[r]))
        out = pd.DataFrame(rows, columns=["group_1", "group_2", "source", "target", "estimate_1",
                                          "estimate_2", "difference", "p_value"])
        out.attrs.update(seed=seed, n_permutations=int(n_permutations))
        return out

    def to_frame(self) -> pd.DataFrame:
        """Stack every group's parameters, ``group`` naming the group.

        Returns
        -------
        pandas.DataFrame
            The groups' :meth:`PLSResults.to_frame <expectmodel.sem.PLSResults.to_frame>`, one after
            another.
        """
        return pd.concat([f.to_frame() for f in self.fits.values()], ignore_index=True)

    def _draws_frame(self) -> tuple[pd.DataFrame, np.ndarray] | None:
        stored = [f._draws_frame() for f in self.fits.values()]
        if any(s is None for s in stored):
            return None
        frames = [s[0] for s in stored]
        size = min(s[1].shape[0] for s in stored)
        # groups are resampled independently: their draws are side by side, not paired
        return pd.concat(frames, ignore_index=True), np.concatenate([s[1][:size] for s in stored], axis=1)

    def summary(self, digits: int = 3) -> Summary:
        """Render the paths and R-squared side by side, one column per group.

        Parameters
        ----------
        digits : int, default 3
            Decimals shown in the tables.

        Returns
        -------
        Summary
        """
        s = Summary(f"PLS path model by '{self.column}'", digits=digits)
        s.facts = {"Groups": str(len(self.fits)), **{f"n ({g})": str(f.n) for g, f in self.fits.items()}}
        paths = self.paths.assign(path=lambda f: f["source"] + " -> " + f["target"]).set_index("path")
        s.add_table("Structural paths", paths.drop(columns=["source", "target"]))
        r2 = pd.concat([f.r2["r2"].rename(g) for g, f in self.fits.items()], axis=1)
        s.add_table("R-squared", r2)
        return s

    def _repr_facts(self) -> str:
        sizes = ", ".join(f"{g}: n={f.n}" for g, f in self.fits.items())
        return f"by '{self.column}', {sizes}"

    def _to_dict(self) -> dict[str, Any]:
        return {"by": self.column, "groups": {g: f.to_dict() for g, f in self.fits.items()}}
