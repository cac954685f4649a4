"""Signal measures: each kind's raw value over a whole history in one vectorised pass.

Every function is causal (the value on a date uses only observations up to that date), so the
value on day d is the same whether computed over the full history or over history cut at d. Values
are on the measure's own observation dates; NaN means unknown (a missing input, or too little
history for the window).
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd

from regimebot.macro.calendars import on_sessions
from regimebot.macro.catalog import Catalog
from regimebot.macro.market import Market
from regimebot.macro.signal_specs import Condition, Measure


class SeriesCache:
    """Each series' own observations, read once per computation."""

    def __init__(self, market: Market, catalog: Catalog) -> None:
        self.market = market
        self.catalog = catalog
        self._series: dict[str, pd.Series] = {}
        self._days: dict[str, np.ndarray] = {}
        self._measures: dict[Measure, pd.Series] = {}
        self._fresh: dict[str, np.ndarray] = {}

    def get(self, series_id: str) -> pd.Series:
        if series_id not in self._series:
            closes = self.market.closes
            if series_id in closes.columns:
                column = closes[series_id].to_numpy(dtype="float64")
                keep = ~np.isnan(column)
                self._series[series_id] = pd.Series(column[keep], index=closes.index[keep], dtype="float64")
            else:
                self._series[series_id] = pd.Series(dtype="float64", index=pd.DatetimeIndex([], name="date"))
        return self._series[series_id]

    def days(self, series_id: str) -> np.ndarray:
        """The series' observation dates as int days since 1970-01-01."""
        if series_id not in self._days:
            self._days[series_id] = _days(self.get(series_id).index)
        return self._days[series_id]

    def fresh(self, series_id: str) -> np.ndarray:
        """Per observation: a new print on a session of the series' market calendar (not a repeat of the last
        value, nor a weekend or holiday row), i.e. one that may count toward a signal's persistence."""
        if series_id not in self._fresh:
            values = self.get(series_id).to_numpy(dtype="float64")
            new = np.ones(len(values), dtype=bool)
            new[1:] = values[1:] != values[:-1]
            calendar = self.catalog[series_id].calendar if series_id in self.catalog else "trading"
            new &= on_sessions(self.days(series_id).astype("datetime64[D]"), calendar)
            self._fresh[series_id] = new
        return self._fresh[series_id]

    def fresh_on(self, series: tuple[str, ...], dates: pd.DatetimeIndex) -> np.ndarray:
        """Per date: does any of `series` have a fresh print on it?"""
        want = _days(dates)
        out = np.zeros(len(want), dtype=bool)
        for sid in series:
            have = self.days(sid)
            if not len(have):
                continue
            if len(have) == len(want) and have[0] == want[0] and have[-1] == want[-1] and np.array_equal(have, want):
                out |= self.fresh(sid)  # the measure is on the series' own dates (level, change, average …)
                continue
            pos = np.minimum(np.searchsorted(have, want), len(have) - 1)
            out |= (have[pos] == want) & self.fresh(sid)[pos]
        return out

    def in_bp(self, series_id: str) -> bool:
        return series_id in self.catalog and self.catalog[series_id].changes_in_bp

    def measure(self, measure: Measure, stale_days: int) -> pd.Series:
        """The measure's values (memoised: several signals share e.g. the DXY 20-day change)."""
        if measure not in self._measures:
            self._measures[measure] = measure_values(measure, self, stale_days)
        return self._measures[measure]


def _change(s: pd.Series, window: int, unit: str) -> pd.Series:
    """Change over `window` observations: percent, basis points or percentage points."""
    x = s.to_numpy()
    out = np.full(len(x), np.nan)
    if len(x) > window:
        with np.errstate(invalid="ignore", divide="ignore"):
            if unit == "%":
                out[window:] = (x[window:] / x[:-window] - 1.0) * 100.0
            else:
                out[window:] = (x[window:] - x[:-window]) * (100.0 if unit == "bp" else 1.0)
    out[~np.isfinite(out)] = np.nan
    return pd.Series(out, index=s.index, dtype="float64")


def _returns(x: np.ndarray, in_bp: bool) -> np.ndarray:
    """Daily returns for correlations: relative change for prices, first difference for yields."""
    out = np.full(len(x), np.nan)
    if len(x) > 1:
        with np.errstate(invalid="ignore", divide="ignore"):
            out[1:] = x[1:] - x[:-1] if in_bp else x[1:] / x[:-1] - 1.0
    out[~np.isfinite(out)] = np.nan
    return out


def _window_sums(x: np.ndarray, window: int) -> np.ndarray:
    c = np.concatenate(([0.0], np.cumsum(x)))
    return c[window:] - c[:-window]


