"""Operating the database file: an online backup (sqlite3's backup API) and the health facts `doctor` reports.

Both open their own connections by path, so they run beside a live bot: the backup copies pages a few
hundred at a time, letting the bot's writes in between, and the write check takes and rolls back one
transaction of its own.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from regimebot.storage.db import StorageError, latest_version, open_database, schema_version

BACKUP_PAGES_PER_STEP = 256  # pages copied between pauses; a writer waits at most one step
BUSY_TIMEOUT_SECONDS = 10.0


class BackupError(StorageError):
    """The backup could not be written or does not read back; the message names the file."""


@dataclass(frozen=True)
class BackupReport:
    """What was copied where, and whether the copy reads back intact."""

    source: Path
    target: Path
    pages: int
    schema_version: int
    integrity: str


@dataclass(frozen=True)
class DatabaseHealth:
    """Whether the database opens, takes a write, is fully migrated, and its newest stored time."""

    path: Path
    version: int
    latest: int
    writable: bool
    write_error: str
    newest_record: datetime | None

    @property
    def migrated(self) -> bool:
        return self.version == self.latest


def backup_database(source: Path, target: Path) -> BackupReport:
    """Copy the live database at `source` into a new file `target` (online), then check the copy's integrity."""
    if not source.is_file():
        raise BackupError(f"no database at {source}: check REGIMEBOT_DB")
    if target.exists():
        raise BackupError(f"{target} already exists; give a new file name (a backup never overwrites)")
    if not target.parent.is_dir():
        raise BackupError(f"cannot write {target}: folder {target.parent} does not exist")
    try:
        with closing(_connect(source)) as src, closing(_connect(target)) as dst:
            src.backup(dst, pages=BACKUP_PAGES_PER_STEP)
            pages = int(dst.execute("PRAGMA page_count").fetchone()[0])
            integrity = str(dst.execute("PRAGMA integrity_check").fetchone()[0])
            version = int(dst.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").fetchone()[0])
    except sqlite3.Error as exc:
        target.unlink(missing_ok=True)  # no half-written file is left looking like a backup
        raise BackupError(f"backup of {source} to {target} failed: {exc}") from exc
    except OSError as exc:
        target.unlink(missing_ok=True)
        raise BackupError(f"cannot write {target}: {exc.strerror or exc}") from exc
    if integrity != "ok":
        raise BackupError(f"the backup {target} does not read back intact ({integrity}); keep the previous backup")
    return BackupReport(source, target, pages, version, integrity)


def check_database(path: Path) -> DatabaseHealth:
    """Open (migrating, as every command does), take one write transaction and roll it back, read the newest time."""
    db = open_database(path)
    try:
        version = schema_version(db)
        newest = _newest_record(db.conn)
    finally:
        db.close()
    writable, error = True, ""
    try:
        with closing(_connect(path)) as conn:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("CREATE TABLE doctor_write_check (x INTEGER)")
            conn.execute("ROLLBACK")
    except sqlite3.Error as exc:
        writable, error = False, str(exc)
    return DatabaseHealth(path, version, latest_version(), writable, error, newest)


def _connect(path: Path) -> sqlite3.Connection:
    """A connection of our own in autocommit mode (transactions are spelled out), waiting briefly on a busy file."""
    return sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)


def _newest_record(conn: sqlite3.Connection) -> datetime | None:
    """The latest time the bot wrote down (evaluation runs, fetches, deliveries): a clock set back shows here."""
    newest: datetime | None = None
    for sql in ("SELECT MAX(started_at) FROM runs", "SELECT MAX(fetched_at) FROM fetches",
                "SELECT MAX(created_at) FROM deliveries"):
        try:
            value = conn.execute(sql).fetchone()[0]
        except sqlite3.OperationalError:  # a table an older or newer schema names differently
            continue
        moment = _parse(value)
        if moment is not None and (newest is None or moment > newest):
            newest = moment
    return newest


def _parse(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
