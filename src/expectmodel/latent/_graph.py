"""The pymc graph of the latent-expectation model (METHODS §2.1): priors, the parameterisation the
sampler sees, and the likelihood. The model itself (measurement, identification, extensions) is
stated in :mod:`expectmodel.latent.model`, which holds the estimator that builds this graph. The graph
reads a frozen :class:`~expectmodel.latent._layout.LatentConfig` and the data's
:class:`~expectmodel.latent._layout.Layout`, never the estimator.

Several parameters are sampled in coordinates other than the reported ones
(respondent effects as mean + zero-sum remainder, loadings on the batteries'
geometric-mean scale); each keeps the model and its priors exactly
(tests/latent/test_forward.py checks them). Several satisfaction items share a
respondent residual, integrated out by Gauss-Hermite quadrature rather than sampled.

The likelihood is a gathered-cut-point ``Potential`` (two sigmoids per answer),
faster per gradient than ``pm.OrderedLogistic`` (:mod:`expectmodel.measurement.ordinal`).
"""

from __future__ import annotations

import numpy as np

from expectmodel.latent._forward import residual_quadrature
from expectmodel.latent._layout import LatentConfig, Layout, stage_pooling
from expectmodel.latent.priors import LatentPriors
from expectmodel.measurement.beta import beta_logp_graph
from expectmodel.measurement.ordinal import cutpoints_graph, ordinal_logp_graph, padded_graph

__all__ = ["LOADING_PRIOR", "PRIORS", "build_graph", "params_from"]

#: LogNormal (mu, sigma) of the item loadings (discriminations on the logit scale): median 1.3,
#: 90% between 0.25 and 6.9. Likert items typically discriminate at 1-3 on this scale; the earlier
#: LogNormal(0, 0.5) pulled such loadings toward 1, and since E's scale is fixed while P's is free,
#: sigma_P absorbed the pull (recovery study: sigma_P biased +0.08 under scale usage, coverage 0.80).
LOADING_PRIOR = (0.25, 1.0)

#: The default priors in words (a fit records its own: ``LatentPriors.describe()``).
PRIORS = LatentPriors().describe()


def _respondent_normal(pm, name: str, n: int, k: int | None = None, minibatch: bool = False):
    """Independent standard normals, one per respondent (``(n,)``, or ``(n, k)`` for ``k`` columns),
    written as their respondent mean plus a zero-sum remainder.

    This is the same distribution (mean ~ N(0, 1/n), independent of a ZeroSumNormal(1) remainder),
    only parameterised for the sampler: the mean of a respondent-level effect trades off against a
    population parameter (the mean of theta against mu, that of the scale-usage shift against the
    cut-points), and as one scalar it moves in one coordinate instead of all n at once
    (bench_latent: the bulk ESS of mu was the smallest of the identified parameters before).

    With ``minibatch=True`` they are plain row-level normals with ``respondent`` as their first dimension
    (the form :func:`expectmodel.sampling.backends.minibatch_advi` needs: a row's effect is touched only with its row).
    """
    if minibatch:  # plain row-level normals: a batch's rows are independent of the rows outside it
        return pm.Normal(name, 0.0, 1.0, dims=("respondent",) if k is None else ("respondent", "factor"))
    shape = () if k is None else (k,)
    mean = pm.Normal(f"{name}_mean", 0.0, 1.0 / np.sqrt(n), shape=shape)
    rest = pm.ZeroSumNormal(f"{name}_rest", sigma=1.0, shape=(*shape, n))
    return mean + rest if k is None else mean[None, :] + rest.T


