"""The thesis journal as the chat, the CLI and the jobs use it: read the board, open, note, add catalysts, close.

Every change is one appended journal event (storage.journal); nothing here rewrites history. The
position series comes from the command (`series=`), else from the thesis's declared position.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from regimebot.handlers.context import Services
from regimebot.handlers.evaluation import manual_switches
from regimebot.macro.engine import Evaluation, evaluate, replay
from regimebot.macro.journal import Entry, JournalError, JournalEvent, Position, fold_entries, latest_entry, open_entry
from regimebot.macro.journal_grammar import NOTE_FIELDS, OPEN_FIELDS, parse_catalyst, parse_fields
from regimebot.macro.journal_report import (
    Board,
    BoardRow,
    PositionReport,
    StatusStep,
    entry_close,
    position_report,
    post_mortem,
    same_bets,
)
from regimebot.macro.market import Market
from regimebot.macro.watchlist import ThesisSpec


def thesis_position(thesis: ThesisSpec) -> Position | None:
    """The position a thesis declares in the watch list (the default series and side of its journal entry)."""
    return Position(thesis.position.series, thesis.position.side)


def current_market(services: Services) -> Market:
    return services.market_data.market()


def _report(entry: Entry, market: Market, today: date) -> PositionReport:
    until = entry.closed.created_at.date() if entry.closed is not None else None
    return position_report(entry, market.series(entry.position.series), today if until is None else until, until)


def board(services: Services, today: date | None = None, market: Market | None = None,
          evaluation: Evaluation | None = None) -> Board:
    """The journal of every thesis that has one, in watch-list order."""
    today = today or datetime.now(UTC).date()
    market = market if market is not None else current_market(services)
    events = services.store.journal.by_thesis()
    watchlist = services.watchlist
    if evaluation is None and not market.closes.empty and events:
        evaluation = evaluate(market, watchlist, manual=manual_switches(services))
    rows = []
    for tid in watchlist.theses:
        entry = latest_entry(events.get(tid, []))
        if entry is None:
            continue
        status = evaluation.theses[tid].status if evaluation is not None and tid in evaluation.theses else "unknown"
        rows.append(BoardRow(tid, entry, _report(entry, market, today), status))
    positions = {r.thesis_id: r.entry.position for r in rows if r.entry.is_open}
    pairs = same_bets(market, services.catalog, positions) if len(positions) > 1 else []
    return Board(tuple(rows), tuple(pairs), market.last_date(), market.label, market.simulated)


def story(services: Services, thesis_id: str) -> list[JournalEvent]:
    """The thesis's whole history, newest first."""
    return list(reversed(services.store.journal.history(thesis_id)))


def _current(services: Services, thesis_id: str) -> Entry:
    entry = open_entry(services.store.journal.history(thesis_id))
    if entry is None:
        raise JournalError(f"{thesis_id}: has no open entry; open one first (open {thesis_id} …)")
    return entry


def _append(services: Services, thesis_id: str, kind: str, payload: dict[str, Any], user_id: int | None, via: str,
            reason: str = "", now: datetime | None = None) -> JournalEvent:
    return services.store.journal.append(thesis_id, kind, payload, user_id=user_id, via=via, reason=reason, now=now)


def open_position(services: Services, thesis_id: str, tokens: Sequence[str], user_id: int | None, via: str,
                  now: datetime | None = None) -> JournalEvent:
    """Open an entry: its level defaults to the position series' close on the entry date."""
    parsed = parse_fields(tokens, OPEN_FIELDS)
    if open_entry(services.store.journal.history(thesis_id)) is not None:
        raise JournalError(f"{thesis_id}: an entry is already open; close it first (close {thesis_id} [reason])")
    fields = parsed.fields
    declared = thesis_position(services.watchlist.theses[thesis_id])
    series = fields.get("series") or (declared.series if declared else None)
    if series is None:
        raise JournalError(f"series: {thesis_id} declares no position; give the series, e.g. series=TLT")
    if series not in services.catalog:
        raise JournalError(f"series: {series} is not in the catalog (e.g. TLT, DXY, GOLD, BTC)")
    side = fields.get("side") or (declared.side if declared and declared.series == series else "long")
    when: date = fields.get("entry") or (now or datetime.now(UTC)).date()
    if when > (now or datetime.now(UTC)).date():
        raise JournalError(f"entry: {when} is in the future")
    payload: dict[str, Any] = {"entry_date": when, "series": series, "side": side}
    if "level" in fields:
        payload["entry_level"] = fields["level"]
    else:
        closes = current_market(services).series(series)
        closes.name = series
        level_date, level = entry_close(closes, when)
        payload.update(entry_level=level, level_date=level_date)
    for key in ("horizon", "conviction", "pain"):
        if key in fields:
            payload[key] = fields[key]
    if parsed.text:
        payload["text"] = parsed.text
    return _append(services, thesis_id, "open", payload, user_id, via, parsed.text, now)


