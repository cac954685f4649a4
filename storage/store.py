"""The Store: one object owns the SQLite connection and serialises every call itself.

Callers never see a lock or the raw `sqlite_utils.Database`: they call methods of the store's
repositories (`store.chats.get_chat(1)`), each of which runs under the store's own lock. Work that must
be atomic across several calls goes in `with store.transaction():` (the lock is re-entrant, so the
repository methods called inside it take it again without waiting; their own transactions become
savepoints of the outer one).

Market data is not behind that lock: `store.prices` is a `PriceCache` on a second connection with its
own lock, so a long download-and-save never holds up a chat command's query. On a file both connections
open the same database (WAL lets one write while the other reads; a second writer waits up to 30 s).
An in-memory store gives the price cache its own in-memory database: SQLite's shared-cache mode would let
both connections see one database, but it reports a concurrent write as "table is locked" at once
instead of waiting, and no query joins prices with the other tables, so nothing is lost by keeping them apart.

Repositories are written on the base in `storage.repository` (re-exported here): see its docstring.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from regimebot.storage.chats import Chats
from regimebot.storage.db import latest_version, open_database, schema_version
from regimebot.storage.engine_state import EngineState
from regimebot.storage.journal import Journal
from regimebot.storage.notices import Notices
from regimebot.storage.outbox import Outbox
from regimebot.storage.portfolios import Portfolios
from regimebot.storage.prices import PriceCache
from regimebot.storage.process_lock import ProcessLocks
from regimebot.storage.repository import Connection, Repository, serialised
from regimebot.storage.run_log import RunLog

__all__ = ["Connection", "Repository", "Store", "serialised"]


PRICE_MIGRATIONS = (1, 10)  # the migrations that create the price cache's tables (prices, fetches, source_fetches)


def _is_memory(path: str | Path | None) -> bool:
    return path is None or str(path) == ":memory:"


class Store:
    """The bot's database: one repository attribute per family of tables, one lock, and the price cache beside it."""

    def __init__(self, connection: Connection, prices: PriceCache, path: str) -> None:
        self._connection = connection
        self.path = path  # the file, or ":memory:"
        self.chats = Chats(connection)
        self.outbox = Outbox(connection)
        self.notices = Notices(connection)
        self.engine_state = EngineState(connection)
        self.portfolios = Portfolios(connection)
        self.runs = RunLog(connection)
        self.process_locks = ProcessLocks(connection)
        self.journal = Journal(connection)
        self.prices = prices
        # actions waiting for each open transaction() block to commit, outermost first (only the lock's holder touches it)
        self._on_commit: list[list[Callable[[], None]]] = []

    @classmethod
    def open(cls, path: str | Path | None = None) -> Store:
        """Open (creating if needed, migrations applied) the database at `path`, in memory when None or ":memory:"."""
        target = ":memory:" if _is_memory(path) else str(path)
        connection = Connection(open_database(target))
        # In memory the price cache is a database of its own: only the price tables exist there.
        prices = PriceCache(Connection(open_database(target, only=PRICE_MIGRATIONS if target == ":memory:" else None)))
        return cls(connection, prices, target)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Hold the lock and one SQLite transaction for the block: committed on success, rolled back on an error.

        Nested blocks are savepoints of the outermost one; `after_commit` actions run once it has committed.
        """
        with self._connection.lock:
            self._on_commit.append([])
            committed = False
            try:
                with self._connection.db.atomic():
                    yield
                committed = True
            finally:
                actions = self._on_commit.pop()
            if committed and self._on_commit:  # a savepoint: its actions wait for the outer block
                self._on_commit[-1].extend(actions)
                actions = []
        if committed:
            for action in actions:
                action()

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run `action` once the enclosing transaction commits (dropped if it rolls back); at once outside one."""
        with self._connection.lock:
            if self._on_commit:
                self._on_commit[-1].append(action)
                return
        action()

    @property
    def schema_version(self) -> int:
        """The highest migration version applied to this database."""
        with self._connection.lock:
            return schema_version(self._connection.db)

    @staticmethod
    def latest_version() -> int:
        """The highest migration version this code knows."""
        return latest_version()

    def close(self) -> None:
        """Close both connections (the store is unusable afterwards)."""
        with self._connection.lock:
            self._connection.db.close()
        self.prices.close()
