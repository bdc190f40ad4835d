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


if __name__ == "__main__":
    build_csi_survey()
