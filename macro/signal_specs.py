"""Signal entries of the watch list: what a signal measures, its thresholds and exits, and their validation."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from types import MappingProxyType
from typing import Any

from regimebot.macro.catalog import Catalog

LANGUAGES = ("en", "zh-TW")
MEASURE_KINDS = ("level", "change", "ma_distance", "zscore_change", "correlation", "mean_correlation", "ratio")
SIGNAL_KINDS = MEASURE_KINDS + ("all", "manual")
DIRECTIONS = ("above", "below")
LEVELS = ("warn", "breach")
DEFAULT_PERSISTENCE = 2
DEFAULT_STALE_AFTER_DAYS = 5
_ID = re.compile(r"^[a-z][a-z0-9_]*$")

class WatchlistError(ValueError):
    """The watch-list file is invalid; the message names the signal, thesis or key and the fix."""


@dataclass(frozen=True)
class Measure:
    """A number computed from market series each observation day (the thing thresholds compare)."""

    kind: str
    series: tuple[str, ...]
    window: int | None = None
    lookback: int | None = None
    min_members: int | None = None
    unit: str = ""
    period: int | None = None  # correlation: returns over this many observations (5: weekly), one per period


@dataclass(frozen=True)
class Condition:
    """A gate of an `all` signal: the measure must be above (or below) a constant."""

    measure: Measure
    direction: str
    level: float


@dataclass(frozen=True)
class SignalSpec:
    """One watch-list signal: what it measures, its thresholds (with exits), persistence and meaning."""

    id: str
    kind: str
    series: tuple[str, ...]
    direction: str | None
    warn: float | None
    breach: float | None
    warn_exit: float | None
    breach_exit: float | None
    persistence: int
    meaning: Mapping[str, str]
    unit: str
    measure: Measure | None = None
    conditions: tuple[Condition, ...] = ()
    source: str = ""
    note: str = ""
    active_from: date | None = None  # a level set at a date: unknown before it (history cannot judge it)
    stale_after_days: int | None = None  # this signal's own staleness limit (a series released in weekly batches)

    @property
    def manual(self) -> bool:
        return self.kind == "manual"




def _keys(entry: Any, allowed: set[str], where: str) -> None:
    if not isinstance(entry, Mapping):
        raise WatchlistError(f"{where}: expected a table")
    unknown = set(entry) - allowed
    if unknown:
        raise WatchlistError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(allowed))}")


def _texts(value: Any, where: str, key: str, required: bool = True) -> Mapping[str, str]:
    """A {language: text} table with every supported language."""
    if value is None and not required:
        return MappingProxyType({})
    if not isinstance(value, Mapping):
        raise WatchlistError(f"{where}: {key} must be a table {{ en = \"…\", \"zh-TW\" = \"…\" }}")
    missing = [lang for lang in LANGUAGES if not str(value.get(lang, "")).strip()]
    if missing:
        raise WatchlistError(f"{where}: {key} needs a text in {', '.join(missing)}")
    extra = set(value) - set(LANGUAGES)
    if extra:
        raise WatchlistError(f"{where}: {key} has unsupported language(s) {', '.join(sorted(extra))}; use {', '.join(LANGUAGES)}")
    return MappingProxyType({lang: str(value[lang]).strip() for lang in LANGUAGES})


def _number(value: Any, where: str, key: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise WatchlistError(f"{where}: {key} must be a finite number (got {value!r})")
    return float(value)


def _window(value: Any, where: str, key: str, minimum: int = 2) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= 5000:
        raise WatchlistError(f"{where}: {key} must be a whole number of observations from {minimum} to 5000 (got {value!r})")
    return value


_MEASURE_KEYS = {"kind", "series", "window", "lookback", "min_members", "unit", "period"}


def _parse_measure(entry: Mapping[str, Any], where: str, catalog: Catalog) -> Measure:
    """The measure part of a signal or condition, with its unit checked against the series."""
    kind = entry.get("kind")
    if kind not in MEASURE_KINDS:
        raise WatchlistError(f"{where}: unknown kind {kind!r}; expected one of {', '.join(SIGNAL_KINDS)}")
    raw = entry.get("series")
    series = (raw,) if isinstance(raw, str) else tuple(raw) if isinstance(raw, list) else ()
    if not series or not all(isinstance(s, str) for s in series):
        raise WatchlistError(f"{where}: series must be a series id or a list of ids (got {raw!r})")
    for sid in series:
        if sid not in catalog:
            raise WatchlistError(f"{where}: unknown series {sid!r}; known: {', '.join(catalog.ids)}")
    repeated = sorted({sid for sid in series if series.count(sid) > 1})
    if repeated:
        raise WatchlistError(f"{where}: series {repeated[0]} is listed twice; a {kind} of a series with itself "
                             "never moves (give two different series)")
    need = {"correlation": 2, "ratio": 2}.get(kind, 1)
    if kind == "mean_correlation":
        if len(series) < 3:
            raise WatchlistError(f"{where}: mean_correlation needs at least 3 series (got {len(series)})")
    elif len(series) != need:
        raise WatchlistError(f"{where}: kind {kind} takes {need} series (got {len(series)})")
    window = lookback = min_members = None
    if kind in ("change", "ma_distance", "zscore_change", "correlation", "mean_correlation"):
        window = _window(entry.get("window"), where, "window", 1 if kind in ("change", "zscore_change") else 2)
    elif kind == "ratio" and entry.get("window") is not None:
        window = _window(entry.get("window"), where, "window", 1)
    elif entry.get("window") is not None:
        raise WatchlistError(f"{where}: kind {kind} takes no window")
    if kind == "zscore_change":
        lookback = _window(entry.get("lookback"), where, "lookback", 20)
    elif entry.get("lookback") is not None:
        raise WatchlistError(f"{where}: lookback is only for zscore_change")
    if kind == "mean_correlation":
        min_members = entry.get("min_members", 3)
        if isinstance(min_members, bool) or not isinstance(min_members, int) or not 2 <= min_members <= len(series):
            raise WatchlistError(f"{where}: min_members must be from 2 to {len(series)} (got {min_members!r})")
    elif entry.get("min_members") is not None:
        raise WatchlistError(f"{where}: min_members is only for mean_correlation")
    period = None
    if entry.get("period") is not None:
        if kind != "correlation":
            raise WatchlistError(f"{where}: period is only for correlation (returns over N observations, e.g. 5 for weekly)")
        period = _window(entry.get("period"), where, "period", 1)
        if period * (window or 0) > 5000:
            raise WatchlistError(f"{where}: period × window must be at most 5000 observations (got {period} × {window})")
    unit = _measure_unit(kind, series, window, entry.get("unit"), where, catalog)
    return Measure(kind=kind, series=series, window=window, lookback=lookback, min_members=min_members, unit=unit,
                   period=period)


def _active_from(value: Any, where: str) -> date | None:
    """A TOML date, or "YYYY-MM-DD" / "YYYY-MM" (the first of that month)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        for fmt in ("%Y-%m-%d", "%Y-%m"):
            try:
                return datetime.strptime(text, fmt).date()
            except ValueError:
                continue
    raise WatchlistError(f"{where}: active_from must be a date like 2025-04-01 or \"2025-04\" (got {value!r})")


