"""Bond ETF scenarios: exact repricing of a model Treasury ladder, the duration+convexity shorthand, carry.

Model: a ladder of equal-face bullet Treasuries maturing every year across a span (TLT: 20–30y),
semiannual coupons, one flat yield (semiannual compounding). The coupon (and, when it cannot be
reached, the span) is solved so the ladder's modified duration equals the fund's. A parallel shift
Δy reprices every cash flow exactly. The shorthand is −D·Δy + ½·C·Δy² with Δy a decimal and the
convexity C in years² (a 25-year Treasury is about 300).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from regimebot.macro.scenario import ScenarioError

MAX_COUPON = 0.25  # coupons searched in [0, 25%]
DEFAULT_SHIFTS_BP = (-200, -150, -100, -50, 50, 100, 150, 200)


@dataclass(frozen=True)
class Ladder:
    """Equal-face bullet bonds maturing at `maturities` (years), semiannual `coupon` (decimal)."""

    maturities: tuple[float, ...]
    coupon: float

    def cash_flows(self) -> tuple[np.ndarray, np.ndarray]:
        """(periods in half-years, amounts) of all bonds together; face 1 per bond."""
        periods: list[np.ndarray] = []
        amounts: list[np.ndarray] = []
        for maturity in self.maturities:
            n = int(round(maturity * 2))
            k = np.arange(1, n + 1, dtype="float64")
            cf = np.full(n, self.coupon / 2.0)
            cf[-1] += 1.0
            periods.append(k)
            amounts.append(cf)
        return np.concatenate(periods), np.concatenate(amounts)

    def price(self, yields: float | np.ndarray) -> np.ndarray:
        """Price (sum over bonds, face 1 each) at flat yield(s), semiannual compounding."""
        k, cf = self.cash_flows()
        y = np.atleast_1d(np.asarray(yields, dtype="float64"))
        disc = (1.0 + y[:, None] / 2.0) ** (-k[None, :])
        return np.asarray(disc @ cf, dtype="float64")

    def duration(self, y: float) -> float:
        """Modified duration (years) at flat yield y."""
        k, cf = self.cash_flows()
        v = (1.0 + y / 2.0) ** (-k)
        price = float(cf @ v)
        macaulay = float((k / 2.0 * cf) @ v) / price
        return macaulay / (1.0 + y / 2.0)

    def convexity(self, y: float) -> float:
        """Convexity (years²) at flat yield y: P''/P."""
        k, cf = self.cash_flows()
        v = (1.0 + y / 2.0) ** (-k - 2.0)
        price = float(cf @ (1.0 + y / 2.0) ** (-k))
        return float((k * (k + 1.0) / 4.0 * cf) @ v) / price

    def reprice(self, y: float, shift: float) -> float:
        """Exact price return for a parallel shift (decimals): P(y+Δy)/P(y) − 1."""
        p0, p1 = self.price(np.array([y, y + shift]))
        return float(p1 / p0 - 1.0)

    def describe(self) -> str:
        lo, hi = min(self.maturities), max(self.maturities)
        span = f"{lo:g}y" if lo == hi else f"{lo:g}–{hi:g}y"
        return f"{span} ladder, {self.coupon * 100:.2f}% coupons"


def _window(start: float, width: float) -> tuple[float, ...]:
    if width < 1.0:
        return (start,)
    return tuple(float(m) for m in np.arange(start, start + width + 1e-9, 1.0))


def _solve_coupon(maturities: tuple[float, ...], duration: float, y: float) -> float:
    lo, hi = 0.0, MAX_COUPON  # duration falls as the coupon rises
    for _ in range(80):
        mid = (lo + hi) / 2.0
        if Ladder(maturities, mid).duration(y) > duration:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2.0


def fit_ladder(duration: float, y: float, span: tuple[float, float] = (20.0, 30.0)) -> Ladder:
    """The ladder over `span` (or the nearest feasible span) whose modified duration is `duration` at yield y."""
    if not (0.0 < duration <= 60.0):
        raise ScenarioError(f"duration {duration:g} is out of range: expected 0–60 years")
    if y <= -0.5:
        raise ScenarioError(f"yield {y * 100:g}% is out of range")
    start0, end0 = float(span[0]), float(span[1])
    preset = _window(start0, max(0.0, end0 - start0))
    if _feasible(preset, duration, y):
        return Ladder(preset, _solve_coupon(preset, duration, y))
    # The span cannot reach this duration: move the window (then narrow it), coupons near par first.
    width0 = max(0.0, end0 - start0)
    near_par = min(2.0 * max(y, 0.0) + 0.02, MAX_COUPON)
    best: tuple[float, tuple[float, ...]] | None = None
    for width in dict.fromkeys([width0, round(width0 / 2), round(width0 / 4), 0.0]):
        windows = sorted((_window(s / 2.0, width) for s in range(1, 201)), key=lambda m: abs(m[0] - start0))
        for top in (near_par, MAX_COUPON):
            for maturities in windows:
                if _feasible(maturities, duration, y, top):
                    return Ladder(maturities, _solve_coupon(maturities, duration, y))
        for maturities in windows:
            gap = min(abs(Ladder(maturities, c).duration(y) - duration) for c in (0.0, MAX_COUPON))
            if best is None or gap < best[0]:
                best = (gap, maturities)
    assert best is not None
    return Ladder(best[1], _solve_coupon(best[1], duration, y))


def _feasible(maturities: tuple[float, ...], duration: float, y: float, top: float = MAX_COUPON) -> bool:
    return Ladder(maturities, top).duration(y) <= duration <= Ladder(maturities, 0.0).duration(y)


def taylor_return(duration: float, convexity: float, shift: float) -> float:
    """The shorthand −D·Δy + ½·C·Δy² (Δy decimal, C in years²)."""
    return -duration * shift + 0.5 * convexity * shift * shift


@dataclass(frozen=True)
class BondRow:
    """One shift: exact ladder price return, the shorthand, carry over the horizon, and total."""

    shift_bp: float
    price_return: float
    taylor_return: float
    carry: float

    @property
    def total(self) -> float:
        return self.price_return + self.carry

    def as_dict(self) -> dict[str, Any]:
        return {
            "shift_bp": self.shift_bp,
            "price_return_pct": self.price_return * 100,
            "taylor_return_pct": self.taylor_return * 100,
            "carry_pct": self.carry * 100,
            "total_pct": self.total * 100,
        }


@dataclass(frozen=True)
class BondScenario:
    """A bond fund's answer to parallel yield shifts, with every input that produced it."""

    fund: str
    duration: float
    convexity: float
    yield_: float
    horizon_years: float
    ladder: Ladder
    rows: tuple[BondRow, ...]
    ladder_duration: float
    ladder_convexity: float
    claims: tuple[tuple[float, float, float, str], ...] = field(default=())  # (shift bp, low %, high %, verdict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "fund": self.fund,
            "inputs": {
                "duration_years": self.duration,
                "convexity_years2": self.convexity,
                "yield_pct": self.yield_ * 100,
                "horizon_years": self.horizon_years,
            },
            "model": {
                "kind": "treasury_ladder_exact_repricing",
                "maturities_years": list(self.ladder.maturities),
                "coupon_pct": self.ladder.coupon * 100,
                "duration_years": self.ladder_duration,
                "convexity_years2": self.ladder_convexity,
                "shorthand": "-D*dy + 0.5*C*dy^2 (dy decimal, C in years^2)",
                "carry": "yield * horizon",
            },
            "rows": [r.as_dict() for r in self.rows],
            "article_claims": [
                {"shift_bp": bp, "low_pct": lo, "high_pct": hi, "model": where} for bp, lo, hi, where in self.claims
            ],
        }


