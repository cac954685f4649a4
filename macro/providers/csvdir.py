"""A folder of CSV files, one per series (`<SERIES_ID>.csv` with `date` and `close` columns), re-read when changed.

Cells are passed on as text, exactly as written: macro.providers.validation judges each row.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from regimebot.macro.providers import DataError, FetchRequest, FetchResult


class CsvDirProvider:
    """Reads `DIR/<SERIES_ID>.csv`; a file is parsed again only when its size or mtime changed."""

    simulated = False

    def __init__(self, directory: str | Path):
        self.directory = Path(directory)
        if not self.directory.is_dir():
            raise DataError(f"csv data directory {self.directory} does not exist")
        self.name = f"csv:{self.directory}"
        self._cache: dict[str, tuple[tuple[int, int], pd.Series]] = {}

    def fetch(self, requests: list[FetchRequest], end: date | None = None) -> FetchResult:
        result = FetchResult()
        for req in requests:
            try:
                series = self._read(req.series_id)
            except DataError as exc:
                result.errors[req.series_id] = str(exc)
                continue
            result.closes[req.series_id] = series  # the whole file: the validation keeps [start, end]
        return result

    def _read(self, series_id: str) -> pd.Series:
        path = self.directory / f"{series_id}.csv"
        try:
            stat = path.stat()
        except FileNotFoundError:
            raise DataError(f"no file {path.name} in the csv folder (REGIMEBOT_DATA)") from None  # the folder stays on the server
        key = (stat.st_mtime_ns, stat.st_size)
        cached = self._cache.get(series_id)
        if cached and cached[0] == key:
            return cached[1]
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        except (OSError, ValueError, pd.errors.ParserError) as exc:
            raise DataError(f"{path.name}: cannot parse CSV ({exc})") from exc
        cols = {c.strip().lower(): c for c in frame.columns}
        if "date" not in cols or "close" not in cols:
            raise DataError(f"{path.name}: expected a header with 'date' and 'close' columns, got {', '.join(map(str, frame.columns))}")
        if frame.empty:
            raise DataError(f"{path.name}: the file has a header but no rows")
        series = pd.Series(frame[cols["close"]].to_numpy(dtype=object), index=frame[cols["date"]].to_numpy(dtype=object),
                           dtype=object, name=series_id)
        self._cache[series_id] = (key, series)
        return series
