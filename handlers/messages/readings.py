"""Pure formatting of readings for a phone screen (Telegram HTML) or a terminal (plain text)."""

from __future__ import annotations

import html

from regimebot.handlers.messages.i18n import t
from regimebot.macro.readings import CHANGE_WINDOWS, Reading


def format_level(value: float | None, unit: str = "") -> str:
    """A level with sensible precision: 1.1523, 98.73, 5,800.12, 85,000."""
    if value is None:
        return "—"
    size = abs(value)
    if size >= 10000:
        text = f"{value:,.0f}"
    elif size >= 100:
        text = f"{value:,.2f}"
    elif size >= 10:
        text = f"{value:.2f}"
    else:
        text = f"{value:.4f}" if unit == "rate" else f"{value:.2f}"
    return text + ("%" if unit == "percent" else "")


def format_change(value: float | None, in_bp: bool) -> str:
    """A signed change: +1.2% or −15 bp; '—' when unknown."""
    if value is None:
        return "—"
    sign = "+" if value > 0 else ("−" if value < 0 else "±")
    return f"{sign}{abs(value):.0f} bp" if in_bp else f"{sign}{abs(value):.1f}%"


def format_reading(r: Reading, lang: str, html_mode: bool = True) -> str:
    """A reading in four short lines; unknown values show as '—', stale data is flagged."""
    esc = html.escape if html_mode else (lambda s: s)
    bold = (lambda s: f"<b>{s}</b>") if html_mode else (lambda s: s)
    if not r.known or r.last_date is None:  # known: a last close, and so its date
        why = r.error or t(lang, "reading.no_data")
        return f"{bold(esc(r.series_id))} {esc(r.name)}: {t(lang, 'reading.unknown')} ({esc(why)})"
    lines = [f"{bold(esc(r.series_id))} {esc(format_level(r.last, r.unit))} · {esc(r.name)} · {r.last_date.isoformat()}"]
    lines.append(" · ".join(f"{t(lang, 'reading.window.' + w)} {format_change(r.changes.get(w), r.in_bp)}" for w in CHANGE_WINDOWS))
    parts = []
    if r.low_52w is not None:
        parts.append(t(lang, "reading.range", low=esc(format_level(r.low_52w, r.unit)), high=esc(format_level(r.high_52w, r.unit)),
                       position="—" if r.position_52w is None else f"{r.position_52w * 100:.0f}"))
    if r.ma200_distance is not None:
        days = "calendar" if r.calendar == "daily" else "trading"
        parts.append(t(lang, f"reading.ma200_{days}", distance=format_change(r.ma200_distance, r.in_bp)))
    if r.z_20d is not None:
        days = "calendar" if r.calendar == "daily" else "trading"
        parts.append(t(lang, f"reading.z20_{days}", z=f"{r.z_20d:+.1f}".replace("-", "−")))
    if parts:
        lines.append(" · ".join(parts))
    if r.stale:
        lines.append("⚠ " + t(lang, "reading.stale", expected=r.expected_date.isoformat() if r.expected_date else "?"))
    if r.error:
        lines.append("⚠ " + esc(r.error))
    return "\n".join(lines)


def format_source(source_label: str, lang: str) -> str:
    """The data-source footer every reading carries (SIMULATED shown for the demo)."""
    return t(lang, "reading.source", source=html.escape(source_label))
