"""The watch list: signals, theses and regime rules read from TOML and validated against the catalog.

No threshold or thesis lives in Python: the bundled `macro/data/watchlist.toml` holds the defaults
and a user file (REGIMEBOT_WATCHLIST) replaces it entirely. Every error names the entry at fault.
Signal entries are parsed in macro.signal_specs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from regimebot.macro.catalog import Catalog
from regimebot.macro.positions import Pain, Position, parse_pain, parse_position
from regimebot.macro.signal_specs import (  # noqa: F401 - re-exported: the watch list's public names
    _ID,
    DEFAULT_PERSISTENCE,
    DEFAULT_STALE_AFTER_DAYS,
    DIRECTIONS,
    LANGUAGES,
    LEVELS,
    MEASURE_KINDS,
    SIGNAL_KINDS,
    Condition,
    Measure,
    SignalSpec,
    WatchlistError,
    _keys,
    _parse_signal,
    _texts,
)
from regimebot.macro.tomlfile import read_toml

DEFAULT_RECOVERY_DWELL_DAYS = 10
VERDICTS = ("calm", "liquidity_panic", "credit_stress", "cross_border_outflow", "bond_market_stress", "unknown")


@dataclass(frozen=True)
class ThesisSpec:
    """An investment thesis and the signals whose breaches say it is failing."""

    id: str
    name: Mapping[str, str]
    rationale: Mapping[str, str]
    positions: Mapping[str, str]
    invalidation: tuple[str, ...]
    confirming: tuple[str, ...]
    k: int
    hard: tuple[str, ...]
    source: str
    position: Position  # the holding the thesis protects
    pain: Pain          # the loss it exists to avoid (the scorecard's yardstick)


@dataclass(frozen=True)
class RegimeLineSpec:
    """One dashboard line: a key the handlers translate, shown with a signal's value and state."""

    key: str
    signal: str


@dataclass(frozen=True)
class VerdictRule:
    """The verdict applies when every `when_all` and at least one `when_any` (signal, min level) holds."""

    verdict: str
    when_all: tuple[tuple[str, str], ...]
    when_any: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class RegimeSpec:
    """Dashboard lines, verdict rules tried in order (first match wins), signals the verdict needs."""

    lines: tuple[RegimeLineSpec, ...]
    verdicts: tuple[VerdictRule, ...]
    require: tuple[str, ...]


@dataclass(frozen=True)
class Watchlist:
    """Signals and theses (file order), the regime rules and the staleness tolerance."""

    signals: Mapping[str, SignalSpec]
    theses: Mapping[str, ThesisSpec]
    regime: RegimeSpec
    catalog: Catalog | None = None
    stale_after_days: int = DEFAULT_STALE_AFTER_DAYS
    origin: str = "watch list"
    recovery_dwell_days: int = DEFAULT_RECOVERY_DWELL_DAYS  # business days a better status must hold

    def thresholds_for(self, series_id: str) -> list[tuple[str, str, float]]:
        """(signal id, "warn"|"breach", level) of the level signals on this series, for charts."""
        out: list[tuple[str, str, float]] = []
        for spec in self.signals.values():
            if spec.kind == "level" and spec.series == (series_id,):
                for name, level in (("warn", spec.warn), ("breach", spec.breach)):
                    if level is not None:
                        out.append((spec.id, name, level))
        return out

    def manual_signals(self) -> list[str]:
        """Ids of the signals switched on and off from the chat."""
        return [s.id for s in self.signals.values() if s.manual]


def load_watchlist(path: Path | None, catalog: Catalog) -> Watchlist:
    """Load the bundled watch list (path None) or a user file, which replaces it entirely."""
    data, origin = read_toml("watchlist.toml", path, WatchlistError, "watch-list", "check REGIMEBOT_WATCHLIST")
    return parse_watchlist(data, catalog, origin)


