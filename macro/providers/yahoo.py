"""Yahoo Finance through yfinance: one `yf.download` call per refresh for every series that needs data.

This is the only module that imports yfinance. Whatever yfinance returns or raises becomes
per-series closes or per-series errors: MultiIndex (Price, Ticker) columns or flat ones, a tz-aware
or naive index, rows of NaN, an empty frame, a symbol missing from the result, an exception.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pandas as pd

from regimebot.macro.providers import FetchRequest, FetchResult

log = logging.getLogger(__name__)


def _yfinance_download(*args: Any, **kwargs: Any) -> pd.DataFrame | None:
    import yfinance as yf

    frame: pd.DataFrame | None = yf.download(*args, **kwargs)  # yfinance is untyped
    return frame


class YahooProvider:
    """Daily closes (dividend-adjusted for funds, `auto_adjust=True`) from Yahoo Finance."""

    name = "yfinance"
    simulated = False

    def __init__(self, download: Callable[..., pd.DataFrame | None] | None = None, timeout: float = 20.0):
        self._download = download or _yfinance_download
        self.timeout = timeout

    def fetch(self, requests: list[FetchRequest], end: date | None = None) -> FetchResult:
        result = FetchResult()
        if not requests:
            return result
        symbols = sorted({r.symbol for r in requests})
        start = min(r.start for r in requests)
        kwargs: dict[str, Any] = dict(
            start=start.isoformat(),
            interval="1d",
            auto_adjust=True,
            actions=False,
            group_by="column",
            multi_level_index=True,
            progress=False,
            threads=True,
            timeout=self.timeout,
        )
        if end is not None:
            kwargs["end"] = (end + timedelta(days=1)).isoformat()  # yfinance's end is exclusive
        try:
            frame = self._download(symbols, **kwargs)
        except Exception as exc:  # the library boundary: yfinance raises many types (HTTP, parsing, rate limit)
            message = f"yfinance download failed: {type(exc).__name__}: {exc}"
            log.warning(message)
            for r in requests:
                result.errors[r.series_id] = message
            return result
        closes = _close_columns(frame)
        if "*" in closes and len(symbols) == 1:
            closes = {symbols[0].upper(): closes["*"]}
        for r in requests:
            column = closes.get(r.symbol.upper())
            if column is None:
                result.errors[r.series_id] = f"yfinance returned no data for {r.symbol}"
                continue
            if column.dropna().empty:
                result.errors[r.series_id] = f"yfinance returned only empty rows for {r.symbol} since {r.start}"
                continue
            result.closes[r.series_id] = column.rename(r.series_id)  # as returned: the validation judges each row
        return result


def _close_columns(frame: pd.DataFrame | None) -> dict[str, pd.Series]:
    """The Close column of each ticker, keyed by upper-case symbol, from any shape yfinance returns."""
    if frame is None or not isinstance(frame, pd.DataFrame) or frame.empty:
        return {}
    cols = frame.columns
    out: dict[str, pd.Series] = {}
    if isinstance(cols, pd.MultiIndex):
        names = [str(n) if n is not None else "" for n in cols.names]
        # group_by="column" gives (Price, Ticker); group_by="ticker" gives (Ticker, Price).
        price_level = names.index("Price") if "Price" in names else (0 if "Close" in cols.get_level_values(0) else 1)
        ticker_level = 1 - price_level
        for key in cols:
            if key[price_level] == "Close":
                out[str(key[ticker_level]).upper()] = frame[key]
        return out
    if "Close" in cols:  # a single ticker with multi_level_index=False: the caller knows which
        out["*"] = frame["Close"]
    return out
