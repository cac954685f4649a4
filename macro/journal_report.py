"""A journal entry against the market: P&L since entry, worst drawdown against the pain budget, time held.

The position's value is 1 at entry and follows the series' closes on and after the entry date: `close /
entry level` for a long, `2 − close / entry level` for a short (its P&L is `(entry − close) / entry`). The
worst drawdown is the deepest fall of that value below its running peak (the entry counts as a peak), in
percent (negative); pain used is that drawdown as a share of the pain budget. Missing data is unknown
(None), never a made-up number.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from regimebot.macro.catalog import Catalog
from regimebot.macro.correlation import SAME_BET, CorrelationError, daily_changes, without_variation
from regimebot.macro.journal import Catalyst, Entry, JournalError, Position
from regimebot.macro.market import Market

PAIN_LEVELS = (50, 80, 100)
SAME_BET_DAYS = 365


@dataclass(frozen=True)
class PositionReport:
    """One entry measured on the market: every figure is None when the data cannot say."""

    thesis_id: str
    entry_date: date
    entry_level: float
    position: Position
    last: float | None
    last_date: date | None
    pnl_pct: float | None
    max_drawdown_pct: float | None
    pain_budget_pct: float | None
    pain_used_pct: float | None
    held_days: int
    horizon_days: int | None
    horizon_left_days: int | None
    catalysts: tuple[Catalyst, ...]
    today: date

    def as_dict(self, status: str | None = None) -> dict[str, Any]:
        """The journal's JSON per thesis (keys are public: see the README)."""
        return {
            "entry_date": self.entry_date, "entry_level": self.entry_level,
            "series": self.position.series, "side": self.position.side,
            "last": self.last, "last_date": self.last_date,
            "pnl_pct": self.pnl_pct, "max_drawdown_pct": self.max_drawdown_pct,
            "pain_budget_pct": self.pain_budget_pct, "pain_used_pct": self.pain_used_pct,
            "held_days": self.held_days, "horizon_days": self.horizon_days,
            "catalysts": [{"id": c.id, "date": c.date, "text": c.text, "done": c.done, "overdue": c.overdue(self.today)}
                          for c in self.catalysts],
            "status": status,
        }

    def pain_levels(self) -> tuple[int, ...]:
        """The pain thresholds (50, 80, 100 % of the budget) the worst drawdown has reached."""
        if self.pain_used_pct is None:
            return ()
        return tuple(level for level in PAIN_LEVELS if self.pain_used_pct >= level)


def entry_close(closes: pd.Series, on: date) -> tuple[date, float]:
    """The series' close on `on`, or its last close before it (within 5 days: a holiday or weekend)."""
    before = closes.loc[: pd.Timestamp(on)].dropna()
    if before.empty or (on - before.index[-1].date()).days > 5:
        raise JournalError(f"entry: {closes.name or 'the series'} has no close on or just before {on}; give level=")
    return before.index[-1].date(), float(before.iloc[-1])


def position_values(closes: pd.Series, entry: date, level: float, side: str) -> pd.Series:
    """The position's value (1 at entry) on each close from the entry date on."""
    relative = closes.loc[pd.Timestamp(entry):].dropna() / level
    return relative if side == "long" else 2.0 - relative


def worst_drawdown_pct(values: pd.Series) -> float | None:
    """The deepest fall below the running peak (the entry, value 1, is the first peak), in percent (≤ 0)."""
    if values.empty:
        return None
    path = values.to_numpy(dtype="float64")
    peaks = np.maximum.accumulate(np.concatenate(([1.0], path)))[1:]
    return float(min(0.0, ((path / peaks) - 1.0).min()) * 100.0)


