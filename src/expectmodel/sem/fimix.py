"""FIMIX-PLS: finite-mixture segmentation of the inner model (Hahn et al. 2002; Sarstedt et al. 2011).

Every endogenous construct's equation ``eta_j = B_sj' eta_pred(j) + zeta_sj``, ``zeta_sj ~ N(0, psi_sj)``, may
differ by latent segment ``s``; the respondents' construct scores (from the PLS fit) are the data. EM from many
random starts: the E-step gives each respondent's posterior segment probabilities, the M-step weighted OLS per
segment and equation, the residual variances and the segment shares; the start with the largest
log-likelihood is kept. Retention criteria (smaller is better, EN larger): AIC, AIC3, BIC, CAIC and the
normed entropy EN = 1 - sum -p log p / (n log S).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import logsumexp

from expectmodel.results import frame_with_columns
from expectmodel.sem._tables import SideReport, records
from expectmodel.summary import Summary

__all__ = ["FIMIX", "fimix"]


@dataclass(frozen=True, eq=False)
class FIMIX(SideReport):
    """The FIMIX-PLS segmentations of one fit: retention criteria and, per number of segments, the solution.

    Attributes
    ----------
    criteria : pandas.DataFrame
        One row per number of segments: ``segments, loglik, parameters, AIC, AIC3, BIC, CAIC, EN``.
    paths : dict of int to pandas.DataFrame
        Per number of segments, the paths (rows ``source, target``) by segment (columns).
    sizes : dict of int to pandas.Series
        Per number of segments, the segment shares.
    posterior : dict of int to numpy.ndarray
        Per number of segments, each respondent's segment probabilities (n, S).
    """

    criteria: pd.DataFrame
    paths: dict[int, pd.DataFrame] = field(default_factory=dict)
    sizes: dict[int, pd.Series] = field(default_factory=dict)
    posterior: dict[int, np.ndarray] = field(default_factory=dict)

    def memberships(self, segments: int) -> np.ndarray:
        """Each respondent's most probable segment (0-based) in the ``segments``-segment solution.

        Parameters
        ----------
        segments : int
            A number of segments that was fitted.

        Returns
        -------
        numpy.ndarray
        """
        return self.posterior[segments].argmax(axis=1)

    @property
    def seed(self) -> int | None:
        """The seed of the EM starts."""
        return self.criteria.attrs.get("seed")

    def to_frame(self) -> pd.DataFrame:
        """Return every solution as tidy rows: ``kind`` ``fimix_path``, ``fimix_share`` and ``fimix_criterion``.

        Paths are ``lhs ~ rhs`` (target ~ source) with ``group`` the segment; shares have ``lhs`` the segment;
        criteria ``lhs`` the criterion. The ``segments`` column names the solution.

        Returns
        -------
        pandas.DataFrame
            :data:`~expectmodel.results.PARAMETER_COLUMNS`, then ``segments``.
        """
        parts = []
        for k in self.criteria["segments"]:
            k = int(k)
            long = self.paths[k].stack().rename("estimate").reset_index()
            parts.append(pd.DataFrame({"kind": "fimix_path", "lhs": long["target"], "op": "~", "rhs": long["source"],
                                       "group": long.iloc[:, 2], "estimate": long["estimate"], "segments": k}))
            sizes = self.sizes[k]
            parts.append(pd.DataFrame({"kind": "fimix_share", "lhs": list(sizes.index), "op": "share", "rhs": "",
                                       "group": list(sizes.index), "estimate": sizes.to_numpy(), "segments": k}))
            row = self.criteria[self.criteria["segments"] == k].iloc[0]
            names = ["loglik", "AIC", "AIC3", "BIC", "CAIC", "EN"]
            parts.append(pd.DataFrame({"kind": "fimix_criterion", "lhs": names, "op": "criterion", "rhs": "",
                                       "group": "", "estimate": [float(row[c]) for c in names], "segments": k}))
        return frame_with_columns(pd.concat(parts, ignore_index=True))

    def summary(self, digits: int = 3) -> Summary:
        """Return the retention criteria and each solution's paths and shares as a :class:`~expectmodel.Summary`.

        Parameters
        ----------
        digits : int, default 3
            Decimals shown.

        Returns
        -------
        Summary
        """
        s = Summary("FIMIX-PLS segmentation", digits=digits)
        s.facts = {"Solutions": ", ".join(str(int(k)) for k in self.criteria["segments"]),
                   "Seed": str(self.seed)}
        s.add_table("Retention criteria (smaller is better; EN larger)", self.criteria.set_index("segments"))
        for k in self.criteria["segments"]:
            k = int(k)
            if k > 1:
                s.add_table(f"{k} segments: paths", self.paths[k])
                s.add_table(f"{k} segments: shares", self.sizes[k].to_frame())
        s.notes.append("Retain the number of segments that AIC3 and CAIC agree on, with EN above 0.5 "
                       "(Sarstedt et al. 2011).")
        return s

    def to_dict(self) -> dict[str, Any]:
        """Return the criteria and every solution's paths and shares as a JSON-ready dictionary.

        Returns
        -------
        dict
            ``analysis, seed, criteria, solutions`` (per number of segments: ``paths`` rows and ``shares``).
        """
        solutions = {}
        for k in self.criteria["segments"]:
            k = int(k)
            solutions[str(k)] = {"paths": records(self.paths[k].reset_index()),
                                 "shares": {str(a): float(b) for a, b in self.sizes[k].items()}}
        return {"analysis": "fimix", "seed": self.seed, "criteria": records(self.criteria),
                "solutions": solutions}


def _equations(names: list[str], preds: dict[str, list[str]]) -> list[tuple[int, list[int]]]:
    return [(names.index(t), [names.index(p) for p in ps]) for t, ps in preds.items()]


def _fit_segments(scores: np.ndarray, eqs, k: int, rng: np.random.Generator, max_iter: int, tol: float):
    n = scores.shape[0]
    post = rng.dirichlet(np.ones(k), size=n)
    loglik_old = -np.inf
    for _ in range(max_iter):
        share = post.mean(axis=0)
        logdens = np.tile(np.log(share + 1e-300), (n, 1))
        coefs = []
        for t, ps in eqs:
            y, x = scores[:, t], scores[:, ps]
            eq = []
            for s in range(k):
                w = post[:, s]
                xtw = x.T * w
                beta = np.linalg.solve(xtw @ x + 1e-10 * np.eye(len(ps)), xtw @ y)
                resid = y - x @ beta
                var = max((w * resid**2).sum() / max(w.sum(), 1e-12), 1e-8)
                logdens[:, s] += -0.5 * (np.log(2 * np.pi * var) + resid**2 / var)
                eq.append(beta)
            coefs.append(eq)
        norm = logsumexp(logdens, axis=1)
        loglik = float(norm.sum())
        post = np.exp(logdens - norm[:, None])
        if abs(loglik - loglik_old) < tol:
            break
        loglik_old = loglik
    return loglik, post, coefs


def fimix(scores: pd.DataFrame, preds: dict[str, list[str]], segments: tuple[int, ...], starts: int,
          seed: int, max_iter: int = 500, tol: float = 1e-8) -> FIMIX:
    """Run FIMIX-PLS on construct scores for each number of ``segments``.

    Parameters
    ----------
    scores : pandas.DataFrame
        Construct scores (the PLS fit's).
    preds : dict
        Each endogenous construct's antecedents.
    segments : tuple of int
        Numbers of segments to fit.
    starts : int
        Random starts per number of segments (the best log-likelihood is kept).
    seed : int
        Seed of the starts.
    max_iter, tol : int, float
        EM iterations and the log-likelihood change that stops them.

    Returns
    -------
    FIMIX

    Examples
    --------
    See :meth:`expectmodel.sem.PLSResults.fimix`.
    """
    names = list(scores.columns)
    eqs = _equations(names, preds)
    data = scores.to_numpy()
    n = data.shape[0]
    rng = np.random.default_rng(seed)
    rows, paths, sizes, posts = [], {}, {}, {}
    for k in segments:
        best = None
        for _ in range(starts if k > 1 else 1):
            fit = _fit_segments(data, eqs, k, rng, max_iter, tol)
            if best is None or fit[0] > best[0]:
                best = fit
        loglik, post, coefs = best
        order = np.argsort(-post.mean(axis=0), kind="stable")  # the largest segment first
        post = post[:, order]
        n_par = (k - 1) + k * sum(len(ps) + 1 for _, ps in eqs)
        with np.errstate(divide="ignore", invalid="ignore"):
            ent = -(post * np.log(np.where(post > 0, post, 1.0))).sum()
        en = 1 - ent / (n * np.log(k)) if k > 1 else np.nan
        rows.append({"segments": k, "loglik": loglik, "parameters": n_par, "AIC": -2 * loglik + 2 * n_par,
                     "AIC3": -2 * loglik + 3 * n_par, "BIC": -2 * loglik + np.log(n) * n_par,
                     "CAIC": -2 * loglik + (np.log(n) + 1) * n_par, "EN": en})
        index = pd.MultiIndex.from_tuples([(names[p], names[t]) for t, ps in eqs for p in ps],
                                          names=["source", "target"])
        table = {f"segment {i + 1}": np.concatenate([coefs[e][s] for e in range(len(eqs))])
                 for i, s in enumerate(order)}
        paths[k] = pd.DataFrame(table, index=index)
        sizes[k] = pd.Series(post.mean(axis=0), index=list(table), name="share")
        posts[k] = post
    return FIMIX(pd.DataFrame(rows), paths, sizes, posts)
