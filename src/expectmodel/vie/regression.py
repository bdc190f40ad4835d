"""Hierarchical moderated regression of a criterion on expectancy, valence and their product (METHODS §3).

    step 1 (additive):        y ~ 1 + E + V
    step 2 (full):            y ~ 1 + E + V + E*V
    pure multiplicative:      y ~ 1 + E*V

Customer form: E = mean_k E_k, V = mean_k V_k, E*V = M = sum_k E_k V_k. Vroom's form: E = E,
V = sum_k I_k V_k, E*V = E * sum_k I_k V_k. Shifting the origin of every E_k by a (or every V_k by c)
adds a K V (or c K E) to M, which the main effects absorb: the product's coefficient and its test are
invariant, the main effects are not (Arnold 1981; Evans 1991; Yi 1989). Fits are statsmodels' own
(``OLS``, ``Logit``, ``OrderedModel``) on the design matrices; nothing is re-implemented.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import stats

from expectmodel._base import Estimator, InstanceOf, Interval, OneOf, Predicate
from expectmodel.data.read import is_codes
from expectmodel.errors import ConvergenceError, DataError
from expectmodel.results import Meta, ResultsBase, frame_with_columns, thaw
from expectmodel.summary import Summary
from expectmodel.vie.coding import VIEData, VIEDesign, composite, read_vie
from expectmodel.vie.scores import vie_meta

__all__ = ["ModeratedRegression", "ModerationResults"]

TERMS = ("E", "V", "E*V")
FORM_TERMS = {"additive": ("E", "V"), "multiplicative": ("E*V",), "full": ("E", "V", "E*V")}
CENTRE_NOTE = ("Centred: E and V are shifted to their sample means before the product is formed (one shift of "
               "origin for every outcome). The product's coefficient and its test are unchanged; the main effects "
               "are now the effects of E at the average V and of V at the average E (not at V = 0 and E = 0); "
               "collinearity of the product with the main effects drops; the pure multiplicative form is no longer "
               "testable and is left out of the comparison.")
RAW_NOTE = ("Not centred: the main effects are the effect of E where V = 0 (an indifferent valence) and of V where "
            "E = 0 (certainly not delivered), both true zeros of the coding.")


def _fit(family: str, y: np.ndarray, X: np.ndarray, names: list[str]):
    import statsmodels.api as sm

    if family == "ols":
        return sm.OLS(y, X).fit()
    if family == "logit":
        try:
            res = sm.Logit(y, X).fit(disp=0)
        except np.linalg.LinAlgError as err:  # perfect separation or a singular Hessian
            raise ConvergenceError(f"The logit fit failed ({err}); check for a criterion that E or V separates "
                                   "perfectly.") from None
        return res
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    # column-major like a formula fit's design matrix: BFGS amplifies summation-order differences (1e-8), and
    # this way a direct OrderedModel.from_formula fit agrees to the last bit
    return OrderedModel(y, np.asfortranarray(X[:, 1:]), distr="logit").fit(method="bfgs", disp=0, maxiter=1000)


def _params(family: str, res, names: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(coefficients, their covariance, the threshold part) of a fit, in the order of ``names``."""
    p = np.asarray(res.params)
    cov = np.asarray(res.cov_params())
    return p, cov, p[len(names) - 1:] if family == "ordered" else np.array([])


