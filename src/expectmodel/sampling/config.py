"""How a posterior is drawn: :class:`SamplerConfig` and the convergence :class:`Gates`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, Literal

import numpy as np

from expectmodel.errors import ParameterError

__all__ = ["METHODS", "SAMPLERS", "Gates", "Method", "Sampler", "SamplerConfig"]

Sampler = Literal["auto", "nutpie", "pymc", "numpyro"]
Method = Literal["nuts", "advi", "fullrank_advi", "minibatch_advi"]

SAMPLERS = ("auto", "nutpie", "pymc", "numpyro")
METHODS = ("nuts", "advi", "fullrank_advi", "minibatch_advi")


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
    method : {"nuts", "advi", "fullrank_advi", "minibatch_advi"}
        NUTS, or an ADVI quick look for large n (no convergence gates; intervals too narrow).
        ``"minibatch_advi"``: mean-field ADVI on batches of ``batch_size`` respondents, compiled by JAX,
        whose cost per step does not grow with n (:func:`~expectmodel.sampling.backends.minibatch_advi`); for a
        family that declares its respondent-level variables (the latent family does).
    target_accept : float
        NUTS target acceptance rate in (0, 1).
    advi_steps : int
        Adam steps of ADVI (of minibatch ADVI: steps, each on one batch).
    batch_size : int
        Respondents per step of ``method="minibatch_advi"`` (capped at n).
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
        250-respondent model, 2 cores): the better choice for short runs, smoke tests and notebooks. On the
        bundled demo's latent model (800 x 22 x 2, drivers by stage, free link) JAX compiled in 16 s on a
        fresh machine and took 2.5-3.2 ms a gradient in the run; the demo uses it
        (``benchmarks/bench_latent_backends.py``).

    Examples
    --------
    >>> SamplerConfig(draws=300, gates={"rhat": 1.05}).gates.rhat
    1.05
    >>> SamplerConfig(method="hmc")
    Traceback (most recent call last):
    ...
    expectmodel.errors.ParameterError: SamplerConfig(method='hmc'): method must be one of 'nuts', 'advi', \
'fullrank_advi', 'minibatch_advi'; got 'hmc'.
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
    batch_size: int = 1000

    def __post_init__(self) -> None:
        for name, low in (("draws", 1), ("tune", 0), ("chains", 1), ("advi_steps", 1), ("batch_size", 1)):
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
