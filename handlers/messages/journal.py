"""Journal messages (pure `format_*`): the board, one thesis's story, the post-mortem, distances, and the pushes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from regimebot.handlers.messages.i18n import t
from regimebot.handlers.messages.reply import Button, Reply
from regimebot.handlers.messages.text import STATUS_ICONS, esc, thesis_name
from regimebot.handlers.messages.text import status_text as status_word
from regimebot.macro.distance import Distance, Gap
from regimebot.macro.journal import Entry, JournalEvent
from regimebot.macro.journal_report import Board, PositionReport
from regimebot.macro.watchlist import Watchlist
from regimebot.storage.outbox import AlertRecord

MAX_STORY = 30  # history rows shown in /journal THESIS (newest first)


def status_text(lang: str, status: str) -> str:
    """A status with its icon, in the chat's language."""
    return status_word(lang, status, icon=True)


def pct(lang: str, value: float | None, signed: bool = True) -> str:
    """A percentage, or "unknown" (never a made-up number)."""
    if value is None or value != value:
        return t(lang, "common.unknown")
    return f"{value:+.1f}%" if signed else f"{value:.0f}%"


def _level(value: float | None, lang: str) -> str:
    if value is None:
        return t(lang, "common.unknown")
    return f"{value:,.2f}"


def _days(lang: str, days: int | None) -> str:
    return t(lang, "common.unknown") if days is None else t(lang, "journal.days", n=days)


def report_lines(lang: str, report: PositionReport, entry: Entry) -> list[str]:
    """The numbers of one entry: position, held vs horizon, P&L, drawdown vs pain, next catalyst."""
    pos = entry.position
    lines = [t(lang, "journal.position", side=t(lang, f"journal.side.{pos.side}"), series=esc(pos.series),
               level=_level(report.entry_level, lang), date=esc(report.entry_date))]
    if report.horizon_days is None:
        lines.append(t(lang, "journal.held_no_horizon", held=_days(lang, report.held_days)))
    elif report.horizon_left_days is not None and report.horizon_left_days < 0:
        lines.append(t(lang, "journal.held_over", held=_days(lang, report.held_days), horizon=esc(entry.horizon or ""),
                       over=_days(lang, -report.horizon_left_days)))
    else:
        lines.append(t(lang, "journal.held", held=_days(lang, report.held_days), horizon=esc(entry.horizon or ""),
                       left=_days(lang, report.horizon_left_days)))
    lines.append(t(lang, "journal.pnl", pnl=pct(lang, report.pnl_pct), last=_level(report.last, lang),
                   last_date=esc(report.last_date or "?")))
    if report.pain_budget_pct is None:
        lines.append(t(lang, "journal.drawdown_no_budget", dd=pct(lang, report.max_drawdown_pct)))
    else:
        lines.append(t(lang, "journal.drawdown", dd=pct(lang, report.max_drawdown_pct),
                       budget=pct(lang, report.pain_budget_pct, signed=False),
                       used=pct(lang, report.pain_used_pct, signed=False)))
    upcoming = entry.next_catalyst()
    if upcoming is not None:
        key = "journal.catalyst_overdue" if upcoming.overdue(report.today) else "journal.catalyst_next"
        lines.append(t(lang, key, date=esc(upcoming.date), text=esc(upcoming.text), id=upcoming.id, tid=esc(entry.thesis_id)))
    return lines


def format_board(lang: str, board: Board, watchlist: Watchlist) -> str:
    """/journal: every thesis with an entry, then the "same bet" pairs."""
    if not board.rows:
        return t(lang, "journal.empty")
    lines = [f"<b>{t(lang, 'journal.title')}</b>"]
    for row in board.rows:
        name = esc(thesis_name(watchlist, row.thesis_id, lang))
        state = t(lang, "journal.state.open" if row.entry.is_open else "journal.state.closed")
        lines += ["", f"{status_text(lang, row.status)} · <b>{name}</b> <code>{esc(row.thesis_id)}</code> · {state}"]
        if row.report is not None:
            lines += ["    " + line for line in report_lines(lang, row.report, row.entry)]
    for pair in board.same_bets:
        lines += ["", t(lang, "journal.same_bet", a=esc(thesis_name(watchlist, pair.first, lang)),
                        b=esc(thesis_name(watchlist, pair.second, lang)), rho=f"{pair.correlation:.2f}")]
    lines += ["", f"<i>{t(lang, 'common.source', as_of=esc(board.as_of or '?'), source=esc(board.source))}</i>"]
    if board.simulated:
        lines.append(f"<i>{t(lang, 'common.simulated')}</i>")
    return "\n".join(lines)