@dataclass(frozen=True, repr=False)
class ModerationResults(ResultsBase):
    """Hierarchical moderated regression: coefficients of the three forms, the product test, the comparison.

    Parameters
    ----------
    design : VIEDesign
        The design.
    criterion : str
        The criterion column.
    family : str
        ``"ols"``, ``"logit"`` or ``"ordered"``.
    centre : bool
        Whether E and V were centred.
    table : pandas.DataFrame
        Coefficients of every form (``to_frame()``).
    product_test : dict
        The test of the product term (ΔR² and F for OLS; LR chi-square for logit and ordered logit).
    comparison : pandas.DataFrame
        Forms by information criteria.
    fits : dict
        The statsmodels results of each form (``fits["full"]`` etc.).
    factors : pandas.DataFrame
        Per respondent: the criterion and the E, V and E*V columns used.
    meta : Meta
        Settings and provenance.

    Returns
    -------
    ModerationResults
        Made by :meth:`ModeratedRegression.fit`.

    Examples
    --------
    >>> import expectmodel as em
    >>> res = em.vie.ModeratedRegression(em.datasets.vie_survey_design(), "intention", family="ols",
    ...                                  missing="listwise", missing_values=-99).fit(em.datasets.load_vie_survey())
    >>> res.product_test["test"], res.product_test["p_value"] < 0.05
    ('F (ΔR²)', True)
    >>> res.comparison.index.tolist()
    ['additive', 'multiplicative', 'full']
    >>> rob = res.robustness()
    >>> bool(rob["E*V"].std() < 1e-8 < rob["E"].std())
    True
    >>> res.to_frame().query("group == 'full'")["rhs"].tolist()
    ['Intercept', 'E', 'V', 'E*V']
    >>> res.conf_int(0.9).attrs["ci_level"]
    0.9
    >>> res.interaction_frame(points=3)["level"].nunique()
    3
    >>> float(res.collinearity().loc["E*V", "E"]) > 0
    True
    >>> "Rescaling robustness" in res.summary().as_text()
    True
    >>> res.scoring_spec()["program"]
    'vie_motivation'
    >>> import matplotlib.pyplot as plt
    >>> ax = res.plot_interaction()
    >>> plt.close(ax.figure)
    """

    design: VIEDesign
    criterion: str
    family: str
    centre: bool
    table: pd.DataFrame
    product_test: dict
    comparison: pd.DataFrame
    fits: dict
    factors: pd.DataFrame
    meta: Meta

    schema: ClassVar[str] = "expectmodel.vie.moderation"
    schema_version: ClassVar[int] = 1

    @property
    def _k(self) -> float:
        return float(len(self.design.outcomes)) if self.design.kind == "customer" else 1.0

    def to_frame(self) -> pd.DataFrame:
        """Return the coefficients of the additive, multiplicative and full forms (``group``) with intervals.

        Returns
        -------
        pandas.DataFrame
            :data:`~expectmodel.results.PARAMETER_COLUMNS`, then ``statistic`` and ``p_value``.
        """
        return self.table.copy()

    def _wald_frame(self) -> pd.DataFrame:
        # statsmodels' intervals: Student t on the residual df for OLS, normal for Logit and OrderedModel
        df = self.table["group"].map(
            lambda form: self.fits[form].df_resid if self.family == "ols" else np.inf).astype(float)
        return self.table.assign(df=df.to_numpy())

    def robustness(self, expectancy: tuple[float, ...] = (-0.25, 0.0, 0.25),
                   valence: tuple[float, ...] = (-1.0, 0.0, 1.0)) -> pd.DataFrame:
        """Report how the full form's coefficients move when the origins of E and V shift.

        Shifting every coded E_k by ``a`` and every V_k by ``c`` (allowable changes of an interval scale's
        origin) changes the design matrix linearly: E' = E + a, V' = V + c, (E*V)' = E*V + c K E + a K V +
        a c K. The fit on the shifted data is the same fit reparameterised, so its coefficients and
        covariance are exact transforms of the original (``tests/vie`` checks them against refits).

        Parameters
        ----------
        expectancy : tuple of float
            Shifts of the coded expectancy (probability units).
        valence : tuple of float
            Shifts of the coded valence (answer units).

        Returns
        -------
        pandas.DataFrame
            One row per (shift_E, shift_V): the coefficients of E, V and E*V, the standard error, z (or t)
            and p-value of E*V. The E*V columns are constant; E and V move.
        """
        res = self.fits["full"]
        p = np.asarray(res.params)
        cov = np.asarray(res.cov_params())
        k = self._k
        off = 0 if self.family == "ordered" else 1  # the ordered model has no intercept column
        rows = []
        for a in expectancy:
            for c in valence:
                # X = X' A with X' the shifted design: columns (1, E', V', P') -> (1, E, V, P)
                A = np.eye(4)
                A[0, 1], A[0, 2] = -a, -c
                A[0, 3] = a * c * k
                A[1, 3] = -c * k
                A[2, 3] = -a * k
                if off == 0:  # no intercept: the constant shifts move the thresholds (not reported)
                    A = A[1:, 1:]
                T = np.eye(len(p))
                T[: A.shape[0], : A.shape[0]] = A
                q = T @ p
                qc = T @ cov @ T.T
                se = np.sqrt(np.diag(qc))
                j = A.shape[0] - 1
                stat = q[j] / se[j]
                pval = (2 * stats.t.sf(abs(stat), res.df_resid) if self.family == "ols"
                        else 2 * stats.norm.sf(abs(stat)))
                rows.append({"shift_E": a, "shift_V": c, "E": q[off], "V": q[off + 1], "E*V": q[j],
                             "se_E*V": se[j], "statistic_E*V": stat, "p_E*V": pval})
        return pd.DataFrame(rows)

    def interaction_frame(self, levels: tuple[float, float, float] = (0.1, 0.5, 0.9), points: int = 21) -> pd.DataFrame:
        """Predict the criterion against E at low, middle and high V (the interaction plot's data).

        A respondent whose expectancies all equal e and valences all equal v has E = e, V = v and
        M = K e v (customer form; Vroom's form: M = e v).

        Parameters
        ----------
        levels : 3 floats
            Quantiles of V taken as low, middle and high.
        points : int
            Grid points of E over its observed range.

        Returns
        -------
        pandas.DataFrame
            ``expectancy``, ``valence``, ``level``, ``predicted``, ``ci_low``, ``ci_high`` (OLS and logit:
            the mean / probability and its interval; ordered: the expected category, no interval).
        """
        f = self.factors
        e_raw, v_raw = f["E_raw"].to_numpy(), f["V_raw"].to_numpy()
        grid = np.linspace(e_raw.min(), e_raw.max(), points)
        centre = self.meta.extra["centre_at"]
        res = self.fits["full"]
        out = []
        for q, name in zip(levels, ("low", "middle", "high"), strict=True):
            v = float(np.quantile(v_raw, q))
            e_c, v_c = grid - centre["E"], v - centre["V"]
            X = np.column_stack([np.ones_like(grid), e_c, np.full_like(grid, v_c), self._k * e_c * v_c])
            if self.family == "ordered":
                probs = np.asarray(res.model.predict(res.params, exog=X[:, 1:]))
                pred, lo, hi = probs @ np.arange(probs.shape[1]), np.nan, np.nan
            else:
                sf = res.get_prediction(X).summary_frame(alpha=1 - self.meta.ci_level)
                ols = self.family == "ols"
                pred = sf["mean" if ols else "predicted"].to_numpy()
                lo = sf["mean_ci_lower" if ols else "ci_lower"].to_numpy()
                hi = sf["mean_ci_upper" if ols else "ci_upper"].to_numpy()
            out.append(pd.DataFrame({"expectancy": grid, "valence": v, "level": f"{name} V ({v:.2f})",
                                     "predicted": pred, "ci_low": lo, "ci_high": hi}))
        return pd.concat(out, ignore_index=True)

    def plot_interaction(self, ax=None):
        """Plot the criterion against E at low, middle and high V (see :meth:`interaction_frame`).

        Parameters
        ----------
        ax : matplotlib Axes, optional

        Returns
        -------
        matplotlib.axes.Axes
        """
        from expectmodel.vie.plots import plot_interaction

        return plot_interaction(self.interaction_frame(), ax=ax, ylabel=self.criterion)

    def collinearity(self) -> pd.DataFrame:
        """Correlations of the product with the main effects (what centring changes).

        Returns
        -------
        pandas.DataFrame
            The correlation matrix of E, V and E*V as fitted.
        """
        return self.factors[["E", "V", "E*V"]].corr()

    def summary(self, digits: int = 3) -> Summary:
        """Render the report: the product test, the forms compared, the full form's coefficients, the notes.

        Parameters
        ----------
        digits : int
            Decimals.

        Returns
        -------
        Summary
        """
        t = self.product_test
        d = self.meta.data
        s = Summary(f"VIE moderated regression ({self.family}) of '{self.criterion}'",
                    facts={"Respondents": str(d.n_used), "Dropped": str(d.n_dropped),
                           "Form": self.design.kind, "Centred": str(self.centre),
                           "Product test": t["test"], "Statistic": f"{t['statistic']:.{digits}f}",
                           "p-value": f"{t['p_value']:.4g}", "ΔR²" if self.family == "ols" else "LR df":
                           f"{t['delta_r2']:.{digits}f}" if self.family == "ols" else str(t["df"])},
                    digits=digits)
        s.add_table("Coefficients (full form)", self.table[self.table["group"] == "full"].set_index("rhs")[
            ["estimate", "std_error", "ci_low", "ci_high", "statistic", "p_value"]])
        s.add_table("Forms compared", self.comparison)
        rob = self.robustness()
        s.add_table("Rescaling robustness (shifts of the origin of E and V)", rob.set_index(["shift_E", "shift_V"]))
        s.notes.append(CENTRE_NOTE if self.centre else RAW_NOTE)
        s.notes.append(f"Across the shifts the E*V coefficient varies by {np.ptp(rob['E*V']):.2g} and its statistic "
                       f"by {np.ptp(rob['statistic_E*V']):.2g}; the main effects of E and V by "
                       f"{np.ptp(rob['E']):.3g} and {np.ptp(rob['V']):.3g}. Interpret the product test, not "
                       "the main effects' sizes.")
        s.notes.append("Never test the theory by correlating the composite sum E*V with the criterion "
                       "(METHODS §3 rule 1).")
        return s

    def _repr_facts(self) -> str:
        t = self.product_test
        return (f"{self.family} of {self.criterion!r}, n={self.meta.data.n_used}, product {t['test']} = "
                f"{t['statistic']:.3f} (p={t['p_value']:.3g})")

    def _to_dict(self) -> dict[str, Any]:
        return thaw({"design": self.design.to_dict(), "criterion": self.criterion, "family": self.family,
                "centre": self.centre, "parameters": self.table.to_dict(orient="records"),
                "product_test": {k: v for k, v in self.product_test.items()},
                "comparison": self.comparison.reset_index().to_dict(orient="records")})

    def scoring_spec(self) -> dict[str, Any]:
        """Return the scoring specification of the composite scores (program ``vie_motivation``).

        Returns
        -------
        dict
        """
        from expectmodel.vie.scores import motivation_spec

        return motivation_spec(self.design, missing_values=self.meta.data.missing_values,
                               ranges=dict(self.meta.data.extra.get("ranges", {})))


