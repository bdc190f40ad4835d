"""Regenerate the bundled data sets: ``python datasets/build.py`` (deterministic, seeded)."""

from __future__ import annotations

from pathlib import Path

import expectmodel as em

HERE = Path(__file__).parent

# Population paths of the ECSI model; customer stages differ in two of them.
ECSI_PATHS = {
    "Image->Expectation": 0.50, "Image->Satisfaction": 0.20, "Image->Loyalty": 0.20,
    "Expectation->Quality": 0.55, "Expectation->Value": 0.10, "Expectation->Satisfaction": 0.05,
    "Quality->Value": 0.55, "Quality->Satisfaction": 0.45, "Value->Satisfaction": 0.25,
    "Satisfaction->Complaints": 0.50, "Satisfaction->Loyalty": 0.45, "Complaints->Loyalty": 0.10,
}
STAGES = {
    "first-time": {"n": 200, "paths": {**ECSI_PATHS, "Expectation->Satisfaction": 0.20,
                                        "Satisfaction->Loyalty": 0.30}},
    "repeat": {"n": 200, "paths": ECSI_PATHS},
    "long-term": {"n": 200, "paths": {**ECSI_PATHS, "Expectation->Satisfaction": -0.05,
                                       "Satisfaction->Loyalty": 0.60}},
}


def build_csi_survey() -> None:
    data = em.simulate.survey_by_group(
        em.spec.templates.ecsi(), STAGES, column="stage", seed=20261123,
        loadings=0.8, scale=(1, 10), location=0.7, missing_rate=0.02, missing_code=-99,
    )
    data.insert(0, "respondent", range(1, len(data) + 1))
    data.to_csv(HERE / "csi_survey.csv", index=False)


def build_servqual_survey() -> None:
    """SERVQUAL-style survey: E, P, D and A batteries, 22 items, 7 points, with known truth."""
    import numpy as np

    from expectmodel import latent

    sim = latent.simulate_latent(
        800, batteries=("E", "P", "D", "A"), link="free", n_satisfaction=2,
        drivers=("word_of_mouth", "promises", "past_experience", "needs", "price"),
        stages=("never used", "first-time", "long-term"), no_perception=("never used",),
        missing_rate=0.01, seed=20261123,
    )
    df = sim.data.copy()
    rng = np.random.default_rng(7)
    imp = rng.dirichlet(np.full(5, 4.0), size=len(df)) * 100
    imp = np.round(imp).astype(int)
    imp[:, 0] += 100 - imp.sum(axis=1)  # integer points summing to 100
    for k, dim in enumerate(latent.SERVQUAL_DIMENSIONS):
        df[f"importance_{dim}"] = imp[:, k]
    answers = [c for c in df.columns if c[:2] in ("E_", "P_", "D_", "A_") or c.startswith("sat")]
    block = df[answers]
    df[answers] = block.where(block.notna(), -99)
    df.loc[df.stage == "never used", [c for c in answers if c.startswith(("P_", "sat"))]] = np.nan
    df.insert(0, "respondent", range(1, len(df) + 1))
    df.to_csv(HERE / "servqual_survey.csv", index=False, float_format="%.4g")
    truth = {k: np.asarray(v).round(6).tolist() for k, v in sim.truth.items()
             if k in ("mu", "delta", "loading", "sigma", "cut", "beta_P", "beta_E", "Gamma_mean", "Gamma", "corr")}
    import json

    (HERE / "servqual_survey_truth.json").write_text(json.dumps(truth, indent=1))


