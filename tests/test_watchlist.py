"""The watch-list file: the bundled defaults match WATCHLIST.md, and bad files fail with messages naming the entry."""

from __future__ import annotations

import copy
import tomllib
from importlib import resources

import pytest

from regimebot.macro.catalog import load_catalog
from regimebot.macro.watchlist import WatchlistError, load_watchlist, parse_watchlist

CATALOG = load_catalog()
BUNDLED = tomllib.loads(resources.files("regimebot.macro").joinpath("data/watchlist.toml").read_text(encoding="utf-8"))

WATCHLIST_MD_SIGNALS = {
    # id: (direction, warn, breach): the table of shared/WATCHLIST.md as re-derived by issue 9 (new bond, yen,
    # Japan and bitcoin thresholds near the 95th / 97.5th percentile of 2007–2016)
    "usd_weak_in_stress": ("below", -1.0, -2.5),
    "gold_bid_in_stress": ("above", 3.0, 6.0),
    "credit_widening": ("below", -2.0, -4.0),
    "usd_and_equities_down": ("below", -3.0, -5.0),
    "cross_asset_corr": ("above", 0.5, 0.7),
    "hibeta_leading_down": ("below", -6.0, -10.0),
    "move_stress": ("above", 120.0, 140.0),
    "long_yield_shock": ("above", 2.5, 3.5),
    "stock_bond_corr": ("above", 0.05, 0.15),
    "long_yield_rise": ("above", 0.55, 0.75),
    "long_yield_breakout": ("above", 0.50, 0.60),
    "bear_steepening": ("above", 0.30, 0.35),
    "dxy_trend_break": ("below", -3.0, -5.0),
    "dxy_quarter_drop": ("below", -3.0, -6.0),
    "btc_bottom_lost": ("below", 74500 * 1.05, 74500.0),
    "yen_weakening": ("above", 11.0, 13.0),
    "yen_fast_rise": ("below", -5.0, -5.6),
    "ewj_trend_break": ("below", -15.0, -22.5),
    "btc_trend_break": ("below", -17.0, -22.0),
    "jgb_yield_slump": ("below", -28.0, -32.0),
    "fed_forced_cuts": ("below", -85.0, -110.0),  # issue 9, round 3: seed 000's own "wrong" case
    # issue 10 item 5: liquidity, credit and rates plumbing (2007-2016 percentiles; the README says which thesis each joins)
    "netliq_draining": ("below", -5.2, -5.9),
    "netliq_draining_4w": ("below", -3.9, -4.7),
    "rrp_buffer_exhausted": ("below", 200.0, 100.0),
    "real_yield_rise": ("above", 0.67, 0.97),
    "term_premium_rise": ("above", 0.76, 0.92),
    "btc_liquidity_drain": ("below", -5.2, -5.9),
    "baa_widening": ("above", 0.40, 0.52),
    "injection_usd_down": ("below", -1.0, -2.0),
    "vix_level": ("above", 25.0, 35.0),
}
MANUAL = ["tariffs_landed", "eu_countermeasures", "arctic_unilateral_buildout", "fed_injection_usd_down"]
THESES = {
    "geopolitical_noise": (["tariffs_landed", "eu_countermeasures", "arctic_unilateral_buildout", "usd_weak_in_stress",
                            "credit_widening", "baa_widening", "gold_bid_in_stress"], []),
    "long_usd_ai": (["dxy_trend_break", "dxy_quarter_drop", "usd_and_equities_down", "usd_weak_in_stress",
                     "fed_forced_cuts"], []),
    "long_duration": (["long_yield_breakout", "long_yield_rise", "stock_bond_corr", "bear_steepening", "long_yield_shock",
                       "real_yield_rise"], []),
    "btc_liquidity_bottom": (["btc_bottom_lost", "btc_trend_break", "credit_widening", "btc_liquidity_drain"], ["btc_bottom_lost"]),
    "us_assets_haven": (["usd_and_equities_down", "cross_asset_corr", "hibeta_leading_down", "usd_weak_in_stress",
                        "injection_usd_down", "fed_injection_usd_down"], []),
    "japan_reflation": (["ewj_trend_break", "yen_fast_rise", "jgb_yield_slump"], []),
}


@pytest.fixture(scope="module")
def wl():
    return load_watchlist(None, CATALOG)