def _measure_unit(kind: str, series: tuple[str, ...], window: int | None, declared: Any, where: str, catalog: Catalog) -> str:
    """The unit of a measure's value: % for price changes, bp or pp for yield changes, … ."""
    bp_series = catalog[series[0]].changes_in_bp
    if kind in ("change", "ma_distance"):
        allowed = ("bp", "pp") if bp_series else ("%",)
    elif kind == "level":
        allowed = ("%",) if catalog[series[0]].kind == "yield" or catalog[series[0]].unit in ("percent", "percentage points") else ("",)
        if catalog[series[0]].unit == "percentage points":
            allowed = ("pp",)
    elif kind == "zscore_change":
        allowed = ("σ",)
    elif kind == "ratio":
        allowed = ("%",) if window else ("",)
    else:
        allowed = ("",)
    if declared is None:
        return allowed[0]
    if declared not in allowed:
        shown = " or ".join(repr(a) for a in allowed)
        raise WatchlistError(f"{where}: unit {declared!r} does not fit a {kind} of {series[0]}; use {shown}")
    return str(declared)


_SIGNAL_KEYS = _MEASURE_KEYS | {
    "id", "direction", "warn", "breach", "warn_exit", "breach_exit", "warn_within_pct", "persistence",
    "meaning", "source", "note", "measure", "conditions", "active_from", "stale_after_days",
}


