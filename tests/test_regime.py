"""Regime dashboard lines and the verdict rules of the default watch list."""

from __future__ import annotations

import pytest

from regimebot.macro.catalog import load_catalog
from regimebot.macro.regime import regime_from
from regimebot.macro.signals import SignalResult
from regimebot.macro.watchlist import load_watchlist

WL = load_watchlist(None, load_catalog())


def results(**states: str) -> dict[str, SignalResult]:
    out = {}
    for sid, spec in WL.signals.items():
        state = states.get(sid, "ok")
        out[sid] = SignalResult(id=sid, kind=spec.kind, state=state, value=None if state == "unknown" else 1.5,
                                unit=spec.unit, warn=spec.warn, breach=spec.breach, warn_exit=spec.warn_exit,
                                breach_exit=spec.breach_exit, since=None, series=spec.series)
    return out


@pytest.mark.parametrize("states,verdict", [
    ({}, "calm"),
    ({"vix_level": "warn"}, "liquidity_panic"),
    ({"vix_level": "breach", "credit_widening": "breach"}, "credit_stress"),
    ({"vix_level": "breach", "credit_widening": "warn"}, "liquidity_panic"),
    ({"move_stress": "breach"}, "bond_market_stress"),
    ({"move_stress": "warn"}, "calm"),
    ({"long_yield_shock": "breach", "vix_level": "warn"}, "bond_market_stress"),
    ({"usd_weak_in_stress": "breach", "vix_level": "breach", "credit_widening": "breach"}, "cross_border_outflow"),
    ({"usd_and_equities_down": "breach"}, "cross_border_outflow"),
    ({"vix_level": "unknown"}, "unknown"),
    ({"credit_widening": "unknown", "move_stress": "breach"}, "bond_market_stress"),
    ({"move_stress": "unknown"}, "calm"),  # not required for the verdict
])
def test_verdicts(states, verdict):
    assert regime_from(results(**states), WL.regime).verdict == verdict


def test_lines_carry_value_state_and_unit():
    regime = regime_from(results(move_stress="warn", vix_level="unknown"), WL.regime)
    keys = [line.key for line in regime.lines]
    assert keys == ["usd_in_stress", "stock_bond_corr", "bond_vol", "equity_vol", "credit", "gold", "cross_asset_corr",
                    "liquidity", "credit_baa", "rrp_buffer", "term_premium"]
    bond = regime.lines[2]
    assert (bond.signal, bond.state, bond.value) == ("move_stress", "warn", 1.5)
    assert regime.lines[3].state == "unknown" and regime.lines[3].value is None
    assert regime.lines[4].unit == "%"


def test_reasons_name_the_deciding_conditions():
    regime = regime_from(results(credit_widening="breach"), WL.regime)
    assert regime.verdict == "credit_stress" and regime.reasons == ("credit_widening:breach",)