def build_graph(config: LatentConfig, lay: Layout, level_means=None, minibatch: bool = False):
    """The pymc model and the names of its identified parameters (the ones the gates check).

    ``level_means`` (optional, for models that structure the levels, e.g. the expectation dynamics) is
    called as ``level_means(pm, pt, model, identified)`` and returns an (n, B, D) tensor of each row's
    latent level means. They take the place of ``mu`` row by row (the Deterministic ``mu_rows``; ``mu`` is
    then the zero matrix): the levels are ``mu_rows + sigma theta`` and the numpy mirror (``_forward``)
    reads ``mu_rows`` where it is present.

    ``minibatch=True`` builds the model of a batch of rows for :func:`expectmodel.sampling.backends.minibatch_advi`:
    every respondent-level random variable is a plain normal with ``respondent`` as its first dimension
    (the same distribution as the full model's mean + zero-sum form).
    """
    from expectmodel.sampling import configure_pytensor

    configure_pytensor()
    import pymc as pm
    import pytensor.tensor as pt

    B, D, J, K, n = lay.B, lay.D, lay.J, lay.K, lay.n
    Bp = 1 if lay.invariant else B
    pbat = ("shared",) if lay.invariant else lay.batteries
    coords = {"battery": lay.batteries, "dimension": lay.dims, "item": lay.items,
              "param_battery": pbat, "cutpoint": [f"{k}|{k + 1}" for k in range(1, K)],
              "respondent": np.arange(n), "factor": [f"{b}:{d}" for b in lay.batteries for d in lay.dims]}
    coords["factor_"] = coords["factor"]
    ref = lay.index("E") if "E" in lay.batteries else 0
    identified = ["mu", "loading", "cut", "delta"]
    onehot = np.zeros((D, J))  # the dimension of each item, as a (D, J) 0/1 matrix
    onehot[lay.item_dim, np.arange(J)] = 1.0
    pr = config.priors
    with pm.Model(coords=coords) as model:
        if level_means is None:
            mu = pm.Normal("mu", 0.0, pr.mu_sd, dims=("battery", "dimension"))
        else:
            mu = pm.Deterministic("mu", pt.zeros((B, D)), dims=("battery", "dimension"))
            identified.remove("mu")
        # item offsets: one zero-sum vector per dimension
        order = np.argsort(lay.item_dim, kind="stable")
        parts = [pm.ZeroSumNormal(f"delta_{d}", sigma=pr.delta_sd, shape=(Bp, int((lay.item_dim == k).sum())))
                 for k, d in enumerate(lay.dims)]
        delta = pm.Deterministic("delta", pt.concatenate(parts, axis=1)[:, np.argsort(order)],
                                 dims=("param_battery", "item"))
        if lay.invariant and B > 1:
            free = [b for b in range(B) if b != ref]
            coords_free = [lay.batteries[b] for b in free]
            model.add_coord("scaled_battery", coords_free)
            ratio = pm.LogNormal("sigma_ratio", 0.0, pr.sigma_sd, dims=("scaled_battery", "dimension"))
            rows = [pt.ones((1, D)) if b == ref else ratio[free.index(b)][None, :] for b in range(B)]
            sigma = pm.Deterministic("sigma", pt.concatenate(rows, axis=0), dims=("battery", "dimension"))
            identified.append("sigma_ratio")
            # The answers inform lambda_j * sigma[b, d] in every battery, so with sigma_E = 1 the loadings
            # and sigma_ratio are negatively correlated a posteriori. The sampler sees the loading on the
            # geometric mean of the batteries' scales instead, log lambda~ = log lambda + mean_b log sigma[b, d],
            # which the batteries inform alike. Drawn as log lambda~ ~ N(mu_l + mean_b log sigma, s_l), this
            # is the same prior: log lambda = log lambda~ - mean_b log sigma ~ N(mu_l, s_l), independent of sigma.
            mean_log_sigma = pt.dot(pt.log(sigma).mean(axis=0), onehot)
            geo = pm.Normal("log_loading_geo", pr.loading_mu + mean_log_sigma[None], pr.loading_sd,
                            dims=("param_battery", "item"))
            loading = pm.Deterministic("loading", pt.exp(geo - mean_log_sigma[None]), dims=("param_battery", "item"))
        else:
            sigma = pm.Deterministic("sigma", pt.ones((B, D)), dims=("battery", "dimension"))
            loading = pm.LogNormal("loading", pr.loading_mu, pr.loading_sd, dims=("param_battery", "item"))
        item_cuts = config.thresholds == "item"
        if item_cuts:  # the full graded-response model: each item its own (centred) cut-points
            cut = cutpoints_graph("cut", K, (Bp, J), ("param_battery", "item", "cutpoint"), gap_sd=pr.cut_gap_sd)
        else:  # rating-scale thresholds shared by the items
            cut = cutpoints_graph("cut", K, (Bp,), ("param_battery", "cutpoint"), gap_sd=pr.cut_gap_sd)

        F = B * D
        chol = None
        if F > 1:
            chol = pm.LKJCorr("corr_chol", n=F, eta=config.lkj_eta)
            pm.Deterministic("corr", chol @ chol.T, dims=("factor", "factor_"))
        mean = pt.zeros((n, B, D))
        if lay.drivers is not None and "E" in lay.batteries:
            q = lay.drivers.shape[1]
            S = len(lay.stages)
            model.add_coord("driver", list(lay.driver_names))
            model.add_coord("stage", list(lay.stages))
            g_mean = pm.Normal("Gamma_mean", 0.0, pr.gamma_mean_sd, dims=("driver", "dimension"))
            identified.append("Gamma_mean")
            if S > 1:
                g_sd = pm.HalfNormal("Gamma_sd", pr.gamma_sd, dims=("driver",))
                if stage_pooling(lay) == "centred":
                    gamma = pm.Normal("Gamma", g_mean[None], g_sd[None, :, None], dims=("stage", "driver", "dimension"))
                else:
                    g_raw = pm.Normal("Gamma_raw", 0.0, 1.0, shape=(S, q, D))
                    gamma = pm.Deterministic("Gamma", g_mean[None] + g_sd[None, :, None] * g_raw,
                                             dims=("stage", "driver", "dimension"))
            else:
                gamma = pm.Deterministic("Gamma", g_mean[None], dims=("stage", "driver", "dimension"))
            identified.append("Gamma")
            X = pm.Data("data_drivers", lay.drivers)
            stage = pm.Data("data_stage", lay.stage.astype(np.int64))
            shift_e = (X[:, :, None] * gamma[stage]).sum(axis=1)  # (n, D)
            mean = pt.set_subtensor(mean[:, lay.index("E"), :], shift_e)
        rows = None
        if level_means is not None:
            rows = pm.Deterministic("mu_rows", level_means(pm, pt, model, identified),
                                    dims=("respondent", "battery", "dimension"))
        if config.person_parameterization == "centred":
            # informative answers (many items, Beta probabilities): the centred form mixes better
            if chol is None:
                theta = pm.Normal("theta_raw", mean.reshape((n, F)), 1.0, dims=("respondent", "factor")).reshape(
                    (n, B, D))
            else:
                theta = pm.MvNormal("theta_raw", mu=mean.reshape((n, F)), chol=chol,
                                    dims=("respondent", "factor")).reshape((n, B, D))
        else:
            z = _respondent_normal(pm, "z", n, F, minibatch)
            zeta = z if chol is None else z @ chol.T
            theta = mean + zeta.reshape((n, B, D))
        theta = pm.Deterministic("theta", theta, dims=("respondent", "battery", "dimension"))

        # measurement likelihood, dense over respondent x battery x item (unanswered cells weigh 0):
        # the item expansion of theta is a matmul with a one-hot dimension->item matrix, whose
        # gradient is again a matmul, which is much cheaper than scattering into gathered indices.
        pb = np.zeros(B, dtype=np.intp) if lay.invariant else np.arange(B)
        th_items = pt.dot(theta.reshape((n * B, D)), onehot).reshape((n, B, J))
        mu_items = pt.dot(mu, onehot)[None] if rows is None else pt.dot(rows.reshape((n * B, D)), onehot).reshape(
            (n, B, J))
        eta = mu_items + delta[pb][None] + (loading[pb] * pt.dot(sigma, onehot))[None] * th_items
        if config.free_items:
            # partial invariance: the named items get their own offset in every non-reference battery
            # (a shift from the shared offset); the other items anchor the batteries' common metric
            free = np.array([lay.items.index(it) for it in config.free_items], dtype=np.intp)
            others = np.array([b for b in range(B) if b != ref], dtype=np.intp)
            model.add_coord("free_item", list(config.free_items))
            model.add_coord("shifted_battery", [lay.batteries[b] for b in others])
            shift_free = pm.Normal("delta_shift", 0.0, pr.delta_sd, dims=("shifted_battery", "free_item"))
            dev = pt.zeros((B, J))
            dev = pt.set_subtensor(dev[others[:, None], free[None, :]], shift_free)
            dev = pm.Deterministic("delta_battery", dev, dims=("battery", "item"))
            eta = eta + dev[None]
            identified.append("delta_shift")
        cflat = (padded_graph(cut.reshape((Bp * J, K - 1)), Bp * J) if item_cuts else padded_graph(cut, Bp)).ravel()
        row = pb[None, :, None] * J + np.arange(J)[None, None, :] if item_cuts else pb[None, :, None]
        # the answers enter as data containers, so that a compiled model can be reused on another data
        # set of the same shape (LatentExpectations.fit keeps one per structure)
        low_idx = row * (K + 1) + pm.Data("data_category", lay.cat.astype(np.int64))
        lower, upper = cflat[low_idx], cflat[low_idx + 1]
        if config.scale_usage:
            s_sd = pm.HalfNormal("shift_sd", pr.shift_sd)
            w_sd = pm.HalfNormal("stretch_sd", pr.stretch_sd)
            shift = pm.Deterministic("shift", s_sd * _respondent_normal(pm, "shift_raw", n, None, minibatch),
                                     dims="respondent")
            stretch_raw = _respondent_normal(pm, "stretch_raw", n, None, minibatch)
            stretch = pm.Deterministic("stretch", pt.exp(w_sd * stretch_raw),
                                       dims="respondent")
            eta = eta + shift[:, None, None]
            lower, upper = lower * stretch[:, None, None], upper * stretch[:, None, None]
            identified += ["shift_sd", "stretch_sd"]
        loglik = ordinal_logp_graph(eta, lower, upper)
        if lay.answered is not None:
            mask = lay.answered.copy()
            if lay.prob is not None:
                mask[:, lay.prob, :] = False
            loglik = loglik * pm.Data("data_answered", mask.astype(float))
        if lay.prob is not None:
            # expectations stated as probabilities: Beta(m phi, (1 - m) phi), logit m = eta (METHODS §2.1)
            phi = pm.LogNormal("precision", np.log(10.0), 1.0, dims="item")
            m = pt.sigmoid(eta[:, lay.prob, :])
            beta_lp = beta_logp_graph(pm.Data("data_probability", lay.prob_y), m, phi)
            stated = pm.Data("data_probability_answered", lay.answered[:, lay.prob, :].astype(float))
            pm.Potential("probabilities", (beta_lp * stated).sum())
            identified.append("precision")
        pm.Potential("answers", loglik.sum())

        if config.link is not None:
            _satisfaction(pm, pt, model, config, lay, mu[None] if rows is None else rows, sigma, theta, identified)
    return model, identified


