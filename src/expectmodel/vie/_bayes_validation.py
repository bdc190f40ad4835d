"""Cross-validation of a hierarchical Bayesian VIE fit: PSIS-LOO, grouped K-fold, held-out likelihood, forms compared.

:class:`CrossValidationMixin` holds the methods of :class:`~expectmodel.vie.BayesVIEResults` that score the
model on left-out respondents; :func:`compare_forms` ranks fitted forms by them. Both are re-exported by
:mod:`expectmodel.vie.bayes`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from expectmodel.errors import DataError, SpecError
from expectmodel.vie import _graph as g

if TYPE_CHECKING:
    from expectmodel.vie.bayes import BayesVIEResults


class CrossValidationMixin:
    """Methods of :class:`~expectmodel.vie.BayesVIEResults` (see there): leave-one-respondent-out scores."""

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
