"""The price cache: daily closes per series, the outcome of each series' last fetch, and each source's status."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
import sqlite_utils

from regimebot.storage.repository import Repository, serialised


def create_source_fetches(db: sqlite_utils.Database) -> None:
    """Migration 10: each data source's last fetch, last success and last error."""
    db.execute(
        """CREATE TABLE source_fetches (
            source TEXT PRIMARY KEY,
            fetched_at TEXT NOT NULL,
            series INTEGER NOT NULL,
            failing INTEGER NOT NULL,
            succeeded_at TEXT,
            failed_at TEXT,
            error TEXT
        )"""
    )


@dataclass(frozen=True)
class SourceStatus:
    """A data source's last refresh: how many of its series it served and failed, its last success and last error."""

    source: str
    fetched_at: datetime
    series: int
    failing: int
    succeeded_at: datetime | None
    failed_at: datetime | None
    error: str | None

    @property
    def ok(self) -> bool:
        return self.failing == 0


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


class PriceCache(Repository):
    """Daily closes per series and each series' last fetch, on the price cache's own connection."""

    @serialised
    def save_closes(self, series_id: str, closes: pd.Series) -> int:
        """Insert or replace the given closes (index: dates) of one series. Returns rows written."""
        clean = pd.Series(closes, dtype="float64").dropna()
        days = pd.DatetimeIndex(clean.index)
        rows = [(series_id, day.date().isoformat(), float(v)) for day, v in zip(days, clean.to_numpy(), strict=True)]
        if rows:
            with self._db.atomic():
                self._db.conn.executemany(
                    "INSERT INTO prices (series_id, date, close) VALUES (?, ?, ?) "
                    "ON CONFLICT(series_id, date) DO UPDATE SET close = excluded.close",
                    rows,
                )
        return len(rows)

    @serialised
    def load_closes(
        self, series_ids: Iterable[str], start: date | None = None
    ) -> dict[str, pd.Series]:
        """The cached closes of each series (oldest first), from `start` when given."""
        out: dict[str, pd.Series] = {}
        for sid in series_ids:
            sql = "SELECT date, close FROM prices WHERE series_id = ?"
            params: list[Any] = [sid]
            if start is not None:
                sql += " AND date >= ?"
                params.append(start.isoformat())
            rows = self._db.execute(sql + " ORDER BY date", params).fetchall()
            index = pd.DatetimeIndex([r[0] for r in rows], name="date")
            out[sid] = pd.Series([r[1] for r in rows], index=index, dtype="float64", name=sid)
        return out

    @serialised
    def last_cached_dates(self) -> dict[str, date]:
        """The newest cached date of every series that has any."""
        rows = self._db.execute("SELECT series_id, MAX(date) FROM prices GROUP BY series_id").fetchall()
        return {sid: date.fromisoformat(d) for sid, d in rows}

    @serialised
    def record_fetches(self, source: str, errors: Mapping[str, str | None]) -> None:
        """Remember when each series was last fetched and the data error, if any (None: fine)."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self._db.atomic():
            self._db.conn.executemany(
                "INSERT INTO fetches (series_id, source, fetched_at, error) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(series_id) DO UPDATE SET source = excluded.source, "
                "fetched_at = excluded.fetched_at, error = excluded.error",
                [(sid, source, now, err) for sid, err in errors.items()],
            )

    @serialised
    def record_source(self, source: str, errors: Mapping[str, str | None], now: datetime | None = None) -> None:
        """Remember one source's refresh: a success when any series came back, an error when any failed."""
        moment = (now or datetime.now(UTC)).isoformat(timespec="seconds")
        failed = [err for err in errors.values() if err]
        succeeded = len(failed) < len(errors)
        with self._db.atomic():
            self._db.execute(
                "INSERT INTO source_fetches (source, fetched_at, series, failing, succeeded_at, failed_at, error) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(source) DO UPDATE SET fetched_at = excluded.fetched_at, "
                "series = excluded.series, failing = excluded.failing, "
                "succeeded_at = COALESCE(excluded.succeeded_at, source_fetches.succeeded_at), "
                "failed_at = COALESCE(excluded.failed_at, source_fetches.failed_at), "
                "error = COALESCE(excluded.error, source_fetches.error)",
                [source, moment, len(errors), len(failed), moment if succeeded else None,
                 moment if failed else None, failed[0] if failed else None],
            )

    @serialised
    def source_status(self) -> list[SourceStatus]:
        """Every source's last refresh, in the order the sources were first fetched."""
        rows = self._db.execute(
            "SELECT source, fetched_at, series, failing, succeeded_at, failed_at, error FROM source_fetches ORDER BY rowid"
        ).fetchall()
        return [SourceStatus(src, datetime.fromisoformat(at), n, failing, _moment(ok), _moment(bad), err)
                for src, at, n, failing, ok, bad, err in rows]

    @serialised
    def fetch_errors(self) -> dict[str, str]:
        """Series whose last fetch failed, with the error."""
        rows = self._db.execute("SELECT series_id, error FROM fetches WHERE error IS NOT NULL").fetchall()
        return {sid: err for sid, err in rows}

    @serialised
    def fetch_log(self) -> list[dict[str, Any]]:
        """Every series' last fetch: id, source, when, error."""
        cur = self._db.execute("SELECT series_id, source, fetched_at, error FROM fetches ORDER BY series_id")
        return [dict(zip(("series_id", "source", "fetched_at", "error"), row)) for row in cur.fetchall()]

    @serialised
    def close(self) -> None:
        """Close the price cache's connection."""
        self._db.close()
