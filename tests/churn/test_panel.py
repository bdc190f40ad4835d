"""person_period: the rows a discrete-time hazard model needs, and one clear error per bad input."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from expectmodel import churn
from expectmodel.errors import DataError

CUSTOMERS = pd.DataFrame({"customer": ["a", "b", "c"], "entry": [1, 2, 1], "end": [4, 4, 2], "age": [30, 50, 40]})
EVENTS = pd.DataFrame({"customer": ["b"], "time": [3]})
WAVES = pd.DataFrame({"customer": ["a", "a", "b"], "period": [1, 3, 2], "sat": [7.0, 4.0, 9.0]})


def test_rows_by_hand():
    pp = churn.person_period(CUSTOMERS, EVENTS, waves=WAVES)
    # a: periods 1-4 censored; b: entry 2, churns in 3; c: periods 1-2 censored
    assert pp["customer"].tolist() == ["a"] * 4 + ["b"] * 2 + ["c"] * 2
    assert pp["period"].tolist() == [1, 2, 3, 4, 2, 3, 1, 2]
    assert pp["tenure"].tolist() == [1, 2, 3, 4, 1, 2, 1, 2]
    assert pp["event"].tolist() == [0, 0, 0, 0, 0, 1, 0, 0]
    assert pp["age"].tolist() == [30] * 4 + [50] * 2 + [40] * 2
    # waves carried forward: a answers 7 in period 1 and 4 in period 3; c never answers
    np.testing.assert_array_equal(pp["sat"].to_numpy(), [7, 7, 4, 4, 9, 9, np.nan, np.nan])


def test_matches_a_loop_on_the_simulator():
    sim = churn.simulate_panel(300, periods=9, seed=4)
    pp = churn.person_period(sim.customers, sim.events, end=9, waves=sim.waves)
    churn_time = dict(zip(sim.events["customer"], sim.events["time"], strict=True))
    rows = []
    for cid in sim.customers["customer"]:
        last = churn_time.get(cid, 9)
        w = sim.waves[sim.waves["customer"] == cid]
        for t in range(1, last + 1):
            sat = w.loc[w["period"] <= t, "satisfaction"].iloc[-1]
            rows.append((cid, t, int(cid in churn_time and t == last), sat))
    expected = pd.DataFrame(rows, columns=["customer", "period", "event", "satisfaction"])
    pd.testing.assert_frame_equal(pp[expected.columns].reset_index(drop=True), expected, check_dtype=False)


def test_event_before_entry():
    with pytest.raises(DataError, match=r"Customer 'b' churns in period 1, before entering in period 2"):
        churn.person_period(CUSTOMERS, pd.DataFrame({"customer": ["b"], "time": [1]}))


def test_event_after_end_and_unknown_and_repeated_events():
    with pytest.raises(DataError, match="after the end of observation"):
        churn.person_period(CUSTOMERS, pd.DataFrame({"customer": ["c"], "time": [3]}))
    with pytest.raises(DataError, match="'zz', who is not in the customer table"):
        churn.person_period(CUSTOMERS, pd.DataFrame({"customer": ["zz"], "time": [3]}))
    with pytest.raises(DataError, match="'b' has more than one churn event"):
        churn.person_period(CUSTOMERS, pd.DataFrame({"customer": ["b", "b"], "time": [3, 4]}))


def test_duplicate_customer_period_rows_in_waves():
    waves = pd.concat([WAVES, WAVES.iloc[[1]]])
    with pytest.raises(DataError, match=r"Duplicate customer-period rows in the waves: customer 'a' answers twice "
                                        r"in period 3"):
        churn.person_period(CUSTOMERS, EVENTS, waves=waves)


def test_duplicate_customers_and_bad_periods():
    with pytest.raises(DataError, match="'a' appears more than once"):
        churn.person_period(pd.concat([CUSTOMERS, CUSTOMERS.iloc[[0]]]), EVENTS)
    with pytest.raises(DataError, match="whole period numbers"):
        churn.person_period(CUSTOMERS.assign(entry=[1.5, 2, 1]), EVENTS)
    with pytest.raises(DataError, match=r"'Customer'.*did you mean 'customer'"):
        churn.person_period(CUSTOMERS, EVENTS, customer="Customer")
    with pytest.raises(DataError, match="DataFrame"):
        churn.person_period("customers.csv")


def test_a_million_customers_by_24_periods_is_fast():
    # acceptance: <= 10 s for 1,000,000 customers x 24 periods; benchmarks/bench_churn.py reports the time.
    # Here 200,000 customers (a fifth) must take under 4 s on the shared 2-core machine (measured ~0.9 s idle;
    # the slack is for the other jobs on the machine).
    n = 200_000
    rng = np.random.default_rng(0)
    customers = pd.DataFrame({"customer": np.arange(n), "entry": 1, "end": 24, "x": rng.normal(size=n)})
    churned = np.flatnonzero(rng.random(n) < 0.3)
    events = pd.DataFrame({"customer": churned, "time": rng.integers(1, 25, churned.size)})
    waves = pd.DataFrame({"customer": np.repeat(np.arange(n), 2), "period": np.tile([1, 13], n),
                          "sat": rng.normal(size=2 * n)})
    t0 = time.perf_counter()
    pp = churn.person_period(customers, events, waves=waves)
    elapsed = time.perf_counter() - t0
    assert len(pp) == 24 * n - int((24 - events["time"]).sum())
    assert elapsed < 4.0, elapsed


def test_waves_before_entry_and_after_the_last_row():
    customers = pd.DataFrame({"customer": [1, 2], "entry": [3, 1], "end": [5, 2]})
    waves = pd.DataFrame({"customer": [1, 1, 1, 2, 2], "period": [1, 2, 5, 1, 4], "sat": [1.0, 2.0, 5.0, 7.0, 9.0]})
    pp = churn.person_period(customers, None, waves=waves)
    # customer 1: the latest wave before entry (period 2) until the period-5 wave; customer 2's period-4 wave
    # comes after their last row and is never used
    np.testing.assert_array_equal(pp["sat"].to_numpy(), [2, 2, 5, 7, 7])
