"""Japanese government bond yields from the Ministry of Finance's `jgbcm_all.csv` (all days since 1974).

The file (Shift_JIS) has a title line (国債金利情報 … 単位 %), a header line `基準日,1年,2年,…,10年,…,40年`,
then one line per day, and in the monthly file a blank line and a note (`※最新のcsvデータが…`). Dates
are Japanese-era (`S49.9.24`, `H31.4.26`, `R7.4.1`) or western (`2025/4/1`) depending on the version;
`-` means no value. One download per refresh serves every MoF series; the catalog's symbol names the
tenor column (JGB10Y → `10年`).
"""

from __future__ import annotations

import io
import re
from datetime import date

import httpx
import pandas as pd

from regimebot.macro.providers import DataError, FetchRequest, FetchResult
from regimebot.macro.providers.fred import user_agent
from regimebot.macro.providers.validation import observed_between

DEFAULT_MOF_URL = "https://www.mof.go.jp"
CSV_PATH = "/jgbs/reference/interest_rate/data/jgbcm_all.csv"
ERA_START = {"M": 1867, "T": 1911, "S": 1925, "H": 1988, "R": 2018}  # era year 1 = this + 1
_ERA_DATE = re.compile(r"^([MTSHR])(\d+|元)\.(\d+)\.(\d+)$")


def decode_csv(raw: bytes) -> str:
    """The file's text: UTF-8 if it is valid UTF-8, else Shift_JIS (cp932, the MoF's encoding)."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return raw.decode("cp932")
        except UnicodeDecodeError as exc:
            raise DataError(f"MoF yield CSV is neither UTF-8 nor Shift_JIS ({exc.reason} at byte {exc.start})") from None


def parse_day(text: str) -> date | None:
    """`R7.4.1` (Reiwa 7 = 2025), `H31.4.26`, `S49.9.24`, or `2025/4/1` / `2025-04-01`; None if neither."""
    text = text.strip()
    era = _ERA_DATE.match(text)
    try:
        if era:
            year = 1 if era.group(2) == "元" else int(era.group(2))
            return date(ERA_START[era.group(1)] + year, int(era.group(3)), int(era.group(4)))
        parts = re.split(r"[/-]", text)
        if len(parts) == 3 and all(p.isdigit() for p in parts):
            return date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        return None
    return None


def is_footer(date_cell: str, cells: list[str]) -> bool:
    """A blank line or a note under the table (`※最新のcsvデータが…`): no yield in any tenor cell, or a `※` note."""
    return date_cell.startswith("※") or all(not cell for cell in cells)


def parse_jgb_csv(text: str) -> pd.DataFrame:
    """The yields table: one column of raw cells per tenor (`1年` … `40年`; `-` = no yield that day).

    The index holds each row's ISO date; a row whose date cannot be read keeps its text there, so the
    validation names it in every tenor's data error. Blank lines and notes under the table are skipped.
    """
    lines = text.splitlines()
    header_at = next((i for i, line in enumerate(lines) if line.split(",")[0].strip().strip('"') == "基準日"), None)
    if header_at is None:
        raise DataError("MoF yield CSV has no header line starting with 基準日 (the layout changed?)")
    frame = pd.read_csv(io.StringIO("\n".join(lines[header_at:])), dtype=str, keep_default_na=False)
    frame.columns = pd.Index([str(c).strip() for c in frame.columns])
    table = frame.drop(columns=["基準日"]).fillna("").apply(lambda column: column.str.strip())  # short rows: cells ""
    labels: list[str] = []
    keep: list[bool] = []
    for date_cell, cells in zip(frame["基準日"].fillna("").str.strip(), table.itertuples(index=False), strict=True):
        day = parse_day(date_cell)
        labels.append(day.isoformat() if day is not None else date_cell)
        keep.append(day is not None or not is_footer(date_cell, list(cells)))
    index = pd.Index([label for label, kept in zip(labels, keep, strict=True) if kept], dtype=object, name="date")
    out: pd.DataFrame = table.loc[keep].set_axis(index).astype(object)
    return out


class MofProvider:
    """JGB constant-maturity yields (percent) by tenor, one file download per refresh."""

    name = "mof"
    simulated = False

    def __init__(self, base_url: str = DEFAULT_MOF_URL, timeout: float = 30.0, *, contact: str = ""):
        self.base_url = base_url.rstrip("/")
        self.contact = contact
        self.timeout = httpx.Timeout(timeout, connect=min(timeout, 10.0))

    def fetch(self, requests: list[FetchRequest], end: date | None = None) -> FetchResult:
        result = FetchResult()
        if not requests:
            return result
        try:
            table = self._table()
        except DataError as exc:
            for req in requests:
                result.errors[req.series_id] = str(exc)
            return result
        for req in requests:
            if req.symbol not in table.columns:
                result.errors[req.series_id] = f"MoF yield CSV has no column {req.symbol} (tenors: {', '.join(table.columns)})"
                continue
            column = table[req.symbol]
            if not observed_between(column, req.start, end):
                result.errors[req.series_id] = f"MoF yield CSV has no {req.symbol} yields since {req.start}"
                continue
            result.closes[req.series_id] = column.rename(req.series_id)  # raw cells: the validation judges them
        return result

    def _table(self) -> pd.DataFrame:
        url = self.base_url + CSV_PATH
        try:
            response = httpx.get(url, headers={"User-Agent": user_agent(self.contact)}, timeout=self.timeout, follow_redirects=True)
        except httpx.HTTPError as exc:
            raise DataError(f"MoF yield CSV download failed: {type(exc).__name__}: {exc}") from exc
        if response.status_code != 200:
            raise DataError(f"MoF answered HTTP {response.status_code} for {url}")
        try:
            return parse_jgb_csv(decode_csv(response.content))
        except (ValueError, pd.errors.ParserError) as exc:
            raise DataError(f"MoF yield CSV could not be read: {exc}") from exc
