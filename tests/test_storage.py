"""The database: WAL, foreign keys, versioned migrations (upgrade older files, refuse newer ones)."""

from __future__ import annotations

import sqlite3

import pandas as pd
import pytest

from regimebot.storage.db import DatabaseTooNew, StorageError, latest_version, open_database, schema_version
from regimebot.storage.migrations import MIGRATIONS
from regimebot.storage.store import Store


def test_new_file_database_is_wal_with_foreign_keys(tmp_path):
    db = open_database(tmp_path / "a.db")  # the storage layer's own opener: the pragmas a Store relies on
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert schema_version(db) == latest_version()
    applied = [r[0] for r in db.execute("SELECT version FROM schema_migrations ORDER BY version")]
    assert applied == sorted(m.version for m in MIGRATIONS)


def test_older_database_is_upgraded(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")
    conn.execute("CREATE TABLE prices (series_id TEXT NOT NULL, date TEXT NOT NULL, close REAL NOT NULL, PRIMARY KEY (series_id, date))")
    conn.execute("CREATE TABLE fetches (series_id TEXT PRIMARY KEY, source TEXT NOT NULL, fetched_at TEXT NOT NULL, error TEXT)")
    conn.execute("INSERT INTO schema_migrations VALUES (1, 'prices', '2026-01-01T00:00:00+00:00')")
    conn.execute("INSERT INTO prices VALUES ('DXY', '2026-01-02', 98.5)")
    conn.commit()
    conn.close()
    store = Store.open(path)
    assert store.schema_version == Store.latest_version() == latest_version()
    assert store.prices.load_closes(["DXY"])["DXY"].tolist() == [98.5]


def test_newer_database_is_refused(tmp_path):
    path = tmp_path / "new.db"
    open_database(path).close()
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO schema_migrations VALUES (999, 'future', '2030-01-01T00:00:00+00:00')")
    conn.commit()
    conn.close()
    with pytest.raises(DatabaseTooNew) as info:
        open_database(path)
    assert "schema version 999" in str(info.value) and "upgrade regimebot" in str(info.value)


def test_not_a_database(tmp_path):
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StorageError) as info:
        open_database(path)
    assert str(path) in str(info.value)


def test_reopening_applies_nothing_twice(tmp_path):
    path = tmp_path / "b.db"
    open_database(path).close()
    db = open_database(path)
    rows = db.execute("SELECT COUNT(*) FROM schema_migrations").fetchone()[0]
    assert rows == len(MIGRATIONS)


def test_prices_upsert_and_load(memory_store):
    s = pd.Series([1.0, 2.0, float("nan"), 4.0], index=pd.to_datetime(["2026-01-02", "2026-01-05", "2026-01-06", "2026-01-07"]))
    assert memory_store.prices.save_closes("TLT", s) == 3
    memory_store.prices.save_closes("TLT", pd.Series([2.5], index=pd.to_datetime(["2026-01-05"])))
    loaded = memory_store.prices.load_closes(["TLT", "DXY"])
    assert loaded["TLT"].tolist() == [1.0, 2.5, 4.0]
    assert loaded["DXY"].empty
    assert memory_store.prices.last_cached_dates() == {"TLT": pd.Timestamp("2026-01-07").date()}


def test_fetch_log_records_errors(memory_store):
    memory_store.prices.record_fetches("yfinance", {"TLT": None, "MOVE": "no data"})
    assert memory_store.prices.fetch_errors() == {"MOVE": "no data"}
    memory_store.prices.record_fetches("yfinance", {"MOVE": None})
    assert memory_store.prices.fetch_errors() == {}
