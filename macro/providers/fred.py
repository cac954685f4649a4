"""FRED (St. Louis Fed): the public `fredgraph.csv` endpoint, or the official JSON API when a key is set.

One request per series per refresh, a few at a time, paced, with at most one retry (after a pause)
for a refusal, a server error or a network fault. Every failure is a per-series error. The API key
is a secret: it goes only into the request and is redacted from every error text and log line.
"""

from __future__ import annotations

import io
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from importlib.metadata import PackageNotFoundError, version

import httpx
import pandas as pd

from regimebot.macro.providers import DataError, FetchRequest, FetchResult
from regimebot.macro.providers.validation import observed_between
from regimebot.macro.redaction import RedactingFilter, Redactor

log = logging.getLogger(__name__)

DEFAULT_FRED_URL = "https://fred.stlouisfed.org"
DEFAULT_FRED_API_URL = "https://api.stlouisfed.org"
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


def user_agent(contact: str = "") -> str:
    """An honest User-Agent: who is asking, which version, and the operator's contact when configured.

    No project URL is made up: the contact is the operator's own (`REGIMEBOT_CONTACT`, an e-mail or URL), the
    way FRED's and the Treasury's usage notes ask automated clients to identify themselves.
    """
    try:
        ours = version("regimebot")
    except PackageNotFoundError:
        ours = "dev"
    about = f"+{contact}" if contact else "macro alert bot"
    return f"regimebot/{ours} ({about}) python-httpx/{httpx.__version__}"


def parse_fredgraph_csv(text: str, series_id: str) -> pd.Series:
    """A fredgraph CSV (`observation_date,ID` or the older `DATE,ID`) as raw cells by date (`.`/empty = no observation).

    Cells stay text: macro.providers.validation judges each row (a text cell is a data error, not a silent drop).
    """
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (ValueError, pd.errors.ParserError) as exc:
        raise DataError(f"FRED answered {series_id} with something that is not CSV ({exc})") from exc
    columns = [str(c).strip() for c in frame.columns]
    date_column = next((c for c in columns if c.lower() in ("observation_date", "date")), None)
    if date_column is None or series_id not in columns:
        raise DataError(f"FRED answered {series_id} with header {','.join(columns)[:80]!r}; expected observation_date,{series_id}")
    frame.columns = pd.Index(columns)
    return pd.Series(frame[series_id].to_numpy(dtype=object), index=frame[date_column].to_numpy(dtype=object),
                     dtype=object, name=series_id)


def parse_observations(payload: object, series_id: str) -> pd.Series:
    """FRED API `series/observations` JSON (`{"observations": [{"date", "value"}, …]}`, values strings, "." missing)."""
    observations = payload.get("observations") if isinstance(payload, dict) else None
    if not isinstance(observations, list):
        raise DataError(f"FRED API answered {series_id} without an 'observations' list")
    dates: list[str] = []
    values: list[str] = []
    for item in observations:
        if isinstance(item, dict) and isinstance(item.get("date"), str):
            dates.append(item["date"])
            values.append(str(item.get("value", "")))
    return pd.Series(values, index=dates, dtype=object, name=series_id)  # raw cells: the validation judges them


class _Pacer:
    """Spaces request starts at least `interval` seconds apart, across threads."""

    def __init__(self, interval: float, sleep: Callable[[float], None]):
        self.interval = interval
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next = 0.0

    def wait(self) -> None:
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            self._sleep(start - now)


class FredProvider:
    """Daily or weekly FRED series by id; the cache's incremental start goes into `cosd` / `observation_start`."""

    name = "fred"
    simulated = False

    def __init__(self, base_url: str = DEFAULT_FRED_URL, api_key: str | None = None, api_url: str = DEFAULT_FRED_API_URL,
                 *, contact: str = "", concurrency: int = 4, pace: float = 0.5, retry_after: float = 2.0, timeout: float = 20.0,
                 sleep: Callable[[float], None] = time.sleep):
        self.base_url = base_url.rstrip("/")
        self.api_url = api_url.rstrip("/")
        self._api_key = api_key or None
        self.contact = contact
        self.concurrency = max(1, concurrency)
        self.retry_after = retry_after
        self.timeout = httpx.Timeout(timeout, connect=min(timeout, 10.0))
        self._sleep = sleep
        self._pacer = _Pacer(pace, sleep)
        if self._api_key:
            redact = RedactingFilter(Redactor([self._api_key]))  # httpx logs each URL, which carries the key
            for name in ("httpx", "httpcore"):
                logging.getLogger(name).addFilter(redact)

    def __repr__(self) -> str:
        return f"FredProvider({self.base_url!r}, api={'on' if self._api_key else 'off'})"

    def fetch(self, requests: list[FetchRequest], end: date | None = None) -> FetchResult:
        result = FetchResult()
        if not requests:
            return result
        with httpx.Client(headers={"User-Agent": user_agent(self.contact)}, timeout=self.timeout, follow_redirects=True) as client:
            with ThreadPoolExecutor(max_workers=min(self.concurrency, len(requests))) as pool:
                outcomes = list(pool.map(lambda r: self._one(client, r), requests))
        for req, outcome in zip(requests, outcomes):
            if isinstance(outcome, str):
                result.errors[req.series_id] = outcome
                continue
            if not observed_between(outcome, req.start, end):
                result.errors[req.series_id] = f"FRED returned no observations of {req.symbol} since {req.start}"
                continue
            result.closes[req.series_id] = outcome.rename(req.series_id)
        return result

    def _one(self, client: httpx.Client, req: FetchRequest) -> pd.Series | str:
        """One series' observations, or the error text (never raises)."""
        if self._api_key:
            url = f"{self.api_url}/fred/series/observations"
            params = {"series_id": req.symbol, "api_key": self._api_key, "file_type": "json", "observation_start": req.start.isoformat()}
        else:
            url = f"{self.base_url}/graph/fredgraph.csv"
            params = {"id": req.symbol, "cosd": req.start.isoformat()}
        try:
            response = self._get(client, url, params)
            if response.status_code != 200:
                return f"FRED answered HTTP {response.status_code} for {req.symbol}"
            if self._api_key:
                return parse_observations(response.json(), req.symbol)
            return parse_fredgraph_csv(response.text, req.symbol)
        except httpx.HTTPError as exc:
            return self._redacted(f"FRED request for {req.symbol} failed: {type(exc).__name__}: {exc}")
        except (DataError, ValueError) as exc:
            return self._redacted(str(exc))

    def _get(self, client: httpx.Client, url: str, params: dict[str, str]) -> httpx.Response:
        """GET with pacing and at most one retry after `retry_after` seconds (refusal, server error, network fault)."""
        for attempt in (1, 2):
            self._pacer.wait()
            try:
                response = client.get(url, params=params)
            except httpx.TransportError:
                if attempt == 2:
                    raise
            else:
                if response.status_code not in RETRY_STATUS or attempt == 2:
                    return response
            self._sleep(self.retry_after)
        raise AssertionError("unreachable: the second attempt returns or raises")

    def _redacted(self, text: str) -> str:
        return text.replace(self._api_key, "***") if self._api_key else text
