"""The yfinance provider against frames shaped like yfinance 1.x output, and the cache's incremental refresh."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from regimebot.jobs.refresh import OVERLAP_DAYS, MarketData
from regimebot.macro.catalog import load_catalog, parse_catalog
from regimebot.macro.providers import FetchRequest
from regimebot.macro.providers.validation import fetch_checked
from regimebot.macro.providers.yahoo import YahooProvider
from tests.yfinance_frames import FakeDownload, download_frame, ohlcv

NAN = float("nan")
DATES = ["2026-11-16", "2026-11-17", "2026-11-18", "2026-11-19", "2026-11-20"]


def checked(provider, requests, end=None):
    """The provider's rows as the bot takes them: through the one validation (default rules)."""
    return fetch_checked(provider, requests, {}, end=end)


def requests(*pairs):
    return [FetchRequest(sid, sym, date(2026, 11, 1)) for sid, sym in pairs]


def test_multiindex_frame_gives_closes_per_series():
    frame = download_frame({
        "DX-Y.NYB": ohlcv(DATES, [99.1, 99.3, 99.0, 98.7, 98.9]),
        "TLT": ohlcv(DATES, [86.0, 86.5, 87.1, 86.9, 87.4]),
    })
    assert list(frame.columns.names) == ["Price", "Ticker"]
    fake = FakeDownload(frame)
    result = checked(YahooProvider(download=fake), requests(("DXY", "DX-Y.NYB"), ("TLT", "TLT")))
    assert result.errors == {}
    assert result.closes["DXY"].tolist() == [99.1, 99.3, 99.0, 98.7, 98.9]
    assert result.closes["TLT"].index[-1] == pd.Timestamp("2026-11-20")
    assert len(fake.calls) == 1
    assert sorted(fake.calls[0]["tickers"]) == ["DX-Y.NYB", "TLT"]
    assert fake.calls[0]["auto_adjust"] is True and fake.calls[0]["progress"] is False


def test_tz_aware_index_keeps_exchange_dates():
    frame = download_frame({"TLT": ohlcv(DATES, [1, 2, 3, 4, 5], tz="America/New_York")})
    result = checked(YahooProvider(download=FakeDownload(frame)), requests(("TLT", "TLT")))
    s = result.closes["TLT"]
    assert s.index.tz is None
    assert [d.date().isoformat() for d in s.index] == DATES


def test_rows_of_nan_are_dropped_not_invented():
    frame = download_frame({
        "TLT": ohlcv(DATES, [86.0, NAN, 87.1, NAN, 87.4]),
        "HYG": ohlcv(DATES, [NAN] * 5),
    })
    result = checked(YahooProvider(download=FakeDownload(frame)), requests(("TLT", "TLT"), ("HYG", "HYG")))
    assert result.closes["TLT"].tolist() == [86.0, 87.1, 87.4]
    assert "HYG" not in result.closes
    assert "HYG" in result.errors["HYG"]


def test_empty_frame_is_an_error_for_every_series():
    result = checked(YahooProvider(download=FakeDownload(pd.DataFrame())), requests(("TLT", "TLT"), ("DXY", "DX-Y.NYB")))
    assert result.closes == {}
    assert set(result.errors) == {"TLT", "DXY"}


def test_none_result_is_an_error():
    result = checked(YahooProvider(download=FakeDownload(None)), requests(("TLT", "TLT")))
    assert result.closes == {} and "TLT" in result.errors


def test_symbol_missing_from_result():
    frame = download_frame({"TLT": ohlcv(DATES, [1, 2, 3, 4, 5])})
    result = checked(YahooProvider(download=FakeDownload(frame)), requests(("TLT", "TLT"), ("MOVE", "^MOVE")))
    assert "TLT" in result.closes
    assert result.errors == {"MOVE": "yfinance returned no data for ^MOVE"}


def test_exception_from_library_becomes_per_series_errors():
    fake = FakeDownload(error=ConnectionError("Failed to perform, curl: (6) Could not resolve host"))
    result = checked(YahooProvider(download=fake), requests(("TLT", "TLT"), ("DXY", "DX-Y.NYB")))
    assert result.closes == {}
    assert set(result.errors) == {"TLT", "DXY"}
    assert "ConnectionError" in result.errors["TLT"]


def test_single_ticker_flat_columns():
    frame = ohlcv(DATES, [1.0, 2.0, 3.0, 4.0, 5.0])  # multi_level_index=False shape
    result = checked(YahooProvider(download=FakeDownload(frame)), requests(("TLT", "TLT")))
    assert result.closes["TLT"].tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]


