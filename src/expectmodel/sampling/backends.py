"""Drawing the posterior: NUTS through nutpie, pymc or numpyro, ADVI, and pytensor's BLAS set-up.

No module-level import of pymc, pytensor or nutpie: each is imported where it is used, after
:func:`configure_pytensor`.
"""

from __future__ import annotations

import glob
import importlib.util
import os
import sys
import warnings
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from expectmodel.errors import MissingDependencyError, ParameterError
from expectmodel.sampling.config import SAMPLERS, Sampler

__all__ = ["approximate", "configure_pytensor", "resolve_sampler", "sample"]

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
