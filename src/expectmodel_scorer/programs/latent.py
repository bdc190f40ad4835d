"""Program ``graded_response_eap``: latent E*, P* (and D*, A*) and the gap P* - E* of new respondents.

The latent-expectation model's measurement part with its parameters fixed at their posterior means
(a plug-in EAP): for respondent n with answers y, the latent factors theta (one per battery x dimension)
have the prior N(m_n, R) (m_n: the drivers' shift of the expectations, 0 without drivers) and

    Pr(y[b, j] <= k) = logistic(cut[b', k] - eta),
    eta = mu[b, d] + delta[b', j] + loading[b', j] sigma[b, d] theta[b, d]

(b' = 0 under E/P invariance, b otherwise; d = the item's dimension; with ``item_thresholds`` the
cut-points are item-specific, ``cut`` holding one row per b' and item). The posterior of theta is found in
two steps, vectorised over respondents: Newton's method to its mode (the log posterior is concave in
theta, and its Hessian is diag(answers' curvature) + R^-1), then self-normalised importance sampling
from a multivariate t (6 degrees of freedom) centred at the mode with the Laplace covariance, with a fixed
set of ``draws`` standard draws in antithetic pairs (``seed``). Posterior means and SDs of the levels
mu + sigma theta and of the gap follow from the weighted draws. Unanswered items (NaN) contribute
nothing; a respondent with no answers gets the prior.

Inputs, in order: every battery's items (``batteries`` x items, answer codes ``scale[0]..scale[1]``), then
``n_drivers`` driver columns and, with drivers, one stage code column (0..stages-1) when ``gamma`` has
more than one stage. Outputs: for each battery b and dimension d, ``b[d]`` and ``b[d]_sd``; then, when
the batteries hold E and P under invariance, ``gap[d]`` and ``gap[d]_sd``.
"""

from __future__ import annotations

import numpy as np

ARRAYS = {"mu": 2, "sigma": 2, "delta": 2, "loading": 2, "cut": 2, "corr": 2, "item_dim": 1, "gamma": 3,
          "driver_mean": 1, "driver_sd": 1}
SETTINGS = ("batteries", "dimensions", "scale", "invariant", "n_drivers", "draws", "seed", "item_thresholds")

_NEWTON_STEPS = 30
_DF = 6.0  # degrees of freedom of the importance proposal
_CHUNK = 256  # respondents per block (memory: a few arrays of chunk x draws x answers doubles)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _log_diff_sigmoid(u: np.ndarray, lo: np.ndarray) -> np.ndarray:
    """log(sigmoid(u) - sigmoid(lo)) for u > lo, stable in both tails."""
    # sigmoid(u) - sigmoid(lo) = sigmoid(u) sigmoid(-lo) (1 - exp(lo - u))
    return (-np.logaddexp(0.0, -u) - np.logaddexp(0.0, lo) + np.log1p(-np.exp(np.minimum(lo - u, -1e-12))))


