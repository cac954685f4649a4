"""Issue 13: one percent-key rule in chat and CLI, warnings beyond history, margin and Kelly edges, the TMF bands."""

from __future__ import annotations

import json

import numpy as np
import pytest

from regimebot.bot.cli import main
from regimebot.macro.scenario.bets import bet_scenario
from regimebot.macro.scenario.bonds import fit_ladder
from regimebot.macro.scenario.grammar import GrammarError, parse_scenario
from regimebot.macro.scenario.leveraged import leveraged_scenario
from regimebot.macro.scenario.margin import margin_scenario
from regimebot.macro.scenario.presets import history_bound
from tests.test_scenario_bonds import dcf_price
from tests.test_scenario_cli import env  # noqa: F401  (fixture)
from tests.test_scenario_handlers import CATALOG, ask, services  # noqa: F401  (fixture)

FUNDS = ["TLT", "IEF", "TMF"]


@pytest.mark.parametrize(
    "words, key, shown",
    [
        ("margin lev=2 mm=0.25", "mm", "25"),
        ("margin lev=2 fall=0.1", "fall", "10"),
        ("bet p=0.3 up=35% down=-10%", "p", "30"),
        ("bet p=30% up=0.35 down=-10%", "up", "35"),
        ("bet p=30% up=35% down=-0.1", "down", "-10"),
        ("TLT -100bp yield=0.046", "yield", "4.6"),
        ("TMF -100bp fee=0.5", "fee", "50"),
        ("TMF -100bp fin=0.04", "fin", "4"),
        ("bet p=30% up=35% down=-10% max=0.25", "max", "25"),
    ],
)
def test_a_bare_fraction_for_a_percent_key_is_refused_with_both_readings(words, key, shown, services):  # noqa: F811
    with pytest.raises(GrammarError) as err:
        parse_scenario(words.split(), FUNDS, CATALOG)
    assert err.value.reason == "ambiguous_percent" and err.value.key == key and err.value.percent == shown
    value = err.value.arg
    text = ask(services, "/scenario " + words).text
    assert f"did you mean {shown}%? Write {key}={shown}% or {key}={value}%" in text
    zh = ask(services, "/scenario " + words, lang="zh-TW").text
    assert f"你是指 {shown}% 嗎？請寫 {key}={shown}% 或 {key}={value}%" in zh


def test_percent_forms_that_stay_allowed():
    assert parse_scenario("margin lev=2 mm=25".split(), FUNDS, CATALOG).maintenance == pytest.approx(0.25)
    assert parse_scenario("margin lev=2 mm=25%".split(), FUNDS, CATALOG).maintenance == pytest.approx(0.25)
    assert parse_scenario("margin lev=2 mm=0.25%".split(), FUNDS, CATALOG).maintenance == pytest.approx(0.0025)
    assert parse_scenario("margin lev=2 mm=0".split(), FUNDS, CATALOG).maintenance == 0.0
    assert parse_scenario("TLT yield=4.6".split(), FUNDS, CATALOG).yield_ == pytest.approx(0.046)


def test_cli_margin_with_a_bare_fraction_exits_2_with_the_two_readings(env, capsys):  # noqa: F811
    assert main(["scenario", "margin", "lev=2", "mm=0.25"]) == 2
    err = capsys.readouterr().err
    assert "mm=0.25: did you mean 25%? Write mm=25% or mm=0.25%." in err


def test_warnings_beyond_history_in_both_languages(services):  # noqa: F811
    bound = history_bound()
    assert (bound.fall_bp, bound.rise_bp) == (207, 248) and bound.fall_end == "2008-12-26"
    text = ask(services, "/scenario TLT -600bp").text
    assert "-600bp is beyond history" in text and "207bp (to 2008-12-26)" in text
    assert "takes the yield to -1.2%" in text  # 4.8% − 6 points
    zh = ask(services, "/scenario TLT -600bp", lang="zh-TW").text
    assert "超出歷史經驗" in zh and "低於零" in zh
    rise = ask(services, "/scenario TLT +300bp").text
    assert "+300bp is beyond history" in rise and "248bp (to 2022-11-09)" in rise
    quiet = ask(services, "/scenario TLT -200bp").text
    assert "beyond history" not in quiet and "below zero" not in quiet
    tmf = ask(services, "/scenario TMF -300bp paths=100").text
    assert "beyond history" in tmf
    lev = ask(services, "/scenario margin lev=20").text
    assert "above 10x" in lev and "10 倍" in ask(services, "/scenario margin lev=20", lang="zh-TW").text
    for p, words in (("0%", "cannot win"), ("100%", "cannot lose")):
        assert words in ask(services, f"/scenario bet p={p} up=35% down=-10%").text


