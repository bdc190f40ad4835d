"""Out-of-sample predictive accuracy of every Bayesian family: PSIS-LOO, grouped K-fold, comparison (METHODS §6.4).

A survey respondent answers many items, so the unit left out is the respondent, not the answer: the pointwise
log-likelihood is summed over a respondent's observations before Pareto-smoothed importance sampling
(:func:`loo`). Where Pareto k-hat exceeds 0.7 the importance weights are unreliable, and :func:`kfold` refits the
model with whole respondents held out (arviz's ``loo_kfold``, driven through a sampling wrapper that clones and
refits the package's estimator). :func:`compare` ranks either kind with arviz's ``compare``.

A family takes part in K-fold by giving its results class one method::

    results.heldout_log_likelihood(frame) -> pandas.DataFrame   # (posterior draws, held-out respondents)

the log predictive density of each respondent's rows in ``frame`` at each posterior draw, with the respondent's
own latent or person-level parameters integrated out (they were not estimated from these rows).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from expectmodel.errors import DataError, DataWarning, ParameterError, SpecError

__all__ = ["compare", "kfold", "loo"]

#: Pareto k-hat above which a PSIS-LOO term is unreliable (Vehtari et al. 2024).
K_THRESHOLD = 0.7


def _tree(ll, obs: str):
    """Wrap ``ll`` (dims chain, draw, obs) as a DataTree's ``log_likelihood`` group, beside a dummy posterior."""
    import xarray as xr

    chains, draws = ll.shape[:2]
    return xr.DataTree.from_dict({
        "posterior": xr.Dataset({"_draw": (("chain", "draw"), np.zeros((chains, draws)))}),
        "log_likelihood": xr.Dataset({"ll": (("chain", "draw", obs), ll.values)}, coords={obs: ll[obs].values})})


def _as_grouped(log_lik, groups: Sequence | np.ndarray | None, obs: str):
    """``log_lik`` as a (chain, draw, obs) DataArray, summed over the observations of each group."""
    import xarray as xr

    if isinstance(log_lik, xr.DataArray):
        values, names = np.asarray(log_lik.values, dtype=float), log_lik[log_lik.dims[-1]].values
    else:
        values = np.asarray(log_lik, dtype=float)
        names = np.arange(values.shape[-1]) if values.ndim == 3 else None
    if values.ndim != 3:
        raise DataError(f"log_lik must be a (chain, draw, observation) array; got {values.ndim} dimension(s).")
    if not np.isfinite(values).all():
        raise DataError("log_lik holds non-finite values; a log-likelihood of -inf means the model gives an "
                        "observation zero probability: check the data against the model's support.")
    if groups is not None:
        groups = np.asarray(groups)
        if groups.shape != (values.shape[-1],):
            raise DataError(f"groups must give one label per observation ({values.shape[-1]}); got shape "
                            f"{groups.shape}.")
        names, inverse = np.unique(groups, return_inverse=True)
        summed = np.zeros((*values.shape[:2], names.size))
        np.add.at(summed, (slice(None), slice(None), inverse), values)  # sum the axis-2 entries per group
        values = summed
    return xr.DataArray(values, dims=("chain", "draw", obs), coords={obs: names})


