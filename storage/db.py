"""Open the SQLite database: WAL mode, foreign keys on, schema brought up to date by migrations."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection
from pathlib import Path

import sqlite_utils

from regimebot.storage.migrations import MIGRATIONS, apply_migrations


class StorageError(RuntimeError):
    """The database cannot be used as it is; the message says which file and what to do."""


class DatabaseUnusable(StorageError):
    """REGIMEBOT_DB cannot be opened or created as given (a configuration problem: exit status 2)."""


class DatabaseTooNew(DatabaseUnusable):
    """The database was written by a newer regimebot; upgrade regimebot rather than the file."""


def storage_fault(exc: sqlite3.Error, where: str = "the database") -> StorageError:
    """One line for any SQLite fault at run time: what happened to the database and what to do about it."""
    text = str(exc).lower()
    if "full" in text:
        return StorageError(f"{where}: the disk is full; free some space, then retry")
    if "locked" in text or "busy" in text:
        return StorageError(f"{where}: locked by another process for too long; retry, or stop the other regimebot")
    if "malformed" in text or "not a database" in text or "corrupt" in text or isinstance(exc, sqlite3.DatabaseError) \
            and not isinstance(exc, sqlite3.OperationalError | sqlite3.IntegrityError | sqlite3.ProgrammingError):
        return StorageError(f"{where}: the file is damaged ({exc}); restore it from a backup")
    return StorageError(f"{where}: {exc}")


def open_database(path: str | Path | None = None, only: Collection[int] | None = None) -> sqlite_utils.Database:
    """Open (creating if needed) the database at `path`, or an in-memory one when None/":memory:".

    The connection may be used from worker threads (`check_same_thread=False`); the Store that owns it
    serialises access. `only` applies just those migrations (the in-memory price cache needs only its own tables).
    """
    target = ":memory:" if path in (None, ":memory:") else str(path)
    try:
        if target != ":memory:":
            Path(target).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(target, check_same_thread=False, timeout=30)
        db = sqlite_utils.Database(conn)
        db.execute("PRAGMA foreign_keys = ON")
        if target != ":memory:":
            db.enable_wal()
        apply_migrations(db, target, only)
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):  # another process holds it: a fault of the moment, not of the path
            raise StorageError(f"database {target} is locked by another process: {exc}; try again") from exc
        raise DatabaseUnusable(f"cannot open database {target}: {exc}. Set REGIMEBOT_DB to a writable path "
                               "of a regimebot SQLite file.") from exc
    except sqlite3.DatabaseError as exc:
        raise DatabaseUnusable(f"cannot open database {target}: {exc}. Check REGIMEBOT_DB points to a regimebot SQLite file.") from exc
    except OSError as exc:
        raise DatabaseUnusable(f"cannot create database {target}: {exc.strerror or exc}. Set REGIMEBOT_DB to a writable path.") from exc
    return db


def schema_version(db: sqlite_utils.Database) -> int:
    """The highest migration version applied to this database (0 for a new file)."""
    if "schema_migrations" not in db.table_names():
        return 0
    row = db.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
    return int(row[0] or 0)


def latest_version() -> int:
    return max(m.version for m in MIGRATIONS)
