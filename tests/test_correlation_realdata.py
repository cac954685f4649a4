"""Calibration on real history (../shared/data; skipped when absent): TLT preset and same-bet pairs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from regimebot.macro.catalog import load_catalog
from regimebot.macro.correlation import correlation_report
from regimebot.macro.market import Market, make_closes
from regimebot.macro.scenario.presets import load_presets
from regimebot.macro.scenario.shocks import shock_scenario

pytestmark = pytest.mark.realdata
CATALOG = load_catalog()


def real_market(folder, ids, start="2023-08-01", end="2025-08-01") -> Market:
    series = {}
    for sid in ids:
        frame = pd.read_csv(folder / f"{sid}.csv", usecols=["date", "close"], parse_dates=["date"], index_col="date")
        series[sid] = frame["close"].loc[start:end]
    return Market(make_closes(series, CATALOG), f"csv:{folder}")


def test_tlt_preset_duration_matches_its_history_against_the_30y_yield(shared_data):
    market = real_market(shared_data, ["TLT", "US30Y", "SPX"])
    answer = shock_scenario(market, CATALOG, {"TLT": 1.0}, {"US30Y": -100.0}, lookback_days=800)
    (tlt,) = answer.holdings
    empirical_duration = tlt.move * 100  # % move for −100bp → years
    preset = load_presets()["TLT"]
    assert abs(empirical_duration - preset.duration) < 1.5, empirical_duration
    assert tlt.r2 > 0.8
    y30 = market.series("US30Y")
    assert abs(float(y30.mean()) / 100 - preset.yield_) < 0.006  # the preset yield is in the range of those years


def test_high_beta_and_the_index_are_the_same_bet(shared_data):
    market = real_market(shared_data, ["SPX", "SPHB", "GOLD", "TLT"])
    report = correlation_report(market, ["SPX", "SPHB", "GOLD", "TLT"], CATALOG, lookback_days=365)
    assert {(p.a, p.b) for p in report.same_bets} >= {("SPX", "SPHB")}
    changes = market.closes[["SPX", "SPHB"]].dropna().pct_change().iloc[1:]
    changes = changes.loc[changes.index > changes.index[-1] - pd.Timedelta(days=365)]
    assert report.matrix[0, 1] == pytest.approx(np.corrcoef(changes.to_numpy().T)[0, 1])
    assert 1.0 < report.effective_bets < 4.0
