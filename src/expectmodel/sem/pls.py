"""PLS path modelling (Wold / Lohmoeller), modes A and B, three inner schemes, PLSc.

:class:`PLS` holds the settings; :meth:`PLS.fit` validates them and the data, runs the
batched fixed point of :mod:`expectmodel.sem._kernel` on the indicator
correlation matrix, and returns an immutable :class:`~expectmodel.sem.results.PLSResults`.
Fits per group (customer stage, market, wave) compose it: :class:`~expectmodel.sem.groups.MultiGroupPLS`.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Iterable, Mapping
from typing import ClassVar

import numpy as np
import pandas as pd

from expectmodel._base import Estimator, InstanceOf, Interval, OneOf, Predicate, resolve_seed, snapshot
from expectmodel.data.read import is_codes
from expectmodel.data.schema import Scale as DataScale
from expectmodel.errors import ConvergenceError, ConvergenceWarning, ParameterError, SpecError
from expectmodel.sem import _kernel as k
from expectmodel.sem._data import MissingPolicy, Scale, moments, prepare, read_weights, weighted_moments
from expectmodel.sem._estimates import Options, estimate_stack
from expectmodel.sem._spec import pls_requirements
from expectmodel.sem.bootstrap import run_bootstrap
from expectmodel.sem.higher_order import APPROACHES as HOC_APPROACHES
from expectmodel.sem.higher_order import compile_higher_order
from expectmodel.sem.moderation import METHODS as MODERATION_METHODS
from expectmodel.sem.moderation import augment
from expectmodel.sem.results import FitRecord, PLSResults
from expectmodel.spec import Model

__all__ = ["PLS"]

SINGULAR_EIG = 1e-10
_SETTING = object()  # "use the estimator's own setting"


def _is_scale(value: object) -> bool:
    pairs = value.values() if isinstance(value, Mapping) else [value]
    return all(isinstance(p, DataScale) or (len(p) == 2 and float(p[0]) < float(p[1]))  # type: ignore[arg-type]
               for p in pairs)


class PLS(Estimator):
    """Partial least squares path model estimator.

    Parameters
    ----------
    model : Model or str
        The specification (a :class:`~expectmodel.spec.Model` or lavaan-style text).
    scheme : {"path", "centroid", "factorial"}
        Inner weighting scheme (seminr's default is ``"path"``).
    consistent : bool
        Apply PLSc (Dijkstra & Henseler 2015) to reflective constructs:
        disattenuated construct correlations, paths, R^2 and loadings.
    max_iter, tol : int, float
        Stop when the summed absolute change of all outer weights is below
        ``tol`` (seminr's rule, ``10**-7``), or after ``max_iter`` iterations
        with a :class:`~expectmodel.errors.ConvergenceWarning`.
    scale : (low, high) or {construct: (low, high)}, optional
        Declared answer scale; answers outside it are rejected and the 0-100
        index is anchored at its ends.
    missing : {"raise", "listwise", "pairwise", "mean", "em"}
        What to do with missing answers (after ``missing_values`` are applied). ``"pairwise"`` estimates
        from pairwise-complete correlations (each pair of indicators over the respondents who answered
        both), so respondents with a few missing answers still count; their construct scores use
        the answers they gave. ``"em"``: maximum-likelihood means and correlations of the indicators under
        multivariate normality by EM (missing at random); a missing answer enters the construct scores at
        its conditional mean, and every bootstrap resample reruns the weighted EM (recorded in
        ``meta["em_iterations"]``).
    missing_values : float or iterable of float
        Codes that mean "no answer", e.g. ``-99`` or ``(-99, 99)``.
    bootstrap : int
        Number of bootstrap resamples (0: none).
    ci_level : float
        Confidence level of the percentile and BCa intervals.
    bca : bool
        Compute BCa intervals (needs a jackknife).
    seed : int, optional
        Seed of the bootstrap (and of nothing else: the PLS fit is deterministic). ``None`` draws one,
        recorded in ``results.meta.seed``, so every run can be repeated.
    n_jobs : int
        Threads for the bootstrap chunks (joblib); results do not depend on it. Measured on
        2 cores (ECSI, 2,000 resamples in chunks of 1,000): slower than serial at every n tried
        (0.50x at n = 250, 0.65x at 2,500, 0.91x at 5,000, 0.77x at 20,000), because the serial
        bootstrap already runs its large products on a multi-threaded BLAS and its small array
        steps hold the GIL. Leave it at 1 unless a benchmark on more cores says otherwise.
    progress : bool
        Show a progress bar during the bootstrap.
    interaction : {"two_stage", "product_indicator", "orthogonal"}
        How the spec's product terms (``Y ~ X + M + X:M``, quadratic ``X:X``) are estimated: the
        two-stage approach (default), product indicators (reflective blocks only) or orthogonalised
        product indicators; see :mod:`expectmodel.sem.moderation`. Ignored without product terms.
    higher_order : {"embedded", "disjoint", "repeated"}
        How second-order constructs (``H =~ A + B``, ``H <~ A + B`` over first-order constructs) are
        estimated: embedded two-stage (default), disjoint two-stage (R seminr's ``two_stage``) or repeated
        indicators; see :mod:`expectmodel.sem.higher_order`. Ignored without them.
    sign_change : {"none", "construct", "individual"}
        The bootstrap's sign-change correction (Tenenhaus et al. 2005), applied to the stored resamples
        before any interval: none (default), construct-level (a resample's construct whose loadings lie
        closer to the negated full-sample loadings is flipped, with its paths) or individual (each weight,
        loading, path and total effect takes its full-sample sign).
    weights : str, optional
        The column of survey weights (Becker & Ismail 2016): they enter every moment (weighted means,
        SDs and correlations; normalised to sum to the number of respondents, so equal weights give the
        unweighted fit exactly), the bootstrap resamples respondents with their weights, and
        ``results.meta["weights"]`` records the column, the sum and Kish's effective sample size.
        Weights must be positive and finite; not with ``missing="pairwise"`` or ``fit_test``.
    fit_test : int
        Resamples of the Bollen-Stine bootstrap test of overall model fit (0: none); the quantiles
        and p-values land in ``results.model_fit``. Its resamples come from their own child of
        ``seed``. Needs complete data (not ``missing="pairwise"``).

    Raises
    ------
    ParameterError
        From :meth:`fit`, naming a setting outside its allowed values.

    Examples
    --------
    >>> import expectmodel as em
    >>> survey = em.datasets.load_csi_survey()
    >>> res = em.PLS(em.spec.templates.ecsi(), scale=(1, 10), missing="mean",
    ...              missing_values=[-99]).fit(survey)
    >>> res.converged, res.n
    (True, 600)
    >>> bool(res.r2.loc["Satisfaction", "r2"] > 0.3)
    True

    # In R: seminr::estimate_pls(data, measurement_model, structural_model)
    """

    _parameter_constraints: ClassVar[dict[str, list]] = {
        "model": [InstanceOf(Model, str, name="a Model or lavaan-style model text")],
        "scheme": [OneOf(*k.SCHEMES)],
        "consistent": [OneOf(True, False)],
        "max_iter": [Interval(int, 1, None)],
        "tol": [Interval(float, 0, None, closed="neither")],
        "scale": [None, Predicate(_is_scale, "a Scale, a (low, high) pair with low < high, or a mapping "
                                            "{construct: Scale or (low, high)}")],
        "missing": [OneOf("raise", "listwise", "pairwise", "mean", "em")],
        "missing_values": [Predicate(is_codes, "a number or a sequence of numbers (codes meaning no answer)")],
        "bootstrap": [OneOf(0), Interval(int, 20, None)],
        "ci_level": [Interval(float, 0, 1, closed="neither")],
        "bca": [OneOf(True, False)],
        "seed": [None, Interval(int, 0, None)],
        "n_jobs": [Interval(int, 1, None)],
        "progress": [OneOf(True, False)],
        "fit_test": [OneOf(0), Interval(int, 20, None)],
        "weights": [None, InstanceOf(str, name="a column name")],
        "interaction": [OneOf(*MODERATION_METHODS)],
        "higher_order": [OneOf(*HOC_APPROACHES)],
        "sign_change": [OneOf("none", "construct", "individual")],
    }

    def __init__(
        self,
        model: Model | str,
        *,
        scheme: str = "path",
        consistent: bool = False,
        max_iter: int = 300,
        tol: float = 1e-7,
        scale: Scale = None,
        missing: MissingPolicy = "raise",
        missing_values: float | Iterable[float] = (),
        bootstrap: int = 0,
        ci_level: float = 0.95,
        bca: bool = True,
        seed: int | None = None,
        n_jobs: int = 1,
        progress: bool = False,
        fit_test: int = 0,
        weights: str | None = None,
        interaction: str = "two_stage",
        higher_order: str = "embedded",
        sign_change: str = "none",
    ) -> None:
        self.model = model
        self.scheme = scheme
        self.consistent = consistent
        self.max_iter = max_iter
        self.tol = tol
        self.scale = scale
        self.missing = missing
        self.missing_values = missing_values
        self.bootstrap = bootstrap
        self.ci_level = ci_level
        self.bca = bca
        self.seed = seed
        self.n_jobs = n_jobs
        self.progress = progress
        self.fit_test = fit_test
        self.weights = weights
        self.interaction = interaction
        self.higher_order = higher_order
        self.sign_change = sign_change

    # -- fitting ---------------------------------------------------------------------------
    def _spec(self) -> Model:
        self.validate_params()
        model = Model.from_syntax(self.model) if isinstance(self.model, str) else self.model
        pls_requirements(model)  # refuses, by row, what PLS cannot fit (~~, :=, fixed values, cycles)
        return model

    def fit(self, data: pd.DataFrame) -> PLSResults:
        """Estimate the model on ``data`` (one row per respondent).

        Parameters
        ----------
        data : pandas.DataFrame
            One column per indicator (other columns are ignored).

        Returns
        -------
        PLSResults
        """
        return self._fit(self._spec(), data)

    def _fit(self, model: Model, data: pd.DataFrame, group: str | None = None,
             seed: int | None = None, *, scale: Scale | object = _SETTING, infer: bool = True) -> PLSResults:
        if model.higher_order:
            return self._fit_higher_order(model, data, group, seed)
        if model.interactions:
            return self._fit_moderated(model, data, group, seed)
        scale = self.scale if scale is _SETTING else scale
        prepared = prepare(data, model, scale=scale, missing=self.missing,
                           missing_values=self.missing_values)
        layout = k.Layout.from_model(model, self.scheme)
        options = Options(self.scheme, bool(self.consistent), int(self.max_iter), float(self.tol))
        x = prepared.values
        w = None
        if self.weights is not None:
            if prepared.pairwise is not None or self.fit_test:
                raise ParameterError("Survey weights (weights=...) work with missing='raise', 'listwise' or 'mean' "
                                     "and without fit_test; drop one of the settings.")
            w = read_weights(data, self.weights, model, prepared.kept)
            mu, sd, s = weighted_moments(x, w)
        else:
            mu, sd, s = moments(prepared)
        _check_composites(s, layout, model)
        est = estimate_stack(s[None], layout, options, mu[None], sd[None],
                             prepared.scale_low, prepared.scale_high)
        _check_solution(est, s, layout, model, group)
        if not est.converged[0]:
            warnings.warn(
                f"PLS did not converge{_where(group)} in {self.max_iter} iterations (summed weight change "
                f"{est.weight_diff[0]:.2e} > tol {self.tol:g}); results carry converged=False. "
                "Raise max_iter, or check for a construct whose indicators do not hang together.",
                ConvergenceWarning, stacklevel=3,
            )
        boot = None
        seed = resolve_seed(self.seed) if seed is None else seed
        if self.bootstrap and infer:
            boot = run_bootstrap((x - mu) / sd, mu, sd, prepared.scale_low, prepared.scale_high, layout, options,
                                 int(self.bootstrap), seed, n_jobs=self.n_jobs, progress=self.progress,
                                 bca=self.bca, pairwise=prepared.pairwise is not None, row_weights=w,
                                 em=None if prepared.em is None else (prepared.em.nan, s))
        fit_draws = None
        if self.fit_test and infer:
            fit_draws = _fit_test(x, mu, sd, s, est, layout, options, model, int(self.fit_test), seed,
                                  prepared.pairwise is not None)
        params = {k: snapshot(v) for k, v in self.get_params(deep=False).items()}
        record = FitRecord(type(self).__name__, params, seed)
        return PLSResults(model=model, layout=layout, options=options, prepared=prepared, mean=mu, sd=sd,
                          s=s, est=est, boot=boot, ci_level=float(self.ci_level), record=record, group=group,
                          fit_draws=fit_draws, row_weights=w)

    def _fit_higher_order(self, model: Model, data: pd.DataFrame, group: str | None,
                          seed: int | None) -> PLSResults:
        """Fit a model with second-order constructs (see :mod:`expectmodel.sem.higher_order`)."""
        if model.interactions:
            raise SpecError("A model with both higher-order constructs and product terms (X:M) is not supported; "
                            "fit the higher-order model, then moderate with its construct scores.")
        scale = self.scale
        if scale is not None and not isinstance(scale, Mapping):
            scale = {c.name: scale for c in model.constructs if c.name not in model.higher_order}
        if isinstance(scale, Mapping):  # the repeated items of a higher-order construct keep their scale
            for h, dims in model.higher_order.items():
                ends = [scale.get(d) for d in dims if scale.get(d) is not None]
                if ends and all(e == ends[0] for e in ends):
                    scale = {**scale, h: ends[0]}

        def only(first: Model, drop: tuple[str, ...] = ()) -> object:
            if not isinstance(scale, Mapping):
                return scale
            return {k: v for k, v in scale.items() if k in first.names and k not in drop}

        def stage1(first: Model, frame: pd.DataFrame) -> PLSResults:
            return self._fit(first, frame, group, 0 if seed is None else seed, scale=only(first), infer=False)

        first, rows, info = compile_higher_order(model, data, self.higher_order, stage1)
        drop = () if self.higher_order == "repeated" else tuple(model.higher_order)  # scores have no scale
        res = self._fit(first, rows, group, seed, scale=only(first, drop))
        return dataclasses.replace(res, higher_order=info)

    def _fit_moderated(self, model: Model, data: pd.DataFrame, group: str | None, seed: int | None) -> PLSResults:
        """Fit a model with product terms: augment it (see :mod:`expectmodel.sem.moderation`), then fit."""
        scale = self.scale
        if scale is not None and not isinstance(scale, Mapping):  # the product constructs have no answer scale
            scale = {c.name: scale for c in model.constructs}

        def stage1(main: Model, frame: pd.DataFrame) -> PLSResults:
            return self._fit(main, frame, group, 0 if seed is None else seed, scale=scale, infer=False)

        augmented, rows, info = augment(model, data, self.interaction, stage1)
        res = self._fit(augmented, rows, group, seed, scale=scale)
        return dataclasses.replace(res, moderation=info)


def _fit_test(x, mu, sd, s, est, layout, options, model, n_boot: int, seed: int,
              pairwise: bool) -> tuple[np.ndarray, np.ndarray]:
    """Run the Bollen-Stine bootstrap of the fit measures, on the seed's second child stream."""
    from expectmodel.sem.modelfit import bollen_stine, implied_correlations

    if pairwise:
        raise ParameterError("fit_test (the Bollen-Stine bootstrap) needs complete data; fit with "
                             "missing='listwise' or 'mean', or set fit_test=0.")
    composite = np.array([c.kind == "composite" or len(c.indicators) == 1 for c in model.constructs])
    sigma = [implied_correlations(est, s[None], layout, composite, saturated=sat)[0] for sat in (True, False)]
    child = np.random.SeedSequence(seed).spawn(2)[1]
    return bollen_stine((x - mu) / sd, s, sigma[0], sigma[1], layout, options, composite, n_boot,
                        int(child.generate_state(1)[0]))


def _where(group: str | None) -> str:
    return f" for group '{group}'" if group is not None else ""


def _check_composites(s: np.ndarray, layout: k.Layout, model: Model) -> None:
    """Mode B weights are regressions within the block: perfectly collinear indicators leave them unidentified."""
    names = model.names
    cols = model.indicators
    for kk in np.flatnonzero(layout.mode_b):
        idx = layout.blocks[kk]
        if np.linalg.eigvalsh(s[np.ix_(idx, idx)])[0] < SINGULAR_EIG:
            raise ConvergenceError(
                f"The indicators of composite '{names[kk]}' ({', '.join(cols[i] for i in idx)}) are perfectly "
                "collinear, so mode B (regression) weights are not identified. Drop the redundant indicator "
                "or use mode A."
            )


def _check_inner(c: np.ndarray, layout: k.Layout, model: Model) -> None:
    """Raise when the antecedents of an endogenous construct are (numerically) perfectly collinear."""
    if not layout.endogenous:
        return
    normal = k._with_sentinels(c[None])[0][layout.reg_lhs]  # every regression's normal equations
    if np.isfinite(normal).all() and k.eigvalsh(normal).min() >= SINGULAR_EIG:
        return
    names = model.names
    for kk in layout.endogenous:
        pr = layout.preds[kk]
        if pr.size < 2:
            continue
        sub = c[np.ix_(pr, pr)]
        if not np.isfinite(sub).all() or np.linalg.eigvalsh(sub)[0] < SINGULAR_EIG:
            off = np.abs(sub - np.eye(pr.size))
            i, j = np.unravel_index(np.nanargmax(off), off.shape)
            raise ConvergenceError(
                f"The inner model is singular: the antecedents of '{names[kk]}', '{names[pr[i]]}' and "
                f"'{names[pr[j]]}', are perfectly collinear (r = {sub[i, j]:.4f}). Their paths are not "
                "identified; drop one of them, merge their indicators, or check for duplicated columns."
            )


def _check_solution(est, s: np.ndarray, layout: k.Layout, model: Model, group: str | None) -> None:
    if est.ok[0]:
        _check_inner(est.corr_used[0], layout, model)
        return
    # no finite solution: name perfectly collinear constructs if that is why (unit weights show it)
    with np.errstate(invalid="ignore", divide="ignore"):
        g = k.latent_correlations(layout.mask[None], s[None])[0]
        root = np.sqrt(np.diagonal(g))
        c0 = g / root / root[:, None]
    _check_inner(c0, layout, model)
    raise ConvergenceError(
        f"PLS produced non-finite estimates{_where(group)}; the indicator correlation matrix is "
        "degenerate. Check for duplicated or near-constant indicators."
    )
