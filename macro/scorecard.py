"""The alert scorecard: are a thesis's alerts worth acting on? Every figure is defined here and in the README.

Inputs: a thesis's status path (its status from each change date on, as the engine's replay gives
it), the closes of the position it protects, and its pain: a loss of at least D% within W business
days. Everything is measured on business days (Monday to Friday) between the replay's start and end.

- **close** on business day b: the position's last close on or before b, if at most 7 calendar days old
  (else unknown). **status** on b: the status in force at the end of b (a weekend change counts on Monday).
- **status day**: a business day on which the thesis has a status (intact, weakening or invalidated).
  A thesis is scored only on its status days.
- **alert**: a status change toward invalidation between known statuses (intact→weakening,
  weakening→invalidated, intact→invalidated), exactly as the bot alerts. It is dated on its business
  day (a weekend change: the next Monday). **alerts_per_year** = alerts / (status days / 261).
- **whipsaw**: the share of alerts undone within 7 business days: some later change, dated after the
  alert and on or before the 7th business day after it, sets the status back to the pre-alert level or
  better (an unknown status undoes nothing). Alerts closer than 7 business days to the end are left out.
- **whipsaw_before_dwell**: the same share for the alerts of the same watch list replayed with the recovery
  dwell off (`recovery_dwell_days = 0`): the raw status escalations, which a recovery may undo at once.
  The dwell delays every recovery by 10 business days, so `whipsaw` is 0 by construction; this figure says
  how often the signals themselves turn back within a week. None when no dwell-off replay was given.
- **pain day** (computed in macro.pain): a business day t with a known close from whose close the position loses at least D%
  at some close within the next W business days: long max(1 − P[t+k]/P[t]), short max(P[t+k]/P[t] − 1),
  k = 1..W, ≥ D/100. Day t is *labelled* (pain known either way) when t + W is still inside the replay.
- **pain episode**: pain days merged while each is at most W business days after the previous one
  (their windows overlap); the episode starts on its first pain day.
- **hit_rate**: the share of labelled alerts whose day is a pain day (held from the alert's close,
  the position suffered the declared pain within W business days).
- **false_alarms_per_year**: labelled alerts that are not hits, per year of status days.
- **base_rate**: the share of labelled status days that are pain days; **lift** = hit_rate / base_rate
  (1.0: the alerts are no better than picking days at random).
- **recall**: the share of pain episodes starting on a status day that have an alert in the W business
  days up to and including their start. **lead_days**: the median, over recalled episodes, of the
  business days from the earliest such alert to the start.
- **baselines**, scored on the same status days with the same pain: `random` places as many alerts as
  the thesis has (in each period) on distinct status days drawn uniformly (seeded numpy generator),
  DRAWS times, and reports each figure's mean over the draws (whipsaw: none, random alerts have no
  status to undo); `ma200` alerts when the position's close crosses its 200-observation moving average
  against the position (long: from at or above to below; short: from at or below to above) and is
  undone when it crosses back.
- **periods**: the whole replay, in-sample 2007-01-01..2016-12-31 and out-of-sample 2017-01-01..2025-12-31
  (each clipped to the replay). A figure with nothing to count (no alert, no status day) is None.
- **beats**: a thesis beats a baseline in a period when its lift is higher than the baseline's.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np
import pandas as pd

from regimebot.macro.engine import Replay
from regimebot.macro.pain import Grid, business_days, pain_grid
from regimebot.macro.positions import Pain, Position
from regimebot.macro.theses import RANK
from regimebot.macro.watchlist import ThesisSpec

BUSINESS_DAYS_PER_YEAR = 261
WHIPSAW_DAYS = 7
MA_WINDOW = 200
DRAWS = 200
SEED = 0
PERIODS: Mapping[str, tuple[date, date]] = {
    "in_sample": (date(2007, 1, 1), date(2016, 12, 31)),
    "out_of_sample": (date(2017, 1, 1), date(2025, 12, 31)),
}
FIGURES = ("alerts", "alerts_per_year", "whipsaw", "hit_rate", "recall", "lead_days", "false_alarms_per_year",
           "lift", "base_rate", "status_days", "pain_episodes", "undone", "checked", "whipsaw_before_dwell",
           "undone_before_dwell", "checked_before_dwell")


@dataclass(frozen=True)
class Figures:
    """One rule's scorecard over one period (None: nothing to count)."""

    alerts: int
    alerts_per_year: float | None
    whipsaw: float | None
    hit_rate: float | None
    recall: float | None
    lead_days: float | None
    false_alarms_per_year: float | None
    lift: float | None
    base_rate: float | None
    status_days: int
    pain_episodes: int
    undone: int | None = None   # alerts undone within WHIPSAW_DAYS (None: not defined for the rule)
    checked: int | None = None  # alerts whose WHIPSAW_DAYS window lies inside the replay (whipsaw's denominator)
    whipsaw_before_dwell: float | None = None  # whipsaw of the raw escalations (the replay with the dwell off)
    undone_before_dwell: int | None = None
    checked_before_dwell: int | None = None

    def to_dict(self) -> dict[str, float | int | None]:
        return {name: getattr(self, name) for name in FIGURES}