def score(arrays: dict[str, np.ndarray], settings: dict, X: np.ndarray) -> np.ndarray:
    """Posterior means and SDs of the latent levels (and gaps) per row: ``(n, outputs)``."""
    batteries = list(settings["batteries"])
    dims = list(settings["dimensions"])
    low = int(settings["scale"][0])
    invariant = bool(settings["invariant"])
    q = int(settings["n_drivers"])
    draws = int(settings["draws"])
    B, D = len(batteries), len(dims)
    item_dim = arrays["item_dim"].astype(np.intp)
    J = item_dim.size
    F = B * D
    pb = np.zeros(B, np.intp) if invariant else np.arange(B)
    mu, sigma = arrays["mu"], arrays["sigma"]
    # per (battery, item): intercept, slope, factor index and padded cut-points
    intercept = mu[:, item_dim] + arrays["delta"][pb]  # (B, J)
    slope = arrays["loading"][pb] * sigma[:, item_dim]  # (B, J)
    factor = (np.arange(B)[:, None] * D + item_dim[None, :]).ravel()  # (B*J,)
    big = 1e3
    cut_rows = arrays["cut"]
    if not settings["item_thresholds"]:
        cut = cut_rows[pb]  # (B, K-1)
        padded = np.concatenate([np.full((B, 1), -big), cut, np.full((B, 1), big)], axis=1)  # (B, K+1)
    onehot = np.zeros((B * J, F))
    onehot[np.arange(B * J), factor] = 1.0
    R = arrays["corr"]
    R_inv = np.linalg.inv(R)
    L_R = np.linalg.cholesky(R)
    logdet_R = 2.0 * np.log(np.diag(L_R)).sum()

    n = X.shape[0]
    answers = X[:, :B * J]
    shift = np.zeros((n, F))
    if q:
        Z = (X[:, B * J:B * J + q] - arrays["driver_mean"]) / arrays["driver_sd"]
        gamma = arrays["gamma"]  # (S, q, D)
        stage = X[:, B * J + q].astype(np.intp) if gamma.shape[0] > 1 else np.zeros(n, np.intp)
        iE = batteries.index("E")
        shift[:, iE * D:(iE + 1) * D] = np.einsum("nq,nqd->nd", Z, gamma[stage])
    rng = np.random.default_rng(int(settings["seed"]))
    half = (draws + 1) // 2
    std = rng.standard_normal((half, F))
    chi = rng.chisquare(_DF, size=half)
    t_half = std / np.sqrt(chi / _DF)[:, None]  # multivariate t(0, I, df)
    t_draws = np.concatenate([t_half, -t_half])  # antithetic pairs: the proposal's odd moments are exact
    t_logpdf = -0.5 * (_DF + F) * np.log1p((t_draws**2).sum(axis=1) / _DF)  # up to a constant (cancels)

    iE = batteries.index("E") if "E" in batteries else None
    iP = batteries.index("P") if "P" in batteries else None
    with_gap = iE is not None and iP is not None and invariant
    n_out = 2 * F + (2 * D if with_gap else 0)
    out = np.empty((n, n_out))
    a_flat = slope.ravel()
    c_flat = intercept.ravel()
    if settings["item_thresholds"]:  # cut: (B' x J, K-1), one row per parameter battery and item
        row_of = (pb[:, None] * J + np.arange(J)[None, :]).ravel()
        padded = np.concatenate([np.full((cut_rows.shape[0], 1), -big), cut_rows,
                                 np.full((cut_rows.shape[0], 1), big)], axis=1)
    else:
        row_of = np.repeat(np.arange(B), J)  # padded has one row per battery
    for s0 in range(0, n, _CHUNK):
        y = answers[s0:s0 + _CHUNK]
        m = shift[s0:s0 + _CHUNK]
        c = y.shape[0]
        seen = np.isfinite(y)
        k = np.where(seen, y - low, 0).astype(np.intp)  # category 0..K-1
        upper = padded[row_of[None, :], k + 1]  # (c, B*J)
        lower = padded[row_of[None, :], k]
        w = seen.astype(float)

        theta = m.copy()
        for _ in range(_NEWTON_STEPS):
            eta = c_flat + a_flat * (theta @ onehot.T)
            fu, fl = _sigmoid(upper - eta), _sigmoid(lower - eta)
            g_eta = w * (fu + fl - 1.0)  # d/d eta of the log-likelihood
            h_eta = w * (fu * (1 - fu) + fl * (1 - fl))  # minus its second derivative
            grad = (g_eta * a_flat) @ onehot - (theta - m) @ R_inv
            curv = (h_eta * a_flat**2) @ onehot  # (c, F)
            H = R_inv[None] + curv[:, :, None] * np.eye(F)[None]
            step = np.linalg.solve(H, grad[..., None])[..., 0]
            step = np.clip(step, -1.0, 1.0)  # damped: safe far from the mode
            theta = theta + step
            if np.abs(step).max() < 1e-8:
                break
        eta = c_flat + a_flat * (theta @ onehot.T)
        fu, fl = _sigmoid(upper - eta), _sigmoid(lower - eta)
        curv = ((w * (fu * (1 - fu) + fl * (1 - fl))) * a_flat**2) @ onehot
        H = R_inv[None] + curv[:, :, None] * np.eye(F)[None]
        L = np.linalg.cholesky(np.linalg.inv(H))  # (c, F, F) Laplace covariance factor
        pts = theta[:, None, :] + np.einsum("cfg,mg->cmf", L, t_draws)  # (c, M, F)
        logdet_L = np.log(np.diagonal(L, axis1=1, axis2=2)).sum(axis=1)  # (c,)
        dev = pts - m[:, None, :]
        log_prior = -0.5 * np.einsum("cmf,fg,cmg->cm", dev, R_inv, dev) - 0.5 * logdet_R
        log_q = t_logpdf[None, :] - logdet_L[:, None]
        eta_m = c_flat + a_flat * (pts @ onehot.T)  # (c, M, B*J)
        ll = (w[:, None, :] * _log_diff_sigmoid(upper[:, None, :] - eta_m, lower[:, None, :] - eta_m)).sum(-1)
        lw = ll + log_prior - log_q  # (c, M)
        lw -= lw.max(axis=1, keepdims=True)
        wt = np.exp(lw)
        wt /= wt.sum(axis=1, keepdims=True)
        levels = mu.ravel()[None, None, :] + sigma.ravel()[None, None, :] * pts  # (c, M, F)
        mean = np.einsum("cm,cmf->cf", wt, levels)
        var = np.einsum("cm,cmf->cf", wt, (levels - mean[:, None, :]) ** 2)
        cols = [mean, np.sqrt(var)]
        block = np.empty((c, n_out))
        block[:, 0:2 * F:2], block[:, 1:2 * F:2] = cols
        if with_gap:
            gap = levels[:, :, iP * D:(iP + 1) * D] - levels[:, :, iE * D:(iE + 1) * D]
            gm = np.einsum("cm,cmd->cd", wt, gap)
            gv = np.einsum("cm,cmd->cd", wt, (gap - gm[:, None, :]) ** 2)
            block[:, 2 * F::2], block[:, 2 * F + 1::2] = gm, np.sqrt(gv)
        out[s0:s0 + c] = block
    return out


def outputs(batteries: list[str], dimensions: list[str], invariant: bool) -> list[str]:
    """Return the output names of the program, in its order (used by the fitting side to write a spec)."""
    names = [f"{b}[{d}]{s}" for b in batteries for d in dimensions for s in ("", "_sd")]
    if "E" in batteries and "P" in batteries and invariant:
        names += [f"gap[{d}]{s}" for d in dimensions for s in ("", "_sd")]
    return names
