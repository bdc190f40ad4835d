"""The command line: errors end in one ``error: ...`` line and status 2, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys

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
