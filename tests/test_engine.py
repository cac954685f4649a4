"""evaluate and replay: one computation, causal, and missing data never moves a thesis toward invalidation."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regimebot.macro.calendars import sessions_from
from regimebot.macro.catalog import load_catalog
from regimebot.macro.engine import STATUSES, Transition, evaluate, replay
from regimebot.macro.market import Market, make_closes
from regimebot.macro.theses import RANK
from regimebot.macro.watchlist import load_watchlist, parse_watchlist

CATALOG = load_catalog()
WL = load_watchlist(None, CATALOG)
LEVELS = {"DXY": 100, "TLT": 90, "IEF": 95, "TMF": 50, "GOLD": 2000, "VIX": 18, "MOVE": 100, "HYG": 78, "LQD": 108,
          "SPX": 5000, "US3M": 5.0, "US5Y": 4.0, "US10Y": 4.2, "US30Y": 4.4, "EURUSD": 1.1, "USDJPY": 150,
          "BTC": 80000, "EWJ": 70, "SPHB": 80, "SPLV": 65, "WALCL": 7e6, "WTREGEN": 7e5, "RRPONTSYD": 500,
          "BAA10Y": 2.0, "BAMLH0A0HYM2": 3.5, "DFII10": 2.0, "T10YIE": 2.3, "THREEFYTP10": 0.5, "NFCI": 0.5, "SOFR": 5.0,
          "EFFR": 5.0, "JGB10Y": 1.0, "BUYBACKS": 3.0}
END = date(2024, 12, 31)


def random_market(seed: int, n_days: int = 650, drop: tuple[str, ...] = (), stop: dict | None = None) -> Market:
    """Volatile random closes for every catalog series (BTC every day); `drop` removes series, `stop` cuts them."""
    rng = np.random.default_rng(seed)
    bdays = pd.bdate_range(end=pd.Timestamp(END), periods=n_days)
    alldays = pd.date_range(bdays[0], bdays[-1], freq="D")
    common = rng.normal(0, 0.012, len(alldays))
    obs = {}
    for s in CATALOG.downloadable():
        days = alldays if s.calendar == "daily" else bdays
        pos = alldays.get_indexer(days)
        n = len(days)
        if s.kind == "yield":
            values = LEVELS[s.id] + np.cumsum(rng.normal(0, 0.07, n))
        elif s.id in ("VIX", "MOVE"):
            x = np.zeros(n)
            shocks = rng.normal(0, 0.12, n)
            for i in range(1, n):
                x[i] = 0.94 * x[i - 1] + shocks[i]
            values = LEVELS[s.id] * np.exp(x)
        else:
            beta = rng.uniform(-1, 1.5)
            values = LEVELS[s.id] * np.exp(np.cumsum(beta * common[pos] + rng.normal(0, 0.012, n)))
        series = pd.Series(values, index=days)
        if stop and s.id in stop:
            series = series.loc[: pd.Timestamp(stop[s.id])]
        if s.id not in drop:  # drawn anyway, so the other series do not change
            obs[s.id] = series
    return Market(make_closes(obs, CATALOG), "random", simulated=True)


def statuses(ev) -> dict[str, str]:
    return {tid: t.status for tid, t in ev.theses.items()}


def states(ev) -> dict[str, tuple]:
    return {sid: (s.state, None if s.value is None else round(s.value, 9), s.since) for sid, s in ev.signals.items()}


seeds = st.integers(0, 10_000)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seeds, st.integers(0, 200))
def test_replay_final_equals_live_evaluation(seed, cut):
    market = random_market(seed)
    end = END - timedelta(days=cut)
    start = end - timedelta(days=300)
    rp = replay(market, WL, start, end)
    live = evaluate(market.until(end), WL, end)
    assert statuses(rp.final) == statuses(live)
    assert states(rp.final) == states(live)
    assert rp.final.regime == live.regime


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seeds, st.lists(st.integers(1, 299), min_size=3, max_size=6, unique=True))
def test_replay_matches_a_fresh_evaluation_every_sampled_day(seed, offsets):
    """The naive way (evaluate on data cut at each day) agrees with the replay's transitions."""
    market = random_market(seed)
    start = END - timedelta(days=300)
    rp = replay(market, WL, start, END)
    at_start = statuses(evaluate(market.until(start), WL, start))
    for offset in sorted(offsets):
        day = start + timedelta(days=offset)
        expected = dict(at_start)
        for t in rp.transitions:
            if start < t.date <= day:
                assert expected[t.thesis_id] == t.old
                expected[t.thesis_id] = t.new
        assert statuses(evaluate(market.until(day), WL, day)) == expected
        assert statuses(evaluate(market, WL, day)) == expected  # later data never leaks into an earlier day


