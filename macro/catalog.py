"""The series catalog: which market series the bot knows, where they come from, and their units."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from regimebot.macro.tomlfile import read_toml

KINDS = ("price", "index", "yield", "spread", "balance", "derived")
CALENDARS = ("trading", "bonds", "tokyo", "daily")  # NYSE, SIFMA US bonds, Japan, every day (macro.calendars)
SOURCES = ("yahoo", "fred", "mof", "treasury")
FREQUENCIES = ("daily", "weekly")
BP_KINDS = ("yield", "spread")  # percent levels whose changes are in basis points
MONEY_SCALE = {"USD millions": 1e6, "USD billions": 1e9, "USD trillions": 1e12}
_RATIO = re.compile(r"^\s*([A-Z][A-Z0-9_]*)\s*/\s*([A-Z][A-Z0-9_]*)\s*$")
_TERM = re.compile(r"^(?:(\d+(?:\.\d+)?)\s*\*\s*)?([A-Z][A-Z0-9_]*)(?:\s*([*/])\s*(\d+(?:\.\d+)?))?$")


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
    max_daily_change: float | None = None  # instead, an absolute bound in the series' unit (balances that reach 0)
    no_move_bound: str = ""  # why no one-day bound can be declared (empty: one is declared, or the series is derived)
    timezone: str = "America/New_York"  # the exchange's time zone: a row dated after today there is rejected
    source: str = "yahoo"  # which provider serves it: "yahoo", "fred", "mof" or "treasury"
    frequency: str = "daily"  # "daily" or "weekly" (one observation a week, e.g. the Fed's H.4.1)
    fill_days: int = 0  # derived: each input carried forward at most this many calendar days
    short_history: bool = False  # the source keeps only recent years (e.g. ICE indices on FRED)
    published_lag_days: int = 0  # sessions of its calendar after day D until D's value is known (H.15: 1)

    @property
    def derived(self) -> bool:
        return self.kind == "derived"

    @property
    def changes_in_bp(self) -> bool:
        return self.change == "bp"

    def formula_parts(self) -> Formula:
        """The parsed formula of a derived series."""
        return parse_formula(self.formula or "", self.id)

    def operands(self) -> list[str]:
        """The series ids a derived series is computed from, in formula order."""
        return [sid for _, sid in self.formula_parts().terms]


@dataclass(frozen=True)
class Formula:
    """A derived series' formula: a ratio `A / B`, or a sum of scaled terms like `WALCL / 1000 - RRPONTSYD`."""

    ratio: bool
    terms: tuple[tuple[float, str], ...]  # (coefficient, series id); a ratio is ((1, A), (1, B))


def parse_formula(text: str, series_id: str = "?") -> Formula:
    """Parse `A / B` (ratio) or `[k *] A [/ k | * k] ± …` (a linear combination with constant factors)."""
    ratio = _RATIO.match(text)
    if ratio:
        return Formula(True, ((1.0, ratio.group(1)), (1.0, ratio.group(2))))
    pieces = re.split(r"\s*([+-])\s*", text.strip())
    if pieces and pieces[0] == "":
        pieces = pieces[1:]
    else:
        pieces = ["+", *pieces]
    terms: list[tuple[float, str]] = []
    for sign, body in zip(pieces[::2], pieces[1::2]):
        match = _TERM.match(body)
        if not match or sign not in "+-":
            raise CatalogError(f"series {series_id}: formula {text!r} is not 'A / B' or a sum like 'A / 1000 - B - C'")
        factor = float(match.group(1) or 1.0)
        if match.group(4):
            factor = factor / float(match.group(4)) if match.group(3) == "/" else factor * float(match.group(4))
        terms.append((factor if sign == "+" else -factor, match.group(2)))
    if len(terms) < 2 or len(pieces) % 2:
        raise CatalogError(f"series {series_id}: formula {text!r} is not 'A / B' or a sum like 'A / 1000 - B - C'")
    return Formula(False, tuple(terms))


