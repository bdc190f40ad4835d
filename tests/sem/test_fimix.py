"""FIMIX-PLS: two planted segments with opposite paths are found, and the retention criteria follow their
definitions (AIC, AIC3, BIC, CAIC from the log-likelihood and the parameter count; EN from the posteriors)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import expectmodel as em


@pytest.fixture(scope="module")
def planted():
    rng = np.random.default_rng(0)
    n = 600
    x = rng.normal(size=n)
    w = rng.normal(size=n)
    segment = np.arange(n) < 360  # 60% / 40%
    y = np.where(segment, 0.7, -0.5) * x + 0.3 * w + 0.4 * rng.normal(size=n)
    model = em.Model.from_syntax("X =~ x\nW =~ w\nY =~ y\nY ~ X + W")
    res = em.PLS(model).fit(pd.DataFrame({"x": x, "w": w, "y": y}))
    return res, segment, x


def test_two_planted_segments_are_found(planted):
    res, segment, x = planted
    seg = res.fimix(segments=(1, 2, 3), starts=8, seed=4)
    crit = seg.criteria.set_index("segments")
    for name in ("AIC3", "BIC", "CAIC"):
        assert crit[name].idxmin() == 2, name
    sizes = seg.sizes[2]
    assert sizes.iloc[0] == pytest.approx(0.6, abs=0.06)
    paths = seg.paths[2].loc[("X", "Y")]
    assert paths.iloc[0] > 0.3 and paths.iloc[1] < -0.2  # the larger segment has the positive path
    member = seg.memberships(2) == 0
    clear = np.abs(x) > 0.5  # near x = 0 the two regressions cross and membership is not identified
    assert (member[clear] == segment[clear]).mean() > 0.9


def test_criteria_by_definition(planted):
    res, _, _ = planted
    seg = res.fimix(segments=(2,), starts=3, seed=1)
    row = seg.criteria.iloc[0]
    n, k = res.n, row["parameters"]
    assert k == 1 + 2 * (2 + 1)  # one share, per segment two paths and a residual variance
    assert row["AIC3"] == pytest.approx(-2 * row["loglik"] + 3 * k)
    assert row["CAIC"] == pytest.approx(-2 * row["loglik"] + (np.log(n) + 1) * k)
    post = seg.posterior[2]
    np.testing.assert_allclose(post.sum(axis=1), 1.0)
    ent = -(post * np.log(np.clip(post, 1e-300, None))).sum()
    assert row["EN"] == pytest.approx(1 - ent / (n * np.log(2)), abs=1e-9)
    with pytest.raises(em.errors.ParameterError, match="segments"):
        res.fimix(segments=(0,))


def test_fimix_reports_in_to_frame_summary_and_json(planted):
    import json

    seg = planted[0].fimix(segments=(1, 2), starts=3, seed=2)
    frame = seg.to_frame()
    assert list(frame.columns[:9]) == list(em.results.PARAMETER_COLUMNS)
    paths = frame[(frame["kind"] == "fimix_path") & (frame["segments"] == 2)]
    for seg_name, col in seg.paths[2].items():  # every segment's path, as in .paths
        got = paths[paths["group"] == seg_name].set_index(["rhs", "lhs"])["estimate"]
        np.testing.assert_array_equal(got.to_numpy(), col.to_numpy())
    shares = frame[(frame["kind"] == "fimix_share") & (frame["segments"] == 2)]["estimate"]
    assert shares.sum() == pytest.approx(1.0)
    bic = frame[(frame["kind"] == "fimix_criterion") & (frame["lhs"] == "BIC")]["estimate"].to_numpy()
    np.testing.assert_array_equal(bic, seg.criteria["BIC"].to_numpy())
    back = json.loads(seg.to_json())
    assert back["seed"] == 2 and back["solutions"]["2"]["shares"].keys() == {"segment 1", "segment 2"}
    assert "Retention criteria" in str(seg.summary())
    html = seg._repr_html_()  # Jupyter shows the same report as a table
    assert html.startswith("<") and "Retention criteria" in html and "BIC" in html
