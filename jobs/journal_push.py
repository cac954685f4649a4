"""Journal pushes through the outbox, each once: overdue catalysts, pain-budget thresholds, the weekly review.

- a catalyst past its date and not marked done → one reminder to the thesis's subscribers;
- the worst drawdown since entry reaching 50%, 80% and 100% of the pain budget → one message per level
  (levels reached together are one message naming the highest; a new budget re-arms them);
- a weekly review of the open entries, queued on REVIEW_WEEKDAY at each chat's digest time.
Queued rows are delivered like alerts (quiet hours, retries, never silently dropped).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime

from regimebot.handlers import journal_book
from regimebot.handlers.context import Services
from regimebot.jobs.cycle import alert_recipients
from regimebot.macro.journal import open_entry
from regimebot.macro.journal_report import position_report
from regimebot.macro.market import Market
from regimebot.storage.store import Store

REVIEW_WEEKDAY = 0  # Monday (date.weekday())
WEEKLY_THESIS = "journal"  # the alert row of a weekly review is about the whole journal


def queue_journal_pushes(store: Store, market: Market, alert_chats: Iterable[int] = (), now: datetime | None = None) -> int:
    """Queue every due catalyst reminder and pain message not queued before; returns the messages queued."""
    now = now or datetime.now(UTC)
    if market.closes.empty:
        return 0
    as_of = str(market.last_date())
    queued = 0
    for tid, events in store.journal.by_thesis().items():
        entry = open_entry(events)
        if entry is None:
            continue
        opened = entry.opened.id
        recipients = alert_recipients(store, alert_chats, tid, now)
        for c in entry.catalysts:
            if c.overdue(now.date()):
                payload = {"id": c.id, "date": c.date.isoformat(), "text": c.text}
                queued += store.journal.push_once([f"catalyst:{opened}:{c.id}"], "catalyst_overdue", tid, payload, recipients,
                                                  as_of=as_of, source=market.label, simulated=market.simulated, now=now) is not None
        report = position_report(entry, market.series(entry.position.series), now.date())
        keys = {level: f"pain:{opened}:{report.pain_budget_pct:g}:{level}" for level in report.pain_levels()}
        fresh = [level for level, key in keys.items() if not store.journal.pushed(key)]
        if fresh:  # one message about the highest level reached; the lower ones count as told
            payload = {"level": fresh[-1], "max_drawdown_pct": report.max_drawdown_pct,
                       "pain_budget_pct": report.pain_budget_pct, "pain_used_pct": report.pain_used_pct}
            queued += store.journal.push_once([keys[level] for level in reversed(fresh)], "pain", tid, payload, recipients,
                                              as_of=as_of, source=market.label, simulated=market.simulated, now=now) is not None
    return queued


def review_week(day: date) -> str:
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def queue_weekly_review(services: Services, chat_id: int, thread_id: int | None, local_day: date,
                        now: datetime | None = None) -> int | None:
    """Queue this week's review of the open entries for one chat (once per ISO week); the alert id, or None."""
    now = now or datetime.now(UTC)
    market = services.market_data.market()
    board = journal_book.board(services, now.date(), market)
    rows = [{"thesis": r.thesis_id, "status": r.status, "pnl_pct": r.report.pnl_pct,
             "max_drawdown_pct": r.report.max_drawdown_pct, "pain_used_pct": r.report.pain_used_pct,
             "held_days": r.report.held_days} for r in board.rows if r.entry.is_open and r.report is not None]
    if not rows:
        return None
    return services.store.journal.push_once(
        [f"weekly:{chat_id}:{review_week(local_day)}"], "weekly_review", WEEKLY_THESIS, {"rows": rows},
        [(chat_id, thread_id)], as_of=str(board.as_of), source=market.label, simulated=market.simulated, now=now)
