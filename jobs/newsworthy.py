"""Which recorded status changes are news: no alert from stale, backfilled or unexplained evidence.

A change is alerted only when it was reached on or after the last evaluated day (rows backfilled
into earlier, already-evaluated days are replayed silently into state) or by a manual switch since
the last evaluation, when the feed is fresh (its as-of date within `stale_after_days` of the newest
close that should exist), and, toward invalidation, when every causing signal is known and observed
within its staleness limit of the as-of date — the signal's own `stale_after_days` when it declares one (a
series released in weekly batches), else the watch list's (a status merely held through a data gap is not news).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from regimebot.macro.engine import Evaluation
from regimebot.macro.theses import StatusChange


@dataclass(frozen=True)
class Judgement:
    """A recorded change and, when it is not alerted, why (logged and counted, never lost: it is in state)."""

    change: StatusChange
    silent_because: str | None = None


def feed_staleness(as_of: date, expected: date, stale_after_days: int) -> int | None:
    """Days the evaluation lags the newest close that should exist, when beyond `stale_after_days`; else None."""
    lag = (expected - as_of).days
    return lag if lag > stale_after_days else None


def why_silent(change: StatusChange, thesis_id: str, evaluation: Evaluation, previous_as_of: date | None,
               manual_moved: bool, expected: date, stale_after_days: int,
               signal_limits: Mapping[str, int] | None = None) -> str | None:
    """None when the change may be alerted; otherwise the reason it is only recorded.

    `signal_limits`: signal id → its own staleness limit in days, where it differs from `stale_after_days`.
    """
    as_of = evaluation.as_of
    lag = feed_staleness(as_of, expected, stale_after_days)
    if lag is not None:
        return f"the data is {lag} days old (as of {as_of}, expected {expected})"
    thesis = evaluation.theses.get(thesis_id)
    if thesis is None:
        return "the thesis is not in this evaluation"
    since = thesis.since
    if not manual_moved and previous_as_of is not None and since is not None and since < previous_as_of:
        # before the last evaluated day: rows that arrived late (the last day itself may be corrected: news)
        return f"reached on {since}, before the last evaluated day {previous_as_of}: backfilled rows"
    if not change.toward_invalidation:
        return None
    if thesis.held:
        return "the status is only held through a data gap"
    if not thesis.evidence:
        return "no signal is in warn or breach on the as-of date"
    for signal in thesis.evidence:
        if signal.kind == "manual":
            continue  # a switch an admin made: known by definition
        limit = (signal_limits or {}).get(signal.id, stale_after_days)
        if signal.observed is None or (as_of - signal.observed).days > limit:
            return f"signal {signal.id} was last observed on {signal.observed}, stale on {as_of}"
    return None


def judge(changes: list[tuple[str, StatusChange]], evaluation: Evaluation, previous_as_of: Mapping[str, date],
          manual_moved: Mapping[str, bool], expected: date, stale_after_days: int,
          signal_limits: Mapping[str, int] | None = None) -> list[Judgement]:
    """Judge each (thesis id, change) of one evaluation."""
    return [Judgement(change, why_silent(change, tid, evaluation, previous_as_of.get(tid), manual_moved.get(tid, False),
                                         expected, stale_after_days, signal_limits))
            for tid, change in changes]
