"""Hierarchical Bayesian VIE (METHODS §3): latent E and V measured by their items, person-level coefficients.

The model is declared on the :class:`~expectmodel.sampling.BayesianEstimator` template (sampling, gates,
metadata and the log-likelihood group are inherited); the graph is in :mod:`expectmodel.vie._graph`.
Fit the additive, multiplicative and full forms and compare them by leave-one-respondent-out PSIS-LOO
with :func:`compare_forms`. The methods live by idea in private modules: reading the long data into the
graph's ``Prepared`` (``_bayes_data``, mixed into :class:`HierarchicalVIE`), cross-validation by PSIS-LOO,
grouped K-fold and held-out likelihood (``_bayes_validation``, mixed into :class:`BayesVIEResults`, with
:func:`compare_forms`, re-exported here).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from expectmodel._base import InstanceOf, Interval, OneOf, Predicate
from expectmodel.data import Scale
from expectmodel.data.read import is_codes
from expectmodel.inference import equal_tailed
from expectmodel.results import Meta, ResultsBase, frame_with_columns, thaw
from expectmodel.sampling import BayesianEstimator, Diagnostics, SamplerConfig
from expectmodel.summary import Summary
from expectmodel.vie import _graph as g
from expectmodel.vie._bayes_data import PrepareMixin, _is_columns, _is_slopes
from expectmodel.vie._bayes_validation import CrossValidationMixin, compare_forms

__all__ = ["BayesVIEResults", "HierarchicalVIE", "compare_forms"]

PROBABILITY = Scale(0, 1, "probability")
BIPOLAR = Scale(-3, 3, "bipolar", zero=0)


def _interval_rows(draws: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    lo, hi = equal_tailed(draws, level)
    return draws.mean(axis=0), draws.std(axis=0, ddof=1), lo, hi


@dataclass(frozen=True, repr=False)
class BayesVIEResults(CrossValidationMixin, ResultsBase):
    """Posterior of the hierarchical Bayesian VIE model.

    Parameters
    ----------
    prepared : Prepared
        The validated data and structure.
    tree : xarray.DataTree
        Posterior, sample statistics and the per-respondent log-likelihood of the criterion.
    diagnostics : Diagnostics
        The convergence gates' findings.
    meta : Meta
        Settings, priors, sampler and provenance.

    Returns
    -------
    BayesVIEResults
        Made by :meth:`HierarchicalVIE.fit`.

    Examples
    --------
    A fit samples (seconds to minutes), so these lines are skipped when the doctests run:

    >>> import expectmodel as em
    >>> sim = em.vie.simulate_within(200, seed=1)
    >>> res = em.vie.HierarchicalVIE("respondent", ["E1", "E2"], ["V1", "V2"], "y").fit(sim.data)  # doctest: +SKIP
    >>> res.to_frame().query("kind == 'coefficient'")  # doctest: +SKIP
    >>> res.motivation().head()  # per-respondent M with intervals  # doctest: +SKIP
    >>> res.person_coefficients().head()  # every respondent's coefficients  # doctest: +SKIP
    >>> res.loo()  # leave-one-respondent-out PSIS-LOO  # doctest: +SKIP
    >>> print(res.summary())  # doctest: +SKIP
    >>> ax = res.plot_motivation()  # doctest: +SKIP
    >>> res.to_netcdf("vie_fit.nc")  # doctest: +SKIP
    """

    prepared: g.Prepared
    tree: Any
    diagnostics: Diagnostics
    meta: Meta
    _cache: dict = field(default_factory=dict, repr=False, compare=False)
    _estimator: Any = field(default=None, repr=False, compare=False)  # an unfitted clone, to prepare new rows

    schema: ClassVar[str] = "expectmodel.vie.bayes"
    schema_version: ClassVar[int] = 1

    @property
    def posterior(self):
        """The posterior group of the tree."""
        return self.tree["posterior"]

    def _parameter_draws(self) -> tuple[pd.DataFrame, np.ndarray]:
        if "params" in self._cache:
            return self._cache["params"]
        p, post = self.prepared, self.posterior
        crit = self.meta.params["criterion"]
        rows, cols = [], []

        def add(kind, lhs, op, rhs, group, draws):
            rows.append({"kind": kind, "lhs": lhs, "op": op, "rhs": rhs, "group": group})
            cols.append(np.asarray(draws, dtype=float))

        beta = g._draws(post, "beta")
        for j, t in enumerate(p.terms):
            add("coefficient", crit, "~", t, "population mean", beta[:, j])
        tau = g._draws(post, "tau")
        for j, t in enumerate(p.random_terms):
            add("person sd", crit, "~", t, "population sd", tau[:, j])
        if len(p.random_terms) > 1:
            chol = g._draws(post, "corr_chol")
            corr = np.einsum("sij,skj->sik", chol, chol)
            for a in range(len(p.random_terms)):
                for b in range(a + 1, len(p.random_terms)):
                    add("person correlation", p.random_terms[a], "~~", p.random_terms[b], "", corr[:, a, b])
        e, v = g.true_scores(p, post)
        for k, o in enumerate(p.outcomes):
            rows_k = p.outcome == k
            add("true score mean", "E*", "mean", o, "", e[:, rows_k].mean(axis=1))
            add("true score mean", "V*", "mean", o, "", v[:, rows_k].mean(axis=1))
        for name in ("sigma_E", "sigma_V", "sigma_y"):
            if name in post:
                add("scale", name, "=", "", "", g._draws(post, name))
        if "phi_E" in post:
            phi = g._draws(post, "phi_E")
            for j in range(phi.shape[1]):
                add("precision", "phi_E", "=", f"item {j + 1}", "", phi[:, j])
        frame = pd.DataFrame(rows)
        out = (frame, np.column_stack(cols))
        self._cache["params"] = out
        return out

    def _draws_frame(self) -> tuple[pd.DataFrame, np.ndarray]:
        frame, draws = self._parameter_draws()
        return frame_with_columns(frame.assign(estimate=draws.mean(axis=0))), draws

    def to_frame(self) -> pd.DataFrame:
        """Return population coefficients, person-level SDs and correlations, true-score means, scales.

        Returns
        -------
        pandas.DataFrame
            :data:`~expectmodel.results.PARAMETER_COLUMNS` (posterior mean, posterior SD, equal-tailed
            interval at ``meta.ci_level``).
        """
        frame, draws = self._parameter_draws()
        mean, sd, lo, hi = _interval_rows(draws, self.meta.ci_level)
        return frame_with_columns(frame.assign(estimate=mean, std_error=sd, ci_low=lo, ci_high=hi))

    def motivation(self, level: float | None = None) -> pd.DataFrame:
        """Return every respondent's posterior motivation M_n = sum_k E*_nk V*_nk with an interval.

        Parameters
        ----------
        level : float, optional
            Interval probability (default the fit's).

        Returns
        -------
        pandas.DataFrame
            Indexed by respondent: ``estimate`` (posterior mean), ``std_error``, ``ci_low``, ``ci_high``,
            and ``manifest`` (the same sum from the observed item means).
        """
        level = self.meta.ci_level if level is None else level
        p = self.prepared
        e, v = g.true_scores(p, self.posterior)
        m = np.zeros((e.shape[0], p.N))
        np.add.at(m.T, p.resp, (e * v).T)
        mean, sd, lo, hi = _interval_rows(m, level)
        manifest = np.zeros(p.N)
        np.add.at(manifest, p.resp, p.manifest[:, 0] * p.manifest[:, 1])
        return pd.DataFrame({"estimate": mean, "std_error": sd, "ci_low": lo, "ci_high": hi, "manifest": manifest},
                            index=pd.Index(list(p.respondents), name="respondent"))

    def person_coefficients(self) -> pd.DataFrame:
        """Return every respondent's coefficients (posterior means and SDs).

        Returns
        -------
        pandas.DataFrame
            Indexed by respondent; one ``<term>`` and one ``se_<term>`` column per term.
        """
        c = g.person_coefficients(self.prepared, self.posterior)
        out = {}
        for j, t in enumerate(self.prepared.terms):
            out[t] = c[:, :, j].mean(axis=0)
            out[f"se_{t}"] = c[:, :, j].std(axis=0, ddof=1)
        return pd.DataFrame(out, index=pd.Index(list(self.prepared.respondents), name="respondent"))

    def summary(self, digits: int = 3) -> Summary:
        """Render the report: coefficients, person-level spread, measurement, diagnostics.

        Parameters
        ----------
        digits : int
            Decimals.

        Returns
        -------
        Summary
        """
        d = self.diagnostics
        p = self.prepared
        s = Summary(f"Hierarchical Bayesian VIE ({p.form} form, {p.family} criterion)",
                    facts={"Respondents": str(p.N), "Rows": str(p.resp.size), "Outcomes": str(len(p.outcomes)),
                           "Person effects": ", ".join(p.random_terms), "Max R-hat": f"{d.max_rhat:.3f}",
                           "Min bulk ESS": f"{d.min_ess_bulk:.0f}", "Divergences": str(d.divergences),
                           "Gates": "passed" if d.passed else "FAILED", "CI level": f"{self.meta.ci_level:g}"},
                    digits=digits)
        t = self.to_frame()
        cols = ["estimate", "std_error", "ci_low", "ci_high"]
        s.add_table("Population coefficients", t[t["kind"] == "coefficient"].set_index("rhs")[cols])
        s.add_table("Person-level spread", t[t["kind"].isin(["person sd", "person correlation"])].set_index(
            ["kind", "lhs", "rhs"])[cols])
        s.add_table("Measurement", t[t["kind"].isin(["true score mean", "scale", "precision"])].set_index(
            ["kind", "lhs", "rhs"])[cols])
        m = self.motivation()
        s.add_table("Per-respondent motivation M (posterior means)", m[["estimate", "manifest"]].describe().T[
            ["mean", "std", "min", "50%", "max"]])
        s.notes.append("E* is the true score of the expectancy items (a probability); V* that of the valence items "
                       "on the answer scale, zero at the declared neutral point; the product is formed from the "
                       "latent true scores, so it is not attenuated by item error.")
        slopes = [t for t in p.random_terms if t != "Intercept"]
        s.notes.append("Person effects: a person-level intercept" + (f" and slopes on {', '.join(slopes)}" if slopes
                       else " only (the default: with few rows per respondent the SDs of person slopes are barely "
                       "identified; declare slopes with person_slopes=[...] when respondents rate many outcomes)")
                       + (". They are integrated out analytically (gaussian criterion) and reported from their exact "
                          "conditional posterior." if p.family == "gaussian" else "."))
        for f in d.failures:
            s.notes.append(f"Gate failed: {f}")
        return s

    def _repr_facts(self) -> str:
        p = self.prepared
        return (f"{p.form} form, {p.family} criterion, {p.N} respondents x {len(p.outcomes)} outcomes, "
                f"gates {'passed' if self.diagnostics.passed else 'failed'}")

    def _to_dict(self) -> dict[str, Any]:
        return thaw({"form": self.prepared.form, "parameters": self.to_frame().to_dict(orient="records"),
                "diagnostics": {"max_rhat": self.diagnostics.max_rhat, "min_ess_bulk": self.diagnostics.min_ess_bulk,
                                "divergences": self.diagnostics.divergences,
                                "failures": list(self.diagnostics.failures)}})

    def plot_motivation(self, ax=None, bins: int = 30):
        """Plot the distribution of per-respondent posterior motivation, with a sample of intervals.

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

        return plot_motivation_distribution(self.motivation(), ax=ax, bins=bins)

    def to_netcdf(self, path) -> None:
        """Write the posterior tree (netCDF, h5netcdf engine).

        Parameters
        ----------
        path : str or pathlib.Path
            The file.
        """
        self.tree.to_netcdf(path, engine="h5netcdf")


class HierarchicalVIE(PrepareMixin, BayesianEstimator):
    """Hierarchical Bayesian VIE with latent expectancy and valence (pymc; METHODS §3).

    Long data: one row per respondent and outcome (offer, scenario), with the expectancy items, the valence
    items and a criterion per row. E is measured by probability items (Beta) or Likert items (ordered logit),
    V by bipolar items (ordered logit); the product of the latent true scores enters the criterion with
    person-level coefficients drawn from a population distribution.

    Parameters
    ----------
    respondent : str
        Respondent id column.
    expectancy : str or list of str
        Expectancy item column(s).
    valence : str or list of str
        Valence item column(s).
    criterion : str
        Criterion column (continuous for ``family="gaussian"``, 0/1 for ``"bernoulli"``).
    outcome : str, optional
        Outcome (offer) column: each outcome gets its own latent means. Default: one for all rows.
    form : {"full", "additive", "multiplicative"}
        Which terms enter the criterion (compare forms with :func:`compare_forms`).
    family : {"gaussian", "bernoulli"}
        The criterion's likelihood.
    person_slopes : bool or sequence of {"E", "V", "E*V"}
        Which slopes vary by person, beside the person-level intercept: ``True`` every term of the form,
        ``False`` none (the default), or the named terms (e.g. ``["E*V"]``: people differ in how much the
        product counts). The default is a person-level intercept only because with a handful of rows per
        respondent the SDs of person slopes are barely identified and the sampler cannot settle them: on
        1,000 respondents x 5 outcomes, full slopes left ``tau[E]`` at R-hat 1.04 and bulk ESS 50 in 2 x 300
        draws where the intercept-only model reached ESS 110 (``benchmarks/bench_vie.py``). Declare slopes
        when each respondent rates many outcomes (vignettes, conjoint tasks) and check the gates.
    person_correlation : {"lkj", "independent"}
        Correlated person effects (LKJ prior on their correlation) or independent ones.
    expectancy_scale, valence_scale : Scale
        Scales of the items: expectancy probability (Beta) or Likert (ordinal); valence bipolar with whole
        answers (ordinal) and a declared zero.
    lkj_eta : float
        LKJ shape of the person coefficients' correlation.
    missing : {"raise", "listwise"}
        Missing-answer policy over rows.
    missing_values : number or sequence of numbers
        Codes meaning "no answer".
    ci_level : float
        Interval probability of every reported interval.
    sampler : SamplerConfig, optional
        Draws, chains, seed, backend, gates.

    Examples
    --------
    >>> import expectmodel as em
    >>> sim = em.vie.simulate_within(100, seed=1)
    >>> est = em.vie.HierarchicalVIE("respondent", ["E1", "E2"], ["V1", "V2"], "y", outcome="outcome")
    >>> model = est.build(sim.data)  # the pymc model, not sampled
    >>> sorted(v for v in model.named_vars if v in ("beta", "tau", "sigma_y"))
    ['beta', 'sigma_y', 'tau']
    >>> em.vie.HierarchicalVIE("respondent", "E1", "V1", "y", form="mult").validate_params()  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    expectmodel.errors.ParameterError: HierarchicalVIE(form='mult'): form must be one of ...

    Sampling compiles the model (seconds to minutes), so these lines are skipped when the doctests run:

    >>> res = est.fit(sim.data)  # doctest: +SKIP
    >>> prior = est.prior_predictive(sim.data, draws=100)  # draws from the priors  # doctest: +SKIP
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "respondent": [InstanceOf(str)],
        "expectancy": [Predicate(_is_columns, "a column name or a list of column names")],
        "valence": [Predicate(_is_columns, "a column name or a list of column names")],
        "criterion": [InstanceOf(str)],
        "outcome": [InstanceOf(str), None],
        "form": [OneOf("full", "additive", "multiplicative")],
        "family": [OneOf("gaussian", "bernoulli")],
        "person_slopes": [OneOf(True, False), Predicate(_is_slopes, 'a sequence of terms among "E", "V", "E*V"')],
        "person_correlation": [OneOf("lkj", "independent")],
        "expectancy_scale": [InstanceOf(Scale)],
        "valence_scale": [InstanceOf(Scale)],
        "lkj_eta": [Interval(float, 0, None, closed="neither")],
        "missing": [OneOf("raise", "listwise")],
        "missing_values": [Predicate(is_codes, "a number or a sequence of numbers (codes meaning no answer)")],
        "ci_level": [Interval(float, 0, 1, closed="neither")],
        "sampler": [InstanceOf(SamplerConfig), None],
    }
    _what: ClassVar[str] = "The hierarchical VIE fit"
    _observation_dim: ClassVar[str] = "respondent"

    def __init__(self, respondent: str, expectancy: str | list[str], valence: str | list[str], criterion: str, *,
                 outcome: str | None = None, form: str = "full", family: str = "gaussian",
                 person_slopes: bool | list[str] = False, person_correlation: str = "lkj",
                 expectancy_scale: Scale = PROBABILITY, valence_scale: Scale = BIPOLAR,
                 lkj_eta: float = 2.0, missing: str = "raise", missing_values: Any = (), ci_level: float = 0.9,
                 sampler: SamplerConfig | None = None) -> None:
        self.respondent = respondent
        self.expectancy = expectancy
        self.valence = valence
        self.criterion = criterion
        self.outcome = outcome
        self.form = form
        self.family = family
        self.person_slopes = person_slopes
        self.person_correlation = person_correlation
        self.expectancy_scale = expectancy_scale
        self.valence_scale = valence_scale
        self.lkj_eta = lkj_eta
        self.missing = missing
        self.missing_values = missing_values
        self.ci_level = ci_level
        self.sampler = sampler

    # ------------------------------------------------------------------ the template's hooks
    def _graph(self, prepared: g.Prepared):
        return g.build_graph(prepared)

    def _reuse_key(self, prepared: g.Prepared) -> Hashable:
        return prepared.structure()

    def _log_likelihood(self, prepared: g.Prepared, posterior) -> dict[str, np.ndarray]:
        c, d = posterior.sizes["chain"], posterior.sizes["draw"]
        return {"criterion": g.criterion_loglik(prepared, posterior).reshape(c, d, -1)}

    def _meta_extra(self, prepared: g.Prepared) -> dict[str, Any]:
        return {"priors": g.PRIORS, "terms": list(prepared.terms), "random_terms": list(prepared.random_terms),
                "measurement": {"expectancy": "Beta (probability items)" if prepared.e_kind == "beta"
                                else "ordered logit (Likert items)", "valence": "ordered logit (bipolar items)"}}

    def _meta_fields(self, prepared: g.Prepared) -> dict[str, Any]:
        return {"conventions": {
            "true scores": "E* = expected coded expectancy answer (a probability); V* = expected valence answer "
                           "minus the declared zero",
            "estimate": "posterior mean", "std_error": "posterior standard deviation",
            "loo": "leave-one-respondent-out: the criterion's log-likelihood summed over a respondent's rows"}}

    def _results(self, prepared: g.Prepared, tree, diagnostics, meta) -> BayesVIEResults:
        from sklearn.base import clone

        return BayesVIEResults(prepared, tree, diagnostics, meta, _estimator=clone(self))

    def _prior_check(self, prepared: g.Prepared, prior, seed: int):
        return prior

    def fit(self, data: pd.DataFrame) -> BayesVIEResults:
        """Sample the posterior and return :class:`BayesVIEResults` (gates applied, log-likelihood stored).

        Parameters
        ----------
        data : pandas.DataFrame
            Long data: one row per respondent and outcome.

        Returns
        -------
        BayesVIEResults
        """
        return super().fit(data)
