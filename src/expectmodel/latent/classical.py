"""Classical difference-score analysis: SERVQUAL, SERVPERF, zone of tolerance.

These are the numbers researchers expect to see next to the latent model
(METHODS §2). They treat Likert answers as quasi-metric, and say so in
``meta``. Means use every available answer (respondents who skipped an
item drop out of that item's mean only).

Difference scores have known traps (Peter, Churchill & Brown 1993): the gap
is less reliable than its parts and correlates with P by construction. The
reliability table therefore reports alpha for E, P *and* the gap, and the
correlations of the gap with E and with P.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from expectmodel.errors import DataError, DataWarning
from expectmodel.latent.design import SurveyData
from expectmodel.summary import Summary

__all__ = ["ClassicalScores", "ZoneOfTolerance", "cronbach_alpha", "servqual", "zone_of_tolerance"]


def cronbach_alpha(x: np.ndarray) -> float:
    """Compute Cronbach's alpha of the columns of ``x`` on complete rows.

    Parameters
    ----------
    x : array-like, shape (n, items)
        Answers, one column per item; rows with a missing (non-finite) answer are dropped.

    Returns
    -------
    float
        k / (k - 1) * (1 - sum of item variances / variance of the sum score); NaN for fewer
        than two items, fewer than three complete rows or a constant sum score.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[1, 2, 2], [2, 2, 3], [3, 4, 3], [4, 4, 5], [5, 5, 4]])
    >>> round(cronbach_alpha(x), 3)
    0.929
    >>> cronbach_alpha(x[:, :1])  # one item: undefined
    nan
    """
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x).all(axis=1)]
    k = x.shape[1]
    if k < 2 or x.shape[0] < 3:
        return float("nan")
    total = x.sum(axis=1).var(ddof=1)
    if total == 0:
        return float("nan")
    return float(k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / total))


def _dim_means(x: np.ndarray, dim: np.ndarray, n_dim: int) -> np.ndarray:
    """Respondent × dimension mean of available answers (NaN when a dimension has none)."""
    ok = np.isfinite(x)
    total = np.zeros((x.shape[0], n_dim))
    count = np.zeros((x.shape[0], n_dim))
    np.add.at(total.T, dim, np.where(ok, x, 0.0).T)
    np.add.at(count.T, dim, ok.T)
    with np.errstate(invalid="ignore", divide="ignore"):
        return total / count


def _mean_se(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = np.isfinite(x).sum(axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        m = np.nanmean(x, axis=0)
        sd = np.nanstd(x, axis=0, ddof=1)
    return m, sd / np.sqrt(np.maximum(n, 1)), n


@dataclass(frozen=True)
class ClassicalScores:
    """SERVQUAL gap and SERVPERF scores at item, dimension and respondent level.

    Returned by :func:`servqual`; the tables are plain DataFrames.

    Parameters
    ----------
    items : pandas.DataFrame
        Per item: its dimension, the means and standard errors of E, P and the gap P - E, and the
        answer counts.
    dimensions : pandas.DataFrame
        Per dimension: means and standard errors of the respondents' E, P and gap dimension scores,
        the number of items (and the mean importance weight when weighted).
    respondents : pandas.DataFrame
        Per respondent: gap and P score per dimension, ``SQ`` (mean gap), ``SERVPERF`` (mean P) and,
        with importance points, their weighted versions.
    reliability : pandas.DataFrame
        Cronbach's alpha of E, P and the gap per dimension (and over all items), and the
        correlations of the gap with P and with E.
    variance_explained : pandas.DataFrame or None
        OLS R² of overall satisfaction on the gap dimensions and on the P dimensions (None
        without satisfaction items).
    meta : dict
        ``n``, ``scale``, ``weighted`` and a note on the metric treatment of Likert answers.

    Examples
    --------
    >>> from expectmodel import latent
    >>> sim = latent.simulate_latent(60, dimensions={"a": ("q1", "q2"), "b": ("q3", "q4")}, seed=1)
    >>> scores = latent.servqual(sim.design.prepare(sim.data))
    >>> scores.dimensions.columns.tolist()
    ['E_mean', 'E_se', 'P_mean', 'P_se', 'gap_mean', 'gap_se', 'items']
    >>> scores.respondents.columns.tolist()
    ['gap_a', 'gap_b', 'P_a', 'P_b', 'SQ', 'SERVPERF']
    >>> report = scores.summary()
    >>> report.title, [caption for caption, _ in report.tables]
    ('SERVQUAL / SERVPERF (difference scores, Likert treated as metric)', ['Dimensions', \
"Reliability (Cronbach's alpha) and difference-score checks"])
    """

    items: pd.DataFrame
    dimensions: pd.DataFrame
    respondents: pd.DataFrame
    reliability: pd.DataFrame
    variance_explained: pd.DataFrame | None
    meta: dict = field(default_factory=dict)

    def summary(self) -> Summary:
        """Return the report: dimension scores, reliability checks and (with satisfaction) validity.

        Returns
        -------
        Summary
            Render with ``str()``, ``.as_html()``, ``.as_latex()`` or ``.as_csv()``.
        """
        s = Summary("SERVQUAL / SERVPERF (difference scores, Likert treated as metric)")
        s.facts.update({"respondents": str(self.meta["n"]), "scale": "{}-{}".format(*self.meta["scale"]),
                        "importance weights": "yes" if self.meta["weighted"] else "no"})
        s.add_table("Dimensions", self.dimensions)
        s.add_table("Reliability (Cronbach's alpha) and difference-score checks", self.reliability)
        if self.variance_explained is not None:
            s.add_table("Overall satisfaction explained (OLS R²)", self.variance_explained)
        s.notes.append("Gap = P - E per item; dimension scores average the items; SQ averages the dimensions.")
        s.notes.append("Gap reliability is below that of E and P, and gaps correlate with P by construction "
                   "(Peter, Churchill & Brown 1993); see the latent model for a gap with measurement error.")
        return s

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()

    def __repr__(self) -> str:
        return str(self.summary())


def servqual(data: SurveyData) -> ClassicalScores:
    """Compute SERVQUAL (P − E) and SERVPERF (P) scores, unweighted and importance-weighted.

    Needs the E and P batteries. Importance-weighted scores use the design's
    100-point allocation per dimension (normalised to sum to one per respondent).

    Parameters
    ----------
    data : SurveyData
        Validated answers (:meth:`Design.prepare`) with the E and P batteries on the same scale.

    Returns
    -------
    ClassicalScores
        Item, dimension and respondent scores, the reliability table and, with satisfaction items,
        the variance of satisfaction explained by the gap and by the P dimension scores.

    Raises
    ------
    DataError
        The E or P battery is missing, or E is stated as probabilities.

    Examples
    --------
    >>> import pandas as pd
    >>> from expectmodel.latent import Design, servqual
    >>> design = Design(dimensions={"speed": ("q1", "q2"), "care": ("q3", "q4")},
    ...                 batteries={"E": "E_{item}", "P": "P_{item}"}, scale=(1, 5))
    >>> frame = pd.DataFrame({
    ...     "E_q1": [5, 4, 5, 5], "E_q2": [4, 5, 5, 4], "E_q3": [5, 5, 4, 4], "E_q4": [3, 4, 5, 5],
    ...     "P_q1": [3, 4, 2, 4], "P_q2": [4, 3, 3, 5], "P_q3": [2, 5, 4, 3], "P_q4": [3, 3, 4, 4]})
    >>> scores = servqual(design.prepare(frame))
    >>> scores.dimensions[["E_mean", "P_mean", "gap_mean"]]  # doctest: +NORMALIZE_WHITESPACE
               E_mean  P_mean  gap_mean
    dimension
    speed       4.625     3.5    -1.125
    care        4.375     3.5    -0.875
    >>> scores.respondents["SQ"].tolist()
    [-1.25, -0.75, -1.5, -0.5]
    """
    if not {"E", "P"} <= set(data.answers):
        raise DataError(f"SERVQUAL needs the E and P batteries; the design has {', '.join(data.answers)}.")
    d = data.design
    if "E" in d.probability:
        raise DataError("SERVQUAL gaps need E and P on the same answer scale; here E is stated as probabilities. "
                        "Use the latent model (LatentExpectations) with link='free' or 'perf'.")
    dims = list(d.dimensions)
    dim = d.item_dimension
    E, P = data.answers["E"], data.answers["P"]
    G = P - E

    rows = {}
    for name, x in (("E", E), ("P", P), ("gap", G)):
        m, se, n = _mean_se(x)
        rows[f"{name}_mean"], rows[f"{name}_se"] = m, se
        rows["n_pairs" if name == "gap" else f"n_{name}"] = n
    items = pd.DataFrame(rows, index=pd.Index(d.items, name="item"))
    items.insert(0, "dimension", np.asarray(dims)[dim])

    Ed, Pd, Gd = (_dim_means(x, dim, len(dims)) for x in (E, P, G))
    resp = {}
    for k, name in enumerate(dims):
        resp[f"gap_{name}"] = Gd[:, k]
    for k, name in enumerate(dims):
        resp[f"P_{name}"] = Pd[:, k]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        resp["SQ"] = np.nanmean(Gd, axis=1)
        resp["SERVPERF"] = np.nanmean(Pd, axis=1)
    weighted = data.importance is not None
    if weighted:
        w = data.importance.copy()
        total = w.sum(axis=1, keepdims=True)
        off = np.abs(total[:, 0] - 100) > 1
        if off.any():
            warnings.warn(f"importance points do not sum to 100 for {off.sum()} respondent(s); they were "
                          "normalised to weights summing to one.", DataWarning, stacklevel=2)
        with np.errstate(invalid="ignore", divide="ignore"):
            w = w / total
        resp["SQ_weighted"] = np.nansum(w * Gd, axis=1)
        resp["SERVPERF_weighted"] = np.nansum(w * Pd, axis=1)
    respondents = pd.DataFrame(resp, index=data.index)

    dm = {}
    for name, x in (("E", Ed), ("P", Pd), ("gap", Gd)):
        m, se, _ = _mean_se(x)
        dm[f"{name}_mean"], dm[f"{name}_se"] = m, se
    dimensions = pd.DataFrame(dm, index=pd.Index(dims, name="dimension"))
    dimensions["items"] = [len(v) for v in d.dimensions.values()]
    if weighted:
        dimensions["importance_weight"] = np.nanmean(data.importance / data.importance.sum(1, keepdims=True), 0)

    rel = []
    for k, name in enumerate(dims):
        cols = dim == k
        ok = np.isfinite(Gd[:, k]) & np.isfinite(Pd[:, k]) & np.isfinite(Ed[:, k])
        rel.append({
            "dimension": name,
            "alpha_E": cronbach_alpha(E[:, cols]), "alpha_P": cronbach_alpha(P[:, cols]),
            "alpha_gap": cronbach_alpha(G[:, cols]),
            "corr_gap_P": np.corrcoef(Gd[ok, k], Pd[ok, k])[0, 1] if ok.sum() > 2 else np.nan,
            "corr_gap_E": np.corrcoef(Gd[ok, k], Ed[ok, k])[0, 1] if ok.sum() > 2 else np.nan,
        })
    rel.append({"dimension": "all items", "alpha_E": cronbach_alpha(E), "alpha_P": cronbach_alpha(P),
                "alpha_gap": cronbach_alpha(G), "corr_gap_P": np.nan, "corr_gap_E": np.nan})
    reliability = pd.DataFrame(rel).set_index("dimension")

    ve = None
    if data.satisfaction is not None:
        import statsmodels.api as sm  # heavy: imported only when the validity regressions run

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            y = np.nanmean(data.satisfaction, axis=1)
        out = []
        for label, X in (("SERVQUAL (gap dimensions)", Gd), ("SERVPERF (P dimensions)", Pd)):
            ok = np.isfinite(y) & np.isfinite(X).all(axis=1)
            if ok.sum() <= X.shape[1] + 1:
                continue
            fit = sm.OLS(y[ok], sm.add_constant(X[ok])).fit()
            out.append({"model": label, "r2": fit.rsquared, "adj_r2": fit.rsquared_adj, "n": int(ok.sum())})
        ve = pd.DataFrame(out).set_index("model") if out else None

    meta = {"n": data.n, "scale": d.scale, "weighted": weighted,
            "note": "Likert answers treated as quasi-metric (METHODS D2)."}
    return ClassicalScores(items, dimensions, respondents, reliability, ve, meta)


@dataclass(frozen=True)
class ZoneOfTolerance:
    """Zone of tolerance (D − A) with adequacy and superiority gaps.

    Returned by :func:`zone_of_tolerance`; the tables are plain DataFrames.

    Parameters
    ----------
    items : pandas.DataFrame
        Per item: its dimension, mean desired, adequate and perceived answers, zone width, MSA
        (P - A), MSS (P - D), in-zone share, relative position (P - A) / (D - A) and the count of
        D < A inversions.
    dimensions : pandas.DataFrame
        The same per dimension (from the respondents' dimension means).
    respondents : pandas.DataFrame
        Per respondent: ``MSA_<dim>``, ``MSS_<dim>`` and ``in_zone_<dim>``.
    inversions : pandas.DataFrame
        Every answer pair with desired < adequate (``respondent``, ``item``, ``desired``, ``adequate``);
        such pairs are flagged, not dropped.
    meta : dict
        ``n``, ``n_inversions`` and a note on the metric treatment of Likert answers.

    Examples
    --------
    >>> import pandas as pd
    >>> from expectmodel.latent import Design, zone_of_tolerance
    >>> design = Design(dimensions={"speed": ("q1", "q2"), "care": ("q3", "q4")},
    ...                 batteries={"D": "D_{item}", "A": "A_{item}", "P": "P_{item}"}, scale=(1, 9))
    >>> frame = pd.DataFrame({
    ...     "D_q1": [8, 9, 7], "D_q2": [8, 8, 9], "D_q3": [9, 9, 8], "D_q4": [7, 8, 9],
    ...     "A_q1": [5, 6, 4], "A_q2": [6, 5, 5], "A_q3": [6, 7, 5], "A_q4": [4, 6, 6],
    ...     "P_q1": [7, 5, 8], "P_q2": [6, 9, 6], "P_q3": [8, 8, 4], "P_q4": [6, 7, 7]})
    >>> zot = zone_of_tolerance(design.prepare(frame))
    >>> zot.summary().facts
    {'respondents': '3', 'D < A inversions': '0'}
    >>> ax = zot.plot()
    >>> [label.get_text() for label in ax.get_yticklabels()]
    ['speed', 'care']
    >>> import matplotlib.pyplot as plt
    >>> plt.close(ax.figure)
    """

    items: pd.DataFrame
    dimensions: pd.DataFrame
    respondents: pd.DataFrame
    inversions: pd.DataFrame
    meta: dict = field(default_factory=dict)

    def summary(self) -> Summary:
        """Return the report: respondents, D < A inversions and the dimension table.

        Returns
        -------
        Summary
            Render with ``str()``, ``.as_html()``, ``.as_latex()`` or ``.as_csv()``.
        """
        s = Summary("Zone of tolerance (Zeithaml, Berry & Parasuraman 1993)")
        s.facts.update({"respondents": str(self.meta["n"]), "D < A inversions": str(self.meta["n_inversions"])})
        s.add_table("Dimensions", self.dimensions)
        s.notes.append("MSA = P - A (adequacy), MSS = P - D (superiority); in zone iff A <= P <= D.")
        return s

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()

    def __repr__(self) -> str:
        return str(self.summary())

    def plot(self, ax=None):
        """Draw the zone-of-tolerance chart: the A-D band per dimension with the mean perception.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Where to draw (default: a new figure).

        Returns
        -------
        matplotlib.axes.Axes
            The axes drawn on; a perception inside its band is green, outside red.
        """
        from expectmodel.latent.plots import plot_zone_of_tolerance

        return plot_zone_of_tolerance(self.dimensions, ax=ax)


def zone_of_tolerance(data: SurveyData) -> ZoneOfTolerance:
    """Compute MSA, MSS, the in-zone share and relative position; D < A inversions are flagged, not dropped.

    Parameters
    ----------
    data : SurveyData
        Validated answers (:meth:`Design.prepare`) with the D (desired), A (adequate) and P batteries.

    Returns
    -------
    ZoneOfTolerance
        Item, dimension and respondent tables and the list of D < A inversions (a
        ``DataWarning`` says how many there are).

    Raises
    ------
    DataError
        The D, A or P battery is missing.

    Examples
    --------
    >>> import pandas as pd
    >>> from expectmodel.latent import Design
    >>> design = Design(dimensions={"speed": ("q1", "q2")},
    ...                 batteries={"D": "D_{item}", "A": "A_{item}", "P": "P_{item}"}, scale=(1, 9))
    >>> frame = pd.DataFrame({"D_q1": [8, 9, 7], "D_q2": [8, 8, 9], "A_q1": [5, 6, 4], "A_q2": [6, 5, 5],
    ...                       "P_q1": [7, 5, 8], "P_q2": [6, 9, 6]})
    >>> zot = zone_of_tolerance(design.prepare(frame))
    >>> columns = ["adequate", "desired", "perceived", "MSA", "MSS", "in_zone_share"]
    >>> zot.dimensions[columns].round(2)  # doctest: +NORMALIZE_WHITESPACE
               adequate  desired  perceived   MSA   MSS  in_zone_share
    dimension
    speed          5.17     8.17       6.83  1.67 -1.33            0.5
    """
    need = {"D", "A", "P"}
    if not need <= set(data.answers):
        raise DataError(f"the zone of tolerance needs the D, A and P batteries; the design has "
                        f"{', '.join(data.answers)}.")
    d = data.design
    dims = list(d.dimensions)
    dim = d.item_dimension
    D, A, P = (data.answers[b] for b in ("D", "A", "P"))
    ok = np.isfinite(D) & np.isfinite(A) & np.isfinite(P)
    inverted = ok & (D < A)
    inzone = np.where(ok, (A <= P) & (P <= D), np.nan)
    width = D - A
    with np.errstate(invalid="ignore", divide="ignore"):
        position = np.where(ok & (width > 0), (P - A) / width, np.nan)

    def table(f, index):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return pd.DataFrame({
                "desired": f(D), "adequate": f(A), "perceived": f(P), "zot_width": f(width),
                "MSA": f(P - A), "MSS": f(P - D), "in_zone_share": f(inzone),
                "relative_position": f(position),
            }, index=index)

    items = table(lambda x: np.nanmean(np.where(ok, x, np.nan), axis=0), pd.Index(d.items, name="item"))
    items.insert(0, "dimension", np.asarray(dims)[dim])
    items["inversions"] = inverted.sum(axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        per = {k: _dim_means(np.where(ok, x, np.nan), dim, len(dims))
               for k, x in (("desired", D), ("adequate", A), ("perceived", P), ("in_zone", inzone))}
        dimensions = pd.DataFrame({
            "desired": np.nanmean(per["desired"], 0), "adequate": np.nanmean(per["adequate"], 0),
            "perceived": np.nanmean(per["perceived"], 0),
        }, index=pd.Index(dims, name="dimension"))
    dimensions["zot_width"] = dimensions.desired - dimensions.adequate
    dimensions["MSA"] = dimensions.perceived - dimensions.adequate
    dimensions["MSS"] = dimensions.perceived - dimensions.desired
    dimensions["in_zone_share"] = np.nanmean(per["in_zone"], 0)
    dimensions["inversions"] = np.bincount(dim, weights=inverted.sum(axis=0), minlength=len(dims)).astype(int)

    resp = {}
    for k, name in enumerate(dims):
        resp[f"MSA_{name}"] = per["perceived"][:, k] - per["adequate"][:, k]
        resp[f"MSS_{name}"] = per["perceived"][:, k] - per["desired"][:, k]
        resp[f"in_zone_{name}"] = per["in_zone"][:, k]
    respondents = pd.DataFrame(resp, index=data.index)
    r, j = np.nonzero(inverted)
    inversions = pd.DataFrame({"respondent": data.index[r], "item": np.asarray(d.items)[j],
                               "desired": D[r, j], "adequate": A[r, j]})
    if len(inversions):
        warnings.warn(f"{len(inversions)} answer pair(s) have desired < adequate (D < A) in "
                      f"{len(set(r))} respondent(s); they are kept and listed in .inversions.",
                      DataWarning, stacklevel=2)
    meta = {"n": data.n, "n_inversions": len(inversions),
            "note": "Likert answers treated as quasi-metric (METHODS D2)."}
    return ZoneOfTolerance(items, dimensions, respondents, inversions, meta)