@dataclass(frozen=True)
class Catalog:
    """All known series, by id, in file order."""

    series: Mapping[str, Series]

    def __contains__(self, series_id: object) -> bool:
        return series_id in self.series

    def __getitem__(self, series_id: str) -> Series:
        return self.series[series_id]

    def __iter__(self) -> Iterator[Series]:
        return iter(self.series.values())

    @property
    def ids(self) -> list[str]:
        return list(self.series)

    def downloadable(self) -> list[Series]:
        return [s for s in self.series.values() if not s.derived]

    def derived(self) -> list[Series]:
        return [s for s in self.series.values() if s.derived]

    def by_source(self) -> dict[str, list[Series]]:
        """The downloadable series grouped by the source that serves them, in file order."""
        out: dict[str, list[Series]] = {}
        for s in self.downloadable():
            out.setdefault(s.source, []).append(s)
        return out

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
            parts = s.operands() if s.derived else [sid]
            for part in parts:
                if part not in needed:
                    needed.append(part)
        return needed


def adhoc_series(symbol: str) -> Series:
    """A series for a data-source symbol that is not in the catalog (e.g. `/quote NVDA`)."""
    sym = symbol.strip().upper()
    return Series(id=sym, name=sym, unit="", kind="price", symbol=sym)


def parse_catalog(data: Mapping[str, Any], origin: str = "catalog") -> Catalog:
    """Validate a parsed catalog TOML document."""
    entries = data.get("series")
    if not isinstance(entries, list) or not entries:
        raise CatalogError(f"{origin}: expected one or more [[series]] tables")
    series: dict[str, Series] = {}
    allowed = {"id", "name", "symbol", "unit", "kind", "formula", "calendar", "change", "source", "frequency", "fill_days", "short_history",
               "published_lag_days", "max_daily_move", "max_daily_change", "no_move_bound", "timezone"}
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
        change = entry.get("change", "bp" if kind in BP_KINDS else "pct")
        if change not in ("pct", "bp"):
            raise CatalogError(f"{where}: change must be 'pct' or 'bp' (got {change!r})")
        max_move = entry.get("max_daily_move")
        if max_move is not None and (isinstance(max_move, bool) or not isinstance(max_move, int | float) or not 0 < max_move < 100):
            raise CatalogError(f"{where}: max_daily_move must be a positive number (a log return, or points for bp series; got {max_move!r})")
        max_change = entry.get("max_daily_change")
        if max_change is not None and (isinstance(max_change, bool) or not isinstance(max_change, int | float) or not max_change > 0):
            raise CatalogError(f"{where}: max_daily_change must be a positive number in the series' unit (got {max_change!r})")
        no_bound = entry.get("no_move_bound", "")
        if not isinstance(no_bound, str):
            raise CatalogError(f"{where}: no_move_bound must be the reason, as text (got {no_bound!r})")
        if sum(x is not None and x != "" for x in (max_move, max_change, no_bound)) > 1:
            raise CatalogError(f"{where}: declare one of max_daily_move, max_daily_change or no_move_bound, not several")
        zone = entry.get("timezone", {"daily": "UTC", "tokyo": "Asia/Tokyo"}.get(calendar, "America/New_York"))
        try:
            ZoneInfo(str(zone))
        except (ZoneInfoNotFoundError, ValueError):
            raise CatalogError(f"{where}: timezone must be an IANA time zone such as America/New_York (got {zone!r})") from None
        source = entry.get("source", "yahoo")
        if source not in SOURCES:
            raise CatalogError(f"{where}: source must be one of {', '.join(SOURCES)} (got {source!r})")
        frequency = entry.get("frequency", "daily")
        if frequency not in FREQUENCIES:
            raise CatalogError(f"{where}: frequency must be one of {', '.join(FREQUENCIES)} (got {frequency!r})")
        fill_days = entry.get("fill_days", 0)
        if isinstance(fill_days, bool) or not isinstance(fill_days, int) or not 0 <= fill_days <= 31:
            raise CatalogError(f"{where}: fill_days must be a whole number of days from 0 to 31 (got {fill_days!r})")
        short_history = entry.get("short_history", False)
        if not isinstance(short_history, bool):
            raise CatalogError(f"{where}: short_history must be true or false (got {short_history!r})")
        lag = entry.get("published_lag_days", 0)
        if isinstance(lag, bool) or not isinstance(lag, int) or not 0 <= lag <= 10:
            raise CatalogError(f"{where}: published_lag_days must be a whole number of sessions from 0 to 10 (got {lag!r})")
        symbol = entry.get("symbol")
        if symbol is None and source != "yahoo" and kind != "derived":
            symbol = sid  # FRED and MoF series are asked for by their own id (or a column name given as symbol)
        item = Series(
            id=sid,
            name=str(entry.get("name", sid)),
            unit=str(entry.get("unit", "")),
            kind=kind,
            symbol=symbol,
            formula=entry.get("formula"),
            calendar=calendar,
            change=change,
            max_daily_move=float(max_move) if max_move is not None else None,
            max_daily_change=float(max_change) if max_change is not None else None,
            no_move_bound=no_bound.strip(),
            timezone=str(zone),
            source=source,
            frequency=frequency,
            fill_days=fill_days,
            short_history=short_history,
            published_lag_days=lag,
        )
        if kind == "derived":
            for part in item.operands():
                if part not in series:
                    raise CatalogError(f"{where}: formula uses {part}, which is not a series defined above it")
            _check_money_units(item, series, where)
        elif not item.symbol:
            raise CatalogError(f"{where}: a {kind} series needs a symbol (its yfinance ticker)")
        series[sid] = item
    return Catalog(series=series)


