"""Simulated surveys with a known truth and the recovery studies of issue 12 (moderation, mediation, MICOM).

Used by tests/sem/test_publication_slow.py (few replications, ``-m slow``) and by
benchmarks/recovery_pls_publication.py (many). Single-item constructs make the PLS estimates consistent for the
standardised truth, so the coverage checks the bootstrap and the two-stage machinery rather than PLS's
attenuation of common factors.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import expectmodel as em

R_XM, A_X, B_M, C_XM = 0.3, 0.30, 0.20, 0.15
A, B, DIRECT = 0.4, 0.3, 0.2


def interaction_data(n: int, rng: np.random.Generator) -> tuple[pd.DataFrame, float]:
    x, m = rng.multivariate_normal([0, 0], [[1, R_XM], [R_XM, 1]], size=n).T
    var_y = A_X**2 + B_M**2 + 2 * A_X * B_M * R_XM + C_XM**2 * (1 + R_XM**2) + 0.5
    y = A_X * x + B_M * m + C_XM * x * m + rng.normal(0, np.sqrt(0.5), n)
    truth = C_XM * np.sqrt(1 + R_XM**2) / np.sqrt(var_y)
    return pd.DataFrame({"x": x, "m": m, "y": y}), truth


INTERACTION = em.Model.from_syntax("X =~ x\nM =~ m\nY =~ y\nY ~ X + M + X:M")
MEDIATION = em.Model.from_syntax("X =~ x\nM =~ m\nY =~ y\nM ~ X\nY ~ M + X")
MICOM = em.Model.from_syntax("Q =~ q1 + q2 + q3\nS =~ s1 + s2 + s3\nS ~ Q")


def mediation_data(n: int, rng: np.random.Generator) -> tuple[pd.DataFrame, float]:
    x = rng.normal(size=n)
    m = A * x + rng.normal(0, np.sqrt(1 - A**2), n)
    var_y_exp = B**2 + DIRECT**2 + 2 * B * DIRECT * A
    y = B * m + DIRECT * x + rng.normal(0, np.sqrt(1 - var_y_exp), n)
    return pd.DataFrame({"x": x, "m": m, "y": y}), A * B


def micom_group(n: int, rng: np.random.Generator, q1: float = 0.8) -> pd.DataFrame:
    q = rng.normal(size=n)
    s = 0.5 * q + rng.normal(0, np.sqrt(0.75), n)
    out = {}
    for name, eta, loads in (("q", q, (q1, 0.8, 0.8)), ("s", s, (0.8, 0.8, 0.8))):
        for i, lam in enumerate(loads, start=1):
            out[f"{name}{i}"] = lam * eta + rng.normal(0, np.sqrt(1 - lam**2), n)
    return pd.DataFrame(out)


def interaction_coverage(reps: int, n_boot: int, seed: int) -> float:
    rng = np.random.default_rng(seed)
    hits = 0
    for r in range(reps):
        data, truth = interaction_data(300, rng)
        res = em.PLS(INTERACTION, bootstrap=n_boot, ci_level=0.9, bca=False, seed=seed + r).fit(data)
        row = res.to_frame().query("kind == 'path' and rhs == 'X:M'").iloc[0]
        hits += row["ci_low"] <= truth <= row["ci_high"]
    return hits / reps


def indirect_coverage(reps: int, n_boot: int, seed: int) -> float:
    rng = np.random.default_rng(seed)
    hits = 0
    for r in range(reps):
        data, truth = mediation_data(300, rng)
        res = em.PLS(MEDIATION, bootstrap=n_boot, ci_level=0.9, bca=False, seed=seed + r).fit(data)
        row = res.indirect_effects.query("kind == 'specific'").iloc[0]
        hits += row["ci_low"] <= truth <= row["ci_high"]
    return hits / reps


def micom_rejection(reps: int, n_perm: int, seed: int, q1: float) -> float:
    rng = np.random.default_rng(seed)
    rejected = 0
    for r in range(reps):
        data = pd.concat([micom_group(300, rng).assign(g="A"), micom_group(300, rng, q1).assign(g="B")],
                         ignore_index=True)
        table = em.MultiGroupPLS(em.PLS(MICOM), by="g").fit(data).micom(n_permutations=n_perm, seed=seed + r)
        rejected += not table.set_index("construct").loc["Q", "compositional"]
    return rejected / reps
