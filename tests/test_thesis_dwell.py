"""Thesis-level hysteresis: a recovery waits for the better status to hold; an escalation never waits."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from regimebot.macro.catalog import load_catalog
from regimebot.macro.engine import evaluate, replay
from regimebot.macro.market import Market, make_closes
from regimebot.macro.theses import dwell_recoveries
from regimebot.macro.watchlist import WatchlistError, parse_watchlist

CATALOG = load_catalog()


def days_of(dates) -> np.ndarray:
    return (pd.DatetimeIndex(dates).values.astype("datetime64[D]") - np.datetime64("1970-01-01", "D")).astype(np.int64)


def test_escalation_is_immediate_and_recovery_waits_ten_business_days():
    d = pd.bdate_range("2024-01-01", periods=16)  # Mon 1 Jan … Mon 22 Jan, weekdays only
    codes = np.array([0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], dtype=np.int8)
    out = dwell_recoveries(codes, days_of(d), 10)
    # intact from Wed 3 Jan; ten business days of it end on Tue 16 Jan (index 11): recovered that day
    assert list(out) == [0, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0, 0]


def test_a_partial_recovery_steps_down_through_weakening():
    d = pd.bdate_range("2024-01-01", periods=30)
    codes = np.array([2] * 2 + [1] * 5 + [0] * 23, dtype=np.int8)
    out = dwell_recoveries(codes, days_of(d), 10)
    # weakening from index 2 holds 10 business days at index 11; intact from index 7 holds at index 16
    assert list(out) == [2] * 11 + [1] * 5 + [0] * 14


def test_a_relapse_restarts_the_wait():
    d = pd.bdate_range("2024-01-01", periods=20)
    codes = np.array([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], dtype=np.int8)
    out = dwell_recoveries(codes, days_of(d), 10)
    assert list(out) == [1] * 15 + [0] * 5  # ten business days after the relapse on index 5


def test_weekend_days_do_not_shorten_the_wait():
    # bitcoin makes every calendar day an evaluation day; the wait still counts business days
    d = pd.date_range("2024-01-01", periods=20, freq="D")  # Mon 1 Jan … Sat 20 Jan
    codes = np.zeros(20, dtype=np.int8)
    codes[0] = 2
    out = dwell_recoveries(codes, days_of(d), 10)
    assert d[int(np.argmax(out == 0))] == pd.Timestamp("2024-01-15")  # Mon 15 Jan: 10 business days after Mon 1


def test_unknown_stays_unknown_and_zero_dwell_is_off():
    d = pd.bdate_range("2024-01-01", periods=4)
    codes = np.array([2, -1, 0, 0], dtype=np.int8)
    assert list(dwell_recoveries(codes, days_of(d), 10)) == [2, -1, 2, 2]
    assert list(dwell_recoveries(codes, days_of(d), 0)) == [2, -1, 0, 0]


def _watchlist(dwell: int | None = None) -> dict:
    doc = {
        "signals": [{"id": "move", "kind": "level", "series": "MOVE", "direction": "above", "warn": 120,
                     "breach": 140, "persistence": 1, "meaning": {"en": "m", "zh-TW": "m"}}],
        "theses": [{"id": "bonds", "name": {"en": "b", "zh-TW": "b"}, "rationale": {"en": "r", "zh-TW": "r"},
                    "position": {"series": "TLT", "side": "long"}, "invalidation": ["move"], "hard": ["move"]}],
    }
    if dwell is not None:
        doc["recovery_dwell_days"] = dwell
    return doc


def test_replay_recovers_after_the_dwell_and_agrees_with_evaluate():
    days = pd.bdate_range("2024-01-02", periods=40)
    move = 100 + np.arange(40) * 0.01
    move[5:8] = [150.0, 151.0, 152.0]   # persistence 1: breach (hard) on index 5, invalidated
    tlt = 90 + np.arange(40) * 0.01
    market = Market(make_closes({"MOVE": pd.Series(move, index=days), "TLT": pd.Series(tlt, index=days)}, CATALOG),
                    "test", True)
    wl = parse_watchlist(_watchlist(), CATALOG)
    rp = replay(market, wl, days[0].date(), days[-1].date())
    # MOVE clears to ok on index 8; intact on the ten business days 8..17, so the thesis recovers on 17
    assert [(t.old, t.new, t.date) for t in rp.transitions] == [
        ("intact", "invalidated", days[5].date()), ("invalidated", "intact", days[17].date())]
    assert evaluate(market, wl, days[16].date()).theses["bonds"].status == "invalidated"
    assert evaluate(market, wl, days[17].date()).theses["bonds"].status == "intact"
    off = replay(market, parse_watchlist(_watchlist(0), CATALOG), days[0].date(), days[-1].date())
    assert off.transitions[-1].date == days[8].date()


def test_bad_dwell_names_the_key():
    with pytest.raises(WatchlistError, match="recovery_dwell_days"):
        parse_watchlist(_watchlist(-1), CATALOG)


def test_no_status_before_the_position_series_exists():
    days = pd.bdate_range("2024-01-01", periods=30)
    move = pd.Series(100 + np.arange(30) * 0.01, index=days)
    tlt = pd.Series(90 + np.arange(20) * 0.01, index=days[10:])  # the holding starts trading on index 10
    market = Market(make_closes({"MOVE": move, "TLT": tlt}, CATALOG), "test", True)
    wl = parse_watchlist(_watchlist(), CATALOG)
    assert evaluate(market, wl, days[9].date()).theses["bonds"].status == "unknown"
    assert evaluate(market, wl, days[10].date()).theses["bonds"].status == "intact"
    rp = replay(market, wl, days[0].date(), days[-1].date())
    assert rp.stats["bonds"].days_in_status["unknown"] == (days[10] - days[0]).days
    assert [(t.old, t.new) for t in rp.transitions] == [("unknown", "intact")]


def test_top_level_persistence_is_the_default_of_every_signal_without_its_own():
    doc = _watchlist()
    doc["persistence"] = 3
    doc["signals"].append({"id": "vix", "kind": "level", "series": "VIX", "direction": "above", "warn": 25,
                           "breach": 35, "meaning": {"en": "v", "zh-TW": "v"}})
    wl = parse_watchlist(doc, CATALOG)
    assert wl.signals["vix"].persistence == 3   # inherits the top-level value
    assert wl.signals["move"].persistence == 1  # its own wins
    del doc["persistence"]
    assert parse_watchlist(doc, CATALOG).signals["vix"].persistence == 2  # the built-in default
    for bad in (0, 31, "3", True):
        doc["persistence"] = bad
        with pytest.raises(WatchlistError, match="persistence must be a whole number of observations from 1 to 30"):
            parse_watchlist(doc, CATALOG)


def test_bundled_watch_list_keeps_persistence_two():
    from regimebot.macro.watchlist import load_watchlist
    wl = load_watchlist(None, CATALOG)
    numeric = [s for s in wl.signals.values() if s.kind != "manual"]
    assert numeric and {s.persistence for s in numeric} == {2}
