"""Group comparisons of PLS models: MICOM and multi-group analysis (METHODS §1c).

Every permutation reassigns the pooled respondents of two groups at random (group sizes kept) and
refits both groups; all permutations are one stack of correlation matrices per group (a permutation
is a 0/1 membership vector), so 5,000 permutations cost two batched fits.

MICOM (Henseler, Ringle & Sarstedt 2016), per construct:

* step 2, compositional invariance: ``c = cor(Z w_1, Z w_2)`` on the pooled standardised data ``Z``
  with each group's weights; rejected when ``c`` is below the 5% quantile of its permutation values
  (``p`` = the share of permutation values at or below ``c``);
* step 3, equal means and variances of the composite scores of the pooled fit: the group difference of
  the means and of the log variances against their permutation distributions (2.5% and 97.5%
  quantiles; two-sided ``p``).

MGA, for every path, loading, weight, R^2 and 0-100 index: the difference with a bootstrap percentile
interval (the groups' independent resamples paired by position), and the p-values of the permutation
test (Chin & Dibbern 2010), Henseler's PLS-MGA (Henseler 2009; two-tailed as Sarstedt, Henseler &
Ringle 2011), the parametric test (Keil et al. 2000; pooled SE, n1 + n2 - 2 df) and the
Welch-Satterthwaite test; each family of p-values is adjusted for the number of parameters compared
(Holm by default; statsmodels ``multipletests``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from expectmodel.inference import equal_tailed
from expectmodel.sem import _moments
from expectmodel.sem._data import pairwise_correlation_stack
from expectmodel.sem._estimates import estimate_stack

__all__ = ["FIELDS", "henseler_p", "memberships", "mga", "micom", "parametric_p", "permutation_fits", "welch_p"]

#: (kind, draw field) of the parameters MGA compares.
FIELDS = (("path", "paths"), ("loading", "loadings"), ("weight", "weights"), ("r2", "r2"), ("index", "index"))


def memberships(rng: np.random.Generator, b: int, n: int, n1: int) -> np.ndarray:
    """Draw ``b`` random splits of ``n`` rows into groups of ``n1`` and ``n - n1``: (b, n) 0/1 memberships of group 1.

    Each row of the result is a random permutation of ``n1`` ones and ``n - n1`` zeros
    (``Generator.permuted`` along the rows).

    Examples
    --------
    >>> import numpy as np
    >>> m = memberships(np.random.default_rng(0), 3, 5, 2)
    >>> m.sum(axis=1).tolist()
    [2.0, 2.0, 2.0]
    """
    base = np.zeros((b, n))
    base[:, :n1] = 1.0
    return rng.permuted(base, axis=1)


def permutation_fits(z: np.ndarray, n1: int, res, n_permutations: int, seed: int, pairwise: bool = False,
                     mu: np.ndarray | None = None, sd: np.ndarray | None = None, chunk: int = 2500) -> tuple:
    """Fit both groups of every permutation of the pooled standardised rows ``z`` (the first ``n1`` are group 1).

    Returns the two groups' stacked estimates' fields (dicts of arrays, permutations first, failed
    permutations dropped) and the weights (B, p, m) of each group.
    """
    rng = np.random.default_rng(seed)
    n, p = z.shape
    src, dst = np.nonzero(res.layout.adjacency)
    endo = list(res.layout.endogenous)
    low, high = res.prepared.scale_low, res.prepared.scale_high
    out: list[dict[str, list[np.ndarray]]] = [{}, {}]
    products = None if pairwise else _moments.packed_products(z)
    iu = np.triu_indices(p)
    for a in range(0, n_permutations, chunk):
        b = min(chunk, n_permutations - a)
        member = memberships(rng, b, n, n1)
        ests = []
        if pairwise:
            stacks = []
            for counts in (member, 1.0 - member):
                corr, mean, sd_z = pairwise_correlation_stack(z, counts)
                stacks.append((corr, mean, sd_z**2))
        else:  # group 2's sums are the pooled sums minus group 1's: one product for both groups
            s1 = member @ z
            s2 = (products if products is not None else (z[:, iu[0]] * z[:, iu[1]]).T) @ member.T
            t1, t2 = z.sum(axis=0), (z[:, iu[0]] * z[:, iu[1]]).sum(axis=0)
            stacks = []
            for g1, g2, tot in ((s1, s2, float(n1)), (t1 - s1, t2[:, None] - s2, float(n - n1))):
                corr, mean, var = _moments._packed_correlation(g1, np.array(g2), np.full(b, tot), iu,
                                                               _moments.fresh)
                stacks.append((np.ascontiguousarray(corr), mean, var))
        for corr, mean, var in stacks:
            raw_mean = None if mu is None else mu + sd * mean
            raw_sd = None if sd is None else sd * np.sqrt(var)
            ests.append(estimate_stack(corr, res.layout, res.options, raw_mean, raw_sd, low, high))
        ok = ests[0].ok & ests[1].ok
        for g, est in enumerate(ests):
            fields = {"paths": est.paths[:, src, dst], "loadings": est.loadings, "weights": est.weights,
                      "r2": est.r2[:, endo], "index": est.index, "weights_full": est.weights_full}
            for key, val in fields.items():
                out[g].setdefault(key, []).append(val[ok])
    return tuple({k: np.concatenate(v) for k, v in g.items()} for g in out)


def micom(r_pooled: np.ndarray, w1: np.ndarray, w2: np.ndarray, perm1: np.ndarray, perm2: np.ndarray,
          scores: np.ndarray, n1: int, n_permutations: int, seed: int) -> dict[str, np.ndarray]:
    """MICOM steps 2 and 3 for every construct.

    Parameters
    ----------
    r_pooled : numpy.ndarray
        The pooled indicator correlations (p, p).
    w1, w2 : numpy.ndarray
        The groups' standardised weights (p, m), zero off-block.
    perm1, perm2 : numpy.ndarray
        The permuted groups' weights (B, p, m).
    scores : numpy.ndarray
        The pooled fit's construct scores (n, m), group 1's rows first.
    n1 : int
        Group 1's size.
    n_permutations : int
        Permutations for step 3.
    seed : int
        Seed of step 3's permutations.

    Returns
    -------
    dict
        ``c``, ``c_q05``, ``p_c`` (step 2) and ``mean_diff``, ``mean_low``, ``mean_high``, ``p_mean``,
        ``logvar_diff``, ``var_low``, ``var_high``, ``p_var`` (step 3), each (m,).

    Examples
    --------
    See :meth:`expectmodel.sem.MultiGroupResults.micom`.
    """
    def c_of(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        rb = r_pooled @ b
        num = (a * rb).sum(axis=-2)
        den = np.sqrt((a * (r_pooled @ a)).sum(axis=-2) * (b * rb).sum(axis=-2))
        return num / den

    c = c_of(w1, w2)
    c_perm = c_of(perm1, perm2)
    out = {"c": c, "c_q05": np.quantile(c_perm, 0.05, axis=0), "p_c": (c_perm <= c + 1e-12).mean(axis=0)}
    n = scores.shape[0]
    rng = np.random.default_rng(seed)

    def moments(member: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        m1, m2 = member.sum(axis=-1, keepdims=True), (1 - member).sum(axis=-1, keepdims=True)
        mean1, mean2 = member @ scores / m1, (1 - member) @ scores / m2
        var1 = (member @ scores**2 - m1 * mean1**2) / (m1 - 1)
        var2 = ((1 - member) @ scores**2 - m2 * mean2**2) / (m2 - 1)
        return mean1 - mean2, np.log(var1) - np.log(var2)

    observed = np.zeros((1, n))
    observed[0, :n1] = 1.0
    mean_diff, logvar_diff = (v[0] for v in moments(observed))
    perm_mean, perm_var = moments(memberships(rng, n_permutations, n, n1))
    for name, obs, perm in (("mean", mean_diff, perm_mean), ("var", logvar_diff, perm_var)):
        low, high = equal_tailed(perm, 0.95)
        out[f"{'mean' if name == 'mean' else 'logvar'}_diff"] = obs
        out[f"{name}_low"], out[f"{name}_high"] = low, high
        out[f"p_{name}"] = (1 + (np.abs(perm) >= np.abs(obs) - 1e-12).sum(axis=0)) / (1 + perm.shape[0])
    return out


def henseler_p(draws1: np.ndarray, draws2: np.ndarray) -> np.ndarray:
    """Henseler's PLS-MGA, two-tailed: ``2 min(P, 1 - P)`` with ``P`` Henseler's (2009) probability.

    ``P = 1 - sum_j sum_i H(2 mean1 - b1_j - 2 mean2 + b2_i) / (J1 J2)`` (``H`` the unit step) over the
    groups' bootstrap draws ``(J, k)``: the share of bias-corrected draw pairs with group 1 above group 2.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> p = henseler_p(rng.normal(0.5, 0.1, (500, 1)), rng.normal(0.0, 0.1, (500, 1)))
    >>> bool(p[0] < 0.01)
    True
    """
    out = np.empty(draws1.shape[1])
    for k in range(draws1.shape[1]):
        b1, b2 = draws1[:, k], draws2[:, k]
        shift = 2 * b1.mean() - 2 * b2.mean()
        # H(shift - b1_j + b2_i) = 1  <=>  b2_i > b1_j - shift
        sorted2 = np.sort(b2)
        above = b2.size - np.searchsorted(sorted2, b1 - shift, side="right")
        prob = 1 - above.sum() / (b1.size * b2.size)
        out[k] = 2 * min(prob, 1 - prob)
    return out


def parametric_p(diff: np.ndarray, se1: np.ndarray, se2: np.ndarray, n1: int, n2: int) -> np.ndarray:
    """Keil et al.'s (2000) parametric test: pooled SE, Student t with ``n1 + n2 - 2`` df, two-sided.

    Examples
    --------
    >>> import numpy as np
    >>> round(float(parametric_p(np.array([0.2]), np.array([0.05]), np.array([0.05]), 100, 100)[0]), 4)
    0.0049
    """
    df = n1 + n2 - 2
    pooled = np.sqrt((n1 - 1) ** 2 / df * se1**2 + (n2 - 1) ** 2 / df * se2**2) * np.sqrt(1 / n1 + 1 / n2)
    with np.errstate(invalid="ignore", divide="ignore"):
        return 2 * stats.t.sf(np.abs(diff / pooled), df)


def welch_p(diff: np.ndarray, se1: np.ndarray, se2: np.ndarray, n1: int, n2: int) -> np.ndarray:
    """Run the Welch-Satterthwaite test: ``t = d / sqrt(se1^2 + se2^2)`` with Satterthwaite's df, two-sided.

    Examples
    --------
    >>> import numpy as np
    >>> round(float(welch_p(np.array([0.1]), np.array([0.05]), np.array([0.05]), 100, 100)[0]), 3)
    0.159
    """
    v = se1**2 + se2**2
    df = v**2 / (se1**4 / (n1 - 1) + se2**4 / (n2 - 1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return 2 * stats.t.sf(np.abs(diff / np.sqrt(v)), df)


def _adjust(p: np.ndarray, method: str) -> np.ndarray:
    """Adjust p-values for multiple testing.

    Holm, Bonferroni and Benjamini-Hochberg are written out (statsmodels' ``multipletests`` runs a garbage
    collection per call, 0.2 s); every other method goes through statsmodels.
    """
    out = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    q = p[ok]
    m = q.size
    if not m:
        return out
    order = np.argsort(q, kind="stable")
    if method == "bonferroni":
        adj = np.minimum(q * m, 1.0)
    elif method == "holm":
        step = np.maximum.accumulate((m - np.arange(m)) * q[order])
        adj = np.empty(m)
        adj[order] = np.minimum(step, 1.0)
    elif method == "fdr_bh":
        step = np.minimum.accumulate((q[order] * m / np.arange(1, m + 1))[::-1])[::-1]
        adj = np.empty(m)
        adj[order] = np.minimum(step, 1.0)
    else:
        from statsmodels.stats.multitest import multipletests

        adj = multipletests(q, method=method)[1]
    out[ok] = adj
    return out


def mga(a, b, perm1: dict[str, np.ndarray], perm2: dict[str, np.ndarray], adjust: str = "holm",
        level: float = 0.95) -> pd.DataFrame:
    """Compare two groups' fits parameter by parameter.

    Parameters
    ----------
    a, b : PLSResults
        The groups' fits (with bootstrap draws for the interval, Henseler, parametric and Welch tests).
    perm1, perm2 : dict
        The permuted groups' fields (:func:`permutation_fits`).
    adjust : str
        A ``statsmodels.stats.multitest.multipletests`` method, applied to each test's p-values.
    level : float
        The interval level.

    Returns
    -------
    pandas.DataFrame
        ``kind, lhs, op, rhs, estimate_1, estimate_2, difference, ci_low, ci_high, p_permutation,
        p_henseler, p_parametric, p_welch`` and the adjusted ``p_*_adj``.

    Examples
    --------
    See :meth:`expectmodel.sem.MultiGroupResults.mga`.
    """
    frame_a = a.to_frame()
    rows = []
    for kind, fld in FIELDS:
        part = frame_a[frame_a["kind"] == kind]
        if part.empty:
            continue
        point1, point2 = a._points[fld], b._points[fld]
        keep = np.isfinite(point1) & np.isfinite(point2) if kind == "index" else np.ones(point1.size, dtype=bool)
        point1, point2 = point1[keep], point2[keep]
        diff = point1 - point2
        perm = (perm1[fld] - perm2[fld])[:, keep]
        p_perm = (1 + (np.abs(perm) >= np.abs(diff) - 1e-12).sum(axis=0)) / (1 + perm.shape[0])
        block = pd.DataFrame({"kind": kind, "lhs": part["lhs"].to_numpy(), "op": part["op"].to_numpy(),
                              "rhs": part["rhs"].to_numpy(), "estimate_1": point1, "estimate_2": point2,
                              "difference": diff, "p_permutation": p_perm})
        if a.boot is not None and b.boot is not None:
            d1, d2 = a.boot.draws[fld][:, keep], b.boot.draws[fld][:, keep]
            size = min(d1.shape[0], d2.shape[0])
            block["ci_low"], block["ci_high"] = equal_tailed(d1[:size] - d2[:size], level)
            se1, se2 = d1.std(axis=0, ddof=1), d2.std(axis=0, ddof=1)
            block["p_henseler"] = henseler_p(d1, d2)
            block["p_parametric"] = parametric_p(diff, se1, se2, a.n, b.n)
            block["p_welch"] = welch_p(diff, se1, se2, a.n, b.n)
        rows.append(block)
    out = pd.concat(rows, ignore_index=True)
    for col in ("ci_low", "ci_high", "p_henseler", "p_parametric", "p_welch"):
        if col not in out:
            out[col] = np.nan
    degenerate = out["kind"].isin(["weight", "loading"]) & (out["estimate_1"] == 1) & (out["estimate_2"] == 1)
    for col in ("p_permutation", "p_henseler", "p_parametric", "p_welch"):
        out.loc[degenerate, col] = np.nan  # single items: weight and loading are 1 by definition
        out[f"{col}_adj"] = _adjust(out[col].to_numpy(), adjust)
    cols = ["kind", "lhs", "op", "rhs", "estimate_1", "estimate_2", "difference", "ci_low", "ci_high",
            "p_permutation", "p_henseler", "p_parametric", "p_welch", "p_permutation_adj", "p_henseler_adj",
            "p_parametric_adj", "p_welch_adj"]
    return out[cols]
