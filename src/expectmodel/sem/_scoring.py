"""Scoring new respondents and PLSpredict, mixed into :class:`~expectmodel.sem.PLSResults`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from expectmodel.errors import SpecError
from expectmodel.sem._estimates import index_weights

if TYPE_CHECKING:
    from expectmodel.sem.predict import PLSPredictResults


class ScoringMixin:
    """Methods of :class:`~expectmodel.sem.PLSResults` (see there)."""

    def scoring_spec(self) -> dict[str, Any]:
        """Describe how to score new respondents (program ``pls_composite`` of :func:`expectmodel_scorer.score`).

        It holds what scoring new respondents needs and nothing about the respondents of the fit:
        the training means and SDs (items are standardised with them), the standardised outer
        weights (construct scores on the fit's scaling: unit variance in the training data), the
        rescaled weights ``omega`` and the declared scale ends behind each respondent's 0-100 index,
        the missing-answer codes, and the fit's missing-data policy (``"mean"``/``"pairwise"``: a
        missing answer enters at the training mean; ``"listwise"``: the respondent gets NaN;
        ``"raise"``: an error; ``"em"``: the training mean too, where the fit's own scores use the
        conditional mean given the respondent's other answers).

        Returns
        -------
        dict
            ``program``, ``inputs`` (one per indicator, in the model's order), ``outputs`` (the
            construct names, then ``<construct>_index`` for each construct with a declared scale),
            ``arrays`` and ``settings``; see :mod:`expectmodel_scorer.programs`.

        Examples
        --------
        >>> import expectmodel as em
        >>> from expectmodel_scorer import score
        >>> survey = em.datasets.load_csi_survey()
        >>> res = em.PLS(em.spec.templates.ecsi(), scale=(1, 10), missing_values=-99,
        ...              missing="mean").fit(survey)
        >>> spec = res.scoring_spec()
        >>> spec["program"], spec["outputs"][:2], spec["outputs"][-1]
        ('pls_composite', ['Image', 'Expectation'], 'Loyalty_index')
        >>> scored = score(spec, survey)
        >>> bool(abs(scored["Satisfaction_index"].mean() - res.index.loc["Satisfaction", "index"]) < 1e-9)
        True
        """
        if self.higher_order is not None:
            raise SpecError("Scoring new data with a higher-order model is not supported: its items are "
                            "stage-one scores or copied columns. Score the first-order model instead.")
        if self.moderation is not None:
            raise SpecError("Scoring new data with a model with product terms (X:M) is not supported: the product "
                            "items depend on the training fit. Score the main-effects model instead.")
        p, layout = self.prepared, self.layout
        names = list(self.model.names)
        declared = [kk for kk in range(layout.m) if np.isfinite(self.est.index[0, kk])]
        omega_own = index_weights(self.est.weights, self.sd[None], layout)[0]
        omega = np.zeros((layout.p, len(declared)))
        for col, kk in enumerate(declared):
            idx = layout.blocks[kk]
            omega[idx, col] = omega_own[idx]
        low = np.where(np.isnan(p.scale_low), 0.0, p.scale_low)
        high = np.where(np.isnan(p.scale_high), 1.0, p.scale_high)
        with np.errstate(invalid="ignore"):
            seen_low, seen_high = np.nanmin(p.values, axis=0), np.nanmax(p.values, axis=0)
        inputs = [{"column": col, "kind": "float",
                   "scale": None if np.isnan(p.scale_low[j]) else [float(p.scale_low[j]), float(p.scale_high[j])],
                   "codes": None, "missing_codes": [float(c) for c in p.missing_values],
                   "range": [float(seen_low[j]), float(seen_high[j])]}
                  for j, col in enumerate(p.columns)]
        return {
            "program": "pls_composite",
            "inputs": inputs,
            "outputs": names + [f"{names[kk]}_index" for kk in declared],
            "arrays": {"mean": self.mean.copy(), "sd": self.sd.copy(), "weights": self.est.weights_full[0].copy(),
                       "scale_low": low, "scale_high": high, "omega": omega},
            "settings": {"missing": p.missing, "columns": list(p.columns), "constructs": names,
                         "index_constructs": [names[kk] for kk in declared]},
        }

    def predict(self, new_data: pd.DataFrame, *, kind: str = "scores", route: str = "DA") -> pd.DataFrame:
        """Score new respondents: construct scores, 0-100 indices, or predictions through the inner model.

        The construct scores and indices come from :func:`expectmodel_scorer.score` under
        :meth:`scoring_spec` (one scoring implementation for the package and the standalone scorer).
        Predictions through the structural model follow PLSpredict (Shmueli et al. 2016; seminr's
        ``predict_pls``): the endogenous construct scores are predicted from their direct
        antecedents' scores (``route="DA"``) or from the exogenous constructs' scores through the
        whole model (``"EA"``), and an endogenous construct's indicators are its predicted score times
        the loading, back on the data's scale (``* sd + mean`` of the training data). A PLSc fit predicts
        with its PLS weights and its corrected paths and loadings.

        Parameters
        ----------
        new_data : pandas.DataFrame
            One row per respondent with every indicator column (other columns are ignored); the
            fit's missing codes and missing-data policy apply.
        kind : {"scores", "index", "constructs", "indicators"}
            ``"scores"``: every construct's score from the respondent's answers (the fit's scaling);
            ``"index"``: each respondent's 0-100 index per construct with a declared scale (its mean
            over the training respondents is :attr:`index`); ``"constructs"``: the endogenous
            constructs' scores predicted by the inner model; ``"indicators"``: the endogenous
            constructs' indicators predicted by the inner model, in the data's units.
        route : {"DA", "EA"}
            Direct or earliest antecedents (for ``"constructs"`` and ``"indicators"``).

        Returns
        -------
        pandas.DataFrame
            One row per row of ``new_data`` (its index kept); NaN rows for incomplete respondents
            under ``missing="listwise"``.

        Raises
        ------
        ParameterError
            For an unknown ``kind`` or ``route``.
        DataError
            When an indicator column is missing or not numeric, or an answer is missing under
            ``missing="raise"``.

        Examples
        --------
        >>> import numpy as np
        >>> import expectmodel as em
        >>> survey = em.datasets.load_csi_survey()
        >>> res = em.PLS(em.spec.templates.ecsi(), scale=(1, 10), missing_values=-99,
        ...              missing="mean").fit(survey)
        >>> bool(np.allclose(res.predict(survey), res.scores, atol=1e-10))
        True
        >>> res.predict(survey.head(2), kind="indicators").columns[:2].tolist()
        ['CUEX1', 'CUEX2']
        """
        from expectmodel.errors import DataError, ParameterError
        from expectmodel.sem.predict import predict_constructs
        from expectmodel_scorer import ScoringError, score

        if kind not in ("scores", "index", "constructs", "indicators"):
            raise ParameterError(f"predict(kind={kind!r}): use 'scores', 'index', 'constructs' or 'indicators'.")
        if route not in ("DA", "EA"):
            raise ParameterError(f"predict(route={route!r}): use 'DA' (direct antecedents) or 'EA' "
                                 "(earliest antecedents).")
        if kind == "index":
            self._require_scale("0-100 index")
        spec = self.scoring_spec()
        try:
            out = score(spec, new_data)
        except ScoringError as exc:
            raise DataError(str(exc)) from None
        names = list(self.model.names)
        if kind == "scores":
            return out[names]
        if kind == "index":
            part = out[[f"{c}_index" for c in spec["settings"]["index_constructs"]]]
            return part.set_axis(spec["settings"]["index_constructs"], axis=1)
        endo = list(self.layout.endogenous)
        pred = predict_constructs(out[names].to_numpy(), self.est.paths[0], self.layout, route)
        if kind == "constructs":
            return pd.DataFrame(pred[:, endo], index=out.index, columns=[names[kk] for kk in endo])
        items = np.concatenate([self.layout.blocks[kk] for kk in endo])
        own = self.layout.block_of[items]
        values = pred[:, own] * self.est.loadings[0, items] * self.sd[items] + self.mean[items]
        return pd.DataFrame(values, index=out.index, columns=[self.model.indicators[i] for i in items])

    def plspredict(self, folds: int = 10, repetitions: int = 10, *, route: str = "DA",
                   benchmark: str = "exogenous", seed: int | None = None) -> PLSPredictResults:
        """Run PLSpredict (Shmueli et al. 2016, 2019): k-fold cross-validated prediction, repeated.

        Every training part of every repetition is refitted in one batch; holdout respondents are
        standardised with the training means and SDs, scored with the training weights and predicted
        through the training paths and loadings (``route``). The same folds serve the LM and IA
        benchmarks and CVPAT.

        Parameters
        ----------
        folds : int, default 10
            Folds per repetition (2 to n).
        repetitions : int, default 10
            Independent random fold assignments.
        route : {"DA", "EA"}
            Direct or earliest antecedents (see :meth:`predict`).
        benchmark : {"exogenous", "antecedents"}
            The LM benchmark regresses each endogenous indicator on all exogenous constructs' indicators
            (Shmueli et al. 2019, SmartPLS) or on its construct's direct antecedents' indicators (seminr).
        seed : int, optional
            Seed of the fold assignments (``None`` draws one, recorded in ``meta.seed``).

        Returns
        -------
        PLSPredictResults

        Raises
        ------
        ParameterError
            For settings outside their ranges, or a fit with ``missing="pairwise"`` (PLSpredict needs
            complete rows).

        Examples
        --------
        >>> import expectmodel as em
        >>> survey = em.simulate.survey(em.spec.templates.ecsi(), 250, seed=1).data
        >>> cv = em.PLS(em.spec.templates.ecsi()).fit(survey).plspredict(folds=5, repetitions=2, seed=3)
        >>> cv.folds.shape
        (2, 250)
        """
        import dataclasses

        from expectmodel._base import resolve_seed
        from expectmodel.errors import ParameterError
        from expectmodel.sem.predict import PLSPredictResults, cross_validate, fold_assignment

        n = self.n
        if not isinstance(folds, int | np.integer) or not 2 <= folds <= n:
            raise ParameterError(f"plspredict(folds={folds!r}): use a whole number from 2 to n = {n}.")
        if not isinstance(repetitions, int | np.integer) or repetitions < 1:
            raise ParameterError(f"plspredict(repetitions={repetitions!r}): use a whole number of at least 1.")
        if route not in ("DA", "EA"):
            raise ParameterError(f"plspredict(route={route!r}): use 'DA' or 'EA'.")
        if benchmark not in ("exogenous", "antecedents"):
            raise ParameterError(f"plspredict(benchmark={benchmark!r}): use 'exogenous' or 'antecedents'.")
        if self.prepared.pairwise is not None:
            raise ParameterError("plspredict needs complete rows; refit with missing='listwise' or 'mean'.")
        if self.moderation is not None:
            raise SpecError("plspredict of a model with product terms (X:M) is not supported (the product items "
                            "would leak the holdout rows); run it on the main-effects model.")
        if not self.layout.endogenous:
            raise ParameterError("plspredict needs an endogenous construct to predict.")
        seed = resolve_seed(seed)
        assignment = fold_assignment(n, int(folds), int(repetitions), seed)
        cv = cross_validate(self.prepared.values, self.layout, self.options, assignment, route, benchmark,
                            self.row_weights)
        names = self.model.names
        extra = {**self.meta.extra, "plspredict": {"folds": int(folds), "repetitions": int(repetitions),
                                                   "route": route, "benchmark": benchmark, "seed": seed,
                                                   "n_failed": cv.n_failed}}
        meta = dataclasses.replace(self.meta, seed=seed, extra=extra, ci_method="none")
        return PLSPredictResults(self.model, cv, tuple(self.model.indicators[i] for i in cv.items),
                                 tuple(names[self.layout.block_of[i]] for i in cv.items), route, benchmark, meta)
