"""Tables and figure: the second half of an ECSI paper on the bundled survey (issue 12).

    python paper/pls_publication.py [--out paper/output/pls_publication] [--boot 5000] [--perm 5000] [--seed 1]
    python paper/pls_publication.py --fast      # 200 resamples and permutations: a quick check

From datasets/csi_survey.csv (600 respondents, -99 = no answer, listwise): the mediation table of the ECSI chain
(direct, total indirect and total effects, VAF, Zhao-Lynch-Chen type), overall model fit with the Bollen-Stine
test, PLSpredict (10 folds x 10 repetitions) with CVPAT, and the customer-stage comparison of the 0-100 index
(MICOM, then MGA with Holm-adjusted p-values); as CSV and LaTeX, and the floodlight figure of
Satisfaction x Image on Loyalty (PNG, PDF).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import expectmodel as em


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("paper/output/pls_publication"))
    parser.add_argument("--boot", type=int, default=5000)
    parser.add_argument("--perm", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--fast", action="store_true", help="200 resamples and permutations")
    args = parser.parse_args()
    boot, perm = (200, 200) if args.fast else (args.boot, args.perm)
    survey = em.datasets.load_csi_survey()
    model = em.spec.templates.ecsi()
    common = {"scale": (1, 10), "missing_values": [-99], "missing": "listwise"}
    res = em.PLS(model, bootstrap=boot, fit_test=min(boot, 2000), seed=args.seed, **common).fit(survey)
    cv = res.plspredict(folds=10, repetitions=10, seed=args.seed)
    stages = em.MultiGroupPLS(em.PLS(model, bootstrap=min(boot, 2000), seed=args.seed, **common), by="stage",
                              permutations=perm).fit(survey)
    moderated = em.Model.from_syntax(model.to_syntax() + "\nLoyalty ~ Satisfaction:Image")
    mod = em.PLS(moderated, bootstrap=boot, seed=args.seed, **common).fit(survey)

    args.out.mkdir(parents=True, exist_ok=True)
    mediation = res.mediation.set_index(["source", "target"])
    fit = res.model_fit.set_index(["measure", "model"])
    index_diff = stages.mga_table.query("kind == 'index'").set_index(["group_1", "group_2", "lhs"])[
        ["estimate_1", "estimate_2", "difference", "ci_low", "ci_high", "p_permutation_adj", "p_welch_adj"]]
    micom = stages.micom_table.set_index(["group_1", "group_2", "construct"])[["c", "c_q05", "compositional",
                                                                               "full"]]
    tables = {"mediation": mediation, "model_fit": fit, "plspredict": cv.items.set_index(["construct", "indicator"]),
              "cvpat": cv.cvpat.set_index(["construct", "benchmark"]), "micom": micom,
              "index_by_stage": index_diff}
    doc = em.summary.Summary("ECSI: mediation, fit, prediction and customer stages", digits=3)
    for name, frame in tables.items():
        frame.to_csv(args.out / f"{name}.csv")
        doc.add_table(name.replace("_", " "), frame)
    doc.notes.append(f"GoF (Tenenhaus et al. 2005, not a fit test) = {res.gof:.3f}; {boot} bootstrap resamples, "
                     f"{perm} permutations, seed {args.seed}.")
    (args.out / "tables.tex").write_text(doc.as_latex(), encoding="utf-8")
    ax = mod.plot_floodlight("Satisfaction:Image")
    for ext in ("png", "pdf"):
        ax.figure.savefig(args.out / f"floodlight.{ext}", dpi=200)
    print(mediation.round(3).to_string())
    print(fit.round(3).to_string())
    print(index_diff.round(3).to_string())


if __name__ == "__main__":
    main()
