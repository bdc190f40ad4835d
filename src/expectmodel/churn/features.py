"""Survey-to-feature transformers on scikit-learn's API: construct scores and indices, SERVQUAL gaps, VIE motivation.

Each is a scikit-learn transformer (``fit``/``transform``, ``get_feature_names_out``, ``set_output``),
usable in a ``Pipeline`` and a ``GridSearchCV``. Whatever is estimated (the PLS weights and the
training moments behind the scores) is estimated in ``fit``, on the training fold only, so a
cross-validated pipeline does not leak. Transforming new data goes through
:func:`expectmodel_scorer.score` with the fitted model's scoring specification: the same code that
scores an exported bundle.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

__all__ = ["ConstructScores", "LatentScores", "ServqualGaps", "VIEMotivation"]


def _positions(est: BaseEstimator, wanted: Sequence[Any], name: str) -> np.ndarray:
    """Column positions of ``wanted`` (names need a DataFrame in ``fit``; integers are positions)."""
    names = getattr(est, "feature_names_in_", None)
    out = []
    for w in wanted:
        if isinstance(w, int | np.integer) and not isinstance(w, bool):
            if not 0 <= int(w) < est.n_features_in_:
                raise ValueError(f"{type(est).__name__}({name}=...): position {w} is outside the data's "
                                 f"{est.n_features_in_} feature(s).")
            out.append(int(w))
        elif isinstance(w, str):
            if names is None:
                raise ValueError(f"{type(est).__name__}({name}=...) names column {w!r}; pass a DataFrame with "
                                 "that column (or give column positions).")
            hits = np.flatnonzero(names == w)
            if hits.size == 0:
                from expectmodel.data._messages import not_found

                raise not_found([w], list(names), {w: name})
            out.append(int(hits[0]))
        else:
            raise ValueError(f"{type(est).__name__}({name}=...): {w!r} is neither a column name nor a position.")
    return np.asarray(out, dtype=np.intp)


def _named_frame(est: BaseEstimator, X: Any, *, reset: bool, allow_nan: bool, numeric: bool = True) -> pd.DataFrame:
    """``X`` checked by scikit-learn (feature names and counts) as a float DataFrame; arrays get ``x0, x1, ...``.

    ``numeric=False`` (a DataFrame only) keeps its columns as they are (ids, stage labels), checking the
    names, the number of features and (in ``fit``) at least two rows.
    """
    if not numeric:
        validate_data(est, X, reset=reset, skip_check_array=True)
        if reset and len(X) < 2:
            raise ValueError(f"{type(est).__name__} needs at least 2 samples to fit; got {len(X)} sample(s).")
        return X
    arr = validate_data(est, X, dtype=np.float64, reset=reset, ensure_all_finite="allow-nan" if allow_nan else True,
                        ensure_min_samples=2 if reset else 1)
    names = getattr(est, "feature_names_in_", None)
    columns = list(names) if names is not None else [f"x{j}" for j in range(arr.shape[1])]
    return pd.DataFrame(arr, columns=columns, index=X.index if isinstance(X, pd.DataFrame) else None)


class _SurveyFeatures(TransformerMixin, BaseEstimator):
    """What the survey-to-feature transformers share: reading ``X`` and naming the outputs."""

    def _require(self, frame: pd.DataFrame, needed: Sequence[str], what: str) -> None:
        """Raise when ``frame`` lacks any of the ``needed`` columns (named, with the number of features)."""
        missing = [c for c in dict.fromkeys(needed) if c not in frame.columns]
        if missing:
            raise ValueError(f"{type(self).__name__}: the data lack {what} column(s) {missing} (data with "
                             f"{frame.shape[1]} feature(s)).")

    def _names_out(self) -> list[str]:  # pragma: no cover - each transformer names its outputs
        raise NotImplementedError

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Return the names of the output columns, in order (see the class docstring for what they are).

        Parameters
        ----------
        input_features : ignored

        Returns
        -------
        numpy.ndarray of str
        """
        check_is_fitted(self)
        return np.asarray(self._names_out(), dtype=object)


