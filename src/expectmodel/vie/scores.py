"""Composite VIE scores: M = sum_k E_k V_k (customer form) and M = E * sum_k I_k V_k (Vroom's form).

The scores are computed by the numpy-only scorer (:mod:`expectmodel_scorer`, program ``vie_motivation``)
from :func:`motivation_spec`, so the package and a copied scorer compute them the same way.

The composite is a description of respondents, **not** a test of the theory: never test the model by
correlating the composite with a criterion (METHODS §3 rule 1); use :class:`~expectmodel.vie.ModeratedRegression`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from expectmodel._base import Estimator, InstanceOf, Interval, OneOf, Predicate
from expectmodel._meta import versions
from expectmodel.data.read import is_codes, parse_codes
from expectmodel.inference import wald
from expectmodel.results import DataInfo, Meta, ResultsBase, fingerprint, frame_with_columns, thaw
from expectmodel.summary import Summary
from expectmodel.vie.coding import VIEData, VIEDesign, check_coding, read_vie

__all__ = ["MotivationResults", "MotivationScores", "motivation", "motivation_spec"]

OUTPUTS = ("expectancy", "valence", "motivation")


def motivation_spec(design: VIEDesign, *, missing_values: Any = (), ranges: dict[str, tuple[float, float]] | None
                    = None) -> dict[str, Any]:
    """Build the scoring specification (program ``vie_motivation``) of a design's composite scores.

    Parameters
    ----------
    design : VIEDesign
        Columns and scales (the multiplicative coding is checked: the composite is a product).
    missing_values : number or sequence of numbers
        Codes read as missing.
    ranges : mapping column -> (min, max), optional
        Training ranges to report (default: the declared scales).

    Returns
    -------
    dict
        ``program``, ``inputs``, ``outputs`` (expectancy, valence, motivation), ``arrays``, ``settings``.

    Examples
    --------
    >>> import pandas as pd
    >>> from expectmodel_scorer import score
    >>> d = VIEDesign.from_outcomes(["a", "b"])
    >>> spec = motivation_spec(d)
    >>> spec["program"], spec["outputs"]
    ('vie_motivation', ['expectancy', 'valence', 'motivation'])
    >>> score(spec, pd.DataFrame({"E_a": [0.5], "E_b": [1.0], "V_a": [2], "V_b": [-1]}))["motivation"].tolist()
    [0.0]
    """
    coding = check_coding(design, "full")
    codes = list(parse_codes(missing_values))
    ranges = ranges or {}
    rows = [(c, design.expectancy_scale, coding["expectancy"]) for c in design.expectancy_columns]
    if design.instrumentality is not None:
        rows += [(c, design.instrumentality_scale, coding["instrumentality"]) for c in design.instrumentality.values()]
    rows += [(c, design.valence_scale, coding["valence"]) for c in design.valence.values()]
    inputs = [{"column": c, "kind": "float", "scale": [s.low, s.high], "codes": None, "missing_codes": codes,
               "range": list(ranges.get(c, (s.low, s.high)))} for c, s, _ in rows]
    return {
        "program": "vie_motivation",
        "inputs": inputs,
        "outputs": list(OUTPUTS),
        "arrays": {"origin": np.array([cd["origin"] for *_, cd in rows], dtype=float),
                   "span": np.array([cd["span"] for *_, cd in rows], dtype=float),
                   "low": np.array([s.low for _, s, _ in rows], dtype=float),
                   "high": np.array([s.high for _, s, _ in rows], dtype=float)},
        "settings": {"form": design.kind, "n_outcomes": len(design.outcomes), "labels": [c for c, *_ in rows],
                     "coding": {k: v["text"] for k, v in coding.items()}},
    }


def motivation(frame: pd.DataFrame, design: VIEDesign, *, missing_values: Any = ()) -> pd.DataFrame:
    """Score the composites of every row of ``frame`` (NaN where an answer is missing).

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per respondent.
    design : VIEDesign
        Columns and scales.
    missing_values : number or sequence of numbers
        Codes read as missing.

    Returns
    -------
    pandas.DataFrame
        ``expectancy``, ``valence``, ``motivation``, indexed like ``frame``.

    Examples
    --------
    >>> import pandas as pd
    >>> d = VIEDesign.from_outcomes(["a"], valence_scale=(1, 7))
    >>> motivation(pd.DataFrame({"E_a": [0.5], "V_a": [3]}), d)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    expectmodel.errors.SpecError: The valence scale 1-7 has no declared zero, so E * V is meaningless: ...
    """
    from expectmodel.errors import DataError
    from expectmodel_scorer import ScoringError, score

    spec = motivation_spec(design, missing_values=missing_values)
    try:
        return score(spec, frame)
    except ScoringError as err:
        raise DataError(str(err)) from None


@dataclass(frozen=True, repr=False)
class MotivationResults(ResultsBase):
    """Composite VIE scores of a sample: means with t intervals, outcome contributions, per-respondent scores.

    Parameters
    ----------
    design : VIEDesign
        The design scored.
    table : pandas.DataFrame
        The parameter table (``to_frame()``).
    scores : pandas.DataFrame
        Per respondent: ``expectancy``, ``valence``, ``motivation`` (not exported by ``to_dict``).
    meta : Meta
        Settings and provenance.

    Returns
    -------
    MotivationResults
        Made by :meth:`MotivationScores.fit`.

    Examples
    --------
    >>> import expectmodel as em
    >>> survey = em.datasets.load_vie_survey()
    >>> res = em.vie.MotivationScores(em.datasets.vie_survey_design(), missing="listwise",
    ...                               missing_values=-99).fit(survey)
    >>> res.to_frame().query("kind == 'composite'")["lhs"].tolist()
    ['expectancy', 'valence', 'motivation']
    >>> res.transform(survey.head(2)).columns.tolist()
    ['expectancy', 'valence', 'motivation']
    >>> res.scoring_spec()["program"]
    'vie_motivation'
    >>> res.conf_int(0.9).attrs["ci_level"]
    0.9
    >>> "Means" in res.summary().as_text()
    True
    >>> import matplotlib.pyplot as plt
    >>> ax = res.plot_distribution()
    >>> plt.close(ax.figure)
    """

    design: VIEDesign
    table: pd.DataFrame
    scores: pd.DataFrame
    meta: Meta

    schema: ClassVar[str] = "expectmodel.vie.motivation"
    schema_version: ClassVar[int] = 1

    def to_frame(self) -> pd.DataFrame:
        """Return the means of the composites and of each outcome's contribution, with t intervals.

        Returns
        -------
        pandas.DataFrame
            :data:`~expectmodel.results.PARAMETER_COLUMNS`, then ``sd`` and ``n``.
        """
        return self.table.copy()

    def _wald_frame(self) -> pd.DataFrame:
        return self.table.assign(df=self.table["n"].to_numpy(dtype=float) - 1)  # t intervals of the means

    def transform(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Score new respondents (through :func:`expectmodel_scorer.score`).

        Parameters
        ----------
        frame : pandas.DataFrame
            Holds the design's columns.

        Returns
        -------
        pandas.DataFrame
            ``expectancy``, ``valence``, ``motivation``.
        """
        from expectmodel_scorer import score

        return score(self.scoring_spec(), frame)

    def scoring_spec(self) -> dict[str, Any]:
        """Return the scoring specification (program ``vie_motivation``) with the training ranges.

        Returns
        -------
        dict
        """
        return motivation_spec(self.design, missing_values=self.meta.data.missing_values,
                               ranges=dict(self.meta.data.extra.get("ranges", {})))

    def summary(self, digits: int = 3) -> Summary:
        """Render the means and contributions (text, HTML, LaTeX, CSV).

        Parameters
        ----------
        digits : int
            Decimals.

        Returns
        -------
        Summary
        """
        d = self.meta.data
        s = Summary(f"VIE composite scores ({self.design.kind} form)",
                    facts={"Respondents": str(d.n_used), "Dropped": str(d.n_dropped),
                           "Outcomes": str(len(self.design.outcomes)), "CI level": f"{self.meta.ci_level:g}"},
                    digits=digits)
        t = self.table.set_index(["kind", "lhs"])[["estimate", "std_error", "ci_low", "ci_high", "sd"]]
        s.add_table("Means", t)
        s.notes += [f"{k}: {v}" for k, v in self.meta.conventions["coding"].items()]
        s.notes.append(self.meta.conventions["caution"])
        return s

    def _repr_facts(self) -> str:
        m = self.table.query("lhs == 'motivation'")["estimate"].iloc[0]
        return (f"{self.design.kind} form, {len(self.design.outcomes)} outcomes, n={self.meta.data.n_used}, "
                f"mean M={m:.3f}")

    def _to_dict(self) -> dict[str, Any]:
        return thaw({"design": self.design.to_dict(), "parameters": self.table.to_dict(orient="records")})

    def plot_distribution(self, ax=None, bins: int = 30):
        """Histogram of the per-respondent motivation M, with its mean.

        Parameters
        ----------
        ax : matplotlib Axes, optional
        bins : int
            Histogram bins.

        Returns
        -------
        matplotlib.axes.Axes
        """
        from expectmodel.vie.plots import plot_motivation_distribution

        return plot_motivation_distribution(self.scores.assign(estimate=self.scores["motivation"]), ax=ax, bins=bins)


