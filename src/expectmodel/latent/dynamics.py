"""Expectations over survey waves: the adaptive-expectations model on the latent scale (METHODS §2.1).

Each wave's respondents answer the E and P batteries; the graded-response measurement model is shared by
all waves and both batteries (invariance), so every wave's latent levels sit on one metric. The mean
latent levels of each customer stage s and dimension d follow a Bayesian state-space model::

    E[s, 1, d]   ~ Normal(0, 2.5)                                   (initial expectations)
    P[s, t, d]   ~ Normal(0, 2.5)                                   (perceived service, each wave)
    E[s, t, d]   = E[s, t-1, d] + alpha[s] (P[s, t-1, d] - E[s, t-1, d]) + state_sd * innovation[s, t, d]

so the expectation customers bring to wave t is moved by alpha of last wave's surprise ("the expectation the
customer brings next time is set by this time's service"). A respondent's levels are the cell means plus a
person deviation, E*_n = E[s, t, d] + zeta_E, P*_n = P[s, t, d] + sigma_P zeta_P, with zeta ~ MVN(0, R) and,
with drivers, the expectations shifted by Gamma_s x_n (the "+ drivers" term). Stages whose customers have no
P battery (``design.no_perception``) get no alpha: their expectations drift (alpha = 0).

The **rising-expectations test**: alpha > 0 per stage (the posterior probability and interval), and, with
``link="free"``, satisfaction at a fixed perception falling as expectations rise (beta_E < 0 per dimension).
:meth:`DynamicsResults.forecast` gives next wave's expectations with intervals.

Panels and repeated cross-sections are both read as one row per respondent and wave; a panel's respondent
ids are checked (one row per respondent within a wave), but the person deviations of different waves are
independent in this model (the dynamics are those of the stage means), so a panel is analysed as repeated
cross-sections, which is consistent for the mean dynamics but does not use the persons' own persistence.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from expectmodel._base import Interval, Predicate
from expectmodel.errors import DataError, SpecError
from expectmodel.inference import equal_tailed
from expectmodel.latent._graph import build_graph
from expectmodel.latent._layout import Prepared
from expectmodel.latent._simulate_waves import SimulatedWaves, simulate_waves
from expectmodel.latent._waves import read_waves
from expectmodel.latent.design import Design, SurveyData
from expectmodel.latent.model import LatentExpectations
from expectmodel.latent.priors import LatentPriors
from expectmodel.latent.results import LatentResults
from expectmodel.sampling import SamplerConfig

__all__ = ["DynamicsResults", "ExpectationDynamics", "SimulatedWaves", "read_waves", "simulate_waves"]


def _is_column(v: Any) -> bool:
    return isinstance(v, str) and bool(v)


@dataclass(frozen=True)
class _DynPrepared(Prepared):
    wave: np.ndarray | None = None  # (n,) wave code per row
    waves: tuple = ()
    experienced: tuple[bool, ...] = ()  # per stage: has a P battery (an alpha)


class ExpectationDynamics(LatentExpectations):
    """Adaptive expectations over survey waves, estimated jointly with the measurement model.

    The settings of :class:`~expectmodel.latent.LatentExpectations` (E/P invariance is required), plus the
    wave column, the optional panel id and the priors of the dynamics.

    Parameters
    ----------
    design : Design
        The survey layout (E and P batteries; ``design.stage`` for alpha per stage; no ``respondent``
        column: rows are respondent-waves, see ``respondent``).
    wave : str
        The wave column (numbers, dates or an ordered categorical).
    respondent : str, optional
        The panel's respondent id column (checked: one row per respondent and wave).
    alpha_prior : (float, float)
        Normal (mean, sd) prior of each stage's alpha (not constrained to (0, 1), so the test can find
        alpha <= 0).
    state_sd_prior : float
        HalfNormal scale of the innovations' SD.
    link, drivers, scale_usage, lkj_eta, ci_level, person_parameterization, missing_values, thresholds, free_items,
    priors, sampler
        As in :class:`~expectmodel.latent.LatentExpectations`.

    Examples
    --------
    >>> sim = simulate_waves(60, waves=3, dimensions={"a": ("q1", "q2")}, seed=1)
    >>> est = ExpectationDynamics(sim.design, wave="wave", respondent="id")
    >>> est.get_params()["alpha_prior"]
    (0.3, 0.5)
    >>> ExpectationDynamics(sim.design, wave="wave", invariance=False).validate_params()
    Traceback (most recent call last):
    ...
    expectmodel.errors.ParameterError: ExpectationDynamics(invariance=False): the dynamics compare E and P on \