@dataclass(frozen=True)
class PeriodScore:
    """A thesis's figures in one period, beside the two baselines on the same days."""

    start: date | None  # None: the period lies outside the replay
    end: date | None
    thesis: Figures
    random: Figures
    ma200: Figures

    def beats(self, baseline: Figures) -> bool | None:
        """Higher lift than the baseline (None when either lift is unknown)."""
        if self.thesis.lift is None or baseline.lift is None:
            return None
        return self.thesis.lift > baseline.lift


@dataclass(frozen=True)
class ThesisScore:
    """The scorecard of one thesis: the whole replay, in-sample and out-of-sample."""

    thesis_id: str
    position: Position
    pain: Pain
    periods: dict[str, PeriodScore] = field(default_factory=dict)  # "all", "in_sample", "out_of_sample"

    def to_dict(self) -> dict[str, object]:
        """The whole replay's figures at the top, then `baselines`, `beats`, `in_sample`, `out_of_sample`."""
        out: dict[str, object] = {**_period_dict(self.periods["all"]), "position": self.position.to_dict(),
                                  "pain": self.pain.to_dict()}
        for name in PERIODS:
            out[name] = _period_dict(self.periods[name])
        return out


def _period_dict(period: PeriodScore) -> dict[str, object]:
    return {**period.thesis.to_dict(), "start": period.start, "end": period.end,
            "baselines": {"random": period.random.to_dict(), "ma200": period.ma200.to_dict()},
            "beats": {"random": period.beats(period.random), "ma200": period.beats(period.ma200)}}


def pooled(scores: Mapping[str, ThesisScore], period: str = "all") -> dict[str, float | int | None]:
    """All theses together in a period: alerts, alerts undone within WHIPSAW_DAYS, and the pooled whipsaw
    (with the dwell and, when scored, before it)."""
    figures = [s.periods[period].thesis for s in scores.values()]
    undone = sum(f.undone or 0 for f in figures)
    checked = sum(f.checked or 0 for f in figures)
    out: dict[str, float | int | None] = {"alerts": sum(int(f.alerts) for f in figures), "undone": undone,
                                          "checked": checked, "whipsaw": undone / checked if checked else None}
    raw = [f for f in figures if f.checked_before_dwell is not None]
    raw_undone = sum(f.undone_before_dwell or 0 for f in raw)
    raw_checked = sum(f.checked_before_dwell or 0 for f in raw)
    out.update(undone_before_dwell=raw_undone if raw else None, checked_before_dwell=raw_checked if raw else None,
               whipsaw_before_dwell=raw_undone / raw_checked if raw_checked else None)
    return out


def status_on(path: pd.Series, days: pd.DatetimeIndex) -> np.ndarray:
    """Status code (-1 unknown, 0 intact, 1 weakening, 2 invalidated) in force at the end of each day."""
    changes = path.index.values.astype("datetime64[D]")
    pos = np.searchsorted(changes, days.values.astype("datetime64[D]"), side="right") - 1
    codes = path.to_numpy(dtype=np.int64)
    return np.where(pos >= 0, codes[np.maximum(pos, 0)], -1)


@dataclass(frozen=True)
class Alerts:
    """A rule's alerts: business-day index of each and whether it was undone within WHIPSAW_DAYS (None: too late to tell)."""

    days: np.ndarray
    undone: tuple[bool | None, ...]


def alerts_of(path: pd.Series, days: pd.DatetimeIndex) -> Alerts:
    """Moves toward invalidation between known statuses on a status path, dated on business days."""
    codes = path.to_numpy(dtype=np.int64)
    when = path.index.values.astype("datetime64[D]")
    grid = days.values.astype("datetime64[D]")
    out_days: list[int] = []
    undone: list[bool | None] = []
    for i in range(1, len(codes)):
        before, after = int(codes[i - 1]), int(codes[i])
        if before < 0 or after <= before or not len(grid) or when[i] < grid[0]:
            continue  # not toward invalidation, or before the replay
        day = int(np.searchsorted(grid, when[i], side="left"))
        if day >= len(grid):
            continue  # after the last business day of the replay
        out_days.append(day)
        if day + WHIPSAW_DAYS >= len(grid):
            undone.append(None)
            continue
        horizon = grid[day + WHIPSAW_DAYS]
        later = (when > when[i]) & (when <= horizon)
        undone.append(bool(((codes >= 0) & (codes <= before) & later).any()))
    return Alerts(days=np.array(out_days, dtype=np.int64), undone=tuple(undone))


