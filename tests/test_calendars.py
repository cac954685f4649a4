"""Real market calendars: NYSE, the SIFMA bond-market calendar, every day; weekly series and publication lags."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pandas as pd

from regimebot.macro.calendars import (
    expected_observation,
    is_session,
    is_stale,
    last_expected_close,
    on_sessions,
    published_on,
    sessions_from,
)
from regimebot.macro.catalog import load_catalog
from regimebot.macro.market import Market, make_closes
from regimebot.macro.readings import reading

CATALOG = load_catalog()


def evening(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 23, 0, tzinfo=UTC)  # 18:00/19:00 in New York: after the close


def market_of(**series: pd.Series) -> Market:
    return Market(make_closes(series, CATALOG), "test")


def test_columbus_day_bonds_closed_stocks_open():
    columbus = date(2025, 10, 13)
    assert is_session(columbus, "trading") and not is_session(columbus, "bonds")
    assert last_expected_close(evening(columbus), "trading") == columbus
    assert last_expected_close(evening(columbus), "bonds") == date(2025, 10, 10)
    # a Treasury yield last seen on the Friday before is not stale on Columbus Day; an ETF is
    assert not is_stale(CATALOG["US10Y"], date(2025, 10, 10), evening(columbus))
    assert is_stale(CATALOG["TLT"], date(2025, 10, 10), evening(columbus))
    yields = market_of(US10Y=pd.Series([4.05, 4.03], index=pd.to_datetime(["2025-10-09", "2025-10-10"])),
                       TLT=pd.Series([89.0, 89.5], index=pd.to_datetime(["2025-10-09", "2025-10-10"])))
    r = reading(yields, CATALOG["US10Y"], now=evening(columbus))
    assert not r.stale and r.expected_date == date(2025, 10, 10)
    etf = reading(yields, CATALOG["TLT"], now=evening(columbus))
    assert etf.stale and etf.expected_date == columbus


def test_h15_series_due_the_next_business_day_skipping_the_bond_holiday():
    # DFII10 for Friday 10 Oct is out on the next bond-market day, Tuesday 14 Oct (Columbus Day in between)
    assert published_on(CATALOG["DFII10"], date(2025, 10, 10)) == date(2025, 10, 14)
    assert expected_observation(CATALOG["DFII10"], evening(date(2025, 10, 13))) == date(2025, 10, 9)
    assert expected_observation(CATALOG["DFII10"], evening(date(2025, 10, 14))) == date(2025, 10, 10)
    assert not is_stale(CATALOG["DFII10"], date(2025, 10, 9), evening(date(2025, 10, 13)))
    assert is_stale(CATALOG["DFII10"], date(2025, 10, 9), evening(date(2025, 10, 14)))


def test_special_nyse_closure_for_president_carter():
    mourning = date(2025, 1, 9)  # NYSE closed for the national day of mourning; bonds traded (early close)
    assert not is_session(mourning, "trading") and is_session(mourning, "bonds")
    assert last_expected_close(evening(mourning), "trading") == date(2025, 1, 8)
    assert not is_stale(CATALOG["SPX"], date(2025, 1, 8), evening(mourning))
    assert is_stale(CATALOG["SPX"], date(2025, 1, 8), evening(date(2025, 1, 10)))
    assert is_stale(CATALOG["US10Y"], date(2025, 1, 8), evening(mourning))


def test_bitcoin_expects_every_day():
    sunday = date(2025, 10, 12)
    assert last_expected_close(evening(sunday), "daily") == date(2025, 10, 11)
    assert is_stale(CATALOG["BTC"], date(2025, 10, 10), evening(sunday))


def test_weekly_h41_series_stale_only_after_a_missed_week():
    walcl = CATALOG["WALCL"]  # Wednesday levels, released on Thursday
    assert published_on(walcl, date(2025, 1, 22)) == date(2025, 1, 23)
    assert not is_stale(walcl, date(2025, 1, 15), evening(date(2025, 1, 22)))   # this week's not out yet
    assert not is_stale(walcl, date(2025, 1, 15), evening(date(2025, 1, 23)))   # release day: a day's grace
    assert is_stale(walcl, date(2025, 1, 15), evening(date(2025, 1, 24)))       # Thursday's release missed
    assert expected_observation(walcl, evening(date(2025, 1, 24)), date(2025, 1, 15)) == date(2025, 1, 22)
    assert expected_observation(walcl, evening(date(2025, 2, 7)), date(2025, 1, 15)) == date(2025, 2, 5)
    nfci = CATALOG["NFCI"]  # dated Friday, released the following Wednesday
    assert published_on(nfci, date(2025, 1, 10)) == date(2025, 1, 15)
    assert not is_stale(nfci, date(2025, 1, 10), evening(date(2025, 1, 21)))
    assert not is_stale(nfci, date(2025, 1, 10), evening(date(2025, 1, 23)))  # MLK Day moved the release to Thu
    assert is_stale(nfci, date(2025, 1, 10), evening(date(2025, 1, 24)))
    assert is_stale(CATALOG["RRPONTSYD"], date(2025, 1, 22), evening(date(2025, 1, 23)))  # daily: a day late is stale


def test_on_sessions_is_is_session_for_many_days_at_once():
    days = pd.date_range("2024-06-28", "2024-07-08").values.astype("datetime64[D]")  # Independence Day on a Thursday
    for calendar in ("trading", "bonds", "tokyo", "daily"):
        expected = [is_session(pd.Timestamp(d).date(), calendar) for d in days]
        assert on_sessions(days, calendar).tolist() == expected, calendar
    assert not on_sessions(days, "trading")[6] and on_sessions(days, "daily").all()
    far = pd.to_datetime(["1949-12-30", "1949-12-31"]).values.astype("datetime64[D]")  # outside the calendars' span
    assert on_sessions(far, "trading").tolist() == [True, False]  # a weekday is a session there, a Saturday is not


def test_sessions_from_skips_weekends_and_holidays():
    days = sessions_from(date(2024, 1, 12), 3)  # Friday, then Martin Luther King Day (Monday 15th) is closed
    assert [d.date() for d in days] == [date(2024, 1, 12), date(2024, 1, 16), date(2024, 1, 17)]
    assert [d.date() for d in sessions_from(date(2024, 10, 11), 2, "bonds")] == [date(2024, 10, 11), date(2024, 10, 15)]
