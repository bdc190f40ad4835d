"""The Bayesian workflow shared by every pymc model in the package (METHODS §6).

- :class:`SamplerConfig` holds how a posterior is drawn (draws, tune, chains, seed, sampler, NUTS or
  ADVI, the convergence :class:`Gates`, strictness): one frozen value object that a Bayesian estimator
  takes as its ``sampler=`` setting and records in its results.
- :class:`BayesianEstimator` is the template of every Bayesian family ("declare the model, inherit the
  machinery"): a family provides its data preparation, its pymc graph, its pointwise log-likelihood and
  its results; :meth:`BayesianEstimator.fit` samples, diagnoses, records and gates generically.
- :func:`sample` runs NUTS through nutpie (the default when installed), pymc or numpyro, always with an
  explicit seed, and returns an ``xarray.DataTree``; :func:`approximate` is the ADVI quick-look mode.
- :class:`Gates` and :func:`diagnose` apply the convergence gates (R-hat, bulk and tail ESS, divergences,
  E-BFMI); :func:`enforce` turns a failed gate into a :class:`SamplingWarning`, or a
  :class:`~expectmodel.errors.ConvergenceError` with ``strict=True``. Gates never pass silently.

pytensor links against a BLAS for speed (METHODS §9 E7). :func:`configure_pytensor` selects the system
OpenBLAS when the user has not configured pytensor, right before pytensor is first imported; importing
this module changes nothing.

Examples
--------
>>> cfg = SamplerConfig(draws=300, tune=300, chains=2, seed=1)
>>> cfg.to_dict()["chains"], cfg.gates.rhat
(2, 1.01)
"""

from __future__ import annotations

import glob
import importlib.util
import itertools
import os
import sys
import time
import warnings
from collections import OrderedDict
from collections.abc import Hashable, Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, ClassVar, Literal

import numpy as np

from expectmodel._base import Estimator, resolve_seed
from expectmodel._meta import versions
from expectmodel.errors import ConvergenceError, ConvergenceWarning, MissingDependencyError, ParameterError
from expectmodel.results import DataInfo, Meta, ResultsBase

__all__ = [
    "BayesianEstimator",
    "Diagnostics",
    "Gates",
    "SamplerConfig",
    "SamplingWarning",
    "approximate",
    "configure_pytensor",
    "diagnose",
    "enforce",
    "resolve_sampler",
    "sample",
]

Sampler = Literal["auto", "nutpie", "pymc", "numpyro"]
Method = Literal["nuts", "advi", "fullrank_advi"]

SAMPLERS = ("auto", "nutpie", "pymc", "numpyro")
METHODS = ("nuts", "advi", "fullrank_advi")
_EXTRAS = {"nutpie": ("nutpie", "bayes"), "numpyro": ("numpyro", "gpu")}
_OPENBLAS = ("/usr/lib/*/libopenblas.so", "/usr/lib/libopenblas.so", "/usr/local/lib/libopenblas.so")


def configure_pytensor() -> None:
    """Select the system OpenBLAS for pytensor, if pytensor is not imported yet and not configured.

    Called right before the package first imports pymc or pytensor. It does nothing when pytensor is
    already imported (its flags are read once, at import), when the user has set ``PYTENSOR_FLAGS``,
    or when no OpenBLAS is installed.

    Examples
    --------
    >>> configure_pytensor()  # idempotent; never overrides a user's PYTENSOR_FLAGS
    """
    if "pytensor" in sys.modules or "PYTENSOR_FLAGS" in os.environ:
        return
    if any(glob.glob(p) for p in _OPENBLAS):
        os.environ["PYTENSOR_FLAGS"] = "blas__ldflags=-lopenblas"


class SamplingWarning(ConvergenceWarning):
    """A posterior sample failed a convergence gate; the results carry the details in ``diagnostics``."""


