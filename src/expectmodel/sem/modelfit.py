"""Overall model fit of a PLS path model (Dijkstra & Henseler 2015; cSEM's ``assess`` and ``testOMF``).

The model-implied indicator correlation matrix Sigma follows cSEM's ``fit()``:

* within a composite block (``<~``) the indicators' correlations are free: Sigma_kk = S_kk;
* within a reflective block (``=~``) a common factor implies Sigma_ij = lambda_i lambda_j (i != j);
* between blocks Sigma_kl = lambda_k r_kl lambda_l', with ``lambda`` the loadings (indicator-construct
  correlations; PLSc's consistent loadings under ``consistent=True``) and ``r`` the construct correlations:
  free ("saturated") or implied by the structural model ("estimated": exogenous constructs keep their
  correlations, each endogenous construct gets its paths and an uncorrelated residual of variance 1 - R^2);
* unit diagonal.

Discrepancies: SRMR = sqrt(mean of the squared residuals over the lower triangle with the diagonal,
p(p+1)/2 entries, as cSEM); d_ULS = 1/2 sum_ij (s_ij - sigma_ij)^2; d_G = 1/2 sum_k (log phi_k)^2, phi the
eigenvalues of S^-1 Sigma; NFI = 1 - F(Sigma) / F(I) with the ML discrepancy F(Sigma) = log|Sigma| -
log|S| + tr(S Sigma^-1) - p (the null model Sigma = I). The bootstrap test transforms the standardised
data to fit the model exactly (Bollen & Stine 1992: Z S^-1/2 Sigma^1/2), refits every resample and
compares each discrepancy with the 95% and 99% quantiles of its resampled values.

GoF = sqrt(mean communality x mean R^2) (Tenenhaus et al. 2005; communality averaged over the
indicators of multi-item blocks) is reported because ECSI papers ask for it; it is not a test of fit
(Henseler & Sarstedt 2013).
"""

from __future__ import annotations

import numpy as np

from expectmodel.sem import _kernel as k
from expectmodel.sem import _moments
from expectmodel.sem._estimates import Options, StackEstimates, estimate_stack

__all__ = ["DISCREPANCIES", "bollen_stine", "discrepancies", "gof", "implied_correlations"]

#: The discrepancies reported, in order.
DISCREPANCIES = ("SRMR", "d_ULS", "d_G", "NFI")


def _implied_constructs(c: np.ndarray, paths: np.ndarray, r2: np.ndarray, layout: k.Layout) -> np.ndarray:
    """Construct correlations (B, m, m) implied by the recursive structural model."""
    bsz, m = c.shape[0], layout.m
    exo = np.array([i for i in range(m) if not layout.preds[i].size], dtype=int)
    endo = np.array(layout.endogenous, dtype=int)
    psi = np.zeros((bsz, m, m))
    psi[:, exo[:, None], exo] = c[:, exo[:, None], exo]
    psi[:, endo, endo] = 1.0 - r2[:, endo]
    inv = np.linalg.inv(np.eye(m) - paths.transpose(0, 2, 1))
    return inv @ psi @ inv.transpose(0, 2, 1)


def implied_correlations(est: StackEstimates, s: np.ndarray, layout: k.Layout, composite: np.ndarray,
                         saturated: bool = True) -> np.ndarray:
    """Build the model-implied indicator correlations (B, p, p) of a fitted stack.

    Parameters
    ----------
    est : StackEstimates
        The estimates of the stack ``s``.
    s : numpy.ndarray
        The indicator correlations (B, p, p) the stack was fitted on.
    layout : Layout
        The compiled model.
    composite : numpy.ndarray
        (m,) bool: the blocks whose indicator correlations are free (``<~`` constructs and single items).
    saturated : bool
        Free construct correlations (``True``) or those implied by the structural model.

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> import expectmodel as em
    >>> from expectmodel.sem.modelfit import implied_correlations
    >>> res = em.PLS(em.spec.templates.ecsi()).fit(em.simulate.survey(em.spec.templates.ecsi(), 250, seed=1).data)
    >>> sigma = implied_correlations(res.est, res.s[None], res.layout, res.layout.mask.sum(axis=0) == 1)
    >>> sigma.shape, bool((sigma[0].diagonal() == 1).all())
    ((1, 24, 24), True)
    """
    c = est.corr_used
    if not saturated:
        c = _implied_constructs(c, est.paths, est.r2, layout)
    lam = est.loadings[:, :, None] * layout.mask  # (B, p, m)
    sigma = lam @ c @ lam.transpose(0, 2, 1)
    for kk, idx in enumerate(layout.blocks):
        block = np.ix_(idx, idx)
        if composite[kk]:
            sigma[:, block[0], block[1]] = s[:, block[0], block[1]]
        else:
            own = est.loadings[:, idx]
            sigma[:, block[0], block[1]] = own[:, :, None] * own[:, None, :]
    p = layout.p
    sigma[:, np.arange(p), np.arange(p)] = 1.0
    return sigma


