"""/alerts and /why, and the alert buttons: details, snooze 1 day, mute."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from regimebot.handlers.messages.alerts import format_alert_details, format_alert_list
from regimebot.handlers.messages.i18n import t
from regimebot.handlers.messages.reply import Reply
from regimebot.handlers.messages.text import esc, moment_html, thesis_name
from regimebot.handlers.registry import REGISTRY, Request
from regimebot.handlers.usage import admin_only, chat_prefs, may_change_chat
from regimebot.storage.outbox import AlertRecord

_THESIS_ID = re.compile(r"^[A-Za-z0-9_.-]{1,48}$")
_ALERT_ID = re.compile(r"^#?([0-9]{1,12})$")
SNOOZE = timedelta(days=1)


def _usage(req: Request, problem_key: str, **values: Any) -> Reply:
    command = REGISTRY.get(req.command)
    usage = t(req.lang, command.usage) if command else ""
    return Reply("⚠️ " + t(req.lang, problem_key, **{k: esc(v) for k, v in values.items()}) + "\n" + t(req.lang, "alerts.usage_prefix", usage=usage))


@REGISTRY.command("alerts", summary="cmd.alerts.summary", usage="cmd.alerts.usage", group="alerts")
def alerts_command(req: Request) -> Reply:
    """Recent alerts addressed to this chat, each with its id for /why."""
    if req.args:
        return _usage(req, "alerts.no_args")
    recent = req.services.store.outbox.alerts_for_chat(req.chat.id, limit=10)
    return format_alert_list(recent, req.lang, req.services.watchlist)


def _alert_for_chat(req: Request, raw: str) -> AlertRecord | None:
    match = _ALERT_ID.match(raw.strip())
    if not match:
        return None
    alert_id = int(match.group(1))
    if not req.services.store.outbox.alert_sent_to(alert_id, req.chat.id):
        return None
    return req.services.store.outbox.get_alert(alert_id)


@REGISTRY.command("why", summary="cmd.why.summary", usage="cmd.why.usage", group="alerts")
def why_command(req: Request) -> Reply:
    """The full evidence of one of this chat's alerts."""
    if len(req.args) != 1:
        return _usage(req, "alerts.why_needs_id")
    if not _ALERT_ID.match(req.args[0].strip()):
        return _usage(req, "alerts.bad_id", value=req.args[0][:40])
    alert = _alert_for_chat(req, req.args[0])
    if alert is None:
        return _usage(req, "alerts.unknown_id", value=req.args[0][:40])
    return format_alert_details(alert, req.lang, req.services.watchlist)


@REGISTRY.callback("alert")
def details_button(req: Request, rest: str) -> Reply:
    """The "details" button: the same as /why ID."""
    alert = _alert_for_chat(req, rest) if _ALERT_ID.match(rest or "") else None
    if alert is None:
        return Reply(t(req.lang, "alerts.button_stale"))
    return format_alert_details(alert, req.lang, req.services.watchlist)


def _known_thesis(req: Request, rest: str) -> str | None:
    if not rest or not _THESIS_ID.match(rest):
        return None
    if rest not in req.services.watchlist.theses:
        return None
    return rest


def _thesis_button(req: Request, rest: str) -> tuple[str, Reply | None]:
    """The thesis a snooze/mute button names, unless a plain group member pressed it or it is stale."""
    if not may_change_chat(req):
        return "", admin_only(req)
    thesis_id = _known_thesis(req, rest)
    if thesis_id is None:
        return "", Reply(t(req.lang, "alerts.button_stale"))
    return thesis_id, None


@REGISTRY.callback("snooze", admin=True, writes=True)
def snooze_button(req: Request, rest: str, now: datetime | None = None) -> Reply:
    """Snooze this thesis's alerts in this chat for one day."""
    thesis_id, refusal = _thesis_button(req, rest)
    if refusal is not None:
        return refusal
    until = (now or datetime.now(UTC)) + SNOOZE
    chat_prefs(req)
    req.services.store.chats.mute_thesis(req.chat.id, thesis_id, until)
    name = thesis_name(req.services.watchlist, thesis_id, req.lang)
    return Reply(t(req.lang, "alerts.snoozed", thesis=esc(name), until=moment_html(until)))


@REGISTRY.callback("mute", admin=True, writes=True)
def mute_button(req: Request, rest: str) -> Reply:
    """Mute this thesis's alerts in this chat until /subscribe again."""
    thesis_id, refusal = _thesis_button(req, rest)
    if refusal is not None:
        return refusal
    chat_prefs(req)
    req.services.store.chats.mute_thesis(req.chat.id, thesis_id, None)
    name = thesis_name(req.services.watchlist, thesis_id, req.lang)
    return Reply(t(req.lang, "alerts.muted", thesis=esc(name), id=esc(thesis_id)))
