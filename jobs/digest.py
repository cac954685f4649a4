"""The daily digest job's data: the watch list evaluated on the cached market and the last day's alerts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from regimebot.handlers.context import Services
from regimebot.handlers.evaluation import evaluate_cached
from regimebot.handlers.messages.digest import format_digest
from regimebot.handlers.messages.reply import Reply
from regimebot.macro.engine import Evaluation


def build_digest(services: Services, lang: str, now: datetime | None = None, evaluation: Evaluation | None = None) -> Reply:
    """The digest for one chat (synchronous: evaluates the cached market when `evaluation` is not given)."""
    now = now or datetime.now(UTC)
    if evaluation is None:
        market, evaluation = evaluate_cached(services)
        if market.closes.empty:
            evaluation = None
    changes = services.store.outbox.alerts_since(now - timedelta(days=1))
    return format_digest(lang, evaluation, changes, services.watchlist, now.date().isoformat())
