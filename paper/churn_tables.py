"""Tables: the feature gain of survey-derived churn features and the sBG model on Fader & Hardie's cohorts.

    python paper/churn_tables.py [--out paper/output/churn] [--fast]

1. ``feature_gain.csv/.tex``: grouped (by customer) 5-fold cross-validated AUC, Brier score, log loss and
   top-decile lift on the bundled customer panel (datasets/customer_panel.csv) of a logistic pipeline fed by
   SERVQUAL gap features (``churn.ServqualGaps`` plus a piecewise-linear spline with a knot at a zero gap)
   and of the same logistic regression on the 18 raw items; next to them the AUC gain the simulator implies
   (both pipelines fitted and scored on 100,000 simulated customers each).
2. ``sbg.csv/.tex``: the sBG model fitted by maximum likelihood (``churn.SBG``) and in pymc
   (``churn.BayesianSBG``) to the survivor counts of Fader & Hardie (2007, Table 1; years 1-7), with the
   paper's estimates, the projected survival to year 12 against the observed, and the discounted expected
   residual lifetime (10% per year) of a new customer.

``--fast`` (the implied margin from 20,000 customers, a short Bayesian chain) is for CI; the paper uses the
defaults.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

import expectmodel as em
from expectmodel import churn
from expectmodel.churn.sbg import fader_hardie_2007
from expectmodel.sampling import SamplerConfig
from expectmodel.summary import Summary

PAPER = {"regular": (0.704, 1.182), "highend": (0.668, 3.806)}  # Fader & Hardie (2007), section 4


def feature_gain(fast: bool) -> pd.DataFrame:
    panel = em.datasets.load_customer_panel()
    truth = json.loads(em.datasets.path("customer_panel_truth.json").read_text())
    pipes = churn.simulate.feature_pipelines(churn.simulate_panel(10, periods=12, seed=0))
    X, y, g = panel[pipes["columns"]], panel["churned"], panel["customer"]
    rows = {}
    for name in ("survey features", "raw items"):
        cv = churn.cross_validate(pipes[name], X, y, groups=g, n_splits=5)
        rows[name] = {**cv.overall().drop(["n", "base_rate"]).to_dict(), "auc_fold_sd": cv.folds["auc"].std()}
    table = pd.DataFrame(rows).T
    settings = {**truth["settings"], "baseline": tuple(truth["settings"]["baseline"])}
    implied = (churn.simulate.implied_auc_gain(20_000, seed=1, **settings) if fast
               else truth["implied_auc_gain"])
    table["implied_population_auc"] = [implied["auc_survey_features"], implied["auc_raw_items"]]
    table.loc["gain (features - raw)"] = table.loc["survey features"] - table.loc["raw items"]
    table.loc["gain (features - raw)", "auc_fold_sd"] = float("nan")
    return table


def sbg_table(fast: bool) -> pd.DataFrame:
    data = fader_hardie_2007()
    seven = data[data["period"] <= 7]
    ml = churn.SBG(draws=500 if fast else 4000, seed=1).fit(seven)
    sampler = (SamplerConfig(draws=300, tune=300, chains=2, seed=1, nutpie_backend="jax",
                             gates={"rhat": 1.05, "ess_bulk": 50, "ess_tail": 50}) if fast
               else SamplerConfig(draws=1000, tune=1000, chains=4, seed=1))
    bayes = churn.BayesianSBG(sampler=sampler).fit(seven)
    rows = []
    for cohort, (pa, pb) in PAPER.items():
        observed12 = data.query("cohort == @cohort and period == 12")["alive"].item() / 1000
        for label, res in (("ML", ml), ("Bayes (pymc)", bayes)):
            a, b = res.params(cohort)
            s12 = res.survival([12]).query("cohort == @cohort")["survival"].item()
            derl = res.residual_lifetime(discount=0.1, tenure=[0]).query("cohort == @cohort")["derl"].item()
            rows.append({"cohort": cohort, "fit": label, "alpha": a, "beta": b, "alpha (paper)": pa,
                         "beta (paper)": pb, "alpha vs paper %": 100 * (a / pa - 1),
                         "beta vs paper %": 100 * (b / pb - 1), "S(12) projected": s12,
                         "S(12) observed": observed12, "DERL (10%)": derl})
    return pd.DataFrame(rows).set_index(["cohort", "fit"])


def write(table: pd.DataFrame, name: str, caption: str, out: Path) -> None:
    table.to_csv(out / f"{name}.csv")
    s = Summary(caption)
    s.add_table(caption, table)
    (out / f"{name}.tex").write_text(s.as_latex() + "\n")
    print(f"\n{caption}\n{table.round(4).to_string()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("paper/output/churn"))
    parser.add_argument("--fast", action="store_true")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    write(feature_gain(args.fast), "feature_gain", "Grouped cross-validated churn prediction on the customer panel",
          args.out)
    write(sbg_table(args.fast), "sbg", "sBG fits to Fader & Hardie (2007), years 1-7", args.out)


if __name__ == "__main__":
    main()
