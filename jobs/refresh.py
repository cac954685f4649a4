"""Market data with a cache: fetch what is missing from the provider, keep it in SQLite, serve the Market."""

from __future__ import annotations

import logging
import threading
from datetime import date, timedelta

from regimebot.macro.catalog import Catalog, adhoc_series
from regimebot.macro.market import Market, make_closes
from regimebot.macro.providers import FetchRequest, Provider
from regimebot.storage.prices import PriceCache

log = logging.getLogger(__name__)

OVERLAP_DAYS = 7  # an incremental refresh re-asks this many days, so late corrections and partial days heal


class MarketData:
    """The catalog's series, cached in SQLite and refreshed incrementally from one provider."""

    def __init__(self, prices: PriceCache, catalog: Catalog, provider: Provider, history_start: date = date(2005, 1, 1)) -> None:
        self.prices = prices
        self.catalog = catalog
        self.provider = provider
        self.history_start = history_start
        self.lock = threading.RLock()  # guards the loaded Market only; the price cache serialises its own connection
        self._market: Market | None = None  # the cache as last loaded; a refresh replaces it

    @property
    def source(self) -> str:
        return self.provider.name

    def requests(self, today: date | None = None) -> list[FetchRequest]:
        """What one refresh asks for: each downloadable series from its last cached date (minus overlap)."""
        with self.lock:
            last = self.prices.last_cached_dates()
        out = []
        for s in self.catalog.downloadable():
            start = last[s.id] - timedelta(days=OVERLAP_DAYS) if s.id in last else self.history_start
            out.append(FetchRequest(s.id, s.symbol or s.id, max(start, self.history_start)))
        return out

    def refresh(self, end: date | None = None) -> Market:
        """Fetch (one provider call), store, and return the whole cached market."""
        requests = self.requests()
        result = self.provider.fetch(requests, end=end)
        with self.lock:
            for sid, series in result.closes.items():
                self.prices.save_closes(sid, series)
            outcome = {r.series_id: result.errors.get(r.series_id) for r in requests}
            self.prices.record_fetches(self.provider.name, outcome)
            self._market = None
        if result.errors:
            log.warning("data errors for %d series: %s", len(result.errors), ", ".join(sorted(result.errors)))
        return self.market()

    def market(self) -> Market:
        """The cached market, derived series included, with the last refresh's data errors."""
        with self.lock:
            if self._market is None:
                self._market = self._load()
            return self._market

    def _load(self) -> Market:
        ids = [s.id for s in self.catalog.downloadable()]
        observed = self.prices.load_closes(ids)
        errors = self.prices.fetch_errors()
        closes = make_closes({k: v for k, v in observed.items() if not v.empty}, self.catalog)
        for sid in ids:
            if sid not in closes.columns:
                closes[sid] = float("nan")
        return Market(closes, self.provider.name, self.provider.simulated, errors)

    def adhoc(self, symbols: list[str]) -> Market:
        """Closes of symbols outside the catalog (about two years, not cached). yfinance only."""
        start = date.today() - timedelta(days=800)
        requests = [FetchRequest(adhoc_series(s).id, adhoc_series(s).symbol, start) for s in symbols]
        result = self.provider.fetch(requests)
        closes = make_closes(result.closes)
        return Market(closes, self.provider.name, self.provider.simulated, result.errors)
