"""Simulators with known truth: Kano answer pairs (category probabilities, drift, stage mix) and ratings.

:func:`simulate_kano` draws each respondent's category per attribute, then an answer pair from the cells of
the evaluation table that give that category (so classifying the answers gives back the drawn
categories). Drift follows the life cycle on the maturity ladder A < O < M: among the respondents whose
answer is on the ladder, Pr(maturity <= k) = logistic(kappa_k - gamma_j t - delta_s), with wave t = 0, 1,
..., the attribute's time slope gamma_j and the customer stage's offset delta_s; the I, R and Q shares stay
at their wave-0 values. This is the cumulative-logit model :class:`~expectmodel.kano.KanoDrift` fits, so
its slopes are the truth to recover.

:func:`simulate_ratings` draws performance ratings and an ordinal overall satisfaction whose logit has
separate slopes below and above each attribute's neutral point (must-be: steep below, flat above;
attractive: the reverse; one-dimensional: equal; indifferent: none).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit, logit

from expectmodel.kano.questionnaire import ANSWERS, CATEGORIES, table_codes

__all__ = ["SimulatedKano", "SimulatedRatings", "simulate_kano", "simulate_ratings"]

#: Slopes (below, above the neutral point) of each Kano kind in :func:`simulate_ratings`.
KIND_SLOPES = {"M": (1.2, 0.1), "O": (0.7, 0.7), "A": (0.1, 1.2), "I": (0.0, 0.0)}


@dataclass(frozen=True)
class SimulatedKano:
    """Simulated Kano answers and the truth behind them.

    Parameters
    ----------
    data : pandas.DataFrame
        ``<attribute>_f`` / ``<attribute>_d`` answer codes (1 = like ... 5 = dislike), ``wave`` and
        ``stage``.
    categories : pandas.DataFrame
        The drawn category of every respondent and attribute.
    probabilities : numpy.ndarray (waves, stages, attributes, 6)
        True category probabilities (A, O, M, I, R, Q).
    slopes : dict of str to float
        True maturity time slope per attribute (log-odds of a more mature category per wave).
    stage_shifts : dict of str to float
        True maturity offset per stage.
    stage_mix : numpy.ndarray (waves, stages)
        Share of each stage in each wave.
    attributes, stages : tuple of str
        Names, in order.
    seed : int
        The seed used.

    Examples
    --------
    >>> sim = simulate_kano(200, {"wifi": [0.3, 0.3, 0.2, 0.1, 0.05, 0.05]}, seed=1)
    >>> sim.data.columns.tolist(), sim.probabilities.shape
    (['wifi_f', 'wifi_d', 'wave', 'stage'], (1, 1, 1, 6))
    >>> sim.truth()["probabilities"][0][0][0]
    [0.3, 0.3, 0.2, 0.1, 0.05, 0.05]
    """

    data: pd.DataFrame
    categories: pd.DataFrame
    probabilities: np.ndarray
    slopes: dict[str, float]
    stage_shifts: dict[str, float]
    stage_mix: np.ndarray
    attributes: tuple[str, ...]
    stages: tuple[str, ...]
    seed: int

    def truth(self) -> dict[str, Any]:
        """Return the truth as JSON-ready values (for a ``*_truth.json`` file).

        Returns
        -------
        dict
            Probabilities (per wave, stage, attribute and category), slopes, stage shifts and mix.
        """
        return {"categories": list(CATEGORIES), "attributes": list(self.attributes), "stages": list(self.stages),
                "probabilities": self.probabilities.round(6).tolist(), "slopes": self.slopes,
                "stage_shifts": self.stage_shifts, "stage_mix": self.stage_mix.round(6).tolist(), "seed": self.seed}


def _cells(table: Any) -> list[np.ndarray]:
    """For each category, the flat (functional * 5 + dysfunctional) cells of the table that give it."""
    codes = table_codes(table).ravel()
    return [np.flatnonzero(codes == k) for k in range(6)]


def probabilities_at(base: np.ndarray, move: np.ndarray) -> np.ndarray:
    """Category probabilities (..., p, 6) when the ladder A < O < M moves by ``move`` (..., p) on the logit scale.

    ``base`` (p, 6) are the probabilities at move 0; I, R and Q keep their base shares.
    """
    ladder = base[:, :3].sum(-1)
    cum = np.cumsum(base[:, :2], -1) / np.maximum(ladder, 1e-300)[:, None]  # Pr(A), Pr(A or O) on the ladder
    kappa = logit(np.clip(cum, 1e-12, 1 - 1e-12))
    c = expit(kappa - np.asarray(move)[..., None])  # (..., p, 2)
    lad = np.stack([c[..., 0], c[..., 1] - c[..., 0], 1 - c[..., 1]], -1) * ladder[:, None]
    rest = np.broadcast_to(base[:, 3:], (*lad.shape[:-1], 3))
    return np.concatenate([lad, rest], -1)


def simulate_kano(
    n: int,
    attributes: Mapping[str, Sequence[float]],
    *,
    waves: int = 1,
    slopes: Mapping[str, float] | None = None,
    stages: Mapping[str, tuple[float, Sequence[float] | float]] | None = None,
    table: Any = "standard",
    missing_rate: float = 0.0,
    seed: int = 0,
) -> SimulatedKano:
    """Simulate Kano answer pairs from known category probabilities, drift over waves and a stage mix.

    Parameters
    ----------
    n : int
        Respondents per wave.
    attributes : mapping name -> six probabilities
        Category probabilities (A, O, M, I, R, Q) at wave 0 for a stage with shift 0.
    waves : int
        Number of waves (``wave`` = 1, 2, ...).
    slopes : mapping name -> float, optional
        Maturity time slope per attribute (default 0: no drift).
    stages : mapping stage -> (shift, share), optional
        Each customer stage's maturity offset and its share in every wave (a number, or one per wave;
        shares are normalised per wave). Default: one stage ``"all"``.
    table : evaluation table
        Which answer pairs give which category.
    missing_rate : float
        Share of answer pairs left missing (both answers NaN).
    seed : int
        Random seed.

    Returns
    -------
    SimulatedKano
        Data and truth.

    Examples
    --------
    >>> sim = simulate_kano(300, {"app": [0.5, 0.2, 0.1, 0.2, 0.0, 0.0]}, waves=3, slopes={"app": 0.8}, seed=2)
    >>> sim.data["wave"].value_counts().sort_index().tolist(), sim.slopes
    ([300, 300, 300], {'app': 0.8})
    >>> bool(sim.probabilities[2, 0, 0, 2] > sim.probabilities[0, 0, 0, 2])  # more must-be later
    True
    """
    rng = np.random.default_rng(seed)
    names = tuple(attributes)
    base = np.array([np.asarray(attributes[a], dtype=float) for a in names])
    base = base / base.sum(-1, keepdims=True)
    slope = np.array([float((slopes or {}).get(a, 0.0)) for a in names])
    stages = stages or {"all": (0.0, 1.0)}
    snames = tuple(stages)
    shift = np.array([float(stages[s][0]) for s in snames])
    mix = np.array([np.broadcast_to(np.asarray(stages[s][1], dtype=float), (waves,)) for s in snames]).T
    mix = mix / mix.sum(-1, keepdims=True)
    t = np.arange(waves, dtype=float)
    move = slope[None, None, :] * t[:, None, None] + shift[None, :, None]  # (waves, stages, attributes)
    probs = probabilities_at(base, move)
    wave = np.repeat(np.arange(waves), n)
    stage = np.concatenate([rng.choice(len(snames), n, p=mix[w]) for w in range(waves)])
    p = probs[wave, stage]  # (N, attributes, 6)
    u = rng.random(p.shape[:-1])[..., None]
    cat = (u > np.cumsum(p, -1)).sum(-1).clip(0, 5)  # inverse-CDF draw, no loop over respondents
    cells = _cells(table)
    counts = np.array([c.size for c in cells])
    pick = np.floor(rng.random(cat.shape) * np.maximum(counts[cat], 1)).astype(int)
    flat = np.zeros_like(cat)
    for k in range(6):  # six categories, not respondents
        mask = cat == k
        if counts[k]:
            flat[mask] = cells[k][pick[mask]]
    f, d = flat // 5 + 1.0, flat % 5 + 1.0
    if missing_rate > 0:
        gone = rng.random(cat.shape) < missing_rate
        f[gone] = d[gone] = np.nan
    cols: dict[str, Any] = {}
    for j, a in enumerate(names):
        cols[f"{a}_f"], cols[f"{a}_d"] = f[:, j], d[:, j]
    data = pd.DataFrame(cols)
    data["wave"] = wave + 1
    data["stage"] = np.asarray(snames, dtype=object)[stage]
    drawn = pd.DataFrame({a: pd.Categorical.from_codes(cat[:, j], list(CATEGORIES)) for j, a in enumerate(names)})
    return SimulatedKano(data, drawn, probs, dict(zip(names, slope.tolist(), strict=True)),
                         dict(zip(snames, shift.tolist(), strict=True)), mix, names, snames, seed)


@dataclass(frozen=True)
class SimulatedRatings:
    """Simulated performance ratings and overall satisfaction with known asymmetric slopes.

    Parameters
    ----------
    data : pandas.DataFrame
        One rating column per attribute (1-5) and ``satisfaction`` (1-K).
    kinds : dict of str to str
        The true Kano kind of each attribute (M, O, A, I).
    below, above : dict of str to float
        True slopes of the satisfaction logit per rating point below and above the neutral point.
    seed : int
        The seed used.

    Examples
    --------
    >>> sim = simulate_ratings(100, {"clean": "M", "spa": "A"}, seed=1)
    >>> sim.data.columns.tolist(), sim.below["clean"] > sim.above["clean"]
    (['clean', 'spa', 'satisfaction'], True)
    """

    data: pd.DataFrame
    kinds: dict[str, str]
    below: dict[str, float]
    above: dict[str, float]
    seed: int


def simulate_ratings(n: int, kinds: Mapping[str, str], *, scale: tuple[int, int] = (1, 5), levels: int = 7,
                     seed: int = 0) -> SimulatedRatings:
    """Simulate ratings and an ordinal satisfaction with asymmetric slopes by Kano kind.

    Satisfaction is an ordered logit in ``levels`` categories with linear predictor
    sum_j below_j * min(x_j - m, 0) + above_j * max(x_j - m, 0), m the scale midpoint; the slopes come
    from :data:`KIND_SLOPES`.

    Parameters
    ----------
    n : int
        Respondents.
    kinds : mapping attribute -> "M", "O", "A" or "I"
        The true kind of each attribute.
    scale : (int, int)
        The rating scale.
    levels : int
        Satisfaction categories (1..levels).
    seed : int
        Random seed.

    Returns
    -------
    SimulatedRatings
        Data and truth.

    Examples
    --------
    >>> sim = simulate_ratings(500, {"clean": "M"}, seed=2)
    >>> int(sim.data["satisfaction"].min()) >= 1, int(sim.data["satisfaction"].max()) <= 7
    (True, True)
    """
    rng = np.random.default_rng(seed)
    low, high = scale
    points = np.arange(low, high + 1)
    weights = np.exp(-0.5 * ((points - (low + high) / 2) / (0.35 * (high - low))) ** 2)
    weights /= weights.sum()
    names = tuple(kinds)
    x = rng.choice(points, size=(n, len(names)), p=weights).astype(float)
    mid = (low + high) / 2
    below = np.array([KIND_SLOPES[kinds[a]][0] for a in names])
    above = np.array([KIND_SLOPES[kinds[a]][1] for a in names])
    eta = np.minimum(x - mid, 0) @ below + np.maximum(x - mid, 0) @ above
    latent = eta + rng.logistic(size=n)
    cuts = np.quantile(latent, np.linspace(0, 1, levels + 1)[1:-1])
    sat = 1 + (latent[:, None] > cuts[None, :]).sum(1)
    data = pd.DataFrame(x.astype(int), columns=list(names))
    data["satisfaction"] = sat
    return SimulatedRatings(data, dict(kinds), dict(zip(names, below.tolist(), strict=True)),
                            dict(zip(names, above.tolist(), strict=True)), seed)


_ = ANSWERS  # the answer order behind the code arithmetic f = cell // 5 + 1 (1 = like ... 5 = dislike)