def discrepancies(s: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """SRMR, d_ULS, d_G and NFI (B, 4) of observed ``s`` and implied ``sigma`` correlations (B, p, p).

    Parameters
    ----------
    s, sigma : numpy.ndarray
        Observed and model-implied correlation matrices.

    Returns
    -------
    numpy.ndarray
        Columns in the order of :data:`DISCREPANCIES`; d_G and NFI are NaN where ``sigma`` is not
        positive definite, and for the whole stack when a member of ``s`` is singular.

    Examples
    --------
    >>> import numpy as np
    >>> s = np.array([[[1.0, 0.5], [0.5, 1.0]]]); sigma = np.array([[[1.0, 0.3], [0.3, 1.0]]])
    >>> discrepancies(s, sigma)[0, :2].round(4)  # SRMR over 3 entries, d_ULS = 0.2^2
    array([0.1155, 0.04  ])
    """
    p = s.shape[-1]
    resid = s - sigma
    low = np.tril_indices(p)
    srmr = np.sqrt((resid[:, low[0], low[1]] ** 2).mean(axis=1))
    d_uls = 0.5 * (resid**2).sum(axis=(1, 2))
    if (np.linalg.eigvalsh(s)[:, 0] <= 1e-12).any():  # a singular S (repeated indicators): no d_G or NFI
        nan = np.full(s.shape[0], np.nan)
        return np.column_stack([srmr, d_uls, nan, nan])
    with np.errstate(invalid="ignore", divide="ignore"):
        chol = np.linalg.cholesky(s)
        inv_l = np.linalg.inv(chol)
        phi = np.linalg.eigvalsh(inv_l @ sigma @ inv_l.transpose(0, 2, 1))
        d_g = 0.5 * (np.log(phi) ** 2).sum(axis=1)
        sign, logdet_sigma = np.linalg.slogdet(sigma)
        _, logdet_s = np.linalg.slogdet(s)
        f_model = logdet_sigma - logdet_s + np.trace(s @ np.linalg.inv(sigma), axis1=1, axis2=2) - p
        nfi = 1.0 - f_model / (-logdet_s)
    bad = (sign <= 0) | (phi.min(axis=1) <= 0)
    d_g = np.where(bad, np.nan, d_g)
    nfi = np.where(bad, np.nan, nfi)
    return np.column_stack([srmr, d_uls, d_g, nfi])


def gof(loadings: np.ndarray, r2: np.ndarray, layout: k.Layout) -> float:
    r"""Compute Tenenhaus et al.'s GoF: sqrt(mean communality of multi-item blocks x mean R^2).

    Parameters
    ----------
    loadings : numpy.ndarray
        (p,) own-block loadings.
    r2 : numpy.ndarray
        (m,) R^2 (NaN for exogenous constructs).
    layout : Layout

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from expectmodel.spec import Model
    >>> from expectmodel.sem._kernel import Layout
    >>> lay = Layout.from_model(Model.from_syntax("A =~ a1 + a2\nB =~ b1\nB ~ A"))
    >>> round(gof(np.array([0.8, 0.6, 1.0]), np.array([np.nan, 0.25]), lay), 4)
    0.3536
    """
    multi = layout.mask.sum(axis=0)[layout.block_of] > 1
    if not multi.any() or not layout.endogenous:  # no multi-item block (or no R^2): not defined
        return float("nan")
    return float(np.sqrt(np.mean(loadings[multi] ** 2) * np.nanmean(r2[list(layout.endogenous)])))


def _sqrtm(a: np.ndarray, inverse: bool = False) -> np.ndarray:
    vals, vecs = np.linalg.eigh(a)
    root = np.sqrt(vals) if not inverse else 1.0 / np.sqrt(vals)
    return (vecs * root) @ vecs.T


def bollen_stine(z: np.ndarray, s: np.ndarray, sigma_sat: np.ndarray, sigma_est: np.ndarray, layout: k.Layout,
                 options: Options, composite: np.ndarray, n_boot: int, seed: int,
                 chunk: int = 500) -> tuple[np.ndarray, np.ndarray]:
    """Bootstrap the discrepancies under the model (Bollen-Stine), for the saturated and the estimated model.

    Parameters
    ----------
    z : numpy.ndarray
        The standardised data (n, p).
    s : numpy.ndarray
        Its correlation matrix (p, p).
    sigma_sat, sigma_est : numpy.ndarray
        The implied correlations (p, p) of the saturated and the estimated model.
    layout, options : Layout, Options
        The model and the estimation settings.
    composite : numpy.ndarray
        (m,) bool, as in :func:`implied_correlations`.
    n_boot : int
        Resamples.
    seed : int
        Seed of the resamples.
    chunk : int
        Resamples fitted together.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        The resampled discrepancies (B_ok, 4) of the saturated and of the estimated model, each
        bootstrapped on data transformed to fit that model exactly; failed resamples are dropped.

    Examples
    --------
    See :attr:`expectmodel.sem.PLSResults.model_fit`.
    """
    rng = np.random.default_rng(seed)
    n = z.shape[0]
    s_inv_root = _sqrtm(s, inverse=True)
    out = []
    for sigma, saturated in ((sigma_sat, True), (sigma_est, False)):
        zt = z @ s_inv_root @ _sqrtm(sigma)
        products = _moments.packed_products(zt)
        parts = []
        for a in range(0, n_boot, chunk):
            b = min(chunk, n_boot - a)
            counts = np.bincount((rng.integers(0, n, size=(b, n)) + n * np.arange(b)[:, None]).ravel(),
                                 minlength=b * n).reshape(b, n).astype(np.float64)
            corr = np.ascontiguousarray(_moments.correlation_stack(zt, counts, products=products)[0])
            est = estimate_stack(corr, layout, options)
            implied = implied_correlations(est, corr, layout, composite, saturated)
            disc = discrepancies(corr, implied)
            parts.append(disc[est.ok])
        out.append(np.concatenate(parts))
    return out[0], out[1]