def _parse_signal(entry: Any, i: int, catalog: Catalog, origin: str,
                  default_persistence: int = DEFAULT_PERSISTENCE) -> SignalSpec:
    sid = str(entry.get("id", "")).strip() if isinstance(entry, Mapping) else ""
    where = f"{origin}: signal {sid}" if sid else f"{origin}: signal #{i}"
    _keys(entry, _SIGNAL_KEYS, where)
    if not _ID.match(sid):
        raise WatchlistError(f"{where}: id must be lower-case letters, digits and _ (got {sid!r})")
    kind = entry.get("kind")
    if kind not in SIGNAL_KINDS:
        raise WatchlistError(f"{where}: unknown kind {kind!r}; expected one of {', '.join(SIGNAL_KINDS)}")
    meaning = _texts(entry.get("meaning"), where, "meaning")
    common = dict(id=sid, kind=kind, meaning=meaning, source=str(entry.get("source", "")), note=str(entry.get("note", "")))
    if kind == "manual":
        extra = set(entry) & (_SIGNAL_KEYS - {"id", "kind", "meaning", "source", "note"})
        if extra:
            raise WatchlistError(f"{where}: a manual signal takes no {', '.join(sorted(extra))}")
        return SignalSpec(series=(), direction=None, warn=None, breach=None, warn_exit=None, breach_exit=None,
                          persistence=1, unit="", **common)
    conditions: tuple[Condition, ...] = ()
    if kind == "all":
        inner = entry.get("measure")
        if not isinstance(inner, Mapping):
            raise WatchlistError(f"{where}: an 'all' signal needs measure = {{ kind = …, series = … }}")
        _keys(inner, _MEASURE_KEYS, f"{where} measure")
        measure = _parse_measure(inner, f"{where} measure", catalog)
        raw_conditions = entry.get("conditions")
        if not isinstance(raw_conditions, list) or not raw_conditions:
            raise WatchlistError(f"{where}: an 'all' signal needs conditions = [ {{ kind = …, series = …, above = … }} ]")
        conditions = tuple(_parse_condition(c, f"{where} condition #{n}", catalog) for n, c in enumerate(raw_conditions, 1))
        stray = set(entry) & (_MEASURE_KEYS - {"kind"})
        if stray:
            raise WatchlistError(f"{where}: put {', '.join(sorted(stray))} inside measure = {{ … }} for an 'all' signal")
    else:
        if "measure" in entry or "conditions" in entry:
            raise WatchlistError(f"{where}: measure/conditions are only for kind = \"all\"")
        measure = _parse_measure(entry, where, catalog)
    direction = entry.get("direction")
    if direction not in DIRECTIONS:
        raise WatchlistError(f"{where}: direction must be \"above\" or \"below\" (which side is bad); got {direction!r}")
    warn, breach, warn_exit, breach_exit = _thresholds(entry, direction, where)
    persistence = entry.get("persistence", default_persistence)
    if isinstance(persistence, bool) or not isinstance(persistence, int) or not 1 <= persistence <= 30:
        raise WatchlistError(f"{where}: persistence must be a whole number of observations from 1 to 30 (got {persistence!r})")
    series: list[str] = list(measure.series)
    for cond in conditions:
        series += [s for s in cond.measure.series if s not in series]
    active_from = _active_from(entry.get("active_from"), where)
    if active_from is not None and kind != "level":
        raise WatchlistError(f"{where}: active_from is only for level signals (a level set on a date); this is kind {kind}")
    stale = entry.get("stale_after_days")
    if stale is not None and (isinstance(stale, bool) or not isinstance(stale, int) or not 1 <= stale <= 60):
        raise WatchlistError(f"{where}: stale_after_days must be a whole number of days from 1 to 60 (got {stale!r})")
    return SignalSpec(series=tuple(series), direction=direction, warn=warn, breach=breach, warn_exit=warn_exit,
                      breach_exit=breach_exit, persistence=persistence, unit=measure.unit, measure=measure,
                      conditions=conditions, active_from=active_from, stale_after_days=stale, **common)


