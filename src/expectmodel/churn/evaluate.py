"""Evaluating churn predictions: grouped cross-validation by customer, scores, calibration, lift and profit.

Every function returns a tidy pandas table; :mod:`expectmodel.churn.plots` draws them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from expectmodel.errors import DataError, ParameterError

__all__ = ["CrossValidation", "calibration_table", "churn_metrics", "churn_pipeline", "cross_validate",
           "lift_table", "profit_curve"]


def _yp(y: Any, p: Any) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y, dtype=float).ravel()
    p = np.asarray(p, dtype=float).ravel()
    if y.shape != p.shape:
        raise DataError(f"Labels and predictions differ in length: {y.size} and {p.size}.")
    if y.size == 0:
        raise DataError("No labels to evaluate.")
    if not np.isin(y, (0.0, 1.0)).all():
        raise DataError("The churn labels must be binary, coded 0 (stays) and 1 (churns); got values "
                        f"{', '.join(f'{v:g}' for v in np.unique(y)[:6])}.")
    if not np.all(np.isfinite(p)) or p.min() < 0 or p.max() > 1:
        raise DataError("Predicted churn probabilities must be finite numbers in [0, 1].")
    return y, p


def churn_metrics(y: Any, p: Any) -> pd.Series:
    """Score churn probabilities: AUC, Brier score, log loss, base rate and top-decile lift.

    Parameters
    ----------
    y : array-like of 0/1
        Observed churn.
    p : array-like of float
        Predicted churn probabilities.

    Returns
    -------
    pandas.Series
        ``auc``, ``brier``, ``log_loss``, ``base_rate``, ``top_decile_lift``, ``n``.

    Examples
    --------
    >>> m = churn_metrics([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> float(m["auc"]), round(float(m["brier"]), 4)  # Brier: (.01 + .16 + .4225 + .04) / 4
    (0.75, 0.1581)
    """
    from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score

    y, p = _yp(y, p)
    if np.unique(y).size < 2:
        raise DataError("AUC needs both churners (1) and stayers (0) among the labels.")
    return pd.Series({"auc": roc_auc_score(y, p), "brier": brier_score_loss(y, p),
                      "log_loss": log_loss(y, np.clip(p, 1e-15, 1 - 1e-15), labels=[0, 1]),
                      "base_rate": float(y.mean()), "top_decile_lift": _top_lift(y, p, 0.1), "n": float(y.size)})


def _top_lift(y: np.ndarray, p: np.ndarray, fraction: float) -> float:
    k = max(1, round(fraction * y.size))
    top = np.argsort(-p, kind="stable")[:k]
    return float(y[top].mean() / y.mean()) if y.mean() > 0 else float("nan")


def calibration_table(y: Any, p: Any, bins: int = 10, strategy: str = "quantile") -> pd.DataFrame:
    """Tabulate observed against predicted churn by bins of the prediction, with Wilson 95% intervals.

    Parameters
    ----------
    y : array-like of 0/1
        Observed churn.
    p : array-like of float
        Predicted churn probabilities.
    bins : int, default 10
        Number of bins.
    strategy : {"quantile", "uniform"}, default "quantile"
        Equal-count bins or equal-width bins on [0, 1].

    Returns
    -------
    pandas.DataFrame
        ``bin``, ``n``, ``predicted`` (mean), ``observed`` (churn rate), ``ci_low``, ``ci_high``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> p = rng.uniform(size=5000)
    >>> table = calibration_table(rng.random(5000) < p, p, bins=5)
    >>> bool((abs(table["observed"] - table["predicted"]) < 0.05).all())
    True
    """
    y, p = _yp(y, p)
    if strategy == "quantile":
        edges = np.unique(np.quantile(p, np.linspace(0, 1, bins + 1)))
    elif strategy == "uniform":
        edges = np.linspace(0, 1, bins + 1)
    else:
        raise ParameterError(f"calibration_table(strategy={strategy!r}): use 'quantile' or 'uniform'.")
    which = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, edges.size - 2)
    rows = []
    for b in np.unique(which):
        m = which == b
        n, k = int(m.sum()), float(y[m].sum())
        lo, hi = _wilson(k, n)
        rows.append((int(b) + 1, n, float(p[m].mean()), k / n, lo, hi))
    return pd.DataFrame(rows, columns=["bin", "n", "predicted", "observed", "ci_low", "ci_high"])


def _wilson(k: float, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    phat = k / n
    centre = (phat + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(phat * (1 - phat) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(centre - half), float(centre + half)


def lift_table(y: Any, p: Any, bins: int = 10) -> pd.DataFrame:
    """Tabulate lift and cumulative gain by bins (deciles by default) of predicted churn, riskiest first.

    Parameters
    ----------
    y : array-like of 0/1
        Observed churn.
    p : array-like of float
        Predicted churn probabilities.
    bins : int, default 10
        Number of equal-count bins.

    Returns
    -------
    pandas.DataFrame
        ``bin`` (1 = riskiest), ``n``, ``churners``, ``rate``, ``lift`` (rate / base rate),
        ``cumulative_share`` (of customers), ``gain`` (cumulative share of churners caught) and
        ``cumulative_lift``.

    Examples
    --------
    >>> table = lift_table([1, 1, 0, 0, 1, 0, 0, 0, 0, 0], [.9, .8, .7, .6, .5, .4, .3, .2, .1, 0], bins=5)
    >>> table[["bin", "lift", "gain"]].round(3).to_numpy().tolist()[:2]
    [[1.0, 3.333, 0.667], [2.0, 0.0, 0.667]]
    """
    y, p = _yp(y, p)
    order = np.argsort(-p, kind="stable")
    ys = y[order]
    parts = np.array_split(np.arange(y.size), bins)
    base = y.mean()
    rows, caught, seen = [], 0.0, 0
    for b, idx in enumerate(parts, start=1):
        if idx.size == 0:
            continue
        k = float(ys[idx].sum())
        caught += k
        seen += idx.size
        rows.append((b, idx.size, k, k / idx.size, (k / idx.size) / base if base else np.nan, seen / y.size,
                     caught / y.sum() if y.sum() else np.nan, (caught / seen) / base if base else np.nan))
    return pd.DataFrame(rows, columns=["bin", "n", "churners", "rate", "lift", "cumulative_share", "gain",
                                       "cumulative_lift"])


def profit_curve(y: Any, p: Any, *, customer_value: float, retention_cost: float, success_rate: float = 1.0,
                 steps: int = 100) -> pd.DataFrame:
    """Compute the profit of a retention campaign that targets the riskiest customers first.

    Targeting the top fraction ``q`` by predicted churn costs ``retention_cost`` per contacted customer
    and saves ``success_rate`` of the churners contacted, each worth ``customer_value``:
    ``profit(q) = success_rate * customer_value * churners_contacted(q) - retention_cost * contacted(q)``.
    Non-churners contacted cost the offer and bring nothing (the offer is not needed).

    Parameters
    ----------
    y : array-like of 0/1
        Observed churn (on held-out customers).
    p : array-like of float
        Predicted churn probabilities.
    customer_value : float
        Value of a retained customer (e.g. the margin over the expected residual lifetime).
    retention_cost : float
        Cost of the offer per contacted customer.
    success_rate : float, default 1.0
        Share of contacted churners the offer retains.
    steps : int, default 100
        Points of the curve (``q`` from 0 to 1).

    Returns
    -------
    pandas.DataFrame
        ``fraction``, ``contacted``, ``churners_contacted``, ``profit``, ``profit_random`` (the same
        campaign on randomly chosen customers) and ``best`` (True at the most profitable fraction).

    Examples
    --------
    >>> curve = profit_curve([1, 0, 1, 0], [0.9, 0.2, 0.7, 0.1], customer_value=100, retention_cost=10, steps=4)
    >>> curve[["fraction", "profit"]].to_numpy().tolist()
    [[0.0, 0.0], [0.25, 90.0], [0.5, 180.0], [0.75, 170.0], [1.0, 160.0]]
    """
    y, p = _yp(y, p)
    for name, value in (("customer_value", customer_value), ("retention_cost", retention_cost)):
        if not isinstance(value, int | float) or isinstance(value, bool) or not np.isfinite(value) or value < 0:
            raise ParameterError(f"profit_curve({name}={value!r}): {name} must be a number >= 0.")
    if not 0 <= success_rate <= 1:
        raise ParameterError(f"profit_curve(success_rate={success_rate!r}): a share in [0, 1].")
    order = np.argsort(-p, kind="stable")
    caught = np.concatenate([[0.0], np.cumsum(y[order])])
    q = np.linspace(0, 1, steps + 1)
    k = np.round(q * y.size).astype(int)
    gain = success_rate * customer_value
    profit = gain * caught[k] - retention_cost * k
    random = gain * k * y.mean() - retention_cost * k
    out = pd.DataFrame({"fraction": q, "contacted": k, "churners_contacted": caught[k], "profit": profit,
                        "profit_random": random})
    out["best"] = np.arange(len(out)) == int(np.argmax(profit))
    return out


def churn_pipeline(model: str = "logistic", *, features: Any = None, calibration: str | None = None,
                   seed: int = 0) -> Any:
    """Build a scikit-learn churn classifier: optional feature steps, then a logistic or gradient-boosting model.

    Parameters
    ----------
    model : {"logistic", "hgb"}, default "logistic"
        Standardised logistic regression, or ``HistGradientBoostingClassifier``.
    features : transformer or list of transformers, optional
        Survey-to-feature steps run first (e.g. :class:`~expectmodel.churn.ServqualGaps`).
    calibration : {None, "sigmoid", "isotonic"}, default None
        Wrap the pipeline in ``CalibratedClassifierCV`` (5-fold) with this method.
    seed : int, default 0
        Random state of the gradient boosting.

    Returns
    -------
    sklearn.pipeline.Pipeline or sklearn.calibration.CalibratedClassifierCV

    Examples
    --------
    >>> churn_pipeline("hgb", calibration="isotonic").__class__.__name__
    'CalibratedClassifierCV'
    >>> [name for name, _ in churn_pipeline().steps]
    ['standardscaler', 'logisticregression']
    """
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    steps = [] if features is None else (list(features) if isinstance(features, list | tuple) else [features])
    if model == "logistic":
        steps += [StandardScaler(), LogisticRegression(max_iter=1000)]
    elif model == "hgb":
        steps += [HistGradientBoostingClassifier(random_state=seed)]
    else:
        raise ParameterError(f"churn_pipeline(model={model!r}): use 'logistic' or 'hgb'.")
    pipe = make_pipeline(*steps)
    if calibration is None:
        return pipe
    if calibration not in ("sigmoid", "isotonic"):
        raise ParameterError(f"churn_pipeline(calibration={calibration!r}): use None, 'sigmoid' or 'isotonic'.")
    return CalibratedClassifierCV(pipe, method=calibration, cv=5)


@dataclass(frozen=True)
class CrossValidation:
    """Out-of-fold churn predictions of a grouped cross-validation and their scores (from :func:`cross_validate`).

    Parameters
    ----------
    folds : pandas.DataFrame
        One row per fold: ``fold``, ``n_test``, ``auc``, ``brier``, ``log_loss``, ``top_decile_lift``.
    predictions : pandas.DataFrame
        One row per input row: ``group``, ``fold``, ``y``, ``p`` (out of fold).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"sat": rng.normal(size=600)})
    >>> y = (rng.random(600) < 1 / (1 + np.exp(2 * X["sat"]))).astype(int)
    >>> cv = cross_validate(churn_pipeline(), X, y, groups=np.arange(600) // 2, n_splits=3)
    >>> cv.folds.columns.tolist()[:3], bool(cv.overall()["auc"] > 0.7)
    (['fold', 'n_test', 'auc'], True)
    >>> cv.summary().columns.tolist()
    ['mean', 'sd']
    """

    folds: pd.DataFrame
    predictions: pd.DataFrame

    def overall(self) -> pd.Series:
        """Score the pooled out-of-fold predictions (:func:`churn_metrics`).

        Returns
        -------
        pandas.Series
        """
        return churn_metrics(self.predictions["y"], self.predictions["p"])

    def summary(self) -> pd.DataFrame:
        """Tabulate the mean and standard deviation of each score over the folds.

        Returns
        -------
        pandas.DataFrame
            One row per score: ``mean``, ``sd``.
        """
        scores = self.folds.drop(columns=["fold", "n_test"])
        return pd.DataFrame({"mean": scores.mean(), "sd": scores.std(ddof=1)})


def cross_validate(estimator: Any, X: pd.DataFrame, y: Any, *, groups: Any, n_splits: int = 5) -> CrossValidation:
    """Cross-validate a churn classifier with folds grouped by customer (``GroupKFold``): no customer in two folds.

    Every feature step of ``estimator`` is refitted on each training fold, so survey-derived features do
    not leak from the held-out customers.

    Parameters
    ----------
    estimator : scikit-learn classifier
        With ``predict_proba`` (e.g. from :func:`churn_pipeline`).
    X : pandas.DataFrame or array
        Features (or survey answers, with feature steps in ``estimator``).
    y : array-like of 0/1
        Churn labels.
    groups : array-like
        Customer ids (a customer's rows stay together).
    n_splits : int, default 5
        Folds.

    Returns
    -------
    CrossValidation
        Per-fold scores and the out-of-fold predictions.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> X = pd.DataFrame({"sat": rng.normal(size=300)})
    >>> y = (rng.random(300) < 0.3).astype(int)
    >>> cv = cross_validate(churn_pipeline(), X, y, groups=np.arange(300) // 3, n_splits=3)
    >>> int(cv.predictions.groupby("group")["fold"].nunique().max())  # a customer's rows share a fold
    1
    """
    from sklearn.base import clone
    from sklearn.model_selection import GroupKFold

    y = np.asarray(y)
    groups = np.asarray(groups)
    if len(y) != len(X) or len(groups) != len(X):
        raise DataError(f"X, y and groups need the same rows; got {len(X)}, {len(y)} and {len(groups)}.")
    _yp(y, np.zeros(len(y)))
    if np.unique(groups).size < n_splits:
        raise DataError(f"cross_validate: {np.unique(groups).size} customers cannot fill {n_splits} folds.")
    p = np.full(len(y), np.nan)
    fold = np.zeros(len(y), dtype=int)
    rows = []
    for f, (train, test) in enumerate(GroupKFold(n_splits=n_splits).split(X, y, groups), start=1):
        model = clone(estimator).fit(_rows(X, train), y[train])
        p[test] = model.predict_proba(_rows(X, test))[:, 1]
        fold[test] = f
        m = churn_metrics(y[test], p[test])
        rows.append({"fold": f, "n_test": len(test), **m.drop(["n", "base_rate"]).to_dict()})
    preds = pd.DataFrame({"group": groups, "fold": fold, "y": y, "p": p})
    return CrossValidation(pd.DataFrame(rows), preds)


def _rows(X: Any, idx: np.ndarray) -> Any:
    return X.iloc[idx] if isinstance(X, pd.DataFrame | pd.Series) else np.asarray(X)[idx]
