"""Indirect effects and mediation of a PLS fit, mixed into :class:`~expectmodel.sem.PLSResults`."""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd

from expectmodel.inference import equal_tailed
from expectmodel.sem import mediation


class MediationMixin:
    """Methods of :class:`~expectmodel.sem.PLSResults` (see there): the chains with a mediator and their effects."""

    @cached_property
    def indirect_effects(self) -> pd.DataFrame:
        """Specific indirect effects of every chain with a mediator, then the total indirect effect of each pair.

        A specific effect is the product of the paths along its chain (parallel and serial chains of
        any length); the total indirect effect is the total effect minus the direct path (the sum of
        the pair's specific effects). After a bootstrap the rows carry the bootstrap SE, t, p and the
        percentile and BCa intervals, from the products of the stored path draws (METHODS §1c; no
        Sobel test).

        Returns
        -------
        pandas.DataFrame
            ``source, target, kind ("specific" | "total"), chain, estimate`` (+ inference).

        Examples
        --------
        >>> import expectmodel as em
        >>> res = em.PLS(em.spec.templates.ecsi()).fit(em.simulate.survey(em.spec.templates.ecsi(), 250,
        ...                                            seed=1).data)
        >>> res.indirect_effects.query("kind == 'specific'").chain.iloc[0]
        'Image -> Expectation -> Quality'
        """
        names = self.model.names
        med_src, med_dst = self._mediated_pairs
        spec = pd.DataFrame({"source": [names[c.source] for c in self._chains],
                             "target": [names[c.target] for c in self._chains], "kind": "specific",
                             "chain": [" -> ".join(names[n] for n in c.nodes) for c in self._chains],
                             "estimate": self._points["indirect"]})
        total = pd.DataFrame({"source": [names[i] for i in med_src], "target": [names[j] for j in med_dst],
                              "kind": "total", "chain": "", "estimate": self._points["total_indirect"]})
        for frame, fld in ((spec, "indirect"), (total, "total_indirect")):
            inf = self._inference(fld) if len(frame) else None
            if inf is not None:
                for col, val in inf.items():
                    frame[col] = val
        return pd.concat([spec, total], ignore_index=True)

    @cached_property
    def mediation(self) -> pd.DataFrame:
        """Direct, total indirect and total effect of every pair with a mediated chain, and the share mediated.

        ``vaf`` (variance accounted for, indirect / total) is given only where the indirect and the
        total effect have the same sign, else NaN (Zhao, Lynch & Chen 2010). After a bootstrap the
        table adds the intervals of the direct and the total indirect effect and Zhao et al.'s type
        (``complementary``, ``competitive``, ``indirect-only``, ``direct-only``, ``no effect``).

        Returns
        -------
        pandas.DataFrame
            ``source, target, direct, indirect, total, vaf`` (+ ``direct_ci_low, direct_ci_high,
            indirect_ci_low, indirect_ci_high, type``).

        Examples
        --------
        >>> import expectmodel as em
        >>> res = em.PLS(em.spec.templates.ecsi()).fit(em.simulate.survey(em.spec.templates.ecsi(), 250,
        ...                                            seed=1).data)
        >>> res.mediation.columns.tolist()
        ['source', 'target', 'direct', 'indirect', 'total', 'vaf']
        """
        names = self.model.names
        i, j = self._mediated_pairs
        direct = self.est.paths[0][i, j]
        indirect = self._points["total_indirect"]
        total = self.est.total[0][i, j]
        with np.errstate(invalid="ignore", divide="ignore"):
            vaf = np.where((np.sign(indirect) == np.sign(total)) & (total != 0), indirect / total, np.nan)
        out = pd.DataFrame({"source": [names[a] for a in i], "target": [names[b] for b in j], "direct": direct,
                            "indirect": indirect, "total": total, "vaf": vaf})
        if self.boot is not None and len(out):
            draws = self._replicates[0]
            src, dst = np.nonzero(self.layout.adjacency)
            full = np.zeros((draws["paths"].shape[0], self.layout.m, self.layout.m))
            full[:, src, dst] = draws["paths"]
            d_low, d_high = equal_tailed(full[:, i, j], self.ci_level)
            has_direct = self.layout.adjacency[i, j] > 0
            inf = self._inference("total_indirect")
            assert inf is not None
            out["direct_ci_low"] = np.where(has_direct, d_low, np.nan)
            out["direct_ci_high"] = np.where(has_direct, d_high, np.nan)
            out["indirect_ci_low"], out["indirect_ci_high"] = inf["ci_low"], inf["ci_high"]
            out["type"] = [
                mediation.mediation_type(bool(hd and (lo > 0 or hi < 0)), bool(il > 0 or ih < 0),
                                         bool(np.sign(dv) == np.sign(iv)))
                for hd, lo, hi, il, ih, dv, iv in zip(has_direct, d_low, d_high, inf["ci_low"], inf["ci_high"],
                                                      direct, indirect, strict=True)]
        return out
    @cached_property
    def _chains(self) -> tuple[mediation.Chain, ...]:
        return mediation.chains(self.layout)

    @cached_property
    def _mediated_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """(sources, targets) of the pairs joined by at least one chain with a mediator, in chain order."""
        pairs = list(dict.fromkeys((c.source, c.target) for c in self._chains))
        return np.array([a for a, _ in pairs], dtype=int), np.array([b for _, b in pairs], dtype=int)
