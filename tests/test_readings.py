"""Readings against values worked out by hand, the NYSE calendar, and staleness."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
import pytest

from regimebot.handlers.messages.readings import format_change, format_level, format_reading
from regimebot.macro.calendars import last_expected_close
from regimebot.macro.catalog import load_catalog
from regimebot.macro.market import Market, make_closes
from regimebot.macro.readings import reading

CATALOG = load_catalog()
FRIDAY_EVENING = datetime(2026, 11, 20, 23, 0, tzinfo=UTC)  # 18:00 New York


def market_of(**series) -> Market:
    return Market(make_closes(series, CATALOG), "test")


def test_changes_in_percent_and_basis_points():
    days = pd.to_datetime(["2025-12-31", "2026-11-12", "2026-11-13", "2026-11-19", "2026-11-20"])
    m = market_of(DXY=pd.Series([100.0, 98.0, 99.0, 97.0, 97.97], index=days),
                  US10Y=pd.Series([4.00, 4.30, 4.25, 4.40, 4.37], index=days))
    dxy = reading(m, CATALOG["DXY"], now=FRIDAY_EVENING)
    assert dxy.last == 97.97 and dxy.last_date == date(2026, 11, 20)
    assert dxy.changes["1d"] == pytest.approx((97.97 / 97.0 - 1) * 100)
    assert dxy.changes["1w"] == pytest.approx((97.97 / 99.0 - 1) * 100)   # vs 2026-11-13
    assert dxy.changes["ytd"] == pytest.approx(-2.03)
    assert dxy.changes["1m"] is None   # no observation within a week before 2026-10-20
    us10 = reading(m, CATALOG["US10Y"], now=FRIDAY_EVENING)
    assert us10.in_bp
    assert us10.changes["1d"] == pytest.approx(-3.0)
    assert us10.changes["1w"] == pytest.approx(12.0)
    assert us10.changes["ytd"] == pytest.approx(37.0)
    assert not dxy.stale


def test_range_ma_and_zscore_against_numpy():
    rng = np.random.default_rng(3)
    days = pd.bdate_range(end="2026-11-20", periods=400)
    values = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, len(days))))
    m = market_of(SPX=pd.Series(values, index=days))
    r = reading(m, CATALOG["SPX"], now=FRIDAY_EVENING)
    year = values[days >= days[-1] - pd.DateOffset(weeks=52)]
    assert r.low_52w == pytest.approx(year.min()) and r.high_52w == pytest.approx(year.max())
    assert r.position_52w == pytest.approx((values[-1] - year.min()) / (year.max() - year.min()))
    assert r.ma200_distance == pytest.approx((values[-1] / values[-200:].mean() - 1) * 100)
    moves = (values[20:] / values[:-20] - 1) * 100
    window = moves[-253:-1]  # the 252 trading days before today: today's move is not in its own yardstick
    assert r.z_20d == pytest.approx((moves[-1] - window.mean()) / window.std(ddof=1))
    assert r.calendar == "trading"


def test_short_history_is_unknown_not_invented():
    days = pd.bdate_range(end="2026-11-20", periods=30)
    m = market_of(VIX=pd.Series(np.linspace(15, 20, 30), index=days))
    r = reading(m, CATALOG["VIX"], now=FRIDAY_EVENING)
    assert r.low_52w is None and r.ma200_distance is None and r.z_20d is None and r.changes["3m"] is None


def test_missing_series_is_unknown():
    m = market_of(DXY=pd.Series([1.0], index=pd.to_datetime(["2026-11-20"])))
    r = reading(m, CATALOG["MOVE"], now=FRIDAY_EVENING)
    assert not r.known and r.last is None
    assert "unknown" in format_reading(r, "en")


@pytest.mark.parametrize("now, expected", [
    (datetime(2026, 11, 20, 23, 0, tzinfo=UTC), date(2026, 11, 20)),   # Friday after the close
    (datetime(2026, 11, 20, 15, 0, tzinfo=UTC), date(2026, 11, 19)),   # Friday before the close
    (datetime(2026, 11, 22, 12, 0, tzinfo=UTC), date(2026, 11, 20)),   # Sunday
    (datetime(2026, 11, 27, 12, 0, tzinfo=UTC), date(2026, 11, 25)),   # day after Thanksgiving, morning
    (datetime(2026, 4, 6, 12, 0, tzinfo=UTC), date(2026, 4, 2)),       # Monday after Good Friday
])
def test_last_expected_close_follows_nyse_calendar(now, expected):
    assert last_expected_close(now) == expected


def test_bitcoin_trades_every_day():
    assert last_expected_close(datetime(2026, 11, 22, 12, 0, tzinfo=UTC), "daily") == date(2026, 11, 21)


def test_stale_when_the_expected_close_is_missing():
    m = market_of(TLT=pd.Series([86.0, 87.0], index=pd.to_datetime(["2026-11-18", "2026-11-19"])))
    r = reading(m, CATALOG["TLT"], now=FRIDAY_EVENING)
    assert r.stale and r.expected_date == date(2026, 11, 20)
    assert "stale" in format_reading(r, "en") and "過期" in format_reading(r, "zh-TW")


def test_formatting():
    assert format_change(-1.234, False) == "−1.2%"
    assert format_change(12.4, True) == "+12 bp"
    assert format_change(None, True) == "—"
    assert format_level(85000.4) == "85,000"
    assert format_level(4.3712, "percent") == "4.37%"
    assert format_level(1.15234, "rate") == "1.1523"


def test_html_is_escaped():
    days = pd.to_datetime(["2026-11-19", "2026-11-20"])
    m = Market(make_closes({"DXY": pd.Series([1.0, 2.0], index=days)}, CATALOG), "csv:<b>evil</b>", errors={"DXY": "<script>"})
    text = format_reading(reading(m, CATALOG["DXY"], now=FRIDAY_EVENING), "en")
    assert "<script>" not in text and "&lt;script&gt;" in text


def test_one_day_change_is_unknown_across_a_data_gap():
    # The previous close is three weeks old: the move since is not a "1d" change, and is not shown as one.
    days = pd.to_datetime(["2026-10-28", "2026-10-29", "2026-11-19", "2026-11-20"])
    m = market_of(DXY=pd.Series([100.0, 101.0, 96.0, 97.0], index=days))
    r = reading(m, CATALOG["DXY"], now=FRIDAY_EVENING)
    assert r.changes["1d"] == pytest.approx((97.0 / 96.0 - 1.0) * 100)
    gap = market_of(DXY=pd.Series([100.0, 101.0, 97.0], index=pd.to_datetime(["2026-10-28", "2026-10-29", "2026-11-20"])))
    assert reading(gap, CATALOG["DXY"], now=FRIDAY_EVENING).changes["1d"] is None
    # A long weekend (Thursday close before Good Friday → Monday) is still one trading day.
    easter = market_of(TLT=pd.Series([90.0, 91.8], index=pd.to_datetime(["2026-04-02", "2026-04-06"])))
    monday_evening = datetime(2026, 4, 6, 23, 0, tzinfo=UTC)
    assert reading(easter, CATALOG["TLT"], now=monday_evening).changes["1d"] == pytest.approx(2.0)


def test_a_flat_year_has_no_range_position():
    days = pd.bdate_range(end="2026-11-20", periods=270)
    m = market_of(US3M=pd.Series(np.full(len(days), 5.25), index=days))
    r = reading(m, CATALOG["US3M"], now=FRIDAY_EVENING)
    assert r.low_52w == r.high_52w == 5.25
    assert r.position_52w is None  # not a made-up 50%
    text = format_reading(r, "en")
    assert "at —%" in text and "50%" not in text


def test_bitcoin_windows_count_calendar_days_and_say_so():
    rng = np.random.default_rng(5)
    days = pd.date_range(end="2026-11-20", periods=500, freq="D")  # every calendar day, like bitcoin
    values = 40_000 * np.exp(np.cumsum(rng.normal(0, 0.03, len(days))))
    m = market_of(BTC=pd.Series(values, index=days))
    r = reading(m, CATALOG["BTC"], now=FRIDAY_EVENING)
    assert r.calendar == "daily"
    assert r.ma200_distance == pytest.approx((values[-1] / values[-200:].mean() - 1) * 100)  # 200 calendar days
    moves = (values[20:] / values[:-20] - 1) * 100
    window = moves[-366:-1]  # a past year of calendar days, today excluded
    assert r.z_20d == pytest.approx((moves[-1] - window.mean()) / window.std(ddof=1))
    from regimebot.handlers.messages.readings import format_reading

    assert "200-calendar-day avg" in format_reading(r, "en") and "20-calendar-day move z" in format_reading(r, "en")
    assert "200個日曆日均線" in format_reading(r, "zh-TW")
