"""Portfolio shocks: the book's P&L if some series move, through betas estimated from history.

Each holding's daily return is regressed (OLS with intercept) on the daily changes of all shocked
series together over the lookback (% returns for prices, bp changes for yields). The holding's move
is Σ βⱼ·shockⱼ; R² says how much of the holding's daily moves the shocked series explain — a beta
with a low R² means little. A holding that is itself shocked moves by its shock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from regimebot.macro.catalog import Catalog
from regimebot.macro.correlation import MIN_OBSERVATIONS, CorrelationError, daily_changes, without_variation
from regimebot.macro.market import Market
from regimebot.macro.scenario import ScenarioError


@dataclass(frozen=True)
class HoldingShock:
    series: str
    weight: float
    betas: Mapping[str, float]
    r2: float | None  # None: moved by its own shock, no estimate
    move: float  # the holding's return (decimal)

    @property
    def contribution(self) -> float:
        return self.weight * self.move

    def as_dict(self) -> dict[str, Any]:
        return {
            "series": self.series,
            "weight": self.weight,
            "betas": dict(self.betas),
            "r2": self.r2,
            "move_pct": self.move * 100,
            "contribution_pct": self.contribution * 100,
        }


@dataclass(frozen=True)
class ShockScenario:
    shocks: Mapping[str, float]  # decimals for % series, bp for bp series
    units: Mapping[str, str]  # "pct" or "bp"
    holdings: tuple[HoldingShock, ...]
    start: date | None
    end: date | None
    observations: int
    lookback_days: int

    @property
    def total(self) -> float:
        return sum(h.contribution for h in self.holdings)

    def as_dict(self) -> dict[str, Any]:
        return {
            "shocks": {
                sid: ({"bp": v} if self.units[sid] == "bp" else {"pct": v * 100}) for sid, v in self.shocks.items()
            },
            "model": "OLS of daily returns on daily changes of the shocked series (with intercept)",
            "window": {
                "lookback_days": self.lookback_days,
                "start": self.start.isoformat() if self.start else None,
                "end": self.end.isoformat() if self.end else None,
                "observations": self.observations,
            },
            "holdings": [h.as_dict() for h in self.holdings],
            "portfolio_pct": self.total * 100,
        }


def fit_betas(y: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, float]:
    """OLS with intercept of y (n,) on x (n, k): (betas (k,), R²)."""
    design = np.column_stack([np.ones(len(y)), x])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ coef
    total = float(np.sum((y - y.mean()) ** 2))
    r2 = 1.0 - float(resid @ resid) / total if total > 0 else 0.0
    return coef[1:], r2


def shock_scenario(
    market: Market,
    catalog: Catalog,
    weights: Mapping[str, float],
    shocks: Mapping[str, float],
    lookback_days: int = 365,
) -> ShockScenario:
    """P&L of the normalised `weights` when each shocked series moves by its shock (decimal % or bp)."""
    if not weights:
        raise ScenarioError("empty_portfolio", "the portfolio is empty")
    if not shocks:
        raise ScenarioError("no_shock", "no shock given")
    units = {sid: ("bp" if catalog[sid].changes_in_bp else "pct") for sid in shocks}
    total_w = sum(weights.values())
    shocked = list(shocks)
    needed = list(dict.fromkeys([*shocked, *[h for h in weights if h not in shocks]]))
    try:
        changes = daily_changes(market, needed, catalog)
    except CorrelationError as exc:
        raise ScenarioError(exc.key, str(exc), **exc.values) from exc
    if not changes.empty:
        changes = changes.loc[changes.index > changes.index[-1] - pd.Timedelta(days=lookback_days)]
    estimated = [h for h in weights if h not in shocks or units[h] == "bp"]
    if estimated and len(changes) < MIN_OBSERVATIONS:
        raise ScenarioError("few_changes", f"only {len(changes)} common daily changes in the lookback; need {MIN_OBSERVATIONS}",
                            n=len(changes), need=MIN_OBSERVATIONS)
    flat = without_variation(changes, shocked) if estimated else []
    if flat:  # no beta to a series whose changes never varied: lstsq's min-norm guess would be a made-up number
        raise ScenarioError("flat", f"{', '.join(flat)}: daily changes did not vary in the lookback; no sensitivity to it can be estimated",
                            series=", ".join(flat))
    x = changes[shocked].to_numpy() if not changes.empty else np.empty((0, len(shocked)))
    shock_vec = np.array([shocks[sid] for sid in shocked])
    holdings = []
    for sid, raw in weights.items():
        w = raw / total_w
        if sid in shocks and units[sid] == "pct":
            holdings.append(HoldingShock(sid, w, {sid: 1.0}, None, shocks[sid]))
            continue
        betas, r2 = fit_betas(changes[sid].to_numpy(), x)
        holdings.append(HoldingShock(sid, w, dict(zip(shocked, (float(b) for b in betas))), r2, float(betas @ shock_vec)))
    return ShockScenario(
        shocks=dict(shocks),
        units=units,
        holdings=tuple(holdings),
        start=changes.index[0].date() if not changes.empty else None,
        end=changes.index[-1].date() if not changes.empty else None,
        observations=len(changes),
        lookback_days=lookback_days,
    )
