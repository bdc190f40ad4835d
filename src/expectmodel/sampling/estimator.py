"""The template of every Bayesian family: declare the model, inherit the machinery."""

from __future__ import annotations

import time
import warnings
from collections.abc import Hashable
from typing import Any, ClassVar

import numpy as np

from expectmodel._base import Estimator, resolve_seed
from expectmodel._meta import versions
from expectmodel.errors import ParameterError
from expectmodel.results import DataInfo, Meta, ResultsBase
from expectmodel.sampling.backends import approximate, sample
from expectmodel.sampling.config import SamplerConfig
from expectmodel.sampling.gates import Diagnostics, diagnose, enforce

__all__ = ["BayesianEstimator"]


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
        if config.method == "minibatch_advi":  # a family with a batch path dispatches it in its own fit
            raise ParameterError(f"{type(self).__name__} has no minibatch path (method='minibatch_advi' is the "
                                 "latent-expectation model's); use method='nuts', 'advi' or 'fullrank_advi'.")
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

    def build(self, data: Any) -> Any:
        """Return the pymc model for ``data`` without compiling or sampling it (settings and data validated first).

        Parameters
        ----------
        data : Any
            The family's data, as :meth:`fit` takes it.

        Returns
        -------
        pymc.Model
            The model :meth:`fit` samples.

        Examples
        --------
        >>> from expectmodel import latent
        >>> sim = latent.simulate_recovery(60, seed=1)
        >>> est = latent.ServiceRecovery("satisfaction", "failure", "recovered", scale=(1, 7))
        >>> model = est.build(sim.data)  # a pymc.Model: inspect it, draw prior predictions, or sample it yourself
        >>> len(model.free_RVs) > 0
        True
        """
        self.validate_params()
        return self._graph(self._prepare(data))[0]

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