class ModeratedRegression(Estimator):
    """Hierarchical moderated regression of a criterion on E, V and E×V (statsmodels).

    Parameters
    ----------
    design : VIEDesign
        The design (the product coding is checked: valence needs a declared zero).
    criterion : str
        The criterion column (intention, effort, choice, repurchase).
    family : {"ols", "logit", "ordered"}
        OLS for a continuous criterion, logit for a binary one, ordered logit for categories.
    centre : bool
        Mean-centre E and V before forming the product (consequences stated in the summary).
    missing : {"raise", "listwise"}
        Missing-answer policy.
    missing_values : number or sequence of numbers
        Codes meaning "no answer".
    ci_level : float
        Level of the Wald intervals.

    Examples
    --------
    >>> import expectmodel as em
    >>> sim = em.vie.simulate_vie(300, truth="multiplicative", seed=3)
    >>> res = em.vie.ModeratedRegression(sim.design, "y").fit(sim.data)
    >>> round(float(res.fits["full"].params[3]), 2)  # truth 0.35
    0.4

    The same fit directly in statsmodels:

    >>> import statsmodels.formula.api as smf
    >>> f = res.factors.rename(columns={"E*V": "M"})
    >>> direct = smf.ols("y ~ E + V + M", data=f).fit()
    >>> bool(abs(direct.params["M"] - res.fits["full"].params[3]) < 1e-10)
    True
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "design": [InstanceOf(VIEDesign, name="an expectmodel.vie.VIEDesign")],
        "criterion": [InstanceOf(str)],
        "family": [OneOf("ols", "logit", "ordered")],
        "centre": [OneOf(True, False)],
        "missing": [OneOf("raise", "listwise")],
        "missing_values": [Predicate(is_codes, "a number or a sequence of numbers (codes meaning no answer)")],
        "ci_level": [Interval(float, 0, 1, closed="neither")],
    }

    def __init__(self, design: VIEDesign, criterion: str, *, family: str = "ols", centre: bool = False,
                 missing: str = "raise", missing_values: Any = (), ci_level: float = 0.95) -> None:
        self.design = design
        self.criterion = criterion
        self.family = family
        self.centre = centre
        self.missing = missing
        self.missing_values = missing_values
        self.ci_level = ci_level

    def _criterion(self, y: np.ndarray) -> np.ndarray:
        if np.ptp(y) == 0:
            raise DataError(f"The criterion '{self.criterion}' has no variance (every value {y[0]:g}); there is "
                            "nothing to explain.")
        if self.family == "logit" and not np.isin(y, (0, 1)).all():
            bad = y[~np.isin(y, (0, 1))][0]
            raise DataError(f"family='logit' needs a 0/1 criterion; '{self.criterion}' holds {bad:g}. Use "
                            "family='ordered' for ordered categories or 'ols' for a continuous criterion.")
        if self.family == "ordered":
            if not np.all(y == np.round(y)):
                raise DataError(f"family='ordered' needs whole category numbers in '{self.criterion}'.")
            return np.unique(y, return_inverse=True)[1].astype(float)
        return y

    def fit(self, data: pd.DataFrame) -> ModerationResults:
        """Fit the additive, multiplicative and full forms and test the product term.

        Parameters
        ----------
        data : pandas.DataFrame
            One row per respondent with the design's columns and the criterion.

        Returns
        -------
        ModerationResults
        """
        self.validate_params()
        vie = read_vie(data, self.design, form="full", missing=self.missing, missing_values=self.missing_values,
                       extra=(self.criterion,))
        y = self._criterion(vie.coding["extra"][self.criterion])
        return self._fit(vie, y)

    def _fit(self, vie: VIEData, y: np.ndarray) -> ModerationResults:
        raw = composite(vie.expectancy, vie.valence, vie.instrumentality)
        k = float(len(self.design.outcomes)) if self.design.kind == "customer" else 1.0
        if self.centre:
            ce = float(vie.expectancy.mean())
            cv = float(vie.valence.mean()) if vie.instrumentality is None else float(raw[:, 1].mean())
            # one shift of origin: E_k - ce, V_k - cv  =>  M_c = M - cv K Ebar - ce K Vbar + K ce cv
            e, v = raw[:, 0] - ce, raw[:, 1] - cv
            m = raw[:, 2] - cv * k * raw[:, 0] - ce * k * raw[:, 1] + k * ce * cv
        else:
            ce = cv = 0.0
            e, v, m = raw[:, 0], raw[:, 1], raw[:, 2]
        cols = {"E": e, "V": v, "E*V": m}
        fits, rows, comp = {}, [], []
        forms = ("additive", "full") if self.centre else ("additive", "multiplicative", "full")
        n = y.size
        for form in forms:
            names = ["Intercept", *FORM_TERMS[form]]
            X = np.column_stack([np.ones(n)] + [cols[t] for t in FORM_TERMS[form]])
            res = _fit(self.family, y, X, names)
            fits[form] = res
            p, cov, _ = _params(self.family, res, names)
            se = np.sqrt(np.diag(cov))
            ci = np.asarray(res.conf_int(alpha=1 - self.ci_level))
            labels = names[1:] if self.family == "ordered" else names
            nlab = len(labels)
            thr = [f"cut {j + 1}" if j == 0 else f"log gap {j + 1}" for j in range(len(p) - nlab)]
            stat = np.asarray(res.tvalues)
            pv = np.asarray(res.pvalues)
            for j, lab in enumerate([*labels, *thr]):
                rows.append({"kind": "coefficient" if j < nlab else "threshold", "lhs": self.criterion, "op": "~",
                             "rhs": lab, "group": form, "estimate": p[j], "std_error": se[j], "ci_low": ci[j, 0],
                             "ci_high": ci[j, 1], "statistic": stat[j], "p_value": pv[j]})
            entry = {"form": form, "parameters": len(p), "log_likelihood": float(res.llf), "aic": float(res.aic),
                     "bic": float(res.bic)}
            if self.family == "ols":
                entry["r2"] = float(res.rsquared)
            else:
                entry["pseudo_r2"] = float(getattr(res, "prsquared", np.nan))
            comp.append(entry)
        comparison = pd.DataFrame(comp).set_index("form")
        comparison["delta_aic"] = comparison["aic"] - comparison["aic"].min()
        comparison["delta_bic"] = comparison["bic"] - comparison["bic"].min()
        add, full = fits["additive"], fits["full"]
        if self.family == "ols":
            dr2 = float(full.rsquared - add.rsquared)
            fstat = dr2 / ((1 - full.rsquared) / full.df_resid)
            test = {"test": "F (ΔR²)", "statistic": float(fstat), "df": [1, float(full.df_resid)],
                    "p_value": float(stats.f.sf(fstat, 1, full.df_resid)), "delta_r2": dr2}
        else:
            lr = float(2 * (full.llf - add.llf))
            test = {"test": "LR chi-square", "statistic": lr, "df": 1, "p_value": float(stats.chi2.sf(lr, 1)),
                    "delta_r2": np.nan}
        jp = next(r for r in rows if r["group"] == "full" and r["rhs"] == "E*V")
        test.update({"coefficient": float(jp["estimate"]), "std_error": float(jp["std_error"]),
                     "wald_p_value": float(jp["p_value"])})
        factors = pd.DataFrame({self.criterion: y, "E": e, "V": v, "E*V": m, "E_raw": raw[:, 0],
                                "V_raw": raw[:, 1]}, index=vie.index)
        table = frame_with_columns(pd.DataFrame(rows))
        meta = vie_meta(self, vie, ci_method="Wald (t for OLS, normal otherwise)",
                        conventions={"terms": "customer form: E = mean E_k, V = mean V_k, E*V = sum E_k V_k; "
                                              "Vroom: E, V = sum I_k V_k, E*V = E V",
                                     "centring": CENTRE_NOTE if self.centre else RAW_NOTE,
                                     "estimator": "statsmodels " + {"ols": "OLS", "logit": "Logit",
                                                                    "ordered": "OrderedModel (logit)"}[self.family]},
                        extra={"centre_at": {"E": ce, "V": cv}, "product_test": test})
        return ModerationResults(self.design, self.criterion, self.family, bool(self.centre), table, test,
                                 comparison, fits, factors, meta)
