"""The watch list evaluated on the cached market (no download): the one place /regime, /theses, /thesis,
/backtest and the digest get it from."""

from __future__ import annotations

from regimebot.handlers.context import Services
from regimebot.macro.engine import Evaluation, evaluate
from regimebot.macro.market import Market


def manual_switches(services: Services) -> dict[str, bool] | None:
    """The manual signals' stored on/off states (None when none were ever set)."""
    switches = services.store.engine_state.manual_signals()
    return dict(switches) or None


def evaluate_cached(services: Services) -> tuple[Market, Evaluation]:
    """The cached market and the watch list evaluated on it, manual switches included."""
    market = services.market_data.market()
    return market, evaluate(market, services.watchlist, manual=manual_switches(services))
