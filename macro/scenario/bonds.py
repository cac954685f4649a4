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
from functools import cached_property, lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from regimebot.macro.scenario import Caveat, ScenarioError
from regimebot.macro.scenario.caveats import shift_caveats

MAX_COUPON = 0.25  # coupons searched in [0, 25%]
DEFAULT_SHIFTS_BP = (-200, -150, -100, -50, 50, 100, 150, 200)
FloatArray = npt.NDArray[np.float64]
DURATION_MATCH = 0.01  # years: a fitted ladder further than this from the duration asked says so


@dataclass(frozen=True)
class Ladder:
    """Equal-face bullet bonds maturing at `maturities` (years), semiannual `coupon` (decimal)."""

    maturities: tuple[float, ...]
    coupon: float

    @cached_property
    def _flows(self) -> tuple[FloatArray, FloatArray]:
        periods = np.array([int(round(m * 2)) for m in self.maturities])
        k = np.arange(1, int(periods.max()) + 1)
        alive = (periods[None, :] >= k[:, None]).sum(axis=1)  # bonds still paying coupons at period k
        amounts = alive * (self.coupon / 2.0) + np.bincount(periods, minlength=len(k) + 1)[1:]
        return k.astype("float64"), amounts.astype("float64")

    def cash_flows(self) -> tuple[FloatArray, FloatArray]:
        """(periods in half-years, amounts) of all bonds together, summed per period; face 1 per bond."""
        return self._flows

    def price(self, yields: float | FloatArray) -> FloatArray:
        """Price (sum over bonds, face 1 each) at flat yield(s), semiannual compounding."""
        k, cf = self.cash_flows()
        y = np.atleast_1d(np.asarray(yields, dtype="float64"))
        disc = (1.0 + y[:, None] / 2.0) ** (-k[None, :])
        out: FloatArray = disc @ cf
        return out

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

    def horizon_total(self, y: float, shift: float, horizon_years: float) -> float:
        """Total return over the horizon: the shift at once, then every cash flow paid before the horizon
        reinvested at the shifted yield and every later one valued at it (flat curve, semiannual compounding).

        On a flat curve both legs are the cash flow carried to the horizon at y+Δy, so the total is
        P(y+Δy)·(1 + (y+Δy)/2)^(2H) / P(y) − 1.
        """
        p0, p1 = self.price(np.array([y, y + shift]))
        return float(p1 * (1.0 + (y + shift) / 2.0) ** (2.0 * horizon_years) / p0 - 1.0)


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


@lru_cache(maxsize=256)
def fit_ladder(duration: float, y: float, span: tuple[float, float] = (20.0, 30.0)) -> Ladder:
    """The ladder over `span` (or the nearest feasible span) whose modified duration is `duration` at yield y (cached)."""
    if not (0.0 < duration <= 60.0):
        raise ScenarioError("duration_range", f"duration {duration:g} is out of range: expected 0–60 years", duration=f"{duration:g}")
    if y <= -0.5:
        raise ScenarioError("yield_range", f"yield {y * 100:g}% is out of range", yield_=f"{y * 100:g}")
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
    """One shift: exact ladder price return, the shorthand, income over the horizon, and the exact total."""

    shift_bp: float
    price_return: float
    taylor_return: float
    total: float  # Ladder.horizon_total: coupons reinvested at the shifted yield

    @property
    def carry(self) -> float:
        """Coupons and their reinvestment over the horizon (total minus the price return)."""
        return self.total - self.price_return

    def as_dict(self) -> dict[str, Any]:
        return {
            "shift_bp": self.shift_bp,
            "price_return_pct": self.price_return * 100,
            "taylor_return_pct": self.taylor_return * 100,
            "carry_pct": self.carry * 100,
            "total_pct": self.total * 100,
        }


TOTAL_CONVENTION = (
    "the shift happens at once; over the horizon every coupon (and any principal) paid is reinvested at the "
    "shifted yield and the remaining cash flows are valued at it (flat curve, semiannual compounding): "
    "P(y+dy) * (1 + (y+dy)/2)^(2H) / P(y) - 1"
)


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
    convexity_from: str = "preset"  # preset | ladder (recomputed after an override) | given (cvx=)
    caveats: tuple[Caveat, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        return {
            "fund": self.fund,
            "inputs": {
                "duration_years": self.duration,
                "convexity_years2": self.convexity,
                "convexity_from": self.convexity_from,
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
                "total": TOTAL_CONVENTION,
                "carry": "total - price return (coupons and their reinvestment)",
            },
            "rows": [r.as_dict() for r in self.rows],
            "warnings": [c.as_dict() for c in self.caveats],
        }


def bond_scenario(
    fund: str,
    duration: float,
    convexity: float | None,
    yield_: float,
    shifts_bp: Sequence[float] = DEFAULT_SHIFTS_BP,
    horizon_years: float = 1.0,
    span: tuple[float, float] = (20.0, 30.0),
    convexity_from: str = "given",
) -> BondScenario:
    """Reprice the fund's model ladder for each shift (bp) and carry it over the horizon.

    `convexity` None: the shorthand uses the matched ladder's own convexity (after a dur=/yield= override).
    """
    ladder = fit_ladder(duration, yield_, span)
    ladder_convexity = ladder.convexity(yield_)
    used_convexity = ladder_convexity if convexity is None else convexity
    rows = []
    for bp in shifts_bp:
        shift = bp / 10_000.0
        if yield_ + shift <= -0.5:
            raise ScenarioError("yield_floor", f"shift {bp:g}bp takes the yield below −50%", shift=f"{bp:+g}")
        rows.append(BondRow(float(bp), ladder.reprice(yield_, shift), taylor_return(duration, used_convexity, shift),
                            ladder.horizon_total(yield_, shift, horizon_years)))
    ladder_duration = ladder.duration(yield_)
    unmatched: tuple[Caveat, ...] = ()
    if abs(ladder_duration - duration) > DURATION_MATCH:  # half-yearly cash flows cannot reach every short duration
        unmatched = (Caveat.of("duration_unmatched", {"asked": duration, "model": round(ladder_duration, 2)}),)
    return BondScenario(
        fund=fund,
        duration=duration,
        convexity=used_convexity,
        yield_=yield_,
        horizon_years=horizon_years,
        ladder=ladder,
        rows=tuple(rows),
        ladder_duration=ladder_duration,
        ladder_convexity=ladder_convexity,
        convexity_from="ladder" if convexity is None else convexity_from,
        caveats=unmatched + shift_caveats(yield_, [float(bp) for bp in shifts_bp]),
    )
