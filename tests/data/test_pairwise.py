"""missing='pairwise': pairwise-complete moments agree with pandas (R's pairwise.complete.obs), reduce to the
listwise moments when nothing is missing, and the bootstrap stack equals a loop over resamples."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import expectmodel as em
from expectmodel.sem._data import _moments, moments, pairwise_correlation_stack, pairwise_moments, prepare

MODEL = em.spec.templates.ecsi()


@pytest.fixture(scope="module")
def csi() -> pd.DataFrame:
    return em.datasets.load_csi_survey()


def test_pairwise_moments_match_pandas(csi):
    prep = prepare(csi, MODEL, scale=(1, 10), missing="pairwise", missing_values=-99)
    assert np.isnan(prep.values).any() and prep.n == len(csi)
    frame = csi[list(MODEL.indicators)].replace(-99, np.nan)
    mu, sd, corr = moments(prep)
    np.testing.assert_allclose(corr, frame.corr().to_numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(mu, frame.mean().to_numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(sd, frame.std().to_numpy(), rtol=0, atol=1e-12)
    counts = frame.notna().astype(int)
    np.testing.assert_array_equal(prep.pairwise.n_pairs, counts.T @ counts)


def test_pairwise_equals_listwise_without_missing_answers(csi):
    complete = csi[list(MODEL.indicators)].replace(-99, np.nan).dropna()
    pw = prepare(complete, MODEL, scale=(1, 10), missing="pairwise")
    lw = prepare(complete, MODEL, scale=(1, 10), missing="listwise")
    for a, b in zip(moments(pw), moments(lw), strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)
    expected = _moments(lw.values, lw.summary.total, lw.summary.gram)
    for a, b in zip(moments(lw), expected, strict=True):
        np.testing.assert_array_equal(a, b)  # non-pairwise: exactly the one-pass moments


def test_pairwise_refuses_thin_pairs():
    model = em.Model.from_syntax("Q =~ a + b\nS =~ c\nS ~ Q")
    rng = np.random.default_rng(0)
    x = rng.integers(1, 8, size=(40, 3)).astype(float)
    x[:38, 0] = np.nan  # 'a' answered in 2 rows only
    frame = pd.DataFrame(x, columns=["a", "b", "c"])
    with pytest.raises(em.DataError, match=r"Column 'a' is answered in only 2 row\(s\)"):
        prepare(frame, model, missing="pairwise")
    x = rng.integers(1, 8, size=(40, 3)).astype(float)
    x[:20, 0] = np.nan
    x[18:, 1] = np.nan  # a and b together in rows 20-17: none... only rows 18-19 lack both -> 0 pairs
    with pytest.raises(em.DataError, match=r"Columns 'a' and 'b' are both answered in only 0 row\(s\)"):
        prepare(pd.DataFrame(x, columns=["a", "b", "c"]), model, missing="pairwise")


def test_bad_policy_is_a_parameter_error(csi):
    with pytest.raises(em.ParameterError, match=r"missing must be one of 'raise', 'listwise', 'pairwise', 'mean'"):
        prepare(csi, MODEL, missing="drop")


def test_correlation_stack_equals_a_loop_over_resamples():
    rng = np.random.default_rng(5)
    n, p, b = 57, 6, 9
    x = rng.normal(3, 1, size=(n, p)) + rng.normal(size=(n, 1))
    x[rng.uniform(size=x.shape) < 0.15] = np.nan
    counts = np.stack([np.bincount(rng.integers(0, n, n), minlength=n) for _ in range(b)])
    corr, mean, sd = pairwise_correlation_stack(x, counts, chunk=10)  # several row blocks
    assert corr.shape == (b, p, p) and mean.shape == sd.shape == (b, p)
    for k in range(b):
        resample = np.repeat(x, counts[k], axis=0)
        direct = pairwise_moments(resample)
        frame = pd.DataFrame(resample)
        np.testing.assert_allclose(corr[k], frame.corr().to_numpy(), atol=1e-12)
        np.testing.assert_allclose(corr[k], direct.corr, atol=1e-12)
        np.testing.assert_allclose(mean[k], frame.mean().to_numpy(), atol=1e-12)
        np.testing.assert_allclose(sd[k], frame.std().to_numpy(), atol=1e-12)
    one = pairwise_correlation_stack(x, np.ones((1, n)))
    whole = pairwise_moments(x)
    np.testing.assert_allclose(one[0][0], whole.corr, atol=1e-13)
