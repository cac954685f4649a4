"""Signal states: hysteresis and persistence over a whole history, vectorised, plus a reading on one date.

A numeric signal's state on each of its observations is ok / warn / breach, or unknown where its
value is NaN. States change only when the condition held for `persistence` consecutive
observations; a warn or breach clears only when the value goes back past its exit threshold.
On the first observation after an unknown stretch the state is the zone the value is in.
On an evaluation date the reading is the latest observation's state if that observation is at most
`stale_after_days` calendar days old, else unknown (never a breach).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

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

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able form (evidence of transitions, --json output)."""
        return {
            "signal": self.id, "kind": self.kind, "state": self.state, "value": self.value, "unit": self.unit,
            "direction": self.direction, "warn": self.warn, "breach": self.breach, "warn_exit": self.warn_exit,
            "breach_exit": self.breach_exit, "since": self.since, "observed": self.observed,
            "series": list(self.series), "reason": self.reason, "meaning": dict(self.meaning),
        }


def _normalised(spec: SignalSpec) -> tuple[float, float, float, float]:
    """(warn, breach, warn_exit, breach_exit) with the sign flipped so that higher is always worse."""
    sign = 1.0 if spec.direction == "above" else -1.0

    def flipped(level: float | None, name: str) -> float:
        if level is None:  # the watch list loader gives every level its exit and refuses a signal with neither level
            raise ValueError(f"signal {spec.id}: {name} is missing")
        return sign * level

    if spec.breach is None:
        return flipped(spec.warn, "warn"), math.inf, flipped(spec.warn_exit, "warn_exit"), math.inf
    breach, breach_exit = flipped(spec.breach, "breach"), flipped(spec.breach_exit, "breach_exit")
    if spec.warn is None:
        return breach, breach, breach_exit, breach_exit
    return flipped(spec.warn, "warn"), breach, flipped(spec.warn_exit, "warn_exit"), breach_exit


def _runs(flags: np.ndarray) -> np.ndarray:
    """Length of the run of consecutive True values ending at each position."""
    idx = np.arange(len(flags))
    last_false = np.maximum.accumulate(np.where(flags, -1, idx))
    return idx - last_false


