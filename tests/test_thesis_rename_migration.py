"""Schema version 9: a database written before the rename follows dollar_debasement_risk_off to us_assets_haven."""

from __future__ import annotations

import sqlite3

from regimebot.storage.db import open_database
from regimebot.storage.thesis_ids import RENAMED

T = "2025-04-01T00:00:00+00:00"


def _database_before_v9(path) -> None:
    open_database(path).close()
    conn = sqlite3.connect(path)
    conn.execute("DELETE FROM schema_migrations WHERE version = 9")
    for chat in (1, 2):
        conn.execute("INSERT INTO chats (chat_id, type, created_at, updated_at) VALUES (?, 'private', ?, ?)", [chat, T, T])
    conn.execute("INSERT INTO subscriptions VALUES (1, 'dollar_debasement_risk_off', ?)", [T])
    conn.execute("INSERT INTO subscriptions VALUES (2, 'dollar_debasement_risk_off', ?)", [T])
    conn.execute("INSERT INTO subscriptions VALUES (2, 'us_assets_haven', '2025-05-01T00:00:00+00:00')")  # both: one row
    conn.execute("INSERT INTO subscriptions VALUES (1, 'long_duration', ?)", [T])
    conn.execute("INSERT INTO thesis_mutes VALUES (1, 'dollar_debasement_risk_off', NULL)")
    conn.execute("INSERT INTO thesis_states VALUES ('dollar_debasement_risk_off', 'intact', '2025-01-02', '2025-04-01', ?)", [T])
    conn.execute("INSERT INTO transitions (thesis_id, old, new, as_of, evidence, created_at) "
                 "VALUES ('dollar_debasement_risk_off', 'intact', 'invalidated', '2025-04-04', '[]', ?)", [T])
    conn.execute("INSERT INTO alerts (id, transition_id, thesis_id, old, new, as_of, source, created_at) "
                 "VALUES (7, 1, 'dollar_debasement_risk_off', 'intact', 'invalidated', '2025-04-04', 'csv', ?)", [T])
    conn.commit()
    conn.close()


def test_stored_rows_follow_the_renamed_thesis(tmp_path):
    assert RENAMED == {"dollar_debasement_risk_off": "us_assets_haven"}
    path = tmp_path / "old.db"
    _database_before_v9(path)
    db = open_database(path)  # applies version 9
    rows = lambda sql: [tuple(r) for r in db.execute(sql).fetchall()]  # noqa: E731
    assert rows("SELECT chat_id, thesis_id, created_at FROM subscriptions ORDER BY chat_id, thesis_id") == [
        (1, "long_duration", T), (1, "us_assets_haven", T), (2, "us_assets_haven", "2025-05-01T00:00:00+00:00")]
    assert rows("SELECT chat_id, thesis_id FROM thesis_mutes") == [(1, "us_assets_haven")]
    assert rows("SELECT thesis_id, status FROM thesis_states") == [("us_assets_haven", "intact")]
    assert rows("SELECT thesis_id, new FROM transitions") == [("us_assets_haven", "invalidated")]
    assert rows("SELECT id, thesis_id FROM alerts") == [(7, "us_assets_haven")]
    assert not rows("SELECT 1 FROM subscriptions WHERE thesis_id = 'dollar_debasement_risk_off'")
    assert rows("SELECT version FROM schema_migrations WHERE version = 9") == [(9,)]