def _on_status_days(alerts: Alerts, status: np.ndarray) -> Alerts:
    """Only the alerts dated on a day the thesis has a status (the baselines are scored on the same days)."""
    keep = status[alerts.days] >= 0 if len(alerts.days) else np.zeros(0, dtype=bool)
    return Alerts(days=alerts.days[keep], undone=tuple(u for u, k in zip(alerts.undone, keep, strict=True) if k))


def ma200_path(close: pd.Series, position: Position) -> pd.Series:
    """A status path of the 200-day rule: 1 when the close is on the losing side of its moving average, else 0."""
    known = close.dropna()
    known = known[~known.index.duplicated(keep="last")].sort_index()
    average = known.rolling(MA_WINDOW, min_periods=MA_WINDOW).mean()
    broken = known < average if position.side == "long" else known > average
    codes = np.where(average.isna(), -1, broken.astype(np.int64))
    series = pd.Series(codes, index=known.index)
    change = series.ne(series.shift())
    return series[change]


def alert_figures(alert_days: np.ndarray, undone: tuple[bool | None, ...] | None, scored: np.ndarray,
             grid: Grid, years: float) -> Figures:
    """Score one set of alerts on the days `scored` (bool mask over the grid)."""
    mine = alert_days[scored[alert_days]] if len(alert_days) else alert_days
    known_pain = scored & grid.labelled
    base = float(grid.pain[known_pain].mean()) if known_pain.any() else None
    labelled = mine[grid.labelled[mine]]
    hits = int(grid.pain[labelled].sum())
    hit_rate = hits / len(labelled) if len(labelled) else None
    whipsaw = n_undone = checked = None
    if undone is not None:
        flags = [u for d, u in zip(alert_days, undone, strict=True) if scored[d] and u is not None]
        n_undone, checked = sum(flags), len(flags)
        whipsaw = n_undone / checked if checked else None
    starts = grid.episodes[scored[grid.episodes]]
    recalled, leads = 0, []
    for s in starts:
        near = alert_days[(alert_days >= s - grid.window) & (alert_days <= s)]
        if len(near):
            recalled += 1
            leads.append(int(s - near.min()))
    return Figures(
        alerts=len(mine),
        alerts_per_year=len(mine) / years if years else None,
        whipsaw=whipsaw,
        hit_rate=hit_rate,
        recall=recalled / len(starts) if len(starts) else None,
        lead_days=float(np.median(leads)) if leads else None,
        false_alarms_per_year=(len(labelled) - hits) / years if years else None,
        lift=hit_rate / base if hit_rate is not None and base else None,
        base_rate=base,
        status_days=int(scored.sum()),
        pain_episodes=len(starts),
        undone=n_undone,
        checked=checked,
    )


def random_picks(count: int, scored: np.ndarray, draws: int = DRAWS, seed: int = SEED) -> np.ndarray:
    """draws x count day indices: `count` distinct scored days per draw, uniformly (seeded), ascending in each row."""
    pool = np.flatnonzero(scored)
    count = min(count, len(pool))
    if count == 0:
        return np.zeros((draws, 0), dtype=np.int64)
    rng = np.random.default_rng(seed)
    rows = [rng.choice(len(pool), size=count, replace=False) for _ in range(draws)]  # a partial shuffle: O(count)
    return np.sort(pool[np.stack(rows)], axis=1)


def random_figures(count: int, scored: np.ndarray, grid: Grid, years: float, draws: int = DRAWS,
                   seed: int = SEED) -> Figures:
    """Mean figures of `count` alerts on distinct scored days drawn uniformly, `draws` times (vectorised)."""
    pool = np.flatnonzero(scored)
    count = min(count, len(pool))
    empty = alert_figures(np.zeros(0, dtype=np.int64), None, scored, grid, years)
    if count == 0:
        return empty
    picks = random_picks(count, scored, draws, seed)
    labelled = grid.labelled[picks]
    hits = (grid.pain[picks] & labelled).sum(axis=1)
    n_labelled = labelled.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        hit_rate = np.where(n_labelled > 0, hits / n_labelled, np.nan)
    false_per_year = (n_labelled - hits) / years
    starts = grid.episodes[scored[grid.episodes]]
    recall = lead = np.full(draws, np.nan)
    if len(starts):
        # earliest pick at or after s - W, per draw and episode start
        first = np.maximum(starts - grid.window, 0)
        # one searchsorted over all draws: row r's picks shifted by r * len(grid) keep the rows apart
        shift = np.arange(draws)[:, None] * len(grid.pain)
        flat = (picks + shift).ravel()
        col = np.searchsorted(flat, (first[None, :] + shift).ravel()).reshape(draws, -1) - np.arange(draws)[:, None] * count
        has = col < count
        earliest = np.take_along_axis(picks, np.minimum(col, count - 1), axis=1)
        hit_episode = has & (earliest <= starts[None, :])
        recall = hit_episode.mean(axis=1)
        leads = np.where(hit_episode, starts[None, :] - earliest, np.nan).astype(float)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a draw recalling no episode has no lead
            lead = np.nanmedian(leads, axis=1)
    base = empty.base_rate

    def mean(values: np.ndarray) -> float | None:
        return float(np.nanmean(values)) if (~np.isnan(values)).any() else None

    mean_hit = mean(hit_rate)
    return Figures(
        alerts=count,
        alerts_per_year=count / years if years else None,
        whipsaw=None,
        hit_rate=mean_hit,
        recall=mean(recall),
        lead_days=mean(lead),
        false_alarms_per_year=mean(false_per_year.astype(float)) if years else None,
        lift=mean_hit / base if mean_hit is not None and base else None,
        base_rate=base,
        status_days=empty.status_days,
        pain_episodes=empty.pain_episodes,
    )