# Seed 002's claims for TLT (yield fall in bp -> price gain range in %), checked against the model.
ARTICLE_CLAIMS = {"TLT": {-100: (15.0, 18.0), -150: (25.0, 30.0), -200: (35.0, 45.0)}}


def claim_verdicts(fund: str, rows: Sequence[BondRow]) -> tuple[tuple[float, float, float, str], ...]:
    """For each claimed shift: (shift_bp, low %, high %, where the model lands: below|lower_half|upper_half|above)."""
    claims = ARTICLE_CLAIMS.get(fund.upper(), {})
    out = []
    for row in rows:
        shift = int(row.shift_bp)
        if shift != row.shift_bp or shift not in claims:  # the articles claim whole-bp shifts only
            continue
        low, high = claims[shift]
        value = row.price_return * 100
        middle = (low + high) / 2.0
        if value < low:
            where = "below"
        elif value <= middle:
            where = "lower_half"
        elif value <= high:
            where = "upper_half"
        else:
            where = "above"
        out.append((row.shift_bp, low, high, where))
    return tuple(out)


def bond_scenario(
    fund: str,
    duration: float,
    convexity: float,
    yield_: float,
    shifts_bp: Sequence[float] = DEFAULT_SHIFTS_BP,
    horizon_years: float = 1.0,
    span: tuple[float, float] = (20.0, 30.0),
) -> BondScenario:
    """Reprice the fund's model ladder for each shift (bp); carry = yield × horizon."""
    ladder = fit_ladder(duration, yield_, span)
    rows = []
    for bp in shifts_bp:
        shift = bp / 10_000.0
        if yield_ + shift <= -0.5:
            raise ScenarioError(f"shift {bp:g}bp takes the yield below −50%")
        rows.append(BondRow(float(bp), ladder.reprice(yield_, shift), taylor_return(duration, convexity, shift), yield_ * horizon_years))
    return BondScenario(
        fund=fund,
        duration=duration,
        convexity=convexity,
        yield_=yield_,
        horizon_years=horizon_years,
        ladder=ladder,
        rows=tuple(rows),
        ladder_duration=ladder.duration(yield_),
        ladder_convexity=ladder.convexity(yield_),
        claims=claim_verdicts(fund, rows),
    )
