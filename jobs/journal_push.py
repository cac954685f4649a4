"""Journal pushes through the outbox, each once: overdue catalysts, pain-budget thresholds, the weekly review.

- a catalyst past its date and not marked done → one reminder to the thesis's subscribers;
- the worst drawdown since entry reaching 50%, 80% and 100% of the pain budget → one message per level
  (levels reached together are one message naming the highest; a new budget re-arms them);
- a weekly review of the open entries, queued on REVIEW_WEEKDAY at each chat's digest time.
Queued rows are delivered like alerts (quiet hours, retries, never silently dropped).
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

from regimebot.handlers import journal_book
from regimebot.handlers.context import Services
from regimebot.jobs.cycle import alert_recipients
from regimebot.macro.engine import Evaluation
from regimebot.macro.market import Market

log = logging.getLogger(__name__)

REVIEW_WEEKDAY = 0  # Monday (date.weekday())
WEEKLY_THESIS = "journal"  # the alert row of a weekly review is about the whole journal


def queue_journal_pushes(services: Services, market: Market, evaluation: Evaluation | None = None,
                         now: datetime | None = None) -> int:
    """Queue every due catalyst reminder and pain message not queued before; returns the messages queued."""
    now = now or datetime.now(UTC)
    if market.closes.empty:
        return 0
    board = journal_book.board(services, now.date(), market, evaluation)
    as_of = str(market.last_date())
    queued = 0
    for row in board.rows:
        if not row.entry.is_open or row.report is None:
            continue
        tid, opened = row.thesis_id, row.entry.opened.id
        with services.db_lock:
            recipients = alert_recipients(services.db, services.settings, tid, now)
            journal = journal_book.journal_of(services)
            for c in row.entry.catalysts:
                if c.overdue(now.date()):
                    payload = {"id": c.id, "date": c.date.isoformat(), "text": c.text}
                    queued += journal.push_once([f"catalyst:{opened}:{c.id}"], "catalyst_overdue", tid, payload, recipients,
                                                as_of=as_of, source=market.label, simulated=market.simulated, now=now) is not None
            report = row.report
            keys = {level: f"pain:{opened}:{report.pain_budget_pct:g}:{level}" for level in report.pain_levels()}
            fresh = [level for level, key in keys.items() if not journal.pushed(key)]
            if fresh:  # one message about the highest level reached; the lower ones count as told
                payload = {"level": fresh[-1], "max_drawdown_pct": report.max_drawdown_pct,
                           "pain_budget_pct": report.pain_budget_pct, "pain_used_pct": report.pain_used_pct}
                queued += journal.push_once([keys[level] for level in reversed(fresh)], "pain", tid, payload, recipients,
                                            as_of=as_of, source=market.label, simulated=market.simulated, now=now) is not None
    return queued


def review_week(day: date) -> str:
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def queue_weekly_review(services: Services, chat_id: int, thread_id: int | None, local_day: date,
                        now: datetime | None = None) -> int | None:
    """Queue this week's review of the open entries for one chat (once per ISO week); the alert id, or None."""
    now = now or datetime.now(UTC)
    market = journal_book.current_market(services)
    board = journal_book.board(services, now.date(), market)
    rows = [{"thesis": r.thesis_id, "status": r.status, "pnl_pct": r.report.pnl_pct,
             "max_drawdown_pct": r.report.max_drawdown_pct, "pain_used_pct": r.report.pain_used_pct,
             "held_days": r.report.held_days} for r in board.rows if r.entry.is_open and r.report is not None]
    if not rows:
        return None
    with services.db_lock:
        return journal_book.journal_of(services).push_once(
            [f"weekly:{chat_id}:{review_week(local_day)}"], "weekly_review", WEEKLY_THESIS, {"rows": rows},
            [(chat_id, thread_id)], as_of=str(board.as_of), source=market.label, simulated=market.simulated, now=now)