def rolling_correlation(x: np.ndarray, y: np.ndarray, window: int) -> np.ndarray:
    """Pearson correlation over each trailing window (NaN where a window has a NaN or no variance).

    Rolling sums of centred series, so the one-pass formula stays exact to ~1e-12 for returns.
    """
    n = len(x)
    out = np.full(n, np.nan)
    if n < window:
        return out
    bad = np.isnan(x) | np.isnan(y)
    if bad.all():
        return out
    # centre on the mean of the first `window` complete pairs: causal, so a history cut at any
    # day gives bit-identical values up to that day
    first = np.flatnonzero(~bad)[:window]
    x = np.where(bad, 0.0, x - x[first].mean())
    y = np.where(bad, 0.0, y - y[first].mean())
    has_nan = _window_sums(bad.astype(float), window) > 0
    sx, sy = _window_sums(x, window), _window_sums(y, window)
    sxx, syy, sxy = _window_sums(x * x, window), _window_sums(y * y, window), _window_sums(x * y, window)
    vx = sxx - sx * sx / window
    vy = syy - sy * sy / window
    flat = (vx <= 1e-10 * sxx) | (vy <= 1e-10 * syy)
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = (sxy - sx * sy / window) / np.sqrt(vx * vy)
    corr[has_nan | flat] = np.nan
    out[window - 1:] = np.clip(corr, -1.0, 1.0)
    return out


