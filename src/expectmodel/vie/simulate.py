"""Simulators of VIE data with known truth: additive and multiplicative truths, between and within subjects.

- :func:`simulate_vie`: one row per respondent (customer form): per outcome a stated probability E_k and a
  bipolar valence V_k (-3..3), and a criterion generated from Ē, V̄ and M = sum_k E_k V_k.
- :func:`simulate_within`: one row per respondent and outcome (or offer): E and V measured by several items
  (probabilities with Beta error, ordinal valence answers), person-level coefficients drawn from a population
  distribution, and a criterion per row. The truth holds the true scores E*, V* and M_n.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit

from expectmodel.data import Scale
from expectmodel.errors import ParameterError
from expectmodel.measurement import ordinal
from expectmodel.vie.coding import VIEDesign

__all__ = ["SimulatedVIE", "simulate_vie", "simulate_within", "true_valence"]

#: Coefficients (intercept, E, V, E*V) of the named truths of :func:`simulate_vie` (criterion on the latent scale).
TRUTHS = {
    "additive": (0.0, 1.0, 0.30, 0.0),
    "multiplicative": (0.0, 0.0, 0.0, 0.35),
    "full": (0.0, 0.5, 0.15, 0.25),
}


@dataclass(frozen=True, eq=False)
class SimulatedVIE:
    """Simulated VIE data with the truth that generated them.

    Parameters
    ----------
    data : pandas.DataFrame
        The simulated survey.
    design : VIEDesign or None
        The design of the wide (between-subject) data; None for long data.
    truth : dict
        Coefficients and true scores.
    seed : int
        The seed.

    Returns
    -------
    SimulatedVIE

    Examples
    --------
    >>> sim = simulate_vie(50, truth="multiplicative", seed=1)
    >>> sim.truth["coefficients"]["E*V"], sim.data.shape[0]
    (0.35, 50)
    """

    data: pd.DataFrame
    design: VIEDesign | None
    truth: Mapping[str, Any] = field(default_factory=dict)
    seed: int = 0


def _coefs(truth: str | Sequence[float]) -> tuple[float, float, float, float]:
    if isinstance(truth, str):
        if truth not in TRUTHS:
            raise ParameterError(f"truth must be one of {', '.join(map(repr, TRUTHS))} or 4 coefficients "
                                 f"(intercept, E, V, E*V); got {truth!r}.")
        return TRUTHS[truth]
    b = tuple(float(x) for x in truth)
    if len(b) != 4:
        raise ParameterError(f"truth needs 4 coefficients (intercept, E, V, E*V); got {truth!r}.")
    return b  # type: ignore[return-value]


def simulate_vie(n: int, *, outcomes: Sequence[str] = ("delivery", "price", "recovery"),
                 truth: str | Sequence[float] = "full", criterion: str = "continuous", noise: float = 1.0,
                 cutpoints: Sequence[float] = (-1.0, 0.0, 1.0), seed: int = 0) -> SimulatedVIE:
    """Simulate a between-subject customer VIE survey (one row per respondent).

    E_k ~ Beta with outcome-specific means (answers rounded to 0.05, as on a 0-100% slider), V_k bipolar
    whole answers -3..3, and the criterion from y* = b0 + b_E Ē + b_V V̄ + b_EV M + e, with
    M = sum_k E_k V_k and e ~ N(0, noise) (``continuous``), logistic (``binary``: y = 1 if y* > 0) or cut at
    ``cutpoints`` (``ordinal``: 0..len(cutpoints)).

    Parameters
    ----------
    n : int
        Respondents.
    outcomes : sequence of str
        Outcome names (columns ``E_<outcome>``, ``V_<outcome>``).
    truth : {"additive", "multiplicative", "full"} or 4 numbers
        The coefficients (intercept, E, V, E*V) (see :data:`TRUTHS`).
    criterion : {"continuous", "binary", "ordinal"}
        The criterion's type (column ``y``).
    noise : float
        SD of the error of a continuous criterion.
    cutpoints : sequence of float
        Thresholds of an ordinal criterion.
    seed : int
        Random seed.

    Returns
    -------
    SimulatedVIE
        ``data`` (``respondent``, ``E_*``, ``V_*``, ``y``), the ``design`` and the truth (coefficients).

    Examples
    --------
    >>> sim = simulate_vie(200, truth="additive", criterion="binary", seed=2)
    >>> sorted(sim.data["y"].unique().tolist())
    [0, 1]
    """
    if criterion not in ("continuous", "binary", "ordinal"):
        raise ParameterError(f"criterion must be 'continuous', 'binary' or 'ordinal'; got {criterion!r}.")
    b = _coefs(truth)
    rng = np.random.default_rng(seed)
    k = len(outcomes)
    mean_e = np.linspace(0.35, 0.75, k)
    conc = 4.0
    e = np.round(rng.beta(mean_e * conc, (1 - mean_e) * conc, size=(n, k)) / 0.05) * 0.05
    v = np.clip(np.round(rng.normal(np.linspace(1.0, -0.5, k), 1.5, size=(n, k))), -3, 3)
    eb, vb, m = e.mean(axis=1), v.mean(axis=1), (e * v).sum(axis=1)
    lin = b[0] + b[1] * eb + b[2] * vb + b[3] * m
    if criterion == "continuous":
        y: np.ndarray = lin + rng.normal(0, noise, n)
    elif criterion == "binary":
        y = (lin + rng.logistic(size=n) > 0).astype(int)
    else:
        y = np.searchsorted(np.asarray(cutpoints, float), lin + rng.logistic(size=n)).astype(int)
    data = pd.DataFrame({"respondent": np.arange(1, n + 1)})
    for j, o in enumerate(outcomes):
        data[f"E_{o}"] = e[:, j]
    for j, o in enumerate(outcomes):
        data[f"V_{o}"] = v[:, j].astype(int)
    data["y"] = y
    design = VIEDesign.from_outcomes(list(outcomes))
    coefs = dict(zip(("Intercept", "E", "V", "E*V"), b, strict=True))
    return SimulatedVIE(data, design, {"coefficients": coefs, "criterion": criterion, "noise": noise}, seed)


def true_valence(eta: np.ndarray, cut: np.ndarray, low: float, zero: float) -> np.ndarray:
    """Compute the true score of an ordinal valence item: E[answer | eta] - zero.

    It is ``low + sum_c sigmoid(eta - cut_c) - zero``.

    Parameters
    ----------
    eta : array
        Latent valences (logit scale).
    cut : array (C-1,)
        Cut-points.
    low, zero : float
        The scale's lowest answer and its neutral point.

    Returns
    -------
    array
        Expected answers relative to the neutral point (same shape as ``eta``).

    Examples
    --------
    >>> float(true_valence(np.array(0.0), np.array([-1.0, 1.0]), -1, 0))  # a symmetric 3-point scale
    0.0
    """
    return low + expit(np.asarray(eta)[..., None] - cut).sum(axis=-1) - zero


def simulate_within(n: int, *, outcomes: int | Sequence[str] = 5, items: int = 2,
                    coefficients: Sequence[float] = (0.0, 1.0, 0.3, 0.5), person_sd: Sequence[float] = (0.3, 0.3,
                    0.1, 0.15), criterion: str = "gaussian", noise: float = 0.5, sigma_e: float = 0.9,
                    sigma_v: float = 1.5, phi: float = 12.0, valence_scale: Scale | None = None,
                    error: bool = True, seed: int = 0) -> SimulatedVIE:
    """Simulate a within-subject VIE survey: every respondent rates every outcome; E and V measured by items.

    Per respondent n and outcome k: latent expectancy eta^E ~ N(mu_k, sigma_e) with true score
    E* = logistic(eta^E); ``items`` probability answers ~ Beta(E* phi, (1 - E*) phi), rounded to 0.01.
    Latent valence eta^V ~ N(nu_k, sigma_v); ``items`` ordinal answers (ordered logit, cut-points spaced
    1 apart on a 7-point -3..3 scale) with true score V* = E[answer | eta^V] - zero (:func:`true_valence`).
    Criterion: y = a_n + bE_n E* + bV_n V* + bEV_n E* V* + e, person coefficients ~ N(coefficients,
    person_sd) (independent), e ~ N(0, noise) (``gaussian``) or y ~ Bernoulli(logistic(.)) (``bernoulli``).

    Parameters
    ----------
    n : int
        Respondents.
    outcomes : int or sequence of str
        The outcomes (or offers) each respondent rates.
    items : int
        Items per latent expectancy and valence.
    coefficients : 4 floats
        Population means of (intercept, E, V, E*V).
    person_sd : 4 floats
        Population SDs of the person coefficients.
    criterion : {"gaussian", "bernoulli"}
        The criterion's family.
    noise : float
        Residual SD of a gaussian criterion.
    sigma_e, sigma_v : float
        SDs of the latent expectancy (logit) and valence.
    phi : float
        Beta precision of the probability items.
    valence_scale : Scale, optional
        Bipolar scale of the valence items (default -3..3, zero 0).
    error : bool
        Measurement error in the items (``False``: every item equals the true score, E* and V* + zero,
        unrounded: the manifest regression's own truth).
    seed : int
        Random seed.

    Returns
    -------
    SimulatedVIE
        Long ``data`` (``respondent``, ``outcome``, ``E1..``, ``V1..``, ``y``) and the truth: coefficients,
        person coefficients, true scores ``E_true``, ``V_true`` (n, K), ``M`` (n,), the manifest reliabilities.

    Examples
    --------
    >>> sim = simulate_within(30, seed=1)
    >>> sim.data.shape, sim.truth["M"].shape
    ((150, 7), (30,))
    """
    if criterion not in ("gaussian", "bernoulli"):
        raise ParameterError(f"criterion must be 'gaussian' or 'bernoulli'; got {criterion!r}.")
    names = [f"o{k + 1}" for k in range(outcomes)] if isinstance(outcomes, int) else list(outcomes)
    K = len(names)
    scale = valence_scale or Scale(-3, 3, "bipolar", zero=0)
    C = int(scale.high - scale.low) + 1
    rng = np.random.default_rng(seed)
    mu = np.linspace(-0.4, 0.9, K)
    nu = np.linspace(0.8, -0.4, K)
    eta_e = mu + sigma_e * rng.standard_normal((n, K))
    eta_v = nu + sigma_v * rng.standard_normal((n, K))
    e_true = expit(eta_e)
    cut = np.arange(C - 1) - (C - 2) / 2.0
    v_true = true_valence(eta_v, cut, scale.low, scale.zero)
    e_items = np.round(np.clip(rng.beta(e_true[..., None] * phi, (1 - e_true[..., None]) * phi,
                                        size=(n, K, items)), 0, 1), 2)
    v_items = ordinal.draw_ordinal(rng, np.repeat(eta_v[..., None], items, axis=-1), cut) + scale.low
    if not error:
        e_items = np.repeat(e_true[..., None], items, axis=-1)
        v_items = np.repeat(v_true[..., None] + scale.zero, items, axis=-1)
    b = np.asarray(coefficients, float)
    person = b + np.asarray(person_sd, float) * rng.standard_normal((n, 4))
    lin = person[:, [0]] + person[:, [1]] * e_true + person[:, [2]] * v_true + person[:, [3]] * e_true * v_true
    y: np.ndarray = (lin + noise * rng.standard_normal((n, K)) if criterion == "gaussian"
                     else (rng.uniform(size=(n, K)) < expit(lin)).astype(int))
    data = pd.DataFrame({"respondent": np.repeat(np.arange(1, n + 1), K), "outcome": np.tile(names, n)})
    for j in range(items):
        data[f"E{j + 1}"] = e_items[..., j].ravel()
    for j in range(items):
        data[f"V{j + 1}"] = v_items[..., j].ravel().astype(int) if error else v_items[..., j].ravel()
    data["y"] = y.ravel()
    e_obs, v_obs = e_items.mean(-1), v_items.mean(-1) - scale.zero
    # reliability of the manifest item mean: the squared correlation of true score and observed mean
    rel = {"E": float(np.corrcoef(e_true.ravel(), e_obs.ravel())[0, 1] ** 2),
           "V": float(np.corrcoef(v_true.ravel(), v_obs.ravel())[0, 1] ** 2)}
    truth = {"coefficients": dict(zip(("Intercept", "E", "V", "E*V"), b.tolist(), strict=True)),
             "person_sd": list(map(float, person_sd)), "person": person, "E_true": e_true, "V_true": v_true,
             "M": (e_true * v_true).sum(axis=1), "reliability": rel, "criterion": criterion, "noise": noise,
             "cutpoints": cut, "outcomes": names}
    return SimulatedVIE(data, None, truth, seed)