def score_thesis(thesis_id: str, path: pd.Series, close: pd.Series, position: Position, pain: Pain,
                 start: date, end: date, draws: int = DRAWS, seed: int = SEED,
                 raw_path: pd.Series | None = None) -> ThesisScore:
    """The scorecard of one thesis from its status path (codes from each change date) and its position's closes.

    `raw_path`: the same thesis replayed with the recovery dwell off, for `whipsaw_before_dwell`.
    """
    days = business_days(start, end)
    grid = pain_grid(close, position, pain, days)
    status = status_on(path, days)
    alerts = _on_status_days(alerts_of(path, days), status)
    raw = _on_status_days(alerts_of(raw_path, days), status) if raw_path is not None else None
    ma_alerts = _on_status_days(alerts_of(ma200_path(close, position), days), status)
    periods: dict[str, PeriodScore] = {}
    for name, (first, last) in {"all": (start, end), **PERIODS}.items():
        lo, hi = max(first, start), min(last, end)
        inside = (days >= pd.Timestamp(lo)) & (days <= pd.Timestamp(hi)) if lo <= hi else np.zeros(len(days), bool)
        scored = np.asarray(inside) & (status >= 0)
        years = scored.sum() / BUSINESS_DAYS_PER_YEAR
        thesis = alert_figures(alerts.days, alerts.undone, scored, grid, years)
        if raw is not None:
            undone, checked = _before_dwell(raw, scored)
            thesis = replace(thesis, undone_before_dwell=undone, checked_before_dwell=checked,
                             whipsaw_before_dwell=undone / checked if checked else None)
        periods[name] = PeriodScore(
            start=lo if lo <= hi else None, end=hi if lo <= hi else None, thesis=thesis,
            random=random_figures(int(thesis.alerts), scored, grid, years, draws, seed),
            ma200=alert_figures(ma_alerts.days, ma_alerts.undone, scored, grid, years),
        )
    return ThesisScore(thesis_id=thesis_id, position=position, pain=pain, periods=periods)


def _before_dwell(raw: Alerts, scored: np.ndarray) -> tuple[int, int]:
    """(undone, checked) of the raw escalations on the scored days, judged like `whipsaw`."""
    flags = [u for d, u in zip(raw.days, raw.undone, strict=True) if scored[d] and u is not None]
    return sum(flags), len(flags)


def status_path(replay: Replay, thesis_id: str) -> pd.Series:
    """A thesis's status codes from the replay's start and from each of its status changes (dates as index)."""
    mine = [t for t in replay.transitions if t.thesis_id == thesis_id]
    first = mine[0].old if mine else replay.final.theses[thesis_id].status
    dates = [replay.start] + [t.date for t in mine]
    codes = [_code(first)] + [_code(t.new) for t in mine]
    return pd.Series(codes, index=pd.DatetimeIndex(pd.to_datetime(dates)), dtype=np.int64)


def _code(status: str | None) -> int:
    return RANK.get(status or "", -1)


def score_replay(replay: Replay, closes: pd.DataFrame, theses: Mapping[str, ThesisSpec], draws: int = DRAWS,
                 seed: int = SEED, before_dwell: Replay | None = None) -> dict[str, ThesisScore]:
    """The scorecard of every thesis of a replay, against its position's closes (a missing series scores nothing).

    `before_dwell`: the same replay with the recovery dwell off; it adds `whipsaw_before_dwell`.
    """
    out: dict[str, ThesisScore] = {}
    for tid, spec in theses.items():
        series = spec.position.series
        close = closes[series] if series in closes.columns else pd.Series(dtype=float)
        raw = status_path(before_dwell, tid) if before_dwell is not None else None
        out[tid] = score_thesis(tid, status_path(replay, tid), close, spec.position, spec.pain,
                                replay.start, replay.end, draws, seed, raw)
    return out
