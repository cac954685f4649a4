"""Evaluate the watch list on a date, or replay it over history: one computation for both.

Every signal is measured over the whole history in one vectorised pass and its hysteresis and
persistence state machine is run over all its observations (macro.signals). A thesis's status on
each evaluation day (every date on which any series has an observation) follows from its signals'
states that day (macro.theses; no recovery is announced on a data gap, a recovery waits
`recovery_dwell_days` business days, and there is no status before the thesis's position series
has its first observation). `evaluate(as_of)` reads that history on one day; `replay` lists the status
changes between two dates. Measures are causal, so a replay's state on day d equals a live evaluation
run with data up to d. History (a replay, an evaluation on a given date) dates each value by the day it
was published (macro.publication), so a day's state uses only what was known that day. Manual signals
are held at the given switch positions for the whole history.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np
import pandas as pd

from regimebot.macro.catalog import Catalog
from regimebot.macro.market import Market
from regimebot.macro.publication import as_published
from regimebot.macro.regime import Regime, regime_from
from regimebot.macro.signal_kinds import SeriesCache
from regimebot.macro.signals import (
    UNKNOWN,
    SignalResult,
    SignalTrack,
    compute_track,
    from_day,
    manual_result,
    reading,
    to_days,
)
from regimebot.macro.theses import (
    STATUSES,
    StatusChange,
    dwell_recoveries,
    hold_through_gaps,
    status_codes,
    status_name,
)
from regimebot.macro.watchlist import Watchlist

__all__ = [
    "STATUSES", "Evaluation", "ThesisResult", "Transition", "ThesisStats", "Replay", "evaluate", "replay",
]


@dataclass(frozen=True)
class ThesisResult:
    """A thesis's status on the evaluation date, since when, and the signals behind it."""

    id: str
    status: str
    since: date | None
    signals: tuple[SignalResult, ...]
    evidence: tuple[SignalResult, ...]
    held: bool = False  # kept at this status through a data gap (a warn/breach signal is now unknown)


@dataclass(frozen=True)
class Evaluation:
    """The watch list's reading on one date, with where the numbers came from."""

    as_of: date
    source: str
    simulated: bool
    signals: dict[str, SignalResult]
    theses: dict[str, ThesisResult]
    regime: Regime


@dataclass(frozen=True)
class Transition(StatusChange):
    """A thesis's status change on a date (old is None for the first observation ever)."""

    thesis_id: str
    old: str | None
    new: str
    date: date
    evidence: tuple[SignalResult, ...]


@dataclass(frozen=True)
class ThesisStats:
    """Per thesis over a replay: messages (alerts + recoveries) per year, calendar days in each status."""

    transitions_per_year: float
    days_in_status: dict[str, int]
    alerts: int = 0  # moves toward invalidation in the window


@dataclass(frozen=True)
class Replay:
    """Status changes between two dates (unknown ones included; see Transition.alerted)."""

    start: date
    end: date
    transitions: list[Transition]
    stats: dict[str, ThesisStats]
    final: Evaluation

    def alerts(self) -> list[Transition]:
        return [t for t in self.transitions if t.alerted]


@dataclass
class _History:
    """Signal tracks and per-day thesis statuses for one market and watch list, up to a last day."""

    market: Market
    watchlist: Watchlist
    manual: Mapping[str, bool]
    cache: SeriesCache
    tracks: dict[str, SignalTrack]
    days: np.ndarray                      # evaluation days, ascending (int days)
    signal_states: dict[str, np.ndarray] = field(default_factory=dict)
    undwelled: dict[str, np.ndarray] = field(default_factory=dict)  # statuses before the recovery dwell
    statuses: dict[str, np.ndarray] = field(default_factory=dict)
    held: dict[str, np.ndarray] = field(default_factory=dict)

    def with_dwell(self, dwell: int) -> _History:
        """The same history with the recovery dwell applied (`dwell` business days; 0: none)."""
        statuses = {tid: dwell_recoveries(codes, self.days, dwell) for tid, codes in self.undwelled.items()}
        return replace(self, statuses=statuses)


def _build(market: Market, watchlist: Watchlist, last_day: int, manual: Mapping[str, bool] | None) -> _History:
    if watchlist.catalog is None:
        raise ValueError("the watch list was not loaded against a catalog (use load_watchlist)")
    manual = dict(manual or {})
    stale = watchlist.stale_after_days
    cache = SeriesCache(market, watchlist.catalog)
    tracks = {sid: compute_track(spec, cache, stale) for sid, spec in watchlist.signals.items() if not spec.manual}
    days = to_days(pd.DatetimeIndex(market.closes.index))
    days = days[days <= last_day]
    if not len(days) or days[-1] != last_day:
        days = np.append(days, last_day)
    hist = _History(market, watchlist, manual, cache, tracks, days)
    for sid, spec in watchlist.signals.items():
        if spec.manual:
            hist.signal_states[sid] = np.full(len(days), 2 if manual.get(sid) else 0, dtype=np.int8)
        else:
            hist.signal_states[sid] = tracks[sid].states_on(days, stale)
    for tid, thesis in watchlist.theses.items():
        specs = [watchlist.signals[s] for s in thesis.invalidation]
        matrix = np.vstack([hist.signal_states[s] for s in thesis.invalidation])
        codes = status_codes(thesis, matrix, specs)
        hist.undwelled[tid], hist.held[tid] = hold_through_gaps(
            _from_first_print(codes, cache, thesis.position.series, days), matrix, days)
    return hist.with_dwell(watchlist.recovery_dwell_days)


