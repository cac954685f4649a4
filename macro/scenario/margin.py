"""Leverage and margin: the fall in asset value that triggers a margin call, and the book after a fall.

Leverage L = assets / equity, so debt = (1 − 1/L) of the starting assets. After the assets fall by f,
equity / assets = (1 − f − (1 − 1/L)) / (1 − f); the call comes when that reaches the maintenance
margin m, i.e. at f = 1 − (1 − 1/L)/(1 − m). At f = 0 the book starts exactly at maintenance; below 0
it starts under it (the call is due now), and at L = 1 there is no loan, so no call at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from regimebot.macro.scenario import Caveat, ScenarioError
from regimebot.macro.scenario.caveats import leverage_caveats

AT_MAINTENANCE = 1e-12  # |call fall| below this: the book is exactly at the maintenance margin


def margin_call_fall(leverage: float, maintenance: float) -> float:
    """Fall in asset value (fraction) that triggers a margin call; ≤ 0 means the book is already at or below maintenance."""
    if leverage < 1.0:
        raise ScenarioError("leverage_range", f"leverage {leverage:g} must be at least 1", leverage=f"{leverage:g}")
    if not 0.0 <= maintenance < 1.0:
        raise ScenarioError("maintenance_range", f"maintenance margin {maintenance:.0%} must be from 0% to below 100%",
                            mm=f"{maintenance * 100:g}")
    return 1.0 - (1.0 - 1.0 / leverage) / (1.0 - maintenance)


def book_status(leverage: float, call_fall: float) -> str:
    """no_debt (1×) | below (under maintenance already) | at (exactly at it) | above (a fall is needed)."""
    if leverage == 1.0:
        return "no_debt"
    if call_fall < -AT_MAINTENANCE:
        return "below"
    if call_fall <= AT_MAINTENANCE:
        return "at"
    return "above"


@dataclass(frozen=True)
class AfterFall:
    """The book after the assets fell by `fall`: equity as a fraction of starting equity, and leverage."""

    fall: float
    equity_change: float  # −0.2: equity lost 20%; below −1: the loss exceeds the equity (debt left over)
    leverage: float | None  # None when equity is gone
    margin_call: bool
    status: str  # ok | margin_call | wiped_out (a loan, equity ≤ 0) | worthless (no loan, assets at 0)

    def as_dict(self) -> dict[str, Any]:
        return {
            "fall_pct": self.fall * 100,
            "equity_change_pct": self.equity_change * 100,
            "leverage": self.leverage,
            "margin_call": self.margin_call,
            "status": self.status,
        }


def after_fall(leverage: float, maintenance: float, fall: float) -> AfterFall:
    """Equity change (= −L·f) and the new leverage (1 − f)/(1 − f − (1 − 1/L)) after a fall f."""
    if not 0.0 <= fall <= 1.0:
        raise ScenarioError("fall_range", f"fall {fall:.0%} must be from 0% to 100%", fall=f"{fall * 100:g}")
    call = margin_call_fall(leverage, maintenance)
    assets = 1.0 - fall
    debt = 1.0 - 1.0 / leverage
    equity = assets - debt
    new_leverage = assets / equity if equity > 0 else None
    if leverage == 1.0:
        return AfterFall(fall, -fall, new_leverage if assets > 0 else None, False, "ok" if assets > 0 else "worthless")
    if equity <= 0:
        return AfterFall(fall, equity * leverage - 1.0, None, True, "wiped_out")
    called = fall >= call - AT_MAINTENANCE
    return AfterFall(fall, equity * leverage - 1.0, new_leverage, called, "margin_call" if called else "ok")


@dataclass(frozen=True)
class MarginScenario:
    leverage: float
    maintenance: float
    call_fall: float
    after: AfterFall | None
    caveats: tuple[Caveat, ...] = field(default=())

    @property
    def status(self) -> str:
        return book_status(self.leverage, self.call_fall)

    def as_dict(self) -> dict[str, Any]:
        status = self.status
        return {
            "inputs": {"leverage": self.leverage, "maintenance_pct": self.maintenance * 100},
            "model": "fall = 1 - (1 - 1/L)/(1 - m)",
            "status": status,
            "starting_margin_pct": 100.0 / self.leverage,
            "margin_call_fall_pct": {"above": self.call_fall * 100, "at": 0.0}.get(status),
            "after_fall": self.after.as_dict() if self.after else None,
            "warnings": [c.as_dict() for c in self.caveats],
        }


def margin_scenario(leverage: float, maintenance: float, fall: float | None = None) -> MarginScenario:
    """The call fall and, when a fall is given, the book after it; null call fall when there is no loan or the call is due."""
    return MarginScenario(
        leverage,
        maintenance,
        margin_call_fall(leverage, maintenance),
        after_fall(leverage, maintenance, fall) if fall is not None else None,
        leverage_caveats(leverage),
    )