def _check_money_units(item: Series, known: Mapping[str, Series], where: str) -> None:
    """A sum in USD millions/billions must scale each input to its own unit (WALCL in millions → `WALCL / 1000`)."""
    formula = item.formula_parts()
    if formula.ratio or item.unit not in MONEY_SCALE:
        return
    for factor, sid in formula.terms:
        unit = known[sid].unit
        if unit not in MONEY_SCALE:
            raise CatalogError(f"{where}: {sid} is in {unit or 'no unit'}, which cannot be added to a series in {item.unit}")
        wanted = MONEY_SCALE[unit] / MONEY_SCALE[item.unit]
        if not math.isclose(abs(factor), wanted, rel_tol=1e-9):
            raise CatalogError(f"{where}: {sid} is in {unit}; to add it to a series in {item.unit} scale it by {wanted:g} (got {abs(factor):g})")


def load_catalog(path: Path | None = None) -> Catalog:
    """Load the bundled catalog, or the given TOML file."""
    data, origin = read_toml("catalog.toml", path, CatalogError, "catalog")
    return parse_catalog(data, origin)


def with_derived(closes: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    """Add the catalog's derived series (ratios, spreads, sums) to a wide frame of closes.

    Without `fill_days` a derived value exists only on dates where every input has an observation.
    With it, each input is carried forward day by day at most `fill_days` calendar days (a weekly
    series into the days after it), and the value exists on dates where any input has its own one.
    """
    out = closes.copy()
    for s in catalog.derived():
        formula = s.formula_parts()
        ids = [sid for _, sid in formula.terms]
        if any(sid not in out.columns for sid in ids):
            out[s.id] = float("nan")
            continue
        if formula.ratio:
            out[s.id] = out[ids[0]] / out[ids[1]]
            continue
        inputs = [_carried(out[sid], s.fill_days) for sid in ids]
        total = sum((factor * col for (factor, _), col in zip(formula.terms, inputs)), pd.Series(0.0, index=out.index))
        if s.fill_days:
            observed = out[ids].notna().any(axis=1)
            total = total.where(observed)
        out[s.id] = total
    return out


def _carried(column: pd.Series, fill_days: int) -> pd.Series:
    """A column with each observation carried forward at most `fill_days` calendar days (0: as is)."""
    own = column.dropna()
    if not fill_days or own.empty:
        return column
    days = pd.date_range(own.index[0], max(own.index[-1], column.index[-1]), freq="D")
    return own.reindex(days).ffill(limit=fill_days).reindex(column.index)
