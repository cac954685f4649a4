"""Chats the bot talks to: their preferences, thesis subscriptions, mutes and snoozes (schema version 3).

A subscription to "*" means every thesis. A mute with `until` = None lasts until unmuted; a mute with
an `until` time is a snooze. Times are stored as UTC ISO strings; naive datetimes are taken as UTC.
Other tables that reference chats (e.g. deliveries) should use `ON UPDATE CASCADE` so that
`migrate_chat` (a group upgraded to a supergroup gets a new id) carries them along.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import sqlite_utils

from regimebot.storage.repository import Repository, serialised

ALL_THESES = "*"
CHAT_TYPES = ("private", "group", "supergroup", "channel")
SUPPORTED_LANGUAGES = ("en", "zh-TW")  # mirrors handlers.i18n.LANGUAGES (storage must not import handlers)
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_THESIS_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class ChatError(ValueError):
    """A chat preference or id is invalid; the message names the field and what was expected."""


@dataclass(frozen=True)
class ChatPrefs:
    """One chat's stored preferences."""

    chat_id: int
    type: str
    title: str
    language: str
    timezone: str
    quiet_start: str | None = None  # "HH:MM" local time
    quiet_end: str | None = None
    urgent_bypass_quiet: bool = True  # an `invalidated` flip is sent even in quiet hours
    digest_time: str | None = None  # "HH:MM" local time, None: no digest
    paused: bool = False  # delivery paused (bot blocked / removed)
    paused_reason: str | None = None
    alert_thread_id: int | None = None  # forum topic where alerts go (the one /subscribe was sent from)


_COLUMNS = [f.name for f in fields(ChatPrefs)]
_UPDATABLE = {"type", "title", "language", "timezone", "quiet_start", "quiet_end", "urgent_bypass_quiet", "digest_time",
              "alert_thread_id"}