def _changes(lang: str, changes: Mapping[str, Any]) -> str:
    parts = [t(lang, "journal.change", field=t(lang, f"journal.field.{key}"), old=esc(old if old is not None else "—"),
               new=esc(new)) for key, (old, new) in changes.items()]
    return ", ".join(parts)


def event_line(lang: str, event: JournalEvent) -> str:
    """One history row: version, when, who, what changed, why."""
    p = event.payload
    if event.kind == "open":
        what = t(lang, "journal.event.open", side=t(lang, f"journal.side.{p.get('side', 'long')}"),
                 series=esc(p.get("series", "?")), level=_level(p.get("entry_level"), lang), date=esc(p.get("entry_date")),
                 horizon=esc(p.get("horizon") or "—"), conviction=esc(p.get("conviction") or "—"),
                 pain=pct(lang, p.get("pain"), signed=False) if p.get("pain") else "—")
    elif event.kind == "note":
        what = t(lang, "journal.event.note", changes=_changes(lang, p.get("changes", {})) or "—")
    elif event.kind == "catalyst":
        what = t(lang, "journal.event.catalyst", id=event.id, date=esc(p.get("date")), text=esc(p.get("text", "")))
    elif event.kind == "catalyst_done":
        what = t(lang, "journal.event.catalyst_done", id=esc(p.get("catalyst")), text=esc(p.get("text", "")))
    else:
        what = t(lang, "journal.event.close") + "\n" + format_post_mortem(lang, p.get("post_mortem", {}))
    who = t(lang, "journal.who_cli") if event.via == "cli" else t(lang, "journal.who_user", user=esc(event.user_id))
    head = t(lang, "journal.event.head", version=event.version, when=esc(event.created_at.strftime("%Y-%m-%d %H:%M UTC")),
             who=who)
    why = f"\n    <i>{esc(event.reason)}</i>" if event.reason else ""
    return f"{head} {what}{why}"


def format_story(lang: str, thesis_id: str, events: Sequence[JournalEvent], current: tuple[Entry, PositionReport] | None,
                 status: str, watchlist: Watchlist) -> Reply:
    """/journal THESIS: the open entry's numbers, then the whole history, newest first (buttons for overdue catalysts)."""
    lines = [f"{status_text(lang, status)} · <b>{esc(thesis_name(watchlist, thesis_id, lang))}</b> <code>{esc(thesis_id)}</code>"]
    buttons: list[tuple[Button, ...]] = []
    if current is not None:
        entry, report = current
        lines += report_lines(lang, report, entry)
        for c in entry.catalysts:
            if not c.done:
                mark = "⏰ " if c.overdue(report.today) else "📅 "
                lines.append(mark + t(lang, "journal.catalyst_line", id=c.id, date=esc(c.date), text=esc(c.text)))
                buttons.append((Button(t(lang, "journal.button.done", id=c.id), f"jdone:{thesis_id}:{c.id}"),))
    else:
        lines.append(t(lang, "journal.no_open_entry"))
    lines += ["", f"<b>{t(lang, 'journal.history_title')}</b>"]
    if not events:
        lines.append(t(lang, "journal.no_history"))
    lines += [event_line(lang, e) for e in events[:MAX_STORY]]
    if len(events) > MAX_STORY:
        lines.append(t(lang, "journal.more_history", n=len(events) - MAX_STORY))
    return Reply("\n".join(lines), buttons=tuple(buttons[:5]))


