"""A small world for handler and console tests: generated closes, real in-memory SQLite, real MarketData."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime

import numpy as np
import pandas as pd

from regimebot.bot.config import DataSource, Settings
from regimebot.handlers import load_commands
from regimebot.handlers.context import CycleResult, Evaluator, MarketSource, Services, WatchlistSlot
from regimebot.handlers.messages.reply import Reply
from regimebot.handlers.registry import REGISTRY, Chat, Request
from regimebot.jobs.cycle import Cycle
from regimebot.jobs.refresh import MarketData
from regimebot.macro.catalog import load_catalog
from regimebot.macro.providers import FetchRequest, FetchResult
from regimebot.macro.watchlist import Watchlist, load_watchlist
from regimebot.storage.store import Store

START_LEVELS = {
    "DXY": 100.0, "TLT": 90.0, "IEF": 95.0, "TMF": 50.0, "GOLD": 2000.0, "VIX": 16.0, "MOVE": 100.0,
    "HYG": 77.0, "LQD": 108.0, "SPX": 5000.0, "US3M": 4.5, "US5Y": 4.0, "US10Y": 4.2, "US30Y": 4.5,
    "EURUSD": 1.08, "USDJPY": 150.0, "BTC": 60000.0, "EWJ": 70.0, "SPHB": 90.0, "SPLV": 65.0,
}
END = date(2026, 3, 2)
ADMIN = 1001


def generated_closes(seed: int = 3, end: date = END, days: int = 800) -> dict[str, pd.Series]:
    """Random-walk closes of every downloadable catalog series (bitcoin on calendar days)."""
    rng = np.random.default_rng(seed)
    catalog = load_catalog()
    out = {}
    for s in catalog.downloadable():
        daily = s.calendar == "daily"
        index = pd.date_range(end=pd.Timestamp(end), periods=days, freq="D" if daily else "B")
        level = START_LEVELS.get(s.id, 100.0)
        if s.changes_in_bp:  # yields, spreads, NFCI: levels with small daily steps (plausible for the validation)
            values = level + np.cumsum(rng.normal(0, 0.04, days))
        else:
            values = level * np.exp(np.cumsum(rng.normal(0, 0.01, days)))
        out[s.id] = pd.Series(values, index=index, name=s.id)
    return out


class GeneratedProvider:
    """A provider serving generated closes; symbols outside them get a per-series error."""

    name = "generated"
    simulated = False

    def __init__(self, closes: dict[str, pd.Series]):
        self.closes = closes
        self.calls = 0

    def fetch(self, requests: list[FetchRequest], end: date | None = None) -> FetchResult:
        self.calls += 1
        result = FetchResult()
        for req in requests:
            s = self.closes.get(req.series_id)
            if s is None:
                result.errors[req.series_id] = f"no data for symbol {req.symbol}"
                continue
            stop = pd.Timestamp(end) if end else s.index[-1]
            result.closes[req.series_id] = s.loc[pd.Timestamp(req.start):stop]
        return result


class FakeEvaluator:
    """An Evaluator that runs `action` instead of a cycle (a test that must see whether /evaluate ran)."""

    def __init__(self, action: Callable[[], object] = lambda: None) -> None:
        self.action = action
        self.calls = 0

    def run(self, now: datetime | None = None) -> CycleResult:
        self.calls += 1
        self.action()
        return CycleResult(run_id=0, ok=True)

    def evaluate_now(self) -> CycleResult:
        return self.run()

    def reevaluate(self) -> CycleResult:
        return self.run()

    def on_deliveries(self, listener: Callable[[CycleResult], None]) -> None:
        pass


def services_over(store: Store | None = None, settings: Settings | None = None, market_data: MarketSource | None = None,
                  watchlist: Watchlist | None = None, evaluator: Evaluator | None = None) -> Services:
    """Real Services: a store (in memory unless given), the catalog, the bundled watch list, a real Cycle; any part replaceable."""
    load_commands()
    catalog = load_catalog()
    store = store or Store.open()
    settings = settings or Settings()
    if market_data is None:
        market_data = MarketData(store.prices, catalog, GeneratedProvider({}), settings.history_start)
    watchlists = WatchlistSlot(watchlist or load_watchlist(None, catalog))
    evaluator = evaluator or Cycle(store, market_data, watchlists, settings.alert_chats,
                                   admins=settings.admins, language=settings.language)
    return Services(settings=settings, store=store, catalog=catalog, market_data=market_data, watchlists=watchlists,
                    evaluator=evaluator)


def outside(store: Store) -> sqlite3.Connection:
    """Another connection to the store's file (autocommit), as another process would open it: to inject a
    real SQLite fault (a trigger) or look at tables the store does not expose."""
    return sqlite3.connect(store.path, isolation_level=None)


# Every table is shared state except the market-data cache and the logs a read-only command may touch.
NOT_SHARED_STATE = {"prices", "fetches", "source_fetches", "runs", "process_locks", "schema_migrations", "sqlite_sequence"}


def shared_state(store: Store) -> dict[str, list[tuple]]:
    """Every shared table's rows, as another process reads them (committed state only)."""
    side = outside(store)
    tables = [name for (name,) in side.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()]
    state = {t: sorted(side.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables if t not in NOT_SHARED_STATE}
    side.close()
    return state


def make_services(closes: dict[str, pd.Series] | None = None, data_kind: str = "csv", watchlist: Watchlist | None = None,
                  refresh: bool = True, store: Store | None = None, evaluator: Evaluator | None = None) -> Services:
    """Services over generated data (in an in-memory database unless `store` is given; the bundled watch list)."""
    store = store or Store.open()
    settings = Settings(data=DataSource(data_kind, None), admins=frozenset({ADMIN}), history_start=date(2000, 1, 1))
    provider = GeneratedProvider(closes if closes is not None else generated_closes())
    market_data = MarketData(store.prices, load_catalog(), provider, settings.history_start)
    services = services_over(store, settings, market_data, watchlist, evaluator)
    if refresh:
        market_data.refresh()
    return services


def ask(services: Services, text: str, chat: Chat | None = None, user_id: int | None = ADMIN, lang: str = "en",
        is_admin: bool | None = None) -> Reply:
    """Run one command line through the registry, as the wiring does."""
    name, *args = text.lstrip("/").split()
    command = REGISTRY.get(name)
    assert command is not None, f"/{name} is not registered"
    chat = chat or Chat(id=500, type="private")
    admin = is_admin if is_admin is not None else (user_id in services.settings.admins)
    req = Request(command=name, args=tuple(args), chat=chat, user_id=user_id, lang=lang, services=services, is_admin=admin)
    return command.handler(req)


def press(services: Services, data: str, chat: Chat | None = None, user_id: int | None = ADMIN, lang: str = "en",
          is_admin: bool | None = None) -> Reply:
    """Press an inline button with callback data `prefix:rest`."""
    prefix, _, rest = data.partition(":")
    callback = REGISTRY.get_callback(prefix)
    assert callback is not None, f"no callback {prefix}"
    chat = chat or Chat(id=500, type="private")
    admin = is_admin if is_admin is not None else (user_id in services.settings.admins)
    req = Request(command=prefix, args=(), chat=chat, user_id=user_id, lang=lang, services=services, is_admin=admin)
    return callback.handler(req, rest)


def with_settings(services: Services, **changes) -> Services:
    """A copy of the services with some settings changed (the store, market data and evaluator are shared)."""
    return replace(services, settings=replace(services.settings, **changes))
