"""The command line: errors end in one ``error: ...`` line and status 2, never a traceback."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import expectmodel as em
from expectmodel import cli
from expectmodel.cli import main

SYNTAX = "Q =~ q1 + q2 + q3\nS =~ s1 + s2\nS ~ Q\n"


@pytest.fixture
def files(tmp_path):
    model = em.Model.from_syntax(SYNTAX)
    em.simulate.survey(model, 60, scale=(1, 7), seed=3).data.to_csv(tmp_path / "survey.csv", index=False)
    (tmp_path / "model.txt").write_text(SYNTAX, encoding="utf-8")
    (tmp_path / "empty.csv").write_text("q1,q2,q3,s1,s2\n", encoding="utf-8")
    return tmp_path


def _error(capsys) -> str:
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err, err
    return err


def test_header_only_csv_is_a_data_error(files, capsys):
    assert main(["pls", str(files / "empty.csv"), "--model", str(files / "model.txt")]) == 2
    err = _error(capsys)
    assert "empty.csv" in err and "header but no rows" in err
    assert err.count("\n") == 1


def test_empty_file_is_a_data_error(files, capsys):
    (files / "blank.csv").write_text("", encoding="utf-8")
    assert main(["pls", str(files / "blank.csv"), "--model", str(files / "model.txt")]) == 2
    assert "blank.csv" in _error(capsys)


def test_unknown_model_file(files, capsys):
    assert main(["pls", str(files / "survey.csv"), "--model", str(files / "nope.txt")]) == 2
    err = _error(capsys)
    assert "Model file" in err and "nope.txt' does not exist" in err


def test_unknown_data_file(files, capsys):
    assert main(["pls", str(files / "nope.csv"), "--model", str(files / "model.txt")]) == 2
    assert "nope.csv' does not exist" in _error(capsys)


def test_model_syntax_error_shows_the_line(files, capsys):
    (files / "bad.txt").write_text("Q =~ q1 +\nS ~ Q\n", encoding="utf-8")
    assert main(["pls", str(files / "survey.csv"), "--model", str(files / "bad.txt")]) == 2
    assert "line 2" in _error(capsys)


def test_small_run_writes_json(files, capsys):
    out = files / "out.json"
    code = main(["pls", str(files / "survey.csv"), "--model", str(files / "model.txt"), "--boot", "30",
                 "--seed", "1", "--scale", "1,7", "--json", str(out)])
    assert code == 0
    got = json.loads(out.read_text(encoding="utf-8"))
    assert {"paths", "loadings", "meta"} <= set(got)
    captured = capsys.readouterr()
    assert "Structural paths" in captured.out
    assert f"wrote {out}" in captured.err


def test_groups_and_pairwise_from_the_command_line(files, capsys):
    data = em.simulate.survey(em.Model.from_syntax(SYNTAX), 120, scale=(1, 7), missing_rate=0.05, seed=4).data
    data.assign(stage=["new", "loyal"] * 60).to_csv(files / "staged.csv", index=False)
    out = files / "groups.json"
    code = main(["pls", str(files / "staged.csv"), "--model", str(files / "model.txt"), "--scale", "1,7",
                 "--missing", "pairwise", "--groups", "stage", "--json", str(out)])
    assert code == 0
    got = json.loads(out.read_text(encoding="utf-8"))
    assert got["schema"] == "expectmodel.pls.multigroup" and set(got["groups"]) == {"new", "loyal"}
    assert got["groups"]["new"]["meta"]["data"]["missing"] == "pairwise"
    assert "by 'stage'" in capsys.readouterr().out


def test_help_lists_the_commands(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "pls" in out and "demo" in out


def test_console_script_prints_no_traceback(files):
    # the installed entry point, in a fresh interpreter: stderr is the one error line
    run = subprocess.run([sys.executable, "-m", "expectmodel.cli", "pls", str(files / "empty.csv"),
                          "--model", str(files / "model.txt")], capture_output=True, text=True, timeout=120,
                         check=False)
    assert run.returncode == 2
    assert run.stderr.startswith("error: ") and run.stderr.count("\n") == 1, run.stderr


@pytest.mark.parametrize(("preset", "expect_use"), [(None, True), ("", True), ("pdf", False)])
def test_file_backend_only_when_mplbackend_is_unset(monkeypatch, preset, expect_use):
    import matplotlib

    calls = []
    monkeypatch.setattr(matplotlib, "use", lambda name, *a, **k: calls.append(name))
    if preset is None:
        monkeypatch.delenv("MPLBACKEND", raising=False)
    else:
        monkeypatch.setenv("MPLBACKEND", preset)
    cli._file_backend()
    assert calls == (["Agg"] if expect_use else [])


# -- expectmodel score / inspect (issue 16) -------------------------------------------------------------------
@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    survey = em.datasets.load_csi_survey()
    res = em.PLS(em.spec.templates.ecsi(), scale=(1, 10), missing_values=-99, missing="listwise").fit(survey)
    path = em.save(res, tmp_path_factory.mktemp("bundle") / "ecsi.zip")
    data = survey.assign(customer=[f"c{i}" for i in range(len(survey))])
    return path, data, res


def test_score_streams_a_csv_in_chunks_and_keeps_an_id(bundle, tmp_path, capsys):
    from expectmodel_scorer import load_scorer

    path, data, _ = bundle
    data.to_csv(tmp_path / "in.csv", index=False)
    assert main(["score", str(path), str(tmp_path / "in.csv"), "-o", str(tmp_path / "out.csv"),
                 "--chunksize", "97", "--keep", "customer", "--progress"]) == 0
    err = capsys.readouterr().err
    assert "scoring in.csv" in err and "rows/s" in err and "scored 600 rows" in err  # the bar, then the total
    got = pd.read_csv(tmp_path / "out.csv")
    want = load_scorer(path).score(data)
    assert got.columns.tolist() == ["customer", *want.columns]
    assert got["customer"].tolist() == data["customer"].tolist()
    # the CSV round trip of the numbers (pyarrow writes shortest round-trip floats): equal to 1e-12
    np.testing.assert_allclose(got[want.columns].to_numpy(), want.to_numpy(), rtol=1e-12, equal_nan=True)


def test_score_reads_and_writes_parquet(bundle, tmp_path):
    from expectmodel_scorer import load_scorer

    path, data, _ = bundle
    data.to_parquet(tmp_path / "in.parquet")
    assert main(["score", str(path), str(tmp_path / "in.parquet"), "-o", str(tmp_path / "out.parquet"),
                 "--chunksize", "128", "--no-progress"]) == 0
    got = pd.read_parquet(tmp_path / "out.parquet")
    pd.testing.assert_frame_equal(got, load_scorer(path).score(data).reset_index(drop=True), check_exact=True)


@pytest.mark.parametrize("change, message", [
    (lambda d: d.drop(columns="CUSA2"), r"lacks the column\(s\) \['CUSA2'\]"),
    (lambda d: d.assign(CUSA2=d["CUSA2"].astype(str).where(d.index != 5, "ten")),
     r"column 'CUSA2' cannot be read as numbers .*'ten'"),
    (lambda d: d.assign(CUSA2=d["CUSA2"].where(d.index != 301, 11)), r"column 'CUSA2' holds codes outside its "
                                                                       r"scale \[1, 10\] in 1 row\(s\) \(index 301\)"),
])
def test_score_names_the_bad_column_and_leaves_no_output(bundle, tmp_path, capsys, change, message):
    path, data, _ = bundle
    change(data).to_csv(tmp_path / "in.csv", index=False)
    assert main(["score", str(path), str(tmp_path / "in.csv"), "-o", str(tmp_path / "out.csv"),
                 "--chunksize", "100"]) == 2
    assert re.search(message, _error(capsys))
    assert list(tmp_path.glob("out.csv*")) == []  # nothing half-written


def test_score_refuses_extra_columns_when_asked(bundle, tmp_path, capsys):
    path, data, _ = bundle
    data.to_csv(tmp_path / "in.csv", index=False)
    assert main(["score", str(path), str(tmp_path / "in.csv"), "-o", str(tmp_path / "o.csv"), "--extra", "raise"]) == 2
    assert "['respondent', 'stage', 'customer'] that the model does not read" in _error(capsys)


def test_score_refuses_a_tampered_bundle(bundle, tmp_path, capsys):
    path, data, _ = bundle
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 3] ^= 0xFF
    (tmp_path / "bad.zip").write_bytes(bytes(raw))
    data.to_csv(tmp_path / "in.csv", index=False)
    assert main(["score", str(tmp_path / "bad.zip"), str(tmp_path / "in.csv"), "-o", str(tmp_path / "o.csv")]) == 2
    assert re.search("truncated|corrupt|checksum|cannot be read", _error(capsys))


def test_inspect_prints_what_the_bundle_holds(bundle, capsys):
    path, _, res = bundle
    assert main(["inspect", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("expectmodel bundle (schema version 1)")
    assert "program 'pls_composite', 24 inputs -> 14 outputs" in out
    assert "IMAG1" in out and "scale [1, 10]; missing [-99.0]" in out and "sha256 verified" in out
    assert res.meta.data.fingerprint == "" or "rows used:  360" in out
