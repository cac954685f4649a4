"""Versioned schema migrations. Each version runs once, in order, and is recorded in schema_migrations.

Versions: 1 prices, 2 engine states and transitions, 3 chats and subscriptions, 4 portfolios,
5 alerts, deliveries, run log and process lock, 6 the forum topic of a group's alerts, 7 the thesis
journal (append-only events, pushes, the kind of an alert), 8 notices (digests, admins' warnings) in
the outbox and the per-part state of split messages, 9 renamed theses (dollar_debasement_risk_off →
us_assets_haven), 10 each data source's last success and last error. A new change
to the schema is a new version, never an edit of an applied one.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlite_utils

from regimebot.storage.chats import add_alert_topic, create_chat_tables
from regimebot.storage.engine_state import _v2_engine_state
from regimebot.storage.journal import _v7_journal
from regimebot.storage.notices import _v8_notices_and_parts
from regimebot.storage.outbox import _v5_outbox
from regimebot.storage.portfolios import create_portfolio_table
from regimebot.storage.prices import create_source_fetches
from regimebot.storage.thesis_ids import _v9_rename_theses


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    apply: Callable[[sqlite_utils.Database], None]


def _v1_prices(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE prices (
            series_id TEXT NOT NULL,
            date TEXT NOT NULL,
            close REAL NOT NULL,
            PRIMARY KEY (series_id, date)
        )"""
    )
    db.execute(
        """CREATE TABLE fetches (
            series_id TEXT PRIMARY KEY,
            source TEXT NOT NULL,
            fetched_at TEXT NOT NULL,
            error TEXT
        )"""
    )


MIGRATIONS: list[Migration] = [
    Migration(1, "prices", _v1_prices),
    Migration(2, "engine_state", _v2_engine_state),
    Migration(3, "chats", create_chat_tables),
    Migration(4, "portfolios", create_portfolio_table),
    Migration(5, "outbox", _v5_outbox),
    Migration(6, "alert_topics", add_alert_topic),
    Migration(7, "journal", _v7_journal),
    Migration(8, "notices_and_parts", _v8_notices_and_parts),
    Migration(9, "rename_theses", _v9_rename_theses),
    Migration(10, "source_fetches", create_source_fetches),
]


def apply_migrations(db: sqlite_utils.Database, where: str = "database", only: Collection[int] | None = None) -> list[int]:
    """Bring the schema up to date; refuse a database newer than this code. Returns versions applied."""
    from regimebot.storage.db import DatabaseTooNew  # local: db.py imports this module

    db.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    applied = {row[0] for row in db.execute("SELECT version FROM schema_migrations").fetchall()}
    known = {m.version for m in MIGRATIONS}
    newer = sorted(v for v in applied if v not in known and v > max(known))
    if newer:
        raise DatabaseTooNew(
            f"{where} has schema version {max(newer)} but this regimebot knows only up to {max(known)}: "
            "upgrade regimebot, or point REGIMEBOT_DB at another file"
        )
    done = []
    for migration in sorted(MIGRATIONS, key=lambda m: m.version):
        if migration.version in applied or (only is not None and migration.version not in only):
            continue
        with db.atomic():
            migration.apply(db)
            db.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                [migration.version, migration.name, datetime.now(UTC).isoformat(timespec="seconds")],
            )
        done.append(migration.version)
    return done
