"""Each data source's last success and last error: stored per refresh (migration 10), shown by fetch and /status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from regimebot.handlers.messages.sources import format_sources, source_line
from regimebot.storage.store import Store
from tests.chat_world import ask, generated_closes, make_services

T0 = datetime(2026, 3, 2, 21, 0, tzinfo=UTC)


def test_a_source_keeps_its_last_success_through_failures_and_its_last_error_through_successes(memory_store):
    prices = memory_store.prices
    prices.record_source("fred", {"WALCL": None, "NFCI": None}, T0)
    prices.record_source("yahoo", {"DXY": "no data", "TLT": "no data", "VIX": None, "SPX": "timeout"}, T0)
    prices.record_source("fred", {"WALCL": "HTTP 503", "NFCI": "HTTP 503"}, T0 + timedelta(hours=1))
    status = {s.source: s for s in prices.source_status()}
    fred, yahoo = status["fred"], status["yahoo"]
    assert (fred.failing, fred.series, fred.succeeded_at, fred.failed_at) == (2, 2, T0, T0 + timedelta(hours=1))
    assert fred.error == "HTTP 503" and not fred.ok
    assert (yahoo.failing, yahoo.succeeded_at, yahoo.error) == (3, T0, "no data")
    prices.record_source("fred", {"WALCL": None, "NFCI": None}, T0 + timedelta(hours=2))
    fred = {s.source: s for s in prices.source_status()}["fred"]
    assert fred.ok and fred.succeeded_at == T0 + timedelta(hours=2) and fred.error == "HTTP 503"  # the last error is kept


def test_source_lines_in_both_languages(memory_store):
    prices = memory_store.prices
    prices.record_source("fred", {"WALCL": None}, T0)
    prices.record_source("yahoo", {"DXY": "no data", "TLT": "no data", "VIX": "no <data>", "SPX": None}, T0 - timedelta(hours=3))
    prices.record_source("treasury", {"BUYBACKS": "Fiscal Data answered HTTP 503"}, T0)
    now = T0 + timedelta(minutes=2)
    fred, yahoo, treasury = prices.source_status()
    assert source_line("en", fred, now) == "FRED: ok 2 min ago"
    assert source_line("en", yahoo, now) == "Yahoo: 3 series failing (last ok 3 h ago): no data"
    assert source_line("en", treasury, now, html_mode=False) == "Treasury: 1 series failing, never ok: Fiscal Data answered HTTP 503"
    assert source_line("zh-TW", fred, now) == "FRED：正常（2 分鐘前）"
    assert source_line("zh-TW", yahoo, now + timedelta(days=2)) == "Yahoo：3 個序列失敗（上次成功 2 天前）：no data"
    assert format_sources("en", [], now) == ["<b>Sources</b>", "No source has been fetched yet."]


def test_an_error_is_escaped_for_telegram_html(memory_store):
    memory_store.prices.record_source("mof", {"JGB10Y": "<html>refused</html>"}, T0)
    line = source_line("en", memory_store.prices.source_status()[0], T0)
    assert line == "MoF: 1 series failing, never ok: &lt;html&gt;refused&lt;/html&gt;"


def test_status_shows_each_source():
    services = make_services({k: v for k, v in generated_closes().items() if k != "MOVE"})
    text = ask(services, "/status").text
    assert "<b>Sources</b>" in text
    assert "generated: 1 series failing (last ok just now): no data for symbol ^MOVE" in text


def test_the_in_memory_price_cache_has_the_source_table():
    store = Store.open()
    try:
        store.prices.record_source("fred", {"WALCL": None}, T0)
        assert [s.source for s in store.prices.source_status()] == ["fred"]
    finally:
        store.close()