# Series outside the cross-asset correlation set: removing one makes each signal that reads it unknown.
REMOVABLE = ["DXY", "TLT", "IEF", "VIX", "MOVE", "US5Y", "US30Y", "USDJPY", "SPHB", "SPLV"]


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seeds, st.lists(st.sampled_from(REMOVABLE), min_size=1, max_size=5, unique=True), st.integers(0, 120))
def test_missing_inputs_never_push_a_thesis_toward_invalidation(seed, removed, offset):
    full = random_market(seed)
    day = END - timedelta(days=offset)
    partial = random_market(seed, drop=tuple(removed))
    with_all, without = evaluate(full, WL, day), evaluate(partial, WL, day)
    affected = [s.id for s in WL.signals.values() if set(CATALOG.inputs_of(s.series)) & set(removed)]
    assert affected
    for sid in affected:
        assert without.signals[sid].state == "unknown", sid
    for tid, thesis in without.theses.items():
        if thesis.status != "unknown":
            assert RANK[thesis.status] <= RANK[with_all.theses[tid].status], tid
        for r in thesis.evidence:
            assert r.state in ("warn", "breach")


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seeds)
def test_a_thesis_whose_data_is_gone_is_unknown_and_never_alerts(seed):
    stop = {s: END - timedelta(days=200) for s in ("USDJPY", "EWJ", "JGB10Y")}  # every Japan input goes stale
    market = random_market(seed, stop=stop)
    rp = replay(market, WL, END - timedelta(days=150), END)
    assert rp.final.theses["japan_reflation"].status == "unknown"
    assert rp.final.signals["yen_weakening"].reason.startswith("stale")
    assert rp.final.signals["ewj_trend_break"].reason.startswith("stale")
    assert not [t for t in rp.transitions if t.thesis_id == "japan_reflation"]
    assert rp.stats["japan_reflation"].days_in_status["unknown"] == 151


def _band_watchlist():
    doc = {
        "signals": [
            {"id": "move", "kind": "level", "series": "MOVE", "direction": "above", "warn": 120, "breach": 140,
             "meaning": {"en": "m", "zh-TW": "m"}},
            {"id": "vix", "kind": "level", "series": "VIX", "direction": "above", "warn": 25, "breach": 35,
             "meaning": {"en": "v", "zh-TW": "v"}},
        ],
        "theses": [{"id": "bonds", "name": {"en": "b", "zh-TW": "b"}, "rationale": {"en": "r", "zh-TW": "r"},
                    "position": {"series": "TLT", "side": "long"}, "invalidation": ["move", "vix"]}],
        "recovery_dwell_days": 0,  # these tests are about signals and gaps; the dwell has its own (test_thesis_dwell)
    }
    return parse_watchlist(doc, CATALOG)


def _wiggle(level: float, days: pd.DatetimeIndex) -> pd.Series:
    """A series at `level` whose consecutive prints differ (a repeated print confirms nothing)."""
    return pd.Series(level + 0.01 * (np.arange(len(days)) % 2), index=days)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(116.5, 139.5), min_size=5, max_size=120))
def test_flapping_inside_the_hysteresis_band_makes_no_transitions(flaps):
    wl = _band_watchlist()
    days = sessions_from(date(2024, 1, 2), 10 + len(flaps))  # NYSE sessions
    move = pd.Series([100.0] * 8 + [125.0, 125.0] + flaps, index=days) + _wiggle(0.0, days)
    vix = _wiggle(30.0, days)  # vix in warn throughout: a second warn makes the thesis weaken
    market = Market(make_closes({"MOVE": move, "VIX": vix, "TLT": _wiggle(90.0, days)}, CATALOG), "test", True)
    rp = replay(market, wl, days[0].date(), days[-1].date())
    assert [(t.old, t.new, t.date) for t in rp.transitions] == [("intact", "weakening", days[9].date())]
    ev = rp.transitions[0].evidence
    assert [(r.id, r.state) for r in ev] == [("move", "warn"), ("vix", "warn")]


def _gap_market(days, move_values):
    """MOVE with NaN where the feed is silent; VIX in breach throughout (from its second print)."""
    move = (pd.Series(move_values, index=days, dtype="float64") + _wiggle(0.0, days)).dropna()
    return Market(make_closes({"MOVE": move, "VIX": _wiggle(40.0, days), "TLT": _wiggle(90.0, days)}, CATALOG),
                  "test", True)


