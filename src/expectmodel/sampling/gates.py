"""Convergence gates: what the sampler's output must show before a fit is reported."""

from __future__ import annotations

import itertools
import warnings
from dataclasses import asdict, dataclass, field

import numpy as np

from expectmodel.errors import ConvergenceError, ConvergenceWarning
from expectmodel.sampling.config import Gates

__all__ = ["Diagnostics", "SamplingWarning", "diagnose", "enforce"]


class SamplingWarning(ConvergenceWarning):
    """A posterior sample failed a convergence gate; the results carry the details in ``diagnostics``."""


@dataclass(frozen=True)
class Diagnostics:
    """What the gates saw. ``passed`` is False if any gate failed; ``failures`` says which and by how much.

    Built by :func:`diagnose`; a Bayesian fit keeps it as ``results.diagnostics``.

    Parameters
    ----------
    max_rhat : float
        Largest R-hat over the checked parameters (NaN with one chain or for an approximation).
    min_ess_bulk, min_ess_tail : float
        Smallest bulk and tail effective sample sizes.
    divergences : int
        Divergent transitions over all chains.
    min_bfmi : float
        Smallest E-BFMI of a chain (NaN when the energy was not recorded).
    gates : Gates
        The thresholds applied.
    failures : tuple of str
        One message per failed gate, naming the worst parameter.
    checked : tuple of str
        The parameter names that were checked.
    method : str
        ``"nuts"``, or the approximation method (then no gate applies).
    extra : dict
        Further facts (an approximation's steps and final loss).
    worst : dict
        The parameter with the largest R-hat and those with the smallest bulk and tail ESS.

    Examples
    --------
    >>> diag = Diagnostics(1.0, 900.0, 800.0, 0, 0.9, Gates())
    >>> diag.passed
    True
    >>> diag.to_dict()["gates"]["rhat"], diag.to_dict()["passed"]
    (1.01, True)
    >>> Diagnostics(1.2, 90.0, 80.0, 3, 0.9, Gates(), failures=("3 divergent transitions > 0",)).passed
    False
    """

    max_rhat: float
    min_ess_bulk: float
    min_ess_tail: float
    divergences: int
    min_bfmi: float
    gates: Gates
    failures: tuple[str, ...] = ()
    checked: tuple[str, ...] = ()
    method: str = "nuts"
    extra: dict = field(default_factory=dict)
    worst: dict = field(default_factory=dict)  # the parameter with the largest R-hat and the smallest ESS

    @property
    def passed(self) -> bool | None:
        """Whether the gates passed: True, False, or None when no gate applies.

        An ADVI approximation has no chains to check: it neither passes nor fails.
        """
        if self.method != "nuts":
            return None
        return not self.failures

    @property
    def verdict(self) -> str:
        """``"passed"``, ``"FAILED"`` or ``"not applied (<method>)"``, for reports."""
        return {True: "passed", False: "FAILED"}.get(self.passed, f"not applied ({self.method})")

    def to_dict(self) -> dict:
        """Return the JSON-ready fields plus ``passed``.

        Returns
        -------
        dict
            Every field by name (``gates`` as a dict) and ``passed``.
        """
        out = asdict(self)
        out["passed"] = self.passed
        return out


def _stack(tree, var_names: list[str]) -> tuple[np.ndarray, list[str]]:
    """Posterior variables as one (chain, draw, p) array, and a label per column (``"mu[P, tangibles]"``)."""
    post = tree["posterior"]
    parts, labels = [], []
    for v in var_names:
        da = post[v]
        parts.append(np.asarray(da.values).reshape(da.shape[0], da.shape[1], -1))
        dims = da.dims[2:]
        if not dims:
            labels.append(v)
            continue
        coords = [np.asarray(da[d].values) if d in da.coords else np.arange(da.sizes[d]) for d in dims]
        labels += [f"{v}[{', '.join(map(str, idx))}]" for idx in itertools.product(*coords)]
    return np.concatenate(parts, axis=-1), labels


