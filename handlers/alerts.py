"""Alert messages (pure `format_alert`), /alerts and /why, and the alert buttons: details, snooze 1 day, mute."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from regimebot.handlers.i18n import t
from regimebot.handlers.registry import REGISTRY, Request
from regimebot.handlers.reply import Button, Reply
from regimebot.handlers.usage import admin_only, chat_prefs, esc, may_change_chat
from regimebot.macro.watchlist import SignalSpec, Watchlist
from regimebot.storage.outbox import AlertRecord

STATUS_ICONS = {"intact": "🟢", "weakening": "🟡", "invalidated": "🔴"}
STATE_ICONS = {"ok": "🟢", "warn": "🟡", "breach": "🔴", "unknown": "⚪"}
_THESIS_ID = re.compile(r"^[A-Za-z0-9_.-]{1,48}$")
_ALERT_ID = re.compile(r"^#?([0-9]{1,12})$")
SNOOZE = timedelta(days=1)


def _localized(mapping: Any, lang: str, fallback: str) -> str:
    if isinstance(mapping, str):
        return mapping
    if not mapping:
        return fallback
    return mapping.get(lang) or mapping.get("en") or next(iter(mapping.values()), fallback)


def thesis_name(watchlist: Watchlist | None, thesis_id: str, lang: str) -> str:
    """The thesis's name in `lang` (its id when the watch list does not know it)."""
    thesis = watchlist.theses.get(thesis_id) if watchlist is not None else None
    return _localized(thesis.name if thesis is not None else None, lang, thesis_id)


def _signal_spec(watchlist: Watchlist | None, signal_id: str) -> SignalSpec | None:
    return watchlist.signals.get(signal_id) if watchlist is not None else None


