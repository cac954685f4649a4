"""Market data with a cache: fetch what is missing from the provider, keep it in SQLite, serve the Market."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from datetime import date, timedelta

import pandas as pd

from regimebot.macro.catalog import Catalog, adhoc_series
from regimebot.macro.market import Market, make_closes, source_kind
from regimebot.macro.providers import FetchRequest, FetchResult, Provider
from regimebot.macro.providers.validation import SeriesRules, fetch_checked
from regimebot.macro.redaction import Redactor
from regimebot.storage.prices import PriceCache

log = logging.getLogger(__name__)

OVERLAP_DAYS = 7  # an incremental refresh re-asks this many days, so late corrections and partial days heal


class MarketData:
    """The catalog's series, cached in SQLite and refreshed incrementally from their sources' providers.

    `provider` is one provider for every series (a csv:DIR folder, the simulator) or one per catalog
    source (`{"yahoo": …, "fred": …, "mof": …}`): each is asked only for its own series, and one
    failing source is a data error on its series, never a stop for the others.
    """

    def __init__(self, prices: PriceCache, catalog: Catalog, provider: Provider | Mapping[str, Provider],
                 history_start: date = date(2005, 1, 1), redact: Redactor | None = None) -> None:
        self.prices = prices
        self.catalog = catalog
        self.providers: dict[str, Provider] = {}
        self.provider: Provider  # the single provider, or Yahoo's (which also serves `adhoc` symbols)
        if isinstance(provider, Mapping):
            if not provider:
                raise ValueError("MarketData needs at least one provider")
            self.providers = dict(provider)
            self.provider = self.providers.get("yahoo") or next(iter(self.providers.values()))
        else:
            self.provider = provider
        self.history_start = history_start
        self.lock = threading.RLock()  # guards the loaded Market only; the price cache serialises its own connection
        self.redact = redact or Redactor()  # a provider's error may quote a URL with an API key
        self._market: Market | None = None  # the cache as last loaded; a refresh replaces it
        self._flight = threading.Condition()  # guards the running refresh's bookkeeping below
        self._running_since: float | None = None  # time.time() when the running refresh began (None: none running)
        self._refreshes = 0  # refreshes finished in this process (with or without data errors)

    @property
    def source(self) -> str:
        """The data source's name as users see it (e.g. `yfinance + fred + mof`)."""
        if not self.providers:
            return self.provider.name
        return " + ".join(dict.fromkeys(p.name for p in self.providers.values()))

    @property
    def simulated(self) -> bool:
        return any(p.simulated for p in self.providers.values()) if self.providers else self.provider.simulated

    def provider_for(self, source: str) -> Provider | None:
        """The provider that serves a catalog source (the single provider serves them all)."""
        return self.providers.get(source) if self.providers else self.provider

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
        """Fetch (one call per source's provider), store, and return the whole cached market.

        One refresh at a time: a caller that finds one running (the first cycle, a chat's first /dxy) waits
        for it and gets its market rather than downloading everything a second time.
        """
        with self._flight:
            if self._running_since is not None and end is None:
                done = self._refreshes
                while self._refreshes == done:
                    self._flight.wait()
                return self.market()
            while self._running_since is not None:
                self._flight.wait()
            self._running_since = time.time()
        try:
            return self._refresh(end)
        finally:
            self._finished()

    def refreshing_since(self) -> float | None:
        """When the running refresh began (time.time()), or None when none is running."""
        with self._flight:
            return self._running_since

    def first_market(self, wait: float) -> Market | None:
        """The market once data is there: at once when the cache has any, else after this process's first refresh.

        Before the first refresh has finished (a new bot, an empty cache) this waits up to `wait` seconds for
        the running refresh, starting one in the background when none runs; None when it is still running.
        """
        market = self.market()
        with self._flight:
            if not market.closes.empty or self._refreshes:
                return market
            if self._running_since is None:
                self._running_since = time.time()
                threading.Thread(target=self._first_refresh, name="first-refresh", daemon=True).start()
            deadline = time.monotonic() + wait
            while not self._refreshes and (left := deadline - time.monotonic()) > 0:
                self._flight.wait(left)
            ready = bool(self._refreshes)
        return self.market() if ready else None

    def _first_refresh(self) -> None:
        """The background refresh `first_market` starts (its bookkeeping already says it runs)."""
        try:
            self._refresh(None)
        except Exception:  # a thread's boundary: logged; the scheduled cycle tries again and records the failure
            log.exception("first refresh failed")
        finally:
            self._finished()

    def _finished(self) -> None:
        """A refresh ended (with data or not): wake whoever waits for it."""
        with self._flight:
            self._running_since = None
            self._refreshes += 1
            self._flight.notify_all()

    def _refresh(self, end: date | None) -> Market:
        requests = self.requests()
        source_of = {s.id: s.source for s in self.catalog.downloadable()}
        groups: dict[str, list[FetchRequest]] = {}
        for r in requests:
            groups.setdefault(source_of.get(r.series_id, "yahoo"), []).append(r)
        if not self.providers:  # one provider serves every source: one call, as before
            groups = {"*": requests}
        errors: dict[str, str] = {}
        for source, group in groups.items():
            provider = self.provider if source == "*" else self.provider_for(source)
            result = self._fetch(provider, source, group, end)
            with self.lock:
                for sid, series in result.closes.items():
                    self.prices.save_closes(sid, series)
                outcome = {r.series_id: self._masked(result.errors.get(r.series_id)) for r in group}
                self.prices.record_fetches(provider.name if provider else source, outcome)
                self.prices.record_source(source_kind(provider.name) if source == "*" and provider else source, outcome)
            errors.update(result.errors)
        with self.lock:
            self._market = None
        if errors:
            log.warning("data errors for %d series: %s", len(errors), ", ".join(sorted(errors)))
        return self.market()

    def _masked(self, error: str | None) -> str | None:
        return self.redact(error) if error else error

    def _fetch(self, provider: Provider | None, source: str, group: list[FetchRequest], end: date | None) -> FetchResult:
        """One provider call, every row checked (validation.fetch_checked); a missing provider or anything it
        raises becomes each series' data error."""
        if provider is None:
            return FetchResult(errors={r.series_id: f"no data provider configured for source {source!r}" for r in group})
        rules = {s.id: SeriesRules.of(s) for s in self.catalog.downloadable()}
        try:
            return fetch_checked(provider, group, rules, end=end, previous=self._closes_before(group))
        except Exception as exc:  # a provider's boundary: a bug or an unexpected library error must not stop the other sources
            log.exception("provider %s failed", provider.name)
            message = f"{provider.name} failed: {type(exc).__name__}: {exc}"
            return FetchResult(errors={r.series_id: message for r in group})

    def _closes_before(self, requests: list[FetchRequest]) -> dict[str, float]:
        """Each series' last cached close before its request's start (the one-day bound's first anchor)."""
        out: dict[str, float] = {}
        with self.lock:
            for req in requests:
                cached = self.prices.load_closes([req.series_id], start=req.start - timedelta(days=30))[req.series_id]
                before = cached.loc[: pd.Timestamp(req.start) - pd.Timedelta(days=1)]
                if not before.empty:
                    out[req.series_id] = float(before.iloc[-1])
        return out

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
        return Market(closes, self.source, self.simulated, errors)

    def adhoc(self, symbols: list[str]) -> Market:
        """Closes of symbols outside the catalog (about two years, not cached). yfinance only."""
        start = date.today() - timedelta(days=800)
        requests = [FetchRequest(adhoc_series(s).id, adhoc_series(s).symbol or s, start) for s in symbols]
        result = fetch_checked(self.provider, requests, {r.series_id: SeriesRules(r.series_id) for r in requests})
        closes = make_closes(result.closes)
        errors = {sid: self.redact(text) for sid, text in result.errors.items()}
        return Market(closes, self.provider.name, self.provider.simulated, errors)
