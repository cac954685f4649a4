"""The one check every provider's rows pass before they reach the cache and the engine.

A provider returns rows as its source gave them (dates and cells, text or numbers). Here each row is
parsed and judged by the series' catalog rules: a close must be a finite number (a price also
positive), dated no later than today in the series' exchange time, not contradicted by another row
of the same date, and not move more in one day than the catalog's `max_daily_move`. A row that fails
is rejected and named in the series' data error; a split-like jump is held back (quarantined) until
`confirm_days` further rows confirm the new level, and rejected as an outlier if they do not.
Empty cells (and FRED's ".", MoF's "-") mean "no observation that day" and are skipped without an error.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from regimebot.macro.catalog import Series
from regimebot.macro.providers import FetchRequest, FetchResult, Provider

CONFIRM_DAYS = 3  # further rows that must confirm a split-like jump before the engine sees it
NO_OBSERVATION = ("", ".", "-")  # cells that mean "nothing that day" (CSV blanks, FRED's ".", MoF's "-")
SHOWN_PROBLEMS = 3  # rows named in one series' error; the rest are counted


@dataclass(frozen=True)
class SeriesRules:
    """What a plausible row of one series looks like (from its catalog entry)."""

    series_id: str
    positive: bool = True  # prices and indices; yields and spreads may be zero or negative
    move_in_points: bool = False  # one-day moves measured as differences (yields, balances) rather than as log returns
    max_daily_move: float | None = None
    move_unit: str = "points"  # what a difference is counted in (the series' unit for an absolute bound)
    timezone: str = "America/New_York"
    confirm_days: int = CONFIRM_DAYS

    @classmethod
    def of(cls, series: Series) -> SeriesRules:
        """The rules the catalog declares for a series."""
        positive = series.kind in ("price", "index") and not series.changes_in_bp  # not yields, spreads, balances, NFCI
        if series.max_daily_change is not None:  # an absolute bound: a series that reaches 0 has no log return
            return cls(series.id, positive=positive, move_in_points=True, max_daily_move=series.max_daily_change,
                       move_unit=series.unit or "units", timezone=series.timezone)
        return cls(series.id, positive=positive, move_in_points=series.changes_in_bp,
                   max_daily_move=series.max_daily_move, timezone=series.timezone)


@dataclass(frozen=True)
class RowProblem:
    """One rejected (or quarantined) row: its date and cell as given, and why."""

    day: str
    cell: str
    reason: str
    quarantined: bool = False

    def __str__(self) -> str:
        return f"{self.day} {self.cell!s}: {self.reason}"


@dataclass
class CheckedCloses:
    """The accepted closes of one series (date-indexed, oldest first) and the rows held back."""

    closes: pd.Series
    problems: list[RowProblem] = field(default_factory=list)

    def error(self) -> str | None:
        """The series' data error naming the offending rows; None when every row passed."""
        if not self.problems:
            return None
        shown = "; ".join(str(p) for p in self.problems[:SHOWN_PROBLEMS])
        more = len(self.problems) - SHOWN_PROBLEMS
        rejected = sum(not p.quarantined for p in self.problems)
        held = len(self.problems) - rejected
        counts = ", ".join(part for part in (f"{rejected} row(s) rejected" if rejected else "",
                                             f"{held} row(s) quarantined" if held else "") if part)
        return f"{counts}: {shown}" + (f"; and {more} more" if more > 0 else "")


def _cell_text(value: object) -> str:
    text = value if isinstance(value, str) else repr(value) if not isinstance(value, float) else f"{value:g}"
    return text if len(text) <= 24 else text[:21] + "..."


