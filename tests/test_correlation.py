"""Correlation outputs against numpy on the same data; effective bets at their limits; portfolio shocks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from regimebot.macro.catalog import load_catalog
from regimebot.macro.correlation import (
    CorrelationError,
    correlation_report,
    daily_changes,
    diversification_ratio,
    effective_bets,
    weighted_effective_bets,
)
from regimebot.macro.market import Market, make_closes
from regimebot.macro.scenario import ScenarioError
from regimebot.macro.scenario.shocks import shock_scenario

CATALOG = load_catalog()


def market_from_returns(returns: dict[str, np.ndarray], start="2024-01-01", levels=None) -> Market:
    """Prices compounding the given daily returns (yield series: bp changes added to 4%)."""
    n = len(next(iter(returns.values())))
    dates = pd.bdate_range(start, periods=n + 1)
    series = {}
    for sid, r in returns.items():
        if CATALOG[sid].changes_in_bp:
            series[sid] = pd.Series(4.0 + np.concatenate([[0.0], np.cumsum(r)]) / 100.0, index=dates)
        else:
            series[sid] = pd.Series(100.0 * np.cumprod(np.concatenate([[1.0], 1.0 + r])), index=dates)
    return Market(make_closes(series, CATALOG), "test data", simulated=True)


def test_matrix_matches_numpy_on_the_same_changes():
    rng = np.random.default_rng(1)
    base = rng.normal(0, 0.01, 300)
    returns = {
        "SPX": base + rng.normal(0, 0.005, 300),
        "GOLD": rng.normal(0, 0.01, 300),
        "DXY": -0.5 * base + rng.normal(0, 0.002, 300),
        "US10Y": rng.normal(0, 5, 300),
    }
    market = market_from_returns(returns)
    report = correlation_report(market, ["SPX", "GOLD", "DXY", "US10Y"], CATALOG, lookback_days=10_000)
    closes = market.closes[["SPX", "GOLD", "DXY", "US10Y"]]
    expected_data = np.vstack(
        [closes["SPX"].pct_change().to_numpy()[1:], closes["GOLD"].pct_change().to_numpy()[1:],
         closes["DXY"].pct_change().to_numpy()[1:], closes["US10Y"].diff().to_numpy()[1:] * 100]
    )
    np.testing.assert_allclose(report.matrix, np.corrcoef(expected_data), atol=1e-12)
    assert report.observations == 300
    lam = np.linalg.eigvalsh(np.corrcoef(expected_data))
    assert report.effective_bets == pytest.approx(lam.sum() ** 2 / (lam**2).sum())
    assert report.diversification_ratio is None  # US10Y moves in bp: no return-based ratio
    prices = correlation_report(market, ["SPX", "GOLD", "DXY"], CATALOG, lookback_days=10_000)
    cov = np.cov(expected_data[:3])
    w = np.full(3, 1 / 3)
    assert prices.diversification_ratio == pytest.approx(w @ np.sqrt(np.diag(cov)) / np.sqrt(w @ cov @ w))
    # SPX and DXY built to move against each other (ρ ≈ −0.83); nothing else near ±0.7
    assert {(p.a, p.b) for p in report.mirror_bets} == {("SPX", "DXY")}
    assert report.same_bets == ()


def test_effective_bets_limits():
    n = 4
    assert effective_bets(np.ones((n, n))) == pytest.approx(1.0)
    assert effective_bets(np.eye(n)) == pytest.approx(float(n))
    w = np.array([0.4, 0.3, 0.2, 0.1])
    assert weighted_effective_bets(np.ones((n, n)), w) == pytest.approx(1.0)
    assert weighted_effective_bets(np.eye(n), np.full(n, 0.25)) == pytest.approx(4.0)
    assert weighted_effective_bets(np.eye(n), w) == pytest.approx(1 / np.sum(w**2))
    assert diversification_ratio(np.eye(n), np.full(n, 0.25)) == pytest.approx(2.0)  # √4
    # a hedge is the same risk reversed, not an extra bet: never more than n
    hedged = np.array([[1.0, -0.9], [-0.9, 1.0]])
    assert effective_bets(hedged) == pytest.approx(4 / (2 + 2 * 0.81))
    assert weighted_effective_bets(hedged, np.array([0.5, 0.5])) == pytest.approx(effective_bets(hedged))
    rng = np.random.default_rng(0)
    a = rng.normal(size=(5, 40))
    r = np.corrcoef(a)
    v = rng.uniform(0.1, 1, 5)
    v /= v.sum()
    expected = v.sum() ** 2 / np.einsum("i,j,ij->", v, v, r**2)
    assert weighted_effective_bets(r, v) == pytest.approx(expected)
    assert 1.0 <= weighted_effective_bets(r, v) <= 1 / np.sum(v**2) + 1e-9
    assert diversification_ratio(np.ones((n, n)), w) == pytest.approx(1.0)


def test_identical_and_orthogonal_series_through_the_report():
    rng = np.random.default_rng(5)
    x = rng.normal(0, 0.01, 250)
    same = market_from_returns({"SPX": x, "SPHB": x, "EWJ": x})
    report = correlation_report(same, ["SPX", "SPHB", "EWJ"], CATALOG, lookback_days=10_000)
    assert report.effective_bets == pytest.approx(1.0)
    assert len(report.same_bets) == 3
    # exactly uncorrelated sample returns: orthonormal centred columns
    q, _ = np.linalg.qr(rng.normal(size=(250, 3)) - rng.normal(size=(250, 3)).mean(axis=0))
    centred = q - q.mean(axis=0)
    q2, _ = np.linalg.qr(np.column_stack([np.ones(250), centred]))
    cols = q2[:, 1:] * 0.01
    ortho = market_from_returns({"SPX": cols[:, 0], "GOLD": cols[:, 1], "EWJ": cols[:, 2]})
    report = correlation_report(ortho, ["SPX", "GOLD", "EWJ"], CATALOG, lookback_days=10_000)
    assert report.effective_bets == pytest.approx(3.0, abs=0.02)


def test_a_hedge_that_stopped_hedging_is_named():
    rng = np.random.default_rng(2)
    x = rng.normal(0, 0.01, 400)
    noise = rng.normal(0, 0.003, 400)
    tlt = np.where(np.arange(400) < 340, -x, x) + noise
    market = market_from_returns({"SPX": x, "TLT": tlt, "GOLD": rng.normal(0, 0.01, 400)})
    report = correlation_report(market, ["SPX", "TLT", "GOLD"], CATALOG, lookback_days=10_000)
    top = report.moves[0]
    assert {top.a, top.b} == {"SPX", "TLT"}
    assert top.hedge_broke and top.rho < 0 < top.recent
    recent = np.corrcoef(x[-60:], tlt[-60:])[0, 1]
    assert top.recent == pytest.approx(recent, abs=1e-9)


def test_bitcoin_weekends_land_on_common_dates():
    days = pd.date_range("2024-01-01", periods=60, freq="D")
    btc = pd.Series(np.linspace(100, 160, 60), index=days)
    spx = pd.Series(np.linspace(10, 20, 60), index=days)[days.day_of_week < 5]
    market = Market(make_closes({"BTC": btc, "SPX": spx}, CATALOG), "t")
    changes = daily_changes(market, ["BTC", "SPX"], CATALOG)
    monday = changes.index[changes.index.day_of_week == 0][0]
    friday = monday - pd.Timedelta(days=3)
    assert changes.loc[monday, "BTC"] == pytest.approx(btc[monday] / btc[friday] - 1)


def test_not_enough_data_is_an_error_not_a_number():
    market = market_from_returns({"SPX": np.full(5, 0.01), "GOLD": np.full(5, 0.02)})
    with pytest.raises(CorrelationError):
        correlation_report(market, ["SPX", "GOLD"], CATALOG)
    with pytest.raises(CorrelationError):
        correlation_report(market, ["SPX", "VIX"], CATALOG)


def test_shock_betas_and_r2_against_lstsq():
    rng = np.random.default_rng(9)
    dxy = rng.normal(0, 0.005, 400)
    rates = rng.normal(0, 6, 400)
    gold = -1.5 * dxy + rng.normal(0, 0.004, 400)
    tlt = -0.0016 * rates + rng.normal(0, 0.002, 400)
    market = market_from_returns({"DXY": dxy, "US10Y": rates, "GOLD": gold, "TLT": tlt})
    answer = shock_scenario(market, CATALOG, {"GOLD": 30, "TLT": 50, "DXY": 20}, {"DXY": -0.05, "US10Y": -100.0}, lookback_days=10_000)
    closes = market.closes
    x = np.column_stack([np.ones(400), closes["DXY"].pct_change().to_numpy()[1:], closes["US10Y"].diff().to_numpy()[1:] * 100])
    expected_total = 0.0
    for h in answer.holdings:
        if h.series == "DXY":
            assert h.move == pytest.approx(-0.05) and h.r2 is None
            expected_total += 0.2 * -0.05
            continue
        y = closes[h.series].pct_change().to_numpy()[1:]
        coef = np.linalg.lstsq(x, y, rcond=None)[0]
        r2 = 1 - np.sum((y - x @ coef) ** 2) / np.sum((y - y.mean()) ** 2)
        assert h.betas["DXY"] == pytest.approx(coef[1]) and h.betas["US10Y"] == pytest.approx(coef[2])
        assert h.r2 == pytest.approx(r2)
        assert h.move == pytest.approx(coef[1] * -0.05 + coef[2] * -100)
        expected_total += h.weight * h.move
    assert answer.total == pytest.approx(expected_total)
    gold_h = next(h for h in answer.holdings if h.series == "GOLD")
    assert gold_h.betas["DXY"] == pytest.approx(-1.5, abs=0.2) and gold_h.r2 > 0.5
    assert answer.observations == 400


def test_shock_on_an_empty_book_is_an_error():
    market = market_from_returns({"SPX": np.full(30, 0.01)})
    with pytest.raises(ScenarioError):
        shock_scenario(market, CATALOG, {}, {"SPX": -0.1})


@pytest.mark.parametrize("step", [0.0, 2.0])  # a yield that never changed, or one that rose 2 bp every single day
def test_a_shock_to_a_series_that_never_moved_is_an_error_not_a_beta(step):
    rng = np.random.default_rng(5)
    market = market_from_returns({"US3M": np.full(120, step), "SPX": rng.normal(0.001, 0.01, 120)})
    with pytest.raises(ScenarioError, match="US3M: daily changes did not vary"):
        shock_scenario(market, CATALOG, {"SPX": 1}, {"US3M": 100.0}, lookback_days=10_000)
    # Shocking a holding itself (a % series) needs no beta, so a flat regressor set is no obstacle then.
    answer = shock_scenario(market, CATALOG, {"SPX": 1}, {"SPX": -0.1}, lookback_days=10_000)
    assert answer.total == pytest.approx(-0.1)


@pytest.mark.parametrize("step", [0.0, 2.0, 0.0004])  # flat; +2 bp every day; +0.04% every day (float noise only)
def test_a_series_whose_changes_never_vary_has_no_correlation(step):
    rng = np.random.default_rng(11)
    sid = "US3M" if step != 0.0004 else "GOLD"
    market = market_from_returns({sid: np.full(120, step), "SPX": rng.normal(0.001, 0.01, 120)})
    with pytest.raises(CorrelationError, match=f"{sid}: daily changes did not vary"):
        correlation_report(market, [sid, "SPX"], CATALOG, lookback_days=10_000)


def test_no_recent_correlation_for_a_series_that_sat_still_lately():
    # GOLD moves for a year, then rises by the same 0.05% every day for the last 70 days: its recent
    # "correlation" would be float noise, so no move is reported for its pairs (the full-window ρ stays).
    rng = np.random.default_rng(21)
    spx = rng.normal(0.0005, 0.01, 330)
    gold = np.concatenate([-0.6 * spx[:260] + rng.normal(0, 0.008, 260), np.full(70, 0.0005)])
    market = market_from_returns({"SPX": spx, "GOLD": gold})
    report = correlation_report(market, ["SPX", "GOLD"], CATALOG, lookback_days=10_000)
    changes = market.closes[["SPX", "GOLD"]].pct_change().iloc[1:]
    assert report.matrix[0, 1] == pytest.approx(np.corrcoef(changes.to_numpy().T)[0, 1])
    assert report.moves == ()
