"""A daily-reset leveraged bond fund (e.g. TMF, 3x) simulated on seeded yield paths.

Two sets of paths, from the same seeded random steps (annual volatility in bp):
- pinned ("given this end point"): a straight line from y0 to y0+Δy plus a Brownian bridge, so every
  path ends exactly at the shift; their spread is the path dependence of the daily reset, nothing more;
- unpinned (a risk range): the same line plus the free random walk, so the end point itself varies
  around the shift; their 5–95% band is what the fund might do if yields drift by Δy on average.
The underlying earns the exact price change of the model ladder plus carry (yield/252 a day); the fund
earns L× that, minus financing on (L−1)× its assets and its expense ratio, reset every day (a day that
would lose more than everything leaves the fund at −100%). Answers are cached per input.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.polynomial import chebyshev

from regimebot.macro.scenario import Caveat, ScenarioError
from regimebot.macro.scenario.bonds import FloatArray, Ladder
from regimebot.macro.scenario.caveats import shift_caveats

DAYS_PER_YEAR = 252
CHEB_DEGREES, CHEB_NODES = (6, 8, 10, 12), 64  # price curve fit over the paths' yield range
FIT_TOLERANCE = 1e-10  # relative: above it the fit gives way to the grid
GRID_POINTS = 4001  # fallback grid (linear interpolation)
YIELD_FLOOR = -1.0  # simulated yields at or below −100%: refused (lower vol= or the horizon)


@dataclass(frozen=True)
class Percentiles:
    p5: float
    p50: float
    p95: float

    @classmethod
    def of(cls, values: FloatArray) -> Percentiles:
        p5, p50, p95 = np.percentile(values, [5, 50, 95])
        return cls(float(p5), float(p50), float(p95))

    def as_dict(self) -> dict[str, float]:
        return {"p5_pct": self.p5 * 100, "p50_pct": self.p50 * 100, "p95_pct": self.p95 * 100}


@dataclass(frozen=True)
class LeveragedScenario:
    """Outcomes of the leveraged fund vs its underlying and the naive L× the underlying."""

    fund: str
    leverage: float
    shift_bp: float
    horizon_years: float
    vol_bp: float
    yield_: float
    expense_ratio: float
    financing: float
    paths: int
    seed: int
    days: int
    underlying: Percentiles  # pinned paths
    naive: Percentiles  # pinned paths
    fund_outcome: Percentiles  # pinned paths: "given this end point"
    straight: float  # the fund on the straight (zero-volatility) path to the same end
    fund_unpinned: Percentiles  # unpinned paths: a risk range
    underlying_unpinned: Percentiles
    caveats: tuple[Caveat, ...] = ()

    @property
    def drag(self) -> float:
        """Median fund outcome minus median naive L× (volatility drag, fees and financing together)."""
        return self.fund_outcome.p50 - self.naive.p50

    @property
    def volatility_drag(self) -> float:
        """Median fund outcome minus the same fund on the straight path: the cost of the daily reset under volatility."""
        return self.fund_outcome.p50 - self.straight

    def as_dict(self) -> dict[str, Any]:
        return {
            "fund": self.fund,
            "inputs": {
                "leverage": self.leverage,
                "shift_bp": self.shift_bp,
                "horizon_years": self.horizon_years,
                "vol_bp_per_year": self.vol_bp,
                "yield_pct": self.yield_ * 100,
                "expense_ratio_pct": self.expense_ratio * 100,
                "financing_pct": self.financing * 100,
            },
            "model": {"kind": "daily_reset_simulation", "paths": self.paths, "seed": self.seed, "days": self.days},
            "underlying": self.underlying.as_dict(),
            "naive_leveraged": self.naive.as_dict(),
            "fund_outcome": self.fund_outcome.as_dict(),
            "fund_outcome_label": "pinned: every path ends at the shift (path dependence only)",
            "fund_unpinned": self.fund_unpinned.as_dict(),
            "underlying_unpinned": self.underlying_unpinned.as_dict(),
            "fund_unpinned_label": "unpinned: random walk with the given volatility around the shift (a risk range)",
            "fund_straight_path_pct": self.straight * 100,
            "vs_naive_pct": self.drag * 100,
            "volatility_drag_pct": self.volatility_drag * 100,
            "warnings": [c.as_dict() for c in self.caveats],
        }


def random_walk(days: int, vol: float, paths: int, seed: int) -> FloatArray:
    """(paths, days+1) seeded random walks from 0 with annual volatility `vol` (decimal) in daily steps."""
    rng = np.random.default_rng(seed)
    walk = np.zeros((paths, days + 1))
    if vol > 0.0:
        np.cumsum(rng.standard_normal((paths, days)) * (vol / np.sqrt(DAYS_PER_YEAR)), axis=1, out=walk[:, 1:])
    return walk


def yield_paths(y0: float, shift: float, days: int, vol: float, paths: int, seed: int) -> FloatArray:
    """(paths, days+1) flat yields from y0 to y0+shift: a line plus a Brownian bridge of annual vol `vol` (decimal)."""
    frac = np.arange(days + 1) / days
    walk = random_walk(days, vol, paths, seed)
    out: FloatArray = y0 + frac[None, :] * shift + (walk - frac[None, :] * walk[:, -1:])
    return out


class PriceCurve:
    """P(y) of a ladder over [lo, hi] for many path yields at once: a Chebyshev fit evaluated by Horner's rule
    (checked against exact repricing to 1e-10 relative), or a fine grid read by linear interpolation when the
    range is too wide for the fit."""

    def __init__(self, ladder: Ladder, lo: float, hi: float) -> None:
        self.mid, self.half = (lo + hi) / 2.0, max((hi - lo) / 2.0, 1e-6)
        theta = np.pi * (np.arange(CHEB_NODES) + 0.5) / CHEB_NODES
        values = ladder.price(self.mid + self.half * np.cos(theta))
        # Chebyshev interpolation at the nodes (discrete orthogonality: no least squares needed)
        series = 2.0 / CHEB_NODES * np.cos(np.outer(np.arange(CHEB_NODES), theta)) @ values
        series[0] /= 2.0
        check = np.linspace(-1.0, 1.0, 257)
        exact = ladder.price(self.mid + self.half * check)
        self.exact_fit = False
        for degree in CHEB_DEGREES:  # the lowest degree that reprices to FIT_TOLERANCE: fewer passes over the paths
            self.coefficients = chebyshev.cheb2poly(series[: degree + 1])[::-1]  # highest power first
            if np.max(np.abs(self._horner(check) / exact - 1.0)) < FIT_TOLERANCE:
                self.exact_fit = True
                break
        if not self.exact_fit:
            self.grid_lo = lo - 1e-4
            self.step = (hi - lo + 2e-4) / (GRID_POINTS - 1)
            self.values = ladder.price(self.grid_lo + self.step * np.arange(GRID_POINTS, dtype=np.float64))
            self.slopes = np.diff(self.values)

    def _horner(self, x: FloatArray) -> FloatArray:
        out: FloatArray = x * self.coefficients[0] + self.coefficients[1]
        for c in self.coefficients[2:]:
            out *= x
            out += c
        return out

    def __call__(self, yields: FloatArray) -> FloatArray:
        if self.exact_fit:
            return self._horner((yields - self.mid) * (1.0 / self.half))
        pos = (yields - self.grid_lo) / self.step
        i = np.minimum(pos.astype(np.int64), GRID_POINTS - 2)
        out: FloatArray = self.values[i] + (pos - i) * self.slopes[i]
        return out


def daily_returns(curve: PriceCurve, yields: FloatArray) -> FloatArray:
    """(paths, days) daily total returns of the constant-maturity ladder: exact price change + yield/252 carry."""
    level = curve(yields)
    out: FloatArray = level[:, 1:] / level[:, :-1] - 1.0 + yields[:, :-1] / DAYS_PER_YEAR
    return out


def underlying_daily_returns(ladder: Ladder, yields: FloatArray) -> FloatArray:
    """Daily returns of the ladder on these paths (see daily_returns)."""
    return daily_returns(PriceCurve(ladder, float(yields.min()), float(yields.max())), yields)


def fund_total_returns(daily: FloatArray, leverage: float, expense_ratio: float, financing: float) -> FloatArray:
    """Compound a daily-reset fund: each day L×r − (L−1)×financing/252 − expense/252 (a day below −100% ends it)."""
    cost = ((leverage - 1.0) * financing + expense_ratio) / DAYS_PER_YEAR
    out: FloatArray = np.prod(np.maximum(1.0 + leverage * daily - cost, 0.0), axis=1) - 1.0
    return out


@lru_cache(maxsize=64)
def leveraged_scenarios(
    fund: str,
    ladder: Ladder,
    y0: float,
    shifts_bp: tuple[float, ...],
    horizon_years: float = 1.0,
    vol_bp: float = 100.0,
    leverage: float = 3.0,
    expense_ratio: float = 0.01,
    financing: float = 0.04,
    paths: int = 1000,
    seed: int = 7,
) -> tuple[LeveragedScenario, ...]:
    """Simulate the fund for each shift on the same seeded steps: pinned and unpinned percentiles (cached per input)."""
    days = max(1, int(round(horizon_years * DAYS_PER_YEAR)))
    if paths < 1 or vol_bp < 0:
        raise ScenarioError("paths_vol", "paths must be ≥ 1 and vol ≥ 0")
    frac = np.arange(days + 1) / days
    walk = random_walk(days, vol_bp / 10_000.0, paths, seed)
    bridge = walk - frac[None, :] * walk[:, -1:]
    lines = [y0 + frac * (bp / 10_000.0) for bp in shifts_bp]
    lo = min(float(line.min()) for line in lines) + min(float(walk.min()), float(bridge.min()))
    hi = max(float(line.max()) for line in lines) + max(float(walk.max()), float(bridge.max()))
    if lo <= YIELD_FLOOR:
        raise ScenarioError("paths_floor", f"simulated yields reach {lo * 100:.0f}%: lower vol= or the horizon", low=f"{lo * 100:.0f}")
    curve = PriceCurve(ladder, lo, hi)
    out = []
    for bp, line in zip(shifts_bp, lines, strict=True):
        pinned = daily_returns(curve, line[None, :] + bridge)
        free = daily_returns(curve, line[None, :] + walk)
        under = np.prod(1.0 + pinned, axis=1) - 1.0
        prices = ladder.price(line)
        straight_daily = (prices[1:] / prices[:-1] - 1.0 + line[:-1] / DAYS_PER_YEAR)[None, :]
        out.append(
            LeveragedScenario(
                fund=fund,
                leverage=leverage,
                shift_bp=float(bp),
                horizon_years=horizon_years,
                vol_bp=vol_bp,
                yield_=y0,
                expense_ratio=expense_ratio,
                financing=financing,
                paths=paths,
                seed=seed,
                days=days,
                underlying=Percentiles.of(under),
                naive=Percentiles.of(leverage * under),
                fund_outcome=Percentiles.of(fund_total_returns(pinned, leverage, expense_ratio, financing)),
                straight=float(fund_total_returns(straight_daily, leverage, expense_ratio, financing)[0]),
                fund_unpinned=Percentiles.of(fund_total_returns(free, leverage, expense_ratio, financing)),
                underlying_unpinned=Percentiles.of(np.prod(1.0 + free, axis=1) - 1.0),
                caveats=shift_caveats(y0, [float(bp)]),
            )
        )
    return tuple(out)


def leveraged_scenario(
    fund: str,
    ladder: Ladder,
    y0: float,
    shift_bp: float,
    horizon_years: float = 1.0,
    vol_bp: float = 100.0,
    leverage: float = 3.0,
    expense_ratio: float = 0.01,
    financing: float = 0.04,
    paths: int = 1000,
    seed: int = 7,
) -> LeveragedScenario:
    """One shift of leveraged_scenarios."""
    return leveraged_scenarios(fund, ladder, y0, (float(shift_bp),), horizon_years, vol_bp, leverage, expense_ratio,
                               financing, paths, seed)[0]


def shifts_tuple(shifts_bp: Sequence[float]) -> tuple[float, ...]:
    """Shifts as a hashable tuple of floats (the cache key)."""
    return tuple(float(bp) for bp in shifts_bp)
