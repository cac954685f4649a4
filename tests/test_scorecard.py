"""The alert scorecard on small synthetic series: every expected figure is worked out by hand from the definitions."""

from __future__ import annotations

import dataclasses
from datetime import date

import numpy as np
import pandas as pd
import pytest

from regimebot.macro.catalog import load_catalog
from regimebot.macro.engine import replay, replay_with_and_without_dwell
from regimebot.macro.market import Market, make_closes
from regimebot.macro.pain import business_days, closes_on, episode_starts, pain_grid
from regimebot.macro.positions import Pain, Position
from regimebot.macro.scorecard import (
    alert_figures,
    alerts_of,
    ma200_path,
    pooled,
    random_figures,
    random_picks,
    score_replay,
    score_thesis,
    status_on,
    status_path,
)
from regimebot.macro.theses import RANK
from regimebot.macro.watchlist import load_watchlist
from tests.chat_world import generated_closes

LONG = Position("TLT", "long")
SHORT = Position("TLT", "short")


def _series(values, start="2024-01-01") -> pd.Series:
    return pd.Series(values, index=pd.bdate_range(start, periods=len(values)), dtype=float)


def _path(*changes: tuple[str, int]) -> pd.Series:
    return pd.Series([c for _, c in changes], index=pd.DatetimeIndex([d for d, _ in changes]), dtype=np.int64)


# ---------------------------------------------------------------- pain days and episodes

TEN = [100, 100, 95, 89, 92, 100, 100, 100, 100, 100]  # business days 2024-01-01 (Mon) .. 2024-01-12


def test_pain_days_long_side():
    # W = 3, D = 10%. Day 0: min(100, 95, 89) = 89 → loss 11% ≥ 10. Day 1: min(95, 89, 92) → 11%.
    # Day 2: 1 − 89/95 = 6.3%. Days 3..6: no loss. Days 7..9: the 3-day window runs past the end: unlabelled.
    days = business_days(date(2024, 1, 1), date(2024, 1, 12))
    grid = pain_grid(_series(TEN), LONG, Pain(10.0, 3), days)
    assert grid.pain.tolist() == [True, True] + [False] * 8
    assert grid.labelled.tolist() == [True] * 7 + [False] * 3
    assert grid.episodes.tolist() == [0]


def test_pain_days_short_side():
    # A short loses when the price rises: day 3 (89) → 100/89 − 1 = 12.4% ≥ 10; day 2 (95): 5.3%; day 4 (92): 8.7%.
    days = business_days(date(2024, 1, 1), date(2024, 1, 12))
    grid = pain_grid(_series(TEN), SHORT, Pain(10.0, 3), days)
    assert np.flatnonzero(grid.pain).tolist() == [3]
    assert grid.episodes.tolist() == [3]


def test_a_loss_exactly_at_the_threshold_counts_and_the_window_is_exact():
    # 100 → 90 is exactly −10%: it reaches the pain. With W = 2 the fall on day 3 is 3 days after day 0: out of reach.
    prices = _series([100, 100, 100, 90, 100, 100, 100])
    days = business_days(date(2024, 1, 1), date(2024, 1, 9))
    assert np.flatnonzero(pain_grid(prices, LONG, Pain(10.0, 2), days).pain).tolist() == [1, 2]
    assert np.flatnonzero(pain_grid(prices, LONG, Pain(10.0, 3), days).pain).tolist() == [0, 1, 2]
    assert np.flatnonzero(pain_grid(prices, LONG, Pain(10.5, 3), days).pain).tolist() == []


def test_episodes_merge_pain_days_whose_windows_overlap():
    pain = np.array([True, False, False, False, True, False, False, False, False, True])
    assert episode_starts(pain, 3).tolist() == [0, 4, 9]     # gaps 4 and 5 > 3: three episodes
    assert episode_starts(pain, 4).tolist() == [0, 9]        # 4 ≤ 4 merges the first two
    assert episode_starts(np.zeros(5, bool), 3).tolist() == []


def test_closes_carry_over_holidays_but_not_a_dead_feed():
    close = pd.Series([100.0, 101.0], index=pd.to_datetime(["2024-01-02", "2024-01-03"]))
    days = business_days(date(2024, 1, 1), date(2024, 1, 12))
    # Jan 1 before the first close: unknown; Jan 4..10 carry 101 (at most 7 calendar days old); Jan 11, 12: 8, 9 days old.
    assert np.isnan(closes_on(close, days)[[0, 8, 9]]).all()
    assert closes_on(close, days)[1:8].tolist() == [100.0, 101.0, 101.0, 101.0, 101.0, 101.0, 101.0]