def test_bundled_has_every_signal_of_watchlist_md(wl):
    assert set(wl.signals) == set(WATCHLIST_MD_SIGNALS) | set(MANUAL)
    for sid, (direction, warn, breach) in WATCHLIST_MD_SIGNALS.items():
        spec = wl.signals[sid]
        assert (spec.direction, spec.warn, spec.breach) == (direction, pytest.approx(warn), pytest.approx(breach)), sid
        assert spec.persistence == 2
        assert spec.meaning["en"] and spec.meaning["zh-TW"]
    assert wl.manual_signals() == MANUAL


def test_issue_9_rederivation(wl):
    """MOVE invalidates nothing (dashboard only, seed 003); gold chased in stress invalidates the noise thesis;
    the 74,500 level applies from 2025-04; stock-bond correlation runs on weekly returns; Japan has no hard switch."""
    assert not [t for t in wl.theses.values() if "move_stress" in t.invalidation]
    assert "bond_vol" in [line.key for line in wl.regime.lines]
    assert "gold_bid_in_stress" in wl.theses["geopolitical_noise"].invalidation
    assert "gold_bid_in_stress" not in wl.theses["geopolitical_noise"].confirming
    assert str(wl.signals["btc_bottom_lost"].active_from) == "2025-04-01"
    sb = wl.signals["stock_bond_corr"].measure
    assert sb is not None and (sb.period, sb.window) == (5, 26)
    japan = wl.theses["japan_reflation"]
    assert len(japan.invalidation) >= 3 and not japan.hard
    assert wl.theses["us_assets_haven"].position.series == "SPX"
    assert "dollar_debasement_risk_off" not in wl.theses
    assert wl.recovery_dwell_days == 10
    # round 3 (seed 000, 2007-2016 evidence): the long-dollar pain is the seed's "5% over three months"
    assert wl.theses["long_usd_ai"].pain.to_dict() == {"drawdown_pct": 5.0, "within_days": 63, "default": False}
    assert "yen_weakening" in wl.signals and "yen_weakening" not in japan.invalidation


def test_bundled_theses_follow_watchlist_md(wl):
    assert list(wl.theses) == list(THESES)
    for tid, (invalidation, hard) in THESES.items():
        thesis = wl.theses[tid]
        assert list(thesis.invalidation) == invalidation
        assert list(thesis.hard) == hard
        assert thesis.k == 2
        assert thesis.source in ("000", "001", "002", "003", "004")
        for lang in ("en", "zh-TW"):
            assert thesis.name[lang] and len(thesis.rationale[lang]) > 40


def test_default_exits_follow_the_hysteresis_rule(wl):
    move = wl.signals["move_stress"]
    assert move.warn_exit == pytest.approx(116.0)      # 20% of the 20-point gap below 120
    assert move.breach_exit == pytest.approx(130.0)    # midpoint of 120 and 140
    credit = wl.signals["credit_widening"]            # direction below: exits are above the levels
    assert credit.warn_exit == pytest.approx(-1.6)
    assert credit.breach_exit == pytest.approx(-3.0)
    btc = wl.signals["btc_bottom_lost"]
    assert btc.warn == pytest.approx(78225.0)
    assert btc.breach_exit == pytest.approx((78225.0 + 74500.0) / 2)
    assert btc.warn_exit == pytest.approx(78225.0 + 0.2 * 3725.0)


def test_units_follow_the_series(wl):
    assert wl.signals["long_yield_rise"].unit == "pp"
    assert wl.signals["bear_steepening"].unit == "pp"
    assert wl.signals["dxy_quarter_drop"].unit == "%"
    assert wl.signals["long_yield_breakout"].unit == "pp"  # distance of the 30y yield from its 200-day average
    assert wl.signals["cross_asset_corr"].unit == ""
    assert wl.signals["usd_weak_in_stress"].series == ("DXY", "VIX")


def test_thresholds_for_charts(wl):
    assert wl.thresholds_for("MOVE") == [("move_stress", "warn", 120.0), ("move_stress", "breach", 140.0)]
    assert wl.thresholds_for("DXY") == []  # DXY signals are changes, not levels
    assert ("btc_bottom_lost", "breach", 74500.0) in wl.thresholds_for("BTC")