class ServqualGaps(_SurveyFeatures):
    """SERVQUAL gap scores (perception minus expectation) per dimension, as churn features.

    The same difference scores as :func:`expectmodel.latent.servqual`'s respondent table: the gap of
    each item pair, averaged within a dimension (``gap_<dimension>``), and ``SQ``, the mean of the
    dimension gaps; optionally the perception means (``P_<dimension>``, SERVPERF). Likert answers are
    treated as metric, as in SERVQUAL.

    Parameters
    ----------
    expectations : sequence of str or int
        The expectation items (column names, or positions for arrays).
    perceptions : sequence of str or int
        The matching perception items, in the same order.
    dimensions : sequence of str, optional
        The dimension of each item pair (default: one dimension per pair, named after its position).
    perception_scores : bool, default False
        Also output the perception means per dimension (SERVPERF).

    Examples
    --------
    >>> import pandas as pd
    >>> from expectmodel.churn import ServqualGaps
    >>> X = pd.DataFrame({"e1": [5, 4], "e2": [6, 6], "p1": [3, 4], "p2": [6, 7]})
    >>> gaps = ServqualGaps(["e1", "e2"], ["p1", "p2"], dimensions=["speed", "speed"]).set_output(transform="pandas")
    >>> gaps.fit_transform(X)
       gap_speed   SQ
    0       -1.0 -1.0
    1        0.5  0.5
    >>> gaps.get_feature_names_out().tolist()
    ['gap_speed', 'SQ']
    >>> gaps.transform(X.head(1))["SQ"].tolist()
    [-1.0]
    """

    def __init__(self, expectations=(), perceptions=(), dimensions=None, perception_scores=False):
        self.expectations = expectations
        self.perceptions = perceptions
        self.dimensions = dimensions
        self.perception_scores = perception_scores

    def fit(self, X: Any, y: Any = None) -> ServqualGaps:
        """Check the columns and learn the dimensions (nothing is estimated).

        Parameters
        ----------
        X : pandas.DataFrame or array of shape (n, p)
            The survey answers.
        y : ignored

        Returns
        -------
        ServqualGaps
            ``self``.
        """
        X = validate_data(self, X, dtype=np.float64, ensure_min_samples=1)
        e, p = list(self.expectations), list(self.perceptions)
        if not e or len(e) != len(p):
            raise ValueError(f"ServqualGaps needs as many perception as expectation items (at least one); got "
                             f"{len(e)} and {len(p)}, for data with {X.shape[1]} feature(s).")
        if X.shape[1] < 2:
            raise ValueError("ServqualGaps needs an expectation and a perception column; got 1 feature(s).")
        self.e_pos_ = _positions(self, e, "expectations")
        self.p_pos_ = _positions(self, p, "perceptions")
        dims = [str(i) for i in range(len(e))] if self.dimensions is None else [str(d) for d in self.dimensions]
        if len(dims) != len(e):
            raise ValueError(f"ServqualGaps(dimensions=...) names {len(dims)} dimension(s) for {len(e)} item pairs.")
        self.dimension_names_ = list(dict.fromkeys(dims))
        self.dim_index_ = np.array([self.dimension_names_.index(d) for d in dims])
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Compute the gap (and perception) scores.

        Parameters
        ----------
        X : pandas.DataFrame or array of shape (n, p)
            Answers with the columns seen in ``fit``.

        Returns
        -------
        numpy.ndarray
            One column per output of :meth:`get_feature_names_out`.
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        gap = X[:, self.p_pos_] - X[:, self.e_pos_]
        D = len(self.dimension_names_)
        member = np.zeros((len(self.dim_index_), D))
        member[np.arange(len(self.dim_index_)), self.dim_index_] = 1.0 / np.bincount(self.dim_index_, minlength=D)[
            self.dim_index_]
        gaps = gap @ member
        out = [gaps, gaps.mean(axis=1, keepdims=True)]
        if self.perception_scores:
            out.append(X[:, self.p_pos_] @ member)
        return np.hstack(out)

    def _names_out(self) -> list[str]:
        """Return ``gap_<dimension>``, ``SQ`` and (with ``perception_scores``) ``P_<dimension>``."""
        names = [f"gap_{d}" for d in self.dimension_names_] + ["SQ"]
        if self.perception_scores:
            names += [f"P_{d}" for d in self.dimension_names_]
        return names


