"""What handlers and jobs work with: the settings, the store, the catalog, market data, the watch list, the evaluator."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from regimebot.macro.catalog import Catalog
from regimebot.macro.market import Market
from regimebot.macro.redaction import Redactor
from regimebot.macro.settings import Settings
from regimebot.macro.watchlist import Watchlist
from regimebot.storage.store import Store


class MarketSource(Protocol):
    """Market data with a cache (jobs.refresh.MarketData implements it)."""

    @property
    def source(self) -> str:
        """The data source's name (yfinance, csv, demo)."""

    def market(self) -> Market:
        """The cached market (all catalog series, derived ones included)."""

    def refresh(self) -> Market:
        """Fetch what is missing from the data source, store it, and return the market."""

    def first_market(self, wait: float) -> Market | None:
        """The market once data is there; before a new bot's first refresh ends, waits up to `wait` s (None: still loading)."""

    def refreshing_since(self) -> float | None:
        """When the running refresh began (time.time()), or None."""

    def adhoc(self, symbols: list[str]) -> Market:
        """Closes of data-source symbols outside the catalog (yfinance only), not cached."""


@dataclass
class CycleResult:
    """What a cycle did: the run id, the evaluation date, transitions stored, alerts and outbox rows created."""

    run_id: int
    ok: bool
    as_of: str | None = None
    transitions: int = 0
    alert_ids: list[int] = field(default_factory=list)
    deliveries: int = 0
    error: str | None = None
    errors: dict[str, str] = field(default_factory=dict)  # data errors of the refresh, by series id
    silent: dict[str, str] = field(default_factory=dict)  # thesis id → why its recorded change was not alerted
    stale_days: int | None = None  # the feed lags the newest expected close by this many days (None: fresh)

    @property
    def alerts(self) -> list[int]:
        return self.alert_ids


class Evaluator(Protocol):
    """Runs the refresh + evaluate + fan-out cycle (jobs.cycle.Cycle implements it)."""

    def run(self, now: datetime | None = None) -> CycleResult:
        """One cycle, as the scheduler runs it."""

    def evaluate_now(self) -> CycleResult:
        """One cycle on request (/evaluate); whoever listens is told about new deliveries at once."""

    def reevaluate(self) -> CycleResult:
        """The cached market evaluated and recorded again inside the caller's transaction (/signal); no network."""

    def on_deliveries(self, listener: Callable[[CycleResult], None]) -> None:
        """Call `listener` after an on-request cycle that enqueued deliveries (the bot sends them at once)."""


class WatchlistSlot:
    """The watch list in use: handlers, jobs and the evaluation cycle read `current`; /reload puts a validated one in."""

    def __init__(self, watchlist: Watchlist) -> None:
        self._current = watchlist

    @property
    def current(self) -> Watchlist:
        return self._current

    def replace(self, watchlist: Watchlist) -> None:
        """Use `watchlist` from now on (one reference swap: a reader sees the old list or the new one, never a mix)."""
        self._current = watchlist


@dataclass(frozen=True)
class Services:
    """Shared by every handler and job of one running bot; the store serialises its own access."""

    settings: Settings
    store: Store
    catalog: Catalog
    market_data: MarketSource
    watchlists: WatchlistSlot
    evaluator: Evaluator
    redact: Redactor = field(default_factory=Redactor)  # masks the configured secrets in anything shown or stored

    @property
    def watchlist(self) -> Watchlist:
        """The watch list in use (replaced by /reload)."""
        return self.watchlists.current