def _satisfaction(pm, pt, model, config: LatentConfig, lay: Layout, mu, sigma, theta, identified: list) -> None:
    """The satisfaction link (METHODS §2.1): eta_S = sum_d beta_P,d P*_d + beta_E,d E*_d, answered on
    ordinal items; several items share a respondent residual, integrated out. Adds to ``model``."""
    D = lay.D
    model.add_coord("sat_item", list(lay.sat_items))
    model.add_coord("sat_cutpoint", [f"{k}|{k + 1}" for k in range(1, lay.K_sat)])
    iE, iP = lay.index("E"), lay.index("P")
    n_sat = len(lay.sat_items)
    if lay.sat_quadrature:
        # several items share a respondent residual zeta ~ N(0, r_sd^2), integrated out by
        # Gauss-Hermite quadrature (_forward.satisfaction_loglik): sampled per respondent, its SD
        # mixed slowly (the bundled survey's fit: bulk ESS 51-161, R-hat up to 1.075)
        r_sd = pm.HalfNormal("sat_resid_sd", config.priors.sat_resid_sd)
        identified.append("sat_resid_sd")
        # the residual attenuates the marginal effects of eta by about sqrt(1 + 0.346 r_sd^2)
        # (Zeger, Liang & Albert 1988); the sampler sees beta and the cut-points divided by that
        # factor, with their priors transformed to match (unchanged on the reported scale), so
        # that they do not have to move with r_sd
        atten = pt.sqrt(1.0 + 0.346 * r_sd**2)
    else:
        atten = None

    def coefficient(name: str):
        if atten is None:
            return pm.Normal(name, 0.0, config.priors.beta_sd, dims="dimension")
        scaled = pm.Normal(f"{name}_attenuated", 0.0, config.priors.beta_sd / atten, dims="dimension")
        return pm.Deterministic(name, scaled * atten, dims="dimension")

    beta_p = coefficient("beta_P")
    if config.link == "gap":
        beta_e = pm.Deterministic("beta_E", -beta_p, dims="dimension")
    elif config.link == "free":
        beta_e = coefficient("beta_E")
    else:
        beta_e = pm.Deterministic("beta_E", pt.zeros(D), dims="dimension")
    pm.Deterministic("beta_sum", beta_p + beta_e, dims="dimension")
    identified += ["beta_P"] + (["beta_E"] if config.link == "free" else [])
    level = mu + sigma[None] * theta  # mu: (1, B, D), or (n, B, D) row means
    eta_s = (level[:, iP, :] * beta_p).sum(axis=1)
    if iE is not None:
        eta_s = eta_s + (level[:, iE, :] * beta_e).sum(axis=1)
    sd_loc = config.priors.sat_loc_sd
    loc = pm.Normal("sat_loc", 0.0, sd_loc if atten is None else sd_loc / atten, dims="sat_item")
    sat_cut = cutpoints_graph("sat_cut", lay.K_sat, (n_sat,), ("sat_item", "sat_cutpoint"), loc=loc,
                              scale=atten, gap_sd=config.priors.cut_gap_sd)
    identified.append("sat_cut")
    spad = padded_graph(sat_cut, n_sat)
    s_cat = pm.Data("data_satisfaction_category", lay.sat_cat.astype(np.int64))  # (n, items)
    s_answered = pm.Data("data_satisfaction_answered", lay.sat_answered.astype(float))
    items = np.arange(n_sat)[None, :]
    lower, upper = spad[items, s_cat][:, :, None], spad[items, s_cat + 1][:, :, None]
    if lay.sat_quadrature:
        nodes, log_w = residual_quadrature(lay.sat_quadrature)
        eta_q = eta_s[:, None, None] + r_sd * nodes[None, None, :]  # (n, 1, Q)
    else:
        log_w = np.zeros(1)
        eta_q = eta_s[:, None, None]
    lp = (ordinal_logp_graph(eta_q, lower, upper) * s_answered[:, :, None]).sum(axis=1)  # (n, Q)
    pm.Potential("satisfaction", pt.logsumexp(lp + log_w[None, :], axis=1).sum())


def params_from(group) -> dict:
    """Posterior (or prior) variables as numpy arrays with one flat leading draw axis.

    ``theta`` is absent from a minibatch ADVI fit (its respondents' levels are variational parameters, kept
    in the tree's ``variational_local`` group), whose population parameters still serve held-out scoring.
    """
    def get(name):
        v = np.asarray(group[name].values)
        return v.reshape((-1, *v.shape[2:]))

    p = {k: get(k) for k in ("mu", "delta", "loading", "sigma", "cut")}
    names = set(group.data_vars)
    for k in ("theta", "beta_P", "beta_E", "sat_cut", "sat_resid_sd", "shift", "stretch", "Gamma", "Gamma_mean",
              "Gamma_sd", "precision", "mu_rows", "delta_battery"):
        if k in names:
            p[k] = get(k)
    return p
