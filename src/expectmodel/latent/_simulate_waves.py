"""Simulate survey waves from the adaptive-expectations model of :mod:`expectmodel.latent.dynamics`.

Public as :func:`expectmodel.latent.dynamics.simulate_waves` and
:class:`expectmodel.latent.dynamics.SimulatedWaves` (and from :mod:`expectmodel.latent`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from expectmodel.latent.design import Design
from expectmodel.latent.simulate import simulate_latent


@dataclass(frozen=True)
class SimulatedWaves:
    """Simulated survey waves with their design and truth.

    The truth holds ``alpha``, ``E_level`` and ``P_level`` (stage x wave x dimension), ``state_sd``, the
    measurement parameters, and ``levels`` per row.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent and wave: answers, ``wave``, ``id``, ``stage`` (and satisfaction).
    design : Design
        The design that reads ``data``.
    truth : dict
        The generating parameters.
    """

    data: pd.DataFrame
    design: Design
    truth: dict


def simulate_waves(n: int = 300, *, waves: int = 3, dimensions=None, stages=("first-time", "long-term"),
                   alpha=None, state_sd: float = 0.1, link: str | None = None, scale=(1, 7),
                   seed: int = 0) -> SimulatedWaves:
    """Draw a panel of ``n`` respondents over ``waves`` waves from the adaptive-expectations model.

    Parameters
    ----------
    n : int
        Respondents (each answers every wave; ids ``0..n-1``).
    waves : int
        Waves (labelled 1..waves).
    dimensions : mapping, optional
        Dimension -> items (default: two dimensions of three items).
    stages : sequence of str
        Customer stages (drawn per respondent; alpha per stage).
    alpha : sequence of float, optional
        True alpha per stage (default 0.5, 0.25, ...).
    state_sd : float
        SD of the innovations.
    link : {"gap", "free", "perf"}, optional
        Add one satisfaction item from this link.
    scale : (int, int)
        Answer categories.
    seed : int
        Random seed.

    Returns
    -------
    SimulatedWaves
        Data, design and truth.

    Examples
    --------
    >>> sim = simulate_waves(50, waves=3, seed=2)
    >>> sim.data["wave"].unique().tolist(), sim.truth["E_level"].shape
    ([1, 2, 3], (2, 3, 2))
    """
    rng = np.random.default_rng(seed)
    dims = dict(dimensions or {"service": ("q1", "q2", "q3"), "staff": ("q4", "q5", "q6")})
    D, S = len(dims), len(stages)
    a = np.asarray(alpha if alpha is not None else np.linspace(0.5, 0.25, S), dtype=float)
    e = np.zeros((S, waves, D))
    p = rng.uniform(0.0, 1.5, size=(S, waves, D))
    e[:, 0] = rng.uniform(0.8, 1.6, size=(S, D))
    for t in range(1, waves):
        e[:, t] = e[:, t - 1] + a[:, None] * (p[:, t - 1] - e[:, t - 1]) + state_sd * rng.standard_normal((S, D))
    stage = rng.integers(S, size=n)
    base = simulate_latent(2, dimensions=dims, scale=scale, link=link, seed=seed + 1).truth
    shared = {k: base[k] for k in ("delta", "loading", "sigma", "cut", "corr", "beta_P", "beta_E", "sat_cut")
              if k in base}
    frames, levels = [], []
    for t in range(waves):
        for s in range(S):
            ids = np.flatnonzero(stage == s)
            if not ids.size:
                continue
            cell = simulate_latent(ids.size, dimensions=dims, scale=scale, link=link,
                                   truth={**shared, "mu": np.stack([e[s, t], p[s, t]])},
                                   seed=int(rng.integers(2**31)))
            f = cell.data.reset_index(drop=True)
            f.insert(0, "id", ids)
            f["wave"] = t + 1
            f["stage"] = stages[s]
            frames.append(f)
            levels.append(cell.truth["levels"])
    data = pd.concat(frames, ignore_index=True)
    data["stage"] = pd.Categorical(data["stage"], categories=list(stages))
    order = np.lexsort((data["id"].to_numpy(), data["wave"].to_numpy()))
    data = data.iloc[order].reset_index(drop=True)
    lev = np.concatenate(levels)[order]
    design = Design(dimensions=dims, batteries={"E": "E_{item}", "P": "P_{item}"}, scale=scale,
                    satisfaction=("sat1",) if link else (), stage="stage", stages=tuple(stages))
    truth = {**shared, "alpha": a, "E_level": e, "P_level": p, "state_sd": state_sd, "levels": lev,
             "stage": stage}
    return SimulatedWaves(data, design, truth)
