"""Thesis status from its invalidation signals' states (WATCHLIST.md rules), for one day or many at once.

- invalidated: at least `k` signals in breach, or any `hard` signal in breach;
- weakening: one signal in breach, or two or more in warn;
- intact: otherwise;
- unknown: every market signal of the thesis is unknown and no manual signal is switched on.
Unknown signals count as neither warn nor breach, so missing data never pushes a thesis toward
invalidation. Nor does a data gap announce a recovery: while a signal whose last reading was warn
or breach is unknown (for at most HOLD_DAYS after that reading), the status does not fall; it
recovers once the signal reads again (or the hold expires).
"""

from __future__ import annotations

import numpy as np

from regimebot.macro.signal_specs import SignalSpec
from regimebot.macro.watchlist import ThesisSpec

STATUSES = ("intact", "weakening", "invalidated")
UNKNOWN_STATUS = "unknown"
RANK = {"intact": 0, "weakening": 1, "invalidated": 2}
HOLD_DAYS = 30  # a feed silent for longer is dead, not a gap: the status may then recover


def status_name(code: int) -> str:
    return UNKNOWN_STATUS if code < 0 else STATUSES[code]


def status_codes(thesis: ThesisSpec, states: np.ndarray, specs: list[SignalSpec]) -> np.ndarray:
    """Status code per column of `states` (rows: the thesis's invalidation signals, in order)."""
    states = np.atleast_2d(states)
    breach = (states == 2).sum(axis=0)
    warn = (states == 1).sum(axis=0)
    hard_rows = [i for i, s in enumerate(specs) if s.id in thesis.hard]
    hard_breach = (states[hard_rows] == 2).any(axis=0) if hard_rows else np.zeros(states.shape[1], bool)
    codes = np.where((breach >= thesis.k) | hard_breach, 2, np.where((breach >= 1) | (warn >= 2), 1, 0))
    market_rows = [i for i, s in enumerate(specs) if not s.manual]
    if market_rows:
        manual_rows = [i for i, s in enumerate(specs) if s.manual]
        all_unknown = (states[market_rows] < 0).all(axis=0)
        manual_on = (states[manual_rows] == 2).any(axis=0) if manual_rows else np.zeros(states.shape[1], bool)
        codes = np.where(all_unknown & ~manual_on, -1, codes)
    return codes.astype(np.int8)


def hold_through_gaps(codes: np.ndarray, states: np.ndarray, days: np.ndarray,
                      hold_days: int = HOLD_DAYS) -> tuple[np.ndarray, np.ndarray]:
    """(statuses, held flags): `codes` per day, except that no recovery happens on a data gap.

    `states` rows are the thesis's signals, columns the evaluation `days` (int days). A day is a
    gap day when some signal is unknown while its last known reading (at most `hold_days` earlier)
    was warn or breach. On a gap day the status keeps the previous day's if `codes` is lower.
    Moves toward invalidation always come from `codes`, i.e. from known readings only.
    """
    n = len(codes)
    if n == 0:
        return codes.astype(np.int8), np.zeros(0, bool)
    idx = np.arange(n)
    known = states >= 0
    last = np.maximum.accumulate(np.where(known, idx, -1), axis=1)
    safe = np.maximum(last, 0)
    last_state = np.where(last >= 0, np.take_along_axis(states, safe, axis=1), -1)
    recent = (days[None, :] - days[safe]) <= hold_days
    gap = (~known & (last_state >= 1) & recent).any(axis=0)
    change = np.ones(n, bool)
    change[1:] = (codes[1:] != codes[:-1]) | (gap[1:] != gap[:-1])
    events = np.flatnonzero(change)
    out = np.empty(len(events), dtype=np.int8)
    held = np.zeros(len(events), dtype=bool)
    prev = -2
    for k, i in enumerate(events):  # statuses only change on these days; few of them
        code = int(codes[i])
        if gap[i] and prev >= 0 and 0 <= code < prev:
            out[k], held[k] = prev, True
        else:
            out[k] = code
        prev = int(out[k])
    pos = np.searchsorted(events, idx, side="right") - 1
    return out[pos], held[pos]


def toward_invalidation(old: str | None, new: str) -> bool:
    """intact→weakening, weakening→invalidated, intact→invalidated (never from or to unknown)."""
    return old in RANK and new in RANK and RANK[new] > RANK[old]


def recovery(old: str | None, new: str) -> bool:
    """A move back toward intact between known statuses."""
    return old in RANK and new in RANK and RANK[new] < RANK[old]


class StatusChange:
    """What a thesis status change means for messages; mixed into anything with `old` and `new` statuses."""

    @property
    def toward_invalidation(self) -> bool:
        return toward_invalidation(self.old, self.new)  # type: ignore[attr-defined]

    @property
    def recovery(self) -> bool:
        return recovery(self.old, self.new)  # type: ignore[attr-defined]

    @property
    def alerted(self) -> bool:
        """Would the bot send a message for it (an alert, or the quieter recovery note)?"""
        return self.toward_invalidation or self.recovery
