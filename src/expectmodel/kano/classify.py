"""Kano classification per attribute: counts, shares, the modal category, the Fong test, R/Q rates, Better/Worse.

- **Shares** of A, O, M, I and R among the answers that are not questionable (Q excluded), with
  equal-tailed intervals from the Dirichlet posterior of the category probabilities (a symmetric
  Dirichlet(``prior``) prior and multinomial counts: the Dirichlet-multinomial model). The R and Q
  *rates* are shares of all answers.
- **Modal category** among A, O, M, I, R; ties go M > O > A > I > R (Berger et al. 1993: in doubt,
  the category with the larger effect on satisfaction).
- **Fong test**: with a, b the two largest counts and n the answers (Q excluded), the difference is
  significant when |a - b| >= z * sqrt((a + b)(2n - a - b) / (2n)) (z = 1.65 by default); otherwise the
  attribute is reported as the mixed category "top/second" (e.g. ``"M/O"``).
- **Better/Worse** (customer-satisfaction coefficients, Berger et al. 1993): Better = (A + O) /
  (A + O + M + I), Worse = -(O + M) / (A + O + M + I), with percentile-bootstrap intervals over
  respondents.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd

from expectmodel._base import Estimator, Interval, resolve_seed
from expectmodel._meta import versions
from expectmodel.errors import DataError
from expectmodel.kano import _counts as K
from expectmodel.kano._reading import QUESTIONNAIRE_CONSTRAINTS, read_survey
from expectmodel.kano.questionnaire import CATEGORIES, table_codes
from expectmodel.kano.results import KanoResults
from expectmodel.results import DataInfo, Meta, fingerprint

__all__ = ["KanoClassifier", "check_questionable"]

CI_METHOD = ("equal-tailed: Dirichlet posterior quantiles (shares, R and Q rates); percentile bootstrap over "
             "respondents (Better, Worse)")


def check_questionable(counts: np.ndarray, attributes: tuple[str, ...], groups: tuple[str, ...]) -> None:
    """Refuse an attribute (in a group) without answers, or whose answers are all questionable."""
    answered = counts[..., :6].sum(axis=-1)
    usable = counts[..., :5].sum(axis=-1)
    for g, j in zip(*np.nonzero(usable == 0), strict=True):
        where = f" in group '{groups[g]}'" if groups != ("",) else ""
        if answered[g, j] == 0:
            raise DataError(f"Attribute '{attributes[j]}'{where} has no complete answer pair; drop it or check "
                            "its columns.")
        raise DataError(f"All {answered[g, j]} answers of attribute '{attributes[j]}'{where} are questionable "
                        "(Q: contradictory answer pairs such as like/like), so it cannot be classified. Check that "
                        "the functional and dysfunctional columns are not swapped and that the answer codes are "
                        "declared right (codes=).")


def build_frame(counts: np.ndarray, shares: np.ndarray, bw: np.ndarray, attributes: tuple[str, ...],
                groups: tuple[str, ...], level: float) -> tuple[pd.DataFrame, np.ndarray]:
    """Build the tidy table and its draws (S, rows) from counts (G, p, 7), share draws (S, G, p, 6), Better/Worse draws.

    Rows per group and attribute: shares of A, O, M, I, R (Q excluded), R and Q rates (of all
    answers), Better and Worse.
    """
    from expectmodel.inference import equal_tailed

    G, p = counts.shape[:2]
    c6 = counts[..., :6].astype(float)
    total = c6.sum(-1)
    valid = total - c6[..., K.Q]
    base = c6[..., :4].sum(-1)
    est_share = c6[..., :5] / valid[..., None]
    est_rate = np.stack([c6[..., K.R], c6[..., K.Q]], -1) / total[..., None]
    better, worse = K.better_worse(c6)
    d_share = shares[..., :5] / shares[..., :5].sum(-1, keepdims=True)
    d_rate = shares[..., [K.R, K.Q]]
    # per (group, attribute): 5 shares, 2 rates, better, worse
    est = np.concatenate([est_share, est_rate, better[..., None], worse[..., None]], -1)  # (G, p, 9)
    draws = np.concatenate([d_share, d_rate, bw], -1)  # (S, G, p, 9)
    n = np.concatenate([np.repeat(valid[..., None], 5, -1), np.repeat(total[..., None], 2, -1),
                        np.repeat(base[..., None], 2, -1)], -1)
    cnt = np.concatenate([c6[..., :5], c6[..., [K.R, K.Q]], (c6[..., K.A] + c6[..., K.O])[..., None],
                          (c6[..., K.O] + c6[..., K.M])[..., None]], -1)
    kind = ["share"] * 5 + ["rate"] * 2 + ["coefficient"] * 2
    op = ["share"] * 5 + ["rate"] * 2 + ["better", "worse"]
    rhs = [*list(CATEGORIES[:5]), "R", "Q", "", ""]
    rows = 9
    S = draws.shape[0]
    flat = draws.reshape(S, -1)
    low, high = equal_tailed(flat, level, skipna=bool(np.isnan(flat).any()))  # nanquantile is 20x slower
    frame = pd.DataFrame({
        "kind": np.tile(kind, G * p), "lhs": np.tile(np.repeat(attributes, rows), G),
        "op": np.tile(op, G * p), "rhs": np.tile(rhs, G * p), "group": np.repeat(groups, p * rows),
        "estimate": est.ravel(), "std_error": np.nanstd(flat, axis=0, ddof=1),
        "ci_low": low, "ci_high": high, "n": n.ravel().astype(int), "count": cnt.ravel().astype(int)})
    return frame, flat


def classification_table(counts: np.ndarray, attributes: tuple[str, ...], groups: tuple[str, ...],
                         z: float) -> pd.DataFrame:
    """One row per group and attribute: counts, the modal category, the Fong test and its verdict."""
    c6 = counts[..., :6]
    top, second, diff, critical = K.fong(c6, z)
    better, worse = K.better_worse(c6)
    total = c6.sum(-1)
    mixed = diff < critical
    cat = np.asarray(CATEGORIES)
    label = np.where(mixed, np.char.add(np.char.add(cat[top], "/"), cat[second]), cat[top])
    G, p = counts.shape[:2]
    out = pd.DataFrame({"group": np.repeat(groups, p), "attribute": np.tile(attributes, G)})
    for k, c in enumerate(CATEGORIES):
        out[c] = c6[..., k].ravel()
    out["missing"] = counts[..., K.MISSING].ravel()
    out["n"] = (total - c6[..., K.Q]).ravel()
    out["category"] = cat[top].ravel()
    out["second"] = cat[second].ravel()
    out["fong_difference"] = diff.ravel()
    out["fong_critical"] = critical.ravel()
    out["mixed"] = mixed.ravel()
    out["label"] = label.ravel()
    out["better"] = better.ravel()
    out["worse"] = worse.ravel()
    out["r_rate"] = (c6[..., K.R] / total).ravel()
    out["q_rate"] = (c6[..., K.Q] / total).ravel()
    return out


class KanoClassifier(Estimator):
    """Classify Kano attributes from functional / dysfunctional answer pairs.

    Parameters
    ----------
    attributes : None, sequence of str, or mapping name -> (functional, dysfunctional)
        Which answer pairs to read (None: every ``<name>_f`` / ``<name>_d`` pair; see
        :func:`~expectmodel.kano.read_questionnaire`).
    suffixes : (str, str)
        Suffixes of the functional and dysfunctional columns.
    codes : mapping, optional
        Declared answer codes or wordings -> answer (default 1 = like ... 5 = dislike; English and
        Chinese wordings are always understood).
    table : "standard" or 5 x 5 table
        The evaluation table (stored with the results); see :func:`~expectmodel.kano.evaluation_table`.
    missing_values : number or sequence of numbers
        Codes meaning "no answer".
    groups : str, optional
        A column (customer stage, market): every table is reported per group.
    prior : float
        Concentration of the symmetric Dirichlet prior of the category probabilities (1 = uniform,
        0.5 = Jeffreys).
    fong_z : float
        The normal quantile of the Fong test (1.65: a one-sided 5% test, as Fong 1996).
    draws : int
        Posterior draws of the shares and bootstrap replicates of Better/Worse.
    ci_level : float
        Probability of the reported equal-tailed intervals.
    seed : int, optional
        Random seed of the draws (None: drawn and recorded in ``results.meta.seed``).

    Examples
    --------
    >>> import pandas as pd
    >>> from expectmodel import kano
    >>> survey = pd.DataFrame({"wifi_f": [1, 1, 3, 1, 2], "wifi_d": [5, 5, 5, 3, 5],
    ...                        "bar_f": [1, 1, 1, 3, 3], "bar_d": [3, 4, 3, 3, 3]})
    >>> res = kano.KanoClassifier(seed=1).fit(survey)
    >>> res.classification()[["attribute", "category", "label", "better", "worse"]]
      attribute category label  better  worse
    0      wifi        M   M/O     0.6   -0.8
    1       bar        A   A/I     0.6    0.0

    By hand: wifi's pairs are O, O, M, A, M: O and M tie at 2 and the tie goes to M; |2 - 2| is below
    the Fong critical value, so the label is mixed. Better = (1 + 2) / 5, Worse = -(2 + 2) / 5.
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        **QUESTIONNAIRE_CONSTRAINTS,
        "prior": [Interval(float, 0, None, closed="neither")],
        "fong_z": [Interval(float, 0, None, closed="neither")],
        "draws": [Interval(int, 100, None)],
    }

    def __init__(self, attributes: Any = None, *, suffixes: tuple[str, str] = ("_f", "_d"), codes: Any = None,
                 table: Any = "standard", missing_values: Any = (), groups: str | None = None, prior: float = 1.0,
                 fong_z: float = 1.65, draws: int = 2000, ci_level: float = 0.9, seed: int | None = None) -> None:
        self.attributes = attributes
        self.suffixes = suffixes
        self.codes = codes
        self.table = table
        self.missing_values = missing_values
        self.groups = groups
        self.prior = prior
        self.fong_z = fong_z
        self.draws = draws
        self.ci_level = ci_level
        self.seed = seed

    def fit(self, data: pd.DataFrame) -> KanoResults:
        """Classify every attribute (per group) and return :class:`~expectmodel.kano.KanoResults`.

        Parameters
        ----------
        data : pandas.DataFrame
            One row per respondent with the answer columns (and the ``groups`` column).

        Returns
        -------
        KanoResults
            Frozen; tables, draws, the evaluation table and ``meta``.

        Raises
        ------
        ParameterError
            A bad setting (a custom table that is not 5 x 5 over the six categories, ...).
        DataError
            An unknown answer, half an answer pair, an attribute whose answers are all questionable.
        """
        self.validate_params()
        q, group, levels = read_survey(self, data)
        cats = q.categories(self.table)
        counts = K.count(cats, group, len(levels))
        check_questionable(counts, q.attributes, levels)
        seed = resolve_seed(self.seed)
        rng = np.random.default_rng(seed)
        shares = K.dirichlet(counts[..., :6], float(self.prior), int(self.draws), rng)
        boot = K.resample(counts, int(self.draws), rng)
        better, worse = K.better_worse(boot)
        bw = np.stack([better, worse], -1)
        level = float(self.ci_level)
        frame, flat = build_frame(counts, shares, bw, q.attributes, levels, level)
        table = classification_table(counts, q.attributes, levels, float(self.fong_z))
        used = int((cats >= 0).any(axis=1).sum())
        info = DataInfo(n_input=q.n_rows_in, n_used=used, n_dropped=q.n_rows_in - used, missing="per attribute",
                        missing_values=tuple(float(v) for v in np.atleast_1d(self.missing_values)),
                        columns=tuple(c for pair in q.columns for c in pair),
                        fingerprint=fingerprint(cats, None if group is None else group),
                        extra={"missing_pairs": dict(zip(q.attributes, (cats < 0).sum(0).tolist(), strict=True))})
        meta = Meta(estimator=type(self).__name__, params=self.settings(), data=info, ci_level=level,
                    ci_method=CI_METHOD, seed=seed, versions=versions(), conventions=CONVENTIONS,
                    extra={"groups": list(levels), "draws": int(self.draws)})
        rows = tuple("".join(CATEGORIES[c] for c in r) for r in table_codes(self.table))
        return KanoResults(attributes=q.attributes, groups=levels, table=rows, counts=counts, estimates=frame,
                           draws=flat, categories=table, meta=meta, codes=self.codes)


CONVENTIONS = {
    "shares": "of the answers that are not questionable (Q excluded); R and Q rates are of all answers",
    "modal tie-break": "M > O > A > I > R (Berger et al. 1993)",
    "fong": "significant when |a - b| >= z sqrt((a + b)(2n - a - b) / (2n)), n = answers without Q; otherwise "
            "the mixed category top/second",
    "better": "(A + O) / (A + O + M + I)", "worse": "-(O + M) / (A + O + M + I)",
    "estimate": "observed share or coefficient", "std_error": "SD of the posterior or bootstrap draws",
}
