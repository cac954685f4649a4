"""The small words every message shares: escaping, status and state names with their icons, thesis names."""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from datetime import UTC, date, datetime

from regimebot.handlers.messages.i18n import messages, t
from regimebot.macro.market import Market
from regimebot.macro.watchlist import Watchlist

STATUS_ICONS = {"intact": "🟢", "weakening": "🟡", "invalidated": "🔴", "unknown": "⚪"}
STATE_ICONS = {"ok": "🟢", "warn": "🟡", "breach": "🔴", "unknown": "⚪"}


def esc(value: object) -> str:
    """A dynamic value made safe for Telegram HTML."""
    return html.escape(str(value), quote=False)


def localized(mapping: Mapping[str, str] | str | None, lang: str, default: str = "") -> str:
    """A watch-list text given per language (mapping) or as one string, in `lang`, else English."""
    if isinstance(mapping, str):
        return mapping
    if not mapping:
        return default
    return mapping.get(lang) or mapping.get("en") or next(iter(mapping.values()), default)


def status_text(lang: str, status: str, *, icon: bool = False) -> str:
    """A thesis status in the chat's language (an unknown word shown as it is), optionally with its icon."""
    label = catalog_label(lang, f"watch.status.{status}", status)
    return f"{STATUS_ICONS.get(status, '⚪')} {label}" if icon else label


def state_text(lang: str, state: str, *, icon: bool = False) -> str:
    """A signal state (ok, warn, breach, unknown) in the chat's language, optionally with its icon."""
    label = catalog_label(lang, f"watch.state.{state}", state)
    return f"{STATE_ICONS.get(state, '⚪')} {label}" if icon else label


def thesis_name(watchlist: Watchlist, thesis_id: str, lang: str) -> str:
    """The thesis's name in `lang` (its id when the watch list does not know it)."""
    thesis = watchlist.theses.get(thesis_id)
    return localized(thesis.name, lang, thesis_id) if thesis is not None else thesis_id


def number_text(value: float | None) -> str:
    """A value for a message: grouped thousands, two decimals; '?' when unknown or not finite."""
    if value is None or isinstance(value, bool) or not math.isfinite(value):
        return "?"
    return f"{value:,.2f}" if abs(value) < 1e6 else f"{value:,.0f}"


def as_of_text(value: date | datetime | None) -> str:
    """An as-of date for display; '?' when missing."""
    if value is None:
        return "?"
    if isinstance(value, datetime):  # pandas Timestamps included
        value = value.date()
    return value.isoformat()


MOMENT_FORMAT = "dt"  # Bot API date_time_format: short date and short time, in the reader's own time zone


def moment_text(moment: datetime) -> str:
    """A point in time as plain text, in UTC (the console, logs, and Telegram clients too old for tg-time)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def moment_html(moment: datetime | None) -> str:
    """A point in time as a Telegram date-time entity: each reader sees it in their own time zone.

    The explicit UTC text inside is what clients without date-time entities (and the console) show.
    """
    if moment is None:
        return "—"
    unix = int(moment.astimezone(UTC).timestamp())
    return f'<tg-time unix="{unix}" format="{MOMENT_FORMAT}">{esc(moment_text(moment))}</tg-time>'


def catalog_label(lang: str, key: str, fallback: str) -> str:
    """A catalog message if the catalog has it (a user's watch list may name things the catalog does not know)."""
    return t(lang, key) if key in messages("en") else fallback


def verdict_text(lang: str, verdict: str) -> str:
    """The regime verdict in the chat's language (an unknown word shown as it is)."""
    return catalog_label(lang, f"watch.verdict.{verdict}", verdict)

def source_line(lang: str, market: Market, as_of: date | datetime | None = None) -> str:
    """"As of DATE · source LABEL" (simulated data says so)."""
    when = as_of if as_of is not None else market.last_date()
    line = t(lang, "common.source", as_of=esc(as_of_text(when)), source=esc(market.label))
    if market.simulated:
        line += "\n" + t(lang, "common.simulated")
    return f"<i>{line}</i>"
