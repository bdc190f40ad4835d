"""The priors of the latent-expectation model as one frozen value object (METHODS §6 step 1).

:class:`LatentPriors` holds every prior scale the graph reads; the graph (``_graph.build_graph``) takes
its numbers from the object, and a fit records the same object in ``results.meta`` (``priors`` as
text, ``prior_values`` as numbers), so the report and the model cannot disagree. :func:`log_prior`
evaluates the priors in numpy at posterior draws: the ``log_prior`` group that the power-scaling
sensitivity check (:meth:`LatentResults.prior_sensitivity`) scales.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

import numpy as np

from expectmodel.errors import ParameterError

__all__ = ["LatentPriors", "log_prior"]

_LOG_2PI = float(np.log(2.0 * np.pi))


@dataclass(frozen=True)
class LatentPriors:
    """Prior scales of the latent-expectation model; frozen, validated, recorded in every fit.

    All scales are on the logit (latent) scale. The defaults are the package's priors
    (weakly informative; the loading prior was chosen by a recovery study, see ``_graph.LOADING_PRIOR``).

    Parameters
    ----------
    mu_sd : float
        ``mu ~ Normal(0, mu_sd)``: each battery x dimension level relative to the centred thresholds.
    delta_sd : float
        ``delta ~ ZeroSumNormal(delta_sd)``: item offsets within a dimension.
    loading_mu, loading_sd : float
        ``loading ~ LogNormal(loading_mu, loading_sd)``: item discriminations.
    sigma_sd : float
        ``sigma ~ LogNormal(0, sigma_sd)``: the spread of a non-reference battery relative to E.
    cut_gap_sd : float
        ``log gap ~ Normal(log(6 / (K - 2)), cut_gap_sd)``: distances between neighbouring cut-points.
    beta_sd : float
        ``beta_P, beta_E ~ Normal(0, beta_sd)``: the satisfaction link.
    sat_loc_sd : float
        ``sat_loc ~ Normal(0, sat_loc_sd)``: the centre of a satisfaction item's cut-points.
    sat_resid_sd : float
        ``sat_resid_sd ~ HalfNormal(sat_resid_sd)``: the residual several satisfaction items share.
    gamma_mean_sd : float
        ``Gamma_mean ~ Normal(0, gamma_mean_sd)``: driver coefficients per standardised driver.
    gamma_sd : float
        ``Gamma_sd ~ HalfNormal(gamma_sd)``: spread of the driver coefficients across stages.
    shift_sd, stretch_sd : float
        ``HalfNormal`` scales of the respondent scale-usage shift and (log) stretch.

    Raises
    ------
    ParameterError
        A scale is not a positive finite number (``loading_mu`` may be any finite number).

    Examples
    --------
    >>> p = LatentPriors(mu_sd=1.0)
    >>> p.mu_sd, p.beta_sd
    (1.0, 1.0)
    >>> p.describe()["mu"]
    'Normal(0, 1) per battery x dimension (logit scale, relative to the centred thresholds)'
    >>> LatentPriors(beta_sd=0)
    Traceback (most recent call last):
    ...
    expectmodel.errors.ParameterError: LatentPriors(beta_sd=0): beta_sd must be a positive finite number; got 0.
    """

    mu_sd: float = 2.5
    delta_sd: float = 1.0
    loading_mu: float = 0.25
    loading_sd: float = 1.0
    sigma_sd: float = 0.5
    cut_gap_sd: float = 0.5
    beta_sd: float = 1.0
    sat_loc_sd: float = 3.0
    sat_resid_sd: float = 1.0
    gamma_mean_sd: float = 1.0
    gamma_sd: float = 0.5
    shift_sd: float = 0.5
    stretch_sd: float = 0.3

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            ok = isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)
            ok = ok and np.isfinite(value) and (f.name == "loading_mu" or value > 0)
            if not ok:
                what = "a finite number" if f.name == "loading_mu" else "a positive finite number"
                raise ParameterError(f"LatentPriors({f.name}={value!r}): {f.name} must be {what}; got {value!r}.")
            object.__setattr__(self, f.name, float(value))

    def to_dict(self) -> dict[str, float]:
        """Return the prior scales by name (JSON-ready; recorded as ``meta["prior_values"]``).

        Returns
        -------
        dict of str to float
            Every field.

        Examples
        --------
        >>> LatentPriors().to_dict()["loading_sd"]
        1.0
        """
        return asdict(self)

    def describe(self) -> dict[str, str]:
        """Return the priors in words, one entry per model block (recorded as ``meta["priors"]``).

        Returns
        -------
        dict of str to str
            Block name (``mu``, ``delta``, ``loading``, ...) to its prior.

        Examples
        --------
        >>> LatentPriors(loading_sd=0.5).describe()["loading"].split(" (")[0]
        'LogNormal(0.25, 0.5)'
        """
        return {
            "mu": f"Normal(0, {self.mu_sd:g}) per battery x dimension (logit scale, relative to the centred "
                  "thresholds)",
            "delta": f"ZeroSumNormal({self.delta_sd:g}) within each dimension",
            "loading": f"LogNormal({self.loading_mu:g}, {self.loading_sd:g}) (sampled on the batteries' "
                       "geometric-mean scale under invariance; the prior is unchanged)",
            "sigma": f"LogNormal(0, {self.sigma_sd:g}) for non-reference batteries; 1 for the reference (E)",
            "cut_gaps": f"log gap ~ Normal(log(6 / (K - 2)), {self.cut_gap_sd:g})",
            "corr": "LKJ(eta) over battery x dimension factors (eta: the estimator's lkj_eta)",
            "beta": f"Normal(0, {self.beta_sd:g}) (with several satisfaction items sampled divided by the "
                    "residual's attenuation factor sqrt(1 + 0.346 sat_resid_sd^2); the prior is unchanged)",
            "sat_cut": f"location Normal(0, {self.sat_loc_sd:g}), log gaps as for cut (scaled like beta; prior "
                       "unchanged)",
            "sat_resid_sd": f"HalfNormal({self.sat_resid_sd:g}) (several satisfaction items only; the residual "
                            "itself is integrated out by Gauss-Hermite quadrature)",
            "Gamma_mean": f"Normal(0, {self.gamma_mean_sd:g}) per standardised driver",
            "Gamma_sd": f"HalfNormal({self.gamma_sd:g}) across stages",
            "shift_sd / stretch_sd": f"HalfNormal({self.shift_sd:g}) / HalfNormal({self.stretch_sd:g})",
        }


def _normal(x: np.ndarray, mu, sd: float) -> np.ndarray:
    """Log density of Normal(mu, sd) summed over all but the leading (draw) axis."""
    z = (np.asarray(x) - mu) / sd
    lp = -0.5 * z**2 - np.log(sd) - 0.5 * _LOG_2PI
    return lp.reshape(lp.shape[0], -1).sum(axis=1)


def _half_normal(x: np.ndarray, sd: float) -> np.ndarray:
    return _normal(x, 0.0, sd) + np.log(2.0) * np.asarray(x).reshape(np.shape(x)[0], -1).shape[1]


def _log_normal(x: np.ndarray, mu: float, sd: float) -> np.ndarray:
    lx = np.log(np.asarray(x))
    return _normal(lx, mu, sd) - lx.reshape(lx.shape[0], -1).sum(axis=1)


def log_prior(priors: LatentPriors, draws: dict[str, np.ndarray], K: int) -> dict[str, np.ndarray]:
    """Evaluate the priors at posterior draws: one log density per model block, shape (draws,).

    The blocks are those the power-scaling check scales: ``mu``, ``delta``, ``loading``, ``sigma``
    (the free spreads), ``cut`` (the log gaps of the answer cut-points) and, where the model has them,
    ``beta`` (free link coefficients), ``Gamma`` (pooled driver means and their spread across stages)
    and ``sat_resid_sd``. The LKJ prior and the satisfaction cut-points are left out (they are
    nuisance blocks; their omission only means they are not power-scaled). ``delta`` is evaluated as
    an isotropic Normal on its zero-sum subspace (the ZeroSumNormal density up to a constant, which
    power-scaling ignores).

    Parameters
    ----------
    priors : LatentPriors
        The fit's priors.
    draws : dict of str to numpy.ndarray
        Posterior variables with one flat leading draw axis (``mu``, ``delta``, ``loading``,
        ``sigma``, ``cut`` and the optional blocks).
    K : int
        Answer categories (fixes the prior median of the cut-point gaps).

    Returns
    -------
    dict of str to numpy.ndarray
        Block name to its log prior density per draw.

    Examples
    --------
    >>> d = {"mu": np.zeros((3, 2, 1)), "delta": np.zeros((3, 1, 2)), "loading": np.ones((3, 1, 2)),
    ...      "sigma": np.ones((3, 2, 1)), "cut": np.tile([-1.0, 0.0, 1.0], (3, 1, 1))}
    >>> sorted(log_prior(LatentPriors(), d, K=4))
    ['cut', 'delta', 'loading', 'mu', 'sigma']
    """
    p = priors
    out = {"mu": _normal(draws["mu"], 0.0, p.mu_sd),
           "delta": _normal(draws["delta"], 0.0, p.delta_sd),
           "loading": _log_normal(draws["loading"], p.loading_mu, p.loading_sd)}
    sigma = np.asarray(draws["sigma"])
    free = sigma[:, 1:] if sigma.shape[1] > 1 else sigma[:, :0]
    out["sigma"] = _log_normal(free, 0.0, p.sigma_sd) if free.size else np.zeros(sigma.shape[0])
    cut = np.asarray(draws["cut"])
    if K > 2:
        out["cut"] = _normal(np.log(np.diff(cut, axis=-1)), np.log(6.0 / (K - 2)), p.cut_gap_sd)
    if "beta_P" in draws:
        beta = [draws["beta_P"]]
        if "beta_E" in draws and not np.allclose(draws["beta_E"], -draws["beta_P"]) \
                and np.any(draws["beta_E"] != 0):
            beta.append(draws["beta_E"])
        out["beta"] = sum(_normal(b, 0.0, p.beta_sd) for b in beta)
    if "Gamma_mean" in draws:
        out["Gamma"] = _normal(draws["Gamma_mean"], 0.0, p.gamma_mean_sd)
        if "Gamma_sd" in draws:
            out["Gamma"] = out["Gamma"] + _half_normal(draws["Gamma_sd"], p.gamma_sd)
    if "sat_resid_sd" in draws:
        out["sat_resid_sd"] = _half_normal(draws["sat_resid_sd"][:, None], p.sat_resid_sd)
    return out
