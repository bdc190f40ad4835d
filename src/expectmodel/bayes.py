"""The Bayesian workflow shared by every pymc model in the package (METHODS §6).

- :func:`sample` runs NUTS through nutpie (the default when installed), pymc or
  numpyro, always with an explicit seed, and returns an ``xarray.DataTree``;
  :func:`approximate` is the ADVI quick-look mode for large n.
- :class:`Gates` and :func:`diagnose` apply the convergence gates (R̂, bulk and
  tail ESS, divergences, E-BFMI). A failed gate is a :class:`SamplingWarning`
  recorded in the diagnostics, or a :class:`~expectmodel.errors.ConvergenceError`
  with ``strict=True``. Gates never pass silently.

pytensor links against a BLAS for speed (METHODS §9 E7). When the user has not
configured one and the system OpenBLAS is present, it is selected here,
before pytensor is first imported.
"""

from __future__ import annotations

import glob
import importlib.util
import itertools
import os
import warnings
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np

from expectmodel.errors import ConvergenceError, ConvergenceWarning, MissingDependencyError, SpecError

_OPENBLAS = ("/usr/lib/*/libopenblas.so", "/usr/lib/libopenblas.so", "/usr/local/lib/libopenblas.so")
if "PYTENSOR_FLAGS" not in os.environ and any(glob.glob(p) for p in _OPENBLAS):
    os.environ["PYTENSOR_FLAGS"] = "blas__ldflags=-lopenblas"

__all__ = ["Diagnostics", "Gates", "SamplingWarning", "approximate", "diagnose", "resolve_sampler", "sample"]

Sampler = Literal["auto", "nutpie", "pymc", "numpyro"]

_EXTRAS = {"nutpie": ("nutpie", "bayes"), "numpyro": ("numpyro", "gpu")}


class SamplingWarning(ConvergenceWarning):
    """A posterior sample failed a convergence gate; the results carry the details in ``diagnostics``."""


def resolve_sampler(sampler: Sampler) -> str:
    """``"auto"`` -> nutpie when installed, else pymc. A named sampler must be installed."""
    if sampler == "auto":
        return "nutpie" if importlib.util.find_spec("nutpie") else "pymc"
    if sampler == "pymc":
        return sampler
    if sampler not in _EXTRAS:
        raise SpecError(f"sampler must be 'auto', 'nutpie', 'pymc' or 'numpyro', got {sampler!r}.")
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


def _nutpie_model(model, reuse: Hashable | None):
    """Compile ``model`` for nutpie, or reuse a compiled model of the same structure with new data.

    ``reuse`` must identify everything the graph depends on except the values of its data
    containers (``pm.Data``); those are swapped in with ``with_data``. Compilation (numba) costs
    several times the sampling of a survey-sized model, so repeated fits (recovery studies, LOO
    comparisons of refits, tests) pay it once.
    """
    import nutpie

    if reuse is not None and reuse in _COMPILED:
        _COMPILED.move_to_end(reuse)
        return _COMPILED[reuse].with_data(**{v.name: v.get_value() for v in model.data_vars})
    compiled = nutpie.compile_pymc_model(model)
    if reuse is not None:
        _COMPILED[reuse] = compiled
        while len(_COMPILED) > COMPILED_CACHE_SIZE:
            _COMPILED.popitem(last=False)
    return compiled


def sample(model, *, draws: int, tune: int, chains: int, seed: int, sampler: Sampler = "auto",
           cores: int | None = None, progressbar: bool = False, target_accept: float = 0.8,
           reuse: Hashable | None = None):
    """NUTS on ``model`` with a fixed seed; returns the pymc ``DataTree``.

    ``reuse`` (nutpie only): a key for the model's structure; see :func:`_nutpie_model`.
    """
    import pymc as pm

    name = resolve_sampler(sampler)
    cores = cores or min(chains, os.cpu_count() or 1)
    if name == "nutpie":
        # nutpie directly: pm.sample's wrapper adds a pytensor C compilation of the deterministics.
        import nutpie

        compiled = _nutpie_model(model, reuse)
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
    """Mean-field ADVI (``method="advi"``) or full-rank ADVI with Adam: a fast quick look, not final inference."""
    import pymc as pm
    from pymc.variational.callbacks import CheckParametersConvergence

    if method not in ("advi", "fullrank_advi"):
        raise SpecError(f"approximation method must be 'advi' or 'fullrank_advi', got {method!r}.")
    with model:
        approx = pm.fit(n=steps, method=method, random_seed=seed, progressbar=progressbar,
                        obj_optimizer=pm.adam(learning_rate=learning_rate),
                        callbacks=[CheckParametersConvergence(diff="absolute", tolerance=1e-3)])
        tree = approx.sample(draws=draws, random_seed=seed)
    return tree, {"method": method, "steps": len(approx.hist), "final_loss": float(approx.hist[-1])}


@dataclass(frozen=True)
class Gates:
    """Convergence thresholds (Vehtari et al. 2021; METHODS §6)."""

    rhat: float = 1.01
    ess_bulk: float = 400
    ess_tail: float = 400
    divergences: int = 0
    bfmi: float = 0.3


@dataclass(frozen=True)
class Diagnostics:
    """What the gates saw. ``passed`` is False if any gate failed; ``failures`` says which and by how much."""

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
    def passed(self) -> bool:
        return not self.failures

    def to_dict(self) -> dict:
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
    """Apply the gates to ``var_names`` (the identified parameters)."""
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
    """Warn (or raise with ``strict=True``) when a gate failed."""
    if diag.passed:
        return
    msg = (f"{what} failed the convergence gates: {'; '.join(diag.failures)}. Run more draws/tune, raise "
           "target_accept, or check the model; see results.diagnostics.")
    if strict:
        raise ConvergenceError(msg)
    warnings.warn(msg, SamplingWarning, stacklevel=3)
