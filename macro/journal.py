"""The thesis journal as data: append-only events per thesis, folded into the entry they describe.

An entry is the fund's life with a thesis from `open` to `close`: when and at what level the position
was entered, on which series and side, the horizon, conviction, pain budget (the drawdown the fund
accepts), dated catalysts and notes. Events never change; the current entry is the fold of the events
since the thesis's last `open`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd

EVENT_KINDS = ("open", "note", "catalyst", "catalyst_done", "close")
SIDES = ("long", "short")
Day = date  # the type, under a name a `date` field does not shadow


class JournalError(ValueError):
    """A journal command that cannot be applied; the message names the argument or thesis and the fix."""


@dataclass(frozen=True)
class Position:
    """What a thesis holds: a catalog series and a side."""

    series: str
    side: str = "long"


@dataclass(frozen=True)
class JournalEvent:
    """One row of a thesis's history: who, when, what changed (payload), why."""

    id: int
    thesis_id: str
    version: int
    kind: str
    payload: Mapping[str, Any]
    reason: str
    user_id: int | None
    via: str
    created_at: datetime


@dataclass(frozen=True)
class Catalyst:
    """A dated event the thesis waits for; `done` once an admin marked it."""

    id: int
    date: Day
    text: str
    done: bool = False

    def overdue(self, today: Day) -> bool:
        """Past its date and not marked done."""
        return not self.done and self.date < today


@dataclass(frozen=True)
class Entry:
    """A position in a thesis, folded from its events (closed when `closed` is set)."""

    thesis_id: str
    opened: JournalEvent
    entry_date: date
    entry_level: float
    position: Position
    horizon: str | None = None
    conviction: int | None = None
    pain_budget_pct: float | None = None
    catalysts: tuple[Catalyst, ...] = ()
    notes: tuple[str, ...] = ()
    closed: JournalEvent | None = None
    events: tuple[JournalEvent, ...] = field(default=(), compare=False)

    @property
    def is_open(self) -> bool:
        return self.closed is None

    def horizon_end(self) -> date | None:
        """The day the horizon runs out (months and years by the calendar)."""
        return horizon_end(self.entry_date, self.horizon) if self.horizon else None

    def next_catalyst(self) -> Catalyst | None:
        """The earliest catalyst not yet marked done."""
        waiting = sorted((c for c in self.catalysts if not c.done), key=lambda c: (c.date, c.id))
        return waiting[0] if waiting else None


def horizon_end(start: date, horizon: str) -> date:
    """`start` plus a horizon such as 90d, 6w, 18m or 2y (months and years by the calendar)."""
    amount, unit = int(horizon[:-1]), horizon[-1]
    if unit == "d":
        return start + timedelta(days=amount)
    if unit == "w":
        return start + timedelta(weeks=amount)
    months = amount * (12 if unit == "y" else 1)
    end: pd.Timestamp = pd.Timestamp(start) + pd.DateOffset(months=months)
    return end.date()


def _applied(entry: Entry, event: JournalEvent) -> Entry:
    p = event.payload
    if event.kind == "note":
        changes = {key: new for key, (_old, new) in dict(p.get("changes", {})).items()}
        notes = entry.notes + ((str(p["text"]),) if p.get("text") else ())
        entry = replace(entry, notes=notes)
        if "horizon" in changes:
            entry = replace(entry, horizon=changes["horizon"])
        if "conviction" in changes:
            entry = replace(entry, conviction=changes["conviction"])
        if "pain" in changes:
            entry = replace(entry, pain_budget_pct=changes["pain"])
        return entry
    if event.kind == "catalyst":
        catalyst = Catalyst(event.id, date.fromisoformat(str(p["date"])), str(p["text"]))
        return replace(entry, catalysts=entry.catalysts + (catalyst,))
    if event.kind == "catalyst_done":
        done = int(p["catalyst"])
        return replace(entry, catalysts=tuple(replace(c, done=True) if c.id == done else c for c in entry.catalysts))
    if event.kind == "close":
        return replace(entry, closed=event)
    return entry


def _opened(event: JournalEvent) -> Entry:
    p = event.payload
    return Entry(
        thesis_id=event.thesis_id,
        opened=event,
        entry_date=date.fromisoformat(str(p["entry_date"])),
        entry_level=float(p["entry_level"]),
        position=Position(str(p["series"]), str(p.get("side", "long"))),
        horizon=p.get("horizon"),
        conviction=p.get("conviction"),
        pain_budget_pct=p.get("pain"),
        notes=(str(p["text"]),) if p.get("text") else (),
    )


def fold_entries(events: Sequence[JournalEvent]) -> list[Entry]:
    """Every entry of one thesis, oldest first, from its events in version order."""
    entries: list[Entry] = []
    current: Entry | None = None
    trail: list[JournalEvent] = []
    for event in sorted(events, key=lambda e: e.version):
        if event.kind == "open":
            if current is not None:
                entries.append(replace(current, events=tuple(trail)))
            current, trail = _opened(event), [event]
            continue
        if current is None:
            continue  # nothing to apply it to (cannot happen through the commands)
        current = _applied(current, event)
        trail.append(event)
    if current is not None:
        entries.append(replace(current, events=tuple(trail)))
    return entries


def open_entry(events: Sequence[JournalEvent]) -> Entry | None:
    """The thesis's current entry, if one is open."""
    entries = fold_entries(events)
    return entries[-1] if entries and entries[-1].is_open else None


def latest_entry(events: Sequence[JournalEvent]) -> Entry | None:
    """The newest entry, open or closed."""
    entries = fold_entries(events)
    return entries[-1] if entries else None
