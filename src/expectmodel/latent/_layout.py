"""What the latent model's pymc graph and its numpy mirror read: the frozen model configuration
(:class:`LatentConfig`) and the index arrays and sizes of one data set (:class:`Layout`).

The graph (:mod:`expectmodel.latent._graph`) and the mirror (:mod:`expectmodel.latent._forward`)
take these two objects, never the estimator.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

import numpy as np

from expectmodel.latent._forward import SAT_QUADRATURE, Observations, satisfaction_dense
from expectmodel.latent.design import Design, SurveyData
from expectmodel.latent.priors import LatentPriors
from expectmodel.measurement.beta import squeeze

__all__ = ["LatentConfig", "Layout", "Prepared", "build_layout", "stage_pooling", "structure_key"]

#: Stages with at least this many respondents each get centred stage coefficients (see stage_pooling).
CENTRED_STAGE_MIN = 100


@dataclass(frozen=True)
class LatentConfig:
    """The model settings the graph depends on (validated by the estimator first).

    Examples
    --------
    >>> LatentConfig(link="gap", batteries=("E", "P")).invariance
    True
    """

    link: str | None = None
    invariance: bool = True
    drivers: bool = True
    scale_usage: bool = False
    lkj_eta: float = 2.0
    person_parameterization: str = "noncentred"
    batteries: tuple[str, ...] = ("E", "P")
    priors: LatentPriors = field(default_factory=LatentPriors)
    thresholds: str = "rating"
    free_items: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        """JSON-ready fields."""
        out = asdict(self)
        out["batteries"] = list(self.batteries)
        out["free_items"] = list(self.free_items)
        return out


@dataclass(frozen=True)
class Layout:
    """Index arrays and sizes that the pymc graph and the numpy mirror share."""

    obs: Observations
    batteries: tuple[str, ...]
    dims: tuple[str, ...]
    items: tuple[str, ...]
    item_dim: np.ndarray
    K: int
    invariant: bool
    sat: Observations | None
    K_sat: int
    drivers: np.ndarray | None  # (n, q) standardised
    driver_mean: np.ndarray | None
    driver_sd: np.ndarray | None
    stage: np.ndarray
    stages: tuple[str, ...]
    cat: np.ndarray  # (n, B, J) category 0..K-1 (0 where unanswered)
    answered: np.ndarray | None  # (n, B, J) bool, None when every cell is answered
    prob: int | None = None  # battery index of probability-stated expectations (Beta measurement)
    prob_obs: Observations | None = None  # their answered cells
    prob_y: np.ndarray | None = None  # (n, J) squeezed probabilities, 0.5 where unanswered
    sat_cat: np.ndarray | None = None  # (n, satisfaction items) categories, 0 where unanswered
    sat_answered: np.ndarray | None = None  # (n, satisfaction items) bool
    sat_quadrature: int = 0  # Gauss-Hermite nodes for the shared satisfaction residual (0: none)
    driver_names: tuple[str, ...] = ()
    sat_items: tuple[str, ...] = ()

    @property
    def B(self) -> int:
        return len(self.batteries)

    @property
    def D(self) -> int:
        return len(self.dims)

    @property
    def J(self) -> int:
        return len(self.items)

    @property
    def n(self) -> int:
        return self.obs.n

    def index(self, battery: str) -> int | None:
        return self.batteries.index(battery) if battery in self.batteries else None


@dataclass(frozen=True)
class Prepared:
    """One data set ready for the latent model: the validated data, the configuration and the layout."""

    data: SurveyData
    config: LatentConfig
    layout: Layout


def build_layout(config: LatentConfig, design: Design, data: SurveyData) -> Layout:
    """The :class:`Layout` of ``data`` under ``config``."""
    d = design
    batteries = config.batteries
    ordinal = {b: (np.full_like(data.answers[b], np.nan) if b in d.probability else data.answers[b])
               for b in batteries}
    obs = Observations.from_blocks([ordinal[b] for b in batteries], d.scale[0])
    sat = sat_cat = sat_answered = None
    if config.link is not None:
        sat = Observations.from_blocks([data.satisfaction], d.satisfaction_scale[0])
        sat_cat, sat_answered = satisfaction_dense(sat, len(d.satisfaction))
    X = mean = sd = None
    if config.drivers and d.drivers:
        mean = data.drivers.mean(axis=0)
        sd = data.drivers.std(axis=0)
        X = (data.drivers - mean) / sd
    dense = np.stack([ordinal[b] for b in batteries], axis=1)
    answered = np.isfinite(dense)
    cat = np.where(answered, dense - d.scale[0], 0).astype(np.intp)
    prob = prob_obs = prob_y = None
    if "E" in d.probability and "E" in batteries:
        prob = batteries.index("E")
        raw = data.answers["E"]
        ok = np.isfinite(raw)
        prob_y = squeeze(raw, ok)
        r, j = np.nonzero(ok)
        prob_obs = Observations(r, j, np.full(r.size, prob), np.zeros(r.size, np.intp), data.n)
        answered[:, prob, :] = ok  # reused as the Beta mask; the ordinal mask excludes it in the graph
    return Layout(obs, batteries, tuple(d.dimensions), d.items, d.item_dimension, d.n_categories,
                  config.invariance, sat, d.satisfaction_scale[1] - d.satisfaction_scale[0] + 1,
                  X, mean, sd, data.stage, data.stages, cat,
                  None if answered.all() and prob is None else answered, prob, prob_obs, prob_y,
                  sat_cat, sat_answered, SAT_QUADRATURE if sat is not None and len(d.satisfaction) > 1 else 0,
                  tuple(d.drivers), tuple(d.satisfaction))


def stage_pooling(lay: Layout) -> str:
    """How the stage coefficients Gamma_s ~ N(Gamma_mean, Gamma_sd) enter the sampler.

    With a hundred or more respondents in every stage the data pin each Gamma_s down (standard
    errors near 0.1 or below), and the non-centred form Gamma_mean + Gamma_sd * raw ties
    Gamma_mean, Gamma_sd and raw into a curved ridge; the centred form mixes better there. Small
    stages keep the non-centred form, which avoids the funnel when the prior dominates.
    """
    if lay.drivers is None or len(lay.stages) < 2:
        return "none"
    counts = np.bincount(lay.stage, minlength=len(lay.stages))
    return "centred" if counts.min() >= CENTRED_STAGE_MIN else "non-centred"


def structure_key(config: LatentConfig, design: Design, lay: Layout) -> tuple:
    """Everything the graph depends on apart from the values of its ``pm.Data`` containers: the
    configuration, the design, the shapes and which optional blocks exist. Two fits with equal keys
    share one compiled model."""
    return (
        json.dumps(config.to_dict(), sort_keys=True, default=str),
        json.dumps(design.to_dict(), sort_keys=True, default=str),
        lay.n, lay.B, lay.D, lay.J, lay.K, lay.K_sat, lay.invariant, lay.prob,
        lay.answered is None, lay.drivers is None, lay.sat is None, tuple(lay.stages), stage_pooling(lay),
        lay.sat_quadrature,
    )