def test_stale_input_is_unknown_not_breach_and_a_gap_is_not_a_recovery():
    wl = _band_watchlist()
    days = sessions_from(date(2024, 1, 2), 60)  # NYSE sessions
    market = _gap_market(days, [150.0] * 20 + [np.nan] * 40)  # MOVE in breach, then the feed stops
    ev = evaluate(market, wl, days[25].date())
    assert ev.signals["move"].state == "unknown" and ev.signals["vix"].state == "breach"
    assert ev.theses["bonds"].status == "invalidated" and ev.theses["bonds"].held  # no recovery on a gap
    assert [r.id for r in ev.theses["bonds"].evidence] == ["vix"]                  # the unknown is not evidence
    rp = replay(market, wl, days[2].date(), days[-1].date())  # from day 2: the first prints are at most warn
    # the hold ends HOLD_DAYS after the last evaluation day MOVE was known (within 5 days of its last close)
    last_known = max(d for d in days if d <= days[19] + pd.Timedelta(days=5))
    expiry = next(d for d in days if (d - last_known).days > 30)
    assert [(t.old, t.new, t.date) for t in rp.transitions] == [("invalidated", "weakening", expiry.date())]
    assert rp.transitions[0].recovery and not rp.transitions[0].toward_invalidation


def test_a_short_gap_makes_no_messages():
    wl = _band_watchlist()
    days = sessions_from(date(2024, 1, 2), 50)  # NYSE sessions
    same = _gap_market(days, [150.0] * 20 + [np.nan] * 10 + [150.0] * 20)
    assert replay(same, wl, days[2].date(), days[-1].date()).transitions == []
    cleared = _gap_market(days, [150.0] * 20 + [np.nan] * 10 + [100.0] * 20)
    rp = replay(cleared, wl, days[2].date(), days[-1].date())
    # MOVE reads again at 100 (two closes below both exits): one recovery, on real data
    assert [(t.old, t.new, t.date) for t in rp.transitions] == [("invalidated", "weakening", days[31].date())]


def test_transition_alert_flags():
    t = Transition("x", "unknown", "invalidated", END, ())
    assert not t.toward_invalidation and not t.recovery and not t.alerted
    assert Transition("x", "intact", "invalidated", END, ()).alerted


def test_manual_switch_breaches_its_signal():
    market = random_market(1)
    off = evaluate(market, WL)
    on = evaluate(market, WL, manual={"tariffs_landed": True, "eu_countermeasures": True})
    assert off.signals["tariffs_landed"].state == "ok"
    assert on.signals["tariffs_landed"].state == "breach"
    assert on.theses["geopolitical_noise"].status == "invalidated"


def test_evaluation_carries_date_source_and_results():
    market = random_market(2)
    ev = evaluate(market, WL)
    assert ev.as_of == market.last_date() and ev.simulated and ev.source == "random (SIMULATED)"
    assert set(ev.signals) == set(WL.signals) and list(ev.theses) == list(WL.theses)
    assert all(t.status in STATUSES + ("unknown",) for t in ev.theses.values())
    assert ev.signals["btc_bottom_lost"].value == pytest.approx(float(market.series("BTC").iloc[-1]))
    assert ev.signals["move_stress"].since is not None
    assert ev.signals["move_stress"].meaning == WL.signals["move_stress"].meaning  # the human sentence, both languages
    assert ev.signals["tariffs_landed"].meaning["zh-TW"]
    for thesis in ev.theses.values():
        assert [r.id for r in thesis.signals] == list(WL.theses[thesis.id].invalidation)


def test_replay_stats_cover_every_calendar_day():
    market = random_market(3)
    start = END - timedelta(days=364)
    rp = replay(market, WL, start, END)
    for tid, s in rp.stats.items():
        assert sum(s.days_in_status.values()) == 365
        alerted = [t for t in rp.transitions if t.thesis_id == tid and t.alerted]
        assert s.transitions_per_year == pytest.approx(len(alerted) / (365 / 365.25))
    assert all(start < t.date <= END or t.date == start for t in rp.transitions)
    with pytest.raises(ValueError):
        replay(market, WL, END, start)


def test_demo_market_stress_episode_is_flagged():
    from regimebot.macro.providers.demo import simulate_closes, stress_window

    end = date(2026, 11, 20)
    market = Market(make_closes(simulate_closes(end=end), CATALOG), "demo", True)
    first, last = stress_window(end)
    rp = replay(market, WL, first - timedelta(days=30), end)
    alerts = [t for t in rp.transitions if t.toward_invalidation and t.date >= first]
    assert alerts, "the simulated stress episode should move some thesis toward invalidation"
    assert rp.final.regime.verdict != "calm"
