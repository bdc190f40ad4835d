"""The latent-expectation model in plain numpy: one source of truth for simulation,
prior/posterior predictive draws and the pointwise log-likelihood.

The pymc model in :mod:`expectmodel.latent._graph` writes the same algebra in
pytensor; ``tests/latent/test_forward.py`` checks that both give the same
log-density at random points. The ordinal and Beta measurement pieces themselves live in
:mod:`expectmodel.measurement` (each as a pytensor/numpy pair).

Shapes: ``B`` latent batteries, ``D`` dimensions, ``J`` items, ``K`` categories,
``n`` respondents. ``F = B * D`` latent factors, ordered battery-major.
Parameter arrays may carry leading draw axes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.special import expit, logsumexp

from expectmodel.measurement.beta import beta_logp
from expectmodel.measurement.ordinal import draw_ordinal, ordinal_logp, padded

__all__ = ["Observations", "latent_levels", "respondent_loglik", "satisfaction_loglik", "simulate_answers"]

#: Gauss-Hermite nodes that integrate out the satisfaction items' shared respondent residual. Largest
#: error of a respondent's log-likelihood (two items, any answers, |eta| <= 5; tests/latent/test_forward.py):
#: 3e-9 for residual SDs up to 1, 7e-6 up to 1.5, 3e-4 up to 2 (the prior puts 5% above 2).
SAT_QUADRATURE = 24


@lru_cache(maxsize=8)
def residual_quadrature(nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and log weights of the ``nodes``-point Gauss-Hermite rule for E f(u), u ~ N(0, 1)."""
    x, w = np.polynomial.hermite_e.hermegauss(nodes)
    return x, np.log(w / w.sum())


@dataclass(frozen=True)
class Observations:
    """Answered cells in flat form, sorted by respondent (for segment sums per respondent)."""

    resp: np.ndarray  # (N,) respondent index
    item: np.ndarray  # (N,) item index
    battery: np.ndarray  # (N,) latent battery index 0..B-1
    cat: np.ndarray  # (N,) category 0..K-1
    n: int

    @classmethod
    def from_blocks(cls, blocks: list[np.ndarray], low: int) -> Observations:
        """From one (n, J) answer array per battery, NaN for no answer."""
        resp, item, batt, cat = [], [], [], []
        for b, vals in enumerate(blocks):
            r, j = np.nonzero(np.isfinite(vals))
            resp.append(r)
            item.append(j)
            batt.append(np.full(r.size, b))
            cat.append(vals[r, j].astype(np.intp) - low)
        resp, item, batt, cat = (np.concatenate(v).astype(np.intp) for v in (resp, item, batt, cat))
        order = np.argsort(resp, kind="stable")
        return cls(resp[order], item[order], batt[order], cat[order], blocks[0].shape[0])

    def segment_sum(self, values: np.ndarray) -> np.ndarray:
        """Sum a (..., N) array over each respondent's observations: (..., n), 0 where none."""
        out = np.zeros((*values.shape[:-1], self.n))
        if self.resp.size == 0:
            return out
        starts = np.flatnonzero(np.r_[True, self.resp[1:] != self.resp[:-1]])
        out[..., self.resp[starts]] = np.add.reduceat(values, starts, axis=-1)
        return out


def measurement_eta(p: dict, obs: Observations, item_dim: np.ndarray, invariant: bool) -> np.ndarray:
    """Linear predictor of every observed answer, (..., N).

    η = μ[b, d] + δ[b', j] + λ[b', j] σ[b, d] θ[n, b, d] (+ τ_n with scale-usage heterogeneity),
    where b' = 0 under E/P invariance and b' = b otherwise.
    """
    d = item_dim[obs.item]
    pb = np.zeros_like(obs.battery) if invariant else obs.battery
    mu = p["mu_rows"][..., obs.resp, obs.battery, d] if "mu_rows" in p else p["mu"][..., obs.battery, d]
    delta = p["delta"][..., pb, obs.item]
    lam = p["loading"][..., pb, obs.item]
    sigma = p["sigma"][..., obs.battery, d]
    theta = p["theta"][..., obs.resp, obs.battery, d]
    eta = mu + delta + lam * sigma * theta
    if "delta_battery" in p:  # partial invariance: freed items' battery-specific offset shifts
        eta = eta + p["delta_battery"][..., obs.battery, obs.item]
    if "shift" in p:
        eta = eta + p["shift"][..., obs.resp]
    return eta


