"""A daily-reset leveraged bond fund (e.g. TMF, 3x) simulated on seeded yield paths.

Each path moves the flat yield from y0 to y0+Δy over the horizon (a Brownian bridge: a straight
line plus noise of the given annual volatility in bp, pinned at both ends), so every path has the
same start and end and the spread of outcomes is the path dependence of the daily reset. The
underlying earns the exact price change of the model ladder plus carry (yield/252 a day); the fund
earns L× that, minus financing on (L−1)× its assets and its expense ratio, reset every day.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from regimebot.macro.scenario import ScenarioError
from regimebot.macro.scenario.bonds import Ladder

DAYS_PER_YEAR = 252


@dataclass(frozen=True)
class Percentiles:
    p5: float
    p50: float
    p95: float

    @classmethod
    def of(cls, values: np.ndarray) -> Percentiles:
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
    underlying: Percentiles
    naive: Percentiles
    fund_outcome: Percentiles
    straight: float  # the fund on the straight (zero-volatility) path to the same end

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
            "fund_straight_path_pct": self.straight * 100,
            "vs_naive_pct": self.drag * 100,
            "volatility_drag_pct": self.volatility_drag * 100,
        }


def yield_paths(y0: float, shift: float, days: int, vol: float, paths: int, seed: int) -> np.ndarray:
    """(paths, days+1) flat yields from y0 to y0+shift: a line plus a Brownian bridge of annual vol `vol` (decimal)."""
    rng = np.random.default_rng(seed)
    steps = rng.standard_normal((paths, days)) * (vol / np.sqrt(DAYS_PER_YEAR))
    walk = np.concatenate([np.zeros((paths, 1)), np.cumsum(steps, axis=1)], axis=1)
    frac = np.arange(days + 1) / days
    bridge = walk - frac[None, :] * walk[:, -1:]
    return y0 + frac[None, :] * shift + bridge


def underlying_daily_returns(ladder: Ladder, yields: np.ndarray) -> np.ndarray:
    """(paths, days) daily total returns of the constant-maturity ladder: exact price change + yield/252 carry."""
    lo, hi = float(yields.min()), float(yields.max())
    grid = np.linspace(lo - 1e-4, hi + 1e-4, 4001)
    prices = ladder.price(grid)
    level = np.interp(yields, grid, prices)  # price curve is smooth: a fine grid is exact to ~1e-9
    return level[:, 1:] / level[:, :-1] - 1.0 + yields[:, :-1] / DAYS_PER_YEAR


def fund_total_returns(daily: np.ndarray, leverage: float, expense_ratio: float, financing: float) -> np.ndarray:
    """Compound a daily-reset fund: each day L×r − (L−1)×financing/252 − expense/252."""
    cost = ((leverage - 1.0) * financing + expense_ratio) / DAYS_PER_YEAR
    return np.prod(1.0 + leverage * daily - cost, axis=1) - 1.0


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
    paths: int = 2000,
    seed: int = 7,
) -> LeveragedScenario:
    """Simulate the fund over `paths` seeded yield paths; percentiles of fund, underlying and naive L×."""
    days = max(1, int(round(horizon_years * DAYS_PER_YEAR)))
    if paths < 1 or vol_bp < 0:
        raise ScenarioError("paths must be ≥ 1 and vol ≥ 0")
    yields = yield_paths(y0, shift_bp / 10_000.0, days, vol_bp / 10_000.0, paths, seed)
    daily = underlying_daily_returns(ladder, yields)
    if np.any(1.0 + leverage * daily <= 0.0):
        fund_ret = np.maximum(fund_total_returns(daily, leverage, expense_ratio, financing), -1.0)
    else:
        fund_ret = fund_total_returns(daily, leverage, expense_ratio, financing)
    under = np.prod(1.0 + daily, axis=1) - 1.0
    line = underlying_daily_returns(ladder, yield_paths(y0, shift_bp / 10_000.0, days, 0.0, 1, seed))
    straight = max(float(fund_total_returns(line, leverage, expense_ratio, financing)[0]), -1.0)
    return LeveragedScenario(
        fund=fund,
        leverage=leverage,
        shift_bp=shift_bp,
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
        fund_outcome=Percentiles.of(fund_ret),
        straight=straight,
    )
