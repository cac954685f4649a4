"""Bond scenarios against an exact discounted-cash-flow repricing written here, independently."""

from __future__ import annotations

import pytest

from regimebot.macro.scenario.bonds import bond_scenario, fit_ladder
from regimebot.macro.scenario.claims import verdict
from regimebot.macro.scenario.presets import load_presets

SHIFTS = (-200, -150, -100, -50, 50, 100, 150, 200)


def dcf_price(maturities, coupon, y):
    """Sum over equal-face bullet bonds of semiannual coupons and principal, discounted at flat y."""
    total = 0.0
    for maturity in maturities:
        periods = int(round(2 * maturity))
        for k in range(1, periods + 1):
            cash = coupon / 2 + (1.0 if k == periods else 0.0)
            total += cash / (1 + y / 2) ** k
    return total


def dcf_horizon_total(maturities, coupon, y0, shift, horizon):
    """Cash flow by cash flow: the shift at once; each payment up to the horizon reinvested at y0+shift
    until the horizon, each later one discounted back to the horizon at y0+shift; over the price at y0."""
    y1 = y0 + shift
    value = 0.0
    for maturity in maturities:
        periods = int(round(2 * maturity))
        for k in range(1, periods + 1):
            cash = coupon / 2 + (1.0 if k == periods else 0.0)
            t = k / 2
            if t <= horizon:
                value += cash * (1 + y1 / 2) ** (2 * (horizon - t))
            else:
                value += cash / (1 + y1 / 2) ** (2 * (t - horizon))
    return value / dcf_price(maturities, coupon, y0) - 1


def dcf_duration(maturities, coupon, y, h=1e-6):
    p = dcf_price(maturities, coupon, y)
    return -(dcf_price(maturities, coupon, y + h) - dcf_price(maturities, coupon, y - h)) / (2 * h) / p


@pytest.mark.parametrize(
    "maturities, coupon, y",
    [
        (range(20, 31), 0.045, 0.046),  # WATCHLIST.md's check ladder
        (range(20, 31), 0.02, 0.048),  # low-coupon bonds, like TLT's holdings
        (range(15, 31), 0.03, 0.05),  # a wider ladder than the model's 20–30y
        (range(22, 29), 0.04, 0.04),
        ([20, 25, 30], 0.06, 0.035),
    ],
)
def test_headline_within_half_point_of_exact_repricing(maturities, coupon, y):
    maturities = list(maturities)
    duration = dcf_duration(maturities, coupon, y)
    p0 = dcf_price(maturities, coupon, y)
    answer = bond_scenario("X", duration, 300.0, y, SHIFTS)
    assert [r.shift_bp for r in answer.rows] == list(SHIFTS)
    for row in answer.rows:
        exact = dcf_price(maturities, coupon, y + row.shift_bp / 10_000) / p0 - 1
        assert abs(row.price_return - exact) < 0.005, (row.shift_bp, row.price_return, exact)


def test_watchlist_check_numbers():
    # WATCHLIST.md: 20–30y ladder, 4.5% coupons, flat 4.6%: duration 14.8, convexity ≈ 303, +16.4/+26.0/+36.7%.
    duration = dcf_duration(range(20, 31), 0.045, 0.046)
    assert round(duration, 1) == 14.8
    answer = bond_scenario("TLT", duration, 303, 0.046, (-100, -150, -200))
    assert answer.ladder.maturities == tuple(float(m) for m in range(20, 31))
    assert answer.ladder.coupon == pytest.approx(0.045, abs=2e-4)
    assert answer.ladder_convexity == pytest.approx(303, abs=1.5)
    # (exact: 16.399, 25.983, 36.647 — WATCHLIST.md rounds the last one up to 36.7)
    assert [r.price_return * 100 for r in answer.rows] == pytest.approx([16.4, 26.0, 36.7], abs=0.06)
    # the article's ranges (+15–18, +25–30, +35–45) hold only in their lower half
    assert [verdict(r.price_return * 100, lo, hi) for r, (lo, hi) in zip(answer.rows, ((15, 18), (25, 30), (35, 45)), strict=True)] == [
        "lower_half"
    ] * 3


def test_shorthand_is_its_formula_and_misses_at_200bp():
    d, c = 14.76, 302.8
    answer = bond_scenario("X", d, c, 0.046, (-200, 200))
    for row in answer.rows:
        dy = row.shift_bp / 10_000
        assert row.taylor_return == pytest.approx(-d * dy + 0.5 * c * dy * dy, abs=1e-12)
    down = answer.rows[0]
    assert abs(down.taylor_return - down.price_return) > 0.01  # the reason the headline reprices exactly


def test_income_is_the_total_less_the_price_return():
    answer = bond_scenario("X", 16.0, 330, 0.048, (-100, 0, 100), horizon_years=0.5)
    for row in answer.rows:
        assert row.carry == pytest.approx(row.total - row.price_return, abs=1e-15)
    flat = answer.rows[1]  # no shift, half a year: one coupon period of yield, (1 + y/2) − 1
    assert flat.price_return == 0 and flat.total == pytest.approx(0.024, abs=1e-12)


def test_fitted_ladder_matches_duration_when_the_span_cannot():
    for duration, y in ((5.0, 0.04), (30.0, 0.04), (16.3, 0.048), (7.0, 0.041)):
        ladder = fit_ladder(duration, y, (20, 30))
        assert dcf_duration(ladder.maturities, ladder.coupon, y) == pytest.approx(duration, rel=1e-4)


def test_ladder_convexity_against_finite_differences():
    ladder = fit_ladder(16.3, 0.048)
    h = 1e-4
    p = dcf_price(ladder.maturities, ladder.coupon, 0.048)
    second = (dcf_price(ladder.maturities, ladder.coupon, 0.048 + h) - 2 * p + dcf_price(ladder.maturities, ladder.coupon, 0.048 - h)) / h**2 / p
    assert ladder.convexity(0.048) == pytest.approx(second, rel=1e-4)


def test_bundled_presets_and_config_override():
    presets = load_presets()
    assert {"TLT", "IEF", "TMF"} <= set(presets)
    tlt = presets["TLT"]
    assert 16 <= tlt.duration <= 17 and 0.045 <= tlt.yield_ <= 0.05
    assert "approximate" in tlt.source and tlt.as_of
    assert presets["TMF"].leverage == 3 and presets["TMF"].duration == tlt.duration
    changed = load_presets({"TLT": {"duration": 17.5, "yield": 5.0}})
    assert changed["TLT"].duration == 17.5 and changed["TLT"].yield_ == pytest.approx(0.05)
    assert changed["TLT"].source == "config file"
    assert changed["TLT"].convexity == tlt.convexity  # keys not given come from the bundled preset
    assert changed["TMF"].duration == 17.5  # the leveraged fund follows its underlying
