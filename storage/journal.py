"""The thesis journal's storage (schema v7): an append-only, versioned history per thesis, and its pushes.

`journal_events` rows are only ever inserted: SQLite triggers refuse any UPDATE, DELETE or REPLACE of them, so
no command (nor a bug) can rewrite the fund's history. Each row carries who (user id and channel),
when, what changed (JSON payload) and why (reason), numbered per thesis (version 1, 2, …).
`journal_pushes` remembers which push (an overdue catalyst, a pain threshold, a weekly review) was
already queued, so each goes out once; the message itself is an outbox alert of its own kind.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

import sqlite_utils

from regimebot.macro.journal import JournalEvent
from regimebot.storage.outbox import Outbox
from regimebot.storage.repository import Repository, inserted_id, serialised
from regimebot.storage.timestamps import parse_required_ts, to_ts


def _v7_journal(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE journal_events (
            id INTEGER PRIMARY KEY,
            thesis_id TEXT NOT NULL,
            version INTEGER NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('open', 'note', 'catalyst', 'catalyst_done', 'close')),
            payload TEXT NOT NULL DEFAULT '{}',
            reason TEXT NOT NULL DEFAULT '',
            user_id INTEGER,
            via TEXT NOT NULL,
            created_at TEXT NOT NULL,
            UNIQUE (thesis_id, version)
        )"""
    )
    for action in ("UPDATE", "DELETE"):
        db.execute(
            f"""CREATE TRIGGER journal_events_no_{action.lower()} BEFORE {action} ON journal_events
                BEGIN SELECT RAISE(ABORT, 'journal history is append-only'); END"""
        )
    # INSERT OR REPLACE deletes the row it collides with without firing the DELETE trigger: refuse the collision first
    db.execute(
        """CREATE TRIGGER journal_events_no_replace BEFORE INSERT ON journal_events
           WHEN EXISTS (SELECT 1 FROM journal_events WHERE id = NEW.id OR (thesis_id = NEW.thesis_id AND version = NEW.version))
           BEGIN SELECT RAISE(ABORT, 'journal history is append-only'); END"""
    )
    db.execute(
        """CREATE TABLE journal_pushes (
            key TEXT PRIMARY KEY,
            alert_id INTEGER REFERENCES alerts(id),
            created_at TEXT NOT NULL
        )"""
    )
    db.execute("ALTER TABLE alerts ADD COLUMN kind TEXT NOT NULL DEFAULT 'status'")


def _json_default(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} in the journal")


def _event(row: Sequence[Any]) -> JournalEvent:
    return JournalEvent(id=row[0], thesis_id=row[1], version=row[2], kind=row[3], payload=json.loads(row[4]),
                        reason=row[5], user_id=row[6], via=row[7], created_at=parse_required_ts(row[8]))


_COLS = "id, thesis_id, version, kind, payload, reason, user_id, via, created_at"


class Journal(Repository):
    """Append and read journal events; queue each journal push once through the outbox."""

    @serialised
    def append(self, thesis_id: str, kind: str, payload: Mapping[str, Any], *, user_id: int | None, via: str,
               reason: str = "", now: datetime | None = None) -> JournalEvent:
        """Add one event as the thesis's next version (never changes an earlier row)."""
        with self._db.atomic():
            row = self._db.execute("SELECT COALESCE(MAX(version), 0) FROM journal_events WHERE thesis_id = ?",
                                   [thesis_id]).fetchone()
            cur = self._db.execute(
                "INSERT INTO journal_events (thesis_id, version, kind, payload, reason, user_id, via, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [thesis_id, int(row[0]) + 1, kind, json.dumps(dict(payload), default=_json_default, allow_nan=False),
                 reason, user_id, via, to_ts(now)],
            )
            inserted = self._db.execute(f"SELECT {_COLS} FROM journal_events WHERE id = ?", [inserted_id(cur)]).fetchone()
        return _event(inserted)

    @serialised
    def history(self, thesis_id: str) -> list[JournalEvent]:
        """Every event of one thesis, oldest first."""
        rows = self._db.execute(f"SELECT {_COLS} FROM journal_events WHERE thesis_id = ? ORDER BY version",
                                [thesis_id]).fetchall()
        return [_event(r) for r in rows]

    @serialised
    def by_thesis(self) -> dict[str, list[JournalEvent]]:
        """Every thesis's events, oldest first."""
        out: dict[str, list[JournalEvent]] = {}
        for row in self._db.execute(f"SELECT {_COLS} FROM journal_events ORDER BY thesis_id, version").fetchall():
            event = _event(row)
            out.setdefault(event.thesis_id, []).append(event)
        return out

    @serialised
    def pushed(self, key: str) -> bool:
        """Whether the push with this key was already queued."""
        return self._db.execute("SELECT 1 FROM journal_pushes WHERE key = ?", [key]).fetchone() is not None

    @serialised
    def push_once(self, keys: Sequence[str], kind: str, thesis_id: str, payload: Mapping[str, Any],
                  recipients: Iterable[int | tuple[int, int | None]], *, as_of: str, source: str, simulated: bool,
                  now: datetime | None = None) -> int | None:
        """Queue one message to `recipients` unless its first key was queued before; the other keys are marked too.

        Returns the alert id, or None when it had already been queued (nothing is added).
        """
        with self._db.atomic():
            if self._db.execute("SELECT 1 FROM journal_pushes WHERE key = ?", [keys[0]]).fetchone():
                return None
            outbox = Outbox(self._connection)  # the same connection and lock: one transaction with the outbox rows
            alert = outbox.create_alert(thesis_id, None, kind, as_of=as_of, source=source, simulated=simulated,
                                        evidence=[dict(payload)], now=now, kind=kind)
            outbox.enqueue_deliveries(alert.id, recipients, now=now)
            self._db.conn.executemany(
                "INSERT OR IGNORE INTO journal_pushes (key, alert_id, created_at) VALUES (?, ?, ?)",
                [(key, alert.id, to_ts(now)) for key in keys],
            )
        return alert.id