def describe(data: VIEData, level: float) -> pd.DataFrame:
    """Build the means table of :class:`MotivationResults` from coded data."""
    sc = data.scores()
    rows = []
    for name in OUTPUTS:
        x = sc[name].to_numpy()
        rows.append(("composite", name, "mean", "", x))
    if data.instrumentality is None:
        parts = data.expectancy * data.valence
        label = "E*V"
    else:
        parts = data.instrumentality * data.valence
        label = "I*V"
    for k, o in enumerate(data.design.outcomes):
        rows.append(("contribution", o, "mean", label, parts[:, k]))
    n = data.n
    est = np.array([r[4].mean() for r in rows])
    sd = np.array([r[4].std(ddof=1) for r in rows])
    se = sd / np.sqrt(n)
    low, high = wald(est, se, level, df=n - 1)
    frame = pd.DataFrame({"kind": [r[0] for r in rows], "lhs": [r[1] for r in rows], "op": [r[2] for r in rows],
                          "rhs": [r[3] for r in rows], "group": "", "estimate": est, "std_error": se,
                          "ci_low": low, "ci_high": high, "sd": sd, "n": n})
    return frame_with_columns(frame)


class MotivationScores(Estimator):
    """Composite VIE motivation scores of a sample (M = sum E_k V_k, or E * sum I_k V_k).

    Parameters
    ----------
    design : VIEDesign
        Columns and scales; the product coding is checked (a valence needs a declared zero).
    missing : {"raise", "listwise"}
        Missing-answer policy.
    missing_values : number or sequence of numbers
        Codes meaning "no answer".
    ci_level : float
        Level of the t intervals of the means.

    Examples
    --------
    >>> import expectmodel as em
    >>> est = em.vie.MotivationScores(em.datasets.vie_survey_design(), missing="listwise", missing_values=-99,
    ...                               ci_level=0.9)
    >>> res = est.fit(em.datasets.load_vie_survey())
    >>> res.meta.ci_level, res.meta.data.n_input
    (0.9, 400)
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "design": [InstanceOf(VIEDesign, name="an expectmodel.vie.VIEDesign")],
        "missing": [OneOf("raise", "listwise")],
        "missing_values": [Predicate(is_codes, "a number or a sequence of numbers (codes meaning no answer)")],
        "ci_level": [Interval(float, 0, 1, closed="neither")],
    }

    def __init__(self, design: VIEDesign, *, missing: str = "raise", missing_values: Any = (),
                 ci_level: float = 0.95) -> None:
        self.design = design
        self.missing = missing
        self.missing_values = missing_values
        self.ci_level = ci_level

    def fit(self, data: pd.DataFrame) -> MotivationResults:
        """Score every respondent and summarise the sample.

        Parameters
        ----------
        data : pandas.DataFrame
            One row per respondent.

        Returns
        -------
        MotivationResults
        """
        self.validate_params()
        vie = read_vie(data, self.design, form="full", missing=self.missing, missing_values=self.missing_values)
        table = describe(vie, float(self.ci_level))
        meta = vie_meta(self, vie, ci_method="t interval of the mean",
                        conventions={"caution": "The composite describes respondents; it is not a test of the "
                                                "theory (never correlate it with a criterion: use "
                                                "ModeratedRegression)."})
        return MotivationResults(self.design, table, vie.scores(), meta)


def _labels(index: pd.Index) -> object:
    """Row labels in a hashable form: a numeric index as its array (fast), any other as a list."""
    values = np.asarray(index)
    return values if values.dtype.kind in "iuf" else list(index)


def vie_meta(est: Estimator, vie: VIEData, *, ci_method: str, conventions: dict[str, Any],
             extra: dict[str, Any] | None = None, n_used: int | None = None) -> Meta:
    """Build the Meta of a deterministic VIE fit (no random step: ``seed=None``, as for every such estimator).

    The conventions are the coding of every battery, then ``conventions``, then ``random steps: none``.
    """
    cols = vie.design.columns
    raw = np.column_stack([vie.expectancy, vie.valence] + ([vie.instrumentality] if vie.instrumentality is not None
                                                            else []))
    ranges = {}
    # training ranges of the coded columns, reported in the scoring spec
    arrays = [*(vie.expectancy.T), *((vie.instrumentality.T) if vie.instrumentality is not None else ()),
              *(vie.valence.T)]
    cd = vie.coding
    spans = ([cd["expectancy"]] * vie.expectancy.shape[1]
             + ([cd["instrumentality"]] * vie.instrumentality.shape[1] if vie.instrumentality is not None else [])
             + [cd["valence"]] * vie.valence.shape[1])
    for c, a, s in zip(cols, arrays, spans, strict=True):
        ranges[c] = [float(a.min() * s["span"] + s["origin"]), float(a.max() * s["span"] + s["origin"])]
    info = DataInfo(n_input=vie.n_input, n_used=vie.n if n_used is None else n_used, n_dropped=len(vie.dropped),
                    missing=getattr(est, "missing", "raise"),
                    missing_values=parse_codes(getattr(est, "missing_values", ())), columns=tuple(cols),
                    fingerprint=fingerprint(raw, _labels(vie.index)), extra={"ranges": ranges})
    return Meta(estimator=type(est).__name__, params=est.settings(), data=info, ci_level=float(est.ci_level),
                ci_method=ci_method, seed=None,
                conventions={"coding": {k: v["text"] for k, v in cd.items() if k != "extra"}, **conventions,
                             "random steps": "none"},
                versions=versions(), spec=None, extra=extra or {})
