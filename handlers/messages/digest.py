"""The daily digest, pure: the regime verdict, every thesis's status, and what changed in the last 24 hours."""

from __future__ import annotations

from regimebot.handlers.messages.i18n import t
from regimebot.handlers.messages.reply import Reply
from regimebot.handlers.messages.text import STATUS_ICONS, esc, status_text, thesis_name, verdict_text
from regimebot.macro.engine import Evaluation
from regimebot.macro.watchlist import Watchlist
from regimebot.storage.outbox import AlertRecord


def format_digest(lang: str, evaluation: Evaluation | None, changes: list[AlertRecord], watchlist: Watchlist, today: str) -> Reply:
    """The digest message: verdict, statuses, the last day's changes; sent without a notification sound."""
    lines = [t(lang, "digest.title", date=esc(today))]
    if evaluation is None:
        lines.append(t(lang, "digest.no_data"))
        return Reply("\n".join(lines), silent=True)
    lines.append(t(lang, "digest.regime", verdict=esc(verdict_text(lang, evaluation.regime.verdict))))
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
