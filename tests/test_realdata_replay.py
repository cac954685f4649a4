"""Replay the default watch list over real 2007–2025 daily history (skipped when the data folder is absent).

Data: $REGIMEBOT_TEST_DATA, else ../shared/data beside the repository (csv:DIR format, never copied in).
"""

from __future__ import annotations

import os
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest

from regimebot.macro.catalog import load_catalog
from regimebot.macro.engine import evaluate, replay
from regimebot.macro.market import Market, make_closes
from regimebot.macro.providers import FetchRequest
from regimebot.macro.providers.csvdir import CsvDirProvider
from regimebot.macro.providers.validation import SeriesRules, fetch_checked
from regimebot.macro.theses import RANK
from regimebot.macro.watchlist import load_watchlist

pytestmark = pytest.mark.realdata

DATA = Path(os.environ.get("REGIMEBOT_TEST_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data")
START, END = date(2007, 1, 1), date(2025, 12, 31)


@pytest.fixture(scope="module")
def history():
    if not (DATA / "VIX.csv").is_file():
        pytest.skip(f"real data not found in {DATA} (set REGIMEBOT_TEST_DATA)")
    catalog = load_catalog()
    watchlist = load_watchlist(None, catalog)
    provider = CsvDirProvider(DATA)
    requests = [FetchRequest(s.id, s.symbol or s.id, date(2004, 1, 1)) for s in catalog.downloadable()]
    fetched = fetch_checked(provider, requests, {s.id: SeriesRules.of(s) for s in catalog.downloadable()})
    market = Market(make_closes(fetched.closes, catalog), provider.name, False, fetched.errors)
    return market, watchlist, replay(market, watchlist, START, END)


EPISODES = [
    # window, theses that must reach "invalidated" in it, a day and its regime verdict
    ((date(2008, 9, 1), date(2008, 12, 31)), ["geopolitical_noise"], (date(2008, 10, 15), "credit_stress")),
    ((date(2020, 3, 1), date(2020, 3, 31)), ["geopolitical_noise"], (date(2020, 3, 20), "credit_stress")),
    ((date(2022, 1, 1), date(2022, 6, 30)), ["long_duration"], (date(2022, 10, 14), "bond_market_stress")),
    ((date(2025, 4, 1), date(2025, 5, 31)), ["long_usd_ai", "us_assets_haven"], (date(2025, 4, 11), "cross_border_outflow")),
]


@pytest.mark.parametrize("window,theses,verdict_day", EPISODES, ids=["2008", "2020-03", "2022-H1", "2025-04/05"])
def test_crisis_episodes_are_flagged(history, window, theses, verdict_day):
    market, watchlist, rp = history
    first, last = window
    for tid in theses:
        days = _status_days(rp, tid, first, last)
        assert "invalidated" in days.values(), f"{tid} not invalidated between {first} and {last}"
        reached = [t for t in rp.transitions if t.thesis_id == tid and t.new == "invalidated" and t.date <= last]
        assert reached and reached[-1].evidence
        assert all(e.state in ("warn", "breach") for e in reached[-1].evidence)
    day, verdict = verdict_day
    assert evaluate(market, watchlist, day).regime.verdict == verdict


def _status_days(rp, tid: str, first: date, last: date) -> dict[date, str]:
    """The thesis's status on every calendar day from first to last (from the replay's transitions)."""
    mine = [t for t in rp.transitions if t.thesis_id == tid]
    out = {}
    day = first
    while day <= last:
        before = [t for t in mine if t.date <= day]
        out[day] = before[-1].new if before else "unknown"
        day += timedelta(days=1)
    return out


def test_long_duration_2008_and_2022(history):
    """Not invalidated while TLT rallied in Nov–Dec 2008; weakening or worse by 2022-04-29, invalidated by 06-30."""
    _, _, rp = history
    late_2008 = _status_days(rp, "long_duration", date(2008, 11, 1), date(2008, 12, 31))
    assert "invalidated" not in late_2008.values(), sorted(set(late_2008.values()))
    assert RANK[_status_days(rp, "long_duration", date(2022, 4, 29), date(2022, 4, 29))[date(2022, 4, 29)]] >= 1
    assert "invalidated" in _status_days(rp, "long_duration", date(2022, 1, 1), date(2022, 6, 30)).values()


def test_no_status_before_the_series_exists_and_japan_can_weaken(history):
    _, _, rp = history
    btc = _status_days(rp, "btc_liquidity_bottom", START, date(2014, 9, 16))
    assert set(btc.values()) == {"unknown"}
    assert not [t for t in rp.transitions if t.thesis_id == "btc_liquidity_bottom" and t.date < date(2014, 9, 1)
                and t.alerted]
    assert [t for t in rp.transitions if t.thesis_id == "japan_reflation" and t.new == "weakening"]


def test_few_alerts_are_undone_within_a_week(history):
    """At most 15% of all alerts are undone (the status falls back below the alert's) within 7 business days."""
    _, watchlist, rp = history
    alerts = [t for t in rp.transitions if t.toward_invalidation]
    undone = [t for t in alerts if any(
        u.thesis_id == t.thesis_id and t.date < u.date and np.busday_count(t.date, u.date) <= 7
        and u.new in RANK and RANK[u.new] < RANK[t.new] for u in rp.transitions)]
    print(f"\n{len(undone)} of {len(alerts)} alerts undone within 7 business days")
    assert len(alerts) > 50 and len(undone) <= 0.15 * len(alerts)


def test_no_thesis_is_invalidated_most_of_the_time(history):
    _, watchlist, rp = history
    for tid in watchlist.theses:
        days = rp.stats[tid].days_in_status
        known = sum(n for status, n in days.items() if status != "unknown")
        share = days["invalidated"] / known
        print(f"{tid:<24} invalidated on {100 * share:4.1f}% of {known} status days")
        assert known > 0 and share <= 0.40, tid


@pytest.mark.parametrize("year", [2013, 2017, 2019, 2024])
def test_calm_years_have_few_alerts(history, year):
    _, watchlist, rp = history
    alerts = Counter(t.thesis_id for t in rp.transitions if t.toward_invalidation and t.date.year == year)
    print(f"\n{year}: {dict(alerts)}")
    assert max(alerts.values(), default=0) <= 4


def test_replay_final_equals_live_evaluation_on_real_data(history):
    market, watchlist, rp = history
    live = evaluate(market.until(END), watchlist, END)
    assert {k: v.status for k, v in rp.final.theses.items()} == {k: v.status for k, v in live.theses.items()}
    assert {k: v.state for k, v in rp.final.signals.items()} == {k: v.state for k, v in live.signals.items()}


def test_missing_and_ending_series_are_unknown_not_alarms(history):
    market, watchlist, rp = history
    assert "US3M" in market.errors  # no file: nothing in the default watch list reads it
    # USDJPY (FRED) ends 2025-09-26: the yen signals are stale at the end; EWJ still reads, so Japan has a status
    final = rp.final
    assert final.signals["yen_weakening"].state == "unknown" and "stale" in final.signals["yen_weakening"].reason
    assert final.signals["ewj_trend_break"].state != "unknown"
    assert final.theses["japan_reflation"].status != "unknown"
    for t in rp.transitions:
        if t.toward_invalidation:
            assert RANK[t.new] > RANK[t.old]
            assert all(e.state != "unknown" for e in t.evidence)


# Out of sample (2017–2025) every thesis should beat random alerts on lift. Two do not, with thresholds set on
# 2007–2016 only and not moved since (issue 9 forbids tuning on the out-of-sample years). Round 3 re-derived both
# from seed 000 on 2007–2016 evidence (long_usd_ai: pain DXY −5% within 63 business days, plus fed_forced_cuts and
# usd_weak_in_stress; japan_reflation without yen_weakening) and looked at 2017–2025 once, afterwards:
# long_usd_ai's 20 alerts score a lift of 0.43 (random 1.00), japan_reflation's 5 alerts were followed by no
# EWJ −10% within 20 business days (lift 0). The set is pinned so that any change to it — better or worse — is
# seen and the README's scorecard is updated with it.
SHORT_OF_RANDOM_OUT_OF_SAMPLE = {"long_usd_ai", "japan_reflation"}


def test_out_of_sample_lift_against_the_random_baseline(history):
    from regimebot.macro.scorecard import score_replay

    market, watchlist, rp = history
    scores = score_replay(rp, market.closes, watchlist.theses)
    short = set()
    for tid, score in scores.items():
        period = score.periods["out_of_sample"]
        print(f"{tid:<24} out-of-sample lift {period.thesis.lift} random {period.random.lift} "
              f"ma200 {period.ma200.lift} ({period.thesis.alerts} alerts)")
        if not period.beats(period.random):
            short.add(tid)
    assert short == SHORT_OF_RANDOM_OUT_OF_SAMPLE


def test_liquidity_and_credit_plumbing_read_real_values(history):
    """Issue 10 item 5: net liquidity, the RRP buffer, real yields and Baa spreads read on real data."""
    market, watchlist, _ = history
    ev = evaluate(market, watchlist, date(2022, 12, 30))
    for sid in ("netliq_draining", "netliq_draining_4w", "rrp_buffer_exhausted", "real_yield_rise", "baa_widening",
                "injection_usd_down", "btc_liquidity_drain"):
        assert ev.signals[sid].state != "unknown" and ev.signals[sid].value is not None, sid
    assert ev.signals["rrp_buffer_exhausted"].state == "ok"  # RRP 2,554 bn at the end of 2022: a full buffer
    assert {"liquidity", "rrp_buffer", "term_premium"} <= {line.key for line in ev.regime.lines}
    # the folder has the NY Fed's ACM term premium, not FRED's Kim-Wright: the live signal is unknown, never fed ACM
    tp = ev.signals["term_premium_rise"]
    assert tp.state == "unknown" and tp.series == ("THREEFYTP10",) and "no data for THREEFYTP10" in tp.reason
    for tid, sid in (("long_duration", "real_yield_rise"), ("btc_liquidity_bottom", "btc_liquidity_drain"),
                     ("us_assets_haven", "injection_usd_down"), ("geopolitical_noise", "baa_widening")):
        assert sid in watchlist.theses[tid].invalidation, (tid, sid)
    before = evaluate(market, watchlist, date(2019, 6, 28)).signals["rrp_buffer_exhausted"]
    assert before.state == "unknown" and "2021-04-01" in before.reason  # the buffer level applies from 2021-04


def _in_sample(values, low: float, high: float) -> tuple[float, float]:
    """The low-th and high-th percentiles of a measure over 2007-2016 (the calibration years)."""
    window = values.loc["2007-01-01":"2016-12-31"].dropna()
    return float(np.percentile(window, low)), float(np.percentile(window, high))


def test_liquidity_rates_and_credit_thresholds_are_in_sample_percentiles(history):
    """Issue 10 item 5: each threshold sits near the 2007-2016 percentile the README names (2017-2025 unused)."""
    import pandas as pd

    from regimebot.macro.publication import as_published

    market, watchlist, _ = history
    published = as_published(market, load_catalog())
    signals = watchlist.signals
    real = _in_sample(published.series("DFII10").diff(63), 95, 97.5)
    assert real == pytest.approx((signals["real_yield_rise"].warn, signals["real_yield_rise"].breach), abs=0.02)
    baa = _in_sample(published.series("BAA10Y").diff(20), 95, 97.5)
    assert baa == pytest.approx((signals["baa_widening"].warn, signals["baa_widening"].breach), abs=0.02)
    drain = _in_sample(published.series("NETLIQ").dropna().pct_change(65) * 100, 5, 2.5)
    for sid in ("netliq_draining", "btc_liquidity_drain"):
        assert drain == pytest.approx((signals[sid].warn, signals[sid].breach), abs=0.1), sid
    # the term premium: calibrated on the NY Fed's ACM model (read straight from its file; it is not a catalog
    # series, so nothing can serve it as Kim-Wright) — on changes, which carry over between models; levels do not
    acm = pd.read_csv(DATA / "ACMTP10.csv", index_col="date", parse_dates=True)["close"]
    tp = _in_sample(acm.diff(63), 95, 97.5)
    assert tp == pytest.approx((signals["term_premium_rise"].warn, signals["term_premium_rise"].breach), abs=0.01)
    assert "ACMTP10" not in load_catalog()
