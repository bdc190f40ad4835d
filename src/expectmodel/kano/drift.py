"""Drift of Kano categories over survey waves: the life cycle I -> A -> O -> M (Kano 2001; METHODS §4).

:class:`KanoDrift` fits, per attribute (and group), a cumulative-logit model of category *maturity* on
time (statsmodels ``OrderedModel``): among the answers on the ladder A = 0 < O = 1 < M = 2,

    Pr(maturity <= k) = logistic(kappa_k - gamma * t - stage effects),   t = 0, 1, ..., waves - 1,

so gamma > 0 means the attribute moves toward must-be. ``adjust="stage"`` adds customer-stage dummies,
so that a changing stage mix between waves is not read as drift; the Better/Worse and share
trajectories are then standardised to the pooled stage mix (post-stratified per wave).

The wave column must be orderable: numbers, dates, an ordered categorical, or text with the order
given in ``waves=``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import stats

from expectmodel._base import Estimator, Interval, Predicate, resolve_seed
from expectmodel._meta import versions
from expectmodel.data import _messages as msg
from expectmodel.data import read_grouping
from expectmodel.errors import DataError, DataWarning, ParameterError
from expectmodel.inference import equal_tailed
from expectmodel.kano import _counts as K
from expectmodel.kano._reading import QUESTIONNAIRE_CONSTRAINTS, read_survey
from expectmodel.kano._tables import KanoReport, grid_frame
from expectmodel.kano.questionnaire import CATEGORIES
from expectmodel.results import KEY_COLUMNS, DataInfo, Meta, ResultsBase, fingerprint, thaw

__all__ = ["DriftResults", "KanoDrift", "read_waves"]

LADDER = ("A", "O", "M")


@dataclass(frozen=True)
class Waves:
    """Each row's wave position (0 = first) and the wave labels in time order."""

    codes: np.ndarray
    levels: tuple[str, ...]


def read_waves(frame: pd.DataFrame, column: str, waves: Any = None) -> Waves:
    """Read an orderable wave column: numbers, dates, an ordered categorical, or text in the order of ``waves``.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per respondent.
    column : str
        The wave column.
    waves : sequence, optional
        The wave labels in time order (needed for text labels such as ``"spring"``, ``"autumn"``).

    Returns
    -------
    Waves
        ``codes`` (each row's position, 0 = first wave) and ``levels`` (labels in order).

    Raises
    ------
    DataError
        The column is missing, has gaps, cannot be put in time order, or has fewer than two waves.

    Examples
    --------
    >>> read_waves(pd.DataFrame({"wave": [2024, 2022, 2023]}), "wave").codes.tolist()
    [2, 0, 1]
    >>> read_waves(pd.DataFrame({"wave": ["spring", "autumn"]}), "wave")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    expectmodel.errors.DataError: Column 'wave' cannot be put in time order: it holds text labels ('spring', ...
    """
    if not isinstance(frame, pd.DataFrame):
        raise msg.not_a_frame(frame)
    if column not in frame.columns:
        raise msg.not_found([column], frame.columns.tolist(), {column: "wave column"}, noun="Column(s)")
    raw = frame[column]
    if waves is not None:
        g = read_grouping(frame, column, levels=list(waves), levels_name="waves")
    else:
        dtype = raw.dtype
        if isinstance(dtype, pd.CategoricalDtype):
            if not dtype.ordered:
                raise DataError(f"Column '{column}' is an unordered categorical, so its waves have no time order; "
                                "make it ordered (pd.Categorical(..., ordered=True)) or pass waves=[...] in time "
                                "order.")
            g = read_grouping(frame, column, levels_name="waves")
        elif pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_datetime64_any_dtype(dtype):
            g = _by_order(frame, column, raw)
        else:
            numbers = pd.to_numeric(raw, errors="coerce")
            if numbers.notna().all():
                g = _by_order(frame, column, numbers)
            else:
                labels = [str(v) for v in pd.unique(raw.dropna())][:3]
                raise DataError(f"Column '{column}' cannot be put in time order: it holds text labels "
                                f"({', '.join(map(repr, labels))}, ...) with no natural order. Pass waves=[...] "
                                "with the labels in time order, make the column an ordered categorical, or code "
                                "the waves as numbers or dates.")
    if len(g.levels) < 2:
        raise DataError(f"Column '{column}' holds a single wave ({g.levels[0]!r}); drift needs two or more waves.")
    return Waves(np.asarray(g.codes), tuple(g.levels))


