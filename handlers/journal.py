"""/journal, /open, /note, /catalyst, /close and /closest: the thesis journal in the chat.

Reading is open to everyone; the journal is the fund's shared record, so changing it (commands and the
"done" button) needs a configured bot admin, like /signal. Every change is appended, never rewritten.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from regimebot.handlers import journal_book as book
from regimebot.handlers.context import Services
from regimebot.handlers.evaluation import evaluate_cached
from regimebot.handlers.messages.i18n import t
from regimebot.handlers.messages.journal import event_line, format_board, format_closest, format_story
from regimebot.handlers.messages.reply import Reply
from regimebot.handlers.messages.text import esc
from regimebot.handlers.registry import REGISTRY, Request
from regimebot.handlers.usage import admin_only, find_thesis, is_bot_admin, thesis_ids, usage_reply
from regimebot.macro.distance import closest, distances
from regimebot.macro.journal import JournalError, JournalEvent, open_entry
from regimebot.macro.journal_report import position_report
from regimebot.macro.signal_kinds import SeriesCache

_DONE = re.compile(r"^([a-z0-9_]{1,48}):([0-9]{1,12})$")


def _thesis(req: Request) -> str | None:
    return find_thesis(req, req.args[0]) if req.args else None


def _unknown(req: Request) -> Reply:
    given = req.args[0][:64] if req.args else ""
    return usage_reply(req, "sub.unknown_thesis", thesis=given, known=", ".join(thesis_ids(req)) or "-")


@REGISTRY.command("journal", summary="cmd.journal.summary", usage="cmd.journal.usage", group="journal")
def journal(req: Request) -> Reply:
    """Every thesis's entry (held, P&L, drawdown vs pain, next catalyst), or one thesis's whole story."""
    if len(req.args) > 1:
        return usage_reply(req, "journal.too_many")
    if not req.args:
        return Reply(format_board(req.lang, book.board(req.services), req.services.watchlist))
    tid = _thesis(req)
    if tid is None:
        return _unknown(req)
    events = book.story(req.services, tid)
    entry = open_entry(events)
    market = book.current_market(req.services)
    current = None
    if entry is not None:
        report = position_report(entry, market.series(entry.position.series), datetime.now(UTC).date())
        current = (entry, report)
    status = "unknown"
    if not market.closes.empty:
        status = evaluate_cached(req.services)[1].theses[tid].status
    return format_story(req.lang, tid, events, current, status, req.services.watchlist)


Change = Callable[[Services, str, Sequence[str], int | None, str], JournalEvent]


def _change(req: Request, action: Change, need_words: bool) -> Reply:
    """Validate the thesis, check the admin, append the event; errors name the argument and change nothing."""
    if not req.args or (need_words and len(req.args) < 2):
        return usage_reply(req, "journal.need_thesis", known=", ".join(thesis_ids(req)) or "-")
    tid = _thesis(req)
    if tid is None:
        return _unknown(req)
    if not is_bot_admin(req):
        return admin_only(req)
    try:
        event = action(req.services, tid, req.args[1:], req.user_id, "chat")
    except JournalError as exc:
        return usage_reply(req, "journal.refused", error=str(exc))
    return Reply("✅ " + event_line(req.lang, event))


@REGISTRY.command("open", summary="cmd.open.summary", usage="cmd.open.usage", admin=True, group="journal", writes=True)
def open_command(req: Request) -> Reply:
    """Open a journal entry for a thesis (admins only)."""
    return _change(req, book.open_position, need_words=False)


@REGISTRY.command("note", summary="cmd.note.summary", usage="cmd.note.usage", admin=True, group="journal", writes=True)
def note_command(req: Request) -> Reply:
    """A note, or a new horizon, conviction or pain budget, on the open entry (admins only)."""
    return _change(req, book.note, need_words=True)


@REGISTRY.command("catalyst", summary="cmd.catalyst.summary", usage="cmd.catalyst.usage", admin=True, group="journal", writes=True)
def catalyst_command(req: Request) -> Reply:
    """Add a dated catalyst, or mark one done (admins only)."""
    return _change(req, book.catalyst, need_words=True)


@REGISTRY.command("close", summary="cmd.close.summary", usage="cmd.close.usage", admin=True, group="journal", writes=True)
def close_command(req: Request) -> Reply:
    """Close the open entry and write its post-mortem (admins only)."""
    return _change(req, book.close, need_words=False)


@REGISTRY.callback("jdone", admin=True, writes=True)
def catalyst_done_button(req: Request, rest: str) -> Reply:
    """The "done" button under an overdue catalyst: `jdone:THESIS:ID` (validated like typed input)."""
    match = _DONE.match(rest)
    tid = find_thesis(req, match.group(1)) if match else None
    if match is None or tid is None:
        return Reply("⚠️ " + t(req.lang, "journal.bad_button"))
    if not is_bot_admin(req):
        return admin_only(req)
    try:
        event = book.catalyst(req.services, tid, ["done", match.group(2)], req.user_id, "chat")
    except JournalError as exc:
        return Reply("⚠️ " + t(req.lang, "journal.refused", error=esc(exc)))
    return Reply("✅ " + event_line(req.lang, event))


@REGISTRY.command("closest", summary="cmd.closest.summary", usage="cmd.closest.usage", group="journal")
def closest_command(req: Request) -> Reply:
    """The five signals nearest to breach across all theses (units, standard deviations, typical days)."""
    if req.args:
        return usage_reply(req, "market.no_args")
    watchlist = req.services.watchlist
    market = book.current_market(req.services)
    if market.closes.empty:
        return Reply(format_closest(req.lang, [], None, market.label))
    market, evaluation = evaluate_cached(req.services)
    fresh = {sid: r.state != "unknown" for sid, r in evaluation.signals.items()}
    found = distances(SeriesCache(market, req.services.catalog), watchlist, fresh=fresh)
    return Reply(format_closest(req.lang, closest(found), evaluation.as_of, market.label))
