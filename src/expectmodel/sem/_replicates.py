"""Bootstrap replicates of a PLS fit: sign-change corrections, point fields and derived reliabilities."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from expectmodel.sem import _kernel as k
from expectmodel.sem import quality

if TYPE_CHECKING:
    from expectmodel.sem.results import PLSResults


_UNDEFINED_FOR_SOME = ("index", "alpha", "rhoC", "AVE")


def _reliability_of_loadings(loadings: np.ndarray, layout: k.Layout) -> dict[str, np.ndarray]:
    """rho_C and AVE (B, m) from own-block loadings (B, p); NaN for single items (as :mod:`quality`)."""
    q = layout.mask.sum(axis=0)
    total = loadings @ layout.mask
    err = (1 - loadings**2) @ layout.mask
    with np.errstate(invalid="ignore", divide="ignore"):
        rho_c = total**2 / (total**2 + err)
        ave = (loadings**2 @ layout.mask) / q
    single = q == 1
    return {"rho_c": np.where(single, np.nan, rho_c), "ave": np.where(single, np.nan, ave)}


def _sign_changed(stored: dict[str, np.ndarray], res: PLSResults, mode: str) -> dict[str, np.ndarray]:
    """Apply a sign-change correction to bootstrap (or jackknife) replicates (Tenenhaus et al. 2005).

    ``"construct"``: a replicate's construct is flipped when its loadings lie closer to the negated
    full-sample loadings (sum |l - l*| > sum |l + l*|); its weights and loadings change sign, and so does
    every path and total effect with exactly one flipped end. ``"individual"``: every weight, loading,
    path and total effect takes the sign of its full-sample estimate. Other quantities do not depend on
    the constructs' signs.
    """
    if mode == "none":
        return stored
    layout = res.layout
    point_w, point_l = res.est.weights[0], res.est.loadings[0]
    src, dst = np.nonzero(layout.adjacency)
    out = dict(stored)
    if mode == "individual":
        out["weights"] = np.abs(stored["weights"]) * np.sign(point_w)
        out["loadings"] = np.abs(stored["loadings"]) * np.sign(point_l)
        out["paths"] = np.abs(stored["paths"]) * np.sign(res.est.paths[0][src, dst])
        out["total"] = np.abs(stored["total"]) * np.sign(res.est.total[0])
        return out
    lam = stored["loadings"]
    closer = (np.abs(point_l - lam) @ layout.mask) > (np.abs(point_l + lam) @ layout.mask)  # (B, m)
    sign = np.where(closer, -1.0, 1.0)
    own = sign[:, layout.block_of]
    out["weights"], out["loadings"] = stored["weights"] * own, lam * own
    out["paths"] = stored["paths"] * sign[:, src] * sign[:, dst]
    out["total"] = stored["total"] * sign[:, :, None] * sign[:, None, :]
    return out


def _point_fields(res: PLSResults) -> dict[str, np.ndarray]:
    est, layout = res.est, res.layout
    src, dst = np.nonzero(layout.adjacency)
    return {
        "weights": est.weights[0], "loadings": est.loadings[0], "paths": est.paths[0][src, dst],
        "r2": est.r2[0, list(layout.endogenous)], "total": est.total[0], "index": est.index[0],
        "htmt": quality.htmt(res.s, layout)[np.triu_indices(layout.m, 1)],
        "alpha": quality.cronbach_alpha(res.s, layout), "rho_a": est.rho_a[0],
        "f2": quality.f_squared_stack(est.corr_used, est.r2, layout)[0],
    }