def position_report(entry: Entry, closes: pd.Series, today: date, until: date | None = None) -> PositionReport:
    """Measure `entry` on `closes` (the position series) up to `until` (default: every close)."""
    if until is not None:
        closes = closes.loc[: pd.Timestamp(until)]
    side = entry.position.side
    values = position_values(closes, entry.entry_date, entry.entry_level, side)
    last = last_date = pnl = None
    if not values.empty:
        last_date = values.index[-1].date()
        last = float(closes.loc[values.index[-1]])
        pnl = (values.iloc[-1] - 1.0) * 100.0
    drawdown = worst_drawdown_pct(values)
    budget = entry.pain_budget_pct
    pain_used = None if drawdown is None or budget is None else -drawdown / budget * 100.0
    end = entry.horizon_end()
    stop = until or today
    return PositionReport(
        thesis_id=entry.thesis_id, entry_date=entry.entry_date, entry_level=entry.entry_level, position=entry.position,
        last=last, last_date=last_date, pnl_pct=None if pnl is None else float(pnl), max_drawdown_pct=drawdown,
        pain_budget_pct=budget, pain_used_pct=pain_used, held_days=(stop - entry.entry_date).days,
        horizon_days=None if end is None else (end - entry.entry_date).days,
        horizon_left_days=None if end is None else (end - stop).days,
        catalysts=entry.catalysts, today=today,
    )


@dataclass(frozen=True)
class SameBet:
    """Two open theses whose positions moved together (signed by side) over the last year."""

    first: str
    second: str
    correlation: float


def same_bets(market: Market, catalog: Catalog, positions: Mapping[str, Position], as_of: date | None = None,
              threshold: float = SAME_BET) -> list[SameBet]:
    """Pairs of theses whose positions' daily changes, signed by side, correlated above `threshold` over a year."""
    ids = [tid for tid, p in positions.items() if not market.series(p.series).empty]
    out: list[SameBet] = []
    series = sorted({positions[tid].series for tid in ids})
    if len(ids) < 2:
        return out
    end = pd.Timestamp(as_of or market.last_date() or date.today())
    try:
        changes = daily_changes(market.until(end), series, catalog, start=end - pd.Timedelta(days=SAME_BET_DAYS))
    except CorrelationError:
        return out
    flat = set(without_variation(changes, series))
    if len(changes) < 20:
        return out
    for i, a in enumerate(ids):
        for b in ids[i + 1:]:
            pa, pb = positions[a], positions[b]
            if pa.series in flat or pb.series in flat:
                continue
            sign = (1.0 if pa.side == "long" else -1.0) * (1.0 if pb.side == "long" else -1.0)
            rho = 1.0 if pa.series == pb.series else float(np.corrcoef(changes[pa.series], changes[pb.series])[0, 1])
            rho *= sign
            if rho > threshold:
                out.append(SameBet(a, b, rho))
    return out


@dataclass(frozen=True)
class BoardRow:
    """One thesis on the journal board: its latest entry (open or closed), measured, and its status."""

    thesis_id: str
    entry: Entry
    report: PositionReport | None
    status: str


@dataclass(frozen=True)
class Board:
    """Every thesis with a journal entry, the "same bet" pairs among the open ones, and the data's as-of."""

    rows: tuple[BoardRow, ...]
    same_bets: tuple[SameBet, ...]
    as_of: date | None
    source: str
    simulated: bool


@dataclass(frozen=True)
class StatusStep:
    """One move of the thesis's status while the entry was held, and the signals that moved it."""

    date: date
    old: str
    new: str
    signals: tuple[str, ...]


def post_mortem(report: PositionReport, path: Sequence[StatusStep], first_status: str | None) -> dict[str, Any]:
    """What the entry's history says at close: days held, P&L, worst drawdown, the status path (stored as JSON)."""
    return {
        "entry_date": report.entry_date, "close_date": report.today, "held_days": report.held_days,
        "entry_level": report.entry_level, "last": report.last, "last_date": report.last_date,
        "pnl_pct": report.pnl_pct, "max_drawdown_pct": report.max_drawdown_pct,
        "pain_budget_pct": report.pain_budget_pct, "pain_used_pct": report.pain_used_pct,
        "first_status": first_status,
        "path": [{"date": s.date, "old": s.old, "new": s.new, "signals": list(s.signals)} for s in path],
    }
