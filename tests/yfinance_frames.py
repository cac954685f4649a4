"""Frames shaped exactly like `yfinance.download` 1.x output, and a fake `download` that records its calls.

yfinance builds its result by concatenating one OHLCV frame per ticker with keys=tickers and
names=['Ticker', 'Price'], then (group_by='column') swapping the levels to (Price, Ticker) and
sorting them. The index is a DatetimeIndex named 'Date' (tz-naive for daily data by default).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd


def ohlcv(dates: list[str], closes: list[float], tz: str | None = None) -> pd.DataFrame:
    """One ticker's frame as yfinance's history() gives it with auto_adjust=True."""
    index = pd.DatetimeIndex(pd.to_datetime(dates), name="Date")
    if tz:
        index = index.tz_localize(tz)
    c = np.array(closes, dtype="float64")
    return pd.DataFrame(
        {"Close": c, "High": c * 1.01, "Low": c * 0.99, "Open": c, "Volume": np.where(np.isnan(c), np.nan, 1000.0)},
        index=index,
    )


def download_frame(per_ticker: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Combine per-ticker frames the way yfinance.download(group_by='column') does."""
    if not per_ticker:
        return pd.DataFrame()
    index = None
    for df in per_ticker.values():
        if not df.empty:
            index = df.index if index is None else index.union(df.index)
    index = index if index is not None else pd.DatetimeIndex([], name="Date")
    frames = {k: v.reindex(index) for k, v in per_ticker.items()}
    data = pd.concat(frames.values(), axis=1, sort=True, keys=frames.keys(), names=["Ticker", "Price"])
    data.columns = data.columns.swaplevel(0, 1)
    data = data.sort_index(level=0, axis=1)
    return data


@dataclass
class FakeDownload:
    """Stands in for yfinance.download: returns a prepared frame (or raises) and records each call."""

    frame: pd.DataFrame | None = None
    error: Exception | None = None
    calls: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self, tickers, **kwargs):
        self.calls.append({"tickers": list(tickers), **kwargs})
        if self.error is not None:
            raise self.error
        return self.frame
