"""The scoring contract of KanoResults: the spec survives JSON, scores with numpy only, and agrees with the fit."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from expectmodel import kano
from expectmodel_scorer import score
from expectmodel_scorer.core import check_spec


def test_spec_round_trips_through_json_and_scores_like_categorize():
    reverse = {5: "like", 4: "must-be", 3: "neutral", 2: "live-with", 1: "dislike"}
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"a_f": rng.integers(1, 6, 200), "a_d": rng.integers(1, 6, 200),
                       "b_f": rng.integers(1, 6, 200), "b_d": rng.integers(1, 6, 200)})
    df.loc[:4, "a_f"] = -9
    res = kano.KanoClassifier(codes=reverse, missing_values=-9, seed=1).fit(df)
    spec = json.loads(json.dumps(res.scoring_spec(), default=lambda a: a.tolist()))
    check_spec(spec)
    assert [i["column"] for i in spec["inputs"]] == ["a_f", "a_d", "b_f", "b_d"]
    out = score(spec, df)
    expected = kano.categorize(df, codes=reverse, missing_values=-9)
    for a in ("a", "b"):
        codes = out[a].to_numpy()
        want = expected[a].cat.codes.to_numpy().astype(float)
        want[want < 0] = np.nan
        np.testing.assert_array_equal(codes, want)
    assert out["a"].iloc[:5].isna().all()


def test_the_custom_table_travels_with_the_spec():
    variant = ("OAAAO", "RIIIM", "RIIIM", "RIIIM", "RRRRQ")
    df = pd.DataFrame({"a_f": [1, 1, 2], "a_d": [1, 5, 5]})
    res = kano.KanoClassifier(table=variant, seed=1).fit(df)
    assert res.predict(df)["a"].astype(str).tolist() == ["O", "O", "M"]
