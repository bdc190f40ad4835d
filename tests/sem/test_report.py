"""The PLS part of the demo report writes the higher-order table and the copula test's JSON."""

from __future__ import annotations

import json

import pandas as pd

from expectmodel.report import ecsi_report


def test_ecsi_report_writes_the_higher_order_table_and_copula_json(tmp_path):
    files = {p.name for p in ecsi_report(tmp_path, n_boot=50, n_permutations=50)}
    assert {"higher_order.csv", "copula_loyalty.csv", "copula_loyalty.json", "results.json"} <= files
    hoc = pd.read_csv(tmp_path / "higher_order.csv")
    assert set(hoc["dimension"]) == {"Quality", "Value"} and (hoc["relation_ci_low"] < hoc["relation_ci_high"]).all()
    copula = json.loads((tmp_path / "copula_loyalty.json").read_text())
    assert copula["analysis"] == "copula_test" and copula["target"] == "Loyalty"
