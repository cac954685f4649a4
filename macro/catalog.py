"""The series catalog: which market series the bot knows, where they come from, and their units."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from regimebot.macro.tomlfile import read_toml

KINDS = ("price", "index", "yield", "derived")
CALENDARS = ("trading", "daily")
_FORMULA = re.compile(r"^\s*([A-Z0-9_]+)\s*([/-])\s*([A-Z0-9_]+)\s*$")


class CatalogError(ValueError):
    """The catalog file is malformed; the message names the entry and the fix."""


@dataclass(frozen=True)
class Series:
    """One market series: a catalog id, its data-source symbol (none for derived) and unit."""

    id: str
    name: str
    unit: str
    kind: str
    symbol: str | None = None
    formula: str | None = None
    calendar: str = "trading"
    change: str = "pct"  # "pct" (percent changes) or "bp" (basis-point changes)
    max_daily_move: float | None = None  # the largest plausible one-day move (log return, or points for bp series)
    timezone: str = "America/New_York"  # the exchange's time zone: a row dated after today there is rejected

    @property
    def derived(self) -> bool:
        return self.kind == "derived"

    @property
    def changes_in_bp(self) -> bool:
        return self.change == "bp"

    def operands(self) -> tuple[str, str, str]:
        """(left id, operator, right id) of a derived series' formula."""
        match = _FORMULA.match(self.formula or "")
        if not match:
            raise CatalogError(f"series {self.id}: formula {self.formula!r} is not 'A / B' or 'A - B'")
        return match.group(1), match.group(2), match.group(3)


@dataclass(frozen=True)
class Catalog:
    """All known series, by id, in file order."""

    series: Mapping[str, Series]

    def __contains__(self, series_id: object) -> bool:
        return series_id in self.series

    def __getitem__(self, series_id: str) -> Series:
        return self.series[series_id]

    def __iter__(self):
        return iter(self.series.values())

    @property
    def ids(self) -> list[str]:
        return list(self.series)

    def downloadable(self) -> list[Series]:
        return [s for s in self.series.values() if not s.derived]

    def derived(self) -> list[Series]:
        return [s for s in self.series.values() if s.derived]

    def by_symbol(self, symbol: str) -> Series | None:
        wanted = symbol.upper()
        for s in self.series.values():
            if s.symbol and s.symbol.upper() == wanted:
                return s
        return None

    def resolve(self, name: str) -> Series | None:
        """Find a series by catalog id (case-insensitive) or by its data-source symbol."""
        key = name.strip().upper()
        if key in self.series:
            return self.series[key]
        return self.by_symbol(key)

    def inputs_of(self, series_ids: Iterable[str]) -> list[str]:
        """The downloadable series needed to compute the given ids (derived ones expanded)."""
        needed: list[str] = []
        for sid in series_ids:
            s = self.series[sid]
            parts = [s.operands()[0], s.operands()[2]] if s.derived else [sid]
            for part in parts:
                if part not in needed:
                    needed.append(part)
        return needed


def adhoc_series(symbol: str) -> Series:
    """A series for a data-source symbol that is not in the catalog (e.g. `/quote NVDA`)."""
    sym = symbol.strip().upper()
    return Series(id=sym, name=sym, unit="", kind="price", symbol=sym)


def parse_catalog(data: Mapping, origin: str = "catalog") -> Catalog:
    """Validate a parsed catalog TOML document."""
    entries = data.get("series")
    if not isinstance(entries, list) or not entries:
        raise CatalogError(f"{origin}: expected one or more [[series]] tables")
    series: dict[str, Series] = {}
    allowed = {"id", "name", "symbol", "unit", "kind", "formula", "calendar", "change", "max_daily_move", "timezone"}
    for i, entry in enumerate(entries, 1):
        sid = str(entry.get("id", "")).strip()
        where = f"{origin}: series #{i}" + (f" ({sid})" if sid else "")
        unknown = set(entry) - allowed
        if unknown:
            raise CatalogError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(allowed))}")
        if not re.fullmatch(r"[A-Z][A-Z0-9_]*", sid):
            raise CatalogError(f"{where}: id must be upper-case letters, digits and _ (got {sid!r})")
        if sid in series:
            raise CatalogError(f"{where}: duplicate id {sid}")
        kind = entry.get("kind", "price")
        if kind not in KINDS:
            raise CatalogError(f"{where}: kind must be one of {', '.join(KINDS)} (got {kind!r})")
        calendar = entry.get("calendar", "trading")
        if calendar not in CALENDARS:
            raise CatalogError(f"{where}: calendar must be one of {', '.join(CALENDARS)} (got {calendar!r})")
        change = entry.get("change", "bp" if kind == "yield" else "pct")
        if change not in ("pct", "bp"):
            raise CatalogError(f"{where}: change must be 'pct' or 'bp' (got {change!r})")
        max_move = entry.get("max_daily_move")
        if max_move is not None and (isinstance(max_move, bool) or not isinstance(max_move, int | float) or not 0 < max_move < 100):
            raise CatalogError(f"{where}: max_daily_move must be a positive number (a log return, or points for bp series; got {max_move!r})")
        zone = entry.get("timezone", "UTC" if calendar == "daily" else "America/New_York")
        try:
            ZoneInfo(str(zone))
        except (ZoneInfoNotFoundError, ValueError):
            raise CatalogError(f"{where}: timezone must be an IANA time zone such as America/New_York (got {zone!r})") from None
        item = Series(
            id=sid,
            name=str(entry.get("name", sid)),
            unit=str(entry.get("unit", "")),
            kind=kind,
            symbol=entry.get("symbol"),
            formula=entry.get("formula"),
            calendar=calendar,
            change=change,
            max_daily_move=float(max_move) if max_move is not None else None,
            timezone=str(zone),
        )
        if kind == "derived":
            left, _, right = item.operands()
            for part in (left, right):
                if part not in series:
                    raise CatalogError(f"{where}: formula uses {part}, which is not a series defined above it")
        elif not item.symbol:
            raise CatalogError(f"{where}: a {kind} series needs a symbol (its yfinance ticker)")
        series[sid] = item
    return Catalog(series=series)


def load_catalog(path: Path | None = None) -> Catalog:
    """Load the bundled catalog, or the given TOML file."""
    data, origin = read_toml("catalog.toml", path, CatalogError, "catalog")
    return parse_catalog(data, origin)


def with_derived(closes: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    """Add the catalog's derived series (ratios, spreads) to a wide frame of closes.

    A derived value exists only on dates where both inputs have an observation.
    """
    out = closes.copy()
    for s in catalog.derived():
        left, op, right = s.operands()
        if left not in out.columns or right not in out.columns:
            out[s.id] = float("nan")
            continue
        a, b = out[left], out[right]
        out[s.id] = a / b if op == "/" else a - b
    return out