def diagnose(tree, var_names: list[str], gates: Gates, *, method: str = "nuts") -> Diagnostics:
    """Apply the gates to ``var_names`` (the identified parameters) of a posterior tree.

    Parameters
    ----------
    tree : xarray.DataTree
        With ``posterior`` and (for NUTS) ``sample_stats`` groups.
    var_names : list of str
        The parameters to check.
    gates : Gates
        The thresholds.
    method : str
        ``"nuts"``; for an approximation no gate applies and nothing is checked.

    Returns
    -------
    Diagnostics
        What the gates saw; ``failures`` lists each failed gate with the worst parameter.

    Examples
    --------
    >>> import numpy as np
    >>> import xarray as xr
    >>> rng = np.random.default_rng(0)
    >>> posterior = xr.Dataset({"mu": (("chain", "draw", "k"), rng.normal(size=(4, 500, 2)))})
    >>> stats = xr.Dataset({"diverging": (("chain", "draw"), np.zeros((4, 500), bool))})
    >>> tree = xr.DataTree.from_dict({"posterior": posterior, "sample_stats": stats})
    >>> diagnose(tree, ["mu"], Gates()).passed
    True
    >>> diagnose(tree, ["mu"], Gates(ess_bulk=5000)).failures  # doctest: +ELLIPSIS
    ('min bulk ESS ... < 5000 (mu[...])',)
    """
    import arviz as az

    if method != "nuts":
        return Diagnostics(np.nan, np.nan, np.nan, 0, np.nan, gates, (), tuple(var_names), method)
    x, labels = _stack(tree, var_names)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        rhat = np.asarray(az.rhat(x, chain_axis=0, draw_axis=1))
        bulk = np.asarray(az.ess(x, method="bulk", chain_axis=0, draw_axis=1))
        tail = np.asarray(az.ess(x, method="tail", prob=0.05, chain_axis=0, draw_axis=1))
    stats = tree["sample_stats"]
    div = int(np.asarray(stats["diverging"]).sum()) if "diverging" in stats else 0
    energy = np.asarray(stats["energy"]) if "energy" in stats else None
    if energy is not None and energy.shape[1] > 2:
        bfmi = np.square(np.diff(energy, axis=1)).mean(axis=1) / energy.var(axis=1)
        min_bfmi = float(bfmi.min())
    else:
        min_bfmi = float("nan")
    max_rhat = float(np.nanmax(rhat)) if x.shape[0] > 1 else float("nan")

    def label(values: np.ndarray, largest: bool) -> str:
        filled = np.where(np.isnan(values), -np.inf if largest else np.inf, values)
        return labels[int(np.argmax(filled) if largest else np.argmin(filled))]

    worst = {"rhat": label(rhat, True) if x.shape[0] > 1 else None,
             "ess_bulk": label(bulk, False), "ess_tail": label(tail, False)}
    fails = []
    if x.shape[0] > 1 and not max_rhat <= gates.rhat:
        fails.append(f"max R-hat {max_rhat:.3f} > {gates.rhat} ({worst['rhat']})")
    if not np.nanmin(bulk) >= gates.ess_bulk:
        fails.append(f"min bulk ESS {np.nanmin(bulk):.0f} < {gates.ess_bulk:g} ({worst['ess_bulk']})")
    if not np.nanmin(tail) >= gates.ess_tail:
        fails.append(f"min tail ESS {np.nanmin(tail):.0f} < {gates.ess_tail:g} ({worst['ess_tail']})")
    if div > gates.divergences:
        fails.append(f"{div} divergent transitions > {gates.divergences}")
    if np.isfinite(min_bfmi) and min_bfmi < gates.bfmi:
        fails.append(f"min E-BFMI {min_bfmi:.2f} < {gates.bfmi}")
    return Diagnostics(max_rhat, float(np.nanmin(bulk)), float(np.nanmin(tail)), div, min_bfmi, gates,
                       tuple(fails), tuple(var_names), method, worst=worst)


def enforce(diag: Diagnostics, *, strict: bool, what: str) -> None:
    """Warn (:class:`SamplingWarning`), or raise with ``strict=True``, when a gate failed.

    Parameters
    ----------
    diag : Diagnostics
        From :func:`diagnose`.
    strict : bool
        Raise :class:`~expectmodel.errors.ConvergenceError` instead of warning.
    what : str
        The fit's name in the message.

    Examples
    --------
    >>> enforce(Diagnostics(1.0, 900.0, 800.0, 0, 0.9, Gates()), strict=True, what="A fit")  # passed: silent
    """
    if diag.passed is not False:  # passed, or not applicable (an approximation)
        return
    msg = (f"{what} failed the convergence gates: {'; '.join(diag.failures)}. Run more draws/tune, raise "
           "target_accept, or check the model; see results.diagnostics.")
    if strict:
        raise ConvergenceError(msg)
    warnings.warn(msg, SamplingWarning, stacklevel=3)