# ---------------------------------------------------------------- alerts and whipsaw

def test_alerts_are_moves_toward_invalidation_dated_on_business_days():
    days = business_days(date(2024, 1, 1), date(2024, 1, 31))
    path = _path(("2024-01-01", 0), ("2024-01-03", 1),   # alert on day 2
                 ("2024-01-06", 2),                       # Saturday: alert dated Monday 2024-01-08 (day 5)
                 ("2024-01-09", -1), ("2024-01-10", 2),   # from unknown: no alert
                 ("2024-01-11", 0), ("2024-01-12", 2))    # intact → invalidated: alert on day 9
    alerts = alerts_of(path, days)
    assert alerts.days.tolist() == [2, 5, 9]
    earlier = pd.concat([_path(("2023-12-01", 0), ("2023-12-05", 2), ("2023-12-29", 0)), path])
    assert alerts_of(earlier, days).days.tolist() == [2, 5, 9]  # a change before the first day is no alert of the replay
    # day 2 (pre-level intact): back to intact on Jan 11 = day 8, 6 business days later → undone.
    # day 5 (pre-level weakening): Jan 11 intact is day 8 ≤ 5 + 7 → undone (intact is better than the pre-level).
    # day 9 (pre-level intact): nothing after → not undone.
    assert alerts.undone == (True, True, False)


def test_an_undo_on_the_eighth_business_day_is_not_a_whipsaw_and_unknown_undoes_nothing():
    days = business_days(date(2024, 1, 1), date(2024, 1, 31))
    late = alerts_of(_path(("2024-01-01", 0), ("2024-01-02", 1), ("2024-01-11", 0)), days)  # day 1 → day 8: 7 days
    assert late.undone == (True,)
    later = alerts_of(_path(("2024-01-01", 0), ("2024-01-02", 1), ("2024-01-12", 0)), days)  # day 9: 8 days
    assert later.undone == (False,)
    gap = alerts_of(_path(("2024-01-01", 0), ("2024-01-02", 1), ("2024-01-03", -1)), days)
    assert gap.undone == (False,)
    too_late = alerts_of(_path(("2024-01-01", 0), ("2024-01-25", 1)), days)  # day 18; 18 + 7 = 25 > 22 (the last)
    assert too_late.days.tolist() == [18] and too_late.undone == (None,)


def test_status_on_a_business_day_is_the_one_in_force_at_its_end():
    path = _path(("2024-01-01", 0), ("2024-01-06", 2), ("2024-01-07", 1))  # Sat invalidated, Sun weakening
    days = business_days(date(2024, 1, 1), date(2024, 1, 9))
    assert status_on(path, days).tolist() == [0, 0, 0, 0, 0, 1, 1]
    assert status_on(path, pd.bdate_range("2023-12-28", periods=2)).tolist() == [-1, -1]  # before the path


# ---------------------------------------------------------------- a whole scorecard by hand

# 30 business days, 2024-01-01 (day 0) .. 2024-02-09 (day 29); long, pain 10% within 3 days.
CLOSES = [100.0] * 30
CLOSES[11], CLOSES[12], CLOSES[13] = 95.0, 88.0, 88.0   # pain days 9 (→88: −12%) and 10; day 11: 1 − 88/95 = 7.4%
CLOSES[21] = 89.0                                       # pain days 18, 19, 20 (−11%); day 17 sees only 100s
DAY = business_days(date(2024, 1, 1), date(2024, 2, 9))
PATH = _path((DAY[0], 0),
             (DAY[2], 1),                  # A1, pre-level intact; undone on day 5
             (DAY[5], 0),
             (DAY[7], 1),                  # A2, pre-level intact; not undone by day 14
             (DAY[9], 2),                  # A3, pre-level weakening; the recovery on day 20 is 11 days later
             (DAY[20], 1),
             (DAY[22], -1),                # one unknown day
             (DAY[23], 1),                 # from unknown: no alert
             (DAY[24], 0),
             (DAY[25], 1))                 # A4: its 7-day window runs past the end (day 32 > 29)


@pytest.fixture(scope="module")
def card():
    return score_thesis("t", PATH, _series(CLOSES), LONG, Pain(10.0, 3), date(2024, 1, 1), date(2024, 2, 9))