def test_margin_edges():
    at = margin_scenario(4.0, 0.25)  # equity 25% of assets = maintenance 25%: exactly at it, not below
    assert at.status == "at" and at.as_dict()["margin_call_fall_pct"] == 0.0
    below = margin_scenario(100.0, 0.25).as_dict()  # equity 1% < 25%: the call is due, not "a −32% fall"
    assert below["status"] == "below" and below["margin_call_fall_pct"] is None
    assert below["warnings"][0]["warning"] == "high_leverage"
    none = margin_scenario(1.0, 0.25, 1.0)  # no loan: assets at zero owe nothing
    assert none.status == "no_debt" and none.as_dict()["margin_call_fall_pct"] is None
    assert none.after is not None and none.after.status == "worthless" and not none.after.margin_call
    assert none.after.equity_change == pytest.approx(-1.0)
    owed = margin_scenario(2.0, 0.25, 0.6).after  # assets 0.4 < loan 0.5: short 0.1 of 0.5 starting equity
    assert owed is not None and owed.status == "wiped_out" and owed.equity_change == pytest.approx(-1.2)
    above = margin_scenario(2.0, 0.25)
    assert above.status == "above" and above.as_dict()["margin_call_fall_pct"] == pytest.approx(100 / 3)


def test_margin_edge_texts(services):  # noqa: F811
    assert "exactly at the maintenance margin" in ask(services, "/scenario margin lev=4 mm=25%").text
    assert "already" not in ask(services, "/scenario margin lev=4 mm=25%").text
    assert "the call is due now" in ask(services, "/scenario margin lev=100 mm=25%").text
    worthless = ask(services, "/scenario margin lev=1 fall=100%").text
    assert "nothing more is owed" in worthless and "loan" in worthless and "less than the loan" not in worthless
    assert "shortfall 20.0% of the starting equity" in ask(services, "/scenario margin lev=2 fall=60%").text


def test_kelly_edges():
    sure = bet_scenario(1.0, 0.35, -0.10)  # cannot lose: no finite Kelly stake, no "a full-Kelly loss costs 100%"
    assert sure.kelly is None and sure.kelly_loss is None and sure.as_dict()["kelly_pct"] is None
    assert sure.caveats[0].key == "certain_win"
    hopeless = bet_scenario(0.0, 0.35, -0.10)  # cannot win: stake 0, not −285.7%
    assert hopeless.kelly == 0.0 and hopeless.as_dict()["kelly_pct"] == 0.0 and not hopeless.edge
    assert hopeless.caveats[0].key == "certain_loss"
    tiny = bet_scenario(0.3, 0.0035, -0.001)
    assert tiny.kelly == pytest.approx(0.3 / 0.001 - 0.7 / 0.0035)


def test_kelly_edge_texts(services):  # noqa: F811
    sure = ask(services, "/scenario bet p=100% up=35% down=-10%").text
    assert "no finite stake" in sure and "costs 100%" not in sure
    hopeless = ask(services, "/scenario bet p=0% up=35% down=-10%").text
    assert "do not bet (stake 0%)" in hopeless and "-285" not in hopeless
    small = ask(services, "/scenario bet p=30% up=0.35% down=-0.1%").text
    assert "+0.35%" in small and "-0.1%" in small and "+0%" not in small  # inputs are shown as typed


def test_tmf_bands_pinned_and_unpinned():
    ladder = fit_ladder(16.3, 0.048)
    calm = leveraged_scenario("TMF", ladder, 0.048, -100, vol_bp=0.0, paths=50)
    assert calm.fund_unpinned == calm.fund_outcome  # no volatility: both are the straight path
    wild = leveraged_scenario("TMF", ladder, 0.048, -100, vol_bp=100.0, paths=2000, seed=11)
    assert wild.fund_unpinned.p5 < wild.fund_outcome.p5 and wild.fund_unpinned.p95 > wild.fund_outcome.p95
    # Independently: the unpinned end yield is normal around y0−1% with sd 1%·√1; the underlying's total return is
    # close to a function of the end yield (its price at that yield plus carry), so its 5%/95% sit near the price
    # at the end-yield quantiles ±1.645 sd.
    z = 1.6448536
    for q, end_yield in ((wild.underlying_unpinned.p5, 0.038 + z * 0.01), (wild.underlying_unpinned.p95, 0.038 - z * 0.01)):
        price = dcf_price(ladder.maturities, ladder.coupon, end_yield) / dcf_price(ladder.maturities, ladder.coupon, 0.048) - 1
        assert q == pytest.approx(price + 0.043, abs=0.02)
    assert np.isfinite([wild.fund_unpinned.p5, wild.fund_unpinned.p50, wild.fund_unpinned.p95]).all()


def test_tmf_text_labels_both_bands(services, capsys, env):  # noqa: F811
    text = ask(services, "/scenario TMF -100bp paths=200").text
    assert "given end" in text and "range" in text and "path dependence only" in text and "a risk range" in text
    assert main(["scenario", "TMF", "-100bp", "paths=200", "--json"]) == 0
    (one,) = json.loads(capsys.readouterr().out)["scenarios"]
    assert set(one["fund_unpinned"]) == {"p5_pct", "p50_pct", "p95_pct"}
    assert "pinned" in one["fund_outcome_label"] and "unpinned" in one["fund_unpinned_label"]
