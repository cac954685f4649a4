"""Notices in the outbox (digests, dead-man and stale-feed warnings) and the per-part state of split messages.

Schema v8. A notice is a rendered message for one chat with a dedupe key (one notice per chat and key),
sent by the delivery job like an alert's row: marked sent only after Telegram accepted it, retried with
backoff, never dropped. A message too long for one Telegram message goes out in parts; each delivered
part is recorded, so a retry after part 2 failed starts at part 2 and never re-sends part 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlite_utils

from regimebot.storage.outbox import WAITING, update_if_waiting
from regimebot.storage.repository import Repository, serialised
from regimebot.storage.timestamps import parse_ts, to_ts

ALERT_ROW = "alert"  # a row of `deliveries`
NOTICE_ROW = "notice"  # a row of `notices`


def _v8_notices_and_parts(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE notices (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            key TEXT NOT NULL,
            chat_id INTEGER NOT NULL,
            thread_id INTEGER,
            text TEXT NOT NULL,
            silent INTEGER NOT NULL DEFAULT 0,
            status TEXT NOT NULL DEFAULT 'pending',
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT NOT NULL,
            last_error TEXT,
            message_id INTEGER,
            created_at TEXT NOT NULL,
            sent_at TEXT,
            UNIQUE (chat_id, key)
        )"""
    )
    db.execute("CREATE INDEX notices_due ON notices (status, next_attempt_at)")
    db.execute(
        """CREATE TABLE delivery_parts (
            row_kind TEXT NOT NULL,
            row_id INTEGER NOT NULL,
            part INTEGER NOT NULL,
            message_id INTEGER NOT NULL,
            sent_at TEXT NOT NULL,
            PRIMARY KEY (row_kind, row_id, part)
        )"""
    )


@dataclass(frozen=True)
class Notice:
    """One rendered message for one chat (a digest or an admins' warning): its outbox row."""

    id: int
    kind: str
    key: str
    chat_id: int
    thread_id: int | None
    text: str
    silent: bool
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    sent_at: datetime | None


_COLS = "id, kind, key, chat_id, thread_id, text, silent, status, attempts, next_attempt_at, last_error, sent_at"


def _notice(row: tuple[Any, ...]) -> Notice:
    return Notice(id=row[0], kind=row[1], key=row[2], chat_id=row[3], thread_id=row[4], text=row[5],
                  silent=bool(row[6]), status=row[7], attempts=row[8], next_attempt_at=parse_ts(row[9]),
                  last_error=row[10], sent_at=parse_ts(row[11]))


class Notices(Repository):
    """Notices in the outbox and the delivered parts of split messages (alert rows' and notices')."""

    @serialised
    def enqueue_notice(self, kind: str, key: str, chat_id: int, text: str, silent: bool = False,
                       thread_id: int | None = None, now: datetime | None = None) -> bool:
        """Queue a notice; False when this chat already has one with this key (sent or waiting)."""
        stamp = to_ts(now)
        with self._db.atomic():
            cur = self._db.execute(
                "INSERT OR IGNORE INTO notices (kind, key, chat_id, thread_id, text, silent, next_attempt_at, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [kind, key, int(chat_id), thread_id, text, int(bool(silent)), stamp, stamp],
            )
        return cur.rowcount == 1

    @serialised
    def due_notices(self, now: datetime | None = None, limit: int | None = None) -> list[Notice]:
        """Notices waiting to be sent whose time has come, oldest first."""
        sql = f"SELECT {_COLS} FROM notices WHERE {WAITING} AND next_attempt_at <= ? ORDER BY id"
        params: list[Any] = [to_ts(now)]
        if limit is not None:
            sql += " LIMIT ?"
            params.append(int(limit))
        return [_notice(r) for r in self._db.execute(sql, params).fetchall()]

    @serialised
    def get_notice(self, notice_id: int) -> Notice | None:
        row = self._db.execute(f"SELECT {_COLS} FROM notices WHERE id = ?", [notice_id]).fetchone()
        return _notice(row) if row else None

    @serialised
    def notices_for(self, chat_id: int, kind: str | None = None) -> list[Notice]:
        """Every notice addressed to a chat (of one kind), oldest first."""
        sql = f"SELECT {_COLS} FROM notices WHERE chat_id = ?"
        params: list[Any] = [chat_id]
        if kind is not None:
            sql += " AND kind = ?"
            params.append(kind)
        return [_notice(r) for r in self._db.execute(sql + " ORDER BY id", params).fetchall()]

    @serialised
    def mark_notice_sent(self, notice_id: int, message_id: int | None, now: datetime | None = None) -> bool:
        """Telegram accepted the (last part of the) notice: done."""
        return update_if_waiting(self._db, "UPDATE notices SET status = 'sent', message_id = ?, sent_at = ?, "
                                 "attempts = attempts + 1, last_error = NULL", [message_id, to_ts(now), notice_id])

    @serialised
    def reschedule_notice(self, notice_id: int, at: datetime, error: str, count_attempt: bool = True) -> bool:
        """Try again at `at`."""
        return update_if_waiting(self._db, "UPDATE notices SET status = 'pending', next_attempt_at = ?, last_error = ?, "
                                 "attempts = attempts + ?", [to_ts(at), error, 1 if count_attempt else 0, notice_id])

    @serialised
    def mark_notice_failed(self, notice_id: int, error: str, now: datetime | None = None) -> bool:
        """The notice cannot be delivered (chat gone, refused): kept as failed with the error."""
        return update_if_waiting(self._db, "UPDATE notices SET status = 'failed', last_error = ?, attempts = attempts + 1, "
                                 "next_attempt_at = ?", [error, to_ts(now), notice_id])

    @serialised
    def delivered_parts(self, row_kind: str, row_id: int) -> int:
        """How many leading parts of a split message were delivered already (a retry starts after them)."""
        rows = self._db.execute("SELECT part FROM delivery_parts WHERE row_kind = ? AND row_id = ? ORDER BY part",
                                [row_kind, row_id]).fetchall()
        done = 0
        for (part,) in rows:
            if part != done:
                break
            done += 1
        return done

    @serialised
    def record_part(self, row_kind: str, row_id: int, part: int, message_id: int, now: datetime | None = None) -> None:
        """Part `part` (0-based) of a row's message was accepted by Telegram."""
        with self._db.atomic():
            self._db.execute("INSERT OR REPLACE INTO delivery_parts (row_kind, row_id, part, message_id, sent_at) "
                             "VALUES (?, ?, ?, ?, ?)", [row_kind, row_id, part, message_id, to_ts(now)])