class ConstructScores(_SurveyFeatures):
    """Construct scores and 0-100 indices of a PLS path model fitted in ``fit``, as churn features.

    ``fit`` estimates the PLS model (:class:`expectmodel.PLS`) on the training rows; ``transform``
    scores any rows through ``PLSResults.scoring_spec()`` and :func:`expectmodel_scorer.score`
    (training means and SDs, outer weights, index weights: nothing from the scored rows). ``X`` holds
    the indicators (numeric); select them with a ``ColumnTransformer`` when the table has other columns.

    Parameters
    ----------
    model : expectmodel.Model or str
        The path model (lavaan-style text or a :class:`~expectmodel.Model`).
    scale : (low, high) or Scale, optional
        The answer scale (needed for the 0-100 indices).
    missing : str, default "raise"
        PLS's missing-answer policy in ``fit`` (``"mean"``: scoring puts a missing answer at the training
        mean).
    missing_values : number or sequence of numbers, default ()
        Missing-answer codes (e.g. -99).
    outputs : {"scores", "index", "both"}, default "both"
        Construct scores, 0-100 indices (constructs with a declared scale), or both.
    constructs : sequence of str, optional
        Keep only these constructs (default: all).

    Examples
    --------
    >>> import expectmodel as em
    >>> from expectmodel.churn import ConstructScores
    >>> survey = em.datasets.load_csi_survey().drop(columns=["respondent", "stage"])  # the 24 items
    >>> cs = ConstructScores(em.spec.templates.ecsi(), scale=(1, 10), missing="mean", missing_values=-99,
    ...                      outputs="index", constructs=["Satisfaction", "Loyalty"])
    >>> cs.fit(survey).get_feature_names_out().tolist()
    ['Satisfaction_index', 'Loyalty_index']
    >>> cs.transform(survey.head(2)).shape
    (2, 2)
    """

    def __init__(self, model=None, *, scale=None, missing="raise", missing_values=(), outputs="both",
                 constructs=None):
        self.model = model
        self.scale = scale
        self.missing = missing
        self.missing_values = missing_values
        self.outputs = outputs
        self.constructs = constructs

    def _frame(self, X: Any, reset: bool) -> pd.DataFrame:
        return _named_frame(self, X, reset=reset, allow_nan=self.missing != "raise")

    def fit(self, X: Any, y: Any = None) -> ConstructScores:
        """Fit the PLS model on ``X`` and keep its scoring specification.

        Parameters
        ----------
        X : pandas.DataFrame or array of shape (n, p)
            The indicators (arrays: columns named ``x0``, ``x1``, ...).
        y : ignored

        Returns
        -------
        ConstructScores
            ``self``, with ``results_`` (the PLS fit) and ``spec_`` (its scoring specification).
        """
        from expectmodel.sem import PLS
        from expectmodel.spec import Model

        if self.outputs not in ("scores", "index", "both"):
            raise ValueError(f"ConstructScores(outputs={self.outputs!r}): use 'scores', 'index' or 'both'.")
        if self.model is None:
            raise ValueError("ConstructScores needs a path model (model=...).")
        frame = self._frame(X, reset=True)
        model = self.model if isinstance(self.model, Model) else Model.from_syntax(self.model)
        needed = list(model.indicators) if hasattr(model, "indicators") else None
        if needed is not None and frame.shape[1] < len(needed):
            raise ValueError(f"ConstructScores: the model has {len(needed)} indicators; the data have "
                             f"{frame.shape[1]} feature(s).")
        self.results_ = PLS(model, scale=self.scale, missing=self.missing,
                            missing_values=self.missing_values).fit(frame)
        self.spec_ = self.results_.scoring_spec()
        outputs = list(self.spec_["outputs"])
        keep = [o for o in outputs if self.outputs == "both" or (self.outputs == "index") == o.endswith("_index")]
        if self.constructs is not None:
            wanted = set(self.constructs)
            unknown = wanted - set(model.names)
            if unknown:
                raise ValueError(f"ConstructScores(constructs=...) names {sorted(unknown)}, not in the model "
                                 f"({list(model.names)}).")
            keep = [o for o in keep if o.removesuffix("_index") in wanted]
        if not keep:
            raise ValueError(f"ConstructScores(outputs={self.outputs!r}): the fit has no such output (indices need "
                             "a declared scale=).")
        self.outputs_ = keep
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Score rows through the fitted model's scoring specification.

        Parameters
        ----------
        X : pandas.DataFrame or array of shape (n, p)
            The indicators seen in ``fit``.

        Returns
        -------
        numpy.ndarray
            One column per output of :meth:`get_feature_names_out`.
        """
        from expectmodel_scorer import score

        check_is_fitted(self)
        frame = self._frame(X, reset=False)
        return score(self.spec_, frame)[self.outputs_].to_numpy()

    def _names_out(self) -> list[str]:
        """Return the construct names and ``<construct>_index`` (as chosen by ``outputs`` and ``constructs``)."""
        return list(self.outputs_)


class VIEMotivation(_SurveyFeatures):
    """VIE motivation scores (``M = sum_k E_k V_k``, or Vroom's ``E * sum_k I_k V_k``) as churn features.

    Scored through the VIE family's scoring specification (:func:`expectmodel.vie.scores.motivation_spec`,
    program ``vie_motivation``); ``fit`` only checks the columns (nothing is estimated). Answers must be
    complete (drop or impute missing ones first); expectancies are probabilities, so negative values are
    refused.

    Parameters
    ----------
    design : expectmodel.vie.VIEDesign
        Which columns hold expectancies, instrumentalities and valences, and their coding.
    missing_values : number or sequence of numbers, default ()
        Missing-answer codes.

    Examples
    --------
    >>> from expectmodel import vie
    >>> from expectmodel.churn import VIEMotivation
    >>> sim = vie.simulate_vie(50, seed=1)
    >>> m = VIEMotivation(sim.design).fit(sim.data)
    >>> m.transform(sim.data).shape[0]
    50
    >>> m.get_feature_names_out().tolist()
    ['expectancy', 'valence', 'motivation']
    """

    def __init__(self, design=None, *, missing_values=()):
        self.design = design
        self.missing_values = missing_values

    def fit(self, X: Any, y: Any = None) -> VIEMotivation:
        """Check the design's columns against ``X`` and keep the scoring specification.

        Parameters
        ----------
        X : pandas.DataFrame
            The VIE answers.
        y : ignored

        Returns
        -------
        VIEMotivation
            ``self``, with ``spec_``.
        """
        from expectmodel.vie.scores import motivation_spec

        if self.design is None:
            raise ValueError("VIEMotivation needs a VIEDesign (design=...).")
        frame = _named_frame(self, X, reset=True, allow_nan=False)
        self.spec_ = motivation_spec(self.design, missing_values=self.missing_values)
        needed = [e["column"] for e in self.spec_["inputs"]]
        self._require(frame, needed, "the design's")
        values = frame[needed].to_numpy()
        flat = np.ptp(values, axis=0) == 0
        if flat.any():  # as the VIE family's read_vie: an answer without variance carries no information
            raise ValueError(f"VIEMotivation: column(s) {[c for c, f in zip(needed, flat, strict=True) if f]} have "
                             "the same answer in every row (no variance); check the export or drop the outcome.")
        expectancy = frame[list(self.design.expectancy_columns)].to_numpy()
        if (expectancy < 0).any():
            raise ValueError("Negative values in data passed to VIEMotivation: expectancies are probabilities "
                             f"(columns {list(self.design.expectancy_columns)}).")
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True  # expectancies are probabilities
        return tags

    def transform(self, X: Any) -> np.ndarray:
        """Score the motivation of each row.

        Parameters
        ----------
        X : pandas.DataFrame
            The columns seen in ``fit``.

        Returns
        -------
        numpy.ndarray
            One column per output of :meth:`get_feature_names_out`.
        """
        from expectmodel_scorer import score

        check_is_fitted(self)
        return score(self.spec_, _named_frame(self, X, reset=False, allow_nan=False)).to_numpy()

    def _names_out(self) -> list[str]:
        """Return the outputs of the ``vie_motivation`` program."""
        return list(self.spec_["outputs"])


#: How ``LatentScores(binning=...)`` turns real-valued answers into the design's categories.
BINNINGS = ("quantile", "uniform")


def _bin_edges(values: np.ndarray, k: int, strategy: str, column: str) -> np.ndarray:
    """Return the ``k - 1`` inner edges that cut ``values`` (NaN ignored) into ``k`` ordered categories."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        raise ValueError(f"LatentScores(binning={strategy!r}): column {column!r} has no answers to bin.")
    if strategy == "quantile":
        return np.quantile(finite, np.linspace(0.0, 1.0, k + 1)[1:-1])
    return np.linspace(finite.min(), finite.max(), k + 1)[1:-1]


