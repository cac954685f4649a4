"""Portfolio weights (pure) and their storage per chat."""

from __future__ import annotations

import pytest

from regimebot.macro.catalog import load_catalog
from regimebot.macro.portfolio import PortfolioError, add_holdings, normalise, parse_names, parse_weights, remove_holdings
from regimebot.storage.store import Store

CATALOG = load_catalog()


def test_parse_and_normalise():
    book = parse_weights("TLT 30 DXY 20 GOLD 15 EWJ 15 BTC 20".split(), CATALOG)
    assert book == {"TLT": 30, "DXY": 20, "GOLD": 15, "EWJ": 15, "BTC": 20}
    assert parse_weights(["tlt=3", "GC=F:1%"], CATALOG) == {"TLT": 3, "GOLD": 1}
    shares = normalise({"TLT": 3, "GOLD": 1})
    assert shares == {"TLT": 0.75, "GOLD": 0.25}
    assert sum(normalise(book).values()) == pytest.approx(1.0)


@pytest.mark.parametrize(
    "words, reason",
    [
        (["TLT"], "missing_weight"),
        (["TLT", "abc"], "bad_weight"),
        (["TLT", "-5"], "bad_weight"),
        (["TLT", "0"], "bad_weight"),
        (["NOPE", "5"], "unknown_series"),
        (["US10Y", "5"], "not_holdable"),
        (["TLT", "5", "tlt", "6"], "duplicate"),
        ([], "empty"),
    ],
)
def test_bad_weights(words, reason):
    with pytest.raises(PortfolioError) as info:
        parse_weights(words, CATALOG)
    assert info.value.reason == reason


def test_add_and_remove():
    book = {"TLT": 30.0, "GOLD": 15.0}
    assert add_holdings(book, {"BTC": 5.0, "TLT": 10.0}) == {"TLT": 10.0, "GOLD": 15.0, "BTC": 5.0}
    assert remove_holdings(book, parse_names(["gold"], CATALOG)) == {"TLT": 30.0}
    with pytest.raises(PortfolioError):
        remove_holdings(book, ["SPX"])


def test_storage_round_trip_per_chat():

    store = Store.open()
    assert store.portfolios.load_portfolio(-100) == {}
    store.portfolios.save_portfolio(-100, {"TLT": 30.0, "DXY": 20.0, "BTC": 5.0})
    store.portfolios.save_portfolio(42, {"GOLD": 1.0})
    assert list(store.portfolios.load_portfolio(-100).items()) == [("TLT", 30.0), ("DXY", 20.0), ("BTC", 5.0)]
    store.portfolios.save_portfolio(-100, {"SPX": 2.0})
    assert store.portfolios.load_portfolio(-100) == {"SPX": 2.0}
    assert store.portfolios.clear_portfolio(-100) == 1
    assert store.portfolios.load_portfolio(-100) == {} and store.portfolios.load_portfolio(42) == {"GOLD": 1.0}