def measurement_cuts(p: dict, obs: Observations, invariant: bool) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper cut-points of every observed answer, (..., N) each."""
    pb = np.zeros_like(obs.battery) if invariant else obs.battery
    cp = padded(p["cut"])  # (..., B', K+1), or (..., B', J, K+1) with item-specific thresholds
    if item_thresholds(p):
        lower, upper = cp[..., pb, obs.item, obs.cat], cp[..., pb, obs.item, obs.cat + 1]
    else:
        lower, upper = cp[..., pb, obs.cat], cp[..., pb, obs.cat + 1]
    if "stretch" in p:
        w = p["stretch"][..., obs.resp]
        lower, upper = lower * w, upper * w
    return lower, upper


def item_thresholds(p: dict) -> bool:
    """Whether the cut-points are item-specific (the full graded-response model): ``cut`` then has one more
    axis than the item offsets ``delta`` (..., B', J, K-1) against (..., B', J)."""
    return np.ndim(p["cut"]) == np.ndim(p["delta"]) + 1


def latent_levels(p: dict) -> np.ndarray:
    """Latent levels μ[b, d] + σ[b, d] θ[n, b, d] of every battery: (..., n, B, D).

    With ``mu_rows`` (row-specific means, e.g. the dynamics' stage x wave cells) it replaces μ.
    """
    mu = p["mu_rows"] if "mu_rows" in p else p["mu"][..., None, :, :]
    return mu + p["sigma"][..., None, :, :] * p["theta"]


def satisfaction_eta(p: dict, i_e: int | None, i_p: int) -> np.ndarray:
    """η^S_n = Σ_d β^P_d P*_nd + β^E_d E*_nd: (..., n). With several satisfaction items a respondent's
    answers also share a residual ζ_n ~ N(0, sat_resid_sd²), integrated out (:func:`satisfaction_loglik`)."""
    lev = latent_levels(p)
    eta = (lev[..., i_p, :] * p["beta_P"][..., None, :]).sum(-1)
    if i_e is not None:
        eta = eta + (lev[..., i_e, :] * p["beta_E"][..., None, :]).sum(-1)
    return eta


def satisfaction_dense(sat: Observations, n_items: int) -> tuple[np.ndarray, np.ndarray]:
    """The satisfaction answers as (n, items) categories (0 where unanswered) and the answered mask."""
    cat = np.zeros((sat.n, n_items), dtype=np.intp)
    answered = np.zeros((sat.n, n_items), dtype=bool)
    cat[sat.resp, sat.item] = sat.cat
    answered[sat.resp, sat.item] = True
    return cat, answered


def satisfaction_loglik(eta: np.ndarray, cut: np.ndarray, resid_sd: np.ndarray | None, cat: np.ndarray,
                        answered: np.ndarray, nodes: int = SAT_QUADRATURE) -> np.ndarray:
    """log Pr(respondent's satisfaction answers), (..., n), from η^S (..., n), the items' cut-points
    (..., items, K-1) and the dense answers ``cat``/``answered`` (n, items).

    With ``resid_sd`` the answers share ζ_n ~ N(0, resid_sd²), integrated out by Gauss-Hermite
    quadrature: log Σ_q w_q Π_i Pr(y_ni | η_n + resid_sd x_q). As a sampled latent per respondent,
    ζ made its SD mix slowly (the posterior reaches down to 0 with two items: a funnel); the marginal
    likelihood leaves one smooth parameter. Without ``resid_sd`` the items are independent given η.
    """
    cp = padded(cut)
    items = np.arange(cat.shape[1])
    lower = cp[..., items, cat][..., None]  # (..., n, items, 1)
    upper = cp[..., items, cat + 1][..., None]
    if resid_sd is None:
        x, logw = np.zeros(1), np.zeros(1)
        shift = np.zeros((*eta.shape, 1))
    else:
        x, logw = residual_quadrature(nodes)
        shift = np.asarray(resid_sd)[..., None, None] * x
    eta_q = (eta[..., None] + shift)[..., None, :]  # (..., n, 1, Q)
    lp = (ordinal_logp(None, eta_q, lower, upper) * answered[..., None]).sum(axis=-2)  # (..., n, Q)
    return logsumexp(lp + logw, axis=-1)


def simulate_answers(p: dict, lay, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Answers (categories 0..K-1) drawn at every *observed* cell, per parameter draw.

    Returns ``{"answers": (S, N), "satisfaction": (S, N_sat)}``; used for the prior
    and posterior predictive checks, in the layout of ``lay.obs`` / ``lay.sat``.
    """
    eta = measurement_eta(p, lay.obs, lay.item_dim, lay.invariant)
    pb = np.zeros_like(lay.obs.battery) if lay.invariant else lay.obs.battery
    cut = p["cut"][:, pb, lay.obs.item, :] if item_thresholds(p) else p["cut"][:, pb, :]  # (S, N, K-1)
    if "stretch" in p:
        cut = cut * p["stretch"][:, lay.obs.resp, None]
    out = {"answers": draw_ordinal(rng, eta, cut)}
    if lay.sat is not None:
        eta_s = satisfaction_eta(p, lay.index("E"), lay.index("P"))
        if "sat_resid_sd" in p:  # a fresh shared residual per respondent and draw
            eta_s = eta_s + p["sat_resid_sd"][:, None] * rng.standard_normal(eta_s.shape)
        out["satisfaction"] = draw_ordinal(rng, eta_s[:, lay.sat.resp], p["sat_cut"][:, lay.sat.item, :])
    return out


def respondent_loglik(p: dict, lay, chunk: int = 64) -> dict[str, np.ndarray]:
    """Pointwise log-likelihood summed per respondent: ``{"answers": (S, n), "satisfaction": (S, n)}``.

    Leave-one-respondent-out LOO uses these sums (METHODS §6.4); the satisfaction term is marginal over
    the respondent's satisfaction residual (:func:`satisfaction_loglik`). Computed in
    chunks of draws so memory stays at ``chunk × N`` doubles.
    """
    S = p["mu"].shape[0]
    out = {"answers": np.empty((S, lay.n))}
    if lay.sat is not None:
        out["satisfaction"] = np.empty((S, lay.n))
    for s0 in range(0, S, chunk):
        q = {k: v[s0:s0 + chunk] for k, v in p.items()}
        eta = measurement_eta(q, lay.obs, lay.item_dim, lay.invariant)
        lower, upper = measurement_cuts(q, lay.obs, lay.invariant)
        out["answers"][s0:s0 + chunk] = lay.obs.segment_sum(ordinal_logp(lay.obs.cat, eta, lower, upper))
        if getattr(lay, "prob_obs", None) is not None:
            po = lay.prob_obs
            m = expit(measurement_eta(q, po, lay.item_dim, lay.invariant))
            phi = q["precision"][..., po.item]
            out["answers"][s0:s0 + chunk] += po.segment_sum(beta_logp(lay.prob_y[po.resp, po.item], m, phi))
        if lay.sat is not None:
            out["satisfaction"][s0:s0 + chunk] = satisfaction_loglik(
                satisfaction_eta(q, lay.index("E"), lay.index("P")), q["sat_cut"], q.get("sat_resid_sd"),
                lay.sat_cat, lay.sat_answered, lay.sat_quadrature)
    return out