def test_user_file_replaces_the_bundled_one(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(
        """
[[signals]]
id = "vix_high"
kind = "level"
series = "VIX"
direction = "above"
warn = 20
breach = 30
meaning = { en = "VIX high", "zh-TW" = "VIX 偏高" }

[[theses]]
id = "calm_markets"
name = { en = "Calm", "zh-TW" = "平靜" }
rationale = { en = "Markets stay calm", "zh-TW" = "市場保持平靜" }
invalidation = ["vix_high"]
hard = ["vix_high"]
position = { series = "SPX", side = "long" }
""",
        encoding="utf-8",
    )
    wl = load_watchlist(path, CATALOG)
    assert list(wl.signals) == ["vix_high"]
    assert list(wl.theses) == ["calm_markets"]
    assert wl.signals["vix_high"].warn_exit == pytest.approx(18.0)


def _broken(mutate) -> str:
    data = copy.deepcopy(BUNDLED)
    mutate(data)
    with pytest.raises(WatchlistError) as info:
        parse_watchlist(data, CATALOG, "test.toml")
    return str(info.value)


def _signal(data, sid):
    return next(s for s in data["signals"] if s["id"] == sid)


def test_unknown_series_is_named():
    msg = _broken(lambda d: _signal(d, "move_stress").update(series="MOVEX"))
    assert "signal move_stress" in msg and "unknown series 'MOVEX'" in msg


def test_unknown_series_inside_a_condition():
    msg = _broken(lambda d: _signal(d, "usd_weak_in_stress")["conditions"][0].update(series="VIXX"))
    assert "usd_weak_in_stress" in msg and "VIXX" in msg


def test_unknown_kind_is_named():
    msg = _broken(lambda d: _signal(d, "vix_level").update(kind="levels"))
    assert "signal vix_level" in msg and "unknown kind 'levels'" in msg


def test_warn_beyond_breach():
    def mutate(d):
        _signal(d, "credit_widening").update(warn=-4.0, breach=-2.0)
    msg = _broken(mutate)
    assert "signal credit_widening: warn -4 is beyond breach -2" in msg


def test_warn_beyond_breach_above():
    msg = _broken(lambda d: _signal(d, "move_stress").update(warn=150.0))
    assert "signal move_stress: warn 150 is beyond breach 140" in msg


def test_exit_on_the_wrong_side():
    msg = _broken(lambda d: _signal(d, "move_stress").update(breach_exit=145.0))
    assert "move_stress" in msg and "breach_exit 145" in msg


def test_missing_exit_where_no_default_exists():
    def mutate(d):
        s = _signal(d, "move_stress")
        del s["warn"]
    msg = _broken(mutate)
    assert "move_stress" in msg and "breach_exit is missing" in msg


def test_missing_direction():
    def mutate(d):
        del _signal(d, "vix_level")["direction"]
    assert "direction" in _broken(mutate)


def test_thesis_naming_a_missing_signal():
    msg = _broken(lambda d: d["theses"][1]["invalidation"].append("dxy_crash"))
    assert "thesis long_usd_ai" in msg and "'dxy_crash'" in msg


def test_hard_signal_must_be_an_invalidation_signal():
    msg = _broken(lambda d: d["theses"][1].update(hard=["vix_level"]))
    assert "thesis long_usd_ai" in msg and "hard signal vix_level" in msg


def test_thesis_that_could_never_be_invalidated():
    msg = _broken(lambda d: d["theses"][5].update(k=5))
    assert "thesis japan_reflation" in msg and "never be invalidated" in msg


def test_duplicate_signal():
    msg = _broken(lambda d: d["signals"].append(copy.deepcopy(_signal(d, "vix_level"))))
    assert "vix_level is defined twice" in msg


def test_missing_language():
    msg = _broken(lambda d: _signal(d, "vix_level").update(meaning={"en": "only English"}))
    assert "vix_level" in msg and "zh-TW" in msg


def test_wrong_unit_for_series():
    msg = _broken(lambda d: _signal(d, "long_yield_rise").update(unit="%"))
    assert "long_yield_rise" in msg and "unit '%'" in msg


def test_unknown_verdict_and_regime_signal():
    assert "verdict" in _broken(lambda d: d["regime"]["verdicts"][0].update(verdict="panic"))
    msg = _broken(lambda d: d["regime"]["lines"][0].update(signal="nope"))
    assert "usd_in_stress" in msg and "'nope'" in msg


def test_manual_signal_takes_no_thresholds():
    msg = _broken(lambda d: _signal(d, "tariffs_landed").update(warn=1.0))
    assert "tariffs_landed" in msg and "manual" in msg


def test_unknown_key_is_named():
    msg = _broken(lambda d: _signal(d, "vix_level").update(treshold=3))
    assert "vix_level" in msg and "treshold" in msg


def test_unreadable_and_invalid_files(tmp_path):
    with pytest.raises(WatchlistError, match="cannot read watch-list file"):
        load_watchlist(tmp_path / "absent.toml", CATALOG)
    bad = tmp_path / "bad.toml"
    bad.write_text("[[signals]\n", encoding="utf-8")
    with pytest.raises(WatchlistError, match="not valid TOML"):
        load_watchlist(bad, CATALOG)
