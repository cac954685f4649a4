"""The run log: each refresh + evaluate cycle (or other scheduled job), for /status and the dead-man switch."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlite_utils

from regimebot.storage.timestamps import parse_ts as _parse_ts
from regimebot.storage.timestamps import to_ts as _ts


@dataclass(frozen=True)
class Run:
    """One refresh + evaluate cycle (or another scheduled job), for /status and the dead-man switch."""

    id: int
    kind: str
    started_at: datetime
    finished_at: datetime | None
    ok: bool | None
    transitions: int
    alerts: int
    error: str | None


def start_run(db: sqlite_utils.Database, kind: str = "evaluate", now: datetime | None = None) -> int:
    with db.atomic():
        cur = db.execute("INSERT INTO runs (kind, started_at) VALUES (?, ?)", [kind, _ts(now)])
    return cur.lastrowid


def finish_run(
    db: sqlite_utils.Database,
    run_id: int,
    ok: bool,
    error: str | None = None,
    transitions: int = 0,
    alerts: int = 0,
    now: datetime | None = None,
) -> None:
    with db.atomic():
        db.execute(
            "UPDATE runs SET finished_at = ?, ok = ?, error = ?, transitions = ?, alerts = ? WHERE id = ?",
            [_ts(now), int(ok), error, transitions, alerts, run_id],
        )


def last_runs(db: sqlite_utils.Database, n: int = 5, kind: str | None = None) -> list[Run]:
    sql = "SELECT id, kind, started_at, finished_at, ok, transitions, alerts, error FROM runs"
    params: list[Any] = []
    if kind is not None:
        sql += " WHERE kind = ?"
        params.append(kind)
    rows = db.execute(sql + " ORDER BY id DESC LIMIT ?", params + [n]).fetchall()
    return [
        Run(r[0], r[1], _parse_ts(r[2]), _parse_ts(r[3]), None if r[4] is None else bool(r[4]), r[5], r[6], r[7])
        for r in rows
    ]


def last_success(db: sqlite_utils.Database, kind: str = "evaluate") -> datetime | None:
    """When the last successful run of `kind` finished."""
    row = db.execute("SELECT MAX(finished_at) FROM runs WHERE kind = ? AND ok = 1", [kind]).fetchone()
    return _parse_ts(row[0])
