"""/scenario /portfolio /corr /chart through the registry, on real SQLite and generated markets."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regimebot.handlers import load_commands
from regimebot.handlers.messages.reply import Reply
from regimebot.handlers.registry import REGISTRY, Chat, Request
from regimebot.macro.catalog import load_catalog
from regimebot.macro.market import Market, make_closes
from regimebot.macro.signal_specs import SignalSpec
from regimebot.macro.watchlist import RegimeSpec, Watchlist
from regimebot.storage.store import Store
from tests.chat_world import services_over
from tests.test_scenario_bonds import dcf_horizon_total, dcf_price

load_commands()
CATALOG = load_catalog()
PRIVATE = Chat(id=500, type="private")
GROUP = Chat(id=-100300, type="supergroup", title="Desk")
ALLOWED_TAGS = re.compile(r"</?(b|i|pre|code)>")


class FakeMarketData:
    source = "test"

    def __init__(self, market: Market) -> None:
        self._market = market

    def market(self) -> Market:
        return self._market




# A real watch list with one level signal on DXY: warn at 99 (on the chart), breach at 1000 (off it).
DXY_LEVELS = Watchlist(
    signals={"usd_break": SignalSpec(id="usd_break", kind="level", series=("DXY",), direction="above", warn=99.0, breach=1000.0,
                                     warn_exit=None, breach_exit=None, persistence=1, meaning={"en": "test"}, unit="")},
    theses={}, regime=RegimeSpec(lines=(), verdicts=(), require=()),
)


def generated_market(days: int = 600, seed: int = 4) -> Market:
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range(end="2026-03-02", periods=days)
    common = rng.normal(0, 0.008, days)
    series = {}
    for s in CATALOG.downloadable():
        if s.kind == "yield":
            series[s.id] = pd.Series(4.0 + np.cumsum(rng.normal(0, 0.05, days)), index=dates)
        else:
            beta = {"SPX": 1.0, "SPHB": 1.4, "EWJ": 0.8, "DXY": -0.3}.get(s.id, 0.0)
            series[s.id] = pd.Series(100 * np.exp(np.cumsum(beta * common + rng.normal(0, 0.006, days))), index=dates)
    return Market(make_closes(series, CATALOG), "generated test data", simulated=True)


MARKET = generated_market()


@pytest.fixture
def services():
    store = Store.open()
    return services_over(store, market_data=FakeMarketData(MARKET), watchlist=DXY_LEVELS)


def ask(services, line: str, chat: Chat = PRIVATE, lang: str = "en", is_admin: bool = False) -> Reply:
    name, *args = line.lstrip("/").split()
    req = Request(command=name, args=tuple(args), chat=chat, user_id=7, lang=lang, services=services, is_admin=is_admin)
    reply = REGISTRY.get(name).handler(req)
    assert isinstance(reply, Reply)
    check_html(reply.text)
    return reply


def check_html(text: str) -> None:
    """Only simple tags, balanced; no stray < > (dynamic values escaped)."""
    for tag in ("b", "i", "pre"):
        assert text.count(f"<{tag}>") == text.count(f"</{tag}>"), text
    bare = ALLOWED_TAGS.sub("", text)
    assert "<" not in bare and ">" not in bare, text


def test_bond_headline_is_the_exact_ladder_repricing(services):
    text = ask(services, "/scenario TLT -100bp").text
    assert "16.3y" in text and "4.80%" in text and "350 years²" in text  # inputs
    assert "iShares fact sheet (approximate)" in text and "as of 2025" in text
    match = re.search(r"(\d+)–(\d+)y ladder, ([\d.]+)% coupons", text)
    lo, hi, coupon = int(match.group(1)), int(match.group(2)), float(match.group(3)) / 100
    exact = dcf_price(range(lo, hi + 1), coupon, 0.038) / dcf_price(range(lo, hi + 1), coupon, 0.048) - 1
    row = re.search(r"-100bp\s+([+-][\d.]+)%\s+([+-][\d.]+)%\s+([+-][\d.]+)%\s+([+-][\d.]+)%", text)
    price, taylor, carry, total = (float(row.group(i)) for i in range(1, 5))
    assert price == pytest.approx(exact * 100, abs=0.06)  # coupon shown rounded to 0.01%
    assert taylor == pytest.approx((16.3 * 0.01 + 0.5 * 350 * 0.0001) * 100, abs=0.051)
    exact_total = dcf_horizon_total(range(lo, hi + 1), coupon, 0.048, -0.01, 1.0)
    assert total == pytest.approx(exact_total * 100, abs=0.06) and total == pytest.approx(price + carry, abs=0.11)
    assert "The article “The most crowded short in history" in text and "late 2025" in text  # named, not numbered
    assert "Seed" not in text and "002" not in text


def test_bond_table_without_shift_and_overrides(services):
    text = ask(services, "/scenario tlt dur=14.8 yield=4.6% cvx=303 horizon=6m").text
    for bp in (-200, -150, -100, -50, 50, 100, 150, 200):
        assert f"{bp:+d}bp" in text
    assert "14.8y" in text and "4.60%" in text and "303 years²" in text and "horizon 6m" in text
    assert "claims" not in text  # not the article's inputs (15.5y): no verdict
    own = ask(services, "/scenario tlt dur=15.5 yield=4.55%").text
    # judged on the article's own 15.5y and 4.4–4.7%: −100bp lands in the upper half, −150 and −200bp at the bottom
    assert own.count("claimed") == 3 and own.count("in the lower half") == 2 and own.count("in the upper half") == 1
    assert "-100bp: claimed +15–18%, model +17.3% — in the upper half" in own
    assert "IEF" in ask(services, "/scenario IEF -50bp").text


def test_leveraged_fund_shows_paths_and_percentiles(services):
    text = ask(services, "/scenario TMF -100bp over=12m vol=120 paths=400").text
    assert "400 simulated yield paths (seed 7)" in text and "120bp" in text
    assert "5%" in text and "50%" in text and "95%" in text and "3× TLT" in text
    assert "1.00% a year in fees" in text and "volatility drag" in text
    long = ask(services, "/scenario TMF -100bp over=10y").text  # fewer paths keep memory bounded, and it says so
    assert "793 simulated yield paths" in long
    too_many = ask(services, "/scenario TMF -100bp over=10y paths=20000").text
    assert "at most 793" in too_many and "Usage: /scenario" in too_many


def test_margin_and_bet_hand_worked(services):
    text = ask(services, "/scenario margin lev=2 mm=25%").text
    assert "<b>33.3%</b>" in text
    text = ask(services, "/scenario margin lev=2 mm=25% fall=10%").text
    assert "equity -20.0%, leverage 2.25x" in text and "no margin call yet" in text
    assert "assumed" in ask(services, "/scenario margin lev=3").text
    text = ask(services, "/scenario bet p=30% up=+35% down=-10%").text
    assert "+3.5%" in text and "22.2%" in text and "100.0% of capital" in text and "⚠️" in text


@pytest.mark.parametrize(
    "line, wrong",
    [
        ("/scenario TLT -abc", "-abc"),
        ("/scenario NOPE -100bp", "NOPE"),
        ("/scenario margin lev=0", "lev"),
        ("/scenario margin lev=2 mm=150%", "150%"),
        ("/scenario shock NOSUCH=-5%", "NOSUCH"),
        ("/scenario TLT -100bp <b>x</b>", "&lt;b&gt;x&lt;/b&gt;"),
        ("/scenario bet p=30%", "up="),
    ],
)
def test_bad_input_answers_usage_and_what_was_wrong(services, line, wrong):
    text = ask(services, line).text
    assert text.startswith("⚠️") and "Usage: /scenario" in text and wrong in text


def test_shock_needs_a_portfolio_then_uses_betas(services):
    text = ask(services, "/scenario shock DXY=-5% US10Y=-100bp").text
    assert "no portfolio" in text and "Usage:" in text
    ask(services, "/portfolio set SPX 50 SPHB 30 DXY 20")
    text = ask(services, "/scenario shock DXY=-5% US10Y=-100bp lookback=1y").text
    assert "lookback 1y" in text and "R²" in text
    assert "DXY      20%   -5.0%   -1.0%" in text  # a shocked holding moves by its shock
    closes = MARKET.closes[["DXY", "US10Y", "SPX", "SPHB"]].dropna()
    changes = pd.DataFrame({"DXY": closes["DXY"].pct_change(), "US10Y": closes["US10Y"].diff() * 100, "SPX": closes["SPX"].pct_change()})
    changes = changes.loc[changes.index > closes.index[-1] - pd.Timedelta(days=365)]  # the last 365 days of changes
    x = np.column_stack([np.ones(len(changes)), changes["DXY"], changes["US10Y"]])
    coef = np.linalg.lstsq(x, changes["SPX"].to_numpy(), rcond=None)[0]
    assert f"SPX    {coef[1]:>+7.2f} {coef[2] * 10_000:>+7.2f}" in text  # β per 1% DXY, per 100bp US10Y
    move = coef[1] * -0.05 + coef[2] * -100
    assert f"SPX      50% {move * 100:>+6.1f}%" in text
    assert "SIMULATED" in text


def test_portfolio_in_a_group_needs_an_admin(services):
    refused = ask(services, "/portfolio set TLT 30 GOLD 10", chat=GROUP, is_admin=False).text
    assert "administrator" in refused
    assert services.store.portfolios.load_portfolio(GROUP.id) == {}
    shown = ask(services, "/portfolio show", chat=GROUP, is_admin=False).text  # reading is fine
    assert "No holdings" in shown
    saved = ask(services, "/portfolio set TLT 30 GOLD 10", chat=GROUP, is_admin=True).text
    assert "75.0%" in saved and "25.0%" in saved and "shared" in saved
    ask(services, "/portfolio add BTC 40", chat=GROUP, is_admin=True)
    ask(services, "/portfolio remove gold", chat=GROUP, is_admin=True)
    assert services.store.portfolios.load_portfolio(GROUP.id) == {"TLT": 30.0, "BTC": 40.0}
    bad = ask(services, "/portfolio set TLT abc", chat=GROUP, is_admin=True).text
    assert "abc" in bad and "Usage: /portfolio" in bad
    assert services.store.portfolios.load_portfolio(GROUP.id) == {"TLT": 30.0, "BTC": 40.0}
    ask(services, "/portfolio clear", chat=GROUP, is_admin=True)
    assert services.store.portfolios.load_portfolio(GROUP.id) == {}


def test_corr_text_and_heatmap_match_numpy(services):
    reply = ask(services, "/corr TLT SPX GOLD DXY")
    assert reply.image is not None and reply.image.startswith(b"\x89PNG")
    closes = MARKET.closes[["TLT", "SPX", "GOLD", "DXY"]].dropna()
    window = closes.loc[closes.index > closes.index[-1] - pd.Timedelta(days=365)]
    expected = np.corrcoef(closes.pct_change().loc[window.index[1:]].to_numpy().T)
    row = re.search(r"SPX\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)", reply.text)
    assert [float(row.group(i)) for i in range(1, 5)] == pytest.approx(list(expected[1]), abs=0.006)
    assert "Effective independent bets" in reply.text and "Diversification ratio" in reply.text
    assert "SIMULATED" in reply.text


def test_corr_defaults_to_the_portfolio(services):
    text = ask(services, "/corr").text
    assert "portfolio" in text and "Usage: /corr" in text
    ask(services, "/portfolio set SPX 50 SPHB 30 GOLD 20")
    reply = ask(services, "/corr lookback=6m")
    assert "with your weights" in reply.text and "6m" in reply.text
    assert "SPX–SPHB" in reply.text  # built to move together: the same bet
    assert "Unknown series" in ask(services, "/corr NOPE SPX").text


def test_chart_draws_thresholds(services):
    reply = ask(services, "/chart DXY 6m")
    assert reply.image.startswith(b"\x89PNG") and reply.image_name == "dxy.png"
    assert "usd_break warn 99" in reply.text and "not drawn" in reply.text  # breach at 1000 is off the chart
    assert "Usage: /chart" in ask(services, "/chart NOPE").text
    assert "Usage: /chart" in ask(services, "/chart DXY forever").text


def test_traditional_chinese(services):
    assert "存續期間" in ask(services, "/scenario TLT -100bp", lang="zh-TW").text
    assert "追繳" in ask(services, "/scenario margin lev=2 mm=25%", lang="zh-TW").text
    assert "凱利" in ask(services, "/scenario bet p=30% up=35% down=-10%", lang="zh-TW").text
    assert "用法" in ask(services, "/scenario TLT -abc", lang="zh-TW").text or "⚠️" in ask(services, "/scenario TLT -abc", lang="zh-TW").text


ARGS = st.lists(
    st.one_of(
        st.sampled_from(["TLT", "TMF", "margin", "shock", "bet", "set", "add", "remove", "show", "clear", "DXY", "SPX", "lev=2",
                         "mm=150%", "p=30%", "up=35%", "down=-10%", "DXY=-5%", "US10Y=-100bp", "-100bp", "6m", "lookback=1y",
                         "paths=100", "<b>", "&", "30", "x=", "="]),
        st.text(max_size=10),
    ),
    max_size=6,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(["scenario", "portfolio", "corr", "chart"]), ARGS, st.sampled_from(["en", "zh-TW"]), st.booleans())
def test_random_arguments_never_raise(services, command, args, lang, in_group):
    chat = GROUP if in_group else PRIVATE
    req = Request(command=command, args=tuple(args), chat=chat, user_id=7, lang=lang, services=services, is_admin=not in_group)
    reply = REGISTRY.get(command).handler(req)
    assert isinstance(reply, Reply) and reply.text
    check_html(reply.text)