def loo(log_lik, groups: Sequence | np.ndarray | None = None, *, obs: str = "respondent", warn: bool = True):
    """Leave-one-group-out PSIS-LOO from a pointwise log-likelihood (arviz ``loo``).

    Parameters
    ----------
    log_lik : array or xarray.DataArray, shape (chain, draw, observation)
        The pointwise log-likelihood at each posterior draw.
    groups : array-like, optional
        A label per observation (e.g. the respondent of each answer): observations are summed per group first,
        so a whole group is left out. Default: each observation is its own group.
    obs : str
        The name of the group dimension in the result.
    warn : bool
        Warn (``DataWarning``) when a group's Pareto k-hat exceeds 0.7.

    Returns
    -------
    arviz ELPDData
        ``elpd``, ``se``, ``p``, ``pareto_k`` and ``elpd_i`` per group.

    Raises
    ------
    DataError
        ``log_lik`` is not three-dimensional or not finite, or ``groups`` has the wrong length.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> ll = rng.normal(-1.0, 0.1, size=(2, 200, 12))                # 12 answers
    >>> res = loo(ll, groups=np.repeat(["r1", "r2", "r3"], 4))       # of 3 respondents
    >>> res.elpd_i.coords["respondent"].values.tolist(), bool(res.elpd < 0)
    (['r1', 'r2', 'r3'], True)
    """
    import arviz as az

    ll = _as_grouped(log_lik, groups, obs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # arviz's generic k-hat message; ours names the remedy
        res = az.loo(_tree(ll, obs), var_name="ll", pointwise=True)
    bad = int((np.asarray(res.pareto_k) > K_THRESHOLD).sum())
    if warn and bad:
        warnings.warn(f"PSIS-LOO: {bad} of {ll.sizes[obs]} {obs}(s) have Pareto k-hat > {K_THRESHOLD}, so their "
                      "LOO terms are unreliable; use grouped K-fold cross-validation "
                      "(expectmodel.sampling.elpd.kfold) before trusting a close comparison (METHODS §6.4).",
                      DataWarning, stacklevel=2)
    return res


def _wrapper(estimator, frame: pd.DataFrame, rows_of: dict, names: np.ndarray, obs: str, options: dict):
    """Build an arviz ``SamplingWrapper`` that refits a clone of ``estimator`` without the held-out groups."""
    import xarray as xr
    from arviz_stats.loo import SamplingWrapper
    from sklearn.base import clone

    class _Refit(SamplingWrapper):
        def sel_observations(self, idx):
            held = np.concatenate([rows_of[names[i]] for i in np.atleast_1d(idx)])
            keep = np.setdiff1d(np.arange(len(frame)), held)
            return frame.iloc[keep], (frame.iloc[held], names[np.atleast_1d(idx)])

        def sample(self, modified_observed_data):
            return clone(estimator).fit(modified_observed_data)

        def get_inference_data(self, fitted_model):
            return fitted_model

        def log_likelihood__i(self, excluded_obs, idata__i):
            rows, wanted = excluded_obs
            ll = _heldout(idata__i, rows, options)
            missing = [g for g in wanted if g not in ll.columns]
            if missing:
                raise SpecError(f"heldout_log_likelihood returned no column for held-out group(s) {missing[:5]}; "
                                "it must return one column per group in the rows it is given.")
            return xr.DataArray(ll[list(wanted)].to_numpy(), dims=("sample", obs), coords={obs: wanted})

    return _Refit(estimator)


def _heldout(results: Any, rows: pd.DataFrame, options: dict) -> pd.DataFrame:
    if not hasattr(results, "heldout_log_likelihood"):
        raise SpecError(f"{type(results).__name__} has no heldout_log_likelihood(frame), so its model cannot be "
                        "cross-validated by K-fold; use PSIS-LOO (results.loo()).")
    ll = results.heldout_log_likelihood(rows, **options)
    if not isinstance(ll, pd.DataFrame) or not np.isfinite(ll.to_numpy(dtype=float)).all():
        raise SpecError(f"{type(results).__name__}.heldout_log_likelihood must return a finite DataFrame of "
                        "(posterior draws, groups).")
    return ll


def kfold(estimator, data: pd.DataFrame, *, groups: str | Sequence | np.ndarray, folds: int = 10, seed: int = 0,
          full: Any = None, obs: str = "respondent", heldout_kwargs: Mapping[str, Any] | None = None):
    """Cross-validate a Bayesian estimator by grouped K-fold: whole groups (respondents) held out per fold.

    Each fold fits a clone of ``estimator`` to the other folds' rows and scores the held-out rows with the fit's
    ``heldout_log_likelihood``; the per-group log predictive densities (log mean over posterior draws) sum to the
    K-fold elpd. arviz's ``loo_kfold`` drives the folds, so the result compares with PSIS-LOO results in
    :func:`compare`.

    Parameters
    ----------
    estimator : BayesianEstimator
        An unfitted estimator; it is cloned per fold, so its settings (and seed) carry over.
    data : pandas.DataFrame
        The rows the estimator fits (long or wide: one or more rows per group).
    groups : str or array-like
        The column of ``data`` naming each row's group (the respondent), or a label per row.
    folds : int
        K, at least 2 and at most the number of groups.
    seed : int
        Random seed of the assignment of groups to folds.
    full : results, optional
        The estimator's fit to all of ``data`` (its held-out density of ``data`` gives arviz's in-sample
        reference for the effective number of parameters); fitted here when omitted.
    obs : str
        The name of the group dimension in the result.
    heldout_kwargs : mapping, optional
        Options of the family's ``heldout_log_likelihood`` (e.g. ``{"var": "answers"}`` for the latent
        model's item answers rather than its satisfaction link).

    Returns
    -------
    arviz ELPDDataLOOKFold
        ``elpd``, ``se``, ``p`` and ``elpd_i`` per group; ``n_folds``.

    Raises
    ------
    ParameterError
        ``folds`` is not an integer between 2 and the number of groups.
    DataError
        ``groups`` names no column or has the wrong length, or has missing labels.
    SpecError
        The family's results have no ``heldout_log_likelihood``.

    Examples
    --------
    >>> import pandas as pd
    >>> kfold(None, pd.DataFrame({"id": [1, 1, 2]}), groups="id", folds=3)
    Traceback (most recent call last):
    ...
    expectmodel.errors.ParameterError: folds must be an integer from 2 to the number of groups (2); got 3.

    Refitting samples the model K + 1 times, so these lines are skipped when the doctests run:

    >>> from expectmodel import latent  # doctest: +SKIP
    >>> sim = latent.simulate_latent(300, dimensions={"a": ("q1", "q2", "q3")}, seed=1)  # doctest: +SKIP
    >>> est = latent.LatentExpectations(sim.design)  # doctest: +SKIP
    >>> kfold(est, sim.data, groups=sim.data.index.to_numpy(), folds=5).elpd  # doctest: +SKIP
    """
    import arviz as az
    import xarray as xr

    if not isinstance(data, pd.DataFrame):
        raise DataError(f"kfold needs the data as a pandas DataFrame; got {type(data).__name__}.")
    if isinstance(groups, str):
        if groups not in data.columns:
            raise DataError(f"groups={groups!r} is not a column of the data; name the column that identifies "
                            "each row's respondent, or pass a label per row.")
        labels = data[groups].to_numpy()
    else:
        labels = np.asarray(groups)
        if labels.shape != (len(data),):
            raise DataError(f"groups must give one label per row of the data ({len(data)}); got shape "
                            f"{labels.shape}.")
    if pd.isna(labels).any():
        raise DataError(f"groups has a missing label at row {int(np.flatnonzero(pd.isna(labels))[0])}; every row "
                        "needs its respondent.")
    names, inverse = np.unique(labels, return_inverse=True)
    if not isinstance(folds, (int, np.integer)) or isinstance(folds, bool) or not 2 <= folds <= names.size:
        raise ParameterError(f"folds must be an integer from 2 to the number of groups ({names.size}); "
                             f"got {folds!r}.")
    frame = data
    order = np.argsort(inverse, kind="stable")
    rows_of = dict(zip(names, np.split(order, np.cumsum(np.bincount(inverse))[:-1]), strict=True))
    full = estimator.fit(data) if full is None else full
    options = dict(heldout_kwargs or {})
    ll_full = _heldout(full, frame, options)
    if set(ll_full.columns) != set(names):
        raise SpecError("the full fit's heldout_log_likelihood does not return one column per group of the data.")
    ll = ll_full[list(names)].to_numpy(dtype=float)
    tree = _tree(xr.DataArray(ll[None], dims=("chain", "draw", obs), coords={obs: names}), obs)
    return az.loo_kfold(tree, _wrapper(estimator, frame, rows_of, names, obs, options), var_name="ll", k=int(folds),
                        pointwise=True, seed=int(seed))


def compare(named: Mapping[str, Any]) -> pd.DataFrame:
    """Rank fits by expected log predictive density: PSIS-LOO or K-fold results of the same groups (arviz ``compare``).

    Parameters
    ----------
    named : mapping of str to arviz ELPDData
        Results of :func:`loo` or :func:`kfold` (or a family's ``loo()``), two or more, over the same groups.

    Returns
    -------
    pandas.DataFrame
        Best first: ``rank``, ``elpd``, ``se``, ``p``, ``elpd_diff`` and its paired standard error ``dse``, ``z``
        (= elpd_diff / dse: below -2, the worse model is clearly worse), ``weight`` (stacking), ``method``
        (``loo`` or ``loo_kfold``) and ``n_high_k`` (groups with Pareto k-hat > 0.7).

    Raises
    ------
    SpecError
        Fewer than two results, or results over different groups.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(2)
    >>> good = loo(rng.normal(-1.0, 0.1, size=(2, 200, 40)))
    >>> worse = loo(rng.normal(-1.5, 0.1, size=(2, 200, 40)))
    >>> table = compare({"good": good, "worse": worse})
    >>> list(table.index), bool(table.loc["worse", "z"] < -2)
    (['good', 'worse'], True)
    """
    import arviz as az

    if len(named) < 2:
        raise SpecError("compare needs at least two fitted models.")
    ids = {k: tuple(np.asarray(v.elpd_i[v.elpd_i.dims[0]].values).tolist()) for k, v in named.items()}
    if len(set(ids.values())) > 1:
        raise SpecError("the fits were made on different groups (respondents), or list them in different orders; "
                        "compare fits of the same data (the paired standard error pairs groups by position).")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        table = az.compare(dict(named), round_to="none")  # unrounded: arviz rounds to 2 significant digits by default
    table = pd.DataFrame(table)
    diff, dse = table["elpd_diff"].abs().to_numpy(float), table["dse"].to_numpy(float)
    table["z"] = -np.divide(diff, dse, out=np.zeros_like(diff), where=dse > 0)
    table["method"] = [named[k].kind for k in table.index]
    table["n_high_k"] = [0 if getattr(named[k], "pareto_k", None) is None
                         else int((np.asarray(named[k].pareto_k) > K_THRESHOLD).sum()) for k in table.index]
    cols = ["rank", "elpd", "se", "p", "elpd_diff", "dse", "z", "weight", "method", "n_high_k"]
    return table[[c for c in cols if c in table.columns]]