def build_vie_survey() -> None:
    """Build the customer VIE survey: 400 respondents, 4 outcomes, probabilities in percent, bipolar valences, repurchase."""
    import json

    import numpy as np

    from expectmodel import vie

    outcomes = ("delivery", "price", "recovery", "support")
    coefs = (-0.3, 1.2, 0.25, 0.45)  # intercept, mean E, mean V, M = sum E_k V_k (latent criterion scale)
    sim = vie.simulate_vie(400, outcomes=outcomes, truth=coefs, criterion="continuous", noise=1.0, seed=20261130)
    df = sim.data.drop(columns="y")
    rng = np.random.default_rng(11)
    latent = sim.data["y"].to_numpy()
    df[[f"E_{o}" for o in outcomes]] = (df[[f"E_{o}" for o in outcomes]] * 100).round().astype(int)
    df["intention"] = np.searchsorted([-1.5, -0.8, -0.2, 0.4, 1.0, 1.7], latent) + 1
    df["repurchase"] = (rng.uniform(size=len(df)) < 1 / (1 + np.exp(-1.5 * latent))).astype(int)
    answers = [c for c in df.columns if c[:2] in ("E_", "V_")]
    block = df[answers].to_numpy().copy()
    block[rng.uniform(size=block.shape) < 0.01] = -99
    df[answers] = block
    df.to_csv(HERE / "vie_survey.csv", index=False)
    truth = {"outcomes": list(outcomes), "coefficients": dict(zip(("Intercept", "E", "V", "E*V"), coefs, strict=True)),
             "criterion_noise_sd": 1.0, "intention_thresholds": [-1.5, -0.8, -0.2, 0.4, 1.0, 1.7],
             "repurchase": "Bernoulli(logistic(1.5 * latent criterion))", "missing_rate": 0.01,
             "seed": 20261130}
    (HERE / "vie_survey_truth.json").write_text(json.dumps(truth, indent=1) + "\n")


#: Kano survey (mobile banking app): wave-0 category probabilities (A, O, M, I, R, Q) and maturity slopes.
KANO_ATTRIBUTES = {
    "biometric_login": ([0.25, 0.35, 0.30, 0.07, 0.02, 0.01], 0.45),
    "instant_transfer": ([0.15, 0.45, 0.30, 0.07, 0.02, 0.01], 0.30),
    "spending_insights": ([0.45, 0.20, 0.08, 0.24, 0.02, 0.01], 0.35),
    "chat_support": ([0.30, 0.30, 0.15, 0.21, 0.03, 0.01], 0.10),
    "dark_mode": ([0.30, 0.08, 0.04, 0.52, 0.05, 0.01], 0.00),
    "fee_transparency": ([0.10, 0.35, 0.45, 0.07, 0.02, 0.01], 0.20),
    "offline_mode": ([0.40, 0.10, 0.05, 0.40, 0.04, 0.01], -0.20),
    "budget_alerts": ([0.35, 0.25, 0.10, 0.26, 0.03, 0.01], 0.25),
}
#: Customer stages: maturity offset and share per wave (established customers grow from 30% to 70%).
KANO_STAGES = {"new": (-0.6, [0.70, 0.57, 0.43, 0.30]), "established": (0.6, [0.30, 0.43, 0.57, 0.70])}
#: Regression Kano survey (hotel stay): each attribute's true Kano kind.
KANO_RATING_KINDS = {"cleanliness": "M", "check_in": "M", "staff": "O", "breakfast": "O", "spa": "A",
                     "welcome_gift": "A", "tv_channels": "I"}


