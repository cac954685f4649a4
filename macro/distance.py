"""Distance to invalidation: how far each signal's value is from its warn and breach thresholds.

For a signal whose bad side is "above", the distance to a threshold is `threshold − value` (for "below",
`value − threshold`): positive while there is room left, zero or negative once the line is reached.
It is given in the signal's own units, in standard deviations of the value's daily changes over the
last year (VOL_YEAR observations), and as typical days to get there at current volatility: a value
moving like a random walk with the daily standard deviation σ of the last VOL_NOW observations
travels about σ·√n in n days, so the line is typically reached in (distance / σ)² days. A gated
signal (kind "all") is measured on its measure alone; its gate may keep it ok past the line. Manual
signals and signals without fresh data have no distance (None: unknown).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from regimebot.macro.signal_kinds import SeriesCache
from regimebot.macro.signal_specs import SignalSpec
from regimebot.macro.watchlist import Watchlist

VOL_YEAR = 252
VOL_NOW = 20


@dataclass(frozen=True)
class Gap:
    """The way from the value to one threshold."""

    units: float
    sd: float | None          # in standard deviations of daily changes over the last year
    typical_days: float | None  # (units / current daily volatility)², 0 once reached


@dataclass(frozen=True)
class Distance:
    """One signal's value and its distance to warn and to breach (None where it has no such threshold)."""

    signal: str
    value: float
    unit: str
    direction: str
    warn: Gap | None
    breach: Gap | None


def _gap(value: float, threshold: float | None, direction: str, sd_year: float | None,
         sd_now: float | None) -> Gap | None:
    if threshold is None:
        return None
    units = threshold - value if direction == "above" else value - threshold
    sd = units / sd_year if sd_year else None
    if units <= 0:
        days: float | None = 0.0
    else:
        days = (units / sd_now) ** 2 if sd_now else None
    return Gap(units=float(units), sd=None if sd is None else float(sd), typical_days=days)


def _sd(changes: np.ndarray) -> float | None:
    """Standard deviation of daily changes; None when they do not vary (a constant step leaves only float noise)."""
    if len(changes) < 2:
        return None
    sd = float(np.std(changes, ddof=1))
    return sd if math.isfinite(sd) and sd > 1e-9 * max(1.0, float(np.abs(changes).max())) else None


def signal_distance(spec: SignalSpec, values: pd.Series) -> Distance | None:
    """Distance of a numeric signal whose measure has `values` (its own observations, oldest first)."""
    if spec.manual or spec.direction is None:
        return None
    clean = values.replace([np.inf, -np.inf], np.nan).dropna()
    if clean.empty:
        return None
    changes = np.diff(clean.to_numpy(dtype="float64"))
    sd_year = _sd(changes[-VOL_YEAR:])
    sd_now = _sd(changes[-VOL_NOW:])
    value = float(clean.iloc[-1])
    return Distance(
        signal=spec.id, value=value, unit=spec.unit, direction=spec.direction,
        warn=_gap(value, spec.warn, spec.direction, sd_year, sd_now),
        breach=_gap(value, spec.breach, spec.direction, sd_year, sd_now),
    )


def distances(cache: SeriesCache, watchlist: Watchlist, signal_ids: Sequence[str] | None = None,
              fresh: Mapping[str, bool] | None = None) -> dict[str, Distance]:
    """Distances of the watch list's numeric signals (or `signal_ids`); `fresh[sid]` False drops stale ones."""
    out: dict[str, Distance] = {}
    for sid in signal_ids if signal_ids is not None else list(watchlist.signals):
        spec = watchlist.signals[sid]
        if spec.manual or spec.measure is None or (fresh is not None and not fresh.get(sid, False)):
            continue
        found = signal_distance(spec, cache.measure(spec.measure, watchlist.stale_after_days))
        if found is not None:
            out[sid] = found
    return out


def closest(found: Mapping[str, Distance], n: int = 5) -> list[Distance]:
    """The `n` signals nearest to breach in standard deviations (already past it first)."""
    ranked = [d for d in found.values() if d.breach is not None and d.breach.sd is not None]
    ranked.sort(key=lambda d: (d.breach.sd if d.breach and d.breach.sd is not None else math.inf, d.signal))
    return ranked[:n]
