"""Log predictive density of held-out respondents, their latent levels integrated out (grouped K-fold).

For a respondent n who was not in the fit and a posterior draw s of the population parameters phi_s,

    log p(y_n | phi_s) = log ∫ p(y_n | theta, phi_s) N(theta; m_n, R_s) d theta

(theta: the respondent's battery x dimension factors; m_n: the drivers' shift of the expectations; R_s:
the factor correlation). The integral has as many dimensions as factors (B x D, 10 for SERVQUAL's E and P),
too many for a product quadrature rule, so it is computed by importance sampling with a Laplace proposal,
per draw and respondent: Newton's method to the mode of the integrand (log-concave in theta), then
``points`` points of a multivariate t (6 degrees of freedom; scrambled Sobol' points in antithetic pairs)
centred there with the Laplace covariance. The estimate is the log of the mean importance weight, divided
by the same points' estimate of the integral of the Laplace normal itself (exactly 1: a ratio estimator
that cancels most of the shared points' error). It is the scoring program's integration
(:mod:`expectmodel_scorer.programs.latent`) done at every posterior draw, with the normalising constants
kept. With ``var="satisfaction"`` the target is the predictive density of the satisfaction answers *given*
the respondent's E/P answers, the held-out analogue of leave-one-respondent-out LOO on the satisfaction term
(whose posterior keeps the respondent's own answers). The exact predictive is a ratio of posterior means,

    p(s_n | y_n, data) = mean_s p(s_n, y_n | phi_s) / mean_s p(y_n | phi_s),

not the mean of the per-draw conditionals p(s_n | y_n, phi_s) (that average weights every draw equally,
where the respondent's own E/P answers should reweight the draws by p(y_n | phi_s)). Both pieces come out of the
same importance sample, so the per-draw value returned is log p(s_n, y_n | phi_s) - log mean_s' p(y_n | phi_s'):
its log mean over the draws (what :func:`expectmodel.sampling.elpd.kfold` takes) is exactly the log of the ratio.
The per-draw values are therefore only meaningful through that mean (over the draws passed in one call).

``tests/latent/test_heldout.py`` checks the estimate against one-dimensional adaptive quadrature and
against plain Monte Carlo from the prior.
"""

from __future__ import annotations

import numpy as np
from scipy import stats
from scipy.special import gammaln, logsumexp, ndtri
from scipy.stats import qmc

from expectmodel.latent._forward import satisfaction_loglik
from expectmodel.measurement.ordinal import ordinal_logp, padded
from expectmodel_scorer.programs.latent import _sigmoid  # the scoring program's (one logistic in the family)

__all__ = ["heldout_loglik"]

_DF = 6.0  # degrees of freedom of the importance proposal (heavier tails than the Laplace normal)
_NEWTON_STEPS = 40
_CELLS = 3_000_000  # draws x respondents x points x answers per block (memory: a few arrays of this many doubles)


