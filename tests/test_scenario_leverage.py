"""Leveraged fund simulation, margin calls and Kelly bets against hand-worked numbers."""

from __future__ import annotations

import pytest

from regimebot.macro.scenario import ScenarioError
from regimebot.macro.scenario.bets import bet_scenario
from regimebot.macro.scenario.bonds import fit_ladder
from regimebot.macro.scenario.leveraged import leveraged_scenario
from regimebot.macro.scenario.margin import after_fall, margin_call_fall, margin_scenario
from tests.test_scenario_bonds import dcf_price


def test_zero_vol_equals_leverage_times_daily_moves_compounded():
    ladder = fit_ladder(16.3, 0.048)
    y0, shift, days, lev, fee, fin = 0.048, -0.01, 252, 3.0, 0.01, 0.04
    result = leveraged_scenario("TMF", ladder, y0, -100, 1.0, vol_bp=0.0, leverage=lev, expense_ratio=fee, financing=fin, paths=50)
    # Independently: a straight yield path, each day's exact ladder return plus carry, 3x, minus costs.
    yields = [y0 + shift * t / days for t in range(days + 1)]
    prices = [dcf_price(ladder.maturities, ladder.coupon, y) for y in yields]
    fund, under = 1.0, 1.0
    for t in range(1, days + 1):
        r = prices[t] / prices[t - 1] - 1 + yields[t - 1] / 252
        under *= 1 + r
        fund *= 1 + lev * r - ((lev - 1) * fin + fee) / 252
    assert result.fund_outcome.p5 == pytest.approx(fund - 1, abs=1e-9)
    assert result.fund_outcome.p95 == pytest.approx(fund - 1, abs=1e-9)
    assert result.underlying.p50 == pytest.approx(under - 1, abs=1e-9)
    assert result.naive.p50 == pytest.approx(3 * (under - 1), abs=1e-9)


def test_no_costs_zero_vol_flat_yield_is_3x_carry_compounded():
    ladder = fit_ladder(7.0, 0.04, (7, 10))
    result = leveraged_scenario("X", ladder, 0.04, 0.0, 1.0, vol_bp=0.0, leverage=3.0, expense_ratio=0.0, financing=0.0, paths=10)
    assert result.fund_outcome.p50 == pytest.approx((1 + 3 * 0.04 / 252) ** 252 - 1, abs=1e-12)


def test_volatility_drags_the_median_and_widens_the_range():
    ladder = fit_ladder(16.3, 0.048)
    calm = leveraged_scenario("TMF", ladder, 0.048, -100, vol_bp=0.0, paths=500)
    wild = leveraged_scenario("TMF", ladder, 0.048, -100, vol_bp=150.0, paths=500, seed=3)
    assert wild.fund_outcome.p50 < calm.fund_outcome.p50 - 0.1
    assert wild.fund_outcome.p95 - wild.fund_outcome.p5 > 0.05
    assert wild.drag < 0 and wild.volatility_drag < -0.1
    assert calm.volatility_drag == pytest.approx(0.0, abs=1e-9)  # no volatility, no drag (paths priced by a fit good to 1e-10)
    assert wild.straight == pytest.approx(calm.fund_outcome.p50, abs=1e-9)
    # the same seed gives the same answer
    again = leveraged_scenario("TMF", ladder, 0.048, -100, vol_bp=150.0, paths=500, seed=3)
    assert again.fund_outcome == wild.fund_outcome


@pytest.mark.parametrize(
    "lev, mm, expected",
    [
        (2.0, 0.25, 1 / 3),  # 1 − 0.5/0.75
        (3.0, 0.25, 1 / 9),  # 1 − (2/3)/0.75 = 1 − 8/9
        (1.0, 0.25, 1.0),  # no debt, no call
        (5.0, 0.0, 0.2),  # without maintenance, the call is when equity is gone: 1 − 0.8/1
        (4.0, 0.30, 1 - 0.75 / 0.70),  # negative: already below maintenance
    ],
)
def test_margin_call_fall_hand_worked(lev, mm, expected):
    assert margin_call_fall(lev, mm) == pytest.approx(expected, abs=1e-12)


def test_after_fall_hand_worked():
    # 2x: assets 1, debt 0.5, equity 0.5. A 10% fall: assets 0.9, equity 0.4 → equity −20%, leverage 2.25.
    book = after_fall(2.0, 0.25, 0.10)
    assert book.equity_change == pytest.approx(-0.20)
    assert book.leverage == pytest.approx(2.25)
    assert not book.margin_call
    # 000's "a 10% pullback under leverage can trigger a margin call": at 5x with 25% maintenance.
    assert after_fall(5.0, 0.25, 0.10).margin_call
    wiped = after_fall(2.0, 0.25, 0.60)  # assets 0.4 < debt 0.5
    assert wiped.leverage is None and wiped.equity_change == pytest.approx(-1.2)
    assert margin_scenario(2.0, 0.25, 0.1).as_dict()["after_fall"]["leverage"] == pytest.approx(2.25)


def test_margin_rejects_bad_inputs():
    with pytest.raises(ScenarioError):
        margin_call_fall(0.0, 0.25)
    with pytest.raises(ScenarioError):
        margin_call_fall(2.0, 1.5)


def test_bet_hand_worked():
    bet = bet_scenario(0.30, 0.35, -0.10)
    assert bet.expected_value == pytest.approx(0.3 * 0.35 - 0.7 * 0.10)  # +3.5%
    assert bet.break_even_p == pytest.approx(0.10 / 0.45)  # 22.2%
    assert bet.kelly == pytest.approx(0.3 / 0.10 - 0.7 / 0.35)  # 3 − 2 = 100% of capital
    assert bet.too_big
    coin = bet_scenario(0.6, 1.0, -1.0)  # even-money bet at 60%: Kelly 2p − 1 = 20%
    assert coin.kelly == pytest.approx(0.2) and coin.expected_value == pytest.approx(0.2)
    assert not coin.too_big
    fair = bet_scenario(0.5, 1.0, -1.0)
    assert fair.expected_value == pytest.approx(0.0) and fair.kelly == pytest.approx(0.0)
    below = bet_scenario(0.1, 0.35, -0.10)  # below break-even: don't bet — a stake of 0, never a negative one
    assert below.kelly == 0.0 and not below.edge
