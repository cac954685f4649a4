"""Pain: the loss a thesis exists to avoid, found day by day in its position's closes (see macro.scorecard).

A business day t is a pain day when, from t's close, the position loses at least D% at some close within
the next W business days (Monday to Friday); pain days whose windows overlap form one episode.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from regimebot.macro.positions import Pain, Position

STALE_CLOSE_DAYS = 7
_EPS = 1e-9  # a loss equal to the declared drawdown (up to float rounding) reaches it


@dataclass(frozen=True)
class Grid:
    """The business days of a replay and a thesis's pain labels on them."""

    days: pd.DatetimeIndex
    pain: np.ndarray       # bool: the day is a pain day
    labelled: np.ndarray   # bool: pain is known on that day (close known, full window inside the replay)
    episodes: np.ndarray   # int day indices where a pain episode starts
    window: int            # W, business days


def business_days(start: date, end: date) -> pd.DatetimeIndex:
    """Monday to Friday from start to end, inclusive."""
    return pd.bdate_range(start, end)


def closes_on(close: pd.Series, days: pd.DatetimeIndex) -> np.ndarray:
    """The last close on or before each day, NaN when none or older than STALE_CLOSE_DAYS calendar days."""
    known = close.dropna()
    known = known[~known.index.duplicated(keep="last")].sort_index()
    out = np.full(len(days), np.nan)
    if known.empty:
        return out
    obs = known.index.values.astype("datetime64[D]")
    pos = np.searchsorted(obs, days.values.astype("datetime64[D]"), side="right") - 1
    ok = pos >= 0
    age = days.values.astype("datetime64[D]")[ok] - obs[pos[ok]]
    fresh = age <= np.timedelta64(STALE_CLOSE_DAYS, "D")
    values = known.to_numpy(dtype=float)[pos[ok]]
    out[np.flatnonzero(ok)[fresh]] = values[fresh]
    return out


def pain_grid(close: pd.Series, position: Position, pain: Pain, days: pd.DatetimeIndex) -> Grid:
    """Pain days, labelled days and episode starts of a position on the business days `days`."""
    prices = closes_on(close, days)
    w = pain.within_days
    n = len(prices)
    is_pain = np.zeros(n, dtype=bool)
    labelled = np.zeros(n, dtype=bool)
    if n > w:
        windows = np.lib.stride_tricks.sliding_window_view(prices, w + 1)  # row t: P[t], ..., P[t+w]
        ahead = windows[:, 1:]
        has_ahead = ~np.isnan(ahead).all(axis=1)
        filled = np.where(np.isnan(ahead), prices[: n - w, None], ahead)  # an unknown close loses nothing
        with np.errstate(invalid="ignore", divide="ignore"):
            if position.side == "long":
                loss = 1.0 - filled.min(axis=1) / prices[: n - w]
            else:
                loss = filled.max(axis=1) / prices[: n - w] - 1.0
        known = ~np.isnan(prices[: n - w]) & has_ahead
        labelled[: n - w] = known
        is_pain[: n - w] = known & (loss >= pain.drawdown_pct / 100.0 - _EPS)
    return Grid(days=days, pain=is_pain, labelled=labelled, episodes=episode_starts(is_pain, w), window=w)


def episode_starts(is_pain: np.ndarray, window: int) -> np.ndarray:
    """First day of each episode: pain days merge while the gap to the previous one is at most `window`."""
    idx = np.flatnonzero(is_pain)
    if not len(idx):
        return idx
    new = np.ones(len(idx), dtype=bool)
    new[1:] = np.diff(idx) > window
    return idx[new]
