"""`regimebot journal [THESIS] [--json]` and `regimebot journal open|note|catalyst|close THESIS …` (the chat's grammar)."""

from __future__ import annotations

import argparse
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from regimebot.bot.cli.common import UsageError, print_json
from regimebot.bot.config import Settings

if TYPE_CHECKING:  # the journal (pandas, the store) is imported when the command runs, not to register it
    from regimebot.handlers.context import Services

ACTIONS = ("open", "note", "catalyst", "close")  # the actions that change the journal (handlers.journal_book)


def register(sub: Any) -> None:
    jp = sub.add_parser(
        "journal", help="the thesis journal: entries, P&L, pain used, catalysts; open|note|catalyst|close change it",
        description="regimebot journal [THESIS] [--json] | journal open THESIS [--entry DATE] [--level X] [--series ID] "
                    "[--side long|short] [--horizon 18m] [--conviction 1-5] [--pain 15%] [NOTE…] | journal note THESIS "
                    "[--horizon …] [--conviction …] [--pain …] [NOTE…] | journal catalyst THESIS DATE TEXT… | "
                    "journal catalyst THESIS done ID | journal close THESIS [REASON…]")
    jp.add_argument("--json", action="store_true", help="machine-readable output")
    jp.add_argument("--cached", action="store_true", help="use the price cache only, do not refresh")
    jp.add_argument("words", nargs=argparse.REMAINDER, help="THESIS, or an action and its arguments")
    jp.set_defaults(func=run_journal)


def _thesis(services: Services, text: str) -> str:
    for tid in services.watchlist.theses:
        if str(tid).lower() == text.lower():
            return str(tid)
    raise UsageError(f"THESIS: {text!r} is not a thesis of the watch list; known: {', '.join(services.watchlist.theses)}")


def run_journal(args: argparse.Namespace, settings: Settings) -> int:
    words = [w for w in args.words if w not in ("--json", "--cached")]
    as_json = args.json or "--json" in args.words
    cached = args.cached or "--cached" in args.words
    from regimebot.bot.services import build_services
    from regimebot.handlers import journal_book as book
    from regimebot.macro.journal import JournalError

    actions = {"open": book.open_position, "note": book.note, "catalyst": book.catalyst, "close": book.close}
    services = build_services(settings)
    if not cached:
        services.market_data.refresh()
    if words and words[0] in ACTIONS:
        if len(words) < 2:
            raise UsageError(f"journal {words[0]}: expected THESIS after it")
        tid = _thesis(services, words[1])
        try:
            event = actions[words[0]](services, tid, words[2:], None, "cli")
        except JournalError as exc:
            raise UsageError(f"journal {words[0]}: {exc}") from None
        if as_json:
            print_json({"thesis": tid, "version": event.version, "kind": event.kind, "payload": dict(event.payload)})
        else:
            from regimebot.bot.console.render import render_html
            from regimebot.handlers.messages.journal import event_line

            print(render_html(event_line(settings.language, event)))
        return 0
    if len(words) > 1:
        raise UsageError(f"journal: expected at most one THESIS or an action ({', '.join(ACTIONS)}), got {' '.join(words)!r}")
    return _show(services, settings, _thesis(services, words[0]) if words else None, as_json)


def _show(services: Services, settings: Settings, thesis_id: str | None, as_json: bool) -> int:
    from regimebot.bot.console.render import render_html
    from regimebot.handlers import journal_book as book
    from regimebot.handlers.messages.journal import format_board, format_story
    from regimebot.macro.journal import open_entry
    from regimebot.macro.journal_report import position_report

    today = datetime.now(UTC).date()
    board = book.board(services, today)
    if as_json:
        rows = [r for r in board.rows if thesis_id is None or r.thesis_id == thesis_id]
        print_json({
            "as_of": board.as_of, "source": board.source, "simulated": board.simulated,
            "theses": {r.thesis_id: {**(r.report.as_dict(r.status) if r.report else {"status": r.status}),
                                     "open": r.entry.is_open} for r in rows},
            "same_bets": [{"theses": [p.first, p.second], "correlation": p.correlation} for p in board.same_bets],
        })
        return 0
    if thesis_id is None:
        print(render_html(format_board(settings.language, board, services.watchlist)))
        return 0
    events = book.story(services, thesis_id)
    entry = open_entry(events)
    market = book.current_market(services)
    current = (entry, position_report(entry, market.series(entry.position.series), today)) if entry else None
    row = next((r for r in board.rows if r.thesis_id == thesis_id), None)
    reply = format_story(settings.language, thesis_id, events, current, row.status if row else "unknown", services.watchlist)
    print(re.sub(r"\n{3,}", "\n\n", render_html(reply.text)))
    return 0
