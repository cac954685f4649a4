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

from macro.catalog import Catalog
from macro.market import Market
from macro.watchlist import Condition, Measure


class SeriesCache:
    """Each series' own observations, read once per computation."""

    def __init__(self, market: Market, catalog: Catalog) -> None:
        self.market = market
        self.catalog = catalog
        self._series: dict[str, pd.Series] = {}
        self._measures: dict[Measure, pd.Series] = {}

    def get(self, series_id: str) -> pd.Series:
        if series_id not in self._series:
            self._series[series_id] = self.market.series(series_id).astype("float64")
        return self._series[series_id]

    def in_bp(self, series_id: str) -> bool:
        return series_id in self.catalog and self.catalog[series_id].changes_in_bp

    def measure(self, measure: Measure, stale_days: int) -> pd.Series:
        """The measure's values (memoised: several signals share e.g. the DXY 20-day change)."""
        if measure not in self._measures:
            self._measures[measure] = measure_values(measure, self, stale_days)
        return self._measures[measure]


def _change(s: pd.Series, window: int, unit: str) -> pd.Series:
    """Change over `window` observations: percent, basis points or percentage points."""
    if unit == "%":
        return (s / s.shift(window) - 1.0) * 100.0
    diff = s - s.shift(window)
    return diff * 100.0 if unit == "bp" else diff


def _returns(s: pd.Series, in_bp: bool) -> pd.Series:
    """Daily returns for correlations: relative change for prices, first difference for yields."""
    return s.diff() if in_bp else s.pct_change(fill_method=None)


def _pair_correlation(cache: SeriesCache, a: str, b: str, window: int) -> pd.Series:
    """Rolling correlation of two series' returns, on the dates both have an observation."""
    joined = pd.concat([cache.get(a), cache.get(b)], axis=1, join="inner", keys=[a, b])
    if len(joined) == 0:
        return pd.Series(dtype="float64", index=pd.DatetimeIndex([], name="date"))
    ra = _returns(joined[a], cache.in_bp(a))
    rb = _returns(joined[b], cache.in_bp(b))
    corr = ra.rolling(window, min_periods=window).corr(rb)
    return corr.replace([np.inf, -np.inf], np.nan)


def _calendar(cache: SeriesCache, members: tuple[str, ...]) -> pd.DatetimeIndex:
    """Observation dates of a multi-series measure: its exchange-traded members' dates."""
    trading = [m for m in members if m in cache.catalog and cache.catalog[m].calendar == "trading"]
    chosen = trading or list(members)
    index = pd.DatetimeIndex([], name="date")
    for m in chosen:
        index = index.union(cache.get(m).index)
    return index


def _align(values: pd.Series, dates: pd.DatetimeIndex, stale_days: int) -> pd.Series:
    """The latest value at or before each date, if no older than `stale_days` (else NaN)."""
    if len(values) == 0:
        return pd.Series(np.nan, index=dates, dtype="float64")
    values = values.dropna()
    if len(values) == 0:
        return pd.Series(np.nan, index=dates, dtype="float64")
    return values.reindex(dates, method="ffill", tolerance=pd.Timedelta(days=stale_days))


def _mean_correlation(cache: SeriesCache, measure: Measure, stale_days: int) -> pd.Series:
    """Mean pairwise rolling correlation over the members with data (at least min_members)."""
    members = measure.series
    dates = _calendar(cache, members)
    if len(dates) == 0:
        return pd.Series(dtype="float64", index=dates)
    pairs = list(combinations(range(len(members)), 2))
    matrix = np.full((len(dates), len(pairs)), np.nan)
    for col, (i, j) in enumerate(pairs):
        corr = _pair_correlation(cache, members[i], members[j], measure.window)
        matrix[:, col] = _align(corr, dates, stale_days).to_numpy()
    valid = ~np.isnan(matrix)
    has_data = np.zeros((len(dates), len(members)), dtype=bool)
    for col, (i, j) in enumerate(pairs):
        has_data[:, i] |= valid[:, col]
        has_data[:, j] |= valid[:, col]
    count = valid.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, np.nansum(matrix, axis=1) / np.maximum(count, 1), np.nan)
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
    kind, series, window = measure.kind, measure.series, measure.window
    if kind == "level":
        return cache.get(series[0])
    if kind == "change":
        return _change(cache.get(series[0]), window, measure.unit)
    if kind == "ma_distance":
        s = cache.get(series[0])
        ma = s.rolling(window, min_periods=window).mean()
        if measure.unit == "%":
            return (s / ma - 1.0) * 100.0
        return (s - ma) * (100.0 if measure.unit == "bp" else 1.0)
    if kind == "zscore_change":
        return _zscore_change(cache.get(series[0]), window, measure.lookback, cache.in_bp(series[0]))
    if kind == "correlation":
        return _pair_correlation(cache, series[0], series[1], window)
    if kind == "mean_correlation":
        return _mean_correlation(cache, measure, stale_days)
    if kind == "ratio":
        joined = pd.concat([cache.get(series[0]), cache.get(series[1])], axis=1, join="inner", keys=list(series))
        ratio = (joined[series[0]] / joined[series[1]]).replace([np.inf, -np.inf], np.nan)
        return ratio if window is None else (ratio / ratio.shift(window) - 1.0) * 100.0
    raise ValueError(f"unknown measure kind {kind!r}")


def gate_values(conditions: tuple[Condition, ...], dates: pd.DatetimeIndex, cache: SeriesCache, stale_days: int) -> np.ndarray:
    """1.0 where every condition holds on the date, 0.0 where one fails, NaN where none fails but one is unknown."""
    any_false = np.zeros(len(dates), dtype=bool)
    any_unknown = np.zeros(len(dates), dtype=bool)
    for cond in conditions:
        values = _align(cache.measure(cond.measure, stale_days), dates, stale_days).to_numpy()
        unknown = np.isnan(values)
        with np.errstate(invalid="ignore"):
            holds = values > cond.level if cond.direction == "above" else values < cond.level
        any_false |= ~unknown & ~holds
        any_unknown |= unknown
    return np.where(any_false, 0.0, np.where(any_unknown, np.nan, 1.0))
