"""Thesis status rules (WATCHLIST.md) for each default thesis, and which changes are alerts."""

from __future__ import annotations

import numpy as np
import pytest

from regimebot.macro.catalog import load_catalog
from regimebot.macro.theses import hold_through_gaps, recovery, status_codes, status_name, toward_invalidation
from regimebot.macro.watchlist import load_watchlist

WL = load_watchlist(None, load_catalog())
OK, WARN, BREACH, UNKNOWN = 0, 1, 2, -1


def status(thesis_id: str, **states: int) -> str:
    """Status of a default thesis with the given signal states (others ok)."""
    thesis = WL.theses[thesis_id]
    specs = [WL.signals[s] for s in thesis.invalidation]
    column = np.array([[states.get(s, OK)] for s in thesis.invalidation], dtype=np.int8)
    return status_name(int(status_codes(thesis, column, specs)[0]))


def market_signals(thesis_id: str) -> list[str]:
    return [s for s in WL.theses[thesis_id].invalidation if not WL.signals[s].manual]


@pytest.mark.parametrize("thesis_id", list(WL.theses))
def test_generic_rules_for_every_default_thesis(thesis_id):
    thesis = WL.theses[thesis_id]
    sigs = list(thesis.invalidation)
    assert status(thesis_id) == "intact"
    assert status(thesis_id, **{sigs[0]: WARN}) == "intact"          # at most one warn
    expected_one_breach = "invalidated" if sigs[0] in thesis.hard else "weakening"
    assert status(thesis_id, **{sigs[0]: BREACH}) == expected_one_breach
    if len(sigs) >= 2:
        assert status(thesis_id, **{sigs[-1]: WARN, sigs[-2]: WARN}) == "weakening"  # two warns
        assert status(thesis_id, **{s: BREACH for s in sigs[-2:]}) == "invalidated"  # k = 2 breaches
    unknown_all = {s: UNKNOWN for s in market_signals(thesis_id)}
    assert status(thesis_id, **unknown_all) == "unknown"


def test_geopolitical_noise():
    # a liquidity panic turning into a credit discount: usd weak in stress + credit widening
    assert status("geopolitical_noise", usd_weak_in_stress=BREACH, credit_widening=BREACH) == "invalidated"
    assert status("geopolitical_noise", tariffs_landed=BREACH) == "weakening"
    assert status("geopolitical_noise", tariffs_landed=BREACH, eu_countermeasures=BREACH) == "invalidated"
    # a manual switch on keeps the thesis known even when the market data is missing
    assert status("geopolitical_noise", usd_weak_in_stress=UNKNOWN, credit_widening=UNKNOWN, tariffs_landed=BREACH) == "weakening"
    # one market signal unknown is neither warn nor breach
    assert status("geopolitical_noise", usd_weak_in_stress=UNKNOWN, credit_widening=WARN) == "intact"
    # seed 001 §E: gold chased in the stress is on the invalidation side
    assert status("geopolitical_noise", gold_bid_in_stress=BREACH, credit_widening=BREACH) == "invalidated"


def test_long_usd_ai():
    assert status("long_usd_ai", dxy_trend_break=BREACH, dxy_quarter_drop=WARN) == "weakening"
    assert status("long_usd_ai", dxy_trend_break=BREACH, dxy_quarter_drop=BREACH) == "invalidated"
    assert status("long_usd_ai", dxy_trend_break=WARN, usd_and_equities_down=WARN) == "weakening"


def test_long_duration():
    assert status("long_duration", long_yield_rise=WARN, stock_bond_corr=WARN) == "weakening"
    assert status("long_duration", long_yield_breakout=BREACH, long_yield_shock=BREACH) == "invalidated"
    assert status("long_duration", stock_bond_corr=BREACH, bear_steepening=BREACH) == "invalidated"
    assert "move_stress" not in WL.theses["long_duration"].invalidation  # seed 003: MOVE forces support


def test_btc_bottom_lost_is_hard():
    assert status("btc_liquidity_bottom", btc_bottom_lost=BREACH) == "invalidated"
    assert status("btc_liquidity_bottom", btc_bottom_lost=WARN) == "intact"
    assert status("btc_liquidity_bottom", btc_trend_break=BREACH, credit_widening=BREACH) == "invalidated"
    # before 2025-04 the level is unknown: the other signals still give the thesis a status
    assert status("btc_liquidity_bottom", btc_bottom_lost=UNKNOWN, btc_trend_break=BREACH) == "weakening"


