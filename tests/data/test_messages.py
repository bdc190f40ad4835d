"""The acceptance list of issue 11 (item 3): the same bad input gets the same message in PLS and in the
latent design, because both read through :mod:`expectmodel.data`."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import expectmodel as em
from expectmodel.datasets import load_csi_survey, load_servqual_survey, servqual_survey_design


@pytest.fixture(scope="module")
def csi() -> pd.DataFrame:
    return load_csi_survey()


@pytest.fixture(scope="module")
def servqual() -> pd.DataFrame:
    return load_servqual_survey()


@pytest.fixture(scope="module")
def design():
    return servqual_survey_design()


def pls_error(df: pd.DataFrame, **kwargs) -> str:
    with pytest.raises(em.DataError) as err:
        em.PLS(em.spec.templates.ecsi(), scale=(1, 10), **kwargs).fit(df)
    return str(err.value)


def latent_error(design, df: pd.DataFrame, **kwargs) -> str:
    with pytest.raises(em.DataError) as err:
        design.prepare(df, **kwargs)
    return str(err.value)


def test_header_only_csv(csi, servqual, design, tmp_path):
    (tmp_path / "csi.csv").write_text(",".join(csi.columns) + "\n")
    (tmp_path / "servqual.csv").write_text(",".join(servqual.columns) + "\n")
    a = pls_error(pd.read_csv(tmp_path / "csi.csv"))
    b = latent_error(design, pd.read_csv(tmp_path / "servqual.csv"))
    for text in (a, b):
        assert "The data have a header but no rows" in text and "header-only CSV" in text


def test_missing_values_as_a_scalar(csi, servqual, design):
    res = em.PLS(em.spec.templates.ecsi(), scale=(1, 10), missing="listwise", missing_values=-99).fit(csi)
    listed = em.PLS(em.spec.templates.ecsi(), scale=(1, 10), missing="listwise", missing_values=[-99]).fit(csi)
    assert res.n == listed.n < len(csi)
    np.testing.assert_array_equal(res.prepared.values, listed.prepared.values)
    scalar = design.prepare(servqual, missing_values=-99)
    listed = design.prepare(servqual, missing_values=[-99])
    assert scalar.missing_values == (-99.0,)
    for b in scalar.answers:
        np.testing.assert_array_equal(scalar.answers[b], listed.answers[b])
        assert np.nanmin(scalar.answers[b]) >= 1


def test_unknown_column_with_hint(csi, servqual, design):
    a = pls_error(csi.rename(columns={"CUSA2": "cusa2"}), missing="listwise", missing_values=-99)
    b = latent_error(design, servqual.rename(columns={"P_q7": "p_q7"}), missing_values=-99)
    assert a == "Indicator(s) not found in the data: 'CUSA2' (construct 'Satisfaction') (did you mean 'cusa2'?)."
    assert b == "Indicator(s) not found in the data: 'P_q7' (battery P, item q7) (did you mean 'p_q7'?)."


def test_answer_outside_the_scale(csi, servqual, design):
    df = csi.copy()
    df.loc[5, "PERQ2"] = 11
    a = pls_error(df, missing="listwise", missing_values=-99)
    df = servqual.copy()
    df.loc[5, "E_q3"] = 12
    b = latent_error(design, df, missing_values=-99)
    rid = servqual.loc[5, "respondent"]
    assert a == ("Column 'PERQ2' (construct 'Quality') has 1 value(s) outside the declared 1-10 scale; first at "
                 "row 5 (value 11). Recode them or set them to NaN.")
    assert b == (f"Column 'E_q3' (battery E, item q3) has 1 value(s) outside the declared 1-7 scale; first at "
                 f"row {rid} (value 12). Recode them or set them to NaN.")
    # undeclared codes: both hint at missing_values=
    a, b = pls_error(csi), latent_error(design, servqual)
    for text in (a, b):
        assert re.search(r"outside the declared 1-\d+ scale; first at row \d+ \(value -99\)\. Recode them or set them "
                         r"to NaN\. If -99 is a missing-answer code, declare it with missing_values=-99\.$", text)


def test_non_numeric_answer(csi, servqual, design):
    df = csi.astype({"CUEX2": object})
    df.loc[4, "CUEX2"] = "seven"
    a = pls_error(df, missing="listwise", missing_values=-99)
    df = servqual.astype({"D_q2": object})
    df.loc[4, "D_q2"] = "seven"
    b = latent_error(design, df, missing_values=-99)
    rid = servqual.loc[4, "respondent"]
    tail = "is not numeric (dtype object); first non-numeric value 'seven' at row {}. Recode answers as numbers " \
           "and declare missing-answer codes with missing_values=."
    assert a == "Column 'CUEX2' (construct 'Expectation') " + tail.format(4)
    assert b == "Column 'D_q2' (battery D, item q2) " + tail.format(rid)


def test_unknown_parameter_value(csi, servqual, design):
    """A setting outside its allowed values is a ParameterError (also a ValueError) naming the setting, the
    value and what is allowed, raised by fit in both families before any data are read."""
    with pytest.raises(em.ParameterError, match=re.escape(
            "PLS(missing='drop'): missing must be one of 'raise', 'listwise', 'pairwise', 'mean', 'em'; got 'drop'.")):
        em.PLS(em.spec.templates.ecsi(), missing="drop").fit(csi)
    with pytest.raises(em.ParameterError, match=r"LatentExpectations\(link='free-ish'\): link must be one of"):
        em.latent.LatentExpectations(design, link="free-ish").fit(servqual)
    with pytest.raises(ValueError, match="ci_level"):  # a ParameterError is a ValueError too
        em.latent.LatentExpectations(design, ci_level=1.5).fit(servqual)