def test_end_is_passed_exclusive():
    fake = FakeDownload(pd.DataFrame())
    checked(YahooProvider(download=fake), requests(("TLT", "TLT")), end=date(2026, 11, 20))
    assert fake.calls[0]["end"] == "2026-11-21"


CATALOG = parse_catalog({"series": [
    {"id": "DXY", "symbol": "DX-Y.NYB", "kind": "index"},
    {"id": "TLT", "symbol": "TLT"},
    {"id": "US30Y", "symbol": "^TYX", "kind": "yield"},
]})


def history(dates, base):
    return list(np.round(base + np.arange(len(dates)) * 0.1, 4))


def test_cache_refresh_is_one_call_and_incremental(memory_store):
    days = [d.date().isoformat() for d in pd.bdate_range("2026-01-05", "2026-11-13")]
    fake = FakeDownload(download_frame({
        "DX-Y.NYB": ohlcv(days, history(days, 100)),
        "TLT": ohlcv(days, history(days, 80)),
        "^TYX": ohlcv(days, history(days, 4)),
    }))
    data = MarketData(memory_store.prices, CATALOG, YahooProvider(download=fake), history_start=date(2026, 1, 1))
    market = data.refresh()
    assert len(fake.calls) == 1
    assert fake.calls[0]["start"] == "2026-01-01"
    assert len(market.series("TLT")) == len(days)

    # The next refresh asks one call for the last few days only.
    fake.frame = download_frame({
        "DX-Y.NYB": ohlcv(["2026-11-13", "2026-11-16"], [200.0, 201.0]),
        "TLT": ohlcv(["2026-11-13", "2026-11-16"], [90.0, 91.0]),
        "^TYX": ohlcv(["2026-11-13", "2026-11-16"], [4.5, 4.6]),
    })
    market = data.refresh()
    assert len(fake.calls) == 2
    assert fake.calls[1]["start"] == (date(2026, 11, 13) - pd.Timedelta(days=OVERLAP_DAYS)).isoformat()
    assert market.series("DXY").loc["2026-11-13"] == 200.0  # corrected value replaces the cached one
    assert market.series("DXY").index[-1] == pd.Timestamp("2026-11-16")
    assert len(market.series("TLT")) == len(days) + 1

    # A restart (new MarketData on the same database) does not refetch history.
    again = MarketData(memory_store.prices, CATALOG, YahooProvider(download=fake), history_start=date(2026, 1, 1))
    assert min(r.start for r in again.requests()) == date(2026, 11, 16) - pd.Timedelta(days=OVERLAP_DAYS)
    assert len(again.market().series("US30Y")) == len(days) + 1


def test_failed_refresh_keeps_cache_and_records_error(memory_store):
    days = ["2026-11-18", "2026-11-19", "2026-11-20"]
    fake = FakeDownload(download_frame({"DX-Y.NYB": ohlcv(days, [1, 2, 3]), "TLT": ohlcv(days, [4, 5, 6]), "^TYX": ohlcv(days, [4, 4.1, 4.2])}))
    data = MarketData(memory_store.prices, CATALOG, YahooProvider(download=fake), history_start=date(2026, 11, 1))
    data.refresh()
    fake.error = TimeoutError("read timed out")
    market = data.refresh()
    assert market.series("TLT").tolist() == [4, 5, 6]
    assert set(market.errors) == {"DXY", "TLT", "US30Y"}
    assert "TimeoutError" in market.errors["TLT"]
    fake.error = None
    assert data.refresh().errors == {}


def test_adhoc_symbols_not_cached(memory_store):
    fake = FakeDownload(download_frame({"NVDA": ohlcv(DATES, [1, 2, 3, 4, 5])}))
    data = MarketData(memory_store.prices, load_catalog(), YahooProvider(download=fake))
    market = data.adhoc(["nvda"])
    assert market.series("NVDA").tolist() == [1, 2, 3, 4, 5]
    assert memory_store.prices.last_cached_dates() == {}  # no row in the price cache


@pytest.mark.parametrize("bad, kept", [([0.25, "x"], [0.25]), (["1.5", None], [1.5])])
def test_non_numeric_values_are_dropped(bad, kept):
    frame = download_frame({"TLT": ohlcv(DATES[:2], [1.0, 2.0])})
    frame[("Close", "TLT")] = pd.Series(bad, index=frame.index, dtype="object")
    result = checked(YahooProvider(download=FakeDownload(frame)), requests(("TLT", "TLT")))
    assert result.closes["TLT"].tolist() == kept