def parse_watchlist(data: Mapping[str, Any], catalog: Catalog, origin: str = "watch list") -> Watchlist:
    """Validate a parsed watch-list document against the catalog."""
    _keys(data, {"stale_after_days", "recovery_dwell_days", "persistence", "signals", "theses", "regime"}, origin)
    stale = data.get("stale_after_days", DEFAULT_STALE_AFTER_DAYS)
    if not isinstance(stale, int) or isinstance(stale, bool) or not 1 <= stale <= 60:
        raise WatchlistError(f"{origin}: stale_after_days must be a whole number of days from 1 to 60 (got {stale!r})")
    dwell = data.get("recovery_dwell_days", DEFAULT_RECOVERY_DWELL_DAYS)
    if not isinstance(dwell, int) or isinstance(dwell, bool) or not 0 <= dwell <= 60:
        raise WatchlistError(
            f"{origin}: recovery_dwell_days must be a whole number of business days from 0 to 60 (got {dwell!r})")
    persistence = data.get("persistence", DEFAULT_PERSISTENCE)
    if not isinstance(persistence, int) or isinstance(persistence, bool) or not 1 <= persistence <= 30:
        raise WatchlistError(
            f"{origin}: persistence must be a whole number of observations from 1 to 30 (got {persistence!r})")
    raw_signals = data.get("signals")
    if not isinstance(raw_signals, list) or not raw_signals:
        raise WatchlistError(f"{origin}: expected one or more [[signals]] tables")
    signals: dict[str, SignalSpec] = {}
    for i, entry in enumerate(raw_signals, 1):
        spec = _parse_signal(entry, i, catalog, origin, persistence)
        if spec.id in signals:
            raise WatchlistError(f"{origin}: signal {spec.id} is defined twice")
        signals[spec.id] = spec
    raw_theses = data.get("theses", [])
    if not isinstance(raw_theses, list):
        raise WatchlistError(f"{origin}: theses must be [[theses]] tables")
    theses: dict[str, ThesisSpec] = {}
    for i, entry in enumerate(raw_theses, 1):
        thesis = _parse_thesis(entry, i, signals, catalog, origin)
        if thesis.id in theses:
            raise WatchlistError(f"{origin}: thesis {thesis.id} is defined twice")
        theses[thesis.id] = thesis
    regime = _parse_regime(data.get("regime", {}), signals, origin)
    return Watchlist(
        signals=MappingProxyType(signals),
        theses=MappingProxyType(theses),
        regime=regime,
        catalog=catalog,
        stale_after_days=stale,
        origin=origin,
        recovery_dwell_days=dwell,
    )


_THESIS_KEYS = {"id", "name", "rationale", "positions", "invalidation", "confirming", "k", "hard", "source",
                "position", "pain"}


def _parse_thesis(entry: Any, i: int, signals: Mapping[str, SignalSpec], catalog: Catalog, origin: str) -> ThesisSpec:
    tid = str(entry.get("id", "")).strip() if isinstance(entry, Mapping) else ""
    where = f"{origin}: thesis {tid}" if tid else f"{origin}: thesis #{i}"
    _keys(entry, _THESIS_KEYS, where)
    if not _ID.match(tid):
        raise WatchlistError(f"{where}: id must be lower-case letters, digits and _ (got {tid!r})")

    def ids(key: str, required: bool) -> tuple[str, ...]:
        raw = entry.get(key, [])
        if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
            raise WatchlistError(f"{where}: {key} must be a list of signal ids")
        if required and not raw:
            raise WatchlistError(f"{where}: {key} needs at least one signal")
        for sid in raw:
            if sid not in signals:
                raise WatchlistError(f"{where}: {key} names signal {sid!r}, which is not defined; known: {', '.join(signals)}")
        if len(set(raw)) != len(raw):
            raise WatchlistError(f"{where}: {key} lists a signal twice")
        return tuple(raw)

    invalidation = ids("invalidation", True)
    confirming = ids("confirming", False)
    hard = ids("hard", False)
    for sid in hard:
        if sid not in invalidation:
            raise WatchlistError(f"{where}: hard signal {sid} must also be in invalidation")
    k = entry.get("k", 2)
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise WatchlistError(f"{where}: k must be a whole number ≥ 1 (got {k!r})")
    if k > len(invalidation) and not hard:
        raise WatchlistError(
            f"{where}: k = {k} but only {len(invalidation)} invalidation signal(s) and none hard: it could never be invalidated"
        )
    position = parse_position(entry.get("position"), where, catalog)
    return ThesisSpec(
        id=tid,
        name=_texts(entry.get("name"), where, "name"),
        rationale=_texts(entry.get("rationale"), where, "rationale"),
        positions=_texts(entry.get("positions"), where, "positions", required=False),
        invalidation=invalidation,
        confirming=confirming,
        k=k,
        hard=hard,
        source=str(entry.get("source", "")),
        position=position,
        pain=parse_pain(entry.get("pain"), where, position),
    )