def _parse_condition(entry: Any, where: str, catalog: Catalog) -> Condition:
    _keys(entry, _MEASURE_KEYS | {"above", "below"}, where)
    sides = [k for k in ("above", "below") if k in entry]
    if len(sides) != 1:
        raise WatchlistError(f"{where}: give exactly one of above = N or below = N")
    level = _number(entry[sides[0]], where, sides[0])
    if level is None:
        raise WatchlistError(f"{where}: {sides[0]} must be a finite number")
    return Condition(measure=_parse_measure(entry, where, catalog), direction=sides[0], level=level)


def _thresholds(entry: Mapping[str, Any], direction: str, where: str) -> tuple[float | None, ...]:
    """Warn/breach enter levels and exits; default exits per WATCHLIST.md, order checked."""
    warn = _number(entry.get("warn"), where, "warn")
    breach = _number(entry.get("breach"), where, "breach")
    warn_exit = _number(entry.get("warn_exit"), where, "warn_exit")
    breach_exit = _number(entry.get("breach_exit"), where, "breach_exit")
    within = _number(entry.get("warn_within_pct"), where, "warn_within_pct")
    sign = 1.0 if direction == "above" else -1.0  # +1: higher is worse
    if within is not None:
        if warn is not None or breach is None or within <= 0:
            raise WatchlistError(f"{where}: warn_within_pct needs a breach level, a positive percent and no warn")
        warn = round(breach - sign * abs(breach) * within / 100, 10)
    if warn is None and breach is None:
        raise WatchlistError(f"{where}: give a warn and/or breach threshold")
    worse = "above" if direction == "above" else "below"
    safer = "below" if direction == "above" else "above"
    if warn is not None and breach is not None:
        if sign * (warn - breach) >= 0:
            raise WatchlistError(
                f"{where}: warn {warn:g} is beyond breach {breach:g} for direction {direction}; "
                f"warn must be {safer} breach (a warning comes before a breach)"
            )
        gap = abs(breach - warn)
        breach_exit = round((warn + breach) / 2, 10) if breach_exit is None else breach_exit
        warn_exit = round(warn - sign * 0.2 * gap, 10) if warn_exit is None else warn_exit
    elif breach is not None:
        if breach_exit is None:
            raise WatchlistError(f"{where}: breach_exit is missing: with no warn level the default exit cannot be computed")
        if warn_exit is not None:
            raise WatchlistError(f"{where}: warn_exit given without a warn level")
    else:
        if warn_exit is None:
            raise WatchlistError(f"{where}: warn_exit is missing: with no breach level the default exit cannot be computed")
        if breach_exit is not None:
            raise WatchlistError(f"{where}: breach_exit given without a breach level")
    if breach is not None and breach_exit is not None and sign * (breach_exit - breach) > 0:
        raise WatchlistError(f"{where}: breach_exit {breach_exit:g} must not be {worse} breach {breach:g}")
    if warn is not None and warn_exit is not None and sign * (warn_exit - warn) > 0:
        raise WatchlistError(f"{where}: warn_exit {warn_exit:g} must not be {worse} warn {warn:g}")
    if warn_exit is not None and breach_exit is not None and sign * (warn_exit - breach_exit) > 0:
        raise WatchlistError(f"{where}: warn_exit {warn_exit:g} must not be {worse} breach_exit {breach_exit:g}")
    return warn, breach, warn_exit, breach_exit