def create_chat_tables(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE chats (
            chat_id INTEGER PRIMARY KEY,
            type TEXT NOT NULL,
            title TEXT NOT NULL DEFAULT '',
            language TEXT NOT NULL DEFAULT 'en',
            timezone TEXT NOT NULL DEFAULT 'UTC',
            quiet_start TEXT,
            quiet_end TEXT,
            urgent_bypass_quiet INTEGER NOT NULL DEFAULT 1,
            digest_time TEXT,
            paused INTEGER NOT NULL DEFAULT 0,
            paused_reason TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE subscriptions (
            chat_id INTEGER NOT NULL REFERENCES chats(chat_id) ON DELETE CASCADE ON UPDATE CASCADE,
            thesis_id TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (chat_id, thesis_id)
        )"""
    )
    db.execute("CREATE INDEX subscriptions_by_thesis ON subscriptions (thesis_id)")
    db.execute(
        """CREATE TABLE thesis_mutes (
            chat_id INTEGER NOT NULL REFERENCES chats(chat_id) ON DELETE CASCADE ON UPDATE CASCADE,
            thesis_id TEXT NOT NULL,
            until TEXT,
            PRIMARY KEY (chat_id, thesis_id)
        )"""
    )


def add_alert_topic(db: sqlite_utils.Database) -> None:
    """Schema version 6: the forum topic a group's alerts go to."""
    db.execute("ALTER TABLE chats ADD COLUMN alert_thread_id INTEGER")


@lru_cache(maxsize=1)
def known_timezones() -> frozenset[str]:
    """Every IANA time-zone name this system knows (tzdata), e.g. Asia/Taipei."""
    return frozenset(available_timezones())


def chat_zone(name: str | None) -> ZoneInfo:
    """A chat's time zone: UTC when it has none or this machine does not know the name."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _utc_iso(moment: datetime) -> str:
    if not isinstance(moment, datetime):
        raise ChatError(f"expected a datetime, got {type(moment).__name__}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _chat_id(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ChatError(f"chat_id must be a Telegram chat id (an integer), got {value!r}")
    return value


def _thesis(value: Any, allow_all: bool = True) -> str:
    if isinstance(value, str) and (value == ALL_THESES and allow_all or _THESIS_ID.match(value)):
        return value
    raise ChatError(f"thesis must be a thesis id (letters, digits, _ . -) or '*' for all, got {value!r}")


def _check(field_name: str, value: Any) -> Any:
    """Validate one preference value; returns it in its stored form."""
    if field_name == "type":
        if value not in CHAT_TYPES:
            raise ChatError(f"type must be one of {', '.join(CHAT_TYPES)}, got {value!r}")
        return value
    if field_name == "title":
        if not isinstance(value, str):
            raise ChatError(f"title must be text, got {type(value).__name__}")
        return value[:256]
    if field_name == "language":
        if value not in SUPPORTED_LANGUAGES:
            raise ChatError(f"language must be one of {', '.join(SUPPORTED_LANGUAGES)}, got {value!r}")
        return value
    if field_name == "timezone":
        if not isinstance(value, str) or value not in known_timezones():
            raise ChatError(f"timezone must be an IANA name such as Asia/Taipei, got {value!r}")
        return value
    if field_name in ("quiet_start", "quiet_end", "digest_time"):
        if value is None:
            return None
        if not isinstance(value, str) or not _HHMM.match(value):
            raise ChatError(f"{field_name} must be a time HH:MM (00:00-23:59) or None, got {value!r}")
        return value
    if field_name == "alert_thread_id":
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value <= 0):
            raise ChatError(f"alert_thread_id must be a forum topic id (a positive integer) or None, got {value!r}")
        return value
    if field_name in ("urgent_bypass_quiet", "paused"):
        if not isinstance(value, bool):
            raise ChatError(f"{field_name} must be true or false, got {value!r}")
        return int(value)
    raise ChatError(f"unknown chat preference {field_name!r}; known: {', '.join(sorted(_UPDATABLE))}")


def _prefs(row: tuple[Any, ...]) -> ChatPrefs:
    values = dict(zip(_COLUMNS, row))
    values["urgent_bypass_quiet"] = bool(values["urgent_bypass_quiet"])
    values["paused"] = bool(values["paused"])
    return ChatPrefs(**values)


_SELECT = "SELECT " + ", ".join(_COLUMNS) + " FROM chats"


class Chats(Repository):
    """Chats the bot talks to: preferences, subscriptions, mutes and snoozes."""

    @serialised
    def get_chat(self, chat_id: int) -> ChatPrefs | None:
        """The chat's preferences, or None if the bot has never seen it."""
        row = self._db.execute(_SELECT + " WHERE chat_id = ?", [_chat_id(chat_id)]).fetchone()
        return _prefs(row) if row else None

    @serialised
    def ensure_chat(
        self, chat_id: int, chat_type: str, title: str = "", language: str = "en", timezone: str = "UTC"
    ) -> ChatPrefs:
        """Insert the chat with these defaults if missing (a known chat keeps its preferences); return it."""
        chat_id = _chat_id(chat_id)
        values = [chat_id, _check("type", chat_type), _check("title", title or ""), _check("language", language), _check("timezone", timezone)]
        now = _now_iso()
        with self._db.atomic():
            self._db.execute(
                "INSERT INTO chats (chat_id, type, title, language, timezone, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(chat_id) DO NOTHING",
                values + [now, now],
            )
            if title:  # a renamed group keeps its id; keep the title current
                self._db.execute("UPDATE chats SET title = ? WHERE chat_id = ? AND title != ?", [values[2], chat_id, values[2]])
        return self.get_chat(chat_id)  # type: ignore[return-value]

    @serialised
    def update_chat(self, /, chat_id: int, **changes: Any) -> ChatPrefs:
        """Change some preferences (type, title, language, timezone, quiet hours, digest time, urgent bypass)."""
        chat_id = _chat_id(chat_id)
        for name in changes:
            if name not in _UPDATABLE:
                raise ChatError(f"unknown chat preference {name!r}; known: {', '.join(sorted(_UPDATABLE))}")
        checked = {name: _check(name, value) for name, value in changes.items()}
        if self.get_chat(chat_id) is None:
            raise ChatError(f"chat {chat_id} is not known; it must send a command first")
        if checked:
            names = sorted(checked)
            sets = ", ".join(f"{name} = ?" for name in names)  # names from the allow-list only
            with self._db.atomic():
                self._db.execute(f"UPDATE chats SET {sets}, updated_at = ? WHERE chat_id = ?", [checked[n] for n in names] + [_now_iso(), chat_id])
        return self.get_chat(chat_id)  # type: ignore[return-value]

    @serialised
    def set_paused(self, chat_id: int, paused: bool, reason: str | None = None) -> None:
        """Pause (bot blocked or removed) or resume deliveries to a chat."""
        chat_id = _chat_id(chat_id)
        flag = _check("paused", paused)
        with self._db.atomic():
            self._db.execute(
                "UPDATE chats SET paused = ?, paused_reason = ?, updated_at = ? WHERE chat_id = ?",
                [flag, (reason or None) if paused else None, _now_iso(), chat_id],
            )

    @serialised
    def subscribe(self, chat_id: int, thesis_id: str) -> bool:
        """Subscribe the chat to a thesis ("*": all). Returns False if it already was."""
        chat_id, thesis_id = _chat_id(chat_id), _thesis(thesis_id)
        if self.get_chat(chat_id) is None:
            raise ChatError(f"chat {chat_id} is not known; it must send a command first")
        with self._db.atomic():
            cur = self._db.execute(
                "INSERT INTO subscriptions (chat_id, thesis_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                [chat_id, thesis_id, _now_iso()],
            )
        return cur.rowcount > 0

    @serialised
    def unsubscribe(self, chat_id: int, thesis_id: str) -> bool:
        """Remove one subscription; "*" removes every subscription of the chat. Returns whether any existed."""
        chat_id, thesis_id = _chat_id(chat_id), _thesis(thesis_id)
        with self._db.atomic():
            if thesis_id == ALL_THESES:
                cur = self._db.execute("DELETE FROM subscriptions WHERE chat_id = ?", [chat_id])
            else:
                cur = self._db.execute("DELETE FROM subscriptions WHERE chat_id = ? AND thesis_id = ?", [chat_id, thesis_id])
        return cur.rowcount > 0

    @serialised
    def subscriptions(self, chat_id: int) -> set[str]:
        """The thesis ids the chat subscribed to ("*" for all)."""
        rows = self._db.execute("SELECT thesis_id FROM subscriptions WHERE chat_id = ?", [_chat_id(chat_id)]).fetchall()
        return {r[0] for r in rows}

    @serialised
    def mute_thesis(self, chat_id: int, thesis_id: str, until: datetime | None = None) -> None:
        """Stop alerts of one thesis to the chat, until `until` (a snooze) or until unmuted (None)."""
        chat_id, thesis_id = _chat_id(chat_id), _thesis(thesis_id, allow_all=False)
        stored = None if until is None else _utc_iso(until)
        if self.get_chat(chat_id) is None:
            raise ChatError(f"chat {chat_id} is not known; it must send a command first")
        with self._db.atomic():
            self._db.execute(
                "INSERT INTO thesis_mutes (chat_id, thesis_id, until) VALUES (?, ?, ?) "
                "ON CONFLICT(chat_id, thesis_id) DO UPDATE SET until = excluded.until",
                [chat_id, thesis_id, stored],
            )

    @serialised
    def unmute_thesis(self, chat_id: int, thesis_id: str) -> bool:
        """Lift a mute or snooze. Returns whether one existed."""
        chat_id, thesis_id = _chat_id(chat_id), _thesis(thesis_id, allow_all=False)
        with self._db.atomic():
            cur = self._db.execute("DELETE FROM thesis_mutes WHERE chat_id = ? AND thesis_id = ?", [chat_id, thesis_id])
        return cur.rowcount > 0

    @serialised
    def mutes(self, chat_id: int, now: datetime) -> dict[str, datetime | None]:
        """The chat's mutes in force at `now`: thesis id -> until (None: until unmuted)."""
        rows = self._db.execute(
            "SELECT thesis_id, until FROM thesis_mutes WHERE chat_id = ? AND (until IS NULL OR until > ?)",
            [_chat_id(chat_id), _utc_iso(now)],
        ).fetchall()
        return {tid: (None if until is None else datetime.fromisoformat(until)) for tid, until in rows}

    @serialised
    def subscribers(self, thesis_id: str, now: datetime) -> list[ChatPrefs]:
        """Chats subscribed to the thesis (or to all), not paused, and not muted or snoozed for it at `now`."""
        thesis_id = _thesis(thesis_id, allow_all=False)
        cols = ", ".join(f"c.{c}" for c in _COLUMNS)
        rows = self._db.execute(
            f"SELECT DISTINCT {cols} FROM chats c JOIN subscriptions s ON s.chat_id = c.chat_id "
            "WHERE s.thesis_id IN (?, ?) AND c.paused = 0 AND NOT EXISTS ("
            "  SELECT 1 FROM thesis_mutes m WHERE m.chat_id = c.chat_id AND m.thesis_id = ? "
            "  AND (m.until IS NULL OR m.until > ?)) ORDER BY c.chat_id",
            [thesis_id, ALL_THESES, thesis_id, _utc_iso(now)],
        ).fetchall()
        return [_prefs(r) for r in rows]

    @serialised
    def migrate_chat(self, old_id: int, new_id: int) -> ChatPrefs | None:
        """Move a chat to its new id (Telegram's ChatMigrated), with its subscriptions and mutes."""
        old_id, new_id = _chat_id(old_id), _chat_id(new_id)
        if old_id == new_id:
            return self.get_chat(new_id)
        with self._db.atomic():
            if self.get_chat(old_id) is None:
                return self.get_chat(new_id)
            if self.get_chat(new_id) is None:
                self._db.execute("UPDATE chats SET chat_id = ?, type = 'supergroup', updated_at = ? WHERE chat_id = ?", [new_id, _now_iso(), old_id])
            else:  # the new chat already wrote to us: merge the old one's subscriptions and mutes into it
                self._db.execute(
                    "INSERT INTO subscriptions (chat_id, thesis_id, created_at) SELECT ?, thesis_id, created_at "
                    "FROM subscriptions WHERE chat_id = ? ON CONFLICT DO NOTHING",
                    [new_id, old_id],
                )
                self._db.execute(
                    "INSERT INTO thesis_mutes (chat_id, thesis_id, until) SELECT ?, thesis_id, until "
                    "FROM thesis_mutes WHERE chat_id = ? ON CONFLICT DO NOTHING",
                    [new_id, old_id],
                )
                self._db.execute("DELETE FROM chats WHERE chat_id = ?", [old_id])
        return self.get_chat(new_id)

    @serialised
    def digest_chats(self) -> list[ChatPrefs]:
        """Chats that asked for a daily digest and are not paused."""
        rows = self._db.execute(_SELECT + " WHERE digest_time IS NOT NULL AND paused = 0 ORDER BY chat_id").fetchall()
        return [_prefs(r) for r in rows]

    @serialised
    def all_chats(self) -> list[ChatPrefs]:
        """Every chat the bot knows."""
        return [_prefs(r) for r in self._db.execute(_SELECT + " ORDER BY chat_id").fetchall()]