def build_kano_surveys() -> None:
    """Kano waves (4 x 500 respondents, 8 attributes, drift and a shifting stage mix) and hotel ratings."""
    import json

    import numpy as np

    from expectmodel import kano

    sim = kano.simulate_kano(500, {a: p for a, (p, _) in KANO_ATTRIBUTES.items()}, waves=4,
                             slopes={a: g for a, (_, g) in KANO_ATTRIBUTES.items()}, stages=KANO_STAGES,
                             missing_rate=0.01, seed=20261130)
    df = sim.data.copy()
    df["wave"] = df["wave"] + 2021  # survey years 2022-2025
    answers = [c for c in df.columns if c.endswith(("_f", "_d"))]
    df[answers] = df[answers].fillna(-99).astype(int)
    df.insert(0, "respondent", range(1, len(df) + 1))
    df.to_csv(HERE / "kano_waves.csv", index=False)
    truth = sim.truth()
    truth.update({"waves": [2022, 2023, 2024, 2025], "missing_code": -99, "missing_rate": 0.01,
                  "codes": {"1": "like", "2": "must-be", "3": "neutral", "4": "live-with", "5": "dislike"},
                  "table": "standard"})
    (HERE / "kano_waves_truth.json").write_text(json.dumps(truth, indent=1) + "\n")
    ratings = kano.simulate_ratings(1200, KANO_RATING_KINDS, levels=7, seed=20261130)
    out = ratings.data.copy()
    out.insert(0, "respondent", range(1, len(out) + 1))
    out["market"] = np.where(np.random.default_rng(1).uniform(size=len(out)) < 0.5, "city", "resort")
    out.to_csv(HERE / "kano_ratings.csv", index=False)
    (HERE / "kano_ratings_truth.json").write_text(json.dumps({
        "kinds": ratings.kinds, "below": ratings.below, "above": ratings.above, "scale": [1, 5],
        "satisfaction_levels": 7, "neutral": 3, "market": "assigned at random (no effect)",
        "seed": ratings.seed}, indent=1) + "\n")


#: The customer panel's generating settings (expectmodel.churn.simulate_panel).
CUSTOMER_PANEL = {"periods": 12, "beta": -0.4, "shortfall": 0.8, "baseline": (-3.2, -0.3)}


def build_customer_panel() -> None:
    """Build the customer panel: 3,000 customers, entry survey (E/P items), satisfaction waves, churn over 12 months."""
    import json

    from expectmodel import churn

    sim = churn.simulate_panel(3000, seed=20261130, **CUSTOMER_PANEL)
    customers = sim.customers.drop(columns="churned")
    customers["churn_period"] = customers["customer"].map(dict(zip(sim.events["customer"], sim.events["time"],
                                                                   strict=True))).astype("Int64")
    customers["churned"] = sim.customers["churned"]
    customers.to_csv(HERE / "customer_panel.csv", index=False)
    sim.waves.astype({"satisfaction": int}).to_csv(HERE / "customer_panel_waves.csv", index=False)
    implied = churn.simulate.implied_auc_gain(100_000, seed=1, **CUSTOMER_PANEL)
    truth = {**sim.truth, "settings": {**CUSTOMER_PANEL, "baseline": list(CUSTOMER_PANEL["baseline"])},
             "implied_auc_gain": implied, "seed": sim.seed,
             "implied_auc_gain_method": "both pipelines of churn.simulate.feature_pipelines fitted on 100,000 "
                                        "simulated customers (seed 1) and scored on 100,000 more (seed 2)"}
    (HERE / "customer_panel_truth.json").write_text(json.dumps(truth, indent=1) + "\n")


def build_expectation_waves() -> None:
    """Three survey waves of 1,000 panel customers (22 SERVQUAL items, E and P, satisfaction), adaptive expectations."""
    import json

    import numpy as np

    from expectmodel import latent

    sim = latent.simulate_waves(1000, waves=3, dimensions=latent.SERVQUAL_DIMENSIONS,
                                stages=("first-time", "long-term"), alpha=(0.5, 0.25), link="free", seed=20261130)
    answers = [c for c in sim.data.columns if c[:2] in ("E_", "P_") or c.startswith("sat")]
    sim.data.astype(dict.fromkeys(answers, int)).to_csv(HERE / "expectation_waves.csv", index=False)
    truth = {k: np.asarray(v).round(6).tolist() for k, v in sim.truth.items()
             if k in ("alpha", "E_level", "P_level", "state_sd", "delta", "loading", "sigma", "cut", "corr", "beta_P",
                      "beta_E")}
    truth["note"] = "E_level and P_level: stage (first-time, long-term) x wave (1-3) x dimension (SERVQUAL order)"
    (HERE / "expectation_waves_truth.json").write_text(json.dumps(truth, indent=1) + "\n")


if __name__ == "__main__":
    build_csi_survey()
    build_servqual_survey()
    build_vie_survey()
    build_kano_surveys()
    build_customer_panel()
    build_expectation_waves()