def _parse_level_ref(text: Any, where: str, signals: Mapping[str, SignalSpec]) -> tuple[str, str]:
    """'signal_id:warn' or 'signal_id:breach' → (signal id, level)."""
    if not isinstance(text, str) or text.count(":") != 1:
        raise WatchlistError(f"{where}: conditions look like \"credit_widening:breach\" (got {text!r})")
    sid, level = (p.strip() for p in text.split(":"))
    if sid not in signals:
        raise WatchlistError(f"{where}: names signal {sid!r}, which is not defined")
    if level not in LEVELS:
        raise WatchlistError(f"{where}: level must be warn or breach (got {level!r})")
    return sid, level


def _list(data: Mapping[str, Any], key: str, where: str, of: str) -> list[Any]:
    """A key that must hold a list (a TOML array), e.g. `require = ["vix_level"]`, not `require = 5`."""
    value = data.get(key, [])
    if not isinstance(value, list):
        raise WatchlistError(f"{where}: {key} must be a list of {of} (got {value!r})"[:300])
    return value


def _parse_regime(data: Any, signals: Mapping[str, SignalSpec], origin: str) -> RegimeSpec:
    where = f"{origin}: regime"
    _keys(data, {"lines", "verdicts", "require"}, where)
    lines = []
    for n, line in enumerate(_list(data, "lines", where, "[[regime.lines]] tables"), 1):
        lw = f"{where} line #{n}"
        _keys(line, {"key", "signal"}, lw)
        key, sid = line.get("key"), line.get("signal")
        if not isinstance(key, str) or not _ID.match(key):
            raise WatchlistError(f"{lw}: key must be lower-case letters, digits and _ (got {key!r})")
        if not isinstance(sid, str) or sid not in signals:
            raise WatchlistError(f"{lw} ({key}): names signal {sid!r}, which is not defined")
        lines.append(RegimeLineSpec(key=key, signal=sid))
    rules = []
    for n, rule in enumerate(_list(data, "verdicts", where, "[[regime.verdicts]] tables"), 1):
        rw = f"{where} verdict #{n}"
        _keys(rule, {"verdict", "when_all", "when_any"}, rw)
        verdict = rule.get("verdict")
        if verdict not in VERDICTS or verdict in ("calm", "unknown"):
            raise WatchlistError(f"{rw}: verdict must be one of {', '.join(v for v in VERDICTS if v not in ('calm', 'unknown'))} (got {verdict!r})")
        conditions = 'conditions like "credit_widening:breach"'
        when_all = tuple(_parse_level_ref(x, f"{rw} ({verdict})", signals)
                         for x in _list(rule, "when_all", f"{rw} ({verdict})", conditions))
        when_any = tuple(_parse_level_ref(x, f"{rw} ({verdict})", signals)
                         for x in _list(rule, "when_any", f"{rw} ({verdict})", conditions))
        if not when_all and not when_any:
            raise WatchlistError(f"{rw} ({verdict}): give when_all and/or when_any")
        rules.append(VerdictRule(verdict=verdict, when_all=when_all, when_any=when_any))
    require = _list(data, "require", where, "signal ids")
    for sid in require:
        if not isinstance(sid, str) or sid not in signals:
            raise WatchlistError(f"{where}: require names signal {sid!r}, which is not defined")
    return RegimeSpec(lines=tuple(lines), verdicts=tuple(rules), require=tuple(require))