def _pair_days(cache: SeriesCache, a: str, b: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions in each series of the days both have an observation."""
    da, db = cache.days(a), cache.days(b)
    if np.array_equal(da, db):
        both = np.arange(len(da))
        return da, both, both
    if len(db) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    pos = np.searchsorted(db, da)  # both sorted and unique
    match = db[np.minimum(pos, len(db) - 1)] == da
    ia = np.flatnonzero(match)
    return da[ia], ia, pos[ia]


def _pair_values(cache: SeriesCache, a: str, b: str, window: int, period: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """(common days, rolling correlation of the two series' returns on them)."""
    days, ia, ib = _pair_days(cache, a, b)
    xa, xb = cache.get(a).to_numpy()[ia], cache.get(b).to_numpy()[ib]
    if period == 1:
        return days, rolling_correlation(_returns(xa, cache.in_bp(a)), _returns(xb, cache.in_bp(b)), window)
    return days, period_correlation(xa, xb, window, period, cache.in_bp(a), cache.in_bp(b))


def period_correlation(xa: np.ndarray, xb: np.ndarray, window: int, period: int, a_in_bp: bool = False,
                       b_in_bp: bool = False) -> np.ndarray:
    """Correlation of the last `window` non-overlapping `period`-observation returns ending at each day.

    Day t uses the returns ending at t, t−period, t−2·period, …: each phase of the calendar is its
    own sample of weekly (period 5) returns, so the value updates daily and stays causal.
    """
    out = np.full(len(xa), np.nan)
    for phase in range(period):
        idx = np.arange(phase, len(xa), period)
        ra = _returns(xa[idx], a_in_bp)
        rb = _returns(xb[idx], b_in_bp)
        out[idx] = rolling_correlation(ra, rb, window)
    return out


def _pair_correlation(cache: SeriesCache, a: str, b: str, window: int, period: int = 1) -> pd.Series:
    """Rolling correlation of two series' returns, on the dates both have an observation."""
    _, ia, _ = _pair_days(cache, a, b)
    _, corr = _pair_values(cache, a, b, window, period)
    return pd.Series(corr, index=cache.get(a).index[ia], dtype="float64")


def align(values: pd.Series, dates: pd.DatetimeIndex, stale_days: int) -> np.ndarray:
    """The value of the latest observation at or before each date, if no older than `stale_days` (else NaN).

    An observation whose value is unknown (NaN) stays unknown: no older value is carried over it.
    """
    return _align_days(_days(values.index), values.to_numpy(dtype="float64"), _days(dates), stale_days)


def _align_days(have: np.ndarray, values: np.ndarray, want: np.ndarray, stale_days: int) -> np.ndarray:
    if np.array_equal(have, want):
        return values.copy()
    out = np.full(len(want), np.nan)
    if len(have) == 0 or len(want) == 0:
        return out
    pos = np.searchsorted(have, want, side="right") - 1
    ok = (pos >= 0) & (want - have[np.maximum(pos, 0)] <= stale_days)
    out[ok] = values[pos[ok]]
    return out


def _days(index: pd.Index) -> np.ndarray:
    """Int days since 1970-01-01 of a date index (every series here is indexed by dates)."""
    return pd.DatetimeIndex(index).values.astype("datetime64[D]").astype(np.int64)


def _required(value: int | None, measure: Measure, name: str) -> int:
    """A measure's window or lookback, which the watch list loader requires for its kind."""
    if value is None:
        raise ValueError(f"a {measure.kind} measure of {', '.join(measure.series)} needs a {name}")
    return value


def _mean_correlation(cache: SeriesCache, measure: Measure, stale_days: int) -> pd.Series:
    """Mean pairwise rolling correlation over the members with data (at least min_members).

    Measured on the exchange-traded members' dates; each pair's correlation is taken on the days
    both members have, then read on each of those dates if no older than `stale_days`.
    """
    members = measure.series
    trading = [m for m in members if m in cache.catalog and cache.catalog[m].calendar == "trading"]
    calendar = np.unique(np.concatenate([np.zeros(0, dtype=np.int64)] + [cache.days(m) for m in trading or members]))
    dates = pd.DatetimeIndex(calendar.astype("datetime64[D]").astype("datetime64[ns]"), name="date")
    if len(dates) == 0:
        return pd.Series(dtype="float64", index=dates)
    pairs = list(combinations(range(len(members)), 2))
    matrix = np.full((len(dates), len(pairs)), np.nan)
    for col, (i, j) in enumerate(pairs):
        days, corr = _pair_values(cache, members[i], members[j], _required(measure.window, measure, "window"))
        matrix[:, col] = _align_days(days, corr, calendar, stale_days)
    valid = ~np.isnan(matrix)
    has_data = np.zeros((len(dates), len(members)), dtype=bool)
    for col, (i, j) in enumerate(pairs):
        has_data[:, i] |= valid[:, col]
        has_data[:, j] |= valid[:, col]
    count = valid.sum(axis=1)
    mean = np.where(count > 0, np.where(valid, matrix, 0.0).sum(axis=1) / np.maximum(count, 1), np.nan)
    mean[has_data.sum(axis=1) < measure.min_members] = np.nan
    return pd.Series(mean, index=dates, dtype="float64")


def _zscore_change(s: pd.Series, window: int, lookback: int, in_bp: bool) -> pd.Series:
    """z-score of today's `window`-observation change against the `lookback` changes before it."""
    change = s - s.shift(window) if in_bp else (s / s.shift(window) - 1.0)
    prior = change.shift(1)
    mean = prior.rolling(lookback, min_periods=lookback).mean()
    std = prior.rolling(lookback, min_periods=lookback).std(ddof=1)
    z = (change - mean) / std.where(std > 0)
    return z


def measure_values(measure: Measure, cache: SeriesCache, stale_days: int) -> pd.Series:
    """The measure's value on each of its observation dates (NaN: unknown)."""
    kind, series = measure.kind, measure.series
    window = measure.window or 1  # parsing gives every kind that uses a window one (a ratio level has none)
    if kind == "level":
        return cache.get(series[0])
    if kind == "change":
        return _change(cache.get(series[0]), _required(window, measure, "window"), measure.unit)
    if kind == "ma_distance":
        s = cache.get(series[0])
        span = _required(window, measure, "window")
        ma = s.rolling(span, min_periods=span).mean()
        if measure.unit == "%":
            return (s / ma - 1.0) * 100.0
        return (s - ma) * (100.0 if measure.unit == "bp" else 1.0)
    if kind == "zscore_change":
        return _zscore_change(cache.get(series[0]), _required(window, measure, "window"),
                              _required(measure.lookback, measure, "lookback"), cache.in_bp(series[0]))
    if kind == "correlation":
        return _pair_correlation(cache, series[0], series[1], _required(window, measure, "window"),
                                  measure.period or 1)
    if kind == "mean_correlation":
        return _mean_correlation(cache, measure, stale_days)
    if kind == "ratio":
        joined = pd.concat([cache.get(series[0]), cache.get(series[1])], axis=1, join="inner", keys=list(series))
        ratio = (joined[series[0]] / joined[series[1]]).replace([np.inf, -np.inf], np.nan)
        return ratio if measure.window is None else (ratio / ratio.shift(window) - 1.0) * 100.0
    raise ValueError(f"unknown measure kind {kind!r}")


def gate_values(conditions: tuple[Condition, ...], dates: pd.DatetimeIndex, cache: SeriesCache, stale_days: int) -> np.ndarray:
    """1.0 where every condition holds on the date, 0.0 where one fails, NaN where none fails but one is unknown."""
    any_false = np.zeros(len(dates), dtype=bool)
    any_unknown = np.zeros(len(dates), dtype=bool)
    for cond in conditions:
        values = align(cache.measure(cond.measure, stale_days), dates, stale_days)
        unknown = np.isnan(values)
        with np.errstate(invalid="ignore"):
            holds = values > cond.level if cond.direction == "above" else values < cond.level
        any_false |= ~unknown & ~holds
        any_unknown |= unknown
    return np.where(any_false, 0.0, np.where(any_unknown, np.nan, 1.0))