def _from_first_print(codes: np.ndarray, cache: SeriesCache, series_id: str, days: np.ndarray) -> np.ndarray:
    """Unknown before the thesis's position series has its first observation: no status for a thing
    that does not exist yet (bitcoin before 2014-09), however its other signals read."""
    have = cache.days(series_id)
    first = int(have[0]) if len(have) else int(days[-1]) + 1
    return np.where(days < first, UNKNOWN, codes).astype(np.int8)


def _result(hist: _History, signal_id: str, day: int) -> SignalResult:
    spec = hist.watchlist.signals[signal_id]
    if spec.manual:
        return manual_result(spec, hist.manual)
    return reading(hist.tracks[signal_id], day, hist.watchlist.stale_after_days, hist.cache)


def _evidence(results: tuple[SignalResult, ...]) -> tuple[SignalResult, ...]:
    return tuple(r for r in results if r.state in ("warn", "breach"))


def _evaluation_at(hist: _History, i: int) -> Evaluation:
    """The full reading on evaluation day index i."""
    day = int(hist.days[i])
    results = {sid: _result(hist, sid, day) for sid in hist.watchlist.signals}
    theses = {}
    for tid, thesis in hist.watchlist.theses.items():
        codes = hist.statuses[tid][: i + 1]
        changed = np.flatnonzero(codes != codes[-1])
        start = int(changed[-1]) + 1 if len(changed) else 0
        own = tuple(results[s] for s in thesis.invalidation)
        theses[tid] = ThesisResult(id=tid, status=status_name(int(codes[-1])), since=from_day(hist.days[start]),
                                   signals=own, evidence=_evidence(own), held=bool(hist.held[tid][i]))
    return Evaluation(as_of=from_day(day), source=hist.market.label, simulated=hist.market.simulated,
                      signals=results, theses=theses, regime=regime_from(results, hist.watchlist.regime))


def _day(value: date) -> int:
    return int((np.datetime64(value, "D") - np.datetime64("1970-01-01", "D")).astype(np.int64))


def _catalog(watchlist: Watchlist) -> Catalog:
    if watchlist.catalog is None:
        raise ValueError("the watch list was not loaded against a catalog (use load_watchlist)")
    return watchlist.catalog


def evaluate(market: Market, watchlist: Watchlist, as_of: date | None = None,
             manual: Mapping[str, bool] | None = None) -> Evaluation:
    """Every signal, thesis and the regime as of `as_of` (default: the market's last date, all of it known).

    On a given date the market is read as published: a value counts from its release day on.
    """
    if as_of is not None:
        market = as_published(market, _catalog(watchlist))
    as_of = as_of or market.last_date() or date.today()
    hist = _build(market, watchlist, _day(as_of), manual)
    return _evaluation_at(hist, len(hist.days) - 1)


def replay(market: Market, watchlist: Watchlist, start: date, end: date,
           manual: Mapping[str, bool] | None = None) -> Replay:
    """Every thesis status change from `start` to `end`, as live evaluation would have seen it each day."""
    return _replay(_replay_history(market, watchlist, start, end, manual), start, end)


def replay_with_and_without_dwell(market: Market, watchlist: Watchlist, start: date, end: date,
                                  manual: Mapping[str, bool] | None = None) -> tuple[Replay, Replay]:
    """`replay`, and the same replay with the recovery dwell off (the raw escalations), from one signal pass."""
    hist = _replay_history(market, watchlist, start, end, manual)
    return _replay(hist, start, end), _replay(hist.with_dwell(0), start, end)


def _replay_history(market: Market, watchlist: Watchlist, start: date, end: date,
                    manual: Mapping[str, bool] | None) -> _History:
    if end < start:
        raise ValueError(f"replay: end {end} is before start {start}")
    return _build(as_published(market, _catalog(watchlist)), watchlist, _day(end), manual)


def _replay(hist: _History, start: date, end: date) -> Replay:
    watchlist = hist.watchlist
    first = _day(start)
    in_window = hist.days >= first
    transitions: list[Transition] = []
    stats: dict[str, ThesisStats] = {}
    calendar = np.arange(first, _day(end) + 1)
    years = len(calendar) / 365.25
    for tid, thesis in watchlist.theses.items():
        codes = hist.statuses[tid]
        prev = np.concatenate(([-2], codes[:-1]))  # -2: before the first observation ever
        # the first status ever (prev -2) is a baseline, not a change
        for i in np.flatnonzero((codes != prev) & in_window & (prev != -2)):
            old = status_name(int(prev[i]))
            day = int(hist.days[i])
            own = tuple(_result(hist, s, day) for s in thesis.invalidation)
            transitions.append(Transition(tid, old, status_name(int(codes[i])), from_day(day), _evidence(own)))
        pos = np.searchsorted(hist.days, calendar, side="right") - 1
        daily = np.where(pos >= 0, codes[np.maximum(pos, 0)], UNKNOWN)
        counts = {name: int((daily == code).sum()) for code, name in enumerate(STATUSES)}
        counts["unknown"] = int((daily == UNKNOWN).sum())
        mine = [t for t in transitions if t.thesis_id == tid]
        alerted = sum(1 for t in mine if t.alerted)
        stats[tid] = ThesisStats(transitions_per_year=alerted / years if years else 0.0, days_in_status=counts,
                                 alerts=sum(1 for t in mine if t.toward_invalidation))
    transitions.sort(key=lambda t: (t.date, list(watchlist.theses).index(t.thesis_id)))
    return Replay(start=start, end=end, transitions=transitions, stats=stats,
                  final=_evaluation_at(hist, len(hist.days) - 1))
