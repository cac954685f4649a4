"""Alerts and their delivery outbox (one row per alert × chat); schema v5 also holds the run log and process lock.

A delivery row is created `pending`; the delivery job sends due rows and marks one `sent` only after
Telegram accepted it. A row never disappears: it ends `sent` or `failed` (with the error kept), or
waits (`pending` with a retry time, `held` during the chat's quiet hours).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

import numpy as np
import sqlite_utils

from regimebot.macro.theses import StatusChange
from regimebot.storage.repository import Repository, inserted_id, serialised
from regimebot.storage.timestamps import parse_required_ts
from regimebot.storage.timestamps import parse_ts as _parse_ts
from regimebot.storage.timestamps import to_ts as _ts


def _v5_outbox(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE alerts (
            id INTEGER PRIMARY KEY,
            transition_id INTEGER UNIQUE,
            thesis_id TEXT NOT NULL,
            old TEXT,
            new TEXT NOT NULL,
            as_of TEXT NOT NULL,
            source TEXT NOT NULL,
            simulated INTEGER NOT NULL DEFAULT 0,
            evidence TEXT NOT NULL DEFAULT '[]',
            created_at TEXT NOT NULL,
            urgent INTEGER NOT NULL DEFAULT 0
        )"""
    )
    db.execute(
        """CREATE TABLE deliveries (
            id INTEGER PRIMARY KEY,
            alert_id INTEGER NOT NULL REFERENCES alerts(id),
            chat_id INTEGER NOT NULL,
            thread_id INTEGER,
            status TEXT NOT NULL DEFAULT 'pending',
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT NOT NULL,
            last_error TEXT,
            message_id INTEGER,
            created_at TEXT NOT NULL,
            sent_at TEXT,
            UNIQUE (alert_id, chat_id)
        )"""
    )
    db.execute("CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at)")
    db.execute("CREATE INDEX deliveries_chat ON deliveries (chat_id, alert_id)")
    db.execute(
        """CREATE TABLE process_locks (
            name TEXT PRIMARY KEY,
            owner TEXT NOT NULL,
            acquired_at TEXT NOT NULL,
            expires_at TEXT NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            ok INTEGER,
            transitions INTEGER NOT NULL DEFAULT 0,
            alerts INTEGER NOT NULL DEFAULT 0,
            error TEXT
        )"""
    )


@dataclass(frozen=True)
class AlertRecord(StatusChange):
    """A thesis status change, as stored: what moved, from what to what, and the evidence."""

    id: int
    thesis_id: str
    old: str | None
    new: str
    as_of: str
    source: str
    simulated: bool
    evidence: list[dict[str, Any]]
    created_at: datetime
    urgent: bool
    kind: str = "status"  # or a journal push: catalyst_overdue, pain, weekly_review (schema v7)


@dataclass(frozen=True)
class Delivery:
    """One alert to one chat: its outbox row."""

    id: int
    alert_id: int
    chat_id: int
    thread_id: int | None
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    message_id: int | None
    created_at: datetime
    sent_at: datetime | None


_ALERT_COLS = "id, thesis_id, old, new, as_of, source, simulated, evidence, created_at, urgent, kind"
_DELIVERY_COLS = "id, alert_id, chat_id, thread_id, status, attempts, next_attempt_at, last_error, message_id, created_at, sent_at"


def _alert(row: tuple[Any, ...]) -> AlertRecord:
    return AlertRecord(
        id=row[0], thesis_id=row[1], old=row[2], new=row[3], as_of=row[4], source=row[5],
        simulated=bool(row[6]), evidence=json.loads(row[7]), created_at=parse_required_ts(row[8]), urgent=bool(row[9]),
        kind=row[10],
    )


def _delivery(row: tuple[Any, ...]) -> Delivery:
    return Delivery(
        id=row[0], alert_id=row[1], chat_id=row[2], thread_id=row[3], status=row[4], attempts=row[5],
        next_attempt_at=parse_required_ts(row[6]), last_error=row[7], message_id=row[8],
        created_at=parse_required_ts(row[9]), sent_at=_parse_ts(row[10]),
    )


def _json_default(value: object) -> object:
    """Dates as ISO text and numpy scalars as Python numbers; anything else is refused."""
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot store {type(value).__name__} in alert evidence")


# Every transition below starts from a waiting row (pending or held): a row already `sent` or `failed`
# is final, so a late or repeated update can never resurrect, re-send or un-send it.
WAITING = "status IN ('pending', 'held')"  # an outbox row (a delivery or a notice) not yet sent or failed


