"""Simulate E/P (and D/A) survey batteries from the latent-expectation model, with known truth.

Every variant of the model can be simulated: invariant or battery-specific item
parameters, the three satisfaction links, drivers with stage-specific
coefficients (never-used customers without a P battery), scale-usage
heterogeneity and missing answers. The answers are drawn with the same numpy
algebra that the fitted model's predictive checks use (``_forward``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from expectmodel.errors import SpecError
from expectmodel.latent._forward import latent_levels, satisfaction_eta
from expectmodel.latent.design import SERVQUAL_DIMENSIONS, Design
from expectmodel.measurement.ordinal import centred_cutpoints, draw_ordinal

__all__ = ["SimulatedLatent", "simulate_latent"]

DRIVER_NAMES = ("word_of_mouth", "promises", "past_experience", "needs", "price")
#: SD of the residual that several satisfaction items share (logit scale)
SAT_RESID_SD = 0.5


@dataclass(frozen=True)
class SimulatedLatent:
    """Simulated answers, the design that reads them, and the generating parameters.

    Returned by :func:`simulate_latent`.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent: columns ``{battery}_{item}``, then ``sat1`` ... (with a link), the
        driver columns and ``stage`` (when asked for).
    design : Design
        The :class:`~expectmodel.latent.Design` that reads ``data``.
    truth : dict
        The generating parameters under the model's names (``mu`` (batteries, dimensions),
        ``delta``, ``loading``, ``sigma``, ``cut``, ``corr``, ``theta`` (n, batteries, dimensions),
        ``levels``, and ``beta_P``/``beta_E``, ``Gamma``, ``shift``/``stretch`` for the variants
        that have them), plus ``stage`` codes and ``drivers`` values.

    Examples
    --------
    >>> sim = simulate_latent(100, dimensions={"a": ("q1", "q2"), "b": ("q3", "q4")}, link="gap", seed=2)
    >>> sim
    SimulatedLatent(n=100, batteries=['E', 'P'], truth=['beta_E', 'beta_P', 'corr', 'cut', 'delta', \
'drivers', 'levels', 'loading', 'mu', 'sat_cut', 'sat_eta', 'sigma', 'stage', 'theta'])
    >>> bool((sim.truth["beta_E"] == -sim.truth["beta_P"]).all())  # the gap link
    True
    >>> sim.design.satisfaction, sim.truth["theta"].shape
    (('sat1',), (100, 2, 2))
    """

    data: pd.DataFrame
    design: Design
    truth: dict

    def __repr__(self) -> str:
        return f"SimulatedLatent(n={len(self.data)}, batteries={list(self.design.columns)}, truth={sorted(self.truth)})"


def _correlation(B: int, D: int, within: float, same_dim: float, other: float) -> np.ndarray:
    F = B * D
    R = np.full((F, F), other)
    for b in range(B):
        R[b * D:(b + 1) * D, b * D:(b + 1) * D] = within
    for d in range(D):
        for b1 in range(B):
            for b2 in range(B):
                if b1 != b2:
                    R[b1 * D + d, b2 * D + d] = same_dim
    np.fill_diagonal(R, 1.0)
    if np.linalg.eigvalsh(R).min() <= 0:
        raise SpecError("the requested factor correlations do not form a positive-definite matrix.")
    return R


def simulate_latent(
    n: int = 500,
    *,
    dimensions: Mapping[str, Sequence[str]] | None = None,
    batteries: Sequence[str] = ("E", "P"),
    scale: tuple[int, int] = (1, 7),
    link: str | None = None,
    n_satisfaction: int = 1,
    drivers: int | Sequence[str] = 0,
    stages: Sequence[str] | None = None,
    no_perception: Sequence[str] = (),
    invariance: bool = True,
    scale_usage: bool = False,
    missing_rate: float = 0.0,
    probability: bool = False,
    thresholds: str = "rating",
    truth: Mapping[str, np.ndarray] | None = None,
    seed: int = 0,
) -> SimulatedLatent:
    """Draw a survey from known parameters.

    Parameters mirror :class:`~expectmodel.latent.LatentExpectations`. ``truth``
    overrides any generated parameter (same names and shapes as in the returned
    ``truth``). ``probability=True`` states the E battery as probabilities in [0, 1]
    (Beta measurement, rounded to 0.01; needs ``invariance=False``). Expectations sit
    near the top of the scale and perceptions below them, as in real SERVQUAL data.

    Parameters
    ----------
    n : int
        Respondents.
    dimensions : mapping of str to sequence of str, optional
        Dimension -> item ids (default: the SERVQUAL layout, :data:`SERVQUAL_DIMENSIONS`).
    batteries : sequence of str
        Battery codes to simulate, in order (``"E"``, ``"P"``, ``"D"``, ``"A"``).
    scale : (int, int)
        Lowest and highest answer category.
    link : {"gap", "free", "perf"} or None
        Simulate overall satisfaction under this link (needs the P battery).
    n_satisfaction : int
        Satisfaction items; with more than one they share a respondent residual (SD 0.5).
    drivers : int or sequence of str
        Number of drivers of expectations (named from word of mouth, promises, past experience,
        needs, price) or their names.
    stages : sequence of str, optional
        Customer stages, drawn uniformly; driver coefficients differ by stage.
    no_perception : sequence of str
        Stages whose P answers (and satisfaction) are left empty.
    invariance : bool
        Share item offsets, loadings and cut-points across batteries.
    scale_usage : bool
        Add a respondent shift and stretch of the answer scale.
    missing_rate : float
        Share of answers blanked at random.
    probability : bool
        State the E battery as probabilities (needs ``invariance=False``).
    thresholds : {"rating", "item"}
        Cut-points shared by the items, or item-specific (``truth["cut"]`` then has shape
        (parameter batteries, items, K - 1)).
    truth : mapping of str to array, optional
        Parameters to use instead of generated ones.
    seed : int
        Random seed; the same seed gives the same survey.

    Returns
    -------
    SimulatedLatent
        The answers (``data``), the :class:`~expectmodel.latent.Design` that reads them and the
        generating parameters (``truth``).

    Raises
    ------
    SpecError
        A combination the model cannot generate (a link without P, probabilities with invariance).

    Examples
    --------
    >>> sim = simulate_latent(50, seed=1)
    >>> sim.data.shape
    (50, 44)
    >>> sim = simulate_latent(30, dimensions={"a": ("q1", "q2")}, batteries=("E", "P"), scale=(1, 5),
    ...                       drivers=2, stages=("new", "loyal"), truth={"mu": [[1.0], [0.0]]}, seed=4)
    >>> sim.data.columns.tolist()
    ['E_q1', 'E_q2', 'P_q1', 'P_q2', 'word_of_mouth', 'promises', 'stage']
    >>> sim.truth["mu"].tolist(), sim.design.stages
    ([[1.0], [0.0]], ('new', 'loyal'))
    >>> int(sim.data["E_q1"].min()) >= 1 and int(sim.data["E_q1"].max()) <= 5
    True
    """
    rng = np.random.default_rng(seed)
    dims = {str(k): tuple(v) for k, v in (dimensions or SERVQUAL_DIMENSIONS).items()}
    D = len(dims)
    items = [it for v in dims.values() for it in v]
    J = len(items)
    item_dim = np.repeat(np.arange(D), [len(v) for v in dims.values()])
    B = len(batteries)
    K = scale[1] - scale[0] + 1
    Bp = 1 if invariance else B
    driver_names = list(DRIVER_NAMES[:drivers]) if isinstance(drivers, int) else list(drivers)
    q = len(driver_names)
    stage_names = tuple(stages) if stages is not None else ("all",)
    if probability and ((invariance and B > 1) or "E" not in batteries):
        raise SpecError("probability=True needs the E battery and invariance=False.")
    if link is not None and not {"P"} <= set(batteries):
        raise SpecError("a satisfaction link needs the P battery.")

    t: dict[str, np.ndarray] = {}
    base = {"E": (1.0, 2.0), "P": (0.0, 1.2), "D": (1.5, 2.5), "A": (-0.5, 0.5)}
    t["mu"] = np.stack([rng.uniform(*base.get(b, (0.5, 1.5)), size=D) for b in batteries])
    raw = rng.normal(0, 0.5, size=(Bp, J))
    for k in range(D):
        raw[:, item_dim == k] -= raw[:, item_dim == k].mean(axis=1, keepdims=True)
    t["delta"] = raw
    t["loading"] = rng.uniform(1.0, 2.0, size=(Bp, J))
    sigma = np.ones((B, D))
    if invariance:
        ref = batteries.index("E") if "E" in batteries else 0
        for b in range(B):
            if b != ref:
                sigma[b] = rng.uniform(0.8, 1.25, size=D)
    t["sigma"] = sigma
    gaps = np.full((Bp, max(K - 2, 0)), 5.0 / max(K - 2, 1)) * rng.uniform(0.8, 1.2, size=(Bp, max(K - 2, 0)))
    t["cut"] = centred_cutpoints(gaps) if K > 2 else np.zeros((Bp, 1))
    if thresholds == "item":  # the full graded-response model: each item its own spacing (centred per item)
        spread = rng.uniform(0.55, 1.45, size=(Bp, J, 1)) * rng.uniform(0.8, 1.2, size=(Bp, J, max(K - 2, 0)))
        t["cut"] = centred_cutpoints(gaps[:, None, :] * spread) if K > 2 else np.zeros((Bp, J, 1))
    elif thresholds != "rating":
        raise SpecError(f"thresholds must be 'rating' or 'item'; got {thresholds!r}.")
    t["corr"] = _correlation(B, D, within=0.5, same_dim=0.35, other=0.2)
    if link is not None:
        t["beta_P"] = rng.uniform(0.4, 0.9, size=D) / np.sqrt(D)
        t["beta_E"] = {"gap": -t["beta_P"], "free": -0.4 * t["beta_P"], "perf": np.zeros(D)}[link]
        t["sat_cut"] = np.stack([centred_cutpoints(np.full(K - 2, 4.0 / max(K - 2, 1)))] * n_satisfaction)
    if probability:
        t["precision"] = rng.uniform(8.0, 20.0, size=J)
    if q:
        t["Gamma_mean"] = rng.normal(0, 0.35, size=(q, D))
        t["Gamma_sd"] = np.full(q, 0.15)
        t["Gamma"] = t["Gamma_mean"][None] + t["Gamma_sd"][None, :, None] * rng.normal(size=(len(stage_names), q, D))
    if truth:
        for k, v in truth.items():
            t[k] = np.asarray(v, dtype=float)
        if link == "gap" and "beta_P" in truth and "beta_E" not in truth:
            t["beta_E"] = -t["beta_P"]

    stage = rng.integers(len(stage_names), size=n)
    zeta = rng.standard_normal((n, B * D)) @ np.linalg.cholesky(t["corr"]).T
    theta = zeta.reshape(n, B, D)
    X = None
    if q:
        X = rng.standard_normal((n, q))
        if "E" in batteries:
            theta[:, batteries.index("E"), :] += np.einsum("nq,nqd->nd", X, t["Gamma"][stage])
    t["theta"] = theta
    p = {k: v[None] for k, v in t.items()}
    if scale_usage:
        t["shift"] = rng.normal(0, 0.5, size=n)
        t["stretch"] = np.exp(rng.normal(0, 0.2, size=n))
        p["shift"], p["stretch"] = t["shift"][None], t["stretch"][None]

    # answers for every cell (then masked), drawn with the model's own algebra
    pb = np.zeros(B, int) if invariance else np.arange(B)
    lev = latent_levels(p)[0]
    t["levels"] = lev
    cols: dict[str, np.ndarray] = {}
    for b, name in enumerate(batteries):
        eta = (t["mu"][b, item_dim][None] + t["delta"][pb[b]][None]
               + t["loading"][pb[b]][None] * t["sigma"][b, item_dim][None] * theta[:, b, item_dim])
        cut = np.broadcast_to(t["cut"][pb[b]], (n, J, K - 1)).copy()
        if scale_usage:
            eta = eta + t["shift"][:, None]
            cut = cut * t["stretch"][:, None, None]
        if probability and name == "E":
            m = 1.0 / (1.0 + np.exp(-eta))
            y = np.round(rng.beta(m * t["precision"], (1 - m) * t["precision"]), 2)
        else:
            y = draw_ordinal(rng, eta, cut).astype(float) + scale[0]
        if missing_rate:
            y[rng.uniform(size=y.shape) < missing_rate] = np.nan
        if name == "P" and no_perception:
            y[np.isin(np.asarray(stage_names)[stage], no_perception)] = np.nan
        for j, it in enumerate(items):
            cols[f"{name}_{it}"] = y[:, j]
    sat_cols: list[str] = []
    if link is not None:
        eta_s = satisfaction_eta(p, batteries.index("E") if "E" in batteries else None, batteries.index("P"))[0]
        if n_satisfaction > 1:
            t["sat_resid_sd"] = SAT_RESID_SD
            t["sat_resid"] = rng.normal(0, SAT_RESID_SD, size=n)
            eta_s = eta_s + t["sat_resid"]
        t["sat_eta"] = eta_s
        for s in range(n_satisfaction):
            y = draw_ordinal(rng, eta_s, t["sat_cut"][s]).astype(float) + scale[0]
            if no_perception:
                y[np.isin(np.asarray(stage_names)[stage], no_perception)] = np.nan
            sat_cols.append(f"sat{s + 1}")
            cols[sat_cols[-1]] = y
    frame = pd.DataFrame(cols, index=pd.RangeIndex(n, name="respondent"))
    if q:
        for j, name in enumerate(driver_names):
            frame[name] = X[:, j]
    if stages is not None:
        frame["stage"] = pd.Categorical(np.asarray(stage_names)[stage], categories=list(stage_names))
    design = Design(
        dimensions=dims, batteries={b: f"{b}_{{item}}" for b in batteries}, scale=scale,
        satisfaction=sat_cols, drivers=driver_names, stage="stage" if stages is not None else None,
        stages=stage_names if stages is not None else None, no_perception=no_perception,
        probability=("E",) if probability else (),
    )
    t["stage"] = stage
    t["drivers"] = X
    return SimulatedLatent(frame, design, t)
