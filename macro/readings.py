"""Readings: the latest value of a series and what it has done (changes, range, trend, unusualness, staleness)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime

import numpy as np
import pandas as pd

from regimebot.macro.calendars import expected_observation, is_stale
from regimebot.macro.catalog import Series
from regimebot.macro.market import Market

CHANGE_WINDOWS = ("1d", "1w", "1m", "3m", "ytd")
MAX_GAP_1D = 5  # calendar days back to the previous close that still make a "1d" change (a long weekend is 4)
MA_DAYS = 200  # observations in the moving average: sessions of its calendar, or calendar days for a 7-day market
Z_MOVE = 20  # observations in the move whose z-score is taken
YEAR_OBSERVATIONS = {"daily": 365}  # a past year of observations: 365 for a 7-day market, else 252 sessions
YEAR_SESSIONS = 252


@dataclass(frozen=True)
class Reading:
    """What one series is doing, as of its last observation. None means unknown (not enough data)."""

    series_id: str
    name: str
    unit: str
    in_bp: bool                      # changes in basis points (yields) rather than percent
    last: float | None
    last_date: date | None
    changes: dict[str, float | None] = field(default_factory=dict)   # window -> % or bp
    low_52w: float | None = None
    high_52w: float | None = None
    position_52w: float | None = None   # 0 = at the low, 1 = at the high
    ma200_distance: float | None = None  # % above (+) / below (−) the 200-day average; bp for yields
    z_20d: float | None = None           # z-score of the 20-day change against the year before today
    calendar: str = "trading"            # the series' calendar: "daily" windows count calendar days (bitcoin), else sessions
    stale: bool = True
    expected_date: date | None = None    # the last close that should exist
    source: str = ""
    simulated: bool = False
    error: str | None = None             # the data error of the last refresh, if any

    @property
    def known(self) -> bool:
        return self.last is not None


def _change(now: float, then: float | None, in_bp: bool) -> float | None:
    if then is None or not np.isfinite(then):
        return None
    if in_bp:
        return (now - then) * 100.0
    if then == 0:
        return None
    return (now / then - 1.0) * 100.0


def _value_near(s: pd.Series, day: pd.Timestamp, tolerance_days: int = 7) -> float | None:
    """The last observation on or before `day`, if it is no more than `tolerance_days` older."""
    cut = s.loc[:day]
    if not len(cut) or (day - cut.index[-1]).days > tolerance_days:
        return None
    return float(cut.iloc[-1])


def reading(market: Market, series: Series, as_of: date | None = None, now: datetime | None = None) -> Reading:
    """Compute the reading of one series from the market, as of a date (default: its last observation)."""
    s = market.series(series.id)
    if as_of is not None:
        s = s.loc[: pd.Timestamp(as_of)]
    now = now or datetime.now(UTC)
    expected = expected_observation(series, now, s.index[-1].date() if len(s) else None)
    in_bp = series.changes_in_bp
    unknown = Reading(series_id=series.id, name=series.name, unit=series.unit, in_bp=in_bp, last=None, last_date=None,
                      source=market.label, simulated=market.simulated, error=market.errors.get(series.id),
                      expected_date=expected, calendar=series.calendar)
    if s.empty:
        return unknown
    last_ts = s.index[-1]
    last = float(s.iloc[-1])
    changes: dict[str, float | None] = {}
    previous_close = float(s.iloc[-2]) if len(s) > 1 and (last_ts - s.index[-2]).days <= MAX_GAP_1D else None
    changes["1d"] = _change(last, previous_close, in_bp)  # after a data gap the move is not a one-day change
    for key, offset in (("1w", pd.DateOffset(weeks=1)), ("1m", pd.DateOffset(months=1)), ("3m", pd.DateOffset(months=3))):
        changes[key] = _change(last, _value_near(s, last_ts - offset), in_bp)
    changes["ytd"] = _change(last, _value_near(s, pd.Timestamp(year=last_ts.year, month=1, day=1) - pd.Timedelta(days=1), 10), in_bp)

    year = s.loc[last_ts - pd.DateOffset(weeks=52):]
    have_year = s.index[0] <= last_ts - pd.DateOffset(weeks=50)
    low = high = position = None
    if have_year:
        low, high = float(year.min()), float(year.max())
        position = (last - low) / (high - low) if high > low else None  # a flat year has no position
    ma_distance = None
    if len(s) >= MA_DAYS:
        ma = float(s.iloc[-MA_DAYS:].mean())
        ma_distance = (last - ma) * 100.0 if in_bp else (last / ma - 1.0) * 100.0
    z = None
    year_n = YEAR_OBSERVATIONS.get(series.calendar, YEAR_SESSIONS)
    if len(s) >= year_n + Z_MOVE + 1:
        moves = (s.diff(Z_MOVE) * 100.0) if in_bp else (s.pct_change(Z_MOVE, fill_method=None) * 100.0)
        window = moves.iloc[-year_n - 1 : -1].dropna()  # the year before today: today's move is not its own yardstick
        sd = float(window.std(ddof=1))
        if sd > 0 and np.isfinite(sd):
            z = (float(moves.iloc[-1]) - float(window.mean())) / sd
    last_date = last_ts.date()
    stale = is_stale(series, last_date, now) if as_of is None else False
    return replace(unknown, last=last, last_date=last_date, changes=changes, low_52w=low, high_52w=high,
                   position_52w=position, ma200_distance=ma_distance, z_20d=z, stale=stale)
