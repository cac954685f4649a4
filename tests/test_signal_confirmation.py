"""Persistence counts distinct trading days; no jump to breach after unknown; active_from; weekly correlation."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regimebot.macro.catalog import load_catalog
from regimebot.macro.market import Market, make_closes
from regimebot.macro.signal_kinds import SeriesCache, period_correlation
from regimebot.macro.signals import compute_track, hysteresis_states, reading, to_days, walk_states
from regimebot.macro.watchlist import WatchlistError, parse_watchlist

CATALOG = load_catalog()
MEANING = {"en": "test", "zh-TW": "測試"}


def on(dates: list[str], values: list[float]) -> pd.Series:
    return pd.Series(values, index=pd.DatetimeIndex(dates), dtype="float64")


def market(**series: pd.Series) -> Market:
    return Market(make_closes(dict(series), CATALOG), "test", simulated=True)


def spec(**fields):
    doc = {"signals": [{"id": "s", "meaning": MEANING, **fields}]}
    return parse_watchlist(doc, CATALOG).signals["s"]


MOVE2 = dict(kind="level", series="MOVE", direction="above", warn=120, breach=140, persistence=2)


def states(sig, mkt, stale=5) -> list[int]:
    return [int(x) for x in compute_track(sig, SeriesCache(mkt, CATALOG), stale).states]


def test_first_observation_is_at_most_warn():
    # 2024-01-08 is a Monday; the first print ever sits in breach: warn, and breach on the second
    mkt = market(MOVE=on(["2024-01-08", "2024-01-09", "2024-01-10"], [150, 151, 152]))
    assert states(spec(**MOVE2), mkt) == [1, 2, 2]
    assert states(spec(**{**MOVE2, "persistence": 1}), mkt) == [1, 2, 2]  # even with persistence 1


def test_a_repeated_print_is_no_confirmation():
    # 150 once (ok kept), the same 150 again (a repeat: no confirmation), 151 (second distinct day): breach
    dates = ["2024-01-08", "2024-01-09", "2024-01-10", "2024-01-11", "2024-01-12"]
    assert states(spec(**MOVE2), market(MOVE=on(dates, [100, 101, 150, 150, 151]))) == [0, 0, 0, 0, 2]


def test_a_repeat_neither_confirms_nor_resets_a_run():
    dates = ["2024-01-08", "2024-01-09", "2024-01-10", "2024-01-11", "2024-01-12"]
    # 150, repeat 150, 149: the run of fresh breach prints is 150, 149 → breach on the fifth row
    assert states(spec(**MOVE2), market(MOVE=on(dates, [100, 101, 150, 150, 149]))) == [0, 0, 0, 0, 2]


def test_a_weekend_row_of_an_exchange_series_is_no_confirmation():
    # Friday 150, Saturday 151 (a holiday/weekend row: no trading day), Monday 152: breach only on Monday
    dates = ["2024-01-03", "2024-01-04", "2024-01-05", "2024-01-06", "2024-01-08"]
    assert states(spec(**MOVE2), market(MOVE=on(dates, [100, 101, 150, 151, 152]))) == [0, 0, 0, 0, 2]


def test_a_weekday_holiday_row_is_no_confirmation():
    # NYSE is closed on Thursday 2024-07-04: MOVE's row that day (a changed value) neither confirms nor resets
    dates = ["2024-07-01", "2024-07-02", "2024-07-03", "2024-07-04", "2024-07-05"]
    assert states(spec(**MOVE2), market(MOVE=on(dates, [100, 101, 150, 151, 152]))) == [0, 0, 0, 0, 2]
    # the same values on five NYSE sessions breach on the fourth
    sessions = ["2024-07-08", "2024-07-09", "2024-07-10", "2024-07-11", "2024-07-12"]
    assert states(spec(**MOVE2), market(MOVE=on(sessions, [100, 101, 150, 151, 152]))) == [0, 0, 0, 2, 2]


def test_a_bond_market_holiday_follows_the_bond_calendar():
    # Columbus Day 2024-10-14: NYSE open, the SIFMA bond market closed; a 30-year yield row that day is no confirmation
    sig = spec(kind="level", series="US30Y", direction="above", warn=5.0, breach=6.0, persistence=2)
    dates = ["2024-10-09", "2024-10-10", "2024-10-11", "2024-10-14", "2024-10-15"]
    assert states(sig, market(US30Y=on(dates, [4.0, 4.1, 6.5, 6.6, 6.7]))) == [0, 0, 0, 0, 2]


def test_bitcoin_weekend_prints_are_trading_days():
    sig = spec(kind="level", series="BTC", direction="below", breach=74500.0, breach_exit=76000.0, persistence=2)
    dates = ["2024-01-05", "2024-01-06", "2024-01-07"]  # Fri, Sat, Sun
    assert states(sig, market(BTC=on(dates, [80000, 74000, 73000]))) == [0, 0, 2]


def test_a_gap_restarts_the_persistence_count_from_the_state_before_it():
    # ok history, one breach print, then 8 days without data (> stale 5): no confirmation across the gap
    dates = ["2024-01-08", "2024-01-09", "2024-01-10", "2024-01-18", "2024-01-19"]
    assert states(spec(**MOVE2), market(MOVE=on(dates, [100, 101, 150, 151, 152]))) == [0, 0, 0, 0, 2]
    # a breach resumes as a breach after the gap, and needs two prints to clear
    assert states(spec(**MOVE2), market(MOVE=on(dates, [150, 151, 152, 100, 101]))) == [1, 2, 2, 2, 0]
    # without the gap the same values breach on the fourth print
    close = ["2024-01-08", "2024-01-09", "2024-01-10", "2024-01-11", "2024-01-12"]
    assert states(spec(**MOVE2), market(MOVE=on(close, [100, 101, 150, 151, 152]))) == [0, 0, 0, 2, 2]


def test_active_from_makes_a_level_unknown_before_its_date():
    sig = spec(kind="level", series="BTC", direction="below", breach=74500.0, warn_within_pct=5.0, persistence=1,
               active_from="2025-04")
    assert sig.active_from == date(2025, 4, 1)
    dates = ["2025-03-30", "2025-03-31", "2025-04-01", "2025-04-02"]
    mkt = market(BTC=on(dates, [70000, 70000.5, 70001, 70002]))
    t = compute_track(sig, SeriesCache(mkt, CATALOG), 5)
    assert [int(x) for x in t.states] == [-1, -1, 1, 2]  # from April: an entry (warn), then breach
    r = reading(t, int(to_days(pd.DatetimeIndex(["2025-03-31"]))[0]), 5)
    assert r.state == "unknown" and "2025-04-01" in r.reason
    assert spec(kind="level", series="BTC", direction="below", breach=1.0, breach_exit=2.0,
                active_from=date(2025, 4, 9)).active_from == date(2025, 4, 9)


@pytest.mark.parametrize("fields,needle", [
    (dict(kind="change", series="DXY", window=5, direction="below", warn=-1, breach=-2, active_from="2025-04"),
     "only for level"),
    (dict(MOVE2, active_from="April 2025"), "active_from must be a date"),
    (dict(kind="change", series="DXY", window=5, direction="below", warn=-1, breach=-2, period=5), "only for correlation"),
    (dict(kind="correlation", series=["SPX", "TLT"], window=26, period=0, direction="above", warn=0.2, breach=0.3),
     "period must be"),
])
def test_bad_entries_name_the_key(fields, needle):
    with pytest.raises(WatchlistError, match=needle):
        spec(**fields)


def test_weekly_correlation_uses_non_overlapping_returns_ending_each_day():
    rng = np.random.default_rng(7)
    a = 100 * np.cumprod(1 + rng.normal(0, 0.01, 60))
    b = 90 * np.cumprod(1 + rng.normal(0, 0.01, 60))
    corr = period_correlation(a, b, window=4, period=5)
    # day 59 uses the 5-day returns ending at 59, 54, 49, 44 (prices at 59, 54, …, 39)
    ends = np.array([44, 49, 54, 59])
    ra, rb = a[ends] / a[ends - 5] - 1, b[ends] / b[ends - 5] - 1
    assert corr[59] == pytest.approx(np.corrcoef(ra, rb)[0, 1], abs=1e-12)
    ends = np.array([43, 48, 53, 58])
    ra, rb = a[ends] / a[ends - 5] - 1, b[ends] / b[ends - 5] - 1
    assert corr[58] == pytest.approx(np.corrcoef(ra, rb)[0, 1], abs=1e-12)
    assert np.isnan(corr[:19]).all() and not np.isnan(corr[20:]).any()  # needs 4 returns = 21 prices


def test_weekly_correlation_signal_through_the_watch_list():
    days = pd.bdate_range("2024-01-01", periods=40)
    rng = np.random.default_rng(3)
    spx = pd.Series(5000 * np.cumprod(1 + rng.normal(0, 0.01, 40)), index=days)
    tlt = pd.Series(90 * np.cumprod(1 + rng.normal(0, 0.01, 40)), index=days)
    sig = spec(kind="correlation", series=["SPX", "TLT"], window=6, period=5, direction="above", warn=0.2, breach=0.3)
    t = compute_track(sig, SeriesCache(market(SPX=spx, TLT=tlt), CATALOG), 5)
    ends = np.arange(39, 9, -5)[::-1]
    x, y = spx.to_numpy(), tlt.to_numpy()
    expected = np.corrcoef(x[ends] / x[ends - 5] - 1, y[ends] / y[ends - 5] - 1)[0, 1]
    assert t.values[39] == pytest.approx(expected, abs=1e-12)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.floats(-10, 10), st.just(float("nan"))), st.booleans()), max_size=40),
       st.integers(1, 3), st.sampled_from([-1, 0, 1, 2]))
def test_vectorised_machine_with_restarts_equals_the_loop(items, persistence, initial):
    """From a known state, with persistence counts restarting after gaps: the vectorised machine is the loop."""
    v = np.array([x for x, _ in items], dtype=float)
    restarts = np.array([r for _, r in items], dtype=bool)
    expected = walk_states(v, 1.0, 2.0, 0.8, 1.5, persistence, initial, restarts)
    assert list(hysteresis_states(v, 1.0, 2.0, 0.8, 1.5, persistence, initial, restarts)) == list(expected)
    assert list(hysteresis_states(v, 1.0, 2.0, 0.8, 1.5, persistence, initial)) == list(
        walk_states(v, 1.0, 2.0, 0.8, 1.5, persistence, initial))
