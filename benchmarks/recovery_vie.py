"""Recovery studies of the VIE family (issue 13's acceptance).

    python benchmarks/recovery_vie.py [--reps 500] [--bayes-reps 4] [--json OUT] [--fast]

1. **Size and power** of the moderated regression's product-term test (ΔR² F for OLS, LR for logit and
   ordered logit) at the 5% level: the rejection rate under the additive truth (size, about 5%) and under
   the stated multiplicative truth (power; the target is > 80% for the OLS criterion), over ``reps``
   replications each, with Monte Carlo standard errors.
2. **Attenuation** at reliability 0.7: data with E and V measured by two items each (reliability of the
   item means about 0.7 for both); the manifest-score regression (OLS of y on the item means and their
   product, statsmodels) against the hierarchical Bayesian VIE (latent true scores), side by side with the
   truth of the product coefficient.
3. **Coverage** of the Bayesian model's 90% intervals: per-respondent motivation M and the population
   coefficients, pooled over the Bayesian replications (target 85-95%), with Monte Carlo SEs computed over
   replications. ``--truth intercept`` simulates person intercepts only, a truth the default model (person
   intercept only) represents: the calibration study (results_recovery_vie_bayes_matched.json). The default
   ``--truth slopes`` has person slopes the default model lacks, so its coverage is that of a misspecified
   model (results_recovery_vie_bayes.json); ``--person-slopes E,V,E*V`` fits the slope model to it.

   python benchmarks/recovery_vie.py --bayes-batch benchmarks/results_recovery_vie_bayes_matched.json
       --truth intercept --bayes-reps 40 --budget 300   (one line; resumable: rerun to continue)

Everything is seeded; the same command gives the same numbers.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings

import numpy as np
import pandas as pd

from expectmodel import vie
from expectmodel.sampling import SamplerConfig

#: The stated truths of the size/power study: (intercept, E, V, E*V) of the criterion.
ADDITIVE = (0.0, 1.0, 0.30, 0.0)
MULTIPLICATIVE = (0.0, 0.0, 0.0, 0.35)
FAMILIES = {"ols": ("continuous", 150), "logit": ("binary", 600), "ordered": ("ordinal", 500)}


TRUTHS = {"additive (size)": ADDITIVE, "multiplicative (power)": MULTIPLICATIVE}


def product_p_values(family: str, truth: str, reps: range, seed: int = 20261130) -> list[float]:
    """p-values of the product test for replications ``reps`` of one cell (family, truth); seeded per rep."""
    criterion, n = FAMILIES[family]
    out = []
    for r in reps:
        sim = vie.simulate_vie(n, truth=TRUTHS[truth], criterion=criterion, seed=seed + 7919 * r)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = vie.ModeratedRegression(sim.design, "y", family=family).fit(sim.data)
        out.append(float(res.product_test["p_value"]))
    return out


def rates(p_values: dict[str, dict[str, list[float]]], reps: int | None = None) -> pd.DataFrame:
    """Rejection rates at 5% with their binomial Monte Carlo SEs, per family and truth."""
    rows = []
    for family, cells in p_values.items():
        for truth, p in cells.items():
            p = np.asarray(p[:reps] if reps else p)
            if p.size == 0:
                continue
            rate = float((p < 0.05).mean())
            rows.append({"family": family, "truth": truth, "n": FAMILIES[family][1], "reps": int(p.size),
                         "rejection_rate": rate, "mc_se": float(np.sqrt(rate * (1 - rate) / p.size))})
    return pd.DataFrame(rows)


def size_power(reps: int = 500, seed: int = 20261130, families=FAMILIES) -> pd.DataFrame:
    """Rejection rates of the product test at 5% under the additive and the multiplicative truth."""
    return rates({f: {t: product_p_values(f, t, range(reps), seed) for t in TRUTHS} for f in families})


def size_power_batch(path: str, reps: int = 500, budget_s: float = 480.0, seed: int = 20261130) -> bool:
    """Extend the p-values stored in ``path`` (JSON) towards ``reps`` per cell for ``budget_s`` seconds.

    Resumable: each call continues where the file ends (replication r always uses seed + 7919 r), so a
    long study runs as several short batches. Returns True once every cell holds ``reps`` p-values.
    """
    import os

    store = json.load(open(path)) if os.path.exists(path) else {"seed": seed, "p_values": {}}
    t0 = time.perf_counter()
    done = True
    for family in FAMILIES:
        for truth in TRUTHS:
            cell = store["p_values"].setdefault(family, {}).setdefault(truth, [])
            while len(cell) < reps:
                if time.perf_counter() - t0 > budget_s:
                    done = False
                    break
                start = len(cell)
                cell.extend(product_p_values(family, truth, range(start, min(reps, start + 25)), store["seed"]))
                with open(path, "w") as fh:
                    json.dump(store, fh)
            done = done and len(cell) >= reps
    store["rates"] = rates(store["p_values"]).to_dict(orient="records")
    with open(path, "w") as fh:
        json.dump(store, fh, indent=1)
    return done


def _manifest_ols(data: pd.DataFrame):
    import statsmodels.formula.api as smf

    f = pd.DataFrame({"y": data["y"], "E": data[["E1", "E2"]].mean(axis=1), "V": data[["V1", "V2"]].mean(axis=1)})
    return smf.ols("y ~ E * V", data=f).fit()


#: Person-level SDs of (intercept, E, V, E*V) in the coverage truths. ``slopes`` is simulate_within's default
#: (the earlier study: the default model, intercept only, is misspecified on it); ``intercept`` is a truth the
#: default model represents exactly (person intercept only, no slope SDs).
PERSON_SD = {"slopes": (0.3, 0.3, 0.1, 0.15), "intercept": (0.3, 0.0, 0.0, 0.0)}


def bayes_rep(r: int, n: int = 300, seed: int = 500, sampler: SamplerConfig | None = None,
              person_sd: tuple[float, ...] = PERSON_SD["slopes"], **settings) -> dict:
    """One replication of the attenuation/coverage study: the manifest regression and the Bayesian fit.

    ``person_sd`` is the simulated truth's person-level SDs; ``settings`` go to ``HierarchicalVIE``
    (e.g. ``person_slopes=["E", "V", "E*V"]``).
    """
    sampler = sampler or SamplerConfig(draws=500, tune=500, chains=2, seed=1, nutpie_backend="jax")
    sim = vie.simulate_within(n, phi=5.0, sigma_v=2.0, person_sd=tuple(person_sd), seed=seed + r)
    manifest = _manifest_ols(sim.data)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = vie.HierarchicalVIE("respondent", ["E1", "E2"], ["V1", "V2"], "y", outcome="outcome",
                                  sampler=sampler.replace(seed=sampler.seed + r), **settings).fit(sim.data)
    frame = res.to_frame()
    coef = frame[frame["kind"] == "coefficient"].set_index("rhs")
    truth = sim.truth["coefficients"]
    m = res.motivation()
    covered_m = ((m["ci_low"] <= sim.truth["M"]) & (sim.truth["M"] <= m["ci_high"])).to_numpy()
    return {"rep": r, "truth": truth["E*V"], "manifest": float(manifest.params["E:V"]),
            "manifest_se": float(manifest.bse["E:V"]), "bayes": float(coef.loc["E*V", "estimate"]),
            "bayes_sd": float(coef.loc["E*V", "std_error"]), "rhat": float(res.diagnostics.max_rhat),
            "min_ess_bulk": float(res.diagnostics.min_ess_bulk), "seconds": time.perf_counter() - t0,
            "reliability": sim.truth["reliability"], "motivation_covered": int(covered_m.sum()),
            "motivation_n": int(covered_m.size),
            "coefficients_covered": {rhs: bool(coef.loc[rhs, "ci_low"] <= v <= coef.loc[rhs, "ci_high"])
                                     for rhs, v in truth.items()},
            "random_terms": list(res.prepared.random_terms)}


def summarise_bayes(reps: list[dict]) -> dict:
    """Attenuation side by side and pooled 90% coverage over the replications, with Monte Carlo SEs.

    The intervals within one replication share its data and its posterior, so they are correlated: the MC SE
    of a coverage is computed over replications (the SD of the per-replication coverage / sqrt(reps));
    the binomial SE over all intervals (``motivation_mc_se``) is kept for comparison but understates it.
    """
    att = pd.DataFrame([{k: v for k, v in r.items() if not isinstance(v, dict | list)} for r in reps])
    cm, nm = int(att["motivation_covered"].sum()), int(att["motivation_n"].sum())
    cc = [c for r in reps for c in r["coefficients_covered"].values()]
    cov_m = cm / nm
    per_m = att["motivation_covered"] / att["motivation_n"]
    per_c = np.array([np.mean(list(r["coefficients_covered"].values())) for r in reps])
    per_term = {t: float(np.mean([r["coefficients_covered"][t] for r in reps]))
                for t in reps[0]["coefficients_covered"]}

    def over_reps(x):
        return float(np.std(x, ddof=1) / np.sqrt(len(x))) if len(x) > 1 else float("nan")

    return {"attenuation": att,
            "attenuation_summary": {"truth": float(att["truth"].mean()),
                                    "manifest_mean": float(att["manifest"].mean()),
                                    "bayes_mean": float(att["bayes"].mean()),
                                    "manifest_ratio": float(att["manifest"].mean() / att["truth"].mean()),
                                    "bayes_ratio": float(att["bayes"].mean() / att["truth"].mean()),
                                    "bayes_mean_mc_se": float(att["bayes"].std(ddof=1) / np.sqrt(len(att)))
                                    if len(att) > 1 else float("nan"),
                                    "reliability_E": float(np.mean([r["reliability"]["E"] for r in reps])),
                                    "reliability_V": float(np.mean([r["reliability"]["V"] for r in reps]))},
            "coverage": {"motivation": cov_m, "motivation_n": nm,
                         "motivation_mc_se": float(np.sqrt(cov_m * (1 - cov_m) / nm)),
                         "motivation_mc_se_reps": over_reps(per_m),
                         "coefficients": float(np.mean(cc)), "coefficients_n": len(cc),
                         "coefficients_mc_se_reps": over_reps(per_c), "coefficients_by_term": per_term,
                         "reps": len(reps)}}


def bayes_study(reps: int = 4, n: int = 300, seed: int = 500, sampler: SamplerConfig | None = None,
                log=print) -> dict:
    """Attenuation (manifest vs latent product coefficient) and 90% coverage, over ``reps`` fits."""
    out = []
    for r in range(reps):
        out.append(bayes_rep(r, n, seed, sampler))
        a = out[-1]
        log(f"rep {r}: product truth {a['truth']:.2f}, manifest {a['manifest']:.3f}, Bayes {a['bayes']:.3f}; "
            f"M coverage {a['motivation_covered'] / a['motivation_n']:.3f} ({a['seconds']:.0f} s)")
    return summarise_bayes(out)


def bayes_batch(path: str, reps: int = 4, n: int = 300, budget_s: float = 420.0, truth: str = "slopes",
                person_slopes: list[str] | None = None) -> bool:
    """Extend the replications stored in ``path`` (JSON) towards ``reps``, starting new ones for ``budget_s`` s.

    ``truth`` (a key of :data:`PERSON_SD`) and ``person_slopes`` (the model's) are stored in the file on its
    first call and read back on later ones, so a resumed study keeps its design.
    """
    import os

    store = json.load(open(path)) if os.path.exists(path) else {
        "n": n, "truth": truth, "person_sd": list(PERSON_SD[truth]), "person_slopes": person_slopes or [],
        "reps": []}
    settings = {"person_slopes": store["person_slopes"]} if store.get("person_slopes") else {}
    t0 = time.perf_counter()
    while len(store["reps"]) < reps and time.perf_counter() - t0 < budget_s:
        store["reps"].append(bayes_rep(len(store["reps"]), store["n"],
                                       person_sd=tuple(store.get("person_sd", PERSON_SD["slopes"])), **settings))
        with open(path, "w") as fh:
            json.dump(store, fh, indent=1)
    s = summarise_bayes(store["reps"])
    store["attenuation_summary"], store["coverage"] = s["attenuation_summary"], s["coverage"]
    with open(path, "w") as fh:
        json.dump(store, fh, indent=1)
    print(s["attenuation"].round(3).to_string(index=False))
    print(json.dumps({"attenuation": s["attenuation_summary"], "coverage": s["coverage"]}, indent=1))
    return len(store["reps"]) >= reps


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=500)
    ap.add_argument("--bayes-reps", type=int, default=4)
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--fast", action="store_true", help="50 replications, one Bayesian fit of 150 respondents")
    ap.add_argument("--json", default=None)
    ap.add_argument("--size-power-batch", default=None, metavar="JSON",
                    help="only the size/power study, resumable: extend JSON for --budget seconds")
    ap.add_argument("--budget", type=float, default=480.0)
    ap.add_argument("--truth", choices=sorted(PERSON_SD), default="slopes",
                    help="person-level SDs of the Bayesian study's truth (a new --bayes-batch file only)")
    ap.add_argument("--person-slopes", default="", help="comma-separated model slope terms, e.g. E,V,E*V")
    ap.add_argument("--bayes-batch", default=None, metavar="JSON",
                    help="only the Bayesian attenuation/coverage study, resumable: extend JSON for --budget seconds")
    args = ap.parse_args()
    if args.bayes_batch:
        slopes = [t for t in args.person_slopes.split(",") if t]
        done = bayes_batch(args.bayes_batch, args.bayes_reps, args.n, args.budget, args.truth, slopes)
        print("complete" if done else "incomplete: run again to continue")
        return
    if args.size_power_batch:
        done = size_power_batch(args.size_power_batch, args.reps, args.budget)
        print(rates(json.load(open(args.size_power_batch))["p_values"]).to_string(index=False))
        print("complete" if done else "incomplete: run again to continue")
        return
    reps, breps, n = (50, 1, 150) if args.fast else (args.reps, args.bayes_reps, args.n)
    t0 = time.perf_counter()
    sp = size_power(reps)
    print(sp.to_string(index=False))
    print(f"size/power: {time.perf_counter() - t0:.0f} s")
    b = bayes_study(breps, n)
    print(b["attenuation"].round(3).to_string(index=False))
    print(json.dumps({"attenuation": b["attenuation_summary"], "coverage": b["coverage"]}, indent=1))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"size_power": sp.to_dict(orient="records"), "attenuation": b["attenuation"].to_dict(
                orient="records"), "attenuation_summary": b["attenuation_summary"], "coverage": b["coverage"],
                       "settings": {"reps": reps, "bayes_reps": breps, "n": n}}, fh, indent=1)


if __name__ == "__main__":
    main()