def note(services: Services, thesis_id: str, tokens: Sequence[str], user_id: int | None, via: str,
         now: datetime | None = None) -> JournalEvent:
    """A free note and/or new horizon, conviction or pain budget (old and new values are recorded)."""
    parsed = parse_fields(tokens, NOTE_FIELDS)
    if not parsed.fields and not parsed.text:
        raise JournalError("note: write a note, or change horizon=, conviction= or pain=")
    entry = _current(services, thesis_id)
    before = {"horizon": entry.horizon, "conviction": entry.conviction, "pain": entry.pain_budget_pct}
    changes = {key: [before[key], value] for key, value in parsed.fields.items() if before[key] != value}
    if not changes and not parsed.text:
        raise JournalError(f"note: nothing changed ({', '.join(f'{k}={v}' for k, v in parsed.fields.items())} already)")
    payload: dict[str, Any] = {"changes": changes}
    if parsed.text:
        payload["text"] = parsed.text
    return _append(services, thesis_id, "note", payload, user_id, via, parsed.text, now)


def catalyst(services: Services, thesis_id: str, tokens: Sequence[str], user_id: int | None, via: str,
             now: datetime | None = None) -> JournalEvent:
    """Add a dated catalyst, or mark one done."""
    command = parse_catalyst(tokens)
    entry = _current(services, thesis_id)
    if command.done is not None:
        found = next((c for c in entry.catalysts if c.id == command.done), None)
        if found is None:
            known = ", ".join(str(c.id) for c in entry.catalysts) or "none"
            raise JournalError(f"done: {command.done} is not a catalyst of {thesis_id}'s open entry (ids: {known})")
        if found.done:
            raise JournalError(f"done: catalyst {command.done} is already marked done")
        return _append(services, thesis_id, "catalyst_done", {"catalyst": found.id, "text": found.text}, user_id, via,
                       now=now)
    return _append(services, thesis_id, "catalyst", {"date": command.date, "text": command.text}, user_id, via,
                   now=now)


def status_path(market: Market, services: Services, thesis_id: str, start: date, end: date) -> tuple[str | None, list[StatusStep]]:
    """The thesis's status at `start` and every move of it until `end`, with the signals in warn or breach."""
    if market.closes.empty or end < start:
        return None, []
    run = replay(market, services.watchlist, start, end, manual_switches(services))
    moves = [tr for tr in run.transitions if tr.thesis_id == thesis_id]
    first = moves[0].old if moves else run.final.theses[thesis_id].status
    return first, [StatusStep(tr.date, tr.old or "unknown", tr.new, tuple(s.id for s in tr.evidence)) for tr in moves]


def close(services: Services, thesis_id: str, tokens: Sequence[str], user_id: int | None, via: str,
          now: datetime | None = None) -> JournalEvent:
    """Close the open entry and write its post-mortem into the history."""
    reason = " ".join(tokens).strip()
    if len(reason) > 300:
        raise JournalError(f"reason: at most 300 characters (got {len(reason)})")
    entry = _current(services, thesis_id)
    today = (now or datetime.now(UTC)).date()
    market = current_market(services)
    report = position_report(entry, market.series(entry.position.series), today)
    first, path = status_path(market, services, thesis_id, entry.entry_date, min(today, market.last_date() or today))
    payload = {"post_mortem": post_mortem(report, path, first), "reason": reason}
    return _append(services, thesis_id, "close", payload, user_id, via, reason, now)


def entries(services: Services, thesis_id: str) -> list[Entry]:
    """Every entry of one thesis, oldest first."""
    return fold_entries(services.store.journal.history(thesis_id))