def update_if_waiting(db: sqlite_utils.Database, sql: str, params: list[Any]) -> bool:
    """Run `sql` (an UPDATE without WHERE; the row id last in `params`) only while the row waits; True when it did."""
    with db.atomic():
        cur = db.execute(f"{sql} WHERE id = ? AND {WAITING}", params)
    return cur.rowcount == 1


class Outbox(Repository):
    """Alerts and their delivery rows (the outbox)."""

    @serialised
    def create_alert(
        self,
        thesis_id: str,
        old: str | None,
        new: str,
        as_of: str,
        source: str,
        simulated: bool,
        evidence: list[dict[str, Any]],
        urgent: bool = False,
        transition_id: int | None = None,
        now: datetime | None = None,
        kind: str = "status",
    ) -> AlertRecord:
        """Store one alert (a status change, or a journal push of `kind`). With `transition_id`, a second call for
        the same transition returns the first alert."""
        if transition_id is not None:
            row = self._db.execute(f"SELECT {_ALERT_COLS} FROM alerts WHERE transition_id = ?", [transition_id]).fetchone()
            if row:
                return _alert(row)
        with self._db.atomic():
            cur = self._db.execute(
                "INSERT INTO alerts (transition_id, thesis_id, old, new, as_of, source, simulated, evidence, created_at, urgent, kind) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [transition_id, thesis_id, old, new, str(as_of), source, int(bool(simulated)),
                 json.dumps(evidence, default=_json_default, allow_nan=False), _ts(now), int(bool(urgent)), kind],
            )
        alert = self.get_alert(inserted_id(cur))
        assert alert is not None  # just inserted, under the lock
        return alert

    @serialised
    def get_alert(self, alert_id: int) -> AlertRecord | None:
        row = self._db.execute(f"SELECT {_ALERT_COLS} FROM alerts WHERE id = ?", [alert_id]).fetchone()
        return _alert(row) if row else None

    @serialised
    def alerts_for_chat(self, chat_id: int, limit: int = 10) -> list[AlertRecord]:
        """The newest status alerts that were addressed to this chat (whatever their delivery state), newest first."""
        rows = self._db.execute(
            f"SELECT {', '.join('a.' + c.strip() for c in _ALERT_COLS.split(','))} FROM alerts a "
            "JOIN deliveries d ON d.alert_id = a.id WHERE d.chat_id = ? AND a.kind = 'status' ORDER BY a.id DESC LIMIT ?",
            [chat_id, limit],
        ).fetchall()
        return [_alert(r) for r in rows]

    @serialised
    def alerts_since(self, since: datetime) -> list[AlertRecord]:
        """Every alert (status change) created since `since`, oldest first (for the daily digest)."""
        rows = self._db.execute(f"SELECT {_ALERT_COLS} FROM alerts WHERE created_at >= ? AND kind = 'status' ORDER BY id",
                                [_ts(since)]).fetchall()
        return [_alert(r) for r in rows]

    @serialised
    def alert_sent_to(self, alert_id: int, chat_id: int) -> bool:
        """Whether this alert was addressed to this chat (so /why ID only shows a chat its own alerts)."""
        row = self._db.execute("SELECT 1 FROM deliveries WHERE alert_id = ? AND chat_id = ?", [alert_id, chat_id]).fetchone()
        return row is not None

    @serialised
    def enqueue_deliveries(
        self,
        alert_id: int,
        chat_ids: Iterable[int | tuple[int, int | None]],
        now: datetime | None = None,
    ) -> int:
        """One pending row per chat (a chat id, or (chat id, forum topic id)); duplicates are ignored. Returns rows added."""
        stamp = _ts(now)
        rows = []
        seen = set()
        for item in chat_ids:
            chat_id, thread_id = item if isinstance(item, tuple) else (item, None)
            if chat_id in seen:
                continue
            seen.add(chat_id)
            rows.append((alert_id, int(chat_id), thread_id, stamp, stamp))
        with self._db.atomic():
            before = self._db.conn.total_changes
            self._db.conn.executemany(
                "INSERT OR IGNORE INTO deliveries (alert_id, chat_id, thread_id, status, next_attempt_at, created_at) "
                "VALUES (?, ?, ?, 'pending', ?, ?)",
                rows,
            )
            return self._db.conn.total_changes - before

    @serialised
    def due_deliveries(self, now: datetime | None = None, limit: int | None = None) -> list[Delivery]:
        """Rows waiting to be sent whose time has come (pending or held), oldest alert first."""
        sql = (
            f"SELECT {_DELIVERY_COLS} FROM deliveries WHERE {WAITING} "
            "AND next_attempt_at <= ? ORDER BY alert_id, id"
        )
        params: list[Any] = [_ts(now)]
        if limit is not None:
            sql += " LIMIT ?"
            params.append(int(limit))
        return [_delivery(r) for r in self._db.execute(sql, params).fetchall()]

    @serialised
    def next_due_at(self) -> datetime | None:
        """When the earliest waiting row becomes due (None when nothing waits)."""
        row = self._db.execute(f"SELECT MIN(next_attempt_at) FROM deliveries WHERE {WAITING}").fetchone()
        return _parse_ts(row[0])

    @serialised
    def deliveries_for_alert(self, alert_id: int) -> list[Delivery]:
        rows = self._db.execute(f"SELECT {_DELIVERY_COLS} FROM deliveries WHERE alert_id = ? ORDER BY id", [alert_id]).fetchall()
        return [_delivery(r) for r in rows]

    @serialised
    def get_delivery(self, delivery_id: int) -> Delivery | None:
        row = self._db.execute(f"SELECT {_DELIVERY_COLS} FROM deliveries WHERE id = ?", [delivery_id]).fetchone()
        return _delivery(row) if row else None

    @serialised
    def mark_sent(self, delivery_id: int, message_id: int | None, now: datetime | None = None) -> bool:
        """Telegram accepted the message: the row is done. False when the row was not waiting (left unchanged)."""
        return update_if_waiting(
            self._db,
            "UPDATE deliveries SET status = 'sent', message_id = ?, sent_at = ?, attempts = attempts + 1, last_error = NULL",
            [message_id, _ts(now), delivery_id],
        )

    @serialised
    def reschedule(self, delivery_id: int, at: datetime, error: str, count_attempt: bool = True) -> bool:
        """Try again at `at` (rate limit, network or server error); False (unchanged) for a sent or failed row."""
        return update_if_waiting(
            self._db,
            "UPDATE deliveries SET status = 'pending', next_attempt_at = ?, last_error = ?, attempts = attempts + ?",
            [_ts(at), error, 1 if count_attempt else 0, delivery_id],
        )

    @serialised
    def hold_until(self, delivery_id: int, at: datetime, reason: str = "quiet hours") -> bool:
        """Hold the row (quiet hours) until `at`; it is sent then. False (unchanged) for a sent or failed row."""
        return update_if_waiting(
            self._db,
            "UPDATE deliveries SET status = 'held', next_attempt_at = ?, last_error = ?",
            [_ts(at), reason, delivery_id],
        )

    @serialised
    def mark_failed(self, delivery_id: int, error: str, now: datetime | None = None) -> bool:
        """The row cannot be delivered (bad request, chat gone): kept as `failed` with the error, shown in /status.

        False (unchanged) when the row was already sent or failed: a sent message is never relabelled failed.
        """
        return update_if_waiting(
            self._db,
            "UPDATE deliveries SET status = 'failed', last_error = ?, attempts = attempts + 1, sent_at = NULL, next_attempt_at = ?",
            [error, _ts(now), delivery_id],
        )

    @serialised
    def move_chat(self, old_chat_id: int, new_chat_id: int) -> int:
        """A group became a supergroup: its waiting rows go to the new id (unless that chat already has the alert)."""
        with self._db.atomic():
            before = self._db.conn.total_changes
            self._db.execute(
                f"UPDATE OR IGNORE deliveries SET chat_id = ?, next_attempt_at = ? WHERE chat_id = ? AND {WAITING}",
                [new_chat_id, _ts(None), old_chat_id],
            )
            moved = self._db.conn.total_changes - before
            self._db.execute(
                f"UPDATE deliveries SET status = 'failed', last_error = ? WHERE chat_id = ? AND {WAITING}",
                [f"chat moved to {new_chat_id}, which already had this alert", old_chat_id],
            )
        return moved

    @serialised
    def delivery_backlog(self) -> dict[str, Any]:
        """Counts of waiting, held and failed rows, plus the latest failure's error (for /status)."""
        counts = dict(self._db.execute("SELECT status, COUNT(*) FROM deliveries GROUP BY status").fetchall())
        last = self._db.execute(
            "SELECT chat_id, last_error FROM deliveries WHERE status = 'failed' ORDER BY id DESC LIMIT 1"
        ).fetchone()
        return {
            "pending": int(counts.get("pending", 0)),
            "held": int(counts.get("held", 0)),
            "failed": int(counts.get("failed", 0)),
            "sent": int(counts.get("sent", 0)),
            "last_error": {"chat_id": last[0], "error": last[1]} if last else None,
        }

    @serialised
    def failed_deliveries(self, limit: int = 10) -> list[Delivery]:
        rows = self._db.execute(
            f"SELECT {_DELIVERY_COLS} FROM deliveries WHERE status = 'failed' ORDER BY id DESC LIMIT ?", [limit]
        ).fetchall()
        return [_delivery(r) for r in rows]
