"""Prediction with a PLS path model: the inner-model routes and PLSpredict (Shmueli et al. 2016, 2019).

:func:`predict_constructs` turns construct scores into the inner model's predictions of the
endogenous constructs, by the direct-antecedents (DA) or the earliest-antecedents (EA) route, as R
seminr's ``predict_DA`` / ``predict_EA``.  :func:`cross_validate` runs PLSpredict: every training part
of every repetition is one member of a single stack of correlation matrices (the machinery of the
bootstrap), each holdout part is standardised with its training means and SDs, scored with the
training weights and predicted through the training paths and loadings; the linear-model (LM) and
indicator-average (IA) benchmarks use the same folds.  :func:`cvpat` is the CVPAT paired test.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from expectmodel.results import Meta, ResultsBase, frame_with_columns
from expectmodel.sem import _kernel as k
from expectmodel.sem import _moments
from expectmodel.sem._estimates import Options, estimate_stack
from expectmodel.spec import Model
from expectmodel.summary import Summary

__all__ = ["CVPredictions", "PLSPredictResults", "cross_validate", "cvpat", "fold_assignment", "lm_designs",
           "predict_constructs"]


def predict_constructs(scores: np.ndarray, paths: np.ndarray, layout: k.Layout, route: str = "DA") -> np.ndarray:
    r"""Predict construct scores through the inner model.

    Parameters
    ----------
    scores : numpy.ndarray
        Construct scores (..., n, m) measured from the answers.
    paths : numpy.ndarray
        Path coefficients (..., m, m), ``[i, j]`` the path i -> j.
    layout : Layout
        The compiled model.
    route : {"DA", "EA"}
        ``"DA"``: each endogenous construct from its antecedents' measured scores (``scores @ paths``);
        ``"EA"``: from the exogenous constructs' scores, propagated in topological order.

    Returns
    -------
    numpy.ndarray
        (..., n, m): exogenous columns as given, endogenous columns predicted.

    Examples
    --------
    >>> import numpy as np
    >>> from expectmodel.spec import Model
    >>> from expectmodel.sem._kernel import Layout
    >>> layout = Layout.from_model(Model.from_syntax("A =~ a\nB =~ b\nC =~ c\nB ~ A\nC ~ B"))
    >>> paths = np.zeros((3, 3)); paths[0, 1], paths[1, 2] = 0.5, 0.4
    >>> predict_constructs(np.array([[1.0, 2.0, 0.0]]), paths, layout, "EA")
    array([[1. , 0.5, 0.2]])
    """
    endo = list(layout.endogenous)
    if route == "DA":
        out = scores.copy()
        out[..., endo] = (scores @ paths)[..., endo]
        return out
    out = scores.copy()
    out[..., endo] = 0.0
    for j in layout.topological:
        if layout.preds[j].size:
            out[..., j] = out @ paths[..., :, j] if paths.ndim == 2 else np.einsum("...nm,...m->...n", out,
                                                                                      paths[..., :, j])
    return out


# -- PLSpredict ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CVPredictions:
    """Out-of-sample predictions of every repetition (arrays; :class:`PLSPredictResults` labels them)."""

    folds: np.ndarray  # (R, n) fold of each row (0 .. K-1) in each repetition
    actual: np.ndarray  # (n, q) the endogenous indicators
    pls: np.ndarray  # (R, n, q) PLS predictions
    lm: np.ndarray  # (R, n, q) linear-model benchmark
    ia: np.ndarray  # (R, n, q) indicator-average benchmark (the training mean)
    items: np.ndarray  # (q,) indicator positions
    n_failed: int


def fold_assignment(n: int, folds: int, repetitions: int, seed: int) -> np.ndarray:
    """Draw random k-fold assignments (R, n).

    Each repetition shuffles the rows and cuts them into ``folds`` consecutive blocks whose sizes
    differ by at most one (seminr's ``cut``).
    """
    rng = np.random.default_rng(seed)
    base = np.repeat(np.arange(folds), np.diff(np.linspace(0, n, folds + 1).astype(int)))
    out = np.empty((repetitions, n), dtype=int)
    for r in range(repetitions):
        out[r, rng.permutation(n)] = base
    return out


def lm_designs(layout: k.Layout, benchmark: str) -> list[tuple[int, np.ndarray]]:
    """List, per endogenous construct, the indicator positions the LM benchmark regresses its indicators on.

    Every exogenous construct's indicators (``"exogenous"``, Shmueli et al. 2019) or those of its direct
    antecedents (``"antecedents"``, seminr).
    """
    exo = [kk for kk in range(layout.m) if not layout.preds[kk].size]
    out = []
    for kk in layout.endogenous:
        sources = exo if benchmark == "exogenous" else list(layout.preds[kk])
        out.append((kk, np.concatenate([layout.blocks[s] for s in sources])))
    return out


def cross_validate(x: np.ndarray, layout: k.Layout, options: Options, folds: np.ndarray, route: str = "DA",
                   benchmark: str = "exogenous", row_weights: np.ndarray | None = None) -> CVPredictions:
    """PLSpredict: refit on every training part at once (one stack) and predict each holdout part.

    Parameters
    ----------
    x : numpy.ndarray
        The indicators (n, p), complete.
    layout, options : Layout, Options
        The model and the estimation settings.
    folds : numpy.ndarray
        (R, n) fold numbers, from :func:`fold_assignment`.
    route : {"DA", "EA"}
        How endogenous constructs are predicted (see :func:`predict_constructs`).
    benchmark : {"exogenous", "antecedents"}
        The LM benchmark's predictors (see :func:`lm_designs`).
    row_weights : numpy.ndarray, optional
        Survey weights (n,): every training part is a weighted fit (and the LM a weighted regression).

    Returns
    -------
    CVPredictions

    Examples
    --------
    See :meth:`expectmodel.sem.PLSResults.plspredict`.
    """
    n = x.shape[0]
    reps, n_folds = folds.shape[0], int(folds.max()) + 1
    test = (folds[:, None, :] == np.arange(n_folds)[None, :, None]).reshape(reps * n_folds, n)  # (B, n)
    counts = (~test).astype(np.float64)
    if row_weights is not None:
        counts *= row_weights
    mu, sd = x.mean(axis=0), x.std(axis=0, ddof=1)
    z = (x - mu) / sd
    corr, mean_z, var_z = _moments.correlation_stack(z, counts)
    corr = np.ascontiguousarray(corr)
    train_mean = mu + sd * mean_z  # (B, p)
    train_sd = sd * np.sqrt(var_z)
    est = estimate_stack(corr, layout, options)
    endo = list(layout.endogenous)
    items = np.concatenate([layout.blocks[kk] for kk in endo])
    own = layout.block_of[items]
    # each training set scores every row; a row keeps the prediction of the set that held it out
    zt = (x[None] - train_mean[:, None, :]) / train_sd[:, None, :]  # (B, n, p)
    scores = zt @ est.weights_full  # (B, n, m)
    pred = predict_constructs(scores, est.paths, layout, route)
    pls_all = pred[:, :, own] * (est.loadings[:, items] * train_sd[:, items])[:, None, :] + train_mean[:, None, items]
    ia_all = np.broadcast_to(train_mean[:, None, items], pls_all.shape)
    lm_all = np.empty_like(pls_all)
    col = 0
    for kk, predictors in lm_designs(layout, benchmark):
        targets = layout.blocks[kk]
        design = np.column_stack([np.ones(n), x[:, predictors]])  # (n, d)
        xtx = np.einsum("bn,ni,nj->bij", counts, design, design)
        xty = np.einsum("bn,ni,nt->bit", counts, design, x[:, targets])
        beta = np.linalg.solve(xtx, xty)  # (B, d, t)
        lm_all[:, :, col:col + targets.size] = design[None] @ beta
        col += targets.size
    pick = test.reshape(reps, n_folds, n).argmax(axis=1)  # (R, n): the fold (set) that held each row out
    rows = np.arange(n)
    sets = np.arange(reps)[:, None] * n_folds + pick  # (R, n)
    return CVPredictions(folds, x[:, items], pls_all[sets, rows], lm_all[sets, rows], ia_all[sets, rows], items,
                         int((~est.ok).sum()))


def cvpat(loss_model: np.ndarray, loss_benchmark: np.ndarray) -> tuple[float, float, float]:
    """CVPAT (Liengaard et al. 2021): paired t-test of per-case losses, model minus benchmark.

    Parameters
    ----------
    loss_model, loss_benchmark : numpy.ndarray
        (n,) per-case losses (squared errors averaged over the indicators, then over repetitions).

    Returns
    -------
    (float, float, float)
        The mean loss difference (negative: the model predicts better), the t statistic and the
        two-sided p-value (Student t, n - 1 df).

    Examples
    --------
    >>> import numpy as np
    >>> d, t, p = cvpat(np.array([1.0, 2.0, 3.0, 2.0]), np.array([2.0, 2.5, 3.5, 3.0]))
    >>> round(d, 3), round(t, 3)
    (-0.75, -5.196)
    """
    from scipy import stats

    diff = loss_model - loss_benchmark
    n = diff.size
    mean = float(diff.mean())
    se = float(diff.std(ddof=1) / np.sqrt(n))
    t = mean / se if se > 0 else np.nan
    return mean, float(t), float(2 * stats.t.sf(abs(t), n - 1)) if np.isfinite(t) else np.nan


@dataclass(frozen=True, repr=False, eq=False)
class PLSPredictResults(ResultsBase):
    """PLSpredict of a fitted PLS model: out-of-sample accuracy per endogenous indicator, benchmarks, CVPAT.

    Made by :meth:`PLSResults.plspredict <expectmodel.sem.PLSResults.plspredict>`. Per repetition every
    respondent is predicted once, by the model refitted without their fold; the metrics are computed per
    repetition and averaged over repetitions:

    * ``q2_predict`` = 1 - SSE(PLS) / SSE(training mean) (Shmueli et al. 2019); above 0: the model beats
      the naive indicator-average prediction;
    * RMSE and MAE of PLS, of the LM benchmark (each indicator regressed on the exogenous constructs'
      indicators, or on its antecedents' with ``benchmark="antecedents"`` as seminr) and of the IA
      benchmark (the training mean);
    * CVPAT (Liengaard et al. 2021): paired t-tests of the per-respondent squared errors (averaged over the
      construct's indicators and the repetitions), PLS minus benchmark; a negative difference with a small
      p favours PLS.

    Parameters
    ----------
    model : Model
        The fitted specification.
    predictions : CVPredictions
        The out-of-sample predictions (and the folds).
    indicators, constructs : tuple of str
        The endogenous indicators predicted and their constructs.
    route, benchmark : str
        The settings of the run.
    meta : Meta
        The fit's record, with the PLSpredict settings and seed under ``extra["plspredict"]``.

    Examples
    --------
    >>> import expectmodel as em
    >>> survey = em.simulate.survey(em.spec.templates.ecsi(), 250, seed=1).data
    >>> cv = em.PLS(em.spec.templates.ecsi()).fit(survey).plspredict(folds=10, repetitions=3, seed=1)
    >>> cv.items.columns[:4].tolist()
    ['construct', 'indicator', 'q2_predict', 'rmse_pls']
    >>> bool((cv.items["q2_predict"] > 0).all())
    True
    >>> sorted(set(cv.to_frame()["kind"]))[:3]
    ['cvpat', 'mae_ia', 'mae_lm']
    >>> "CVPAT" in cv.summary().as_text()
    True
    """

    schema: ClassVar[str] = "expectmodel.plspredict"
    schema_version: ClassVar[int] = 1

    model: Model
    predictions: CVPredictions
    indicators: tuple[str, ...]
    constructs: tuple[str, ...]
    route: str
    benchmark: str
    meta: Meta

    @cached_property
    def _errors(self) -> dict[str, np.ndarray]:
        cv = self.predictions
        return {name: cv.actual[None] - getattr(cv, name) for name in ("pls", "lm", "ia")}  # (R, n, q)

    @cached_property
    def items(self) -> pd.DataFrame:
        """Per endogenous indicator: Q2_predict, and RMSE and MAE of PLS, LM and IA (means over repetitions)."""
        err = self._errors
        out = pd.DataFrame({"construct": list(self.constructs), "indicator": list(self.indicators)})
        sse = {k: (e**2).sum(axis=1) for k, e in err.items()}  # (R, q)
        out["q2_predict"] = (1 - sse["pls"] / sse["ia"]).mean(axis=0)
        for name in ("pls", "lm", "ia"):
            out[f"rmse_{name}"] = np.sqrt((err[name] ** 2).mean(axis=1)).mean(axis=0)
        for name in ("pls", "lm", "ia"):
            out[f"mae_{name}"] = np.abs(err[name]).mean(axis=1).mean(axis=0)
        return out

    @cached_property
    def cvpat(self) -> pd.DataFrame:
        """CVPAT against the IA and LM benchmarks, per endogenous construct and over all of them."""
        err = self._errors
        cons = np.array(self.constructs)
        rows = []
        for benchmark in ("ia", "lm"):
            for name in [*dict.fromkeys(self.constructs), "overall"]:
                cols = np.ones(cons.size, dtype=bool) if name == "overall" else cons == name
                loss = {k: (err[k][:, :, cols] ** 2).mean(axis=2).mean(axis=0) for k in ("pls", benchmark)}
                diff, t, p = cvpat(loss["pls"], loss[benchmark])
                rows.append((name, benchmark.upper(), diff, t, p))
        return pd.DataFrame(rows, columns=["construct", "benchmark", "loss_difference", "t", "p"])

    @property
    def folds(self) -> np.ndarray:
        """The fold of every respondent (columns) in every repetition (rows)."""
        return self.predictions.folds

    def to_frame(self) -> pd.DataFrame:
        """Every metric in one tidy table (``kind`` the metric, ``lhs`` the construct, ``rhs`` the indicator).

        Returns
        -------
        pandas.DataFrame
            :data:`~expectmodel.results.PARAMETER_COLUMNS`, then ``t`` and ``p`` (CVPAT rows).

        Examples
        --------
        See the class example.
        """
        items = self.items
        frames = [pd.DataFrame({"kind": metric, "lhs": items["construct"], "op": "predict",
                                "rhs": items["indicator"], "group": "", "estimate": items[metric]})
                  for metric in items.columns[2:]]
        cv = self.cvpat
        frames.append(pd.DataFrame({"kind": "cvpat", "lhs": cv["construct"], "op": "vs", "rhs": cv["benchmark"],
                                    "group": "", "estimate": cv["loss_difference"], "t": cv["t"], "p": cv["p"]}))
        return frame_with_columns(pd.concat(frames, ignore_index=True))

    def summary(self, digits: int = 3) -> Summary:
        """Render the PLSpredict report (text, HTML, LaTeX, CSV).

        Parameters
        ----------
        digits : int, default 3
            Decimals shown.

        Returns
        -------
        Summary

        Examples
        --------
        See the class example.
        """
        s = Summary("PLSpredict", digits=digits)
        info = self.meta.extra["plspredict"]
        s.facts = {"Folds": str(info["folds"]), "Repetitions": str(info["repetitions"]),
                   "Route": self.route, "LM benchmark": self.benchmark, "Seed": str(self.meta.seed)}
        s.add_table("Out-of-sample prediction (means over repetitions)", self.items.set_index(["construct",
                                                                                              "indicator"]))
        s.add_table("CVPAT (loss difference PLS - benchmark; < 0 favours PLS)",
                    self.cvpat.set_index(["construct", "benchmark"]))
        s.notes.append("Q2_predict = 1 - SSE(PLS) / SSE(training mean). A PLSc fit predicts with its PLS weights "
                       "and its corrected paths and loadings.")
        return s

    def _repr_facts(self) -> str:
        info = self.meta.extra["plspredict"]
        return (f"{len(self.indicators)} indicators, {info['folds']} folds x {info['repetitions']} repetitions, "
                f"route={self.route}")

    def _to_dict(self) -> dict[str, Any]:
        def clean(v: Any) -> Any:
            return None if isinstance(v, float) and not np.isfinite(v) else v

        return {"items": [{k: clean(v) for k, v in row.items()} for row in self.items.to_dict(orient="records")],
                "cvpat": [{k: clean(v) for k, v in row.items()} for row in self.cvpat.to_dict(orient="records")]}
