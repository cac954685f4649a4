"""The daily digest: the regime verdict, every thesis's status, and what changed in the last 24 hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from regimebot.handlers.alerts import STATUS_ICONS, status_text, thesis_name
from regimebot.handlers.context import Services
from regimebot.handlers.i18n import messages, t
from regimebot.handlers.reply import Reply
from regimebot.handlers.usage import esc
from regimebot.macro import engine
from regimebot.macro.engine import Evaluation
from regimebot.macro.watchlist import Watchlist
from regimebot.storage.outbox import AlertRecord


def _verdict(lang: str, verdict: str) -> str:
    key = f"watch.verdict.{verdict}"
    return t(lang, key) if key in messages("en") else verdict


def format_digest(lang: str, evaluation: Evaluation | None, changes: list[AlertRecord], watchlist: Watchlist, today: str) -> Reply:
    """The digest message (pure): verdict, statuses, the last day's changes; sent without a notification sound."""
    lines = [t(lang, "digest.title", date=esc(today))]
    if evaluation is None:
        lines.append(t(lang, "digest.no_data"))
        return Reply("\n".join(lines), silent=True)
    lines.append(t(lang, "digest.regime", verdict=esc(_verdict(lang, evaluation.regime.verdict))))
    lines.append("")
    lines.append(t(lang, "digest.theses_title"))
    for thesis_id, result in evaluation.theses.items():
        lines.append(t(lang, "digest.thesis_line", icon=STATUS_ICONS.get(result.status, "⚪"),
                       thesis=esc(thesis_name(watchlist, thesis_id, lang)), status=esc(status_text(lang, result.status))))
    lines.append("")
    if changes:
        lines.append(t(lang, "digest.changes_title"))
        for alert in changes:
            lines.append(t(lang, "digest.change_line", thesis=esc(thesis_name(watchlist, alert.thesis_id, lang)),
                           old=esc(status_text(lang, alert.old or "intact")), new=esc(status_text(lang, alert.new))))
    else:
        lines.append(t(lang, "digest.no_changes"))
    source = evaluation.source
    if evaluation.simulated and "SIMULATED" not in source:
        source += " " + t(lang, "alerts.simulated")
    lines.append(t(lang, "digest.as_of", as_of=esc(evaluation.as_of), source=esc(source)))
    return Reply("\n".join(lines), silent=True)


def current_evaluation(services: Services) -> Evaluation | None:
    """The watch list evaluated on the cached market (no download); None when there is no data yet."""
    market = services.market_data.market()
    if market.closes.empty:
        return None
    manual = services.store.engine_state.manual_signals()
    return engine.evaluate(market, services.watchlist, manual=manual)


def build_digest(services: Services, lang: str, now: datetime | None = None, evaluation: Evaluation | None = None) -> Reply:
    """The digest for one chat (synchronous: evaluates the cached market when `evaluation` is not given)."""
    now = now or datetime.now(UTC)
    if evaluation is None:
        evaluation = current_evaluation(services)
    changes = services.store.outbox.alerts_since(now - timedelta(days=1))
    return format_digest(lang, evaluation, changes, services.watchlist, now.date().isoformat())
