"""Build the shared Services (database, catalog, market data, watch list) from Settings."""

from __future__ import annotations

import threading
from pathlib import Path

from regimebot.bot.config import Settings
from regimebot.handlers.context import Services
from regimebot.jobs.refresh import MarketData
from regimebot.macro.catalog import load_catalog
from regimebot.macro.providers import Provider, make_provider
from regimebot.macro.providers.fred import FredProvider
from regimebot.macro.providers.mof import MofProvider
from regimebot.macro.watchlist import load_watchlist
from regimebot.storage.db import open_database


def build_services(settings: Settings, provider: Provider | None = None, db_path: str | Path | None = None, with_watchlist: bool = True) -> Services:
    """Open the database and wire catalog, market data and watch list for handlers and jobs."""
    lock = threading.RLock()
    db = open_database(db_path if db_path is not None else settings.db)
    catalog = load_catalog()
    market_data = MarketData(db, catalog, provider or source_providers(settings), settings.history_start, lock)
    watchlist = load_watchlist(settings.watchlist, catalog) if with_watchlist else None
    return Services(settings=settings, db=db, catalog=catalog, market_data=market_data, watchlist=watchlist, db_lock=lock)


def source_providers(settings: Settings) -> Provider | dict[str, Provider]:
    """Live data: one provider per catalog source (Yahoo, FRED, MoF); csv:DIR and demo serve every series."""
    if settings.data.kind != "yfinance":
        return make_provider(settings.data.kind, settings.data.directory)
    return {
        "yahoo": make_provider("yfinance"),
        "fred": FredProvider(settings.fred_url, settings.fred_api_key or None, settings.fred_api_url),
        "mof": MofProvider(settings.mof_url),
    }
