"""Signal primitives against hand-computed values, and the hysteresis/persistence state machine."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regimebot.macro.calendars import sessions_from
from regimebot.macro.catalog import load_catalog
from regimebot.macro.market import Market, make_closes
from regimebot.macro.signal_kinds import SeriesCache, rolling_correlation
from regimebot.macro.signals import compute_track, hysteresis_states, reading, to_days, walk_states
from regimebot.macro.watchlist import parse_watchlist

CATALOG = load_catalog()
MEANING = {"en": "test", "zh-TW": "測試"}


def market(**series) -> Market:
    """A market from lists of closes on consecutive NYSE sessions from 2024-01-02 (or pd.Series)."""
    obs = {}
    for sid, values in series.items():
        if isinstance(values, pd.Series):
            obs[sid] = values
        else:
            obs[sid] = pd.Series(values, index=sessions_from(date(2024, 1, 2), len(values)), dtype="float64")
    return Market(make_closes(obs, CATALOG), "test", simulated=True)


def spec(**fields):
    doc = {"signals": [{"id": "s", "meaning": MEANING, "persistence": 1, **fields}]}
    return parse_watchlist(doc, CATALOG).signals["s"]


def track(sig, mkt, stale=5):
    return compute_track(sig, SeriesCache(mkt, CATALOG), stale)


def vals(sig, mkt) -> list[float]:
    return [None if math.isnan(v) else round(float(v), 9) for v in track(sig, mkt).values]


# ---------------------------------------------------------------- measures, hand-computed


def test_level():
    sig = spec(kind="level", series="MOVE", direction="above", warn=120, breach=140)
    t = track(sig, market(MOVE=[100, 125, 150]))
    assert list(t.values) == [100, 125, 150]
    assert list(t.states) == [0, 1, 2]  # persistence 1: each value's zone


def test_percent_change():
    sig = spec(kind="change", series="DXY", window=2, direction="below", warn=-1, breach=-2)
    # 103/100 - 1 = +3%; 99/101 - 1 = -1.980198%
    assert vals(sig, market(DXY=[100, 101, 103, 99])) == [None, None, 3.0, round(-1.98019802, 9)]


def test_yield_change_in_bp_and_pp():
    bp = spec(kind="change", series="US30Y", window=1, direction="above", warn=10, breach=20)
    pp = spec(kind="change", series="US30Y", window=1, unit="pp", direction="above", warn=0.1, breach=0.2)
    mkt = market(US30Y=[4.00, 4.10, 4.35])
    assert vals(bp, mkt) == [None, 10.0, 25.0]
    assert vals(pp, mkt) == [None, 0.1, 0.25]
    assert bp.unit == "bp" and pp.unit == "pp"


def test_ma_distance():
    sig = spec(kind="ma_distance", series="DXY", window=3, direction="below", warn=-3, breach=-5)
    # day 3: 12 / mean(10, 11, 12) - 1 = 12/11 - 1; day 4: 9 / mean(11, 12, 9) - 1 = 9/(32/3) - 1 = -15.625%
    assert vals(sig, market(DXY=[10, 11, 12, 9])) == [None, None, round((12 / 11 - 1) * 100, 9), -15.625]


def test_ratio_level_and_change():
    level = spec(kind="ratio", series=["HYG", "IEF"], direction="below", warn=0.8, breach=0.7)
    change = spec(kind="ratio", series=["HYG", "IEF"], window=1, direction="below", warn=-1, breach=-2)
    mkt = market(HYG=[80, 81, 78], IEF=[100, 100, 104])
    assert vals(level, mkt) == [0.8, 0.81, 0.75]
    assert vals(change, mkt) == [None, 1.25, round((0.75 / 0.81 - 1) * 100, 9)]


def test_derived_credit_series_change():
    sig = spec(kind="change", series="CREDIT", window=1, direction="below", warn=-2, breach=-4)
    mkt = market(HYG=[80, 76], IEF=[100, 100])
    assert vals(sig, mkt) == [None, -5.0]


def test_zscore_change_against_prior_window():
    rng = np.random.default_rng(3)
    y = np.round(4 + np.cumsum(rng.normal(0, 0.05, 40)), 4)
    sig = spec(kind="zscore_change", series="US30Y", window=3, lookback=20, direction="above", warn=2, breach=3)
    got = track(sig, market(US30Y=list(y))).values
    change = y[3:] - y[:-3]               # change[k] is the 3-day change ending at observation k+3
    for i in range(3 + 20, 40):           # needs 20 earlier changes
        k = i - 3
        prior = change[k - 20:k]
        expected = (change[k] - prior.mean()) / prior.std(ddof=1)
        assert got[i] == pytest.approx(expected, rel=1e-9)
    assert np.isnan(got[: 3 + 20]).all()  # too little history: unknown


def test_correlation_of_returns():
    rng = np.random.default_rng(5)
    a = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, 30)))
    b = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, 30)))
    sig = spec(kind="correlation", series=["SPX", "TLT"], window=10, direction="above", warn=0.3, breach=0.4)
    got = track(sig, market(SPX=list(a), TLT=list(b))).values
    ra, rb = a[1:] / a[:-1] - 1, b[1:] / b[:-1] - 1
    for i in range(10, 30):
        assert got[i] == pytest.approx(np.corrcoef(ra[i - 10:i], rb[i - 10:i])[0, 1], abs=1e-9)
    assert np.isnan(got[:10]).all()


def test_correlation_uses_common_dates_only():
    """BTC trades at weekends; the pair is measured on dates both series have."""
    days = pd.date_range("2024-01-01", periods=40, freq="D")
    btc = pd.Series(np.linspace(100, 140, 40) + np.sin(np.arange(40)), index=days)
    spx = pd.Series(np.linspace(50, 60, 40) + np.cos(np.arange(40)), index=days)[days.day_of_week < 5]
    sig = spec(kind="correlation", series=["SPX", "BTC"], window=5, direction="above", warn=0.3, breach=0.4)
    t = track(sig, market(SPX=spx, BTC=btc))
    assert len(t.values) == len(spx)
    x, y = spx.to_numpy(), btc.reindex(spx.index).to_numpy()
    rx, ry = x[1:] / x[:-1] - 1, y[1:] / y[:-1] - 1
    assert t.values[-1] == pytest.approx(np.corrcoef(rx[-5:], ry[-5:])[0, 1], abs=1e-9)


def test_mean_pairwise_correlation_and_min_members():
    rng = np.random.default_rng(9)
    common = rng.normal(0, 0.01, 25)
    paths = {sid: 100 * np.exp(np.cumsum(common + rng.normal(0, 0.01, 25))) for sid in ("SPX", "EWJ", "HYG")}
    sig = spec(kind="mean_correlation", series=["SPX", "EWJ", "HYG", "BTC", "GOLD"], window=10, min_members=3,
               direction="above", warn=0.5, breach=0.7)
    got = track(sig, market(**paths)).values  # BTC and GOLD absent: 3 members with data
    r = {k: v[1:] / v[:-1] - 1 for k, v in paths.items()}
    pairs = [("SPX", "EWJ"), ("SPX", "HYG"), ("EWJ", "HYG")]
    expected = np.mean([np.corrcoef(r[a][-10:], r[b][-10:])[0, 1] for a, b in pairs])
    assert got[-1] == pytest.approx(expected, abs=1e-9)
    two = track(sig, market(SPX=paths["SPX"], EWJ=paths["EWJ"])).values
    assert np.isnan(two).all()  # only 2 members with data < min_members 3: unknown


def test_rolling_correlation_matches_numpy_and_flags_flat_windows():
    rng = np.random.default_rng(1)
    x, y = rng.normal(0, 0.01, 50), rng.normal(0, 0.01, 50)
    x[20:30] = 0.003  # a flat stretch: correlation undefined there
    got = rolling_correlation(x, y, 8)
    for i in range(7, 50):
        wx, wy = x[i - 7:i + 1], y[i - 7:i + 1]
        if np.ptp(wx) == 0:
            assert np.isnan(got[i])
        else:
            assert got[i] == pytest.approx(np.corrcoef(wx, wy)[0, 1], abs=1e-9)


def test_all_gates_the_measure():
    """usd_weak_in_stress: DXY falling counts only while VIX > 25."""
    sig = spec(kind="all", direction="below", warn=-1.0, breach=-2.5,
               measure={"kind": "change", "series": "DXY", "window": 1},
               conditions=[{"kind": "level", "series": "VIX", "above": 25.0}])
    dxy = [100, 97, 94, 91, 88]
    vix = [20, 20, 30, 30, 20]
    t = track(sig, market(DXY=dxy, VIX=vix))
    assert list(t.states) == [-1, 0, 2, 2, 0]  # -3% days, breach only while VIX is above 25
    assert t.values[1] == pytest.approx(-3.0)  # the value shown is the DXY change even when gated off
    unknown_gate = track(sig, market(DXY=dxy))  # no VIX at all
    assert (unknown_gate.states == -1).all()


# ---------------------------------------------------------------- hysteresis and persistence


def _move_states(values, persistence=2):
    sig = spec(kind="level", series="MOVE", direction="above", warn=120, breach=140, persistence=persistence)
    return list(track(sig, market(MOVE=values)).states)


def test_persistence_two_closes_before_a_change():
    # 125 once: still ok; twice: warn. 145 once: warn; twice: breach. (Distinct prints: a repeat confirms nothing.)
    assert _move_states([100, 125, 101, 125, 126, 145, 125, 145, 146]) == [0, 0, 0, 0, 1, 1, 1, 1, 2]


def test_warn_clears_at_116_and_breach_at_the_midpoint():
    # breach needs two closes below 130 to clear; to ok needs two closes below 116
    # (the first print ever is at most warn: one print never goes straight to breach)
    seq = [150, 151, 135, 131, 129, 128, 118, 117, 115, 114]
    assert _move_states(seq) == [1, 2, 2, 2, 2, 1, 1, 1, 1, 0]


def test_breach_straight_to_ok_when_both_exits_pass():
    assert _move_states([150, 151, 100, 101]) == [1, 2, 2, 0]


def test_since_and_unknown_on_stale_reading():
    sig = spec(kind="level", series="MOVE", direction="above", warn=120, breach=140, persistence=2)
    mkt = market(MOVE=[100, 125, 124, 126])
    t = track(sig, mkt)
    last = pd.Timestamp(mkt.closes.index[-1])
    r = reading(t, int(to_days(pd.DatetimeIndex([last]))[0]), 5)
    assert (r.state, r.value, r.since) == ("warn", 126.0, mkt.closes.index[2].date())
    later = int(to_days(pd.DatetimeIndex([last + pd.Timedelta(days=6)]))[0])
    stale = reading(t, later, 5)
    assert stale.state == "unknown" and stale.value is None and "stale" in stale.reason
    within = int(to_days(pd.DatetimeIndex([last + pd.Timedelta(days=5)]))[0])
    assert reading(t, within, 5).state == "warn"


def test_a_signal_may_set_its_own_staleness_limit():
    """A series released in weekly batches (Kim-Wright) reads 11 days old live: its signal says how old is too old."""
    weekly = spec(kind="level", series="THREEFYTP10", direction="above", warn=1.0, breach=1.5, stale_after_days=12)
    default = spec(kind="level", series="THREEFYTP10", direction="above", warn=1.0, breach=1.5)
    mkt = market(THREEFYTP10=[0.5, 1.2, 1.3])
    last = pd.Timestamp(mkt.closes.index[-1])
    eleven = int(to_days(pd.DatetimeIndex([last + pd.Timedelta(days=11)]))[0])
    thirteen = int(to_days(pd.DatetimeIndex([last + pd.Timedelta(days=13)]))[0])
    assert reading(track(weekly, mkt), eleven, 5).state == "warn"
    assert reading(track(default, mkt), eleven, 5).state == "unknown"
    late = reading(track(weekly, mkt), thirteen, 5)
    assert late.state == "unknown" and "13 days old (limit 12)" in late.reason
    assert list(track(weekly, mkt).states_on(np.array([eleven, thirteen]), 5)) == [1, -1]
    for bad in (0, 61, 2.5, True, "7"):
        with pytest.raises(ValueError, match="stale_after_days"):
            spec(kind="level", series="THREEFYTP10", direction="above", warn=1.0, breach=1.5, stale_after_days=bad)


def test_btc_within_five_percent_warns():
    sig = spec(kind="level", series="BTC", direction="below", breach=74500.0, warn_within_pct=5.0)
    days = pd.date_range("2025-01-01", periods=4, freq="D")
    t = track(sig, market(BTC=pd.Series([90000.0, 78000.0, 74000.0, 80000.0], index=days)))
    assert list(t.states) == [0, 1, 2, 0]  # 78,000 < 78,225 warns; 74,000 breaches; 80,000 > 78,970 clears


thresholds = st.tuples(
    st.floats(-5, 5), st.floats(0.01, 5), st.floats(0, 1), st.floats(0, 1)
).map(lambda t: (t[0], t[0] + t[1], t[0] - t[2] * t[1], t[0] + t[1] - t[3] * t[1]))  # warn, breach, warn_exit, breach_exit


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.floats(-10, 10), st.just(float("nan"))), max_size=60), thresholds, st.integers(1, 4))
def test_vectorised_machine_equals_the_reference_loop(values, levels, persistence):
    warn, breach, warn_exit, breach_exit = levels
    breach_exit = max(breach_exit, warn_exit)
    v = np.array(values, dtype=float)
    expected = walk_states(v, warn, breach, warn_exit, breach_exit, persistence)
    assert list(hysteresis_states(v, warn, breach, warn_exit, breach_exit, persistence)) == list(expected)
    only_breach = walk_states(v, breach, breach, breach_exit, breach_exit, persistence)
    assert list(hysteresis_states(v, breach, breach, breach_exit, breach_exit, persistence)) == list(only_breach)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(116.5, 139.5), min_size=1, max_size=80), st.sampled_from([1, 2, 3]))
def test_flapping_inside_the_band_never_changes_a_warn(values, persistence):
    """Once in warn, values between the warn exit (116) and the breach (140) keep it in warn."""
    v = np.array([125.0] * 4 + values)
    states = hysteresis_states(v, 120, 140, 116, 130, persistence)
    assert (states[4:] == 1).all()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(130.5, 200), min_size=1, max_size=80), st.sampled_from([1, 2, 3]))
def test_a_breach_holds_until_back_past_the_midpoint(values, persistence):
    v = np.array([150.0] * 4 + values)
    assert (hysteresis_states(v, 120, 140, 116, 130, persistence)[4:] == 2).all()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(118, 124), min_size=2, max_size=80))
def test_hovering_at_the_warn_line_alternately_does_not_flap(values):
    """Around 120 (inside 116..124): with persistence 2 the state changes at most once."""
    v = np.array([100.0, 100.0] + values)
    states = hysteresis_states(v, 120, 140, 116, 130, 2)
    changes = int((states[1:] != states[:-1]).sum())
    assert changes <= 1


def test_no_data_reason_names_the_series():
    sig = spec(kind="level", series="MOVE", direction="above", warn=120, breach=140)
    mkt = market(VIX=[20, 21])
    cache = SeriesCache(mkt, CATALOG)
    t = compute_track(sig, cache, 5)
    r = reading(t, int(to_days(pd.DatetimeIndex([pd.Timestamp(date(2024, 1, 2))]))[0]), 5, cache)
    assert r.state == "unknown" and "no data for MOVE" in r.reason
