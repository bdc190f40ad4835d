"""Beta measurement of answers stated as probabilities in [0, 1] (METHODS §2.1).

    y ~ Beta(m phi, (1 - m) phi),  logit m = eta

Answers of exactly 0 or 1 have zero Beta density, so they are squeezed into the open interval first:
p' = (p (N - 1) + 0.5) / N over the N answered cells (Smithson & Verkuilen 2006).

The pytensor graph function (``beta_logp_graph``) and its numpy mirror (``beta_logp``) sit side by side.

Examples
--------
>>> squeeze(np.array([0.0, 0.5, 1.0]))
array([0.16666667, 0.5       , 0.83333333])
"""

from __future__ import annotations

import numpy as np
from scipy.stats import beta as beta_dist

__all__ = ["beta_logp", "beta_logp_graph", "draw_beta", "squeeze"]


def squeeze(values: np.ndarray, answered: np.ndarray | None = None, fill: float = 0.5) -> np.ndarray:
    """Move probabilities into the open interval (0, 1) by the Smithson-Verkuilen squeeze.

    Parameters
    ----------
    values : array
        Probabilities in [0, 1]; unanswered cells may hold anything (NaN).
    answered : bool array, optional
        Which cells are answered (default: the finite ones). ``N`` is their count.
    fill : float
        The value written into unanswered cells (a harmless placeholder that the likelihood masks).

    Returns
    -------
    array
        ``(p (N - 1) + 0.5) / N`` where answered, ``fill`` elsewhere.

    Examples
    --------
    >>> squeeze(np.array([1.0, 0.0, np.nan]))
    array([0.75, 0.25, 0.5 ])
    """
    values = np.asarray(values, dtype=float)
    ok = np.isfinite(values) if answered is None else np.asarray(answered, dtype=bool)
    N = int(ok.sum())
    return np.where(ok, (np.where(ok, values, fill) * (N - 1) + 0.5) / N, fill)


def beta_logp(y: np.ndarray, m: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """Compute log Beta(y | m phi, (1 - m) phi): the mean-precision parameterisation.

    Parameters
    ----------
    y : array
        Squeezed probabilities in (0, 1).
    m : array
        Means in (0, 1).
    phi : array
        Positive precisions.

    Returns
    -------
    array
        Log-densities (broadcast shape).

    Examples
    --------
    >>> float(beta_logp(0.5, 0.5, 2.0))  # Beta(1, 1) is uniform
    0.0
    """
    return beta_dist.logpdf(y, m * phi, (1 - m) * phi)


def beta_logp_graph(y, m, phi):
    """Build the pytensor mirror of :func:`beta_logp` (``y`` may be a ``pm.Data`` container).

    Parameters
    ----------
    y : tensor
        Squeezed probabilities in (0, 1).
    m : tensor
        Means in (0, 1).
    phi : tensor
        Positive precisions.

    Returns
    -------
    pytensor variable
        Log-densities (broadcast shape), for a ``pm.Potential`` or a sum into the model's logp.

    Examples
    --------
    Building the graph compiles nothing:

    >>> import pytensor.tensor as pt
    >>> logp = beta_logp_graph(pt.vector("y"), pt.vector("m"), 10.0)
    >>> logp.type
    TensorType(float64, shape=(None,))
    """
    import pymc as pm

    return pm.logp(pm.Beta.dist(alpha=m * phi, beta=(1 - m) * phi), y)


def draw_beta(rng: np.random.Generator, m: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """Draw probabilities from Beta(m phi, (1 - m) phi).

    Parameters
    ----------
    rng : numpy.random.Generator
        The random source.
    m : array
        Means in (0, 1).
    phi : array
        Positive precisions (broadcast against ``m``).

    Returns
    -------
    array
        Probabilities in [0, 1] (broadcast shape).

    Examples
    --------
    >>> y = draw_beta(np.random.default_rng(0), np.full(20_000, 0.3), 10.0)
    >>> bool(abs(y.mean() - 0.3) < 0.01)
    True
    """
    return rng.beta(m * phi, (1 - m) * phi)
