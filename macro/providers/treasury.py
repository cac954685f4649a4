"""US Treasury buybacks from the Fiscal Data API (`buybacks_operations`, no key), summed per week.

`GET {base}/services/api/fiscal_service/v1/accounting/od/buybacks_operations` answers JSON
`{"data": [...], "meta": {"total-pages": N, ...}, "links": {"next": "&page%5Bnumber%5D=2&...", ...}}`;
each row is one operation with `operation_date` and `total_par_amt_accepted` (USD, as text; "null"
when not yet known). Pages are read with `page[number]` / `page[size]` until `links.next` is null or
`meta.total-pages` is reached. The accepted amounts are summed per week (ending Friday, USD billions);
a completed week without operations is 0, the week still under way is not reported.
"""

from __future__ import annotations

from datetime import date, timedelta

import httpx
import pandas as pd

from regimebot.macro.providers import DataError, FetchRequest, FetchResult
from regimebot.macro.providers.fred import user_agent

DEFAULT_TREASURY_URL = "https://api.fiscaldata.treasury.gov"
BUYBACKS_PATH = "/services/api/fiscal_service/v1/accounting/od/buybacks_operations"
PAGE_SIZE = 1000
MAX_PAGES = 50  # 50 000 operations: far more than exist; a server that never stops paging is an error


def _amount(text: object) -> float | None:
    """An amount field as a float (None for "null", empty or missing)."""
    if text is None or str(text).strip().lower() in ("", "null"):
        return None
    try:
        return float(str(text).replace(",", ""))
    except ValueError:
        raise DataError(f"Fiscal Data buybacks: total_par_amt_accepted {str(text)[:40]!r} is not a number") from None


def parse_operations(payload: object) -> list[tuple[date, float]]:
    """One page's (operation date, accepted USD) pairs; operations without an accepted amount yet are skipped."""
    rows = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(rows, list):
        raise DataError("Fiscal Data buybacks: the answer has no `data` list (the API changed?)")
    out = []
    for row in rows:
        if not isinstance(row, dict) or "operation_date" not in row:
            raise DataError("Fiscal Data buybacks: a row without operation_date (the API changed?)")
        accepted = _amount(row.get("total_par_amt_accepted"))
        if accepted is None:
            continue
        try:
            day = date.fromisoformat(str(row["operation_date"]))
        except ValueError:
            raise DataError(f"Fiscal Data buybacks: operation_date {str(row['operation_date'])[:20]!r} is not an ISO date") from None
        out.append((day, accepted))
    return out


def _has_next(payload: dict[str, object], page: int) -> bool:
    links = payload.get("links")
    meta = payload.get("meta")
    if isinstance(links, dict) and "next" in links:
        return bool(links["next"])
    total = meta.get("total-pages") if isinstance(meta, dict) else None
    return isinstance(total, int) and page < total


def week_end(day: date) -> date:
    """The Friday that ends the week (Saturday to Friday) holding `day`."""
    return day + timedelta(days=(4 - day.weekday()) % 7)


def weekly_sums(operations: list[tuple[date, float]], start: date, last_friday: date) -> pd.Series:
    """Accepted amounts summed per week ending Friday, USD billions, every week from `start`'s to `last_friday` (0 if none)."""
    first = week_end(start)
    weeks = pd.date_range(first, last_friday, freq="W-FRI", name="date")
    if not len(weeks):
        return pd.Series(dtype="float64", index=pd.DatetimeIndex([], name="date"))
    frame = pd.Series([amount for _, amount in operations],
                      index=pd.DatetimeIndex([pd.Timestamp(day) for day, _ in operations]), dtype="float64")
    summed = frame.resample("W-FRI").sum() / 1e9 if len(frame) else pd.Series(dtype="float64")
    return summed.reindex(weeks, fill_value=0.0).astype("float64")


class TreasuryProvider:
    """The `BUYBACKS` series from Fiscal Data: one paged download per refresh, from the earliest start asked."""

    name = "treasury"
    simulated = False

    def __init__(self, base_url: str = DEFAULT_TREASURY_URL, timeout: float = 30.0, page_size: int = PAGE_SIZE,
                 *, contact: str = ""):
        self.base_url = base_url.rstrip("/")
        self.contact = contact
        self.timeout = httpx.Timeout(timeout, connect=min(timeout, 10.0))
        self.page_size = page_size

    def fetch(self, requests: list[FetchRequest], end: date | None = None) -> FetchResult:
        result = FetchResult()
        if not requests:
            return result
        start = week_end(min(r.start for r in requests)) - timedelta(days=6)  # whole weeks: from a Saturday
        today = end or date.today()
        last_friday = today - timedelta(days=(today.weekday() - 4) % 7)  # the newest completed week (today if Friday)
        try:
            operations = self._operations(start, last_friday)
        except DataError as exc:
            return FetchResult(errors={r.series_id: str(exc) for r in requests})
        for req in requests:
            if req.symbol != "buybacks_operations":
                result.errors[req.series_id] = f"Fiscal Data: no dataset {req.symbol!r} (known: buybacks_operations)"
                continue
            series = weekly_sums(operations, req.start, last_friday)
            if series.empty:
                result.errors[req.series_id] = f"Fiscal Data: no completed week since {req.start}"
                continue
            series.name = req.series_id
            result.closes[req.series_id] = series
        return result

    def _operations(self, start: date, until: date) -> list[tuple[date, float]]:
        """Every operation from `start` to `until`, over as many pages as the API has."""
        url = self.base_url + BUYBACKS_PATH
        found: list[tuple[date, float]] = []
        with httpx.Client(headers={"User-Agent": user_agent(self.contact)}, timeout=self.timeout, follow_redirects=True) as client:
            for page in range(1, MAX_PAGES + 1):
                params = {"fields": "operation_date,total_par_amt_accepted", "sort": "operation_date",
                          "filter": f"operation_date:gte:{start.isoformat()},operation_date:lte:{until.isoformat()}",
                          "page[number]": str(page), "page[size]": str(self.page_size)}
                try:
                    response = client.get(url, params=params)
                except httpx.HTTPError as exc:
                    raise DataError(f"Fiscal Data buybacks request failed: {type(exc).__name__}: {exc}") from exc
                if response.status_code != 200:
                    raise DataError(f"Fiscal Data answered HTTP {response.status_code} for buybacks_operations page {page}")
                try:
                    payload = response.json()
                except ValueError as exc:
                    raise DataError(f"Fiscal Data answered buybacks page {page} with something that is not JSON") from exc
                found += parse_operations(payload)
                if not _has_next(payload, page):
                    return found
        raise DataError(f"Fiscal Data buybacks: still more pages after {MAX_PAGES}; refusing to page on")
