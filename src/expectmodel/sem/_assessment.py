"""Model assessment of a PLS fit, mixed into :class:`~expectmodel.sem.PLSResults`: overall model fit (SRMR,
d_ULS, d_G, NFI, GoF) and the quality criteria (reliability, HTMT, Fornell-Larcker, VIFs, f^2)."""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd

from expectmodel.sem import quality
from expectmodel.sem._replicates import _point_fields


class AssessmentMixin:
    """Methods of :class:`~expectmodel.sem.PLSResults` (see there): model fit and quality criteria."""

    # -- model fit -----------------------------------------------------------------------------
    @cached_property
    def _composite_blocks(self) -> np.ndarray:
        """(m,) bool: blocks whose indicator correlations the model leaves free (composites, single items)."""
        return np.array([c.kind == "composite" or len(c.indicators) == 1 for c in self.model.constructs])

    @cached_property
    def implied_correlations(self) -> dict[str, pd.DataFrame]:
        """The model-implied indicator correlations of the saturated and the estimated model (see :attr:`model_fit`)."""
        from expectmodel.sem.modelfit import implied_correlations

        items = list(self.model.indicators)
        return {kind: pd.DataFrame(implied_correlations(self.est, self.s[None], self.layout, self._composite_blocks,
                                                        saturated=kind == "saturated")[0], index=items, columns=items)
                for kind in ("saturated", "estimated")}

    @cached_property
    def model_fit(self) -> pd.DataFrame:
        """Overall model fit: SRMR, d_ULS, d_G and NFI of the saturated and the estimated model.

        The model-implied correlations follow cSEM (composite blocks keep their indicator correlations,
        reflective blocks imply a common factor; the saturated model leaves the construct correlations
        free, the estimated one imposes the structural model); see :mod:`expectmodel.sem.modelfit`.
        With ``PLS(fit_test=B)`` the Bollen-Stine bootstrap adds the 95% and 99% quantiles of each
        discrepancy under the model (``hi95``, ``hi99``: the model fits at that level when the value is
        below them) and the bootstrap p-value (the share of resampled discrepancies at least as large).

        Returns
        -------
        pandas.DataFrame
            ``measure, model, estimate, hi95, hi99, p``.

        Examples
        --------
        >>> import expectmodel as em
        >>> res = em.PLS(em.spec.templates.ecsi()).fit(em.simulate.survey(em.spec.templates.ecsi(), 250,
        ...                                            seed=1).data)
        >>> res.model_fit[["measure", "model"]].head(2).values.tolist()
        [['SRMR', 'saturated'], ['SRMR', 'estimated']]
        """
        from expectmodel.sem.modelfit import DISCREPANCIES, discrepancies

        rows = []
        values = {kind: discrepancies(self.s[None], frame.to_numpy()[None])[0]
                  for kind, frame in self.implied_correlations.items()}
        for j, measure in enumerate(DISCREPANCIES):
            for kind, pos in (("saturated", 0), ("estimated", 1)):
                hi95 = hi99 = p = np.nan
                if self.fit_draws is not None and measure != "NFI":
                    draws = self.fit_draws[pos][:, j]
                    draws = draws[np.isfinite(draws)]
                    hi95, hi99 = np.quantile(draws, [0.95, 0.99])
                    p = float(np.mean(draws >= values[kind][j]))
                rows.append((measure, kind, values[kind][j], hi95, hi99, p))
        return pd.DataFrame(rows, columns=["measure", "model", "estimate", "hi95", "hi99", "p"])

    @cached_property
    def gof(self) -> float:
        """Tenenhaus et al.'s GoF index, sqrt(mean communality x mean R^2): asked for in ECSI papers, not a fit test."""
        from expectmodel.sem.modelfit import gof

        return gof(self.est.loadings[0], self.est.r2[0], self.layout)
    # -- quality criteria ---------------------------------------------------------------------
    @cached_property
    def reliability(self) -> pd.DataFrame:
        """Cronbach's alpha, rho_A, rho_C and AVE per construct."""
        lam = self.est.loadings[0]
        return pd.DataFrame({
            "alpha": quality.cronbach_alpha(self.s, self.layout),
            "rhoA": self.est.rho_a[0],
            "rhoC": quality.rho_c(lam, self.layout),
            "AVE": quality.ave(lam, self.layout),
        }, index=pd.Index(self.model.names, name="construct"))

    @cached_property
    def htmt(self) -> pd.DataFrame:
        """Heterotrait-monotrait ratios (symmetric)."""
        names = list(self.model.names)
        return pd.DataFrame(quality.htmt(self.s, self.layout), index=names, columns=names)

    @cached_property
    def htmt_inference(self) -> pd.DataFrame:
        """HTMT of every pair of constructs, one row each, with inference after a bootstrap.

        After a bootstrap the rows carry the bootstrap SE and percentile / BCa intervals (HTMT
        inference, Henseler et al. 2015).

        Discriminant validity is established for a pair when the upper limit is below 1 (or 0.90 /
        0.85 for the stricter rules). The test at the 5% level uses a one-sided bound: fit with
        ``ci_level=0.90`` and read ``ci_high``.
        """
        names = self.model.names
        upper = np.triu_indices(self.layout.m, 1)
        out = pd.DataFrame({"construct_1": [names[i] for i in upper[0]], "construct_2": [names[j] for j in upper[1]],
                            "htmt": _point_fields(self)["htmt"]})
        inf = self._inference("htmt")
        if inf is not None:
            for col in ("std_error", "ci_low", "ci_high", "bca_low", "bca_high"):
                if col in inf:
                    out[col] = inf[col]
        return out

    @cached_property
    def fornell_larcker(self) -> pd.DataFrame:
        """sqrt(AVE) on the diagonal, construct correlations below it (NaN above)."""
        c = self.est.corr_used[0].copy()
        c[np.triu_indices_from(c, 1)] = np.nan
        np.fill_diagonal(c, np.sqrt(self.reliability["AVE"].to_numpy()))
        names = list(self.model.names)
        return pd.DataFrame(c, index=names, columns=names)

    @cached_property
    def outer_vif(self) -> pd.DataFrame:
        """VIF of each indicator within its block."""
        out = self.outer[["construct", "indicator"]].copy()
        out["vif"] = quality.outer_vif(self.s, self.layout)
        return out

    def _pair_table(self, values: dict[tuple[int, int], float], column: str) -> pd.DataFrame:
        names = self.model.names
        return pd.DataFrame([(names[i], names[j], v) for (i, j), v in values.items()],
                            columns=["source", "target", column])

    @cached_property
    def inner_vif(self) -> pd.DataFrame:
        """VIF of each antecedent among the antecedents of its target."""
        return self._pair_table(quality.inner_vif(self.est.corr_used[0], self.layout), "vif")

    @cached_property
    def f2(self) -> pd.DataFrame:
        """Cohen's f^2 effect size of each path."""
        return self._pair_table(quality.f_squared(self.est.corr_used[0], self.layout), "f2")
