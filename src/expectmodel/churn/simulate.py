"""The joint simulator: survey answers -> latent expectations, perceptions and satisfaction -> churn over time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from expectmodel._base import resolve_seed
from expectmodel.errors import ParameterError

__all__ = ["SimulatedPanel", "feature_pipelines", "implied_auc_gain", "simulate_cohorts", "simulate_panel"]


@dataclass(frozen=True, eq=False)
class SimulatedPanel:
    """A simulated customer panel with its truth (from :func:`simulate_panel`).

    Parameters
    ----------
    customers : pandas.DataFrame
        One row per customer: ``customer``, ``entry``, ``end``, the entry survey's expectation items
        ``e<d>_<j>`` and perception items ``p<d>_<j>`` (1-7) and ``churned`` (churned by the end).
    events : pandas.DataFrame
        ``customer`` and ``time`` (the churn period) of every churner.
    waves : pandas.DataFrame
        ``customer``, ``period`` and ``satisfaction`` (0-10) of every survey wave a customer answered.
    latent : pandas.DataFrame
        The true expectations ``E<d>``, perceptions ``P<d>`` and gaps ``G<d>`` per customer.
    truth : dict
        The generating values (``beta``, ``shortfall``, the baseline, the item model).
    seed : int
        The seed used.

    Examples
    --------
    >>> sim = simulate_panel(200, periods=6, seed=3)
    >>> sim.customers.columns[:4].tolist(), sim.truth["beta"]
    (['customer', 'entry', 'end', 'e1_1'], -0.5)
    """

    customers: pd.DataFrame
    events: pd.DataFrame
    waves: pd.DataFrame
    latent: pd.DataFrame
    truth: dict[str, Any] = field(default_factory=dict)
    seed: int = 0

    @property
    def expectation_items(self) -> list[str]:
        """The expectation item columns, dimension by dimension."""
        return [c for c in self.customers.columns if c.startswith("e") and "_" in c]

    @property
    def perception_items(self) -> list[str]:
        """The perception item columns, in the order of :attr:`expectation_items`."""
        return [c for c in self.customers.columns if c.startswith("p") and "_" in c]


def _likert(latent: np.ndarray, rng: np.random.Generator, loading: float, noise: float) -> np.ndarray:
    return np.clip(np.round(4.0 + loading * latent + rng.normal(0.0, noise, latent.shape)), 1, 7)


def simulate_panel(n: int, periods: int = 12, *, dimensions: int = 3, items: int = 3,
                   wave_periods: Sequence[int] | None = None, beta: float = -0.5, shortfall: float = 0.0,
                   baseline: tuple[float, float] = (-2.5, -0.3), seed: int | None = None) -> SimulatedPanel:
    """Simulate survey answers, latent expectations and satisfaction, and churn over time, with known effects.

    Each customer has a latent expectation ``E_d`` and perception ``P_d = 0.3 E_d + 0.95 z`` per service
    dimension ``d`` (standard normal ``E_d`` and ``z``) and a gap ``G_d = P_d - E_d``. The entry survey
    asks ``items`` 1-7 Likert items per dimension and battery: ``round(4 + 1.1 * latent + N(0, 0.7))``,
    clipped. Satisfaction (0-10) is asked in survey waves: ``round(6 + 1.2 * mean_d G_d + N(0, 1))``,
    clipped, with a fresh error per wave. Everyone enters in period 1 and is observed through
    ``periods``. In period ``t`` an active customer churns with probability

    ``logit h = baseline[0] + baseline[1] * log(t) + beta * (S_t - 6) + shortfall * sum_d max(0, -G_d)``

    where ``S_t`` is the customer's latest satisfaction answer (so a hazard model on the answered
    satisfaction is correctly specified when ``shortfall = 0``). ``shortfall`` adds a non-compensatory
    effect: a shortfall of perceptions below expectations on *any* dimension drives churn, which a
    linear model of the raw items cannot rank (the survey-derived gap features can).

    Parameters
    ----------
    n : int
        Customers.
    periods : int, default 12
        Periods observed.
    dimensions, items : int, default 3
        Service dimensions, and items per dimension and battery.
    wave_periods : sequence of int, optional
        The periods of the satisfaction waves (default: 1, 5, 9, ... up to ``periods``).
    beta : float, default -0.5
        Effect of satisfaction (per point) on the logit of the hazard.
    shortfall : float, default 0.0
        Effect of the summed latent shortfalls ``sum_d max(0, -G_d)`` on the logit of the hazard.
    baseline : (float, float), default (-2.5, -0.3)
        Intercept and log-tenure slope of the baseline hazard.
    seed : int, optional
        Random seed (None: drawn and recorded).

    Returns
    -------
    SimulatedPanel
        ``customers``, ``events``, ``waves``, ``latent``, ``truth`` and ``seed``.

    Examples
    --------
    >>> sim = simulate_panel(500, periods=12, seed=1)
    >>> sim.waves["period"].unique().tolist()
    [1, 5, 9]
    >>> bool(0.2 < sim.customers["churned"].mean() < 0.9)
    True
    """
    if not isinstance(n, int | np.integer) or n < 1:
        raise ParameterError(f"simulate_panel(n={n!r}): n must be a positive integer.")
    if not isinstance(periods, int | np.integer) or periods < 1:
        raise ParameterError(f"simulate_panel(periods={periods!r}): periods must be a positive integer.")
    seed = resolve_seed(seed)
    rng = np.random.default_rng(seed)
    waves_at = list(range(1, periods + 1, 4)) if wave_periods is None else sorted(int(w) for w in wave_periods)
    if not waves_at or waves_at[0] != 1:
        raise ParameterError("simulate_panel(wave_periods=...): the first wave must be in period 1 (the entry "
                             "survey), so every period has a satisfaction answer.")
    E = rng.normal(size=(n, dimensions))
    P = 0.3 * E + 0.95 * rng.normal(size=(n, dimensions))
    G = P - E
    short = np.maximum(-G, 0.0).sum(axis=1)
    cols: dict[str, Any] = {"customer": np.arange(1, n + 1), "entry": np.ones(n, dtype=np.int64),
                            "end": np.full(n, periods, dtype=np.int64)}
    for battery, latent in (("e", E), ("p", P)):
        for d in range(dimensions):
            answers = _likert(np.repeat(latent[:, [d]], items, axis=1), rng, 1.1, 0.7)
            for j in range(items):
                cols[f"{battery}{d + 1}_{j + 1}"] = answers[:, j].astype(np.int64)
    alive = np.ones(n, dtype=bool)
    churn_time = np.zeros(n, dtype=np.int64)
    sat = np.zeros(n)
    wave_rows = []
    for t in range(1, periods + 1):
        if t in waves_at:
            sat = np.clip(np.round(6.0 + 1.2 * G.mean(axis=1) + rng.normal(size=n)), 0, 10)
            who = np.flatnonzero(alive)
            wave_rows.append(pd.DataFrame({"customer": who + 1, "period": t, "satisfaction": sat[who]}))
        eta = baseline[0] + baseline[1] * np.log(t) + beta * (sat - 6.0) + shortfall * short
        churn = alive & (rng.random(n) < 1.0 / (1.0 + np.exp(-eta)))
        churn_time[churn] = t
        alive &= ~churn
    cols["churned"] = (~alive).astype(np.int64)
    customers = pd.DataFrame(cols)
    gone = np.flatnonzero(~alive)
    events = pd.DataFrame({"customer": gone + 1, "time": churn_time[gone]})
    waves = pd.concat(wave_rows, ignore_index=True).sort_values(["customer", "period"], kind="stable")
    latent = pd.DataFrame({**{f"E{d + 1}": E[:, d] for d in range(dimensions)},
                           **{f"P{d + 1}": P[:, d] for d in range(dimensions)},
                           **{f"G{d + 1}": G[:, d] for d in range(dimensions)}})
    latent.insert(0, "customer", np.arange(1, n + 1))
    truth = {"beta": beta, "shortfall": shortfall, "baseline": list(baseline), "wave_periods": waves_at,
             "satisfaction": "round(6 + 1.2 * mean_d G_d + N(0, 1)) clipped to 0-10",
             "items": "round(4 + 1.1 * latent + N(0, 0.7)) clipped to 1-7", "P": "0.3 E + 0.95 z"}
    return SimulatedPanel(customers, events, waves.reset_index(drop=True), latent, truth, seed)


def feature_pipelines(sim: SimulatedPanel) -> dict[str, Any]:
    """Build the two churn classifiers the feature-gain comparison sets side by side.

    - ``"survey features"``: :class:`~expectmodel.churn.ServqualGaps` (the gap per dimension and SQ), a
      piecewise-linear spline with a knot at a zero gap (where perceptions meet expectations), then a
      standardised logistic regression;
    - ``"raw items"``: the same logistic regression on the raw E and P items.

    Parameters
    ----------
    sim : SimulatedPanel
        Fixes the item columns and their dimensions.

    Returns
    -------
    dict
        ``{"columns": the item columns, "survey features": Pipeline, "raw items": Pipeline}``.

    Examples
    --------
    >>> sim = simulate_panel(50, periods=3, seed=1)
    >>> sorted(feature_pipelines(sim))
    ['columns', 'raw items', 'survey features']
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import SplineTransformer, StandardScaler

    from expectmodel.churn.features import ServqualGaps

    e, p = sim.expectation_items, sim.perception_items
    dims = [c.split("_")[0][1:] for c in e]
    k = len(dict.fromkeys(dims)) + 1  # the dimension gaps and SQ
    knots = np.array([[-6.0] * k, [0.0] * k, [6.0] * k])
    derived = make_pipeline(ServqualGaps(e, p, dimensions=dims),
                            SplineTransformer(knots=knots, degree=1, extrapolation="linear"),
                            StandardScaler(), LogisticRegression(max_iter=2000))
    raw = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    return {"columns": e + p, "survey features": derived, "raw items": raw}


