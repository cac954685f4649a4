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

import numpy as np
import pandas as pd

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


SPAN = (date(1950, 1, 1), date(2040, 12, 31))  # the days the calendars are built for (once, on first use)


@lru_cache(maxsize=8)
def _session_array(calendar: str) -> np.ndarray:
    """The calendar's sessions over SPAN, ascending (numpy days)."""
    name = CALENDARS[calendar].library_name
    if name is None:
        return np.arange(np.datetime64(SPAN[0], "D"), np.datetime64(SPAN[1], "D") + 1)
    import pandas_market_calendars as mcal  # imported on first use: it takes seconds to load

    days = mcal.get_calendar(name).valid_days(SPAN[0].isoformat(), SPAN[1].isoformat())
    return np.asarray(days.tz_localize(None).values.astype("datetime64[D]"))


@lru_cache(maxsize=8)
def _session_set(calendar: str) -> frozenset[date]:
    return frozenset(_session_array(calendar).tolist())


def is_session(day: date, calendar: str = "trading") -> bool:
    """Whether the calendar's market is open (a value for the day can exist)."""
    if not SPAN[0] <= day <= SPAN[1]:
        raise ValueError(f"{day} is outside the market calendars' span {SPAN[0]} to {SPAN[1]}")
    return day in _session_set(calendar)


def on_sessions(days: np.ndarray, calendar: str) -> np.ndarray:
    """Per day (numpy datetime64[D]): is it a session of the calendar? Outside SPAN: is it a weekday."""
    days = np.asarray(days, dtype="datetime64[D]")
    inside = (days >= np.datetime64(SPAN[0], "D")) & (days <= np.datetime64(SPAN[1], "D"))
    out = np.is_busday(days) if calendar != "daily" else np.ones(len(days), dtype=bool)
    if inside.any():
        sessions = _session_array(calendar)  # sorted: a binary search, not np.isin's sort of both arrays
        wanted = days[inside]
        at = np.minimum(np.searchsorted(sessions, wanted), len(sessions) - 1)
        out[inside] = sessions[at] == wanted
    return out


def sessions_from(start: date, count: int, calendar: str = "trading") -> pd.DatetimeIndex:
    """The first `count` sessions of a calendar on or after `start`."""
    days = np.arange(np.datetime64(start, "D"), np.datetime64(start, "D") + 2 * count + 14)
    return pd.DatetimeIndex(days[on_sessions(days, calendar)][:count].astype("datetime64[ns]"))


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


def release_days(index: pd.DatetimeIndex, series: Series) -> pd.DatetimeIndex:
    """The release day of each observation date of a series (vectorised `published_on`)."""
    if not len(index):
        return pd.DatetimeIndex([], name="date")
    sessions = _session_array(series.calendar)
    days = index.values.astype("datetime64[D]")
    at = np.searchsorted(sessions, days, side="left") + series.published_lag_days  # first session on/after, then lag
    released = sessions[np.minimum(at, len(sessions) - 1)].astype("datetime64[ns]")
    return pd.DatetimeIndex(released, name="date")


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
