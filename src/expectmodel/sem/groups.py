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

import dataclasses
import json
from dataclasses import dataclass
from itertools import combinations
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from expectmodel._base import Estimator, InstanceOf, Interval, OneOf, resolve_seed
from expectmodel._meta import versions
from expectmodel.data import read_grouping
from expectmodel.errors import ConvergenceError, DataError, ParameterError
from expectmodel.results import DataInfo, Meta, ResultsBase, frame_with_columns
from expectmodel.sem._data import pairwise_correlation_stack, pairwise_moments
from expectmodel.sem._estimates import estimate_stack
from expectmodel.sem._moments import correlation_stack
from expectmodel.sem.invariance import memberships, mga, micom, permutation_fits
from expectmodel.sem.pls import PLS
from expectmodel.sem.results import CONVENTIONS, PLSResults
from expectmodel.spec import Model
from expectmodel.summary import Summary

__all__ = ["MultiGroupPLS", "MultiGroupResults"]


#: The multiple-testing adjustments of MGA (statsmodels ``multipletests`` methods).
ADJUSTMENTS = ("holm", "bonferroni", "sidak", "holm-sidak", "hommel", "fdr_bh", "fdr_by")


def _check_permutations(n: object, where: str) -> int:
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 20:
        raise ParameterError(f"{where}(n_permutations={n!r}): use a whole number of at least 20, e.g. 5000.")
    return int(n)


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
    permutations : int, default 0
        When positive, the fit also runs :meth:`MultiGroupResults.micom` and
        :meth:`MultiGroupResults.mga` with this many permutations (seeded from the estimator's seed),
        and the results report them in ``summary()``, ``to_frame()`` and the JSON.
    adjust : str, default "holm"
        The multiple-testing adjustment of the MGA tests (see :meth:`MultiGroupResults.mga`).

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
                              "by": [InstanceOf(str, name="a column name")],
                              "permutations": [OneOf(0), Interval(int, 20, None)],
                              "adjust": [OneOf(*ADJUSTMENTS, "none")]}

    def __init__(self, estimator: PLS, *, by: str, permutations: int = 0, adjust: str = "holm") -> None:
        self.estimator = estimator
        self.by = by
        self.permutations = permutations
        self.adjust = adjust

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
        res = MultiGroupResults(model=model, column=self.by, fits=fits, meta=meta)
        if self.permutations:
            child = int(np.random.SeedSequence(seed).spawn(len(labels) + 1)[-1].generate_state(1)[0])
            adjust = "bonferroni" if self.adjust == "none" else self.adjust
            mga_table = res.mga(self.permutations, child, adjust)
            if self.adjust == "none":
                for col in [c for c in mga_table.columns if c.endswith("_adj")]:
                    mga_table[col] = mga_table[col.removesuffix("_adj")]
            res = dataclasses.replace(res, micom_table=res.micom(self.permutations, child), mga_table=mga_table)
        return res


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
    micom_table: pd.DataFrame | None = None
    mga_table: pd.DataFrame | None = None

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
            member = memberships(rng, n_permutations, n, n1)
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

    # -- MICOM and MGA ----------------------------------------------------------------------------
    def _pair_permutations(self, g1: str, g2: str, n_permutations: int, seed: int) -> dict[str, Any]:
        """Fit both permuted groups of a pair on their pooled data (cached per pair and setting)."""
        key = (g1, g2, int(n_permutations), int(seed))
        cache = self.__dict__.setdefault("_perm_cache", {})
        if key in cache:
            return cache[key]
        a, b = self.fits[g1], self.fits[g2]
        x = np.vstack([a.prepared.values, b.prepared.values])
        pairwise = a.prepared.pairwise is not None
        mu, sd = np.nanmean(x, axis=0), np.nanstd(x, axis=0, ddof=1)
        z = (x - mu) / sd
        perm1, perm2 = permutation_fits(z, a.n, a, int(n_permutations), seed, pairwise, mu, sd)
        if perm1["paths"].shape[0] == 0:
            raise ConvergenceError(f"No permutation of groups '{g1}' and '{g2}' gave finite estimates; the "
                                   "pooled indicator correlations are degenerate.")
        cache[key] = {"z": z, "perm1": perm1, "perm2": perm2, "pairwise": pairwise}
        return cache[key]

    def _pairs(self) -> list[tuple[str, str]]:
        return list(combinations(self.fits, 2))

    def micom(self, n_permutations: int = 1000, seed: int | None = None) -> pd.DataFrame:
        """Run MICOM (Henseler, Ringle & Sarstedt 2016) for every pair of groups and construct.

        Step 1 (configural invariance: same indicators, treatment and settings) holds by construction:
        every group is fitted with one estimator. Step 2 tests compositional invariance, step 3 equal
        composite means and variances, by permuting group membership; see
        :mod:`expectmodel.sem.invariance`. Compositional invariance allows comparing paths (MGA); full
        invariance (steps 2 and 3) also allows pooling the groups.

        Parameters
        ----------
        n_permutations : int, default 1000
            Random reassignments of the two groups' respondents.
        seed : int, optional
            Seed of the permutations (drawn and recorded in ``frame.attrs["seed"]`` when omitted).

        Returns
        -------
        pandas.DataFrame
            ``group_1, group_2, construct, c, c_q05, p_c, compositional, mean_diff, mean_low, mean_high,
            p_mean, logvar_diff, var_low, var_high, p_var, full``.

        Examples
        --------
        >>> import expectmodel as em
        >>> pls = em.PLS(em.spec.templates.ecsi(), scale=(1, 10), missing_values=-99, missing="mean")
        >>> res = em.MultiGroupPLS(pls, by="stage").fit(em.datasets.load_csi_survey())
        >>> table = res.micom(n_permutations=200, seed=1)
        >>> len(table), table.attrs["n_permutations"]
        (21, 200)
        """
        n_permutations = _check_permutations(n_permutations, "micom")
        seed = resolve_seed(seed)
        rows = []
        for g1, g2 in self._pairs():
            a, b = self.fits[g1], self.fits[g2]
            pair = self._pair_permutations(g1, g2, n_permutations, seed)
            z = pair["z"]
            r = (pairwise_moments(z).corr if pair["pairwise"] else np.corrcoef(z.T))
            pooled = estimate_stack(r[None], a.layout, a.options)
            scores = np.nan_to_num(z, nan=0.0) @ pooled.weights_full[0]
            out = micom(r, a.est.weights_full[0], b.est.weights_full[0], pair["perm1"]["weights_full"],
                        pair["perm2"]["weights_full"], scores, a.n, n_permutations, seed + 1)
            single = a.layout.mask.sum(axis=0) == 1
            for kk, name in enumerate(self.model.names):
                row = {key: float(val[kk]) for key, val in out.items()}
                if single[kk]:  # one indicator: the composite is the item, compositionally invariant
                    row.update(c=1.0, c_q05=1.0, p_c=1.0)
                comp = bool(row["c"] >= row["c_q05"] - 1e-12)
                equal = row["mean_low"] <= row["mean_diff"] <= row["mean_high"] and \
                    row["var_low"] <= row["logvar_diff"] <= row["var_high"]
                rows.append({"group_1": g1, "group_2": g2, "construct": name, **row, "compositional": comp,
                             "full": bool(comp and equal)})
        cols = ["group_1", "group_2", "construct", "c", "c_q05", "p_c", "compositional", "mean_diff", "mean_low",
                "mean_high", "p_mean", "logvar_diff", "var_low", "var_high", "p_var", "full"]
        frame = pd.DataFrame(rows)[cols]
        frame.attrs.update(seed=seed, n_permutations=n_permutations)
        return frame

    def mga(self, n_permutations: int = 1000, seed: int | None = None, adjust: str = "holm") -> pd.DataFrame:
        """Compare every pair of groups: paths, loadings, weights, R^2 and the 0-100 index.

        Each difference gets a bootstrap percentile interval and four tests: permutation (Chin &
        Dibbern 2010), Henseler's PLS-MGA, parametric (Keil et al. 2000) and Welch-Satterthwaite, each
        adjusted for multiple testing within the pair and test (``adjust``, Holm by default). The
        interval and the three bootstrap-based tests need the groups fitted with ``bootstrap=N``
        (else NaN). Run :meth:`micom` first: compare paths only where compositional invariance holds.

        Parameters
        ----------
        n_permutations : int, default 1000
            Random reassignments of the two groups' respondents.
        seed : int, optional
            Seed of the permutations (drawn and recorded in ``frame.attrs["seed"]`` when omitted).
        adjust : str, default "holm"
            A :func:`statsmodels.stats.multitest.multipletests` method (``"holm"``, ``"bonferroni"``,
            ``"fdr_bh"``, ...).

        Returns
        -------
        pandas.DataFrame
            ``group_1, group_2, kind, lhs, op, rhs, estimate_1, estimate_2, difference, ci_low, ci_high,
            p_permutation, p_henseler, p_parametric, p_welch`` and the adjusted ``p_*_adj``.

        Examples
        --------
        >>> import expectmodel as em
        >>> pls = em.PLS(em.spec.templates.ecsi(), scale=(1, 10), missing_values=-99, missing="mean",
        ...              bootstrap=100, seed=1)
        >>> res = em.MultiGroupPLS(pls, by="stage").fit(em.datasets.load_csi_survey())
        >>> table = res.mga(n_permutations=200, seed=1)
        >>> sorted(table["kind"].unique())
        ['index', 'loading', 'path', 'r2', 'weight']
        """
        n_permutations = _check_permutations(n_permutations, "mga")
        if adjust not in ADJUSTMENTS:
            raise ParameterError(f"mga(adjust={adjust!r}) is not a statsmodels multipletests method; use one of "
                                 f"{', '.join(ADJUSTMENTS)}.")
        seed = resolve_seed(seed)
        frames = []
        for g1, g2 in self._pairs():
            pair = self._pair_permutations(g1, g2, n_permutations, seed)
            table = mga(self.fits[g1], self.fits[g2], pair["perm1"], pair["perm2"], adjust,
                        self.fits[g1].ci_level)
            frames.append(table.assign(group_1=g1, group_2=g2))
        out = pd.concat(frames, ignore_index=True)
        out = out[["group_1", "group_2", *[c for c in out.columns if c not in ("group_1", "group_2")]]]
        out.attrs.update(seed=seed, n_permutations=n_permutations, adjust=adjust)
        return out

    def to_frame(self) -> pd.DataFrame:
        """Stack every group's parameters, ``group`` naming the group.

        Returns
        -------
        pandas.DataFrame
            The groups' :meth:`PLSResults.to_frame <expectmodel.sem.PLSResults.to_frame>`, one after
            another.
        """
        frames = [f.to_frame() for f in self.fits.values()]
        if self.mga_table is not None:
            t = self.mga_table
            frames.append(pd.DataFrame({
                "kind": t["kind"] + "_difference", "lhs": t["lhs"], "op": t["op"], "rhs": t["rhs"],
                "group": t["group_1"] + " - " + t["group_2"], "estimate": t["difference"], "ci_low": t["ci_low"],
                "ci_high": t["ci_high"], "p": t["p_permutation"], "p_adj": t["p_permutation_adj"],
                "p_henseler": t["p_henseler"], "p_parametric": t["p_parametric"], "p_welch": t["p_welch"]}))
        if self.micom_table is not None:
            t = self.micom_table
            for kind, est, low, high, p in (("micom_c", "c", "c_q05", None, "p_c"),
                                            ("micom_mean", "mean_diff", "mean_low", "mean_high", "p_mean"),
                                            ("micom_logvar", "logvar_diff", "var_low", "var_high", "p_var")):
                frames.append(pd.DataFrame({
                    "kind": kind, "lhs": t["construct"], "op": "micom", "rhs": "",
                    "group": t["group_1"] + " - " + t["group_2"], "estimate": t[est], "ci_low": t[low],
                    "ci_high": np.nan if high is None else t[high], "p": t[p]}))
        return frame_with_columns(pd.concat(frames, ignore_index=True))

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
        if self.micom_table is not None:
            t = self.micom_table.set_index(["group_1", "group_2", "construct"])
            s.add_table(f"MICOM ({self.micom_table.attrs['n_permutations']} permutations)",
                        t[["c", "c_q05", "p_c", "compositional", "mean_diff", "p_mean", "logvar_diff", "p_var",
                           "full"]])
        if self.mga_table is not None:
            t = self.mga_table
            t = t[t["kind"].isin(["path", "r2", "index"])].set_index(["group_1", "group_2", "kind", "lhs", "rhs"])
            s.add_table(f"Group differences (MGA; p adjusted: {self.mga_table.attrs['adjust']})",
                        t[["difference", "ci_low", "ci_high", "p_permutation_adj", "p_henseler_adj",
                           "p_parametric_adj", "p_welch_adj"]])
            s.notes.append("Loadings and weights are compared too: to_frame() or mga_table.")
        return s

    def _repr_facts(self) -> str:
        sizes = ", ".join(f"{g}: n={f.n}" for g, f in self.fits.items())
        return f"by '{self.column}', {sizes}"

    def _to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"by": self.column, "groups": {g: f.to_dict() for g, f in self.fits.items()}}
        for key, table in (("micom", self.micom_table), ("mga", self.mga_table)):
            if table is not None:
                out[key] = json.loads(table.to_json(orient="records"))
        return out
