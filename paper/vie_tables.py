"""Tables: expectancy theory (VIE) on the bundled survey, the product test's size and power, and attenuation.

    python paper/vie_tables.py [--out paper/output/vie] [--reps 500] [--bayes-reps 12] [--fast]

1. ``survey.csv/.tex``: the bundled customer survey (datasets/vie_survey.csv): the moderated regression of
   repurchase (logit) and intention (ordered logit, OLS) on E, V and E*V: the product test and the forms by BIC.
2. ``size_power.csv/.tex``: rejection rates of the product test at 5% under the additive truth (size) and the
   stated multiplicative truth (power), ``--reps`` replications per cell, with Monte Carlo SEs, for the OLS,
   logit and ordered-logit criteria (benchmarks/recovery_vie.py; its stored, seeded p-values are read when they
   cover ``--reps``).
3. ``attenuation.csv/.tex``: at reliability 0.7, the product coefficient of the manifest-score regression and of
   the hierarchical Bayesian model, side by side with the truth, and the Bayesian 90% coverage.
4. ``calibration.csv/.tex``: coverage of the Bayesian 90% intervals (per-respondent M and the four population
   coefficients) per study, with Monte Carlo SEs over replications (intervals within one fit are correlated):
   the calibration study on a truth the default model represents (person intercept only;
   results_recovery_vie_bayes_matched.json) and, labelled misspecified, the study on the simulator's default truth
   with person slopes the default model lacks (results_recovery_vie_bayes.json). Read from the stored, seeded
   replications (``benchmarks/recovery_vie.py --bayes-batch FILE --truth intercept|slopes``).

``--fast`` (50 replications, one Bayesian fit of 150 respondents) is for CI; the paper's numbers use the defaults.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

import expectmodel as em
from expectmodel.summary import Summary

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from recovery_vie import FAMILIES, TRUTHS, bayes_study, rates, size_power, summarise_bayes

#: The stored p-values of the size/power study (``python benchmarks/recovery_vie.py --size-power-batch ...``).
STORED = Path(__file__).resolve().parents[1] / "benchmarks" / "results_size_power_vie.json"


#: The stored replications of the attenuation/coverage study (``recovery_vie.py --bayes-batch ...``): the
#: simulator's default truth, with person slopes the default model lacks (misspecified for coverage).
STORED_BAYES = STORED.with_name("results_recovery_vie_bayes.json")
#: The calibration study: a truth with a person intercept only, which the default model represents.
STORED_MATCHED = STORED.with_name("results_recovery_vie_bayes_matched.json")


def calibration_table() -> pd.DataFrame:
    """Coverage of the 90% intervals per stored study, with Monte Carlo SEs computed over replications."""
    import json

    rows = []
    for path, label in ((STORED_MATCHED, "matched: person intercept truth, default model"),
                        (STORED_BAYES, "misspecified: person slope truth, default model (intercept only)")):
        if not path.exists():
            continue
        stored = json.loads(path.read_text())
        if not stored["reps"]:
            continue
        cov = summarise_bayes(stored["reps"])["coverage"]
        rows.append({"study": label, "model_slopes": ",".join(stored.get("person_slopes", [])) or "none",
                     "n": stored["n"], "reps": cov["reps"], "coverage_M_90": cov["motivation"],
                     "coverage_M_mc_se": cov["motivation_mc_se_reps"], "coverage_coefficients_90": cov["coefficients"],
                     "coverage_coefficients_mc_se": cov["coefficients_mc_se_reps"],
                     **{f"coverage_{t}": v for t, v in cov["coefficients_by_term"].items()}})
    return pd.DataFrame(rows).set_index("study") if rows else pd.DataFrame()


def bayes_tables(reps: int, n: int) -> dict:
    """The attenuation/coverage study: the stored replications when they cover ``reps`` at ``n``, else fitted here."""
    import json

    if STORED_BAYES.exists():
        stored = json.loads(STORED_BAYES.read_text())
        if stored["n"] == n and len(stored["reps"]) >= reps:
            print(f"attenuation/coverage: {reps} stored replications from {STORED_BAYES.name}")
            return summarise_bayes(stored["reps"][:reps])
    return bayes_study(reps, n, log=lambda *_: None)


def size_power_table(reps: int) -> pd.DataFrame:
    """The size/power table: from the stored p-values when they hold ``reps`` per cell, else computed here."""
    import json

    if STORED.exists():
        p = json.loads(STORED.read_text())["p_values"]
        if all(len(p.get(f, {}).get(t, [])) >= reps for f in FAMILIES for t in TRUTHS):
            print(f"size/power: {reps} stored replications per cell from {STORED.name} (seeded; recomputed "
                  "identically by benchmarks/recovery_vie.py --size-power-batch)")
            return rates(p, reps)
    return size_power(reps)


def survey_table() -> pd.DataFrame:
    survey = em.datasets.load_vie_survey()
    design = em.datasets.vie_survey_design()
    rows = []
    for criterion, family in (("repurchase", "logit"), ("intention", "ordered"), ("intention", "ols")):
        res = em.vie.ModeratedRegression(design, criterion, family=family, missing="listwise",
                                         missing_values=-99).fit(survey)
        t = res.product_test
        rows.append({"criterion": criterion, "model": family, "n": res.meta.data.n_used,
                     "b_EV": t["coefficient"], "se_EV": t["std_error"], "test": t["test"],
                     "statistic": t["statistic"], "p": t["p_value"],
                     "best form (BIC)": res.comparison["bic"].idxmin()})
    return pd.DataFrame(rows).set_index(["criterion", "model"])


def write(table: pd.DataFrame, name: str, caption: str, out: Path) -> None:
    table.to_csv(out / f"{name}.csv")
    s = Summary(caption)
    s.add_table(caption, table)
    (out / f"{name}.tex").write_text(s.as_latex() + "\n")
    print(f"\n{caption}\n{table.round(3).to_string()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("paper/output/vie"))
    parser.add_argument("--reps", type=int, default=500)
    parser.add_argument("--bayes-reps", type=int, default=12)
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--fast", action="store_true")
    args = parser.parse_args()
    reps, breps, n = (50, 1, 150) if args.fast else (args.reps, args.bayes_reps, args.n)
    args.out.mkdir(parents=True, exist_ok=True)
    write(survey_table(), "survey", "VIE moderated regression on the bundled survey", args.out)
    write(size_power_table(reps).set_index(["family", "truth"]), "size_power",
          f"Product-term test at 5%: size and power ({reps} replications)", args.out)
    study = bayes_tables(breps, n)
    att = study["attenuation"][["rep", "truth", "manifest", "manifest_se", "bayes", "bayes_sd"]].set_index("rep")
    summary = pd.DataFrame([{**study["attenuation_summary"], "coverage_M_90": study["coverage"]["motivation"],
                             "coverage_M_90_mc_se": study["coverage"]["motivation_mc_se"],
                             "coverage_coefficients_90": study["coverage"]["coefficients"],
                             "coverage_coefficients_n": study["coverage"]["coefficients_n"]}])
    write(att, "attenuation", "Product coefficient at reliability 0.7: manifest regression vs latent Bayesian model",
          args.out)
    write(summary, "attenuation_summary", "Attenuation ratios and Bayesian 90% coverage (person slope truth, default "
          "model: coverage misspecified; see calibration)", args.out)
    calibration = calibration_table()
    if not calibration.empty:
        write(calibration, "calibration", "Bayesian 90% coverage per study (MC SEs over replications)", args.out)


if __name__ == "__main__":
    main()
