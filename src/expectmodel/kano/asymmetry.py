"""Bayesian regression Kano on the :class:`~expectmodel.sampling.BayesianEstimator` template (pymc).

:class:`AsymmetricOrderedLogit` (Mittal, Ross & Baldasare 1998): overall satisfaction is an ordered
logit whose linear predictor has a slope below and a slope above each attribute's neutral point m::

    eta_n = sum_j below_j * min(x_nj - m, 0) + above_j * max(x_nj - m, 0)
    Pr(S_n <= k) = logistic(kappa_k - eta_n)

A steep slope below and a flat one above is a must-be attribute, the reverse an attractive one,
equal slopes a one-dimensional one and two slopes near zero an indifferent one. The asymmetry
IA = (above - below) / (|above| + |below|) is computed per posterior draw and classified with the
cut-offs of :class:`~expectmodel.kano.ImpactAsymmetry`.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from expectmodel._base import InstanceOf, Interval, Predicate
from expectmodel.data import Scale, apply_missing, read_grouping, read_items
from expectmodel.data.read import is_codes
from expectmodel.errors import ParameterError
from expectmodel.inference import equal_tailed
from expectmodel.kano._tables import DrawsTable, KanoReport, draws_of, posterior_frame
from expectmodel.measurement.ordinal import category_probabilities, ordinal_logp, padded
from expectmodel.results import DataInfo, Meta, ResultsBase, fingerprint, thaw
from expectmodel.sampling import BayesianEstimator, SamplerConfig

__all__ = ["AsymmetricOrderedLogit", "BayesianAsymmetryResults"]

PRIORS_ASYMMETRY = {"below": "Normal(0, 1) per rating point", "above": "Normal(0, 1) per rating point",
                    "cut-points": "centred: log gaps Normal(log(6 / (K - 2)), 0.5), location Normal(0, 2.5)"}


@dataclass(frozen=True)
class _Ratings:
    below: np.ndarray  # (n, p) min(x - m, 0)
    above: np.ndarray  # (n, p) max(x - m, 0)
    y: np.ndarray  # (n,) satisfaction category 0..K-1
    group: np.ndarray  # (n,)
    groups: tuple[str, ...]
    attributes: tuple[str, ...]
    K: int
    info: DataInfo


class AsymmetricOrderedLogit(BayesianEstimator):
    """Bayesian regression Kano: an ordered logit of satisfaction with separate slopes below and above neutral.

    Parameters
    ----------
    attributes : sequence of str
        Performance rating columns.
    satisfaction : str
        Overall satisfaction column (whole categories on ``satisfaction_scale``).
    scale : (float, float)
        The rating scale.
    satisfaction_scale : (int, int)
        The satisfaction categories (low, high).
    neutral : float, optional
        The neutral rating (default: the scale midpoint).
    cutoffs : (float, float)
        IA cut-offs of the classification (as :class:`~expectmodel.kano.ImpactAsymmetry`).
    groups : str, optional
        A column: slopes and cut-points per group.
    missing_values : number or sequence of numbers
        Codes meaning "no answer"; respondents with a missing answer are dropped (listwise).
    ci_level : float
        Probability of the equal-tailed posterior intervals.
    sampler : SamplerConfig, optional
        Draws, chains, seed, backend and gates (default ``SamplerConfig()``).

    Examples
    --------
    >>> from expectmodel import kano
    >>> sim = kano.simulate_ratings(300, {"clean": "M", "spa": "A"}, seed=1)
    >>> est = kano.AsymmetricOrderedLogit(["clean", "spa"], satisfaction_scale=(1, 7))
    >>> model = est.build(sim.data)
    >>> [name in model.named_vars for name in ("below", "above", "cut")]
    [True, True, True]

    Sampling compiles the model (seconds), so these lines are skipped in the doctests:

    >>> res = est.fit(sim.data)  # doctest: +SKIP
    >>> res.classification()  # doctest: +SKIP
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "attributes": [Predicate(lambda v: not isinstance(v, str) and len(v) > 0 and all(isinstance(a, str) for a in v),
                                 "a non-empty sequence of column names")],
        "satisfaction": [Predicate(lambda v: isinstance(v, str) and v != "", "a column name")],
        "scale": [Predicate(lambda v: not isinstance(v, str) and len(v) == 2 and v[0] < v[1], "a (low, high) pair")],
        "satisfaction_scale": [Predicate(lambda v: not isinstance(v, str) and len(v) == 2 and all(
            isinstance(x, int) and not isinstance(x, bool) for x in v) and v[1] - v[0] >= 2,
            "a (low, high) pair of whole numbers, three or more categories")],
        "neutral": [None, Interval(float, None, None)],
        "cutoffs": [Predicate(lambda v: not isinstance(v, str) and len(v) == 2 and -1 <= v[0] <= v[1] <= 1,
                              "a (lower, upper) pair in [-1, 1]")],
        "groups": [None, Predicate(lambda v: isinstance(v, str) and v != "", "a column name")],
        "missing_values": [Predicate(is_codes, "a number or a sequence of numbers (codes meaning no answer)")],
        "ci_level": [Interval(float, 0, 1, closed="neither")],
        "sampler": [None, InstanceOf(SamplerConfig)],
    }
    _what: ClassVar[str] = "The asymmetric ordered-logit fit"
    _observation_dim: ClassVar[str] = "respondent"

    def __init__(self, attributes: Sequence[str], satisfaction: str = "satisfaction", *,
                 scale: tuple[float, float] = (1, 5), satisfaction_scale: tuple[int, int] = (1, 10),
                 neutral: float | None = None, cutoffs: tuple[float, float] = (-0.2, 0.2), groups: str | None = None,
                 missing_values: Any = (), ci_level: float = 0.9, sampler: SamplerConfig | None = None) -> None:
        self.attributes = attributes
        self.satisfaction = satisfaction
        self.scale = scale
        self.satisfaction_scale = satisfaction_scale
        self.neutral = neutral
        self.cutoffs = cutoffs
        self.groups = groups
        self.missing_values = missing_values
        self.ci_level = ci_level
        self.sampler = sampler

    def _check_params(self) -> None:
        if self.neutral is not None and not self.scale[0] < self.neutral < self.scale[1]:
            raise self._param_error("neutral", f"neutral={self.neutral!r} must lie inside scale={tuple(self.scale)}.")

    def _prepare(self, data: pd.DataFrame) -> _Ratings:
        attrs = tuple(str(a) for a in self.attributes)
        if self.satisfaction in attrs:
            raise ParameterError(f"AsymmetricOrderedLogit(satisfaction={self.satisfaction!r}): the satisfaction "
                                 "column is also listed among the attributes.")
        lo, hi = self.scale
        slo, shi = self.satisfaction_scale
        scales = {a: Scale(lo, hi, "interval") for a in attrs}
        scales[self.satisfaction] = Scale(slo, shi, "likert")
        items = read_items(data, [*attrs, self.satisfaction], scales=scales, missing_values=self.missing_values,
                           owner={**{a: "performance rating" for a in attrs}, self.satisfaction: "satisfaction"})
        keep = ~np.isnan(items.values).any(axis=1)
        values = np.asarray(apply_missing(items, "listwise").values)
        if self.groups is not None:
            g = read_grouping(data, self.groups, levels_name="groups")
            group, groups = g.codes[keep], g.levels
        else:
            group, groups = np.zeros(values.shape[0], dtype=np.intp), ("",)
        mid = (lo + hi) / 2 if self.neutral is None else float(self.neutral)
        x = values[:, :-1]
        info = DataInfo(n_input=items.n_rows_in, n_used=values.shape[0], n_dropped=items.n_rows_in - values.shape[0],
                        missing="listwise", missing_values=items.codes, columns=tuple(items.columns),
                        fingerprint=fingerprint(values, group))
        return _Ratings(np.minimum(x - mid, 0.0), np.maximum(x - mid, 0.0), (values[:, -1] - slo).astype(np.int64),
                        group.astype(np.int64), groups, attrs, int(shi - slo + 1), info)

    def _graph(self, prep: _Ratings):
        import pymc as pm
        import pytensor.tensor as pt

        from expectmodel.measurement.ordinal import cutpoints_graph, ordinal_logp_graph, padded_graph

        n, G, Kc = prep.y.size, len(prep.groups), prep.K
        coords = {"group": list(prep.groups), "attribute": list(prep.attributes),
                  "threshold": [f"{k + 1}|{k + 2}" for k in range(Kc - 1)]}
        with pm.Model(coords=coords) as model:
            below_x = pm.Data("below_x", prep.below)
            above_x = pm.Data("above_x", prep.above)
            y = pm.Data("y", prep.y)
            g = pm.Data("g", prep.group)
            below = pm.Normal("below", 0.0, 1.0, dims=("group", "attribute"))
            above = pm.Normal("above", 0.0, 1.0, dims=("group", "attribute"))
            loc = pm.Normal("loc", 0.0, 2.5, dims="group")
            cut = cutpoints_graph("cut", Kc, (G,), ("group", "threshold"), loc=loc)
            eta = (below_x * below[g]).sum(-1) + (above_x * above[g]).sum(-1)
            full = padded_graph(cut[g], rows=n)
            rows = pt.arange(n)
            pm.Potential("satisfaction", ordinal_logp_graph(eta, full[rows, y], full[rows, y + 1]).sum())
        return model, ["below", "above", "cut"]

    def _reuse_key(self, prep: _Ratings) -> Hashable:
        # names too: a reused compiled model keeps the coordinate labels of its first fit
        return ("kano.asymmetric", prep.below.shape, prep.groups, prep.attributes, prep.K)

    def _log_likelihood(self, prep: _Ratings, posterior) -> dict[str, np.ndarray]:
        c, d = posterior.sizes["chain"], posterior.sizes["draw"]
        below, above = draws_of({"posterior": posterior}, "below"), draws_of({"posterior": posterior}, "above")
        cut = draws_of({"posterior": posterior}, "cut")
        eta = np.einsum("nj,snj->sn", prep.below, below[:, prep.group]) + np.einsum(
            "nj,snj->sn", prep.above, above[:, prep.group])
        full = padded(cut)[:, prep.group]  # (S, n, K+1)
        rows = np.arange(prep.y.size)
        ll = ordinal_logp(None, eta, full[:, rows, prep.y], full[:, rows, prep.y + 1])
        return {"satisfaction": ll.reshape(c, d, -1)}

    def _data_info(self, prep: _Ratings) -> DataInfo:
        return prep.info

    def _meta_extra(self, prep: _Ratings) -> dict[str, Any]:
        return {"priors": PRIORS_ASYMMETRY, "groups": list(prep.groups)}

    def _meta_fields(self, prep: _Ratings) -> dict[str, Any]:
        return {"conventions": {
            "model": "ordered logit of satisfaction; slopes per rating point below and above the neutral rating",
            "IA": "(above - below) / (|above| + |below|) per draw",
            "classification": "posterior mean IA above the upper cut-off: A; below the lower: M; else O; both "
                              "slopes' intervals covering 0: I",
            "estimate": "posterior mean", "std_error": "posterior standard deviation"}}

    def _results(self, prep: _Ratings, tree, diagnostics, meta: Meta) -> BayesianAsymmetryResults:
        below, above = draws_of(tree, "below"), draws_of(tree, "above")  # (S, G, p)
        with np.errstate(invalid="ignore", divide="ignore"):
            ia = (above - below) / (np.abs(above) + np.abs(below))
        rows, cols = [], []
        for gi, gname in enumerate(prep.groups):
            for j, a in enumerate(prep.attributes):
                rows.append(("penalty", self.satisfaction, "~", a, gname))
                cols.append(below[:, gi, j])
            for j, a in enumerate(prep.attributes):
                rows.append(("reward", self.satisfaction, "~", a, gname))
                cols.append(above[:, gi, j])
            for j, a in enumerate(prep.attributes):
                rows.append(("impact", a, "IA", "", gname))
                cols.append(ia[:, gi, j])
        draws = np.column_stack(cols)
        frame = posterior_frame(rows, draws, float(self.ci_level))
        lo, hi = self.cutoffs
        classes = []
        for gi, gname in enumerate(prep.groups):
            for j, a in enumerate(prep.attributes):
                b_lo, b_hi = equal_tailed(below[:, gi, j], float(self.ci_level))
                a_lo, a_hi = equal_tailed(above[:, gi, j], float(self.ci_level))
                mean_ia = float(np.nanmean(ia[:, gi, j]))
                indifferent = b_lo <= 0 <= b_hi and a_lo <= 0 <= a_hi
                cat = "I" if indifferent else "A" if mean_ia > hi else "M" if mean_ia < lo else "O"
                classes.append({"group": gname, "attribute": a, "penalty": float(below[:, gi, j].mean()),
                                "reward": float(above[:, gi, j].mean()), "IA": mean_ia,
                                "p_reward_exceeds_penalty": float((above[:, gi, j] > below[:, gi, j]).mean()),
                                "category": cat})
        return BayesianAsymmetryResults(attributes=prep.attributes, groups=prep.groups, estimates=frame,
                                        draws=draws, categories=pd.DataFrame(classes), tree=tree,
                                        diagnostics=diagnostics, meta=meta)

    def _prior_check(self, prep: _Ratings, prior, seed: int) -> pd.DataFrame:
        below, above = draws_of({"posterior": prior}, "below"), draws_of({"posterior": prior}, "above")
        cut = draws_of({"posterior": prior}, "cut")
        eta = np.einsum("nj,snj->sn", prep.below, below[:, prep.group]) + np.einsum(
            "nj,snj->sn", prep.above, above[:, prep.group])
        probs = category_probabilities(eta, cut[:, prep.group]).mean(1)  # (S, K)
        lo, hi = equal_tailed(probs, float(self.ci_level))
        observed = np.bincount(prep.y, minlength=prep.K) / prep.y.size
        return pd.DataFrame({"category": np.arange(prep.K) + int(self.satisfaction_scale[0]),
                             "prior_mean": probs.mean(0), "ci_low": lo, "ci_high": hi, "observed": observed})


