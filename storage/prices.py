"""The price cache: daily closes per series, and the outcome of each series' last fetch."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd

from regimebot.storage.repository import Repository, serialised


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
