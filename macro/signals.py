"""Signal states: hysteresis and persistence over a whole history, vectorised, plus a reading on one date.

A numeric signal's state on each of its observations is ok / warn / breach, or unknown where its
value is NaN. States change only when the condition held for `persistence` consecutive fresh
observations (distinct sessions of the series' market calendar, macro.calendars: a repeated print, or a
weekend or holiday row, neither confirms nor resets; it keeps the state); a warn or breach clears only when the value
goes back past its exit threshold. The first observation after an unknown stretch (or after a gap of
more than `stale_after_days`) takes its zone but at most warn: one print never goes straight to breach.
On an evaluation date the reading is the latest observation's state if that observation is at most
`stale_after_days` calendar days old, else unknown (never a breach).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import cast

import numpy as np
import pandas as pd

from regimebot.macro.signal_kinds import SeriesCache, gate_values
from regimebot.macro.signal_specs import SignalSpec

STATES = ("ok", "warn", "breach")
UNKNOWN = -1
EPOCH = np.datetime64("1970-01-01", "D")
EPOCH_DATE = date(1970, 1, 1)


def state_name(code: int) -> str:
    return "unknown" if code < 0 else STATES[code]


@dataclass(frozen=True)
class SignalResult:
    """A signal's reading on one date: state, value and thresholds, since when, and why if unknown."""

    id: str
    kind: str
    state: str
    value: float | None
    unit: str
    warn: float | None
    breach: float | None
    warn_exit: float | None
    breach_exit: float | None
    since: date | None
    series: tuple[str, ...]
    reason: str = ""
    direction: str | None = None
    observed: date | None = None
    meaning: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)  # {language: sentence}

    def clears_at(self) -> tuple[str, float] | None:
        """("below" | "above", level) where a warn or breach clears; None otherwise."""
        return clears_at(self.state, self.direction, self.warn_exit, self.breach_exit)

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-able form (evidence of transitions, --json output)."""
        return {
            "signal": self.id, "kind": self.kind, "state": self.state, "value": self.value, "unit": self.unit,
            "direction": self.direction, "warn": self.warn, "breach": self.breach, "warn_exit": self.warn_exit,
            "breach_exit": self.breach_exit, "since": self.since, "observed": self.observed,
            "series": list(self.series), "reason": self.reason, "meaning": dict(self.meaning),
        }


def clears_at(state: str, direction: str | None, warn_exit: float | None,
              breach_exit: float | None) -> tuple[str, float] | None:
    """Where a signal in warn or breach clears: ("below", 130.0) for a breach of an "above" signal.

    A breach clears past its breach exit (to warn, or to ok if also past the warn exit), a warn past
    its warn exit, each after `persistence` fresh observations; None for ok, unknown and manual signals.
    """
    level = breach_exit if state == "breach" else warn_exit if state == "warn" else None
    if level is None or direction not in ("above", "below"):
        return None
    return ("below" if direction == "above" else "above"), level


def _normalised(spec: SignalSpec) -> tuple[float, float, float, float]:
    """(warn, breach, warn_exit, breach_exit) with the sign flipped so that higher is always worse."""
    sign = 1.0 if spec.direction == "above" else -1.0
    warn, breach, warn_exit, breach_exit = spec.warn, spec.breach, spec.warn_exit, spec.breach_exit
    if breach is None or breach_exit is None:  # warn only (parsing guarantees its exit)
        assert warn is not None and warn_exit is not None, spec.id
        return sign * warn, math.inf, sign * warn_exit, math.inf
    if warn is None or warn_exit is None:      # breach only
        return sign * breach, sign * breach, sign * breach_exit, sign * breach_exit
    return sign * warn, sign * breach, sign * warn_exit, sign * breach_exit


def _runs(flags: np.ndarray, restarts: np.ndarray | None = None) -> np.ndarray:
    """Length of the run of consecutive True values ending at each position (a restart begins a new run)."""
    idx = np.arange(len(flags))
    breaks = np.where(flags, -1, idx)
    if restarts is not None:
        breaks = np.where(flags & restarts, idx - 1, breaks)
    return idx - np.maximum.accumulate(breaks)


def hysteresis_states(values: np.ndarray, warn: float, breach: float, warn_exit: float, breach_exit: float,
                      persistence: int, initial: int = UNKNOWN, restarts: np.ndarray | None = None) -> np.ndarray:
    """States (-1 unknown, 0 ok, 1 warn, 2 breach) of normalised values (higher is worse), vectorised.

    Each observation's run counts fix the state machine's move: "to breach", "to ok" and "to warn"
    set the state outright; "escalate to at least warn" and "clear a breach to warn" only act on
    ok and breach. So the state is the last outright setting, moved to warn if an opposing partial
    move followed it. `walk_states` is the same machine written as a plain loop. An entry (the first
    valid value, or the first after a NaN) takes its zone but at most warn. `initial` is the state
    before the first value (a feed resuming after a gap): if known, the first value is no entry and
    the state moves from `initial` only by persistence, like any other. At each `restarts` position
    (the first print after a gap) the persistence counts start again; the state carries on.
    """
    v = np.asarray(values, dtype="float64")
    n = len(v)
    if n == 0:
        return np.zeros(0, dtype=np.int8)
    idx = np.arange(n)
    valid = ~np.isnan(v)
    with np.errstate(invalid="ignore"):
        up1, up2 = valid & (v > warn), valid & (v > breach)
        clr1, clr2 = valid & (v < warn_exit), valid & (v < breach_exit)
    p = persistence
    r_up1, r_up2, r_clr1, r_clr2 = (_runs(f, restarts) >= p for f in (up1, up2, clr1, clr2))
    to_breach = r_up2
    to_ok = r_clr1
    to_warn = r_up1 & r_clr2
    at_least_warn = r_up1 & ~to_breach & ~to_warn
    at_most_warn = r_clr2 & ~r_up1 & ~to_ok
    entry = valid & np.concatenate(([initial < 0], ~valid[:-1]))
    zone = np.where(up1, 1, 0)  # an entry is at most warn, whatever its zone
    outright = entry | to_breach | to_ok | to_warn
    value = np.where(entry, zone, np.where(to_breach, 2, np.where(to_ok, 0, 1)))
    last = np.maximum.accumulate(np.where(outright, idx, -1))
    state = np.where(last >= 0, value[np.maximum(last, 0)], initial).astype(np.int8)
    last_up = np.maximum.accumulate(np.where(at_least_warn & ~outright, idx, -1))
    last_down = np.maximum.accumulate(np.where(at_most_warn & ~outright, idx, -1))
    state[(state == 2) & (last_down > last)] = 1
    state[(state == 0) & (last_up > last)] = 1
    state[~valid] = UNKNOWN
    return state


def walk_states(values: np.ndarray, warn: float, breach: float, warn_exit: float, breach_exit: float, persistence: int,
                initial: int = UNKNOWN, restarts: np.ndarray | None = None) -> np.ndarray:
    """The reference state machine, one observation at a time (tests and the naive benchmark)."""
    out = np.empty(len(values), dtype=np.int8)
    level = initial
    c_up1 = c_up2 = c_clr1 = c_clr2 = 0
    p = persistence
    for i, x in enumerate(values):
        if x != x:  # NaN: unknown, counts restart
            level, c_up1, c_up2, c_clr1, c_clr2 = UNKNOWN, 0, 0, 0, 0
            out[i] = level
            continue
        if restarts is not None and restarts[i]:
            c_up1 = c_up2 = c_clr1 = c_clr2 = 0
        c_up1 = c_up1 + 1 if x > warn else 0
        c_up2 = c_up2 + 1 if x > breach else 0
        c_clr1 = c_clr1 + 1 if x < warn_exit else 0
        c_clr2 = c_clr2 + 1 if x < breach_exit else 0
        if level == UNKNOWN:
            level = 1 if x > warn else 0  # never straight to breach
        elif c_up2 >= p and level < 2:
            level = 2
        elif c_up1 >= p and level < 1:
            level = 1
        elif level == 2 and c_clr2 >= p:
            level = 0 if c_clr1 >= p else 1
        elif level == 1 and c_clr1 >= p:
            level = 0
        out[i] = level
    return out


@dataclass(frozen=True)
class SignalTrack:
    """One numeric signal over its whole history: observation days, values, states, state start."""

    spec: SignalSpec
    days: np.ndarray       # int64 days since 1970-01-01, ascending
    values: np.ndarray     # the measure's value (shown to users)
    states: np.ndarray     # int8 codes
    started: np.ndarray    # index of the observation where the current state began

    def positions(self, eval_days: np.ndarray, stale_days: int) -> np.ndarray:
        """Index of the reading used on each evaluation day (-1: none fresh enough; the signal's own limit wins)."""
        stale_days = stale_limit(self.spec, stale_days)
        pos = np.searchsorted(self.days, eval_days, side="right") - 1
        safe = np.maximum(pos, 0)
        fresh = (pos >= 0) & (eval_days - self.days[safe] <= stale_days) if len(self.days) else np.zeros(len(eval_days), bool)
        return np.where(fresh, pos, -1)

    def states_on(self, eval_days: np.ndarray, stale_days: int) -> np.ndarray:
        pos = self.positions(eval_days, stale_days)
        if not len(self.states):
            return np.full(len(eval_days), UNKNOWN, dtype=np.int8)
        return np.where(pos >= 0, self.states[np.maximum(pos, 0)], UNKNOWN).astype(np.int8)


def to_days(index: pd.Index) -> np.ndarray:
    """Int days since 1970-01-01 of a date index."""
    return (pd.DatetimeIndex(index).values.astype("datetime64[D]") - EPOCH).astype(np.int64)


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def from_day(day: int) -> date:
    return date.fromordinal(_EPOCH_ORDINAL + int(day))


def confirmed_states(values: np.ndarray, fresh: np.ndarray, days: np.ndarray, warn: float, breach: float,
                     warn_exit: float, breach_exit: float, persistence: int, stale_days: int) -> np.ndarray:
    """States of normalised values where only fresh observations confirm, and a gap restarts the machine.

    The state machine runs over the fresh (or unknown) observations; a stale one (a repeated print, a
    holiday row) keeps the state before it. Two fresh observations more than `stale_days` apart
    have no confirmation across them: the persistence counts restart after the gap, from the state
    before it (or as an entry, at most warn, if that was unknown), so one print never jumps to breach.
    """
    n = len(values)
    if n == 0:
        return np.zeros(0, dtype=np.int8)
    keep = np.flatnonzero(fresh | np.isnan(values))
    sub = values[keep]
    restarts = np.zeros(len(sub), dtype=bool)
    restarts[1:] = np.diff(days[keep]) > stale_days
    sub_states = hysteresis_states(sub, warn, breach, warn_exit, breach_exit, persistence, restarts=restarts)
    idx = np.arange(n)
    marks = np.full(n, -1)
    marks[keep] = idx[keep]
    last = np.maximum.accumulate(marks)
    full = np.full(n, UNKNOWN, dtype=np.int8)
    full[keep] = sub_states
    return np.where(last >= 0, full[np.maximum(last, 0)], UNKNOWN).astype(np.int8)


def stale_limit(spec: SignalSpec, stale_days: int) -> int:
    """Calendar days a reading stays fresh: the signal's own `stale_after_days`, else the watch list's."""
    return spec.stale_after_days if spec.stale_after_days is not None else stale_days


def compute_track(spec: SignalSpec, cache: SeriesCache, stale_days: int) -> SignalTrack:
    """Measure a numeric signal over the whole history and run its state machine."""
    assert spec.measure is not None, "a numeric signal has a measure"
    stale_days = stale_limit(spec, stale_days)
    values = cache.measure(spec.measure, stale_days)
    index = cast(pd.DatetimeIndex, values.index)
    effective = values.to_numpy(dtype="float64", copy=True)
    sign = 1.0 if spec.direction == "above" else -1.0
    effective *= sign
    if spec.conditions:
        gate = gate_values(spec.conditions, index, cache, stale_days)
        # gated off: deep on the safe side; an unknown measure or gate stays unknown
        effective = np.where(np.isnan(gate) | np.isnan(effective), np.nan, np.where(gate > 0, effective, -np.inf))
    days = to_days(index)
    if spec.active_from is not None:
        effective[days < (np.datetime64(spec.active_from, "D") - EPOCH).astype(np.int64)] = np.nan
    fresh = cache.fresh_on(spec.measure.series, index)
    states = confirmed_states(effective, fresh, days, *_normalised(spec), spec.persistence, stale_days)
    idx = np.arange(len(states))
    changed = np.concatenate(([True], states[1:] != states[:-1])) if len(states) else np.zeros(0, bool)
    started = np.maximum.accumulate(np.where(changed, idx, 0)) if len(states) else idx
    return SignalTrack(spec=spec, days=days, values=values.to_numpy(dtype="float64"),
                       states=states, started=started)


def manual_result(spec: SignalSpec, manual: Mapping[str, bool] | None) -> SignalResult:
    """A manual signal: breach while switched on, ok otherwise."""
    on = bool((manual or {}).get(spec.id, False))
    return SignalResult(id=spec.id, kind=spec.kind, state="breach" if on else "ok", value=1.0 if on else 0.0,
                        unit="", warn=None, breach=None, warn_exit=None, breach_exit=None, since=None,
                        series=(), direction=None, meaning=spec.meaning)


def reading(track: SignalTrack, day: int, stale_days: int, cache: SeriesCache | None = None) -> SignalResult:
    """The signal's result on one evaluation day, with the reason when unknown."""
    spec = track.spec
    pos = int(track.positions(np.array([day]), stale_days)[0])
    base = SignalResult(id=spec.id, kind=spec.kind, state="unknown", value=None, unit=spec.unit, warn=spec.warn,
                        breach=spec.breach, warn_exit=spec.warn_exit, breach_exit=spec.breach_exit, since=None,
                        series=spec.series, direction=spec.direction, meaning=spec.meaning)
    if pos < 0:
        return replace(base, reason=_why_missing(track, day, stale_days, cache))
    value = float(track.values[pos])
    code = int(track.states[pos])
    observed = from_day(track.days[pos])
    if code == UNKNOWN:
        reason = "not enough history for the window, or an input has no fresh observation that day"
        if spec.active_from is not None and observed < spec.active_from:
            reason = f"the level applies from {spec.active_from.isoformat()}"
        return replace(base, value=None if math.isnan(value) else value, observed=observed, reason=reason)
    return replace(base, state=STATES[code], value=value, since=from_day(track.days[track.started[pos]]),
                   observed=observed)


def _why_missing(track: SignalTrack, day: int, stale_days: int, cache: SeriesCache | None) -> str:
    if cache is not None:
        missing = [s for s in track.spec.series if len(cache.get(s)) == 0]
        if missing:
            return f"no data for {', '.join(missing)}"
    before = track.days[track.days <= day]
    if len(before) == 0:
        return "no observation on or before this date"
    last = int(before[-1])
    limit = stale_limit(track.spec, stale_days)
    return f"stale: last observation {from_day(last).isoformat()} is {day - last} days old (limit {limit})"
