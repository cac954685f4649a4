"""What every command handler shares: usage replies, the chat's stored preferences, admin checks, source lines."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from regimebot.handlers.messages.i18n import t
from regimebot.handlers.messages.reply import Reply
from regimebot.handlers.messages.text import as_of_text, esc, source_line  # noqa: F401 (source_line: handlers import it from here)
from regimebot.handlers.registry import REGISTRY, Request
from regimebot.macro.market import Market
from regimebot.macro.settings import Settings
from regimebot.storage import chats
from regimebot.storage.chats import ChatPrefs


def usage_text(req: Request, name: str | None = None) -> str:
    """The command's usage line in the chat's language."""
    command = REGISTRY.get(name or req.command)
    if command is None:
        return ""
    return t(req.lang, "common.usage", usage=t(req.lang, command.usage))


def usage_reply(req: Request, problem_key: str, **values: Any) -> Reply:
    """Bad arguments: what was wrong (values escaped) and the command's usage; nothing was changed."""
    problem = t(req.lang, problem_key, **{k: esc(v) for k, v in values.items()})
    return Reply(f"⚠️ {problem}\n{usage_text(req)}")


def chat_prefs(req: Request) -> ChatPrefs:
    """The asking chat's stored preferences (created with the request's language when new)."""
    chat = req.chat
    prefs = req.services.store.chats.get_chat(chat.id)
    if prefs is None:
        settings = req.services.settings
        prefs = req.services.store.chats.ensure_chat(
            chat.id,
            chat.type if chat.type in chats.CHAT_TYPES else "private",
            title=chat.title or "",
            language=req.lang if req.lang in chats.SUPPORTED_LANGUAGES else "en",
            timezone=default_timezone(settings),
        )
    return prefs


def default_timezone(settings: Settings) -> str:
    """The configured time zone for new chats, when the system knows it; else UTC."""
    zone = settings.timezone or "UTC"
    return zone if zone in chats.known_timezones() else "UTC"


def may_change_chat(req: Request) -> bool:
    """Changing a chat's shared state: anyone in a private chat, an administrator in groups and channels."""
    return not req.chat.is_group or req.is_admin


def is_bot_admin(req: Request) -> bool:
    """A configured bot admin (REGIMEBOT_ADMINS): needed for anything that changes every chat's view."""
    return req.user_id is not None and req.user_id in req.services.settings.admins


def admin_only(req: Request) -> Reply:
    """The refusal for a non-admin."""
    return Reply("⛔ " + t(req.lang, "common.admin_only"))








def market_now(req: Request) -> Market:
    """The cached market (the price cache serialises its own reads)."""
    return req.services.market_data.market()


def thesis_ids(req: Request) -> list[str]:
    """The watch list's thesis ids, in file order."""
    return list(req.services.watchlist.theses)


def find_thesis(req: Request, text: str) -> str | None:
    """The thesis id matching `text` (case-insensitive), or None."""
    wanted = text.strip().lower()
    for tid in thesis_ids(req):
        if tid.lower() == wanted:
            return tid
    return None




def market_clock(market: Market) -> datetime | None:
    """'Now' for freshness checks: the simulated market has no wall clock, its last close is its today."""
    last = market.last_date()
    if market.simulated and last is not None:
        return datetime.combine(last, time(23, 0), tzinfo=UTC)
    return None
