"""Thesis status from its invalidation signals' states (WATCHLIST.md rules), for one day or many at once.

- invalidated: at least `k` signals in breach, or any `hard` signal in breach;
- weakening: one signal in breach, or two or more in warn;
- intact: otherwise;
- unknown: every market signal of the thesis is unknown and no manual signal is switched on.
Unknown signals count as neither warn nor breach, so missing data never pushes a thesis toward
invalidation.
"""

from __future__ import annotations

import numpy as np

from macro.watchlist import SignalSpec, ThesisSpec

STATUSES = ("intact", "weakening", "invalidated")
UNKNOWN_STATUS = "unknown"
RANK = {"intact": 0, "weakening": 1, "invalidated": 2}


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


def toward_invalidation(old: str | None, new: str) -> bool:
    """intact→weakening, weakening→invalidated, intact→invalidated (never from or to unknown)."""
    return old in RANK and new in RANK and RANK[new] > RANK[old]


def recovery(old: str | None, new: str) -> bool:
    """A move back toward intact between known statuses."""
    return old in RANK and new in RANK and RANK[new] < RANK[old]
