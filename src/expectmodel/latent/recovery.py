"""Service recovery and the recovery paradox on the latent satisfaction scale (METHODS §2.1).

Overall satisfaction (one ordinal item) is an ordered logit in a latent satisfaction::

    Pr(S_n <= k) = logistic(cut[k] - eta_n)
    eta_n = level[stage_n] + failure_n * (fail[stage_n, severity_n] + recovered_n * recover[stage_n, severity_n])

with centred cut-points (so a level is read against the scale midpoint). Per stage and failure severity,
``fail`` is the effect of a failure left unrecovered and ``fail + recover`` the effect of a failure that was
recovered, both against customers of the same stage without a failure. The **recovery paradox** holds in a
cell when ``fail + recover > 0``: a recovered failure leaves the customer more satisfied than no failure at
all (de Matos, Henrique & Rossi 2007 found it for satisfaction, not for loyalty). The pooled paradox effect
averages the cells, weighted by their recovered failures. Effects are associations unless failures and
recoveries were assigned at random.

:class:`ServiceRecovery` is a :class:`~expectmodel.sampling.BayesianEstimator`; :func:`simulate_recovery`
draws data with known truth.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from expectmodel._base import InstanceOf, Interval, Predicate
from expectmodel.data import Scale, read_grouping, read_items
from expectmodel.data.read import is_codes
from expectmodel.errors import DataError
from expectmodel.inference import equal_tailed
from expectmodel.measurement.ordinal import centred_cutpoints, draw_ordinal, ordinal_logp, padded
from expectmodel.results import KEY_COLUMNS, PARAMETER_COLUMNS, DataInfo, Meta, ResultsBase, fingerprint, thaw
from expectmodel.sampling import BayesianEstimator, SamplerConfig
from expectmodel.summary import Summary

__all__ = ["RecoveryResults", "ServiceRecovery", "simulate_recovery"]

_NO_STAGE = "all"
_NO_SEVERITY = "any"


@dataclass(frozen=True)
class _Prepared:
    y: np.ndarray  # (n,) category 0..K-1, -1 where missing
    failure: np.ndarray  # (n,) 0/1
    recovered: np.ndarray  # (n,) 0/1 (0 without a failure)
    stage: np.ndarray  # (n,) code
    severity: np.ndarray  # (n,) code (0 without a failure)
    stages: tuple[str, ...]
    severities: tuple[str, ...]
    K: int
    index: pd.Index
    n_input: int


def _is_column(v: Any) -> bool:
    return isinstance(v, str) and bool(v)


class ServiceRecovery(BayesianEstimator):
    """Satisfaction after a service failure and its recovery, against no failure, by stage and severity.

    Parameters
    ----------
    satisfaction : str
        The overall-satisfaction column (ordinal answers on ``scale``).
    failure : str
        The failure indicator column: 1 = the customer experienced a service failure, 0 = none.
    recovered : str
        The recovery indicator column: 1 = the failure was recovered, 0 = not (must be 0 or missing
        where there was no failure).
    scale : (int, int)
        Lowest and highest satisfaction category.
    stage : str, optional
        The customer-stage column (effects per stage).
    severity : str, optional
        The failure-severity column (read for failures only; effects per severity).
    prior_sd : float
        SD of the Normal(0, prior_sd) priors of the failure and recovery effects (logit scale).
    missing_values : number or sequence of numbers
        Satisfaction codes meaning "no answer".
    ci_level : float
        Probability of every reported equal-tailed interval.
    sampler : SamplerConfig, optional
        How the posterior is drawn (default ``SamplerConfig()``).

    Examples
    --------
    >>> sim = simulate_recovery(300, seed=1)
    >>> est = ServiceRecovery("satisfaction", "failure", "recovered", scale=(1, 7), stage="stage",
    ...                       severity="severity", sampler=SamplerConfig(draws=300, tune=300, chains=2, seed=1))
    >>> est.get_params()["prior_sd"]
    1.0
    >>> ServiceRecovery("satisfaction", None, "recovered", scale=(1, 7)).validate_params()
    Traceback (most recent call last):
    ...
    expectmodel.errors.ParameterError: ServiceRecovery(failure=None): failure must be a column name; got None.

    Fitting samples (seconds), so these lines are skipped when the doctests run:

    >>> res = est.fit(sim.data)  # doctest: +SKIP
    >>> res.paradox()  # recovered vs no failure per stage x severity, and pooled  # doctest: +SKIP
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "satisfaction": [Predicate(_is_column, "a column name")],
        "failure": [Predicate(_is_column, "a column name")],
        "recovered": [Predicate(_is_column, "a column name")],
        "scale": [Predicate(lambda v: isinstance(v, tuple | list) and len(v) == 2
                            and all(isinstance(x, int | np.integer) and not isinstance(x, bool) for x in v)
                            and v[1] - v[0] >= 1, "a (low, high) pair of integers with high > low")],
        "stage": [Predicate(_is_column, "a column name"), None],
        "severity": [Predicate(_is_column, "a column name"), None],
        "prior_sd": [Interval(float, 0, None, closed="neither")],
        "missing_values": [Predicate(is_codes, "a number or a sequence of numbers (codes meaning no answer)")],
        "ci_level": [Interval(float, 0, 1, closed="neither")],
        "sampler": [InstanceOf(SamplerConfig), None],
    }
    _what: ClassVar[str] = "The service-recovery fit"
    _observation_dim: ClassVar[str] = "respondent"

    def __init__(self, satisfaction: str, failure: str, recovered: str, *, scale: tuple[int, int] = (1, 7),
                 stage: str | None = None, severity: str | None = None, prior_sd: float = 1.0,
                 missing_values: float | tuple[float, ...] = (), ci_level: float = 0.9,
                 sampler: SamplerConfig | None = None) -> None:
        self.satisfaction = satisfaction
        self.failure = failure
        self.recovered = recovered
        self.scale = scale
        self.stage = stage
        self.severity = severity
        self.prior_sd = prior_sd
        self.missing_values = missing_values
        self.ci_level = ci_level
        self.sampler = sampler

    # ------------------------------------------------------------------ data
    def _prepare(self, data: pd.DataFrame) -> _Prepared:
        if not isinstance(data, pd.DataFrame):
            raise DataError(f"ServiceRecovery.fit takes a pandas DataFrame; got {type(data).__name__}.")
        for role, col in (("failure indicator", self.failure), ("recovery indicator", self.recovered)):
            if col not in data.columns:
                raise DataError(f"recovery data need a {role} column: {col!r} is not among the columns "
                                f"{list(map(str, data.columns))[:12]}; code it 1 = yes, 0 = no for every customer.")
        low, high = (int(v) for v in self.scale)
        sat = read_items(data, [self.satisfaction], scales=Scale(low, high), missing_values=self.missing_values,
                         owner={self.satisfaction: "satisfaction"}).values[:, 0]
        fail = self._indicator(data, self.failure, "failure")
        if np.isnan(fail).any():
            row = data.index[int(np.flatnonzero(np.isnan(fail))[0])]
            raise DataError(f"the failure indicator {self.failure!r} is missing at row {row!r}; every customer "
                            "needs 1 (a failure) or 0 (none).")
        rec = self._indicator(data, self.recovered, "recovered")
        failed = fail == 1
        wrong = ~failed & (rec == 1)
        if wrong.any():
            row = data.index[int(np.flatnonzero(wrong)[0])]
            raise DataError(f"row {row!r} has {self.recovered!r} = 1 but {self.failure!r} = 0: only a failure can "
                            "be recovered.")
        if np.isnan(rec[failed]).any():
            row = data.index[int(np.flatnonzero(failed & np.isnan(rec))[0])]
            raise DataError(f"the recovery indicator {self.recovered!r} is missing at row {row!r}, a failure; "
                            "code every failure 1 (recovered) or 0 (not).")
        if not failed.any() or failed.all():
            raise DataError("recovery data need customers with and without a failure; "
                            f"{self.failure!r} is {int(failed[0])} for every row.")
        rec = np.where(failed, rec, 0.0)
        if self.stage is not None:
            g = read_grouping(data, self.stage, levels_name="stages")
            stage, stages = np.asarray(g.codes, np.intp), tuple(map(str, g.levels))
        else:
            stage, stages = np.zeros(len(data), np.intp), (_NO_STAGE,)
        severity = np.zeros(len(data), np.intp)
        severities: tuple[str, ...] = (_NO_SEVERITY,)
        if self.severity is not None:
            g = read_grouping(data.loc[failed], self.severity, levels_name="severities")
            severity[failed] = np.asarray(g.codes, np.intp)
            severities = tuple(map(str, g.levels))
        y = np.where(np.isnan(sat), -1, sat - low).astype(np.intp)
        return _Prepared(y, fail.astype(np.intp), rec.astype(np.intp), stage, severity, stages, severities,
                         high - low + 1, data.index, len(data))

    @staticmethod
    def _indicator(data: pd.DataFrame, col: str, what: str) -> np.ndarray:
        x = pd.to_numeric(data[col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        bad = ~np.isnan(x) & (x != 0) & (x != 1)
        text = data[col].notna().to_numpy() & np.isnan(x)
        if bad.any() or text.any():
            i = int(np.flatnonzero(bad | text)[0])
            raise DataError(f"the {what} indicator {col!r} must be 0 or 1; row {data.index[i]!r} holds "
                            f"{data[col].iloc[i]!r}.")
        return x

    # ------------------------------------------------------------------ the template's hooks
    def _graph(self, prep: _Prepared):
        from expectmodel.sampling import configure_pytensor

        configure_pytensor()
        import pymc as pm
        import pytensor.tensor as pt

        from expectmodel.measurement.ordinal import cutpoints_graph, ordinal_logp_graph

        K = prep.K
        keep = prep.y >= 0
        coords = {"stage": list(prep.stages), "severity": list(prep.severities),
                  "cutpoint": [f"{k}|{k + 1}" for k in range(1, K)]}
        with pm.Model(coords=coords) as model:
            level = pm.Normal("level", 0.0, 2.5, dims="stage")
            fail = pm.Normal("fail", 0.0, float(self.prior_sd), dims=("stage", "severity"))
            recover = pm.Normal("recover", 0.0, float(self.prior_sd), dims=("stage", "severity"))
            pm.Deterministic("paradox", fail + recover, dims=("stage", "severity"))
            cut = cutpoints_graph("cut", K, (), ("cutpoint",))
            st, sv = prep.stage[keep], prep.severity[keep]
            eta = level[st] + prep.failure[keep] * (fail[st, sv] + prep.recovered[keep] * recover[st, sv])
            cp = pt.concatenate([pt.as_tensor([-1e3]), cut, pt.as_tensor([1e3])])
            yk = prep.y[keep]
            pm.Potential("answers", ordinal_logp_graph(eta, cp[yk], cp[yk + 1]).sum())
        return model, ["level", "fail", "recover", "cut"]

    def _reuse_key(self, prep: _Prepared) -> Hashable | None:
        return None  # the data enter as constants: every fit compiles its own (a small model)

    def _log_likelihood(self, prep: _Prepared, posterior) -> dict[str, np.ndarray]:
        c, d = posterior.sizes["chain"], posterior.sizes["draw"]
        p = {k: np.asarray(posterior[k].values).reshape(c * d, *posterior[k].shape[2:])
             for k in ("level", "fail", "recover", "cut")}
        eta = _eta(p, prep)
        keep = prep.y >= 0
        cp = padded(p["cut"])
        y = np.where(keep, prep.y, 0)
        ll = ordinal_logp(y, eta, cp[:, y], cp[:, y + 1]) * keep
        return {"satisfaction": ll.reshape(c, d, -1)}

    def _data_info(self, prep: _Prepared) -> DataInfo:
        used = int((prep.y >= 0).sum())
        return DataInfo(n_input=prep.n_input, n_used=used, n_dropped=prep.n_input - used,
                        missing="satisfaction missing: the row weighs 0",
                        columns=tuple(c for c in (self.satisfaction, self.failure, self.recovered, self.stage,
                                                  self.severity) if c is not None),
                        fingerprint=fingerprint(prep.y, prep.failure, prep.recovered, prep.stage, prep.severity),
                        extra={"stages": list(prep.stages), "severities": list(prep.severities)})

    def _meta_extra(self, prep: _Prepared) -> dict[str, Any]:
        return {"priors": {"level": "Normal(0, 2.5) per stage",
                           "fail / recover": f"Normal(0, {float(self.prior_sd):g}) per stage x severity",
                           "cut_gaps": "log gap ~ Normal(log(6 / (K - 2)), 0.5)"}}

    def _meta_fields(self, prep: _Prepared) -> dict[str, Any]:
        return {"conventions": {
            "measurement": "satisfaction modelled as ordinal (ordered logit, METHODS D2), centred cut-points",
            "paradox": "fail + recover: a recovered failure against no failure, same stage (logit scale)",
            "pooled": "cells weighted by their recovered failures",
            "estimate": "posterior mean", "std_error": "posterior standard deviation"}}

    def _results(self, prep: _Prepared, tree, diagnostics, meta: Meta) -> RecoveryResults:
        return RecoveryResults(prepared=prep, tree=tree, diagnostics=diagnostics, meta=meta)

    def _prior_check(self, prep: _Prepared, prior, seed: int) -> pd.DataFrame:
        p = {k: np.asarray(prior[k].values).reshape(-1, *prior[k].shape[2:]) for k in ("level", "fail", "recover",
                                                                                         "cut")}
        rng = np.random.default_rng(seed)
        eta = _eta(p, prep)
        sim = draw_ordinal(rng, eta, np.broadcast_to(p["cut"][:, None, :], (*eta.shape, prep.K - 1)))
        keep = prep.y >= 0
        share = np.stack([(sim[:, keep] == k).mean(axis=1) for k in range(prep.K)], axis=1)
        lo, hi = equal_tailed(share, float(self.ci_level))
        low = int(self.scale[0])
        out = pd.DataFrame({"observed": np.bincount(prep.y[keep], minlength=prep.K) / keep.sum(),
                            "predicted": share.mean(axis=0), "ci_low": lo, "ci_high": hi},
                           index=pd.Index(range(low, low + prep.K), name="category"))
        out.attrs["ci_level"] = float(self.ci_level)
        return out

    def prior_predictive(self, data: pd.DataFrame, *, draws: int = 200, seed: int = 0) -> pd.DataFrame:
        """Simulate satisfaction answers from the priors (METHODS §6 step 1).

        Parameters
        ----------
        data : pandas.DataFrame
            Fixes the customers (failures, recoveries, stages, severities).
        draws : int
            Prior draws.
        seed : int
            Random seed.

        Returns
        -------
        pandas.DataFrame
            Index ``category``: ``observed`` share, prior predictive ``predicted`` share and its interval.

        Examples
        --------
        Drawing from the priors builds the model (seconds), so this line is skipped:

        >>> ServiceRecovery("satisfaction", "failure", "recovered").prior_predictive(sim.data)  # doctest: +SKIP
        """
        return super().prior_predictive(data, draws=draws, seed=seed)

    def fit(self, data: pd.DataFrame) -> RecoveryResults:
        """Sample the posterior and return :class:`RecoveryResults`.

        Parameters
        ----------
        data : pandas.DataFrame
            One row per customer with the satisfaction, failure and recovery columns (and stage, severity).

        Returns
        -------
        RecoveryResults
            Frozen; ``meta`` records every setting and the resolved seed.

        Raises
        ------
        DataError
            No failure indicator column, an indicator that is not 0/1, a recovery without a failure, no
            customers with (or without) a failure, an answer outside the scale.
        """
        return super().fit(data)


def _eta(p: dict, prep: _Prepared) -> np.ndarray:
    """Latent satisfaction per draw and respondent: (S, n)."""
    st, sv = prep.stage, prep.severity
    return (p["level"][:, st] + prep.failure * (p["fail"][:, st, sv] + prep.recovered * p["recover"][:, st, sv]))


@dataclass(frozen=True, eq=False, repr=False)
class RecoveryResults(ResultsBase):
    """A fitted :class:`ServiceRecovery` model.

    Parameters
    ----------
    prepared : object
        The validated data (codes, stages, severities).
    tree : xarray.DataTree
        Posterior, sample statistics and the per-respondent ``log_likelihood`` group.
    diagnostics : Diagnostics
        What the convergence gates saw.
    meta : Meta
        Settings, sampler, resolved seed, priors, versions.

    Examples
    --------
    Built by :meth:`ServiceRecovery.fit` (which samples), so these lines are skipped:

    >>> res.paradox()  # doctest: +SKIP
    >>> res.to_frame().query("kind == 'paradox'")  # doctest: +SKIP
    """

    schema: ClassVar[str] = "expectmodel.latent.recovery"
    schema_version: ClassVar[int] = 1

    prepared: Any
    tree: Any
    diagnostics: Any
    meta: Meta
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def ci_level(self) -> float:
        """The interval probability of every reported interval."""
        return float(self.meta.ci_level)

    def draws(self, name: str) -> np.ndarray:
        """Return a posterior variable (``level``, ``fail``, ``recover``, ``paradox``, ``cut``), draws first.

        Parameters
        ----------
        name : str
            The variable.

        Returns
        -------
        numpy.ndarray
            (chains x draws, *shape*).

        Examples
        --------
        >>> res.draws("paradox").shape  # (draws, stages, severities)  # doctest: +SKIP
        """
        v = np.asarray(self.tree["posterior"][name].values)
        return v.reshape((-1, *v.shape[2:]))

    def _cells(self) -> tuple[np.ndarray, np.ndarray]:
        """Recovered failures per (stage, severity) cell, and whether each cell has any failure."""
        p = self.prepared
        S, V = len(p.stages), len(p.severities)
        rec = np.zeros((S, V))
        fails = np.zeros((S, V))
        np.add.at(rec, (p.stage, p.severity), p.recovered * (p.y >= 0))
        np.add.at(fails, (p.stage, p.severity), p.failure * (p.y >= 0))
        return rec, fails > 0

    @cached_property
    def _parameter_draws(self) -> tuple[pd.DataFrame, np.ndarray]:
        p = self.prepared
        rows, cols = [], []

        def add(kind, rhs, group, x):
            rows.append((kind, "satisfaction", "~", rhs, group))
            cols.append(np.asarray(x, float))

        lev, fail, rec, par = (self.draws(k) for k in ("level", "fail", "recover", "paradox"))
        for s, st in enumerate(p.stages):
            add("level", "no failure", st, lev[:, s])
        weights, observed = self._cells()
        for s, st in enumerate(p.stages):
            for v, sev in enumerate(p.severities):
                if not observed[s, v]:
                    continue
                group = f"{st}|{sev}"
                add("failure", "failure, not recovered", group, fail[:, s, v])
                add("recovery", "recovery", group, rec[:, s, v])
                add("paradox", "recovered - no failure", group, par[:, s, v])
        if weights.sum() > 0:
            w = weights / weights.sum()
            add("paradox", "recovered - no failure", "", (par * w[None]).sum(axis=(1, 2)))
        cut = self.draws("cut")
        for k in range(cut.shape[1]):
            rows.append(("cutpoint", "satisfaction", "|", f"{k + 1}|{k + 2}", ""))
            cols.append(cut[:, k])
        return pd.DataFrame(rows, columns=list(KEY_COLUMNS)), np.stack(cols, axis=1)

    def _draws_frame(self) -> tuple[pd.DataFrame, np.ndarray]:
        rows, draws = self._parameter_draws
        return rows.assign(estimate=draws.mean(axis=0)), draws

    def to_frame(self) -> pd.DataFrame:
        """One row per parameter (:data:`~expectmodel.results.PARAMETER_COLUMNS`).

        Kinds: ``level`` (no failure, per stage), ``failure`` (a failure not recovered), ``recovery`` (the
        recovery's effect), ``paradox`` (recovered vs no failure; group ``"stage|severity"``, ``""`` pooled),
        ``cutpoint``.

        Returns
        -------
        pandas.DataFrame
            Posterior means, SDs and equal-tailed intervals at ``meta.ci_level``.
        """
        rows, draws = self._parameter_draws
        lo, hi = equal_tailed(draws, self.ci_level)
        out = rows.assign(estimate=draws.mean(0), std_error=draws.std(0, ddof=1), ci_low=lo, ci_high=hi)
        out = out[list(PARAMETER_COLUMNS)]
        out.attrs["ci_level"] = self.ci_level
        return out

    def paradox(self) -> pd.DataFrame:
        """Return the recovery-paradox test: recovered failure vs no failure, per stage x severity and pooled.

        Returns
        -------
        pandas.DataFrame
            Index ``cell`` (``"stage|severity"``, ``"pooled"``); columns ``estimate``, ``std_error``,
            ``ci_low``, ``ci_high`` (logit scale), ``prob_positive`` (posterior probability of the
            paradox) and ``recovered`` (customers with a recovered failure).
        """
        rows, draws = self._parameter_draws
        sel = (rows["kind"] == "paradox").to_numpy()
        x = draws[:, sel]
        lo, hi = equal_tailed(x, self.ci_level)
        cells = [g if g else "pooled" for g in rows.loc[sel, "group"]]
        weights, observed = self._cells()
        n_rec = [int(weights[s, v]) for s, v in zip(*np.nonzero(observed), strict=True)]
        if len(cells) > len(n_rec):
            n_rec.append(int(weights.sum()))  # the pooled row
        out = pd.DataFrame({"estimate": x.mean(0), "std_error": x.std(0, ddof=1), "ci_low": lo, "ci_high": hi,
                            "prob_positive": (x > 0).mean(0), "recovered": n_rec},
                           index=pd.Index(cells, name="cell"))
        out.attrs["ci_level"] = self.ci_level
        return out

    def summary(self, digits: int = 3) -> Summary:
        """Return the report: facts and the paradox table.

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
        >>> print(res.summary(digits=2))  # doctest: +SKIP
        """
        s = Summary("Service recovery (ordered logit on latent satisfaction)", digits=digits)
        dg = self.diagnostics
        cfg = self.meta["sampler"]
        s.facts.update({"customers": str(self.meta.data.n_used), "stages": ", ".join(self.prepared.stages),
                        "severities": ", ".join(self.prepared.severities),
                        "sampler": f"{cfg['used']} ({cfg['method']})", "gates": dg.verdict,
                        "seed": str(self.meta.seed), "interval": f"{self.ci_level:.0%} equal-tailed"})
        s.add_table("Recovery paradox: recovered failure minus no failure (logit scale)", self.paradox())
        s.notes.append("Positive = the recovery paradox (more satisfied than without a failure). Associations "
                       "unless failures and recoveries were randomised.")
        return s

    def _repr_facts(self) -> str:
        return (f"n={self.meta.data.n_used}, {len(self.prepared.stages)} stage(s), "
                f"{len(self.prepared.severities)} severity level(s), gates {self.diagnostics.verdict}")

    def _to_dict(self) -> dict[str, Any]:
        return {"ci_level": self.ci_level, "parameters": thaw(self.to_frame().to_dict(orient="records")),
                "diagnostics": thaw(self.diagnostics.to_dict())}


@dataclass(frozen=True)
class SimulatedRecovery:
    """Simulated recovery data and the generating parameters.

    The truth holds ``level``, ``fail``, ``recover``, ``paradox``, ``cut`` and ``pooled_paradox``.

    Parameters
    ----------
    data : pandas.DataFrame
        Columns ``satisfaction``, ``failure``, ``recovered``, ``stage``, ``severity``.
    truth : dict
        The parameters.
    """

    data: pd.DataFrame
    truth: dict


def simulate_recovery(n: int = 600, *, stages: Sequence[str] = ("first-time", "long-term"),
                      severities: Sequence[str] = ("minor", "major"), scale: tuple[int, int] = (1, 7),
                      failure_rate: float = 0.4, recovery_rate: float = 0.5,
                      truth: dict | None = None, seed: int = 0) -> SimulatedRecovery:
    """Draw recovery data from known parameters.

    By default a failure lowers latent satisfaction (more for major failures) and a recovery more than
    makes up for a minor one (the paradox) but not for a major one.

    Parameters
    ----------
    n : int
        Customers.
    stages, severities : sequence of str
        Customer stages and failure severities.
    scale : (int, int)
        Satisfaction categories.
    failure_rate, recovery_rate : float
        Share of customers with a failure, and of failures recovered.
    truth : dict, optional
        Overrides of ``level`` (stages,), ``fail`` and ``recover`` (stages, severities).
    seed : int
        Random seed.

    Returns
    -------
    SimulatedRecovery
        The data and the truth (with ``paradox = fail + recover`` and the pooled paradox, weighted
        by the recovered failures drawn).

    Examples
    --------
    >>> sim = simulate_recovery(200, seed=3)
    >>> sim.data.columns.tolist()
    ['satisfaction', 'failure', 'recovered', 'stage', 'severity']
    >>> sim.truth["paradox"].shape
    (2, 2)
    """
    rng = np.random.default_rng(seed)
    S, V = len(stages), len(severities)
    K = scale[1] - scale[0] + 1
    t = {"level": np.linspace(0.3, 1.0, S),
         "fail": np.tile(np.linspace(-0.8, -1.8, V), (S, 1)),
         "recover": np.tile(np.linspace(1.4, 1.2, V), (S, 1))}
    for k, v in (truth or {}).items():
        t[k] = np.asarray(v, dtype=float)
    t["paradox"] = t["fail"] + t["recover"]
    t["cut"] = centred_cutpoints(np.full(K - 2, 5.0 / max(K - 2, 1)))
    stage = rng.integers(S, size=n)
    failure = (rng.uniform(size=n) < failure_rate).astype(int)
    severity = np.where(failure == 1, rng.integers(V, size=n), 0)
    recovered = failure * (rng.uniform(size=n) < recovery_rate)
    prep = _Prepared(np.zeros(n, np.intp), failure, recovered, stage, severity, tuple(stages), tuple(severities),
                     K, pd.RangeIndex(n), n)
    eta = _eta({k: t[k][None] for k in ("level", "fail", "recover")}, prep)[0]
    y = draw_ordinal(rng, eta, np.broadcast_to(t["cut"], (n, K - 1))) + scale[0]
    weights = np.zeros((S, V))
    np.add.at(weights, (stage, severity), recovered)
    t["pooled_paradox"] = float((t["paradox"] * weights).sum() / weights.sum())
    frame = pd.DataFrame({"satisfaction": y.astype(float), "failure": failure, "recovered": recovered,
                          "stage": pd.Categorical(np.asarray(stages)[stage], categories=list(stages)),
                          "severity": pd.Categorical(np.where(failure == 1, np.asarray(severities, dtype=object)
                                                              [severity], None), categories=list(severities))})
    return SimulatedRecovery(frame, t)
