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
    c[n] = beta + tau * (L z_n),  z_n ~ N(0, I),  L L' ~ LKJ(eta)

with the person deviations tau * (L z_n) acting on predictors centred at their manifest means (so the
person-level intercept is the deviation at the average E and V: it decorrelates from the slopes).
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
    "beta": "Normal(0, 2.5) per term (population mean of the person coefficients)",
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
    person_slopes: bool
    lkj_eta: float
    manifest: np.ndarray  # (R, 2): coded manifest E and V (item means), for comparison
    index: object  # row labels used
    n_input: int

    @property
    def terms(self) -> tuple[str, ...]:
        return ("Intercept", *FORM_TERMS[self.form])

    @property
    def random_terms(self) -> tuple[str, ...]:
        return self.terms if self.person_slopes else ("Intercept",)

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
        return ("vie", self.form, self.family, self.person_slopes, self.lkj_eta, self.N, len(self.outcomes),
                self.resp.size, self.e_kind, self.e_values.shape[1], self.e_categories, self.v_values.shape[1],
                self.v_categories, self.v_low_minus_zero, bool(self.e_answered.all()), bool(self.v_answered.all()))


def build_graph(p: Prepared):
    """The pymc model and the names of its identified parameters."""
    import pymc as pm
    import pytensor.tensor as pt

    from expectmodel.measurement.ordinal import cutpoints_graph, ordinal_logp_graph, padded_graph

    R = p.resp.size
    coords = {"outcome": list(p.outcomes), "term": list(p.terms), "random_term": list(p.random_terms)}
    identified = ["mu_E", "sigma_E", "mu_V", "sigma_V", "beta"]
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
        beta = pm.Normal("beta", 0.0, 2.5, dims="term")
        Q = len(p.random_terms)
        tau = pm.HalfNormal("tau", 1.0, dims="random_term")
        z = pm.Normal("z_person", 0.0, 1.0, shape=(p.N, Q))
        if Q > 1:
            chol = pm.LKJCorr("corr_chol", n=Q, eta=p.lkj_eta)
            dev = (z @ chol.T) * tau[None, :]
        else:
            dev = z * tau[None, :]
        # fixed part on the raw predictors, person deviations on the centred ones (see Prepared.centre)
        lin = (X * beta[None, :]).sum(axis=1) + (dev[resp] * (X[:, :Q] - p.centre[None, :Q])).sum(axis=1)
        y = pm.Data("data_criterion", p.y.astype(float))
        if p.family == "gaussian":
            sigma_y = pm.HalfNormal("sigma_y", 1.0)
            pm.Normal("criterion", lin, sigma_y, observed=y)
            identified.append("sigma_y")
        else:
            pm.Bernoulli("criterion", logit_p=lin, observed=y)
        identified.append("tau")
    return model, identified


# ---------------------------------------------------------------------------------------------- numpy mirror
def _draws(posterior, name: str) -> np.ndarray:
    v = posterior[name].values
    return v.reshape(-1, *v.shape[2:])


def true_scores(p: Prepared, posterior) -> tuple[np.ndarray, np.ndarray]:
    """Posterior draws of E* and V* per row: two (S, R) arrays."""
    eta_e = _draws(posterior, "mu_E")[:, p.outcome] + _draws(posterior, "sigma_E")[:, None] * _draws(posterior, "z_E")
    if p.e_kind == "beta":
        e = expit(eta_e)
    else:
        cut = _draws(posterior, "cut_E")[:, 0, :]
        e = expit(eta_e[..., None] - cut[:, None, :]).sum(-1) / (p.e_categories - 1)
    eta_v = _draws(posterior, "mu_V")[:, p.outcome] + _draws(posterior, "sigma_V")[:, None] * _draws(posterior, "z_V")
    cut_v = _draws(posterior, "cut_V")[:, 0, :]
    v = p.v_low_minus_zero + expit(eta_v[..., None] - cut_v[:, None, :]).sum(-1)
    return e, v