def _numbers(cells: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(float value or NaN, reason the cell is not a close or "") per cell; NaN with "" is "no observation"."""
    is_text = cells.map(lambda v: isinstance(v, str)).astype(bool)
    text = cells.where(is_text, "").astype(str).str.strip()
    values = pd.to_numeric(cells.where(~is_text, text).where(~(is_text & text.isin(NO_OBSERVATION))),
                           errors="coerce").astype("float64")
    missing = cells.isna() | (is_text & text.isin(NO_OBSERVATION))
    reasons = pd.Series("", index=cells.index, dtype=object)
    reasons[values.isna() & ~missing & ~(~is_text & cells.isna())] = "not a number"
    reasons[is_text & ~missing & text.str.lower().str.lstrip("+-").isin(("nan", "inf", "infinity"))] = "not a finite number"
    reasons[values.isin((math.inf, -math.inf))] = "not a finite number"
    return values, reasons


def _days(index: pd.Index) -> pd.DatetimeIndex:
    """Each row's date (naive, midnight; NaT when it is not a date)."""
    if isinstance(index, pd.DatetimeIndex):
        days = index
    else:
        texts = pd.Index([v.strip() if isinstance(v, str) else v for v in index], dtype=object)
        try:
            days = pd.DatetimeIndex(pd.to_datetime(texts, errors="coerce", format="ISO8601"))
        except (ValueError, TypeError):  # mixed offsets or types: one row at a time
            days = pd.DatetimeIndex([_one_day(v) for v in texts])
    if days.tz is not None:
        days = days.tz_localize(None)  # yfinance's exchange-local midnight: keep the wall date
    return days.normalize()


def _one_day(value: object) -> pd.Timestamp | None:
    stamp = pd.to_datetime(value, errors="coerce")  # type: ignore[call-overload]
    if not isinstance(stamp, pd.Timestamp) or pd.isna(stamp):
        return None
    return stamp.tz_localize(None) if stamp.tzinfo is not None else stamp


def _move(rules: SeriesRules, before: float, after: float) -> float:
    if rules.move_in_points:
        return abs(after - before)
    if before <= 0 or after <= 0:
        return math.inf
    return abs(math.log(after / before))


def _describe_move(rules: SeriesRules, before: float, after: float) -> str:
    if rules.move_in_points:
        return (f"a one-day move of {after - before:+.2f} {rules.move_unit} from {before:g} exceeds the plausible "
                f"{rules.max_daily_move:g}")
    if before <= 0 or after <= 0:  # a ratio bound on a series that touched 0 (or a sign change): no log return
        return f"a one-day move from {before:g} to {after:g} has no log return within the plausible ±{rules.max_daily_move:g}"
    return (f"a one-day move of {(after / before - 1) * 100:+.0f}% from {before:g} exceeds the plausible "
            f"±{rules.max_daily_move:g} (log)")


def _plausible(rules: SeriesRules, before: float | None, after: float) -> bool:
    return before is None or rules.max_daily_move is None or _move(rules, before, after) <= rules.max_daily_move


def _screen_jumps(rules: SeriesRules, rows: list[tuple[pd.Timestamp, float]], previous: float | None,
                  problems: list[RowProblem]) -> list[tuple[pd.Timestamp, float]]:
    """Accept rows within the one-day bound; confirm, quarantine or reject the ones that jump."""
    accepted: list[tuple[pd.Timestamp, float]] = []
    anchor = previous
    i = 0
    while i < len(rows):
        day, value = rows[i]
        if _plausible(rules, anchor, value):
            accepted.append(rows[i])
            anchor = value
            i += 1
            continue
        assert anchor is not None
        chain = [value]
        for _, later in rows[i + 1: i + 1 + rules.confirm_days]:
            if not _plausible(rules, chain[-1], later):
                break
            chain.append(later)
        confirmed = len(chain) - 1
        why = _describe_move(rules, anchor, value)
        if confirmed >= rules.confirm_days:
            accepted.append(rows[i])  # the new level held for confirm_days further rows: a real move
            anchor = value
            i += 1
        elif i + len(chain) == len(rows):  # the jump and every row after it, still unconfirmed
            problems.append(RowProblem(day.date().isoformat(), f"{value:g}",
                                       f"{why}; quarantined until {rules.confirm_days} further days confirm it "
                                       f"({confirmed} so far)", quarantined=True))
            return accepted
        else:
            problems.append(RowProblem(day.date().isoformat(), f"{value:g}", f"{why} and is not confirmed by the next days"))
            i += 1
    return accepted


def check_closes(raw: pd.Series, rules: SeriesRules, now: datetime, start: date | None = None,
                 end: date | None = None, previous: float | None = None) -> CheckedCloses:
    """Judge every row of one series (index: dates, values: cells as given); keep [start, end].

    `previous` is the last accepted close before the first row (the cache's), for the one-day bound.
    """
    today = now.astimezone(ZoneInfo(rules.timezone)).date() if now.tzinfo else now.date()
    problems: list[RowProblem] = []
    cells = pd.Series(raw.to_numpy(dtype=object), dtype=object)
    days = _days(raw.index)
    values, reasons = _numbers(cells)
    undated = np.asarray(days.isna())
    for i in np.flatnonzero(undated):
        problems.append(RowProblem(_cell_text(raw.index[int(i)]), _cell_text(cells.iloc[i]),
                                   "the date cannot be read as a calendar day"))
    keep = ~undated
    if start is not None:
        keep &= days >= pd.Timestamp(start)
    if end is not None:
        keep &= days <= pd.Timestamp(end)
    future = keep & (days > pd.Timestamp(today))
    bad = keep & (reasons.to_numpy() != "")
    nonpositive = keep & ~bad & (values.to_numpy() <= 0) if rules.positive else np.zeros(len(cells), dtype=bool)
    for i in np.flatnonzero(bad | future | nonpositive):
        reason = (reasons.iloc[i] if bad[i] else f"dated after today ({today.isoformat()} in {rules.timezone})"
                  if future[i] else "a price must be positive")
        problems.append(RowProblem(pd.Timestamp(days[int(i)]).date().isoformat(), _cell_text(cells.iloc[i]), reason))
    good = keep & ~bad & ~future & ~nonpositive & values.notna().to_numpy()
    frame = pd.DataFrame({"day": days[good], "value": values.to_numpy()[good], "row": np.flatnonzero(good)})
    frame = frame.sort_values(["day", "row"], kind="stable")
    repeated = frame[frame["day"].duplicated(keep=False)]
    distinct = repeated.groupby("day")["value"].nunique()
    for day in distinct.index[distinct > 1]:
        shown = " vs ".join(_cell_text(cells.iloc[i]) for i in repeated.loc[repeated["day"] == day, "row"])
        problems.append(RowProblem(pd.Timestamp(day).date().isoformat(), shown,
                                   "conflicting rows for the same date; neither is used"))
    frame = frame[~frame["day"].isin(distinct.index[distinct > 1])].drop_duplicates("day")
    rows = list(zip(frame["day"], frame["value"].astype(float), strict=True))
    accepted = _screen_jumps(rules, rows, previous, problems)
    index = pd.DatetimeIndex([d for d, _ in accepted], name="date")
    closes = pd.Series([v for _, v in accepted], index=index, dtype="float64", name=rules.series_id)
    problems.sort(key=lambda p: p.day)
    return CheckedCloses(closes, problems)


def observed_between(raw: pd.Series, start: date, end: date | None = None) -> bool:
    """Whether a provider's raw rows hold any cell other than "no observation" dated in [start, end]."""
    days = _days(raw.index)
    inside = np.asarray(days >= pd.Timestamp(start))
    if end is not None:
        inside &= np.asarray(days <= pd.Timestamp(end))
    values, reasons = _numbers(pd.Series(raw.to_numpy(dtype=object), dtype=object))
    return bool((inside & (values.notna().to_numpy() | (reasons.to_numpy() != ""))).any())


def fetch_checked(provider: Provider, requests: Sequence[FetchRequest], rules: Mapping[str, SeriesRules],
                  end: date | None = None, previous: Mapping[str, float] | None = None,
                  now: datetime | None = None) -> FetchResult:
    """One provider call, every series checked: only accepted rows come back; rejected ones are the errors."""
    now = now or datetime.now(UTC)
    fetched = provider.fetch(list(requests), end=end)
    result = FetchResult(errors=dict(fetched.errors))
    for req in requests:
        raw = fetched.closes.get(req.series_id)
        if raw is None:
            continue
        checked = check_closes(raw, rules.get(req.series_id) or SeriesRules(req.series_id), now, start=req.start,
                               end=end, previous=(previous or {}).get(req.series_id))
        error = checked.error()
        if error:
            result.errors[req.series_id] = f"{req.series_id}: {error}"
        if not checked.closes.empty:
            result.closes[req.series_id] = checked.closes
    return result


__all__ = ["CONFIRM_DAYS", "CheckedCloses", "RowProblem", "SeriesRules", "check_closes", "fetch_checked", "observed_between"]
