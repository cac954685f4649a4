"""Build the shared Services (database, catalog, market data, watch list) from Settings."""

from __future__ import annotations

import threading

from bot.config import Settings
from handlers.context import Services
from jobs.refresh import MarketData
from macro.catalog import load_catalog
from macro.providers import Provider, make_provider
from macro.watchlist import load_watchlist
from storage.db import open_database


def build_services(settings: Settings, provider: Provider | None = None, db_path=None, with_watchlist: bool = True) -> Services:
    """Open the database and wire catalog, market data and watch list for handlers and jobs."""
    lock = threading.RLock()
    db = open_database(db_path if db_path is not None else settings.db)
    catalog = load_catalog()
    market_data = MarketData(db, catalog, provider or make_provider(settings.data.kind, settings.data.directory), settings.history_start, lock)
    watchlist = load_watchlist(settings.watchlist, catalog) if with_watchlist else None
    return Services(settings=settings, db=db, catalog=catalog, market_data=market_data, watchlist=watchlist, db_lock=lock)
