"""Exploration for issue 17 (not package code): three statistics for the per-item invariance test, on the same fits.

    python benchmarks/explore_invariance_statistics.py START REPS > results_explore_invariance_statistics.jsonl

The replications are those of ``recovery_latent_extensions.py --study invariance`` (same seeds: 250 respondents x
8 items, gap link, a +1 logit P offset planted on q3, and an invariant twin). For each fit it computes:

- ``item``: the package's ``invariance_test`` statistic (each item's mean P - E answer difference against its
  posterior predictive distribution, the respondents' own levels kept; Bonferroni alpha / J);
- ``contrast``: the item's difference minus the mean of its dimension's other items, observed and replicated;
- ``stepdown``: the contrast, flagging the most discrepant item and dropping it from the others' reference
  before testing again.

The package's ``invariance_test`` has since become the step-down contrast, with two changes measured on these
fits (``recovery_latent_extensions.py --study invariance``): the reference distribution draws new respondents from
the fitted population (a mixed predictive check) instead of keeping the respondents' own levels, and the p-values
come from z (Holm thresholds), not from the replicates' empirical tails. Here ``item`` is the package's statistic
before that change.
"""
import json
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.latent.test_invariance import planted_survey

from expectmodel import latent
from expectmodel.sampling import SamplerConfig


def stats(res, alpha=0.05, draws=400, seed=0):
    lay = res.layout
    iE, iP = lay.index("E"), lay.index("P")
    # the posterior predictive answers with the respondents' own levels (the package's ppc_items replicates)
    dense_obs, dense_rep = res._replicated_dense(draws, seed)  # (n, B, J), (draws, n, B, J)
    o = np.nanmean(dense_obs[:, iP] - dense_obs[:, iE], axis=0)
    rep = np.nanmean(dense_rep[:, :, iP] - dense_rep[:, :, iE], axis=1)
    def contrast(m):
        out = np.empty_like(m)
        for j in range(lay.J):
            others = [k for k in range(lay.J) if lay.item_dim[k] == lay.item_dim[j] and k != j]
            out[..., j] = m[..., j] - m[..., others].mean(axis=-1)
        return out
    def stepdown(ob, rp):
        """Flag the most discrepant item by its contrast with the dimension's unflagged items, drop it from the
        others' reference, repeat until nothing passes alpha / J."""
        flagged = []
        while True:
            best = None
            for j in range(lay.J):
                if j in flagged:
                    continue
                others = [k for k in range(lay.J) if lay.item_dim[k] == lay.item_dim[j] and k != j and k not in flagged]
                if not others:
                    continue
                c_o = ob[j] - ob[others].mean()
                c_r = rp[:, j] - rp[:, others].mean(axis=1)
                pv = min(1.0, 2 * min((c_r >= c_o).mean(), (c_r <= c_o).mean()))
                if best is None or pv < best[1]:
                    best = (j, pv)
            if best is None or best[1] >= alpha / lay.J:
                return [j in flagged for j in range(lay.J)]
            flagged.append(best[0])

    res_ = {"stepdown": {"flag": stepdown(o, rep), "z": [0.0] * lay.J}}
    for name, (ob, rp) in {"item": (o, rep), "contrast": (contrast(o), contrast(rep))}.items():
        up, lo = (rp >= ob[None]).mean(0), (rp <= ob[None]).mean(0)
        pv = np.minimum(1, 2 * np.minimum(up, lo))
        z = (ob - rp.mean(0)) / rp.std(0, ddof=1)
        res_[name] = {"flag": (pv < alpha / lay.J).tolist(), "z": z.round(2).tolist()}
    return res_

start, reps = int(sys.argv[1]), int(sys.argv[2])
for r in range(start, start + reps):
    row = {"rep": r}
    for shift in (1.0, 0.0):
        sim = planted_survey(shift=shift, seed=6000 + r)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = latent.LatentExpectations(sim.design, link="gap", sampler=SamplerConfig(
                draws=400, tune=400, chains=2, seed=r, nutpie_backend="jax",
                gates={"rhat": 1.05, "ess_bulk": 100, "ess_tail": 100})).fit(sim.data)
        row["planted" if shift else "invariant"] = stats(res)
    print(json.dumps(row), flush=True)