def test_hand_scorecard_thesis_figures(card):
    f = card.periods["all"].thesis
    years = 29 / 261                          # status days: every day but day 22
    assert f.status_days == 29
    assert f.alerts == 4                      # days 2, 7, 9, 25
    assert f.alerts_per_year == pytest.approx(4 / years) == pytest.approx(36.0)
    assert (f.undone, f.checked, f.whipsaw) == (1, 3, pytest.approx(1 / 3))
    # labelled days 0..26; pain days 9, 10, 18, 19, 20. Alert day 9 is a pain day, days 2, 7, 25 are not.
    assert f.hit_rate == pytest.approx(1 / 4)
    assert f.false_alarms_per_year == pytest.approx(3 / years) == pytest.approx(27.0)
    assert f.base_rate == pytest.approx(5 / 26)          # labelled status days: 0..26 without day 22
    assert f.lift == pytest.approx((1 / 4) / (5 / 26)) == pytest.approx(1.3)
    # episodes start on days 9 and 18. Alerts in [6, 9]: days 7 and 9 → recalled, earliest 7, lead 2. [15, 18]: none.
    assert f.pain_episodes == 2
    assert f.recall == pytest.approx(0.5)
    assert f.lead_days == pytest.approx(2.0)


def test_hand_scorecard_periods_and_ma200(card):
    assert card.periods["out_of_sample"].thesis == card.periods["all"].thesis   # 2024 is out of sample
    empty = card.periods["in_sample"]
    assert (empty.thesis.status_days, empty.thesis.alerts, empty.thesis.alerts_per_year, empty.thesis.hit_rate,
            empty.thesis.recall, empty.thesis.lift) == (0, 0, None, None, None, None)
    ma = card.periods["all"].ma200      # 30 closes: never 200 of them, so the 200-day rule never alerts
    assert (ma.alerts, ma.hit_rate, ma.recall, ma.lead_days, ma.lift) == (0, None, 0.0, None, None)
    assert ma.base_rate == pytest.approx(5 / 26)
    assert card.periods["all"].beats(ma) is None


# The same thesis replayed with the recovery dwell off: its raw escalations turn back sooner.
RAW_PATH = _path((DAY[0], 0),
                 (DAY[2], 1),              # R1, pre-level intact; back to intact on day 4 (2 business days) → undone
                 (DAY[4], 0),
                 (DAY[7], 1),              # R2, pre-level intact; back to intact on day 14 = 7 + 7 → undone
                 (DAY[9], 2),              # R3, pre-level weakening; weakening again on day 10 → undone
                 (DAY[10], 1),
                 (DAY[14], 0),
                 (DAY[16], 1),             # R4, pre-level intact; nothing better until day 24 (8 days) → not undone
                 (DAY[22], -1),            # unknown on day 22 (a non-status day of the scored path too)
                 (DAY[23], 1),             # from unknown: no escalation
                 (DAY[24], 0),
                 (DAY[25], 1))             # R5: its 7-day window runs past the end: not judged


def test_whipsaw_before_dwell_judges_the_raw_escalations_like_whipsaw():
    card = score_thesis("t", PATH, _series(CLOSES), LONG, Pain(10.0, 3), date(2024, 1, 1), date(2024, 2, 9),
                        raw_path=RAW_PATH)
    f = card.periods["all"].thesis
    assert (f.undone_before_dwell, f.checked_before_dwell) == (3, 4)      # R1, R2, R3 undone; R5 not judged
    assert f.whipsaw_before_dwell == pytest.approx(3 / 4)
    assert (f.undone, f.checked, f.whipsaw) == (1, 3, pytest.approx(1 / 3))  # the dwelled path's own figures stay
    assert card.periods["out_of_sample"].thesis == f                       # 2024 is out of sample
    assert card.periods["in_sample"].thesis.whipsaw_before_dwell is None   # nothing to judge in 2007-2016
    plain = score_thesis("t", PATH, _series(CLOSES), LONG, Pain(10.0, 3), date(2024, 1, 1), date(2024, 2, 9))
    assert plain.periods["all"].thesis.whipsaw_before_dwell is None        # no dwell-off replay given
    assert pooled({"t": plain})["whipsaw_before_dwell"] is None
    assert pooled({"t": card, "u": card})["whipsaw_before_dwell"] == pytest.approx(6 / 8)
    assert card.to_dict()["whipsaw_before_dwell"] == pytest.approx(3 / 4)
    assert card.to_dict()["baselines"]["random"]["whipsaw_before_dwell"] is None