def person_coefficients(p: Prepared, posterior) -> np.ndarray:
    """Posterior draws of every respondent's coefficients, (S, N, P)."""
    beta = _draws(posterior, "beta")
    tau = _draws(posterior, "tau")
    z = _draws(posterior, "z_person")
    Q = len(p.random_terms)
    if Q > 1:
        chol = _draws(posterior, "corr_chol")
        dev = np.einsum("snq,srq->snr", z, chol) * tau[:, None, :]
    else:
        dev = z * tau[:, None, :]
    S = beta.shape[0]
    dev = dev.copy()
    dev[..., 0] -= (dev[..., 1:] * p.centre[1:Q]).sum(-1)  # deviations act on centred predictors
    fixed = np.broadcast_to(beta[:, None, Q:], (S, p.N, len(p.terms) - Q))
    return np.concatenate([beta[:, None, :Q] + dev, fixed], axis=2)


def _design(p: Prepared, posterior) -> np.ndarray:
    """Posterior draws of every row's design (1, E*, V*, E* V*) restricted to the form: (S, R, P)."""
    e, v = true_scores(p, posterior)
    cols = {"E": e, "V": v, "E*V": e * v}
    return np.stack([np.ones_like(e)] + [cols[t] for t in FORM_TERMS[p.form]], axis=-1)


def _blocks(p: Prepared) -> list[tuple[np.ndarray, np.ndarray]]:
    """Respondents grouped by their number of rows: (respondent indices (N_c,), row indices (N_c, c))."""
    order = np.argsort(p.resp, kind="stable")
    counts = np.bincount(p.resp, minlength=p.N)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    out = []
    for c in np.unique(counts):
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
    beta = _draws(posterior, "beta")
    tau = _draws(posterior, "tau")
    Q = len(p.random_terms)
    S = beta.shape[0]
    if Q > 1:
        chol = _draws(posterior, "corr_chol")
        L = chol * tau[:, :, None]  # Omega = L L'
    else:
        L = tau[:, :, None]
    out = np.empty((S, p.N))
    rng = np.random.default_rng(0)
    u = rng.standard_normal((nodes, Q))
    for who, rows in _blocks(p):
        y = p.y[rows]  # (Nc, c)
        for s0 in range(0, S, chunk):
            sl = slice(s0, min(S, s0 + chunk))
            Xb = X[sl][:, rows, :]  # (s, Nc, c, P)
            mean = Xb @ beta[sl][:, None, :, None]  # (s, Nc, c, 1)
            Z = (Xb[..., :Q] - p.centre[:Q]) @ L[sl][:, None]  # (s, Nc, c, Q): centred X_nR L
            if p.family == "gaussian":
                sig2 = _draws(posterior, "sigma_y")[sl] ** 2
                cov = Z @ np.swapaxes(Z, -1, -2) + sig2[:, None, None, None] * np.eye(rows.shape[1])
                cf = np.linalg.cholesky(cov)
                r = y[None, :, :, None] - mean
                w = np.linalg.solve(cf, r)[..., 0]
                logdet = 2 * np.log(np.diagonal(cf, axis1=-2, axis2=-1)).sum(-1)
                out[sl, who] = -0.5 * ((w ** 2).sum(-1) + logdet + rows.shape[1] * np.log(2 * np.pi))
            else:
                lin = mean + Z @ u.T[None, None]  # (s, Nc, c, nodes)
                yy = y[None, :, :, None]
                ll = np.where(yy > 0.5, log_expit(lin), log_expit(-lin)).sum(axis=2)  # (s, Nc, nodes)
                mx = ll.max(-1, keepdims=True)
                out[sl, who] = (mx[..., 0] + np.log(np.exp(ll - mx).mean(-1)))
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
           "person_coefficients", "squeeze_probabilities", "true_scores"]
