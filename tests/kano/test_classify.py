"""KanoClassifier: textbook examples worked by hand, intervals against independent computations, groups."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from expectmodel import kano
from expectmodel.errors import DataError


def survey_from_counts(counts: dict[str, dict[str, int]]) -> pd.DataFrame:
    """Respondents whose answer pairs give exactly ``counts`` (one canonical pair per category)."""
    pair = {"A": (1, 3), "O": (1, 5), "M": (3, 5), "I": (3, 3), "R": (5, 1), "Q": (1, 1)}
    n = max(sum(c.values()) for c in counts.values())
    cols = {}
    for attr, c in counts.items():
        f, d = [], []
        for cat, k in c.items():
            f += [pair[cat][0]] * k
            d += [pair[cat][1]] * k
        f += [np.nan] * (n - len(f))
        d += [np.nan] * (n - len(d))
        cols[f"{attr}_f"], cols[f"{attr}_d"] = f, d
    return pd.DataFrame(cols)


# -- textbook example 1: Sauerwein, Bailom, Matzler & Hinterhuber (1996), "The Kano model: how to delight your
# customers", IX International Working Seminar on Production Economics, Innsbruck, pp. 313-327: the ski survey's
# table of category frequencies (in %; here per 1,000 respondents). [mem: transcribed from the published table;
# check against the original before quoting in the paper.]
SKI = {
    "edge_grip": {"A": 70, "M": 323, "O": 493, "I": 95, "R": 3, "Q": 15},
    "ease_of_turn": {"A": 104, "M": 256, "O": 483, "I": 149, "R": 2, "Q": 6},
    "service": {"A": 638, "M": 83, "O": 102, "I": 169, "R": 3, "Q": 5},
}


def test_textbook_ski_example_sauerwein_1996():
    res = kano.KanoClassifier(seed=1).fit(survey_from_counts(SKI))
    table = res.classification().set_index("attribute")
    # the published categories: edge grip and ease of turn one-dimensional, service attractive
    assert table.loc["edge_grip", "category"] == "O" and table.loc["ease_of_turn", "category"] == "O"
    assert table.loc["service", "category"] == "A"
    # Better/Worse by hand: edge grip (7.0 + 49.3) / (7.0 + 49.3 + 32.3 + 9.5) = 56.3 / 98.1 = 0.574 and
    # -(49.3 + 32.3) / 98.1 = -0.832 (the paper prints 0.57 and -0.83)
    assert table.loc["edge_grip", "better"] == pytest.approx(563 / 981)
    assert table.loc["edge_grip", "worse"] == pytest.approx(-816 / 981)
    assert round(table.loc["edge_grip", "better"], 2) == 0.57 and round(table.loc["edge_grip", "worse"], 2) == -0.83
    # service: (63.8 + 10.2) / 99.2 = 0.746, -(10.2 + 8.3) / 99.2 = -0.186
    assert table.loc["service", "better"] == pytest.approx(740 / 992)
    assert table.loc["service", "worse"] == pytest.approx(-185 / 992)
    # Fong by hand for edge grip: a = 493 (O), b = 323 (M); the rounded percentages sum to 99.9, so there are
    # 999 answers and n = 999 - 15 (Q) = 984: 1.65 * sqrt(816 * (1968 - 816) / 1968) = 1.65 * 21.86 = 36.06,
    # below |493 - 323| = 170: significant, not mixed
    crit = 1.65 * np.sqrt(816 * (2 * 984 - 816) / (2 * 984))
    assert table.loc["edge_grip", "fong_critical"] == pytest.approx(crit)
    assert table.loc["edge_grip", "fong_difference"] == 170 and not table.loc["edge_grip", "mixed"]
    # R and Q rates: edge grip 3 and 15 of 999 answers; shares exclude Q: O = 493 / 984
    assert table.loc["edge_grip", "r_rate"] == pytest.approx(3 / 999)
    assert table.loc["edge_grip", "q_rate"] == pytest.approx(15 / 999)
    share = res.to_frame().query("kind == 'share' and lhs == 'edge_grip' and rhs == 'O'")
    assert share["estimate"].item() == pytest.approx(493 / 984) and share["n"].item() == 984


# -- textbook example 2: the worked answer pair of Berger et al. (1993), "Kano's methods for understanding
# customer-defined quality", CQM Journal 2(4), repeated in Sauerwein et al. (1996) Figure 2: "If the edges of
# your skis grip well on hard snow, how do you feel?" - "I like it that way"; "... if they do not grip well?" -
# "I dislike it that way" -> one-dimensional. And a respondent who answers like / neutral reads attractive,
# neutral / dislike must-be (the table's first row and last column).
def test_textbook_worked_answer_pairs_berger_1993():
    df = pd.DataFrame({"edges_f": ["I like it that way", "I like it that way", "I am neutral"],
                       "edges_d": ["I dislike it that way", "I am neutral", "I dislike it that way"]})
    assert kano.categorize(df)["edges"].tolist() == ["O", "A", "M"]


# -- textbook example 3: the Fong test and the modal rule with a tie, Berger et al. (1993) and Fong (1996),
# "Using the self-stated importance questionnaire to interpret Kano questionnaire results", CQM Journal 5(3):
# the decision rule "if in doubt, M > O > A > I" and the mixed category when the top two are close.
def test_textbook_fong_and_tie_break():
    counts = {"tie": {"M": 30, "O": 30, "A": 20, "I": 20},          # M and O tie: M wins
              "close": {"A": 40, "I": 32, "O": 18, "M": 10},         # 40 vs 32 of n = 100
              "clear": {"A": 60, "I": 20, "O": 10, "M": 10}}
    res = kano.KanoClassifier(seed=1).fit(survey_from_counts(counts))
    t = res.classification().set_index("attribute")
    assert t.loc["tie", "category"] == "M" and t.loc["tie", "second"] == "O" and t.loc["tie", "label"] == "M/O"
    # by hand: 1.65 * sqrt(72 * (200 - 72) / 200) = 1.65 * 6.788 = 11.2 > |40 - 32| = 8: mixed A/I
    assert t.loc["close", "fong_critical"] == pytest.approx(1.65 * np.sqrt(72 * 128 / 200))
    assert t.loc["close", "label"] == "A/I" and t.loc["close", "mixed"]
    # 1.65 * sqrt(80 * 120 / 200) = 11.4 < 40: significant
    assert t.loc["clear", "label"] == "A" and not t.loc["clear", "mixed"]


# -- intervals against independent computations -------------------------------------------------------------
def test_share_intervals_are_the_beta_marginals_of_the_dirichlet_posterior():
    counts = {"x": {"A": 12, "O": 30, "M": 5, "I": 40, "R": 3, "Q": 10}}
    res = kano.KanoClassifier(draws=40_000, ci_level=0.9, seed=3).fit(survey_from_counts(counts))
    f = res.to_frame().query("kind == 'share'").set_index("rhs")
    alpha = {k: v + 1.0 for k, v in counts["x"].items() if k != "Q"}  # uniform prior; Q leaves the shares
    total = sum(alpha.values())
    for cat, a in alpha.items():
        lo, hi = stats.beta.ppf([0.05, 0.95], a, total - a)
        # Monte Carlo SE of a 5% quantile from 40,000 draws is about 0.001 here; 0.005 is 5 SEs
        assert abs(f.loc[cat, "ci_low"] - lo) < 0.005 and abs(f.loc[cat, "ci_high"] - hi) < 0.005, cat
    # the Q rate's interval is the Beta marginal over all six categories
    q = res.to_frame().query("kind == 'rate' and rhs == 'Q'")
    lo, hi = stats.beta.ppf([0.05, 0.95], 11, 106 - 11)  # 100 answers + 6 x prior 1
    assert abs(q["ci_low"].item() - lo) < 0.005 and abs(q["ci_high"].item() - hi) < 0.005


def test_better_worse_intervals_agree_with_a_direct_respondent_bootstrap():
    rng = np.random.default_rng(5)
    n = 300
    df = pd.DataFrame({"a_f": rng.integers(1, 6, n), "a_d": rng.integers(1, 6, n)})
    df.loc[rng.choice(n, 20, replace=False), "a_f"] = np.nan
    res = kano.KanoClassifier(draws=4000, seed=2).fit(df)
    cats = kano.categorize(df)["a"].to_numpy()
    boot = []
    for _ in range(4000):  # the textbook respondent bootstrap, written out
        c = cats[rng.integers(0, n, n)]
        a, o, m, i = ((c == k).sum() for k in "AOMI")
        boot.append(((a + o) / (a + o + m + i), -(o + m) / (a + o + m + i)))
    lo, hi = np.quantile(np.array(boot), [0.05, 0.95], axis=0)
    bw = res.better_worse().iloc[0]
    # two independent 4,000-replicate bootstraps: their 5% quantiles differ by about 0.006 (SD); allow 0.02
    np.testing.assert_allclose([bw["better_low"], bw["worse_low"]], lo, atol=0.02)
    np.testing.assert_allclose([bw["better_high"], bw["worse_high"]], hi, atol=0.02)


# -- groups, errors, reporting --------------------------------------------------------------------------------
def test_groups_report_what_separate_fits_report():
    rng = np.random.default_rng(8)
    n = 400
    df = pd.DataFrame({"a_f": rng.integers(1, 6, n), "a_d": rng.integers(1, 6, n), "b_f": rng.integers(1, 6, n),
                       "b_d": rng.integers(1, 6, n), "stage": rng.choice(["new", "loyal"], n)})
    res = kano.KanoClassifier(groups="stage", seed=1).fit(df)
    assert res.groups == ("new", "loyal")
    for g in res.groups:
        alone = kano.KanoClassifier(seed=1).fit(df[df.stage == g].drop(columns="stage"))
        mine = res.classification().query("group == @g").drop(columns="group").reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, alone.classification().drop(columns="group"))
    assert set(res.to_frame()["group"]) == {"new", "loyal"}
    assert "new" in res.summary().as_text()


def test_all_answers_questionable_is_refused():
    df = pd.DataFrame({"a_f": [1, 5, 1], "a_d": [1, 5, 1], "b_f": [1, 1, 1], "b_d": [5, 5, 5]})
    with pytest.raises(DataError, match=r"All 3 answers of attribute 'a' are questionable .*swapped"):
        kano.KanoClassifier(seed=1).fit(df)


def test_all_questionable_in_one_group_names_the_group():
    df = pd.DataFrame({"a_f": [1, 1, 1], "a_d": [1, 1, 5], "g": ["x", "x", "y"]})
    with pytest.raises(DataError, match="attribute 'a' in group 'x' are questionable"):
        kano.KanoClassifier(groups="g", seed=1).fit(df)


def test_predict_uses_the_scorer_and_agrees_with_the_fit():
    rng = np.random.default_rng(4)
    df = pd.DataFrame({"a_f": rng.integers(1, 6, 50), "a_d": rng.integers(1, 6, 50)})
    res = kano.KanoClassifier(seed=1).fit(df)
    got = res.predict(df)["a"]
    assert got.astype(str).tolist() == kano.categorize(df)["a"].astype(str).tolist()
    counts = got.value_counts().reindex(list(kano.CATEGORIES)).to_numpy()
    np.testing.assert_array_equal(counts, res.counts[0, 0, :6])


def test_results_export_and_text_summary():
    res = kano.KanoClassifier(seed=1).fit(survey_from_counts(SKI))
    d = res.to_dict()
    assert d["schema"] == "expectmodel.kano" and d["table"] == list(kano.STANDARD_TABLE)
    assert d["meta"]["params"]["table"] == "standard" and d["meta"]["seed"] == 1
    text = res.summary().as_text()
    assert "edge_grip" in text and "Better / Worse" in text