def heldout_loglik(p: dict, *, item_dim: np.ndarray, invariant: bool, cat: np.ndarray, answered: np.ndarray,
                   drivers: np.ndarray | None = None, stage: np.ndarray | None = None,
                   i_e: int | None = None, sat: tuple | None = None, var: str = "answers",
                   points: int = 200, seed: int = 0) -> np.ndarray:
    """Return log p(held-out respondent's answers | posterior draw), shape (draws, respondents).

    Parameters
    ----------
    p : dict
        Posterior draws of the population parameters with a leading draw axis: ``mu`` (S, B, D), ``sigma``
        (S, B, D), ``delta`` and ``loading`` (S, B', J), ``cut`` (S, B', K-1) or (S, B', J, K-1); optional
        ``corr`` (S, F, F), ``Gamma`` (S, stages, q, D), ``delta_battery`` (S, B, J), and for
        ``var="satisfaction"`` ``beta_P``, ``beta_E`` (S, D), ``sat_cut`` (S, items, K_s-1), ``sat_resid_sd``.
    item_dim : array (J,)
        Dimension of each item.
    invariant : bool
        Whether the batteries share the item parameters (B' = 1).
    cat, answered : arrays (n, B, J)
        Categories 0..K-1 and the answered mask of the held-out respondents.
    drivers : array (n, q), optional
        Driver values standardised with the *fit's* means and SDs.
    stage : array (n,), optional
        The respondents' stage codes in the fit's stage order.
    i_e : int, optional
        The E battery's index (the drivers shift it).
    sat : tuple, optional
        ``(sat_cat, sat_answered, i_e, i_p, quadrature_nodes)``: (n, items) satisfaction categories and mask.
    var : {"answers", "satisfaction"}
        The density of the E/P answers, or of the satisfaction answers given them.
    points : int
        Importance points per draw and respondent, rounded up to twice a power of two (a scrambled Sobol'
        sequence in antithetic pairs).
    seed : int
        Seed of the standard proposal points (shared by every draw and respondent).

    Returns
    -------
    numpy.ndarray
        (S, n) log predictive densities: ``log p(y_n | phi_s)`` per draw for ``var="answers"``; for
        ``var="satisfaction"``, ``log p(s_n, y_n | phi_s) - log mean_s' p(y_n | phi_s')``, whose log mean over
        the draws is the exact predictive log p(s_n | y_n) (module docstring).
    """
    mu, sigma = np.asarray(p["mu"], float), np.asarray(p["sigma"], float)
    S, B, D = mu.shape
    J = item_dim.size
    F = B * D
    n = cat.shape[0]
    pb = np.zeros(B, np.intp) if invariant else np.arange(B)
    delta = np.asarray(p["delta"], float)[:, pb, :]  # (S, B, J)
    if "delta_battery" in p:
        delta = delta + np.asarray(p["delta_battery"], float)
    c = (mu[:, :, item_dim] + delta).reshape(S, B * J)  # intercepts
    a = (np.asarray(p["loading"], float)[:, pb, :] * sigma[:, :, item_dim]).reshape(S, B * J)  # slopes
    factor = (np.arange(B)[:, None] * D + item_dim[None, :]).ravel()  # (B*J,) factor of each (battery, item)
    onehot = np.zeros((B * J, F))
    onehot[np.arange(B * J), factor] = 1.0
    cp = padded(np.asarray(p["cut"], float))
    flat_cat = cat.reshape(n, B * J)
    w = answered.reshape(n, B * J).astype(float)
    if cp.ndim == 4:  # item-specific thresholds: (S, B', J, K+1)
        rows = cp[:, pb].reshape(S, B * J, -1)  # (S, B*J, K+1)
    else:
        rows = np.repeat(cp[:, pb], J, axis=1)  # (S, B*J, K+1)
    col = np.arange(B * J)[None, :]
    lower = rows[:, col, flat_cat]  # (S, n, B*J)
    upper = rows[:, col, flat_cat + 1]
    R = np.asarray(p["corr"], float) if "corr" in p else np.broadcast_to(np.eye(F), (S, F, F))
    R_inv = np.linalg.inv(R)
    logdet_R = 2.0 * np.log(np.diagonal(np.linalg.cholesky(R), axis1=1, axis2=2)).sum(axis=1)  # (S,)
    m = np.zeros((S, n, F))
    if drivers is not None and drivers.shape[1] and "Gamma" in p:
        gamma = np.asarray(p["Gamma"], float)  # (S, stages, q, D)
        st = np.zeros(n, np.intp) if stage is None else np.asarray(stage, np.intp)
        m[:, :, i_e * D:(i_e + 1) * D] = np.einsum("nq,snqd->snd", drivers, gamma[:, st])

    # the standard proposal points: multivariate t(0, I, df), antithetic pairs
    log2_half = max(1, int(np.ceil(np.log2(max(int(points), 2) / 2))))
    u = qmc.Sobol(F + 1, scramble=True, seed=seed).random_base2(log2_half)  # randomised quasi-Monte Carlo
    u = np.clip(u, 1e-12, 1 - 1e-12)
    z = ndtri(u[:, :F]) / np.sqrt(stats.chi2.ppf(u[:, F], _DF) / _DF)[:, None]
    t = np.concatenate([z, -z])  # (M, F)
    M = t.shape[0]
    log_t = (gammaln((_DF + F) / 2) - gammaln(_DF / 2) - 0.5 * F * np.log(_DF * np.pi)
             - 0.5 * (_DF + F) * np.log1p((t**2).sum(axis=1) / _DF))  # (M,)
    # ratio (control-variate) correction: the same points' estimate of the integral of the Laplace normal
    # itself, which is exactly 1; dividing by it removes the error the shared point set makes in every estimate
    log_norm = logsumexp(-0.5 * (t**2).sum(axis=1) - 0.5 * F * np.log(2 * np.pi) - log_t)

    # 1. the mode of log p(y | theta) + log N(theta; m, R), all draws and respondents at once
    theta = m.copy()
    for _ in range(_NEWTON_STEPS):
        eta = c[:, None, :] + a[:, None, :] * (theta @ onehot.T)
        fu, fl = _sigmoid(upper - eta), _sigmoid(lower - eta)
        grad = (w * (fu + fl - 1.0) * a[:, None, :]) @ onehot - np.einsum("snf,sfg->sng", theta - m, R_inv)
        curv = (w * (fu * (1 - fu) + fl * (1 - fl)) * a[:, None, :] ** 2) @ onehot  # (S, n, F)
        H = R_inv[:, None] + curv[..., None] * np.eye(F)
        step = np.clip(np.linalg.solve(H, grad[..., None])[..., 0], -1.0, 1.0)  # damped far from the mode
        theta = theta + step
        if np.abs(step).max() < 1e-9:
            break
    eta = c[:, None, :] + a[:, None, :] * (theta @ onehot.T)
    fu, fl = _sigmoid(upper - eta), _sigmoid(lower - eta)
    curv = (w * (fu * (1 - fu) + fl * (1 - fl)) * a[:, None, :] ** 2) @ onehot
    H = R_inv[:, None] + curv[..., None] * np.eye(F)
    L = np.linalg.cholesky(np.linalg.inv(H))  # (S, n, F, F) Laplace covariance factor
    logdet_L = np.log(np.diagonal(L, axis1=2, axis2=3)).sum(axis=2)  # (S, n)

    # 2. importance sampling, in blocks of draws
    want_sat = var == "satisfaction"
    out = np.empty((S, n))
    ll_y = np.empty((S, n)) if want_sat else out  # log p(y_n | phi_s), the ratio's denominator per draw
    step_s = max(1, _CELLS // max(1, n * M * B * J))
    for s0 in range(0, S, step_s):
        sl = slice(s0, s0 + step_s)
        pts = theta[sl, :, None, :] + np.einsum("snfg,mg->snmf", L[sl], t)  # (s, n, M, F)
        dev = pts - m[sl, :, None, :]
        log_prior = (-0.5 * np.einsum("snmf,sfg,snmg->snm", dev, R_inv[sl], dev)
                     - 0.5 * (logdet_R[sl] + F * np.log(2 * np.pi))[:, None, None])
        log_q = log_t[None, None, :] - logdet_L[sl][..., None]
        eta_m = c[sl, None, None, :] + a[sl, None, None, :] * (pts @ onehot.T)  # (s, n, M, B*J)
        ll = (w[None, :, None, :] * ordinal_logp(None, eta_m, lower[sl, :, None, :], upper[sl, :, None, :])).sum(-1)
        lw = ll + log_prior - log_q  # (s, n, M)
        ll_y[sl] = logsumexp(lw, axis=-1) - log_norm
        if not want_sat:
            continue
        sat_cat, sat_answered, s_e, s_p, nodes = sat
        levels = mu[sl].reshape(-1, 1, 1, F) + sigma[sl].reshape(-1, 1, 1, F) * pts  # (s, n, M, F)
        levels = levels.reshape(*levels.shape[:3], B, D)
        eta_s = (levels[..., s_p, :] * np.asarray(p["beta_P"], float)[sl, None, None, :]).sum(-1)
        if s_e is not None and "beta_E" in p:
            eta_s = eta_s + (levels[..., s_e, :] * np.asarray(p["beta_E"], float)[sl, None, None, :]).sum(-1)
        resid = np.asarray(p["sat_resid_sd"], float)[sl] if "sat_resid_sd" in p and nodes else None
        ll_s = satisfaction_loglik(np.moveaxis(eta_s, 2, 0), np.asarray(p["sat_cut"], float)[sl], resid,
                                   sat_cat, sat_answered, nodes or 1)  # (M, s, n)
        out[sl] = logsumexp(lw + np.moveaxis(ll_s, 0, 2), axis=-1) - log_norm  # log p(s_n, y_n | phi_s)
    if want_sat:  # the exact predictive: log mean p(s, y | phi) - log mean p(y | phi), carried per draw
        out = out - (logsumexp(ll_y, axis=0) - np.log(S))[None, :]
    return out
