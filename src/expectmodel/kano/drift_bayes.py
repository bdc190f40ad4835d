"""Hierarchical Bayesian Kano drift on the :class:`~expectmodel.sampling.BayesianEstimator` template (pymc).

:class:`BayesianKanoDrift`: a hierarchical multinomial logit of the categories I, A, O, M (R and Q
set aside) on the wave, per attribute (and group), with A the reference category::

    log Pr(c) / Pr(A) = alpha_jc + gamma_jc * t + delta_sc,   gamma_jc ~ Normal(mu_c, tau_c)

(t is the wave position centred on the middle wave, so alpha_jc is the middle wave's log-odds.)

The time slopes are partially pooled across attributes; Pr(gamma_jM > 0), the posterior probability
that the must-be odds rise against attractive, says whether the attribute is moving toward must-be.
The likelihood is written on the counts per attribute, wave and stage (a multinomial), so its cost
does not grow with the number of respondents.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy.special import gammaln, log_softmax

from expectmodel._base import InstanceOf, Predicate
from expectmodel.data import read_grouping
from expectmodel.errors import DataError, ParameterError
from expectmodel.inference import equal_tailed
from expectmodel.kano import _counts as K
from expectmodel.kano._reading import QUESTIONNAIRE_CONSTRAINTS, read_survey
from expectmodel.kano._tables import DrawsTable, KanoReport, draws_of, grid_frame, posterior_frame
from expectmodel.kano.drift import read_waves
from expectmodel.results import DataInfo, Meta, ResultsBase, fingerprint, thaw
from expectmodel.sampling import BayesianEstimator, SamplerConfig

__all__ = ["BayesianDriftResults", "BayesianKanoDrift"]

PRIORS_DRIFT = {"alpha": "Normal(0, 2)", "gamma": "Normal(mu_c, tau_c), centred", "mu": "Normal(0, 1)",
                "tau": "Gamma(2, 4) (mean 0.5, boundary-avoiding)", "delta (stage)": "Normal(0, 1), first stage 0"}
DRIFT_CATEGORIES = ("A", "O", "M", "I")  # A is the reference

@dataclass(frozen=True)
class _Cells:
    counts: np.ndarray  # (U, W, S, 4) counts of A, O, M, I per unit (group x attribute), wave, stage
    units: tuple[tuple[str, str], ...]  # (group, attribute)
    waves: tuple[str, ...]
    stages: tuple[str, ...]
    attributes: tuple[str, ...]
    groups: tuple[str, ...]
    info: DataInfo


class BayesianKanoDrift(BayesianEstimator):
    """Hierarchical multinomial logit of Kano categories on time, with partially pooled time slopes.

    Parameters
    ----------
    attributes : None, sequence of str, or mapping name -> (functional, dysfunctional)
        The answer pairs (as :class:`~expectmodel.kano.KanoClassifier`).
    wave : str
        The wave column (orderable; see :func:`~expectmodel.kano.read_waves`).
    waves : sequence, optional
        The wave labels in time order.
    suffixes, codes, table, missing_values
        As :class:`~expectmodel.kano.KanoClassifier`.
    groups : str, optional
        A column: each group's attributes are their own units (slopes pooled across all units).
    adjust : str, optional
        A customer-stage column: stage effects per category adjust for a changing stage mix.
    ci_level : float
        Probability of the equal-tailed posterior intervals.
    sampler : SamplerConfig, optional
        Draws, chains, seed, backend and gates. With a handful of attributes the pooling SD is weakly
        identified; ``target_accept=0.9`` avoids the odd divergence.

    Examples
    --------
    >>> from expectmodel import kano
    >>> sim = kano.simulate_kano(300, {"app": [0.5, 0.2, 0.1, 0.2, 0, 0]}, waves=3, slopes={"app": 1.0}, seed=1)
    >>> est = kano.BayesianKanoDrift()
    >>> model = est.build(sim.data.drop(columns="stage"))
    >>> "gamma" in model.named_vars, "tau" in model.named_vars
    (True, True)

    Sampling compiles the model (seconds), so these lines are skipped in the doctests:

    >>> res = est.fit(sim.data.drop(columns="stage"))  # doctest: +SKIP
    >>> res.toward_must_be()  # doctest: +SKIP
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        **{k: v for k, v in QUESTIONNAIRE_CONSTRAINTS.items() if k != "seed"},
        "wave": [Predicate(lambda v: isinstance(v, str) and v != "", "a column name")],
        "waves": [None, Predicate(lambda v: not isinstance(v, str) and len(v) >= 2, "a sequence of wave labels")],
        "adjust": [None, Predicate(lambda v: isinstance(v, str) and v != "", "a column name")],
        "sampler": [None, InstanceOf(SamplerConfig)],
    }
    _what: ClassVar[str] = "The hierarchical Kano drift fit"
    _observation_dim: ClassVar[str] = "cell"

    def __init__(self, attributes: Any = None, *, wave: str = "wave", waves: Any = None,
                 suffixes: tuple[str, str] = ("_f", "_d"), codes: Any = None, table: Any = "standard",
                 missing_values: Any = (), groups: str | None = None, adjust: str | None = None,
                 ci_level: float = 0.9, sampler: SamplerConfig | None = None) -> None:
        self.attributes = attributes
        self.wave = wave
        self.waves = waves
        self.suffixes = suffixes
        self.codes = codes
        self.table = table
        self.missing_values = missing_values
        self.groups = groups
        self.adjust = adjust
        self.ci_level = ci_level
        self.sampler = sampler

    def _prepare(self, data: pd.DataFrame) -> _Cells:
        q, group, levels = read_survey(self, data)
        w = read_waves(data, self.wave, self.waves)
        if self.adjust is not None:
            st = read_grouping(data, self.adjust, levels_name="stages")
            stage, stages = st.codes, st.levels
        else:
            stage, stages = np.zeros(q.n_rows_in, dtype=np.intp), ("",)
        cats = q.categories(self.table)
        G, W, S, p = len(levels), len(w.levels), len(stages), len(q.attributes)
        gcode = np.zeros(q.n_rows_in, dtype=np.intp) if group is None else group
        counts = K.count(cats, (gcode * W + w.codes) * S + stage, G * W * S).reshape(G, W, S, p, 7)
        cells = np.moveaxis(counts[..., [K.A, K.O, K.M, K.I]], 3, 1).reshape(G * p, W, S, 4)
        units = tuple((g, a) for g in levels for a in q.attributes)
        for u, (g, a) in enumerate(units):
            if cells[u].sum() == 0:
                where = f" in group '{g}'" if g else ""
                raise DataError(f"Attribute '{a}'{where} has no A, O, M or I answers; drop it.")
        info = DataInfo(n_input=q.n_rows_in, n_used=int((cats >= 0).any(axis=1).sum()), missing="per attribute",
                        missing_values=tuple(float(v) for v in np.atleast_1d(self.missing_values)),
                        columns=tuple(c for pair in q.columns for c in pair), fingerprint=fingerprint(cells),
                        extra={"R and Q answers set aside": int(counts[..., [K.R, K.Q]].sum())})
        return _Cells(cells, units, w.levels, stages, q.attributes, levels, info)

    def _graph(self, cells: _Cells):
        import pymc as pm
        import pytensor.tensor as pt

        U, W, S, _ = cells.counts.shape
        t = np.arange(W, dtype=float) - (W - 1) / 2  # centred: alpha is the middle wave's level, uncorrelated
        coords = {"unit": [f"{g}:{a}" if g else a for g, a in cells.units], "category": list(DRIFT_CATEGORIES[1:]),
                  "stage": list(cells.stages[1:]) or ["none"]}
        with pm.Model(coords=coords) as model:
            counts = pm.Data("counts", cells.counts.astype(float))
            alpha = pm.Normal("alpha", 0.0, 2.0, dims=("unit", "category"))
            mu = pm.Normal("mu", 0.0, 1.0, dims="category")
            # a boundary-avoiding prior (Chung et al. 2013): with a handful of attributes the pooling SD is weakly
            # identified and a half-normal lets it reach the funnel's neck near 0, where NUTS diverges
            tau = pm.Gamma("tau", alpha=2.0, beta=4.0, dims="category")
            # centred: every attribute's slope is informed by hundreds of answers a wave, where the non-centred
            # form couples mu with every unit's offset (measured: more divergences and lower ESS of mu)
            gamma = pm.Normal("gamma", mu, tau, dims=("unit", "category"))
            if S > 1:
                delta = pm.Normal("delta", 0.0, 1.0, dims=("stage", "category"))
                delta_all = pt.concatenate([pt.zeros((1, 3)), delta], axis=0)  # first stage: reference
            else:
                delta_all = pt.zeros((1, 3))
            eta = (alpha[:, None, None, :] + gamma[:, None, None, :] * t[None, :, None, None]
                   + delta_all[None, None, :, :])  # (U, W, S, 3)
            full = pt.concatenate([pt.zeros((U, W, S, 1)), eta], axis=-1)  # A is the reference
            logp = full - pt.logsumexp(full, axis=-1, keepdims=True)
            pm.Potential("categories", (counts * logp).sum())
        names = ["alpha", "gamma", "mu", "tau"] + (["delta"] if S > 1 else [])
        return model, names

    def _reuse_key(self, cells: _Cells) -> Hashable:
        return ("kano.drift", cells.counts.shape, cells.units, cells.stages)

    def _linear(self, cells: _Cells, posterior) -> np.ndarray:
        """Log-probabilities (draws, U, W, S, 4) of A, O, M, I."""
        tree = {"posterior": posterior}
        alpha, gamma = draws_of(tree, "alpha"), draws_of(tree, "gamma")
        _, W, S, _ = cells.counts.shape
        t = np.arange(W, dtype=float) - (W - 1) / 2  # as in the graph
        delta = np.zeros((alpha.shape[0], S, 3))
        if S > 1:
            delta[:, 1:] = draws_of(tree, "delta")
        eta = alpha[:, :, None, None, :] + gamma[:, :, None, None, :] * t[None, None, :, None, None] \
            + delta[:, None, None, :, :]
        full = np.concatenate([np.zeros((*eta.shape[:-1], 1)), eta], -1)
        return log_softmax(full, axis=-1)

    def _log_likelihood(self, cells: _Cells, posterior) -> dict[str, np.ndarray]:
        c, d = posterior.sizes["chain"], posterior.sizes["draw"]
        logp = self._linear(cells, posterior)
        n = cells.counts.sum(-1)
        coef = gammaln(n + 1) - gammaln(cells.counts + 1).sum(-1)  # the multinomial coefficient per cell
        ll = (cells.counts * logp).sum(-1) + coef
        return {"categories": ll.reshape(c, d, -1)}

    def _data_info(self, cells: _Cells) -> DataInfo:
        return cells.info

    def _meta_extra(self, cells: _Cells) -> dict[str, Any]:
        return {"priors": PRIORS_DRIFT, "waves": list(cells.waves), "stages": list(cells.stages),
                "groups": list(cells.groups)}

    def _meta_fields(self, cells: _Cells) -> dict[str, Any]:
        return {"conventions": {
            "model": "multinomial logit of A, O, M, I (A the reference) on the wave position, per attribute",
            "time": "wave position 0, 1, ... centred on the middle wave (waves equally spaced)",
            "toward must-be": "Pr(gamma_M > 0): the must-be odds against attractive rise over waves",
            "estimate": "posterior mean", "std_error": "posterior standard deviation"}}

    def _results(self, cells: _Cells, tree, diagnostics, meta: Meta) -> BayesianDriftResults:
        gamma, mu = draws_of(tree, "gamma"), draws_of(tree, "mu")  # (S, U, 3), (S, 3)
        rows, cols = [], []
        for u, (g, a) in enumerate(cells.units):
            for k, c in enumerate(DRIFT_CATEGORIES[1:]):
                rows.append(("drift", a, f"log({c}/A)", "wave", g))
                cols.append(gamma[:, u, k])
        for k, c in enumerate(DRIFT_CATEGORIES[1:]):
            rows.append(("pooled drift", "mean", f"log({c}/A)", "wave", ""))
            cols.append(mu[:, k])
        draws = np.column_stack(cols)
        frame = posterior_frame(rows, draws, float(self.ci_level))
        logp = self._linear(cells, tree["posterior"])  # (S, U, W, S_stage, 4)
        weights = cells.counts.sum(axis=(0, 1, 3)).astype(float)
        weights /= weights.sum()
        probs = np.einsum("s,dxwsk->dxwk", weights, np.exp(logp))  # standardised to the pooled stage mix
        lo, hi = equal_tailed(probs, float(self.ci_level))
        traj = grid_frame({("group", "attribute"): cells.units, "wave": cells.waves, "category": DRIFT_CATEGORIES},
                          estimate=probs.mean(axis=0), ci_low=lo, ci_high=hi)
        toward = pd.DataFrame({"group": [g for g, _ in cells.units], "attribute": [a for _, a in cells.units],
                               "p_toward_must_be": (gamma[:, :, 1] > 0).mean(0),
                               "gamma_M": gamma[:, :, 1].mean(0), "gamma_O": gamma[:, :, 0].mean(0),
                               "gamma_I": gamma[:, :, 2].mean(0)})
        return BayesianDriftResults(attributes=cells.attributes, waves=cells.waves, groups=cells.groups,
                                    estimates=frame, draws=draws, toward=toward, probabilities=traj,
                                    tree=tree, diagnostics=diagnostics, meta=meta)

    def _prior_check(self, cells: _Cells, prior, seed: int) -> pd.DataFrame:
        probs = np.exp(self._linear(cells, prior)).mean(axis=(1, 2, 3))  # (draws, 4)
        lo, hi = equal_tailed(probs, float(self.ci_level))
        tot = cells.counts.sum(axis=(0, 1, 2))
        return pd.DataFrame({"category": list(DRIFT_CATEGORIES), "prior_mean": probs.mean(0), "ci_low": lo,
                             "ci_high": hi, "observed": tot / tot.sum()})