class LatentScores(_SurveyFeatures):
    """Latent expectation, perception and gap posterior means and SDs per dimension, as churn features.

    ``fit`` fits a copy of ``estimator`` (a :class:`~expectmodel.latent.LatentExpectations`) on the training
    rows (it samples a posterior: seconds to minutes); ``transform`` scores any rows through the fit's
    ``predict`` (``scoring_spec()`` and :func:`expectmodel_scorer.score`: a plug-in EAP with the parameters
    at their posterior means, not refitted), so held-out customers never inform the model that scores them.

    The model reads ordinal answers: by default every answer must be a whole category of the design's
    scale (or missing: NaN or one of the estimator's ``missing_values`` codes), as in
    :meth:`~expectmodel.latent.Design.prepare`. Answers on a finer or another scale (sliders, 0-100
    ratings, item means) can be turned into the design's ``K`` categories with ``binning=``: ``fit``
    learns each Likert answer column's cut points from the training rows (``bin_edges_``) and both
    ``fit`` and ``transform`` apply them (probability batteries, drivers and stages are passed
    through). Binning is a declared measurement decision, recorded in the fitted transformer; it keeps
    the order of the answers and nothing else.

    Parameters
    ----------
    estimator : expectmodel.latent.LatentExpectations
        The latent model to fit (its design names the answer columns; a plain array's columns are
        named ``x0``, ``x1``, ...).
    outputs : {"gap", "all"}, default "gap"
        The latent gap ``P - E`` per dimension (mean and SD), or every battery's level too.
    draws : int, default 1000
        Importance-sampling draws per scored respondent.
    seed : int, default 0
        Seed of those draws (the same for every respondent: scores are reproducible).
    binning : {None, "quantile", "uniform"}, default None
        ``None``: answers are categories already. ``"quantile"``: cut each answer column at its training
        quantiles into the scale's categories (equally filled); ``"uniform"``: equal-width categories over
        the training range. Values beyond the training range fall into the end categories.

    Attributes
    ----------
    results_ : expectmodel.latent.LatentResults
        The fit on the training rows.
    bin_edges_ : dict of str to numpy.ndarray
        With ``binning``: each binned column's inner cut points (``K - 1`` of them).

    Notes
    -----
    The features are posterior means (with their SDs). A churn model fitted on them estimates the effect
    of the latent gap with regression dilution: it is attenuated by the scores' measurement error
    (METHODS §5). They suit prediction; to estimate the effect itself, fit a joint model or refit the
    churn model per posterior draw.

    Examples
    --------
    >>> from expectmodel import latent
    >>> from expectmodel.churn import LatentScores
    >>> sim = latent.simulate_latent(100, dimensions={"a": ("q1", "q2")}, seed=1)
    >>> ls = LatentScores(latent.LatentExpectations(sim.design))
    >>> ls.get_params()["outputs"], ls.get_params()["binning"]
    ('gap', None)
    >>> ls.fit(sim.data).get_feature_names_out()  # samples: skipped in the doctests  # doctest: +SKIP
    >>> ls.transform(sim.data)  # doctest: +SKIP
    """

    def __init__(self, estimator=None, *, outputs="gap", draws=1000, seed=0, binning=None):
        self.estimator = estimator
        self.outputs = outputs
        self.draws = draws
        self.seed = seed
        self.binning = binning

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # a missing answer is NaN: the model weighs it 0 (METHODS §2.1)
        return tags

    def _answers(self, X: Any, *, reset: bool) -> pd.DataFrame:
        """``X`` as a frame (names and feature counts checked by scikit-learn), binned as in ``fit``."""
        frame = _named_frame(self, X, reset=reset, allow_nan=True, numeric=not isinstance(X, pd.DataFrame))
        design = self.estimator.design
        needed = list(self._binned) + list(design.drivers)
        needed += [c for c in (design.stage, design.respondent) if c is not None]
        self._require(frame, needed, "the design's")
        if self.binning is None:
            return frame
        codes = self.estimator.missing_values
        codes = [codes] if isinstance(codes, int | float | np.number) else list(codes)
        values = frame[list(self._binned)].to_numpy(dtype=np.float64, copy=True)
        values[np.isin(values, codes)] = np.nan  # a missing-answer code is not an answer to bin
        if reset:
            self.bin_edges_ = {c: _bin_edges(values[:, j], k, self.binning, c)
                               for j, (c, k) in enumerate(self._binned.items())}
        lows = np.array([self._lows[c] for c in self._binned], dtype=np.float64)
        for j, c in enumerate(self._binned):
            col = values[:, j]
            ok = np.isfinite(col)
            col[ok] = lows[j] + np.searchsorted(self.bin_edges_[c], col[ok], side="right")
        return frame.assign(**{c: values[:, j] for j, c in enumerate(self._binned)})

    @property
    def _binned(self) -> dict[str, int]:
        """The Likert answer columns (battery and satisfaction items) and their number of categories."""
        design = self.estimator.design
        out = {c: design.n_categories for b, cols in design.columns.items() if b not in design.probability
               for c in cols.values()}
        k_sat = design.satisfaction_scale[1] - design.satisfaction_scale[0] + 1
        out.update({c: k_sat for c in design.satisfaction})
        return out

    @property
    def _lows(self) -> dict[str, int]:
        design = self.estimator.design
        return {c: design.satisfaction_scale[0] if c in design.satisfaction else design.scale[0] for c in self._binned}

    def fit(self, X: Any, y: Any = None) -> LatentScores:
        """Fit the latent model on ``X`` (the training rows).

        Parameters
        ----------
        X : pandas.DataFrame or array of shape (n, p)
            The survey answers (the design's columns; an array's columns are ``x0``, ``x1``, ...).
        y : ignored

        Returns
        -------
        LatentScores
            ``self``, with ``results_`` (the latent fit) and, with ``binning``, ``bin_edges_``.
        """
        from sklearn.base import clone

        from expectmodel.latent import LatentExpectations

        if not isinstance(self.estimator, LatentExpectations):
            raise ValueError(f"LatentScores needs a LatentExpectations estimator; got {self.estimator!r}.")
        if self.outputs not in ("gap", "all"):
            raise ValueError(f"LatentScores(outputs={self.outputs!r}): use 'gap' or 'all'.")
        if self.binning is not None and self.binning not in BINNINGS:
            raise ValueError(f"LatentScores(binning={self.binning!r}): use None, 'quantile' or 'uniform'.")
        frame = self._answers(X, reset=True)
        self.results_ = clone(self.estimator).fit(frame)
        self.outputs_ = list(self._scores(frame.iloc[:1]).columns)
        return self

    def _scores(self, frame: pd.DataFrame) -> pd.DataFrame:
        respondent = self.results_.design.respondent
        if respondent is None or respondent not in frame.columns:
            frame = frame.reset_index(drop=True)  # rows are scored by position: any index (even repeated) works
        long = self.results_.predict(frame, draws=self.draws, seed=self.seed)
        keep = [c for c in long.columns if self.outputs == "all" or c.startswith("gap_")]
        order = frame[respondent] if respondent is not None and respondent in frame.columns else frame.index
        wide = long[keep].unstack("dimension").loc[list(order)]  # unstack sorts; rows follow X
        wide.columns = [f"{col.removesuffix('_mean').removesuffix('_std_error')}"
                        f"{'_sd' if col.endswith('_std_error') else ''}[{dim}]" for col, dim in wide.columns]
        return wide

    def transform(self, X: Any) -> np.ndarray:
        """Score the latent means and SDs of each row.

        Parameters
        ----------
        X : pandas.DataFrame or array of shape (n, p)
            The design's answer columns (the columns seen in ``fit``).

        Returns
        -------
        numpy.ndarray
            One column per output of :meth:`get_feature_names_out`, rows in the order of ``X``.
        """
        check_is_fitted(self)
        return self._scores(self._answers(X, reset=False))[self.outputs_].to_numpy()

    def _names_out(self) -> list[str]:
        """Return ``gap[<dimension>]``, ``gap_sd[<dimension>]`` (and the E/P levels and SDs with "all")."""
        return list(self.outputs_)
