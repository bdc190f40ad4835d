"""Results of a Kano classification: tidy shares and coefficients, the category table, plots, scoring."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from expectmodel.kano._tables import DrawsTable, KanoReport
from expectmodel.kano.questionnaire import ANSWERS, CATEGORIES, DEFAULT_CODES, LABELS, _normal
from expectmodel.results import Meta, ResultsBase, thaw

__all__ = ["KanoResults"]


@dataclass(frozen=True, eq=False, repr=False)
class KanoResults(DrawsTable, KanoReport, ResultsBase):
    """A Kano classification (from :meth:`KanoClassifier.fit`).

    Parameters
    ----------
    attributes : tuple of str
        The attributes, in order.
    groups : tuple of str
        The groups (``("",)`` without ``groups=``).
    table : tuple of str
        The evaluation table used (five rows of five category letters).
    counts : numpy.ndarray (G, p, 7)
        Counts of A, O, M, I, R, Q and missing answers per group and attribute.
    estimates : pandas.DataFrame
        The tidy table (see :meth:`to_frame`).
    draws : numpy.ndarray (S, rows)
        Posterior (shares, rates) and bootstrap (Better, Worse) draws of the rows of ``estimates``.
    categories : pandas.DataFrame
        The classification table (see :meth:`classification`).
    meta : Meta
        Settings, seed, data provenance, conventions.
    codes : mapping, optional
        The declared answer codes (for :meth:`scoring_spec`).

    Examples
    --------
    >>> import pandas as pd
    >>> from expectmodel import kano
    >>> survey = pd.DataFrame({"wifi_f": [1, 1, 3, 1, 2, 1], "wifi_d": [5, 5, 5, 3, 5, 5]})
    >>> res = kano.KanoClassifier(seed=1).fit(survey)
    >>> res
    <KanoResults: 1 attribute(s), 6 respondents, 1 group(s); categories wifi=O>
    >>> res.to_frame().query("kind == 'share'")[["rhs", "estimate", "count", "n"]].round(3).values.tolist()
    [['A', 0.167, 1, 6], ['O', 0.5, 3, 6], ['M', 0.333, 2, 6], ['I', 0.0, 0, 6], ['R', 0.0, 0, 6]]
    >>> res.better_worse()[["attribute", "better", "worse"]].round(3).values.tolist()
    [['wifi', 0.667, -0.833]]
    >>> res.counts_frame().loc[("", "wifi"), ["A", "O", "M", "missing"]].tolist()
    [1, 3, 2, 0]
    >>> res.classification()["category"].tolist(), res.table[0]
    (['O'], 'QAAAO')
    >>> res.predict(pd.DataFrame({"wifi_f": [1, 2], "wifi_d": [5, 3]}))["wifi"].tolist()
    ['O', 'I']
    >>> res.scoring_spec()["program"], res.summary().title
    ('kano_classify', 'Kano classification')
    >>> ax = res.plot_better_worse(); ax = res.plot_shares()
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """

    schema: ClassVar[str] = "expectmodel.kano"
    schema_version: ClassVar[int] = 1

    attributes: tuple[str, ...]
    groups: tuple[str, ...]
    table: tuple[str, ...]
    counts: np.ndarray
    estimates: pd.DataFrame
    draws: np.ndarray
    categories: pd.DataFrame
    meta: Meta
    codes: Any = None

    # ------------------------------------------------------------------ the contract
    def to_frame(self) -> pd.DataFrame:
        """Return one row per share, rate and coefficient: :data:`~expectmodel.results.PARAMETER_COLUMNS` first.

        ``kind`` is ``share`` (``rhs`` a category, Q excluded), ``rate`` (``rhs`` R or Q, of all answers)
        or ``coefficient`` (``op`` better or worse); ``lhs`` is the attribute. ``n`` is the denominator
        and ``count`` the numerator.

        Returns
        -------
        pandas.DataFrame
            A copy; ``attrs["ci_level"]`` holds the interval level.
        """
        return super().to_frame()

    def classification(self) -> pd.DataFrame:
        """Return one row per group and attribute: counts, modal category, Fong test, Better, Worse, R/Q rates.

        Returns
        -------
        pandas.DataFrame
            ``category`` is the modal category (ties M > O > A > I > R), ``second`` the runner-up,
            ``mixed`` is True when the Fong test finds no significant difference between them, and
            ``label`` is then ``"top/second"``.
        """
        return self.categories.copy()

    def counts_frame(self) -> pd.DataFrame:
        """Return the counts of every category (and of missing answer pairs) per group and attribute.

        Returns
        -------
        pandas.DataFrame
            Indexed by (group, attribute); columns A, O, M, I, R, Q, missing.
        """
        G, p = self.counts.shape[:2]
        idx = pd.MultiIndex.from_arrays([np.repeat(self.groups, p), np.tile(self.attributes, G)],
                                        names=["group", "attribute"])
        return pd.DataFrame(self.counts.reshape(G * p, 7), index=idx, columns=[*CATEGORIES, "missing"])

    def better_worse(self) -> pd.DataFrame:
        """Return Better and Worse with their bootstrap intervals, one row per group and attribute.

        Returns
        -------
        pandas.DataFrame
            ``group``, ``attribute``, ``better``, ``better_low``, ``better_high``, ``worse``, ``worse_low``,
            ``worse_high``.
        """
        f = self.estimates[self.estimates["kind"] == "coefficient"]
        parts = []
        for op in ("better", "worse"):
            part = f[f["op"] == op].set_index(["group", "lhs"])[["estimate", "ci_low", "ci_high"]]
            parts.append(part.set_axis([op, f"{op}_low", f"{op}_high"], axis=1))
        out = pd.concat(parts, axis=1).reset_index().rename(columns={"lhs": "attribute"})
        return out

    # ------------------------------------------------------------------ scoring
    def _numeric_codes(self) -> dict[float, int]:
        mapping = DEFAULT_CODES if self.codes is None else self.codes
        numeric = {float(k): LABELS[_normal(v)] for k, v in mapping.items() if not isinstance(k, str)}
        return numeric or {float(k): LABELS[v] for k, v in DEFAULT_CODES.items()}

    def scoring_spec(self) -> dict[str, Any]:
        """Return the scoring specification of program ``kano_classify`` (numeric answer codes in).

        Inputs are the functional and dysfunctional columns of every attribute, in pairs; outputs are
        one column per attribute holding the category's position in ``settings["categories"]``
        (A, O, M, I, R, Q), NaN where an answer is missing.

        Returns
        -------
        dict
            ``program``, ``inputs``, ``outputs``, ``arrays`` (``table``: 5 x 5 category codes;
            ``answer_codes``: the numeric code of each of the five answers) and ``settings``.
        """
        numeric = self._numeric_codes()
        by_answer = {v: k for k, v in numeric.items()}
        codes = sorted(numeric)
        missing = [float(v) for v in np.atleast_1d(self.meta.params.get("missing_values", ()))]
        cols = self.meta.data.columns
        inputs = [{"column": c, "kind": "category", "scale": None, "codes": codes, "missing_codes": missing,
                   "range": [min(codes), max(codes)]} for c in cols]
        table = np.array([[CATEGORIES.index(c) for c in r] for r in self.table], dtype=float)
        return {"program": "kano_classify", "inputs": inputs, "outputs": list(self.attributes),
                "arrays": {"table": table, "answer_codes": np.array([by_answer[k] for k in range(5)], dtype=float)},
                "settings": {"categories": list(CATEGORIES), "answers": list(ANSWERS)}}

    def predict(self, data: pd.DataFrame) -> pd.DataFrame:
        """Classify new respondents' answer pairs (numeric codes) with the scorer (:meth:`scoring_spec`).

        Parameters
        ----------
        data : pandas.DataFrame
            The answer columns this fit read.

        Returns
        -------
        pandas.DataFrame
            One categorical column per attribute (A, O, M, I, R, Q; missing stays missing).
        """
        from expectmodel_scorer import score

        out = score(self.scoring_spec(), data)
        return pd.DataFrame({a: pd.Categorical.from_codes(np.nan_to_num(out[a].to_numpy(), nan=-1).astype(int),
                                                          categories=list(CATEGORIES)) for a in self.attributes},
                            index=data.index)

    # ------------------------------------------------------------------ reporting
    def _report(self) -> tuple[str, dict[str, str], list[tuple[str, pd.DataFrame]], list[str]]:
        level = self.meta.ci_level
        facts = {"Respondents": str(self.meta.data.n_input), "Attributes": str(len(self.attributes)),
                 "Groups": ", ".join(self.groups) if self.groups != ("",) else "none",
                 "Interval": f"{level:.0%} equal-tailed", "Evaluation table": "/".join(self.table)}
        cols = ["group", "attribute", "A", "O", "M", "I", "R", "Q", "n", "label", "better", "worse"]
        shares = self.estimates[self.estimates["kind"] == "share"].pivot_table(
            index=["group", "lhs"], columns="rhs", values="estimate", sort=False)[list(CATEGORIES[:5])]
        shares.index.names = ["group", "attribute"]
        tables = [("Categories (label: modal category, or top/second when the Fong test finds no difference)",
                   self._by_attribute(self.categories[cols])),
                  ("Shares (Q excluded)", self._by_attribute(shares.reset_index())),
                  (f"Better / Worse with {level:.0%} bootstrap intervals", self._by_attribute(self.better_worse()))]
        return "Kano classification", facts, tables, [
            "Modal ties are broken M > O > A > I > R; shares have Dirichlet posterior intervals."]

    def _repr_facts(self) -> str:
        cats = ", ".join(f"{a}={c}" for a, c in zip(self.categories["attribute"][: 4],
                                                  self.categories["category"][: 4], strict=True))
        more = ", ..." if len(self.categories) > 4 else ""
        return (f"{len(self.attributes)} attribute(s), {self.meta.data.n_input} respondents, "
                f"{len(self.groups)} group(s); categories {cats}{more}")

    def _to_dict(self) -> dict[str, Any]:
        return {"attributes": list(self.attributes), "groups": list(self.groups), "table": list(self.table),
                "counts": self.counts.tolist(), "estimates": thaw(self.estimates.to_dict(orient="list")),
                "classification": thaw(self.categories.to_dict(orient="list"))}

    # ------------------------------------------------------------------ plots
    def plot_better_worse(self, group: str | None = None, ax: Any = None) -> Any:
        """Draw the Better-Worse plot (|Worse| across, Better up) with quadrant labels and intervals.

        Parameters
        ----------
        group : str, optional
            The group to draw (default: every group, one colour each).
        ax : matplotlib.axes.Axes, optional
            Where to draw.

        Returns
        -------
        matplotlib.axes.Axes
        """
        from expectmodel.kano.plots import plot_better_worse

        bw = self.better_worse()
        if group is not None:
            bw = bw[bw["group"] == group]
        return plot_better_worse(bw, ax=ax)

    def plot_shares(self, group: str | None = None, ax: Any = None) -> Any:
        """Draw the category shares of every attribute as stacked bars.

        Parameters
        ----------
        group : str, optional
            The group to draw (default: the first).
        ax : matplotlib.axes.Axes, optional
            Where to draw.

        Returns
        -------
        matplotlib.axes.Axes
        """
        from expectmodel.kano.plots import plot_shares

        f = self.estimates[self.estimates["kind"] == "share"]
        f = f[f["group"] == (self.groups[0] if group is None else group)]
        return plot_shares(f.rename(columns={"lhs": "attribute", "rhs": "category"}), ax=ax)
