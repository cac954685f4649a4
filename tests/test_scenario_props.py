"""Issue 13, property: for any input the grammar accepts, every scenario answer is finite (or null), or refused
with a ScenarioError — never NaN, ±inf or a crash — and it renders in both languages."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regimebot.handlers.messages.scenario import format_bet, format_bond, format_leveraged, format_margin
from regimebot.macro.catalog import load_catalog
from regimebot.macro.scenario import ScenarioError
from regimebot.macro.scenario.bets import DEFAULT_MAX_STAKE, bet_scenario
from regimebot.macro.scenario.funds import run_bond
from regimebot.macro.scenario.grammar import BetQuery, BondQuery, GrammarError, MarginQuery, parse_scenario
from regimebot.macro.scenario.margin import margin_scenario
from regimebot.macro.scenario.presets import load_presets

CATALOG = load_catalog()
PRESETS = load_presets()
BAD_NUMBER = re.compile(r"\b(nan|inf)\b", re.IGNORECASE)

number = st.one_of(
    st.integers(-2000, 2000).map(str),
    st.floats(-1200, 1200, allow_nan=False).map(lambda v: f"{v:.6g}"),
    st.sampled_from(["0", "0.0001", "0.5", "1", "99.9", "100", "1e3", ".5", "-0"]),
)
percent = st.one_of(number, number.map(lambda v: v + "%"))
shift = st.one_of(number.map(lambda v: v + "bp"), number.map(lambda v: v + "%"))


def within(lo: float, hi: float, suffix: str = "%") -> st.SearchStrategy[str]:
    """Mostly numbers the grammar accepts (the edges included), sometimes anything."""
    inside = st.one_of(st.sampled_from([lo, hi]), st.floats(lo, hi, allow_nan=False)).map(lambda v: f"{v:.6g}{suffix}")
    return st.one_of(inside, inside, inside, percent)


def option(key: str, values: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return values.map(lambda v: f"{key}={v}")


bond_words = st.tuples(
    st.sampled_from(["TLT", "IEF"]),
    st.lists(shift, max_size=3),
    st.lists(st.one_of(option("dur", number), option("cvx", number), option("yield", percent),
                       option("horizon", st.sampled_from(["1d", "3m", "12m", "5y", "10y"]))), max_size=3),
).map(lambda t: [t[0], *t[1], *t[2]])

leveraged_words = st.tuples(
    st.lists(shift, min_size=1, max_size=2),
    st.lists(st.one_of(option("vol", number), option("fee", percent), option("fin", percent), option("dur", number),
                       option("yield", percent), option("lev", number), option("seed", st.integers(0, 99).map(str)),
                       option("over", st.sampled_from(["1d", "30d", "6m", "12m"]))), max_size=4),
).map(lambda t: ["TMF", *t[0], "paths=100", *t[1]])  # paths kept small: the property is about values, not speed

margin_words = st.lists(st.one_of(option("lev", within(1, 100, "")), option("mm", within(0, 99.9)), option("fall", within(0, 100))),
                        max_size=3).map(lambda w: ["margin", "lev=2", *w] if not any(x.startswith("lev=") for x in w) else ["margin", *w])

bet_words = st.tuples(within(0, 100), within(0.0001, 10000), within(-100, -0.0001), st.one_of(st.none(), within(0.0001, 1000))).map(
    lambda t: ["bet", f"p={t[0]}", f"up={t[1]}", f"down={t[2]}", *([f"max={t[3]}"] if t[3] else [])])


def numbers(value: Any) -> Iterator[float]:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return
    if isinstance(value, int | float):
        yield float(value)
    elif isinstance(value, dict):
        for item in value.values():
            yield from numbers(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from numbers(item)


def answer(words: list[str]) -> tuple[list[dict[str, Any]], list[str]] | None:
    """(JSON objects, texts in both languages), or None when the grammar or the model refuses."""
    try:
        query = parse_scenario(words, list(PRESETS), CATALOG)
    except GrammarError:
        return None
    try:
        if isinstance(query, BondQuery):
            run = run_bond(query, PRESETS)
            if run.bond is not None:
                payload = [run.bond.as_dict(), *(c.as_dict() for c in run.claims)]
                return payload, [format_bond(lang, run, query.horizon.text) for lang in ("en", "zh-TW")]
            return [a.as_dict() for a in run.leveraged], [format_leveraged(lang, run, query.horizon.text) for lang in ("en", "zh-TW")]
        if isinstance(query, MarginQuery):
            margin = margin_scenario(query.leverage, query.maintenance, query.fall)
            return [margin.as_dict()], [format_margin(lang, margin, not query.maintenance_given) for lang in ("en", "zh-TW")]
        assert isinstance(query, BetQuery)
        bet = bet_scenario(query.p, query.up, query.down, query.max_stake or DEFAULT_MAX_STAKE)
        return [bet.as_dict()], [format_bet(lang, bet) for lang in ("en", "zh-TW")]
    except ScenarioError as exc:
        assert exc.key  # a refusal names its reason (rendered from the catalogs)
        return None


def check(words: list[str]) -> None:
    result = answer(words)
    if result is None:
        return
    payloads, texts = result
    for payload in payloads:
        bad = [v for v in numbers(payload) if not math.isfinite(v)]
        assert not bad, (words, payload)
    for text in texts:
        assert not BAD_NUMBER.search(text), (words, text)


PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPS
@given(bond_words)
def test_bond_answers_are_finite_or_refused(words):
    check(words)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(leveraged_words)
def test_leveraged_answers_are_finite_or_refused(words):
    check(words)


@PROPS
@given(margin_words)
def test_margin_answers_are_finite_or_refused(words):
    check(words)


@PROPS
@given(bet_words)
def test_bet_answers_are_finite_or_refused(words):
    check(words)


def test_the_extremes_are_answered_finitely():
    for words in (["TLT", "-1000bp", "yield=-2%"], ["TLT", "+1000bp", "dur=40"], ["IEF", "-1000bp", "horizon=10y", "yield=20%"],
                  ["TMF", "-1000bp", "paths=100", "vol=1000", "over=12m"], ["margin", "lev=100", "mm=99.9%", "fall=100%"],
                  ["bet", "p=100%", "up=0.0001%", "down=-100%"], ["bet", "p=0%", "up=10000%", "down=-0.0001%"]):
        check(words)
