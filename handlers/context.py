"""What handlers and jobs work with: the settings, the database, the catalog, market data, the watch list."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import sqlite_utils

from regimebot.macro.catalog import Catalog
from regimebot.macro.market import Market
from regimebot.macro.redaction import Redactor


class MarketSource(Protocol):
    """Market data with a cache (jobs.refresh.MarketData implements it)."""

    def market(self) -> Market:
        """The cached market (all catalog series, derived ones included)."""

    def refresh(self) -> Market:
        """Fetch what is missing from the data source, store it, and return the market."""

    def adhoc(self, symbols: list[str]) -> Market:
        """Closes of data-source symbols outside the catalog (yfinance only), not cached."""


@dataclass
class Services:
    """Shared by every handler and job of one running bot. Storage calls hold `db_lock`."""

    settings: Any  # bot.config.Settings (handlers must not import bot)
    db: sqlite_utils.Database
    catalog: Catalog
    market_data: MarketSource
    watchlist: Any = None  # macro.watchlist.Watchlist, once loaded
    # Set by the bot wiring: run one refresh + evaluate + fan-out cycle now (for /evaluate, /signal).
    evaluate_now: Callable[[], Any] | None = None
    db_lock: threading.RLock = field(default_factory=threading.RLock)
    redact: Redactor = field(default_factory=Redactor)  # masks the configured secrets in anything shown or stored
