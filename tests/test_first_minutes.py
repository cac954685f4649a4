"""A new bot's first minutes: /dxy, /tlt and /quote before the first refresh has finished never say "no data"."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import date

from regimebot.handlers.messages.i18n import t
from regimebot.handlers.messages.readings import format_level
from regimebot.jobs.refresh import MarketData
from regimebot.macro.catalog import load_catalog
from regimebot.macro.providers import FetchRequest, FetchResult
from regimebot.storage.store import Store
from tests.chat_world import GeneratedProvider, ask, generated_closes, services_over
from tests.fakebot import FakeBotServer
from tests.fakebot.harness import ADMIN, make_settings, running_bot

NO_DATA = t("en", "reading.no_data")


class GatedProvider(GeneratedProvider):
    """Generated closes that are only handed out once the test opens the gate (a slow first download)."""

    def __init__(self) -> None:
        super().__init__(generated_closes())
        self.gate = threading.Event()
        self.started = threading.Event()
        self.asked = 0  # fetches begun (GeneratedProvider.calls counts them once the gate opens)

    def fetch(self, requests: list[FetchRequest], end: date | None = None) -> FetchResult:
        self.asked += 1
        self.started.set()
        assert self.gate.wait(20), "the test never opened the gate"
        return super().fetch(requests, end)


def _new_bot(provider: GeneratedProvider):
    store = Store.open()
    market_data = MarketData(store.prices, load_catalog(), provider, date(2000, 1, 1))
    return services_over(store, market_data=market_data)


def test_dxy_on_an_empty_cache_loads_on_demand():
    services = _new_bot(GeneratedProvider(generated_closes()))
    text = ask(services, "/dxy").text
    dxy = services.market_data.market().series("DXY")
    assert NO_DATA not in text
    assert format_level(float(dxy.iloc[-1])) in text and dxy.index[-1].date().isoformat() in text


def test_a_slow_first_refresh_says_loading_then_answers():
    provider = GatedProvider()
    services = _new_bot(provider)
    cycle = threading.Thread(target=services.market_data.refresh)  # the bot's first scheduled refresh
    cycle.start()
    assert provider.started.wait(10)
    reply = ask(services, "/tlt")  # waits about 2 s for the running refresh, then says it is loading
    assert reply.text.startswith("⏳ ") and "started" in reply.text and NO_DATA not in reply.text
    zh = ask(services, "/quote DXY", lang="zh-TW").text
    assert "正在載入市場資料" in zh
    assert provider.asked == 1  # asking did not start a second download
    provider.gate.set()
    cycle.join(10)
    text = ask(services, "/quote DXY US30Y").text
    assert NO_DATA not in text
    assert format_level(float(services.market_data.market().series("DXY").iloc[-1])) in text
    assert provider.asked == provider.calls == 1


def test_a_refresh_asked_while_one_runs_joins_it():
    provider = GatedProvider()
    services = _new_bot(provider)
    market_data = services.market_data
    assert isinstance(market_data, MarketData)
    first = threading.Thread(target=market_data.refresh)
    first.start()
    assert provider.started.wait(10)
    since = market_data.refreshing_since()
    assert since is not None
    joined: list[object] = []
    second = threading.Thread(target=lambda: joined.append(market_data.refresh()))
    second.start()
    time.sleep(0.3)  # let the second caller reach its wait (were it to start its own download, calls would be 2)
    provider.gate.set()
    first.join(10)
    second.join(10)
    assert provider.asked == 1 and joined and market_data.refreshing_since() is None
    assert not market_data.market().series("DXY").empty


def test_dxy_right_after_start_gets_the_number(tmp_path):
    """End to end: the real Application, a new database, /dxy before any scheduled refresh has run."""
    chat = 4242

    async def scenario():
        async with FakeBotServer() as server:
            async with running_bot(server, make_settings(server, tmp_path / "bot.db")) as rt:
                server.command(chat, "/dxy", user_id=ADMIN)
                await server.wait_for(lambda: len(server.messages_to(chat)) == 1, timeout=30, what="the /dxy answer")
                if server.messages_to(chat)[0]["text"].startswith("⏳"):  # a slow machine: the refresh took over 2 s
                    await server.wait_for(lambda: rt.services.market_data.refreshing_since() is None, timeout=60,
                                          what="the first refresh")
                    server.command(chat, "/dxy", user_id=ADMIN)
                    await server.wait_for(lambda: len(server.messages_to(chat)) == 2, timeout=30, what="the second answer")
                market = await asyncio.to_thread(rt.services.market_data.market)
                return [m["text"] for m in server.messages_to(chat)], market.series("DXY")

    texts, dxy = asyncio.run(scenario())
    assert not dxy.empty
    assert all(NO_DATA not in text for text in texts)
    assert format_level(float(dxy.iloc[-1])) in texts[-1] and dxy.index[-1].date().isoformat() in texts[-1]