def implied_auc_gain(n: int = 100_000, seed: int = 1, **settings: Any) -> dict[str, float]:
    """Compute the AUC gain of the survey features over the raw items that the simulator implies.

    Both pipelines of :func:`feature_pipelines` are fitted on ``n`` simulated customers and scored on
    another ``n`` (so sampling error in the fits and in the AUCs is negligible): the population AUCs
    that a cross-validated comparison on a smaller sample estimates.

    Parameters
    ----------
    n : int, default 100_000
        Customers in each of the two large samples.
    seed : int, default 1
        Seed of the training sample (the test sample uses ``seed + 1``).
    **settings
        :func:`simulate_panel` settings (``periods``, ``beta``, ``shortfall``, ``baseline``...).

    Returns
    -------
    dict
        ``auc_survey_features``, ``auc_raw_items``, ``gain``, ``churn_rate``.

    Examples
    --------
    >>> out = implied_auc_gain(2000, seed=3, periods=6, shortfall=1.0)
    >>> sorted(out)
    ['auc_raw_items', 'auc_survey_features', 'churn_rate', 'gain']
    """
    from sklearn.metrics import roc_auc_score

    train = simulate_panel(n, seed=seed, **settings)
    test = simulate_panel(n, seed=seed + 1, **settings)
    pipes = feature_pipelines(train)
    cols = pipes["columns"]
    y, yt = train.customers["churned"], test.customers["churned"]
    auc = {}
    for name in ("survey features", "raw items"):
        model = pipes[name].fit(train.customers[cols], y)
        auc[name] = float(roc_auc_score(yt, model.predict_proba(test.customers[cols])[:, 1]))
    return {"auc_survey_features": auc["survey features"], "auc_raw_items": auc["raw items"],
            "gain": auc["survey features"] - auc["raw items"], "churn_rate": float(y.mean())}


