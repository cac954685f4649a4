"""Pure formatting of each data source's status: "FRED: ok 2 min ago", "Yahoo: 3 series failing (…)"."""

from __future__ import annotations

import html
from datetime import datetime

from regimebot.handlers.messages.i18n import t
from regimebot.storage.prices import SourceStatus

SOURCE_NAMES = {"yahoo": "Yahoo", "yfinance": "Yahoo", "fred": "FRED", "mof": "MoF", "treasury": "Treasury"}


def ago(lang: str, moment: datetime, now: datetime) -> str:
    """How long ago, in the largest whole unit: just now, 5 min, 3 h, 2 d."""
    minutes = max(0, int((now - moment).total_seconds() // 60))
    if minutes < 1:
        return t(lang, "sources.ago_now")
    if minutes < 120:
        return t(lang, "sources.ago_min", n=minutes)
    if minutes < 48 * 60:
        return t(lang, "sources.ago_h", n=minutes // 60)
    return t(lang, "sources.ago_d", n=minutes // (24 * 60))


def source_line(lang: str, status: SourceStatus, now: datetime, html_mode: bool = True) -> str:
    """One source's last refresh: ok and when, or how many series fail, when it last worked, and the error."""
    name = SOURCE_NAMES.get(status.source, status.source)
    if status.ok and status.succeeded_at is not None:
        return t(lang, "sources.ok", source=name, ago=ago(lang, status.succeeded_at, now))
    error = (status.error or "")[:160]
    error = html.escape(error) if html_mode else error
    if status.succeeded_at is None:
        return t(lang, "sources.failing_never", source=html.escape(name) if html_mode else name, count=status.failing, error=error)
    return t(lang, "sources.failing", source=html.escape(name) if html_mode else name, count=status.failing,
             ago=ago(lang, status.succeeded_at, now), error=error)


def format_sources(lang: str, statuses: list[SourceStatus], now: datetime, html_mode: bool = True) -> list[str]:
    """A title and one line per source; a note when nothing has been fetched yet."""
    title = t(lang, "sources.title")
    lines = [f"<b>{title}</b>" if html_mode else title]
    if not statuses:
        return lines + [t(lang, "sources.never")]
    return lines + [source_line(lang, s, now, html_mode) for s in statuses]
