"""End to end: a simulated stress episode flips theses; alerts go through the outbox to the fake Bot API."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC

from regimebot.handlers.messages.i18n import t
from tests.fakebot import FakeBotServer, Fault
from tests.fakebot.harness import (
    ADMIN,
    STRESS_END,
    deliver_all,
    demo_provider,
    evaluate,
    fast_options,
    make_settings,
    quick_chat_limits,
    running_bot,
)

SUBSCRIBED_ALL = (501, 502, -100777)
UNSUBSCRIBED = 503
ONE_THESIS = 504


def _subscribe(server: FakeBotServer) -> None:
    for chat_id in SUBSCRIBED_ALL:
        kind = "supergroup" if chat_id < 0 else "private"
        server.command(chat_id, "/subscribe all", user_id=ADMIN, chat_type=kind)
    server.command(UNSUBSCRIBED, "/help")
    server.command(ONE_THESIS, "/subscribe long_usd_ai", user_id=ONE_THESIS)


def _alert_messages(server: FakeBotServer, chat_id: int) -> list[dict]:
    """Messages that carry alert buttons (alerts, not command answers)."""
    return [m for m in server.messages_to(chat_id) if m["reply_markup"] and "snooze:" in str(m["reply_markup"])]


def test_a_flip_pushes_exactly_one_alert_to_each_subscribed_chat_and_nothing_on_reevaluation(tmp_path):
    provider = demo_provider()
    server_limits, bot_limits = quick_chat_limits()

    async def scenario():
        async with FakeBotServer(limits=server_limits) as server:
            async with running_bot(server, make_settings(server, tmp_path / "bot.db"), provider=provider,
                                   options=fast_options(bot_limits)) as rt:
                _subscribe(server)
                await server.wait_for(lambda: all(server.messages_to(c) for c in (*SUBSCRIBED_ALL, UNSUBSCRIBED, ONE_THESIS)),
                                      what="subscriptions answered")
                baseline = await evaluate(rt)
                provider.reveal_until = STRESS_END
                flipped = await evaluate(rt)
                await deliver_all(rt, server)
                sent_after_flip = len(server.sent)
                again = await evaluate(rt)
                await deliver_all(rt, server)
                await asyncio.sleep(0.5)
                alerts = {a.id: a for a in (rt.services.store.outbox.get_alert(i) for i in flipped.alert_ids)}
            return server, baseline, flipped, again, alerts, sent_after_flip

    server, baseline, flipped, again, alerts, sent_after_flip = asyncio.run(scenario())
    assert baseline.alert_ids == [] and baseline.transitions > 0  # first observations are not news
    assert flipped.alert_ids, "the stress episode must flip at least one thesis"
    assert again.alert_ids == [] and len(server.sent) == sent_after_flip  # re-evaluation sends nothing new
    for chat_id in SUBSCRIBED_ALL:
        got = _alert_messages(server, chat_id)
        ids = [f"alert:{i}" for i in alerts]
        assert sorted(next(s for s in ids if s in str(m["reply_markup"])) for m in got) == sorted(ids), chat_id
    assert _alert_messages(server, UNSUBSCRIBED) == []
    usd = [a for a in alerts.values() if a.thesis_id == "long_usd_ai"]
    assert len(_alert_messages(server, ONE_THESIS)) == len(usd)
    message = _alert_messages(server, SUBSCRIBED_ALL[0])[0]
    assert message["parse_mode"] == "HTML" and "(SIMULATED)" in message["text"]
    buttons = [b["callback_data"] for row in message["reply_markup"]["inline_keyboard"] for b in row]
    assert [b.split(":")[0] for b in buttons] == ["alert", "snooze", "mute"]


def test_alert_buttons_show_details_snooze_and_mute(tmp_path):
    provider = demo_provider()

    server_limits, bot_limits = quick_chat_limits()  # many messages to one chat

    async def scenario():
        async with FakeBotServer(limits=server_limits) as server:
            async with running_bot(server, make_settings(server, tmp_path / "bot.db"), provider=provider,
                                   options=fast_options(bot_limits)) as rt:
                server.command(601, "/subscribe all")
                await server.wait_for(lambda: server.messages_to(601), what="subscribed")
                await evaluate(rt)
                provider.reveal_until = STRESS_END
                result = await evaluate(rt)
                await deliver_all(rt, server)
                alert_id = result.alert_ids[0]
                thesis = rt.services.store.outbox.get_alert(alert_id).thesis_id
                before = len(server.messages_to(601))
                server.press(601, f"alert:{alert_id}")
                server.press(601, f"snooze:{thesis}")
                server.press(601, "mute:long_usd_ai")
                server.press(601, "mute:<script>")  # forged data: refused, nothing stored
                server.press(601, "alert:999999")
                await server.wait_for(lambda: len(server.messages_to(601)) >= before + 4
                                      and len(server.calls_of("answerCallbackQuery")) >= 5, what="button answers")
                await asyncio.sleep(0.3)
                muted = rt.services.store.chats.mutes(601, result_time())
            return server, before, alert_id, thesis, muted

    server, before, alert_id, thesis, muted = asyncio.run(scenario())
    answers = [m["text"] for m in server.messages_to(601)[before:]]
    assert any(f"#{alert_id}" in a for a in answers)  # details = /why
    assert thesis in muted and muted[thesis] is not None  # snoozed: until a time
    assert "long_usd_ai" in muted and muted["long_usd_ai"] is None  # muted: no end
    assert "<script>" not in muted
    stale = [c.params.get("text") for c in server.calls_of("answerCallbackQuery")]
    assert stale.count(t("en", "alerts.button_stale")) == 1  # malformed data never reaches a handler
    assert t("en", "alerts.button_stale") in answers  # a well-formed but unknown alert id: the handler says so


def result_time():
    from datetime import datetime

    return datetime.now(UTC)


def test_injected_faults_end_with_every_deliverable_row_sent_and_nothing_lost(tmp_path):
    provider = demo_provider()
    chat_ids = [701, 702, 703, 704, 705, 706, -100708]

    server_limits, bot_limits = quick_chat_limits()

    async def scenario():
        async with FakeBotServer(hang_seconds=1.5, limits=server_limits) as server:
            async with running_bot(server, make_settings(server, tmp_path / "bot.db"), provider=provider,
                                   options=fast_options(bot_limits)) as rt:
                for chat_id in chat_ids:
                    server.command(chat_id, "/subscribe all", user_id=ADMIN, chat_type="supergroup" if chat_id < 0 else "private")
                await server.wait_for(lambda: all(server.messages_to(c) for c in chat_ids), what="subscribed")
                await evaluate(rt)
                server.faults += [
                    Fault("429", chat_id=701, retry_after=1),
                    Fault("500", chat_id=702, times=2),
                    Fault("timeout", chat_id=703),
                    Fault("502", chat_id=704),
                    Fault("403", chat_id=705),
                    Fault("migrate", chat_id=-100708, new_chat_id=-100709),
                    Fault("429", chat_id=706, retry_after=1, times=2),  # outlasts the in-place retry: rescheduled
                ]
                provider.reveal_until = STRESS_END
                result = await evaluate(rt)
                await deliver_all(rt, server, timeout=40)
                rows = [d for i in result.alert_ids for d in rt.services.store.outbox.deliveries_for_alert(i)]
                paused = rt.services.store.chats.get_chat(705).paused
                moved = rt.services.store.chats.get_chat(-100709)
            return server, result, rows, paused, moved

    server, result, rows, paused, moved = asyncio.run(scenario())
    n = len(result.alert_ids)
    assert n >= 1
    by_chat = Counter(d.chat_id for d in rows)
    assert set(by_chat) == {701, 702, 703, 704, 705, 706, -100709} and set(by_chat.values()) == {n}
    status = {(d.chat_id, d.alert_id): d.status for d in rows}
    for (chat_id, _alert_id), state in status.items():
        assert state == ("failed" if chat_id == 705 else "sent"), (chat_id, state)
    failed = [d for d in rows if d.status == "failed"]
    assert all("blocked" in d.last_error for d in failed)  # kept, with the reason, for /status
    assert paused and moved is not None
    for chat_id in (701, 702, 703, 704, 706, -100709):
        assert len(_alert_messages(server, chat_id)) == n, chat_id  # each alert exactly once
    assert _alert_messages(server, 705) == [] and _alert_messages(server, -100708) == []
    to_706 = [c for c in server.calls if c.method == "sendmessage" and int(c.params["chat_id"]) == 706]
    limited = [c for c in to_706 if c.status == 429]
    assert len(limited) == 2
    accepted = [c for c in to_706 if c.status == 200 and c.at > limited[-1].at]
    assert accepted and accepted[0].at - limited[-1].at >= 1.0  # retry_after honoured (in the outbox after the second 429)
    statuses = Counter(c.status for c in server.calls if c.method == "sendmessage")
    assert statuses[429] >= 3 and statuses[500] >= 2 and statuses[502] >= 1 and statuses[403] >= 1
