"""The base a store is built from: a connection with its own lock, and repositories whose calls hold it.

A repository is a class over one family of tables:

    class Portfolios(Repository):
        @serialised
        def load_portfolio(self, chat_id: int) -> dict[str, float]:
            rows = self._db.execute("SELECT ... WHERE chat_id = ?", [chat_id]).fetchall()
            ...

Every public method is decorated with `@serialised`; private helpers called from them are not.
"""

from __future__ import annotations

import functools
import sqlite3
import threading
from collections.abc import Callable
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
    """Base of a family of queries over one connection; its public methods run under the connection's lock."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    @property
    def _db(self) -> sqlite_utils.Database:
        return self._connection.db


def inserted_id(cursor: sqlite3.Cursor) -> int:
    """The rowid an INSERT just created (SQLite always sets it after a successful INSERT)."""
    rowid = cursor.lastrowid
    if rowid is None:
        raise sqlite3.InterfaceError("the INSERT created no row")
    return rowid


def serialised(method: Callable[Concatenate[RepoT, P], R]) -> Callable[Concatenate[RepoT, P], R]:
    """Run a repository method while holding its connection's lock."""

    @functools.wraps(method)
    def locked(self: RepoT, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with self._connection.lock:
            return method(self, *args, **kwargs)

    return locked