def test_random_baseline_picking_every_day_is_exact(card):
    # 29 alerts on 29 status days: every draw picks every status day. Hit rate = base rate; every episode
    # is recalled by the pick W = 3 days before its start: lead 3 for both.
    grid = pain_grid(_series(CLOSES), LONG, Pain(10.0, 3), DAY)
    scored = status_on(PATH, DAY) >= 0
    f = random_figures(29, scored, grid, 29 / 261, draws=5, seed=1)
    assert f.alerts == 29 and f.whipsaw is None
    assert f.hit_rate == pytest.approx(5 / 26) and f.lift == pytest.approx(1.0)
    assert f.false_alarms_per_year == pytest.approx(21 / (29 / 261))
    assert (f.recall, f.lead_days) == (pytest.approx(1.0), pytest.approx(3.0))


def test_random_baseline_is_reproducible_and_unbiased(card):
    grid = pain_grid(_series(CLOSES), LONG, Pain(10.0, 3), DAY)
    scored = status_on(PATH, DAY) >= 0
    one = random_figures(1, scored, grid, 29 / 261, draws=200, seed=42)
    assert one == random_figures(1, scored, grid, 29 / 261, draws=200, seed=42)
    assert one != random_figures(1, scored, grid, 29 / 261, draws=200, seed=43)
    # one alert on a uniformly drawn labelled status day hits with probability 5/26
    many = random_figures(1, scored, grid, 29 / 261, draws=20000, seed=42)
    assert many.hit_rate == pytest.approx(5 / 26, abs=0.01)
    assert card.periods["all"].random == random_figures(4, scored, grid, 29 / 261)  # default seed and draws


def test_ma200_rule_breaks_and_recovers():
    # 200 closes at 100, then 90 (average 99.95: broken, an alert), then 100 (average 99.95: recovered).
    close = _series([100.0] * 200 + [90.0, 100.0, 100.0], start="2020-01-01")
    long_path = ma200_path(close, LONG)
    assert long_path.tolist() == [-1, 0, 1, 0]
    assert list(long_path.index) == [close.index[0], close.index[199], close.index[200], close.index[201]]
    short_path = ma200_path(close, SHORT)  # a short is hurt when the close rises above: 100 > 99.95 on the 202nd
    assert short_path.tolist() == [-1, 0, 1]
    assert short_path.index[-1] == close.index[201]
    days = business_days(close.index[0].date(), close.index[-1].date())
    alerts = alerts_of(long_path, days)
    assert alerts.days.tolist() == [200] and alerts.undone == (None,)   # 2 days before the end: too late to judge


# ---------------------------------------------------------------- from a replay

@pytest.fixture(scope="module")
def generated_replay():
    catalog = load_catalog()
    watchlist = load_watchlist(None, catalog)
    closes = make_closes(generated_closes(seed=5, days=1000), catalog)
    market = Market(closes, "generated", simulated=True)
    start = (closes.index[-1] - pd.DateOffset(years=2)).date()
    return replay(market, watchlist, start, closes.index[-1].date()), closes, watchlist


def test_status_path_reproduces_the_replay_day_by_day(generated_replay):
    rp, _, watchlist = generated_replay
    calendar = pd.date_range(rp.start, rp.end, freq="D")
    for tid in watchlist.theses:
        codes = status_on(status_path(rp, tid), calendar)
        days = rp.stats[tid].days_in_status
        assert [int((codes == c).sum()) for c in (0, 1, 2, -1)] == [
            days["intact"], days["weakening"], days["invalidated"], days["unknown"]]
        alerts = [t for t in rp.transitions if t.thesis_id == tid and t.toward_invalidation]
        scored = score_replay(rp, generated_replay[1], {tid: watchlist.theses[tid]}, draws=5)[tid]
        last_business_day = business_days(rp.start, rp.end)[-1].date()  # a weekend alert after it has no business day
        assert scored.periods["all"].thesis.alerts == sum(1 for t in alerts if t.date <= last_business_day)


def test_whipsaw_before_dwell_comes_from_the_replay_with_the_dwell_off(generated_replay):
    """With a 10-day dwell no alert is undone within 7 days; the dwell-off replay's escalations are counted instead."""
    rp, closes, watchlist = generated_replay
    assert watchlist.recovery_dwell_days == 10
    raw = replay(Market(closes, "generated", simulated=True), dataclasses.replace(watchlist, recovery_dwell_days=0),
                 rp.start, rp.end)
    total = pooled(score_replay(rp, closes, watchlist.theses, draws=5, before_dwell=raw))
    assert total["undone"] == 0
    # independently: escalations of the dwell-off replay, undone by a later change back to the old status or better
    # within 7 business days (unknown undoes nothing), judged when their 7th business day is inside the replay
    last = business_days(rp.start, rp.end)[-1].date()
    escalations = [t for t in raw.transitions if t.toward_invalidation and t.date <= last
                   and np.busday_count(t.date, last) >= 7 and t.date.weekday() < 5]
    undone = [t for t in escalations if any(
        u.thesis_id == t.thesis_id and t.date < u.date and np.busday_count(t.date, u.date) <= 7
        and u.new in RANK and RANK[u.new] <= RANK[t.old] for u in raw.transitions)]
    assert escalations and undone
    assert (total["checked_before_dwell"], total["undone_before_dwell"]) == (len(escalations), len(undone))


