"""The process lock: one `regimebot run` (or console chat) per database, so nothing is sent twice."""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime, timedelta

from regimebot.storage.repository import Repository, serialised
from regimebot.storage.timestamps import to_ts as _ts


def lock_owner() -> str:
    """This process's lock owner name: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _owner_is_dead(owner: str) -> bool:
    """A lock left by a process on this host that no longer exists (killed) can be taken over."""
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class ProcessLocks(Repository):
    """Named locks held by one process at a time, with an expiry."""

    @serialised
    def acquire_lock(self, owner: str, ttl: float, name: str = "bot", now: datetime | None = None) -> str | None:
        """Take the lock `name` for `ttl` seconds. Returns None on success, else the current holder's owner name.

        Each step is one conditional statement, so two processes racing cannot both win.
        """
        now = now or datetime.now(UTC)
        expires = _ts(now + timedelta(seconds=ttl))
        with self._db.atomic():
            self._db.execute(
                "INSERT INTO process_locks (name, owner, acquired_at, expires_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(name) DO UPDATE SET owner = excluded.owner, acquired_at = excluded.acquired_at, "
                "expires_at = excluded.expires_at WHERE process_locks.owner = excluded.owner OR process_locks.expires_at <= ?",
                [name, owner, _ts(now), expires, _ts(now)],
            )
        holder = self._db.execute("SELECT owner FROM process_locks WHERE name = ?", [name]).fetchone()[0]
        if holder == owner:
            return None
        if _owner_is_dead(holder):
            with self._db.atomic():
                self._db.execute(
                    "UPDATE process_locks SET owner = ?, acquired_at = ?, expires_at = ? WHERE name = ? AND owner = ?",
                    [owner, _ts(now), expires, name, holder],
                )
            holder = self._db.execute("SELECT owner FROM process_locks WHERE name = ?", [name]).fetchone()[0]
            if holder == owner:
                return None
        return str(holder)

    @serialised
    def refresh_lock(self, owner: str, ttl: float, name: str = "bot", now: datetime | None = None) -> bool:
        """Extend our lock; False when another process holds it now (we lost it)."""
        now = now or datetime.now(UTC)
        with self._db.atomic():
            before = self._db.conn.total_changes
            self._db.execute(
                "UPDATE process_locks SET expires_at = ? WHERE name = ? AND owner = ?",
                [_ts(now + timedelta(seconds=ttl)), name, owner],
            )
            return self._db.conn.total_changes > before

    @serialised
    def release_lock(self, owner: str, name: str = "bot") -> None:
        with self._db.atomic():
            self._db.execute("DELETE FROM process_locks WHERE name = ? AND owner = ?", [name, owner])