def format_post_mortem(lang: str, pm: Mapping[str, Any]) -> str:
    """Days held, P&L, worst drawdown vs pain, and the status path with the signals that moved it."""
    lines = [t(lang, "journal.pm.title"),
             t(lang, "journal.pm.numbers", held=_days(lang, pm.get("held_days")), pnl=pct(lang, pm.get("pnl_pct")),
               dd=pct(lang, pm.get("max_drawdown_pct")), used=pct(lang, pm.get("pain_used_pct"), signed=False))]
    path = pm.get("path") or []
    first = pm.get("first_status")
    if first is None and not path:
        lines.append(t(lang, "journal.pm.no_path"))
        return "\n".join(lines)
    steps = [status_text(lang, first or "unknown")]
    for step in path:
        moved = ", ".join(step.get("signals") or []) or "—"
        steps.append(t(lang, "journal.pm.step", date=esc(step.get("date")), status=status_text(lang, step.get("new", "")),
                       signals=esc(moved)))
    lines.append(t(lang, "journal.pm.path", path=" → ".join(steps)))
    return "\n".join(lines)


def _gap(lang: str, gap: Gap | None, unit: str) -> str:
    if gap is None:
        return "—"
    if gap.units <= 0:
        return t(lang, "journal.distance.reached")
    sd = "?" if gap.sd is None else f"{gap.sd:.1f}"
    days = "?" if gap.typical_days is None else f"{gap.typical_days:,.0f}"
    return t(lang, "journal.distance.gap", units=f"{gap.units:,.2f}{(' ' + unit) if unit else ''}", sd=sd, days=days)


def distance_line(lang: str, distance: Distance) -> str:
    """'to warn: …, to breach: …' for one signal."""
    return t(lang, "journal.distance.line", warn=_gap(lang, distance.warn, distance.unit),
             breach=_gap(lang, distance.breach, distance.unit))


def format_closest(lang: str, found: Sequence[Distance], as_of: date | None, source: str) -> str:
    """/closest: the signals nearest to breach across all theses."""
    if not found:
        return t(lang, "journal.closest_none")
    lines = [f"<b>{t(lang, 'journal.closest_title', n=len(found))}</b>"]
    for d in found:
        lines.append(f"<b>{esc(d.signal)}</b> {d.value:,.2f}{(' ' + esc(d.unit)) if d.unit else ''}")
        lines.append("    " + distance_line(lang, d))
    lines.append(f"<i>{t(lang, 'common.source', as_of=esc(as_of or '?'), source=esc(source))}</i>")
    return "\n".join(lines)


def format_journal_push(alert: AlertRecord, lang: str, watchlist: Watchlist) -> Reply:
    """A journal push from the outbox: an overdue catalyst, a pain threshold, or the weekly review."""
    p = alert.evidence[0] if alert.evidence else {}
    name = esc(thesis_name(watchlist, alert.thesis_id, lang))
    if alert.kind == "catalyst_overdue":
        text = t(lang, "journal.push.catalyst", thesis=name, date=esc(p.get("date")), text=esc(p.get("text", "")),
                 id=esc(p.get("id")), tid=esc(alert.thesis_id))
    elif alert.kind == "pain":
        text = t(lang, "journal.push.pain", thesis=name, level=esc(p.get("level")), dd=pct(lang, p.get("max_drawdown_pct")),
                 budget=pct(lang, p.get("pain_budget_pct"), signed=False), used=pct(lang, p.get("pain_used_pct"), signed=False),
                 as_of=esc(alert.as_of), source=esc(alert.source))
    else:
        lines = [t(lang, "journal.push.weekly_title", as_of=esc(alert.as_of))]
        for row in p.get("rows", []):
            icon = STATUS_ICONS.get(row.get("status"), "⚪")
            lines.append(t(lang, "journal.push.weekly_line", icon=icon, thesis=esc(thesis_name(watchlist, row.get("thesis"), lang)),
                           pnl=pct(lang, row.get("pnl_pct")), dd=pct(lang, row.get("max_drawdown_pct")),
                           used=pct(lang, row.get("pain_used_pct"), signed=False), held=_days(lang, row.get("held_days"))))
        lines.append(t(lang, "journal.push.weekly_hint"))
        text = "\n".join(lines)
    if alert.simulated:
        text += "\n" + t(lang, "common.simulated")
    return Reply(text, silent=alert.kind == "weekly_review")
