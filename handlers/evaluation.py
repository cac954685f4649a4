"""The watch list evaluated on the cached market (no download): the one place /regime, /theses, /thesis,
/backtest, the digest and the cycle get it from, computed once per data version.

The data version is what the evaluation is a pure function of: the market object (a refresh or a changed
CSV file replaces it; `MarketData` never edits a loaded one), the watch list object, and the manual
switches' positions (read from the store on every call — one small query — so a /signal switch is seen
at once). The cache holds references to the market and watch list it keys on, so an object's id is never
reused while its entry lives.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

from regimebot.handlers.context import Services
from regimebot.macro.engine import Evaluation, evaluate
from regimebot.macro.market import Market
from regimebot.macro.watchlist import Watchlist

KEEP = 8  # data versions kept (several bots in one process — tests, the console beside Telegram — each have their own)


def manual_switches(services: Services) -> dict[str, bool] | None:
    """The manual signals' stored on/off states (None when none were ever set)."""
    switches = services.store.engine_state.manual_signals()
    return dict(switches) or None


@dataclass(frozen=True)
class _Entry:
    market: Market
    watchlist: Watchlist
    evaluation: Evaluation


class EvaluationCache:
    """The last few evaluations by data version; one computation per version even when commands arrive together."""

    def __init__(self, keep: int = KEEP) -> None:
        self.keep = keep
        self.computed = 0  # evaluations actually run (what tests and bench/commands.py watch)
        self._entries: OrderedDict[tuple[int, int, frozenset[tuple[str, bool]]], _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def evaluation(self, market: Market, watchlist: Watchlist, manual: Mapping[str, bool] | None) -> Evaluation:
        """The watch list evaluated on `market` with these manual switches, from the cache when this version was seen."""
        key = (id(market), id(watchlist), frozenset((manual or {}).items()))
        with self._lock:  # held while computing: a second command of the same version waits and reuses the result
            entry = self._entries.get(key)
            if entry is not None and entry.market is market and entry.watchlist is watchlist:
                self._entries.move_to_end(key)
                return entry.evaluation
            result = evaluate(market, watchlist, manual=dict(manual) if manual else None)
            self.computed += 1
            self._entries[key] = _Entry(market, watchlist, result)
            while len(self._entries) > self.keep:
                self._entries.popitem(last=False)
            return result

    def clear(self) -> None:
        """Forget every evaluation."""
        with self._lock:
            self._entries.clear()


EVALUATIONS = EvaluationCache()


def evaluate_market(market: Market, watchlist: Watchlist, manual: Mapping[str, bool] | None) -> Evaluation:
    """The watch list evaluated on a given market (the cycle's, just refreshed), shared with the commands that follow."""
    return EVALUATIONS.evaluation(market, watchlist, manual)


def evaluate_cached(services: Services) -> tuple[Market, Evaluation]:
    """The cached market and the watch list evaluated on it, manual switches included."""
    market = services.market_data.market()
    return market, EVALUATIONS.evaluation(market, services.watchlist, manual_switches(services))
