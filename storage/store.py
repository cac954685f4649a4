"""The Store: one object owns the SQLite connection and serialises every call itself.

Callers never see a lock or the raw `sqlite_utils.Database`: they call methods of the store's
repositories (`store.chats.get_chat(1)`), each of which runs under the store's own lock. Work that must
be atomic across several calls goes in `with store.transaction():` (the lock is re-entrant, so the
repository methods called inside it take it again without waiting).

A repository is a class over one family of tables:

    class Portfolios(Repository):
        @serialised
        def load(self, chat_id: int) -> dict[str, float]:
            rows = self._db.execute("SELECT ... WHERE chat_id = ?", [chat_id]).fetchall()
            ...

Every public method is decorated with `@serialised`; private helpers called from them are not.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Concatenate, ParamSpec, TypeVar

import sqlite_utils

P = ParamSpec("P")
R = TypeVar("R")
RepoT = TypeVar("RepoT", bound="Repository")


class Connection:
    """The database handle and the lock that serialises it; shared by one store's repositories only."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self.lock = threading.RLock()


class Repository:
    """Base of a family of queries over one connection; its public methods run under the store's lock."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    @property
    def _db(self) -> sqlite_utils.Database:
        return self._connection.db


def serialised(method: Callable[Concatenate[RepoT, P], R]) -> Callable[Concatenate[RepoT, P], R]:
    """Run a repository method while holding its store's lock."""

    @functools.wraps(method)
    def locked(self: RepoT, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with self._connection.lock:
            return method(self, *args, **kwargs)

    return locked


@contextmanager
def exclusive(connection: Connection) -> Iterator[sqlite_utils.Database]:
    """Hold the lock and one SQLite transaction for the block (committed on success, rolled back on error)."""
    with connection.lock, connection.db.conn:
        yield connection.db
