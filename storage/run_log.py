"""The run log: each refresh + evaluate cycle (or other scheduled job), for /status and the dead-man switch."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from regimebot.storage.repository import Repository, inserted_id, serialised
from regimebot.storage.timestamps import parse_required_ts
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


class RunLog(Repository):
    """The run log of scheduled jobs."""

    @serialised
    def start_run(self, kind: str = "evaluate", now: datetime | None = None) -> int:
        with self._db.atomic():
            cur = self._db.execute("INSERT INTO runs (kind, started_at) VALUES (?, ?)", [kind, _ts(now)])
        return inserted_id(cur)

    @serialised
    def finish_run(
        self,
        run_id: int,
        ok: bool,
        error: str | None = None,
        transitions: int = 0,
        alerts: int = 0,
        now: datetime | None = None,
    ) -> None:
        with self._db.atomic():
            self._db.execute(
                "UPDATE runs SET finished_at = ?, ok = ?, error = ?, transitions = ?, alerts = ? WHERE id = ?",
                [_ts(now), int(ok), error, transitions, alerts, run_id],
            )

    @serialised
    def last_runs(self, n: int = 5, kind: str | None = None) -> list[Run]:
        sql = "SELECT id, kind, started_at, finished_at, ok, transitions, alerts, error FROM runs"
        params: list[Any] = []
        if kind is not None:
            sql += " WHERE kind = ?"
            params.append(kind)
        rows = self._db.execute(sql + " ORDER BY id DESC LIMIT ?", params + [n]).fetchall()
        return [
            Run(r[0], r[1], parse_required_ts(r[2]), _parse_ts(r[3]), None if r[4] is None else bool(r[4]), r[5], r[6], r[7])
            for r in rows
        ]

    @serialised
    def last_success(self, kind: str = "evaluate") -> datetime | None:
        """When the last successful run of `kind` finished."""
        row = self._db.execute("SELECT MAX(finished_at) FROM runs WHERE kind = ? AND ok = 1", [kind]).fetchone()
        return _parse_ts(row[0])
