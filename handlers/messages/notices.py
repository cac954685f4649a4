"""Notices to the bot's admins, pure: the dead-man switch's warning and the stale-feed notice."""

from __future__ import annotations

from datetime import datetime

from regimebot.handlers.messages.i18n import t
from regimebot.handlers.messages.reply import Reply
from regimebot.handlers.messages.text import moment_html


def format_deadman(lang: str, last_success: datetime | None, after: float) -> Reply:
    """The admins' warning: since when nothing was evaluated, and what to check."""
    hours = f"{after / 3600:g}"
    if last_success is None:
        return Reply(t(lang, "runtime.deadman_never", hours=hours))
    return Reply(t(lang, "runtime.deadman", last=moment_html(last_success), hours=hours))


def format_stale_feed(lang: str, as_of: str, days: int, expected: str) -> Reply:
    """The admins' notice that the feed is stale, so status changes are recorded but not alerted."""
    return Reply(t(lang, "runtime.stale_feed", days=days, as_of=as_of, expected=expected))