def hysteresis_states(values: np.ndarray, warn: float, breach: float, warn_exit: float, breach_exit: float,
                      persistence: int) -> np.ndarray:
    """States (-1 unknown, 0 ok, 1 warn, 2 breach) of normalised values (higher is worse), vectorised.

    Each observation's run counts fix the state machine's move: "to breach", "to ok" and "to warn"
    set the state outright; "escalate to at least warn" and "clear a breach to warn" only act on
    ok and breach. So the state is the last outright setting, moved to warn if an opposing partial
    move followed it. `walk_states` is the same machine written as a plain loop.
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
    r_up1, r_up2, r_clr1, r_clr2 = (_runs(f) >= p for f in (up1, up2, clr1, clr2))
    to_breach = r_up2
    to_ok = r_clr1
    to_warn = r_up1 & r_clr2
    at_least_warn = r_up1 & ~to_breach & ~to_warn
    at_most_warn = r_clr2 & ~r_up1 & ~to_ok
    entry = valid & np.concatenate(([True], ~valid[:-1]))
    zone = np.where(up2, 2, np.where(up1, 1, 0))
    outright = entry | to_breach | to_ok | to_warn
    value = np.where(entry, zone, np.where(to_breach, 2, np.where(to_ok, 0, 1)))
    last = np.maximum.accumulate(np.where(outright, idx, -1))
    state = value[np.maximum(last, 0)].astype(np.int8)
    last_up = np.maximum.accumulate(np.where(at_least_warn & ~outright, idx, -1))
    last_down = np.maximum.accumulate(np.where(at_most_warn & ~outright, idx, -1))
    state[(state == 2) & (last_down > last)] = 1
    state[(state == 0) & (last_up > last)] = 1
    state[~valid] = UNKNOWN
    return state


def walk_states(values: Sequence[float] | np.ndarray, warn: float, breach: float, warn_exit: float, breach_exit: float, persistence: int) -> np.ndarray:
    """The reference state machine, one observation at a time (tests and the naive benchmark)."""
    out = np.empty(len(values), dtype=np.int8)
    level = UNKNOWN
    c_up1 = c_up2 = c_clr1 = c_clr2 = 0
    p = persistence
    for i, x in enumerate(values):
        if x != x:  # NaN: unknown, counts restart
            level, c_up1, c_up2, c_clr1, c_clr2 = UNKNOWN, 0, 0, 0, 0
            out[i] = level
            continue
        c_up1 = c_up1 + 1 if x > warn else 0
        c_up2 = c_up2 + 1 if x > breach else 0
        c_clr1 = c_clr1 + 1 if x < warn_exit else 0
        c_clr2 = c_clr2 + 1 if x < breach_exit else 0
        if level == UNKNOWN:
            level = 2 if x > breach else 1 if x > warn else 0
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
        """Index of the reading used on each evaluation day (-1: none fresh enough)."""
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


def from_day(day: int) -> date:
    """The date `day` days after 1970-01-01."""
    return EPOCH_DATE + timedelta(days=int(day))


def compute_track(spec: SignalSpec, cache: SeriesCache, stale_days: int) -> SignalTrack:
    """Measure a numeric signal over the whole history and run its state machine."""
    if spec.measure is None:
        raise ValueError(f"signal {spec.id} has no measure (a manual signal is switched, not computed)")
    values = cache.measure(spec.measure, stale_days)
    effective = values.to_numpy(dtype="float64", copy=True)
    sign = 1.0 if spec.direction == "above" else -1.0
    effective *= sign
    if spec.conditions:
        gate = gate_values(spec.conditions, pd.DatetimeIndex(values.index), cache, stale_days)
        # gated off: deep on the safe side; an unknown measure or gate stays unknown
        effective = np.where(np.isnan(gate) | np.isnan(effective), np.nan, np.where(gate > 0, effective, -np.inf))
    states = hysteresis_states(effective, *_normalised(spec), spec.persistence)
    idx = np.arange(len(states))
    changed = np.concatenate(([True], states[1:] != states[:-1])) if len(states) else np.zeros(0, bool)
    started = np.maximum.accumulate(np.where(changed, idx, 0)) if len(states) else idx
    return SignalTrack(spec=spec, days=to_days(values.index), values=values.to_numpy(dtype="float64"),
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
    unknown = SignalResult(id=spec.id, kind=spec.kind, state="unknown", value=None, unit=spec.unit, warn=spec.warn,
                           breach=spec.breach, warn_exit=spec.warn_exit, breach_exit=spec.breach_exit, since=None,
                           series=spec.series, direction=spec.direction, meaning=spec.meaning)
    if pos < 0:
        return replace(unknown, reason=_why_missing(track, day, stale_days, cache))
    value = float(track.values[pos])
    code = int(track.states[pos])
    observed = from_day(track.days[pos])
    if code == UNKNOWN:
        reason = "not enough history for the window, or an input has no fresh observation that day"
        return replace(unknown, value=None if math.isnan(value) else value, observed=observed, reason=reason)
    return replace(unknown, state=STATES[code], value=value, since=from_day(track.days[track.started[pos]]), observed=observed)


def _why_missing(track: SignalTrack, day: int, stale_days: int, cache: SeriesCache | None) -> str:
    if cache is not None:
        missing = [s for s in track.spec.series if len(cache.get(s)) == 0]
        if missing:
            return f"no data for {', '.join(missing)}"
    before = track.days[track.days <= day]
    if len(before) == 0:
        return "no observation on or before this date"
    last = int(before[-1])
    return f"stale: last observation {from_day(last).isoformat()} is {day - last} days old (limit {stale_days})"
