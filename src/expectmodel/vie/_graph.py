"""The hierarchical Bayesian VIE model: its pymc graph and the numpy mirror of what the results read.

Rows r = (respondent n, outcome k). Measurement (the shared :mod:`expectmodel.measurement` pieces)::

    eta_E[r] = mu_E[k] + sigma_E z_E[r]          E*[r] = true score of the E items
    probability items:  y ~ Beta(m phi_j, (1 - m) phi_j),  logit m = eta_E[r] + delta_E[j];  E* = logistic(eta_E)
    Likert items:       ordered logit on eta_E[r] + delta_E[j];  E* = (E[answer | eta_E] - low) / (high - low)
    eta_V[r] = mu_V[k] + sigma_V z_V[r]          V* = E[answer | eta_V] - zero  (ordered logit, bipolar items)

so E* is a probability and V* is on the valence answer scale with the declared neutral point as its true
zero: the product E* V* has the meaning the manifest product has, without its measurement error.
Criterion (person coefficients from a population distribution, LKJ correlation)::

    y[r] ~ Normal(lin, sigma_y)  or  Bernoulli(logistic(lin))
    lin = c[n, 0] + sum_p c[n, p] x_p[r],  x = (E*, V*, E* V*) restricted to the form's terms
    c[n] = beta + dev_n on the random terms,  dev_n ~ N(0, Omega),  Omega = F F',  F = diag(tau) L,  L L' ~ LKJ(eta)

Sampling geometry (what makes the posterior easy for NUTS with a diagonal mass matrix):

- the person deviations act on predictors centred at their manifest means (the person-level intercept is the
  deviation at the average E and V: it decorrelates from the slopes);
- the fixed part is sampled on centred predictors as well, and in the full form on the centred product
  (E* - e)(V* - v), so the intercept and the three coefficients are nearly uncorrelated; ``beta`` reports them
  on the raw predictors (an exact reparameterisation);
- for a gaussian criterion the person deviations are integrated out analytically (a respondent's rows are
  jointly normal; :func:`marginal_gaussian_graph`), which removes the funnel between ``tau`` and a thousand
  person effects; the mirror draws them afterwards from their exact conditional posterior. A Bernoulli
  criterion samples them non-centred (``z_person``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit, log_expit

from expectmodel.measurement import beta as beta_m

FORM_TERMS = {"additive": ("E", "V"), "multiplicative": ("E*V",), "full": ("E", "V", "E*V")}

#: Priors of the graph, recorded in ``results.meta["priors"]``.
PRIORS = {
    "mu_E": "Normal(0, 1.5) per outcome (logit scale for probability items)",
    "sigma_E": "HalfNormal(1)",
    "mu_V": "Normal(0, 2) per outcome",
    "sigma_V": "HalfNormal(2)",
    "delta_E, delta_V": "ZeroSumNormal(0.5) item offsets (two or more items)",
    "phi_E": "LogNormal(log 10, 1) per item (Beta precision)",
    "cut_E, cut_V": "centred cut-points, log gaps ~ Normal(log(6 / (C - 2)), 0.5)",
    "beta": "population mean of the person coefficients, sampled on centred predictors: slopes Normal(0, 2.5) on "
            "E - e, V - v and, in the full form, on the centred product (E - e)(V - v) (e, v the manifest means; the "
            "main effects are then those at the other factor's mean), on E V - mean in the multiplicative form; "
            "the intercept at the centre Normal(mean y, 2.5 SD y) for a gaussian criterion, Normal(0, 2.5) for a "
            "Bernoulli one; reported on the raw predictors",
    "tau": "HalfNormal(1) per term (population SD)",
    "corr": "LKJ(eta) on the person coefficients' correlation",
    "sigma_y": "HalfNormal(1) (gaussian criterion)",
}


@dataclass(frozen=True, eq=False)
class Prepared:
    """Validated long data of the Bayesian VIE model (arrays only)."""

    respondents: tuple  # labels, in order of first appearance
    outcomes: tuple[str, ...]
    resp: np.ndarray  # (R,) respondent index
    outcome: np.ndarray  # (R,) outcome index
    e_kind: str  # "beta" | "ordinal"
    e_values: np.ndarray  # (R, JE): squeezed probabilities or categories 0..C-1
    e_answered: np.ndarray  # (R, JE) bool
    e_categories: int  # categories of ordinal E items (0 for beta)
    v_values: np.ndarray  # (R, JV) categories 0..C-1
    v_answered: np.ndarray
    v_categories: int
    v_low_minus_zero: float  # low - zero of the valence scale
    y: np.ndarray  # (R,)
    family: str  # "gaussian" | "bernoulli"
    form: str
    person_slopes: tuple[str, ...]  # slope terms that vary by person (a subset of the form's terms)
    lkj_eta: float
    manifest: np.ndarray  # (R, 2): coded manifest E and V (item means), for comparison
    index: object  # row labels used
    n_input: int
    person_correlation: str = "lkj"  # "lkj" | "independent"

    @property
    def terms(self) -> tuple[str, ...]:
        return ("Intercept", *FORM_TERMS[self.form])

    @property
    def random_terms(self) -> tuple[str, ...]:
        return ("Intercept", *(t for t in FORM_TERMS[self.form] if t in self.person_slopes))

    @property
    def random_index(self) -> np.ndarray:
        """Positions of the random terms among :attr:`terms`."""
        return np.array([self.terms.index(t) for t in self.random_terms], dtype=np.int64)

    @property
    def centre_ev(self) -> tuple[float, float]:
        """The manifest means of E and V (where the fixed part's predictors are centred)."""
        return float(self.manifest[:, 0].mean()), float(self.manifest[:, 1].mean())

    @property
    def intercept_loc(self) -> float:
        """Prior location of the centred intercept: the criterion's mean (gaussian) or 0 (Bernoulli, logit scale)."""
        return float(self.y.mean()) if self.family == "gaussian" else 0.0

    @property
    def intercept_scale(self) -> float:
        """Prior scale unit of the centred intercept: the criterion's SD (gaussian) or 1 (Bernoulli)."""
        return float(max(self.y.std(), 1e-8)) if self.family == "gaussian" else 1.0

    @property
    def N(self) -> int:
        return len(self.respondents)

    @property
    def centre(self) -> np.ndarray:
        """Where the person deviations are centred: 0 for the intercept, the manifest means of the terms.

        The person-level deviations multiply centred predictors (their intercept is the deviation at the
        average E, V and E*V), which decorrelates the intercept from the slopes in the posterior; the person
        coefficients themselves (intercept at E = V = 0, slopes) are recovered exactly from it.
        """
        e, v = self.manifest[:, 0], self.manifest[:, 1]
        cols = {"E": e.mean(), "V": v.mean(), "E*V": (e * v).mean()}
        return np.array([0.0] + [cols[t] for t in FORM_TERMS[self.form]])

    def structure(self) -> tuple:
        return ("vie", self.form, self.family, self.person_slopes, self.person_correlation,
                self.lkj_eta, self.N, len(self.outcomes),
                self.resp.size, self.e_kind, self.e_values.shape[1], self.e_categories, self.v_values.shape[1],
                self.v_categories, self.v_low_minus_zero, bool(self.e_answered.all()), bool(self.v_answered.all()))


def build_graph(p: Prepared):
    """The pymc model and the names of its identified parameters."""
    import pymc as pm
    import pytensor.tensor as pt

    from expectmodel.measurement.ordinal import cutpoints_graph, ordinal_logp_graph, padded_graph

    R = p.resp.size
    coords = {"outcome": list(p.outcomes), "term": list(p.terms), "random_term": list(p.random_terms)}
    identified = ["mu_E", "sigma_E", "mu_V", "sigma_V", "beta", "alpha"]
    with pm.Model(coords=coords) as model:
        resp = pm.Data("data_respondent", p.resp.astype(np.int64))
        out = pm.Data("data_outcome", p.outcome.astype(np.int64))

        def latent(name: str, loc_sd: float, scale_sd: float):
            mu = pm.Normal(f"mu_{name}", 0.0, loc_sd, dims="outcome")
            sigma = pm.HalfNormal(f"sigma_{name}", scale_sd)
            z = pm.Normal(f"z_{name}", 0.0, 1.0, shape=R)
            return mu[out] + sigma * z

        def offsets(name: str, J: int):
            if J == 1:
                return pt.zeros((1,))
            return pm.ZeroSumNormal(f"delta_{name}", sigma=0.5, shape=J)

        def ordinal_items(name: str, eta, values, answered, C: int, J: int):
            cut = cutpoints_graph(f"cut_{name}", C, (1,), None)
            cp = padded_graph(cut, 1)[0]
            cat = pm.Data(f"data_{name}_category", values.astype(np.int64))
            lp = ordinal_logp_graph(eta[:, None] + offsets(name, J)[None, :], cp[cat], cp[cat + 1])
            if not answered.all():
                lp = lp * pm.Data(f"data_{name}_answered", answered.astype(float))
            pm.Potential(f"{name}_items", lp.sum())
            identified.append(f"cut_{name}")
            return pt.sigmoid(eta[:, None] - cut[0][None, :]).sum(axis=1)  # E[category | eta], 0..C-1

        eta_e = latent("E", 1.5, 1.0)
        JE = p.e_values.shape[1]
        if p.e_kind == "beta":
            phi = pm.LogNormal("phi_E", np.log(10.0), 1.0, shape=JE)
            m = pt.sigmoid(eta_e[:, None] + offsets("E", JE)[None, :])
            lp = beta_m.beta_logp_graph(pm.Data("data_E_probability", p.e_values), m, phi[None, :])
            if not p.e_answered.all():
                lp = lp * pm.Data("data_E_answered", p.e_answered.astype(float))
            pm.Potential("E_items", lp.sum())
            e_star = pt.sigmoid(eta_e)
            identified.append("phi_E")
        else:
            e_star = ordinal_items("E", eta_e, p.e_values, p.e_answered, p.e_categories, JE) / (p.e_categories - 1)
        eta_v = latent("V", 2.0, 2.0)
        v_star = p.v_low_minus_zero + ordinal_items("V", eta_v, p.v_values, p.v_answered, p.v_categories,
                                                    p.v_values.shape[1])
        columns = {"E": e_star, "V": v_star, "E*V": e_star * v_star}
        X = pt.stack([pt.ones(R)] + [columns[t] for t in FORM_TERMS[p.form]], axis=1)  # (R, P)
        # The fixed part is sampled on centred predictors (intercept at the average E and V), and in the full
        # form on the centred product (E - e)(V - v): the raw E, V and E V are strongly correlated, and so would
        # be their coefficients in the posterior, which a diagonal mass matrix follows poorly. beta reports the
        # coefficients on the raw predictors (intercept at E = V = 0): an exact reparameterisation.
        ec, vc = p.centre_ev
        cent = {"E": e_star - ec, "V": v_star - vc}
        cent["E*V"] = cent["E"] * cent["V"] if p.form == "full" else columns["E*V"] - p.centre[-1]
        slopes = pm.Normal("beta_slope", 0.0, 2.5, shape=len(p.terms) - 1)
        alpha = pm.Normal("alpha", p.intercept_loc, 2.5 * p.intercept_scale)
        pm.Deterministic("beta", raw_coefficients_graph(p, alpha, slopes), dims="term")
        fixed = alpha + sum(slopes[i] * cent[t] for i, t in enumerate(FORM_TERMS[p.form]))
        Q, ri = len(p.random_terms), p.random_index
        tau = pm.HalfNormal("tau", 1.0, dims="random_term")
        if Q > 1 and p.person_correlation == "lkj":
            chol = pm.LKJCorr("corr_chol", n=Q, eta=p.lkj_eta)
            F = chol * tau[:, None]  # Omega = F F'
        else:
            F = pt.diag(tau)
        # fixed part and person deviations on centred predictors (see Prepared.centre)
        Xc = X - p.centre[None, :]
        y = pm.Data("data_criterion", p.y.astype(float))
        if p.family == "gaussian":
            sigma_y = pm.HalfNormal("sigma_y", 1.0)
            # the person deviations integrated out analytically: a respondent's rows are jointly normal
            pm.Potential("criterion", marginal_gaussian_graph(y - fixed, Xc[:, ri] @ F, sigma_y, resp, p.N, Q).sum())
            identified.append("sigma_y")
        else:
            z = pm.Normal("z_person", 0.0, 1.0, shape=(p.N, Q))
            lin = fixed + ((z @ F.T)[resp] * Xc[:, ri]).sum(axis=1)
            pm.Bernoulli("criterion", logit_p=lin, observed=y)
        identified.append("tau")
    return model, identified


def raw_coefficients_graph(p: Prepared, alpha, slopes):
    """The coefficients on the raw predictors (1, E, V, E V) from the sampled centred ones (pytensor)."""
    import pytensor.tensor as pt

    ec, vc = p.centre_ev
    if p.form == "full":  # a + b1 (E - e) + b2 (V - v) + b3 (E - e)(V - v)
        b1, b2, b3 = slopes[0], slopes[1], slopes[2]
        return pt.stack([alpha - b1 * ec - b2 * vc + b3 * ec * vc, b1 - b3 * vc, b2 - b3 * ec, b3])
    return pt.concatenate([(alpha - (slopes * p.centre[1:]).sum())[None], slopes])


def marginal_gaussian_graph(e, h, sigma, resp, N: int, Q: int):
    """Log-density of each respondent's criterion with the person deviations integrated out (pytensor), (N,).

    Rows r of respondent n: e_r = y_r - fixed part, h_r = F' x_r (the centred random-term predictors times
    the factor F of the deviations' covariance Omega = F F'). Then y_n ~ MVN(fixed_n, sigma^2 I + H_n H_n')
    and, with D_n = I + H_n' H_n / sigma^2 (Q x Q),
    log|Sigma_n| = c_n log sigma^2 + log|D_n| and e_n' Sigma_n^-1 e_n = e'e / sigma^2 - g' D_n^-1 g / sigma^4,
    g = H_n' e_n (Woodbury). D_n's Cholesky factor is unrolled over its Q <= 4 rows, so it runs on every backend.
    """
    import pytensor.tensor as pt

    def seg(v):
        return pt.inc_subtensor(pt.zeros(N)[resp], v)

    s2 = sigma ** 2
    count = seg(pt.ones_like(e))
    ss = seg(e * e)
    g = [seg(h[:, i] * e) for i in range(Q)]
    D = {(i, j): seg(h[:, i] * h[:, j]) / s2 + (1.0 if i == j else 0.0) for i in range(Q) for j in range(i + 1)}
    C: dict = {}
    for j in range(Q):
        C[j, j] = pt.sqrt(D[j, j] - sum((C[j, k] ** 2 for k in range(j)), pt.zeros(N)))
        for i in range(j + 1, Q):
            C[i, j] = (D[i, j] - sum((C[i, k] * C[j, k] for k in range(j)), pt.zeros(N))) / C[j, j]
    w: list = []
    for i in range(Q):
        w.append((g[i] - sum((C[i, k] * w[k] for k in range(i)), pt.zeros(N))) / C[i, i])
    logdet = count * pt.log(s2) + 2 * sum(pt.log(C[j, j]) for j in range(Q))
    quad = ss / s2 - sum(wi ** 2 for wi in w) / s2 ** 2
    return -0.5 * (count * np.log(2 * np.pi) + logdet + quad)


# ---------------------------------------------------------------------------------------------- numpy mirror
def _draws(posterior, name: str) -> np.ndarray:
    v = posterior[name].values
    return v.reshape(-1, *v.shape[2:])


def _eta(p: Prepared, posterior, name: str) -> np.ndarray:
    """Posterior draws of a latent's linear predictor per row, (S, R) (non-centred: mu[k] + sigma z)."""
    return (_draws(posterior, f"mu_{name}")[:, p.outcome]
            + _draws(posterior, f"sigma_{name}")[:, None] * _draws(posterior, f"z_{name}"))


def _deviations(p: Prepared, posterior, seed: int = 0, chunk: int = 250) -> np.ndarray:
    """Posterior draws of the person deviations on the centred random terms, (S, N, Q).

    A Bernoulli fit samples them (``z_person``). A gaussian fit integrates them out, so they are drawn here
    from their exact conditional posterior given each draw (normal: precision D_n = I + H_n' H_n / sigma^2 in
    the whitened coordinates u_n, deviation F u_n; see :func:`marginal_gaussian_graph`), with ``seed``.
    """
    F = _cov_factor(p, posterior)  # (S, Q, Q)
    if "z_person" in posterior:
        return np.einsum("snq,srq->snr", _draws(posterior, "z_person"), F)
    beta = _draws(posterior, "beta")
    sigma2 = _draws(posterior, "sigma_y") ** 2
    e_all, v_all = true_scores(p, posterior)
    ri = p.random_index
    S, Q = F.shape[0], F.shape[1]
    rng = np.random.default_rng(seed)
    out = np.empty((S, p.N, Q))
    for s0 in range(0, S, chunk):
        sl = slice(s0, min(S, s0 + chunk))
        e_, v_ = e_all[sl], v_all[sl]
        cols = {"E": e_, "V": v_, "E*V": e_ * v_}
        X = np.stack([np.ones_like(e_)] + [cols[t] for t in FORM_TERMS[p.form]], axis=-1)  # (s, R, P)
        res = p.y[None, :] - np.einsum("srp,sp->sr", X, beta[sl])  # residual of the fixed part
        h = np.einsum("srq,sqk->srk", X[..., ri] - p.centre[ri], F[sl])  # (s, R, Q)
        n = X.shape[0]
        G = np.zeros((n, p.N, Q, Q))
        g = np.zeros((n, p.N, Q))
        for q in range(Q):
            g[..., q] = _segment_sum(h[..., q] * res, p.resp, p.N)
            for k in range(Q):
                G[..., q, k] = _segment_sum(h[..., q] * h[..., k], p.resp, p.N)
        D = np.eye(Q) + G / sigma2[sl, None, None, None]
        C = np.linalg.cholesky(D)
        mean = np.linalg.solve(D, (g / sigma2[sl, None, None])[..., None])[..., 0]
        eps = rng.standard_normal((n, p.N, Q, 1))
        u = mean + np.linalg.solve(np.swapaxes(C, -1, -2), eps)[..., 0]  # covariance D^-1
        out[sl] = np.einsum("snq,srq->snr", u, F[sl])
    return out


def _segment_sum(values: np.ndarray, resp: np.ndarray, N: int) -> np.ndarray:
    """Sum (S, R) values over the rows of each respondent: (S, N)."""
    from scipy import sparse

    onehot = sparse.csr_matrix((np.ones(resp.size), (resp, np.arange(resp.size))), shape=(N, resp.size))
    return np.asarray((onehot @ values.T).T)


def _cov_factor(p: Prepared, posterior) -> np.ndarray:
    """Posterior draws of L with Omega = L L' the person deviations' covariance, (S, Q, Q)."""
    tau = _draws(posterior, "tau")
    if "corr_chol" in posterior:
        return _draws(posterior, "corr_chol") * tau[:, :, None]
    return tau[:, :, None] * np.eye(tau.shape[1])[None]


def true_scores(p: Prepared, posterior) -> tuple[np.ndarray, np.ndarray]:
    """Posterior draws of E* and V* per row: two (S, R) arrays."""
    eta_e = _eta(p, posterior, "E")
    if p.e_kind == "beta":
        e = expit(eta_e)
    else:
        cut = _draws(posterior, "cut_E")[:, 0, :]
        e = expit(eta_e[..., None] - cut[:, None, :]).sum(-1) / (p.e_categories - 1)
    eta_v = _eta(p, posterior, "V")
    cut_v = _draws(posterior, "cut_V")[:, 0, :]
    v = p.v_low_minus_zero + expit(eta_v[..., None] - cut_v[:, None, :]).sum(-1)
    return e, v


def person_coefficients(p: Prepared, posterior) -> np.ndarray:
    """Posterior draws of every respondent's coefficients, (S, N, P)."""
    beta = _draws(posterior, "beta")
    ri = p.random_index
    dev = _deviations(p, posterior).copy()
    dev[..., 0] -= (dev[..., 1:] * p.centre[ri[1:]]).sum(-1)  # deviations act on centred predictors
    out = np.repeat(beta[:, None, :], p.N, axis=1)
    out[..., ri] += dev
    return out


def _design(p: Prepared, posterior) -> np.ndarray:
    """Posterior draws of every row's design (1, E*, V*, E* V*) restricted to the form: (S, R, P)."""
    e, v = true_scores(p, posterior)
    cols = {"E": e, "V": v, "E*V": e * v}
    return np.stack([np.ones_like(e)] + [cols[t] for t in FORM_TERMS[p.form]], axis=-1)


def _blocks(p: Prepared) -> list[tuple[np.ndarray, np.ndarray]]:
    """Respondents grouped by their number of rows: (respondent indices (N_c,), row indices (N_c, c))."""
    return _blocks_of(p.resp, p.N)


def _blocks_of(resp: np.ndarray, N: int) -> list[tuple[np.ndarray, np.ndarray]]:
    order = np.argsort(resp, kind="stable")
    counts = np.bincount(resp, minlength=N)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    out = []
    for c in np.unique(counts[counts > 0]):
        who = np.flatnonzero(counts == c)
        rows = order[starts[who][:, None] + np.arange(c)[None, :]]
        out.append((who, rows))
    return out


def criterion_loglik(p: Prepared, posterior, *, chunk: int = 100, nodes: int = 64) -> np.ndarray:
    """Log-likelihood of each respondent's criterion values with the person deviations integrated out: (S, N).

    Leave-one-respondent-out LOO needs the respondent's predictive density without its own person-level
    coefficients (they are informed by nothing else, so importance sampling over them fails). Gaussian
    criterion: y_n | E*, V* ~ MVN(X_n beta, X_nR Omega X_nR' + sigma_y^2 I), exactly. Bernoulli: the
    person deviations are integrated by Monte Carlo over ``nodes`` fixed standard-normal draws (seed 0),
    the same for every posterior draw.
    """
    X = _design(p, posterior)  # (S, R, P)
    return _integrated_loglik(p, X, _draws(posterior, "beta"), _cov_factor(p, posterior),
                              _draws(posterior, "sigma_y") if p.family == "gaussian" else None,
                              p.y, p.resp, p.N, p.centre, chunk=chunk, nodes=nodes)


def _integrated_loglik(p: Prepared, X: np.ndarray, beta: np.ndarray, L: np.ndarray, sigma_y: np.ndarray | None,
                       y: np.ndarray, resp: np.ndarray, N: int, centre: np.ndarray, *, chunk: int = 100,
                       nodes: int = 64) -> np.ndarray:
    """The criterion's log-density per respondent with the person deviations integrated out: (S, N).

    ``X`` (S, R, P) are the rows' designs per draw, ``beta`` (S, P), ``L`` (S, Q, Q) with Omega = L L',
    ``sigma_y`` (S,) for a gaussian criterion; ``centre`` is the fit's centring of the random terms.
    """
    ri = p.random_index
    Q = ri.size
    S = beta.shape[0]
    out = np.empty((S, N))
    u = np.random.default_rng(0).standard_normal((nodes, Q))
    for who, rows in _blocks_of(resp, N):
        yb = y[rows]  # (Nc, c)
        for s0 in range(0, S, chunk):
            sl = slice(s0, min(S, s0 + chunk))
            Xb = X[sl][:, rows, :]  # (s, Nc, c, P)
            mean = Xb @ beta[sl][:, None, :, None]  # (s, Nc, c, 1)
            Z = (Xb[..., ri] - centre[ri]) @ L[sl][:, None]  # (s, Nc, c, Q): centred X_nR L
            if sigma_y is not None:
                sig2 = sigma_y[sl] ** 2
                cov = Z @ np.swapaxes(Z, -1, -2) + sig2[:, None, None, None] * np.eye(rows.shape[1])
                cf = np.linalg.cholesky(cov)
                r = yb[None, :, :, None] - mean
                w = np.linalg.solve(cf, r)[..., 0]
                logdet = 2 * np.log(np.diagonal(cf, axis1=-2, axis2=-1)).sum(-1)
                out[sl, who] = -0.5 * ((w ** 2).sum(-1) + logdet + rows.shape[1] * np.log(2 * np.pi))
            else:
                lin = mean + Z @ u.T[None, None]  # (s, Nc, c, nodes)
                yy = yb[None, :, :, None]
                ll = np.where(yy > 0.5, log_expit(lin), log_expit(-lin)).sum(axis=2)  # (s, Nc, nodes)
                out[sl, who] = logmeanexp(ll, axis=-1)
    return out


def logmeanexp(a: np.ndarray, axis: int) -> np.ndarray:
    """log(mean(exp(a))) along ``axis``, stably."""
    mx = np.max(a, axis=axis, keepdims=True)
    return np.squeeze(mx, axis) + np.log(np.mean(np.exp(a - mx), axis=axis))


def _item_loglik(p: Prepared, q: Prepared, posterior, name: str, eta: np.ndarray, sl: slice) -> np.ndarray:
    """Log-likelihood of the held-out rows' items of latent ``name`` at linear predictors ``eta`` (s, R, M)."""
    from expectmodel.measurement.ordinal import ordinal_logp

    values = q.e_values if name == "E" else q.v_values
    answered = q.e_answered if name == "E" else q.v_answered
    J = values.shape[1]
    delta = _draws(posterior, f"delta_{name}")[sl] if f"delta_{name}" in posterior else np.zeros((eta.shape[0], J))
    total = np.zeros(eta.shape)
    for j in range(J):
        lin = eta + delta[:, j, None, None]
        if name == "E" and p.e_kind == "beta":
            phi = _draws(posterior, "phi_E")[sl][:, j, None, None]
            lp = beta_m.beta_logp(values[None, :, j, None], expit(lin), phi)
        else:
            cut = _draws(posterior, f"cut_{name}")[sl][:, 0, :]  # (s, C-1)
            from expectmodel.measurement.ordinal import padded

            cp = padded(cut)  # (s, C+1)
            cat = values[:, j].astype(np.int64)
            lp = ordinal_logp(None, lin, cp[:, cat][..., None], cp[:, cat + 1][..., None])
        total += np.where(answered[None, :, j, None], lp, 0.0)
    return total


def _inverse_cdf(cdf: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Index of the first entry of each row of ``cdf`` (..., M; last entry 1) at or above ``u`` (..., K)."""
    M = cdf.shape[-1]
    lead = cdf.shape[:-1]
    offset = np.arange(int(np.prod(lead)), dtype=float).reshape(*lead, 1) * 2.0  # rows apart in one sorted axis
    flat = (cdf + offset).ravel()
    idx = np.searchsorted(flat, (u + offset).ravel(), side="left").reshape(u.shape)
    return np.minimum(idx - (offset.astype(np.int64) // 2) * M, M - 1)


def heldout_loglik(p: Prepared, q: Prepared, outcome: np.ndarray, posterior, *, proposals: int = 128,
                   resamples: int = 64, seed: int = 0, chunk: int = 25, nodes: int = 64) -> np.ndarray:
    """Log predictive density of held-out respondents' criteria given their items: (S, N_q).

    ``p`` is the fit's data, ``q`` the held-out rows (prepared alike), ``outcome`` their outcome indices in
    the fit's outcomes. Per posterior draw s: each held-out row's latent E and V are drawn from their
    population distribution N(mu_k, sigma) (``proposals`` draws), weighted by the likelihood of the row's
    own items and resampled (``resamples`` draws: sampling-importance-resampling from the posterior of the
    row's true scores given its items); the person deviations are integrated out as in
    :func:`criterion_loglik` (exactly for a gaussian criterion, over ``nodes`` draws for a Bernoulli one).
    The density is the mean over the resampled true scores, so log p(y_n | items_n, draw s).
    """
    rng = np.random.default_rng(seed)
    S = _draws(posterior, "beta").shape[0]
    R = q.resp.size
    x = {name: rng.standard_normal((R, proposals)) for name in ("E", "V")}
    u = rng.uniform(size=(2, R, resamples))
    beta, L = _draws(posterior, "beta"), _cov_factor(p, posterior)
    sigma_y = _draws(posterior, "sigma_y") if p.family == "gaussian" else None
    out = np.empty((S, q.N))
    for s0 in range(0, S, chunk):
        sl = slice(s0, min(S, s0 + chunk))
        stars = {}
        for i, name in enumerate(("E", "V")):
            eta = (_draws(posterior, f"mu_{name}")[sl][:, outcome, None]
                   + _draws(posterior, f"sigma_{name}")[sl][:, None, None] * x[name][None])  # (s, R, M)
            lw = _item_loglik(p, q, posterior, name, eta, sl)
            w = np.exp(lw - lw.max(-1, keepdims=True))
            cdf = np.cumsum(w, axis=-1)
            cdf /= cdf[..., -1:]
            pick = _inverse_cdf(cdf, np.broadcast_to(u[i], (cdf.shape[0], R, resamples)))  # (s, R, K)
            chosen = np.take_along_axis(eta, pick, axis=-1)
            if name == "E":
                if p.e_kind == "beta":
                    stars["E"] = expit(chosen)
                else:
                    cut = _draws(posterior, "cut_E")[sl][:, 0, :]
                    stars["E"] = expit(chosen[..., None] - cut[:, None, None, :]).sum(-1) / (p.e_categories - 1)
            else:
                cut = _draws(posterior, "cut_V")[sl][:, 0, :]
                stars["V"] = p.v_low_minus_zero + expit(chosen[..., None] - cut[:, None, None, :]).sum(-1)
        e, v = stars["E"], stars["V"]  # (s, R, K)
        cols = {"E": e, "V": v, "E*V": e * v}
        X = np.stack([np.ones_like(e)] + [cols[t] for t in FORM_TERMS[p.form]], axis=-1)  # (s, R, K, P)
        s_n = X.shape[0]
        Xf = np.moveaxis(X, 2, 1).reshape(s_n * resamples, R, -1)  # draws x resamples as one axis
        rep = np.repeat
        ll = _integrated_loglik(p, Xf, rep(beta[sl], resamples, axis=0), rep(L[sl], resamples, axis=0),
                                None if sigma_y is None else rep(sigma_y[sl], resamples, axis=0),
                                q.y, q.resp, q.N, p.centre, chunk=10_000, nodes=nodes)
        out[sl] = logmeanexp(ll.reshape(s_n, resamples, q.N), axis=1)
    return out


def conditional_loglik(p: Prepared, posterior) -> np.ndarray:
    """Log-likelihood of the criterion given every respondent's own coefficients, summed per respondent: (S, N)."""
    X = _design(p, posterior)
    coef = person_coefficients(p, posterior)[:, p.resp, :]  # (S, R, P)
    lin = (coef * X).sum(-1)
    if p.family == "gaussian":
        s = _draws(posterior, "sigma_y")[:, None]
        ll = -0.5 * np.log(2 * np.pi) - np.log(s) - 0.5 * ((p.y[None, :] - lin) / s) ** 2
    else:
        ll = np.where(p.y[None, :] > 0.5, log_expit(lin), log_expit(-lin))
    out = np.zeros((ll.shape[0], p.N))
    np.add.at(out.T, p.resp, ll.T)
    return out


def squeeze_probabilities(values: np.ndarray, answered: np.ndarray) -> np.ndarray:
    """Probability answers moved into (0, 1) (the shared Beta measurement's squeeze)."""
    return beta_m.squeeze(values, answered)


__all__ = ["FORM_TERMS", "PRIORS", "Prepared", "build_graph", "conditional_loglik", "criterion_loglik",
           "heldout_loglik", "person_coefficients", "squeeze_probabilities", "true_scores"]
