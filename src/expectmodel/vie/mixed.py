"""Within-subject VIE: a linear mixed model with random slopes per respondent (statsmodels ``mixedlm``).

Long data: each row is one outcome, offer or scenario rated by one respondent (its expectancy E, valence V
and the criterion). The model (METHODS §3)::

    y_nt = (b0 + u0_n) + (bE + uE_n) E_nt + (bV + uV_n) V_nt + bEV E_nt V_nt + e_nt

is ``smf.mixedlm("y ~ E * V", groups=respondent, re_formula="~ E + V")``. The product term is tested by
its Wald z (REML fit) and by a likelihood-ratio test between maximum-likelihood fits with and without it.
Per-respondent slopes are the fixed slope plus the respondent's predicted random effect (BLUP).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import stats

from expectmodel._base import Estimator, InstanceOf, Interval, OneOf, Predicate
from expectmodel._meta import versions
from expectmodel.data import Scale, apply_missing, read_items
from expectmodel.data import _messages as msg
from expectmodel.data.read import is_codes, parse_codes
from expectmodel.errors import DataError
from expectmodel.results import (
    DataInfo,
    Meta,
    ResultsBase,
    fingerprint,
    frame_with_columns,
    thaw,
)
from expectmodel.summary import Summary
from expectmodel.vie.coding import VIEDesign, check_coding

__all__ = ["MixedResults", "WithinSubjectVIE"]

PROBABILITY = Scale(0, 1, "probability")
BIPOLAR = Scale(-3, 3, "bipolar", zero=0)


def _columns(value: str | tuple[str, ...] | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _is_columns(value: object) -> bool:
    return isinstance(value, str) or (isinstance(value, list | tuple) and len(value) > 0
                                      and all(isinstance(v, str) for v in value))


@dataclass(frozen=True, repr=False)
class MixedResults(ResultsBase):
    """Within-subject VIE mixed model: fixed effects, variance components, the product test, per-respondent slopes.

    Parameters
    ----------
    table : pandas.DataFrame
        Fixed effects and variance components (``to_frame()``).
    product_test : dict
        Wald z of E*V (REML) and the ML likelihood-ratio test.
    slopes : pandas.DataFrame
        Per respondent: intercept, E and V slopes (fixed + BLUP) and their conditional standard errors.
    fit : statsmodels MixedLMResults
        The REML fit.
    data : pandas.DataFrame
        The long data used (respondent, y, E, V).
    meta : Meta
        Settings and provenance.

    Returns
    -------
    MixedResults
        Made by :meth:`WithinSubjectVIE.fit`.

    Examples
    --------
    >>> import expectmodel as em
    >>> sim = em.vie.simulate_within(60, person_sd=(0.3, 0.5, 0.3, 0.0), error=False, seed=2)
    >>> res = em.vie.WithinSubjectVIE("respondent", "E1", "V1", "y").fit(sim.data)
    >>> res.product_test["wald_p_value"] < 0.05, res.slopes.shape
    (True, (60, 6))
    >>> res.to_frame()["kind"].unique().tolist()
    ['coefficient', 'variance', 'covariance']
    >>> res.conf_int(0.9)["ci_low"].notna().sum()
    np.int64(4)
    >>> "BLUP" in res.summary().as_text()
    True
    >>> import matplotlib.pyplot as plt
    >>> ax = res.plot_slopes()
    >>> plt.close(ax.figure)
    """

    table: pd.DataFrame
    product_test: dict
    slopes: pd.DataFrame
    fit: Any
    data: pd.DataFrame
    meta: Meta

    schema: ClassVar[str] = "expectmodel.vie.mixed"
    schema_version: ClassVar[int] = 1

    def to_frame(self) -> pd.DataFrame:
        """Return the fixed effects (with Wald intervals) and the variance components (without).

        Returns
        -------
        pandas.DataFrame
            :data:`~expectmodel.results.PARAMETER_COLUMNS`, then ``statistic`` and ``p_value``.
        """
        return self.table.copy()

    def _wald_frame(self) -> pd.DataFrame:
        # statsmodels' normal intervals for the fixed effects; the variance components get none
        fixed = (self.table["kind"] == "coefficient").to_numpy()
        return self.table.assign(std_error=self.table["std_error"].where(fixed))

    def summary(self, digits: int = 3) -> Summary:
        """Render the fixed effects, variance components, the product test and the spread of slopes.

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
        s = Summary("Within-subject VIE: linear mixed model (statsmodels mixedlm)",
                    facts={"Rows": str(d.n_used), "Respondents": str(self.slopes.shape[0]),
                           "Random slopes": str(self.meta.params["random_slopes"]), "REML": "True",
                           "E*V Wald z": f"{t['wald_z']:.{digits}f}", "p (Wald)": f"{t['wald_p_value']:.4g}",
                           "LR chi2 (ML)": f"{t['lr_statistic']:.{digits}f}", "p (LR)": f"{t['lr_p_value']:.4g}"},
                    digits=digits)
        s.add_table("Fixed effects and variance components",
                    self.table.set_index(["kind", "rhs"])[["estimate", "std_error", "ci_low", "ci_high",
                                                             "statistic", "p_value"]])
        s.add_table("Per-respondent slopes (fixed + BLUP): spread",
                    self.slopes[[c for c in self.slopes if not c.startswith("se_")]].describe().T[
                        ["mean", "std", "min", "50%", "max"]])
        s.notes.append("Per-respondent slopes are predictions (BLUPs) shrunk towards the fixed slope; their standard "
                       "errors are conditional on the estimated variance components.")
        return s

    def _repr_facts(self) -> str:
        t = self.product_test
        return (f"{self.meta.data.n_used} rows, {self.slopes.shape[0]} respondents, E*V z={t['wald_z']:.3f} "
                f"(p={t['wald_p_value']:.3g})")

    def _to_dict(self) -> dict[str, Any]:
        return thaw({"parameters": self.table.to_dict(orient="records"), "product_test": dict(self.product_test)})

    def plot_slopes(self, ax=None, bins: int = 30):
        """Histogram of the per-respondent E slopes at V = 0 and of the E*V-implied slope at the mean V.

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

        ax = plot_motivation_distribution(self.slopes.assign(estimate=self.slopes["E"]), ax=ax, bins=bins)
        ax.set_xlabel("per-respondent slope of E (at V = 0)")
        return ax


class WithinSubjectVIE(Estimator):
    """Within-subject VIE: ``mixedlm("y ~ E * V", groups=respondent, re_formula="~ E + V")``.

    Parameters
    ----------
    respondent : str
        The respondent id column.
    expectancy : str or list of str
        The expectancy column, or several item columns (their coded mean is used).
    valence : str or list of str
        The valence column, or several item columns.
    criterion : str
        The criterion column (one value per row).
    expectancy_scale, valence_scale : Scale or (low, high)
        Declared scales (probability 0-1 and bipolar -3..3 with zero 0 by default); the product coding is
        checked as in :class:`VIEDesign`.
    random_slopes : bool
        Random slopes of E and V per respondent (else a random intercept only).
    missing : {"raise", "listwise"}
        Missing-answer policy (listwise drops rows).
    missing_values : number or sequence of numbers
        Codes meaning "no answer".
    ci_level : float
        Level of the Wald intervals.

    Examples
    --------
    >>> import expectmodel as em
    >>> est = em.vie.WithinSubjectVIE("respondent", ["E1", "E2"], ["V1", "V2"], "y")
    >>> est.get_params()["random_slopes"], est.get_params()["valence_scale"].zero
    (True, 0.0)
    >>> em.vie.WithinSubjectVIE("respondent", "E", "V", "y", random_slopes="yes").validate_params()
    Traceback (most recent call last):
    ...
    expectmodel.errors.ParameterError: WithinSubjectVIE(random_slopes='yes'): random_slopes must be one of True, \