def resolve_sampler(sampler: Sampler) -> str:
    """Return the NUTS backend to use: ``"auto"`` is nutpie when installed, else pymc.

    Parameters
    ----------
    sampler : {"auto", "nutpie", "pymc", "numpyro"}
        The requested backend; a named one must be installed.

    Returns
    -------
    str
        ``"nutpie"``, ``"pymc"`` or ``"numpyro"``.

    Examples
    --------
    >>> resolve_sampler("pymc")
    'pymc'
    """
    if sampler == "auto":
        return "nutpie" if importlib.util.find_spec("nutpie") else "pymc"
    if sampler == "pymc":
        return sampler
    if sampler not in _EXTRAS:
        raise ParameterError(f"sampler must be one of {', '.join(map(repr, SAMPLERS))}; got {sampler!r}.")
    module, extra = _EXTRAS[sampler]
    if importlib.util.find_spec(module) is None:
        raise MissingDependencyError(
            f"sampler {sampler!r} is not installed. Install it with: pip install 'expectmodel[{extra}]'"
            + (" (and a CUDA build of jax for the GPU)" if sampler == "numpyro" else "")
            + ", or pass sampler='pymc'.")
    return sampler


# ---------------------------------------------------------------------------------------------- settings
@dataclass(frozen=True)
class Gates:
    """Convergence thresholds (Vehtari et al. 2021; METHODS §6).

    Parameters
    ----------
    rhat : float
        Largest allowed R-hat.
    ess_bulk, ess_tail : float
        Smallest allowed bulk and tail effective sample sizes.
    divergences : int
        Largest allowed number of divergent transitions.
    bfmi : float
        Smallest allowed E-BFMI of a chain.

    Examples
    --------
    >>> Gates(rhat=1.05).ess_bulk
    400
    """

    rhat: float = 1.01
    ess_bulk: float = 400
    ess_tail: float = 400
    divergences: int = 0
    bfmi: float = 0.3


def _bad(name: str, value: Any, allowed: str) -> ParameterError:
    return ParameterError(f"SamplerConfig({name}={value!r}): {name} must be {allowed}; got {value!r}.")


def _is_int(value: Any) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


