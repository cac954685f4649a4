"""The journal's history is append-only: versions per thesis, SQLite refuses rewrites, no command rewrites a row."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest

from regimebot.storage.db import latest_version
from regimebot.storage.store import Store
from tests.chat_world import ask, make_services, outside

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def test_migration_7_holds_the_journal(tmp_path):
    store = Store.open(tmp_path / "journal.db")
    side = outside(store)
    tables = {name for (name,) in side.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()}
    columns = {row[1] for row in side.execute("PRAGMA table_info(alerts)").fetchall()}
    applied = dict(side.execute("SELECT version, name FROM schema_migrations").fetchall())
    assert applied[7] == "journal" and store.schema_version == latest_version()
    assert {"journal_events", "journal_pushes"} <= tables and "kind" in columns


def test_events_are_numbered_per_thesis_and_keep_who_when_what_why():
    journal = Store.open().journal
    a1 = journal.append("long_duration", "open", {"series": "TLT"}, user_id=7, via="chat", reason="cheap", now=T0)
    b1 = journal.append("long_usd_ai", "open", {"series": "DXY"}, user_id=None, via="cli")
    a2 = journal.append("long_duration", "note", {"text": "hold"}, user_id=7, via="chat")
    assert (a1.version, b1.version, a2.version) == (1, 1, 2)
    assert (a1.user_id, a1.via, a1.reason, a1.created_at, dict(a1.payload)) == (7, "chat", "cheap", T0, {"series": "TLT"})
    assert [e.version for e in journal.history("long_duration")] == [1, 2]
    assert set(journal.by_thesis()) == {"long_duration", "long_usd_ai"}


@pytest.mark.parametrize("sql", [
    "UPDATE journal_events SET reason = 'rewritten' WHERE id = 1",
    "UPDATE journal_events SET payload = '{}'",
    "DELETE FROM journal_events WHERE id = 1",
    "DELETE FROM journal_events",
    "INSERT OR REPLACE INTO journal_events (id, thesis_id, version, kind, payload, reason, user_id, via, created_at) "
    "VALUES (1, 'long_duration', 1, 'open', '{}', 'replaced', NULL, 'cli', '2026-01-01')",
])
def test_sqlite_refuses_to_rewrite_or_delete_history(sql, tmp_path):
    store = Store.open(tmp_path / "journal.db")
    store.journal.append("long_duration", "open", {"series": "TLT"}, user_id=7, via="chat", reason="cheap")
    side = outside(store)  # any other writer of the file, not only our code
    before = side.execute("SELECT * FROM journal_events").fetchall()
    with pytest.raises(sqlite3.DatabaseError, match="append-only|UNIQUE"):
        side.execute(sql)
    assert side.execute("SELECT * FROM journal_events").fetchall() == before


def test_no_command_deletes_or_rewrites_a_past_row(tmp_path):
    services = make_services(store=Store.open(tmp_path / "journal.db"))
    side = outside(services.store)
    script = [
        "/open long_duration entry=2025-06-02 series=TLT horizon=18m pain=10% conviction=4 cheap after the sell-off",
        "/note long_duration conviction=3 pain=12% trimmed", "/note long_duration just a note",
        "/catalyst long_duration 2025-09-30 two Fed cuts", "/catalyst long_duration done 4",
        "/catalyst long_duration 2026-12-31 fiscal deal", "/close long_duration thesis played out",
        "/open long_duration series=TLT entry=2026-01-05 second try", "/close long_duration",
        "/open long_duration", "/journal long_duration", "/journal",
    ]
    seen: list[tuple] = []
    for line in script:
        ask(services, line)
        rows = side.execute("SELECT * FROM journal_events ORDER BY id").fetchall()
        assert rows[: len(seen)] == seen, f"{line} rewrote history"
        seen = rows
    assert [r[2] for r in seen] == list(range(1, len(seen) + 1))  # versions 1..n, nothing skipped or replaced
    assert [r[3] for r in seen] == ["open", "note", "note", "catalyst", "catalyst_done", "catalyst", "close", "open", "close"]


def test_a_database_from_before_the_journal_gets_it_on_upgrade(tmp_path):
    import sqlite_utils

    from regimebot.storage.migrations import apply_migrations

    path = tmp_path / "old.db"
    Store.open(path).close()
    side = sqlite3.connect(path, isolation_level=None)  # as an older regimebot left it: no journal (7) yet
    for statement in ("DROP TABLE journal_events", "DROP TABLE journal_pushes", "ALTER TABLE alerts DROP COLUMN kind",
                      "DELETE FROM schema_migrations WHERE version = 7"):
        side.execute(statement)
    side.close()
    assert apply_migrations(sqlite_utils.Database(sqlite3.connect(path))) == [7]
    store = Store.open(path)
    assert store.journal.append("long_duration", "open", {"series": "TLT"}, user_id=1, via="cli").version == 1
