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

__all__ = ["approximate", "configure_pytensor", "minibatch_advi", "resolve_sampler", "sample"]

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
    import pytensor

    # nutpie compiles the log density itself (numba or XLA); pytensor's C compiler would only build the
    # initial-point and shape functions, which run a handful of times: on a fresh machine (empty compiledir)
    # that C compilation took 20-30 s of the demo fit's cold start (bench_latent_backends), so it is off here
    with pytensor.config.change_flags(cxx=""):
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


#: Fewest passes over the rows before minibatch ADVI's population parameters are trusted: at 30 passes the
#: latent gaps shrank ~10% toward 0, at 200 they agreed with NUTS within a posterior SD
#: (benchmarks/bench_latent_advi.py).
MIN_EPOCHS = 100


def minibatch_advi(model, data: dict, *, n: int, draws: int, seed: int, steps: int = 10_000,
                   learning_rate: float = 0.02, local_learning_rate: float = 0.1, local_dim: str = "respondent",
                   chunk: int = 250):
    """Mean-field ADVI on minibatches of rows, JAX-compiled: each step costs the same whatever the number of rows.

    ``model`` is a pymc model built on a *batch* of ``b`` rows (respondents): every row-level random
    variable has ``local_dim`` as its first dimension (length ``b``), every row-level data container is
    named in ``data``, which holds its values for all ``n`` rows, and every likelihood term (observed
    variables and Potentials) is a sum over the batch's rows. The other random variables are global.

    The approximation is a Gaussian per coordinate of the unconstrained space, global and local alike.
    A step draws ``b`` rows (without replacement within an epoch), one sample of the globals and of those
    rows' locals, and estimates the ELBO as
    ``log p(globals) + (n / b) * [log p(locals, answers of the batch) + entropy of the batch's locals]
    + entropy of the globals``, unbiased for the full data (Hoffman et al. 2013, stochastic variational
    inference; pymc's ``total_size`` scaling). The globals take an Adam step on its gradient. A row's local
    parameters are touched only when the row is in the batch: they take an Adam step (state kept per row)
    on the gradient of their own term, so the per-row scale ``n / b`` does not enter their step. The
    learning rate decays linearly to a tenth over the second half of the steps, so that the final
    parameters do not jitter at the step size.

    Parameters
    ----------
    model : pymc.Model
        The batch-sized model (see above).
    data : dict of str to array
        For each row-level ``pm.Data`` of ``model`` (by name), its values for all ``n`` rows (leading axis).
    n : int
        Rows in all.
    draws : int
        Draws of the global parameters taken from the fitted approximation.
    seed : int
        Random seed of the batches, the ELBO samples and the draws.
    steps : int
        Adam steps (each sees one batch).
    learning_rate : float
        Adam's initial learning rate of the global parameters.
    local_learning_rate : float
        Adam's initial learning rate of a row's parameters: larger, since a row takes a step only when it is
        in the batch (``steps * b / n`` steps in all, e.g. 30 for 3,000 steps of 1,000 of 100,000 rows).
    local_dim : str
        The dimension that marks a row-level random variable.
    chunk : int
        Steps run inside one compiled loop (``steps`` is rounded up to a multiple of it, so that the loop
        compiles once).

    Returns
    -------
    (xarray.DataTree, dict)
        ``posterior`` holds the global random variables and the deterministics that depend on globals
        only (one chain); ``variational_local`` holds each local variable's variational mean and SD on
        its unconstrained scale for every row. The dict: ``{"method", "steps", "batch_size",
        "final_loss", "loss_trace", "epochs", "wall_seconds"}``.

    Examples
    --------
    The data must name row-level containers of the model and the batch must fit in the rows:

    >>> import pymc as pm
    >>> with pm.Model(coords={"respondent": range(10)}) as batch:
    ...     y = pm.Data("y", [0.0] * 10)
    >>> minibatch_advi(batch, {"x": [0.0] * 100}, n=100, draws=10, seed=1)
    Traceback (most recent call last):
    ...
    expectmodel.errors.ParameterError: minibatch_advi: 'x' is not a data container of the batch model.

    Fitting compiles the model, so these lines are skipped when the doctests run:

    >>> tree, info = minibatch_advi(batch, {"y": y_all}, n=100_000, draws=500, seed=1)  # doctest: +SKIP
    """
    import time

    import numpy as np

    names = {v.name: v for v in model.data_vars}
    for name in data:
        if name not in names:
            raise ParameterError(f"minibatch_advi: {name!r} is not a data container of the batch model.")
    b = None
    for name, v in names.items():
        if name in data:
            b = int(v.get_value().shape[0])
            if np.shape(data[name])[0] != n:
                raise ParameterError(f"minibatch_advi: data[{name!r}] has {np.shape(data[name])[0]} rows, not n={n}.")
    if b is None or b > n:
        raise ParameterError(f"minibatch_advi: the batch model must hold between 1 and n={n} rows of the data.")
    row_level_dims = model.named_vars_to_dims
    unfed = [k for k, v in names.items() if k not in data and (row_level_dims.get(k) or (None,))[0] == local_dim]
    if unfed:
        raise ParameterError(f"minibatch_advi: the row-level data container(s) {unfed} are not in `data`; every "
                             "batch would reuse the first rows' values. Give their values for all n rows.")
    configure_pytensor()
    import jax
    import jax.numpy as jnp
    import pytensor
    import pytensor.tensor as pt
    import xarray as xr
    from pymc.sampling.jax import get_jaxified_graph
    from pytensor.graph.replace import graph_replace
    from pytensor.graph.traversal import ancestors

    t0 = time.perf_counter()
    dims = model.named_vars_to_dims
    local = [rv for rv in model.free_RVs if (dims.get(rv.name) or (None,))[0] == local_dim]
    glob = [rv for rv in model.free_RVs if rv not in local]
    if not local:
        raise ParameterError(f"minibatch_advi: no random variable of the model has {local_dim!r} as its first "
                             "dimension; use method='advi'.")
    val = model.rvs_to_values
    g_vals, l_vals = [val[rv] for rv in glob], [val[rv] for rv in local]
    row_data = [names[k] for k in data]
    touched = set(local) | set(row_data)
    for term in [*model.observed_RVs, *model.potentials]:
        if not set(ancestors([term])) & touched:  # a global-only term would be weighted n / b times
            raise ParameterError(f"minibatch_advi: the likelihood term {term.name!r} depends on no row-level "
                                 "variable or data, so scaling it by n / batch would over-weight it; put it in "
                                 "the model as a prior on the globals instead.")
    holders = [pt.TensorType(v.dtype, shape=v.get_value().shape)(name=f"{v.name}_batch") for v in row_data]
    lp_global = model.logp(vars=glob)
    lp_local = model.logp(vars=local + list(model.observed_RVs) + list(model.potentials))
    lp_global, lp_local = graph_replace([lp_global, lp_local], dict(zip(row_data, holders, strict=False)), strict=False)
    with pytensor.config.change_flags(cxx=""):
        logp_fn = get_jaxified_graph(inputs=g_vals + l_vals + holders, outputs=[lp_global, lp_local])
        # what is reported: the global variables and the deterministics that need no row-level input
        row_level = set(l_vals) | set(local) | set(row_data)
        outs = [v for v in [*glob, *model.deterministics]
                if not (set(ancestors([v])) & row_level)]
        out_graphs = model.replace_rvs_by_values(outs)
        report_fn = get_jaxified_graph(inputs=g_vals, outputs=out_graphs)
        point = model.initial_point(random_seed=seed)
    full = [jnp.asarray(np.asarray(data[v.name])) for v in row_data]
    g_shapes = [point[v.name].shape for v in g_vals]
    l_shapes = [(n, *point[v.name].shape[1:]) for v in l_vals]
    scale = n / b

    def elbo(gm, gs, lm, ls, batch, key):
        keys = jax.random.split(key, len(gm) + len(lm))
        g = [m + jnp.exp(s) * jax.random.normal(k, m.shape) for m, s, k in zip(gm, gs, keys[:len(gm)], strict=False)]
        loc = [m + jnp.exp(s) * jax.random.normal(k, m.shape) for m, s, k in zip(lm, ls, keys[len(gm):], strict=False)]
        lpg, lpl = logp_fn(*g, *loc, *batch)
        ent_g = sum(s.sum() for s in gs)
        ent_l = sum(s.sum() for s in ls)
        return lpg + ent_g + scale * (lpl + ent_l)

    grad = jax.value_and_grad(elbo, argnums=(0, 1, 2, 3))
    b1, b2, eps = 0.9, 0.999, 1e-8

    def adam(p, g, m, v, t, lr):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        mh = m / (1 - b1 ** t)
        vh = v / (1 - b2 ** t)
        return p + lr * mh / (jnp.sqrt(vh) + eps), m, v  # ascent on the ELBO

    def one_step(state, inp, full):
        gm, gs, gmom, lm, ls, lmom, tl, t = state
        idx, key, lr = inp
        lr_local = lr * (local_learning_rate / learning_rate)
        batch = [d[idx] for d in full]
        lm_b = [m[idx] for m in lm]
        ls_b = [s[idx] for s in ls]
        value, (dgm, dgs, dlm, dls) = grad(gm, gs, lm_b, ls_b, batch, key)
        t = t + 1
        new_g = []
        for i, (p, d) in enumerate(zip(gm + gs, dgm + dgs, strict=False)):
            new_g.append(adam(p, d, gmom[0][i], gmom[1][i], t, lr))
        k = len(gm)
        gm2 = [x[0] for x in new_g[:k]]
        gs2 = [x[0] for x in new_g[k:]]
        gmom2 = ([x[1] for x in new_g], [x[2] for x in new_g])
        tb = tl[idx] + 1
        tbx = tb.astype(float)
        lm2, ls2, lmom_m, lmom_v = [], [], [], []
        for i, (p_all, p_b, d) in enumerate(zip(lm + ls, lm_b + ls_b, dlm + dls, strict=False)):
            d = d / scale
            m_b, v_b = lmom[0][i][idx], lmom[1][i][idx]
            tt = tbx.reshape((-1,) + (1,) * (p_b.ndim - 1))
            p_new, m_new, v_new = adam(p_b, d, m_b, v_b, tt, lr_local)
            (lm2 if i < len(lm) else ls2).append(p_all.at[idx].set(p_new))
            lmom_m.append(lmom[0][i].at[idx].set(m_new))
            lmom_v.append(lmom[1][i].at[idx].set(v_new))
        tl = tl.at[idx].set(tb)
        return (gm2, gs2, gmom2, lm2, ls2, (lmom_m, lmom_v), tl, t), -value

    @jax.jit
    def run_chunk(state, idx, keys, lrs, full):  # the data are an argument: as a closure they became
        # constants of the compiled program, which took a minute to compile and ran 30 times slower
        return jax.lax.scan(lambda c, x: one_step(c, x, full), state, (idx, keys, lrs))

    # every leaf of the state strongly typed: a weakly typed leaf comes back strongly typed from the
    # loop and makes the next call compile again
    f64 = jnp.float64
    gm = [jnp.asarray(point[v.name], dtype=f64) for v in g_vals]
    gs = [jnp.full(s, -2.0, dtype=f64) for s in g_shapes]
    lm = [jnp.zeros(s, dtype=f64) for s in l_shapes]
    ls = [jnp.full(s, -1.0, dtype=f64) for s in l_shapes]
    zeros = [jnp.zeros_like(x) for x in gm + gs]
    lzeros = [jnp.zeros_like(x) for x in lm + ls]
    state = (gm, gs, (zeros, [z.copy() for z in zeros]), lm, ls, (lzeros, [z.copy() for z in lzeros]),
             jnp.zeros(n, dtype=jnp.int32), jnp.zeros((), dtype=f64))
    rng = np.random.default_rng(seed)
    key = jax.random.PRNGKey(seed)
    chunk = min(chunk, steps)
    steps = -(-steps // chunk) * chunk
    per_epoch = n // b
    order = np.empty(0, dtype=np.int64)
    losses = []
    done = 0
    while done < steps:
        m = chunk
        while order.size < m * b:  # epochs: each row once per pass, in a new random order
            order = np.concatenate([order, rng.permutation(n)[: per_epoch * b]])
        idx, order = order[: m * b].reshape(m, b), order[m * b:]
        key, sub = jax.random.split(key)
        t = np.arange(done, done + m)
        lrs = learning_rate * np.where(t < steps / 2, 1.0, 1.0 - 0.9 * (t - steps / 2) / (steps / 2))
        tc = time.perf_counter()
        state, loss = run_chunk(state, jnp.asarray(idx), jax.random.split(sub, m), jnp.asarray(lrs, dtype=f64), full)
        losses.append(np.asarray(loss))
        if os.environ.get("EXPECTMODEL_DEBUG"):  # the first chunk includes XLA's compilation
            print(f"minibatch_advi: {m} steps in {time.perf_counter() - tc:.2f} s "
                  f"({time.perf_counter() - t0:.1f} s since the start)", file=sys.stderr)
        done += m
    gm, gs = state[0], state[1]
    lm, ls = state[3], state[4]
    # draws of the globals from the approximation, mapped to the reported variables
    key, sub = jax.random.split(key)
    keys = jax.random.split(sub, len(gm))
    gdraws = [m + jnp.exp(s) * jax.random.normal(k, (draws, *m.shape)) for m, s, k in zip(gm, gs, keys, strict=False)]
    reported = jax.jit(jax.vmap(lambda *g: report_fn(*g)))(*gdraws)
    coords = {k: np.asarray(v) for k, v in model.coords.items() if v is not None}
    posterior = {}
    for v, x in zip(outs, reported, strict=False):
        d = list(dims.get(v.name) or [f"{v.name}_dim_{i}" for i in range(np.ndim(x) - 1)])
        posterior[v.name] = (("chain", "draw", *d), np.asarray(x)[None])
    post = xr.Dataset(posterior, coords={k: c for k, c in coords.items()
                                         if any(k in vv[0] for vv in posterior.values())})
    loc_vars = {}
    for v, m, s in zip(l_vals, lm, ls, strict=False):
        d = [f"{v.name}_dim_{i}" for i in range(m.ndim)]
        d[0] = "row"
        loc_vars[f"{v.name}_mean"] = (d, np.asarray(m))
        loc_vars[f"{v.name}_sd"] = (d, np.exp(np.asarray(s)))
    tree = xr.DataTree.from_dict({"posterior": post, "variational_local": xr.Dataset(loc_vars)})
    trace = np.concatenate(losses)
    if steps * b / n < MIN_EPOCHS:
        from expectmodel.sampling.gates import SamplingWarning

        warnings.warn(f"minibatch_advi: {steps * b / n:.0f} passes over the {n:,} rows (steps x batch / rows); the "
                      "population parameters step on row parameters that have not settled (at 30 passes the latent "
                      "model's gaps shrank about 10% toward 0: benchmarks/bench_latent_advi.py). Use at least "
                      f"advi_steps={int(np.ceil(MIN_EPOCHS * n / b)):,} ({MIN_EPOCHS} passes).",
                      SamplingWarning, stacklevel=2)
    info = {"method": "minibatch_advi", "steps": int(steps), "batch_size": int(b), "epochs": steps * b / n,
            "final_loss": float(trace[-min(len(trace), 200):].mean()),
            "loss_trace": trace[:: max(1, steps // 200)].tolist(),
            "wall_seconds": time.perf_counter() - t0}
    return tree, info