one latent metric and need invariance=True.

    Fitting samples (tens of seconds and up), so these lines are skipped when the doctests run:

    >>> res = est.fit(sim.data)  # doctest: +SKIP
    >>> res.alpha(), res.rising_expectations(), res.forecast()  # doctest: +SKIP
    >>> est.prior_predictive(sim.data, draws=100).coverage  # doctest: +SKIP
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        **LatentExpectations._parameter_constraints,
        "wave": [Predicate(_is_column, "a column name")],
        "respondent": [Predicate(_is_column, "a column name"), None],
        "alpha_prior": [Predicate(lambda v: isinstance(v, tuple | list) and len(v) == 2
                                  and all(isinstance(x, int | float) and not isinstance(x, bool) for x in v)
                                  and np.isfinite(v).all() and v[1] > 0, "a (mean, sd) pair with sd > 0")],
        "state_sd_prior": [Interval(float, 0, None, closed="neither")],
    }
    _what: ClassVar[str] = "The expectation-dynamics fit"

    def __init__(self, design: Design, *, wave: str, respondent: str | None = None,
                 alpha_prior: tuple[float, float] = (0.3, 0.5), state_sd_prior: float = 0.25,
                 link: str | None = None, invariance: bool = True, drivers: bool = True, scale_usage: bool = False,
                 lkj_eta: float = 2.0, ci_level: float = 0.9, batteries: tuple[str, ...] | None = None,
                 person_parameterization: str = "noncentred", missing_values: float | tuple[float, ...] = (),
                 thresholds: str = "rating", free_items: tuple[str, ...] = (), priors: LatentPriors | None = None,
                 sampler: SamplerConfig | None = None) -> None:
        super().__init__(design, link=link, invariance=invariance, drivers=drivers, scale_usage=scale_usage,
                         lkj_eta=lkj_eta, ci_level=ci_level, batteries=batteries,
                         person_parameterization=person_parameterization, missing_values=missing_values,
                         thresholds=thresholds, free_items=free_items, priors=priors, sampler=sampler)
        self.wave = wave
        self.respondent = respondent
        self.alpha_prior = alpha_prior
        self.state_sd_prior = state_sd_prior

    def _check_params(self) -> None:
        super()._check_params()
        if not self.invariance:
            raise self._param_error("invariance", "the dynamics compare E and P on one latent metric and need "
                                    "invariance=True.")
        if not {"E", "P"} <= set(self._batteries()):
            raise SpecError("expectation dynamics need the E and P batteries.")
        if self.design.respondent is not None:
            raise SpecError("rows are respondent-waves here: declare the panel id as ExpectationDynamics("
                            "respondent=...) and leave Design(respondent=None).")

    # ------------------------------------------------------------------ hooks
    def _prepare(self, data) -> _DynPrepared:
        if isinstance(data, SurveyData):
            raise DataError("ExpectationDynamics.fit takes the DataFrame (it needs the wave column).")
        codes, waves = read_waves(data, self.wave, self.respondent)
        base = super()._prepare(data)
        lay = base.layout
        experienced = tuple(str(s) not in set(map(str, self.design.no_perception)) for s in lay.stages)
        return _DynPrepared(base.data, base.config, lay, codes, waves, experienced)

    def _graph(self, prepared: _DynPrepared):
        lay = prepared.layout
        S, T, D = len(lay.stages), len(prepared.waves), lay.D
        iE, iP = lay.index("E"), lay.index("P")
        stage, wave = lay.stage.astype(np.intp), prepared.wave
        exp_idx = [s for s in range(S) if prepared.experienced[s]]
        a_mu, a_sd = (float(v) for v in self.alpha_prior)

        def level_means(pm, pt, model, identified):
            model.add_coord("wave", [str(w) for w in prepared.waves])
            model.add_coord("transition", [f"{prepared.waves[t]}->{prepared.waves[t + 1]}" for t in range(T - 1)])
            model.add_coord("experienced_stage", [str(lay.stages[s]) for s in exp_idx])
            if "stage" not in model.coords:
                model.add_coord("stage", [str(s) for s in lay.stages])
            alpha_exp = pm.Normal("alpha", a_mu, a_sd, dims="experienced_stage")
            alpha = pt.zeros(S)
            alpha = pt.set_subtensor(alpha[np.asarray(exp_idx, dtype=np.intp)], alpha_exp)
            tau = pm.HalfNormal("state_sd", float(self.state_sd_prior))
            e0 = pm.Normal("E_initial", 0.0, 2.5, dims=("stage", "dimension"))
            p_lev = pm.Normal("P_level", 0.0, 2.5, dims=("stage", "wave", "dimension"))
            innov = pm.Normal("innovation", 0.0, 1.0, dims=("stage", "transition", "dimension"))
            path = [e0]
            for t in range(1, T):
                prev = path[-1]
                path.append(prev + alpha[:, None] * (p_lev[:, t - 1] - prev) + tau * innov[:, t - 1])
            e_lev = pm.Deterministic("E_level", pt.stack(path, axis=1), dims=("stage", "wave", "dimension"))
            identified += ["alpha", "state_sd", "E_level", "P_level"]
            means = pt.zeros((lay.n, lay.B, D))
            means = pt.set_subtensor(means[:, iE, :], e_lev[stage, wave])
            return pt.set_subtensor(means[:, iP, :], p_lev[stage, wave])

        return build_graph(prepared.config, lay, level_means=level_means)

    def _reuse_key(self, prepared) -> Hashable | None:
        return None  # the rows' stage and wave enter the graph as constants: no compiled-model reuse

    def _meta_extra(self, prepared) -> dict[str, Any]:
        out = super()._meta_extra(prepared)
        out["priors"] = {**out["priors"], "mu": "none: the levels are the dynamic cell means",
                         "alpha": "Normal({}, {}) per stage with a P battery".format(*self.alpha_prior),
                         "state_sd": f"HalfNormal({float(self.state_sd_prior):g})",
                         "E_initial / P_level": "Normal(0, 2.5) per stage x dimension (x wave for P)"}
        out["waves"] = [str(w) for w in prepared.waves]
        return out

    def _results(self, prepared, tree, diagnostics, meta):
        return DynamicsResults(design=self.design, config=prepared.config, layout=prepared.layout,
                               data=prepared.data, tree=tree, diagnostics=diagnostics, meta=meta,
                               waves=tuple(prepared.waves), wave=prepared.wave,
                               experienced=tuple(prepared.experienced))

    def fit(self, data):
        """Sample the posterior and return :class:`DynamicsResults`.

        Parameters
        ----------
        data : pandas.DataFrame
            One row per respondent and wave: the design's columns and the wave column.

        Returns
        -------
        DynamicsResults
            Frozen; ``meta`` records every setting and the resolved seed.

        Raises
        ------
        DataError
            A wave column that is not orderable, a respondent id repeated within a wave, and the
            answer checks of :meth:`Design.prepare`.
        """
        return super().fit(data)