def test_pooled_whipsaw_adds_the_counts(generated_replay):
    rp, closes, watchlist = generated_replay
    scores = score_replay(rp, closes, watchlist.theses, draws=10)
    total = pooled(scores)
    assert total["alerts"] == sum(s.periods["all"].thesis.alerts for s in scores.values())
    assert total["undone"] == sum(s.periods["all"].thesis.undone for s in scores.values())
    if total["checked"]:
        assert total["whipsaw"] == pytest.approx(total["undone"] / total["checked"])
    doc = scores["long_duration"].to_dict()
    assert doc["position"] == {"series": "TLT", "side": "long"}
    for key in ("alerts_per_year", "whipsaw", "hit_rate", "recall", "lead_days", "false_alarms_per_year", "lift"):
        assert key in doc and key in doc["in_sample"] and key in doc["out_of_sample"]
        assert key in doc["baselines"]["random"] and key in doc["baselines"]["ma200"]


def test_vectorised_random_baseline_equals_scoring_each_draw_one_by_one():
    grid = pain_grid(_series(CLOSES), LONG, Pain(10.0, 3), DAY)
    scored = status_on(PATH, DAY) >= 0
    years = 29 / 261
    picks = random_picks(3, scored, draws=50, seed=5)
    assert picks.shape == (50, 3) and all(len(set(row)) == 3 and scored[row].all() for row in picks)
    each = [alert_figures(row, None, scored, grid, years) for row in picks]

    def mean(name):
        values = [getattr(f, name) for f in each if getattr(f, name) is not None]
        return sum(values) / len(values)

    f = random_figures(3, scored, grid, years, draws=50, seed=5)
    for name in ("hit_rate", "recall", "lead_days", "false_alarms_per_year"):
        assert getattr(f, name) == pytest.approx(mean(name)), name
    assert f.lift == pytest.approx(mean("hit_rate") / (5 / 26))


def test_hand_scorecard_of_the_200_day_baseline():
    # 230 business days from 2020-01-01: 100 for 200 days, 95 on day 200 (average 99.975: broken, the rule's
    # only alert), 85 from day 201 on (stays below). Pain 10% within 3 days: days 198 (100 → 85: −15%), 199
    # and 200 (95 → 85: −10.5%); day 197 sees at worst 95 (−5%). One episode, starting on day 198.
    close = _series([100.0] * 200 + [95.0] + [85.0] * 29, start="2020-01-01")
    days = close.index
    path = _path((days[0], 0))                 # the thesis: intact throughout, never alerts
    card = score_thesis("t", path, close, LONG, Pain(10.0, 3), days[0].date(), days[-1].date())
    whole = card.periods["all"]
    ma = whole.ma200
    assert ma.alerts == 1 and ma.alerts_per_year == pytest.approx(1 / (230 / 261))
    assert (ma.undone, ma.checked, ma.whipsaw) == (0, 1, 0.0)
    assert ma.hit_rate == 1.0 and ma.false_alarms_per_year == 0.0
    assert ma.base_rate == pytest.approx(3 / 227)      # labelled days 0..226
    assert ma.lift == pytest.approx(227 / 3)
    assert (ma.pain_episodes, ma.recall, ma.lead_days) == (1, 0.0, None)  # the break came 2 days after the start
    assert (whole.thesis.alerts, whole.thesis.recall, whole.thesis.lift) == (0, 0.0, None)
    assert whole.beats(ma) is None and whole.beats(whole.random) is None


def test_one_signal_pass_gives_the_replay_and_the_dwell_off_replay(generated_replay):
    """replay_with_and_without_dwell equals two separate replays (the watch list's dwell, then none)."""
    rp, closes, watchlist = generated_replay
    market = Market(closes, "generated", simulated=True)
    with_dwell, without = replay_with_and_without_dwell(market, watchlist, rp.start, rp.end)
    raw = replay(market, dataclasses.replace(watchlist, recovery_dwell_days=0), rp.start, rp.end)
    assert with_dwell.transitions == rp.transitions and with_dwell.stats == rp.stats
    assert without.transitions == raw.transitions and without.stats == raw.stats
    assert without.transitions != rp.transitions  # the dwell matters on this history