def simulate_cohorts(sizes: dict[str, int], alpha: float | dict[str, float], beta: float | dict[str, float],
                     periods: int = 8, seed: int | None = None) -> pd.DataFrame:
    """Simulate contractual cohorts under the sBG model: churn probabilities ``theta ~ Beta(alpha, beta)``.

    Parameters
    ----------
    sizes : mapping of str to int
        Customers per cohort.
    alpha, beta : float or mapping of str to float
        The Beta parameters (one pair, or one per cohort).
    periods : int, default 8
        Periods observed after period 0.
    seed : int, optional
        Random seed.

    Returns
    -------
    pandas.DataFrame
        ``cohort``, ``period`` (0..periods) and ``alive`` (the input of :class:`~expectmodel.churn.SBG`).

    Examples
    --------
    >>> counts = simulate_cohorts({"2024": 500}, alpha=0.7, beta=1.2, periods=3, seed=1)
    >>> counts["alive"].iloc[0], counts["period"].tolist()
    (np.int64(500), [0, 1, 2, 3])
    """
    rng = np.random.default_rng(resolve_seed(seed))
    parts = []
    for name, n in sizes.items():
        a = alpha[name] if isinstance(alpha, dict) else alpha
        b = beta[name] if isinstance(beta, dict) else beta
        theta = rng.beta(a, b, size=int(n))
        life = rng.geometric(np.clip(theta, 1e-12, 1.0))  # the period of churn, 1, 2, ...
        alive = [(life > t).sum() for t in range(periods + 1)]
        parts.append(pd.DataFrame({"cohort": name, "period": np.arange(periods + 1), "alive": alive}))
    return pd.concat(parts, ignore_index=True)
