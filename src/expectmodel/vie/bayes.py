"""Hierarchical Bayesian VIE (METHODS §3): latent E and V measured by their items, person-level coefficients.

The model is declared on the :class:`~expectmodel.sampling.BayesianEstimator` template (sampling, gates,
metadata and the log-likelihood group are inherited); the graph is in :mod:`expectmodel.vie._graph`.
Fit the additive, multiplicative and full forms and compare them by leave-one-respondent-out PSIS-LOO
with :func:`compare_forms`.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from expectmodel._base import InstanceOf, Interval, OneOf, Predicate
from expectmodel.data import Scale, apply_missing, read_items
from expectmodel.data import _messages as msg
from expectmodel.data.read import is_codes, parse_codes
from expectmodel.errors import DataError, SpecError
from expectmodel.inference import equal_tailed
from expectmodel.results import DataInfo, Meta, ResultsBase, fingerprint, frame_with_columns, thaw
from expectmodel.sampling import BayesianEstimator, Diagnostics, SamplerConfig
from expectmodel.summary import Summary
from expectmodel.vie import _graph as g
from expectmodel.vie.coding import VIEDesign, check_coding

__all__ = ["BayesVIEResults", "HierarchicalVIE", "compare_forms"]

PROBABILITY = Scale(0, 1, "probability")
BIPOLAR = Scale(-3, 3, "bipolar", zero=0)


def _is_columns(value: object) -> bool:
    return isinstance(value, str) or (isinstance(value, list | tuple) and len(value) > 0
                                      and all(isinstance(v, str) for v in value))


def _is_slopes(value: object) -> bool:
    return (isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)
            and set(value) <= {"E", "V", "E*V"} and len(set(value)) == len(value))


def _cols(value: str | list[str] | tuple[str, ...]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _interval_rows(draws: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    lo, hi = equal_tailed(draws, level)
    return draws.mean(axis=0), draws.std(axis=0, ddof=1), lo, hi


@dataclass(frozen=True, repr=False)
class BayesVIEResults(ResultsBase):
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

    def loo(self):
        """Compute leave-one-respondent-out PSIS-LOO of the criterion (the log-likelihood summed per respondent).

        Uses the shared :func:`expectmodel.sampling.elpd.loo` on the criterion's log-likelihood with each
        respondent's person deviations integrated out.

        Returns
        -------
        arviz ELPDData
            ``elpd``, ``se``, ``pareto_k``...; respondents with Pareto k-hat > 0.7 raise a ``DataWarning``
            that names grouped K-fold (:meth:`kfold`) as the remedy.
        """
        from expectmodel.sampling import elpd

        if "loo" not in self._cache:
            # labelled by respondent (sorted, as elpd.kfold labels its groups), so LOO and K-fold results pair
            # respondent by respondent in elpd.compare
            ll = self.tree["log_likelihood"]["criterion"].values
            self._cache["loo"] = elpd.loo(ll, groups=np.asarray(self.prepared.respondents), obs="respondent")
        return self._cache["loo"]

    def kfold(self, data: pd.DataFrame, *, folds: int = 10, seed: int = 0):
        """Cross-validate this model by grouped K-fold: whole respondents held out, the model refitted K times.

        The remedy when PSIS-LOO's Pareto k-hat exceeds 0.7. Each fold refits a clone of the estimator (same
        settings and sampler) and scores the held-out respondents with :meth:`heldout_log_likelihood`.

        Parameters
        ----------
        data : pandas.DataFrame
            The data this model was fitted to.
        folds : int
            K.
        seed : int
            Seed of the assignment of respondents to folds.

        Returns
        -------
        arviz ELPDDataLOOKFold
            Comparable with :meth:`loo` results in :func:`compare_forms`.

        Raises
        ------
        DataError
            ``data`` is not the data of this fit (its fingerprint differs from ``meta.data.fingerprint``):
            the full fit would then not be the reference of the folds.
        SpecError
            These results carry no estimator to refit.

        Notes
        -----
        The fold fits use the sampler seed this fit recorded (``meta.seed``) when the estimator's sampler
        has none, so a K-fold run is reproducible from the results alone.

        Examples
        --------
        Refitting samples the model K + 1 times, so these lines are skipped when the doctests run:

        >>> import expectmodel as em
        >>> sim = em.vie.simulate_within(200, seed=1)
        >>> est = em.vie.HierarchicalVIE("respondent", ["E1", "E2"], ["V1", "V2"], "y", outcome="outcome")
        >>> res = est.fit(sim.data)  # doctest: +SKIP
        >>> res.kfold(sim.data, folds=5).elpd  # doctest: +SKIP
        """
        from expectmodel.sampling import elpd

        if self._estimator is None:
            raise SpecError("these results carry no estimator to refit; refit them with HierarchicalVIE.fit.")
        est = self._estimator
        if not isinstance(data, pd.DataFrame):
            raise DataError(f"kfold needs the data as a pandas DataFrame; got {type(data).__name__}.")
        seen = est._data_info(est._prepare(data)).fingerprint
        if seen != self.meta.data.fingerprint:
            raise DataError(f"kfold needs the data this model was fitted to (fingerprint "
                            f"{self.meta.data.fingerprint}); these data differ (fingerprint {seen}: other rows, "
                            "answers or respondents). Pass the fit's data, or fit the estimator to these data first.")
        config = est.sampler_config()
        if config.seed is None:  # the folds reuse the seed this fit drew and recorded
            from sklearn.base import clone

            est = clone(est).set_params(sampler=config.replace(seed=int(self.meta.seed)))
        return elpd.kfold(est, data, groups=est.respondent, folds=folds, seed=seed, full=self)

    def heldout_log_likelihood(self, data: pd.DataFrame, *, proposals: int = 128, resamples: int = 64,
                               seed: int = 0) -> pd.DataFrame:
        """Log predictive density of new respondents' criteria given their items, per posterior draw.

        The held-out respondents' own parameters are integrated out per posterior draw: their person
        deviations analytically (gaussian criterion: the rows are jointly normal) or over 64 fixed normal
        draws (Bernoulli); their latent E and V per row by sampling-importance-resampling: ``proposals``
        draws from the population distribution N(mu_k, sigma), weighted by the likelihood of the row's own
        expectancy and valence items, ``resamples`` of them kept. This is what
        :func:`expectmodel.sampling.elpd.kfold` needs for grouped K-fold cross-validation.

        Parameters
        ----------
        data : pandas.DataFrame
            Long rows of held-out respondents, with the fit's columns; their outcomes must be among the fit's.
        proposals, resamples : int
            Monte Carlo draws per row and posterior draw (see above).
        seed : int
            Seed of the Monte Carlo draws.

        Returns
        -------
        pandas.DataFrame
            Shape (posterior draws, held-out respondents): log p(y_n | items_n, draw), columns the
            respondent labels.

        Raises
        ------
        DataError
            The rows fail the fit's data checks, or name an outcome the fit did not see.

        Examples
        --------
        A fit samples (seconds to minutes), so these lines are skipped when the doctests run:

        >>> import expectmodel as em
        >>> sim = em.vie.simulate_within(240, seed=1)
        >>> train, test = sim.data[sim.data["respondent"] <= 200], sim.data[sim.data["respondent"] > 200]
        >>> est = em.vie.HierarchicalVIE("respondent", ["E1", "E2"], ["V1", "V2"], "y", outcome="outcome")
        >>> ll = est.fit(train).heldout_log_likelihood(test)  # doctest: +SKIP
        >>> ll.shape  # (posterior draws, 40 held-out respondents)  # doctest: +SKIP
        (2000, 40)
        """
        if self._estimator is None:
            raise SpecError("these results carry no estimator to prepare new rows with; refit them.")
        p = self.prepared
        q = self._estimator._prepare(data)
        where = {o: k for k, o in enumerate(p.outcomes)}
        unseen = [o for o in q.outcomes if o not in where]
        if unseen:
            raise DataError(f"The held-out rows name outcome(s) the fit did not see: {', '.join(map(repr, unseen))}; "
                            f"the fit knows {', '.join(map(repr, p.outcomes))}.")
        outcome = np.array([where[o] for o in q.outcomes], dtype=np.int64)[q.outcome]
        if p.e_kind == "beta":  # squeeze the held-out probabilities as the fit's were (its count of answers)
            n_q, n_p = int(q.e_answered.sum()), int(p.e_answered.sum())
            raw = (q.e_values * n_q - 0.5) / (n_q - 1)
            q = replace(q, e_values=np.where(q.e_answered, (raw * (n_p - 1) + 0.5) / n_p, 0.5))
        ll = g.heldout_loglik(p, q, outcome, self.posterior, proposals=proposals, resamples=resamples, seed=seed)
        return pd.DataFrame(ll, columns=pd.Index(list(q.respondents), name="respondent"))

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


def compare_forms(fits: Mapping[str, BayesVIEResults], *, method: str = "loo", data: pd.DataFrame | None = None,
                  folds: int = 10, seed: int = 0) -> pd.DataFrame:
    """Compare fitted forms (additive, multiplicative, full) by leave-one-respondent-out PSIS-LOO or grouped K-fold.

    Parameters
    ----------
    fits : mapping of name to BayesVIEResults
        Two or more fits to the same respondents.
    method : {"loo", "kfold"}
        PSIS-LOO from the stored log-likelihood, or grouped K-fold (every fit refitted ``folds`` times with
        whole respondents held out; use it when PSIS-LOO warns about Pareto k-hat > 0.7).
    data : pandas.DataFrame, optional
        The data the fits were made on (needed for ``method="kfold"``).
    folds : int
        K of the K-fold route.
    seed : int
        Seed of the assignment of respondents to folds (the same for every fit, so the folds are paired).

    Returns
    -------
    pandas.DataFrame
        :func:`expectmodel.sampling.elpd.compare`'s table, best first: ``elpd``, ``se``, ``elpd_diff``,
        ``dse``, ``z``, ``weight``, ``method``, ``n_high_k``.

    Raises
    ------
    SpecError
        Fewer than two fits, fits to different respondents, or ``method="kfold"`` without ``data``.

    Examples
    --------
    >>> compare_forms({"full": None})
    Traceback (most recent call last):
    ...
    expectmodel.errors.SpecError: compare_forms needs at least two fitted models.
    """
    from expectmodel.sampling import elpd

    if len(fits) < 2:
        raise SpecError("compare_forms needs at least two fitted models.")
    if method not in ("loo", "kfold"):
        raise SpecError(f"method must be 'loo' or 'kfold'; got {method!r}.")
    keys = {k: f.prepared.respondents for k, f in fits.items()}
    if len({v for v in keys.values()}) > 1:
        raise SpecError("the fits were made on different respondents; compare fits of the same data.")
    if method == "loo":
        return elpd.compare({k: f.loo() for k, f in fits.items()})
    if data is None:
        raise SpecError("method='kfold' refits every form, so it needs the data they were fitted to: pass data=.")
    return elpd.compare({k: f.kfold(data, folds=folds, seed=seed) for k, f in fits.items()})


class HierarchicalVIE(BayesianEstimator):
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

    # ------------------------------------------------------------------ data
    def _prepare(self, data: pd.DataFrame) -> g.Prepared:
        if not isinstance(data, pd.DataFrame):
            raise msg.not_a_frame(data)
        e_cols, v_cols = _cols(self.expectancy), _cols(self.valence)
        es, vs = self.expectancy_scale, self.valence_scale
        design = VIEDesign(expectancy={"row": e_cols[0]}, valence={"row": v_cols[0]}, expectancy_scale=es,
                           valence_scale=vs)
        coding = check_coding(design, "additive" if self.form == "additive" else "full")
        if vs.kind != "bipolar" and self.form != "additive":  # pragma: no cover - check_coding refuses it
            raise SpecError("the valence scale needs a declared zero.")
        if not (vs.low.is_integer() and vs.high.is_integer()):
            raise SpecError(f"The valence items are measured as ordinal answers and need whole categories; the "
                            f"scale {vs.describe()} has fractional ends.")
        if es.kind not in ("probability", "likert"):
            raise SpecError(f"The expectancy items must be probabilities (Beta measurement) or Likert answers "
                            f"(ordinal); got a {es.kind} scale.")
        ids = [self.respondent] + ([self.outcome] if self.outcome else [])
        absent = [c for c in ids if c not in data.columns]
        if absent:
            raise msg.not_found(absent, data.columns.tolist(), {c: "id column" for c in absent}, noun="Column(s)")
        owner = {**{c: "expectancy item" for c in e_cols}, **{c: "valence item" for c in v_cols},
                 self.criterion: "criterion"}
        scales = {**{c: es for c in e_cols}, **{c: vs for c in v_cols}, self.criterion: None}
        items = apply_missing(read_items(data, [*e_cols, *v_cols, self.criterion], scales=scales,
                                         missing_values=self.missing_values, owner=owner), self.missing)
        x = np.asarray(items.values)
        je, jv = len(e_cols), len(v_cols)
        ev, vv, y = x[:, :je], x[:, je:je + jv], x[:, -1]
        for j, c in enumerate(v_cols):
            if not np.all(vv[:, j] == np.round(vv[:, j])):
                raise DataError(f"Column '{c}' (valence item) holds answers that are not whole categories; the "
                                "valence items are modelled as ordinal answers.")
        for name, col in (("criterion", y), *((c, ev[:, j]) for j, c in enumerate(e_cols)),
                          *((c, vv[:, j]) for j, c in enumerate(v_cols))):
            if np.ptp(col) == 0:
                raise DataError(f"Column '{name}' has no variance (every value {col[0]:g}); it cannot inform the "
                                "model.")
        if self.family == "bernoulli" and not np.isin(y, (0, 1)).all():
            raise DataError(f"family='bernoulli' needs a 0/1 criterion; '{self.criterion}' holds "
                            f"{y[~np.isin(y, (0, 1))][0]:g}.")
        rows = data.loc[items.index]
        resp_codes, respondents = pd.factorize(rows[self.respondent], sort=False)
        respondents = respondents.tolist()
        if (resp_codes < 0).any():
            raise DataError(f"Column '{self.respondent}' has missing respondent ids.")
        counts = np.bincount(resp_codes)
        if self.person_slopes and (counts < 2).any():
            single = [respondents[i].item() if isinstance(respondents[i], np.generic) else respondents[i]
                      for i in np.flatnonzero(counts < 2)]
            shown = ", ".join(map(repr, single[:5])) + (f" and {len(single) - 5} more" if len(single) > 5 else "")
            raise DataError(f"{len(single)} respondent(s) have a single within-subject row ({shown}): person-level "
                            "slopes need at least 2 rows each. Drop them, or fit person_slopes=False.")
        if self.outcome:
            out_codes, outcomes = pd.factorize(rows[self.outcome].astype(str), sort=False)
        else:
            out_codes, outcomes = np.zeros(len(rows), dtype=np.int64), pd.Index(["all"])
        if es.kind == "probability":
            e_prob = ev / es.high
            e_values = g.squeeze_probabilities(e_prob, np.ones_like(e_prob, dtype=bool))
            e_kind, e_cat = "beta", 0
            e_manifest = e_prob.mean(axis=1)
        else:
            e_values = (ev - es.low).astype(np.int64)
            e_kind, e_cat = "ordinal", int(es.high - es.low) + 1
            e_manifest = ((ev - es.low) / (es.high - es.low)).mean(axis=1)
        v_values = (vv - vs.low).astype(np.int64)
        v_origin = coding["valence"]["origin"]
        manifest = np.column_stack([e_manifest, (vv - v_origin).mean(axis=1)])
        return g.Prepared(
            respondents=tuple(respondents), outcomes=tuple(map(str, outcomes)), resp=resp_codes.astype(np.int64),
            outcome=np.asarray(out_codes, dtype=np.int64), e_kind=e_kind, e_values=np.asarray(e_values, float)
            if e_kind == "beta" else e_values, e_answered=np.ones_like(ev, dtype=bool), e_categories=e_cat,
            v_values=v_values, v_answered=np.ones_like(vv, dtype=bool), v_categories=int(vs.high - vs.low) + 1,
            v_low_minus_zero=float(vs.low - v_origin), y=y.astype(float), family=self.family, form=self.form,
            person_slopes=self._slope_terms(), lkj_eta=float(self.lkj_eta), manifest=manifest,
            person_correlation=self.person_correlation,
            index=items.index, n_input=items.n_rows_in)

    def _slope_terms(self) -> tuple[str, ...]:
        terms = g.FORM_TERMS[self.form]
        if self.person_slopes is True:
            return terms
        if self.person_slopes is False:
            return ()
        absent = [t for t in self.person_slopes if t not in terms]
        if absent:
            raise SpecError(f"person_slopes names {', '.join(map(repr, absent))}, which the {self.form} form does not "
                            f"have (its terms: {', '.join(terms)}); name slopes among them.")
        return tuple(t for t in terms if t in self.person_slopes)

    # ------------------------------------------------------------------ the template's hooks
    def _graph(self, prepared: g.Prepared):
        return g.build_graph(prepared)

    def _reuse_key(self, prepared: g.Prepared) -> Hashable:
        return prepared.structure()

    def _log_likelihood(self, prepared: g.Prepared, posterior) -> dict[str, np.ndarray]:
        c, d = posterior.sizes["chain"], posterior.sizes["draw"]
        return {"criterion": g.criterion_loglik(prepared, posterior).reshape(c, d, -1)}

    def _data_info(self, prepared: g.Prepared) -> DataInfo:
        e_cols, v_cols = _cols(self.expectancy), _cols(self.valence)
        return DataInfo(n_input=prepared.n_input, n_used=int(prepared.resp.size),
                        n_dropped=prepared.n_input - int(prepared.resp.size), missing=self.missing,
                        missing_values=parse_codes(self.missing_values),
                        columns=(self.respondent, *e_cols, *v_cols, self.criterion),
                        fingerprint=fingerprint(prepared.y, prepared.manifest, list(map(str, prepared.respondents))),
                        extra={"respondents": prepared.N, "outcomes": list(prepared.outcomes)})

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
