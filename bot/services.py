"""Build what handlers and jobs share (store, catalog, market data, watch list, evaluator) from Settings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from regimebot.handlers.context import Services, WatchlistSlot
from regimebot.jobs.cycle import Cycle
from regimebot.jobs.refresh import MarketData
from regimebot.macro.catalog import Catalog, load_catalog
from regimebot.macro.providers import Provider, make_provider
from regimebot.macro.providers.fred import FredProvider
from regimebot.macro.providers.mof import MofProvider
from regimebot.macro.providers.treasury import TreasuryProvider
from regimebot.macro.redaction import Redactor
from regimebot.macro.settings import Settings
from regimebot.macro.watchlist import load_watchlist
from regimebot.storage.store import Store


@dataclass(frozen=True)
class DataServices:
    """What the command-line readings, scenarios and correlations need: no watch list, no evaluator."""

    settings: Settings
    store: Store
    catalog: Catalog
    market_data: MarketData
    redact: Redactor


def source_providers(settings: Settings) -> Provider | dict[str, Provider]:
    """Live data: one provider per catalog source (Yahoo, FRED, MoF, Treasury); csv:DIR and demo serve every series."""
    if settings.data.kind != "yfinance":
        return make_provider(settings.data.kind, settings.data.directory)
    return {
        "yahoo": make_provider("yfinance"),
        "fred": FredProvider(settings.fred_url, settings.fred_api_key or None, settings.fred_api_url,
                             contact=settings.contact),
        "mof": MofProvider(settings.mof_url, contact=settings.contact),
        "treasury": TreasuryProvider(settings.treasury_url, contact=settings.contact),
    }


def open_data(settings: Settings, provider: Provider | None = None, db_path: str | Path | None = None) -> DataServices:
    """Open the store (`db_path`, else settings.db) and wire the catalog and market data."""
    redact = Redactor(settings.secrets())
    store = Store.open(db_path if db_path is not None else settings.db)
    catalog = load_catalog()
    market_data = MarketData(store.prices, catalog, provider or source_providers(settings), settings.history_start, redact)
    return DataServices(settings, store, catalog, market_data, redact)


def build_services(settings: Settings, provider: Provider | None = None, db_path: str | Path | None = None) -> Services:
    """Everything a running bot or console chat shares: the data services, the watch list and the evaluation cycle."""
    data = open_data(settings, provider, db_path)
    watchlists = WatchlistSlot(load_watchlist(settings.watchlist, data.catalog))
    cycle = Cycle(data.store, data.market_data, watchlists, settings.alert_chats, data.redact,
                  admins=settings.admins, language=settings.language)
    return Services(settings=settings, store=data.store, catalog=data.catalog, market_data=data.market_data,
                    watchlists=watchlists, evaluator=cycle, redact=data.redact)