@dataclass(frozen=True, eq=False, repr=False)
class DynamicsResults(LatentResults):
    """A fitted :class:`ExpectationDynamics` model: the latent results plus alpha, paths, tests, forecasts.

    Parameters
    ----------
    waves : tuple
        The wave labels in time order.
    wave : numpy.ndarray
        Each row's wave code.
    experienced : tuple of bool
        Per stage: whether it has a P battery (and so an alpha).
    **fields
        As :class:`~expectmodel.latent.LatentResults`.

    Examples
    --------
    Built by :meth:`ExpectationDynamics.fit` (which samples), so these lines are skipped:

    >>> res.alpha()  # doctest: +SKIP
    >>> res.paths().xs("E", level="battery")  # doctest: +SKIP
    >>> res.forecast()  # doctest: +SKIP

    The latent results' tables work as for :class:`~expectmodel.latent.LatentResults` (person scores on the
    dynamic means):

    >>> res.to_frame(), res.draws("alpha"), res.items(), res.cutpoints()  # doctest: +SKIP
    >>> res.scores(), res.score_reliability(), res.bands(), res.correlations()  # doctest: +SKIP
    >>> res.parameters(), res.log_likelihood(), res.loo("answers"), res.ppc(draws=100)  # doctest: +SKIP
    >>> res.link(), res.drivers()  # with a link and drivers  # doctest: +SKIP
    >>> ax = res.plot_drivers()  # with drivers  # doctest: +SKIP
    >>> res.to_netcdf("dynamics.nc")  # doctest: +SKIP
    """

    schema: ClassVar[str] = "expectmodel.latent.dynamics"

    waves: tuple = ()
    wave: Any = None
    experienced: tuple = ()

    def _stage_labels(self) -> list[str]:
        return [str(s) for s in self.layout.stages]

    def alpha(self) -> pd.DataFrame:
        """Return alpha per stage (the share of last wave's surprise that moves expectations).

        Returns
        -------
        pandas.DataFrame
            Index ``stage`` (stages with a P battery); ``mean``, ``std_error``, ``ci_low``, ``ci_high`` and
            ``prob_positive``.

        Examples
        --------
        >>> res.alpha().loc["long-term", "prob_positive"]  # doctest: +SKIP
        """
        a = self.draws("alpha")
        lo, hi = equal_tailed(a, self.ci_level)
        idx = pd.Index([s for s, e in zip(self._stage_labels(), self.experienced, strict=True) if e], name="stage")
        out = pd.DataFrame({"mean": a.mean(0), "std_error": a.std(0, ddof=1), "ci_low": lo, "ci_high": hi,
                            "prob_positive": (a > 0).mean(0)}, index=idx)
        out.attrs["ci_level"] = self.ci_level
        return out

    def paths(self) -> pd.DataFrame:
        """Return the latent mean levels per stage, wave, battery and dimension, and the gap P - E.

        Returns
        -------
        pandas.DataFrame
            Index (``stage``, ``wave``, ``battery`` in E, P, gap, ``dimension``); ``mean``, ``std_error``,
            ``ci_low``, ``ci_high``.

        Examples
        --------
        >>> res.paths().xs("gap", level="battery")  # doctest: +SKIP
        """
        e, p = self.draws("E_level"), self.draws("P_level")
        blocks = {"E": e, "P": p, "gap": p - e}
        rows = []
        for name, x in blocks.items():
            lo, hi = equal_tailed(x.reshape(x.shape[0], -1), self.ci_level)
            idx = pd.MultiIndex.from_product([self._stage_labels(), [str(w) for w in self.waves], [name],
                                              list(self.layout.dims)],
                                             names=["stage", "wave", "battery", "dimension"])
            flat = x.reshape(x.shape[0], -1)
            rows.append(pd.DataFrame({"mean": flat.mean(0), "std_error": flat.std(0, ddof=1), "ci_low": lo,
                                      "ci_high": hi}, index=idx))
        out = pd.concat(rows).sort_index(level=["stage", "wave"], sort_remaining=False)
        out.attrs["ci_level"] = self.ci_level
        return out

    def forecast(self, *, seed: int = 0) -> pd.DataFrame:
        """Forecast next wave's expectations per stage and dimension, with intervals.

        E[next] = E[last] + alpha (P[last] - E[last]) + state_sd * innovation, drawn per posterior draw (the
        innovation from its model, seeded), so the interval holds the parameters' uncertainty and the
        state noise. Stages without a P battery drift (alpha = 0).

        Parameters
        ----------
        seed : int
            Seed of the innovations.

        Returns
        -------
        pandas.DataFrame
            Index (``stage``, ``dimension``); ``mean``, ``std_error``, ``ci_low``, ``ci_high`` and
            ``change`` (the forecast minus the last wave's level, posterior mean).

        Examples
        --------
        >>> res.forecast().loc["long-term"]  # doctest: +SKIP
        """
        rng = np.random.default_rng(seed)
        e, p, tau = self.draws("E_level"), self.draws("P_level"), self.draws("state_sd")
        S = e.shape[1]
        alpha = np.zeros((e.shape[0], S))
        alpha[:, np.asarray(self.experienced, bool)] = self.draws("alpha")
        last_e, last_p = e[:, :, -1, :], p[:, :, -1, :]
        nxt = last_e + alpha[:, :, None] * (last_p - last_e) + tau[:, None, None] * rng.standard_normal(last_e.shape)
        flat = nxt.reshape(nxt.shape[0], -1)
        lo, hi = equal_tailed(flat, self.ci_level)
        idx = pd.MultiIndex.from_product([self._stage_labels(), list(self.layout.dims)], names=["stage", "dimension"])
        out = pd.DataFrame({"mean": flat.mean(0), "std_error": flat.std(0, ddof=1), "ci_low": lo, "ci_high": hi,
                            "change": (nxt - last_e).reshape(nxt.shape[0], -1).mean(0)}, index=idx)
        out.attrs["ci_level"] = self.ci_level
        return out

    def rising_expectations(self) -> pd.DataFrame:
        """Return the rising-expectations test.

        Rows ``alpha[stage]``: the posterior probability that alpha > 0 (expectations follow experience).
        With ``link="free"`` also ``beta_E[dimension]``: the probability that beta_E < 0 (satisfaction at a
        fixed perception falls as expectations rise). Under ``link="gap"`` that is assumed (beta_E = -beta_P),
        not tested, and the rows are left out.

        Returns
        -------
        pandas.DataFrame
            Index ``quantity``; ``mean``, ``ci_low``, ``ci_high``, ``probability`` (of the direction the
            claim predicts) and ``claim``.

        Examples
        --------
        >>> res.rising_expectations()  # doctest: +SKIP
        """
        rows = []
        a = self.alpha()
        for stage, r in a.iterrows():
            rows.append({"quantity": f"alpha[{stage}]", "mean": r["mean"], "ci_low": r["ci_low"],
                         "ci_high": r["ci_high"], "probability": r["prob_positive"], "claim": "alpha > 0"})
        if self.config.link == "free":
            b = self.draws("beta_E")
            lo, hi = equal_tailed(b, self.ci_level)
            for d, dim in enumerate(self.layout.dims):
                rows.append({"quantity": f"beta_E[{dim}]", "mean": float(b[:, d].mean()), "ci_low": lo[d],
                             "ci_high": hi[d], "probability": float((b[:, d] < 0).mean()), "claim": "beta_E < 0"})
        out = pd.DataFrame(rows).set_index("quantity")
        out.attrs["ci_level"] = self.ci_level
        return out

    # -- the contract: the dynamic quantities replace the static levels
    def dimensions(self) -> pd.DataFrame:
        """Return :meth:`paths` (the static model's levels are the dynamic cell means here).

        Returns
        -------
        pandas.DataFrame
            As :meth:`paths`.

        Examples
        --------
        >>> res.dimensions()  # doctest: +SKIP
        """
        return self.paths()

    @property
    def _parameter_draws(self) -> tuple[pd.DataFrame, np.ndarray]:
        if "dyn_draws" in self._cache:
            return self._cache["dyn_draws"]
        rows, draws = LatentResults._parameter_draws.func(self)
        keep = ~rows["kind"].isin(["level", "gap"]).to_numpy()
        rows, draws = rows[keep].reset_index(drop=True), draws[:, keep]
        extra_rows, extra = [], []
        a = self.draws("alpha")
        for k, stage in enumerate(s for s, e in zip(self._stage_labels(), self.experienced, strict=True) if e):
            extra_rows.append(("alpha", "E", "~", "P-E[t-1]", stage))
            extra.append(a[:, k])
        extra_rows.append(("sigma", "state", "sd", "", ""))
        extra.append(self.draws("state_sd"))
        e, p = self.draws("E_level"), self.draws("P_level")
        for s, stage in enumerate(self._stage_labels()):
            for t, w in enumerate(self.waves):
                for d, dim in enumerate(self.layout.dims):
                    for name, x in (("E", e), ("P", p)):
                        extra_rows.append(("level", name, "mean", dim, f"{stage}|{w}"))
                        extra.append(x[:, s, t, d])
                    extra_rows.append(("gap", "P-E", "mean", dim, f"{stage}|{w}"))
                    extra.append(p[:, s, t, d] - e[:, s, t, d])
        head = pd.DataFrame(extra_rows, columns=rows.columns)
        out = (pd.concat([head, rows], ignore_index=True), np.concatenate([np.stack(extra, 1), draws], axis=1))
        self._cache["dyn_draws"] = out
        return out

    def summary(self, digits: int = 3):
        """Return the report: the latent model's facts, alpha per stage and the forecast.

        Parameters
        ----------
        digits : int
            Decimals shown.

        Returns
        -------
        Summary
            Render with ``str()``, ``.as_html()``, ``.as_latex()``.

        Examples
        --------
        >>> print(res.summary())  # doctest: +SKIP
        """
        s = super().summary(digits)
        s.title = "Expectation dynamics (adaptive expectations on the latent scale)"
        s.facts["waves"] = ", ".join(map(str, self.waves))
        s.add_table("Adaptive-expectations coefficient alpha per stage", self.alpha())
        s.add_table("Next wave's expectations (forecast)", self.forecast())
        return s

    def plot_gaps(self, ax=None, *, stage: str | None = None, wave=None):
        """Plot the latent gap P - E per dimension in one stage and wave (default: the first stage, last wave).

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Where to draw.
        stage : str, optional
            The stage.
        wave : optional
            The wave label.

        Returns
        -------
        matplotlib.axes.Axes
            The axes drawn on.

        Examples
        --------
        >>> ax = res.plot_gaps(stage="long-term", wave=3)  # doctest: +SKIP
        """
        from expectmodel.latent.plots import plot_gaps

        stage = self._stage_labels()[0] if stage is None else str(stage)
        wave = str(self.waves[-1] if wave is None else wave)
        t = self.paths().xs((stage, wave, "gap"), level=("stage", "wave", "battery"))
        t = pd.concat({"gap_P-E": t}, names=["quantity"])
        ax = plot_gaps(t, ci_level=self.ci_level, ax=ax)
        ax.set_title(f"Perception minus expectation by dimension ({stage}, wave {wave})")
        return ax

    def scoring_spec(self, **kwargs) -> dict[str, Any]:
        """Not offered: a new respondent's prior depends on the stage x wave cell, and future waves on forecasts.

        Parameters
        ----------
        **kwargs
            Ignored.

        Returns
        -------
        dict
            Never returns.

        Raises
        ------
        SpecError
            Always.

        Examples
        --------
        >>> res.scoring_spec()  # doctest: +SKIP
        """
        raise SpecError("scoring new respondents is not offered for the dynamics model; fit LatentExpectations "
                        "to the wave of interest to score it.")
