"""Portfolios: one book of series weights per chat (a group shares one; private chats have their own)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import sqlite_utils

from regimebot.storage.repository import Repository, serialised


def create_portfolio_table(db: sqlite_utils.Database) -> None:
    """Migration 4: raw weights by chat and series, in the order they were given (no FK: chats may be unknown)."""
    db.execute(
        """CREATE TABLE portfolios (
            chat_id INTEGER NOT NULL,
            series_id TEXT NOT NULL,
            weight REAL NOT NULL CHECK (weight > 0),
            position INTEGER NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (chat_id, series_id)
        )"""
    )


class Portfolios(Repository):
    """One book of series weights per chat."""

    @serialised
    def load_portfolio(self, chat_id: int) -> dict[str, float]:
        """The chat's raw weights by series id, in the order given; {} when it has none."""
        rows = self._db.execute(
            "SELECT series_id, weight FROM portfolios WHERE chat_id = ? ORDER BY position, series_id", [int(chat_id)]
        ).fetchall()
        return {sid: float(w) for sid, w in rows}

    @serialised
    def save_portfolio(self, chat_id: int, weights: Mapping[str, float]) -> None:
        """Replace the chat's book with `weights` (atomically)."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self._db.atomic():
            self._db.execute("DELETE FROM portfolios WHERE chat_id = ?", [int(chat_id)])
            self._db.conn.executemany(
                "INSERT INTO portfolios (chat_id, series_id, weight, position, updated_at) VALUES (?, ?, ?, ?, ?)",
                [(int(chat_id), sid, float(w), i, now) for i, (sid, w) in enumerate(weights.items())],
            )

    @serialised
    def clear_portfolio(self, chat_id: int) -> int:
        """Delete the chat's book; returns how many holdings were removed."""
        with self._db.atomic():
            cursor = self._db.execute("DELETE FROM portfolios WHERE chat_id = ?", [int(chat_id)])
        return cursor.rowcount
