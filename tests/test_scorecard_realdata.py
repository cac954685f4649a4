"""The scorecard over the real 2007–2025 history (skipped without ../shared/data): known crashes are pain
episodes, pain days agree with an independent pandas computation, and random alerts score a lift near 1."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from regimebot.macro.catalog import load_catalog
from regimebot.macro.engine import replay
from regimebot.macro.pain import business_days, pain_grid
from regimebot.macro.positions import Pain, Position
from regimebot.macro.scorecard import pooled, score_replay
from regimebot.macro.watchlist import load_watchlist

pytestmark = pytest.mark.realdata

START, END = date(2007, 1, 1), date(2025, 12, 31)


@pytest.fixture(scope="module")
def scored(real_market):
    watchlist = load_watchlist(None, load_catalog())
    rp = replay(real_market, watchlist, START, END)
    return real_market, watchlist, rp, score_replay(rp, real_market.closes, watchlist.theses)


def _episode_days(market, series: str, side: str, pain: Pain) -> list[pd.Timestamp]:
    days = business_days(START, END)
    grid = pain_grid(market.closes[series], Position(series, side), pain, days)
    return [days[i] for i in grid.episodes]


def test_known_crashes_are_pain_episodes(scored):
    market = scored[0]
    spx = _episode_days(market, "SPX", "long", Pain(10.0, 20))
    assert any(pd.Timestamp("2008-08-01") <= d <= pd.Timestamp("2008-10-10") for d in spx)   # the Lehman crash
    assert any(pd.Timestamp("2020-01-15") <= d <= pd.Timestamp("2020-03-09") for d in spx)   # covid
    assert any(pd.Timestamp("2025-02-01") <= d <= pd.Timestamp("2025-04-04") for d in spx)   # the tariff shock
    assert not any(d.year in (2013, 2017) for d in spx)                                      # calm years
    tlt = _episode_days(market, "TLT", "long", Pain(8.0, 20))
    assert any(d.year == 2022 for d in tlt)                                                  # the 2022 bond rout
    assert not any(pd.Timestamp("2008-09-01") <= d <= pd.Timestamp("2008-12-15") for d in tlt)  # TLT rallied then


def test_pain_days_agree_with_an_independent_pandas_computation(scored):
    market = scored[0]
    days = business_days(START, END)
    for series, side, pain in (("SPX", "long", Pain(10.0, 20)), ("TLT", "long", Pain(8.0, 20)),
                               ("DXY", "short", Pain(4.0, 20))):
        close = market.closes[series].dropna()
        on_days = close.reindex(close.index.union(days)).ffill().reindex(days)  # the data has no 7-day holes here
        w = pain.within_days
        ahead_min = on_days[::-1].rolling(w, min_periods=1).min()[::-1].shift(-1)
        ahead_max = on_days[::-1].rolling(w, min_periods=1).max()[::-1].shift(-1)
        loss = 1 - ahead_min / on_days if side == "long" else ahead_max / on_days - 1
        expected = (loss >= pain.drawdown_pct / 100 - 1e-9).to_numpy()[: len(days) - w]
        grid = pain_grid(market.closes[series], Position(series, side), pain, days)
        assert grid.labelled[: len(days) - w].all() and not grid.labelled[len(days) - w:].any()
        assert np.array_equal(grid.pain[: len(days) - w], expected), series


def test_every_thesis_is_scored_in_both_periods_and_random_alerts_carry_no_information(scored):
    _, watchlist, rp, scores = scored
    assert set(scores) == set(watchlist.theses)
    for tid, score in scores.items():
        for name in ("in_sample", "out_of_sample"):
            period = score.periods[name]
            assert period.thesis.status_days > 0, (tid, name)
            assert period.thesis.pain_episodes > 0 and 0 < period.thesis.base_rate < 0.2, (tid, name)
            if period.thesis.alerts >= 10:   # 200 seeded draws: the mean lift of random alerts is close to 1
                assert 0.6 < period.random.lift < 1.5, (tid, name, period.random.lift)
    total = pooled(scores)
    assert total["alerts"] == sum(1 for t in rp.transitions if t.toward_invalidation and t.date <= date(2025, 12, 31))