def _number(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return "?"
    try:
        x = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(x):
        return "?"
    return f"{x:,.2f}" if abs(x) < 1e6 else f"{x:,.0f}"


def _unit(unit: str | None) -> str:
    if not unit:
        return ""
    return unit if unit in ("%",) else f" {unit}"


def _comparison(direction: str | None) -> str:
    return {"above": ">", "below": "<", "gt": ">", "lt": "<", ">": ">", "<": "<"}.get(direction or "", "")


def format_evidence_line(item: dict, lang: str, watchlist: Watchlist | None, with_meaning: bool = False) -> str:
    """One signal of the evidence: state, value against its thresholds (escaped), optionally its meaning."""
    signal_id = str(item.get("signal") or item.get("signal_id") or item.get("id") or "?")
    spec = _signal_spec(watchlist, signal_id)
    state = str(item.get("state") or "unknown")
    unit = item.get("unit", spec.unit if spec is not None else "") or ""
    direction = item.get("direction", spec.direction if spec is not None else None)
    thresholds = item.get("thresholds") if isinstance(item.get("thresholds"), dict) else {}
    warn = thresholds.get("warn", item.get("warn", spec.warn if spec is not None else None))
    breach = thresholds.get("breach", item.get("breach", spec.breach if spec is not None else None))
    icon = STATE_ICONS.get(state, "⚪")
    value = item.get("value")
    if (spec is not None and spec.manual) or item.get("kind") == "manual":
        shown = t(lang, "alerts.manual_on") if state == "breach" else t(lang, "alerts.manual_off")
        line = t(lang, "alerts.signal_manual", icon=icon, signal=esc(signal_id), state=esc(shown))
    else:
        cmp_ = _comparison(direction)
        line = t(
            lang,
            "alerts.signal_line",
            icon=icon,
            signal=esc(signal_id),
            value=esc(_number(value) + _unit(unit)) if value is not None else t(lang, "alerts.unknown_value"),
            warn=esc(f"{cmp_}{_number(warn)}{_unit(unit)}"),
            breach=esc(f"{cmp_}{_number(breach)}{_unit(unit)}"),
            state=esc(t(lang, f"alerts.state.{state}") if state in STATE_ICONS else state),
        )
    if with_meaning:
        meaning = _localized(spec.meaning if spec is not None else None, lang, "")
        if meaning:
            line += "\n    <i>" + esc(meaning) + "</i>"
    return line


def _causes(alert: AlertRecord) -> list[dict]:
    """The signals that caused the change: those in warn or breach (all of them on a recovery)."""
    moving = [e for e in alert.evidence if isinstance(e, dict) and e.get("state") in ("warn", "breach")]
    return moving if moving and alert.toward_invalidation else [e for e in alert.evidence if isinstance(e, dict)]


def _primary_meaning(causes: list[dict], lang: str, watchlist: Watchlist | None) -> str:
    """What the strongest cause (the first signal in breach, else the first in warn) means, in one sentence."""
    ranked = sorted(causes, key=lambda e: e.get("state") != "breach")
    for item in ranked:
        spec = _signal_spec(watchlist, str(item.get("signal") or item.get("signal_id") or ""))
        meaning = _localized(spec.meaning if spec is not None else None, lang, "")
        if meaning:
            return meaning
    return ""


def status_text(lang: str, status: str) -> str:
    """A thesis status in the chat's language (unknown words shown as they are)."""
    return t(lang, f"alerts.status.{status}") if status in STATUS_ICONS else status


def source_label(alert: AlertRecord, lang: str) -> str:
    """The data source, with simulated data always labelled as such."""
    if not alert.simulated or "SIMULATED" in alert.source:
        return alert.source
    return f"{alert.source} {t(lang, 'alerts.simulated')}"


def format_alert(alert: AlertRecord, lang: str, watchlist: Watchlist | None) -> Reply:
    """The pushed alert: thesis, old → new, causing signals vs thresholds, meaning, as-of and source, buttons."""
    name = thesis_name(watchlist, alert.thesis_id, lang)
    old = alert.old or "intact"
    headline_key = "alerts.headline_toward" if alert.toward_invalidation else "alerts.headline_recovery"
    lines = [
        t(lang, headline_key, icon=STATUS_ICONS.get(alert.new, "⚪"), thesis=esc(name)),
        t(lang, "alerts.status_line", old=esc(status_text(lang, old)), new=esc(status_text(lang, alert.new))),
    ]
    causes = _causes(alert)
    if causes:
        lines.append(t(lang, "alerts.signals_title"))
        lines.extend(format_evidence_line(item, lang, watchlist) for item in causes)
    primary = _primary_meaning(causes, lang, watchlist) if alert.toward_invalidation else ""
    if primary:
        lines.append("<i>" + esc(primary) + "</i>")
    meaning_key = f"alerts.meaning.{alert.new}" if alert.toward_invalidation else "alerts.meaning.recovery"
    if alert.new not in STATUS_ICONS:
        meaning_key = "alerts.meaning.weakening"
    lines.append(t(lang, meaning_key))
    lines.append(t(lang, "alerts.as_of", as_of=esc(alert.as_of), source=esc(source_label(alert, lang))))
    lines.append(t(lang, "alerts.id_line", id=alert.id))
    buttons = (
        (
            Button(t(lang, "alerts.button.details"), f"alert:{alert.id}"),
            Button(t(lang, "alerts.button.snooze"), f"snooze:{alert.thesis_id}"),
            Button(t(lang, "alerts.button.mute"), f"mute:{alert.thesis_id}"),
        ),
    )
    return Reply("\n".join(lines), buttons=buttons, silent=not alert.toward_invalidation)


def format_alert_details(alert: AlertRecord, lang: str, watchlist: Watchlist | None) -> Reply:
    """/why: every signal of the alert's evidence with its value, thresholds, state and meaning."""
    name = thesis_name(watchlist, alert.thesis_id, lang)
    lines = [
        t(lang, "alerts.why_title", id=alert.id, thesis=esc(name)),
        t(lang, "alerts.status_line", old=esc(status_text(lang, alert.old or "intact")), new=esc(status_text(lang, alert.new))),
        t(lang, "alerts.evidence_title"),
    ]
    items = [e for e in alert.evidence if isinstance(e, dict)]
    lines.extend(format_evidence_line(item, lang, watchlist, with_meaning=True) for item in items)
    if not items:
        lines.append(t(lang, "alerts.no_evidence"))
    lines.append(t(lang, "alerts.as_of", as_of=esc(alert.as_of), source=esc(source_label(alert, lang))))
    lines.append(t(lang, "alerts.created", created=esc(alert.created_at.strftime("%Y-%m-%d %H:%M UTC"))))
    return Reply("\n".join(lines))


def format_alert_list(alerts: list[AlertRecord], lang: str, watchlist: Watchlist | None) -> Reply:
    """/alerts: one line per recent alert with its id, newest first."""
    if not alerts:
        return Reply(t(lang, "alerts.none"))
    lines = [t(lang, "alerts.list_title")]
    for alert in alerts:
        lines.append(
            t(lang, "alerts.list_line", id=alert.id, icon=STATUS_ICONS.get(alert.new, "⚪"),
              thesis=esc(thesis_name(watchlist, alert.thesis_id, lang)), old=esc(status_text(lang, alert.old or "intact")),
              new=esc(status_text(lang, alert.new)), as_of=esc(alert.as_of))
        )
    lines.append(t(lang, "alerts.list_hint"))
    return Reply("\n".join(lines))


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


@REGISTRY.callback("snooze", admin=True)
def snooze_button(req: Request, rest: str, now: datetime | None = None) -> Reply:
    """Snooze this thesis's alerts in this chat for one day."""
    thesis_id, refusal = _thesis_button(req, rest)
    if refusal is not None:
        return refusal
    until = (now or datetime.now(UTC)) + SNOOZE
    chat_prefs(req)
    req.services.store.chats.mute_thesis(req.chat.id, thesis_id, until)
    name = thesis_name(req.services.watchlist, thesis_id, req.lang)
    return Reply(t(req.lang, "alerts.snoozed", thesis=esc(name), until=esc(until.strftime("%Y-%m-%d %H:%M UTC"))))


@REGISTRY.callback("mute", admin=True)
def mute_button(req: Request, rest: str) -> Reply:
    """Mute this thesis's alerts in this chat until /subscribe again."""
    thesis_id, refusal = _thesis_button(req, rest)
    if refusal is not None:
        return refusal
    chat_prefs(req)
    req.services.store.chats.mute_thesis(req.chat.id, thesis_id, None)
    name = thesis_name(req.services.watchlist, thesis_id, req.lang)
    return Reply(t(req.lang, "alerts.muted", thesis=esc(name), id=esc(thesis_id)))
