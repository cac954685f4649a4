"""The shared argument grammar: good inputs parse to the right numbers, anything else is a GrammarError."""

from __future__ import annotations

import dataclasses
import html
import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regimebot.handlers.scenario import grammar_message
from regimebot.macro.catalog import load_catalog
from regimebot.macro.scenario.grammar import (
    BetQuery,
    BondQuery,
    GrammarError,
    MarginQuery,
    ShockQuery,
    parse_chart,
    parse_corr,
    parse_scenario,
)

CATALOG = load_catalog()
FUNDS = ["TLT", "IEF", "TMF"]


def parse(text):
    return parse_scenario(text.split(), FUNDS, CATALOG)


def test_bond_query():
    q = parse("tlt -100bp +0.5% horizon=6m dur=15.5 cvx=280 yield=4.6%")
    assert isinstance(q, BondQuery)
    assert q.fund == "TLT" and q.shifts_bp == (-100.0, 50.0)
    assert q.horizon.days == 183 and q.horizon.years == 0.5 and q.duration == 15.5 and q.convexity == 280 and q.yield_ == pytest.approx(0.046)
    assert parse("TLT").shifts_bp == ()
    assert parse("TMF −100bp over=12m vol=120 paths=500 seed=3").vol_bp == 120  # phone minus sign


def test_other_queries():
    m = parse("margin lev=2 mm=25% fall=10")
    assert m == MarginQuery(2.0, 0.25, 0.10, True)
    assert parse("margin lev=3x").maintenance == 0.25
    s = parse("shock DXY=-5% US10Y=-100bp lookback=2y")
    assert isinstance(s, ShockQuery) and s.shocks == {"DXY": -0.05, "US10Y": -100.0} and s.lookback.days == 730
    b = parse("bet p=30% up=+35% down=-10%")
    assert isinstance(b, BetQuery) and (b.p, b.up, b.down) == pytest.approx((0.3, 0.35, -0.1))
    assert parse("bet p=30 up=35 down=10").down == pytest.approx(-0.1)


@pytest.mark.parametrize(
    "text, reason, arg",
    [
        ("TLT -abc", "bad_shift", "-abc"),
        ("XYZ -100bp", "unknown_kind", "XYZ"),
        ("margin lev=0", "out_of_range", "0"),
        ("margin lev=2 mm=150%", "out_of_range", "150%"),
        ("margin mm=25%", "missing", "lev="),
        ("shock NOPE=-5%", "unknown_series", "NOPE"),
        ("shock US10Y=-1%", "unit_mismatch", "US10Y=-1%"),
        ("shock DXY=-5bp", "unit_mismatch", "DXY=-5bp"),
        ("shock", "no_shock", ""),
        ("bet p=130% up=35% down=-10%", "out_of_range", "130%"),
        ("bet p=30%", "missing", "up="),
        ("TLT -100bp dur=nan", "bad_value", "nan"),
        ("TLT -100bp dur=1e999", "bad_value", "1e999"),
        ("TLT -100bp horizon=forever", "bad_value", "forever"),
        ("TLT -100bp colour=red", "unknown_key", "colour=red"),
        ("TLT dur=15 dur=16", "duplicate", "dur=16"),
        ("", "empty", ""),
    ],
)
def test_bad_input_names_the_argument(text, reason, arg):
    with pytest.raises(GrammarError) as info:
        parse(text)
    assert info.value.reason == reason
    assert info.value.arg == arg


def test_corr_and_chart():
    q = parse_corr(["tlt", "SPX", "GC=F", "lookback=2y"], CATALOG)
    assert q.series == ("TLT", "SPX", "GOLD") and q.lookback.days == 730
    assert parse_corr([], CATALOG).series == ()
    assert parse_chart(["dxy", "6m"], CATALOG).series == "DXY"
    with pytest.raises(GrammarError):
        parse_chart(["DXY", "forever"], CATALOG)
    with pytest.raises(GrammarError):
        parse_corr(["NOPE"], CATALOG)


WORDS = st.sampled_from(
    ["TLT", "tmf", "IEF", "margin", "shock", "bet", "DXY=-5%", "US10Y=-100bp", "lev=", "mm=", "p=", "=", "%", "bp",
     "-100bp", "+", "-", "−", "1e9", "nan", "inf", "lookback=1y", "horizon=", "over=12m", "vol=", "x", "0", "999999999"]
)
TOKENS = st.lists(st.one_of(WORDS, st.text(max_size=12), WORDS.flatmap(lambda w: st.text(max_size=4).map(lambda t: w + t))), max_size=8)


@settings(max_examples=400, deadline=None)
@given(TOKENS)
def test_random_words_parse_or_raise_grammar_error_only(words):
    for parser in (lambda w: parse_scenario(w, FUNDS, CATALOG), lambda w: parse_corr(w, CATALOG), lambda w: parse_chart(w, CATALOG)):
        try:
            query = parser(words)
        except GrammarError as err:
            for lang in ("en", "zh-TW"):  # every refusal has a message naming what was wrong, in both languages
                text = grammar_message(lang, err).replace(html.escape(err.arg[:40], quote=False), "")
                assert text.strip() and not re.search(r"\{\w*\}", text), (lang, err.reason)  # no unfilled placeholder
            continue
        assert not [n for n in _numbers(query) if not math.isfinite(n)], query  # "nan"/"inf" never get through


def _numbers(value):
    """Every number inside a parsed query (dataclass fields, mappings, tuples)."""
    if isinstance(value, bool):
        return []
    if isinstance(value, (int, float)):
        return [float(value)]
    if dataclasses.is_dataclass(value):
        return [n for f in dataclasses.fields(value) for n in _numbers(getattr(value, f.name))]
    if isinstance(value, dict) or hasattr(value, "values") and callable(value.values):
        return [n for v in value.values() for n in _numbers(v)]
    if isinstance(value, (tuple, list)):
        return [n for v in value for n in _numbers(v)]
    return []