def test_us_assets_haven():
    assert status("us_assets_haven", usd_and_equities_down=BREACH, cross_asset_corr=BREACH) == "invalidated"
    assert status("us_assets_haven", injection_usd_down=BREACH, hibeta_leading_down=BREACH) == "invalidated"
    # the manual switch stays an admin override beside the automatic signal
    assert status("us_assets_haven", fed_injection_usd_down=BREACH, hibeta_leading_down=BREACH) == "invalidated"
    assert status("us_assets_haven", cross_asset_corr=WARN, hibeta_leading_down=WARN) == "weakening"


def test_japan_reflation_has_no_single_switch():
    assert status("japan_reflation", ewj_trend_break=BREACH) == "weakening"     # one breach: weakening, no more
    assert status("japan_reflation", ewj_trend_break=WARN, yen_fast_rise=WARN) == "weakening"
    assert status("japan_reflation", ewj_trend_break=BREACH, jgb_yield_slump=BREACH) == "invalidated"
    assert status("japan_reflation", jgb_yield_slump=BREACH, yen_fast_rise=BREACH) == "invalidated"
    assert status("japan_reflation", ewj_trend_break=UNKNOWN, yen_fast_rise=UNKNOWN,
                  jgb_yield_slump=UNKNOWN) == "unknown"


def test_k_is_configurable():
    thesis = WL.theses["long_duration"]
    import dataclasses

    strict = dataclasses.replace(thesis, k=3)
    specs = [WL.signals[s] for s in thesis.invalidation]
    rest = [[OK]] * (len(specs) - 3)
    two = np.array([[BREACH], [BREACH], [OK], *rest], dtype=np.int8)
    three = np.array([[BREACH], [BREACH], [BREACH], *rest], dtype=np.int8)
    assert status_name(int(status_codes(strict, two, specs)[0])) == "weakening"
    assert status_name(int(status_codes(strict, three, specs)[0])) == "invalidated"


def test_vectorised_over_days():
    thesis = WL.theses["long_usd_ai"]
    specs = [WL.signals[s] for s in thesis.invalidation]
    matrix = np.array([[OK, WARN, BREACH, BREACH, UNKNOWN],
                       [OK, WARN, OK, BREACH, UNKNOWN],
                       [OK, OK, OK, OK, UNKNOWN],
                       [OK, OK, OK, OK, UNKNOWN],
                       [OK, OK, OK, OK, UNKNOWN]], dtype=np.int8)
    assert [status_name(int(c)) for c in status_codes(thesis, matrix, specs)] == [
        "intact", "weakening", "weakening", "invalidated", "unknown"]


@pytest.mark.parametrize("old,new,toward,back", [
    ("intact", "weakening", True, False),
    ("weakening", "invalidated", True, False),
    ("intact", "invalidated", True, False),
    ("invalidated", "weakening", False, True),
    ("weakening", "intact", False, True),
    ("unknown", "invalidated", False, False),
    ("invalidated", "unknown", False, False),
    (None, "invalidated", False, False),
])
def test_alert_directions(old, new, toward, back):
    assert toward_invalidation(old, new) is toward
    assert recovery(old, new) is back


def test_hold_through_gaps():
    days = np.arange(100, 110)
    # one signal: breach, breach, unknown x3, ok, ...; codes as status_codes would give (unknown counted as nothing)
    states = np.array([[2, 2, -1, -1, -1, 0, 0, -1, 1, -1]], dtype=np.int8)
    codes = np.array([1, 1, 0, 0, 0, 0, 0, 0, 0, 0], dtype=np.int8)
    held_codes, held = hold_through_gaps(codes, states, days)
    assert list(held_codes) == [1, 1, 1, 1, 1, 0, 0, 0, 0, 0]   # held while the breached signal is unknown
    assert list(held) == [False, False, True, True, True, False, False, False, False, False]
    # a gap after an ok reading holds nothing; a gap after warn (code 0 anyway) changes nothing
    expired, _ = hold_through_gaps(codes, states, days * 0 + np.array([0, 1, 40, 41, 42, 43, 44, 45, 46, 47]))
    assert list(expired) == [1, 1, 0, 0, 0, 0, 0, 0, 0, 0]       # last reading 39+ days old: no hold
    rising = np.array([0, 1, 2], dtype=np.int8)
    assert list(hold_through_gaps(rising, np.array([[-1, -1, -1]], dtype=np.int8), np.arange(3))[0]) == [0, 1, 2]