@dataclass(frozen=True, eq=False, repr=False)
class BayesianAsymmetryResults(DrawsTable, KanoReport, ResultsBase):
    """An asymmetric ordered-logit fit (from :meth:`AsymmetricOrderedLogit.fit`).

    Parameters
    ----------
    attributes, groups : tuple of str
        Names, in order.
    estimates : pandas.DataFrame
        Posterior means, SDs and intervals (see :meth:`to_frame`).
    draws : numpy.ndarray (S, rows)
        Posterior draws of the rows of ``estimates``.
    categories : pandas.DataFrame
        One row per group and attribute (see :meth:`classification`).
    tree : xarray.DataTree
        The posterior (with the per-respondent ``log_likelihood`` group).
    diagnostics : Diagnostics
        What the convergence gates saw.
    meta : Meta
        Settings, sampler, seed, priors.

    Examples
    --------
    A fit samples (seconds), so these lines are skipped in the doctests:

    >>> from expectmodel import kano
    >>> sim = kano.simulate_ratings(500, {"clean": "M", "spa": "A"}, seed=1)
    >>> res = kano.AsymmetricOrderedLogit(["clean", "spa"], satisfaction_scale=(1, 7)).fit(sim.data)  # doctest: +SKIP
    >>> res.classification(), res.to_frame(), res.summary()  # doctest: +SKIP
    """

    schema: ClassVar[str] = "expectmodel.kano_asymmetry"
    schema_version: ClassVar[int] = 1

    attributes: tuple[str, ...]
    groups: tuple[str, ...]
    estimates: pd.DataFrame
    draws: np.ndarray
    categories: pd.DataFrame
    tree: Any
    diagnostics: Any
    meta: Meta

    def to_frame(self) -> pd.DataFrame:
        """Return the slopes (``kind`` penalty: below neutral; reward: above) and IA per attribute.

        Returns
        -------
        pandas.DataFrame
            Posterior mean, SD and equal-tailed interval; :data:`~expectmodel.results.PARAMETER_COLUMNS` first.
        """
        return super().to_frame()

    def classification(self) -> pd.DataFrame:
        """Return one row per group and attribute: slopes, IA, Pr(reward slope > penalty slope), category.

        Returns
        -------
        pandas.DataFrame
        """
        return self.categories.copy()

    def _report(self) -> tuple[str, dict[str, str], list[tuple[str, pd.DataFrame]], list[str]]:
        facts = {"Respondents used": str(self.meta.data.n_used), "Attributes": str(len(self.attributes)),
                 "Interval": f"{self.meta.ci_level:.0%} equal-tailed", "Gates": self.diagnostics.verdict}
        tables = [("Classification", self.categories.set_index(["group", "attribute"])),
                  ("Posterior", self.estimates.set_index(["group", "kind", "lhs", "op", "rhs"]))]
        return ("Regression Kano (Bayesian asymmetric ordered logit)", facts, tables,
                [self.meta.conventions["classification"]])

    def _repr_facts(self) -> str:
        cats = ", ".join(f"{a}={c}" for a, c in zip(self.categories["attribute"][:4],
                                                  self.categories["category"][:4], strict=True))
        return f"{len(self.attributes)} attribute(s), {self.meta.data.n_used} respondents; {cats}"

    def _to_dict(self) -> dict[str, Any]:
        return {"attributes": list(self.attributes), "groups": list(self.groups),
                "estimates": thaw(self.estimates.to_dict(orient="list")),
                "classification": thaw(self.categories.to_dict(orient="list")),
                "diagnostics": thaw(self.diagnostics.to_dict())}
