"""Leverage and margin: the fall in asset value that triggers a margin call, and the book after a fall.

Leverage L = assets / equity, so debt = (1 − 1/L) of the starting assets. After the assets fall by f,
equity / assets = (1 − f − (1 − 1/L)) / (1 − f); the call comes when that reaches the maintenance
margin m, i.e. at f = 1 − (1 − 1/L)/(1 − m).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from regimebot.macro.scenario import ScenarioError


def margin_call_fall(leverage: float, maintenance: float) -> float:
    """Fall in asset value (fraction) that triggers a margin call; ≤ 0 means the book is already below maintenance."""
    if leverage < 1.0:
        raise ScenarioError(f"leverage {leverage:g} must be at least 1")
    if not 0.0 <= maintenance < 1.0:
        raise ScenarioError(f"maintenance margin {maintenance:.0%} must be from 0% to below 100%")
    return 1.0 - (1.0 - 1.0 / leverage) / (1.0 - maintenance)


@dataclass(frozen=True)
class AfterFall:
    """The book after the assets fell by `fall`: equity as a fraction of starting equity, and leverage."""

    fall: float
    equity_change: float  # −0.2: equity lost 20%; −1 or less: wiped out
    leverage: float | None  # None when equity is gone
    margin_call: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "fall_pct": self.fall * 100,
            "equity_change_pct": self.equity_change * 100,
            "leverage": self.leverage,
            "margin_call": self.margin_call,
        }


def after_fall(leverage: float, maintenance: float, fall: float) -> AfterFall:
    """Equity change (= −L·f) and the new leverage (1 − f)/(1 − f − (1 − 1/L)) after a fall f."""
    if not 0.0 <= fall <= 1.0:
        raise ScenarioError(f"fall {fall:.0%} must be from 0% to 100%")
    call = margin_call_fall(leverage, maintenance)
    assets = 1.0 - fall
    equity = assets - (1.0 - 1.0 / leverage)
    new_leverage = assets / equity if equity > 0 else None
    return AfterFall(fall, equity * leverage - 1.0, new_leverage, fall >= call)


@dataclass(frozen=True)
class MarginScenario:
    leverage: float
    maintenance: float
    call_fall: float
    after: AfterFall | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "inputs": {"leverage": self.leverage, "maintenance_pct": self.maintenance * 100},
            "model": "fall = 1 - (1 - 1/L)/(1 - m)",
            "margin_call_fall_pct": self.call_fall * 100,
            "after_fall": self.after.as_dict() if self.after else None,
        }


def margin_scenario(leverage: float, maintenance: float, fall: float | None = None) -> MarginScenario:
    return MarginScenario(
        leverage, maintenance, margin_call_fall(leverage, maintenance), after_fall(leverage, maintenance, fall) if fall is not None else None
    )
