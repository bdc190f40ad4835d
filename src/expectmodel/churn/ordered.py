"""Loyalty or switching intention on an ordered scale: statsmodels' ordered logit, with marginal effects."""

from __future__ import annotations

import itertools
import time
import warnings
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from expectmodel._base import resolve_seed
from expectmodel.churn import _design as dz
from expectmodel.churn._ml import MLResults, knot_notes, linearity, wald_table
from expectmodel.churn._regression import COMMON, Regression
from expectmodel.errors import ConvergenceError, DataError

__all__ = ["OrderedChurn", "OrderedResults"]


class OrderedChurn(Regression):
    """Loyalty or switching intention on an ordered scale: statsmodels' ``OrderedModel`` (logit).

    ``P(y <= k) = logit^-1(cut_k - x'b)``: a positive coefficient moves answers to higher categories.

    Parameters
    ----------
    features : sequence of str
        Feature columns.
    target : str, default "intention"
        The ordered answer (whole numbers; at least three categories observed).
    knots : mapping of str to sequence of float, optional
        Threshold terms, as in :class:`ChurnLogit`.
    ci_level : float, default 0.95
        Level of the Wald intervals.
    draws : int, default 1000
        Draws of the estimates for the intervals of the average marginal effects.
    seed : int, optional
        Seed of those draws (None: drawn and recorded).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from expectmodel import churn
    >>> rng = np.random.default_rng(2)
    >>> df = pd.DataFrame({"sat": rng.normal(0, 1, 1500)})
    >>> df["intention"] = np.digitize(0.8 * df["sat"] + rng.logistic(size=1500), [-1.5, 0, 1.5]) + 1
    >>> res = churn.OrderedChurn(["sat"], draws=200, seed=1).fit(df)
    >>> res.to_frame()["kind"].tolist()
    ['coef', 'cutpoint', 'cutpoint', 'cutpoint']
    >>> res.predict(df.head(2)).shape
    (2, 4)
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = dict(COMMON)

    def __init__(self, features=("satisfaction",), *, target="intention", knots=None, ci_level=0.95, draws=1000,
                 seed=None):
        self.features = features
        self.target = target
        self.knots = knots
        self.ci_level = ci_level
        self.draws = draws
        self.seed = seed

    def fit(self, data: pd.DataFrame) -> OrderedResults:
        """Fit the ordered logit.

        Parameters
        ----------
        data : pandas.DataFrame
            One row per customer: the features and the ordered target.

        Returns
        -------
        OrderedResults

        Raises
        ------
        ParameterError
            A setting is invalid.
        DataError
            Unknown columns, missing values, fewer than three categories in the target.
        """
        from statsmodels.miscmodels.ordinal_model import OrderedModel

        self.validate_params()
        seed = resolve_seed(self.seed)
        t0 = time.perf_counter()
        frame = dz.check_frame(data)
        y = dz.read_columns(frame, [self.target], "ordered target")[:, 0]
        cats = np.unique(y)
        if cats.size < 3:
            raise DataError(f"The ordered target '{self.target}' has {cats.size} categories "
                            f"({', '.join(f'{c:g}' for c in cats)}); an ordered model needs three or more. For a "
                            "0/1 churn label use ChurnLogit.")
        X, used, hinge_list, dropped = self._design(frame)
        Z = dz.expand(X, hinge_list)
        codes = np.searchsorted(cats, y)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = OrderedModel(codes, Z, distr="logit").fit(method="bfgs", disp=0, maxiter=2000)
        if not fit.mle_retvals.get("converged", True):
            raise ConvergenceError(f"{type(self).__name__}: the ordered logit did not converge.")
        p = Z.shape[1]
        raw = np.asarray(fit.params)
        cuts = np.cumsum(np.r_[raw[p], np.exp(raw[p + 1:])])
        # the Jacobian of (b, cut_1, log increments) -> (b, cuts)
        J = np.eye(raw.size)
        for k in range(1, cuts.size):
            J[p + k, p + 1: p + k + 1] = np.exp(raw[p + 1: p + k + 1])
        cov = J @ np.asarray(fit.cov_params()) @ J.T
        names = dz.term_names(used, hinge_list)
        labels = [f"{a:g}|{b:g}" for a, b in itertools.pairwise(cats)]
        keys = [("coef", "latent intention", "~", n, "") for n in names]
        keys += [("cutpoint", "latent intention", "|", lab, "") for lab in labels]
        est = np.r_[raw[:p], cuts]
        table = wald_table(keys, est, np.sqrt(np.diag(cov)), float(self.ci_level))
        llf_linear = None
        if hinge_list:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                llf_linear = float(OrderedModel(codes, X, distr="logit").fit(method="bfgs", disp=0, maxiter=2000).llf)
        meta = self._meta(seed, frame, Z, y, {"llf": float(fit.llf), "llf_linear": llf_linear,
                                               "categories": cats.tolist(), "dropped_constant": dropped,
                                               "wall_seconds": time.perf_counter() - t0})
        return OrderedResults(table=table, cov=cov, meta=meta, features=tuple(used), hinges=tuple(hinge_list),
                              categories=tuple(cats.tolist()),
                              train_range=tuple(zip(X.min(0).tolist(), X.max(0).tolist(), strict=True)),
                              train_mean=tuple(X.mean(0).tolist()), _X=X)


@dataclass(frozen=True, eq=False, repr=False)
class OrderedResults(MLResults):
    """A fitted :class:`OrderedChurn`: coefficients and cut-points, category probabilities, marginal effects.

    Parameters
    ----------
    table : pandas.DataFrame
        Coefficients (``kind="coef"``) and cut-points (``kind="cutpoint"``) with Wald intervals.
    cov : numpy.ndarray
        Their covariance matrix (cut-points on their own scale, by the delta method).
    meta : Meta
        Settings, data provenance, the categories, the seed.
    features : tuple of str
        The features used.
    hinges : tuple of (int, float)
        Threshold terms.
    categories : tuple of float
        The answer categories, in order.
    train_range, train_mean : tuple
        Each feature's training range and mean.

    Examples
    --------
    See :class:`OrderedChurn`; then ``res.average_marginal_effects()`` gives one row per feature and
    category:

    >>> import numpy as np, pandas as pd
    >>> from expectmodel import churn
    >>> rng = np.random.default_rng(2)
    >>> df = pd.DataFrame({"sat": rng.normal(0, 1, 800)})
    >>> df["intention"] = np.digitize(0.8 * df["sat"] + rng.logistic(size=800), [-1, 1]) + 1
    >>> res = churn.OrderedChurn(["sat"], draws=100, seed=1).fit(df)
    >>> ame = res.average_marginal_effects()
    >>> ame["category"].tolist(), bool(abs(ame["estimate"].sum()) < 1e-10)  # probabilities sum to one
    ([1.0, 2.0, 3.0], True)
    >>> res.scoring_spec()["outputs"]
    ['P(intention=1)', 'P(intention=2)', 'P(intention=3)']
    >>> bool(abs(res.predict(df.head(3)).sum(axis=1) - 1).max() < 1e-12)
    True
    """

    features: tuple[str, ...] = ()
    hinges: tuple[tuple[int, float], ...] = ()
    categories: tuple[float, ...] = ()
    train_range: tuple = ()
    train_mean: tuple = ()
    _X: np.ndarray = None  # type: ignore[assignment]

    schema: ClassVar[str] = "expectmodel.churn.ordered"
    schema_version: ClassVar[int] = 1
    title: ClassVar[str] = "Ordered logit of loyalty intention (statsmodels OrderedModel)"

    def _spec(self, est: np.ndarray) -> dict[str, Any]:
        coef_rows = (self.table["kind"] == "coef").to_numpy()
        target = self.meta.params["target"]
        return {"program": "ordered_logit", "inputs": dz.input_entries(self.features, self._X),
                "outputs": [f"P({target}={c:g})" for c in self.categories],
                "arrays": {"coef": est[coef_rows], "cuts": est[~coef_rows]},
                "settings": {"hinges": [[int(j), float(k)] for j, k in self.hinges]}}

    def scoring_spec(self) -> dict[str, Any]:
        """Return the scoring specification (program ``ordered_logit``).

        Returns
        -------
        dict
            See :mod:`expectmodel_scorer.programs.churn_ordered`.
        """
        return self._spec(self.table["estimate"].to_numpy())

    def predict(self, data: pd.DataFrame) -> pd.DataFrame:
        """Score each category's probability per row (through :func:`expectmodel_scorer.score`).

        Parameters
        ----------
        data : pandas.DataFrame
            The features seen in ``fit``.

        Returns
        -------
        pandas.DataFrame
            One column per category, ``P(<target>=<category>)``.

        Raises
        ------
        DataError
            The feature names differ from those seen in ``fit``.
        """
        return self._score(data)

    def average_marginal_effects(self) -> pd.DataFrame:
        """Compute the average marginal effect of each feature on each category's probability.

        Derivatives are taken numerically (central differences of the scoring program); intervals are
        equal-tailed over ``meta.params["draws"]`` simulation draws of the estimates (Krinsky-Robb).

        Returns
        -------
        pandas.DataFrame
            ``feature``, ``category``, ``estimate``, ``ci_low``, ``ci_high``.
        """
        from expectmodel.inference import equal_tailed
        from expectmodel_scorer.programs import churn_ordered

        X = self._X
        rows = []

        def ame(est: np.ndarray, j: int) -> np.ndarray:
            spec = self._spec(est)
            h = 1e-4 * max(1.0, float(np.std(X[:, j])))
            up, down = X.copy(), X.copy()
            up[:, j] += h
            down[:, j] -= h
            diff = churn_ordered.score(spec["arrays"], spec["settings"], up) - churn_ordered.score(
                spec["arrays"], spec["settings"], down)
            return diff.mean(0) / (2 * h)

        draws = self._param_draws()
        for j, f in enumerate(self.features):
            point = ame(self.table["estimate"].to_numpy(), j)
            sims = np.array([ame(d, j) for d in draws])
            lo, hi = equal_tailed(sims, self.meta.ci_level)
            for k, c in enumerate(self.categories):
                rows.append((f, c, point[k], lo[k], hi[k]))
        return pd.DataFrame(rows, columns=["feature", "category", "estimate", "ci_low", "ci_high"])

    def linearity_test(self) -> dict[str, float]:
        """Test linearity: the likelihood-ratio test of the threshold (hinge) terms against linear effects.

        The fit with knots is set against the ordered logit of the same features without them.

        Returns
        -------
        dict
            ``statistic``, ``df``, ``p_value`` (NaN without knots).

        Examples
        --------
        Intention rises with satisfaction up to 6 and not beyond:

        >>> import numpy as np, pandas as pd
        >>> from expectmodel import churn
        >>> rng = np.random.default_rng(4)
        >>> df = pd.DataFrame({"sat": rng.uniform(0, 10, 2000)})
        >>> latent = 0.6 * np.minimum(df["sat"], 6) + rng.logistic(size=2000)
        >>> df["intention"] = np.digitize(latent, [1.5, 3.5]) + 1
        >>> res = churn.OrderedChurn(["sat"], knots={"sat": [6]}, draws=50, seed=1).fit(df)
        >>> test = res.linearity_test()
        >>> test["df"], bool(test["p_value"] < 0.01)
        (1.0, True)
        """
        return linearity(self)

    def _facts(self) -> dict[str, str]:
        return {"Log-likelihood": f"{self.meta['llf']:.2f}",
                "Categories": ", ".join(f"{c:g}" for c in self.categories)}

    def _notes(self) -> list[str]:
        return knot_notes(self)