@dataclass(frozen=True, eq=False, repr=False)
class BayesianDriftResults(DrawsTable, KanoReport, ResultsBase):
    """A hierarchical Kano drift fit (from :meth:`BayesianKanoDrift.fit`).

    Parameters
    ----------
    attributes, waves, groups : tuple of str
        Names, in order.
    estimates : pandas.DataFrame
        Time slopes per attribute and category, and their pooled means (see :meth:`to_frame`).
    draws : numpy.ndarray (S, rows)
        Posterior draws of the rows of ``estimates``.
    toward : pandas.DataFrame
        Pr(moving toward must-be) per attribute (see :meth:`toward_must_be`).
    probabilities : pandas.DataFrame
        Category probabilities per attribute and wave (see :meth:`category_probabilities`).
    tree : xarray.DataTree
        The posterior (with the per-cell ``log_likelihood`` group).
    diagnostics : Diagnostics
        What the convergence gates saw.
    meta : Meta
        Settings, sampler, seed, priors.

    Examples
    --------
    A fit samples (seconds), so these lines are skipped in the doctests:

    >>> from expectmodel import kano
    >>> sim = kano.simulate_kano(300, {"app": [0.5, 0.2, 0.1, 0.2, 0, 0]}, waves=3, slopes={"app": 1.0}, seed=1)
    >>> res = kano.BayesianKanoDrift().fit(sim.data.drop(columns="stage"))  # doctest: +SKIP
    >>> res.toward_must_be(), res.category_probabilities(), res.to_frame(), res.summary()  # doctest: +SKIP
    >>> ax = res.plot_probabilities("M")  # doctest: +SKIP
    """

    schema: ClassVar[str] = "expectmodel.kano_drift_bayes"
    schema_version: ClassVar[int] = 1

    attributes: tuple[str, ...]
    waves: tuple[str, ...]
    groups: tuple[str, ...]
    estimates: pd.DataFrame
    draws: np.ndarray
    toward: pd.DataFrame
    probabilities: pd.DataFrame
    tree: Any
    diagnostics: Any
    meta: Meta

    def to_frame(self) -> pd.DataFrame:
        """Return the time slopes (``kind`` drift; ``op`` log(c/A)) and their pooled means (``pooled drift``).

        Returns
        -------
        pandas.DataFrame
            Posterior mean, SD and equal-tailed interval; :data:`~expectmodel.results.PARAMETER_COLUMNS` first.
        """
        return super().to_frame()

    def toward_must_be(self) -> pd.DataFrame:
        """Return Pr(the attribute is moving toward must-be) = Pr(gamma_M > 0), with the slopes' posterior means.

        Returns
        -------
        pandas.DataFrame
            ``group``, ``attribute``, ``p_toward_must_be``, ``gamma_M``, ``gamma_O``, ``gamma_I``.
        """
        return self.toward.copy()

    def category_probabilities(self) -> pd.DataFrame:
        """Return the posterior category probabilities (A, O, M, I) per attribute and wave, stage-standardised.

        Returns
        -------
        pandas.DataFrame
            ``group``, ``attribute``, ``wave``, ``category``, ``estimate``, ``ci_low``, ``ci_high``.
        """
        return self.probabilities.copy()

    def _report(self) -> tuple[str, dict[str, str], list[tuple[str, pd.DataFrame]], list[str]]:
        facts = {"Respondents": str(self.meta.data.n_input), "Waves": ", ".join(self.waves),
                 "Interval": f"{self.meta.ci_level:.0%} equal-tailed", "Gates": self.diagnostics.verdict}
        tables = [("Pr(moving toward must-be)", self.toward.set_index(["group", "attribute"])),
                  ("Time slopes (log-odds against A per wave)",
                   self.estimates.set_index(["group", "kind", "lhs", "op", "rhs"]))]
        return "Kano drift (hierarchical multinomial logit)", facts, tables, []

    def _repr_facts(self) -> str:
        text = ", ".join(f"{a}={p:.2f}" for a, p in zip(self.toward["attribute"][:4],
                                                       self.toward["p_toward_must_be"][:4], strict=True))
        return f"{len(self.attributes)} attribute(s), {len(self.waves)} waves; Pr(toward M) {text}"

    def _to_dict(self) -> dict[str, Any]:
        return {"attributes": list(self.attributes), "waves": list(self.waves), "groups": list(self.groups),
                "estimates": thaw(self.estimates.to_dict(orient="list")),
                "toward_must_be": thaw(self.toward.to_dict(orient="list")),
                "probabilities": thaw(self.probabilities.to_dict(orient="list")),
                "diagnostics": thaw(self.diagnostics.to_dict())}

    def plot_probabilities(self, category: str = "M", group: str | None = None, ax: Any = None) -> Any:
        """Draw the posterior probability of ``category`` per wave, one line per attribute.

        Parameters
        ----------
        category : {"A", "O", "M", "I"}
            The category.
        group : str, optional
            The group to draw (default: the first).
        ax : matplotlib.axes.Axes, optional
            Where to draw.

        Returns
        -------
        matplotlib.axes.Axes
        """
        from expectmodel.kano.plots import plot_drift

        if category not in DRIFT_CATEGORIES:
            raise ParameterError(f"plot_probabilities(category={category!r}): one of A, O, M, I.")
        p = self.probabilities
        p = p[(p["category"] == category) & (p["group"] == (self.groups[0] if group is None else group))]
        ax = plot_drift(p, ax=ax)
        ax.set_ylabel(f"Pr({category})")
        return ax