@dataclass(frozen=True)
class SamplerConfig:
    """How a Bayesian estimator draws its posterior; a frozen value object recorded in every result.

    Parameters
    ----------
    draws, tune : int
        Posterior draws and tuning steps per chain (``draws`` is also the number of draws taken from
        an ADVI approximation).
    chains : int
        Independent chains.
    seed : int or None
        The random seed; ``None`` draws one at fit time and records it in ``results.meta.seed``.
    sampler : {"auto", "nutpie", "pymc", "numpyro"}
        The NUTS backend (``"auto"``: nutpie when installed, else pymc).
    method : {"nuts", "advi", "fullrank_advi"}
        NUTS, or an ADVI quick look for large n (no convergence gates; intervals too narrow).
    target_accept : float
        NUTS target acceptance rate in (0, 1).
    advi_steps : int
        Adam steps of ADVI.
    cores : int or None
        Parallel chains (default: ``min(chains, CPU cores)``).
    gates : Gates or dict
        Convergence thresholds (a dict is read as ``Gates(**gates)``).
    strict : bool
        Raise :class:`~expectmodel.errors.ConvergenceError` on a failed gate instead of warning.
    progressbar : bool
        Show the sampler's progress bar.
    nutpie_backend : {"numba", "jax"}
        How nutpie compiles the model. ``"numba"`` (default) samples fastest once compiled, but compiling
        a survey-sized latent model takes ~30 s with numba's cache warm and ~150 s on a fresh machine;
        ``"jax"`` compiles in ~6-12 s and samples 2-3x slower per gradient (measured on the test suite's
        250-respondent model, 2 cores): the better choice for short runs, smoke tests and notebooks.

    Examples
    --------
    >>> SamplerConfig(draws=300, gates={"rhat": 1.05}).gates.rhat
    1.05
    >>> SamplerConfig(method="hmc")
    Traceback (most recent call last):
    ...
    expectmodel.errors.ParameterError: SamplerConfig(method='hmc'): method must be one of 'nuts', 'advi', \
'fullrank_advi'; got 'hmc'.
    """

    draws: int = 500
    tune: int = 500
    chains: int = 4
    seed: int | None = None
    sampler: Sampler = "auto"
    method: Method = "nuts"
    target_accept: float = 0.8
    advi_steps: int = 20_000
    cores: int | None = None
    gates: Gates = field(default_factory=Gates)
    strict: bool = False
    progressbar: bool = False
    nutpie_backend: Literal["numba", "jax"] = "numba"

    def __post_init__(self) -> None:
        for name, low in (("draws", 1), ("tune", 0), ("chains", 1), ("advi_steps", 1)):
            value = getattr(self, name)
            if not _is_int(value) or value < low:
                raise _bad(name, value, f"an integer >= {low}")
        if self.seed is not None and (not _is_int(self.seed) or self.seed < 0):
            raise _bad("seed", self.seed, "a non-negative integer or None")
        if self.cores is not None and (not _is_int(self.cores) or self.cores < 1):
            raise _bad("cores", self.cores, "a positive integer or None")
        if self.sampler not in SAMPLERS:
            raise _bad("sampler", self.sampler, "one of " + ", ".join(map(repr, SAMPLERS)))
        if self.method not in METHODS:
            raise _bad("method", self.method, "one of " + ", ".join(map(repr, METHODS)))
        ta = self.target_accept
        if isinstance(ta, bool) or not isinstance(ta, int | float | np.floating) or not 0 < ta < 1:
            raise _bad("target_accept", ta, "a number in (0, 1)")
        for name in ("strict", "progressbar"):
            if not isinstance(getattr(self, name), bool):
                raise _bad(name, getattr(self, name), "True or False")
        if self.nutpie_backend not in ("numba", "jax"):
            raise _bad("nutpie_backend", self.nutpie_backend, "one of 'numba', 'jax'")
        gates = self.gates
        if isinstance(gates, Mapping):
            unknown = sorted(set(gates) - {f.name for f in fields(Gates)})
            if unknown:
                raise _bad("gates", dict(gates), "a Gates or a dict with keys among "
                           + ", ".join(f.name for f in fields(Gates)))
            object.__setattr__(self, "gates", Gates(**gates))
        elif not isinstance(gates, Gates):
            raise _bad("gates", gates, "a Gates or a dict of its fields")

    def replace(self, **changes: Any) -> SamplerConfig:
        """Return a copy with ``changes`` applied (validated again).

        Parameters
        ----------
        **changes
            Fields to change, by name (``draws=``, ``seed=``, ``gates=``, ...).

        Returns
        -------
        SamplerConfig
            The new configuration; this one is unchanged.

        Raises
        ------
        ParameterError
            A changed value is invalid.

        Examples
        --------
        >>> SamplerConfig(seed=1).replace(chains=2).chains
        2
        """
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready fields (``gates`` as a dict).

        Returns
        -------
        dict
            Every field by name; recorded as ``results.meta["sampler"]`` (with the resolved seed and
            the backend used).

        Examples
        --------
        >>> SamplerConfig().to_dict()["gates"]["ess_bulk"]
        400
        """
        return asdict(self)


# ---------------------------------------------------------------------------------------------- sampling
#: Compiled nutpie models kept for reuse, keyed by the caller's structure signature (most recent last).
_COMPILED: OrderedDict[Hashable, Any] = OrderedDict()
COMPILED_CACHE_SIZE = 4


def _nutpie_model(model, reuse: Hashable | None, backend: str = "numba"):
    """Compile ``model`` for nutpie, or reuse a compiled model of the same structure with new data.

    ``reuse`` must identify everything the graph depends on except the values of its data
    containers (``pm.Data``); those are swapped in with ``with_data``. Compilation (numba) costs
    several times the sampling of a survey-sized model, so repeated fits (recovery studies, LOO
    comparisons of refits, tests) pay it once.
    """
    import nutpie

    if reuse is not None:
        reuse = (backend, reuse)
    if reuse is not None and reuse in _COMPILED:
        _COMPILED.move_to_end(reuse)
        return _COMPILED[reuse].with_data(**{v.name: v.get_value() for v in model.data_vars})
    if backend == "jax":  # keep the data containers as inputs, so that with_data can swap them
        compiled = nutpie.compile_pymc_model(model, backend="jax", gradient_backend="jax", freeze_model=False)
    else:
        compiled = nutpie.compile_pymc_model(model)
    if reuse is not None:
        _COMPILED[reuse] = compiled
        while len(_COMPILED) > COMPILED_CACHE_SIZE:
            _COMPILED.popitem(last=False)
    return compiled


def sample(model, *, draws: int, tune: int, chains: int, seed: int, sampler: Sampler = "auto",
           cores: int | None = None, progressbar: bool = False, target_accept: float = 0.8,
           reuse: Hashable | None = None, nutpie_backend: str = "numba"):
    """Run NUTS on a pymc ``model`` with a fixed seed.

    Parameters
    ----------
    model : pymc.Model
        The model to sample.
    draws, tune, chains, seed, sampler, cores, progressbar, target_accept, nutpie_backend
        As in :class:`SamplerConfig`.
    reuse : hashable, optional
        nutpie only: a key for the model's structure (everything but its ``pm.Data`` values); a model of
        an already compiled structure reuses the compiled one with its data swapped in.

    Returns
    -------
    (xarray.DataTree, str)
        The posterior tree and the backend that drew it.

    Examples
    --------
    Sampling compiles the model and runs for seconds at least, so these lines are skipped when the
    doctests run:

    >>> import pymc as pm  # doctest: +SKIP
    >>> with pm.Model() as model:  # doctest: +SKIP
    ...     mu = pm.Normal("mu", 0.0, 1.0)
    >>> tree, used = sample(model, draws=500, tune=500, chains=2, seed=1)  # doctest: +SKIP
    >>> diagnose(tree, ["mu"], Gates()).passed  # doctest: +SKIP
    True
    """
    configure_pytensor()
    import pymc as pm

    name = resolve_sampler(sampler)
    cores = cores or min(chains, os.cpu_count() or 1)
    if name == "nutpie":
        # nutpie directly: pm.sample's wrapper adds a pytensor C compilation of the deterministics.
        import nutpie

        compiled = _nutpie_model(model, reuse, nutpie_backend)
        tree = nutpie.sample(compiled, draws=draws, tune=tune, chains=chains, cores=cores, seed=seed,
                             save_warmup=False, progress_bar=progressbar, target_accept=target_accept)
        return tree, name
    with model, warnings.catch_warnings():
        # pymc's own convergence messages are replaced by the package's gates.
        warnings.filterwarnings("ignore", message=".*(rhat|effective sample size|divergen).*")
        tree = pm.sample(draws=draws, tune=tune, chains=chains, cores=cores, random_seed=seed, nuts_sampler=name,
                         progressbar=progressbar, compute_convergence_checks=False, target_accept=target_accept)
    return tree, name


def approximate(model, *, draws: int, seed: int, steps: int = 20_000, method: str = "advi",
                learning_rate: float = 0.02, progressbar: bool = False):
    """Fit mean-field (``"advi"``) or full-rank (``"fullrank_advi"``) ADVI with Adam: a quick look, not final inference.

    Parameters
    ----------
    model : pymc.Model
        The model to approximate.
    draws : int
        Draws taken from the fitted approximation.
    seed : int
        Random seed of the optimisation and of the draws.
    steps : int
        Largest number of Adam steps (it stops earlier once the parameters settle).
    method : {"advi", "fullrank_advi"}
        The approximation family.
    learning_rate : float
        Adam's learning rate.
    progressbar : bool
        Show pymc's progress bar.

    Returns
    -------
    (xarray.DataTree, dict)
        The draws (one chain) and ``{"method", "steps", "final_loss"}``.

    Examples
    --------
    The method is checked before anything is imported or compiled:

    >>> approximate(None, draws=100, seed=1, method="svgd")
    Traceback (most recent call last):
    ...
    expectmodel.errors.ParameterError: approximation method must be 'advi' or 'fullrank_advi'; got 'svgd'.

    Fitting compiles the model, so these lines are skipped when the doctests run:

    >>> import pymc as pm  # doctest: +SKIP
    >>> with pm.Model() as model:  # doctest: +SKIP
    ...     mu = pm.Normal("mu", 0.0, 1.0)
    >>> tree, info = approximate(model, draws=500, seed=1, steps=5_000)  # doctest: +SKIP
    >>> sorted(info)  # doctest: +SKIP
    ['final_loss', 'method', 'steps']
    """
    if method not in ("advi", "fullrank_advi"):
        raise ParameterError(f"approximation method must be 'advi' or 'fullrank_advi'; got {method!r}.")
    configure_pytensor()
    import pymc as pm
    from pymc.variational.callbacks import CheckParametersConvergence

    with model:
        approx = pm.fit(n=steps, method=method, random_seed=seed, progressbar=progressbar,
                        obj_optimizer=pm.adam(learning_rate=learning_rate),
                        callbacks=[CheckParametersConvergence(diff="absolute", tolerance=1e-3)])
        tree = approx.sample(draws=draws, random_seed=seed)
    return tree, {"method": method, "steps": len(approx.hist), "final_loss": float(approx.hist[-1])}


# ---------------------------------------------------------------------------------------------- gates
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


# ---------------------------------------------------------------------------------------------- template
class BayesianEstimator(Estimator):
    """Template of a Bayesian model family: declare the model, inherit the machinery.

    A family stores its settings in ``__init__`` (a ``sampler: SamplerConfig | None`` and a
    ``ci_level`` among them) and provides

    - ``_prepare(data)``: the validated data object the other hooks read;
    - ``_graph(prepared) -> (pymc.Model, identified parameter names)``;
    - ``_reuse_key(prepared)``: a key of the graph's structure for the nutpie compiled-model cache
      (everything but the values of its ``pm.Data`` containers), or ``None``;
    - ``_log_likelihood(prepared, posterior) -> {name: (chain, draw, obs) array}`` (for LOO);
    - ``_results(prepared, tree, diagnostics, meta) -> ResultsBase``;
    - ``_meta_extra(prepared)`` (family facts for ``meta.extra``: priors, conventions) and
      ``_data_info(prepared)`` (a :class:`~expectmodel.results.DataInfo`);
    - ``_prior_check(prepared, prior_group, seed)`` for :meth:`prior_predictive`.

    :meth:`fit` then validates the settings, samples or approximates with the resolved seed,
    diagnoses the identified parameters against the gates, stores the log-likelihood group in the
    posterior tree, records the :class:`~expectmodel.results.Meta` and enforces the gates.

    Examples
    --------
    :class:`~expectmodel.latent.LatentExpectations` is such a family:

    >>> from expectmodel import latent
    >>> sim = latent.simulate_latent(40, dimensions={"a": ("q1", "q2")}, seed=1)
    >>> est = latent.LatentExpectations(sim.design, sampler=SamplerConfig(draws=300, seed=1))
    >>> isinstance(est, BayesianEstimator), est.sampler_config().draws
    (True, 300)
    >>> latent.LatentExpectations(sim.design).sampler_config() == SamplerConfig()  # the defaults
    True

    Fitting and prior predictive draws compile and sample the model, so these lines are skipped when
    the doctests run:

    >>> results = est.fit(sim.data)  # doctest: +SKIP
    >>> results.diagnostics.passed, results.meta.seed  # doctest: +SKIP
    >>> check = est.prior_predictive(sim.data, draws=100, seed=1)  # doctest: +SKIP
    """

    #: The name of the fit in gate messages.
    _what: ClassVar[str] = "The fit"
    #: The dimension name of the log-likelihood's observation axis.
    _observation_dim: ClassVar[str] = "observation"
    #: How the intervals of the results are formed.
    _ci_method: ClassVar[str] = "equal-tailed posterior quantiles"

    # -- the hooks a family provides ------------------------------------------------------------
    def _prepare(self, data: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def _graph(self, prepared: Any) -> tuple[Any, list[str]]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _reuse_key(self, prepared: Any) -> Hashable | None:
        return None

    def _log_likelihood(self, prepared: Any, posterior: Any) -> dict[str, np.ndarray]:
        return {}

    def _results(self, prepared: Any, tree: Any, diagnostics: Diagnostics,
                 meta: Meta) -> ResultsBase:  # pragma: no cover - abstract
        raise NotImplementedError

    def _meta_extra(self, prepared: Any) -> dict[str, Any]:
        return {}

    def _data_info(self, prepared: Any) -> DataInfo:  # pragma: no cover - abstract
        raise NotImplementedError

    def _prior_check(self, prepared: Any, prior: Any, seed: int) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    # -- the machinery --------------------------------------------------------------------------
    def sampler_config(self) -> SamplerConfig:
        """Return the sampler settings in force: ``self.sampler``, or the defaults when it is None.

        Returns
        -------
        SamplerConfig
            The configuration :meth:`fit` uses.

        Examples
        --------
        >>> from expectmodel import latent
        >>> design = latent.servqual_design()
        >>> latent.LatentExpectations(design).sampler_config().chains
        4
        >>> latent.LatentExpectations(design, sampler=SamplerConfig(chains=2)).sampler_config().chains
        2
        """
        return SamplerConfig() if self.sampler is None else self.sampler

    def fit(self, data: Any) -> ResultsBase:
        """Sample the posterior of the model on ``data`` and return the family's results.

        Parameters
        ----------
        data : the family's data (e.g. a pandas DataFrame)

        Returns
        -------
        ResultsBase
            Frozen; ``meta`` records every setting, the sampler configuration and the resolved seed.

        Raises
        ------
        ParameterError
            A setting is invalid.
        ConvergenceError
            A convergence gate failed and ``sampler.strict`` is True (otherwise a
            :class:`SamplingWarning`).
        """
        self.validate_params()
        config = self.sampler_config()
        prepared = self._prepare(data)
        model, identified = self._graph(prepared)
        seed = resolve_seed(config.seed)
        t0 = time.perf_counter()
        if config.method == "nuts":
            tree, used = sample(model, draws=config.draws, tune=config.tune, chains=config.chains, seed=seed,
                                sampler=config.sampler, cores=config.cores, progressbar=config.progressbar,
                                target_accept=config.target_accept, reuse=self._reuse_key(prepared),
                                nutpie_backend=config.nutpie_backend)
            info: dict[str, Any] = {}
        else:
            used = "pymc"
            tree, info = approximate(model, draws=config.draws, seed=seed, method=config.method,
                                     steps=config.advi_steps, progressbar=config.progressbar)
        wall = time.perf_counter() - t0
        diag = diagnose(tree, identified, config.gates, method=config.method)
        diag.extra.update(info)
        self._store_log_likelihood(tree, prepared)
        meta = Meta(
            estimator=type(self).__name__, params=self.settings(), data=self._data_info(prepared),
            ci_level=float(self.ci_level), ci_method=self._ci_method, seed=seed,
            versions=versions(bayesian=True),
            extra={"sampler": {**config.to_dict(), "seed": seed, "used": used}, "wall_seconds": wall,
                   "identified": list(identified), **self._meta_extra(prepared)},
            **self._meta_fields(prepared))
        results = self._results(prepared, tree, diag, meta)
        enforce(diag, strict=config.strict, what=self._what)
        return results

    def _meta_fields(self, prepared: Any) -> dict[str, Any]:
        """Further :class:`Meta` fields (``conventions``, ``spec``) of a family."""
        return {}

    def _store_log_likelihood(self, tree, prepared: Any) -> None:
        """Add the pointwise log-likelihood as the tree's ``log_likelihood`` group (METHODS §6.4)."""
        import xarray as xr

        posterior = tree["posterior"]
        ll = self._log_likelihood(prepared, posterior)
        if not ll:
            return
        dim = self._observation_dim
        coords = {dim: posterior[dim].values} if dim in posterior.coords else {}
        tree["log_likelihood"] = xr.Dataset({k: (("chain", "draw", dim), v) for k, v in ll.items()}, coords=coords)

    def prior_predictive(self, data: Any, *, draws: int = 200, seed: int = 0) -> Any:
        """Simulate data from the priors (METHODS §6 step 1), summarised by the family's ``_prior_check``.

        Parameters
        ----------
        data : the family's data
            Fixes the design (respondents, items, covariates).
        draws : int
            Prior draws.
        seed : int
            Random seed of the prior draws and of the simulated answers.

        Returns
        -------
        object
            The family's prior predictive check (e.g. a
            :class:`~expectmodel.latent.PredictiveCheck` of answer-category shares).
        """
        self.validate_params()
        prepared = self._prepare(data)
        model, _ = self._graph(prepared)
        import pymc as pm

        with model, warnings.catch_warnings():
            # a Potential holds a likelihood term, which a prior draw should ignore: pymc's warning does not apply
            warnings.filterwarnings("ignore", message="The effect of Potentials", category=UserWarning)
            prior = pm.sample_prior_predictive(draws=draws, random_seed=seed)
        return self._prior_check(prepared, prior["prior"], seed)
