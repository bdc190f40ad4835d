"""The Gaussian-copula endogeneity test of a structural equation.

Park & Gupta 2012; Hult et al. 2018; Becker, Proksch & Ringle 2022.
For an antecedent X of Y whose scores are not normal, the copula term ``c = Phi^-1(rank(X) / (n + 1))`` joins
Y's regression on its antecedents' construct scores; a bootstrap interval of c's coefficient that excludes 0
flags endogeneity of X. When X is close to normal the term is collinear with X and the test has no power:
such an antecedent is refused. The bootstrap resamples respondents and refits the regression on the fit's
construct scores (one weighted normal-equation solve per resample, all resamples at once).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from expectmodel.errors import SpecError
from expectmodel.inference import equal_tailed
from expectmodel.results import frame_with_columns
from expectmodel.sem._tables import SideReport, records
from expectmodel.summary import Summary

__all__ = ["CopulaTest", "copula_term", "copula_test", "normality_p"]


@dataclass(frozen=True, eq=False)
class CopulaTest(SideReport):
    """The Gaussian-copula endogeneity test of one structural equation.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per copula term: ``target, copula, coefficient, std_error, ci_low, ci_high, p, normality_p,
        endogenous`` (the interval excludes 0).
    target : str
        The endogenous construct.
    n_boot, seed : int
        The bootstrap's resamples and seed.
    level : float
        The intervals' confidence level.
    """

    table: pd.DataFrame
    target: str
    n_boot: int
    seed: int
    level: float

    def __getitem__(self, column: str) -> pd.Series:
        """Return a column of :attr:`table`."""
        return self.table[column]

    def to_frame(self) -> pd.DataFrame:
        """Return the copula terms as tidy parameter rows (``kind="copula"``, ``lhs ~ rhs``, ``rhs = copula(X)``).

        Returns
        -------
        pandas.DataFrame
            :data:`~expectmodel.results.PARAMETER_COLUMNS`, then ``p, normality_p, endogenous``.
        """
        t = self.table
        frame = pd.DataFrame({"kind": "copula", "lhs": t["target"], "op": "~",
                              "rhs": [f"copula({c})" for c in t["copula"]], "group": "",
                              "estimate": t["coefficient"], "std_error": t["std_error"], "ci_low": t["ci_low"],
                              "ci_high": t["ci_high"], "p": t["p"], "normality_p": t["normality_p"],
                              "endogenous": t["endogenous"]})
        return frame_with_columns(frame)

    def summary(self, digits: int = 3) -> Summary:
        """Return the test as a :class:`~expectmodel.summary.Summary`.

        Parameters
        ----------
        digits : int, default 3
            Decimals shown.

        Returns
        -------
        Summary
        """
        s = Summary(f"Gaussian-copula endogeneity test of {self.target}", digits=digits)
        s.facts = {"Bootstrap": f"{self.n_boot} (seed {self.seed})", "Level": f"{self.level:g}"}
        s.add_table("Copula terms", self.table.set_index("copula").drop(columns="target"))
        s.notes.append("An interval excluding 0 flags the antecedent as endogenous (Park & Gupta 2012; Hult et "
                       "al. 2018); antecedents with near-normal scores are not testable.")
        return s

    def to_dict(self) -> dict[str, Any]:
        """Return the test as a JSON-ready dictionary: ``analysis, target, n_boot, seed, level, terms``.

        Returns
        -------
        dict
        """
        return {"analysis": "copula_test", "target": self.target, "n_boot": self.n_boot, "seed": self.seed,
                "level": self.level, "terms": records(self.table)}


def copula_term(x: np.ndarray) -> np.ndarray:
    """Compute the Gaussian copula of ``x``: ``Phi^-1(rank(x) / (n + 1))`` (average ranks for ties).

    Examples
    --------
    >>> import numpy as np
    >>> copula_term(np.array([3.0, 1.0, 2.0])).round(3).tolist()
    [0.674, -0.674, 0.0]
    """
    return stats.norm.ppf(stats.rankdata(x) / (x.size + 1))


def normality_p(x: np.ndarray) -> float:
    """Test ``x`` for normality, returning the p-value: Shapiro-Wilk up to 5,000 values, D'Agostino-Pearson above.

    Examples
    --------
    >>> import numpy as np
    >>> normality_p(np.random.default_rng(0).exponential(size=300)) < 0.001
    True
    """
    return float(stats.shapiro(x).pvalue if x.size <= 5000 else stats.normaltest(x).pvalue)


def copula_test(scores: pd.DataFrame, target: str, predictors: list[str], tested: list[str], n_boot: int,
                seed: int, level: float = 0.95, alpha: float = 0.05) -> pd.DataFrame:
    """Test each antecedent in ``tested`` (one copula term at a time, then all together when several).

    Parameters
    ----------
    scores : pandas.DataFrame
        Construct scores.
    target : str
        The endogenous construct.
    predictors : list of str
        Its antecedents (all enter every regression).
    tested : list of str
        The antecedents that get a copula term.
    n_boot : int
        Bootstrap resamples.
    seed : int
        Seed of the resamples.
    level : float
        Interval level.
    alpha : float
        Normality-test level: an antecedent with a normality p above it is refused.

    Returns
    -------
    pandas.DataFrame
        ``target, copula, coefficient, std_error, ci_low, ci_high, p, normality_p, endogenous``.

    Raises
    ------
    SpecError
        When a tested antecedent's scores are close to normal.

    Examples
    --------
    See :meth:`expectmodel.sem.PLSResults.copula_test`.
    """
    y = scores[target].to_numpy()
    n = y.size
    normal = {x: normality_p(scores[x].to_numpy()) for x in tested}
    close = [x for x, p in normal.items() if p > alpha]
    if close:
        raise SpecError(f"The scores of {close} are close to normal (normality p = "
                        f"{', '.join(f'{normal[x]:.3f}' for x in close)} > {alpha}); their copula term would be "
                        "collinear with them. Test only clearly non-normal antecedents.")
    sets = [[x] for x in tested] + ([list(tested)] if len(tested) > 1 else [])
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=(n_boot, n))
    counts = np.zeros((n_boot, n))
    np.add.at(counts, (np.repeat(np.arange(n_boot), n), idx.ravel()), 1.0)
    rows = []
    for terms in sets:
        design = np.column_stack([np.ones(n), scores[predictors].to_numpy(),
                                  *[copula_term(scores[x].to_numpy()) for x in terms]])
        point = np.linalg.lstsq(design, y, rcond=None)[0]
        xtx = np.einsum("bn,ni,nj->bij", counts, design, design)
        xty = np.einsum("bn,ni,n->bi", counts, design, y)
        draws = np.linalg.solve(xtx, xty[..., None])[..., 0]
        for j, x in enumerate(terms):
            col = 1 + len(predictors) + j
            d = draws[:, col]
            low, high = equal_tailed(d, level)
            share = np.mean(d <= 0)
            rows.append({"target": target, "copula": x if len(terms) == 1 else f"{x} (joint)",
                         "coefficient": point[col], "std_error": d.std(ddof=1), "ci_low": low, "ci_high": high,
                         "p": float(min(1.0, 2 * min(share, 1 - share))), "normality_p": normal[x],
                         "endogenous": bool(low > 0 or high < 0)})
    return pd.DataFrame(rows)
