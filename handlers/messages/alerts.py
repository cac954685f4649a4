"""Alert messages, pure: the pushed alert, its details (/why) and the list of recent alerts (/alerts)."""

from __future__ import annotations

from regimebot.handlers.messages.evidence import Evidence
from regimebot.handlers.messages.i18n import t
from regimebot.handlers.messages.reply import Button, Reply
from regimebot.handlers.messages.text import (
    STATE_ICONS,
    STATUS_ICONS,
    esc,
    localized,
    moment_html,
    number_text,
    state_text,
    status_text,
    thesis_name,
)
from regimebot.macro.market import source_kind
from regimebot.macro.watchlist import Watchlist
from regimebot.storage.outbox import AlertRecord

_COMPARISON = {"above": ">", "below": "<", "gt": ">", "lt": "<", ">": ">", "<": "<"}


def _unit(unit: str) -> str:
    if not unit:
        return ""
    return unit if unit == "%" else f" {unit}"


def evidence_of(alert: AlertRecord, watchlist: Watchlist) -> list[Evidence]:
    """The alert's stored evidence, typed (thresholds the record lacks come from the signal's spec)."""
    out = []
    for item in alert.evidence:
        if isinstance(item, dict):
            signal = str(item.get("signal") or item.get("signal_id") or item.get("id") or "")
            out.append(Evidence.from_stored(item, watchlist.signals.get(signal)))
    return out


def format_evidence_line(item: Evidence, lang: str, watchlist: Watchlist, with_meaning: bool = False) -> str:
    """One signal of the evidence: state, value against its thresholds (escaped), optionally its meaning."""
    icon = STATE_ICONS.get(item.state, "⚪")
    if item.manual:
        shown = t(lang, "alerts.manual_on") if item.state == "breach" else t(lang, "alerts.manual_off")
        line = t(lang, "alerts.signal_manual", icon=icon, signal=esc(item.signal), state=esc(shown))
    else:
        cmp_ = _COMPARISON.get(item.direction or "", "")
        unit = _unit(item.unit)
        line = t(
            lang,
            "alerts.signal_line",
            icon=icon,
            signal=esc(item.signal),
            value=esc(number_text(item.value) + unit) if item.value is not None else t(lang, "alerts.unknown_value"),
            warn=esc(f"{cmp_}{number_text(item.warn)}{unit}"),
            breach=esc(f"{cmp_}{number_text(item.breach)}{unit}"),
            state=esc(state_text(lang, item.state)),
        )
    if with_meaning:
        spec = watchlist.signals.get(item.signal)
        meaning = localized(spec.meaning, lang) if spec is not None else ""
        if meaning:
            line += "\n    <i>" + esc(meaning) + "</i>"
    return line


def _causes(alert: AlertRecord, evidence: list[Evidence]) -> list[Evidence]:
    """The signals that caused the change: those in warn or breach (all of them on a recovery)."""
    moving = [e for e in evidence if e.moving]
    return moving if moving and alert.toward_invalidation else evidence


def _primary_meaning(causes: list[Evidence], lang: str, watchlist: Watchlist) -> str:
    """What the strongest cause (the first signal in breach, else the first in warn) means, in one sentence."""
    for item in sorted(causes, key=lambda e: e.state != "breach"):
        spec = watchlist.signals.get(item.signal)
        meaning = localized(spec.meaning, lang) if spec is not None else ""
        if meaning:
            return meaning
    return ""


def source_label(alert: AlertRecord, lang: str) -> str:
    """The data source's kind (never a server folder), with simulated data always labelled as such."""
    if "SIMULATED" in alert.source:
        return alert.source
    kind = source_kind(alert.source)
    return f"{kind} {t(lang, 'alerts.simulated')}" if alert.simulated else kind


def format_alert(alert: AlertRecord, lang: str, watchlist: Watchlist) -> Reply:
    """The pushed alert: a one-line headline (thesis, old → new), the evidence folded in an expandable quote
    (causing signals vs thresholds, what they mean), then as-of date and source, the alert id and when, buttons."""
    name = thesis_name(watchlist, alert.thesis_id, lang)
    old = alert.old or "intact"
    headline_key = "alerts.headline_toward" if alert.toward_invalidation else "alerts.headline_recovery"
    evidence: list[str] = []
    causes = _causes(alert, evidence_of(alert, watchlist))
    if causes:
        evidence.append(t(lang, "alerts.signals_title"))
        evidence.extend(format_evidence_line(item, lang, watchlist) for item in causes)
    primary = _primary_meaning(causes, lang, watchlist) if alert.toward_invalidation else ""
    if primary:
        evidence.append("<i>" + esc(primary) + "</i>")
    meaning_key = f"alerts.meaning.{alert.new}" if alert.toward_invalidation else "alerts.meaning.recovery"
    if alert.new not in STATUS_ICONS:
        meaning_key = "alerts.meaning.weakening"
    evidence.append(t(lang, meaning_key))
    lines = [
        t(lang, headline_key, icon=STATUS_ICONS.get(alert.new, "⚪"), thesis=esc(name),
          old=esc(status_text(lang, old)), new=esc(status_text(lang, alert.new))),
        "<blockquote expandable>" + "\n".join(evidence) + "</blockquote>",
        t(lang, "alerts.as_of", as_of=esc(alert.as_of), source=esc(source_label(alert, lang))),
        t(lang, "alerts.id_line", id=alert.id, when=moment_html(alert.created_at)),
    ]
    buttons = (
        (
            Button(t(lang, "alerts.button.details"), f"alert:{alert.id}"),
            Button(t(lang, "alerts.button.snooze"), f"snooze:{alert.thesis_id}"),
            Button(t(lang, "alerts.button.mute"), f"mute:{alert.thesis_id}"),
        ),
    )
    return Reply("\n".join(lines), buttons=buttons, silent=not alert.toward_invalidation)


def format_alert_details(alert: AlertRecord, lang: str, watchlist: Watchlist) -> Reply:
    """/why: every signal of the alert's evidence with its value, thresholds, state and meaning."""
    name = thesis_name(watchlist, alert.thesis_id, lang)
    lines = [
        t(lang, "alerts.why_title", id=alert.id, thesis=esc(name)),
        t(lang, "alerts.status_line", old=esc(status_text(lang, alert.old or "intact")), new=esc(status_text(lang, alert.new))),
        t(lang, "alerts.evidence_title"),
    ]
    items = evidence_of(alert, watchlist)
    lines.extend(format_evidence_line(item, lang, watchlist, with_meaning=True) for item in items)
    if not items:
        lines.append(t(lang, "alerts.no_evidence"))
    lines.append(t(lang, "alerts.as_of", as_of=esc(alert.as_of), source=esc(source_label(alert, lang))))
    lines.append(t(lang, "alerts.created", created=moment_html(alert.created_at)))
    return Reply("\n".join(lines))


def format_alert_list(alerts: list[AlertRecord], lang: str, watchlist: Watchlist) -> Reply:
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