False; got 'yes'.

    ``est.fit(long_data)`` returns :class:`MixedResults` (see its example).
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "respondent": [InstanceOf(str)],
        "expectancy": [Predicate(_is_columns, "a column name or a list of column names")],
        "valence": [Predicate(_is_columns, "a column name or a list of column names")],
        "criterion": [InstanceOf(str)],
        "expectancy_scale": [InstanceOf(Scale, tuple, name="a Scale or a (low, high) pair")],
        "valence_scale": [InstanceOf(Scale, tuple, name="a Scale or a (low, high) pair")],
        "random_slopes": [OneOf(True, False)],
        "missing": [OneOf("raise", "listwise")],
        "missing_values": [Predicate(is_codes, "a number or a sequence of numbers (codes meaning no answer)")],
        "ci_level": [Interval(float, 0, 1, closed="neither")],
    }

    def __init__(self, respondent: str, expectancy: str | list[str], valence: str | list[str], criterion: str, *,
                 expectancy_scale: Scale | tuple[float, float] = PROBABILITY,
                 valence_scale: Scale | tuple[float, float] = BIPOLAR,
                 random_slopes: bool = True, missing: str = "raise", missing_values: Any = (),
                 ci_level: float = 0.95) -> None:
        self.respondent = respondent
        self.expectancy = expectancy
        self.valence = valence
        self.criterion = criterion
        self.expectancy_scale = expectancy_scale
        self.valence_scale = valence_scale
        self.random_slopes = random_slopes
        self.missing = missing
        self.missing_values = missing_values
        self.ci_level = ci_level

    def _read(self, data: pd.DataFrame) -> tuple[pd.DataFrame, DataInfo, dict]:
        if not isinstance(data, pd.DataFrame):
            raise msg.not_a_frame(data)
        e_cols, v_cols = _columns(self.expectancy), _columns(self.valence)
        design = VIEDesign(expectancy={"row": e_cols[0]}, valence={"row": v_cols[0]},
                           expectancy_scale=self.expectancy_scale, valence_scale=self.valence_scale)
        coding = check_coding(design, "full")
        if self.respondent not in data.columns:
            raise msg.not_found([self.respondent], data.columns.tolist(), {self.respondent: "respondent id"},
                                noun="Column(s)")
        owner = {**{c: "expectancy" for c in e_cols}, **{c: "valence" for c in v_cols}, self.criterion: "criterion"}
        scales = {**{c: design.expectancy_scale for c in e_cols}, **{c: design.valence_scale for c in v_cols},
                  self.criterion: None}
        items = apply_missing(read_items(data, [*e_cols, *v_cols, self.criterion], scales=scales,
                                         missing_values=self.missing_values, owner=owner), self.missing)
        x = np.asarray(items.values)
        ce, cv = coding["expectancy"], coding["valence"]
        e = ((x[:, : len(e_cols)] - ce["origin"]) / ce["span"]).mean(axis=1)
        v = ((x[:, len(e_cols): len(e_cols) + len(v_cols)] - cv["origin"]) / cv["span"]).mean(axis=1)
        y = x[:, -1]
        resp = data.loc[items.index, self.respondent]
        if resp.isna().any():
            raise DataError(f"Column '{self.respondent}' (respondent id) has missing ids; every row needs one.")
        frame = pd.DataFrame({"respondent": resp.to_numpy(), "y": y, "E": e, "V": v}, index=items.index)
        for name, col in (("expectancy", e), ("valence", v), ("criterion", y)):
            if np.ptp(col) == 0:
                raise DataError(f"The {name} has no variance across rows (every value {col[0]:g}); a within-subject "
                                "test of E, V and E * V needs it to vary.")
        counts = frame.groupby("respondent", sort=False).size()
        if self.random_slopes and (counts < 2).any():
            single = counts.index[counts < 2].tolist()
            shown = ", ".join(map(repr, single[:5])) + (f" and {len(single) - 5} more" if len(single) > 5 else "")
            raise DataError(
                f"{len(single)} respondent(s) have a single within-subject row ({shown}): random slopes per "
                "respondent need at least 2 rows each (3 or more to separate the E and V slopes). Drop them, or fit "
                "random_slopes=False (a random intercept only).")
        info = DataInfo(n_input=data.shape[0], n_used=len(frame), n_dropped=items.missing.n_dropped,
                        missing=self.missing, missing_values=parse_codes(self.missing_values),
                        columns=(self.respondent, *e_cols, *v_cols, self.criterion),
                        fingerprint=fingerprint(x, list(frame["respondent"].astype(str))),
                        extra={"respondents": int(counts.size), "rows_per_respondent": [int(counts.min()),
                                                                                       int(counts.max())]})
        return frame, info, coding

    def fit(self, data: pd.DataFrame) -> MixedResults:
        """Fit the mixed model (REML), test the product term (Wald and ML likelihood ratio), predict slopes.

        Parameters
        ----------
        data : pandas.DataFrame
            Long data: one row per respondent and outcome (offer, scenario).

        Returns
        -------
        MixedResults

        Examples
        --------
        >>> import expectmodel as em
        >>> sim = em.vie.simulate_within(80, person_sd=(0.3, 0.5, 0.3, 0.0), seed=5)
        >>> res = em.vie.WithinSubjectVIE("respondent", ["E1", "E2"], ["V1", "V2"], "y").fit(sim.data)
        >>> list(res.to_frame().query("kind == 'coefficient'")["rhs"])
        ['Intercept', 'E', 'V', 'E*V']
        """
        import statsmodels.formula.api as smf

        self.validate_params()
        frame, info, coding = self._read(data)
        re = "~ E + V" if self.random_slopes else "~ 1"
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model = smf.mixedlm("y ~ E * V", frame, groups=frame["respondent"], re_formula=re)
            res = model.fit(reml=True)
            ml_full = model.fit(reml=False)
            ml_add = smf.mixedlm("y ~ E + V", frame, groups=frame["respondent"], re_formula=re).fit(reml=False)
        notes = sorted({str(w.message).splitlines()[0] for w in caught})
        fe = res.fe_params
        names = {"Intercept": "Intercept", "E": "E", "V": "V", "E:V": "E*V"}
        ci = np.asarray(res.conf_int(alpha=1 - self.ci_level))
        rows = []
        for j, (sm_name, ours) in enumerate(names.items()):
            rows.append({"kind": "coefficient", "lhs": self.criterion, "op": "~", "rhs": ours, "group": "",
                         "estimate": float(fe[sm_name]), "std_error": float(res.bse_fe[sm_name]),
                         "ci_low": ci[j, 0], "ci_high": ci[j, 1], "statistic": float(res.tvalues[sm_name]),
                         "p_value": float(res.pvalues[sm_name])})
        cov = res.cov_re
        labels = {"Group": "Intercept"}
        for a in cov.index:
            for b in cov.columns:
                if list(cov.index).index(b) < list(cov.index).index(a):
                    continue
                rows.append({"kind": "variance" if a == b else "covariance", "lhs": labels.get(a, a), "op": "~~",
                             "rhs": labels.get(b, b), "group": "respondent", "estimate": float(cov.loc[a, b])})
        rows.append({"kind": "variance", "lhs": "residual", "op": "~~", "rhs": "residual", "group": "",
                     "estimate": float(res.scale)})
        table = frame_with_columns(pd.DataFrame(rows))
        lr = float(2 * (ml_full.llf - ml_add.llf))
        test = {"wald_z": float(res.tvalues["E:V"]), "wald_p_value": float(res.pvalues["E:V"]),
                "coefficient": float(fe["E:V"]), "std_error": float(res.bse_fe["E:V"]), "lr_statistic": lr,
                "lr_df": 1, "lr_p_value": float(stats.chi2.sf(lr, 1))}
        slopes = self._slopes(res, frame)
        meta = Meta(estimator=type(self).__name__, params=self.settings(), data=info, ci_level=float(self.ci_level),
                    ci_method="Wald (normal)", seed=None,
                    conventions={"coding": {k: v["text"] for k, v in coding.items()},
                                 "model": f"mixedlm('y ~ E * V', groups=respondent, re_formula='{re}'), REML",
                                 "product test": "Wald z (REML) and LR between ML fits with and without E*V",
                                 "random steps": "none"},
                    versions=versions(), extra={"product_test": test, "fit_warnings": notes,
                                                "converged": bool(res.converged)})
        return MixedResults(table, test, slopes, res, frame, meta)

    @staticmethod
    def _slopes(res, frame: pd.DataFrame) -> pd.DataFrame:
        fe = res.fe_params
        re = res.random_effects
        groups = list(re)
        names = list(next(iter(re.values())).index)
        u = np.array([re[g].to_numpy() for g in groups])
        se = np.array([np.sqrt(np.diag(np.asarray(res.random_effects_cov[g]))) for g in groups])
        out = pd.DataFrame(index=pd.Index(groups, name="respondent"))
        for j, n in enumerate(names):
            ours = "Intercept" if n == "Group" else n
            out[ours] = fe[ours] + u[:, j]
            out[f"se_{ours}"] = se[:, j]
        for ours in ("Intercept", "E", "V"):
            if ours not in out:
                out[ours] = fe[ours]
                out[f"se_{ours}"] = 0.0
        return out[["Intercept", "E", "V", "se_Intercept", "se_E", "se_V"]]
