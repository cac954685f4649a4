"""Data providers: the only code that knows where numbers come from (yfinance, a CSV folder, the simulator).

A provider answers one `fetch` per refresh for many series at once. Every failure is per series: it
lands in `FetchResult.errors` (the series' reading becomes stale or unknown) and never invents a number.
A provider returns rows as its source gave them; `validation.fetch_checked` is the one place they are
judged (callers use it, never `provider.fetch` directly).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol

import pandas as pd


class DataError(RuntimeError):
    """Market data could not be had at all (the message says which source and what to check)."""


@dataclass(frozen=True)
class FetchRequest:
    """Fetch one series: its catalog id, its source symbol, and the first date wanted."""

    series_id: str
    symbol: str
    start: date


@dataclass
class FetchResult:
    """Closes per series id (date-indexed, oldest first) and per-series errors."""

    closes: dict[str, pd.Series] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


class Provider(Protocol):
    name: str
    simulated: bool

    def fetch(self, requests: list[FetchRequest], end: date | None = None) -> FetchResult:
        """Closes from each request's start up to `end` (inclusive; default: latest available)."""


def make_provider(kind: str, directory: Path | None = None, **options: Any) -> Provider:
    """The provider for a data-source kind: 'yfinance', 'csv' (with directory) or 'demo'."""
    if kind == "yfinance":
        from regimebot.macro.providers.yahoo import YahooProvider

        return YahooProvider(**options)
    if kind == "csv":
        from regimebot.macro.providers.csvdir import CsvDirProvider

        if directory is None:
            raise DataError("csv data needs a folder: set REGIMEBOT_DATA=csv:DIR")
        return CsvDirProvider(directory)
    if kind == "demo":
        from regimebot.macro.providers.demo import DemoProvider

        return DemoProvider(**options)
    raise DataError(f"unknown data source {kind!r}: use yfinance, csv:DIR or demo")


__all__ = ["DataError", "FetchRequest", "FetchResult", "Provider", "make_provider"]