def _by_order(frame: pd.DataFrame, column: str, values: pd.Series) -> Waves:
    """Waves from sorted values (numbers or dates); the labels are their text."""
    if values.isna().any():
        read_grouping(frame, column, levels_name="waves")  # raises the shared missing-label message
    uniq = np.sort(values.unique())
    return Waves(np.searchsorted(uniq, values.to_numpy()).astype(np.intp), tuple(str(v) for v in uniq))


def _ordered_fit(y: np.ndarray, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """OrderedModel (logit) of y on X: slopes, standard errors, p-values (exog columns only), converged."""
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    levels = np.unique(y)
    endog = pd.Series(pd.Categorical(y, categories=levels, ordered=True))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsmodels' HessianInversionWarning: reported through NaN SEs
        res = OrderedModel(endog, X, distr="logit").fit(method="bfgs", disp=False, maxiter=500)
    k = X.shape[1]
    return (np.asarray(res.params)[:k], np.asarray(res.bse)[:k], np.asarray(res.pvalues)[:k],
            bool(res.mle_retvals.get("converged", True)))


def _trajectories(counts: np.ndarray, weights: np.ndarray, draws: int,
                  rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Estimates (W, p, 7) and draws (S, W, p, 7): shares of A, O, M, I, R (Q excluded), Better, Worse.

    ``counts`` (W, S_stage, p, 7) per wave and stage; ``weights`` (S_stage,) the standardising stage mix.
    Shares use Dirichlet posterior draws, Better/Worse bootstrap draws, both standardised to ``weights``.
    """
    c6 = counts[..., :6].astype(float)

    def standardise(probs: np.ndarray) -> np.ndarray:  # (..., W, S_stage, p, 6) -> (..., W, p, 6)
        return np.einsum("s,...wsjk->...wjk", weights, probs)

    with np.errstate(invalid="ignore", divide="ignore"):
        point = standardise(c6 / c6.sum(-1, keepdims=True))
    post = standardise(K.dirichlet(c6, 0.5, draws, rng))
    boot = K.resample(counts, draws, rng)[..., :6].astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        boot = standardise(boot / boot.sum(-1, keepdims=True))

    def pack(p_share: np.ndarray, p_bw: np.ndarray) -> np.ndarray:
        share = p_share[..., :5] / p_share[..., :5].sum(-1, keepdims=True)
        better, worse = K.better_worse(p_bw)
        return np.concatenate([share, better[..., None], worse[..., None]], -1)

    return pack(point, point), pack(post, boot)


class KanoDrift(Estimator):
    """Drift of Kano categories over waves: maturity slopes (OrderedModel) and Better/Worse trajectories.

    Parameters
    ----------
    attributes : None, sequence of str, or mapping name -> (functional, dysfunctional)
        The answer pairs (as :class:`KanoClassifier`).
    wave : str
        The wave column (numbers, dates, an ordered categorical, or text ordered by ``waves``).
    waves : sequence, optional
        The wave labels in time order.
    suffixes, codes, table, missing_values
        As :class:`KanoClassifier`.
    groups : str, optional
        A column: one analysis per group (e.g. market).
    adjust : str, optional
        A customer-stage column: the maturity model gets stage dummies and the trajectories are
        standardised to the pooled stage mix, so a changing mix is not read as drift.
    draws : int
        Posterior draws (shares) and bootstrap replicates (Better/Worse) of the trajectories.
    ci_level : float
        Interval probability.
    seed : int, optional
        Random seed of the draws.

    Examples
    --------
    >>> from expectmodel import kano
    >>> sim = kano.simulate_kano(600, {"app": [0.5, 0.2, 0.1, 0.2, 0, 0], "wifi": [0.2, 0.3, 0.4, 0.1, 0, 0]},
    ...                          waves=3, slopes={"app": 0.8, "wifi": 0.0}, seed=3)
    >>> res = kano.KanoDrift(seed=1).fit(sim.data.drop(columns="stage"))
    >>> res.slopes()[["attribute", "slope", "toward"]].round(2).values.tolist()
    [['app', 0.76, 'must-be'], ['wifi', -0.02, '']]
    >>> res.trajectory("better").shape  # 2 attributes x 3 waves
    (6, 7)
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        **QUESTIONNAIRE_CONSTRAINTS,
        "wave": [Predicate(lambda v: isinstance(v, str) and v != "", "a column name")],
        "waves": [None, Predicate(lambda v: not isinstance(v, str) and len(v) >= 2, "a sequence of wave labels")],
        "adjust": [None, Predicate(lambda v: isinstance(v, str) and v != "", "a column name")],
        "draws": [Interval(int, 100, None)],
    }

    def __init__(self, attributes: Any = None, *, wave: str = "wave", waves: Any = None,
                 suffixes: tuple[str, str] = ("_f", "_d"), codes: Any = None, table: Any = "standard",
                 missing_values: Any = (), groups: str | None = None, adjust: str | None = None, draws: int = 2000,
                 ci_level: float = 0.9, seed: int | None = None) -> None:
        self.attributes = attributes
        self.wave = wave
        self.waves = waves
        self.suffixes = suffixes
        self.codes = codes
        self.table = table
        self.missing_values = missing_values
        self.groups = groups
        self.adjust = adjust
        self.draws = draws
        self.ci_level = ci_level
        self.seed = seed

    def _check_params(self) -> None:
        if self.adjust is not None and self.adjust in (self.wave, self.groups):
            raise ParameterError(f"KanoDrift(adjust={self.adjust!r}): the stage column must differ from the wave "
                                 "and groups columns.")

    def fit(self, data: pd.DataFrame) -> DriftResults:
        """Fit the maturity model per attribute (and group) and the Better/Worse trajectories.

        Parameters
        ----------
        data : pandas.DataFrame
            One row per respondent and wave: the answer pairs and the wave column (plus groups / stage).

        Returns
        -------
        DriftResults
        """
        self.validate_params()
        q, group, levels = read_survey(self, data)
        w = read_waves(data, self.wave, self.waves)
        cats = q.categories(self.table)
        if self.adjust is not None:
            st = read_grouping(data, self.adjust, levels_name="stages")
            stage, stages = st.codes, st.levels
        else:
            stage, stages = np.zeros(q.n_rows_in, dtype=np.intp), ("",)
        G, W, S, p = len(levels), len(w.levels), len(stages), len(q.attributes)
        gcode = np.zeros(q.n_rows_in, dtype=np.intp) if group is None else group
        cell = (gcode * W + w.codes) * S + stage
        counts = K.count(cats, cell, G * W * S).reshape(G, W, S, p, 7)
        seed = resolve_seed(self.seed)
        rng = np.random.default_rng(seed)
        level = float(self.ci_level)
        z = stats.norm.ppf(0.5 + level / 2)
        wald, traj_keys, traj_est, traj_draws = [], [], [], []
        t = w.codes.astype(float)
        for g, gname in enumerate(levels):
            where = f" in group '{gname}'" if gname else ""
            n_gs = counts[g].sum(axis=(0, 2, 3))  # respondents x attributes per stage (all answers)
            weights = n_gs / n_gs.sum()
            if S > 1:
                empty = np.argwhere(counts[g].sum(axis=(2, 3)) == 0)
                if empty.size:
                    wv, sv = empty[0]
                    raise DataError(f"Stage '{stages[sv]}' has no respondents in wave '{w.levels[wv]}'{where}; the "
                                    "stage-mix adjustment needs every stage in every wave. Merge stages or drop "
                                    "adjust=.")
            mask_g = gcode == g
            for j, a in enumerate(q.attributes):
                c = cats[:, j]
                on = mask_g & (c >= 0) & (c <= 2)  # A, O, M: the ladder
                y = c[on].astype(int)  # A = 0 < O = 1 < M = 2
                X = pd.DataFrame({"wave": t[on]})
                if S > 1:
                    for s in range(1, S):
                        X[f"stage[{stages[s]}]"] = (stage[on] == s).astype(float)
                if np.unique(y).size < 2 or on.sum() < 20 or np.unique(t[on]).size < 2:
                    warnings.warn(f"Attribute '{a}'{where} has {int(on.sum())} answers on the A/O/M ladder in "
                                  f"{np.unique(y).size} category(ies); its maturity slope is not estimated.",
                                  DataWarning, stacklevel=2)
                    est = se = pv = np.full(X.shape[1], np.nan)
                    conv = False
                else:
                    est, se, pv, conv = _ordered_fit(y, X)
                for k, col in enumerate(X.columns):
                    kind, rhs = ("drift", "wave") if k == 0 else ("stage", col[6:-1])
                    wald.append((kind, a, "~", rhs, gname, est[k], se[k], est[k] - z * se[k], est[k] + z * se[k],
                                 pv[k], int(on.sum()), conv))
            point, dr = _trajectories(counts[g], weights, int(self.draws), rng)  # (W, p, 7), (draws, W, p, 7)
            values = (*CATEGORIES[:5], "better", "worse")
            traj_keys.append(grid_frame({"rhs": w.levels, "lhs": q.attributes, "op": values})
                             .assign(kind="trajectory", group=gname)[list(KEY_COLUMNS)])
            traj_est.append(point.reshape(-1))
            traj_draws.append(dr.reshape(dr.shape[0], -1))
        est = np.concatenate(traj_est)
        flat = np.concatenate(traj_draws, axis=1)
        lo, hi = equal_tailed(flat, level, skipna=True)
        trajectory = pd.concat(traj_keys, ignore_index=True).assign(
            estimate=est, std_error=np.nanstd(flat, axis=0, ddof=1), ci_low=lo, ci_high=hi)
        slopes = pd.DataFrame(wald, columns=[*KEY_COLUMNS, "estimate", "std_error", "ci_low", "ci_high", "p_value",
                                             "n", "converged"])
        info = DataInfo(n_input=q.n_rows_in, n_used=int((cats >= 0).any(axis=1).sum()),
                        missing="per attribute", missing_values=tuple(float(v) for v in np.atleast_1d(
                            self.missing_values)), columns=tuple(c for pair in q.columns for c in pair),
                        fingerprint=fingerprint(cats, w.codes))
        meta = Meta(estimator=type(self).__name__, params=self.settings(), data=info, ci_level=level,
                    ci_method="Wald (OrderedModel slopes); Dirichlet posterior quantiles (shares); percentile "
                              "bootstrap (Better, Worse)", seed=seed, versions=versions(),
                    conventions={"maturity": "A = 0 < O = 1 < M = 2 among answers on the ladder; slope > 0: toward "
                                             "must-be (log-odds of a more mature category per wave)",
                                 "time": "wave position 0, 1, ... (waves equally spaced)",
                                 "adjustment": ("stage dummies in the maturity model; trajectories standardised to "
                                                "the pooled stage mix") if S > 1 else "none",
                                 "shares": "of answers that are not questionable (Q excluded)"},
                    extra={"waves": list(w.levels), "groups": list(levels), "stages": list(stages)})
        return DriftResults(attributes=q.attributes, waves=w.levels, groups=levels, stages=stages,
                            slope_table=slopes, trajectories=trajectory, draws=flat, counts=counts, meta=meta)


@dataclass(frozen=True, eq=False, repr=False)
class DriftResults(KanoReport, ResultsBase):
    """Drift of Kano categories over waves (from :meth:`KanoDrift.fit`).

    Parameters
    ----------
    attributes, waves, groups, stages : tuple of str
        Names, in order (``groups``/``stages`` are ``("",)`` when not used).
    slope_table : pandas.DataFrame
        OrderedModel slopes (``kind`` drift) and stage effects (``kind`` stage), with Wald intervals.
    trajectories : pandas.DataFrame
        Shares, Better and Worse per wave (``kind`` trajectory, ``rhs`` the wave).
    draws : numpy.ndarray (S, rows)
        Draws of the trajectory rows.
    counts : numpy.ndarray (G, W, stages, p, 7)
        Category counts per group, wave, stage and attribute (A, O, M, I, R, Q, missing).
    meta : Meta
        Settings, seed, data provenance.

    Examples
    --------
    >>> from expectmodel import kano
    >>> sim = kano.simulate_kano(400, {"app": [0.5, 0.2, 0.1, 0.2, 0, 0]}, waves=3, slopes={"app": 1.0},
    ...                          stages={"new": (-1.0, [0.7, 0.5, 0.3]), "loyal": (1.0, [0.3, 0.5, 0.7])}, seed=2)
    >>> res = kano.KanoDrift(adjust="stage", seed=1).fit(sim.data)
    >>> res
    <DriftResults: 1 attribute(s), 3 waves; slopes app=+0.94>
    >>> res.to_frame().query("kind == 'stage'")["rhs"].tolist()
    ['loyal']
    >>> res.slopes()["toward"].tolist(), res.trajectory("M")["wave"].tolist()
    (['must-be'], ['1', '2', '3'])
    >>> res.summary().title, res.conf_int(0.5).shape[1]
    ('Kano drift over waves', 8)
    >>> ax = res.plot_trajectories("better"); ax = res.plot_trajectories("M")
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """

    schema: ClassVar[str] = "expectmodel.kano_drift"
    schema_version: ClassVar[int] = 1

    attributes: tuple[str, ...]
    waves: tuple[str, ...]
    groups: tuple[str, ...]
    stages: tuple[str, ...]
    slope_table: pd.DataFrame
    trajectories: pd.DataFrame
    draws: np.ndarray
    counts: np.ndarray
    meta: Meta

    def to_frame(self) -> pd.DataFrame:
        """Return the slopes, stage effects and trajectories, :data:`~expectmodel.results.PARAMETER_COLUMNS` first.

        Returns
        -------
        pandas.DataFrame
            ``kind`` drift (``rhs`` wave: the maturity slope), stage (``rhs`` the stage) or trajectory
            (``op`` a category share, better or worse; ``rhs`` the wave).
        """
        out = pd.concat([self.slope_table, self.trajectories], ignore_index=True)
        out.attrs["ci_level"] = self.meta.ci_level
        return out

    def _draws_frame(self) -> tuple[pd.DataFrame, np.ndarray]:
        return self.trajectories, self.draws

    def _wald_frame(self) -> pd.DataFrame:
        return self.slope_table  # slopes and stage effects: Wald intervals of the OrderedModel fits

    def slopes(self) -> pd.DataFrame:
        """Return the maturity slope per group and attribute, with ``toward`` = "must-be" or "attractive".

        ``toward`` names the direction when the Wald interval excludes zero (empty otherwise).

        Returns
        -------
        pandas.DataFrame
        """
        s = self.slope_table[self.slope_table["kind"] == "drift"]
        out = s.rename(columns={"lhs": "attribute", "estimate": "slope"})[
            ["group", "attribute", "slope", "std_error", "ci_low", "ci_high", "p_value", "n", "converged"]]
        toward = np.where(out["ci_low"] > 0, "must-be", np.where(out["ci_high"] < 0, "attractive", ""))
        return out.assign(toward=toward).reset_index(drop=True)

    def trajectory(self, value: str = "better") -> pd.DataFrame:
        """Return one quantity per wave and attribute: a category share (A, O, M, I, R), ``better`` or ``worse``.

        Parameters
        ----------
        value : str
            The quantity.

        Returns
        -------
        pandas.DataFrame
            ``group``, ``attribute``, ``wave``, ``estimate``, ``std_error``, ``ci_low``, ``ci_high``.
        """
        options = (*CATEGORIES[:5], "better", "worse")
        if value not in options:
            raise ParameterError(f"trajectory(value={value!r}): value must be one of {', '.join(map(repr, options))}.")
        t = self.trajectories[self.trajectories["op"] == value]
        return t.rename(columns={"lhs": "attribute", "rhs": "wave"})[
            ["group", "attribute", "wave", "estimate", "std_error", "ci_low", "ci_high"]].reset_index(drop=True)

    def _report(self) -> tuple[str, dict[str, str], list[tuple[str, pd.DataFrame]], list[str]]:
        facts = {"Respondents": str(self.meta.data.n_input), "Waves": ", ".join(self.waves),
                 "Attributes": str(len(self.attributes)),
                 "Stage adjustment": ", ".join(self.stages) if self.stages != ("",) else "none",
                 "Interval": f"{self.meta.ci_level:.0%}"}
        tables = [("Maturity slope per wave (ordered logit, A < O < M; > 0: toward must-be)",
                   self._by_attribute(self.slopes()))]
        for value in ("better", "worse"):
            t = self.trajectory(value).pivot_table(index=["group", "attribute"], columns="wave", values="estimate",
                                                   sort=False)[list(self.waves)]
            tables.append((f"{value.capitalize()} by wave", self._by_attribute(t.reset_index())))
        return "Kano drift over waves", facts, tables, [self.meta.conventions["adjustment"]]

    def _repr_facts(self) -> str:
        sl = self.slopes()
        text = ", ".join(f"{a}={v:+.2f}" for a, v in zip(sl["attribute"][:4], sl["slope"][:4], strict=True))
        return f"{len(self.attributes)} attribute(s), {len(self.waves)} waves; slopes {text}" + (
            ", ..." if len(sl) > 4 else "")

    def _to_dict(self) -> dict[str, Any]:
        return {"attributes": list(self.attributes), "waves": list(self.waves), "groups": list(self.groups),
                "stages": list(self.stages), "slopes": thaw(self.slope_table.to_dict(orient="list")),
                "trajectories": thaw(self.trajectories.to_dict(orient="list")), "counts": self.counts.tolist()}

    def plot_trajectories(self, value: str = "better", group: str | None = None, ax: Any = None) -> Any:
        """Draw one line per attribute across waves, with its interval band.

        Parameters
        ----------
        value : str
            A category share (A, O, M, I, R), ``better`` or ``worse``.
        group : str, optional
            The group to draw (default: the first).
        ax : matplotlib.axes.Axes, optional
            Where to draw.

        Returns
        -------
        matplotlib.axes.Axes
        """
        from expectmodel.kano.plots import plot_drift

        t = self.trajectory(value)
        t = t[t["group"] == (self.groups[0] if group is None else group)]
        ax = plot_drift(t, ax=ax)
        ax.set_ylabel(value if value in ("better", "worse") else f"share of {value}")
        return ax
