"""Market calendars: which days a series can have a value, when it becomes known, and which value is due.

Sessions come from `pandas_market_calendars` (maintained holiday and special-closure rules): NYSE for
equities and ETFs ("trading"), the SIFMA US bond-market calendar for Treasury yields and FRED's rates
("bonds"), Japan's exchange calendar for MoF yields ("tokyo"), and every day for bitcoin ("daily").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import pandas_market_calendars as mcal

from regimebot.macro.catalog import Series


@dataclass(frozen=True)
class MarketCalendar:
    """One calendar: the library's name for it (None: every day), its time zone and when a day's value is final."""

    library_name: str | None
    zone: ZoneInfo
    final_at: time


NEW_YORK = ZoneInfo("America/New_York")
CALENDARS: dict[str, MarketCalendar] = {
    "trading": MarketCalendar("NYSE", NEW_YORK, time(16, 15)),   # closes are final a little after 16:00
    "bonds": MarketCalendar("SIFMAUS", NEW_YORK, time(16, 15)),
    "tokyo": MarketCalendar("JPX", ZoneInfo("Asia/Tokyo"), time(18, 0)),  # MoF posts the day's yields in the evening
    "daily": MarketCalendar(None, ZoneInfo("UTC"), time(0, 0)),
}
WEEK = timedelta(days=7)


@lru_cache(maxsize=256)
def _sessions(calendar: str, year: int) -> frozenset[date]:
    """The calendar's sessions in one year."""
    name = CALENDARS[calendar].library_name
    if name is None:
        start = date(year, 1, 1)
        return frozenset(start + timedelta(days=i) for i in range((date(year + 1, 1, 1) - start).days))
    days = mcal.get_calendar(name).valid_days(f"{year}-01-01", f"{year}-12-31")
    return frozenset(d.date() for d in days)


def is_session(day: date, calendar: str = "trading") -> bool:
    """Whether the calendar's market is open (a value for the day can exist)."""
    return day in _sessions(calendar, day.year)


def previous_session(day: date, calendar: str) -> date:
    """The newest session on or before `day`."""
    while not is_session(day, calendar):
        day -= timedelta(days=1)
    return day


def sessions_after(day: date, count: int, calendar: str) -> date:
    """The `count`-th session after `day` (0: `day` itself, or the next session if it is none)."""
    while not is_session(day, calendar):
        day += timedelta(days=1)
    for _ in range(count):
        day += timedelta(days=1)
        while not is_session(day, calendar):
            day += timedelta(days=1)
    return day


def published_on(series: Series, observed: date) -> date:
    """The day the value a series has for `observed` becomes known (its release after `published_lag_days` sessions)."""
    return sessions_after(observed, series.published_lag_days, series.calendar)


def _local(now: datetime, calendar: str) -> datetime:
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return now.astimezone(CALENDARS[calendar].zone)


def known_by(now: datetime, calendar: str) -> date:
    """The newest day whose releases are out at `now`: today after the calendar's final time, else yesterday."""
    local = _local(now, calendar)
    if calendar == "daily":
        return local.date() - timedelta(days=1)  # a 24-hour market's day is complete only once it is over
    return local.date() if local.time() >= CALENDARS[calendar].final_at else local.date() - timedelta(days=1)


def last_expected_close(now: datetime, calendar: str = "trading") -> date:
    """The date of the newest close that should exist at `now` on a calendar (no publication lag)."""
    return previous_session(known_by(now, calendar), calendar)


def expected_observation(series: Series, now: datetime, last: date | None = None) -> date:
    """The newest observation of a series that should be out at `now`, given its calendar, frequency and lag.

    A weekly series is due a week after its last observation (`last`), once that value's release day
    has passed; until then its last observation is the expected one, so it is stale only after a missed week.
    """
    known = known_by(now, series.calendar)
    if series.frequency == "weekly" and last is not None:
        due = last + WEEK
        while published_on(series, due + WEEK) <= known:
            due += WEEK  # several weeks missed: expect the newest one that is out
        release = sessions_after(published_on(series, due), 1, series.calendar)  # a day's grace: holidays move releases
        return due if release <= known else last
    day = previous_session(known, series.calendar)
    while published_on(series, day) > known:
        day = previous_session(day - timedelta(days=1), series.calendar)
    return day


def is_stale(series: Series, last: date, now: datetime) -> bool:
    """Whether a series' last observation is older than the one that should be out by `now`."""
    return last < expected_observation(series, now, last)
